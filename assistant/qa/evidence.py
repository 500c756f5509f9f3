"""Evidence scoring and quoting: how well a passage covers a question, and how to quote it.

Pure functions over text. Coverage is measured on folded search terms (syllables and
adjacent-syllable pairs) weighted by inverse document frequency over the candidate set, so
rare words of the question count most and words absent from every candidate count fully
against the passage. Quoting keeps the plan's wording: sentences are cut at word boundaries
and marked with "…", never paraphrased.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache

from assistant.qa.understand import BARRIER, topic_tokens
from assistant.qa.understand import _aligned_tokens as _aligned_written
from ingest.vntext import ABBREVIATIONS, fold, has_diacritics, nfc, search_terms, tokens

# Words every administrative-reform plan repeats ("cải cách hành chính", "Ủy ban nhân dân",
# "nhà nước"): they say which genre a question is about, not which passage answers it.
GENERIC_TERMS = frozenset(search_terms("cải cách hành chính nhà nước Ủy ban nhân dân Hội đồng nhân dân")) - {
    "hanh_chinh_nha"}
GENERIC_WEIGHT = 0.35
YEAR_RE = re.compile(r"(19|20)\d\d")


def shorten(text: str, limit: int) -> str:
    """Cut at a word boundary, adding "…" when cut."""
    text = " ".join(nfc(text).split())
    if len(text) <= limit:
        return text
    cut = text[: max(1, limit - 1)]
    if " " in cut[limit // 2:]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:.-–") + "…"


def shorten_around(text: str, position: int, limit: int) -> str:
    """A window of about `limit` characters of `text` that keeps `position` in view."""
    text = " ".join(nfc(text).split())
    if len(text) <= limit:
        return text
    start = max(0, min(position - limit // 3, len(text) - limit))
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 20 else start
    window = text[start:]
    return ("…" if start else "") + shorten(window, limit - (1 if start else 0))


def quote(text: str, limit: int = 700) -> str:
    """Verbatim source text for a citation: line breaks kept, cut at a word boundary past `limit`."""
    text = nfc(text or "").strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:.-–\n") + "…"


_SENT_END = re.compile(r"(?<=[.!?])\s+(?=[\"“(]?[A-ZĐÀ-Ỹ0-9])")
_CLAUSE_END = re.compile(r"(?<=;)\s+")
_BULLET = re.compile(r"^\s*(?:[-+•*]\s*)+")
_NUMBERING_ONLY = re.compile(r"^\s*(?:[IVXLC]+|\d+(?:\.\d+)*|[a-zđ])[.)]$", re.IGNORECASE)
_HEADING_LINE = re.compile(r"^\s*(?:(?:[IVXLC]+|\d+(?:\.\d+)*)\.|[a-zđ]\))\s+\S", re.IGNORECASE)


# The same chunk lines, sentences and passages are read again by every question (and by several
# strategies of one question): the pure per-text helpers below are memoised on the text itself.
_TEXT_CACHE = 65_536


@lru_cache(maxsize=_TEXT_CACHE)
def is_heading_line(line: str) -> bool:
    """A numbered heading ("5. Trạm Y tế xã có trách nhiệm", "a) Mục tiêu") or an all-caps
    title line: context for the sentences under it, never an answer by itself."""
    line = re.sub(r"\*+", "", line).strip()
    letters = [c for c in line if c.isalpha()]
    if letters and all(c.isupper() for c in letters) and len(letters) > 3:
        return True
    return bool(_HEADING_LINE.match(line)) and len(line) < 120 and line[-1] not in ".;:!?"


def split_sentences(text: str, long_piece: int = 450) -> list[str]:
    """Sentences / bullet items of a chunk (bullet markers dropped, heading lines skipped).
    A piece longer than `long_piece` is also cut at semicolons; scraps under 15 characters
    are dropped."""
    return list(_split_sentences(text or "", long_piece))


@lru_cache(maxsize=_TEXT_CACHE // 8)
def _split_sentences(text: str, long_piece: int) -> tuple[str, ...]:
    out = []
    for line in (text or "").split("\n"):
        if is_heading_line(line):
            continue
        line = re.sub(r"\*+", "", _BULLET.sub("", line)).strip()
        pieces: list[str] = []
        for piece in _SENT_END.split(line):
            if pieces and _NUMBERING_ONLY.match(pieces[-1]):
                pieces[-1] = f"{pieces[-1]} {piece}"      # "5." + "Phòng …" is one piece
            else:
                pieces.append(piece)
        for piece in pieces:
            parts = _CLAUSE_END.split(piece) if len(piece) > long_piece else [piece]
            for part in parts:
                part = _BULLET.sub("", part).strip()
                if len(part) >= 15:
                    out.append(part)
    return tuple(out)


class TermWeights:
    """idf weights over a collection of term sets; unseen terms weigh the most."""

    def __init__(self, term_sets: Iterable[frozenset[str]]) -> None:
        self.df: Counter = Counter()
        self.n = 0
        for terms in term_sets:
            self.n += 1
            self.df.update(terms)
        self._cache: dict[str, float] = {}
        self._profiles: dict[tuple[str, ...], tuple] = {}     # topic -> weighted parts (`_profile`)

    def weight(self, term: str) -> float:
        cached = self._cache.get(term)
        if cached is not None:
            return cached
        df = self.df.get(term, 0)
        w = math.log((self.n + 1) / (df + 0.5)) + 1.0
        w = max(w, 0.2) * (1.25 if "_" in term else 1.0)
        if term in GENERIC_TERMS or YEAR_RE.fullmatch(term):
            w *= GENERIC_WEIGHT
        self._cache[term] = w
        return w


_Part = tuple[tuple[str, ...], tuple[float, ...], float]      # (terms, their weights, total)
_PROFILES = 4096          # topics remembered per TermWeights (a long-lived index sees many questions)


def _part(items: list[str], weights: TermWeights) -> _Part:
    ws = tuple(weights.weight(t) for t in items)
    return tuple(items), ws, sum(ws)


def _profile(topic_terms: Sequence[str], weights: TermWeights) -> tuple[_Part, _Part, _Part]:
    """(all, unigrams, bigrams) of a topic with their weights: computed once per topic and
    weights, since one question's topic is measured against every candidate passage."""
    key = tuple(topic_terms)
    profiles = weights._profiles
    hit = profiles.get(key)
    if hit is None:
        unique = list(dict.fromkeys(key))
        hit = (_part(unique, weights), _part([t for t in unique if "_" not in t], weights),
               _part([t for t in unique if "_" in t], weights))
        if len(profiles) >= _PROFILES:
            profiles.clear()
        profiles[key] = hit
    return hit


