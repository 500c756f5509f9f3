"""The real page in a real Chromium: the app runs under uvicorn on a loopback port over the
session-ingested corpus and Playwright drives Debian's /usr/bin/chromium (Playwright's own browser
download is not available here). Phone (390×844) and desk (1366×768) sizes. Screenshots go to
tests/artifacts/ (gitignored); the 390×844 ones are the page's record for review:
01 first screen, 02 an answer with one source opened, 03 task cards, 04 deadline view, 05 feedback list,
06 a procedure's answer as a card, 07 the "Thủ tục" tab with one procedure open."""

from __future__ import annotations

import contextlib
import csv
import http.server
import io
import re
import threading
from pathlib import Path

import pytest
from openpyxl import load_workbook

from live_server import free_port, live_server

from assistant.export import CSV_COLUMNS, spreadsheet_text

CHROMIUM = Path("/usr/bin/chromium")
CORPUS = Path(__file__).resolve().parents[2] / "data" / "plans"
RECORDS = Path(__file__).resolve().parents[2] / "data" / "procedures"
KHAI_SINH = "1.001193"   # Thủ tục đăng ký khai sinh
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
TOKEN = "browser-test-token-91c2-7e5d0a4b"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE, DESK = {"width": 390, "height": 844}, {"width": 1366, "height": 768}
HOSTILE_COMMUNE = "Hòa Bình Thử"
IMAGE_HOST = "127.0.0.2"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                                                      "(apt-get install chromium; scripts/test.sh does it)"),
]


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's naming)
        type(self).hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/gif")
        self.end_headers()
        self.wfile.write(b"GIF89a")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def image_host():
    """A server on another loopback address standing in for an attacker's image host."""
    server = http.server.ThreadingHTTPServer((IMAGE_HOST, free_port()), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://{IMAGE_HOST}:{server.server_address[1]}", _Recorder.hits
    server.shutdown()


@pytest.fixture(scope="module")
def hostile_plan(assistant, image_host, tmp_path_factory):
    """A real plan (Năm Dẫn's, renamed) whose dialogue task carries a markdown image, a link and math."""
    url, _ = image_host
    text = (CORPUS / "nam-dan_2026.txt").read_text(encoding="utf-8").replace("Năm Dẫn", HOSTILE_COMMUNE)
    payload = f" ![x]({url}/steal-img) [xem thêm]({url}/link) $$\\frac{{a}}{{b}}$$"
    assert "đối thoại" in text
    text = text.replace("đối thoại", "đối thoại" + payload)
    path = tmp_path_factory.mktemp("hostile") / "hoa-binh-thu_2026.txt"
    path.write_text(text, encoding="utf-8")
    results = assistant.ingest([path])
    assert all(r.ok for r in results), results
    yield path.name
    assistant.remove(path.name)


@pytest.fixture(scope="module")
def asked(assistant):
    """Every call the page makes to Assistant.ask, with the history it sent."""
    calls: list[dict] = []
    real = assistant.ask

    def spy(question, commune=None, history=None):
        calls.append({"question": question, "commune": commune, "history": list(history or [])})
        return real(question, commune=commune, history=history)

    assistant.ask = spy
    yield calls
    del assistant.ask


@pytest.fixture(scope="module")
def procedure_records(assistant):
    """The bundled procedure records beside the plans, as the README's first command ingests them
    (their vectors are shipped); removed again afterwards for the session's other tests."""
    before = {d.document for d in assistant.store.procedure_files()}
    results = assistant.ingest([RECORDS])
    assert all(r.ok for r in results), [r for r in results if not r.ok]
    yield
    for info in assistant.store.procedure_files():
        if info.document not in before:
            assistant.remove(info.document)


@pytest.fixture(scope="module")
def live_url(assistant, hostile_plan, asked, procedure_records):
    from assistant.api import create_app

    settings = assistant.settings.model_copy(update={"admin_token": TOKEN})
    with live_server(create_app(assistant, settings)) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@contextlib.contextmanager
def _page(browser, url, viewport, accept_downloads=False):
    context = browser.new_context(viewport=viewport, locale="vi-VN", accept_downloads=accept_downloads)
    page = context.new_page()
    page.set_default_timeout(60_000)
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(url) and
            not r.url.startswith(("data:", "blob:")) else None)
    page.goto(url + "/")
    page.locator("#question textarea").wait_for()
    page.wait_for_function("() => document.documentElement.lang === 'vi'")
    page.outside_requests = outside
    try:
        yield page
    finally:
        context.close()


