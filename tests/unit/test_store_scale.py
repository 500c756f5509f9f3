"""Commune-filtered dense search at national scale (issue 15): it touches only the communes'
own vectors (SQLite's vector cache, an exact scan), never a Chroma `where` query over the whole
index, and gives the nearest chunks Chroma gives. On the real bundled plans."""

from __future__ import annotations

import pytest

from assistant.config import Settings
from assistant.embeddings import HashEmbeddings
from assistant.store import Store
from ingest.vntext import commune_key

QUESTIONS = ["thủ tục hành chính", "đối thoại với người dân và doanh nghiệp", "chuyển đổi số",
             "kinh phí thực hiện kế hoạch", "tỷ lệ hồ sơ trực tuyến toàn trình"]
COMMUNES = ["Di Linh", "Lộc Hòa", "Năm Dẫn", "Đại Phước"]


def open_store(home) -> Store:
    return Store(Settings(home=home, embedder="hash"), HashEmbeddings()).open()


@pytest.fixture()
def store(tmp_path, parsed_plans):
    s = open_store(tmp_path / "home")
    for plan in parsed_plans.values():
        assert s.upsert_plan(plan) == "added"
    yield s
    s.close()


class NoQueries:
    """A Chroma collection stand-in that fails any query (and passes everything else on; the
    store's retry after a failed query reopens the real collection)."""

    def __init__(self, real) -> None:
        self.real = real
        self.queries = 0

    def query(self, **kwargs):
        self.queries += 1
        raise AssertionError("a commune-filtered search queried Chroma")

    def __getattr__(self, name):
        return getattr(self.real, name)


def chroma_nearest(s: Store, vector, k: int, communes: list[str]) -> list[tuple[str, float]]:
    keys = sorted({commune_key(c) for c in communes})
    result = s._collection.query(query_embeddings=[vector], n_results=k, include=["distances"],
                                 where={"$and": [{"commune_key": {"$in": keys}}, {"kind": {"$ne": "procedure"}}]})
    return [(i, 1.0 - d) for i, d in zip(result["ids"][0], result["distances"][0])]


@pytest.mark.parametrize("communes", [["Di Linh"], ["Lộc Hòa", "Năm Dẫn"], ["xã Đại Phước"]])
def test_commune_search_gives_chromas_nearest_chunks(store, communes):
    for question in QUESTIONS:
        vector = store.embedder.embed_query_vector(question)
        ours = store.dense_search(vector, k=10, communes=communes)
        theirs = chroma_nearest(store, vector, 10, communes)
        assert [i for i, _ in ours] == [i for i, _ in theirs], question
        assert all(abs(a - b) < 1e-4 for (_, a), (_, b) in zip(ours, theirs))


def test_commune_search_never_queries_chroma(store):
    fake = NoQueries(store._collection)
    store._collection = fake
    vector = store.embedder.embed_query_vector("thủ tục hành chính")
    for commune in COMMUNES:
        hits = store.dense_search(vector, k=30, communes=[commune])
        assert hits
        documents = {c.document for c in store.get_chunks([i for i, _ in hits])}
        assert {store.document(d).commune for d in documents} == {commune}
    assert fake.queries == 0


def test_commune_search_follows_writes(store, parsed_plans):
    vector = store.embedder.embed_query_vector("thủ tục hành chính")
    assert store.dense_search(vector, k=5, communes=["Di Linh"])
    assert store.remove("di-linh_2026-2030.txt")
    assert store.dense_search(vector, k=5, communes=["Di Linh"]) == []
    assert store.upsert_plan(parsed_plans["di-linh_2026-2030.txt"]) == "added"
    hits = store.dense_search(vector, k=5, communes=["Di Linh"])
    assert {i for i, _ in hits} <= set(store.document_chunk_ids("di-linh_2026-2030.txt")) and hits


def test_a_chunk_without_a_cached_vector_falls_back_to_chroma(store):
    store._writer.execute("DELETE FROM vectors WHERE text_hash IN (SELECT text_hash FROM chunks "
                          "WHERE document = 'nam-dan_2026.txt' LIMIT 1)")
    vector = store.embedder.embed_query_vector("chuyển đổi số")
    store.refresh()
    fake = NoQueries(store._collection)
    store._collection = fake
    hits = store.dense_search(vector, k=5, communes=["Năm Dẫn"])
    assert fake.queries == 1, "the commune's vectors are incomplete: Chroma answers"
    assert hits and {i for i, _ in hits} <= set(store.document_chunk_ids("nam-dan_2026.txt"))
