"""The page's pure parts and its HTTP surface, without a browser and without loading an index:
rendering of hostile plan text, task files, the feedback store and `cchc feedback`, the login
throttle, the CSP header, `lang="vi"` and the gate on Gradio's upload endpoint."""

from __future__ import annotations

import csv
import gc
import io
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from typer.testing import CliRunner

from assistant.api import create_app
from assistant.config import Settings
from assistant.export import CSV_COLUMNS, spreadsheet_text, tasks_csv_text
from assistant.feedback import FeedbackStore, eval_draft, feedback_csv
from assistant.schemas import Answer, Citation, TaskOut
from assistant.service import Assistant
from assistant.ui import exports
from assistant.ui.guard import STAFF_COOKIE, LoginThrottle
from assistant.ui.page import chat_messages, sent_history, task_count_label
from assistant.ui.render import (
    MonthDue,
    Passage,
    render_answer,
    render_task_cards,
    render_timeline,
)

TOKEN = "ui-test-token-0123456789abcdef"
PAYLOAD = ("Tổ chức đối thoại ![x](http://127.0.0.2:8799/steal-img) xem [tại đây](https://evil.example/x) "
           "và www.evil.example, $$\\frac{a}{b}$$ <img src=x onerror=alert(1)> *đậm* `mã`")


def _cite(text: str = PAYLOAD) -> Citation:
    return Citation(document="di-linh_2026-2030.txt", title="Kế hoạch CCHC", commune="Di Linh",
                    section="Phụ lục › II", text=text, line_start=313, line_end=314, chunk_id="c1")


def _task(**kw) -> TaskOut:
    base = dict(document="nam-dan_2026.txt", commune="Năm Dẫn", origin="table", area="Cải cách thể chế",
                number="1", task="Rà soát văn bản", lead="Văn phòng HĐND và UBND", deadline="Quý I/2026",
                deadline_kind="quarter")
    base.update(kw)
    return TaskOut(**base)


# -- rendering ---------------------------------------------------------------

def test_plan_text_renders_as_inert_text_no_image_link_or_math():
    html = render_answer(Answer(answer=PAYLOAD, citations=[_cite()]))
    for live in ("![", "](", "$$", "<img", "http://", "https://", "www.evil", "*đậm*", "`mã`", "onerror=alert("):
        assert live not in html, live
    # the visitor still reads the same characters (as character references)
    assert "127.0.0.2&#58;8799/steal-img" in html and "&#36;&#36;" in html and "&#60;img" in html


def test_sources_are_collapsed_and_open_onto_the_full_passage():
    passage = Passage(section_path=("Phụ lục", "II. Cải cách thủ tục hành chính"), before="Đoạn trước đó.",
                      after="Đoạn sau đó.")
    html = render_answer(Answer(answer="Phòng Kinh tế chủ trì.", citations=[_cite("Tổ chức đối thoại")]),
                         [passage])
    assert "<details class=\"cchc-source\">" in html and " open" not in html
    assert html.index("Phòng Kinh tế chủ trì.") < html.index("Nguồn trích dẫn")  # answer first
    for part in ("Phụ lục › II. Cải cách thủ tục hành chính", "Đoạn trước đó.", "Đoạn sau đó.",
                 "dòng 313–314", "xã Di Linh"):
        assert part in html
    assert "\n\n" not in html  # one HTML block for the markdown renderer


def test_a_procedure_source_shows_its_code_and_portal_address_as_text_not_a_link():
    cite = Citation(document="1.001612", title="Đăng ký khai sinh", text="Thời hạn giải quyết: ngay trong ngày",
                    origin="procedure", code="1.001612", url="https://dichvucong.gov.vn/p/home/dvc-chi-tiet.html")
    html = render_answer(Answer(answer="Ngay trong ngày.", citations=[cite]))
    sources = html[html.index('<div class="cchc-sources">'):]
    assert "mã thủ tục 1.001612" in sources and "dichvucong&#46;gov" not in sources
    assert "https://" not in sources and "<a " not in sources and "dichvucong.gov.vn/p/home" in sources
    assert "Danh mục thủ tục hành chính" in sources and "Không rõ xã" not in sources
    assert html.count("<a ") == 1   # the card's one link, to the portal's own page


