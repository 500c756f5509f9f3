"""Task registry output: TaskRecord -> contract model, and CSV export."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TextIO

from assistant.schemas import TaskOut
from ingest.models import SourceRef, TaskRecord

CSV_COLUMNS = ["document", "commune", "origin", "area", "number", "task", "lead", "coordinators",
               "product", "deadline", "monitor", "source", "deadline_kind", "deadline_start",
               "deadline_end", "flags"]


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


def task_to_out(task: TaskRecord) -> TaskOut:
    deadline = task.deadline_norm
    return TaskOut(
        document=task.document, commune=task.commune, origin=task.origin, area=task.area,
        number=task.number, task=task.task, lead=task.lead, coordinators=task.coordinators,
        product=task.product, deadline=task.deadline, monitor=task.monitor,
        source=source_label(task.source),
        deadline_kind=deadline.kind if deadline else "",
        deadline_start=deadline.start.isoformat() if deadline and deadline.start else None,
        deadline_end=deadline.end.isoformat() if deadline and deadline.end else None,
        flags=list(task.flags),
    )


def write_tasks_csv(tasks: Iterable[TaskOut], stream: TextIO) -> int:
    """Write tasks as CSV (header + one row each); lists are joined with "; ". Returns the row count."""
    writer = csv.DictWriter(stream, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    count = 0
    for task in tasks:
        row = task.model_dump()
        row["flags"] = "; ".join(row.get("flags") or [])
        writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in CSV_COLUMNS})
        count += 1
    return count
