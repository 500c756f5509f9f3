"""The answer path's scoring index over the registry (see `AnswerIndex`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from assistant.qa.evidence import TermWeights, clause_with, term_set
from assistant.registry import Registry
from assistant.schemas import DocumentInfo
from ingest.models import Target, TaskRecord
from ingest.vntext import commune_key, normalise_name


@dataclass
class AnswerIndex:
    """What the answer strategies score, loaded once per store revision: the records (through the
    registry engine), their term sets and idf weights, and lookups by commune and chunk.

    Selecting records (commune, agency, period) is the registry engine's job
    (`assistant.registry`); this index only adds what ranking needs."""

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

    @classmethod
    def load(cls, store, signature) -> "AnswerIndex":
        registry = Registry(store)
        return cls.build(signature, store.documents(), registry.tasks().tasks, registry.targets())

    @classmethod
    def build(cls, signature, documents: list[DocumentInfo], tasks: list[TaskRecord],
              targets: list[Target]) -> "AnswerIndex":
        """The index over given records (a store's, or a test's own)."""
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
                   dict(targets_by_commune), clause_terms, TermWeights(target_terms), dict(by_document))

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


def _ids_in(communes: list[str] | None, total: int, by_commune: dict[str, list[int]]) -> list[int]:
    """Positions of the records of `communes` (all `total` when none is given)."""
    if not communes:
        return list(range(total))
    return [i for c in communes for i in by_commune.get(commune_key(c), [])]


def _record_key(t: TaskRecord) -> tuple:
    src = t.source
    return (t.document, t.origin, t.number, t.task, src.line_start if src else None)