def _share(part: _Part, terms: frozenset[str]) -> float:
    items, ws, total = part
    return sum(w for t, w in zip(items, ws) if t in terms) / total if total else 0.0


def coverage_parts(topic_terms: Sequence[str], terms: frozenset[str], weights: TermWeights) -> tuple[float, float]:
    """(syllable share, pair share) of the topic found in `terms`; pair share is 1.0 without pairs."""
    _, unigrams, bigrams = _profile(topic_terms, weights)
    return (_share(unigrams, terms) if unigrams[0] else 0.0,
            _share(bigrams, terms) if bigrams[0] else 1.0)


def coverage(topic_terms: Sequence[str], terms: frozenset[str], weights: TermWeights) -> float:
    """How much of the topic `terms` hold (0..1): the mean of the weighted share of its syllables
    and the weighted share of its adjacent-syllable pairs. Pairs carry the compound words
    ("sân bay", "hộ chiếu"), so matching scattered syllables alone never reaches the threshold."""
    unique, unigrams, bigrams = _profile(topic_terms, weights)
    if not unique[0]:
        return 0.0
    if not bigrams[0] or not unigrams[0]:
        return _share(unique, terms)
    return 0.5 * _share(unigrams, terms) + 0.5 * _share(bigrams, terms)


@lru_cache(maxsize=_TEXT_CACHE)
def term_set(text: str) -> frozenset[str]:
    return frozenset(search_terms(text))


