"""The Gradio page (Vietnamese), mounted at "/" on the API app.

Tabs: "Hỏi đáp" (chat: question box first, answers with collapsed sources, 👍/👎 on each answer,
the conversation kept in the browser), "Nhiệm vụ" (list as cards on a phone / table on a desk,
a month-by-month deadline view, charts, CSV and Excel downloads of the filtered view) and, when
CCHC_ADMIN_TOKEN is set, "Quản trị" (upload, delete with confirmation, readers' feedback).
The page calls the shared `Assistant`; every staff action re-checks the token server-side.
"""

from __future__ import annotations

import glob
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr
import pandas as pd
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from assistant.feedback import RATING_LABELS, FeedbackStore, feedback_csv
from assistant.jobs import UploadRejected
from assistant.procedure_tab import build_procedures_tab
from assistant.schemas import Answer, DocumentInfo, TaskOut
from assistant.security import InvalidQuestion, clean_optional, clean_question
from assistant.ui import exports
from assistant.ui.examples import (PageExamples, PlanFacts, example_questions, first_year, main_lead,
                                   plans_to_feature)
from assistant.ui.guard import STAFF_COOKIE, LoginThrottle, StaffUploadGate, VietnamesePageLang
from assistant.ui.i18n import page_i18n
from assistant.ui.render import (
    MonthDue,
    Passage,
    render_answer,
    render_task_cards,
    render_timeline,
    render_user,
    text_html,
)

if TYPE_CHECKING:
    from assistant.config import Settings
    from assistant.jobs import IngestQueue
    from assistant.security import RateLimiter
    from assistant.service import Assistant

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parents[1] / "static"
ALL_COMMUNES = "Tất cả các xã"
HISTORY_TURNS = 6          # turns sent with a question (most recent last)
KEPT_TURNS = 20            # turns kept in the browser
CONVERSATION_KEY = "cchc-conversation-v1"
EVAL_CANDIDATES = "eval_candidates.jsonl"
NO_EXAMPLES = "Chưa có kế hoạch nào trong kho: cán bộ tải kế hoạch lên ở thẻ Quản trị."

TASK_HEADERS = ["Xã", "Lĩnh vực", "STT", "Nhiệm vụ", "Chủ trì", "Phối hợp", "Thời hạn", "Sản phẩm", "Tài liệu"]
DOC_HEADERS = ["Tài liệu", "Xã", "Tỉnh", "Năm", "Tiêu đề", "Đoạn", "Nhiệm vụ"]
FEEDBACK_HEADERS = ["Mã", "Thời gian (UTC)", "Đánh giá", "Câu hỏi", "Câu trả lời", "Góp ý", "Câu hỏi kiểm thử"]
PENDING, DONE, FAILED = "**Đang xử lý** —", "**Thành công** —", "**Lỗi** —"


# -- small pure helpers ----------------------------------------------------

def page_examples(assistant: "Assistant") -> PageExamples:
    """Example questions about what the store holds (assistant/ui/examples.py). A store that
    cannot be read gives no examples rather than no page: the page reports read errors itself."""
    try:
        plans = [PlanFacts(commune=d.commune, first_year=first_year(d.year), signed=bool(d.signer),
                           main_lead=main_lead(t.lead for t in assistant.tasks(document=d.document)))
                 for d in plans_to_feature(assistant.documents())]
        return example_questions(plans, [p.name for p in assistant.procedures()])
    except Exception:  # noqa: BLE001 - examples are a convenience; the cause is logged
        log.warning("example questions could not be made from the store", exc_info=True)
        return PageExamples(citizen=[], staff=[])


def example_samples(questions: list[str]) -> list[list[str]]:
    return [[q] for q in questions] or [[NO_EXAMPLES]]


def commune_choices(documents: list[DocumentInfo]) -> list[str]:
    return [ALL_COMMUNES] + sorted({d.commune for d in documents if d.commune})


def commune_filter(choice: str | None) -> str | None:
    return None if not choice or choice == ALL_COMMUNES else clean_optional(choice)


def task_rows(tasks: list[TaskOut]) -> list[list[str]]:
    return [[t.commune, t.area, t.number, t.task, t.lead, t.coordinators, t.deadline, t.product, t.document]
            for t in tasks]


