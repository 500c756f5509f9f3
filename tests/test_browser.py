"""The real chat page in a real Chromium: the app runs under uvicorn on a loopback port over the
session-ingested corpus and Playwright drives Debian's /usr/bin/chromium (Playwright's own browser
download is not available here). Screenshots go to tests/artifacts/ (gitignored)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from live_server import live_server

from assistant.export import CSV_COLUMNS

CHROMIUM = Path("/usr/bin/chromium")
CORPUS = Path(__file__).resolve().parents[1] / "data" / "plans"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
TOKEN = "browser-test-token-91c2-a8e4"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                                                      "(apt-get install chromium; scripts/test.sh does it)"),
]


@pytest.fixture(scope="module")
def live_url(assistant):
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


@pytest.fixture
def page(browser, live_url):
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(live_url + "/")
    page.locator("#question textarea").wait_for()
    yield page
    context.close()


def _choose(page, dropdown_id: str, option: str) -> None:
    page.locator(f"#{dropdown_id} input").click()
    page.get_by_role("option", name=option, exact=True).click()


def _ask(page, question: str):
    """Ask in the chat; returns the locator of the new answer bubble."""
    answers = page.locator("#chat .message.bot")
    before = answers.count()
    page.locator("#question textarea").fill(question)
    page.locator("#ask").click()
    answer = answers.nth(before)
    answer.wait_for()
    return answer


def test_chat_answers_with_sources_and_tasks_tab_filters(page):
    ARTIFACTS.mkdir(exist_ok=True)
    _choose(page, "commune-filter", "Di Linh")
    answer = _ask(page, "Ai chủ trì tổ chức đối thoại với người dân?")
    answer.locator(".cchc-sources").wait_for()
    assert "Phòng Kinh tế" in answer.inner_text()
    source = answer.locator("details.cchc-source").first
    assert source.get_attribute("open") is not None  # the first source is shown expanded
    summary = source.locator("summary").inner_text()
    assert "xã Di Linh" in summary and "Kế hoạch" in summary and "›" in summary
    quote = source.locator("blockquote").inner_text()
    assert "đối thoại" in quote and "Phòng Kinh tế" in quote
    page.screenshot(path=str(ARTIFACTS / "browser_chat.png"), full_page=True)

    abstained = _ask(page, "Giá vé máy bay đi Hà Nội là bao nhiêu?")
    abstained.locator(".cchc-abstain").wait_for()
    assert "Chưa tìm thấy" in abstained.inner_text()

    page.get_by_role("tab", name="Nhiệm vụ").click()
    count = page.locator("#task-count")
    page.wait_for_function(
        "() => /\\d+/.test(document.querySelector('#task-count')?.innerText || '')")
    total = int(re.search(r"\d+", count.inner_text()).group())
    assert total > 0
    page.locator("#task-agency textarea, #task-agency input").first.fill("Phòng Kinh tế")
    _choose(page, "task-commune", "Di Linh")
    page.locator("#task-filter").click()
    page.wait_for_function(
        "(total) => { const m = (document.querySelector('#task-count')?.innerText || '').match(/\\d+/);"
        " return m && Number(m[0]) < total && Number(m[0]) > 0; }", arg=total)
    filtered = int(re.search(r"\d+", count.inner_text()).group())
    table = page.locator("#task-table")
    page.wait_for_function(
        "(n) => document.querySelectorAll('#task-table tbody tr').length >= Math.min(n, 1)", arg=filtered)
    text = table.inner_text()
    assert "Phòng Kinh tế" in text and "Di Linh" in text
    assert "Năm Dẫn" not in text and "Lộc Hòa" not in text
    page.screenshot(path=str(ARTIFACTS / "browser_tasks.png"), full_page=True)

    with page.expect_download() as download:
        page.locator("#task-csv").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) - 1 == filtered   # one column set for every surface
    assert {row[CSV_COLUMNS.index("commune")] for row in rows[1:]} == {"Di Linh"}


def test_staff_tab_needs_the_token_then_uploads_and_deletes(page, tmp_path, assistant):
    page.get_by_role("tab", name="Quản trị").click()
    token = page.locator("#staff-token input")
    token.fill("wrong")
    page.locator("#staff-login").click()
    page.get_by_text("Mã quản trị không đúng.").wait_for()
    assert not page.get_by_text("Tải lên và nạp").is_visible()
    token.fill(TOKEN)
    page.locator("#staff-login").click()
    page.get_by_text("Đã xác nhận mã quản trị.").wait_for()
    page.get_by_text("Tải lên và nạp").wait_for()
    page.wait_for_function(
        "() => (document.querySelector('#staff-docs')?.innerText || '').includes('di-linh_2026-2030.txt')")

    plan = tmp_path / "tan-hoa-thu_2026.txt"
    text = (CORPUS / "nam-dan_2026.txt").read_text(encoding="utf-8")
    plan.write_text(text.replace("Năm Dẫn", "Tân Hòa Thử"), encoding="utf-8")
    page.locator("#staff-files input[type=file]").set_input_files([str(plan)])
    page.locator("#staff-files").get_by_text("tan-hoa-thu_2026.txt").first.wait_for()
    page.locator("#staff-upload").click()
    page.wait_for_function(
        "() => { const t = document.querySelector('#staff-upload-status')?.innerText || '';"
        " return /Thành công|Lỗi/.test(t) && !t.includes('Đang xử lý'); }", timeout=600_000)
    assert "Thành công — tan-hoa-thu_2026.txt" in page.locator("#staff-upload-status").inner_text()
    assert "Tân Hòa Thử" in {d.commune for d in assistant.documents()}
    page.wait_for_function(
        "() => (document.querySelector('#staff-docs')?.innerText || '').includes('tan-hoa-thu_2026.txt')")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser_staff.png"), full_page=True)

    _choose(page, "staff-delete-choice", "tan-hoa-thu_2026.txt")
    page.locator("#staff-delete").click()
    page.get_by_text("Đã xoá «tan-hoa-thu_2026.txt».").wait_for()
    assert "tan-hoa-thu_2026.txt" not in {d.document for d in assistant.documents()}