@lru_cache(maxsize=_TEXT_CACHE)
def word_runs(text: str) -> frozenset[tuple[str, str, str]]:
    """The text's runs of three folded words, function words included, but not the runs of one
    abbreviation's written-out form ("TTHC": "thủ tục hành chính"): every record naming the
    abbreviation holds them, so they tell no wording apart."""
    toks = tokens(text)
    return frozenset(zip(toks, toks[1:], toks[2:])) - _ABBREVIATION_RUNS


def _runs_of_abbreviations() -> frozenset[tuple[str, str, str]]:
    runs: set[tuple[str, str, str]] = set()
    for long in ABBREVIATIONS.values():
        toks = tokens(long)
        runs.update(zip(toks, toks[1:], toks[2:]))
    return frozenset(runs)


_ABBREVIATION_RUNS = _runs_of_abbreviations()


def as_sentence(text: str) -> str:
    text = text.strip()
    if text and text[-1] not in ".!?…:;":
        text += "."
    return text


def focused(text: str, topic: Sequence[str], limit: int, want_time: bool = False) -> str:
    """`text` shortened to `limit`, keeping the clause that matches the topic best in view
    (and, when a time is asked, the clause stating one)."""
    text = " ".join(nfc(text).split())
    if len(text) <= limit:
        return text
    clauses = [c for c in re.split(r"(?<=[;.])\s+", text) if c]
    if len(clauses) < 2 or not topic:
        return shorten(text, limit)
    weights = TermWeights(term_set(c) for c in clauses)
    def score(c: str) -> float:
        bonus = 0.0
        if want_time and TIME_EXPRESSION.search(c):
            bonus = 0.4 if SPECIFIC_TIME.search(c) else 0.2
        return coverage(topic, term_set(c), weights) + bonus
    best = max(range(len(clauses)), key=lambda i: (score(clauses[i]), -i))
    if best == 0:
        return shorten(text, limit)
    position = text.find(clauses[best])
    if position + len(clauses[best]) <= limit - 1:
        return shorten(text, limit)
    return shorten_around(text, position, limit)


def written_pairs(text: str) -> set[tuple[str, str]]:
    """Adjacent word pairs as written (lower case, diacritics kept), punctuation breaking pairs."""
    pairs: set[tuple[str, str]] = set()
    for segment in re.split(r"[^\w\s]+", nfc(text).lower()):
        words = segment.split()
        pairs.update(zip(words, words[1:]))
    return pairs


def accent_mismatch(question: str, evidence: str) -> bool:
    """True when the question, typed with diacritics, shares word pairs with the evidence only
    after folding: "mức lương cơ sở" against "số lượng, cơ cấu" is a folding coincidence."""
    if not has_diacritics(question):
        return False
    topic = [w for w in topic_tokens(question)]
    written = [w for _, w in _aligned_written(question)]
    q_pairs = {(a.lower(), b.lower()) for (ta, a), (tb, b) in zip(zip(topic, written), zip(topic[1:], written[1:]))
               if a and b and ta != BARRIER and tb != BARRIER and has_diacritics(a) and has_diacritics(b)}
    if not q_pairs:
        return False
    folded_q = {(fold(a), fold(b)) for a, b in q_pairs}
    e_pairs = written_pairs(evidence)
    folded_hits = {(fold(a), fold(b)) for a, b in e_pairs} & folded_q
    return bool(folded_hits) and not (q_pairs & e_pairs)


DATE_LINE = re.compile(r"ngày\s*(?:\d{1,2})?\s*tháng\s*\d{1,2}\s*năm\s*\d{4}|\b\d{1,2}/\d{1,2}/\d{4}\b", re.IGNORECASE)
REFERENCE_RE = re.compile(r"\b\d+/(?:\d+/)?[A-ZĐ]|\b(?:Quyết định|Kế hoạch|Nghị định|Thông tư|Chỉ thị|Nghị quyết)"
                           r" (?:số )?\d", re.IGNORECASE)
