"""Pure HTML rendering for the page. Text from plans (quotes, answers, task cells) is data: it is
HTML-escaped and every markdown/math/autolink trigger is turned into a character reference, so the
chat's markdown renderer shows it verbatim: no images, no links, no `$$…$$` math.

The one link the page draws itself is a procedure's page on the national public-service portal
(`portal_url`: https, host dichvucong.gov.vn exactly); any other address is shown as text."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from assistant.schemas import Answer, Citation, TaskOut

# Markdown, KaTeX and GFM-autolink syntax characters; `:` breaks "http://" autolinks, `.` after
# "www" breaks "www.host" ones. As character references they display the same but parse as text.
_ENTITIES = {c: f"&#{ord(c)};" for c in "&<>\"'\\`*_[]()!$~|#{}:"}
_WWW = re.compile(r"(?i)\bwww\.")
ABSTAIN_NOTICE = ("<b>Chưa tìm thấy câu trả lời đủ căn cứ trong các kế hoạch đã nạp.</b> "
                  "Hãy hỏi cụ thể hơn (tên xã, nhiệm vụ, cơ quan) hoặc chọn đúng xã ở ô «Xã».")
PROCEDURE_ABSTAIN_NOTICE = "<b>Hồ sơ thủ tục trong danh mục không ghi thông tin này.</b>"
PORTAL_HOST = "dichvucong.gov.vn"
PORTAL_LINK_TEXT = "Xem và nộp trên Cổng Dịch vụ công quốc gia"


def text_html(text: str | None) -> str:
    """Plan or user text as inert HTML (line breaks kept as <br>)."""
    escaped = "".join(_ENTITIES.get(c, c) for c in text or "")
    escaped = _WWW.sub(lambda m: m.group(0)[:3] + "&#46;", escaped)
    return escaped.replace("\r", "").replace("\n", "<br>")


def portal_url(url: str | None) -> str | None:
    """`url` when it is a page of the national public-service portal itself (https, host exactly
    dichvucong.gov.vn, no user, port or odd characters), else None: shown as text, never linked."""
    if not url or not re.fullmatch(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+", url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme != "https" or parts.hostname != PORTAL_HOST or parts.netloc.lower() != PORTAL_HOST \
            or port is not None:
        return None
    return url


def portal_link(url: str | None, text: str = PORTAL_LINK_TEXT) -> str:
    """An <a> to the portal page (`portal_url`), or "" for any other address."""
    safe = portal_url(url)
    if not safe:
        return ""
    return (f'<a class="cchc-portal" href="{html.escape(safe, quote=True)}" target="_blank" '
            f'rel="noopener noreferrer">{text_html(text)}</a>')


def _commune_label(commune: str | None) -> str:
    return f"xã {commune}" if commune else "Không rõ xã"


def location_label(cite: Citation) -> str:
    where = [cite.document]
    if cite.note:
        where.append(cite.note)           # e.g. a scanned plan read by OCR
    if cite.code:
        where.append(f"mã thủ tục {cite.code}")
    if cite.url:
        where.append(f"trang Cổng Dịch vụ công: {cite.url}")  # shown as text, never as a link
    if cite.page:
        where.append(f"trang {cite.page}")
    if cite.line_start:
        where.append(f"dòng {cite.line_start}" if not cite.line_end or cite.line_end == cite.line_start
                     else f"dòng {cite.line_start}–{cite.line_end}")
    return " · ".join(where)


@dataclass
class Passage:
    """Where a citation sits in its plan: the section path and the neighbouring text."""
    section_path: Sequence[str] = ()
    before: str = ""
    after: str = ""


def _clip(text: str, limit: int, from_end: bool = False) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return "…" + text[-limit:] if from_end else text[:limit] + "…"


def render_sources(citations: Iterable[Citation], passages: Sequence[Passage | None] = ()) -> str:
    """Sources collapsed under the answer, one <details> each; opening one shows the full passage
    (section path, lines or page, the quote with its neighbouring text) in place."""
    items = []
    for index, cite in enumerate(citations):
        passage = passages[index] if index < len(passages) else None
        where = "Danh mục thủ tục hành chính" if cite.origin == "procedure" else _commune_label(cite.commune)
        head = " · ".join(part for part in (
            f'<span class="cchc-commune">{text_html(where)}</span>',
            f'<span class="cchc-title">{text_html(cite.title)}</span>' if cite.title else "",
        ) if part)
        path = list(passage.section_path) if passage and passage.section_path else (
            [cite.section] if cite.section else [])
        body = [f'<div class="cchc-path">{" › ".join(text_html(p) for p in path)}</div>' if path else ""]
        if passage and passage.before:
            body.append(f'<div class="cchc-near">{text_html(_clip(passage.before, 400, from_end=True))}</div>')
        body.append(f'<blockquote>{text_html(cite.text.strip())}</blockquote>')
        if passage and passage.after:
            body.append(f'<div class="cchc-near">{text_html(_clip(passage.after, 400))}</div>')
        body.append(f'<div class="cchc-ref">{text_html(location_label(cite))}</div>')
        items.append(f'<details class="cchc-source"><summary>{index + 1}. {head}</summary>'
                     + "".join(body) + "</details>")
    if not items:
        return ""
    return (f'<div class="cchc-sources"><div class="cchc-sources-title">Nguồn trích dẫn ({len(items)}) — '
            f'chạm để xem nguyên văn</div>' + "".join(items) + "</div>")


def _procedure_citations(answer: Answer) -> list[Citation]:
    return [c for c in answer.citations if c.origin == "procedure" and c.code]


def _facet_label(cite: Citation) -> str:
    """The record's field cited: "Đăng ký tạm trú › Cách thức thực hiện › Phí, lệ phí" -> "Phí, lệ phí"."""
    section = cite.section or ""
    prefix = f"{cite.title} › " if cite.title else ""
    field_path = section[len(prefix):] if prefix and section.startswith(prefix) else section
    return field_path.rsplit(" › ", 1)[-1].strip()


