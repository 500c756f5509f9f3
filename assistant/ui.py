"""Gradio chat page (Vietnamese), mounted at "/" on the API app.

Tabs: "Hỏi đáp" (chat, each answer followed by its sources), "Nhiệm vụ" (filterable task registry
with CSV download) and, only when CCHC_ADMIN_TOKEN is configured, "Quản trị" (upload, list and
delete documents once the token is entered). The page calls the shared `Assistant` directly;
every staff action re-checks the token server-side.
"""

from __future__ import annotations

import hashlib
import html
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import gradio as gr
from fastapi import FastAPI

from assistant.export import tasks_csv_text
from assistant.jobs import UploadRejected
from assistant.schemas import Answer, Citation, DocumentInfo, TaskOut
from assistant.security import InvalidQuestion, clean_optional, clean_question, token_matches

if TYPE_CHECKING:
    from assistant.config import Settings
    from assistant.jobs import IngestQueue
    from assistant.security import RateLimiter
    from assistant.service import Assistant

ALL_COMMUNES = "Tất cả các xã"

CITIZEN_EXAMPLES = [
    "Ai chủ trì tổ chức đối thoại với người dân ở Di Linh?",
    "Mức độ hài lòng của người dân ở xã Di Linh phải đạt bao nhiêu phần trăm?",
    "Xã Đại Phước có kế hoạch gì để giải quyết thủ tục hành chính trực tuyến?",
    "thu tuc hanh chinh o Loc Hoa duoc cai cach the nao",
]
STAFF_EXAMPLES = [
    "Văn phòng HĐND và UBND xã Năm Dẫn chủ trì những nhiệm vụ nào?",
    "Nhiệm vụ nào của xã Di Linh phải hoàn thành hàng năm?",
    "Ai phối hợp thực hiện nhiệm vụ đối thoại với doanh nghiệp ở Lộc Hòa?",
    "Kế hoạch CCHC năm 2026 của xã Đại Phước do ai ký?",
]

TASK_HEADERS = ["Xã", "Lĩnh vực", "STT", "Nhiệm vụ", "Chủ trì", "Phối hợp", "Thời hạn", "Sản phẩm",
                "Tài liệu"]
DOC_HEADERS = ["Tài liệu", "Xã", "Tỉnh", "Năm", "Tiêu đề", "Đoạn", "Nhiệm vụ"]

# Upload status markers: plain words (no emoji, which many office PCs render as empty boxes).
PENDING, DONE, FAILED = "**Đang xử lý** —", "**Thành công** —", "**Lỗi** —"

ABSTAIN_NOTICE = ("<b>Chưa tìm thấy câu trả lời đủ căn cứ trong các kế hoạch đã nạp.</b> "
                  "Hãy hỏi cụ thể hơn (tên xã, nhiệm vụ, cơ quan) hoặc chọn đúng xã ở ô «Xã».")

CSS = """
.cchc-sources { margin-top: .6em; border-top: 1px solid var(--border-color-primary); padding-top: .4em; }
.cchc-sources-title { font-weight: 600; font-size: .9em; margin-bottom: .2em; }
.cchc-source { margin: .3em 0; font-size: .92em; }
.cchc-source summary { cursor: pointer; }
.cchc-source blockquote { margin: .3em 0 .3em .8em; padding-left: .6em;
  border-left: 3px solid var(--color-accent); white-space: pre-wrap; }
.cchc-ref { color: var(--body-text-color-subdued); font-size: .85em; }
/* Gradio tables default to IBM Plex Mono, which lacks many Vietnamese glyphs */
#task-table *, #staff-docs * { font-family: system-ui, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; }
.cchc-abstain { padding: .4em .6em; border-radius: 6px; background: var(--color-accent-soft); }
"""


# -- pure rendering --------------------------------------------------------

def _esc(text: str | None) -> str:
    return html.escape(text or "", quote=True)


def _commune_label(commune: str) -> str:
    return f"xã {commune}" if commune else "Không rõ xã"


def render_sources(citations: Iterable[Citation]) -> str:
    """Sources as one expandable <details> per citation (the first one open). No blank lines,
    so the markdown renderer keeps the whole block as HTML."""
    items = []
    for index, cite in enumerate(citations):
        head = " · ".join(part for part in (
            f'<span class="cchc-commune">{_esc(_commune_label(cite.commune))}</span>',
            f'<span class="cchc-title">{_esc(cite.title)}</span>' if cite.title else "",
            f'<span class="cchc-section">{_esc(cite.section)}</span>' if cite.section else "",
        ) if part)
        where = [cite.document]
        if cite.note:
            where.append(cite.note)
        if cite.page:
            where.append(f"trang {cite.page}")
        if cite.line_start:
            lines = (f"dòng {cite.line_start}" if not cite.line_end or cite.line_end == cite.line_start
                     else f"dòng {cite.line_start}–{cite.line_end}")
            where.append(lines)
        quote = _esc(cite.text.strip()).replace("\r", "").replace("\n", "<br>")
        items.append(
            f'<details class="cchc-source"{" open" if index == 0 else ""}>'
            f"<summary>{index + 1}. {head}</summary>"
            f"<blockquote>{quote}</blockquote>"
            f'<div class="cchc-ref">{_esc(" · ".join(where))}</div></details>'
        )
    if not items:
        return ""
    return (f'<div class="cchc-sources"><div class="cchc-sources-title">Nguồn trích dẫn ({len(items)})</div>'
            + "".join(items) + "</div>")


