"""Bounds on the work one document may cost: pages, paragraphs and characters.

A commune plan runs to tens of pages and a few thousand lines. A file far beyond that is not a
plan (or is an attack: a 48 KB DOCX can unpack to millions of paragraphs, a PDF can declare
20,000 pages), and parsing it would hold the ingest worker for minutes. `check_file` refuses a
PDF by its page count before any text is extracted (a cheap look at the page tree);
`check_loaded` refuses what a loader produced before normalising and structuring it. Both raise
`IngestError` with the count, the limit and the setting that raises it. The assistant builds
`DocumentLimits` from its settings (`CCHC_MAX_PAGES`, `CCHC_MAX_PARAGRAPHS`, `CCHC_MAX_CHARS`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import IngestError
from ingest.models import LoadedDocument


@dataclass(frozen=True)
class DocumentLimits:
    """Most pages (PDF), non-blank lines or paragraphs, and characters one document may have;
    0 means no limit."""

    max_pages: int = 1_000
    max_paragraphs: int = 200_000
    max_chars: int = 10_000_000


DEFAULT_LIMITS = DocumentLimits()

_SETTINGS = {"pages": "CCHC_MAX_PAGES", "paragraphs": "CCHC_MAX_PARAGRAPHS", "chars": "CCHC_MAX_CHARS"}
_UNITS = {"pages": ("trang", "pages"), "paragraphs": ("đoạn/dòng", "paragraphs"), "chars": ("ký tự", "characters")}


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _refuse(document: str, what: str, count: int, limit: int) -> IngestError:
    vi, en = _UNITS[what]
    return IngestError(
        document,
        f"văn bản quá dài: {_thousands(count)} {vi}, vượt giới hạn {_thousands(limit)} {vi} mỗi văn bản "
        f"(đặt {_SETTINGS[what]} để đổi giới hạn)",
        f"{count} {en}, over the limit of {limit}",
    )


def check_counts(document: str, limits: DocumentLimits, *, pages: int = 0, paragraphs: int = 0,
                 chars: int = 0) -> None:
    """Raise `IngestError` for the first count over its limit."""
    for what, count, limit in (("pages", pages, limits.max_pages), ("paragraphs", paragraphs, limits.max_paragraphs),
                               ("chars", chars, limits.max_chars)):
        if limit and count > limit:
            raise _refuse(document, what, count, limit)


def pdf_page_count(path: str | Path) -> int | None:
    """The number of pages a PDF declares (the page tree's /Count: no page is read, no text
    extracted); None when the file cannot be opened this way (the loader then says why)."""
    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            return None
        count = reader.trailer["/Root"]["/Pages"].get("/Count")   # declared: no walk of the page tree
        return int(count) if count is not None else len(reader.pages)
    except Exception:  # noqa: BLE001 - any unreadable PDF is the loader's to explain
        return None


def check_file(path: str | Path, document: str, limits: DocumentLimits = DEFAULT_LIMITS) -> None:
    """Before loading: a PDF over the page limit is refused without reading its text (or OCR)."""
    if limits.max_pages and Path(path).suffix.lower() == ".pdf":
        pages = pdf_page_count(path)
        if pages is not None:
            check_counts(document, limits, pages=pages)


def check_loaded(loaded: LoadedDocument, limits: DocumentLimits = DEFAULT_LIMITS) -> None:
    """After loading, before the (linear but not free) normalising and structuring."""
    pages = max((line.page or 0 for line in loaded.lines), default=0)
    paragraphs = sum(1 for line in loaded.lines if line.text.strip())
    chars = sum(len(line.text) for line in loaded.lines)
    check_counts(loaded.document, limits, pages=pages, paragraphs=paragraphs, chars=chars)
