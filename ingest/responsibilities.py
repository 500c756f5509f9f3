"""Duties assigned in prose → `TaskRecord`s (origin "prose").

Where: the "Tổ chức thực hiện" section of a plan (any top-level heading whose title contains
those words). Plans without an appendix assign all their duties there; plans with one repeat
the main responsibilities in prose.

How:
- A heading inside that section that names an agency ("1. Phòng Văn hóa – Xã hội",
  "2. Công chức Tư pháp – hộ tịch có trách nhiệm", "5. Đề nghị Ủy ban MTTQ và ...") makes
  every sentence of the paragraphs and list items below it one duty of that agency.
  "Đề nghị" before and "có trách nhiệm" after the name are not part of the name.
- A duty starting "Phối hợp với X ..." ("Chủ động phối hợp với X ...") names X as the lead and
  the heading's agency as coordinator; "Chủ trì, phối hợp với X ..." keeps the agency as lead
  and X as coordinator.
- Under headings that name no agency ("1. Công tác triển khai", "8. Chế độ báo cáo") and
  directly under the section heading, a sentence is a duty when it names its actor:
  "Phòng Văn hóa - Xã hội có trách nhiệm giúp ...", "Các cơ quan, đơn vị căn cứ ...",
  "Trên cơ sở ..., thủ trưởng các cơ quan, đơn vị xây dựng ...". The following sentences of
  the same paragraph without an actor of their own belong to the same actor.
- The closing formula ("Trên đây là Kế hoạch ...", "Chủ tịch UBND xã yêu cầu ...") ends the
  duties.
- Each duty carries the first deadline phrase of its sentence ("trước ngày 10/02/2026",
  "chậm nhất ngày 15 hàng tháng", "định kỳ hàng quý"), normalised with the plan period.
"""

from __future__ import annotations

import re

from ingest.agencies import looks_like_agency, split_agencies
from ingest.deadlines import find_deadline_phrase, fold_aligned, parse_deadline
from ingest.models import Block, SourceRef, TaskRecord
from ingest.tables import DEADLINE, header_field, plan_years
from ingest.vntext import nfc

_SECTION_RE = re.compile(r"\bto chuc thuc hien\b")
_NUMBER_RE = re.compile(r"^\s*(?:#+\s*)?(?P<num>(?:[IVXLC]+|\d+(?:\.\d+)*)[.)]|[a-zđ][).])\s*")
_BULLET_RE = re.compile(r"^\s*[-+•◦*–]\s*(?:[-+]\s*)?")
_LETTER_RE = re.compile(r"^\s*(?P<letter>[a-zđ])\)\s*")
_CLOSING_RE = re.compile(r"^\s*tren day la\b|\bchu tich\b[^.]{0,60}\byeu cau\b")

# Words that end an agency phrase ("các cơ quan, đơn vị liên quan | tham mưu cho ...").
_STOP_WORDS = (
    "tham muu", "thuc hien", "trien khai", "to chuc", "day manh", "trong", "de", "nham",
    "xay dung", "kiem tra", "tuyen truyen", "theo doi", "don doc", "giai quyet", "ra soat",
    "huong dan", "bao cao", "tang cuong", "thuc thi", "cung cap", "dam bao", "bao dam", "ve",
    "tai", "khi", "tong hop", "danh gia", "lap", "chi dao", "de xuat", "cham diem", "cong tac",
    "giup", "co trach nhiem", "chiu trach nhiem", "chu tri", "chu dong", "phoi hop", "can cu",
    "kip thoi", "gui", "quan triet", "nghien cuu", "van dong", "ho tro", "doi moi", "duy tri",
    "cap nhat", "tiep nhan",
    # adverbs of time that open the action ("phối hợp với Trung tâm ... thường xuyên theo dõi")
    "thuong xuyen", "dinh ky", "hang nam", "hang quy", "hang thang", "hang tuan",
)
# "tổ chức" naming organisations, not the verb ("Các cơ quan chuyên môn, tổ chức hành chính").
_ORGANISATIONS = tuple(f"to chuc {kind}" for kind in (
    "hanh chinh", "chinh tri", "doan the", "xa hoi", "su nghiep", "chinh tri - xa hoi",
    "chinh tri xa hoi", "lien quan", "ca nhan",
))
# Verbs that show a sentence assigns work to the agency it starts with.
_ASSIGN_VERBS = (
    "co trach nhiem", "chiu trach nhiem", "chu tri", "chu dong", "tham muu", "phoi hop",
    "can cu", "xay dung", "thuc hien", "trien khai", "to chuc", "bao cao", "kip thoi",
    "theo doi", "huong dan", "tong hop", "lap", "gui", "de xuat", "ra soat",
)