def _shot(page, name: str, full_page: bool = False) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def _choose(page, dropdown_id: str, option: str) -> None:
    page.locator(f"#{dropdown_id} input").click()
    page.get_by_role("option", name=option, exact=True).click()


def _ask(page, question: str):
    """Ask in the chat; returns the locator of the new answer bubble."""
    answers = page.locator("#chat .message-row.bot-row")
    before = answers.count()
    page.locator("#question textarea").fill(question)
    page.locator("#ask").click()
    answer = answers.nth(before)
    answer.locator(".cchc-answer, .cchc-abstain").first.wait_for()
    return answer


def _in_viewport(page, selector: str) -> bool:
    box = page.locator(selector).first.bounding_box()
    size = page.viewport_size
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= size["height"]


def _task_count(page) -> int:
    # the label itself ("12 nhiệm vụ…", "Không có…"), not Gradio's "processing | 0.5/0.3s" while it loads
    page.wait_for_function("() => /^\\s*(\\d+ nhiệm vụ|Không có)/"
                           ".test(document.querySelector('#task-count')?.innerText || '')")
    found = re.match(r"\s*(\d+) nhiệm vụ", page.locator("#task-count").inner_text())
    return int(found.group(1)) if found else 0


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_first_screen_is_vietnamese_labelled_and_holds_the_question_box(browser, live_url, viewport):
    with _page(browser, live_url, viewport) as page:
        assert page.evaluate("document.documentElement.lang") == "vi"
        assert _in_viewport(page, "#question textarea") and _in_viewport(page, "#ask")
        assert _in_viewport(page, "#examples button, #examples .gallery-item")
        # every visible control has an accessible name
        unnamed = page.evaluate("""() => [...document.querySelectorAll('input, textarea, select, button')]
            .filter(e => e.offsetParent && e.type !== 'file')
            .filter(e => !((e.labels && e.labels.length && e.labels[0].innerText.trim())
                           || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby')
                           || e.innerText.trim() || e.title))
            .map(e => e.outerHTML.slice(0, 120))""")
        assert unnamed == []
        assert page.locator("#question textarea").evaluate("e => e.labels[0].innerText") == "Câu hỏi của bạn"
        # the bundled Vietnamese font is the one in use, with every glyph of these words
        family = page.locator("#question textarea").evaluate("e => getComputedStyle(e).fontFamily")
        assert family.startswith('"Be Vietnam Pro"')
        assert page.evaluate("() => document.fonts.ready.then(() => document.fonts.check("
                             "'16px \"Be Vietnam Pro\"', 'Năm Dẫn UBND Đại Phước Lộc Hòa'))")
        body = page.locator("body").inner_text()
        for english in ("Warning", "Search...", "Clear", "Settings", "Built with Gradio", "Use via API"):
            assert english not in body
        page.locator("#ask").click()  # empty question: a Vietnamese message, nothing sent
        page.get_by_text("Hãy nhập câu hỏi").wait_for()
        assert page.outside_requests == []
        _shot(page, "01_first_screen" if viewport is PHONE else "desk_01_first_screen")


