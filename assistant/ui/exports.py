"""The task table as downloadable files (CSV and .xlsx) with readable names.

Thin on purpose: both files come from `assistant.export` (the one column set and row writer every
surface uses). The CSV is `tasks_csv_text` itself, byte for byte what `/api/tasks?format=csv` gives;
the .xlsx holds the same rows (formula triggers neutralised by `assistant.export.spreadsheet_text`)
under Vietnamese headings, every cell marked as text (a workbook is read by people, not scripts).
"""

from __future__ import annotations

import io
import re
import shutil
import tempfile
import time
import uuid
import weakref
from collections.abc import Sequence
from pathlib import Path

from assistant.export import CSV_COLUMNS, task_table_rows, tasks_csv_text
from assistant.schemas import TaskOut
from ingest.vntext import fold

HEADINGS = {
    "document": "Tài liệu", "commune": "Xã", "origin": "Nguồn gốc", "area": "Lĩnh vực", "number": "STT",
    "task": "Nhiệm vụ", "lead": "Chủ trì", "coordinators": "Phối hợp", "product": "Sản phẩm",
    "deadline": "Thời hạn", "monitor": "Theo dõi", "source": "Vị trí", "deadline_kind": "Loại thời hạn",
    "deadline_start": "Từ ngày", "deadline_end": "Đến ngày", "flags": "Ghi chú", "due_status": "Đến hạn",
}
_ROMAN = re.compile(r"^(i|ii|iii|iv)$", re.I)


def headers() -> list[str]:
    """The export's columns under Vietnamese headings (for the workbook)."""
    return [HEADINGS.get(column, column) for column in CSV_COLUMNS]


def slug(text: str | None) -> str:
    """"Năm Dẫn" -> "nam-dan", "quý I/2026" -> "quy-I-2026" (Roman numerals keep their capitals)."""
    words = re.findall(r"[0-9A-Za-z]+", fold(text or "").replace("đ", "d").replace("Đ", "D"))
    return "-".join(w.upper() if _ROMAN.match(w) else w.lower() for w in words)


def file_stem(commune: str | None, due: str | None, agency: str | None = None, query: str | None = None) -> str:
    parts = ["nhiem-vu", slug(commune) or "tat-ca-xa"]
    parts += [s for s in (slug(agency), slug(due), slug(query)) if s]
    return "_".join(parts)[:120]


def csv_text(tasks: Sequence[TaskOut]) -> str:
    """The shared export's CSV (`assistant.export.tasks_csv_text`), unchanged."""
    return tasks_csv_text(tasks)


def xlsx_bytes(tasks: Sequence[TaskOut], title: str = "Nhiệm vụ") -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(headers())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in list(task_table_rows(tasks))[1:]:  # the export's rows (formula triggers neutralised), no header
        sheet.append(row)
    widths = {"task": 60, "lead": 28, "coordinators": 28, "product": 30, "area": 24, "source": 30}
    for index, column in enumerate(CSV_COLUMNS, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = widths.get(column, 14)
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.data_type = "s"          # every cell is text, never a formula ...
            cell.number_format = "@"      # ... and stays text when a reader edits it
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


class DownloadFolder:
    """Files offered for download, each in its own sub-folder (so the readable name never collides);
    anything older than `max_age` seconds is swept on each write. The folder goes with the page
    (or the process), so pages built and dropped, as tests do, leave nothing in the temp dir."""

    def __init__(self, max_age: float = 3600) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="cchc-downloads-"))
        self.max_age = max_age
        self._cleanup = weakref.finalize(self, shutil.rmtree, self.root, ignore_errors=True)

    def write(self, name: str, data: bytes | str) -> str:
        now = time.time()
        for old in self.root.iterdir():
            if now - old.stat().st_mtime > self.max_age:
                shutil.rmtree(old, ignore_errors=True)
        folder = self.root / uuid.uuid4().hex
        folder.mkdir()
        path = folder / name
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_bytes(data)
        return str(path)
