"""REST API (assistant/api.py) and its helpers: the /api/ask contract, errors, auth, the
upload -> job -> answerable -> delete cycle, limits (body, file size, queue, rate), CORS and the
generic 500. The first block is pure and fast; the rest runs on the session-ingested corpus."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.export import CSV_COLUMNS as TASK_CSV_COLUMNS
from assistant.config import Settings, get_settings
from assistant.jobs import UploadRejected, check_content, sanitize_filename
from assistant.schemas import Answer, Citation
from assistant.security import RateLimiter, clean_question, token_matches
from assistant.service import Assistant
from assistant.ui import render_answer
from ingest.vntext import fold

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "data" / "plans"
TOKEN = "test-admin-token-7f3a-5d1c9e2b"
BUNDLED = {"dai-phuoc_2026.txt": "Đại Phước", "di-linh_2026-2030.txt": "Di Linh",
           "loc-hoa_2025.txt": "Lộc Hòa", "nam-dan_2026.txt": "Năm Dẫn"}


# -- pure helpers ------------------------------------------------------------

@pytest.mark.parametrize("raw,expected", [
    ("../../etc/passwd.txt", "passwd.txt"),
    ("..\\..\\Windows\\ke-hoach.MD", "ke-hoach.md"),
    ("/abs/path/plan.pdf", "plan.pdf"),
    ("ke\x00hoach\x1f\x7f.txt", "kehoach.txt"),
    ("  .hidden plan .txt", "hidden plan.txt"),
    ("a<b>:c|d?.docx", "a_b__c_d_.docx"),
    ("Ke\u0302\u0301 hoa\u0323ch.txt", "Kế hoạch.txt"),  # NFD in, NFC out
])
def test_sanitize_filename_keeps_only_a_safe_base_name(raw, expected):
    assert sanitize_filename(raw) == expected


@pytest.mark.parametrize("raw", ["", "..", "../", "\x00\x01", " . "])
def test_sanitize_filename_refuses_names_with_nothing_left(raw):
    with pytest.raises(UploadRejected) as err:
        sanitize_filename(raw)
    assert err.value.reason == "bad_name"


def _zip(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "x")
    return buffer.getvalue()


@pytest.mark.parametrize("name,data,reason", [
    ("plan.exe", b"MZ\x90\x00", "unsupported"),
    ("plan", b"text", "unsupported"),
    ("plan.pdf", b"\x89PNG not a pdf", "unsupported"),
    ("plan.docx", b"PK\x03\x04 truncated", "unsupported"),
    ("plan.docx", _zip(["content.xml"]), "unsupported"),
    ("plan.txt", b"", "empty"),
    ("plan.md", b" \n\t\n", "empty"),
    ("plan.txt", b"x" * 2001, "too_large"),
])
def test_check_content_refuses_bad_uploads(name, data, reason):
    with pytest.raises(UploadRejected) as err:
        check_content(name, data, max_bytes=2000)
    assert err.value.reason == reason
    assert name in err.value.message


def test_check_content_accepts_real_formats():
    check_content("plan.txt", "Kế hoạch".encode(), max_bytes=2000)
    check_content("plan.pdf", b"%PDF-1.7\n...", max_bytes=2000)
    check_content("plan.docx", _zip(["[Content_Types].xml", "word/document.xml"]), max_bytes=2000)


def test_clean_question_normalises_and_caps():
    assert clean_question("  Ai chu\u0309 tri\u0300?  ", 100) == "Ai chủ trì?"
    for bad in ("", "   ", "x" * 101):
        with pytest.raises(ValueError):
            clean_question(bad, 100)


def test_token_matches_never_accepts_an_unconfigured_token():
    assert token_matches("s3cret", "s3cret")
    assert not token_matches("s3cret", "s3cre")
    assert not token_matches("s3cret", None)
    assert not token_matches("", "")
    assert not token_matches("", "anything")


def test_rate_limiter_sliding_window():
    now = [1000.0]
    limiter = RateLimiter(2, clock=lambda: now[0])
    assert limiter.hit("a") == (True, 0)
    assert limiter.hit("a") == (True, 0)
    allowed, retry = limiter.hit("a")
    assert not allowed and 1 <= retry <= 60
    assert limiter.hit("b") == (True, 0)  # per client
    now[0] += 60.0
    assert limiter.hit("a") == (True, 0)
    assert RateLimiter(0).hit("a") == (True, 0)  # off


def test_render_answer_escapes_text_and_shows_expandable_sources():
    answer = Answer(answer="Phòng <b>Kinh tế</b> chủ trì.", intent="lead", citations=[
        Citation(document="di-linh_2026-2030.txt", title="Kế hoạch CCHC", commune="Di Linh",
                 section="Phụ lục › II › 7", text="Tổ chức đối thoại <script>x</script>\nHàng năm",
                 line_start=313, line_end=313)])
    html = render_answer(answer)
    assert "<b>Kinh" not in html and "&#60;b&#62;Kinh tế" in html
    assert "<script>" not in html
    assert "<details" in html and "<summary>" in html
    for part in ("xã Di Linh", "Kế hoạch CCHC", "Phụ lục › II › 7", "Tổ chức đối thoại", "dòng 313"):
        assert part in html
    assert "\n\n" not in html.split("Nguồn trích dẫn")[1]  # one HTML block for the markdown renderer
    abstained = render_answer(Answer(answer="Không có.", abstained=True))
    assert "cchc-abstain" in abstained and "Chưa tìm thấy" in abstained
    assert "cchc-abstain" not in html


# -- app without a loaded index (fast: nothing is warmed up) -------------------

def test_create_app_without_arguments_reads_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CCHC_HOME", str(tmp_path))
    monkeypatch.setenv("CCHC_MAX_BODY_KB", "7")
    get_settings.cache_clear()
    try:
        app = create_app()
        assert app.state.settings.home == tmp_path and app.state.settings.max_body_kb == 7
        client = TestClient(app)  # no lifespan: the index is never loaded
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["status"] == "starting"
        ask = client.post("/api/ask", json={"question": "ai chủ trì?"})
        assert ask.status_code == 503 and ask.headers["retry-after"]
    finally:
        get_settings.cache_clear()


def test_openapi_schema_describes_the_contract(tmp_path):
    client = TestClient(create_app(Assistant(Settings(home=tmp_path)), Settings(home=tmp_path)))
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    for path, method in [("/api/ask", "post"), ("/api/search", "get"), ("/api/tasks", "get"),
                         ("/api/documents", "get"), ("/api/documents", "post"), ("/api/jobs/{job_id}", "get"),
                         ("/api/documents/{name}", "delete"), ("/healthz", "get"), ("/readyz", "get")]:
        assert method in paths[path], (path, method)
    ask = paths["/api/ask"]["post"]
    body_ref = ask["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body_ref.endswith("/AskRequest")
    assert ask["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/Answer")
    answer_fields = schema["components"]["schemas"]["Answer"]["properties"]
    assert {"answer", "abstained", "intent", "citations"} <= set(answer_fields)
    assert set(paths["/api/documents"]["post"]["security"][0]) == {"HTTPBearer"}
    assert client.get("/docs").status_code == 200


# -- on the ingested corpus ----------------------------------------------------

def _settings(assistant: Assistant, tmp_path: Path | None = None, **changes) -> Settings:
    """App settings over the session store; `tmp_path` moves the uploads folder out of the way."""
    if tmp_path is not None:
        changes.setdefault("home", tmp_path)
    return assistant.settings.model_copy(update=changes)


def _auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def client(assistant):
    """Public app: no admin token configured."""
    with TestClient(create_app(assistant, _settings(assistant)), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def admin(assistant):
    """App with a staff token; uploads go to the session store's own uploads folder."""
    with TestClient(create_app(assistant, _settings(assistant, admin_token=TOKEN))) as c:
        yield c


