"""Normalisation: raw loaded lines -> clean logical lines, each mapped to its source lines.

Pure functions. What happens to a line:
  * NFC; HTML tags stripped (`<b>x</b>` -> `x`, `<br>` -> space) and entities decoded;
    markdown heading marks, emphasis (`**x**`, `*x*`, `__x__`) and escapes removed, text kept;
    odd spaces (NBSP, zero-width, soft hyphen) cleaned and runs of spaces collapsed.
  * Table rows (tab-separated, or markdown pipe rows converted to tabs) are cleaned cell by
    cell and keep every tab, so the column count survives.
  * A run of 5+ spaces inside a line is a column gap (two-column signature layouts in PDF
    text, tabs in DOCX body paragraphs): the line is split there.
  * Hard-wrapped lines are re-joined into paragraphs (see `should_join`). Plain text gets the
    conservative rule (join only a lowercase continuation onto a line without closing
    punctuation); text extracted from PDFs, detected by `looks_hard_wrapped` or flagged by
    the loader, also joins after a trailing comma or connector word, ignores blank lines that
    page breaks inserted mid-paragraph and drops bare page numbers.
Blank lines disappear from the output; `gap_before` records that one preceded a line.
"""

from __future__ import annotations

import html
import re
import statistics
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.models import LoadedLine

# -- patterns -------------------------------------------------------------------------

_ROMAN = r"(?:XX|XIX|XVIII|XVII|XVI|XV|XIV|XIII|XII|XI|X|IX|VIII|VII|VI|V|IV|III|II|I)"
ROMAN_HEADING_RE = re.compile(rf"^({_ROMAN})\.\s+(\S.*)$")
# "1. Text", "2.1. Text", "2.1 Text"; at most two digits per part, so "2026. " is not a marker.
ARABIC_HEADING_RE = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)(\.?)\s+(\S.*)$")
LETTER_HEADING_RE = re.compile(r"^([a-zđ])\)\s+(\S.*)$")
BULLET_RE = re.compile(r"^([-+•·◦*–])\s+(\S.*)$")
ARTICLE_RE = re.compile(r"^Điều\s+\d+\b")
SIGNATURE_TITLE_RE = re.compile(r"^(?:KT|TM|TL|TUQ|Q)\s?\.\s*\S")
NUMBER_LINE_RE = re.compile(r"^Số\s*:")
# "Lộc Hòa, ngày 22 tháng 01 năm 2025", also with blank day/month.
PLACE_DATE_RE = re.compile(r"^[^\W\d][^,\n]{0,60},\s*ngày\b.*\bnăm\s+\d{4}\b", re.IGNORECASE)
MOTTO_RE = re.compile(r"^(CỘNG HÒA|CỘNG HOÀ) XÃ HỘI CHỦ NGHĨA VIỆT NAM$|^Độc lập\s*[-–]\s*Tự do\s*[-–]\s*Hạnh phúc$",
                      re.IGNORECASE)
_PAGE_NUMBER_RE = re.compile(r"^(?:[-–]\s*)?\d{1,3}(?:\s*[-–])?$|^Trang\s+\d+(?:\s*/\s*\d+)?$", re.IGNORECASE)

_HTML_BREAK_RE = re.compile(r"<\s*br\s*/?\s*>", re.IGNORECASE)
_HTML_TAG_RE = re.compile(r"</?[a-zA-Z][^<>]*>")
_MD_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}(?:\s+|$)")  # a bare "#" is an empty heading
_MD_HEADING_CLOSE_RE = re.compile(r"\s+#+\s*$")
_MD_RULE_RE = re.compile(r"^\s*(?:[-=_*]\s*){3,}$")
_MD_ESCAPE_RE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|])")
_MD_STRONG_RE = re.compile(r"\*\*|__")
_MD_EM_STAR_RE = re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])")
_MD_EM_UNDERSCORE_RE = re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])")
_STRAY_STAR_RE = re.compile(r"(?<=\w)\*|\*(?=\w)")
_MD_BULLET_RE = re.compile(r"^\*\s+")
_DOUBLE_BULLET_RE = re.compile(r"^[-–]\s+\+\s+")
_ODD_SPACE_RE = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_INVISIBLE_RE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")
_COLUMN_GAP_RE = re.compile(r"(?<=\S) {5,}(?=\S)")
_SPACES_RE = re.compile(r" {2,}")
_SPACE_BEFORE_PUNCT_RE = re.compile(r" +([,.;:!?])(?=\s|$)")
_PAREN_INNER_SPACE_RE = re.compile(r"\(\s+|\s+\)")
_PIPE_SEPARATOR_CELL_RE = re.compile(r"^:?-{3,}:?$")

