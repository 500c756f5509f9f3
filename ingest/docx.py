"""DOCX reader: a Word file -> text lines, the way the plan reads on the page.

Word keeps several things out of the paragraph text that a plan's structure depends on;
this reader puts them back:

* automatic numbering ("I.", "1.", "2.1.", "a)", bullets) is rendered from numbering.xml
  (abstractNum levels: numFmt, lvlText, start, lvlRestart, isLgl; num instances with
  startOverride) and from numbering set on paragraph styles (through their basedOn chain);
* layout tables (the letterhead "ỦY BAN NHÂN DÂN … | CỘNG HÒA …" and the signature block
  "Nơi nhận: … | TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH / name"), borderless tables of two or three
  columns, are read column by column, one line per cell paragraph, as if typed one under the
  other; they never become table rows;
* every other table comes out as tab-separated rows in its place in the body (a merged cell's
  text once, in its first column; a vertically merged cell empty below its first row), so later
  stages see one kind of table whatever the source format.

The XML is read once with lxml (no python-docx object model: its per-paragraph style look-ups
made large files quadratic), with limits on the unpacked size, paragraphs and characters.
"""

from __future__ import annotations

import posixpath
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from ingest.errors import IngestError
from ingest.vntext import fold

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_OFFICE_DOCUMENT = "/officeDocument"
_STYLES = "/styles"
_NUMBERING = "/numbering"

# Column gap marker for tabs inside body paragraphs (normalise splits on it).
COLUMN_GAP = "     "
_BULLET_TEXTS = {"-": "-", "–": "-", "+": "+", "•": "-", "·": "-", "◦": "+", "o": "+", "▪": "+", "*": "-"}
_LEVEL_BULLETS = ("-", "+", "+")
# Folded words that only a letterhead or a signature block holds.
_LAYOUT_MARKERS = re.compile(
    r"\bnoi nhan\b|cong hoa xa hoi chu nghia|doc lap\s*[-–]\s*tu do|^uy ban nhan dan\b|^so\s*:|"
    r"^(?:kt|tm|tl|tuq)\s*\.|^(?:pho )?chu tich$|, ngay\b.*\bnam\s+\d{4}"
)
_MAX_LAYOUT_COLUMNS = 3
_MAX_LAYOUT_ROWS = 6


def w(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


_P, _TBL, _TR, _TC, _R, _T = w("p"), w("tbl"), w("tr"), w("tc"), w("r"), w("t")
_SDT, _SDT_CONTENT, _CUSTOM_XML = w("sdt"), w("sdtContent"), w("customXml")
_VAL = w("val")
# Paragraph children whose runs are part of the visible text.
_RUN_HOLDERS = {w("hyperlink"), w("smartTag"), w("ins"), w("fldSimple"), w("sdt"), w("sdtContent"),
                w("customXml"), w("moveTo"), w("dir"), w("bdo")}
_ALTERNATE_CONTENT = f"{{{_MC_NS}}}AlternateContent"


@dataclass(frozen=True)
class DocxLimits:
    """Bounds on the work one DOCX may cost (a small zip can unpack to a huge body)."""

    max_xml_bytes: int = 256 * 1024 * 1024
    max_paragraphs: int = 200_000
    max_chars: int = 10_000_000


DEFAULT_LIMITS = DocxLimits()


# -- package ----------------------------------------------------------------------------


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, huge_tree=True)


