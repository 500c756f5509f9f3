"""Portal procedure records (`.json` one record, `.jsonl` one per line) -> typed `Procedure`s.

The portal's tables arrive flattened: header cells, then the rows' cells fused into one
string. They are split by the header cells (found by name, in any order) and by the cells'
own shapes (a channel name followed by a time, a quantity "1 bản chính" closing a document
row, a document code closing a legal-basis row) — never by position or a record's code.
Pure: no store or index I/O. Records with missing or malformed fields are kept and flagged.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from ingest.errors import IngestError
from ingest.loaders import document_name
from ingest.models import Chunk
from ingest.procedure_models import (
    CHANNEL_LABELS,
    NO_INFO,
    Fee,
    LegalBasis,
    ParsedProcedures,
    ProcessingTime,
    Procedure,
    ProcedureResult,
    RequiredDocument,
    SubmissionWay,
)
from ingest.vntext import GOES_ON_IN_LOWER_CASE, LOWER_LETTERS, fold, nfc

PROCEDURE_EXTENSIONS = (".json", ".jsonl")
MEDIA_TYPE = "application/vnd.cchc.procedure+json"
# A record is a portal procedure when it has the code and the name plus most of these.
_REQUIRED_KEYS = ("ma_thu_tuc", "ten_thu_tuc")
_TYPICAL_KEYS = ("linh_vuc", "cach_thuc_thuc_hien", "thanh_phan_ho_so", "trinh_tu_thuc_hien",
                 "can_cu_phap_ly", "co_quan_thuc_hien", "doi_tuong_thuc_hien", "ket_qua_xu_ly")

# ---------------------------------------------------------------------------------------
# small helpers


def _clean(value: Any) -> str:
    """NFC, no-break spaces to spaces, runs of spaces collapsed, stripped (newlines kept)."""
    if value is None:
        return ""
    text = nfc(str(value)).replace("\u00a0", " ").replace("\u200e", "").replace("\u200b", "")
    text = re.sub(r"[ \t]+", " ", text)
    return re.sub(r" *\n *", "\n", text).strip()


# A line the PDF the portal copied from wrapped: it goes on in lower case, after a line that
# ends without a sentence's or a label's stop.
_WRAPPED_LINE = re.compile(rf"(?<=[^\n.;:!?])\n(?={GOES_ON_IN_LOWER_CASE})")
_PAGE_NUMBER_LINE = re.compile(r"\n[0-9]{1,3}(?=\n[-+•*])")     # "…\n5\n- Phù hợp …": the page's number


def _unwrapped(text: str) -> str:
    """Prose whose lines the source hard-wrapped, one line per sentence or item again: "… mục
    tiêu quốc gia" is one clause, not two (the answers quote clauses)."""
    return _WRAPPED_LINE.sub(" ", _PAGE_NUMBER_LINE.sub("", text))


def _value(text: str) -> str:
    """The portal writes an empty value as "Không có thông tin"; that is ''."""
    return "" if fold(text).strip(" .") in ("", fold(NO_INFO), "khong") else text


def _strip_headers(text: str, headers: Iterable[str]) -> tuple[str, list[str]]:
    """Remove the leading header cells (any order, each named by a synonym list)."""
    found: list[str] = []
    remaining = list(headers)
    progress = True
    while progress:
        progress = False
        stripped = text.lstrip(" -\t\n")
        for header in remaining:
            if fold(stripped).startswith(fold(header)):
                text = stripped[len(header):]
                found.append(header)
                remaining.remove(header)
                progress = True
                break
    return text, found


