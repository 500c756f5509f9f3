"""Build Word, PDF and scanned renditions of the bundled plans, as communes publish them.

Each plan in data/plans/*.txt is read through the ingest pipeline (to know its headings,
lists, letterhead, signature and appendix tables) and written back as a .docx the way a
commune office types it in Word:

* letterhead: a borderless two-column table (left "ỦY BAN NHÂN DÂN / XÃ … / Số: …", right the
  national motto and "<nơi>, ngày … tháng … năm …");
* headings "I." / "1." / "2.1." / "a)" and bullets "-" / "+" by Word's automatic numbering:
  the number lives in numbering.xml, never in the paragraph text;
* appendix tables as real Word tables: a repeated header row, cells that wrap (several
  paragraphs where a cell lists items), group rows as merged cells, activities sharing a
  number/goal as vertically merged cells;
* signature block: a borderless two-column table ("Nơi nhận: …" | "TM./KT. … / CHỦ TỊCH / name").

Then every .docx is exported to PDF with LibreOffice, and a few appendix pages of one plan are
rasterised at 200 dpi into PNG files and an image-only PDF (a "scan"). A manifest lists, for
every scanned page, the table tasks the .txt holds on it, so OCR can be scored.

Usage: python scripts/make_renditions.py [--out tests/fixtures/renditions] [--scan-plan di-linh_2026-2030]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from docx import Document  # noqa: E402
from docx.enum.section import WD_ORIENT  # noqa: E402
from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: E402
from docx.oxml import OxmlElement  # noqa: E402
from docx.oxml.ns import qn  # noqa: E402
from docx.shared import Cm, Pt  # noqa: E402

from ingest.models import Block, ParsedPlan, TaskRecord  # noqa: E402
from ingest.normalise import BULLET_RE, MOTTO_RE, NUMBER_LINE_RE, PLACE_DATE_RE  # noqa: E402
from ingest.pipeline import parse_file  # noqa: E402
from ingest.tables import map_header  # noqa: E402

CORPUS = REPO / "data" / "plans"
DEFAULT_OUT = REPO / "tests" / "fixtures" / "renditions"
FONT = "Times New Roman"

_AGENCY_LINE_RE = re.compile(r"^(?:ỦY|UỶ) BAN NHÂN DÂN\b|^(?:XÃ|Xã|HUYỆN|TỈNH|PHƯỜNG)\s+\S")
_ROMAN_RE = re.compile(r"^([IVXLC]+)\.\s+(\S.*)$")
_TWO_PART_RE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.\s+(\S.*)$")
_DECIMAL_RE = re.compile(r"^(\d{1,2})\.\s+(\S.*)$")
_LETTER_RE = re.compile(r"^([a-z])\)\s+(\S.*)$")
_SIGNER_TITLE_SPLIT_RE = re.compile(r"\s+(?=(?:PHÓ\s+)?CHỦ TỊCH$)")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}

# The heading list: one multilevel definition, as Word's "1. / a)" outline lists are made.
# (numFmt, lvlText) per level; level 2 shows its parent's number ("2.1.").
HEADING_LEVELS = [("upperRoman", "%1."), ("decimal", "%2."), ("decimal", "%2.%3."), ("lowerLetter", "%4)")]
BULLET_LEVELS = [("bullet", "-"), ("bullet", "+")]


def roman_value(text: str) -> int:
    total = 0
    for i, ch in enumerate(text):
        value = _ROMAN_VALUES[ch]
        nxt = _ROMAN_VALUES[text[i + 1]] if i + 1 < len(text) else 0
        total += -value if value < nxt else value
    return total


def to_roman(value: int) -> str:
    out = []
    for number, numeral in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                            (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while value >= number:
            out.append(numeral)
            value -= number
    return "".join(out)


def render_number(value: int, fmt: str) -> str:
    if fmt == "upperRoman":
        return to_roman(value)
    if fmt == "lowerLetter":
        return chr(ord("a") + (value - 1) % 26)
    return str(value)


def split_marker(text: str) -> tuple[int, int, str] | None:
    """(level, value, text without the marker) for a line that starts with a heading number."""
    if m := _ROMAN_RE.match(text):
        if all(ch in _ROMAN_VALUES for ch in m.group(1)):
            return 0, roman_value(m.group(1)), m.group(2)
    if m := _TWO_PART_RE.match(text):
        return 2, int(m.group(2)), m.group(3)
    if m := _DECIMAL_RE.match(text):
        return 1, int(m.group(1)), m.group(2)
    if m := _LETTER_RE.match(text):
        return 3, ord(m.group(1)) - ord("a") + 1, m.group(2)
    return None


# -- numbering.xml ----------------------------------------------------------------------


@dataclass
class _ListInstance:
    num_id: int
    starts: list[int]
    counters: list[int] = field(default_factory=lambda: [0] * 9)  # 0 = level not used yet

    def peek(self, level: int, levels: list[tuple[str, str]]) -> str:
        """The label the next paragraph at `level` would get (Word's rules, as the reader has them)."""
        counters = list(self.counters)
        counters[level] = counters[level] + 1 if counters[level] else self.starts[level]
        return self._label(level, counters, levels)

    def advance(self, level: int) -> None:
        self.counters[level] = self.counters[level] + 1 if self.counters[level] else self.starts[level]
        for deeper in range(level + 1, 9):
            self.counters[deeper] = 0

    def _label(self, level: int, counters: list[int], levels: list[tuple[str, str]]) -> str:
        fmt, template = levels[level]

        def sub(match: re.Match[str]) -> str:
            k = int(match.group(1)) - 1
            return render_number(counters[k] or self.starts[k], levels[k][0])

        return re.sub(r"%(\d)", sub, template)


class Numbering:
    """Writes abstractNum/num definitions into the document's numbering part.

    A heading list restarts (a new definition whose levels start where the plan's numbers
    continue) only where the plan's own numbering departs from Word's automatic sequence.
    """

    def __init__(self, document) -> None:
        self.root = document.part.numbering_part.element
        for child in list(self.root):
            self.root.remove(child)  # the template's sample definitions
        self.next_id = 1
        self.restarts = 0
        self.heading = self._new_list(HEADING_LEVELS, [1] * 9)
        self.bullets = self._new_list(BULLET_LEVELS, [1] * 9)

    def _new_list(self, levels: list[tuple[str, str]], starts: list[int]) -> _ListInstance:
        ident = self.next_id
        self.next_id += 1
        abstract = OxmlElement("w:abstractNum")
        abstract.set(qn("w:abstractNumId"), str(ident))
        multi = OxmlElement("w:multiLevelType")
        multi.set(qn("w:val"), "multilevel" if len(levels) > 2 else "hybridMultilevel")
        abstract.append(multi)
        for ilvl, (fmt, text) in enumerate(levels):
            lvl = OxmlElement("w:lvl")
            lvl.set(qn("w:ilvl"), str(ilvl))
            for tag, value in (("w:start", str(starts[ilvl])), ("w:numFmt", fmt), ("w:suff", "space"),
                               ("w:lvlText", text), ("w:lvlJc", "left")):
                el = OxmlElement(tag)
                el.set(qn("w:val"), value)
                lvl.append(el)
            ppr = OxmlElement("w:pPr")
            ind = OxmlElement("w:ind")
            ind.set(qn("w:left"), "0")
            ind.set(qn("w:firstLine"), "567")
            ppr.append(ind)
            lvl.append(ppr)
            abstract.append(lvl)
        # abstractNum elements precede every num element in numbering.xml
        nums = self.root.findall(qn("w:num"))
        if nums:
            nums[0].addprevious(abstract)
        else:
            self.root.append(abstract)
        num = OxmlElement("w:num")
        num.set(qn("w:numId"), str(ident))
        ref = OxmlElement("w:abstractNumId")
        ref.set(qn("w:val"), str(ident))
        num.append(ref)
        self.root.append(num)
        instance = _ListInstance(ident, starts[:] + [1] * (9 - len(starts)))
        instance.levels = levels  # type: ignore[attr-defined]
        return instance

    def heading_num(self, level: int, value: int, marker: str) -> int | None:
        """numId for a heading whose written number is `marker` ("I.", "2.1.", "a)") at `level`,
        or None when Word's list cannot produce that number."""
        current = self.heading
        if current.peek(level, HEADING_LEVELS) != marker:
            if level == 2:
                return None  # a "2.1." under a different "2." cannot be produced by the list
            # a new definition: ancestors start at their current numbers (shown by "%2.%3."),
            # this level at the plan's number
            starts = [c or 1 for c in current.counters[:level]] + [value] + [1] * (8 - level)
            self.heading = self._new_list(HEADING_LEVELS, starts)
            self.restarts += 1
            current = self.heading
            if current.peek(level, HEADING_LEVELS) != marker:
                return None
        current.advance(level)
        return current.num_id


def set_numbering(paragraph, num_id: int, level: int) -> None:
    num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
    num_pr.get_or_add_ilvl().val = level
    num_pr.get_or_add_numId().val = num_id


# -- tables -------------------------------------------------------------------------------


def borderless(table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    # schema order: tblBorders comes before shd, tblLayout, tblCellMar and tblLook
    later = [tbl_pr.find(qn(f"w:{tag}")) for tag in ("shd", "tblLayout", "tblCellMar", "tblLook")]
    following = next((el for el in later if el is not None), None)
    if following is not None:
        following.addprevious(borders)
    else:
        tbl_pr.append(borders)


def fill_cell(cell, lines: list[str], *, bold: bool = False, italic_last: bool = False,
              align=WD_ALIGN_PARAGRAPH.CENTER, size: int | None = None) -> None:
    cell.text = ""
    for i, line in enumerate(lines):
        paragraph = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        paragraph.alignment = align
        run = paragraph.add_run(line)
        run.bold = bold
        run.italic = italic_last and i == len(lines) - 1
        if size:
            run.font.size = Pt(size)


def set_widths(table, widths_cm: list[float]) -> None:
    """Column widths in the grid (what LibreOffice and Word lay out by) and in every cell."""
    table.autofit = False
    for col, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths_cm):
        col.set(qn("w:w"), str(int(Cm(width).twips)))
    for row in table.rows:
        for i, tc in enumerate(row._tr.tc_lst):
            span = tc.grid_span
            start = sum(c.grid_span for c in row._tr.tc_lst[:i])
            tc.width = Cm(sum(widths_cm[start:start + span]))


def repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    tr_pr.append(el)


# -- the document -------------------------------------------------------------------------


@dataclass
class Rendition:
    plan: str
    docx: Path
    table_rows: int = 0
    heading_restarts: int = 0
    literal_markers: list[str] = field(default_factory=list)


def _is_letterhead(block: Block) -> bool:
    text = block.text.strip()
    return block.kind == "preamble" and bool(
        _AGENCY_LINE_RE.match(text) or MOTTO_RE.match(text) or NUMBER_LINE_RE.match(text)
        or PLACE_DATE_RE.match(text)
    )


class Writer:
    def __init__(self, plan: ParsedPlan, style: int) -> None:
        self.plan = plan
        self.style = style  # varies the letterhead layout between plans (1 or 2 rows)
        self.doc = Document()
        normal = self.doc.styles["Normal"]
        normal.font.name = FONT
        normal.font.size = Pt(13)
        normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
        section = self.doc.sections[0]
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.left_margin, section.right_margin = Cm(3), Cm(2)
        section.top_margin = section.bottom_margin = Cm(2)
        self.numbering = Numbering(self.doc)
        self.info = Rendition(plan=plan.document, docx=Path())
        self.first_letterhead = True

    # ---------------------------------------------------------------- pieces
    def letterhead(self, blocks: list[Block]) -> None:
        meta = self.plan.metadata
        texts = [b.text.strip() for b in blocks]
        left = [t for t in texts if _AGENCY_LINE_RE.match(t)]
        number = [t for t in texts if NUMBER_LINE_RE.match(t)]
        right = [t for t in texts if MOTTO_RE.match(t)]
        place = [t for t in texts if PLACE_DATE_RE.match(t)]
        if self.first_letterhead:
            if not left:
                left = ["ỦY BAN NHÂN DÂN", f"XÃ {meta.commune.upper()}"] if meta.commune else ["ỦY BAN NHÂN DÂN"]
            if not right:
                right = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
        self.first_letterhead = False
        if self.style == 2 and (number or place):
            table = self.doc.add_table(rows=2, cols=2)
            fill_cell(table.cell(0, 0), left, bold=True)
            fill_cell(table.cell(0, 1), right, bold=True)
            fill_cell(table.cell(1, 0), number)
            fill_cell(table.cell(1, 1), place, italic_last=True)
        else:
            table = self.doc.add_table(rows=1, cols=2)
            fill_cell(table.cell(0, 0), left + number, bold=False)
            fill_cell(table.cell(0, 1), right + place, italic_last=bool(place))
        borderless(table)
        set_widths(table, [6.0, 10.0])
        self.doc.add_paragraph()

    def signature(self, blocks: list[Block]) -> None:
        meta = self.plan.metadata
        title_lines = []
        if meta.signer_title:
            title_lines = _SIGNER_TITLE_SPLIT_RE.split(meta.signer_title, maxsplit=1)
        else:
            title_lines = ["CHỦ TỊCH"]
        left: list[str] = []
        for block in blocks:
            text = block.text.strip()
            for piece in (meta.signer, *title_lines):
                if piece and text.endswith(piece) and text != piece:
                    text = text[: -len(piece)].strip()
            if text.startswith("Nơi nhận") or BULLET_RE.match(text):
                left.append(text)
        table = self.doc.add_table(rows=1, cols=2)
        fill_cell(table.cell(0, 0), left, align=WD_ALIGN_PARAGRAPH.LEFT, size=11)
        fill_cell(table.cell(0, 1), [*title_lines, "", "", meta.signer], bold=True)
        borderless(table)
        set_widths(table, [7.5, 8.5])

    def numbered(self, text: str, bold: bool) -> None:
        found = split_marker(text)
        paragraph = self.doc.add_paragraph()
        paragraph.paragraph_format.first_line_indent = Cm(1)
        if found:
            level, value, rest = found
            num_id = self.numbering.heading_num(level, value, text[: len(text) - len(rest)].strip())
            if num_id is not None:
                set_numbering(paragraph, num_id, level)
                text = rest
            else:
                self.info.literal_markers.append(text.split(" ", 1)[0])
        paragraph.add_run(text).bold = bold

    def bullet(self, text: str) -> None:
        m = BULLET_RE.match(text)
        paragraph = self.doc.add_paragraph()
        if m and m.group(1) in "-+":
            set_numbering(paragraph, self.numbering.bullets.num_id, 0 if m.group(1) == "-" else 1)
            text = m.group(2)
        paragraph.add_run(text)

    def plain(self, text: str, *, bold: bool = False, center: bool = False) -> None:
        paragraph = self.doc.add_paragraph()
        if center:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        else:
            paragraph.paragraph_format.first_line_indent = Cm(1)
        paragraph.add_run(text).bold = bold

    def appendix_section(self) -> None:
        section = self.doc.add_section()
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21)
        section.left_margin = section.right_margin = Cm(1.5)

    def table(self, blocks: list[Block]) -> None:
        header = next(b for b in blocks if map_header(list(b.cells or [])) is not None)
        layout = map_header(list(header.cells or []))
        assert layout is not None
        records = [t for t in self.plan.tasks if t.origin == "table" and t.source
                   and blocks[0].line_start <= t.source.line_start <= blocks[-1].line_end]
        by_start: dict[int, list[TaskRecord]] = {}
        for record in records:
            by_start.setdefault(record.source.line_start, []).append(record)
        covered = {line for r in records for line in range(r.source.line_start + 1, r.source.line_end + 1)}

        rows: list[tuple[str, list[str], TaskRecord | None]] = [("header", list(header.cells or []), None)]
        for block in blocks:
            cells = list(block.cells or [])
            if block is header or map_header(cells) is not None:
                continue
            if block.line_start in by_start:
                for record in by_start[block.line_start]:
                    rows.append(("task", [], record))
                    if "shares_group_row" in record.flags:
                        rows.append(("group", cells[:2], None))
            elif block.line_start not in covered and any(cells):
                rows.append(("group", cells, None))

        ncols = len(layout)
        table = self.doc.add_table(rows=0, cols=ncols)
        table.style = self.doc.styles["Table Grid"]
        previous: TaskRecord | None = None
        for kind, cells, record in rows:
            row = table.add_row()
            if kind == "header":
                for i in range(ncols):
                    fill_cell(row.cells[i], [cells[i] if i < len(cells) else ""], bold=True, size=11)
                repeat_header(row)
            elif kind == "group":
                filled = [i for i, c in enumerate(cells) if c]
                if filled == [0]:
                    merged = row.cells[0].merge(row.cells[ncols - 1])
                    fill_cell(merged, [cells[0]], bold=True, align=WD_ALIGN_PARAGRAPH.LEFT, size=11)
                elif filled == [0, 1]:
                    fill_cell(row.cells[0], [cells[0]], bold=True, size=11)
                    merged = row.cells[1].merge(row.cells[ncols - 1])
                    fill_cell(merged, [cells[1]], bold=True, align=WD_ALIGN_PARAGRAPH.LEFT, size=11)
                else:
                    for i in range(min(ncols, len(cells))):
                        fill_cell(row.cells[i], [cells[i]], size=11)
                previous = None
            else:
                assert record is not None
                shared = previous is not None and "inherited_number" in record.flags
                for i, name in enumerate(layout):
                    value = getattr(record, name) if name else ""
                    if shared and name == "number":
                        self._merge_down(table, i)
                        continue
                    if shared and name == "goal" and value and value == previous.goal:
                        self._merge_down(table, i)
                        continue
                    pieces = [p for p in re.split(r"(?<=;)\s+", value)] if value else [""]
                    align = WD_ALIGN_PARAGRAPH.CENTER if name in ("number", "deadline") else WD_ALIGN_PARAGRAPH.LEFT
                    fill_cell(row.cells[i], pieces, align=align, size=11)
                previous = record
            self.info.table_rows += 1
        set_widths(table, _column_widths(layout))

    @staticmethod
    def _merge_down(table, column: int) -> None:
        rows = table.rows
        above = rows[-2].cells[column]
        below = rows[-1].cells[column]
        below.text = ""
        above.merge(below)
        # merge() appends the (empty) paragraph of the lower cell; drop trailing empties
        paragraphs = above.paragraphs
        while len(paragraphs) > 1 and not paragraphs[-1].text:
            paragraphs[-1]._p.getparent().remove(paragraphs[-1]._p)
            paragraphs = above.paragraphs

    # ---------------------------------------------------------------- driving
    def build(self) -> Document:
        blocks = self.plan.blocks
        i = 0
        if not blocks or not _is_letterhead(blocks[0]):
            self.letterhead([])
        in_appendix = False
        while i < len(blocks):
            block = blocks[i]
            if _is_letterhead(block):
                j = i
                while j < len(blocks) and _is_letterhead(blocks[j]):
                    j += 1
                self.letterhead(blocks[i:j])
                i = j
                continue
            if block.kind == "signature":
                j = i
                while j < len(blocks) and blocks[j].kind == "signature":
                    j += 1
                self.signature(blocks[i:j])
                i = j
                continue
            if block.kind in ("table_header", "table_row"):
                j = i
                while j < len(blocks) and blocks[j].kind in ("table_header", "table_row"):
                    j += 1
                self.table(blocks[i:j])
                i = j
                continue
            if block.in_appendix and not in_appendix:
                in_appendix = True
                self.appendix_section()
            text = block.text.strip()
            if block.kind == "heading" and block.in_appendix:
                self.plain(text, bold=True, center=True)
            elif block.kind == "heading":
                self.numbered(text, bold=True)
            elif block.kind == "list_item":
                self.bullet(text)
            elif block.kind == "paragraph" and split_marker(text) and not block.in_appendix:
                self.numbered(text, bold=False)
            else:
                upper = text.isupper() and len(text) < 120
                self.plain(text, bold=upper or block.in_appendix, center=upper or block.in_appendix)
            i += 1
        self.info.heading_restarts = self.numbering.restarts
        return self.doc