def task_filters(commune: str | None, agency: str | None, due: str | None, query: str | None) -> dict:
    return dict(commune=commune_filter(commune), agency=clean_optional(agency), due=clean_optional(due),
                query=clean_optional(query))


def filtered_tasks(assistant: "Assistant", commune: str | None, agency: str | None, due: str | None,
                   query: str | None) -> list[TaskOut]:
    """The "Nhiệm vụ" tab's filter: the registry engine, due tasks first, then the standing duties
    during the period (`due_status`). Raises `ingest.periods.PeriodError` for an unreadable period."""
    return assistant.tasks(**task_filters(commune, agency, due, query), include_ongoing=True)


def task_count_label(tasks: list[TaskOut]) -> str:
    """"**12** nhiệm vụ" or, with a period, "**12** nhiệm vụ đến hạn · Thường xuyên: 30 (xếp sau)"."""
    if not tasks:
        return "Không có nhiệm vụ nào khớp với bộ lọc."
    ongoing = sum(1 for t in tasks if t.due_status == "ongoing")
    if not ongoing:
        return f"**{len(tasks)}** nhiệm vụ"
    return f"**{len(tasks) - ongoing}** nhiệm vụ đến hạn · Thường xuyên: {ongoing} (xếp sau)"


def document_rows(documents: list[DocumentInfo]) -> list[list[str]]:
    return [[d.document, d.commune, d.province, d.year, d.title, str(d.chunks), str(d.tasks)] for d in documents]


def notice(text: str) -> str:
    """A warning line; its text (often echoing typed or stored names) is shown inert."""
    return f"⚠ {text_html(text)}" if text else ""


def sent_history(turns: list[dict]) -> list[dict[str, str]]:
    """What the page sends with a question: the last HISTORY_TURNS answered turns, most recent last."""
    answered = [t for t in turns or [] if t.get("question") and t.get("answer") is not None]
    return [{"question": t["question"], "answer": t["answer"]} for t in answered[-HISTORY_TURNS:]]


def chat_messages(turns: list[dict]) -> list[dict[str, str]]:
    messages = []
    for turn in turns or []:
        messages.append({"role": "user", "content": render_user(turn.get("question", ""))})
        messages.append({"role": "assistant", "content": turn.get("html", "")})
    return messages


def counts_frame(tasks: list[TaskOut], column: str, label: str, top: int = 12) -> pd.DataFrame:
    series = pd.Series([getattr(t, column) or "Chưa rõ" for t in tasks], dtype="object")
    counts = series.value_counts().head(top)
    return pd.DataFrame({label: [str(i) for i in counts.index], "Số nhiệm vụ": counts.values.astype(int)})


def _core_module() -> str:
    """File name of Gradio's front-end core module (it exports changeLocale), for static/page.js."""
    found = glob.glob(os.path.join(os.path.dirname(gr.__file__), "templates", "frontend", "assets", "core-*.js"))
    return os.path.basename(found[0]) if len(found) == 1 else ""


def page_js() -> str:
    return (STATIC / "page.js").read_text(encoding="utf-8").replace("__CORE_MODULE__", _core_module())


SCROLL_TO_ANSWER_JS = """() => { requestAnimationFrame(() => {
  const bots = document.querySelectorAll('#chat .message-row.bot-row, #chat .message.bot');
  const last = bots[bots.length - 1];
  if (last) last.scrollIntoView({block: 'start', behavior: 'instant'});
}); }"""
STAFF_COOKIE_JS = ("(token) => { document.cookie = '" + STAFF_COOKIE + "=' + encodeURIComponent(token || '') + "
                   "'; path=/gradio_api/upload; SameSite=Strict'; }")


# -- the page --------------------------------------------------------------