def test_answer_sources_conversation_and_feedback_on_a_phone(browser, live_url, assistant, asked):
    from assistant.feedback import FeedbackStore

    with _page(browser, live_url, PHONE) as page:
        _choose(page, "commune-filter", "Di Linh")
        answer = _ask(page, "Ai chủ trì tổ chức đối thoại với người dân?")
        assert "Phòng Kinh tế" in answer.locator(".cchc-answer").inner_text()
        # the view shows the answer's first line, not the end of the last citation
        assert _in_viewport(page, "#chat .message-row.bot-row >> nth=-1")
        first_line = answer.locator(".cchc-answer").bounding_box()
        assert 0 <= first_line["y"] < PHONE["height"] - 20
        sources = answer.locator("details.cchc-source")
        assert sources.count() >= 1
        assert all(sources.nth(i).get_attribute("open") is None for i in range(sources.count()))  # collapsed
        sources.first.locator("summary").click()
        opened = sources.first
        assert opened.get_attribute("open") is not None
        assert "đối thoại" in opened.locator("blockquote").inner_text()
        assert "dòng" in opened.locator(".cchc-ref").inner_text()
        assert opened.locator(".cchc-path").inner_text().strip()           # the section path
        assert opened.locator(".cchc-near").count() >= 1                    # neighbouring text
        opened.scroll_into_view_if_needed()
        _shot(page, "02_answer_source")

        # a follow-up carries the conversation so far
        _ask(page, "Phối hợp với cơ quan nào?")
        assert asked[-1]["question"] == "Phối hợp với cơ quan nào?"
        assert [h["question"] for h in asked[-1]["history"]] == ["Ai chủ trì tổ chức đối thoại với người dân?"]
        assert "Phòng Kinh tế" in asked[-1]["history"][0]["answer"]

        # 👎 with a comment is stored without personal data
        first = page.locator("#chat .message-row.bot-row").first
        first.hover()
        first.get_by_role("button", name="Câu trả lời chưa đúng").click()
        page.get_by_text("Đã ghi nhận đánh giá").wait_for()
        page.locator("#feedback-comment textarea").fill("Thiếu cơ quan phối hợp")
        page.locator("#feedback-send").click()
        page.get_by_text("Đã lưu góp ý").wait_for()
        stored = FeedbackStore(assistant.settings.db_path).list()[0]
        assert stored.rating == "down" and stored.comment == "Thiếu cơ quan phối hợp"
        assert stored.question == "Ai chủ trì tổ chức đối thoại với người dân?" and "Phòng Kinh tế" in stored.answer
        assert stored.citations and stored.citations[0].document == "di-linh_2026-2030.txt"

        # the conversation survives a reload; "Cuộc trò chuyện mới" clears it for good
        page.reload()
        page.locator("#question textarea").wait_for()
        page.wait_for_function("() => document.querySelectorAll('#chat .message-row.bot-row').length === 2")
        page.locator("#new-chat").click()
        page.wait_for_function("() => document.querySelectorAll('#chat .message-row.bot-row').length === 0")
        page.reload()
        page.locator("#question textarea").wait_for()
        page.wait_for_timeout(1500)
        assert page.locator("#chat .message-row.bot-row").count() == 0
        assert page.outside_requests == []


def test_follow_up_is_answered_in_the_previous_turns_commune(browser, live_url, asked):
    """No commune filter: only the history the page sends can tell the follow-up which commune."""
    with _page(browser, live_url, PHONE) as page:
        _ask(page, "Ai chủ trì tổ chức đối thoại với người dân ở Di Linh?")
        follow = _ask(page, "Còn cơ quan nào phối hợp thực hiện?")
        assert asked[-1]["commune"] is None
        first = "Ai chủ trì tổ chức đối thoại với người dân ở Di Linh?"
        assert [h["question"] for h in asked[-1]["history"]] == [first]
        communes = follow.locator(".cchc-source .cchc-commune").all_inner_texts()
        assert communes and set(communes) == {"xã Di Linh"}, (follow.inner_text(), communes)
        assert page.outside_requests == []


