"""Quantitative targets ("tối thiểu 95%", "từ 70% trở lên", "02 cuộc", "giảm tối thiểu 15%").

Sources: prose paragraphs and list items of the plan body, and the goal, task and product
cells of appendix task records (after page-break fragments are joined).

A target is a number with a comparator and a unit:
- every percentage ("95%", "100% văn bản ...");
- a count ("02 cuộc", "01 sáng kiến", "05 bậc") only when a quantifier or an action verb
  precedes it ("tối thiểu", "ít nhất", "đạt", "tăng", "giảm", "có", "thực hiện", "tổ chức"),
  so references such as "28 nghị định" or "chính quyền 02 cấp" are not targets;
- a small range ("2-3 sáng kiến") reads as at least its lower bound.
Comparators: ">=" (tối thiểu, ít nhất, từ ... trở lên, không thấp hơn), ">" (trên, hơn),
"<=" (tối đa, không quá), "<" (dưới), "=" (đạt N, a bare "N% ..."), and "increase>=",
"decrease>=", "increase=", "decrease=" for "tăng/giảm (tối thiểu) N".

The subject is the noun phrase measured, verbatim: the clause before the number when it names
a measure ("Tỷ lệ giải quyết hồ sơ đúng hạn đạt tối thiểu 98%"), otherwise the phrase after it
("100% văn bản quy phạm pháp luật ... được công bố").
"""

from __future__ import annotations

import re

from ingest.deadlines import fold_aligned
from ingest.models import Block, SourceRef, Target, TaskRecord
from ingest.responsibilities import split_sentences
from ingest.tables import parse_tables
from ingest.vntext import nfc

_QUANT = (
    r"(?P<pre>(?:(?:dat|dat duoc|la|chiem|o muc)\s+)?"
    r"(?:(?:tang|giam)(?:\s+(?:toi thieu|it nhat|binh quan|toi da|tren))?"
    r"|toi thieu(?:\s+co)?|it nhat(?:\s+co)?|khong thap hon|khong duoi|khong it hon|tren|hon|duoi"
    r"|toi da|khong qua|khong vuot qua|tu)\s+"
    r"|(?:dat|dat duoc)\s+)?"
)
_PERCENT_RE = re.compile(_QUANT + r"(?P<num>\d+(?:[.,]\d+)?)\s*%(?P<post>\s+tro (?:len|xuong))?")
_COUNT_RE = re.compile(
    r"(?P<pre>(?:(?:dat|dat duoc)\s+)?(?:(?:tang|giam)(?:\s+(?:toi thieu|it nhat|binh quan|toi da))?"
    r"|toi thieu(?:\s+co)?|it nhat(?:\s+co)?|toi da|khong qua|khong it hon|dat|dat duoc)"
    r"|(?:co|thuc hien|to chuc|dang ky|ap dung|xay dung|ban hanh)(?=\s+0\d))"
    r"\s+(?P<num>\d{1,3}(?:\s*-\s*\d{1,2})?)(?!\s*[%/.,]\d|\d|\s*%)\s+(?P<unit>[^\W\d_]+)"
)
_RANGE_RE = re.compile(r"\((?P<num>\d{1,2}\s*-\s*\d{1,2})\s+(?P<unit>[^\W\d_]+)")
_NOT_UNITS = {"nam", "thang", "ngay", "tuan", "gio", "cap", "lan", "quy", "phut"}
_COMPOUND_UNITS = (
    "tro ly ao", "sang kien", "mo hinh", "giai phap", "cuoc hop", "hoi nghi", "chuyen de", "noi dung",
)
_MEASURE_RE = re.compile(r"\b(ty le|ti le|muc do|chi so|so luong|ty trong|toc do)\b")
_FILLER_RE = re.compile(
    r"^(?:[-+•]\s*)?(?:(?:phan dau|dam bao|bao dam|nham|de|phai|thuc hien|trien khai thuc hien|"
    r"trien khai|su dung|hoan thanh|tang cuong|dong thoi|trong do|cu the|hang nam|moi nam|"
    r"ket noi|chia se du lieu voi|va)(?:\s*,?\s+|$))+"
)
_TRAILING_VERB_RE = re.compile(r"\s+(?:dat duoc|dat|la|o muc|chiem|phan dau|dam bao)\s*$")
# Words that end the measured phrase after the number. Matched with diacritics, because
# folded forms collide ("tồn tại"/"tại", "một cửa"/"của", "đất"/"đạt").
_AFTER_CUT_RE = re.compile(
    r"(?:^|\s)(?:được|phải|đã|đạt|hoàn thành|thực hiện|trong|bằng|theo|khi|để|nhằm|so với|bố trí|"
    r"chấp hành|hoàn thiện|sử dụng|áp dụng|tham gia|mang tính|không|trở lên|trở xuống|"
    r"từ|trên|của|và)(?=[\s,;.]|$)|[;:.()]| - |,?\s\d+(?:[.,]\d+)?\s*%"
)
_PREPOSITION_START_RE = re.compile(r"^(?:tren|trong|so voi|cua|tai|tro len|tro xuong|ke hoach|duoc|va)\b")
_BOUNDARY_RE = re.compile(r"[.;:!?(]| - |^\s*[-+•]\s")