def render_procedure_card(answer: Answer) -> str:
    """A procedure answer as a compact card: the procedure's name and code, the facet asked (a
    documents checklist, time or fee per channel, …) as the answer gives it, and the portal link.
    Every line of text is escaped; the answer's own title line and its portal-address line are
    replaced by the card's head and link (the address stays readable under the sources)."""
    cites = _procedure_citations(answer)
    cite = cites[0]
    facets = list(dict.fromkeys(label for label in (_facet_label(c) for c in cites
                                                   if c.code == cite.code) if label))
    body: list[str] = []
    checklist: list[str] = []

    def flush() -> None:
        if checklist:
            body.append('<ul class="cchc-check">' + "".join(checklist) + "</ul>")
            checklist.clear()

    link = portal_link(cite.url)
    lines = [line.strip() for line in (answer.answer or "").strip().splitlines()]
    for index, line in enumerate(lines):
        if not line:
            continue
        if index == 0 and cite.title and line.startswith(cite.title) and cite.code in line:
            continue                                   # "Tên thủ tục (mã 1.001193):" -> the card's head
        if link and cite.url in line:
            continue                                   # "Xem trên Cổng Dịch vụ công: https://…" -> the link
        if line.startswith("☐"):
            checklist.append(f"<li>{text_html(line)}</li>")
            continue
        flush()
        css = "cchc-proc-sub" if line.endswith(":") else "cchc-proc-line"
        body.append(f'<div class="{css}">{text_html(line)}</div>')
    flush()
    head = (f'<div class="cchc-proc-name">{text_html(cite.title or cite.document)}</div>'
            f'<div class="cchc-proc-code">Mã thủ tục {text_html(cite.code)}'
            + "".join(f' · <span class="cchc-facet">{text_html(f)}</span>' for f in facets) + "</div>")
    foot = f'<div class="cchc-proc-link">{link}</div>' if link else ""
    return (f'<div class="cchc-answer cchc-proc-card"><div class="cchc-proc-head">{head}</div>'
            f'<div class="cchc-proc-body">{"".join(body)}</div>{foot}</div>')


def render_answer(answer: Answer, passages: Sequence[Passage | None] = ()) -> str:
    """One chat message: the answer's text first (a card for a procedure's answer), then how the
    question was understood (the answer's `context`, when the conversation code supplies one), then
    the collapsed sources."""
    parts = []
    procedure = bool(_procedure_citations(answer))
    if answer.abstained:
        notice = PROCEDURE_ABSTAIN_NOTICE if procedure else ABSTAIN_NOTICE
        if procedure or answer.intent != "procedure":   # "not in the catalogue" says so itself
            parts.append(f'<div class="cchc-abstain">{notice}</div>')
    if procedure:
        parts.append(render_procedure_card(answer))
    elif (answer.answer or "").strip():
        parts.append(f'<div class="cchc-answer">{text_html(answer.answer.strip())}</div>')
    context = getattr(answer, "context", None)
    if isinstance(context, str) and context.strip():
        parts.append(f'<div class="cchc-context">Hiểu câu hỏi là: {text_html(context.strip())}</div>')
    sources = render_sources(answer.citations, passages)
    if sources:
        parts.append(sources)
    return "".join(parts)  # one HTML block: no blank line lets markdown parse between the parts


