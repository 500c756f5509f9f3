"""The answer path's scoring index over the registry.

`AnswerIndex.load(store)` gives a `StoreAnswerIndex`: the same attributes the strategies read
(`tasks[i]`, `task_terms[i]`, `task_ids(communes)`, `tasks_by_chunk.get(chunk_id)`, ...), but
records and their term sets are read from SQLite per document on first use and kept in a bounded
LRU, so memory follows the communes being asked about, not the corpus. A record's position is
arithmetic (the document's first position + the record's ordinal), so no per-record structure is
held for the whole store; what is global is one idf table per record kind (a Counter over the
vocabulary) and the agency names. `AnswerIndex.build(...)` keeps the in-memory form for given
records (tests).
"""

from __future__ import annotations

import bisect
import json
import threading
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from assistant.qa.evidence import TermWeights, clause_with, term_set
from assistant.registry import Registry, target_from_row, task_from_row
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
    def load(cls, store, signature) -> "StoreAnswerIndex":
        """The index over a store, read lazily (see the module docstring)."""
        return StoreAnswerIndex(store, signature)

    @classmethod
    def load_eager(cls, store, signature) -> "AnswerIndex":
        """Every record in memory (the form before lazy loading; kept to compare against)."""
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
        return resolve_commune(self.communes, name)


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


def resolve_commune(communes: Sequence[str], name: str) -> str | None:
    """The stored spelling of commune `name` (compared by commune key), or None."""
    key = commune_key(name)
    return next((c for c in communes if commune_key(c) == key), None)


def _ids_in(communes: list[str] | None, total: int, by_commune: dict[str, list[int]]) -> list[int]:
    """Positions of the records of `communes` (all `total` when none is given)."""
    if not communes:
        return list(range(total))
    return [i for c in communes for i in by_commune.get(commune_key(c), [])]


def _record_key(t: TaskRecord) -> tuple:
    src = t.source
    return (t.document, t.origin, t.number, t.task, src.line_start if src else None)


# -- the store-backed index -------------------------------------------------------------------

SHARD_CACHE_DOCUMENTS = 256   # documents whose records and term sets stay in memory (LRU); a
                              # commune has one or two plans, a plan ~50 tasks and ~35 targets


def task_terms_of(t: TaskRecord) -> frozenset[str]:
    return term_set(f"{t.task} {t.product} {t.goal}")


def target_terms_of(g: Target) -> frozenset[str]:
    return term_set(f"{g.subject} {g.sentence} {g.area}")


def target_clause_terms_of(g: Target) -> frozenset[str]:
    return term_set(f"{g.subject} {clause_with(g.sentence or g.text, g.text)}")


@dataclass
class _Shard:
    """One document's records of one kind, with what ranking needs of them."""

    records: list
    terms: list[frozenset[str]]
    extra: list[frozenset[str]]          # tasks: area terms; targets: clause terms
    keys: dict[tuple, int] = field(default_factory=dict)


class _Layout:
    """Where each document's records sit in the global order (document, ordinal)."""

    def __init__(self, counts: Sequence[tuple[str, int]]) -> None:
        self.documents = [d for d, _ in counts]
        self.starts: list[int] = []
        total = 0
        for _, n in counts:
            self.starts.append(total)
            total += n
        self.start_of = dict(zip(self.documents, self.starts))
        self.count_of = dict(counts)
        self.total = total

    def locate(self, i: int) -> tuple[str, int]:
        if not 0 <= i < self.total:
            raise IndexError(i)
        k = bisect.bisect_right(self.starts, i) - 1     # every listed document has records
        return self.documents[k], i - self.starts[k]


class _Records(Sequence):
    """`index.tasks` / `index.task_terms` / ...: position -> one field of a shard."""

    def __init__(self, owner: "_Kind", part: str) -> None:
        self.owner, self.part = owner, part

    def __len__(self) -> int:
        return self.owner.layout.total

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        document, ordinal = self.owner.layout.locate(i)
        return getattr(self.owner.shard(document), self.part)[ordinal]

    def __iter__(self) -> Iterator:
        for document in self.owner.layout.documents:
            yield from getattr(self.owner.shard(document), self.part)


class _ByKey:
    """A read-only mapping key -> positions answered by SQL (`.get(key, default)`, `[key]`)."""

    def __init__(self, owner: "_Kind", column: str) -> None:
        self.owner, self.column = owner, column

    def get(self, key, default=None):
        found = self.owner.positions_where(f"{self.column} = ?", (key,))
        return found if found else default

    def __getitem__(self, key):
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def __contains__(self, key) -> bool:
        return self.get(key) is not None