def _wait_for_job(client: TestClient, job_id: str, timeout: float = 600.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["state"] in ("done", "failed") or time.monotonic() > deadline:
            return job
        time.sleep(0.5)


@pytest.mark.slow
def test_ask_contract_diacritic_free_question(client):
    response = client.post("/api/ask", json={"question": "ai chu tri doi thoai voi nguoi dan o Di Linh"})
    assert response.status_code == 200
    body = response.json()
    assert {"answer", "abstained", "intent", "citations"} <= set(body)
    assert body["abstained"] is False
    assert "Phòng Kinh tế" in body["answer"]
    assert body["citations"], body
    first = body["citations"][0]
    assert {"document", "title", "commune", "section", "text"} <= set(first)
    assert first["document"] == "di-linh_2026-2030.txt" and first["commune"] == "Di Linh"
    assert "Phòng Kinh tế" in first["text"] and "đối thoại" in first["text"]


@pytest.mark.slow
def test_ask_commune_filter_restricts_citations(client):
    body = client.post("/api/ask", json={"question": "Ai chủ trì tổ chức đối thoại với người dân?",
                                         "commune": "Năm Dẫn"}).json()
    assert body["citations"]
    assert {c["commune"] for c in body["citations"]} == {"Năm Dẫn"}


@pytest.mark.slow
def test_ask_errors_are_clear_4xx(client, assistant):
    empty = client.post("/api/ask", json={"question": "   "})
    assert empty.status_code == 400 and "trống" in empty.json()["detail"]
    cap = assistant.settings.max_question_chars
    too_long = client.post("/api/ask", json={"question": "đối thoại " * cap})
    assert too_long.status_code == 400 and f"tối đa {cap}" in too_long.json()["detail"]
    assert client.post("/api/ask", json={"commune": "Di Linh"}).status_code == 422
    assert client.post("/api/ask", json={"question": ["a"]}).status_code == 422
    oversized = client.post("/api/ask", content=b'{"question": "' + b"a" * (70 * 1024) + b'"}',
                            headers={"content-type": "application/json"})
    assert oversized.status_code == 413 and "quá lớn" in oversized.json()["detail"]


@pytest.mark.slow
def test_body_cap_also_stops_chunked_bodies(client):
    def chunks():
        yield b'{"question": "'
        for _ in range(100):
            yield b"a" * 1024
        yield b'"}'

    response = client.post("/api/ask", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413 and "quá lớn" in response.json()["detail"]


@pytest.mark.slow
def test_search_returns_ranked_passages(client):
    response = client.get("/api/search", params={"q": "doi thoai voi nguoi dan", "commune": "Di Linh", "k": 3})
    assert response.status_code == 200
    body = response.json()
    hits = body["hits"]
    assert 1 <= len(hits) <= 3
    assert {h["commune"] for h in hits} == {"Di Linh"}
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert any("đối thoại" in h["text"] for h in hits)
    assert client.get("/api/search", params={"q": "x", "k": 0}).status_code == 422
    assert client.get("/api/search", params={"q": "  "}).status_code == 400
    assert client.get("/api/search").status_code == 422


@pytest.mark.slow
def test_tasks_filters_and_csv(client):
    params = {"commune": "Di Linh", "agency": "Phòng Kinh tế"}
    tasks = client.get("/api/tasks", params=params).json()
    assert tasks
    assert {t["commune"] for t in tasks} == {"Di Linh"}
    assert all("kinh te" in fold(t["lead"] + " " + t["coordinators"]) for t in tasks)
    assert any("đối thoại" in t["task"] for t in tasks)
    everything = client.get("/api/tasks").json()
    assert len(everything) > len(tasks)

    csv_response = client.get("/api/tasks", params={**params, "format": "csv"})
    assert csv_response.status_code == 200
    assert csv_response.headers["content-type"].startswith("text/csv")
    import csv as csv_module
    rows = list(csv_module.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    assert tuple(rows[0]) == TASK_CSV_COLUMNS
    assert len(rows) - 1 == len(tasks)
    assert rows[1][TASK_CSV_COLUMNS.index("task")] == tasks[0]["task"]
    assert client.get("/api/tasks", params={"format": "xml"}).status_code == 422

    in_period = client.get("/api/tasks", params={"commune": "Di Linh", "due": "quý II/2026"})
    assert in_period.status_code == 200 and in_period.json()
    for task in in_period.json():  # every window returned overlaps April-June 2026
        assert (task["deadline_start"] or "0000") <= "2026-06-30"
        assert (task["deadline_end"] or "9999") >= "2026-04-01"
    invalid = client.get("/api/tasks", params={"due": "2026-13"})  # no 13th month
    assert invalid.status_code == 400 and "Không hiểu khoảng thời gian" in invalid.json()["detail"]


@pytest.mark.slow
def test_documents_health_and_readiness(client):
    documents = {d["document"]: d for d in client.get("/api/documents").json()}
    for name, commune in BUNDLED.items():
        assert documents[name]["commune"] == commune
        assert documents[name]["chunks"] > 0
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "documents": len(documents)}


@pytest.mark.slow
def test_write_endpoints_refused_when_no_token_is_configured(client):
    upload = client.post("/api/documents", files={"file": ("plan.txt", "Kế hoạch".encode())},
                         headers=_auth())
    assert upload.status_code == 403 and "uploads disabled" in upload.json()["detail"]
    delete = client.delete("/api/documents/di-linh_2026-2030.txt", headers=_auth())
    assert delete.status_code == 403
    assert "di-linh_2026-2030.txt" in {d["document"] for d in client.get("/api/documents").json()}


@pytest.mark.slow
def test_wrong_or_missing_token_is_401(admin):
    files = {"file": ("plan.txt", "Kế hoạch".encode())}
    for headers in ({}, _auth("wrong-token"), _auth(TOKEN + "x"), {"Authorization": f"Basic {TOKEN}"}):
        response = admin.post("/api/documents", files=files, headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["www-authenticate"] == "Bearer"
    assert admin.delete("/api/documents/di-linh_2026-2030.txt", headers=_auth("nope")).status_code == 401
    assert "di-linh_2026-2030.txt" in {d["document"] for d in admin.get("/api/documents").json()}


@pytest.mark.slow
def test_unknown_document_and_job_are_404(admin):
    missing = admin.delete("/api/documents/khong-co.txt", headers=_auth())
    assert missing.status_code == 404 and "khong-co.txt" in missing.json()["detail"]
    assert admin.get("/api/jobs/does-not-exist").status_code == 404


def _new_commune_plan() -> bytes:
    """A bundled plan re-labelled as another commune, with one task given a lead no other plan has."""
    lines = []
    for line in (CORPUS / "nam-dan_2026.txt").read_text(encoding="utf-8").splitlines(keepends=True):
        if "03 cuộc đối thoại" in line and "\t" in line:
            line = line.replace("Văn phòng HĐND và UBND", "Ban Dân vận xã", 1)
        lines.append(line)
    text = "".join(lines).replace("Năm Dẫn", "Hòa Thắng Mới").replace("Tuyên Quang", "Khánh Hòa")
    return text.encode("utf-8")


@pytest.mark.slow
def test_upload_job_answerable_then_delete(admin, assistant):
    name = "hoa-thang-moi_2026.txt"
    question = {"question": "Ban Dân vận xã chủ trì những nhiệm vụ nào?"}
    before = admin.post("/api/ask", json=question).json()
    assert all(c["document"] != name for c in before["citations"])

    # the client's path parts are dropped: the file lands under $CCHC_HOME/uploads
    upload = admin.post("/api/documents", files={"file": (f"../../{name}", _new_commune_plan(), "text/plain")},
                        headers=_auth())
    assert upload.status_code == 202, upload.text
    job = upload.json()
    assert job["document"] == name and job["state"] in ("queued", "running", "done")
    assert upload.headers["location"] == f"/api/jobs/{job['id']}"
    job = _wait_for_job(admin, job["id"])
    assert job["state"] == "done", job
    assert job["status"] == "added"
    uploads = assistant.settings.uploads_path
    assert (uploads / name).is_file()
    assert not (uploads.parent.parent / name).exists()

    documents = {d["document"]: d for d in admin.get("/api/documents").json()}
    assert documents[name]["commune"] == "Hòa Thắng Mới"

    answer = admin.post("/api/ask", json=question).json()
    assert not answer["abstained"], answer
    assert "03 cuộc đối thoại" in answer["answer"]
    assert {c["document"] for c in answer["citations"]} == {name}
    lead = admin.post("/api/ask", json={
        "question": "Ai chủ trì nhiệm vụ đảm bảo tối thiểu có 03 cuộc đối thoại ở xã Hòa Thắng Mới?"}).json()
    assert "Ban Dân vận xã" in lead["answer"] and lead["citations"][0]["document"] == name

    deleted = admin.delete(f"/api/documents/{name}", headers=_auth())
    assert deleted.status_code == 200 and deleted.json() == {"document": name, "removed": True}
    assert name not in {d["document"] for d in admin.get("/api/documents").json()}
    assert not (uploads / name).exists()
    after = admin.post("/api/ask", json=question).json()
    assert all(c["document"] != name for c in after["citations"])
    assert admin.get("/api/tasks", params={"commune": "Hòa Thắng Mới"}).json() == []
    assert admin.delete(f"/api/documents/{name}", headers=_auth()).status_code == 404


@pytest.mark.slow
def test_duplicate_content_is_not_stored_twice(admin, assistant):
    data = (CORPUS / "di-linh_2026-2030.txt").read_bytes()
    response = admin.post("/api/documents", files={"file": ("ban-sao-di-linh.txt", data)}, headers=_auth())
    assert response.status_code == 409
    assert "di-linh_2026-2030.txt" in response.json()["detail"]
    assert not (assistant.settings.uploads_path / "ban-sao-di-linh.txt").exists()
    assert "ban-sao-di-linh.txt" not in {d["document"] for d in admin.get("/api/documents").json()}


@pytest.mark.slow
def test_oversized_and_unsupported_uploads(assistant, tmp_path):
    settings = _settings(assistant, tmp_path, admin_token=TOKEN, max_file_mb=0.05)
    with TestClient(create_app(assistant, settings)) as client:
        before = client.get("/api/documents").json()
        big = client.post("/api/documents", files={"file": ("big.txt", b"Ke hoach " * 8000)}, headers=_auth())
        assert big.status_code == 413 and "quá lớn" in big.json()["detail"]
        huge = client.post("/api/documents", files={"file": ("huge.txt", b"x" * 400_000)}, headers=_auth())
        assert huge.status_code == 413 and "0.05 MB" in huge.json()["detail"]
        for name, data in [("plan.exe", b"MZ"), ("plan.pdf", b"not a pdf at all"), ("plan.docx", b"PK junk")]:
            response = client.post("/api/documents", files={"file": (name, data)}, headers=_auth())
            assert response.status_code == 415, name
            assert name in response.json()["detail"]
        empty = client.post("/api/documents", files={"file": ("empty.txt", b"")}, headers=_auth())
        assert empty.status_code == 400 and "rỗng" in empty.json()["detail"]
        assert client.get("/api/documents").json() == before
        assert not any((tmp_path / "uploads").glob("*.*"))


@pytest.mark.slow
def test_full_ingest_queue_answers_503_with_retry_after(assistant, tmp_path):
    settings = _settings(assistant, tmp_path, admin_token=TOKEN, ingest_queue_size=1)
    client = TestClient(create_app(assistant, settings))  # no lifespan: the worker never drains the queue
    # two small but readable plans (a few words are refused by the text-quality gate before queueing)
    opening = (CORPUS / "di-linh_2026-2030.txt").read_text(encoding="utf-8")[:1500]
    first = client.post("/api/documents", files={"file": ("a.txt", f"{opening}\nA".encode())}, headers=_auth())
    assert first.status_code == 202, first.json()
    second = client.post("/api/documents", files={"file": ("b.txt", f"{opening}\nB".encode())}, headers=_auth())
    assert second.status_code == 503
    assert int(second.headers["retry-after"]) > 0
    assert "đầy" in second.json()["detail"]


@pytest.mark.slow
def test_rate_limit_on_ask(assistant):
    with TestClient(create_app(assistant, _settings(assistant, rate_limit_per_minute=2))) as client:
        statuses = [client.post("/api/ask", json={"question": ""}).status_code for _ in range(3)]
        assert statuses[:2] == [400, 400]
        assert statuses[2] == 429
        limited = client.post("/api/ask", json={"question": "ai chủ trì?"})
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        assert client.get("/api/documents").status_code == 200  # only /api/ask is limited


@pytest.mark.slow
def test_unexpected_errors_hide_internals(client, assistant, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("sqlite path /secret/internal detail")

    monkeypatch.setattr(assistant, "ask", boom)
    response = client.post("/api/ask", json={"question": "ai chủ trì?"})
    assert response.status_code == 500
    assert response.json() == {"detail": "Lỗi máy chủ nội bộ, vui lòng thử lại sau."}
    assert "secret" not in response.text and "Traceback" not in response.text


@pytest.mark.slow
def test_cors_closed_by_default_and_open_only_to_configured_origins(client, assistant):
    preflight = {"Origin": "http://evil.example", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"}
    for path in ("/api/ask", "/api/documents", "/"):  # the Gradio page too
        closed = client.options(path, headers=preflight)
        assert "access-control-allow-origin" not in closed.headers, path
    for path in ("/api/documents", "/healthz", "/config"):
        simple = client.get(path, headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in simple.headers, path

    settings = _settings(assistant, cors_origins=["http://portal.example"])
    with TestClient(create_app(assistant, settings)) as open_client:
        allowed = open_client.options("/api/ask", headers={**preflight, "Origin": "http://portal.example"})
        assert allowed.headers["access-control-allow-origin"] == "http://portal.example"
        refused = open_client.options("/api/ask", headers=preflight)
        assert "access-control-allow-origin" not in refused.headers
