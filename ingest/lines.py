"""Text -> numbered lines (pages kept): the one line model every loader and the normaliser use."""

from __future__ import annotations

import re

from ingest.models import LoadedLine

_NEWLINE_RE = re.compile(r"\r\n|\r|\n")


def split_lines(text: str, first_page: int | None = None) -> list[LoadedLine]:
    """Split text into numbered lines. A form feed (pdftotext's page break) starts a new page."""
    pages = text.split("\f")
    paged = first_page is not None or len(pages) > 1
    lines: list[LoadedLine] = []
    number = 0
    for index, page_text in enumerate(pages):
        page = (first_page or 1) + index if paged else None
        parts = _NEWLINE_RE.split(page_text)
        if index < len(pages) - 1 and parts and parts[-1] == "":
            parts = parts[:-1]  # "...\n\f" ends the page, it is not an extra blank line
        for part in parts:
            number += 1
            lines.append(LoadedLine(number=number, text=part, page=page))
    if lines and lines[-1].text == "" and text.endswith(("\n", "\r")):
        lines.pop()  # the final newline does not open a line
    return lines
