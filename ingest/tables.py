"""Appendix task tables → `TaskRecord`s (origin "table").

Columns are mapped by header synonyms, never by position, so the three layouts of the
bundled plans (and other communes' variants) share one parser. Unknown headers are kept
aside in the layout and never receive a field.

Row rules (applied in order; each is structural, none is keyed to a plan's wording):

1. A header row (cells that map to known column names) starts a table; the same header
   repeated later marks a page break and is skipped. A gap in the original line numbers
   (blank lines) or a new PDF page also marks a page break. A heading, or the header of a
   table without task columns, ends the table.
2. Group rows set the area of the rows below: a roman number with its title in the next
   cell ("I | Cải cách thể chế"), or a number and title in the first cell with the other
   cells empty ("1 Kiểm soát thủ tục hành chính", "IV Cải cách chế độ công vụ"). Roman groups
   are top level; "1" is below them, "1.1" below "1". A numbered task row "3" whose later
   rows are "3.1", "3.2" also acts as the group of those rows (its goal/task is the title).
   A group row cut by a page break continues its title on the next page (in the title cell,
   or alone in the first cell when the title spans the row).
   For rule 4b, a fragment row with all the header's cells, after a page break and below a
   row read positionally, continues the row above column by column.
3. A row with an arabic number in the first cell is a new task.
4. A row with an empty number cell is either
   a. a new activity sharing the merged number/goal cell of the row above, when it carries a
      full set of cells (task, lead and at least one of deadline/product/coordinators) and does
      not start lower-case right after a page break. It inherits the number (flag
      "inherited_number"), the area and, when its goal cell is empty, the goal. Text in its
      goal cell right after a page break is the tail of the merged goal cell split by the
      break: it is appended to the goal of the row above and shared;
   b. otherwise the tail of cells split by a page break: each fragment is appended to the
      same column of the previous record (flag "continuation_joined").
5. A roman group label printed on the same row as an activity ("III | Cải cách tổ chức bộ
   máy | <activity cells>") sets the group for the rows below; the activity has no number of
   its own, so it follows rule 4a for the row above (flags "inherited_number",
   "shares_group_row").

Cell placement: a row whose cells fit the header positionally and whose contents agree with
their columns keeps the positional reading. Otherwise (fewer cells than the header, or an
agency in a product/deadline column, a deadline in a lead column) cells are aligned to
columns in order by content: agency-like text (see `ingest.agencies.looks_like_agency`) only
goes to lead/coordinator/monitor columns, deadline-like text to the deadline column, other
text to task/goal/product. A lead is therefore never a product or a deadline. An agency cell
with a deadline fused onto its end ("Văn phòng UBND Theo tiến độ phê duyệt") is split first
("fused_cells"). Rows with fewer cells than the header are flagged "missing_cells"; cells
that fit no column are left out ("unplaced_cells"); a deadline printed before the agency
columns is moved to the deadline column ("reordered_cells"); one cell holding the values of
several rows (the same agency or deadline repeated) is flagged "merged_rows"; a record with
no lead is flagged "missing_lead".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.agencies import count_agency_mentions, looks_like_agency, split_agencies
from ingest.deadlines import fold_aligned, parse_deadline
from ingest.metadata import extract_metadata
from ingest.models import Block, SourceRef, TaskRecord
from ingest.vntext import nfc

NUMBER, TASK, LEAD, COORD, DEADLINE, PRODUCT, MONITOR, GOAL = (
    "number", "task", "lead", "coordinators", "deadline", "product", "monitor", "goal",
)
AGENCY_FIELDS = (LEAD, COORD, MONITOR)
TEXT_FIELDS = (TASK, GOAL, PRODUCT)

# Exact header synonyms (folded, punctuation collapsed), then keyword fallbacks.
_HEADER_SYNONYMS: dict[str, str] = {
    "stt": NUMBER, "tt": NUMBER, "so tt": NUMBER, "so thu tu": NUMBER,
    "nhiem vu": TASK, "ten nhiem vu": TASK, "nhiem vu/hoat dong": TASK, "nhiem vu hoat dong": TASK,
    "noi dung": TASK, "noi dung nhiem vu": TASK, "hoat dong": TASK, "nhiem vu, giai phap": TASK,
    "noi dung cong viec": TASK, "ten hoat dong": TASK,
    "chu tri thuc hien": LEAD, "co quan chu tri": LEAD, "don vi chu tri": LEAD, "chu tri": LEAD,
    "co quan, don vi chu tri": LEAD, "bo phan chu tri": LEAD, "don vi thuc hien": LEAD,
    "co quan thuc hien": LEAD, "co quan chu tri thuc hien": LEAD, "co quan, don vi thuc hien": LEAD,
    "don vi thuc hien chinh": LEAD, "co quan thuc hien chinh": LEAD,
    "phoi hop thuc hien": COORD, "co quan phoi hop": COORD, "don vi phoi hop": COORD,
    "phoi hop": COORD, "co quan, don vi phoi hop": COORD, "bo phan phoi hop": COORD,
    "thoi gian hoan thanh": DEADLINE, "thoi gian": DEADLINE, "thoi han": DEADLINE,
    "thoi han hoan thanh": DEADLINE, "tien do": DEADLINE, "thoi gian thuc hien": DEADLINE,
    "tien do hoan thanh": DEADLINE,
    "san pham": PRODUCT, "ket qua/san pham": PRODUCT, "ket qua san pham": PRODUCT,
    "ket qua": PRODUCT, "san pham dau ra": PRODUCT, "hinh thuc san pham": PRODUCT,
    "theo doi, kiem tra, don doc": MONITOR, "theo doi": MONITOR, "don vi theo doi": MONITOR,
    "muc tieu": GOAL, "chi tieu": GOAL, "muc tieu, chi tieu": GOAL,
}
_HEADER_KEYWORDS: tuple[tuple[str, str], ...] = (
    (r"^(stt|tt)\b", NUMBER),
    (r"chu tri", LEAD),
    (r"phoi hop", COORD),
    # "Cơ quan, đơn vị thực hiện", "Bộ phận thực hiện": the agency in charge, when no
    # "phối hợp" says it is the coordinating one
    (r"\b(co quan|don vi|bo phan|cong chuc)\b.*\bthuc hien\b", LEAD),
    (r"theo doi|don doc|giam sat", MONITOR),
    (r"thoi gian|thoi han|tien do", DEADLINE),
    (r"san pham|ket qua", PRODUCT),
    (r"muc tieu|chi tieu", GOAL),
    (r"nhiem vu|hoat dong|noi dung|cong viec", TASK),
)

_ROMAN_RE = re.compile(r"^[IVXLC]+\.?$")
_ARABIC_RE = re.compile(r"^\d+(?:\.\d+)*\.?$")
_LABEL_TITLE_RE = re.compile(r"^(?P<num>[IVXLC]+|\d+(?:\.\d+)*)\.?\s+(?P<title>\S.*)$")
_DEADLINE_START_RE = re.compile(
    r"^(thuong xuyen|theo (?!doi)|hang (nam|thang|quy|tuan)|quy [ivx1-4]|nam (19|20)\d\d|truoc |khi |"
    r"dinh ky|trong (nam|thang|quy)|thang \d|cham nhat|tu nam|sau \d|bat dau|ngay \d|\d{1,2}/\d{1,2}|"
    r"thuc hien thuong xuyen|lien tuc)"
)


def _clean_cell(text: str) -> str:
    text = nfc(text or "").replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text).strip()


def _folded(text: str) -> str:
    return re.sub(r"\s+", " ", fold_aligned(text)).strip()


def _syllables(text: str) -> int:
    return len(re.findall(r"\w+", text))


def header_field(cell: str) -> str | None:
    """The field one header cell names (exact synonym first, then keyword fallback)."""
    key = re.sub(r"\s*([,/])\s*", r"\1 ", _folded(cell)).replace("/ ", "/").strip(" .:")
    found = _HEADER_SYNONYMS.get(key)
    if found is None and key:
        for pattern, name in _HEADER_KEYWORDS:
            if re.search(pattern, key):
                return name
    return found


def _valid_layout(fields: list[str | None]) -> list[str | None] | None:
    known = [f for f in fields if f]
    if len(known) < 3 or TASK not in known or LEAD not in known:
        return None
    # A field claimed twice keeps its first column; later ones are unknown, not mis-mapped.
    fields = list(fields)
    seen: set[str] = set()
    for i, name in enumerate(fields):
        if name in seen:
            fields[i] = None
        elif name:
            seen.add(name)
    return fields


def map_header(cells: list[str]) -> list[str | None] | None:
    """Column → field for a header row, or None when the row is not a task-table header."""
    return _valid_layout([header_field(cell) for cell in cells])


_MAX_HEADER_SYLLABLES = 10  # a header cell is a label, not a sentence
_MAX_SUBHEADER_SYLLABLES = 5  # "Chủ trì", "Phối hợp", "Cơ quan phối hợp thực hiện"


def _partial_header(cells: list[str]) -> list[str | None] | None:
    """The top row of a two-level header that names the task but not yet the lead (its
    agency columns are named on the row below: "Đơn vị" over "Chủ trì | Phối hợp")."""
    if cells and (_ARABIC_RE.match(cells[0]) or _ROMAN_RE.match(cells[0])):
        return None
    fields = [header_field(cell) for cell in cells]
    known = [f for f in fields if f]
    if TASK in known and len(known) >= 2 and all(_syllables(c) <= _MAX_HEADER_SYLLABLES for c in cells):
        return fields
    return None


def merge_subheader(top: list[str | None], cells: list[str]) -> list[str | None] | None:
    """The layout of a two-level header: the top row's fields, with the columns the row below
    names ("Chủ trì", "Phối hợp" under a spanning "Đơn vị thực hiện") taking the field the
    lower cell names. None when `cells` is not such a sub-header row: every non-empty cell
    must be a short label (a fragment of a cell cut by a page break is longer) naming a field."""
    named = [(pos, header_field(cell)) for pos, cell in enumerate(cells) if cell]
    if not named or any(name is None for _, name in named):
        return None
    if any(_syllables(cell) > _MAX_SUBHEADER_SYLLABLES for cell in cells):
        return None
    fields = list(top) + [None] * max(0, len(cells) - len(top))
    spans = [pos for pos, _ in named]
    for pos, name in named:
        fields[pos] = name
    # a field now named by the sub-header is no longer claimed by another top-row column
    claimed = {name for _, name in named}
    for pos, name in enumerate(fields):
        if name in claimed and pos not in spans:
            fields[pos] = None
    return _valid_layout(fields)


def looks_like_deadline(text: str, strong_only: bool = False) -> bool:
    """Content cue for the deadline column ("Thường xuyên", "Quý I/2026", "Theo tiến độ ...")."""
    if not text or looks_like_agency(text):
        return False
    kind = parse_deadline(text).kind
    if kind == "unknown":
        return False
    n = _syllables(text)
    if _DEADLINE_START_RE.match(_folded(text)) and n <= 16:
        return True
    return not strong_only and n <= 8


def _split_fused_deadline(cell: str) -> tuple[str, str] | None:
    """"Văn phòng UBND Theo tiến độ phê duyệt" → ("Văn phòng UBND", "Theo tiến độ phê duyệt")."""
    words = cell.split(" ")
    for i in range(1, len(words)):
        if not (words[i][:1].isupper() or words[i][:1].isdigit()):
            continue
        head, tail = " ".join(words[:i]), " ".join(words[i:])
        if looks_like_agency(head) and looks_like_deadline(tail, strong_only=True):
            return head, tail
    return None


def _is_repeated_phrase(text: str) -> bool:
    words = text.split()
    n = len(words)
    for size in range(1, n // 2 + 1):
        if n % size == 0 and words[:size] * (n // size) == words:
            return True
    return False


@dataclass
class _Group:
    number: str
    title: str
    roman: bool

    @property
    def label(self) -> str:
        return f"{self.number}. {self.title}"

    @property
    def level(self) -> int:
        return 1 if self.roman else 2 + self.number.count(".")


@dataclass
class _Draft:
    number: str
    fields: dict[str, str]
    groups: list[_Group]
    line_start: int
    line_end: int
    page: int | None
    positions: dict[int, str]
    flags: list[str] = field(default_factory=list)

    def flag(self, name: str) -> None:
        if name not in self.flags:
            self.flags.append(name)


# Deadline kinds a product cell may state for a row whose deadline cell states none.
_DATED_KINDS = frozenset({"date", "month", "quarter", "half_year"})


def _classify(cell: str) -> str:
    if not cell:
        return "E"
    if looks_like_agency(cell):
        return "A"
    if looks_like_deadline(cell, strong_only=True):
        return "D"
    if looks_like_deadline(cell):
        return "d"
    return "T"


def _score(cls: str, name: str, cell: str, merged_goal: bool) -> float:
    if name in AGENCY_FIELDS:
        return {"A": 3.0, "D": -6.0, "d": -4.0}.get(cls, -4.0 if _syllables(cell) > 16 else -2.0)
    if name == DEADLINE:
        return {"A": -6.0, "D": 3.0, "d": 2.0}.get(cls, -1.5)
    if name in TEXT_FIELDS:
        if cls == "A":
            return -4.0
        if cls == "D":
            return -4.0
        base = {TASK: 2.5, GOAL: 1.5, PRODUCT: 1.5}[name]
        if cls == "d":
            base -= 2.0
        if name == GOAL:
            base += 1.0 if "%" in cell else 0.0
            base -= 1.5 if merged_goal else 0.0
        if name == PRODUCT and _syllables(cell) <= 8:
            base += 0.5
        return base
    return -1.0  # unknown column: only when nothing else fits


_UNPLACED = -3.0


def _align(cells: list[tuple[int, str]], columns: list[tuple[int, str | None]], merged_goal: bool):
    """Order-preserving placement of (position, text) cells into (index, field) columns.

    Returns ({field: (position, text)}, [unplaced (position, text)]).
    """
    classes = [_classify(text) for _, text in cells]
    n, m = len(cells), len(columns)
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    choice = [[""] * (m + 1) for _ in range(n + 1)]
    for i in range(n, -1, -1):
        for j in range(m, -1, -1):
            if i == n:
                best[i][j], choice[i][j] = 0.0, "end"
                continue
            # ties prefer taking the earlier column (the lead before the coordinators)
            options = []
            if j < m:
                col_index, name = columns[j]
                if name is not None:
                    s = _score(classes[i], name, cells[i][1], merged_goal)
                    s += 0.05 if col_index == cells[i][0] else 0.0
                    options.append((best[i + 1][j + 1] + s, "take"))
                options.append((best[i][j + 1], "skip_col"))
            options.append((best[i + 1][j] + _UNPLACED, "skip_cell"))
            best[i][j], choice[i][j] = max(options, key=lambda o: o[0])
    placed: dict[str, tuple[int, str]] = {}
    unplaced: list[tuple[int, str]] = []
    i = j = 0
    while i < n:
        step = choice[i][j]
        if step == "skip_cell":
            unplaced.append(cells[i])
            i += 1
        elif step == "skip_col":
            j += 1
        else:
            placed[columns[j][1]] = cells[i]  # type: ignore[index]
            i += 1
            j += 1
    return placed, unplaced


class _TableParser:
    def __init__(self, document: str, commune: str, year_start: int | None, year_end: int | None):
        self.document = document
        self.commune = commune
        self.year_start = year_start
        self.year_end = year_end
        self.layout: list[str | None] | None = None
        self.groups: list[_Group] = []
        self.drafts: list[_Draft] = []
        self.page_break = False
        self.last_line: int | None = None
        self.last_page: int | None = None
        self.top_group_start = 0  # index in drafts where the current roman group began
        self.table_start = 0  # index in drafts where the current table began
        self.open_group_row: _Group | None = None  # the group the last row opened, if it did
        self.header_top: list[str | None] | None = None  # a header row a sub-header may complete
        self.header_ends = False  # the pending top row ends the current table unless completed
        self.layout_top: list[str | None] | None = None  # the top row of the current layout

    # ------------------------------------------------------------------ driving
    def feed(self, block: Block) -> None:
        cells = [_clean_cell(c) for c in (block.cells if block.cells is not None else block.text.split("\t"))]
        if self.last_line is not None and block.line_start > self.last_line + 1:
            self.page_break = True
        if self.last_page is not None and block.page is not None and block.page != self.last_page:
            self.page_break = True
        self.last_line, self.last_page = block.line_end, block.page

        top, ends, self.header_top = self.header_top, self.header_ends, None
        if top is not None:
            merged = merge_subheader(top, cells)
            if merged is not None:  # rule 1b: the second row of a two-level header
                self._sub_header(top, merged)
                return
            if ends:
                self.end_table()  # a partial header that no sub-header completed
        header = map_header(cells)
        if header is None:
            partial = _partial_header(cells)
            repeated = partial is not None and self.layout is not None and partial == self.layout_top
            if partial is not None and (repeated or self.layout is None or block.kind == "table_header"):
                self.header_top, self.header_ends = partial, not repeated and self.layout is not None
                self.page_break = self.page_break or repeated
                return
        if header is None and block.kind == "table_header":
            self.end_table()  # the header of another kind of table
            return
        if header is not None:
            self.header_top, self.header_ends = header, False  # a sub-header row may follow
            if self.layout is not None and header in (self.layout, self.layout_top):
                self.page_break = True
            else:
                self._new_layout(header, header)
            return
        if self.layout is None or not any(cells):
            return
        group = self.open_group_row
        self.open_group_row = None
        tail = self._title_tail(cells) if group is not None and self.page_break else None
        if group is not None and tail:
            group.title = f"{group.title} {tail}".strip()  # a group row split by a page break
            self.open_group_row = group
        else:
            self._row(cells, block)
        self.page_break = False

    def _new_layout(self, layout: list[str | None], top: list[str | None]) -> None:
        self.layout, self.layout_top, self.groups = layout, top, []
        self.page_break = False
        self.table_start = self.top_group_start = len(self.drafts)

    def _sub_header(self, top: list[str | None], merged: list[str | None]) -> None:
        """The row under `top` names its columns further: refine the table just started by
        `top`, or start the table a partial `top` announced; a repeat after a page break
        changes nothing."""
        if self.layout is not None and top == self.layout_top:
            self.layout = merged
        else:
            self._new_layout(merged, top)

    @staticmethod
    def _title_tail(cells: list[str]) -> str | None:
        """The rest of a group title cut by a page break: in the title cell ("I | Cải cách"
        rows), or alone in the first cell when the title spans the row ("1.1 Đảm bảo …")."""
        if not cells[0] and cells[1:2] and cells[1] and not any(cells[2:]):
            return cells[1]
        first = cells[0]
        if first and not any(cells[1:]) and not (
                _LABEL_TITLE_RE.match(first) or _ROMAN_RE.match(first) or _ARABIC_RE.match(first)):
            return first
        return None

    def end_table(self) -> None:
        self.layout, self.groups, self.page_break = None, [], False
        self.header_top = self.layout_top = None
        self.header_ends = False
        self.open_group_row = None
        self.last_line = self.last_page = None

    def _row(self, cells: list[str], block: Block) -> None:
        assert self.layout is not None
        first = cells[0]
        rest_empty = not any(cells[1:])
        m = _LABEL_TITLE_RE.match(first)
        if m and rest_empty:
            self._open_group(m.group("num"), m.group("title"))
            return
        if _ROMAN_RE.match(first):
            title = next((c for c in cells[1:] if c), "")
            self._open_group(first.rstrip("."), title)
            if any(cells[2:]):
                activity = ["", ""] + cells[2:]
                self._unnumbered(activity, block, extra_flags=["shares_group_row"], force_activity=True)
            return
        if m and not rest_empty and not _ARABIC_RE.match(first):
            # number and task fused into the first cell
            cells = [m.group("num"), m.group("title")] + cells[1:]
            self._numbered(cells, block, extra_flags=["fused_cells"])
            return
        if _ARABIC_RE.match(first):
            self._numbered(cells, block)
            return
        if first:
            # no number cell at all: the row lost its first column
            self._unnumbered([""] + cells, block, extra_flags=["missing_cells"])
            return
        self._unnumbered(cells, block)

    # ------------------------------------------------------------------ groups
    def _open_group(self, number: str, title: str) -> None:
        group = _Group(number=number, title=title.strip(" .:"), roman=bool(_ROMAN_RE.match(number)))
        self.open_group_row = group
        if group.roman:
            self.groups = [group]
            self.top_group_start = len(self.drafts)
            return
        self.groups = [g for g in self.groups if g.level < group.level]
        self.groups.append(group)
        # a task numbered like the group, printed just before its group row, heads that group
        for draft in self.drafts[self.top_group_start :]:
            if draft.number == number:
                draft.groups = list(self.groups)

    def _fit_groups(self, number: str) -> None:
        """Drop arabic groups that do not contain this task number; add implicit parents."""
        def contains(group: _Group) -> bool:
            return group.roman or number == group.number or number.startswith(group.number + ".")

        self.groups = [g for g in self.groups if contains(g)]
        if "." not in number:
            return
        parent = number.rsplit(".", 1)[0]
        if any(g.number == parent for g in self.groups):
            return
        heads = [d for d in self.drafts[self.top_group_start :] if d.number == parent]
        if not heads:
            return
        title = heads[0].fields.get(GOAL) or heads[0].fields.get(TASK, "")
        group = _Group(number=parent, title=title.strip(" .:"), roman=False)
        self.groups.append(group)
        for draft in heads:
            draft.groups = list(self.groups)

    # ------------------------------------------------------------------ rows
    def _place(self, cells: list[str], numbered: bool) -> tuple[dict[str, str], dict[int, str], list[str]]:
        """Fields, position→field map and flags for a data row (number cell excluded)."""
        assert self.layout is not None
        layout = self.layout
        flags: list[str] = []
        data: list[tuple[int, str]] = []
        for pos, text in enumerate(cells[1:], start=1):
            split = _split_fused_deadline(text) if text else None
            if split:
                flags.append("fused_cells")
                data.append((pos, split[0]))
                data.append((pos, split[1]))
            else:
                data.append((pos, text))
        # trailing empties beyond the header never count
        while len(data) > len(layout) - 1 and not data[-1][1]:
            data.pop()
        if len(data) < len(layout) - 1:
            flags.append("missing_cells")

        placed = self._positional(data) if "fused_cells" not in flags else None
        positions: dict[int, str] = {}
        fields: dict[str, str] = {}
        if placed is not None:
            for (pos, text), name in placed:
                if name and text:
                    fields[name] = text
                    positions[pos] = name
            return fields, positions, flags
        columns = [(i, name) for i, name in enumerate(layout) if i > 0 and name != NUMBER]
        nonempty = [(pos, text) for pos, text in data if text]
        chosen, unplaced = _align(nonempty, columns, merged_goal=not numbered)
        for name, (pos, text) in chosen.items():
            fields[name] = text
            positions.setdefault(pos, name)
        for pos, text in unplaced:
            if DEADLINE in layout and DEADLINE not in fields and looks_like_deadline(text):
                fields[DEADLINE] = text
                positions.setdefault(pos, DEADLINE)
                flags.append("reordered_cells")
            else:
                flags.append("unplaced_cells")
        return fields, positions, flags

    def _positional(self, data: list[tuple[int, str]]):
        """The positional reading, or None when a cell disagrees with its column."""
        assert self.layout is not None
        layout = self.layout
        if len(data) > len(layout) - 1:
            return None
        pairs = [((pos, text), layout[i + 1]) for i, (pos, text) in enumerate(data)]
        has_deadline = any(name == DEADLINE and text for (_, text), name in pairs)
        filled = {name for (_, text), name in pairs if text}
        agency_gap = any(name in AGENCY_FIELDS and name not in filled for name in layout)
        for (_, text), name in pairs:
            if not text:
                continue
            cls = _classify(text)
            if name in AGENCY_FIELDS and cls in ("D", "d"):
                return None
            if name in AGENCY_FIELDS and cls == "T" and _syllables(text) > 16:
                return None
            if name == DEADLINE and cls == "A":
                return None
            if name in TEXT_FIELDS and cls == "A" and agency_gap:
                # an agency in a text column while an agency column is empty: the row is shifted
                return None
            if name in TEXT_FIELDS and cls == "D" and not has_deadline and DEADLINE in layout:
                return None
        return pairs

    def _new_draft(self, number: str, fields: dict[str, str], positions: dict[int, str], block: Block, flags: list[str]) -> _Draft:
        draft = _Draft(
            number=number, fields=fields, groups=list(self.groups), line_start=block.line_start,
            line_end=block.line_end, page=block.page, positions=positions,
        )
        for f in flags:
            draft.flag(f)
        self.drafts.append(draft)
        return draft

    def _numbered(self, cells: list[str], block: Block, extra_flags: list[str] | None = None) -> None:
        number = cells[0].rstrip(".")
        self._fit_groups(number)
        fields, positions, flags = self._place(cells, numbered=True)
        self._new_draft(number, fields, positions, block, flags + (extra_flags or []))

    def _unnumbered(self, cells: list[str], block: Block, extra_flags: list[str] | None = None,
                    force_activity: bool = False) -> None:
        fields, positions, flags = self._place(cells, numbered=False)
        prev = self.drafts[-1] if len(self.drafts) > self.table_start else None
        others = sum(1 for name in (DEADLINE, PRODUCT, COORD, MONITOR) if fields.get(name))
        full = bool(fields.get(TASK)) and bool(fields.get(LEAD)) and others >= 1
        first_text = next((c for c in cells[1:] if c), "")
        lower_after_break = self.page_break and first_text[:1].islower()
        if prev is None:
            if not (full or force_activity):
                return
            self._new_draft("", fields, positions, block, flags + (extra_flags or []))
            return
        if (full or force_activity) and not lower_after_break:
            goal = fields.get(GOAL, "")
            if goal and self.page_break:
                prev.fields[GOAL] = (prev.fields.get(GOAL, "") + " " + goal).strip()
                prev.flag("continuation_joined")
                prev.line_end = max(prev.line_end, block.line_end)
                fields[GOAL] = prev.fields[GOAL]
            elif not goal and prev.fields.get(GOAL):
                fields[GOAL] = prev.fields[GOAL]
            draft = self._new_draft(prev.number, fields, positions, block, flags + (extra_flags or []))
            draft.groups = list(prev.groups) if "shares_group_row" in (extra_flags or []) else draft.groups
            draft.flag("inherited_number")
            return
        self._join(prev, cells, block)

    def _join(self, prev: _Draft, cells: list[str], block: Block) -> None:
        """Append the fragments of a row split by a page break to the previous record."""
        assert self.layout is not None
        # A fragment row after a page break with every cell of the header, below a row read
        # positionally (a PDF or DOCX table cut by a page break keeps its columns), continues
        # the cells above column by column, whatever the fragments look like ("Văn phòng UBND"
        # + "xã; Các bộ phận có liên quan"). Otherwise each fragment goes where it fits.
        aligned = self.page_break and len(cells) == len(self.layout) and all(
            pos < len(self.layout) and self.layout[pos] == name for pos, name in prev.positions.items())
        for pos, text in enumerate(cells):
            if not text or pos == 0:
                continue
            kept = prev.positions.get(pos)
            if (aligned and kept and prev.fields.get(kept)
                    and not (kept in AGENCY_FIELDS and _classify(text) in ("D", "d"))):
                prev.fields[kept] = f"{prev.fields[kept]} {text}"
                continue
            candidates = [kept, self.layout[pos] if pos < len(self.layout) else None]
            target = next((c for c in candidates if c and self._joinable(prev, c, text)), None)
            if target is None:
                cls = _classify(text)
                if cls in ("D", "d") and not prev.fields.get(DEADLINE):
                    target = DEADLINE
                elif cls == "A":
                    target = LEAD if not prev.fields.get(LEAD) else COORD
                else:
                    target = TASK
            prev.fields[target] = (prev.fields.get(target, "") + " " + text).strip()
        prev.flag("continuation_joined")
        prev.line_end = max(prev.line_end, block.line_end)

    @staticmethod
    def _joinable(prev: _Draft, name: str, tail: str) -> bool:
        head = prev.fields.get(name, "")
        cls = _classify(tail)
        if name in AGENCY_FIELDS:
            if not head:
                return cls == "A"
            # the tail of a split name ("Trung tâm Phục vụ Hành chính" + "Công", "Các cơ quan,
            # đơn vị" + "liên quan" when a PDF page break cuts the cell) or a further agency
            return cls == "A" or (cls == "T" and (_syllables(tail) <= 3 or tail.startswith("(")))
        if name == DEADLINE:
            return cls != "A" and (bool(head) or cls in ("D", "d"))
        if name in TEXT_FIELDS:
            return cls not in ("A", "D") or bool(head)
        return False

    # ------------------------------------------------------------------ output
    def records(self) -> list[TaskRecord]:
        out: list[TaskRecord] = []
        for draft in self.drafts:
            f = draft.fields
            labels = tuple(g.label for g in draft.groups)
            lead = f.get(LEAD, "")
            coords = f.get(COORD, "")
            deadline = f.get(DEADLINE, "")
            leads = split_agencies(lead)
            if lead and not leads:
                leads = [lead]
            deadline_norm = parse_deadline(deadline, self.year_start, self.year_end)
            product = f.get(PRODUCT, "")
            if deadline_norm.kind == "unknown" and product:
                # the plan wrote the due date in the product cell ("… báo cáo kết quả chậm nhất
                # trong tháng 9/2026") and a product in the deadline cell: the date is the deadline
                stated = parse_deadline(product, self.year_start, self.year_end)
                if stated.kind in _DATED_KINDS and stated.start is not None:
                    deadline_norm = stated
                    draft.flag("deadline_in_product")
            record = TaskRecord(
                document=self.document,
                commune=self.commune,
                origin="table",
                area=" › ".join(labels),
                number=draft.number,
                task=f.get(TASK, ""),
                lead=lead,
                coordinators=coords,
                product=f.get(PRODUCT, ""),
                deadline=deadline,
                monitor=f.get(MONITOR, ""),
                goal=f.get(GOAL, ""),
                source=SourceRef(
                    document=self.document,
                    section_path=("Phụ lục", *labels, draft.number) if draft.number else ("Phụ lục", *labels),
                    line_start=draft.line_start,
                    line_end=draft.line_end,
                    page=draft.page,
                ),
                leads=leads,
                coordinator_list=split_agencies(coords),
                deadline_norm=deadline_norm,
                flags=list(draft.flags),
            )
            if not lead:
                record.flags.append("missing_lead")
            if (lead and count_agency_mentions(lead) > len(leads)) or (deadline and _is_repeated_phrase(deadline)):
                if "merged_rows" not in record.flags:
                    record.flags.append("merged_rows")
            out.append(record)
        return out


def plan_years(blocks: list[Block], document: str = "") -> tuple[int | None, int | None]:
    """The plan period ("2026" or "2026-2030") read from the blocks by `ingest.metadata`."""
    metadata = extract_metadata(document, blocks)
    return metadata.year_start, metadata.year_end


def parse_tables(blocks: list[Block], document: str, commune: str,
                 plan_year_start: int | None = None, plan_year_end: int | None = None) -> list[TaskRecord]:
    """Task records from every task table among the blocks (rows of other tables are ignored)."""
    if plan_year_start is None and plan_year_end is None:
        plan_year_start, plan_year_end = plan_years(blocks, document)
    parser = _TableParser(document, commune, plan_year_start, plan_year_end)
    for block in blocks:
        if block.kind in ("table_header", "table_row"):
            parser.feed(block)
        elif block.kind == "heading":
            parser.end_table()
    return parser.records()
