"""Deadline phrases: normalise the plan's wording into a `Deadline`, test it against a period.

The verbatim text is always kept; the normalised form adds a kind and a date window.

Windows (`start`..`end`):
- date: the day itself; month/quarter/half_year/year: the whole calendar period.
- recurring ("hàng tháng", "định kỳ hàng quý", "ngày 15 hàng tháng") and "Hàng năm": the plan
  period, with `recurrence` set; `day_of_period` anchors "ngày 15 hàng tháng" to the 15th.
- yearly rules anchored to a month or day ("trong tháng 12 hàng năm", "Trước ngày 31/01 năm
  liền kề") get kind month/relative, `recurrence="yearly"`, `start` = first occurrence and
  `end` = last occurrence over the plan period.
- continuous ("Thường xuyên", "Thường xuyên trong năm"): the plan period.
- relative rules tied to another act ("Theo Kế hoạch ...", "Sau 3 tháng kể từ ...") and
  on-demand ("Khi có yêu cầu") carry no window unless the text names a year.
Text without a year uses the plan period passed in (`plan_year_start`..`plan_year_end`).

Which deadlines fall due in a period asked about is decided in one place: `ingest.periods`.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache

from ingest.models import Deadline
from ingest.periods import month_end, quarter_window
from ingest.vntext import nfc

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


@lru_cache(maxsize=4096)
def _fold_one(ch: str) -> str:
    if ch in "đĐ":
        return "d"
    base = "".join(c for c in unicodedata.normalize("NFD", ch) if unicodedata.category(c) != "Mn").lower()
    return base[:1] or " "


def fold_aligned(text: str) -> str:
    """Lower-case, diacritics removed, đ→d, one output character per input character.

    Keeps offsets aligned with the NFC text so matches can be cut from the original.
    """
    return "".join(_fold_one(ch) for ch in text)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _period(plan_year_start: int | None, plan_year_end: int | None) -> tuple[int | None, int | None]:
    if plan_year_start is None and plan_year_end is None:
        return None, None
    if plan_year_start is None:
        plan_year_start = plan_year_end
    if plan_year_end is None:
        plan_year_end = plan_year_start
    return plan_year_start, plan_year_end


def _plan_window(y0: int | None, y1: int | None) -> tuple[date | None, date | None]:
    if y0 is None:
        return None, None
    return date(y0, 1, 1), date(y1, 12, 31)


_Y = r"((?:19|20)\d{2})"
_DMY = re.compile(r"(?<!\d)(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*" + _Y + r"(?!\d)")
_DMY_WORDS = re.compile(r"ngay\s+(\d{1,2})\s+thang\s+(\d{1,2})\s+nam\s+" + _Y)
_DM_NEXT_YEAR = re.compile(r"(\d{1,2})\s*/\s*(\d{1,2})\s*(?:cua\s+)?nam\s+(lien\s+ke|sau|ke\s+tiep|tiep\s+theo)")
_DAY_EVERY_MONTH = re.compile(r"ngay\s+(\d{1,2})\s+hang\s+thang")
_DAY_OF_PERIOD = re.compile(r"ngay\s+(\d{1,2})\s+cua\s+(?:ky|thang|quy)")
_MONTH_YEAR = re.compile(r"thang\s+(\d{1,2})\s*(?:/|nam)\s*" + _Y)
_MONTH_YEARLY = re.compile(r"thang\s+(\d{1,2})\s+hang\s+nam")
_MONTH_ONLY = re.compile(r"(?:trong|truoc|cuoi|dau)?\s*thang\s+(\d{1,2})(?!\s*[/\d])")
_QUARTER = re.compile(r"quy\s+(iv|iii|ii|i|[1-4])\b\s*(?:(?:/|nam|-)\s*" + _Y + r")?")
_HALF = re.compile(r"6\s+thang\s+(dau|cuoi)\s+nam(?:\s+" + _Y + r")?|nua\s+(dau|cuoi)\s+nam(?:\s+" + _Y + r")?")
_YEAR = re.compile(r"(?:nam|trong nam)\s+" + _Y)
_FROM_YEAR = re.compile(r"(?:tu|bat dau)(?:\s+thuc hien)?(?:\s+tu)?\s+nam\s+" + _Y)
_RECURRING = re.compile(
    r"(?:dinh ky\s+)?hang\s+(tuan|thang|quy|nam)|dinh ky\s*\(?\s*(tuan|thang|quy|nam|6 thang)"
)
_AFTER = re.compile(r"(sau|trong vong|trong thoi han)\s+(\d+)\s+(ngay|tuan|thang|nam)\s+(ke tu|tu khi|sau khi)")
_ON_DEMAND = re.compile(r"khi co\b|khi duoc\b|theo yeu cau|dot xuat|khi phat sinh")
_CONTINUOUS = re.compile(r"thuong xuyen|lien tuc|hang ngay|hang ngay")
_RELATIVE = re.compile(
    r"^\s*(?:to chuc thuc hien\s+)?theo\s+(?!doi)(ke hoach|kh\b|tien do|quy dinh|thoi han|huong dan|cac moc|moc|lo trinh|chi dao|lich)"
)

_RECURRENCE_NAMES = {"tuan": "weekly", "thang": "monthly", "quy": "quarterly", "nam": "yearly", "6 thang": "half-yearly"}


def parse_deadline(text: str, plan_year_start: int | None = None, plan_year_end: int | None = None) -> Deadline:
    """Normalise a deadline phrase ("Quý I/2026", "Hàng năm", "ngày 15 hàng tháng", ...)."""
    verbatim = nfc(text or "").strip()
    d = Deadline(text=verbatim)
    if not verbatim:
        return d
    f = fold_aligned(verbatim)
    f = re.sub(r"\s+", " ", f)
    y0, y1 = _period(plan_year_start, plan_year_end)
    plan_start, plan_end = _plan_window(y0, y1)

    # 1. A full date.
    m = _DMY.search(f) or _DMY_WORDS.search(f)
    if m:
        day = _safe_date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        if day:
            d.kind, d.start, d.end = "date", day, day
            return d

    # 2. "Trước ngày 31/01 năm liền kề": due every year, the year after the one reported on.
    m = _DM_NEXT_YEAR.search(f)
    if m:
        day_n, month_n = int(m.group(1)), int(m.group(2))
        d.kind, d.recurrence, d.day_of_period = "relative", "yearly", day_n
        if y0 is not None:
            d.start = _safe_date(y0 + 1, month_n, day_n)
            d.end = _safe_date(y1 + 1, month_n, day_n)
        return d

    # 3. Anchored monthly recurrence: "chậm nhất ngày 15 hàng tháng".
    m = _DAY_EVERY_MONTH.search(f)
    if m:
        d.kind, d.recurrence, d.day_of_period = "recurring", "monthly", int(m.group(1))
        d.start, d.end = plan_start, plan_end
        return d

    # 4. A month with a year: "tháng 9/2026", "tháng 3 năm 2026".
    m = _MONTH_YEAR.search(f)
    if m and 1 <= int(m.group(1)) <= 12:
        year, month = int(m.group(2)), int(m.group(1))
        d.kind, d.start, d.end = "month", date(year, month, 1), month_end(year, month)
        return d

    # 5. A month every year: "trong tháng 12 hàng năm".
    m = _MONTH_YEARLY.search(f)
    if m and 1 <= int(m.group(1)) <= 12:
        month = int(m.group(1))
        d.kind, d.recurrence = "month", "yearly"
        if y0 is not None:
            d.start, d.end = date(y0, month, 1), month_end(y1, month)
        return d

    # 6. A quarter: "Quý I/2026", "quý 1 năm 2026", "quý II" (plan year).
    m = _QUARTER.search(f)
    if m and not re.search(r"hang quy|dinh ky", f):
        quarter = _ROMAN.get(m.group(1), None) or int(m.group(1))
        year = int(m.group(2)) if m.group(2) else None
        d.kind = "quarter"
        if year is not None:
            d.start, d.end = quarter_window(year, quarter)
        elif y0 is not None:
            d.start = quarter_window(y0, quarter)[0]
            d.end = quarter_window(y1, quarter)[1]
            if y1 != y0:
                d.recurrence = "yearly"
        return d

    # 7. A half year: "6 tháng đầu năm 2026".
    m = _HALF.search(f)
    if m:
        first = (m.group(1) or m.group(3)) == "dau"
        year_text = m.group(2) or m.group(4)
        years = (int(year_text), int(year_text)) if year_text else (y0, y1)
        d.kind = "half_year"
        if years[0] is not None:
            d.start = date(years[0], 1 if first else 7, 1)
            d.end = month_end(years[1], 6 if first else 12)
            if years[0] != years[1]:
                d.recurrence = "yearly"
        return d

    # 8. "Sau 3 tháng kể từ khi có hướng dẫn": relative to an event.
    if _AFTER.search(f):
        d.kind = "relative"
        return d

    # 9. On demand: "Khi có yêu cầu", "Thực hiện thường xuyên khi có yêu cầu của cấp trên".
    if _ON_DEMAND.search(f):
        d.kind = "on_demand"
        return d

    # 10. Recurrence: "hàng tháng", "định kỳ hàng quý", "Hàng năm", "hằng tuần".
    m = _RECURRING.search(f)
    if m:
        unit = m.group(1) or m.group(2)
        d.recurrence = _RECURRENCE_NAMES[unit]
        d.kind = "year" if unit == "nam" else "recurring"
        d.start, d.end = plan_start, plan_end
        m_day = _DAY_OF_PERIOD.search(f)
        if m_day:
            d.day_of_period = int(m_day.group(1))
        return d

    # 11. Continuous: "Thường xuyên", "Thường xuyên trong năm", "Bắt đầu thực hiện từ năm 2026".
    m = _FROM_YEAR.search(f)
    if m:
        d.kind = "continuous"
        d.start = date(int(m.group(1)), 1, 1)
        d.end = plan_end if plan_end and plan_end.year >= d.start.year else date(int(m.group(1)), 12, 31)
        return d
    if _CONTINUOUS.search(f):
        d.kind = "continuous"
        m = _YEAR.search(f)
        if m:
            year = int(m.group(1))
            d.start, d.end = date(year, 1, 1), date(year, 12, 31)
        else:
            d.start, d.end = plan_start, plan_end
        return d

    # 12. Tied to another schedule: "Theo Kế hoạch ... năm 2026", "Theo tiến độ phê duyệt".
    if _RELATIVE.search(f):
        d.kind = "relative"
        m = _YEAR.search(f)
        if m:
            year = int(m.group(1))
            d.start, d.end = date(year, 1, 1), date(year, 12, 31)
        return d

    # 13. A year: "Năm 2026", "trong năm 2025".
    m = _YEAR.search(f)
    if m and len(f.split()) <= 6:
        year = int(m.group(1))
        d.kind, d.start, d.end = "year", date(year, 1, 1), date(year, 12, 31)
        return d

    # 14. A bare month: "trong tháng 12" (plan year).
    m = _MONTH_ONLY.search(f)
    if m and 1 <= int(m.group(1)) <= 12 and y0 is not None:
        month = int(m.group(1))
        d.kind, d.start, d.end = "month", date(y0, month, 1), month_end(y1, month)
        if y1 != y0:
            d.recurrence = "yearly"
        return d
    return d


# ---------------------------------------------------------------- finding phrases in prose

_PHRASE_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?:(?:truoc|cham nhat|han cuoi|den|trong)\s+)?ngay\s+\d{1,2}\s*/\s*\d{1,2}\s*/\s*(?:19|20)\d{2}"),
    re.compile(r"(?:(?:truoc|cham nhat|trong)\s+)?ngay\s+\d{1,2}\s+thang\s+\d{1,2}\s+nam\s+(?:19|20)\d{2}"),
    re.compile(r"(?:(?:truoc|cham nhat)\s+)?ngay\s+\d{1,2}/\d{1,2}\s*(?:cua\s+)?nam\s+(?:lien ke|sau|ke tiep|tiep theo)"),
    re.compile(r"(?:(?:truoc|cham nhat)\s+)?ngay\s+\d{1,2}\s+hang\s+thang"),
    re.compile(r"(?:(?:truoc|cham nhat)\s+)?ngay\s+\d{1,2}\s+cua\s+(?:ky|thang|quy)(?:\s+bao cao)?"),
    re.compile(r"(?:(?:truoc|cham nhat|trong)\s+)?thang\s+\d{1,2}\s*(?:/|nam)\s*(?:19|20)\d{2}"),
    re.compile(r"(?:trong\s+)?thang\s+\d{1,2}\s+hang\s+nam"),
    re.compile(r"(?:(?:truoc|cham nhat|trong)\s+)?quy\s+(?:iv|iii|ii|i|[1-4])\s*(?:/|nam)\s*(?:19|20)\d{2}"),
    re.compile(r"dinh ky\s*\((?:[^()]{0,60})\)"),
    re.compile(r"(?:dinh ky\s+)?hang\s+(?:tuan|thang|quy)"),
    re.compile(r"dinh ky\s+(?:tuan|thang|quy|6 thang)"),
    re.compile(r"(?:sau|trong vong)\s+\d+\s+(?:ngay|tuan|thang)\s+(?:ke tu|tu khi|sau khi)[^,;.]{0,60}"),
    re.compile(r"trong\s+nam\s+(?:19|20)\d{2}"),
)


def find_deadline_phrase(sentence: str) -> str:
    """The first deadline phrase in a sentence, verbatim ("" when none).

    Bare years ("Kế hoạch ... năm 2026") and bare "thường xuyên" are not treated as deadlines
    in prose: they name the plan or describe manner far more often than a due date.
    """
    text = nfc(sentence or "")
    f = fold_aligned(text)
    best: tuple[int, int] | None = None
    for pattern in _PHRASE_PATTERNS:
        for m in pattern.finditer(f):
            start, end = m.start(), m.end()
            if best is None or start < best[0] or (start == best[0] and end > best[1]):
                best = (start, end)
            break
    if best is None:
        return ""
    return text[best[0] : best[1]].strip(" ,;.")