def _balanced_paren(text: str, start: int) -> int:
    """Index just past the parenthesised group opening at `start` (or len(text) if unclosed)."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i + 1
    return len(text)


# ---------------------------------------------------------------------------------------
# ways of submitting: "Hình thức nộp | Thời gian | Phí, lệ phí | Mô tả"

_WAY_HEADERS = ("Hình thức nộp", "Thời gian", "Phí, lệ phí", "Phí", "Lệ phí", "Mô tả")
_CHANNELS = {  # folded channel cell -> channel id
    "truc tuyen": "truc_tuyen",
    "truc tiep": "truc_tiep",
    "dich vu buu chinh": "buu_chinh",
    "buu chinh": "buu_chinh",
    "buu dien": "buu_chinh",
}
_UNITS = {  # folded unit as written -> normalised unit
    "ngay lam viec": "working_day",
    "ngay": "day",
    "gio lam viec": "working_hour",
    "gio": "hour",
    "tuan": "week",
    "thang": "month",
    "nam": "year",
}
_CHANNEL_ALT = r"Dịch vụ bưu chính|Trực tuyến|Trực tiếp|Bưu chính|Bưu điện"
_UNIT_ALT = r"Ngày làm việc|Giờ làm việc|Ngày|Giờ|Tuần|Tháng|Năm"
_TIME_CELL = rf"(?:\d+(?:[.,]\d+)?(?: ?(?:{_UNIT_ALT}))?|{NO_INFO})"
# A row starts where a channel cell is followed directly by a time cell: the description
# cell may mention "Trực tuyến: nộp hồ sơ …", but never fused with a number.
_ROW_START_RE = re.compile(rf"({_CHANNEL_ALT})(?={_TIME_CELL})", re.IGNORECASE)
_TIME_RE = re.compile(rf"(\d+(?:[.,]\d+)?)(?: ?({_UNIT_ALT}))?|{NO_INFO}", re.IGNORECASE)
_CURRENCY_ALT = r"Việt Nam Đồng|VNĐ|VND|đồng|USD"
_FEE_RE = re.compile(rf"Miễn phí|{NO_INFO}|(\d[\d.,]*) ?({_CURRENCY_ALT})", re.IGNORECASE)
_COUNCIL_RE = re.compile(r"h[oộ]i đ[oồ]ng nh[aâ]n d[aâ]n", re.IGNORECASE)


def parse_time(cell: str) -> ProcessingTime:
    text = cell.strip()
    match = _TIME_RE.fullmatch(text)
    if not match or not match.group(1):
        return ProcessingTime(text=text)
    value = float(match.group(1).replace(",", "."))
    unit = _UNITS.get(fold(match.group(2) or "").strip())
    return ProcessingTime(text=text, value=value, unit=unit, unit_given=unit is not None)


def _parse_amount(number: str) -> float:
    # "10,000" and "10.000" are thousands separators on the portal; "1.5" would be odd for VND.
    return float(re.sub(r"[.,]", "", number))


def parse_fee(cell: str, note: str = "") -> Fee:
    text = cell.strip()
    note = note.strip()
    per = ""
    if note.startswith("/"):
        per, note = note, ""
    council = bool(_COUNCIL_RE.search(note))
    match = _FEE_RE.fullmatch(text)
    if match and match.group(1):
        currency = "USD" if fold(match.group(2)) == "usd" else "VND"
        return Fee(text=text, kind="amount", amount=_parse_amount(match.group(1)), currency=currency,
                   per=per, note=note, set_by_council=council)
    if fold(text) == fold("Miễn phí"):
        # "Miễn phí" with a note that the provincial council sets the level: the council decides.
        return Fee(text=text, kind="council" if council else "free", per=per, note=note,
                   set_by_council=council)
    return Fee(text=text, kind="council" if council else "unknown", per=per, note=note,
               set_by_council=council)


def _unwrap(note: str) -> str:
    """"((…))" and "(Đồng (…))" -> the text inside."""
    inner = note
    while inner.startswith("(") and inner.endswith(")"):
        inner = inner[1:-1].strip()
    if inner.startswith("Đồng (") and inner.endswith(")"):
        inner = _unwrap(inner[len("Đồng "):])
    return inner


def parse_ways(raw: str, flags: list[str]) -> list[SubmissionWay]:
    text = _clean(raw)
    if not _value(text):
        flags.append("missing_ways")
        return []
    body, headers = _strip_headers(text, _WAY_HEADERS)
    if not headers:
        flags.append("ways_no_header")
    starts = list(_ROW_START_RE.finditer(body))
    if not starts:
        flags.append("ways_unparsed")
        return []
    if body[:starts[0].start()].strip():
        flags.append("ways_leading_text")
    ways: list[SubmissionWay] = []
    for i, start in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(body)
        row = body[start.end():end]
        time_match = _TIME_RE.match(row)
        time = parse_time(time_match.group(0)) if time_match else ProcessingTime(text="")
        rest = row[time_match.end():] if time_match else row
        fee_match = _FEE_RE.match(rest)
        fee_cell = fee_match.group(0) if fee_match else ""
        rest = rest[fee_match.end():] if fee_match else rest
        note = ""
        if rest.startswith("("):
            close = _balanced_paren(rest, 0)
            note, rest = _unwrap(rest[:close]), rest[close:]
        fee = parse_fee(fee_cell, note)
        channel = _CHANNELS.get(fold(start.group(1)), "khac")
        ways.append(SubmissionWay(channel=channel, channel_text=CHANNEL_LABELS[channel], time=time,
                                  fee=fee, description=rest.strip(" \t\n")))
        if not time.known:
            flags.append("time_missing")
        elif not time.unit_given:
            flags.append("time_without_unit")
        if not fee_cell:
            flags.append("fee_unparsed")
        elif fee.kind == "unknown":
            flags.append("fee_missing")
    return ways


# ---------------------------------------------------------------------------------------
# required documents: "<group>Tên giấy tờ | Mẫu đơn, tờ khai | Số lượng" then rows

_DOC_HEADER_RE = re.compile(r"Tên giấy tờ\s*Mẫu đơn, tờ khai\s*Số lượng", re.IGNORECASE)
# The quantity cell closes every row: "1 bản chính", "0 bản chính,1 bản sao".
_QUANTITY_RE = re.compile(r"(\d+) bản (chính|sao)(?:\s*,\s*(\d+) bản (chính|sao))?", re.IGNORECASE)
_FORM_EXT_RE = re.compile(r"\.(?:docx?|pdf|xlsx?|rtf|odt|zip)$", re.IGNORECASE)
# A row that opens on a case ("Trường hợp …", "4.1. Nếu …", "- Đối với …"), after its list mark
_ROW_OPENING = r"^[-+*\s]*(?:\(?[a-zđ0-9ivx]{1,4}[.)]\s*)?"
_CASE_WORDS = r"trường hợp|nếu|đối với"
_CONDITIONAL_RE = re.compile(rf"{_ROW_OPENING}({_CASE_WORDS}|lưu ý)", re.IGNORECASE)
# "… trong trường hợp ủy quyền …", "(nếu có)": a document needed only in that case.
_CASE_CLAUSE_RE = re.compile(r"trong trường hợp|đối với trường hợp|\(nếu có\)", re.IGNORECASE)
_ITEM_NUMBER = re.compile(r"^[-+*•\s]*(?:\(?[0-9a-zđivx]{1,4}(?:\.[0-9]{1,2})*[.)]\s+)?", re.IGNORECASE)


def _first_clause(name: str) -> str:
    """A document's name, its numbering ("4.1.", "b)") left out, up to its first "; " or ". ":
    what is asked of everyone, before the exceptions it may add ("Giấy chứng sinh …; nếu trẻ em
    sinh ra ngoài cơ sở y tế thì …")."""
    return re.split(r"[;.]\s", name[_ITEM_NUMBER.match(name).end():], maxsplit=1)[0]


def _is_conditional(name: str) -> bool:
    """"Trường hợp …", "4.1. Trường hợp …", "… (nếu có)", "… trong trường hợp ủy quyền": only
    needed in that case. A case the name adds after its first clause is an exception to it."""
    first = _first_clause(name)
    return bool(_CONDITIONAL_RE.match(name) or _CONDITIONAL_RE.match(first) or _CASE_CLAUSE_RE.search(first))


_GROUP_KINDS = (  # folded cue in the group heading -> kind (first match wins)
    ("xuat trinh", "present"),
    ("luu y", "note"),
    ("phai nop", "submit"),
    ("thanh phan ho so", "submit"),
    ("ho so gom", "submit"),
)
# A group heading is a short heading, not a paragraph that leaked from another field.
_MAX_GROUP_CHARS = 240


def _group_kind(heading: str) -> str:
    key = fold(heading)
    if not key.strip(" -*:"):
        return "submit"
    for cue, kind in _GROUP_KINDS:
        if cue in key:
            return kind
    if re.match(r"(?:ho so|thanh phan)\b.*\bgom\b", key.strip(" -*")):   # "Hồ sơ đăng ký tạm trú gồm:"
        return "submit"
    return "case"


def _split_form(cell: str) -> tuple[str, str]:
    """Separate a trailing form file cell ("…NĐ-CPMau13.docx") from the document name."""
    if not _FORM_EXT_RE.search(cell):
        return cell, ""
    # The form cell begins after the name's last closing punctuation …
    boundary = max((m.end() for m in re.finditer(r"[;)”]|\.(?=\s|[A-ZĐ])", cell[:-5])), default=0)
    form = cell[boundary:].strip()
    name = cell[:boundary]
    if " " in form:
        # … or, when the name runs on without punctuation, at the first fused word join.
        join = re.search(rf"(?<=[^\s])(?=[A-ZĐ][{LOWER_LETTERS}])", form[1:])
        if join:
            name, form = name + form[:join.start() + 1], form[join.start() + 1:]
    return name.strip(), form.strip()


def _clean_group(heading: str) -> str:
    return heading.strip(" -*\t\n:").strip()


def parse_documents(raw: str, flags: list[str]) -> list[RequiredDocument]:
    text = _clean(raw)
    if not _value(text):
        flags.append("missing_documents")
        return []
    headers = list(_DOC_HEADER_RE.finditer(text))
    if not headers:
        flags.append("documents_unparsed")
        return []
    documents: list[RequiredDocument] = []
    group_start = 0
    for i, header in enumerate(headers):
        heading = text[group_start:header.start()]
        if i == 0 and (len(heading) > _MAX_GROUP_CHARS or "\n" in heading.strip()):
            flags.append("documents_leading_text")   # another field's text leaked in front
            heading = ""
        elif len(heading) > _MAX_GROUP_CHARS:
            heading = ""
        group = _clean_group(heading)
        kind = _group_kind(group)
        body_end = headers[i + 1].start() if i + 1 < len(headers) else len(text)
        body = text[header.end():body_end]
        cursor = 0
        quantities = list(_QUANTITY_RE.finditer(body))
        for q in quantities:
            cell = body[cursor:q.start()]
            cursor = q.end()
            name, form = _split_form(cell.strip())
            name = name.strip()
            if not name:
                continue
            counts = {"chính": None, "sao": None}
            for number, which in ((q.group(1), q.group(2)), (q.group(3), q.group(4))):
                if number is not None:
                    counts[which.lower()] = int(number)
            documents.append(RequiredDocument(
                name=name, group=group, group_kind=kind, originals=counts["chính"],
                copies=counts["sao"], quantity_text=q.group(0), form=form,
                conditional=_is_conditional(name),
            ))
        tail = body[cursor:].strip()
        # What follows the last quantity is the next group's heading (kept by group_start).
        group_start = header.end() + cursor if i + 1 < len(headers) else body_end
        if i + 1 == len(headers) and tail:
            flags.append("documents_trailing_text")
        if not quantities:
            flags.append("documents_group_without_rows")
    if not documents:
        flags.append("documents_unparsed")
    return _case_sections(documents)


_CASE_OPENS = re.compile(rf"{_ROW_OPENING}(?:{_CASE_WORDS})\b", re.IGNORECASE)


def _case_sections(documents: list[RequiredDocument]) -> list[RequiredDocument]:
    """A row of a table that opens a case and introduces a list ("1. Đối với Ban quản trị được
    bầu … lần đầu thì hồ sơ … bao gồm:", "2. Trường hợp bầu lại …:") is no document: it heads the
    rows after it, up to the next such row of its group, as that case's documents."""
    out: list[RequiredDocument] = []
    heading, group = "", None
    for doc in documents:
        if doc.group != group:
            heading, group = "", doc.group
        if doc.group_kind != "note" and _CASE_OPENS.match(doc.name) and doc.name.rstrip().endswith(":"):
            heading = _clean_group(_ITEM_NUMBER.sub("", doc.name, count=1))
            continue
        out.append(replace(doc, group=heading, group_kind="case") if heading else doc)
    return out


# ---------------------------------------------------------------------------------------
# legal bases: "Tên văn bản pháp lý | Mã văn bản" then "<title><code>" pairs

_LEGAL_HEADERS = ("Tên văn bản pháp lý", "Mã văn bản")
# "85/2019/TT-BTC", "66.7/2025/NQ-CP", "24/2021/QĐ-TTg", "2754/BHXH-CSXH".
_CODE_CORE = r"\d+(?:\.\d+)?/(?:\d{4}/)?[A-ZĐ](?:TTg|[A-ZĐ0-9-])*?"
# Titles written in capitals start with a document type ("LUẬT …", "BAN HÀNH …").
_CAPITAL_TITLE = r"(?:LUẬT|BỘ LUẬT|BAN HÀNH|NGHỊ ĐỊNH|NGHỊ QUYẾT|THÔNG TƯ|QUYẾT ĐỊNH|VĂN BẢN|CÔNG VĂN)\b"
_CODE_END = rf"(?=[A-ZĐ][{LOWER_LETTERS}]|\s+[A-ZĐ][{LOWER_LETTERS}]|\s*$|{_CAPITAL_TITLE})(?!Tg)"
# A code cell fused to its title: no space before it, and the next title (capitalised) or
# the end after it. Codes inside titles ("Nghị định số 123/2015/NĐ-CP ngày …") have a space
# before them and lower-case words after.
_CODE_CELL_RE = re.compile(rf"(?:(?<=[^\s\d./])|(?<=[^\s\d]\.))({_CODE_CORE}){_CODE_END}")
# A code cell written as a title ("…Bộ Tư phápThông tư số 03/2023/TT-BTP"): fused to the
# previous cell, a capitalised word first.
_SPACED_CODE_CELL_RE = re.compile(
    rf"(?<=[^\s])([A-ZĐ][{LOWER_LETTERS}]*(?:\s+[^\s\d]+){{0,3}}\s+{_CODE_CORE}){_CODE_END}")
# A code cell fused to a year that ends its title ("Luật … năm 201335/2013/QH13"), or on a
# line of its own.
_YEAR_FUSED_CODE_RE = re.compile(rf"(?:(?<=[\s/][12][09]\d\d)|(?<=\n))({_CODE_CORE}){_CODE_END}")
_TITLE_CODE_RE = re.compile(rf"{_CODE_CORE}$")


def parse_legal_bases(raw: str, flags: list[str]) -> list[LegalBasis]:
    text = _clean(raw)
    if not _value(text):
        flags.append("missing_legal_bases")
        return []
    body, _ = _strip_headers(text, _LEGAL_HEADERS)
    cells = sorted(
        [(m.start(1), m.end(1)) for m in _CODE_CELL_RE.finditer(body)]
        + [(m.start(1), m.end(1)) for m in _SPACED_CODE_CELL_RE.finditer(body)]
        + [(m.start(1), m.end(1)) for m in _YEAR_FUSED_CODE_RE.finditer(body)]
    )
    bases: list[LegalBasis] = []
    cursor = 0
    for start, end in cells:
        if start < cursor:
            continue
        title, code = body[cursor:start].strip(), body[start:end].strip()
        # "Luật 60/2014/QH1360/2014/QH13": the title's own code ends in digits fused to the cell.
        lead = re.match(r"\d+", code)
        for k in range(1, len(lead.group(0)) if lead else 0):
            if _TITLE_CODE_RE.search(title + code[:k]) and (title + code[:k]).endswith(code[k:]):
                title, code = title + code[:k], code[k:]
                break
        basis = LegalBasis(title=title or code, code=code)
        if not bases or bases[-1] != basis:
            bases.append(basis)
        cursor = end
    tail = body[cursor:].strip()
    if tail:
        bases.append(LegalBasis(title=tail))
        flags.append("legal_basis_without_code")
    if not bases:
        flags.append("legal_bases_unparsed")
    return bases


# ---------------------------------------------------------------------------------------
# result: "<name>Mã: KQ.…" items, then "Từ khóa …Mô tả …", then the portal's navigation

_NAVIGATION_RE = re.compile(r"Chọn cơ quan thực hiện|Tỉnh/ Thành phốBộ ngành|Nộp hồ sơ$")
_RESULT_ITEM_RE = re.compile(rf"(.+?)Mã:\s*(KQ\.[A-Z0-9.]+?)(?=[A-ZĐ][{LOWER_LETTERS}]|[-–(]|Từ khóa|$)", re.DOTALL)


def parse_result(raw: str, flags: list[str]) -> tuple[list[ProcedureResult], str]:
    text = _clean(raw)
    navigation = _NAVIGATION_RE.search(text)
    if navigation:
        text = text[:navigation.start()].strip()
    description = ""
    keyword_at = text.find("Từ khóa")
    head = text if keyword_at < 0 else text[:keyword_at]
    if keyword_at >= 0:
        tail = text[keyword_at + len("Từ khóa"):]
        desc_at = tail.find("Mô tả")
        if desc_at >= 0:
            description = _value(tail[desc_at + len("Mô tả"):].strip())
    results = [ProcedureResult(name=m.group(1).strip(), code=m.group(2).rstrip("."))
               for m in _RESULT_ITEM_RE.finditer(head)]
    if not results and _value(head.strip()):
        results = [ProcedureResult(name=head.strip())]
    result_text = "; ".join(r.name for r in results)
    if description:
        result_text = f"{result_text}. {description}" if result_text else description
    if not results:
        flags.append("missing_result")
    return results, result_text


# ---------------------------------------------------------------------------------------
# a record


def is_procedure_record(record: Any) -> bool:
    """Does this JSON object carry the portal's procedure field names?"""
    if not isinstance(record, Mapping):
        return False
    if not all(key in record for key in _REQUIRED_KEYS):
        return False
    return sum(key in record for key in _TYPICAL_KEYS) >= 3


# Section headings of the page text (`raw_text`), in page order.
_RAW_STEPS, _RAW_WAYS, _RAW_DOCUMENTS, _RAW_LEGAL = (
    "Trình Tự Thực Hiện", "Cách Thức Thực Hiện", "Thành phần hồ sơ", "Căn cứ pháp lý")


def _recover_from_page(record: Mapping[str, Any]) -> tuple[str, str] | None:
    """Steps and documents re-cut from the page text, for records whose fields were split
    at the words "(Thành phần hồ sơ)" inside the steps: the documents field then holds the
    steps' tail and no document table. Returns None when the page text does not help."""
    raw = _clean(record.get("raw_text", ""))
    steps_at, ways_at = raw.find(_RAW_STEPS), raw.find(_RAW_WAYS)
    if steps_at < 0 or ways_at < steps_at:
        return None
    documents_at = raw.find(_RAW_DOCUMENTS, ways_at)
    legal_at = raw.find(_RAW_LEGAL, documents_at)
    if documents_at < 0 or legal_at < 0:
        return None
    documents = raw[documents_at + len(_RAW_DOCUMENTS):legal_at]
    if not _DOC_HEADER_RE.search(documents):
        return None
    return raw[steps_at + len(_RAW_STEPS):ways_at].strip(), documents.strip()


def parse_record(record: Mapping[str, Any], document: str) -> Procedure:
    """One portal record (already decoded JSON) -> `Procedure`. Never raises on bad fields."""
    flags: list[str] = []

    def get(key: str) -> str:
        return _value(_clean(record.get(key, "")))

    procedure = Procedure(
        code=get("ma_thu_tuc"),
        name=get("ten_thu_tuc"),
        document=document,
        field=get("linh_vuc"),
        level=get("cap_thuc_hien"),
        kind=get("loai_thu_tuc"),
        applicants=get("doi_tuong_thuc_hien"),
        competent_agency=get("co_quan_co_tham_quyen").rstrip("."),
        implementing_agency=get("co_quan_thuc_hien").rstrip("."),
        reception_address=get("dia_chi_tiep_nhan"),
        decision=get("so_quyet_dinh"),
        steps=_unwrapped(get("trinh_tu_thuc_hien")),
        conditions=_unwrapped(get("yeu_cau_dieu_kien")),
        related=get("thu_tuc_lien_quan"),
        url=get("detail_url"),
    )
    for label, value in (("code", procedure.code), ("name", procedure.name), ("field", procedure.field),
                         ("applicants", procedure.applicants), ("agency", procedure.agency),
                         ("steps", procedure.steps), ("decision", procedure.decision),
                         ("url", procedure.url)):
        if not value:
            flags.append(f"missing_{label}")
    procedure.ways = parse_ways(record.get("cach_thuc_thuc_hien", ""), flags)
    documents_field = _clean(record.get("thanh_phan_ho_so", ""))
    if _value(documents_field) and not _DOC_HEADER_RE.search(documents_field):
        recovered = _recover_from_page(record)
        if recovered:
            procedure.steps, documents_field = recovered
            flags.append("documents_recovered_from_page")
    procedure.documents = parse_documents(documents_field, flags)
    procedure.legal_bases = parse_legal_bases(record.get("can_cu_phap_ly", ""), flags)
    procedure.results, procedure.result_text = parse_result(record.get("ket_qua_xu_ly", ""), flags)
    procedure.flags = sorted(set(flags))
    return procedure


# ---------------------------------------------------------------------------------------
# files


def looks_like_procedure_file(path: str | Path) -> bool:
    """A `.json` record or `.jsonl` of records with the portal's field names.

    Reads at most the first record, so the ingest dispatcher can call it on any file.
    """
    path = Path(path)
    if path.suffix.lower() not in PROCEDURE_EXTENSIONS or not path.is_file():
        return False
    try:
        with path.open(encoding="utf-8-sig") as handle:
            if path.suffix.lower() == ".jsonl":
                first = next((line for line in handle if line.strip()), "")
                return is_procedure_record(json.loads(first)) if first else False
            data = json.load(handle)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    if isinstance(data, list):
        return bool(data) and is_procedure_record(data[0])
    return is_procedure_record(data)


def _records(text: str, document: str, jsonl: bool) -> list[Mapping[str, Any]]:
    try:
        if jsonl:
            records = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            data = json.loads(text)
            records = data if isinstance(data, list) else [data]
    except json.JSONDecodeError as error:
        raise IngestError(document, f"tệp JSON không hợp lệ (dòng {error.lineno})", "invalid JSON") from error
    if not records:
        raise IngestError(document, "tệp không có bản ghi thủ tục nào", "no procedure records")
    bad = [i + 1 for i, r in enumerate(records) if not is_procedure_record(r)]
    if bad:
        raise IngestError(
            document,
            f"bản ghi {', '.join(map(str, bad[:5]))} không phải thủ tục hành chính "
            "(thiếu ma_thu_tuc, ten_thu_tuc hoặc các trường của Cổng Dịch vụ công)",
            "not a procedure record",
        )
    return records


def parse_procedure_text(document: str, text: str, *, jsonl: bool | None = None,
                         path: str = "") -> ParsedProcedures:
    """Parse in-memory JSON/JSONL text as the file `document`."""
    if jsonl is None:
        jsonl = document.lower().endswith(".jsonl")
    records = _records(nfc(text.lstrip("\ufeff")), document, jsonl)
    procedures = [parse_record(record, document) for record in records]
    warnings = []
    seen: dict[str, int] = {}
    for procedure in procedures:
        seen[procedure.code] = seen.get(procedure.code, 0) + 1
    duplicates = sorted(code for code, count in seen.items() if count > 1)
    if duplicates:
        warnings.append(f"Mã thủ tục lặp lại trong tệp: {', '.join(duplicates[:10])}.")
    chunks = [chunk for procedure in procedures for chunk in build_procedure_chunks(procedure)]
    return ParsedProcedures(
        document=document,
        path=path or document,
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        procedures=procedures,
        chunks=chunks,
        warnings=warnings,
    )


def parse_procedure_file(path: str | Path) -> ParsedProcedures:
    """Load and parse one `.json`/`.jsonl` procedure file. Raises `IngestError` when unreadable."""
    path = Path(path)
    name = document_name(path)
    if path.suffix.lower() not in PROCEDURE_EXTENSIONS:
        raise IngestError(name, "tệp thủ tục phải là .json hoặc .jsonl", "procedure files are .json/.jsonl")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise IngestError(name, "không đọc được tệp", str(error)) from error
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise IngestError(name, "tệp JSON phải được mã hóa UTF-8", "not UTF-8") from error
    parsed = parse_procedure_text(name, text, jsonl=path.suffix.lower() == ".jsonl", path=str(path))
    parsed.content_hash = hashlib.sha256(data).hexdigest()
    return parsed


# ---------------------------------------------------------------------------------------
# facet chunks

FACET_LABELS = {
    "overview": "Tổng quan",
    "documents": "Thành phần hồ sơ",
    "steps": "Trình tự thực hiện",
    "ways": "Cách thức thực hiện",
    "conditions": "Yêu cầu, điều kiện",
    "legal": "Căn cứ pháp lý",
}
# Long facets are cut (at a line or sentence end) to keep embedding cheap; the full text
# stays in the procedure record, the chunk only has to be found.
_MAX_CHUNK_CHARS = 1500


def _cut(text: str, limit: int = _MAX_CHUNK_CHARS) -> str:
    if len(text) <= limit:
        return text
    window = text[:limit]
    cut = max(window.rfind("\n"), window.rfind(". "), window.rfind("; "))
    return window[:cut + 1].rstrip() if cut > limit // 2 else window.rstrip()


def way_line(way: SubmissionWay) -> str:
    """"Trực tuyến: 3 Ngày làm việc; Miễn phí (…)" — the cells as written."""
    parts = [way.time.text or NO_INFO, way.fee.text or NO_INFO]
    line = f"{way.channel_text}: {parts[0]}; {parts[1]}"
    if way.fee.per:
        line += f" {way.fee.per}"
    return line


def facet_texts(procedure: Procedure) -> dict[str, str]:
    """Each facet's text, quoted from the record (documents and ways re-joined as lines)."""
    overview = [procedure.name]
    for label, value in (("Lĩnh vực", procedure.field), ("Đối tượng thực hiện", procedure.applicants),
                         ("Cơ quan thực hiện", procedure.agency), ("Kết quả", procedure.result_text)):
        if value:
            overview.append(f"{label}: {value}")
    documents = []
    for group in dict.fromkeys(d.group for d in procedure.documents):
        if group:
            documents.append(group)
        documents += [f"- {d.name.lstrip('-+ ')}" + (f" ({d.quantity_text})" if d.quantity_text else "")
                      for d in procedure.documents if d.group == group]
    ways = []
    for way in procedure.ways:
        ways.append(way_line(way))
        if way.description:
            ways.append(way.description)
    return {
        "overview": "\n".join(overview),
        "documents": "\n".join(documents),
        "steps": procedure.steps,
        "ways": "\n".join(dict.fromkeys(ways)),
        "conditions": procedure.conditions,
        "legal": "; ".join(b.code or b.title for b in procedure.legal_bases),
    }


# Chunks are embedded at first start (a few per second on a small machine), so facets are
# packed into three chunks per procedure: what it is and how/when/how much (overview, ways,
# conditions), what to bring (documents), and how it goes (steps).
CHUNK_FACETS: dict[str, tuple[str, ...]] = {
    "overview": ("overview", "ways", "conditions", "legal"),
    "documents": ("documents",),
    "steps": ("steps",),
}


def build_procedure_chunks(procedure: Procedure) -> list[Chunk]:
    """At most three chunks per procedure (see `CHUNK_FACETS`), each quoting the record."""
    texts = facet_texts(procedure)
    chunks = []
    for chunk_facet, facets in CHUNK_FACETS.items():
        parts = [(facet, texts[facet]) for facet in facets if texts[facet].strip()]
        if not parts:
            continue
        labels = " · ".join(FACET_LABELS[facet] for facet, _ in parts)
        text = _cut("\n".join(
            part if i == 0 else f"{FACET_LABELS[facet]}:\n{part}" for i, (facet, part) in enumerate(parts)))
        digest = hashlib.sha256(f"{procedure.code}\n{chunk_facet}\n{text}".encode()).hexdigest()[:12]
        chunks.append(Chunk(
            id=f"{procedure.document}:{procedure.code}:{chunk_facet}:{digest}",
            document=procedure.document,
            text=text,
            kind="procedure",
            section_path=(procedure.name, labels),
            line_start=0,
            line_end=0,
            embed_text=f"{procedure.name} › {labels}\n{text}",
        ))
    return chunks


def summary_counts(parsed: Iterable[ParsedProcedures]) -> dict[str, Any]:
    """Counts for a closing note: records, ways, documents, legal bases, flags by reason."""
    parsed = list(parsed)
    procedures = [p for item in parsed for p in item.procedures]
    flags: dict[str, int] = {}
    for procedure in procedures:
        for flag in procedure.flags:
            flags[flag] = flags.get(flag, 0) + 1
    return {
        "records": len(procedures),
        "ways": sum(len(p.ways) for p in procedures),
        "documents": sum(len(p.documents) for p in procedures),
        "legal_bases": sum(len(p.legal_bases) for p in procedures),
        "results": sum(len(p.results) for p in procedures),
        "chunks": sum(len(item.chunks) for item in parsed),
        "flagged_records": sum(1 for p in procedures if p.flags),
        "flags": dict(sorted(flags.items(), key=lambda kv: (-kv[1], kv[0]))),
    }


def main(argv: list[str] | None = None) -> int:
    """`python -m ingest.procedures FILE_OR_FOLDER…`: parse and print the counts as JSON."""
    import sys

    args = argv if argv is not None else sys.argv[1:]
    files: list[Path] = []
    for arg in args or ["data/procedures"]:
        path = Path(arg)
        files += sorted(p for p in path.rglob("*") if looks_like_procedure_file(p)) if path.is_dir() else [path]
    parsed = [parse_procedure_file(f) for f in files]
    print(json.dumps(summary_counts(parsed), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