class _Kind:
    """Tasks or targets of a store: layout, shard LRU, the idf table, SQL lookups."""

    def __init__(self, store, table: str, from_row, terms_of, extra_of, key_of=None) -> None:
        self.store, self.table = store, table
        self.from_row, self.terms_of, self.extra_of, self.key_of = from_row, terms_of, extra_of, key_of
        self.layout = _Layout([(r[0], r[1]) for r in store.query_rows(
            f"SELECT document, COUNT(*) FROM {table} GROUP BY document ORDER BY document")])
        self._shards: OrderedDict[str, _Shard] = OrderedDict()
        self._lock = threading.Lock()
        self.excluded: frozenset[int] = frozenset()   # positions of records no answer may use

    def shard(self, document: str) -> _Shard:
        with self._lock:
            shard = self._shards.get(document)
            if shard is not None:
                self._shards.move_to_end(document)
                return shard
        records = [self.from_row(r) for r in self.store.query_rows(
            f"SELECT * FROM {self.table} WHERE document = ? ORDER BY ordinal", (document,))]
        shard = _Shard(records, [self.terms_of(r) for r in records], [self.extra_of(r) for r in records])
        if self.key_of is not None:
            for j, r in enumerate(records):
                shard.keys[self.key_of(r)] = j     # the last of equal keys, as the eager index
        with self._lock:
            self._shards[document] = shard
            self._shards.move_to_end(document)
            while len(self._shards) > SHARD_CACHE_DOCUMENTS:
                self._shards.popitem(last=False)
        return shard

    def positions_where(self, clause: str, params: Sequence) -> list[int]:
        start = self.layout.start_of
        return [start[r[0]] + r[1] for r in self.store.query_rows(
            f"SELECT document, ordinal FROM {self.table} WHERE {clause} ORDER BY document, ordinal", params)
            if r[0] in start]

    def ids(self, communes: list[str] | None) -> Sequence[int]:
        if not communes:
            every = range(self.layout.total)
            return [i for i in every if i not in self.excluded] if self.excluded else every
        out: list[int] = []
        for c in communes:
            out += self.positions_where("commune_key = ?", (commune_key(c),))
        return [i for i in out if i not in self.excluded] if self.excluded else out

    def document_summary(self, document: str) -> tuple[int, Counter]:
        """(records, document frequency of each term) of one document's records."""
        cached = self._shards.get(document)
        if cached is not None:
            term_sets = cached.terms
        else:
            term_sets = [self.terms_of(self.from_row(r)) for r in self.store.query_rows(
                f"SELECT * FROM {self.table} WHERE document = ? ORDER BY ordinal", (document,))]
        df: Counter = Counter()
        for terms in term_sets:
            df.update(terms)
        return len(term_sets), df


DERIVATION_VERSION = "1"      # bump when term_set or the agency key changes what is derived
_TOTAL_KEY = "answer:total"
_DOCUMENT_KEY = "answer:doc:"
_INSTRUCTION_KEY = "answer:instructions:"


def _weights(n: int, df) -> TermWeights:
    weights = TermWeights(())
    weights.n = n
    weights.df = Counter(df)
    return weights


