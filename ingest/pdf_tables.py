"""One PDF page's text layer -> lines in reading order, tables rebuilt as tab-separated rows.

Word and LibreOffice print a table's ruling lines; pdfplumber finds the grid from them and
gives each cell's text (a cell wrapped over several printed lines comes back as one cell).
Each table row becomes one line of tab-separated cells, exactly what the DOCX loader and
the `.txt` plans give, so one table parser (`ingest.tables`) reads every format:
  * a merged cell's text appears once, in its first column, the columns it covers stay empty;
  * the header row a long table repeats on each page comes out on each page (the table
    parser skips the copies);
  * a row broken across a page break comes out as two rows, the second with an empty number
    cell on the next page (the table parser appends it to the row above).
Text outside tables is rebuilt line by line from word positions: a wide horizontal gap
(a tab stop, a right-hand column such as the signer's block) becomes a column gap of five
spaces, which normalisation splits on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A horizontal gap wider than this many font sizes separates columns, not words
# (a justified line stretches its spaces to about one font size at most).
_COLUMN_GAP_EM = 2.0
COLUMN_GAP = "     "


@dataclass(frozen=True)
class PageLine:
    top: float
    text: str


# A printed line ending in a hyphen glued to a word ("QĐ-" / "UBND") or one starting with
# one ("NĐ" / "-CP") is a wrap inside a compound code: re-join it without a space.
_HYPHEN_WRAP_RE = re.compile(r"(?<=\w-)\n|\n(?=-\w)")


def _cell_text(text: str | None) -> str:
    text = _HYPHEN_WRAP_RE.sub("", (text or "").replace("\t", " "))
    return " ".join(text.split())


def _table_lines(table) -> list[PageLine]:
    lines: list[PageLine] = []
    for row, cells in zip(table.rows, table.extract(x_tolerance=1.5, y_tolerance=2)):
        texts = [_cell_text(cell) for cell in cells]
        if any(texts):
            lines.append(PageLine(top=row.bbox[1], text="\t".join(texts)))
    return lines


def _word_lines(words: list[dict]) -> list[PageLine]:
    """Group words into printed lines by vertical overlap; mark wide gaps as column gaps."""
    rows: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if rows:
            last = rows[-1]
            anchor = last[0]
            overlap = min(anchor["bottom"], word["bottom"]) - max(anchor["top"], word["top"])
            if overlap > 0.5 * min(anchor["bottom"] - anchor["top"], word["bottom"] - word["top"]):
                last.append(word)
                continue
        rows.append([word])
    lines = []
    for row in rows:
        row.sort(key=lambda w: w["x0"])
        parts = [row[0]["text"]]
        for previous, word in zip(row, row[1:]):
            size = max(previous.get("size") or 0, word.get("size") or 0, 1.0)
            gap = word["x0"] - previous["x1"]
            parts.append(COLUMN_GAP if gap > _COLUMN_GAP_EM * size else " ")
            parts.append(word["text"])
        lines.append(PageLine(top=min(w["top"] for w in row), text="".join(parts)))
    return lines


def _is_grid(table) -> bool:
    """A real table: at least two columns and two rows (a framed paragraph is not one)."""
    return len(table.rows) >= 2 and max(len(row.cells) for row in table.rows) >= 2


def page_lines(page) -> list[str]:
    """The lines of one pdfplumber page, prose and table rows in top-to-bottom order."""
    tables = [t for t in page.find_tables() if _is_grid(t)]
    outside = page
    for table in tables:
        outside = outside.outside_bbox(table.bbox)
    words = outside.extract_words(x_tolerance=1.5, y_tolerance=2, keep_blank_chars=False,
                                  extra_attrs=["size"])
    lines = _word_lines(words)
    for table in tables:
        lines.extend(_table_lines(table))
    lines.sort(key=lambda line: line.top)
    return [line.text for line in lines]