def test_plan_markup_never_reaches_the_image_host(browser, live_url, image_host):
    url, hits = image_host
    with _page(browser, live_url, DESK) as page:
        _choose(page, "commune-filter", HOSTILE_COMMUNE)
        answer = _ask(page, "Ai chủ trì tổ chức đối thoại với người dân?")
        for index in range(answer.locator("details.cchc-source").count()):
            answer.locator("details.cchc-source summary").nth(index).click()
        text = answer.inner_text()
        assert "steal-img" in text                   # the payload is shown as text…
        assert answer.locator("img").count() == 0     # …never as an image
        assert answer.locator(f"a[href^='{url}']").count() == 0 and answer.locator(".katex").count() == 0
        page.get_by_role("tab", name="Nhiệm vụ").click()
        _choose(page, "task-commune", HOSTILE_COMMUNE)
        page.wait_for_function("() => (document.querySelector('#task-table')?.innerText || '').includes('steal-img')")
        page.wait_for_timeout(1000)
        assert hits == [], hits
        assert not [r for r in page.outside_requests if IMAGE_HOST in r]


def test_tasks_as_cards_on_a_phone_with_the_deadline_view_and_charts(browser, live_url, assistant):
    with _page(browser, live_url, PHONE) as page:
        page.get_by_role("tab", name="Nhiệm vụ").click()
        assert _task_count(page) > 0
        _choose(page, "task-commune", "Năm Dẫn")
        expected = len(assistant.tasks(commune="Năm Dẫn"))
        page.wait_for_function("(n) => document.querySelectorAll('#task-cards .cchc-card').length === Math.min(n, 300)",
                               arg=expected)
        assert not page.locator("#task-table").is_visible()        # no 9-column table on a phone
        card = page.locator("#task-cards .cchc-card").first
        assert "Chủ trì:" in card.inner_text() and "Thời hạn:" in card.inner_text()
        card.locator("summary").click()
        assert "Tài liệu" in card.locator("dl").inner_text()
        _shot(page, "03_task_cards")

        page.locator("#task-due input, #task-due textarea").first.fill("quý 13/2026")
        page.locator("#task-filter").click()
        page.get_by_text("Không hiểu khoảng thời gian").wait_for()   # the period parser's own message
        assert page.locator("#task-cards .cchc-card").count() > 0   # the previous result stays

        page.get_by_role("tab", name="Theo thời hạn").click()
        page.locator("#task-timeline .cchc-month").first.wait_for()
        months = page.locator("#task-timeline .cchc-month h3").all_inner_texts()
        assert months and all(re.match(r"Tháng \d{1,2}/2026", m) for m in months)
        numbers = [int(re.match(r"Tháng (\d+)", m).group(1)) for m in months]
        assert numbers == sorted(numbers)
        march = len(assistant.tasks(commune="Năm Dẫn", due="2026-03"))   # the one due rule
        if march:
            assert any(m.startswith("Tháng 3/2026") and f"{march} nhiệm vụ" in m for m in months)
        assert "xã Năm Dẫn" in page.locator("#task-timeline").inner_text()
        assert page.locator("#task-timeline .cchc-ongoing").count() == 1
        _shot(page, "04_deadline_view")

        page.get_by_role("tab", name="Biểu đồ").click()
        page.locator("#chart-agency canvas, #chart-agency svg").first.wait_for()
        page.locator("#chart-area canvas, #chart-area svg").first.wait_for()
        assert page.outside_requests == []


