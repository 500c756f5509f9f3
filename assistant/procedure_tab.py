"""The "Thủ tục" tab of the chat page: search the procedure catalogue and read one procedure
(documents checklist, time and fee per channel, steps, portal link), usable on a phone.

`build_procedures_tab(assistant)` creates its components inside the caller's current Blocks /
Tab context (`with gr.Tab("Thủ tục"): build_procedures_tab(a)`). The handlers are module
functions (`search_view`, `procedure_view`) over the one query path, `Assistant.procedures` /
`Assistant.procedure`. Record text is data: every value is HTML-escaped, and the portal link is
drawn only to the portal's own host (`assistant.ui.render.portal_url`); any other address is text.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ingest.procedure_models import Procedure, RequiredDocument

if TYPE_CHECKING:
    from assistant.service import Assistant

ALL_FIELDS = "Tất cả lĩnh vực"
MAX_RESULTS = 30
NOT_FOUND = "Không tìm thấy thủ tục phù hợp trong danh mục. Hãy thử tên khác (ví dụ «khai sinh», «tạm trú»)."
EMPTY_CATALOGUE = "Chưa có thủ tục nào được nạp (cchc ingest data/procedures)."

CSS = """
.cchc-proc { line-height: 1.45; }
.cchc-proc h3 { margin: .2em 0 .1em; font-size: 1.1em; }
.cchc-proc .cchc-proc-meta { color: var(--body-text-color-subdued); font-size: .9em; }
.cchc-proc section { margin-top: .7em; }
.cchc-proc h4 { margin: .3em 0; font-size: 1em; }
.cchc-proc ul.cchc-check { list-style: none; padding-left: 0; margin: .2em 0; }
.cchc-proc ul.cchc-check li { margin: .25em 0; padding-left: 1.5em; text-indent: -1.5em; }
.cchc-proc .cchc-way { border: 1px solid var(--border-color-primary); border-radius: 6px;
  padding: .35em .6em; margin: .3em 0; }