def build_ui(assistant: "Assistant", settings: "Settings", jobs: "IngestQueue", limiter: "RateLimiter",
             throttle: LoginThrottle | None = None, feedback: FeedbackStore | None = None) -> gr.Blocks:
    throttle = throttle or LoginThrottle()
    feedback = feedback or FeedbackStore(settings.db_path)
    downloads = exports.DownloadFolder()
    staff_enabled = bool(settings.admin_token)

    def client_key(request: gr.Request | None) -> str:
        client = getattr(request, "client", None)
        return getattr(client, "host", None) or "unknown"

    def passages_for(answer: Answer) -> list[Passage | None]:
        """Section path and neighbouring text for each citation (read from the store)."""
        store = getattr(assistant, "store", None)
        out: list[Passage | None] = []
        for cite in answer.citations:
            try:
                ids = store.document_chunk_ids(cite.document) if store and cite.chunk_id else []
                at = ids.index(cite.chunk_id) if cite.chunk_id in ids else -1
                if at < 0:
                    out.append(None)
                    continue
                near = store.get_chunks([i for i in (ids[at - 1] if at > 0 else None, ids[at],
                                                     ids[at + 1] if at + 1 < len(ids) else None) if i])
                by_id = {c.id: c for c in near}
                here = by_id.get(cite.chunk_id)
                before = by_id.get(ids[at - 1]) if at > 0 else None
                after = by_id.get(ids[at + 1]) if at + 1 < len(ids) else None
                out.append(Passage(section_path=here.section_path if here else (),
                                   before=before.text if before else "", after=after.text if after else ""))
            except Exception:  # the passage is a courtesy; the quote itself is always shown
                out.append(None)
        return out

    # -- chat --
    def add_question(message: str, turns: list):
        turns = list(turns or [])
        try:
            question = clean_question(message, settings.max_question_chars)
        except InvalidQuestion as exc:
            text = str(exc) if (message or "").strip() else "Hãy nhập câu hỏi trước khi bấm «Gửi»."
            return gr.update(), message, "", notice(text)
        messages = chat_messages(turns) + [{"role": "user", "content": render_user(question)}]
        return messages, "", question, ""

    def answer_question(question: str, turns: list, commune: str, request: gr.Request):
        turns = list(turns or [])
        if not question:
            return gr.update(), turns, gr.update(), gr.update()
        turn: dict[str, Any] = {"question": question, "commune": commune_filter(commune)}
        allowed, retry_after = limiter.hit(client_key(request))
        if not allowed:
            turn.update(answer=None, html=f"Bạn đã hỏi quá nhiều trong một phút; vui lòng thử lại sau "
                                          f"{retry_after} giây.", citations=[])
        else:
            try:
                answer = assistant.ask(question, commune=commune_filter(commune), history=sent_history(turns))
                turn.update(answer=answer.answer, html=render_answer(answer, passages_for(answer)),
                            intent=answer.intent, abstained=answer.abstained,
                            citations=[c.model_dump(include={"document", "section", "line_start", "line_end",
                                                             "page", "text"}) for c in answer.citations])
            except Exception:  # never show a stack trace in the page
                turn.update(answer=None, citations=[],
                            html="Xin lỗi, hệ thống gặp lỗi khi trả lời câu hỏi này. Vui lòng thử lại sau.")
        turns = (turns + [turn])[-KEPT_TURNS:]
        return chat_messages(turns), turns, turns, gr.update(visible=False)

    def restore(turns: list):
        turns = [t for t in (turns or []) if isinstance(t, dict) and t.get("question")][-KEPT_TURNS:]
        return chat_messages(turns), turns

    def new_conversation():
        return [], [], [], "", gr.update(visible=False), None

    def rate(turns: list, data: gr.LikeData):
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        turns = turns or []
        position = int(index) // 2
        if position >= len(turns) or turns[position].get("answer") is None:
            return None, gr.update(visible=False), "Câu trả lời này không còn trong cuộc trò chuyện."
        turn = turns[position]
        liked = data.liked if isinstance(data.liked, bool) else str(data.liked).lower() in ("like", "true")
        saved = feedback.add("up" if liked else "down", turn["question"], turn["answer"],
                             turn.get("citations") or [], commune=turn.get("commune"),
                             intent=turn.get("intent", ""))
        return (saved.id, gr.update(visible=True),
                f"Đã ghi nhận đánh giá «{RATING_LABELS[saved.rating]}». Cảm ơn bạn! "
                "Có thể viết thêm góp ý bên dưới.")

    def send_comment(feedback_id: int | None, comment: str):
        if not feedback_id:
            return gr.update(), ("Hãy đánh giá một câu trả lời trước "
                                 "(nút «hữu ích» hoặc «chưa đúng» dưới câu trả lời).")
        if not (comment or "").strip():
            return gr.update(), "Góp ý đang trống."
        feedback.set_comment(int(feedback_id), comment)
        return "", "Đã lưu góp ý. Cảm ơn bạn!"

    # -- tasks --
    def filter_tasks(commune: str, agency: str, due: str, query: str):
        filters = task_filters(commune, agency, due, query)
        try:
            found = filtered_tasks(assistant, commune, agency, due, query)
        except ValueError as exc:  # PeriodError: a period the parser cannot read (its message is Vietnamese)
            return (notice(f"{exc} Bảng giữ nguyên kết quả trước."), *([gr.update()] * 7))
        stem = exports.file_stem(filters["commune"], filters["due"], filters["agency"], filters["query"])
        csv_path = downloads.write(stem + ".csv", exports.csv_text(found))
        xlsx_path = downloads.write(stem + ".xlsx", exports.xlsx_bytes(found))
        return ("", task_count_label(found), render_task_cards(found), task_rows(found), csv_path, xlsx_path,
                counts_frame(found, "lead", "Cơ quan chủ trì"), counts_frame(found, "area", "Lĩnh vực"))

    def timeline(commune: str, agency: str, query: str, year: str):
        try:
            year_number = int(str(year).strip())
        except ValueError:
            return notice("Năm không hợp lệ."), gr.update()
        filters = dict(commune=commune_filter(commune), agency=clean_optional(agency), query=clean_optional(query))
        # The one due rule (ingest.periods.due_status, via the registry) decides each month and what is ongoing.
        months = [MonthDue(label=f"Tháng {m}/{year_number}", tasks=assistant.tasks(due=f"{year_number}-{m:02d}",
                                                                                  **filters))
                  for m in range(1, 13)]
        ongoing = [t for t in assistant.tasks(due=str(year_number), include_ongoing=True, **filters)
                   if t.due_status == "ongoing"]
        return gr.update(), render_timeline(months, ongoing)  # leave the filter's own notice alone

    def refresh_communes(chat_commune: str, task_commune: str):
        choices = commune_choices(assistant.documents())
        keep = lambda value: value if value in choices else ALL_COMMUNES  # noqa: E731
        return (gr.Dropdown(choices=choices, value=keep(chat_commune)),
                gr.Dropdown(choices=choices, value=keep(task_commune)))

    # -- staff --
    def authorised(token: str, request: gr.Request | None) -> tuple[bool, str]:
        return throttle.check(settings.admin_token, token, client_key(request))

    def require_staff(token: str, request: gr.Request | None) -> None:
        ok, message = authorised(token, request)
        if not ok:
            raise gr.Error(message, title="Không được phép")

    def staff_documents():
        docs = assistant.documents()
        return document_rows(docs), gr.Dropdown(choices=[d.document for d in docs], value=None)

    def feedback_view():
        items = feedback.list()
        rows = [[str(i.id), i.created, RATING_LABELS[i.rating], i.question, i.answer[:300], i.comment,
                 i.eval_id or ""] for i in items]
        path = downloads.write("gop-y-cau-tra-loi.csv", feedback_csv(items))
        downs = [(f"#{i.id} — {i.question[:70]}", i.id) for i in items if i.rating == "down" and not i.eval_id]
        return rows, path, gr.Dropdown(choices=downs, value=None)

    def login(token: str, request: gr.Request):
        ok, message = authorised(token, request)
        if not ok:
            return (gr.Column(visible=False), message, gr.update(), gr.update(), gr.update(), gr.update(),
                    gr.update())
        return (gr.Column(visible=True), message, *staff_documents(), *feedback_view())

    def upload(files: list[str] | None, token: str, request: gr.Request):
        try:
            require_staff(token, request)
            if not files:
                raise gr.Error("Chưa chọn tệp nào để tải lên.", title="Thiếu tệp")
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
                    lines.append(f"{PENDING} {text_html(job.document)}: đang xử lý…")
                except UploadRejected as exc:
                    lines.append(f"{FAILED} {text_html(exc.message)}")
        finally:
            for file in files or []:  # Gradio's temporary copy: the job holds its own bytes now
                Path(file).unlink(missing_ok=True)
        yield "\n\n".join(lines), *staff_documents(), None
        lines = [line for line in lines if line.startswith(FAILED)]
        for job in queued:
            final = jobs.wait(job.id, timeout=600)
            if final is None or not final.finished:
                lines.append(f"{PENDING} {text_html(job.document)}: vẫn đang xử lý (mã công việc {job.id}).")
            else:
                marker = DONE if final.state == "done" else FAILED
                lines.append(f"{marker} {text_html(final.document)}: {text_html(final.message)}")
        yield "\n\n".join(lines), *staff_documents(), None

    def ask_delete(document: str | None, token: str, request: gr.Request):
        require_staff(token, request)
        if not document:
            return gr.update(visible=False), "Chưa chọn tài liệu cần xoá."
        return (gr.update(visible=True),
                text_html(f"Xoá hẳn «{document}» cùng mọi đoạn, nhiệm vụ và chỉ tiêu của nó? "
                          "Bấm «Xác nhận xoá» để xoá."))

    def delete(document: str | None, token: str, request: gr.Request):
        require_staff(token, request)
        if not document:
            return gr.update(visible=False), "Chưa chọn tài liệu cần xoá.", *staff_documents()
        if assistant.remove(document):
            jobs.discard_upload(document)
            message = f"Đã xoá «{document}»."
        else:
            message = f"Không có tài liệu «{document}»."
        return gr.update(visible=False), text_html(message), *staff_documents()

    def cancel_delete():
        return gr.update(visible=False), "Đã huỷ, không xoá tài liệu nào."

    def to_eval(feedback_id: int | None, token: str, request: gr.Request):
        require_staff(token, request)
        if not feedback_id:
            return "Chưa chọn câu trả lời «Chưa đúng» nào.", *feedback_view()
        target = settings.home / EVAL_CANDIDATES
        try:
            draft = feedback.to_eval_question(int(feedback_id), target)
        except (KeyError, ValueError) as exc:
            return str(exc.args[0] if exc.args else exc), *feedback_view()
        return (f"Đã thêm câu hỏi kiểm thử **{draft['id']}** vào `{EVAL_CANDIDATES}` trong thư mục dữ liệu; "
                "hãy bổ sung `facts` và `gold_quote` từ kế hoạch rồi chuyển vào bộ câu hỏi đánh giá.",
                *feedback_view())

    def refresh_examples():
        shown = page_examples(assistant)
        return gr.Dataset(samples=example_samples(shown.citizen)), gr.Dataset(samples=example_samples(shown.staff))

    years = [str(y) for y in range(2025, 2031)]
    # filled from the store on page load (refresh_examples); a page built before the store opens starts empty
    examples = page_examples(assistant) if getattr(assistant, "ready", False) else PageExamples(citizen=[], staff=[])

    with gr.Blocks(title="Sổ tay CCHC", delete_cache=(1800, 3600)) as demo:
        gr.Markdown("# Sổ tay CCHC\nHỏi đáp về kế hoạch cải cách hành chính của các xã, có trích dẫn nguyên văn.",
                    elem_id="cchc-header")
        conversation = gr.BrowserState([], storage_key=CONVERSATION_KEY)
        turns = gr.State([])
        with gr.Tabs(overflow_behavior="wrap", elem_id="main-tabs"):
            with gr.Tab("Hỏi đáp", id="chat-tab"):
                with gr.Row(elem_id="ask-row", equal_height=False):
                    message = gr.Textbox(label="Câu hỏi của bạn", elem_id="question", scale=5, lines=1,
                                         max_lines=4, autofocus=True, max_length=settings.max_question_chars,
                                         placeholder="Ví dụ: Ai chủ trì đối thoại với người dân ở Di Linh?")
                    send = gr.Button("Gửi", variant="primary", scale=1, elem_id="ask", min_width=80)
                chat_notice = gr.Markdown(elem_id="chat-notice")
                with gr.Row(equal_height=False, elem_id="commune-row"):
                    commune = gr.Dropdown(choices=[ALL_COMMUNES], value=ALL_COMMUNES, label="Xã",
                                          elem_id="commune-filter", interactive=True, scale=3)
                    new_chat = gr.Button("Cuộc trò chuyện mới", elem_id="new-chat", scale=1, min_width=120,
                                         size="sm")
                with gr.Column(elem_id="examples"):
                    citizen_examples = gr.Examples(examples=example_samples(examples.citizen), inputs=[message],
                                                   label="Câu hỏi mẫu cho người dân", examples_per_page=4)
                chatbot = gr.Chatbot(label="Cuộc trò chuyện", show_label=False, elem_id="chat", autoscroll=False, height="auto",
                                     max_height=2000, min_height=60, latex_delimiters=[], sanitize_html=True,
                                     feedback_options=("Like", "Dislike"), buttons=["copy"], layout="panel",
                                     placeholder="Câu trả lời sẽ hiện ở đây, kèm nguồn trích dẫn từ kế hoạch.")
                feedback_id = gr.State(None)
                feedback_status = gr.Markdown(elem_id="feedback-status")
                with gr.Row(visible=False, elem_id="feedback-comment-row") as comment_row:
                    comment = gr.Textbox(label="Góp ý thêm (không bắt buộc, đừng ghi thông tin cá nhân)",
                                         elem_id="feedback-comment", scale=4, max_length=2000)
                    comment_send = gr.Button("Gửi góp ý", elem_id="feedback-send", scale=1)
                staff_examples = gr.Examples(examples=example_samples(examples.staff), inputs=[message],
                                             label="Câu hỏi mẫu cho cán bộ")

            with gr.Tab("Nhiệm vụ", id="tasks"):
                with gr.Row():
                    task_commune = gr.Dropdown(choices=[ALL_COMMUNES], value=ALL_COMMUNES, label="Xã",
                                               elem_id="task-commune", interactive=True)
                    agency = gr.Textbox(label="Cơ quan (chủ trì/phối hợp)", placeholder="Phòng Kinh tế",
                                        elem_id="task-agency")
                    due = gr.Textbox(label="Thời hạn", placeholder="2026, quý II/2026, tháng 6/2026",
                                     elem_id="task-due")
                    query = gr.Textbox(label="Từ khoá trong nhiệm vụ", placeholder="đối thoại", elem_id="task-query")
                with gr.Row():
                    apply = gr.Button("Lọc", variant="primary", elem_id="task-filter", min_width=70)
                    download_csv = gr.DownloadButton("Tải CSV", elem_id="task-csv", min_width=80)
                    download_xlsx = gr.DownloadButton("Tải Excel", elem_id="task-xlsx", min_width=90)
                task_notice = gr.Markdown(elem_id="task-notice")
                count = gr.Markdown(elem_id="task-count")
                with gr.Tabs(overflow_behavior="wrap", elem_id="task-tabs"):
                    with gr.Tab("Danh sách", id="task-list"):
                        cards = gr.HTML(elem_id="task-cards", label="Nhiệm vụ", padding=False)
                        table = gr.Dataframe(headers=TASK_HEADERS, value=[], type="array", interactive=False,
                                             wrap=True, max_height=640, show_search="none", elem_id="task-table",
                                             label="Bảng nhiệm vụ",
                                             column_widths=["7%", "11%", "4%", "28%", "11%", "11%", "8%", "10%",
                                                            "10%"])
                    with gr.Tab("Theo thời hạn", id="task-timeline-tab") as timeline_tab:
                        year = gr.Dropdown(choices=years, value="2026", label="Năm", elem_id="timeline-year")
                        timeline_html = gr.HTML(elem_id="task-timeline", label="Nhiệm vụ đến hạn theo tháng")
                    with gr.Tab("Biểu đồ", id="task-charts"):
                        by_agency = gr.BarPlot(pd.DataFrame({"Cơ quan chủ trì": [], "Số nhiệm vụ": []}),
                                               x="Cơ quan chủ trì", y="Số nhiệm vụ", label="Nhiệm vụ theo cơ quan chủ trì",
                                               x_label_angle=-35, elem_id="chart-agency", sort="-y", height=360,
                                               y_lim=[0, None])
                        by_area = gr.BarPlot(pd.DataFrame({"Lĩnh vực": [], "Số nhiệm vụ": []}),
                                             x="Lĩnh vực", y="Số nhiệm vụ", label="Nhiệm vụ theo lĩnh vực",
                                             x_label_angle=-35, elem_id="chart-area", sort="-y", height=360,
                                             y_lim=[0, None])

            with gr.Tab("Thủ tục", id="procedures"):
                build_procedures_tab(assistant)

            with gr.Tab("Quản trị", id="staff", visible=staff_enabled):
                gr.Markdown("Khu vực dành cho cán bộ: nhập mã quản trị để tải lên, xoá tài liệu và xem góp ý.")
                with gr.Row():
                    token = gr.Textbox(label="Mã quản trị", type="password", elem_id="staff-token", scale=4,
                                       placeholder="CCHC_ADMIN_TOKEN")
                    login_button = gr.Button("Xác nhận", scale=1, elem_id="staff-login")
                login_status = gr.Markdown(elem_id="staff-login-status")
                with gr.Column(visible=False) as staff_panel:
                    files = gr.File(label="Tải lên kế hoạch (.txt, .md, .pdf, .docx)", file_count="multiple",
                                    file_types=[".txt", ".md", ".pdf", ".docx"], type="filepath",
                                    elem_id="staff-files")
                    upload_button = gr.Button("Tải lên và nạp", variant="primary", elem_id="staff-upload")
                    upload_status = gr.Markdown(elem_id="staff-upload-status")
                    docs_table = gr.Dataframe(headers=DOC_HEADERS, value=[], type="array", interactive=False,
                                              wrap=True, label="Tài liệu đã nạp", elem_id="staff-docs",
                                              show_search="none")
                    with gr.Row():
                        to_delete = gr.Dropdown(choices=[], label="Tài liệu cần xoá", scale=4,
                                                elem_id="staff-delete-choice")
                        delete_button = gr.Button("Xoá tài liệu…", variant="stop", scale=1, elem_id="staff-delete")
                    with gr.Row(visible=False, elem_id="staff-delete-confirm-row") as confirm_row:
                        confirm_button = gr.Button("Xác nhận xoá", variant="stop", elem_id="staff-delete-confirm")
                        cancel_button = gr.Button("Huỷ", elem_id="staff-delete-cancel")
                    delete_status = gr.Markdown(elem_id="staff-delete-status")
                    gr.Markdown("### Góp ý về câu trả lời")
                    feedback_table = gr.Dataframe(headers=FEEDBACK_HEADERS, value=[], type="array",
                                                  interactive=False, wrap=True, label="Góp ý của người dùng",
                                                  elem_id="feedback-list", show_search="none", max_height=480)
                    with gr.Row():
                        feedback_csv_button = gr.DownloadButton("Tải CSV góp ý", elem_id="feedback-csv")
                        to_eval_choice = gr.Dropdown(choices=[],
                                                     label="Câu trả lời «Chưa đúng» cần thành câu hỏi kiểm thử",
                                                     elem_id="feedback-eval-choice", scale=3)
                        to_eval_button = gr.Button("Tạo câu hỏi kiểm thử", elem_id="feedback-eval")
                    eval_status = gr.Markdown(elem_id="feedback-eval-status")

        private = {"api_visibility": "private"}
        # chat events
        pending = gr.State("")
        for trigger in (message.submit, send.click):
            trigger(add_question, [message, turns], [chatbot, message, pending, chat_notice], queue=False,
                    **private).then(
                answer_question, [pending, turns, commune], [chatbot, turns, conversation, comment_row],
                **private).then(None, None, None, js=SCROLL_TO_ANSWER_JS, **private)
        cleared = [chatbot, turns, conversation, feedback_status, comment_row, feedback_id]
        chatbot.clear(new_conversation, None, cleared, queue=False, **private)
        new_chat.click(new_conversation, None, cleared, queue=False, **private)
        chatbot.like(rate, [turns], [feedback_id, comment_row, feedback_status], queue=False, **private)
        for trigger in (comment_send.click, comment.submit):
            trigger(send_comment, [feedback_id, comment], [comment, feedback_status], queue=False, **private)

        # tasks events
        task_inputs = [task_commune, agency, due, query]
        task_outputs = [task_notice, count, cards, table, download_csv, download_xlsx, by_agency, by_area]
        timeline_inputs = [task_commune, agency, query, year]
        # A filter changed while the previous one runs is applied after it ("always_last"), never
        # dropped (Gradio's default for clicks and submits is "once": the page kept the stale result).
        latest = {**private, "trigger_mode": "always_last"}
        for trigger in (apply.click, agency.submit, due.submit, query.submit, task_commune.change):
            trigger(filter_tasks, task_inputs, task_outputs, **latest).then(
                timeline, timeline_inputs, [task_notice, timeline_html], **private)
        for trigger in (year.change, timeline_tab.select):
            trigger(timeline, timeline_inputs, [task_notice, timeline_html], **latest)

        # staff events: each re-checks the token; login is queue-free so wrong tokens wait in no line
        token.change(None, [token], None, js=STAFF_COOKIE_JS, **private)
        staff_outputs = [docs_table, to_delete, feedback_table, feedback_csv_button, to_eval_choice]
        for trigger in (login_button.click, token.submit):
            trigger(login, [token], [staff_panel, login_status, *staff_outputs], queue=False, **private)
        upload_button.click(upload, [files, token], [upload_status, docs_table, to_delete, files],
                            concurrency_limit=2, **private).then(
            refresh_communes, [commune, task_commune], [commune, task_commune], **private).then(
            refresh_examples, None, [citizen_examples.dataset, staff_examples.dataset], **private)
        delete_button.click(ask_delete, [to_delete, token], [confirm_row, delete_status], queue=False, **private)
        cancel_button.click(cancel_delete, None, [confirm_row, delete_status], queue=False, **private)
        confirm_button.click(delete, [to_delete, token], [confirm_row, delete_status, docs_table, to_delete],
                             **private).then(refresh_communes, [commune, task_commune], [commune, task_commune],
                                             **private).then(
            refresh_examples, None, [citizen_examples.dataset, staff_examples.dataset], **private)
        to_eval_button.click(to_eval, [to_eval_choice, token], [eval_status, feedback_table, feedback_csv_button,
                                                                to_eval_choice], queue=False, **private)

        demo.load(restore, [conversation], [chatbot, turns], queue=False, **private)
        demo.load(refresh_communes, [commune, task_commune], [commune, task_commune], **private).then(
            filter_tasks, task_inputs, task_outputs, **private)
        example_sets = [citizen_examples.dataset, staff_examples.dataset]
        demo.load(refresh_examples, None, example_sets, **private)
    # Answers are CPU-bound: a few at a time, and a bounded waiting line instead of unbounded memory.
    demo.queue(default_concurrency_limit=4, max_size=200)
    return demo


def mount_ui(app: FastAPI, assistant: "Assistant", settings: "Settings", jobs: "IngestQueue",
             limiter: "RateLimiter") -> FastAPI:
    throttle = LoginThrottle()
    demo = build_ui(assistant, settings, jobs, limiter, throttle=throttle, feedback=FeedbackStore(settings.db_path))
    app.add_middleware(StaffUploadGate, admin_token=settings.admin_token, throttle=throttle)
    app.add_middleware(VietnamesePageLang)
    app.mount("/static/cchc", StaticFiles(directory=STATIC), name="cchc-static")
    font = [gr.themes.Font("Be Vietnam Pro"), gr.themes.Font("DejaVu Sans"), "sans-serif"]
    return gr.mount_gradio_app(
        app, demo, path="/",
        footer_links=[],          # no Settings panel, API page or "Built with Gradio" link
        run_history=False,
        show_error=False,
        max_file_size=int(settings.max_file_mb * 1_048_576),
        theme=gr.themes.Soft(font=font, font_mono=font),
        css_paths=[STATIC / "cchc.css"],
        js=page_js(),
        i18n=page_i18n(),
    )