class _Package:
    """The parts of the zip this reader needs, located through the relationships."""

    def __init__(self, archive: zipfile.ZipFile, document: str, limits: DocxLimits) -> None:
        self.archive = archive
        self.document = document
        self.limits = limits
        names = set(archive.namelist())
        main = self._target("_rels/.rels", "", _OFFICE_DOCUMENT) or "word/document.xml"
        if main not in names:
            raise IngestError(document, "không đọc được tệp DOCX (tệp hỏng hoặc không phải tệp Word: thiếu phần nội dung chính)",
                              "DOCX has no main document part")
        self.main = main
        base = posixpath.dirname(main)
        rels = posixpath.join(base, "_rels", posixpath.basename(main) + ".rels")
        self.styles = self._target(rels, base, _STYLES)
        self.numbering = self._target(rels, base, _NUMBERING)

    def _target(self, rels: str, base: str, kind: str) -> str | None:
        try:
            root = self.xml(rels)
        except KeyError:
            return None
        for rel in root.iter(f"{{{_REL_NS}}}Relationship"):
            if rel.get("Type", "").endswith(kind) and rel.get("TargetMode") != "External":
                target = rel.get("Target", "")
                path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
                return path
        return None

    def xml(self, name: str):
        info = self.archive.getinfo(name)
        if info.file_size > self.limits.max_xml_bytes:
            raise IngestError(
                self.document,
                f"tệp DOCX quá lớn khi giải nén ({info.file_size // (1024 * 1024)} MB, giới hạn "
                f"{self.limits.max_xml_bytes // (1024 * 1024)} MB); hãy tách thành nhiều tệp",
                "DOCX part too large when unpacked",
            )
        return etree.fromstring(self.archive.read(name), _parser())

    def optional_xml(self, name: str | None):
        if not name:
            return None
        try:
            return self.xml(name)
        except KeyError:
            return None


# -- styles -----------------------------------------------------------------------------


class _Styles:
    """Paragraph styles' numbering and table styles' borders, resolved once per style id."""

    def __init__(self, root) -> None:
        self._based_on: dict[str, str] = {}
        self._num_pr: dict[str, tuple[str | None, int | None]] = {}
        self._borders: dict[str, bool] = {}
        self._resolved_num: dict[str, tuple[str, int] | None] = {}
        self._resolved_borders: dict[str, bool | None] = {}
        self.default_paragraph: str | None = None
        self.default_table: str | None = None
        self.numbering_styles: dict[str, str] = {}  # style id -> numId (for numStyleLink)
        if root is None:
            return
        for style in root.iter(w("style")):
            style_id = style.get(w("styleId"))
            if not style_id:
                continue
            kind = style.get(w("type"))
            if style.get(w("default")) in ("1", "true", "on"):
                if kind == "paragraph":
                    self.default_paragraph = style_id
                elif kind == "table":
                    self.default_table = style_id
            based = style.find(w("basedOn"))
            if based is not None and based.get(_VAL):
                self._based_on[style_id] = based.get(_VAL)
            num_pr = style.find(f"{w('pPr')}/{w('numPr')}")
            if num_pr is not None:
                num_id, ilvl = _num_pr_values(num_pr)
                self._num_pr[style_id] = (num_id, ilvl)
                if kind == "numbering" and num_id:
                    self.numbering_styles[style_id] = num_id
            borders = style.find(f"{w('tblPr')}/{w('tblBorders')}")
            if borders is not None:
                self._borders[style_id] = _visible_borders(borders)

    def _chain(self, style_id: str | None) -> Iterator[str]:
        seen: set[str] = set()
        while style_id and style_id not in seen:
            seen.add(style_id)
            yield style_id
            style_id = self._based_on.get(style_id)

    def numbering(self, style_id: str | None) -> tuple[str, int] | None:
        """(numId, ilvl) a paragraph style gives, following basedOn; cached."""
        style_id = style_id or self.default_paragraph
        if not style_id:
            return None
        if style_id not in self._resolved_num:
            num_id: str | None = None
            ilvl: int | None = None
            for sid in self._chain(style_id):
                found = self._num_pr.get(sid)
                if not found:
                    continue
                num_id = num_id if num_id is not None else found[0]
                ilvl = ilvl if ilvl is not None else found[1]
                if num_id is not None and ilvl is not None:
                    break
            self._resolved_num[style_id] = (num_id, ilvl or 0) if num_id else None
        return self._resolved_num[style_id]

    def table_borders(self, style_id: str | None) -> bool | None:
        """Whether a table style draws borders (None: the style says nothing)."""
        style_id = style_id or self.default_table
        if not style_id:
            return None
        if style_id not in self._resolved_borders:
            self._resolved_borders[style_id] = next(
                (self._borders[sid] for sid in self._chain(style_id) if sid in self._borders), None
            )
        return self._resolved_borders[style_id]


def _num_pr_values(num_pr) -> tuple[str | None, int | None]:
    num = num_pr.find(w("numId"))
    lvl = num_pr.find(w("ilvl"))
    num_id = num.get(_VAL) if num is not None else None
    try:
        ilvl = int(lvl.get(_VAL)) if lvl is not None else None
    except (TypeError, ValueError):
        ilvl = None
    return num_id, ilvl


