"""The one period model and the one due rule, shared by every surface (CLI, API, page, chat).

A *period* is a date window someone asks about: typed in a filter ("quý I/2026", "2026-Q1",
"2026-03", "tháng 3", "30/6/2026", "năm nay", "trước 30/6/2026") by `parse_period`, or named
inside a question by `find_period`. Relative words ("năm nay", "quý này", "tháng này", "quý
tới") and a month or quarter without a year resolve against the `today` passed in. "Trước X"
(before) is the window from 1 January of X's year up to X: up to and including a day, up to
the day before a month, quarter or year starts. "Đến hết X", "trước khi hết X", "trước khi kết
thúc X", "đến cuối X" (by its end) run from 1 January of X's year up to X's last day. A month
said "hằng năm" ("tháng 1 hằng năm") is that month of every year (`every_year`): a deadline is
due in it when it falls due in that month of any year it runs. A question asking what *starts*
("Từ năm 2026 … bắt đầu triển khai việc gì?") reads the period in mode "from": the tasks whose
deadline states their start ("Bắt đầu thực hiện từ năm 2026") inside the window are the ones due. Unreadable text raises `PeriodError`
(an `ingest.errors.InvalidInput`, so a `ValueError`) with a Vietnamese message.

The due rule (`due_status(deadline, period)`), for a normalised `Deadline` (ingest.deadlines):

- DUE: a day on which the deadline falls due lies inside the window. A dated, monthly,
  quarterly, half-year or year deadline falls due on the last day of its window ("Quý I/2026"
  on 31/03/2026). A recurring one falls due on every occurrence over its plan period: "hàng
  tháng" at each month's end, "ngày 15 hàng tháng" on each 15th, "định kỳ hàng quý" at each
  quarter's end, "6 tháng" on 30/06 and 31/12, "hằng tuần" every week; yearly rules anchored
  to a month or a day ("trong tháng 12 hàng năm", "trước ngày 31/01 năm liền kề") once a year.
- ONGOING: standing duties that are being done during the window rather than falling due in
  it: "Thường xuyên"/continuous ones, unanchored "Hàng năm", and a whole-year deadline
  ("Năm 2026") asked about a shorter window inside that year. Surfaces list them apart
  ("Thường xuyên: …"), never mixed with what falls due.
- NEVER: on demand ("Khi có yêu cầu"), tied to another act without a date, or no deadline:
  their timing is unknown, so they are never due.
- NOT_DUE: everything else (it has a timing, just not in this window).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from ingest.errors import InvalidInput
from ingest.models import Deadline
from ingest.vntext import expand_abbreviations, fold, nfc, tokens

__all__ = ["Period", "PeriodError", "DueStatus", "parse_period", "find_period", "due_status",
           "is_due", "display_period", "period_phrase", "period_filter", "period_needles", "year_span", "quarter_window",
           "month_window"]


class PeriodError(InvalidInput):
    """A period the user typed could not be read (message in Vietnamese, shown as it is)."""

    def __init__(self, text: str, reason: str = "") -> None:
        detail = f" ({reason})" if reason else ""
        super().__init__(f"Không hiểu khoảng thời gian {text!r}{detail}. Ví dụ hợp lệ: "
                         "2026-03, 2026-Q1, quý I/2026, tháng 3/2026, 30/6/2026, trước 30/6/2026, năm nay.")
        self.text = text


class DueStatus(StrEnum):
    DUE = "due"
    ONGOING = "ongoing"
    NOT_DUE = "not_due"
    NEVER = "never"


@dataclass(frozen=True)
class Period:
    """A date window asked about. `start`..`end` is the effective window (for "before" too);
    `anchor_start`..`anchor_end` is the period as named (equal to the window for "within")."""

    start: date
    end: date
    text: str = ""
    mode: str = "within"            # "within" | "before" | "by" (by its end) | "from" (what starts in it)
    explicit_year: bool = True      # False when the year came from `today` ("quý II", "tháng 3")
    relative: bool = False          # "năm nay", "quý này", "tháng này", "quý tới"
    anchor_start: date | None = None
    anchor_end: date | None = None
    every_year: bool = False        # "tháng 1 hằng năm": the same window in every year

    @property
    def whole_year(self) -> bool:
        """Within one calendar year, all of it ("năm 2026", "trong năm 2026")."""
        return self.mode == "within" and self.start.year == self.end.year \
            and (self.start.month, self.start.day, self.end.month, self.end.day) == (1, 1, 12, 31)

    def shifted_to_year(self, year: int) -> "Period":
        """The same period in another year (a period typed without a year, read in a plan's year)."""
        shift = year - (self.anchor_start or self.start).year

        def move(d: date | None) -> date | None:
            if d is None:
                return None
            return d.replace(year=d.year + shift, day=min(d.day, calendar.monthrange(d.year + shift, d.month)[1]))

        return Period(move(self.start), move(self.end), self.text, self.mode, True, self.relative,
                      move(self.anchor_start), move(self.anchor_end), self.every_year)


# -- calendar helpers ------------------------------------------------------------------------

def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def month_window(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), month_end(year, month)


def quarter_window(year: int, quarter: int) -> tuple[date, date]:
    first = 3 * (quarter - 1) + 1
    return date(year, first, 1), month_end(year, first + 2)


def year_span(year_text: str) -> tuple[int, int] | None:
    """(first, last) year of a plan period label ("2026", "2026-2030")."""
    years = [int(y) for y in re.findall(r"(?<!\d)(?:19|20)\d{2}(?!\d)", str(year_text or ""))]
    return (min(years), max(years)) if years else None


def _make(start: date, end: date, text: str, before: bool | str, explicit_year: bool = True,
          relative: bool = False) -> Period:
    """`before`: False (within), True or "before" (before it starts), "by" (by its end), "from"
    (what starts in it: the window as named)."""
    mode = "before" if before is True else (before or "within")
    if mode in ("within", "from"):
        if mode == "from":
            return Period(start, end, text, "from", explicit_year, relative, start, end)
        return Period(start, end, text, "within", explicit_year, relative, start, end)
    if mode == "by":
        return Period(date(start.year, 1, 1), end, text, "by", explicit_year, relative, start, end)
    # "Before" a day includes the day; before a longer period means before it starts.
    upper = end if start == end else start - timedelta(days=1)
    return Period(date(start.year, 1, 1), upper, text, "before", explicit_year, relative, start, end)


_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_Y = r"((?:19|20)\d{2})"
_BEFORE = re.compile(r"^(?:truoc|cham nhat|khong muon hon|han|den|by|before)\s+(?:ngay\s+)?")
# "by the end of": "đến hết", "trước khi hết", "trước khi kết thúc", "đến cuối", "chậm nhất hết"
_BY_END = r"(?:(?:truoc khi|den|cham nhat(?: den)?|truoc) (?:het|ket thuc|cuoi)|truoc khi het|den het)"
_PUNCTUATION = re.compile(r"[,;:!()]|[.](?!\d)")
_BY_END_START = re.compile(rf"^{_BY_END}\s+")


def _folded(text: str) -> str:
    f = expand_abbreviations(fold(nfc(text or ""))).replace("?", " ")
    return re.sub(r"\s+", " ", f).strip()


def _safe(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise PeriodError(text, "ngày không tồn tại") from None


def _month(value: str, text: str) -> int:
    month = int(value)
    if not 1 <= month <= 12:
        raise PeriodError(text, f"tháng {month} không tồn tại")
    return month


def parse_period(text: str, today: date | None = None) -> Period:
    """A period typed by a user (the whole text must name it). Raises `PeriodError`."""
    today = today or date.today()
    f = _folded(text)
    if not f:
        raise PeriodError(text, "trống")
    before: bool | str = "by" if _BY_END_START.match(f) else bool(_BEFORE.match(f))
    f = _BY_END_START.sub("", f) if before == "by" else _BEFORE.sub("", f)
    f = f.strip()
    f = re.sub(r"\s*/\s*", "/", f)
    if m := re.fullmatch(_Y + r"-(\d{1,2})-(\d{1,2})", f):
        day = _safe(int(m[1]), _month(m[2], text), int(m[3]), text)
        return _make(day, day, text, before)
    if m := re.fullmatch(r"(?:ngay )?(\d{1,2})/(\d{1,2})/" + _Y, f):
        day = _safe(int(m[3]), _month(m[2], text), int(m[1]), text)
        return _make(day, day, text, before)
    if m := re.fullmatch(r"(?:ngay )?(\d{1,2})/(\d{1,2})", f):
        day = _safe(today.year, _month(m[2], text), int(m[1]), text)
        return _make(day, day, text, before, explicit_year=False)
    if m := re.fullmatch(_Y + r"-(\d{1,2})", f):
        return _make(*month_window(int(m[1]), _month(m[2], text)), text, before)
    if m := re.fullmatch(r"(?:thang )?(\d{1,2})(?:/| nam |-| )" + _Y, f):
        return _make(*month_window(int(m[2]), _month(m[1], text)), text, before)
    if m := re.fullmatch(r"thang (\d{1,2})", f):
        return _make(*month_window(today.year, _month(m[1], text)), text, before, explicit_year=False)
    if m := (re.fullmatch(r"(?:q|quy|quarter) ?(iv|iii|ii|i|\d)(?:/| nam |-| )" + _Y, f)
             or re.fullmatch(_Y + r" ?-? ?q(\d)", f)):
        a, b = m[1], m[2]
        quarter_text, year_text = (b, a) if len(a) == 4 and a.isdigit() else (a, b)
        if quarter_text not in _ROMAN:
            raise PeriodError(text, f"quý {quarter_text} không tồn tại")
        return _make(*quarter_window(int(year_text), _ROMAN[quarter_text]), text, before)
    if m := re.fullmatch(r"(?:q|quy) ?(iv|iii|ii|i|\d)", f):
        if m[1] not in _ROMAN:
            raise PeriodError(text, f"quý {m[1]} không tồn tại")
        return _make(*quarter_window(today.year, _ROMAN[m[1]]), text, before, explicit_year=False)
    if m := re.fullmatch(r"(?:h([12])|6 thang (dau|cuoi) nam|nua (dau|cuoi) nam)(?:/| nam | )?" + _Y + "?", f):
        first = m[1] == "1" or "dau" in (m[2] or m[3] or "")
        year = int(m[4]) if m[4] else today.year
        window = (date(year, 1, 1), date(year, 6, 30)) if first else (date(year, 7, 1), date(year, 12, 31))
        return _make(*window, text, before, explicit_year=bool(m[4]))
    if m := re.fullmatch(r"(?:nam |trong nam )?" + _Y, f):
        year = int(m[1])
        return _make(date(year, 1, 1), date(year, 12, 31), text, before)
    relative = _relative_window(f, today)
    if relative is not None and relative[2] == f:
        return _make(relative[0], relative[1], text, before, relative=True)
    raise PeriodError(text)


_RELATIVE = (
    (r"quy nay|quy hien tai|this quarter", "quarter", 0),
    (r"quy toi|quy sau|next quarter", "quarter", 1),
    (r"thang nay|this month", "month", 0),
    (r"thang toi|thang sau|next month", "month", 1),
    (r"nam nay|this year", "year", 0),
    (r"nam toi|nam sau|next year", "year", 1),
)


def _relative_window(f: str, today: date) -> tuple[date, date, str, str] | None:
    for pattern, unit, step in _RELATIVE:
        m = re.search(rf"(?<![a-z])({pattern})(?![a-z])", f)
        if not m:
            continue
        if unit == "quarter":
            index = (today.month - 1) // 3 + step
            start, end = quarter_window(today.year + index // 4, index % 4 + 1)
        elif unit == "month":
            index = today.month - 1 + step
            start, end = month_window(today.year + index // 12, index % 12 + 1)
        else:
            start, end = date(today.year + step, 1, 1), date(today.year + step, 12, 31)
        return start, end, m[1], unit
    return None


# "từ ngày 01/7/2025 đến hết ngày 31/12/2026", "từ 1/3 đến 30/6/2026": a window between two days
_DATE_RANGE = re.compile(r" tu (?:ngay )?(\d{1,2})/(\d{1,2})(?:/(\d{4}))? (?:den|toi) (?:het )?(?:ngay )?"
                         r"(\d{1,2})/(\d{1,2})(?:/(\d{4}))? ")


def _date_range(s: str, today: date) -> tuple[date, date, str, bool] | None:
    """(first day, last day, text, years given) of a range of two days in the folded `s`; a day
    without its year takes the other's, else this year."""
    m = _DATE_RANGE.search(s)
    if not m:
        return None
    end_year = int(m[6]) if m[6] else (int(m[3]) if m[3] else today.year)
    start_year = int(m[3]) if m[3] else end_year
    try:
        start, end = date(start_year, int(m[2]), int(m[1])), date(end_year, int(m[5]), int(m[4]))
    except ValueError:
        return None
    return (start, end, m[0].strip(), bool(m[3] or m[6])) if start <= end else None


def find_date_range(text: str, today: date | None = None) -> tuple[date, date] | None:
    """The (first, last) day of a range of two days the text names ("Kể từ ngày 01/7/2025 đến
    hết ngày 31/12/2026 …"), None when it names none."""
    span = _date_range(_spaced(text), today or date.today())
    return (span[0], span[1]) if span else None


def _spaced(text: str) -> str:
    """The folded text with its punctuation spaced out, between single spaces."""
    return re.sub(r"\s+", " ", " " + _PUNCTUATION.sub(" ", _folded(text)) + " ")


def find_period(question: str, today: date | None = None) -> Period | None:
    """The period named somewhere inside a question (folded), relative to `today`; None if none."""
    today = today or date.today()
    s = _spaced(question)     # punctuation around a period ("Đến cuối tháng 3/2026, …") is no part of it
    before: bool | str = bool(re.search(r" (truoc|cham nhat|khong muon hon|by|before) ", s))
    by_end = re.search(rf" ({_BY_END}) (?:ngay |thang |quy |nam |6 thang |sau thang |\d)", s)
    if by_end:
        before = "by"
    elif " bat dau " in s:
        before = "from"               # "Từ năm 2026 … bắt đầu triển khai việc gì?"

    def made(start: date, end: date, text: str, explicit: bool = True, relative: bool = False) -> Period:
        # "by the end" keeps its words in the text: the question's topic drops them with it
        if by_end:
            at = s.find(text, by_end.start(1))
            text = s[by_end.start(1):at + len(text)].strip() if 0 <= at - by_end.end(1) <= 8 else text
        return _make(start, end, text, before, explicit, relative)

    span = _date_range(s, today)
    if span is not None:
        return _make(span[0], span[1], span[2], False, span[3])
    m = re.search(r" (?:quy|quarter|q) (iv|iii|ii|i|[1-4])(?: ?/ ?| nam | )?(\d{4})?(?![0-9a-z])",
                  s.replace("/", " / "))
    if m:
        year = int(m[2]) if m[2] else today.year
        return made(*quarter_window(year, _ROMAN[m[1]]), m[0].strip(), explicit=bool(m[2]))
    rel = _relative_window(s, today)
    if rel is not None and rel[3] == "quarter":
        return made(rel[0], rel[1], rel[2], relative=True)
    m = re.search(r" (?:truoc |den )?ngay (\d{1,2})/(\d{1,2})(?:/(\d{4}))? ", s)
    if m:
        try:
            day = date(int(m[3]) if m[3] else today.year, int(m[2]), int(m[1]))
        except ValueError:
            day = None
        if day:
            return made(day, day, m[0].strip(), explicit=bool(m[3]))
    m = re.search(r" (\d{1,2})/(\d{1,2})/(\d{4}) ", s)     # a bare date: "Trước 20/01/2026"
    if m:
        try:
            day = date(int(m[3]), int(m[2]), int(m[1]))
        except ValueError:
            day = None
        if day:
            return made(day, day, m[0].strip())
    m = re.search(r" (\d{1,2})/(\d{4}) ", s)
    if m and 1 <= int(m[1]) <= 12:
        return made(*month_window(int(m[2]), int(m[1])), m[0].strip())
    m = re.search(r" thang (\d{1,2})(?:(?:/| nam )(\d{4}))?( hang nam)? ", s)
    if m and 1 <= int(m[1]) <= 12:
        year = int(m[2]) if m[2] else today.year
        found = made(*month_window(year, int(m[1])), m[0].strip(), explicit=bool(m[2]))
        if m[3] and not m[2]:
            found = replace(found, every_year=True)
        return found
    if rel is not None and rel[3] == "month":
        return made(rel[0], rel[1], rel[2], relative=True)
    if re.search(r" (6|sau) thang dau nam ", s):
        return made(date(today.year, 1, 1), date(today.year, 6, 30), "6 tháng đầu năm", explicit=False)
    if re.search(r" (6|sau) thang cuoi nam ", s):
        return made(date(today.year, 7, 1), date(today.year, 12, 31), "6 tháng cuối năm", explicit=False)
    if rel is not None and rel[3] == "year":
        return made(rel[0], rel[1], rel[2], relative=True)
    m = re.search(r" (?:nam|year|trong nam) (20\d{2}) ", s)
    if m:
        year = int(m[1])
        return made(date(year, 1, 1), date(year, 12, 31), m[0].strip())
    return None


# -- the due rule ----------------------------------------------------------------------------

def _add_months(d: date, months: int) -> date:
    index = d.month - 1 + months
    year, month = d.year + index // 12, index % 12 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _on_day(year: int, month: int, day: int | None) -> date:
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day, last)) if day else date(year, month, last)


_STEP_MONTHS = {"monthly": 1, "quarterly": 3, "half-yearly": 6}


def due_days(d: Deadline, lower: date, upper: date) -> Iterator[date]:
    """The days within [lower, upper] on which the deadline falls due (see the module rule)."""
    if d.start is not None:
        lower = max(lower, d.start)
    if d.end is not None:
        upper = min(upper, d.end)
    if lower > upper or d.kind == "continuous":
        return                        # a standing duty has no due day (it is ongoing)
    if d.recurrence in _STEP_MONTHS and d.kind == "recurring":
        step = _STEP_MONTHS[d.recurrence]
        # Occurrences close each step-long block of the calendar year (month, quarter, half).
        first_month = ((lower.month - 1) // step) * step + 1
        cursor = date(lower.year, first_month, 1)
        while cursor <= upper:
            closing = _add_months(cursor, step - 1)
            day = _on_day(closing.year, closing.month, d.day_of_period)
            if lower <= day <= upper:
                yield day
            cursor = _add_months(cursor, step)
        return
    if d.recurrence == "weekly":
        day = lower + timedelta(days=(6 - lower.weekday()) % 7)     # every Sunday
        while day <= upper:
            yield day
            day += timedelta(days=7)
        return
    if d.start is None or d.end is None:
        return
    if d.recurrence == "yearly" and d.kind in ("month", "date", "relative", "quarter", "half_year"):
        span = {"month": 1, "quarter": 3, "half_year": 6}.get(d.kind, 0)
        for year in range(d.start.year, d.end.year + 1):
            if span:
                closing = _add_months(date(year, d.start.month, 1), span - 1)
                day = month_end(closing.year, closing.month)
            else:
                day = _on_day(year, d.start.month, d.start.day)
            if lower <= day <= upper:
                yield day
        return
    if d.recurrence:
        return                        # unanchored "Hàng năm": a standing duty, not a due day
    if lower <= d.end <= upper:
        yield d.end


# a deadline that states when the work starts: "Bắt đầu thực hiện từ năm 2026", "Từ tháng 3/2026"
_STARTS = re.compile(r"(?:^|\s)(?:bat dau|tu (?:nam|thang|quy|ngay) \d)")


def _is_standing(d: Deadline) -> bool:
    return d.kind == "continuous" or (d.kind == "year" and d.recurrence == "yearly")


def due_status(deadline: Deadline | None, period: Period) -> DueStatus:
    """Is this deadline DUE in the period, ONGOING during it, NOT_DUE, or NEVER due? (module rule)"""
    d = deadline
    if period.every_year:
        # the same window in each year the deadline runs (or the period's own year)
        first = (d.start or period.start).year if d is not None else period.start.year
        last = (d.end or period.start).year if d is not None else period.start.year
        statuses = {due_status(d, replace(period.shifted_to_year(year), every_year=False))
                    for year in range(first, max(first, last) + 1)}
        for status in (DueStatus.DUE, DueStatus.ONGOING, DueStatus.NOT_DUE):
            if status in statuses:
                return status
        return DueStatus.NEVER
    if d is None or d.kind in ("unknown", "on_demand") or (d.kind == "relative" and d.start is None):
        return DueStatus.NEVER
    if period.mode == "from":
        if d.start is not None and period.start <= d.start <= period.end and _STARTS.search(fold(d.text or "")):
            return DueStatus.DUE
        standing = _is_standing(d) or (d.kind == "year" and not d.recurrence)
        intersects = (d.start is None or d.start <= period.end) and (d.end is None or period.start <= d.end)
        return DueStatus.ONGOING if standing and intersects else DueStatus.NOT_DUE
    if d.start is None and d.end is None and not d.recurrence and d.kind != "continuous":
        return DueStatus.NEVER
    if next(due_days(d, period.start, period.end), None) is not None:
        return DueStatus.DUE
    lower, upper = period.start, period.end
    intersects = (d.start is None or d.start <= upper) and (d.end is None or lower <= d.end)
    whole_year = d.kind == "year" and not d.recurrence
    if intersects and (_is_standing(d) or whole_year):
        return DueStatus.ONGOING
    return DueStatus.NOT_DUE


def is_due(deadline: Deadline | None, period: Period) -> bool:
    return due_status(deadline, period) is DueStatus.DUE


# -- display ---------------------------------------------------------------------------------

def display_period(period: Period) -> str:
    """"quý II/2026", "tháng 3/2026", "ngày 30/06/2026", "năm 2026" — the period as named."""
    s, e = period.anchor_start or period.start, period.anchor_end or period.end
    if period.every_year and s.day == 1 and s.month == e.month:
        return f"tháng {s.month} hằng năm"
    if s == e:
        return f"ngày {s.day:02d}/{s.month:02d}/{s.year}"
    if (s.month, s.day, e.month, e.day) == (1, 1, 12, 31) and s.year == e.year:
        return f"năm {s.year}"
    if s.day == 1 and e.month - s.month == 2 and s.year == e.year and s.month in (1, 4, 7, 10):
        return f"quý {['I', 'II', 'III', 'IV'][s.month // 3]}/{s.year}"
    if s.day == 1 and s.month == e.month and s.year == e.year:
        return f"tháng {s.month}/{s.year}"
    if s.year == e.year and (s.month, e.month) == (1, 6):
        return f"6 tháng đầu năm {s.year}"
    if s.year == e.year and (s.month, e.month) == (7, 12):
        return f"6 tháng cuối năm {s.year}"
    return f"{s.day:02d}/{s.month:02d}/{s.year} – {e.day:02d}/{e.month:02d}/{e.year}"


_MODE_WORDS = {"before": "trước", "by": "đến hết", "within": "trong", "from": "từ"}


def period_phrase(period: Period | None) -> str:
    """"trong quý I/2026", "trước ngày 20/01/2026", "đến hết tháng 3/2026" (a day: "đến hết" = "trước")."""
    if period is None:
        return ""
    mode = period.mode
    if mode == "by" and (period.anchor_start or period.start) == (period.anchor_end or period.end):
        mode = "before"
    return f"{_MODE_WORDS.get(mode, 'trong')} {display_period(period)}"


def period_filter(period: Period | None) -> str:
    """The period as a `--due` filter `parse_period` reads back to the same window ("" for a
    window it cannot type, such as a month of every year)."""
    if period is None or period.every_year or period.mode == "from":
        return ""
    return period_phrase(period) if period.mode != "within" else display_period(period)


def period_needles(period: Period | None) -> list[str]:
    """Folded spellings of a period as plans write it, to find it inside sentences."""
    if period is None:
        return []
    s, e = period.anchor_start or period.start, period.anchor_end or period.end
    out: list[str] = []
    if s == e:
        out += [f"{s.day}/{s.month}/{s.year}", f"{s.day:02d}/{s.month:02d}/{s.year}",
                f"{s.day}/{s.month:02d}/{s.year}", f"{s.day:02d}/{s.month}/{s.year}",
                f"ngay {s.day} thang {s.month} nam {s.year}", f"ngay {s.day:02d} thang {s.month:02d} nam {s.year}"]
    elif s.year == e.year and s.month == e.month:
        out += [f"thang {s.month}/{s.year}", f"thang {s.month:02d}/{s.year}", f"thang {s.month} nam {s.year}",
                f"{s.month}/{s.year}", f"{s.month:02d}/{s.year}", f"thang {s.month} hang nam"]
    elif s.year == e.year and e.month - s.month == 2:
        q = (s.month - 1) // 3 + 1
        roman = ["i", "ii", "iii", "iv"][q - 1]
        out += [f"quy {roman}/{s.year}", f"quy {roman} nam {s.year}", f"quy {q}/{s.year}", f"quy {q} nam {s.year}"]
    return [" ".join(tokens(n)) for n in dict.fromkeys(out)]
