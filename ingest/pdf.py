"""PDF loading: open and check the file, extract the text layer, keep the best extractor's text.

Extractors, in order (each yields lines with their page number):
  1. pdfplumber: prose from word positions and tables rebuilt from the ruling lines
     (`ingest.pdf_tables`), the only one that keeps appendix tables as rows;
  2. pypdf's text extraction;
  3. poppler's `pdftotext`, when installed (its own font handling reads some PDFs whose
     embedded fonts the Python extractors decode wrongly).
Each result is scored by the text-quality gate (`ingest.quality`); the first that passes
is kept, otherwise the best one, and when none passes the file is refused with the reason
(a font without a Unicode map, or a scan that needs OCR): garbage is never indexed.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import IngestError, NeedsOcr
from ingest.models import LoadedLine
from ingest.quality import MIN_SCORE, TextQuality, assess, sample

DEFAULT_MAX_PAGES = 2000
# Fewer non-blank characters than this per page means the PDF has no usable text layer.
_MIN_CHARS_PER_PAGE = 20
_NEWLINE_RE = re.compile(r"\r\n|\r|\n")
_PDFTOTEXT_TIMEOUT_S = 300


@dataclass
class PdfText:
    lines: list[LoadedLine]
    extractor: str           # "pdfplumber", "pypdf" or "pdftotext"
    quality: TextQuality


def _pages_to_lines(page_texts: list[list[str]]) -> list[LoadedLine]:
    lines: list[LoadedLine] = []
    for page_number, texts in enumerate(page_texts, start=1):
        for text in texts:
            lines.append(LoadedLine(number=len(lines) + 1, text=text, page=page_number))
    return lines


def _open_checked(path: Path, name: str, max_pages: int):
    """pypdf reader after the encryption, corruption and page-limit checks; its password."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    # pypdf logs its repairs ("EOF marker not found") as warnings; the IngestError says it better.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            try:
                unlocked = reader.decrypt("")
            except Exception:  # noqa: BLE001 - any failure means we cannot read it
                unlocked = 0
            if not unlocked:
                raise IngestError(name, "tệp PDF được mã hóa bằng mật khẩu; hãy gỡ mật khẩu rồi nạp lại",
                                  "PDF is encrypted")
        count = len(reader.pages)
    except IngestError:
        raise
    except (PdfReadError, OSError, ValueError, KeyError, TypeError) as exc:
        raise IngestError(name, "không đọc được tệp PDF (tệp hỏng?)", f"unreadable PDF: {exc}") from exc
    if count == 0:
        raise IngestError(name, "tệp PDF không có trang nào", "PDF has no pages")
    if count > max_pages:
        raise IngestError(name, f"tệp PDF có {count} trang, vượt giới hạn {max_pages} trang cho một văn bản",
                          f"PDF has {count} pages, over the limit of {max_pages}")
    return reader


def _with_pdfplumber(path: Path) -> list[list[str]]:
    import pdfplumber

    from ingest.pdf_tables import page_lines

    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    with pdfplumber.open(str(path), password="") as pdf:
        return [page_lines(page) for page in pdf.pages]


def _with_pypdf(reader) -> list[list[str]]:
    return [_NEWLINE_RE.split(page.extract_text() or "") for page in reader.pages]


def _with_pdftotext(path: Path) -> list[list[str]]:
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          timeout=_PDFTOTEXT_TIMEOUT_S, check=True)
    pages = done.stdout.decode("utf-8", errors="replace").split("\f")
    if pages and not pages[-1].strip():
        pages.pop()  # the form feed after the last page
    return [_NEWLINE_RE.split(text) for text in pages]


def _visible(lines: list[LoadedLine]) -> int:
    return sum(len("".join(line.text.split())) for line in lines)


def load_pdf(path: Path, name: str, *, max_pages: int = DEFAULT_MAX_PAGES) -> PdfText:
    """The best text layer of a PDF. Raises `NeedsOcr` for a scan (no text layer; the loader
    reads it with OCR when Tesseract is installed) and `IngestError` for unreadable,
    encrypted, oversized or garbled files."""
    reader = _open_checked(path, name, max_pages)
    page_count = len(reader.pages)
    extractors: list[tuple[str, Callable[[], list[list[str]]]]] = [
        ("pdfplumber", lambda: _with_pdfplumber(path)),
        ("pypdf", lambda: _with_pypdf(reader)),
    ]
    if shutil.which("pdftotext"):
        extractors.append(("pdftotext", lambda: _with_pdftotext(path)))
    best: PdfText | None = None
    failures: list[str] = []
    for extractor, extract in extractors:
        try:
            lines = _pages_to_lines(extract())
        except Exception as exc:  # noqa: BLE001 - one extractor failing is a reason to try the next
            failures.append(f"{extractor}: {type(exc).__name__}")
            continue
        if _visible(lines) < _MIN_CHARS_PER_PAGE * page_count:
            continue
        candidate = PdfText(lines=lines, extractor=extractor,
                            quality=assess(sample("\n".join(line.text for line in lines))))
        if candidate.quality.score >= MIN_SCORE:
            return candidate  # (too short to be a plan is for `load`'s common gate to say)
        if best is None or candidate.quality.score > best.quality.score:
            best = candidate
    if best is None:
        if failures and len(failures) == len(extractors):
            raise IngestError(name, "không đọc được tệp PDF (tệp hỏng?)", "; ".join(failures))
        raise NeedsOcr(name, "tệp PDF không có lớp văn bản (bản quét ảnh); cần nhận dạng ký tự (OCR) "
                             "trước khi nạp", "PDF has no text layer; it needs OCR")
    raise IngestError(
        name,
        "lớp văn bản của tệp PDF không đọc được thành tiếng Việt: phông chữ không có bảng mã Unicode "
        f"({best.quality.problem}); hãy xuất lại PDF với phông Unicode nhúng, hoặc cần nhận dạng ký tự (OCR)",
        f"garbled text layer (font without a Unicode map), best extractor {best.extractor} "
        f"scored {best.quality.score:.2f}",
    )