def _column_widths(layout: list[str | None]) -> list[float]:
    weights = {"number": 1.2, "task": 7.0, "goal": 5.0, "lead": 3.5, "coordinators": 3.5,
               "product": 3.2, "deadline": 2.6, "monitor": 3.0, None: 2.5}
    raw = [weights.get(name, 2.5) for name in layout]
    scale = 26.5 / sum(raw)
    return [round(w * scale, 2) for w in raw]


def write_docx(txt: Path, out: Path, style: int) -> Rendition:
    plan = parse_file(txt)
    writer = Writer(plan, style)
    document = writer.build()
    out.parent.mkdir(parents=True, exist_ok=True)
    document.core_properties.title = plan.metadata.title
    document.save(str(out))
    writer.info.docx = out
    return writer.info


# -- PDF and scans --------------------------------------------------------------------------


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        raise SystemExit("LibreOffice (soffice) is needed: apt-get install libreoffice-writer-nogui")
    return found


def to_pdf(docx_files: list[Path], out_dir: Path, timeout: int = 300) -> None:
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [soffice(), f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
             "--outdir", str(out_dir), *map(str, docx_files)],
            check=True, timeout=timeout, stdout=subprocess.DEVNULL,
        )


def to_doc(docx: Path, out_dir: Path, timeout: int = 300) -> Path:
    """A legacy Word 97-2003 .doc of a rendition. LibreOffice's direct DOCX->DOC export drops
    the appendix table of these files; through ODT it keeps every table."""
    with tempfile.TemporaryDirectory() as tmp:
        profile = f"-env:UserInstallation=file://{tmp}/profile"
        subprocess.run([soffice(), profile, "--headless", "--convert-to", "odt", "--outdir", tmp, str(docx)],
                       check=True, timeout=timeout, stdout=subprocess.DEVNULL)
        subprocess.run([soffice(), profile, "--headless", "--convert-to", "doc", "--outdir", str(out_dir),
                        str(Path(tmp) / f"{docx.stem}.odt")], check=True, timeout=timeout, stdout=subprocess.DEVNULL)
    return out_dir / f"{docx.stem}.doc"