def test_desk_table_and_downloads_apply_the_same_filters(browser, live_url, assistant):
    with _page(browser, live_url, DESK, accept_downloads=True) as page:
        page.get_by_role("tab", name="Nhiệm vụ").click()
        total = _task_count(page)
        _choose(page, "task-commune", "Năm Dẫn")
        commune_total = len(assistant.tasks(commune="Năm Dẫn"))
        page.wait_for_function("(n) => { const m = (document.querySelector('#task-count')?.innerText || '')"
                               ".match(/^\\s*(\\d+) nhiệm vụ/); return m && Number(m[1]) === n; }", arg=commune_total)
        page.locator("#task-due input, #task-due textarea").first.fill("quý I/2026")
        page.locator("#task-filter").click()
        due = assistant.tasks(commune="Năm Dẫn", due="quý I/2026")
        expected = assistant.tasks(commune="Năm Dẫn", due="quý I/2026", include_ongoing=True)  # due, then ongoing
        assert 0 < len(due) < total and expected[:len(due)] == due
        page.wait_for_function("(n) => { const m = (document.querySelector('#task-count')?.innerText || '')"
                               ".match(/^\\s*(\\d+) nhiệm vụ/); return m && Number(m[1]) === n; }", arg=len(due))
        assert page.locator("#task-table").is_visible() and not page.locator("#task-cards").is_visible()
        page.wait_for_function("() => document.querySelectorAll('#task-table tbody tr').length > 0")
        assert "Năm Dẫn" in page.locator("#task-table").inner_text()
        _shot(page, "desk_02_task_table")

        with page.expect_download() as download:
            page.locator("#task-xlsx").click()
        assert download.value.suggested_filename == "nhiem-vu_nam-dan_quy-I-2026.xlsx"
        book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))  # saved without a suffix
        rows = list(book.active.iter_rows(values_only=True))
        assert rows[0][1] == "Xã" and len(rows) - 1 == len(expected)
        assert {row[1] for row in rows[1:]} == {"Năm Dẫn"}
        assert [row[5] for row in rows[1:]] == [spreadsheet_text(t.task) for t in expected]

        with page.expect_download() as download:
            page.locator("#task-csv").click()
        assert download.value.suggested_filename == "nhiem-vu_nam-dan_quy-I-2026.csv"
        csv_rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
        assert tuple(csv_rows[0]) == CSV_COLUMNS  # one column set for every surface (as /api/tasks)
        assert [r[CSV_COLUMNS.index("task")] for r in csv_rows[1:]] == [spreadsheet_text(t.task) for t in expected]


def test_staff_login_upload_delete_with_confirmation_and_feedback_list(browser, live_url, assistant, tmp_path):
    from assistant.feedback import FeedbackStore

    FeedbackStore(assistant.settings.db_path).add(
        "down", "Hạn hoàn thành báo cáo CCHC quý I của Lộc Hòa?", "Quý I/2026.", [], commune="Lộc Hòa")
    with _page(browser, live_url, PHONE) as page:
        page.get_by_role("tab", name="Quản trị").click()
        token = page.locator("#staff-token input")
        token.fill("sai-ma")
        page.locator("#staff-login").click()
        page.get_by_text("Mã quản trị không đúng.").wait_for()
        assert not page.get_by_text("Tải lên và nạp").is_visible()
        token.fill(TOKEN)
        page.locator("#staff-login").click()
        page.get_by_text("Đã xác nhận mã quản trị.").wait_for()

        feedback = page.locator("#feedback-list")
        page.wait_for_function("() => (document.querySelector('#feedback-list')?.innerText || '')"
                               ".includes('Hạn hoàn thành báo cáo CCHC quý I của Lộc Hòa?')")
        assert "Chưa đúng" in feedback.inner_text()
        page.locator("#feedback-eval-choice input").click()
        page.get_by_role("option").filter(has_text="Hạn hoàn thành báo cáo CCHC quý I").first.click()
        page.locator("#feedback-eval").click()
        page.get_by_text("Đã thêm câu hỏi kiểm thử").wait_for()
        candidates = (assistant.settings.home / "eval_candidates.jsonl").read_text(encoding="utf-8")
        assert "Hạn hoàn thành báo cáo CCHC quý I của Lộc Hòa?" in candidates
        feedback.scroll_into_view_if_needed()
        _shot(page, "05_feedback_list")

        plan = tmp_path / "tan-hoa-thu_2026.txt"
        plan.write_text((CORPUS / "nam-dan_2026.txt").read_text(encoding="utf-8").replace("Năm Dẫn", "Tân Hòa Thử"),
                        encoding="utf-8")
        page.locator("#staff-files input[type=file]").set_input_files([str(plan)])
        page.locator("#staff-files").get_by_text("tan-hoa-thu_2026.txt").first.wait_for(timeout=180_000)  # a loaded CI machine
        page.locator("#staff-upload").click()
        page.wait_for_function(
            "() => { const t = document.querySelector('#staff-upload-status')?.innerText || '';"
            " return /Thành công|Lỗi/.test(t) && !t.includes('Đang xử lý'); }", timeout=600_000)
        assert "Thành công — tan-hoa-thu_2026.txt" in page.locator("#staff-upload-status").inner_text()
        assert "Tân Hòa Thử" in {d.commune for d in assistant.documents()}
        page.wait_for_function(  # the picker is cleared after the upload
            "() => !(document.querySelector('#staff-files')?.innerText || '').includes('tan-hoa-thu_2026.txt')")

        _choose(page, "staff-delete-choice", "tan-hoa-thu_2026.txt")
        page.locator("#staff-delete").click()
        page.get_by_text("Xoá hẳn «tan-hoa-thu_2026.txt»").wait_for()
        page.locator("#staff-delete-cancel").click()
        page.get_by_text("Đã huỷ, không xoá tài liệu nào.").wait_for()
        assert "tan-hoa-thu_2026.txt" in {d.document for d in assistant.documents()}
        page.locator("#staff-delete").click()
        page.locator("#staff-delete-confirm").click()
        page.get_by_text("Đã xoá «tan-hoa-thu_2026.txt».").wait_for()
        assert "tan-hoa-thu_2026.txt" not in {d.document for d in assistant.documents()}
        assert page.outside_requests == []