# -- a procedure's answer as a card, on the real catalogue ----------------------

@pytest.fixture(scope="module")
def procedure_index():
    from pathlib import Path

    from assistant.procedure_matching import ProcedureIndex
    from ingest.procedures import parse_procedure_file

    records = sorted((Path(__file__).resolve().parents[2] / "data" / "procedures").glob("*.json"))
    return ProcedureIndex.build([p for f in records for p in parse_procedure_file(f).procedures])


def _card_answer(index, question: str) -> Answer:
    from assistant.procedure_answers import answer_question

    return answer_question(question, index)


def test_a_procedure_answer_is_a_card_with_name_code_checklist_and_portal_link(procedure_index):
    answer = _card_answer(procedure_index, "lam giay khai sinh cho con can giay to gi")
    record = next(p for p in procedure_index.procedures if p.code == "1.001193")
    html = render_answer(answer)
    card = html[:html.index('<div class="cchc-sources">')]
    assert card.startswith('<div class="cchc-answer cchc-proc-card">')
    assert '<div class="cchc-proc-name">Thủ tục đăng ký khai sinh</div>' in card
    assert "Mã thủ tục 1.001193" in card and '<span class="cchc-facet">Thành phần hồ sơ</span>' in card
    items = re.findall(r"<li>(.*?)</li>", card)
    assert len(items) >= 2 and all(i.startswith("☐ ") for i in items)
    assert any(i.startswith("☐ Giấy chứng sinh") for i in items)
    # the record's groups, each heading saying the copies its documents share, if they do
    assert re.search(r"Phải nộp( &#40;mỗi loại [^&]*&#41;)?&#58;", card)
    assert re.search(r"Phải xuất trình( &#40;mỗi loại [^&]*&#41;)?&#58;", card)
    # the answer's title line became the card's head; its address line became the one link
    assert "(mã 1.001193)" not in card and "Xem trên Cổng Dịch vụ công" not in card
    assert re.findall(r'<a [^>]*href="([^"]+)"', card) == [record.url]
    assert record.url.startswith("https://dichvucong.gov.vn/")
    assert 'rel="noopener noreferrer"' in card
    assert "cchc-abstain" not in html and "\n\n" not in html


def test_time_and_fee_answers_show_each_channel_in_the_card(procedure_index):
    time_card = render_answer(_card_answer(procedure_index, "đăng ký thường trú mất mấy ngày"))
    assert "Mã thủ tục 1.004222" in time_card and '<span class="cchc-facet">Thời gian</span>' in time_card
    assert "Trực tuyến" in time_card and "Ngày làm việc" in time_card
    fee_card = render_answer(_card_answer(procedure_index, "đăng ký tạm trú có mất phí không"))
    assert '<span class="cchc-facet">Phí, lệ phí</span>' in fee_card
    lines = re.findall(r'<div class="cchc-proc-line">(.*?)</div>', fee_card)
    assert any(line.startswith("Trực tuyến&#58;") for line in lines)
    assert any(line.startswith("Trực tiếp&#58;") for line in lines)


def test_a_card_escapes_record_text_and_links_only_to_the_portal_host(procedure_index):
    answer = _card_answer(procedure_index, "lam giay khai sinh cho con can giay to gi")
    for url in ("https://evil.example/x", "https://dichvucong.gov.vn.evil.example/x", "http://dichvucong.gov.vn/x",
                "https://user@dichvucong.gov.vn/x", "https://dichvucong.gov.vn:8443/x", "javascript:alert(1)",
                "https://dichvucong.gov.vn/x\"onmouseover=\"alert(1)"):
        cites = [c.model_copy(update={"url": url}) for c in answer.citations]
        text = answer.answer.replace(answer.citations[0].url, url)
        html = render_answer(answer.model_copy(update={"answer": text, "citations": cites}))
        assert "<a " not in html and "href" not in html, url
        assert "onmouseover=\"" not in html
    hostile = "Giấy <img src=x onerror=alert(1)> ![i](http://127.0.0.2/x) $$x$$"
    cites = [c.model_copy(update={"title": "<script>alert(1)</script>"}) for c in answer.citations]
    html = render_answer(answer.model_copy(update={"answer": answer.answer.replace("Giấy chứng sinh", hostile),
                                                   "citations": cites}))
    for live in ("<img", "<script", "](", "$$", "http://127"):
        assert live not in html, live
    assert "&#60;script&#62;" in html and html.count("<a ") == 1


