"""OCR for scans and photos of plans: PDF pages without a text layer, .png/.jpg/.tif images.

Tesseract (the `tesseract` binary with the `vie` language, Debian's tesseract-ocr and
tesseract-ocr-vie) reads each page; PDF pages are rendered with poppler's `pdftoppm`. Tesseract
gives words with their boxes (TSV output) but, on a table page, reads across the columns line
by line. The table is therefore rebuilt from geometry:

* ruling lines are found in the page image (long horizontal / vertical runs of dark pixels)
  and erased before recognition, so they are not read as "|" or "_";
* consecutive horizontal rules bound the rows; inside each row the vertical rules that cross
  it bound the cells (a group row whose title spans the columns has no inner rules there, so
  its text lands in its first cell, as a merged Word cell does);
* every word goes to the cell holding its centre; a cell's words are read line by line.

Each table row comes out as one tab-separated line (the convention every loader shares), text
outside tables as Tesseract's own lines, all in top-to-bottom order, with the page number.
Pages run in parallel (at most `max_workers`, two by default, each driving one single-threaded
Tesseract process) and report progress through a callback.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median

from ingest.errors import IngestError
from ingest.vntext import nfc

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".tif", ".tiff")
IMAGE_MEDIA_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                     ".tif": "image/tiff", ".tiff": "image/tiff"}
OCR_LANGUAGE = "vie"
RENDER_DPI = 200
PAGE_TIMEOUT_S = 120
INSTALL_HINT = "apt-get install tesseract-ocr tesseract-ocr-vie poppler-utils"

ProgressCallback = Callable[[int, int], None]  # (pages done, pages in all)

# A rule is a run of dark pixels at least this long (in pixels at 200 dpi; ~0.6 cm):
# far longer than any glyph stroke, shorter than the narrowest column ("STT").
_MIN_RULE_PX = 48
# Vertical rules may be short where a one-line header row sits on a group row that spans the
# columns; 30 px (~4 mm) is still taller than any stroke of 14 pt text.
_MIN_VERTICAL_RULE_PX = 30
_DARK = 140


@dataclass
class OcrWord:
    text: str
    left: int
    top: int
    width: int
    height: int
    conf: float
    line_key: tuple[int, int, int]  # (block, paragraph, line) as Tesseract grouped them

    @property
    def cx(self) -> float:
        return self.left + self.width / 2

    @property
    def cy(self) -> float:
        return self.top + self.height / 2


@dataclass
class OcrPage:
    page: int
    lines: list[str]
    words: int
    mean_confidence: float     # mean Tesseract word confidence, 0-100
    tables: int
    seconds: float


@dataclass
class OcrResult:
    pages: list[OcrPage] = field(default_factory=list)

    @property
    def words(self) -> int:
        return sum(p.words for p in self.pages)

    @property
    def mean_confidence(self) -> float:
        """Word-weighted mean confidence over all pages (0-100)."""
        total = self.words
        return sum(p.mean_confidence * p.words for p in self.pages) / total if total else 0.0


# -- availability -------------------------------------------------------------------------


def tesseract_languages() -> set[str]:
    binary = shutil.which("tesseract")
    if not binary:
        return set()
    try:
        out = subprocess.run([binary, "--list-langs"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return set()
    return {line.strip() for line in out.splitlines()[1:] if line.strip()}


def ocr_available() -> bool:
    return OCR_LANGUAGE in tesseract_languages()


def require_ocr(document: str, what: str) -> None:
    """Refuse clearly when Tesseract with Vietnamese is not installed."""
    if not shutil.which("tesseract"):
        raise IngestError(
            document,
            f"{what}; máy chưa cài Tesseract OCR để nhận dạng ký tự (cài: {INSTALL_HINT})",
            "needs OCR; tesseract is not installed",
        )
    if OCR_LANGUAGE not in tesseract_languages():
        raise IngestError(
            document,
            f"{what}; Tesseract chưa có dữ liệu tiếng Việt (cài: apt-get install tesseract-ocr-vie)",
            "needs OCR; tesseract has no 'vie' language data",
        )


# -- page geometry ------------------------------------------------------------------------


@dataclass
class _Table:
    rows: list[tuple[int, int]]                 # (top rule y, bottom rule y) per row
    columns: list[int]                          # x of every vertical rule, left to right
    cells: list[list[tuple[int, int, int]]]     # per row: (first column, x0, x1) per cell
    left: int
    right: int

    @property
    def top(self) -> int:
        return self.rows[0][0]

    @property
    def bottom(self) -> int:
        return self.rows[-1][1]


def _runs_mask(dark, axis: int, length: int):
    """Pixels that belong to a run of at least `length` dark pixels along `axis`."""
    import numpy as np

    a = dark if axis == 1 else dark.T
    h, w = a.shape
    if w < length:
        return np.zeros_like(dark)
    c = np.zeros((h, w + 1), dtype=np.int32)
    np.cumsum(a, axis=1, out=c[:, 1:])
    full = (c[:, length:] - c[:, :-length]) == length   # window [i, i+length) all dark
    # spread each full window back over its pixels: a pixel is covered if any window covers it
    d = np.zeros((h, w + 1), dtype=np.int32)
    d[:, : w - length + 1] += full
    d[:, length : w + 1] -= full
    covered = np.cumsum(d, axis=1)[:, :w] > 0
    return covered if axis == 1 else covered.T


def _groups(positions: Sequence[int], gap: int = 3) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for p in positions:
        if out and p - out[-1][1] <= gap:
            out[-1] = (out[-1][0], p)
        else:
            out.append((p, p))
    return out


def find_tables(gray) -> tuple[list[_Table], object]:
    """Ruled tables on a page image (2-D uint8 array) and the mask of their rules."""
    import numpy as np

    dark = gray < _DARK
    hmask = _runs_mask(dark, 1, _MIN_RULE_PX)
    vmask = _runs_mask(dark, 0, _MIN_VERTICAL_RULE_PX)
    height, width = gray.shape
    h_rows = np.nonzero(hmask.sum(axis=1) >= max(_MIN_RULE_PX * 2, width // 8))[0]
    v_cols = np.nonzero(vmask.sum(axis=0) >= _MIN_RULE_PX)[0]
    h_lines = [(a + b) // 2 for a, b in _groups(h_rows.tolist())]
    v_lines = [(a + b) // 2 for a, b in _groups(v_cols.tolist())]
    tables: list[_Table] = []
    if len(h_lines) < 2 or len(v_lines) < 2:
        return tables, hmask | vmask

    def crosses(x: int, y0: int, y1: int) -> float:
        band = vmask[y0 + 2 : max(y0 + 3, y1 - 1), max(0, x - 3) : x + 4]
        return float(band.any(axis=1).mean()) if band.size else 0.0

    # consecutive horizontal rules joined by at least two vertical rules form a row
    current: list[tuple[int, int]] = []
    for y0, y1 in zip(h_lines, h_lines[1:]):
        if y1 - y0 < 12:
            continue
        present = [x for x in v_lines if crosses(x, y0, y1) > 0.6]
        if len(present) >= 2:
            current.append((y0, y1))
        elif current:
            tables.append(_table(current, v_lines, crosses))
            current = []
    if current:
        tables.append(_table(current, v_lines, crosses))
    return [t for t in tables if t is not None], hmask | vmask


def _table(rows: list[tuple[int, int]], v_lines: list[int], crosses) -> _Table | None:
    used = sorted({x for y0, y1 in rows for x in v_lines if crosses(x, y0, y1) > 0.6})
    if len(used) < 2:
        return None
    cells = []
    for y0, y1 in rows:
        present = [x for x in used if crosses(x, y0, y1) > 0.6]
        cells.append([(used.index(a), a, b) for a, b in zip(present, present[1:])])
    return _Table(rows=rows, columns=used, cells=cells, left=used[0], right=used[-1])


# -- words to lines -------------------------------------------------------------------------


def parse_tsv(tsv: str) -> list[OcrWord]:
    words: list[OcrWord] = []
    for row in tsv.splitlines()[1:]:
        parts = row.split("\t")
        if len(parts) < 12 or parts[0] != "5":
            continue
        text = nfc(parts[11]).strip()
        try:
            conf = float(parts[10])
            left, top, width, height = (int(v) for v in parts[6:10])
            key = (int(parts[2]), int(parts[3]), int(parts[4]))
        except ValueError:
            continue
        if text and conf >= 0:
            words.append(OcrWord(text, left, top, width, height, conf, key))
    return words


def _read_lines(words: list[OcrWord]) -> list[list[OcrWord]]:
    """Words of one region grouped into visual lines (by vertical centre), each left to right."""
    if not words:
        return []
    tolerance = 0.5 * median(w.height for w in words)
    lines: list[list[OcrWord]] = []
    for word in sorted(words, key=lambda w: w.cy):
        if lines and abs(word.cy - sum(w.cy for w in lines[-1]) / len(lines[-1])) <= tolerance:
            lines[-1].append(word)
        else:
            lines.append([word])
    return [sorted(line, key=lambda w: w.left) for line in lines]


def _cell_text(words: list[OcrWord]) -> str:
    return " ".join(w.text for line in _read_lines(words) for w in line)


def layout_page(words: list[OcrWord], tables: list[_Table],
                number_words: dict[int, list[OcrWord]] | None = None,
                group_number: Callable[[_Table, int], str | None] | None = None) -> list[tuple[int, str]]:
    """(top y, text) lines of a page: tables as tab-separated rows, other words as lines.

    `number_words` replaces, per table, the words of a narrow first ("STT") column with those
    of a separate reading of that column; `group_number` reads the number of a group row (a
    number cell and one cell spanning the rest) when OCR did not give a roman numeral.
    """
    out: list[tuple[int, str]] = []
    free: list[OcrWord] = []
    buckets: dict[tuple[int, int, int], list[OcrWord]] = {}
    number_words = number_words or {}
    for t, table in enumerate(tables):
        if t in number_words:
            x0, x1 = table.columns[0], table.columns[1]
            words = [w for w in words if not (x0 <= w.cx <= x1 and table.top <= w.cy <= table.bottom)]
            words = words + number_words[t]
    for word in words:
        placed = False
        for t, table in enumerate(tables):
            if not (table.left <= word.cx <= table.right and table.top <= word.cy <= table.bottom):
                continue
            for r, (y0, y1) in enumerate(table.rows):
                if y0 <= word.cy <= y1:
                    for c, (column, x0, x1) in enumerate(table.cells[r]):
                        if x0 <= word.cx <= x1:
                            buckets.setdefault((t, r, c), []).append(word)
                            placed = True
                            break
                    break
            break
        if not placed:
            free.append(word)
    for t, table in enumerate(tables):
        width = len(table.columns) - 1
        for r, (y0, _) in enumerate(table.rows):
            cells = [""] * width
            for c, (column, _, _) in enumerate(table.cells[r]):
                cells[column] = _cell_text(buckets.get((t, r, c), []))
            if group_number and _is_group_row(table, r) and not _ROMAN_RE.match(cells[0]):
                cells[0] = group_number(table, r) or cells[0]
            if any(cells):
                out.append((y0, "\t".join(cells)))
    # text outside tables: Tesseract's own lines, split where it joined words of distinct rows
    by_line: dict[tuple[int, int, int], list[OcrWord]] = {}
    for word in free:
        by_line.setdefault(word.line_key, []).append(word)
    for group in by_line.values():
        for line in _read_lines(group):
            out.append((min(w.top for w in line), " ".join(w.text for w in line)))
    out.sort(key=lambda item: item[0])
    return out


_ROMAN_RE = re.compile(r"^(?=[IVXLC])M*(C[MD]|D?C{0,3})(X[CL]|L?X{0,3})(I[XV]|V?I{0,3})\.?$")


def _is_group_row(table: _Table, r: int) -> bool:
    """A number cell, then one cell spanning every other column."""
    cells = table.cells[r]
    return len(cells) == 2 and cells[0][0] == 0 and cells[1][2] == table.right and len(table.columns) > 3


def read_roman(cell) -> str | None:
    """A roman numeral (I, II, IV, VII, ...) read from a cell image by its glyphs' shapes.

    Tesseract reads a lone bold "I" as "1" and "II" as "H"; upright strokes, V and X are told
    apart by width and by how wide the glyph's foot is. None when a glyph fits none of them.
    """
    import numpy as np

    dark = cell < _DARK
    rows = np.nonzero(dark.any(axis=1))[0]
    if rows.size == 0:
        return None
    top, bottom = rows[0], rows[-1] + 1
    dark = dark[top:bottom]
    height = bottom - top
    columns = dark.any(axis=0)
    segments, start = [], None
    for x, filled in enumerate(list(columns) + [False]):
        if filled and start is None:
            start = x
        elif not filled and start is not None:
            segments.append((start, x))
            start = None
    letters = []
    for a, b in segments:
        glyph = dark[:, a:b]
        glyph_rows = np.nonzero(glyph.any(axis=1))[0]
        if glyph_rows.size == 0 or glyph_rows[-1] - glyph_rows[0] + 1 < 0.6 * height:
            continue  # a dot or a speck
        width = b - a
        if width < 0.7 * height:
            letters.append("I")
            continue
        foot = glyph[int(height * 0.75):]
        foot_cols = np.nonzero(foot.any(axis=0))[0]
        foot_width = (foot_cols[-1] - foot_cols[0] + 1) if foot_cols.size else 0
        letters.append("V" if foot_width < 0.55 * width else "X")
    text = "".join(letters)
    return text if text and _ROMAN_RE.match(text) else None


# -- running Tesseract ----------------------------------------------------------------------


def _tesseract_tsv(image: Path, psm: int = 3, timeout: float = PAGE_TIMEOUT_S) -> str:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")  # one core per page; pages run in parallel
    try:
        done = subprocess.run(
            ["tesseract", str(image), "stdout", "-l", OCR_LANGUAGE, "--psm", str(psm), "tsv"],
            capture_output=True, text=True, timeout=timeout, env=env, check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"tesseract timed out after {timeout:.0f}s") from exc
    if done.returncode != 0:
        raise RuntimeError(f"tesseract failed: {done.stderr.strip()[:200]}")
    return done.stdout


def ocr_image(gray, page: int, workdir: Path) -> OcrPage:
    """OCR one page image (2-D uint8 array): rules found and erased, words placed in cells."""
    import numpy as np
    from PIL import Image

    start = time.perf_counter()
    tables, rules = find_tables(gray)
    cleaned = gray.copy()
    cleaned[rules] = 255
    path = workdir / f"page-{page}.png"
    Image.fromarray(np.ascontiguousarray(cleaned)).save(path, dpi=(RENDER_DPI, RENDER_DPI))
    words = parse_tsv(_tesseract_tsv(path))
    number_words: dict[int, list[OcrWord]] = {}
    for t, table in enumerate(tables):
        x0, x1 = table.columns[0], table.columns[1]
        if len(table.columns) > 3 and x1 - x0 < 0.12 * (table.right - table.left):
            # a narrow "STT" column: lone numbers are often dropped by the page layout analysis,
            # read as one block they are not
            strip = workdir / f"page-{page}-t{t}.png"
            Image.fromarray(np.ascontiguousarray(cleaned[table.top:table.bottom, x0:x1])).save(strip)
            number_words[t] = [
                OcrWord(w.text, w.left + x0, w.top + table.top, w.width, w.height, w.conf, (-1 - t, 0, 0))
                for w in parse_tsv(_tesseract_tsv(strip, psm=6))
            ]

    def group_number(table: _Table, r: int) -> str | None:
        (y0, y1), (_, x0, x1) = table.rows[r], table.cells[r][0]
        return read_roman(cleaned[y0 + 2 : y1 - 1, x0 + 2 : x1 - 1])

    lines = [text for _, text in layout_page(words, tables, number_words, group_number)]
    words = [w for w in words if all(not (tb.columns[0] <= w.cx <= tb.columns[1] and tb.top <= w.cy <= tb.bottom)
                                     for t, tb in enumerate(tables) if t in number_words)]
    words += [w for found in number_words.values() for w in found]
    confidence = sum(w.conf for w in words) / len(words) if words else 0.0
    return OcrPage(page=page, lines=lines, words=len(words), mean_confidence=round(confidence, 1),
                   tables=len(tables), seconds=round(time.perf_counter() - start, 2))


def _render_pdf_page(pdf: Path, page: int, workdir: Path, dpi: int = RENDER_DPI):
    import numpy as np
    from PIL import Image

    prefix = workdir / f"render-{page}"
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-f", str(page), "-l", str(page), "-singlefile",
                    "-png", str(pdf), str(prefix)], check=True, capture_output=True, timeout=PAGE_TIMEOUT_S)
    with Image.open(f"{prefix}.png") as image:
        return np.asarray(image.convert("L"))


def _image_frames(path: Path):
    """Every frame of an image file (multi-page TIFF) as a grey array, scaled to ~200 dpi."""
    import numpy as np
    from PIL import Image, ImageSequence

    frames = []
    with Image.open(path) as image:
        for frame in ImageSequence.Iterator(image):
            gray = frame.convert("L")
            dpi = frame.info.get("dpi", (RENDER_DPI, RENDER_DPI))[0] or RENDER_DPI
            if dpi and abs(float(dpi) - RENDER_DPI) > 20 and 50 <= float(dpi) <= 1200:
                scale = RENDER_DPI / float(dpi)
                gray = gray.resize((max(1, int(gray.width * scale)), max(1, int(gray.height * scale))))
            frames.append(np.asarray(gray))
    return frames


def _run_pages(jobs: list[Callable[[Path], OcrPage]], progress: ProgressCallback | None,
               max_workers: int | None) -> OcrResult:
    workers = max(1, min(max_workers or min(2, os.cpu_count() or 1), len(jobs)))
    result = OcrResult()
    done = 0
    if progress:
        progress(0, len(jobs))
    with tempfile.TemporaryDirectory(prefix="cchc-ocr-") as tmp:
        workdir = Path(tmp)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(job, workdir) for job in jobs]
            for future in futures:
                result.pages.append(future.result())
                done += 1
                if progress:
                    progress(done, len(jobs))
    return result


def ocr_pdf(path: str | Path, document: str, *, progress: ProgressCallback | None = None,
            max_workers: int | None = None, max_pages: int | None = None) -> OcrResult:
    """OCR every page of a PDF that has no text layer."""
    from pypdf import PdfReader

    path = Path(path)
    require_ocr(document, "tệp PDF không có lớp văn bản (bản quét ảnh), cần nhận dạng ký tự (OCR)")
    if not shutil.which("pdftoppm"):
        raise IngestError(document, f"cần poppler-utils (pdftoppm) để đọc bản quét PDF (cài: {INSTALL_HINT})",
                          "pdftoppm is not installed")
    count = len(PdfReader(str(path)).pages)
    if max_pages is not None and count > max_pages:
        raise IngestError(document, f"bản quét có {count} trang, quá giới hạn {max_pages} trang để nhận dạng (OCR)",
                          "too many pages to OCR")

    def job(page: int) -> Callable[[Path], OcrPage]:
        return lambda workdir: ocr_image(_render_pdf_page(path, page, workdir), page, workdir)

    return _checked(_guard(document, lambda: _run_pages([job(p) for p in range(1, count + 1)], progress, max_workers)),
                    document)


def ocr_image_file(path: str | Path, document: str, *, progress: ProgressCallback | None = None,
                   max_workers: int | None = None) -> OcrResult:
    """OCR a photo or scan saved as an image (.png/.jpg/.tif; every page of a multi-page TIFF)."""
    path = Path(path)
    require_ocr(document, "tệp ảnh cần nhận dạng ký tự (OCR)")
    try:
        frames = _image_frames(path)
    except (OSError, ValueError, SyntaxError) as exc:
        raise IngestError(document, "không đọc được tệp ảnh (tệp hỏng?)", f"unreadable image: {exc}") from exc

    def job(index: int) -> Callable[[Path], OcrPage]:
        return lambda workdir: ocr_image(frames[index], index + 1, workdir)

    return _checked(_guard(document, lambda: _run_pages([job(i) for i in range(len(frames))], progress, max_workers)),
                    document)


def _guard(document: str, run: Callable[[], OcrResult]) -> OcrResult:
    try:
        return run()
    except (RuntimeError, subprocess.SubprocessError, OSError) as exc:
        raise IngestError(document, "nhận dạng ký tự (OCR) thất bại", str(exc)) from exc


def _checked(result: OcrResult, document: str) -> OcrResult:
    if not any(line.strip() for page in result.pages for line in page.lines):
        raise IngestError(
            document,
            "bản quét không có chữ đọc được sau khi nhận dạng ký tự (OCR); hãy quét lại rõ hơn (200 dpi trở lên)",
            "OCR found no text",
        )
    return result