def _visible_borders(borders) -> bool:
    return any((edge.get(_VAL) or "nil") not in ("nil", "none") for edge in borders)


# -- numbering --------------------------------------------------------------------------


@dataclass
class _Level:
    fmt: str = "decimal"
    text: str = ""
    start: int = 1
    restart: int | None = None   # lvlRestart: 0 = never; None = after any shallower level
    legal: bool = False          # isLgl: ancestors shown as decimal


@dataclass
class _Instance:
    abstract: str
    overrides: dict[int, int] = field(default_factory=dict)      # ilvl -> startOverride
    level_overrides: dict[int, _Level] = field(default_factory=dict)


class Numbering:
    """Word's automatic numbering as text: counters per list, advanced paragraph by paragraph.

    Num instances that share an abstract list continue one count (as Word does); a num with
    startOverride restarts the overridden levels where it is first used.
    """

    def __init__(self, root, styles: _Styles) -> None:
        self._abstract: dict[str, dict[int, _Level]] = {}
        self._links: dict[str, str] = {}  # abstractNumId -> numStyleLink style id
        self._nums: dict[str, _Instance] = {}
        self._counters: dict[str, list[int]] = {}
        self._starts: dict[str, list[int]] = {}
        self._used: set[str] = set()
        self._styles = styles
        if root is None:
            return
        for node in root.iter(w("abstractNum")):
            ident = node.get(w("abstractNumId"))
            self._abstract[ident] = {int(lvl.get(w("ilvl"), "0")): _level(lvl) for lvl in node.findall(w("lvl"))}
            link = node.find(w("numStyleLink"))
            if link is not None and link.get(_VAL):
                self._links[ident] = link.get(_VAL)
        for num in root.iter(w("num")):
            ref = num.find(w("abstractNumId"))
            if ref is None:
                continue
            instance = _Instance(abstract=ref.get(_VAL))
            for override in num.findall(w("lvlOverride")):
                ilvl = int(override.get(w("ilvl"), "0"))
                start = override.find(w("startOverride"))
                if start is not None:
                    instance.overrides[ilvl] = _int(start.get(_VAL), 1)
                lvl = override.find(w("lvl"))
                if lvl is not None:
                    instance.level_overrides[ilvl] = _level(lvl)
            self._nums[num.get(w("numId"))] = instance

    def _abstract_of(self, instance: _Instance) -> str:
        """Follow numStyleLink (a list defined through a numbering style) once."""
        ident = instance.abstract
        link = self._links.get(ident)
        if link and not self._abstract.get(ident):
            num_id = self._styles.numbering_styles.get(link)
            target = self._nums.get(num_id) if num_id else None
            if target is not None:
                ident = target.abstract
        return ident

    def label(self, num_id: str | None, ilvl: int) -> str:
        """The number or bullet Word shows for the next paragraph of (numId, ilvl), and count it."""
        if not num_id or num_id == "0" or num_id not in self._nums:
            return ""
        instance = self._nums[num_id]
        ident = self._abstract_of(instance)
        levels = dict(self._abstract.get(ident, {}))
        levels.update(instance.level_overrides)
        if ilvl not in levels:
            return ""
        counters = self._counters.setdefault(ident, [0] * 9)
        starts = self._starts.setdefault(ident, [levels.get(i, _Level()).start for i in range(9)])
        if num_id not in self._used:
            self._used.add(num_id)
            for level, start in instance.overrides.items():
                if 0 <= level < 9:
                    starts[level] = start
                    counters[level] = 0
        if not 0 <= ilvl < 9:
            return ""
        current = levels[ilvl]
        counters[ilvl] = counters[ilvl] + 1 if counters[ilvl] else starts[ilvl]
        for deeper in range(ilvl + 1, 9):
            restart = levels.get(deeper, _Level()).restart
            if restart is None or (restart > 0 and ilvl <= restart - 1):
                counters[deeper] = 0
        if current.fmt == "bullet":
            return _BULLET_TEXTS.get(current.text.strip(), _LEVEL_BULLETS[min(ilvl, 2)])
        if current.fmt == "none":
            return re.sub(r"%\d", "", current.text).strip()

        def render(match: re.Match[str]) -> str:
            level = int(match.group(1)) - 1
            if not 0 <= level < 9:
                return ""
            fmt = levels.get(level, _Level()).fmt
            if current.legal and level != ilvl:
                fmt = "decimal"
            return format_number(counters[level] or starts[level], fmt)

        return re.sub(r"%(\d)", render, current.text).strip()