def page_count(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(str(pdf)).pages)


def appendix_pages(pdf: Path) -> list[int]:
    """1-based pages from the one holding "PHỤ LỤC" on (pdftotext reads each page)."""
    pages = []
    found = False
    for page in range(1, page_count(pdf) + 1):
        text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
                              capture_output=True, text=True, check=True).stdout
        found = found or "PHỤ LỤC" in text
        if found:
            pages.append(page)
    return pages


def rasterise(pdf: Path, pages: list[int], out_dir: Path, stem: str, dpi: int = 200) -> list[Path]:
    from PIL import Image

    pngs = []
    with tempfile.TemporaryDirectory() as tmp:
        for page in pages:
            prefix = Path(tmp) / f"p{page}"
            subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-f", str(page), "-l", str(page),
                            "-singlefile", "-png", str(pdf), str(prefix)], check=True)
            image = Image.open(f"{prefix}.png").convert("L")
            # a scanner's page: bilevel after thresholding keeps files small and OCR-friendly
            image = image.point(lambda v: 255 if v > 170 else 0).convert("1")
            target = out_dir / f"{stem}_p{page}.png"
            image.save(target, optimize=True, dpi=(dpi, dpi))
            pngs.append(target)
    images = [Image.open(p) for p in pngs]
    images[0].save(out_dir / f"{stem}_scan.pdf", save_all=True, append_images=images[1:], resolution=dpi)
    return pngs