def test_a_procedure_the_catalogue_lacks_is_said_plainly_not_as_a_plan_abstention(procedure_index):
    answer = _card_answer(procedure_index, "kết nạp Đảng cần giấy tờ gì")
    assert answer.abstained and not answer.citations
    html = render_answer(answer)
    assert "cchc-proc-card" not in html and "kế hoạch đã nạp" not in html
    assert "Danh mục thủ tục hành chính cấp xã" in html


def test_answer_context_is_shown_when_the_conversation_code_supplies_one():
    answer = Answer(answer="Có.")
    object.__setattr__(answer, "__dict__", {**answer.__dict__, "context": "Năm Dẫn, nhiệm vụ đối thoại"})
    assert "Hiểu câu hỏi là: Năm Dẫn" in render_answer(answer)


def test_history_sent_is_bounded_most_recent_last_and_skips_unanswered():
    turns = [{"question": f"q{i}", "answer": f"a{i}", "html": "x"} for i in range(10)]
    turns.append({"question": "q-err", "answer": None, "html": "lỗi"})
    sent = sent_history(turns)
    assert [t["question"] for t in sent] == ["q4", "q5", "q6", "q7", "q8", "q9"]
    assert set(sent[0]) == {"question", "answer"}
    assert [m["role"] for m in chat_messages(turns[:2])] == ["user", "assistant", "user", "assistant"]


def test_task_cards_and_timeline_escape_and_group():
    tasks = [_task(task="Nhiệm vụ ![i](http://127.0.0.2/x)"), _task(commune="Di Linh", lead="Phòng Kinh tế")]
    cards = render_task_cards(tasks)
    assert cards.count('class="cchc-card"') == 2 and "](" not in cards and "Chủ trì:" in cards
    html = render_timeline([MonthDue("Tháng 3/2026", tasks), MonthDue("Tháng 4/2026", [])],
                           [_task(task="Tiếp nhận hồ sơ", deadline="Thường xuyên", deadline_kind="continuous")])
    assert "Tháng 3/2026" in html and "Tháng 4/2026" not in html  # empty months are left out
    assert html.index("xã Năm Dẫn") < html.index("xã Di Linh") and "Phòng Kinh tế" in html
    assert "cchc-ongoing" in html and "Tiếp nhận hồ sơ" in html.split("cchc-ongoing")[1]


# -- task files --------------------------------------------------------------

def test_export_names_are_readable():
    assert exports.file_stem("Năm Dẫn", "quý I/2026") == "nhiem-vu_nam-dan_quy-I-2026"
    assert exports.file_stem(None, None) == "nhiem-vu_tat-ca-xa"
    assert exports.file_stem("Đại Phước", "tháng 6/2026", "Phòng Kinh tế") == \
        "nhiem-vu_dai-phuoc_phong-kinh-te_thang-6-2026"


def test_the_download_folder_goes_with_its_page():
    folder = exports.DownloadFolder()
    path = Path(folder.write("nhiem-vu.csv", "a,b"))
    assert path.read_text(encoding="utf-8") == "a,b" and path.is_relative_to(folder.root)
    root = folder.root
    del folder
    gc.collect()
    assert not root.exists()