def _thousands(value: int) -> str:
    return f"{value:,}".replace(",", ".")  # Vietnamese groups thousands with dots


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _level(lvl) -> _Level:
    def val(tag: str) -> str | None:
        child = lvl.find(w(tag))
        return None if child is None else child.get(_VAL)

    restart = val("lvlRestart")
    legal = lvl.find(w("isLgl"))
    return _Level(
        fmt=val("numFmt") or "decimal",
        text=val("lvlText") or "",
        start=_int(val("start"), 1),
        restart=_int(restart, 0) if restart is not None else None,
        legal=legal is not None and (legal.get(_VAL) or "1") not in ("0", "false", "off"),
    )


def format_number(value: int, fmt: str) -> str:
    if fmt in ("upperRoman", "lowerRoman"):
        roman = to_roman(value)
        return roman if fmt == "upperRoman" else roman.lower()
    if fmt in ("lowerLetter", "upperLetter"):
        value = max(value, 1)
        letter = chr(ord("a") + (value - 1) % 26) * ((value - 1) // 26 + 1)
        return letter if fmt == "lowerLetter" else letter.upper()
    if fmt == "decimalZero":
        return f"{value:02d}"
    return str(value)


def to_roman(value: int) -> str:
    numerals = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = []
    for number, numeral in numerals:
        while value >= number:
            out.append(numeral)
            value -= number
    return "".join(out) or str(value)


# -- body -------------------------------------------------------------------------------


class _Reader:
    def __init__(self, styles: _Styles, numbering: Numbering, document: str, limits: DocxLimits) -> None:
        self.styles = styles
        self.numbering = numbering
        self.document = document
        self.limits = limits
        self.lines: list[str] = []
        self.paragraphs = 0
        self.chars = 0

    # ------------------------------------------------------------------ limits
    def _count(self, text: str) -> None:
        self.paragraphs += 1
        self.chars += len(text)
        if self.paragraphs > self.limits.max_paragraphs:
            raise IngestError(
                self.document,
                f"tệp DOCX có quá nhiều đoạn văn (hơn {_thousands(self.limits.max_paragraphs)}); "
                "hãy tách thành nhiều tệp",
                "too many paragraphs",
            )
        if self.chars > self.limits.max_chars:
            raise IngestError(
                self.document,
                f"tệp DOCX có quá nhiều chữ (hơn {_thousands(self.limits.max_chars)} ký tự); "
                "hãy tách thành nhiều tệp",
                "too many characters",
            )

    # ------------------------------------------------------------------ paragraphs
    def paragraph_text(self, p) -> str:
        """The paragraph as shown: its number or bullet, then the text of its runs."""
        parts: list[str] = []
        _collect_runs(p, parts)
        text = "".join(parts)
        self._count(text)
        ppr = p.find(w("pPr"))
        num: tuple[str | None, int | None] | None = None
        style_id = None
        if ppr is not None:
            num_pr = ppr.find(w("numPr"))
            if num_pr is not None:
                num = _num_pr_values(num_pr)
            style = ppr.find(w("pStyle"))
            style_id = style.get(_VAL) if style is not None else None
        if num is None or num[0] is None:
            from_style = self.styles.numbering(style_id)
            if from_style is not None:
                num_id = from_style[0]
                ilvl = num[1] if num is not None and num[1] is not None else from_style[1]
                num = (num_id, ilvl)
        if num is not None and num[0]:
            label = self.numbering.label(num[0], num[1] or 0)
            if label and text.strip():
                return f"{label} {text.lstrip()}"
        return text

    def emit_paragraph(self, p) -> None:
        text = self.paragraph_text(p).replace("\t", COLUMN_GAP)
        self.lines.extend(text.split("\n"))

    # ------------------------------------------------------------------ blocks
    def block(self, node) -> None:
        tag = node.tag
        if tag == _P:
            self.emit_paragraph(node)
        elif tag == _TBL:
            self.table(node)
        elif tag in (_SDT, _SDT_CONTENT, _CUSTOM_XML):
            for child in node:
                self.block(child)

    def cell_paragraphs(self, tc) -> list[str]:
        """Each paragraph of a cell (nested tables' cells flattened in order)."""
        out: list[str] = []
        for child in _cell_children(tc):
            if child.tag == _P:
                out.extend(self.paragraph_text(child).replace("\t", " ").split("\n"))
            elif child.tag == _TBL:
                for row in _rows(child):
                    for cell in _cells(row):
                        out.extend(self.cell_paragraphs(cell))
        return out

    def table(self, tbl) -> None:
        rows = [[(tc, self.cell_paragraphs(tc)) for tc in _cells(tr)] for tr in _rows(tbl)]
        if self._is_layout(tbl, rows):
            self._layout_lines(rows)
            return
        for row in rows:
            cells: list[str] = []
            for tc, paragraphs in row:
                continued = _v_merge(tc) == "continue"
                cells.append("" if continued else " ".join(" ".join(paragraphs).split()))
                cells.extend([""] * (_grid_span(tc) - 1))
            if any(cells):
                self.lines.append("\t".join(cells))

    def _is_layout(self, tbl, rows) -> bool:
        """A letterhead or signature table: few columns and rows, and borderless or holding
        the words only such blocks hold, and never a task table's header."""
        if not rows or len(rows) > _MAX_LAYOUT_ROWS:
            return False
        width = max(sum(_grid_span(tc) for tc, _ in row) for row in rows)
        if width > _MAX_LAYOUT_COLUMNS or width < 2:
            return False
        from ingest.tables import map_header

        for row in rows:
            if map_header([" ".join(paragraphs) for _, paragraphs in row]) is not None:
                return False
        texts = [fold(t.strip()).lower() for row in rows for _, paragraphs in row for t in paragraphs if t.strip()]
        marked = any(_LAYOUT_MARKERS.search(t) for t in texts)
        return marked or not self._has_borders(tbl)

    def _has_borders(self, tbl) -> bool:
        tbl_pr = tbl.find(w("tblPr"))
        if tbl_pr is not None:
            direct = tbl_pr.find(w("tblBorders"))
            if direct is not None:
                return _visible_borders(direct)
            style = tbl_pr.find(w("tblStyle"))
            style_id = style.get(_VAL) if style is not None else None
        else:
            style_id = None
        from_style = self.styles.table_borders(style_id)
        if from_style is not None:
            return from_style
        # no table borders: cells may still draw their own
        return any(
            _visible_borders(borders)
            for borders in tbl.iter(w("tcBorders"))
        )

    def _layout_lines(self, rows) -> None:
        """Column by column, one line per paragraph: "Số: …" and "<nơi>, ngày …" each on a
        line of its own, the signer's title and name under "Nơi nhận"'s list."""
        columns: dict[int, list[str]] = {}
        for row in rows:
            position = 0
            for tc, paragraphs in row:
                if _v_merge(tc) != "continue":
                    columns.setdefault(position, []).extend(paragraphs)
                position += _grid_span(tc)
        for position in sorted(columns):
            self.lines.extend(columns[position])


def _collect_runs(node, parts: list[str]) -> None:
    for child in node:
        tag = child.tag
        if tag == _R:
            for item in child:
                itag = item.tag
                if itag == _T:
                    parts.append(item.text or "")
                elif itag == w("tab") or itag == w("ptab"):
                    parts.append("\t")
                elif itag in (w("br"), w("cr")):
                    if item.get(w("type")) not in ("page", "column"):
                        parts.append("\n")
                elif itag == w("noBreakHyphen"):
                    parts.append("-")
                elif itag == _ALTERNATE_CONTENT or itag == w("drawing") or itag == w("pict"):
                    continue  # text boxes and shapes are not part of the paragraph's line
        elif tag in _RUN_HOLDERS:
            _collect_runs(child, parts)


def _cell_children(tc) -> Iterator:
    for child in tc:
        if child.tag in (_SDT, _SDT_CONTENT, _CUSTOM_XML):
            yield from _cell_children(child)
        else:
            yield child


def _rows(tbl) -> Iterator:
    for child in tbl:
        if child.tag == _TR:
            yield child
        elif child.tag in (_SDT, _CUSTOM_XML):
            for inner in child.iter(_TR):
                yield inner


def _cells(tr) -> Iterator:
    for child in tr:
        if child.tag == _TC:
            yield child
        elif child.tag in (_SDT, _CUSTOM_XML):
            yield from (tc for tc in child.iter(_TC))


def _tc_pr_value(tc, tag: str) -> str | None:
    tc_pr = tc.find(w("tcPr"))
    if tc_pr is None:
        return None
    node = tc_pr.find(w(tag))
    if node is None:
        return None
    return node.get(_VAL) or ("continue" if tag == "vMerge" else None)


def _grid_span(tc) -> int:
    return max(_int(_tc_pr_value(tc, "gridSpan"), 1), 1)


def _v_merge(tc) -> str | None:
    return _tc_pr_value(tc, "vMerge")


# -- entry point ------------------------------------------------------------------------


def read_docx(path: str | Path, document: str, limits: DocxLimits = DEFAULT_LIMITS) -> list[str]:
    """The body of a .docx as text lines (numbers rendered, layout tables unfolded, task tables
    as tab-separated rows). Raises `IngestError` for unreadable or oversized files."""
    try:
        with zipfile.ZipFile(path) as archive:
            package = _Package(archive, document, limits)
            styles = _Styles(package.optional_xml(package.styles))
            numbering = Numbering(package.optional_xml(package.numbering), styles)
            root = package.xml(package.main)
    except IngestError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, etree.XMLSyntaxError, RuntimeError) as exc:
        raise IngestError(document, "không đọc được tệp DOCX (tệp hỏng?)", f"unreadable DOCX: {exc}") from exc
    body = root.find(w("body"))
    if body is None:
        raise IngestError(document, "không đọc được tệp DOCX (không có phần thân văn bản)", "DOCX has no body")
    reader = _Reader(styles, numbering, document, limits)
    for node in body:
        reader.block(node)
    return reader.lines


