"""Agency names: split a cell into agencies, build comparison keys, match user queries.

Display always keeps the plan's own wording; only `agency_key` folds diacritics,
expands abbreviations (via `ingest.vntext`) and drops the variations plans use for
the same body: "Văn hoá"/"Văn hóa", en dash/hyphen/spacing, "(xã)", a trailing
"xã"/"cấp xã", "HĐND"/"Hội đồng nhân dân".

An *agency head* is the word(s) an agency name starts with ("Phòng", "Văn phòng",
"Trung tâm", "Các cơ quan", "Công chức", "Tư pháp", ...). Heads drive both the
splitting of cells that name several agencies and `looks_like_agency`, the content cue
table parsing uses to keep a lead out of the product or deadline column.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ingest.vntext import fold, nfc, tokens

# Folded heads an agency name can start with (checked on whole tokens).
_HEADS: tuple[str, ...] = (
    "van phong", "phong", "trung tam", "so", "ban chi dao", "ban chap hanh", "ban",
    "uy ban", "ubnd", "hdnd", "hoi dong nhan dan", "mat tran", "mttq",
    "cac co quan", "co quan", "cac don vi", "don vi", "cac bo phan", "bo phan",
    "cac phong", "cac to chuc", "cac ban nganh", "cac truong", "truong",
    "tram y te", "tram", "cong chuc", "can bo", "chu tich", "pho chu tich",
    "thu truong", "nguoi dung dau", "tu phap", "tai chinh", "van hoa", "dia chinh",
    "ngan hang", "cong an", "quan su", "doan thanh nien", "hoi", "dang uy",
    "thuong truc", "bo chi huy", "kho bac", "chi cuc", "doi", "to cong nghe",
    "cac ap", "ap", "thon", "cac thon", "ban dieu hanh", "uy ban mttq",
)
# Heads that, capitalised in the middle of a cell, start a second agency fused by a space
# ("Tư pháp – Hộ tịch Văn hóa – xã hội", "Văn phòng UBND xã Văn phòng UBND xã").
_SPLIT_HEADS: tuple[str, ...] = (
    "van phong", "van hoa", "tu phap", "tai chinh", "cac bo phan", "cac co quan",
    "phong", "trung tam", "ngan hang", "cong chuc", "tram y te",
)
# Generic words that need a following name: "Phòng Văn hóa", "Công chức Văn phòng".
_GENERIC_PREFIXES = {
    "phong", "cong chuc", "so", "trung tam", "bo phan", "can bo", "ban", "uy ban",
    "tram", "cac phong", "chi cuc", "doi", "hoi",
}
# Lower-case collective nouns that continue "Các cơ quan, đơn vị" rather than start a new agency.
_COLLECTIVE = ("don vi", "to chuc", "co quan", "dia phuong", "doanh nghiep", "doan the", "ban nganh")
# Predicate words that show a phrase is a sentence about an agency, not an agency name.
_PREDICATES = re.compile(
    r"\b(duoc|dam bao|bao dam|phai|dat|hoan thanh|thuc hien|trien khai|co trach nhiem"
    r"|chiu trach nhiem|ban hanh|to chuc thuc hien|xay dung|ra soat|di vao|van hanh|hoat dong|theo|quyet dinh)\b|%"
)
_MAX_AGENCY_SYLLABLES = 16

# Abbreviations specific to agency names (vntext.ABBREVIATIONS covers UBND, HĐND, MTTQ ...).
_AGENCY_ABBREVIATIONS = {
    "vp": "van phong",
    "ttpvhcc": "trung tam phuc vu hanh chinh cong",
    "tt pvhcc": "trung tam phuc vu hanh chinh cong",
    "pvhcc": "phuc vu hanh chinh cong",
    "trung tam hanh chinh cong": "trung tam phuc vu hanh chinh cong",   # "Trung tâm HCC", as staff say it
    "vh xh": "van hoa xa hoi",
    "vhxh": "van hoa xa hoi",
}

_PAREN_RE = re.compile(r"\([^()]*\)")
_SPACE_RE = re.compile(r"\s+")


def _folded_words(text: str) -> list[str]:
    return re.findall(r"[0-9a-z]+", fold(text))


def _starts_with_head(folded_words: list[str], heads: tuple[str, ...] = _HEADS) -> str | None:
    for head in heads:
        parts = head.split()
        if folded_words[: len(parts)] == parts:
            return head
    if heads is _HEADS and folded_words[:1] in (["cac"], ["nhung"]) and len(folded_words) > 1:
        return _starts_with_head(folded_words[1:], heads)
    return None


def _clean(piece: str) -> str:
    piece = _SPACE_RE.sub(" ", piece).strip()
    return piece.strip(" ,;.:-–—").strip()


def _split_fused(piece: str) -> list[str]:
    """Split agencies fused by a plain space: a capitalised split-head after a complete name."""
    words = piece.split(" ")
    folded = [" ".join(_folded_words(w)) for w in words]
    out: list[str] = []
    start = 0
    depth = 0
    for i, word in enumerate(words):
        if i > start and depth == 0 and word[:1].isupper():
            rest = " ".join(folded[i : i + 4]).split()
            current = " ".join(folded[start:i]).split()
            if (_starts_with_head(rest, _SPLIT_HEADS) and " ".join(current) not in _GENERIC_PREFIXES
                    and _starts_with_head(current)):
                out.append(" ".join(words[start:i]))
                start = i
        depth += word.count("(") - word.count(")")
    out.append(" ".join(words[start:]))
    return out


def _split_on(piece: str, separator_re: re.Pattern[str], accept) -> list[str]:
    """Split `piece` at separators outside parentheses where `accept(left, right)` holds."""
    out: list[str] = []
    start = 0
    for match in separator_re.finditer(piece):
        before = piece[start : match.start()]
        if piece[: match.start()].count("(") != piece[: match.start()].count(")"):
            continue
        after = piece[match.end() :]
        if accept(before, after):
            out.append(before)
            start = match.end()
    out.append(piece[start:])
    return out


def _comma_accept(before: str, after: str) -> bool:
    after_words = _folded_words(after)
    if not _starts_with_head(_folded_words(before)) or not _starts_with_head(after_words):
        return False
    if after.lstrip()[:1].islower() and any(
        after_words[: len(c.split())] == c.split() for c in _COLLECTIVE
    ):
        return False
    return True


def _and_accept(before: str, after: str) -> bool:
    before_words = _folded_words(before)
    after_words = _folded_words(after)
    if not _starts_with_head(before_words) or not _starts_with_head(after_words):
        return False
    before_key = " ".join(before_words)
    # "Văn phòng HĐND và UBND", "Hội đồng nhân dân và Ủy ban nhân dân": one office.
    if after_words[:1] in (["ubnd"], ["uy"]) and re.search(r"\b(hdnd|hoi dong nhan dan)$", before_key):
        return False
    if after_words[:1] in (["hdnd"], ["hoi"]) and re.search(r"\b(ubnd|uy ban nhan dan)$", before_key):
        return False
    return True


_COMMA_RE = re.compile(r",\s*")
_AND_RE = re.compile(r"\s+và\s+", re.IGNORECASE)


def split_agencies(cell: str) -> list[str]:
    """The agencies a lead/coordinator cell names, in display form (deduplicated by key)."""
    return list(_split_agencies(nfc(cell or "").strip()))


@lru_cache(maxsize=8192)
def _split_agencies(text: str) -> tuple[str, ...]:
    if not text:
        return ()
    pieces: list[str] = []
    for part in re.split(r"[;\n]+", text):
        for fused in _split_fused(_clean(part)):
            for comma_part in _split_on(fused, _COMMA_RE, _comma_accept):
                pieces.extend(_split_on(comma_part, _AND_RE, _and_accept))
    out: list[str] = []
    seen: set[str] = set()
    for piece in pieces:
        piece = _clean(piece)
        if not piece:
            continue
        key = agency_key(piece)
        if key in seen:
            continue
        seen.add(key)
        out.append(piece)
    return tuple(out)


def count_agency_mentions(cell: str) -> int:
    """How many agency names the cell holds before deduplication (detects merged rows)."""
    total = 0
    for part in re.split(r"[;\n]+", nfc(cell or "")):
        part = _clean(part)
        if part:
            total += len([p for p in _split_fused(part) if _clean(p)])
    return total


_AGENCY_ABBREVIATION_RES = tuple((re.compile(rf"(?<![0-9a-z]){short}(?![0-9a-z])"), long)
                                 for short, long in _AGENCY_ABBREVIATIONS.items())


def expand_agency_words(folded: str) -> str:
    """Folded text with the agency names' own abbreviations and short forms written out (in the
    table's order: every question's agency reading runs this)."""
    for pattern, long in _AGENCY_ABBREVIATION_RES:
        folded = pattern.sub(long, folded)
    return folded


@lru_cache(maxsize=8192)
def agency_key(name: str) -> str:
    """Canonical comparison key: folded, abbreviations expanded, variants unified."""
    text = _PAREN_RE.sub(" ", nfc(name or ""))
    text = re.sub(r"^\s*(đề nghị|giao)\s+", "", text, flags=re.IGNORECASE)
    words = expand_agency_words(" ".join(tokens(text))).split()
    # "Công chức Tài chính - Kế toán" is the post the table calls "Tài chính - Kế toán xã"
    if words[:2] == ["cong", "chuc"] and len(words) > 3:
        words = words[2:]
    while words and words[-1] in {"xa"}:
        words.pop()
        if words and words[-1] == "cap":
            words.pop()
    # "có trách nhiệm" after a heading's agency name is not part of the name.
    if words[-3:] == ["co", "trach", "nhiem"]:
        words = words[:-3]
        while words and words[-1] == "xa":
            words.pop()
    return " ".join(words)


@lru_cache(maxsize=65536)
def _key_tokens(name: str) -> tuple[str, ...]:
    return tuple(agency_key(name).split())


def agency_matches(query: str, name: str) -> bool:
    """True when the query's key is a contiguous run of the name's key ("phong kinh te").
    Keys are memoised: answer lists test every record of a plan."""
    q, n = _key_tokens(query), _key_tokens(name)
    if not q or not n:
        return False
    return any(n[i : i + len(q)] == q for i in range(len(n) - len(q) + 1))


def looks_like_agency(text: str) -> bool:
    """Content cue: every piece of the cell is a short name starting with an agency head."""
    return _looks_like_agency(nfc(text or "").strip())


@lru_cache(maxsize=8192)
def _looks_like_agency(text: str) -> bool:
    if not text:
        return False
    pieces = split_agencies(text)
    if not pieces:
        return False
    for piece in pieces:
        bare = _PAREN_RE.sub(" ", piece)
        words = _folded_words(bare)
        if not words or not _starts_with_head(words):
            return False
        if len(words) > _MAX_AGENCY_SYLLABLES:
            return False
        if _PREDICATES.search(" ".join(words)) or "%" in bare:
            return False
    return True