def render_answer(answer: Answer) -> str:
    """Chat message for one answer: the text (markdown, HTML-escaped), then its sources."""
    body = html.escape(answer.answer or "", quote=False).strip()
    parts = []
    if answer.abstained:
        parts.append(f'<div class="cchc-abstain">{ABSTAIN_NOTICE}</div>')
    if body:
        parts.append(body)
    sources = render_sources(answer.citations)
    if sources:
        parts.append(sources)
    return "\n\n".join(parts)


def commune_choices(documents: Iterable[DocumentInfo]) -> list[str]:
    return [ALL_COMMUNES] + sorted({d.commune for d in documents if d.commune})


def commune_filter(choice: str | None) -> str | None:
    return None if not choice or choice == ALL_COMMUNES else clean_optional(choice)


def filtered_tasks(assistant: "Assistant", commune: str | None, agency: str | None, due: str | None,
                   query: str | None) -> list[TaskOut]:
    """The "Nhiệm vụ" tab's filter: the registry engine, due tasks first, then ongoing ones."""
    return assistant.tasks(commune=commune_filter(commune), agency=clean_optional(agency),
                           due=clean_optional(due), query=clean_optional(query), include_ongoing=True)


def task_count_label(tasks: list[TaskOut]) -> str:
    """"**12** nhiệm vụ" or, with a period, "**12** nhiệm vụ đến hạn · Thường xuyên: 30" (listed after)."""
    ongoing = sum(1 for t in tasks if t.due_status == "ongoing")
    if not ongoing:
        return f"**{len(tasks)}** nhiệm vụ"
    return f"**{len(tasks) - ongoing}** nhiệm vụ đến hạn · Thường xuyên: {ongoing} (xếp sau)"


def task_rows(tasks: Iterable[TaskOut]) -> list[list[str]]:
    return [[t.commune, t.area, t.number, t.task, t.lead, t.coordinators, t.deadline, t.product,
             t.document] for t in tasks]


def document_rows(documents: Iterable[DocumentInfo]) -> list[list[str]]:
    return [[d.document, d.commune, d.province, d.year, d.title, str(d.chunks), str(d.tasks)]
            for d in documents]


# -- the page --------------------------------------------------------------

