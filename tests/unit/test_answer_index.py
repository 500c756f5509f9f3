"""The store-backed answer index (issue 15 item 2): records and term sets read per document from
SQLite with a bounded LRU must give exactly what the in-memory index gives, on the bundled plans,
and a commune's lookups must touch only that commune's rows."""

from __future__ import annotations

import pytest

from assistant.config import Settings
from assistant.embeddings import HashEmbeddings
from assistant.qa import index as index_module
from assistant.qa.index import AnswerIndex, StoreAnswerIndex
from assistant.store import Store


@pytest.fixture(scope="module")
def store(tmp_path_factory, parsed_plans):
    s = Store(Settings(home=tmp_path_factory.mktemp("home"), embedder="hash"), HashEmbeddings()).open()
    for plan in parsed_plans.values():
        assert s.upsert_plan(plan) == "added"
    yield s
    s.close()


def _assert_same(eager: AnswerIndex, lazy: StoreAnswerIndex) -> None:
    assert lazy.communes == eager.communes and lazy.agencies == eager.agencies
    assert list(lazy.documents) == list(eager.documents)
    assert len(lazy.tasks) == len(eager.tasks) > 100 and len(lazy.targets) == len(eager.targets) > 50
    for i in range(len(eager.tasks)):
        assert lazy.tasks[i] == eager.tasks[i], i
        assert lazy.task_terms[i] == eager.task_terms[i] and lazy.task_area_terms[i] == eager.task_area_terms[i]
        assert lazy.index_of(eager.tasks[i]) == eager.index_of(eager.tasks[i])
    for i in range(len(eager.targets)):
        assert lazy.targets[i] == eager.targets[i]
        assert lazy.target_terms[i] == eager.target_terms[i]
        assert lazy.target_clause_terms[i] == eager.target_clause_terms[i]
    for kind in ("task_weights", "target_weights"):
        assert getattr(lazy, kind).df == getattr(eager, kind).df and getattr(lazy, kind).n == getattr(eager, kind).n
    for commune in [*eager.communes, "không có xã này", None]:
        scope = [commune] if commune else None
        assert list(lazy.task_ids(scope)) == list(eager.task_ids(scope)), commune
        assert list(lazy.target_ids(scope)) == list(eager.target_ids(scope)), commune
    for chunk_id in {t.chunk_id for t in eager.tasks} | {"no-such-chunk"}:
        assert lazy.tasks_by_chunk.get(chunk_id, []) == eager.tasks_by_chunk.get(chunk_id, []), chunk_id
    for document in [*eager.documents, "no-such-document"]:
        assert lazy.targets_by_document.get(document, []) == eager.targets_by_document.get(document, [])


def test_the_store_index_gives_what_the_in_memory_index_gives(store):
    _assert_same(AnswerIndex.load_eager(store, 1), AnswerIndex.load(store, 1))


def test_the_lru_keeps_at_most_its_bound_and_evicted_documents_read_back_the_same(store, monkeypatch):
    monkeypatch.setattr(index_module, "SHARD_CACHE_DOCUMENTS", 1)
    lazy = AnswerIndex.load(store, 1)
    _assert_same(AnswerIndex.load_eager(store, 1), lazy)
    assert len(lazy._tasks._shards) <= 1 and len(lazy._targets._shards) <= 1


def test_a_commune_question_reads_only_that_communes_plan(store):
    lazy = AnswerIndex.load(store, 1)
    ids = lazy.task_ids(["Di Linh"])
    assert ids and all(lazy.tasks[i].document == "di-linh_2026-2030.txt" for i in ids)
    assert list(lazy._tasks._shards) == ["di-linh_2026-2030.txt"]   # the other plans were never read


def test_idf_counts_are_derived_once_per_document_and_reused(tmp_path, parsed_plans, monkeypatch):
    s = Store(Settings(home=tmp_path / "home", embedder="hash"), HashEmbeddings()).open()
    try:
        names = sorted(parsed_plans)
        for name in names[:3]:
            s.upsert_plan(parsed_plans[name])
        derived: list[str] = []
        original = StoreAnswerIndex._document_summary

        def counting(self, document):
            derived.append(document)
            return original(self, document)

        monkeypatch.setattr(StoreAnswerIndex, "_document_summary", counting)
        first = AnswerIndex.load(s, s.revision())
        assert sorted(derived) == names[:3]
        again = AnswerIndex.load(s, s.revision())          # a reopened process: the cached total
        assert sorted(derived) == names[:3]
        assert again.task_weights.df == first.task_weights.df and again.agencies == first.agencies

        s.upsert_plan(parsed_plans[names[3]])
        grown = AnswerIndex.load(s, s.revision())
        assert sorted(derived) == sorted(names[:3] + names[3:])   # only the new plan was derived
        _assert_same(AnswerIndex.load_eager(s, s.revision()), grown)

        s.remove(names[0])
        shrunk = AnswerIndex.load(s, s.revision())
        assert len(derived) == 4                                   # nothing to derive for a removal
        _assert_same(AnswerIndex.load_eager(s, s.revision()), shrunk)
    finally:
        s.close()