def test_a_procedure_answer_is_a_card_and_the_procedures_tab_reads_one_on_a_phone(browser, live_url, assistant):
    record = assistant.procedure(KHAI_SINH)
    assert record is not None and record.url.startswith("https://dichvucong.gov.vn/")
    with _page(browser, live_url, PHONE) as page:
        answer = _ask(page, "lam giay khai sinh cho con can giay to gi")
        card = answer.locator(".cchc-proc-card")
        card.wait_for()
        assert card.locator(".cchc-proc-name").inner_text() == "Thủ tục đăng ký khai sinh"
        head = card.locator(".cchc-proc-code").inner_text()
        assert "Mã thủ tục 1.001193" in head and "Thành phần hồ sơ" in head
        items = card.locator("ul.cchc-check li").all_inner_texts()
        assert len(items) >= 2 and any(i.startswith("☐ Giấy chứng sinh") for i in items)
        links = card.locator("a")
        assert links.count() == 1 and links.first.get_attribute("href") == record.url
        assert answer.locator("a").count() == 1             # the sources show the address as text only
        # usable at 390 px: nothing sticks out of the card or the page sideways
        box = card.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert _in_viewport(page, "#chat .message-row.bot-row >> nth=-1 >> .cchc-proc-name")
        _shot(page, "06_procedure_card")

        page.get_by_role("tab", name="Thủ tục").click()
        page.locator("#procedure-query input, #procedure-query textarea").first.fill("khai sinh")
        page.locator("#procedure-search").click()
        page.get_by_text("Chọn một thủ tục để xem chi tiết").wait_for()
        option = page.locator("#procedure-results label").filter(has_text="Thủ tục đăng ký khai sinh (1.001193)")
        option.first.click()
        view = page.locator("#procedure-view .cchc-proc")
        page.wait_for_function("() => (document.querySelector('#procedure-view h3')?.innerText || '')"
                               " === 'Thủ tục đăng ký khai sinh'")
        page.wait_for_function("() => { const h = document.querySelector('#procedure-view h3');"
                               " const r = h && h.getBoundingClientRect(); return r && r.top >= 0 && r.bottom <= 844; }")
        _shot(page, "07_procedure_tab")                      # the procedure opened, brought into view
        checklist = view.locator("ul.cchc-check li").all_inner_texts()
        assert any(i.startswith("☐ Giấy chứng sinh") for i in checklist)
        ways = view.locator(".cchc-way").all_inner_texts()           # time and fee per channel
        assert {w.splitlines()[0] for w in ways} >= {way.channel_text for way in record.ways}
        assert all("Thời gian:" in w and "Phí, lệ phí:" in w for w in ways)
        portal = view.locator("a")
        assert portal.count() == 1 and portal.first.get_attribute("href") == record.url
        assert "Cổng Dịch vụ công" in portal.first.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        portal.first.scroll_into_view_if_needed()
        assert page.outside_requests == []