# Closing punctuation that ends a sentence or a clause a new line may follow.
_SENTENCE_END_RE = re.compile(r"[.!?;:…][\"”’)\]]*$")
# Words a Vietnamese sentence cannot end on: a line ending with one continues on the next.
_MAX_PAGE_WIDTH = 130  # characters on one printed line of a portrait page, generously
_CONNECTORS = frozenset(
    "của và các những với cho trong theo tại về để từ là được có đã nhằm hoặc như đến trên "
    "giữa bằng do mà thì một hay nhưng sự việc bị sẽ đang vào qua số gồm nhất là cùng "
    "thuộc đối tới dưới sau trước khi nếu vì bởi cả rất".split()
)


@dataclass(frozen=True)
class NormalisedLine:
    """One logical line of the plan: a paragraph, list item, heading or table row."""

    text: str
    line_start: int           # 1-based source line range, inclusive
    line_end: int
    page: int | None = None
    gap_before: bool = False  # a blank line preceded it in the source

    @property
    def is_table_row(self) -> bool:
        return "\t" in self.text


# -- inline cleaning ------------------------------------------------------------------


def _clean_spaces(text: str) -> str:
    text = _INVISIBLE_RE.sub("", _ODD_SPACE_RE.sub(" ", text))
    text = _SPACES_RE.sub(" ", text.replace("\r", " ").replace("\f", " ").replace("\v", " "))
    text = _PAREN_INNER_SPACE_RE.sub(lambda m: "(" if "(" in m.group() else ")", text)
    text = _SPACE_BEFORE_PUNCT_RE.sub(r"\1", text)
    return text.strip()


def strip_markup(text: str) -> str:
    """HTML tags and entities, markdown escapes and emphasis -> plain text (NFC)."""
    text = unicodedata.normalize("NFC", text)
    text = _HTML_BREAK_RE.sub(" ", text)
    text = _HTML_TAG_RE.sub("", text)
    text = html.unescape(text)
    text = _MD_ESCAPE_RE.sub(r"\1", text)
    text = _MD_STRONG_RE.sub("", text)
    text = _MD_EM_STAR_RE.sub(r"\1", text)
    text = _MD_EM_UNDERSCORE_RE.sub(r"\1", text)
    text = _STRAY_STAR_RE.sub("", text)
    return unicodedata.normalize("NFC", text)


def clean_cell(text: str) -> str:
    return _clean_spaces(strip_markup(text))


def clean_text(text: str) -> str:
    """Clean one prose line: markup, heading marks, bullets, whitespace."""
    text = unicodedata.normalize("NFC", text)
    text = _MD_HEADING_RE.sub("", text)
    text = _MD_BULLET_RE.sub("- ", text.lstrip())
    text = _clean_spaces(strip_markup(text))
    text = _MD_HEADING_CLOSE_RE.sub("", text)
    text = _MD_HEADING_RE.sub("", text)  # "**### x**" style: marks revealed by emphasis removal
    return _DOUBLE_BULLET_RE.sub("+ ", text)


def _is_table_text(raw: str) -> bool:
    """Tab-separated row? A single leading tab with no other tab is just indentation."""
    stripped = raw.strip(" \r\n")
    if "\t" not in stripped:
        return False
    return stripped.count("\t") >= 2 or not stripped.startswith("\t")


def _pipe_cells(raw: str) -> list[str] | None:
    stripped = raw.strip()
    if len(stripped) < 3 or not (stripped.startswith("|") and stripped.endswith("|")):
        return None
    cells = [c.strip() for c in stripped[1:-1].split("|")]
    return cells if len(cells) >= 2 else None