class _CsvFiles:
    """CSV downloads live in one temp folder; files older than an hour are swept on each write."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="cchc-csv-"))

    def write(self, text: str, key: str) -> str:
        now = time.time()
        for old in self.folder.glob("*.csv"):
            if now - old.stat().st_mtime > 3600:
                old.unlink(missing_ok=True)
        path = self.folder / f"nhiem-vu-{hashlib.sha1(key.encode()).hexdigest()[:10]}.csv"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
        return str(path)


def build_ui(assistant: "Assistant", settings: "Settings", jobs: "IngestQueue",
             limiter: "RateLimiter") -> gr.Blocks:
    csv_files = _CsvFiles()
    staff_enabled = bool(settings.admin_token)

    def client_key(request: gr.Request | None) -> str:
        client = getattr(request, "client", None)
        return getattr(client, "host", None) or "unknown"

    # -- chat --
    def add_question(message: str, history: list):
        history = list(history or [])
        try:
            question = clean_question(message, settings.max_question_chars)
        except InvalidQuestion as exc:
            gr.Warning(str(exc))
            return history, message, ""
        history.append({"role": "user", "content": question})
        return history, "", question

    def answer_question(question: str, history: list, commune: str, request: gr.Request):
        history = list(history or [])
        if not question:
            return history
        allowed, retry_after = limiter.hit(client_key(request))
        if not allowed:
            history.append({"role": "assistant", "content": "Bạn đã hỏi quá nhiều trong một phút; "
                                                             f"vui lòng thử lại sau {retry_after} giây."})
            return history
        try:
            answer = assistant.ask(question, commune=commune_filter(commune))
            content = render_answer(answer)
        except Exception:  # never show a stack trace in the page
            content = "Xin lỗi, hệ thống gặp lỗi khi trả lời câu hỏi này. Vui lòng thử lại sau."
        history.append({"role": "assistant", "content": content})
        return history

    # -- tasks --
    def filter_tasks(commune: str, agency: str, due: str, query: str):
        try:
            found = filtered_tasks(assistant, commune, agency, due, query)
        except ValueError as exc:  # a deadline period the parser does not understand (PeriodError)
            gr.Warning(str(exc))
            return "Không lọc được theo thời hạn này.", [], None
        key = "|".join([commune or "", agency or "", due or "", query or ""])
        path = csv_files.write(tasks_csv_text(found), key)
        return task_count_label(found), task_rows(found), path

    def refresh_communes(chat_commune: str, task_commune: str):
        choices = commune_choices(assistant.documents())
        keep = lambda value: value if value in choices else ALL_COMMUNES  # noqa: E731
        return (gr.Dropdown(choices=choices, value=keep(chat_commune)),
                gr.Dropdown(choices=choices, value=keep(task_commune)))

    # -- staff --
    def token_ok(token: str) -> bool:
        if token_matches(settings.admin_token, token):
            return True
        time.sleep(1.0)  # slows down guessing through the page
        return False

    def check_token(token: str) -> None:
        if not token_ok(token):
            raise gr.Error("Mã quản trị không đúng.")

    def login(token: str):
        ok = token_ok(token)
        message = "Đã xác nhận mã quản trị." if ok else "Mã quản trị không đúng."
        docs = assistant.documents() if ok else []
        return (gr.Column(visible=ok), message, document_rows(docs),
                gr.Dropdown(choices=[d.document for d in docs], value=None))

    def staff_documents():
        docs = assistant.documents()
        return document_rows(docs), gr.Dropdown(choices=[d.document for d in docs], value=None)

    def upload(files: list[str] | None, token: str):
        check_token(token)
        if not files:
            raise gr.Error("Chưa chọn tệp nào.")
        max_bytes = int(settings.max_file_mb * 1_048_576)
        lines, queued = [], []
        for file in files:
            path = Path(file)
            try:
                if path.stat().st_size > max_bytes:
                    raise UploadRejected("too_large",
                                         f"Tệp «{path.name}» quá lớn; tối đa {settings.max_file_mb:g} MB.")
                job = jobs.submit(path.name, path.read_bytes())
                queued.append(job)
                lines.append(f"{PENDING} {job.document}: đang xử lý…")
            except UploadRejected as exc:
                lines.append(f"{FAILED} {exc.message}")
        yield "\n\n".join(lines), *staff_documents()
        lines = [line for line in lines if line.startswith(FAILED)]
        for job in queued:
            final = jobs.wait(job.id, timeout=600)
            if final is None or not final.finished:
                lines.append(f"{PENDING} {job.document}: vẫn đang xử lý (mã công việc {job.id}).")
            else:
                marker = DONE if final.state == "done" else FAILED
                lines.append(f"{marker} {final.document}: {final.message}")
        yield "\n\n".join(lines), *staff_documents()

    def delete(document: str | None, token: str):
        check_token(token)
        if not document:
            raise gr.Error("Chưa chọn tài liệu cần xoá.")
        if assistant.remove(document):
            jobs.discard_upload(document)
            message = f"Đã xoá «{document}»."
        else:
            message = f"Không có tài liệu «{document}»."
        return message, *staff_documents()

    with gr.Blocks(title="Sổ tay CCHC") as demo:
        gr.Markdown("# Sổ tay CCHC\nHỏi đáp về kế hoạch cải cách hành chính của các xã. "
                    "Mỗi câu trả lời kèm trích dẫn nguyên văn từ kế hoạch.")
        with gr.Tabs():
            with gr.Tab("Hỏi đáp", id="chat"):
                commune = gr.Dropdown(choices=[ALL_COMMUNES], value=ALL_COMMUNES, label="Xã",
                                      elem_id="commune-filter", interactive=True)
                chatbot = gr.Chatbot(label="Trò chuyện", height=520, elem_id="chat",
                                     placeholder="Đặt câu hỏi về kế hoạch CCHC, có dấu hoặc không dấu.",
                                     feedback_options=None, buttons=["copy"])
                pending = gr.State("")
                with gr.Row():
                    message = gr.Textbox(placeholder="Ví dụ: Ai chủ trì đối thoại với người dân ở Di Linh?",
                                         show_label=False, scale=5, elem_id="question", autofocus=True,
                                         max_length=settings.max_question_chars)
                    send = gr.Button("Gửi", variant="primary", scale=1, elem_id="ask")
                gr.Examples(examples=[[q] for q in CITIZEN_EXAMPLES], inputs=[message],
                            label="Câu hỏi mẫu cho người dân")
                gr.Examples(examples=[[q] for q in STAFF_EXAMPLES], inputs=[message],
                            label="Câu hỏi mẫu cho cán bộ")

            with gr.Tab("Nhiệm vụ", id="tasks"):
                with gr.Row():
                    task_commune = gr.Dropdown(choices=[ALL_COMMUNES], value=ALL_COMMUNES, label="Xã",
                                               elem_id="task-commune", interactive=True)
                    agency = gr.Textbox(label="Cơ quan (chủ trì/phối hợp)", placeholder="Phòng Kinh tế",
                                        elem_id="task-agency")
                    due = gr.Textbox(label="Thời hạn", placeholder="2026, quý II/2026, tháng 6/2026",
                                     elem_id="task-due")
                    query = gr.Textbox(label="Từ khoá", placeholder="đối thoại", elem_id="task-query")
                with gr.Row():
                    apply = gr.Button("Lọc", variant="primary", elem_id="task-filter")
                    download = gr.DownloadButton("Tải CSV", elem_id="task-csv")
                count = gr.Markdown(elem_id="task-count")
                table = gr.Dataframe(headers=TASK_HEADERS, value=[], type="array", interactive=False,
                                     wrap=True, max_height=640, show_search="search", elem_id="task-table",
                                     column_widths=["7%", "11%", "4%", "28%", "11%", "11%", "8%", "10%",
                                                    "10%"])

            with gr.Tab("Quản trị", id="staff", visible=staff_enabled):
                gr.Markdown("Khu vực dành cho cán bộ: nhập mã quản trị để tải lên hoặc xoá tài liệu.")
                with gr.Row():
                    token = gr.Textbox(label="Mã quản trị", type="password", elem_id="staff-token", scale=4,
                                       placeholder="CCHC_ADMIN_TOKEN")
                    login_button = gr.Button("Xác nhận", scale=1, elem_id="staff-login")
                login_status = gr.Markdown()
                with gr.Column(visible=False) as staff_panel:
                    files = gr.File(label="Tải lên kế hoạch (.txt, .md, .pdf, .docx)", file_count="multiple",
                                    file_types=[".txt", ".md", ".pdf", ".docx"], type="filepath",
                                    elem_id="staff-files")
                    upload_button = gr.Button("Tải lên và nạp", variant="primary", elem_id="staff-upload")
                    upload_status = gr.Markdown(elem_id="staff-upload-status")
                    docs_table = gr.Dataframe(headers=DOC_HEADERS, value=[], type="array", interactive=False,
                                              wrap=True, label="Tài liệu đã nạp", elem_id="staff-docs")
                    with gr.Row():
                        to_delete = gr.Dropdown(choices=[], label="Tài liệu cần xoá", scale=4,
                                                elem_id="staff-delete-choice")
                        delete_button = gr.Button("Xoá tài liệu", variant="stop", scale=1,
                                                  elem_id="staff-delete")
                    delete_status = gr.Markdown(elem_id="staff-delete-status")

        # chat events
        for trigger in (message.submit, send.click):
            trigger(add_question, [message, chatbot], [chatbot, message, pending], queue=False,
                    api_visibility="private").then(
                answer_question, [pending, chatbot, commune], [chatbot], api_visibility="private")

        # tasks events
        task_inputs = [task_commune, agency, due, query]
        for trigger in (apply.click, agency.submit, due.submit, query.submit, task_commune.change):
            trigger(filter_tasks, task_inputs, [count, table, download], api_visibility="private")

        # staff events (hidden from the Gradio API listing; each one re-checks the token)
        staff_private = {"api_visibility": "private"}
        for trigger in (login_button.click, token.submit):
            trigger(login, [token], [staff_panel, login_status, docs_table, to_delete], **staff_private)
        upload_button.click(upload, [files, token], [upload_status, docs_table, to_delete],
                            **staff_private).then(refresh_communes, [commune, task_commune],
                                                  [commune, task_commune], **staff_private)
        delete_button.click(delete, [to_delete, token], [delete_status, docs_table, to_delete],
                            **staff_private).then(refresh_communes, [commune, task_commune],
                                                  [commune, task_commune], **staff_private)

        demo.load(refresh_communes, [commune, task_commune], [commune, task_commune],
                  api_visibility="private").then(filter_tasks, task_inputs, [count, table, download],
                                                 api_visibility="private")
    # Answers are CPU-bound: a few at a time, and a bounded waiting line instead of unbounded memory.
    demo.queue(default_concurrency_limit=4, max_size=200)
    return demo


def mount_ui(app: FastAPI, assistant: "Assistant", settings: "Settings", jobs: "IngestQueue",
             limiter: "RateLimiter") -> FastAPI:
    demo = build_ui(assistant, settings, jobs, limiter)
    return gr.mount_gradio_app(
        app, demo, path="/",
        footer_links=["settings"],
        show_error=False,
        max_file_size=int(settings.max_file_mb * 1_048_576),
        theme=gr.themes.Soft(),  # its fonts ship with Gradio: nothing is fetched from the network
        css=CSS,
    )
