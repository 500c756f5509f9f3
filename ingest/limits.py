"""Bounds on the work one document may cost: pages, paragraphs and characters.

A commune plan runs to tens of pages and a few thousand lines. A file far beyond that is not a
plan (or is an attack: a 48 KB DOCX can unpack to millions of paragraphs, a PDF can declare
20,000 pages), and parsing it would hold the ingest worker for minutes. `check_file` refuses a
PDF by its page count before any text is extracted (a cheap look at the page tree);
`check_loaded` refuses what a loader produced before normalising and structuring it;
`probe_file` is the bounded look an upload gets before it is queued. They raise `IngestError`
with the count, the limit and the setting that raises it. The assistant builds
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


class TooLong(IngestError):
    """A document over one of the limits (the API answers 413, not "unreadable")."""


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _refuse(document: str, what: str, count: int, limit: int) -> TooLong:
    vi, en = _UNITS[what]
    return TooLong(
        document,
        f"văn bản quá dài: {_thousands(count)} {vi}, vượt giới hạn {_thousands(limit)} {vi} mỗi văn bản "
        f"(đặt {_SETTINGS[what]} để đổi giới hạn)",
        f"{count} {en}, over the limit of {limit}",
    )


def check_counts(document: str, limits: DocumentLimits, *, pages: int = 0, paragraphs: int = 0,
                 chars: int = 0) -> None:
    """Raise `TooLong` (an `IngestError`) for the first count over its limit."""
    for what, count, limit in (("pages", pages, limits.max_pages), ("paragraphs", paragraphs, limits.max_paragraphs),
                               ("chars", chars, limits.max_chars)):
        if limit and count > limit:
            raise _refuse(document, what, count, limit)


def _open_pdf(path: str | Path, document: str):
    """A pypdf reader over an unlocked PDF, or `IngestError` (not a PDF, damaged, locked)."""
    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError(document, "tệp PDF được mã hóa bằng mật khẩu; hãy gỡ mật khẩu rồi nạp lại",
                              "PDF is encrypted")
        return reader
    except IngestError:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever pypdf raises, the file is not a readable PDF
        raise IngestError(document, "không đọc được tệp PDF (tệp hỏng?)", f"unreadable PDF: {exc}") from exc


def _declared_pages(reader, document: str) -> int:
    try:
        count = reader.trailer["/Root"]["/Pages"].get("/Count")   # declared: no walk of the page tree
        return int(count) if count is not None else len(reader.pages)
    except Exception as exc:  # noqa: BLE001
        raise IngestError(document, "không đọc được tệp PDF (tệp hỏng?)", f"unreadable PDF: {exc}") from exc


def pdf_page_count(path: str | Path, document: str = "") -> int:
    """The number of pages a PDF declares (the page tree's /Count: no page is read, no text
    extracted). Raises `IngestError` for a file that does not open as a PDF or is locked."""
    document = document or Path(path).name
    return _declared_pages(_open_pdf(path, document), document)


def check_file(path: str | Path, document: str, limits: DocumentLimits = DEFAULT_LIMITS) -> None:
    """Before loading: a PDF over the page limit is refused without reading its text (or OCR).
    A PDF that does not even open is left to the loader, which says why."""
    if limits.max_pages and Path(path).suffix.lower() == ".pdf":
        try:
            pages = pdf_page_count(path, document)
        except IngestError:
            return
        check_counts(document, limits, pages=pages)


def probe_file(path: str | Path, document: str, limits: DocumentLimits = DEFAULT_LIMITS) -> None:
    """A cheap, bounded look at a file before it is queued for parsing (an upload is answered
    from this, the parse runs later in a worker): text is decoded (a wrong code page is refused
    by `ingest.loaders.decode_text`) and counted; a PDF is opened, its lock and declared page
    count checked, and the text of its first pages read (a scan is refused when OCR is not
    installed); a DOCX is left to the worker, whose reader is bounded (`ingest.docx.DocxLimits`).
    Raises `IngestError`."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        reader = _open_pdf(path, document)
        check_counts(document, limits, pages=_declared_pages(reader, document))
        _check_scan_is_readable(reader, document)
    elif suffix in (".txt", ".md", ".markdown"):
        from ingest.loaders import decode_text

        text = decode_text(path.read_bytes(), document)
        paragraphs = sum(1 for line in text.splitlines() if line.strip())
        check_counts(document, limits, paragraphs=paragraphs, chars=len(text))


PROBED_PAGES = 3   # pages whose text an upload's probe reads, to tell a scan from a text PDF


def _check_scan_is_readable(reader, document: str) -> None:
    """A PDF whose first pages hold no text is a scan: fine when OCR is installed (the worker
    reads it), refused now otherwise, as the loader would refuse it."""
    try:
        text = "".join((page.extract_text() or "") for page in list(reader.pages[:PROBED_PAGES]))
    except Exception as exc:  # noqa: BLE001
        raise IngestError(document, "không đọc được tệp PDF (tệp hỏng?)", f"unreadable PDF: {exc}") from exc
    if "".join(text.split()):
        return
    from ingest.ocr import INSTALL_HINT, ocr_available

    if not ocr_available():
        raise IngestError(document, "tệp PDF không có lớp văn bản (bản quét ảnh); cần nhận dạng ký tự (OCR) "
                                    f"trước khi nạp; máy chưa cài Tesseract OCR (cài: {INSTALL_HINT})",
                          "PDF has no text layer; it needs OCR")


def check_loaded(loaded: LoadedDocument, limits: DocumentLimits = DEFAULT_LIMITS) -> None:
    """After loading, before the (linear but not free) normalising and structuring."""
    pages = max((line.page or 0 for line in loaded.lines), default=0)
    paragraphs = sum(1 for line in loaded.lines if line.text.strip())
    chars = sum(len(line.text) for line in loaded.lines)
    check_counts(loaded.document, limits, pages=pages, paragraphs=paragraphs, chars=chars)