.cchc-proc .cchc-pre { white-space: pre-wrap; overflow-wrap: anywhere; }
.cchc-proc a { overflow-wrap: anywhere; }
"""


SHOW_VIEW_JS = """() => { requestAnimationFrame(() => {
  const view = document.querySelector('#procedure-view h3');
  if (view) view.scrollIntoView({block: 'start', behavior: 'instant'});
}); }"""


def _esc(text: str | None) -> str:
    return html.escape(text or "", quote=True)


def result_choices(procedures: Sequence[Procedure]) -> list[tuple[str, str]]:
    """(label, code) pairs for the results list: "Tên thủ tục (mã) — lĩnh vực"."""
    return [(f"{p.name} ({p.code})" + (f" — {p.field}" if p.field else ""), p.code) for p in procedures]


def _doc_item(doc: RequiredDocument) -> str:
    extra = [x for x in (doc.kind_text, f"mẫu: {doc.form}" if doc.form else "") if x]
    tail = f" <span class='cchc-proc-meta'>({_esc('; '.join(extra))})</span>" if extra else ""
    return f"<li>☐ {_esc(doc.name.lstrip('-+• '))}{tail}</li>"


_GROUP_TITLES = {"submit": "Giấy tờ phải nộp", "present": "Giấy tờ phải xuất trình"}


def _documents_html(procedure: Procedure) -> str:
    if not procedure.documents:
        return "<p>Hồ sơ thủ tục không ghi thành phần hồ sơ.</p>"
    groups: dict[str, list[RequiredDocument]] = {}
    for doc in procedure.documents:
        groups.setdefault(doc.group or _GROUP_TITLES.get(doc.group_kind, "Thành phần hồ sơ"), []).append(doc)
    parts = []
    for title, docs in groups.items():
        docs = sorted(docs, key=lambda d: d.conditional)       # what everyone brings first
        parts.append(f"<h4>{_esc(title)}</h4><ul class='cchc-check'>{''.join(_doc_item(d) for d in docs)}</ul>")
    return "".join(parts)


def _ways_html(procedure: Procedure) -> str:
    if not procedure.ways:
        return "<p>Hồ sơ thủ tục không ghi cách thức thực hiện.</p>"
    items = []
    for way in procedure.ways:
        time_note = "" if way.time.unit_given or not way.time.known else " (hồ sơ không ghi đơn vị)"
        fee = way.fee.text + (f" {way.fee.per}" if way.fee.per and way.fee.per not in way.fee.text else "")
        lines = [f"<b>{_esc(way.channel_text)}</b>",
                 f"Thời gian: {_esc(way.time.text or 'Không có thông tin')}{_esc(time_note)}",
                 f"Phí, lệ phí: {_esc(fee or 'Không có thông tin')}"]
        if way.fee.note:
            lines.append(f"<span class='cchc-proc-meta'>{_esc(way.fee.note)}</span>")
        if way.description:
            lines.append(f"<span class='cchc-proc-meta cchc-pre'>{_esc(way.description)}</span>")
        items.append("<div class='cchc-way'>" + "<br>".join(lines) + "</div>")
    return "".join(items)


def _text_section(title: str, text: str, missing: str) -> str:
    body = f"<div class='cchc-pre'>{_esc(text)}</div>" if text else f"<p>{_esc(missing)}</p>"
    return f"<section><h4>{_esc(title)}</h4>{body}</section>"


def render_procedure(procedure: Procedure | None) -> str:
    """The procedure view as escaped HTML."""
    if procedure is None:
        return f"<div class='cchc-proc'><p>{_esc('Chọn một thủ tục trong danh sách để xem.')}</p></div>"
    meta = " · ".join(_esc(x) for x in (f"Mã {procedure.code}", procedure.field, procedure.level) if x)
    from assistant.ui.render import portal_link   # here: assistant.ui imports this module

    link = portal_link(procedure.url)
    if link:
        link = f"<p class='cchc-proc-link'>{link}</p>"
    elif procedure.url.startswith(("https://", "http://")):   # another host: its address as text
        link = f"<p class='cchc-proc-meta'>Trang thủ tục: {_esc(procedure.url)}</p>"
    agency = f"<p>Cơ quan thực hiện: {_esc(procedure.agency)}</p>" if procedure.agency else ""
    return "".join([
        "<div class='cchc-proc'>",
        f"<h3>{_esc(procedure.name)}</h3><div class='cchc-proc-meta'>{meta}</div>", agency, link,
        f"<section><h4>Thành phần hồ sơ</h4>{_documents_html(procedure)}</section>",
        f"<section><h4>Thời gian và lệ phí theo cách nộp</h4>{_ways_html(procedure)}</section>",
        _text_section("Trình tự thực hiện", procedure.steps, "Hồ sơ thủ tục không ghi trình tự thực hiện."),
        _text_section("Yêu cầu, điều kiện", procedure.conditions, "Không có thông tin."),
        _text_section("Kết quả", procedure.result_text, "Hồ sơ thủ tục không ghi kết quả."),
        "</div>",
    ])


def search_view(assistant: Assistant, query: str | None, field: str | None) -> tuple[str, list[tuple[str, str]]]:
    """(count message, result choices) for a search box and field choice."""
    field = "" if not field or field == ALL_FIELDS else field
    query = (query or "").strip()[:200]
    found = assistant.procedures(query=query, field=field, limit=MAX_RESULTS)
    if not found:
        message = NOT_FOUND if (query or field) else EMPTY_CATALOGUE
        return message, []
    total = "" if len(found) < MAX_RESULTS else f" (hiện {MAX_RESULTS} thủ tục đầu tiên)"
    return f"{len(found)} thủ tục{total}. Chọn một thủ tục để xem chi tiết.", result_choices(found)


def procedure_view(assistant: Assistant, code: str | None) -> str:
    return render_procedure(assistant.procedure(code) if code else None)


def field_choices(assistant: Assistant) -> list[str]:
    try:
        return [ALL_FIELDS, *assistant.procedure_fields()]
    except Exception:  # noqa: BLE001 - a store not open yet: the list fills on the first search
        return [ALL_FIELDS]


def build_procedures_tab(assistant: Assistant) -> None:
    """The tab's components and events, inside the caller's current Blocks/Tab context."""
    import gradio as gr

    gr.HTML(f"<style>{CSS}</style>")
    with gr.Row(equal_height=True):
        query = gr.Textbox(label="Tìm thủ tục", placeholder="Ví dụ: làm giấy khai sinh, đăng ký tạm trú",
                           elem_id="procedure-query", scale=3)
        field = gr.Dropdown(choices=field_choices(assistant), value=ALL_FIELDS, label="Lĩnh vực",
                            elem_id="procedure-field", scale=2)
    search = gr.Button("Tìm thủ tục", variant="primary", elem_id="procedure-search")
    count = gr.Markdown(elem_id="procedure-count")
    results = gr.Radio(choices=[], label="Kết quả", elem_id="procedure-results")
    view = gr.HTML(render_procedure(None), elem_id="procedure-view")

    def on_search(q, f):
        message, choices = search_view(assistant, q, f)
        fields = field_choices(assistant)
        return (message, gr.Radio(choices=choices, value=None),
                gr.Dropdown(choices=fields, value=f if f in fields else ALL_FIELDS), render_procedure(None))

    def on_pick(code):
        return procedure_view(assistant, code)

    private = {"api_visibility": "private"}   # page events, not a public API (that is /api/procedures)
    for trigger in (search.click, query.submit, field.input):   # the latest search wins, none is dropped
        trigger(on_search, inputs=[query, field], outputs=[count, results, field, view], **private,
                trigger_mode="always_last")
    # On a phone the results list is long: the opened procedure is brought into view.
    results.change(on_pick, inputs=[results], outputs=[view], **private).then(
        None, None, None, js=SHOW_VIEW_JS, **private)