_AT_LEAST = ("toi thieu", "it nhat", "khong thap hon", "khong duoi", "khong it hon")
_AT_MOST = ("toi da", "khong qua", "khong vuot qua")


def bound_asked(folded_question: str) -> str:
    """">=" when a question asks a floor ("tối thiểu bao nhiêu", "ít nhất mấy"), "<=" a ceiling,
    "" otherwise: the same words `_comparator` reads in a plan."""
    text = f" {folded_question} "
    if any(f" {w} " in text for w in _AT_LEAST) or " tro len " in text:
        return ">="
    if any(f" {w} " in text for w in _AT_MOST) or " tro xuong " in text:
        return "<="
    return ""


def _comparator(pre: str, post: str) -> str:
    pre = pre.strip()
    if pre.startswith(("dat ", "la ", "chiem ", "o muc ")):
        pre = pre.split(" ", 1)[1] if " " in pre else ""
        pre = re.sub(r"^duoc\s+", "", pre)
    if pre.startswith("tang") or pre.startswith("giam"):
        kind = "increase" if pre.startswith("tang") else "decrease"
        return f"{kind}>=" if re.search(r"toi thieu|it nhat|tren", pre) else f"{kind}="
    if post.strip() == "tro len" or pre.startswith(_AT_LEAST + ("tu",)):
        return ">="
    if post.strip() == "tro xuong" or pre.startswith(_AT_MOST):
        return "<="
    if pre.startswith(("tren", "hon")):
        return ">"
    if pre.startswith("duoi"):
        return "<"
    return "="


def _value(num: str) -> float:
    first = re.split(r"\s*-\s*", num)[0]
    return float(first.replace(",", "."))


def _unit(text: str, folded: str, start: int) -> str:
    """The counted noun after a number: "cuộc", "sáng kiến", "trợ lý ảo"."""
    rest_f = folded[start:]
    for compound in _COMPOUND_UNITS:
        if rest_f.startswith(compound) and (len(rest_f) == len(compound) or not rest_f[len(compound)].isalnum()):
            return text[start : start + len(compound)]
    m = re.match(r"[^\W\d_]+", text[start:])
    return m.group(0) if m else ""


def _clause_before(folded: str, start: int) -> int:
    cut = 0
    for m in _BOUNDARY_RE.finditer(folded[:start]):
        cut = m.end()
    return cut


def _subject(text: str, folded: str, start: int, end: int, count_unit_start: int | None = None) -> str:
    """The measured noun phrase; `count_unit_start` is where a count's unit begins."""
    clause_start = _clause_before(folded, start)
    before_f = folded[clause_start:start]
    lead = len(before_f) - len(before_f.lstrip())
    before_f = before_f.strip()
    offset = clause_start + lead
    m = _FILLER_RE.match(before_f)
    if m:
        offset += m.end()
        before_f = before_f[m.end() :]
    measures = list(_MEASURE_RE.finditer(before_f))
    if measures and measures[-1].start() > 0:
        # "100% TTHC ..., trong số đó, tỉ lệ thanh toán ... đạt 80%": start at the measure
        offset += measures[-1].start()
        before_f = before_f[measures[-1].start() :]
    tm = _TRAILING_VERB_RE.search(before_f)
    if tm:
        before_f = before_f[: tm.start()]
    before = text[offset : offset + len(before_f)].strip(" ,")

    after_from = end if count_unit_start is None else count_unit_start
    after_f = folded[after_from:]
    lead = len(after_f) - len(after_f.lstrip())
    after_start = after_from + lead
    after_f = after_f.strip()
    cut = _AFTER_CUT_RE.search(text[after_start:].lower())
    after_len = cut.start() if cut else len(after_f)
    after = text[after_start : after_start + after_len].strip(" ,")
    if _PREPOSITION_START_RE.match(after_f) or not re.match(r"[^\W\d_]", after_f[:1] or " "):
        after = ""
    words = after.split()
    if len(words) > 16:
        after = " ".join(words[:16])

    if before and (_MEASURE_RE.search(before_f) or not after):
        return before
    if not after and not before and after_f:
        # "100% hoàn thiện việc rà soát ...": nothing but the clause itself
        clause = re.split(r"[;:.(]", text[after_start:])[0]
        return " ".join(clause.split()[:12]).strip(" ,")
    return after or before


