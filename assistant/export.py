"""The task table, written the same way for every surface (CLI, API, page): one column set.

`task_to_out` turns a `TaskRecord` into the contract's `TaskOut`; `task_table_rows` yields the
header and one row of strings per task (an .xlsx writer can reuse it); `write_tasks_csv` and
`tasks_csv_text` write it as CSV.

Plan text is data, also in a spreadsheet: a cell that begins with = + - @, a tab or a carriage
return (or NUL) would be read by Excel or LibreOffice as a formula (CSV / formula injection).
`spreadsheet_text` neutralises such a cell the way OWASP recommends, with a leading single quote;
it is the one place for every surface: the rows of `task_table_rows` pass through it, so the CSV
of the CLI, the API and the page, and the page's .xlsx all carry the same neutralised cells.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import TextIO

from assistant.schemas import TaskOut
from ingest.models import SourceRef, TaskRecord

CSV_COLUMNS = ("document", "commune", "origin", "area", "number", "task", "lead", "coordinators",
               "product", "deadline", "monitor", "source", "deadline_kind", "deadline_start",
               "deadline_end", "flags", "due_status")


# OWASP "CSV Injection": cells starting with these are formulas (or DDE) to a spreadsheet.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")


def spreadsheet_text(value: str) -> str:
    """A cell's text as a spreadsheet will show it, never evaluate it: "=1+1" -> "'=1+1"."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def source_label(source: SourceRef | None) -> str:
    """"Phụ lục › II. Cải cách thủ tục hành chính (dòng 301–302)"."""
    if source is None:
        return ""
    parts = [source.section] if source.section else []
    if source.line_start:
        end = source.line_end or source.line_start
        lines = f"dòng {source.line_start}" if end == source.line_start else f"dòng {source.line_start}–{end}"
        if source.page:
            lines += f", trang {source.page}"
        parts.append(f"({lines})")
    elif source.page:
        parts.append(f"(trang {source.page})")
    return " ".join(parts)


def task_to_out(task: TaskRecord, due_status: str = "") -> TaskOut:
    deadline = task.deadline_norm
    return TaskOut(
        document=task.document, commune=task.commune, origin=task.origin, area=task.area,
        number=task.number, task=task.task, lead=task.lead, coordinators=task.coordinators,
        product=task.product, deadline=task.deadline, monitor=task.monitor,
        source=source_label(task.source),
        deadline_kind=deadline.kind if deadline else "",
        deadline_start=deadline.start.isoformat() if deadline and deadline.start else None,
        deadline_end=deadline.end.isoformat() if deadline and deadline.end else None,
        flags=list(task.flags), due_status=due_status,
    )


def task_table_rows(tasks: Iterable[TaskOut]) -> Iterator[list[str]]:
    """The header, then one row of strings per task (lists joined with "; "), every cell passed
    through `spreadsheet_text`."""
    yield list(CSV_COLUMNS)
    for task in tasks:
        row = task.model_dump()
        row["flags"] = "; ".join(row.get("flags") or [])
        yield [spreadsheet_text("" if row.get(k) is None else str(row.get(k))) for k in CSV_COLUMNS]


def write_tasks_csv(tasks: Iterable[TaskOut], stream: TextIO) -> int:
    """Write the task table as CSV to `stream`. Returns the number of task rows."""
    # Every field in double quotes (OWASP's advice, and a lone "\r" in plan text is then no row break).
    writer = csv.writer(stream, lineterminator="\n", quoting=csv.QUOTE_ALL)
    count = -1
    for row in task_table_rows(tasks):
        writer.writerow(row)
        count += 1
    return count


def tasks_csv_text(tasks: Iterable[TaskOut]) -> str:
    """The task table as CSV text with a UTF-8 BOM (spreadsheet programs then read Vietnamese right)."""
    buffer = io.StringIO()
    write_tasks_csv(tasks, buffer)
    return "\ufeff" + buffer.getvalue()
