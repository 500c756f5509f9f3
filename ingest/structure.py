"""Structure: normalised lines -> Blocks placed in the plan's heading tree.

Regions, in document order:
  * preamble: everything before the plan body (motto, number/date, title, "Căn cứ ...",
    and any decision that wraps the plan: its "Điều 1./Điều 2." are not headings). The body
    starts at the first roman heading after the plan's own "KẾ HOẠCH" title line (or, for a
    plan without roman numerals, at its first numbered heading);
  * body: headings build the section path; everything else is a paragraph or list item;
  * signature: from "Nơi nhận" (or a "KT./TM. ..." / "CHỦ TỊCH" line) to the next structural
    line; holds recipients, the signer's title and name;
  * appendix: from a "PHỤ LỤC" line on; its table rows become table_header / table_row
    blocks with `cells`, grouped under the roman group rows ("I", "Cải cách thể chế").
Motto and agency header lines ("CỘNG HÒA XÃ HỘI ...", "ỦY BAN NHÂN DÂN / XÃ ...") are
preamble blocks wherever they occur (an appendix often repeats them).

Heading rules (body only, line starts):
  * `I.` .. `XX.` roman -> top level, always a heading;
  * `1.` -> level below roman; `2.1.` / `2.1` one level deeper per number part;
  * `a)` .. `đ)` -> below the numbered levels;
  * an arabic or letter line is a heading only when it reads like a title: at most
    150 characters and not ending in `.`, `;`, `!` or `?` (or written in capitals).
    Otherwise it is a numbered paragraph ("1. Kinh phí thực hiện ... theo quy định.")
    that stays in the current section.
  * bullets `-`, `+`, `•` ... are list items; they never open sections.
Section path labels keep the plan's wording (emphasis already stripped by normalise),
without a trailing colon.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from ingest.models import Block, BlockKind, SectionPath
from ingest.normalise import (
    ARABIC_HEADING_RE,
    BULLET_RE,
    MOTTO_RE,
    SIGNATURE_TITLE_RE,
    heading_marker,
    is_upper_text,
)
from ingest.vntext import fold

APPENDIX_LABEL = "Phụ lục"
_MAX_HEADING_CHARS = 150
_APPENDIX_RE = re.compile(r"^(?:PHỤ LỤC|Phụ lục)\b[\s:.-]*(.*)$")
_APPENDIX_NUMBER_RE = re.compile(r"^((?:số\s+|SỐ\s+)?(?:[IVX]{1,5}|\d{1,2}|[A-Z]))\b", re.IGNORECASE)
_PLAN_TITLE_RE = re.compile(r"^KẾ HOẠCH\s*:?$")
_AGENCY_RE = re.compile(r"^(?:ỦY|UỶ) BAN NHÂN DÂN(?:\s+(?:XÃ|HUYỆN|TỈNH|PHƯỜNG|THỊ TRẤN|THÀNH PHỐ)\b.*)?$")
_AGENCY_UNIT_RE = re.compile(r"^(?:XÃ|Xã|HUYỆN|TỈNH|PHƯỜNG|THỊ TRẤN|THÀNH PHỐ)\s+(\S.*)$")
_SIGNER_TITLE_ONLY_RE = re.compile(r"^(?:PHÓ\s+)?CHỦ TỊCH$")
_ROMAN_CELL_RE = re.compile(r"^([IVX]{1,5})\.?$")
_ROMAN_PREFIX_CELL_RE = re.compile(r"^([IVX]{1,5})\.?\s+(\S.*)$")
_HEADER_TERMS = (
    "stt", "tt", "so tt", "so thu tu", "nhiem vu", "noi dung", "ten nhiem vu", "hoat dong",
    "san pham", "ket qua", "chu tri", "phoi hop", "thoi gian", "thoi han", "tien do",
    "muc tieu", "don vi", "co quan", "theo doi", "ghi chu", "kinh phi", "trach nhiem",
)
_FIRST_HEADER_CELLS = {"stt", "tt", "so tt", "so thu tu"}
_TERMINAL_RE = re.compile(r"[.;!?][\"”’)\]]*$")


class LineLike(Protocol):
    text: str
    line_start: int
    line_end: int
    page: int | None


# -- line tests shared with metadata --------------------------------------------------


def is_boilerplate(text: str) -> bool:
    """National motto or an agency header line ("ỦY BAN NHÂN DÂN", "XÃ DI LINH")."""
    if MOTTO_RE.match(text) or _AGENCY_RE.match(text):
        return True
    unit = _AGENCY_UNIT_RE.match(text)
    return bool(unit and is_upper_text(unit.group(1)) and len(text) <= 60)


def is_appendix_start(text: str) -> bool:
    match = _APPENDIX_RE.match(text)
    if not match or len(text) > 120:
        return False
    # "Phụ lục" in sentence case only counts on a line of its own (or with its number).
    return text.startswith("PHỤ LỤC") or not match.group(1) or bool(_APPENDIX_NUMBER_RE.fullmatch(match.group(1)))


def appendix_label(text: str) -> str:
    match = _APPENDIX_RE.match(text)
    rest = match.group(1) if match else ""
    number = _APPENDIX_NUMBER_RE.match(rest)
    if number:
        return f"{APPENDIX_LABEL} {number.group(1).lower() if number.group(1).lower().startswith('số') else number.group(1)}"
    return APPENDIX_LABEL


def is_signature_start(text: str) -> bool:
    return text.startswith("Nơi nhận") or bool(SIGNATURE_TITLE_RE.match(text) and is_upper_text(text)) \
        or bool(_SIGNER_TITLE_ONLY_RE.match(text))


def is_plan_title(text: str) -> bool:
    return bool(_PLAN_TITLE_RE.match(text))


def reads_like_title(text: str) -> bool:
    """Heading-style numbered line rather than a numbered paragraph (see module docstring)."""
    if is_upper_text(text):
        return True
    return len(text) <= _MAX_HEADING_CHARS and not _TERMINAL_RE.search(text)


def heading_rank(text: str) -> int | None:
    """Nesting rank of a heading line: 1 roman, 2 `1.`, 3 `2.1.`, ..., 10 `a)`; None if not one."""
    marker = heading_marker(text)
    if marker == "roman":
        return 1
    if marker == "arabic":
        if not reads_like_title(text):
            return None
        number = ARABIC_HEADING_RE.match(text).group(1)
        return 1 + len(number.split("."))
    if marker == "letter":
        return 10 if reads_like_title(text) else None
    return None


def path_label(text: str) -> str:
    return text.rstrip().rstrip(":").rstrip()


# -- tables ---------------------------------------------------------------------------


def split_cells(text: str) -> list[str]:
    return [cell.strip() for cell in text.split("\t")]


def is_header_row(cells: Sequence[str]) -> bool:
    filled = [fold(c).strip(" .:") for c in cells if c.strip()]
    if len(filled) < 2 or any(len(c) > 60 for c in filled) or filled[0].isdigit():
        return False
    matches = sum(1 for c in filled if any(c == t or c.startswith((t + " ", t + "/", t + ",")) for t in _HEADER_TERMS))
    return (filled[0] in _FIRST_HEADER_CELLS and matches >= 2) or matches >= 3


def group_label(cells: Sequence[str]) -> str | None:
    """'I. Cải cách thể chế' for a group row of an appendix table, else None."""
    filled = [c for c in cells if c.strip()]
    if not filled:
        return None
    first = cells[0].strip()
    roman = _ROMAN_CELL_RE.match(first)
    if roman and len(filled) >= 2:
        return f"{roman.group(1)}. {filled[1]}"
    prefixed = _ROMAN_PREFIX_CELL_RE.match(first) if first else None
    if prefixed and len(first) <= 150:
        return f"{prefixed.group(1)}. {prefixed.group(2)}"
    return None


# -- the parser -----------------------------------------------------------------------


def find_body_start(lines: Sequence[LineLike]) -> int:
    """Index of the first line of the plan body (see module docstring)."""
    texts = [line.text for line in lines]
    title = next((i for i, t in enumerate(texts) if is_plan_title(t)), -1)
    for wanted in ("roman", "arabic"):
        for index in range(title + 1, len(texts)):
            text = texts[index]
            if "\t" in text:
                continue
            if heading_marker(text) == wanted and heading_rank(text) is not None:
                return index
    return title + 1


def parse_structure(lines: Sequence[LineLike]) -> list[Block]:
    """One Block per normalised line, with kind, section path and appendix flag."""
    blocks: list[Block] = []
    body_start = find_body_start(lines)
    stack: list[tuple[int, str]] = []  # (rank, label) of open headings
    in_signature = False
    in_appendix = False
    appendix_path: SectionPath = ()
    group: str | None = None

    def add(line: LineLike, kind: BlockKind, path: SectionPath, *, level: int = 0,
            cells: list[str] | None = None, appendix: bool = False) -> None:
        blocks.append(Block(kind=kind, text=line.text, section_path=path, line_start=line.line_start,
                            line_end=line.line_end, page=line.page, level=level, cells=cells,
                            in_appendix=appendix))

    for index, line in enumerate(lines):
        text = line.text
        in_body = index >= body_start

        if "\t" in text:
            in_signature = False
            cells = split_cells(text)
            if in_appendix:
                label = group_label(cells)
                if label:
                    group = label
                path = appendix_path + ((group,) if group else ())
            else:
                path = tuple(label for _, label in stack)
            kind: BlockKind = "table_header" if is_header_row(cells) else "table_row"
            add(line, kind, path, cells=cells, appendix=in_appendix)
            continue

        if is_boilerplate(text) or (in_body and is_plan_title(text)):
            in_signature = False
            add(line, "preamble", (), appendix=in_appendix)
            continue

        if in_body and is_appendix_start(text):
            in_signature = False
            in_appendix = True
            stack.clear()
            group = None
            appendix_path = (appendix_label(text),)
            add(line, "heading", appendix_path, level=1, appendix=True)
            continue

        if in_signature and not (in_body and heading_marker(text) == "roman"):
            add(line, "signature", (), appendix=in_appendix)
            continue
        if is_signature_start(text) and not in_appendix:
            in_signature = True
            add(line, "signature", ())
            continue

        if not in_body:
            add(line, "preamble", ())
            continue

        in_signature = False
        if in_appendix:
            rank = 2 if heading_marker(text) == "roman" else None
            if rank:
                group = path_label(text)
                add(line, "heading", appendix_path + (group,), level=2, appendix=True)
            else:
                kind = "list_item" if BULLET_RE.match(text) else "paragraph"
                add(line, kind, appendix_path + ((group,) if group else ()), appendix=True)
            continue

        rank = heading_rank(text)
        if rank is not None:
            while stack and stack[-1][0] >= rank:
                stack.pop()
            stack.append((rank, path_label(text)))
            path = tuple(label for _, label in stack)
            add(line, "heading", path, level=len(path))
            continue

        path = tuple(label for _, label in stack)
        add(line, "list_item" if BULLET_RE.match(text) else "paragraph", path)
    return blocks


def list_depth(text: str) -> int:
    """1 for "- item", 2 for "+ item" / "◦ item", 0 for anything else."""
    match = BULLET_RE.match(text)
    if not match:
        return 0
    return 2 if match.group(1) in "+◦" else 1


__all__ = [
    "APPENDIX_LABEL",
    "appendix_label",
    "find_body_start",
    "group_label",
    "heading_rank",
    "is_appendix_start",
    "is_boilerplate",
    "is_header_row",
    "is_plan_title",
    "is_signature_start",
    "list_depth",
    "parse_structure",
    "path_label",
    "reads_like_title",
    "split_cells",
]