def find_targets(sentence: str) -> list[tuple[str, str, float, str, str]]:
    """(subject, comparator, value, unit, phrase) for every target in a sentence."""
    text = re.sub(r"\s+", " ", nfc(sentence)).strip()
    folded = fold_aligned(text)
    found: list[tuple[int, int, str, str, str, int | None]] = []  # start, end, comparator, unit, num, unit start
    taken: list[tuple[int, int]] = []
    for m in _PERCENT_RE.finditer(folded):
        comparator = _comparator(m.group("pre") or "", m.group("post") or "")
        found.append((m.start(), m.end(), comparator, "%", m.group("num"), None))
        taken.append((m.start("num"), m.end()))
    for pattern in (_COUNT_RE, _RANGE_RE):
        for m in pattern.finditer(folded):
            if any(a <= m.start("num") < b for a, b in taken):
                continue
            unit = _unit(text, folded, m.start("unit"))
            if not unit or fold_aligned(unit).split()[0] in _NOT_UNITS:
                continue
            pre = m.groupdict().get("pre") or ""
            comparator = ">=" if pattern is _RANGE_RE else _comparator(pre, "")
            if pattern is _COUNT_RE and pre.strip() in ("co", "thuc hien", "to chuc", "dang ky", "ap dung", "xay dung", "ban hanh"):
                comparator = "="
            start = m.start() if pattern is _COUNT_RE else m.start("num")
            end = m.start("unit") + len(unit)
            found.append((start, end, comparator, unit, m.group("num"), m.start("unit")))
            taken.append((m.start("num"), end))
    out = []
    for start, end, comparator, unit, num, unit_start in sorted(found, key=lambda f: f[:2]):
        phrase = text[start:end].strip()
        subject = _subject(text, folded, start, end, unit_start)
        out.append((subject, comparator, _value(num), unit, phrase))
    return out


def _targets_in(text: str, document: str, commune: str, area: str, source: SourceRef) -> list[Target]:
    out = []
    for sentence in split_sentences(text):
        for subject, comparator, value, unit, phrase in find_targets(sentence):
            out.append(Target(
                document=document, commune=commune, subject=subject, comparator=comparator,
                value=value, unit=unit, text=phrase, area=area, sentence=sentence, source=source,
            ))
    return out


def _strip_marker(text: str) -> str:
    return re.sub(r"^\s*(?:[-+•◦]\s*)+|^\s*[a-zđ]\)\s*", "", text)


def targets_from_records(records: list[TaskRecord]) -> list[Target]:
    """Targets in the goal, task and product cells of appendix records."""
    out: list[Target] = []
    seen: set[tuple] = set()
    for record in records:
        if record.origin != "table" or record.source is None:
            continue
        for name, cell in (("goal", record.goal), ("task", record.task), ("product", record.product)):
            # rows sharing a merged goal cell repeat it: count it once
            key = (record.area, record.number, cell) if name == "goal" else (record.source.line_start, name, cell)
            if not cell or key in seen:
                continue
            seen.add(key)
            out.extend(_targets_in(cell, record.document, record.commune, record.area, record.source))
    return out


def extract_targets(blocks: list[Block], document: str, commune: str,
                    table_records: list[TaskRecord] | None = None) -> list[Target]:
    """Every quantitative target of the plan, from prose and from appendix task cells.

    `table_records` are the plan's already parsed table rows; parsed here when not given.
    """
    out: list[Target] = []
    for block in blocks:
        if block.kind not in ("paragraph", "list_item") or block.in_appendix:
            continue
        source = SourceRef(
            document=document, section_path=tuple(block.section_path),
            line_start=block.line_start, line_end=block.line_end, page=block.page,
        )
        out.extend(_targets_in(_strip_marker(block.text), document, commune, " › ".join(block.section_path), source))
    if table_records is None:
        table_records = parse_tables(blocks, document, commune)
    out.extend(targets_from_records(table_records))
    return out