def clean_line(raw: str) -> list[str]:
    """One raw line -> zero or more cleaned pieces (several when the line holds columns)."""
    # Invisible characters go first: a soft hyphen between "*" and a word hides the stray mark
    # from markup cleaning, which would then find it on the next pass.
    raw = _INVISIBLE_RE.sub("", raw.replace("\r", ""))
    pipe = _pipe_cells(raw)
    if pipe is not None:
        if all(_PIPE_SEPARATOR_CELL_RE.match(c) or not c for c in pipe):
            return []
        cells = [clean_cell(c) for c in pipe]
        return ["\t".join(cells)] if any(cells) else []
    if _is_table_text(raw):
        cells = [clean_cell(c) for c in raw.strip(" \r\n").split("\t")]
        if not any(cells):
            return []
        row = "\t".join(cells)
        # A row that cleaning left as "<tab>text" would read as indented prose next time:
        # treat it as that prose now, so normalising twice changes nothing.
        return [row] if _is_table_text(row) else clean_line(row)
    if _MD_RULE_RE.match(raw):
        return []
    expanded = _ODD_SPACE_RE.sub(" ", raw.replace("\t", " ")).strip()
    pieces = [clean_text(part) for part in _COLUMN_GAP_RE.split(expanded)]
    return [p for p in pieces if p and not _MD_RULE_RE.match(p)]  # "- - - &nbsp;" is a rule once cleaned


# -- line classification --------------------------------------------------------------