def test_xlsx_and_csv_hold_the_same_rows_and_never_formulas():
    tasks = [_task(), _task(task="=HYPERLINK(\"http://x\")", number="2"),
             _task(task="Tiếp nhận hồ sơ", deadline="Thường xuyên", deadline_kind="continuous", due_status="ongoing")]
    book = load_workbook(io.BytesIO(exports.xlsx_bytes(tasks)))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:2] == ("Tài liệu", "Xã") and len(rows) == 4 and rows[1][1] == "Năm Dẫn"
    assert len(rows[0]) == len(CSV_COLUMNS)  # the export's one column set, Vietnamese headings
    assert rows[2][CSV_COLUMNS.index("task")] == "'=HYPERLINK(\"http://x\")"  # shown as text, not evaluated
    cells = [cell for line in book.active.iter_rows(min_row=2) for cell in line]
    assert {c.data_type for c in cells} <= {"s", "inlineStr"}          # text cells, no formula ("f")
    assert {c.number_format for c in cells} == {"@"}
    assert rows[3][CSV_COLUMNS.index("due_status")] == "ongoing"
    # the CSV is the shared export itself, byte for byte what /api/tasks?format=csv sends
    assert exports.csv_text(tasks) == tasks_csv_text(tasks)
    csv_rows = list(csv.reader(io.StringIO(exports.csv_text(tasks).lstrip("\ufeff"))))
    assert tuple(csv_rows[0]) == CSV_COLUMNS and len(csv_rows) == 4
    assert [r[CSV_COLUMNS.index("task")] for r in csv_rows[1:]] == [spreadsheet_text(t.task) for t in tasks]
    assert csv_rows[2][CSV_COLUMNS.index("task")] == "'=HYPERLINK(\"http://x\")"


@pytest.mark.parametrize("cell", ["=1+1", "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1", "\0=1",
                                  "=cmd|' /C calc'!A0", "- Tham mưu ban hành văn bản"])
def test_a_cell_a_spreadsheet_would_evaluate_gets_a_leading_quote(cell):
    assert spreadsheet_text(cell) == "'" + cell
    task = _task(task=cell, lead=cell)
    row = list(csv.reader(io.StringIO(tasks_csv_text([task]).lstrip("\ufeff"), newline="")))[1]
    assert row[CSV_COLUMNS.index("task")] == "'" + cell and row[CSV_COLUMNS.index("lead")] == "'" + cell


@pytest.mark.parametrize("cell", ["Rà soát văn bản", "2026-03-31", "'đã có dấu nháy", " =ô trống trước", ""])
def test_ordinary_cells_are_left_as_written(cell):
    assert spreadsheet_text(cell) == cell


def test_every_surface_neutralises_formula_cells_of_a_real_plan(tmp_path):
    """Lộc Hòa's plan lists duties as "- Tham mưu …": a leading "-" Excel would read as a formula.
    The CLI's, the API's and the page's CSV and the page's .xlsx all carry it quoted, the same way."""
    from pathlib import Path

    from assistant.cli import app

    plan = Path(__file__).resolve().parents[2] / "data" / "plans" / "loc-hoa_2025.txt"
    settings = Settings(home=tmp_path, embedder="hash")
    assistant = Assistant(settings)
    assert all(r.ok for r in assistant.ingest([plan]))
    tasks = assistant.tasks(commune="Lộc Hòa")
    dashed = [t.task for t in tasks if t.task.startswith("-")]
    assert dashed, "the plan's own '- …' duties"
    column = CSV_COLUMNS.index("task")

    def task_cells(text: str) -> list[str]:
        return [r[column] for r in list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))[1:]]

    cli = CliRunner().invoke(app, ["tasks", "--commune", "Lộc Hòa", "--format", "csv"],
                             env={"CCHC_HOME": str(tmp_path), "CCHC_EMBEDDER": "hash"})
    assert cli.exit_code == 0, cli.output
    with TestClient(create_app(assistant, settings)) as api:
        response = api.get("/api/tasks", params={"commune": "Lộc Hòa", "format": "csv"})
    assert response.status_code == 200
    page = exports.csv_text(tasks)
    book = load_workbook(io.BytesIO(exports.xlsx_bytes(tasks)))
    workbook_cells = [row[column] for row in list(book.active.iter_rows(values_only=True))[1:]]
    for cells in (task_cells(cli.stdout), task_cells(response.content.decode("utf-8")), task_cells(page),
                  workbook_cells):
        quoted = [c for c in cells if c.startswith("'-")]
        assert sorted(quoted) == sorted("'" + t for t in dashed)
        assert not any(c[:1] in ("=", "+", "-", "@", "\t", "\r") for c in cells)