def _fold(text: str) -> str:
    return fold_aligned(nfc(text))


def _agency_phrase(text: str) -> str:
    """The agency name `text` starts with, verbatim ("" when it starts with none).

    Stops at the first verb/preposition of `_STOP_WORDS` or at ; : . ( — commas and "và" are
    kept because they join agencies ("UBND xã, Trung tâm Dịch vụ công và các tổ chức ...").
    """
    folded = _fold(text)
    end = len(text)
    for m in re.finditer(r"[;:.(]", folded):
        end = m.start()
        break
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", folded[:end])]
    stop_at = end
    for index, (start, _) in enumerate(words):
        if index == 0:
            continue
        rest = folded[start:end].strip(" ,")
        previous = folded[words[index - 1][0] : words[index - 1][1]].strip(",")
        for stop in _STOP_WORDS:
            if rest == stop or rest.startswith(stop + " ") or rest.startswith(stop + ","):
                if stop == "to chuc" and (previous in ("cac", "va") or rest.startswith(_ORGANISATIONS)):
                    continue
                stop_at = start
                break
        if stop_at != end:
            break
    phrase = text[:stop_at].strip(" ,")
    phrase = re.sub(r"\s+(và|,)$", "", phrase)
    return phrase if phrase and looks_like_agency(phrase) else ""


# "<label>: <value>" inside a duty; the label is a deadline when the table header synonyms
# (`ingest.tables.header_field`) read it as the deadline column ("thời gian thực hiện: hàng năm").
_LABELLED_RE = re.compile(r"(?:^|[;,.]\s*|\s)(?P<label>(?:thoi gian|thoi han|tien do)[^:;.]{0,30}):\s*(?P<value>[^;]+)")


def labelled_deadline(duty: str) -> str:
    """The value of a deadline label in a duty ("...; thời gian thực hiện: hàng năm." ->
    "hàng năm"), verbatim; "" when the duty labels none."""
    text = nfc(duty)
    for m in _LABELLED_RE.finditer(_fold(text)):
        if header_field(m.group("label")) == DEADLINE:
            return text[m.start("value") : m.end("value")].strip().rstrip(".").strip()
    return ""


def _heading_agency(label: str) -> str:
    """The agency a heading names, verbatim without numbering, "Đề nghị", "có trách nhiệm"."""
    text = _NUMBER_RE.sub("", nfc(label)).strip().rstrip(":").strip()
    text = re.sub(r"^(Đề nghị|Giao)\s+", "", text, flags=re.IGNORECASE)
    text = re.sub(r"\s+(có|chịu)\s+trách\s+nhiệm\s*:?$", "", text, flags=re.IGNORECASE)
    return text if looks_like_agency(text) else ""


def _heading_number(label: str) -> str:
    m = _NUMBER_RE.match(nfc(label))
    return m.group("num").rstrip(".)") if m else ""


def split_sentences(text: str) -> list[str]:
    """Sentences of a paragraph: split after . ! ? when the next word starts upper-case."""
    text = re.sub(r"\s+", " ", nfc(text)).strip()
    out: list[str] = []
    start = 0
    for m in re.finditer(r"[.!?]+(?:\)|”|\")?\s+", text):
        following = text[m.end() : m.end() + 1]
        if following and following.isupper():
            out.append(text[start : m.end()].strip())
            start = m.end()
    out.append(text[start:].strip())
    return [s for s in out if s and re.search(r"\w", s)]


def _strip_marker(text: str) -> tuple[str, str]:
    """("b", text) for "b) text"; bullets are dropped."""
    text = nfc(text).strip()
    m = _LETTER_RE.match(text)
    if m:
        return m.group("letter"), text[m.end() :].strip()
    return "", _BULLET_RE.sub("", text).strip()