def is_upper_text(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and sum(c.isupper() for c in letters) >= 0.8 * len(letters)


def heading_marker(text: str) -> str | None:
    """'roman' / 'arabic' / 'letter' when the line starts with a heading-style number."""
    if ROMAN_HEADING_RE.match(text):
        return "roman"
    match = ARABIC_HEADING_RE.match(text)
    if match and (match.group(2) or "." in match.group(1)) and not match.group(3)[0].islower():
        return "arabic"
    if LETTER_HEADING_RE.match(text):
        return "letter"
    return None


def starts_unit(text: str, hard_wrapped: bool = False) -> bool:
    """Does this line open a new unit (list item, heading, article, signature, ...)?"""
    bullet = BULLET_RE.match(text)
    if bullet:
        # In PDF text "kinh tế\n- xã hội" wraps a hyphenated phrase, not a list item.
        return not (hard_wrapped and bullet.group(2)[0].islower())
    if heading_marker(text) or ARTICLE_RE.match(text) or SIGNATURE_TITLE_RE.match(text):
        return True
    return text.startswith(("Nơi nhận", "Căn cứ", "PHỤ LỤC", "Phụ lục"))


def is_standalone(text: str) -> bool:
    """Lines that are never part of a wrapped paragraph: titles, motto, number/date lines."""
    return is_upper_text(text) or _standalone_head(text[:_HEAD], len(text))


def _standalone_head(head: str, length: int) -> bool:
    """The motto, number and place-date rules: all decided by a line's first characters
    (a place-date line is short), so joining stays linear in the paragraph's length."""
    return bool(
        (length <= _HEAD and MOTTO_RE.match(head))
        or NUMBER_LINE_RE.match(head)
        or PLACE_DATE_RE.match(head)
    )


# An acronym alone that closes a sentence ("PAPI.", "TTHC;"): the wrapped end of the line
# above, not an upper-case title (titles carry no final punctuation; roman numbers are headings).
_ACRONYM_END_RE = re.compile(r"^(?![IVXLC]+\.$)[^\W\d_]{2,10}[.;,]$")


def is_acronym_end(text: str) -> bool:
    return bool(_ACRONYM_END_RE.match(text)) and text[:-1].isupper()


def looks_like_person_name(text: str) -> bool:
    """Two to four capitalised words and nothing else ("Hồ Quốc Tân"): a signer's name."""
    words = text.split()
    return 2 <= len(words) <= 4 and all(
        w.isalpha() and w[0].isupper() and (len(w) == 1 or w[1:].islower()) for w in words)


def ends_sentence(text: str) -> bool:
    return bool(_SENTENCE_END_RE.search(text.rstrip()))


def _ends_with_connector(text: str) -> bool:
    text = text.rstrip()
    if text.endswith((",", "-", "–", "(", "/")):
        return True
    words = text.split()
    return bool(words) and words[-1].lower() in _CONNECTORS


def _starts_lowercase(text: str) -> bool:
    return text[:1].islower()


def should_join(previous: str, line: str, hard_wrapped: bool, *, full_width: bool = False) -> bool:
    """Is `line` the continuation of the paragraph ending with `previous`?

    Shared by both modes: never across table rows, titles or a line that opens a unit; a
    line starting in lowercase continues a previous line that has no closing punctuation.
    PDF text only (`hard_wrapped`), for a line that does not open a unit:
      * lowercase start continues even after closing punctuation;
      * a line continues one that ends with a comma, a connector word ("của", "và", ...)
        or inside an open parenthesis;
      * a line starting with a digit, "(x" or "- x" (a wrapped "kinh tế - xã hội") continues
        a line that is not a short heading;
      * when the previous physical line ran to the full page width (`full_width`) without
        closing punctuation, the break was a wrap. (A full line that closes a sentence is
        left alone: PDF text has no blank lines, so that is where paragraphs end.)
    """
    return _Paragraph(previous).accepts(line, hard_wrapped, full_width=full_width)


# Characters of a paragraph's start that its classification reads (see `_standalone_head`).
_HEAD = 200


class _Paragraph:
    """A logical line being built from physical lines, with what `should_join` reads about
    it kept up to date piece by piece: joining costs the length of the new piece, never the
    length of the paragraph (re-reading the paragraph at every join was quadratic)."""

    __slots__ = ("pieces", "line_start", "line_end", "page", "gap_before", "tail_length",
                 "length", "letters", "uppers", "open_parens", "_head")

    def __init__(self, text: str, line_start: int = 0, page: int | None = None,
                 gap_before: bool = False, tail_length: int = 0) -> None:
        self.pieces = [text]
        self.line_start = self.line_end = line_start
        self.page, self.gap_before, self.tail_length = page, gap_before, tail_length
        self.length = self.letters = self.uppers = self.open_parens = 0
        self._head: str | None = None
        self._count(text)

    def _count(self, text: str) -> None:
        self.length += len(text) + (1 if self.length else 0)
        for ch in text:
            if ch.isalpha():
                self.letters += 1
                self.uppers += ch.isupper()
        self.open_parens += text.count("(") - text.count(")")

    @property
    def head(self) -> str:
        """The cleaned paragraph's first `_HEAD` characters (cleaning can change the start:
        "*" + "b" reads "- b")."""
        if self._head is None:
            taken, size = [], 0
            for piece in self.pieces:
                taken.append(piece)
                size += len(piece) + 1
                if size > 2 * _HEAD:
                    break
            self._head = clean_text(" ".join(taken))[:_HEAD]
        return self._head

    @property
    def tail(self) -> str:
        """The cleaned paragraph's end (the junction with the piece before can change it:
        "x." + ")" reads "x.)")."""
        if len(self.pieces) == 1:
            return self.pieces[0]
        return clean_text(f"{self.pieces[-2][-_HEAD:]} {self.pieces[-1]}")

    def add(self, text: str, line_number: int, tail_length: int) -> None:
        self.pieces.append(text)
        self.line_end, self.tail_length = line_number, tail_length
        self._count(text)
        if self._head is not None and self.length - len(text) <= 2 * _HEAD:
            self._head = None

    @property
    def text(self) -> str:
        # "x" + ": y" reads "x: y"; "*" + "b" is a bullet: clean the joined text once
        return self.pieces[0] if len(self.pieces) == 1 else clean_text(" ".join(self.pieces))

    def _standalone(self) -> bool:
        upper = self.letters >= 3 and self.uppers >= 0.8 * self.letters
        return upper or _standalone_head(self.head, self.length)

    def accepts(self, line: str, hard_wrapped: bool, *, full_width: bool = False) -> bool:
        """`should_join(self.text, line, ...)`, read from the kept state."""
        if "\t" in self.pieces[0] or "\t" in line:  # table rows never join (and never grow)
            return False
        if hard_wrapped and is_acronym_end(line) and not self._standalone() and not ends_sentence(self.tail):
            return True  # "… và Chỉ số" + "PAPI."
        if self._standalone() or is_standalone(line) or starts_unit(line, hard_wrapped):
            return False
        if self.length <= 40 and looks_like_person_name(self.head):
            return False  # a signer's name ("Hồ Quốc Tân") ends the signature block
        tail = self.tail
        if ends_sentence(tail):
            return hard_wrapped and _starts_lowercase(line)
        if _starts_lowercase(line):
            return True
        if not hard_wrapped:
            return False
        if self.length < 100 and heading_marker(self.head):
            return False
        if line[:1].isdigit() or (line[:1] in "(“\"" and line[1:2].islower()) or BULLET_RE.match(line):
            return True  # (a bullet here is "- xã hội": starts_unit rejected real list items)
        return full_width or self.open_parens > 0 or _ends_with_connector(tail)


def typical_width(texts: Sequence[str]) -> int:
    """The page width of hard-wrapped text: the 75th percentile of prose line lengths
    (0 when that is more than a printed line can hold, i.e. the text is not wrapped)."""
    lengths = sorted(len(t.strip()) for t in texts if t.strip() and not _is_table_text(t))
    if len(lengths) < 10:
        return 0
    width = lengths[int(0.75 * (len(lengths) - 1))]
    return width if width <= _MAX_PAGE_WIDTH else 0  # longer lines were never wrapped


def looks_hard_wrapped(texts: Sequence[str]) -> bool:
    """Heuristic: is this plain text a PDF extraction with lines cut at the page width?

    Such text has short lines of similar length (p90 <= 120 characters) and many lines
    that continue a sentence, i.e. start in lowercase (>= 20% of prose lines).
    Plain text written as one line per paragraph has long lines and few lowercase starts.
    """
    prose = []
    for raw in texts:
        if _is_table_text(raw):
            continue
        stripped = raw.strip()
        if stripped:
            prose.append(stripped)
    if len(prose) < 10:
        return False
    lengths = sorted(len(p) for p in prose)
    p90 = lengths[int(0.9 * (len(lengths) - 1))]
    lowercase = sum(1 for p in prose[1:] if p[:1].islower() and not LETTER_HEADING_RE.match(p))
    return p90 <= 120 and lowercase >= 0.2 * (len(prose) - 1) and statistics.median(lengths) >= 20


# -- the whole document ---------------------------------------------------------------


def normalise_lines(lines: Sequence[LoadedLine], hard_wrapped: bool | None = None) -> list[NormalisedLine]:
    """Clean and re-join loaded lines. `hard_wrapped=None` detects PDF-style wrapping."""
    if hard_wrapped is None:
        hard_wrapped = looks_hard_wrapped([line.text for line in lines])
    width = typical_width([line.text for line in lines]) if hard_wrapped else 0
    out: list[_Paragraph] = []
    pending_gap = False
    for line in lines:
        pieces = clean_line(line.text)
        if not pieces:
            pending_gap = True
            continue
        if hard_wrapped and len(pieces) == 1 and _PAGE_NUMBER_RE.match(pieces[0]):
            continue
        physical = len(line.text.strip())
        for index, piece in enumerate(pieces):
            # A column split's later pieces are no wrapped lines: their width says nothing.
            tail_length = physical if index == 0 else 0
            last = out[-1] if out else None
            full_width = bool(last and width and last.tail_length >= 0.9 * width)
            if last is not None and index == 0:
                joins = last.accepts(piece, hard_wrapped, full_width=full_width)
            else:
                # A wide gap before a lowercase continuation ("Kinh phí      thực hiện") is
                # spacing inside a sentence, not a column: the plain rule decides, so that
                # normalising the output again changes nothing.
                joins = last is not None and last.accepts(piece, False)
            if joins:
                last.add(piece, line.number, tail_length)
            else:
                out.append(_Paragraph(piece, line.number, line.page, pending_gap, tail_length))
            pending_gap = False
    return [NormalisedLine(text=p.text, line_start=p.line_start, line_end=p.line_end, page=p.page,
                           gap_before=p.gap_before) for p in out]


def normalise_text(text: str, hard_wrapped: bool | None = None) -> str:
    """Convenience: normalise a whole text and return the logical lines joined by newlines."""
    from ingest.lines import split_lines

    return "\n".join(line.text for line in normalise_lines(split_lines(text), hard_wrapped))