def tasks_on_pages(pdf: Path, pages: list[int], plan: ParsedPlan) -> dict[str, list[dict]]:
    """For each page, the .txt table tasks whose row starts on it (matched by number and task words)."""
    import pdfplumber

    table_tasks = [t for t in plan.tasks if t.origin == "table"]
    out: dict[str, list[dict]] = {}
    used: set[int] = set()
    with pdfplumber.open(str(pdf)) as doc:
        for page in pages:
            cells = [" ".join((cell or "").split()) for table in doc.pages[page - 1].extract_tables()
                     for row in table for cell in row]
            found = []
            for index, task in enumerate(table_tasks):
                words = " ".join(task.task.split()[:6])
                if index not in used and words and any(cell.startswith(words) for cell in cells):
                    used.add(index)
                    found.append({"area": task.area, "number": task.number, "task": task.task, "lead": task.lead})
            out[str(page)] = found
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--scan-plan", default="di-linh_2026-2030")
    parser.add_argument("--scan-pages", type=int, default=2, help="appendix pages to rasterise")
    parser.add_argument("--doc-plan", default="nam-dan_2026", help="plan also saved as a legacy .doc")
    parser.add_argument("--no-pdf", action="store_true", help="only the .docx files")
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    renditions = []
    for style, txt in enumerate(sorted(CORPUS.glob("*.txt"))):
        info = write_docx(txt, out / f"{txt.stem}.docx", style=1 + style % 2)
        renditions.append(info)
        print(f"{info.docx.name}: {info.table_rows} table rows, {info.heading_restarts} list restarts, "
              f"literal markers {info.literal_markers}")
    manifest: dict = {"docx": [r.docx.name for r in renditions]}
    if not args.no_pdf:
        to_pdf([r.docx for r in renditions], out)
        manifest["pdf"] = [r.docx.with_suffix(".pdf").name for r in renditions]
        manifest["doc"] = [to_doc(out / f"{args.doc_plan}.docx", out).name]
        pdf = out / f"{args.scan_plan}.pdf"
        pages = appendix_pages(pdf)[: args.scan_pages]
        pngs = rasterise(pdf, pages, out, args.scan_plan)
        plan = parse_file(CORPUS / f"{args.scan_plan}.txt")
        manifest["scan"] = {
            "plan": f"{args.scan_plan}.txt",
            "dpi": 200,
            "pages": pages,
            "png": [p.name for p in pngs],
            "pdf": f"{args.scan_plan}_scan.pdf",
            "tasks_by_page": tasks_on_pages(pdf, pages, plan),
        }
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    for path in sorted(out.iterdir()):
        print(f"{path.stat().st_size:>9}  {path.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
