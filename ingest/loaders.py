"""Loaders: a file on disk -> `LoadedDocument` (raw lines, 1-based numbers, PDF pages).

One loader per format, picked by extension. Loaders do no normalisation beyond decoding;
DOCX tables come out as tab-separated rows in their place in the body, so every later
stage sees one kind of table whatever the source format.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path

from ingest.errors import IngestError, NeedsOcr
from ingest.lines import split_lines  # noqa: F401  (loaders hand their lines on; re-exported)
from ingest.models import LoadedDocument, LoadedLine
from ingest.ocr import IMAGE_EXTENSIONS, IMAGE_MEDIA_TYPES, ProgressCallback
from ingest.pdf import DEFAULT_MAX_PAGES, load_pdf
from ingest.quality import require_readable

MEDIA_TYPES = {
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".doc": "application/msword",
    **IMAGE_MEDIA_TYPES,
}
SUPPORTED_EXTENSIONS = tuple(MEDIA_TYPES)

# Control characters that never occur in real text; their presence means a wrong decoding.
_BAD_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# Characters per document: beyond this parsing work is refused, not attempted.
DEFAULT_MAX_CHARS = 5_000_000
# Every Vietnamese letter (NFC): what non-ASCII text decoded as Windows-1258 must mostly be.
_VIETNAMESE_LETTERS = frozenset(
    unicodedata.normalize("NFC", base + tone)
    for base in "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY"
    for tone in ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
) | {"đ", "Đ"}


def document_name(path: str | Path) -> str:
    """A file's document id: its name, NFC, without control or invisible format characters
    (a name is printed in terminals and pages; escape sequences must not get through)."""
    name = unicodedata.normalize("NFC", Path(path).name)
    cleaned = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    return " ".join(cleaned.split()) or "(không tên)"


def load(path: str | Path, *, progress: ProgressCallback | None = None,
         max_pages: int = DEFAULT_MAX_PAGES, max_chars: int = DEFAULT_MAX_CHARS) -> LoadedDocument:
    """Load a .txt/.md/.pdf/.docx/.doc file or a scan (.pdf without text, .png/.jpg/.tif, read
    with OCR; `progress(done, pages)` follows its pages). Raises `IngestError` with a clear
    reason otherwise.

    Every format passes the same text-quality gate (`ingest.quality`) and the same limits
    (pages for PDFs, characters for all) before anything is parsed or indexed.
    """
    path = Path(path)
    name = document_name(path)
    suffix = path.suffix.lower()
    if suffix not in MEDIA_TYPES:
        raise IngestError(
            name,
            f"định dạng tệp không được hỗ trợ ({suffix or 'không có phần mở rộng'}); "
            f"chỉ nhận {', '.join(SUPPORTED_EXTENSIONS)}",
            f"unsupported file type {suffix or '(none)'}",
        )
    if not path.is_file():
        raise IngestError(name, "không tìm thấy tệp", "file not found")
    if suffix in IMAGE_EXTENSIONS:
        return _ocr_document(path, name, suffix, progress, max_chars)
    extractor = suffix.lstrip(".")
    try:
        if suffix == ".pdf":
            pdf = load_pdf(path, name, max_pages=max_pages)
            lines, from_pdf, extractor = pdf.lines, True, pdf.extractor
        else:
            loader: Callable[[Path], tuple[list[LoadedLine], bool]] = {
                ".txt": _load_text,
                ".md": _load_text,
                ".markdown": _load_text,
                ".docx": _load_docx,
                ".doc": _load_doc,
            }[suffix]
            lines, from_pdf = loader(path)
    except NeedsOcr as exc:
        from ingest.ocr import INSTALL_HINT, ocr_available

        if not ocr_available():
            raise IngestError(name, f"{exc.reason_vi}; máy chưa cài Tesseract OCR (cài: {INSTALL_HINT})",
                              exc.reason_en) from exc
        return _ocr_document(path, name, suffix, progress, max_chars)
    if not any(line.text.strip() for line in lines):
        raise IngestError(name, "tệp không có nội dung văn bản", "file contains no text")
    check_size(lines, name, max_chars)
    quality = require_readable("\n".join(line.text for line in lines), name)
    return LoadedDocument(
        document=name,
        path=str(path),
        media_type=MEDIA_TYPES[suffix],
        lines=lines,
        from_pdf_text=from_pdf,
        text_quality=quality.score,
        extractor=extractor,
    )


def check_size(lines: Iterable[LoadedLine], document: str, max_chars: int = DEFAULT_MAX_CHARS) -> int:
    """Characters in the document; refuse it when over `max_chars` (bounded parsing work)."""
    total = sum(len(line.text) + 1 for line in lines)
    if total > max_chars:
        raise IngestError(
            document,
            f"văn bản quá dài ({total:,} ký tự, giới hạn {max_chars:,} ký tự cho một văn bản)".replace(",", "."),
            f"document has {total} characters, over the limit of {max_chars}",
        )
    return total


# -- plain text -----------------------------------------------------------------------


def decode_text(data: bytes, document: str = "") -> str:
    """Decode text bytes: UTF-8 (with or without BOM), UTF-16 (BOM or NUL pattern), else cp1258."""
    if data.startswith(b"\xef\xbb\xbf"):
        return _decode(data, "utf-8-sig", document)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode(data, "utf-16", document)
    utf16 = _guess_utf16_without_bom(data)
    if utf16:
        return _decode(data, utf16, document)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1258")
    except UnicodeDecodeError:
        text = None
    if text is None or _BAD_CONTROL_RE.search(text) or not _reads_as_vietnamese(text):
        raise IngestError(
            document,
            "không nhận ra bảng mã của tệp (không phải UTF-8, UTF-16 hay Windows-1258; "
            "có thể là TCVN3/VNI); hãy lưu lại tệp dưới dạng UTF-8",
            "unknown text encoding (not UTF-8, UTF-16 or cp1258)",
        )
    return text


def _reads_as_vietnamese(text: str) -> bool:
    """Single-byte text decoded as cp1258: real Windows-1258 yields Vietnamese letters and
    punctuation; TCVN3 or VNI bytes read that way yield symbols (¸ ¹ ®) and stray marks."""
    foreign = total = 0
    for ch in unicodedata.normalize("NFC", text):
        if ch.isascii():
            continue
        total += 1
        if ch not in _VIETNAMESE_LETTERS and unicodedata.category(ch)[0] not in "PZ":
            foreign += 1
    return foreign <= 0.05 * total


def _decode(data: bytes, encoding: str, document: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise IngestError(
            document,
            f"tệp bị lỗi bảng mã {encoding.upper()}",
            f"invalid {encoding} data: {exc.reason}",
        ) from exc


def _guess_utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text without BOM has a NUL in every other byte for ASCII-heavy content."""
    sample = data[:4000]
    if len(sample) < 4 or b"\x00" not in sample:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) / 2
    if odd_nuls > 0.3 * half and even_nuls < 0.05 * half:
        return "utf-16-le"
    if even_nuls > 0.3 * half and odd_nuls < 0.05 * half:
        return "utf-16-be"
    return None