def test_task_count_and_cards_set_standing_duties_apart():
    tasks = [_task(due_status="due"), _task(task="Tiếp nhận hồ sơ", deadline="Thường xuyên",
                                            deadline_kind="continuous", due_status="ongoing")]
    assert task_count_label(tasks) == "**1** nhiệm vụ đến hạn · Thường xuyên: 1 (xếp sau)"
    assert task_count_label(tasks[:1]) == "**1** nhiệm vụ"
    assert task_count_label([]) == "Không có nhiệm vụ nào khớp với bộ lọc."
    cards = render_task_cards(tasks).split('class="cchc-card"')
    assert "cchc-tag" not in cards[1] and "Thường xuyên</span>" in cards[2]


# -- feedback ----------------------------------------------------------------

def test_feedback_is_stored_listed_exported_and_turned_into_an_eval_question(tmp_path):
    store = FeedbackStore(tmp_path / "cchc.sqlite3")
    up = store.add("up", "Ai chủ trì?", "Phòng Kinh tế.", [_cite("Tổ chức đối thoại").model_dump()],
                   commune="Di Linh", intent="lead")
    down = store.add("down", "Hạn nộp báo cáo?", "Quý I/2026.", [], commune=None)
    store.set_comment(down.id, "Sai: phải là tháng 12")
    listed = store.list()
    assert [i.id for i in listed] == [down.id, up.id] and listed[0].comment == "Sai: phải là tháng 12"
    assert listed[1].citations[0].document == "di-linh_2026-2030.txt"
    csv = feedback_csv(listed)
    assert "Chưa đúng" in csv and "👎" not in csv and "di-linh_2026-2030.txt › Phụ lục › II › dòng 313–314" in csv
    with pytest.raises(ValueError):
        store.to_eval_question(up.id, tmp_path / "eval.jsonl")
    draft = store.to_eval_question(down.id, tmp_path / "eval.jsonl")
    line = json.loads((tmp_path / "eval.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert line == draft and line["question"] == "Hạn nộp báo cáo?" and line["facts"] == []
    assert set(eval_draft(down)) >= {"id", "question", "intent", "commune", "document", "facts", "gold_quote",
                                     "abstain", "variant_of", "spelling"}
    assert store.get(down.id).eval_id == draft["id"]


def test_cli_feedback_lists_as_text_and_json(tmp_path, monkeypatch):
    from assistant.cli import app

    monkeypatch.setenv("CCHC_HOME", str(tmp_path))
    FeedbackStore(Settings(home=tmp_path).db_path).add("down", "Câu hỏi thử?", "Trả lời.", [])
    runner = CliRunner()
    result = runner.invoke(app, ["feedback", "--json"])
    assert result.exit_code == 0
    item = json.loads(result.stdout.splitlines()[0])
    assert item["rating"] == "down" and item["question"] == "Câu hỏi thử?"
    text = runner.invoke(app, ["feedback"])
    assert text.exit_code == 0 and "Chưa đúng" in text.stdout
    bad = runner.invoke(app, ["feedback", "--rating", "meh"])
    assert bad.exit_code == 1


# -- throttling and HTTP surface --------------------------------------------

def test_login_throttle_locks_one_client_not_the_others():
    now = [0.0]
    throttle = LoginThrottle(max_failures=3, window=60, lockout=30, clock=lambda: now[0])
    for _ in range(3):
        assert throttle.check(TOKEN, "sai", "10.0.0.1")[0] is False
    ok, message = throttle.check(TOKEN, TOKEN, "10.0.0.1")
    assert not ok and "thử lại sau" in message       # even the right token waits out the lockout
    assert throttle.check(TOKEN, TOKEN, "10.0.0.2") == (True, "Đã xác nhận mã quản trị.")
    now[0] = 31
    assert throttle.check(TOKEN, TOKEN, "10.0.0.1")[0] is True


@pytest.fixture
def client(tmp_path):
    settings = Settings(home=tmp_path, embedder="hash", admin_token=TOKEN)
    with TestClient(create_app(Assistant(settings), settings)) as client:
        yield client


def test_page_is_vietnamese_and_sends_a_content_security_policy(client):
    page = client.get("/")
    assert page.status_code == 200 and re.search(r'<html\s+lang="vi"', page.text)
    for response in (page, client.get("/healthz"), client.get("/api/documents")):
        policy = response.headers["content-security-policy"]
        assert "img-src 'self' data: blob:" in policy and "default-src 'self'" in policy
        assert "http" not in policy  # no remote host allowed anywhere
    font = client.get("/static/cchc/fonts/BeVietnamPro-Regular.woff2")
    assert font.status_code == 200 and font.content[:4] == b"wOF2"


def test_gradio_upload_endpoint_needs_the_staff_token(client):
    files = {"files": ("x.txt", b"hello", "text/plain")}
    refused = client.post("/gradio_api/upload", files=files)
    assert refused.status_code == 403 and "mã quản trị" in refused.json()["detail"]
    client.cookies.set(STAFF_COOKIE, TOKEN)
    accepted = client.post("/gradio_api/upload", files=files)
    assert accepted.status_code == 200, accepted.text
    client.cookies.clear()
    assert client.post("/gradio_api/process_recording").status_code == 403


def test_staff_login_and_feedback_events_do_not_wait_in_the_queue(tmp_path):
    from assistant.jobs import IngestQueue
    from assistant.security import RateLimiter
    from assistant.ui import build_ui

    settings = Settings(home=tmp_path, embedder="hash", admin_token=TOKEN)
    assistant = Assistant(settings)
    demo = build_ui(assistant, settings, IngestQueue(assistant, tmp_path / "up", max_queued=2, max_bytes=1000),
                    RateLimiter(0))
    queued = {fn.fn.__name__: fn.queue for fn in demo.fns.values() if fn.fn is not None}
    assert queued["login"] is False and queued["rate"] is False and queued["ask_delete"] is False
    assert queued["answer_question"] is not False


def test_warnings_on_the_page_show_echoed_text_inert():
    """A filter value or a stored name echoed in a warning never becomes markdown, a link or math."""
    from assistant.ui.page import notice

    shown = notice("Kỳ hạn «![x](http://127.0.0.2/steal) [bấm](http://x.example) $$x$$» không đọc được")
    assert shown.startswith("⚠ ")
    for live in ("![", "](", "$$", "http:"):
        assert live not in shown, shown
    assert notice("") == ""


def test_a_filter_or_search_changed_while_one_runs_is_applied_after_it_never_dropped(tmp_path):
    """Gradio drops a click or submit made while the same event still runs ("once"), which left the
    task tab and the procedure search showing the previous filter's result."""
    from assistant.jobs import IngestQueue
    from assistant.security import RateLimiter
    from assistant.ui import build_ui

    settings = Settings(home=tmp_path, embedder="hash", admin_token=TOKEN)
    assistant = Assistant(settings)
    demo = build_ui(assistant, settings, IngestQueue(assistant, tmp_path / "up", max_queued=2, max_bytes=1000),
                    RateLimiter(0))
    modes = {}
    for fn in demo.fns.values():
        by_user = any(event not in ("load", "then") for _, event in fn.targets)   # not page load or a chain
        if fn.fn is not None and by_user and fn.fn.__name__ in ("filter_tasks", "timeline", "on_search"):
            modes.setdefault(fn.fn.__name__, set()).add(fn.trigger_mode)
    assert set(modes) == {"filter_tasks", "timeline", "on_search"}
    assert modes == {"filter_tasks": {"always_last"}, "timeline": {"always_last"}, "on_search": {"always_last"}}