def render_user(question: str) -> str:
    return f'<div class="cchc-question">{text_html(question)}</div>'


# -- tasks -----------------------------------------------------------------

def _field(label: str, value: str) -> str:
    return f"<div><dt>{label}</dt><dd>{text_html(value)}</dd></div>" if value else ""


def render_task_cards(tasks: Sequence[TaskOut], limit: int = 300) -> str:
    """Tasks as cards for a phone: task, lead and deadline on the card, the rest on tap."""
    if not tasks:
        return '<p class="cchc-empty">Không có nhiệm vụ nào khớp với bộ lọc.</p>'
    cards = []
    for task in tasks[:limit]:
        standing = ' <span class="cchc-tag">Thường xuyên</span>' if task.due_status == "ongoing" else ""
        summary = (f'<span class="cchc-card-task">{text_html(task.task)}{standing}</span>'
                   f'<span class="cchc-card-meta"><b>Chủ trì:</b> {text_html(task.lead or "—")}'
                   f' · <b>Thời hạn:</b> {text_html(task.deadline or "—")}</span>')
        details = "".join((
            _field("Xã", task.commune), _field("Lĩnh vực", task.area), _field("STT", task.number),
            _field("Phối hợp", task.coordinators), _field("Sản phẩm", task.product),
            _field("Theo dõi", task.monitor), _field("Tài liệu", task.document), _field("Vị trí", task.source),
        ))
        cards.append(f'<details class="cchc-card"><summary>{summary}</summary><dl>{details}</dl></details>')
    more = (f'<p class="cchc-empty">Hiển thị {limit} trên {len(tasks)} nhiệm vụ; lọc thêm hoặc tải tệp '
            f'để xem hết.</p>' if len(tasks) > limit else "")
    return '<div class="cchc-cards">' + "".join(cards) + "</div>" + more


@dataclass
class MonthDue:
    label: str                      # "Tháng 3/2026"
    tasks: list[TaskOut] = field(default_factory=list)


def _grouped(tasks: Iterable[TaskOut]) -> dict[str, dict[str, list[TaskOut]]]:
    """commune -> lead agency -> tasks, in first-seen order."""
    groups: dict[str, dict[str, list[TaskOut]]] = {}
    for task in tasks:
        groups.setdefault(task.commune or "", {}).setdefault(task.lead or "Chưa rõ cơ quan chủ trì", []).append(task)
    return groups


def _group_html(tasks: Iterable[TaskOut]) -> str:
    out = []
    for commune, agencies in _grouped(tasks).items():
        rows = []
        for agency, items in agencies.items():
            entries = "".join(f"<li>{text_html(t.task)} <span class=\"cchc-ref\">({text_html(t.deadline)})</span></li>"
                              for t in items)
            rows.append(f'<div class="cchc-agency"><b>{text_html(agency)}</b><ul>{entries}</ul></div>')
        out.append(f'<div class="cchc-tl-commune"><h4>{text_html(_commune_label(commune))}</h4>{"".join(rows)}</div>')
    return "".join(out)


def render_timeline(months: Sequence[MonthDue], ongoing: Sequence[TaskOut]) -> str:
    """Month-by-month list of what falls due (per commune, then lead agency); ongoing duties apart."""
    blocks = []
    for month in months:
        if not month.tasks:
            continue
        blocks.append(f'<section class="cchc-month"><h3>{text_html(month.label)} '
                      f'<span class="cchc-count">{len(month.tasks)} nhiệm vụ</span></h3>{_group_html(month.tasks)}'
                      "</section>")
    if not blocks:
        blocks.append('<p class="cchc-empty">Không có nhiệm vụ nào đến hạn trong năm này với bộ lọc đã chọn.</p>')
    if ongoing:
        blocks.append(f'<details class="cchc-ongoing"><summary>Nhiệm vụ thường xuyên, hằng năm, khi có yêu cầu '
                      f'({len(ongoing)}) — không có hạn theo tháng</summary>{_group_html(ongoing)}</details>')
    return '<div class="cchc-timeline">' + "".join(blocks) + "</div>"