def _sentence_actor(sentence: str) -> str:
    """The agency a sentence assigns work to ("Phòng X có trách nhiệm ..."), or ""."""
    candidates = [re.sub(r"^(Giao|Đề nghị)\s+", "", sentence, flags=re.IGNORECASE)]
    # or after an introductory clause: "Trên cơ sở ..., thủ trưởng các cơ quan, đơn vị xây dựng ..."
    for comma in [m.start() for m in re.finditer(",", sentence)][:4]:
        if len(sentence[:comma].split()) <= 25:
            candidates.append(sentence[comma + 1 :].strip())
    for candidate in candidates:
        phrase = _agency_phrase(candidate)
        if not phrase:
            continue
        rest = _fold(candidate[len(phrase) :]).strip(" ,")
        if any(rest == v or rest.startswith(v + " ") or rest.startswith(v + ",") for v in _ASSIGN_VERBS):
            return phrase
    return ""


def _roles(agency: str, duty: str) -> tuple[str, str]:
    """(lead, coordinators) for a duty of `agency`."""
    folded = _fold(duty)
    m = re.match(r"^(?:chu dong\s+)?phoi hop\s+(voi\s+)?", folded)
    if m:
        partner = _agency_phrase(duty[m.end() :])
        if partner and not m.group(1) and not _fold(partner).startswith(("cac ", "nhung ")):
            partner = ""  # "Phối hợp tổ chức tập huấn ...": no partner named
        if partner:
            return partner, agency
        return agency, ""
    m = re.search(r"\bphoi hop\s+(?:voi\s+)?", folded)
    if m:
        partner = _agency_phrase(duty[m.end() :])
        if partner:
            return agency, partner
    return agency, ""


class _DutyParser:
    def __init__(self, document: str, commune: str, years: tuple[int | None, int | None]):
        self.document = document
        self.commune = commune
        self.years = years
        self.records: list[TaskRecord] = []

    def add(self, block: Block, agency: str, number: str, duty: str, sentence_level: bool) -> None:
        lead, coordinators = _roles(agency, duty)
        deadline = labelled_deadline(duty) or find_deadline_phrase(duty)
        leads = split_agencies(lead) or ([lead] if lead else [])
        record = TaskRecord(
            document=self.document,
            commune=self.commune,
            origin="prose",
            area=" › ".join(block.section_path),
            number=number,
            task=duty,
            lead=lead,
            coordinators=coordinators,
            deadline=deadline,
            source=SourceRef(
                document=self.document,
                section_path=tuple(block.section_path),
                line_start=block.line_start,
                line_end=block.line_end,
                page=block.page,
            ),
            leads=leads,
            coordinator_list=split_agencies(coordinators),
            deadline_norm=parse_deadline(deadline, *self.years),
            flags=["sentence_assignment"] if sentence_level else [],
        )
        if lead != agency:
            record.flags.append("agency_coordinates")
        self.records.append(record)


def _section_role(block: Block) -> tuple[bool, str, str]:
    """(in a "Tổ chức thực hiện" section, agency named by the nearest heading, its number)."""
    path = block.section_path
    if not path or not _SECTION_RE.search(_fold(path[0])):
        return False, "", ""
    for label in reversed(path[1:]):
        agency = _heading_agency(label)
        if agency:
            return True, agency, _heading_number(label)
    return True, "", _heading_number(path[-1]) if len(path) > 1 else ""


def parse_responsibilities(blocks: list[Block], document: str, commune: str,
                           plan_year_start: int | None = None,
                           plan_year_end: int | None = None) -> list[TaskRecord]:
    """Duty records from the "Tổ chức thực hiện" sections (see the module docstring)."""
    if plan_year_start is None and plan_year_end is None:
        plan_year_start, plan_year_end = plan_years(blocks, document)
    parser = _DutyParser(document, commune, (plan_year_start, plan_year_end))
    closed_sections: set[str] = set()
    for block in blocks:
        if block.in_appendix or block.kind not in ("paragraph", "list_item"):
            continue
        in_section, agency, number = _section_role(block)
        if not in_section or block.section_path[0] in closed_sections:
            continue
        letter, text = _strip_marker(block.text)
        if _CLOSING_RE.search(_fold(text)):
            closed_sections.add(block.section_path[0])
            continue
        label = ".".join(p for p in (number, letter) if p)
        actor = ""
        for sentence in split_sentences(text):
            if agency:
                parser.add(block, agency, label, sentence, sentence_level=False)
                continue
            actor = _sentence_actor(sentence) or actor
            if actor:
                parser.add(block, actor, label, sentence, sentence_level=True)
    return parser.records
