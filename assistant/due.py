"""Which registry records fall due in a period a question names ("quý I/2026", "trước ngày 10/02").

A record is due on the end of its normalised deadline window (and, for a yearly deadline
anchored to a month or a day, on that day of every year of the plan). Continuous, on-demand
and generic recurring duties ("Thường xuyên", "Hàng năm") are never listed as due.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from ingest.models import TaskRecord
from ingest.vntext import tokens

def year_span(year_text: str) -> tuple[int, int] | None:
    years = [int(y) for y in re.findall(r"\d{4}", year_text or "")]
    return (min(years), max(years)) if years else None


def deadline_quoted(t: TaskRecord, asked: str) -> bool:
    """The question repeats the record's deadline wording ("trước ngày 31/01 năm liền kề")."""
    key = " ".join(tokens(t.deadline or ""))
    return len(key) >= 12 and f" {key} " in asked


def due_dates(d) -> list[date]:
    """The day(s) a normalised deadline falls due: one for a plain deadline, one per year for a
    yearly one anchored to a month or day ("trong tháng 12 hàng năm")."""
    if d.recurrence == "yearly" and d.kind in ("month", "date", "quarter", "half_year") and d.start:
        out = []
        for year in range(d.start.year, d.end.year + 1):
            if d.kind == "date":
                try:
                    out.append(date(year, d.start.month, d.start.day))
                except ValueError:
                    continue
            else:
                span = {"month": 0, "quarter": 2, "half_year": 5}[d.kind]
                month = d.start.month + span
                out.append(date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
                           if month <= 12 else date(year, 12, 31))
        return out
    if d.recurrence:
        return []             # monthly / quarterly duties fall due in every window: not listed
    return [d.end]


def due_in(t: TaskRecord, period) -> bool:
    """Is the record due inside `period` ("within"), or before it ("before")?

    Continuous, on-demand and generic recurring duties ("Thường xuyên", "Hàng năm") are never
    "due" in a window. "Before" a day includes that day; "before" a month/quarter/year means
    before it starts. Both count only from the start of the window's year, so older plans do
    not flood the list.
    """
    d = t.deadline_norm
    if period is None or d is None or d.end is None:
        return False
    if d.kind in ("continuous", "on_demand", "recurring", "unknown"):
        return False
    for due in due_dates(d):
        if period.mode == "before":
            lower = date(period.start.year, 1, 1)
            if (lower <= due <= period.end) if period.start == period.end else (lower <= due < period.start):
                return True
        elif period.start <= due <= period.end:
            return True
    return False


def period_needles(period) -> list[str]:
    """Folded spellings of a period as plans write it, to find it inside sentences."""
    if period is None:
        return []
    s, e = period.start, period.end
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


def period_phrase(period) -> str:
    if period is None:
        return ""
    if period.mode == "before":
        return f"trước {display_period(period)}"
    return f"trong {display_period(period)}"


def display_period(period) -> str:
    s, e = period.start, period.end
    if s == e:
        return f"ngày {s.day:02d}/{s.month:02d}/{s.year}"
    if s.month == 1 and s.day == 1 and e.month == 12 and e.day == 31 and s.year == e.year:
        return f"năm {s.year}"
    if s.day == 1 and (e.month - s.month) == 2 and s.year == e.year:
        roman = {1: "I", 4: "II", 7: "III", 10: "IV"}.get(s.month)
        if roman:
            return f"quý {roman}/{s.year}"
    if s.day == 1 and s.month == e.month and s.year == e.year:
        return f"tháng {s.month}/{s.year}"
    if s.year == e.year and s.month == 1 and e.month == 6:
        return f"6 tháng đầu năm {s.year}"
    return f"{s.day:02d}/{s.month:02d}/{s.year} – {e.day:02d}/{e.month:02d}/{e.year}"