# -- legacy .doc ------------------------------------------------------------------------

DOC_CONVERT_TIMEOUT_S = 120
_SOFFICE_NAMES = ("soffice", "libreoffice")


def find_soffice() -> str | None:
    return next((found for name in _SOFFICE_NAMES if (found := shutil.which(name))), None)


@contextmanager
def converted_from_doc(path: str | Path, document: str, timeout: float = DOC_CONVERT_TIMEOUT_S) -> Iterator[Path]:
    """A legacy Word 97-2003 .doc converted to .docx by LibreOffice in a temporary folder
    (its own profile, so parallel conversions do not collide); removed afterwards."""
    from ingest.signatures import has_signature

    with open(path, "rb") as handle:
        head = handle.read(8)
    if not has_signature(".doc", head):
        raise IngestError(
            document,
            "tệp .doc này không phải tệp Word (Word 97-2003 hay RTF); hãy mở bằng Word và lưu lại dưới dạng .docx",
            "not an OLE2 Word file",
        )
    soffice = find_soffice()
    if soffice is None:
        raise IngestError(
            document,
            "tệp Word cũ (.doc) cần LibreOffice để chuyển đổi nhưng máy chưa cài; hãy cài "
            "(apt-get install libreoffice-writer-nogui) hoặc lưu lại tệp dưới dạng .docx",
            "legacy .doc needs LibreOffice (soffice), which is not installed",
        )
    with tempfile.TemporaryDirectory(prefix="cchc-doc-") as tmp:
        source = Path(tmp) / "input.doc"
        shutil.copyfile(path, source)  # a plain name: soffice mangles some characters
        profile = Path(tmp) / "profile"
        command = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                   "--convert-to", "docx", "--outdir", tmp, str(source)]
        try:
            subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=timeout, check=False, start_new_session=True)
        except subprocess.TimeoutExpired as exc:
            raise IngestError(
                document,
                f"chuyển đổi tệp .doc quá thời gian ({int(timeout)} giây); hãy lưu lại tệp dưới dạng .docx",
                "LibreOffice conversion timed out",
            ) from exc
        converted = Path(tmp) / "input.docx"
        if not converted.is_file() or converted.stat().st_size == 0:
            raise IngestError(
                document,
                "không chuyển đổi được tệp Word cũ (.doc) (tệp hỏng hoặc không phải tệp Word?)",
                "LibreOffice could not convert the .doc file",
            )
        yield converted