class StoreAnswerIndex:
    """`AnswerIndex` over a store, read lazily (module docstring). Thread-safe."""

    def __init__(self, store, signature) -> None:
        self.signature = signature
        self.store = store
        self.documents: dict[str, DocumentInfo] = {d.document: d for d in store.documents()}
        self.communes = sorted({d.commune for d in self.documents.values() if d.commune})
        self._tasks = _Kind(store, "tasks", task_from_row, task_terms_of, lambda t: term_set(t.area), _record_key)
        self._targets = _Kind(store, "targets", target_from_row, target_terms_of, target_clause_terms_of)
        self.tasks = _Records(self._tasks, "records")
        self.task_terms = _Records(self._tasks, "terms")
        self.task_area_terms = _Records(self._tasks, "extra")
        self.tasks_by_chunk = _ByKey(self._tasks, "chunk_id")
        self.targets = _Records(self._targets, "records")
        self.target_terms = _Records(self._targets, "terms")
        self.target_clause_terms = _Records(self._targets, "extra")
        self.targets_by_document = _ByKey(self._targets, "document")
        self.instruction_chunks = self._instructions()
        total = self._totals()
        self.agencies: list[str] = total["agencies"]
        self.task_weights = _weights(total["task_n"], total["task_df"])
        self.target_weights = _weights(total["target_n"], total["target_df"])

    # -- what is global: idf counts and agency names, derived once per document -----------------
    def _totals(self) -> dict:
        """The store-wide idf counts and agency names. Kept in the store's derived cache: the
        total per revision, and per document (stamped with its content hash and the derivation
        version), so after a write only the written documents are derived again."""
        stamp = f"{self.signature}:{DERIVATION_VERSION}"
        cached = self.store.derived([_TOTAL_KEY]).get(_TOTAL_KEY)
        if cached and cached[0] == stamp:
            return json.loads(cached[1])
        task_df: Counter = Counter()
        target_df: Counter = Counter()
        task_n = target_n = 0
        agencies: dict[str, str] = {}
        summaries, fresh = self._per_document(_DOCUMENT_KEY, self._document_summary)
        for document, summary in summaries:
            task_n += summary["task_n"]
            target_n += summary["target_n"]
            task_df.update(summary["task_df"])
            target_df.update(summary["target_df"])
            for key, name in summary["agencies"]:
                agencies.setdefault(key, name)     # documents in order: the first spelling wins
        total = {"task_n": task_n, "task_df": task_df, "target_n": target_n, "target_df": target_df,
                 "agencies": sorted(agencies.values())}
        fresh.append((_TOTAL_KEY, stamp, json.dumps(total, ensure_ascii=False)))
        self.store.put_derived(fresh)
        return total

    def _per_document(self, prefix: str, derive) -> tuple[list[tuple[str, dict]], list[tuple[str, str, str]]]:
        """[(document, derive(document))] for every document, in order, read from the derived cache
        where its stamp (content, pipeline, derivation version) still holds; and the fresh
        entries to write back."""
        stamps = {r[0]: f"{r[1]}:{r[2]}:{DERIVATION_VERSION}" for r in self.store.query_rows(
            "SELECT document, content_hash, pipeline_version FROM documents ORDER BY document")}
        keys = {d: prefix + d for d in stamps}
        have = self.store.derived(list(keys.values()))
        out, fresh = [], []
        for document, stamp in stamps.items():
            entry = have.get(keys[document])
            if entry and entry[0] == stamp:
                value = json.loads(entry[1])
            else:
                value = derive(document)
                fresh.append((keys[document], stamp, json.dumps(value, ensure_ascii=False)))
            out.append((document, value))
        return out, fresh

    def _instructions(self) -> frozenset[str]:
        """Passages addressing the assistant or the reader (`ingest.instructions`), and the
        records they hold, per document: derived once per content hash and kept in the store's
        derived cache, so opening a store re-reads only documents written since."""
        chunks: set[str] = set()
        tasks: set[int] = set()
        targets: set[int] = set()
        per_document, fresh = self._per_document(_INSTRUCTION_KEY, self._document_instructions)
        for document, found in per_document:
            chunks.update(found["chunks"])
            task_start = self._tasks.layout.start_of.get(document, 0)
            target_start = self._targets.layout.start_of.get(document, 0)
            tasks.update(task_start + j for j in found["tasks"])
            targets.update(target_start + j for j in found["targets"])
        self.store.put_derived(fresh)
        self._tasks.excluded = frozenset(tasks)
        self._targets.excluded = frozenset(targets)
        return frozenset(chunks)

    def _document_instructions(self, document: str) -> dict:
        passages = [Passage(r["id"], r["document"], r["line_start"] or 0, r["line_end"] or 0)
                    for r in self.store.query_rows(
                        "SELECT id, document, line_start, line_end, text FROM chunks WHERE document = ?",
                        (document,)) if holds_instruction_to_reader(r["text"])]
        if not passages:
            return {"chunks": [], "tasks": [], "targets": []}
        flagged = frozenset(p.id for p in passages)
        tasks = [j for j, task in enumerate(self._tasks.shard(document).records)
                 if _from_passages(task.chunk_id, task.source, flagged, passages)]
        targets = [j for j, target in enumerate(self._targets.shard(document).records)
                   if _from_passages("", target.source, flagged, passages)]
        return {"chunks": sorted(flagged), "tasks": tasks, "targets": targets}

    def is_evidence(self, chunk_id: str) -> bool:
        """May an answer rest on (quote, cite, or hand a model) this passage?"""
        return chunk_id not in self.instruction_chunks

    def _document_summary(self, document: str) -> dict:
        task_n, task_df = self._tasks.document_summary(document)
        target_n, target_df = self._targets.document_summary(document)
        agencies: dict[str, str] = {}
        for r in self.store.query_rows("SELECT lead, leads, coordinator_list FROM tasks WHERE document = ? "
                                       "ORDER BY ordinal", (document,)):
            leads = json.loads(r["leads"]) or ([r["lead"]] if r["lead"] else [])
            for name in leads + (json.loads(r["coordinator_list"]) or []):
                key = normalise_name(name)
                if key and len(key) < 80:
                    agencies.setdefault(key, name)
        return {"task_n": task_n, "task_df": task_df, "target_n": target_n, "target_df": target_df,
                "agencies": list(agencies.items())}

    def task_ids(self, communes: list[str] | None) -> Sequence[int]:
        return self._tasks.ids(communes)

    def target_ids(self, communes: list[str] | None) -> Sequence[int]:
        return self._targets.ids(communes)

    def index_of(self, task: TaskRecord) -> int | None:
        start = self._tasks.layout.start_of.get(task.document)
        if start is None:
            return None
        j = self._tasks.shard(task.document).keys.get(_record_key(task))
        return None if j is None else start + j

    def resolve_commune(self, name: str) -> str | None:
        return resolve_commune(self.communes, name)