_GENERIC_HEADINGS = frozenset({
    "muc tieu", "nhiem vu", "yeu cau", "muc dich", "quan diem", "muc dich yeu cau", "muc tieu yeu cau",
    "nhiem vu va giai phap", "nhiem vu giai phap", "noi dung", "giai phap", "to chuc thuc hien",
    "muc tieu chung", "muc tieu cu the", "nhiem vu cu the", "phu luc",
})
_NUMBERING = re.compile(r"^\s*(?:[IVXLC]+|\d+(?:\.\d+)*|[a-zđ])[.)]\s*", re.IGNORECASE)


def heading_lines(text: str) -> list[tuple[int, str]]:
    """(offset, line) of the heading lines inside a passage: short sections merged into one
    chunk ("5. Đề nghị Ủy ban MTTQ …" under "IV. TỔ CHỨC THỰC HIỆN") keep their headings there,
    and the sentences under one belong to it."""
    out, offset = [], 0
    for line in text.split("\n"):
        if line.strip() and is_heading_line(line):
            out.append((offset, line.strip(" *")))
        offset += len(line) + 1
    return out


def heading_above(text: str, sentence: str) -> str:
    """The last numbered heading line of `text` above where `sentence` is quoted from ("2. Phòng
    Kinh tế" inside the chunk of "IV. TỔ CHỨC THỰC HIỆN"); '' when none or not found."""
    lines = (text or "").split("\n")
    probe = " ".join(tokens(sentence)[:8])
    if not probe:
        return ""
    for i, line in enumerate(lines):
        if probe in " ".join(tokens(line)):
            return next((l.strip(" *") for l in reversed(lines[:i]) if l.strip() and is_heading_line(l)), "")
    return ""


def section_context(chunk, sentence: str) -> str:
    """' (mục "4. Phòng Kinh tế xã")' when the deepest informative heading (a heading line of the
    passage above the sentence first, then the section path) adds something the quoted sentence
    does not already say; '' otherwise."""
    path = list(getattr(chunk, "section_path", ()) or [p for p in (chunk.section or "").split(" › ") if p])
    inner = heading_above(getattr(chunk, "text", ""), sentence)
    if inner and all(" ".join(tokens(inner)) != " ".join(tokens(h)) for h in path):
        path = path + [inner]
    for heading in reversed(path[-2:]):
        bare = " ".join(tokens(_NUMBERING.sub("", heading)))
        if not bare or bare in _GENERIC_HEADINGS or len(bare) < 6:
            continue
        if bare in " ".join(tokens(sentence)):
            return ""
        return f' (mục "{shorten(heading, 80)}")'
    return ""


def clause_with(sentence: str, needle: str) -> str:
    """The clause of `sentence` that holds `needle` (split at ';' and '. ')."""
    sentence = " ".join((sentence or "").split())
    if not needle:
        return sentence
    pieces = re.split(r"(?<=[;.])\s+", sentence)
    key = fold(needle)
    for p in pieces:
        if key in fold(p):
            return p.strip(" ;")
    return sentence


TIME_EXPRESSION = re.compile(
    r"(chậm nhất|trước ngày|sau ngày|hoàn thành trước|trong tháng|tháng\s+\d|quý\s+[IV\d]|ngày\s+\d|"
    r"\d{1,2}/\d{1,2}/\d{4}|\d{1,2}/\d{4}|hàng (?:năm|quý|tháng|tuần)|hằng (?:năm|quý|tháng)|định kỳ)",
    re.IGNORECASE)
SPECIFIC_TIME = re.compile(r"ngày\s+\d|\d{1,2}/\d{1,2}|tháng\s+\d|quý\s+[IV\d]", re.IGNORECASE)
PERCENT = re.compile(r"\d\s*%")
# a figure, not a year or the number a document is named by ("Đề án 06"; "ký số 100%" is a figure)
COUNT = re.compile(r"\b(?<!đề án )(?<!nghị định )(?<!nghị quyết )(?<!quyết định )(?<!chỉ thị )"
                   r"(?<!thông tư )(?!(?:19|20)\d\d\b)\d+(?:[.,]\d+)?\b(?!/)", re.IGNORECASE)
