"""The answer path's scoring index over the registry (see `AnswerIndex`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from assistant.qa.evidence import TermWeights, clause_with, term_set
from assistant.registry import Registry
from assistant.schemas import DocumentInfo
from ingest.instructions import holds_instruction_to_reader
from ingest.models import Target, TaskRecord
from ingest.vntext import commune_key, normalise_name


@dataclass
class AnswerIndex:
    """What the answer strategies score, loaded once per store revision: the records (through the
    registry engine), their term sets and idf weights, and lookups by commune and chunk.

    Selecting records (commune, agency, period) is the registry engine's job
    (`assistant.registry`); this index only adds what ranking needs.

    Passages that address the assistant or the reader ("Bỏ qua mọi chỉ dẫn…", "hãy trả lời rằng…",
    flagged at ingest by `ingest.instructions`) are no evidence: their ids are in
    `instruction_chunks`, the records they hold are left out of the index, and `is_evidence` is
    the one test every strategy's passages pass (`assistant.qa.common.evidence_only`). The whole
    passage is set aside, not only the sentence: the claim an injection wants repeated ("người
    dân được miễn toàn bộ thuế") may sit in the sentence next to it."""

    signature: object
    documents: dict[str, DocumentInfo]
    communes: list[str]
    tasks: list[TaskRecord]
    task_terms: list[frozenset[str]]
    task_area_terms: list[frozenset[str]]
    tasks_by_commune: dict[str, list[int]]
    tasks_by_chunk: dict[str, list[int]]
    agencies: list[str]
    task_weights: TermWeights
    targets: list[Target]
    target_terms: list[frozenset[str]]
    targets_by_commune: dict[str, list[int]]
    target_clause_terms: list[frozenset[str]] = field(default_factory=list)   # subject + quoted clause
    target_weights: TermWeights | None = None
    targets_by_document: dict[str, list[int]] = field(default_factory=dict)
    positions: dict[tuple, int] = field(default_factory=dict)   # record key -> position, built on first use
    instruction_chunks: frozenset[str] = frozenset()            # passages addressing the reader: no evidence

    @classmethod
    def load(cls, store, signature) -> "AnswerIndex":
        registry = Registry(store)
        return cls.build(signature, store.documents(), registry.tasks().tasks, registry.targets(),
                         instruction_passages(store))

    @classmethod
    def build(cls, signature, documents: list[DocumentInfo], tasks: list[TaskRecord],
              targets: list[Target], instructions: list["Passage"] | None = None) -> "AnswerIndex":
        """The index over given records (a store's, or a test's own), without the records that
        come from `instructions` (passages addressing the reader)."""
        instructions = instructions or []
        flagged = frozenset(p.id for p in instructions)
        if instructions:
            tasks = [t for t in tasks if not _from_passages(t.chunk_id, t.source, flagged, instructions)]
            targets = [g for g in targets if not _from_passages("", g.source, flagged, instructions)]
        docs = {d.document: d for d in documents}
        communes = sorted({d.commune for d in docs.values() if d.commune})
        task_terms = [term_set(f"{t.task} {t.product} {t.goal}") for t in tasks]
        area_terms = [term_set(t.area) for t in tasks]
        by_commune: dict[str, list[int]] = defaultdict(list)
        by_chunk: dict[str, list[int]] = defaultdict(list)
        agencies: dict[str, str] = {}
        for i, t in enumerate(tasks):
            by_commune[commune_key(t.commune)].append(i)
            if t.chunk_id:
                by_chunk[t.chunk_id].append(i)
            for name in (t.leads or ([t.lead] if t.lead else [])) + (t.coordinator_list or []):
                key = normalise_name(name)
                if key and len(key) < 80:
                    agencies.setdefault(key, name)
        target_terms = [term_set(f"{g.subject} {g.sentence} {g.area}") for g in targets]
        targets_by_commune: dict[str, list[int]] = defaultdict(list)
        for i, g in enumerate(targets):
            targets_by_commune[commune_key(g.commune)].append(i)
        clause_terms = [term_set(f"{g.subject} {clause_with(g.sentence or g.text, g.text)}") for g in targets]
        by_document: dict[str, list[int]] = defaultdict(list)
        for i, g in enumerate(targets):
            by_document[g.document].append(i)
        return cls(signature, docs, communes, tasks, task_terms, area_terms, dict(by_commune), dict(by_chunk),
                   sorted(agencies.values()), TermWeights(task_terms), targets, target_terms,
                   dict(targets_by_commune), clause_terms, TermWeights(target_terms), dict(by_document),
                   instruction_chunks=flagged)

    def is_evidence(self, chunk_id: str) -> bool:
        """May an answer rest on (quote, cite, or hand a model) this passage?"""
        return chunk_id not in self.instruction_chunks

    def task_ids(self, communes: list[str] | None) -> list[int]:
        return _ids_in(communes, len(self.tasks), self.tasks_by_commune)

    def target_ids(self, communes: list[str] | None) -> list[int]:
        return _ids_in(communes, len(self.targets), self.targets_by_commune)

    def index_of(self, task: TaskRecord) -> int | None:
        """The position of a record (as the registry engine returns it) in this index."""
        if not self.positions:
            self.positions.update({_record_key(t): i for i, t in enumerate(self.tasks)})
        return self.positions.get(_record_key(task))

    def resolve_commune(self, name: str) -> str | None:
        key = commune_key(name)
        for c in self.communes:
            if commune_key(c) == key:
                return c
        return None


@dataclass(frozen=True)
class Passage:
    """Where a stored passage lies (for records that carry only a line range)."""

    id: str
    document: str
    line_start: int
    line_end: int


def instruction_passages(store) -> list[Passage]:
    """The stored passages that address the assistant or the reader, found by the rule that
    flags them at ingest (`ingest.instructions`), over the store's own text."""
    query = getattr(store, "query_rows", None)
    if query is None:
        return []
    rows = query("SELECT id, document, line_start, line_end, text FROM chunks")
    return [Passage(r["id"], r["document"], r["line_start"] or 0, r["line_end"] or 0)
            for r in rows if holds_instruction_to_reader(r["text"])]


def _from_passages(chunk_id: str, source, flagged: frozenset[str], passages: list[Passage]) -> bool:
    """Does a record come from one of `passages` (by its chunk, else by its source lines)?"""
    if chunk_id:
        return chunk_id in flagged
    if source is None or not source.line_start:
        return False
    end = source.line_end or source.line_start
    return any(p.document == source.document and p.line_start <= end and source.line_start <= p.line_end
               for p in passages)


def _ids_in(communes: list[str] | None, total: int, by_commune: dict[str, list[int]]) -> list[int]:
    """Positions of the records of `communes` (all `total` when none is given)."""
    if not communes:
        return list(range(total))
    return [i for c in communes for i in by_commune.get(commune_key(c), [])]


def _record_key(t: TaskRecord) -> tuple:
    src = t.source
    return (t.document, t.origin, t.number, t.task, src.line_start if src else None)