def _load_text(path: Path) -> tuple[list[LoadedLine], bool]:
    text = decode_text(path.read_bytes(), document_name(path))
    # Form feeds only come from PDF-to-text converters: such text is hard-wrapped.
    return split_lines(text), "\f" in text


# -- PDF ------------------------------------------------------------------------------


# PDF extraction lives in `ingest.pdf` (text layer, extractors) and `ingest.pdf_tables`.


# -- scans and photos (OCR) ------------------------------------------------------------


def _ocr_document(path: Path, name: str, suffix: str, progress: ProgressCallback | None,
                  max_chars: int = DEFAULT_MAX_CHARS) -> LoadedDocument:
    from ingest.ocr import ocr_image_file, ocr_pdf

    reader = ocr_pdf if suffix == ".pdf" else ocr_image_file
    result = reader(path, name, progress=progress)
    texts = [(text, page.page) for page in result.pages for text in page.lines]
    lines = [LoadedLine(number=i, text=text, page=page) for i, (text, page) in enumerate(texts, start=1)]
    check_size(lines, name, max_chars)
    # The same gate as every format: recognised text that is too short or not Vietnamese is refused.
    quality = require_readable("\n".join(line.text for line in lines), name,
                               hint="văn bản này được nhận dạng từ bản quét (OCR); nếu đây là một kế hoạch, "
                                    "hãy quét lại rõ hơn (200 dpi trở lên)")
    return LoadedDocument(
        document=name,
        path=str(path),
        media_type=MEDIA_TYPES[suffix],
        lines=lines,
        from_pdf_text=True,  # recognised lines are hard-wrapped like a PDF's
        ocr=True,
        ocr_confidence=round(result.mean_confidence, 1),
        text_quality=quality.score,
        extractor="tesseract",
    )


# -- DOCX and legacy DOC ---------------------------------------------------------------


def _load_docx(path: Path, original: Path | None = None) -> tuple[list[LoadedLine], bool]:
    from ingest.docx import read_docx

    texts = read_docx(path, document_name(original or path))
    return [LoadedLine(number=i, text=t) for i, t in enumerate(texts, start=1)], False


def _load_doc(path: Path) -> tuple[list[LoadedLine], bool]:
    from ingest.docx import converted_from_doc

    with converted_from_doc(path, document_name(path)) as converted:
        return _load_docx(converted, original=path)
