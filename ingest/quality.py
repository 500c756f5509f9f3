"""The text-quality gate: does decoded or extracted text read as Vietnamese?

One gate for every loader (text, Markdown, DOCX, PDF, OCR). A PDF whose font has no Unicode
map, a file decoded with the wrong code page, or a binary blob all decode "successfully";
what they yield is not text a plan could hold. `assess` scores text; `require_readable`
refuses it with the reason named in Vietnamese.

The score is the share of word tokens that are valid Vietnamese syllables (onset + vowel
nucleus + coda, at most one tone mark), with numbers, acronyms and codes ("TTHC",
"09/QĐ-UBND", "VT.CCHC") counted as neutral, penalised by replacement characters, control
characters and symbols outside Vietnamese text (code-page debris such as "¸ ® þ ｸ").
Broken diacritics ("C i cách … n c … Linhả ướ ạ ủ": marks detached from their vowels)
show up as invalid syllables and lone consonants.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ingest.errors import IngestError

# Below this a text is refused; real plans (and their PDF/OCR renditions) score above 0.9.
MIN_SCORE = 0.85
# Fewer letters than this cannot hold a plan (a title and one sentence already have more).
MIN_LETTERS = 40

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_ONSET = r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|b|c|d|đ|g|h|k|l|m|n|p|r|s|t|v|x)?"
_NUCLEUS = r"[aăâeêioôơuưy]{1,3}"
_CODA = r"(?:ch|ng|nh|c|m|n|p|t)?"
_SYLLABLE_RE = re.compile(rf"^{_ONSET}{_NUCLEUS}{_CODA}$")
_TOKEN_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)
_VIETNAMESE_LETTERS = frozenset("aăâbcdđeêghiklmnoôơpqrstuưvxyfjwz")
# Symbols plain Vietnamese documents use besides letters, digits, punctuation and spaces.
_ALLOWED_SYMBOLS = frozenset("%/+-=<>&@#*§°№…–—‘’“”•·◦■□▪●○→←↑↓✓✔×÷±≤≥$€₫|~^_\\")


@dataclass(frozen=True)
class TextQuality:
    """How plausible a text is as Vietnamese; `problem` names why it is not (else "")."""

    score: float               # 0..1, the valid-syllable share minus penalties
    syllable_share: float      # valid syllables / (valid + invalid) word tokens
    letters: int
    words: int
    bad_characters: int        # replacement, control and private-use characters
    foreign_symbols: int       # symbols and letters from outside Vietnamese text
    problem: str = ""          # Vietnamese reason when the text fails the gate
    problem_en: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem


def is_valid_syllable(word: str) -> bool:
    """A lowercase-able Vietnamese syllable: onset + nucleus + coda, at most one tone mark."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = sum(1 for ch in decomposed if ch in _TONES)
    if tones > 1:
        return False
    base = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONES))
    return bool(_SYLLABLE_RE.match(base))


def _is_neutral(word: str) -> bool:
    """Acronyms and codes (TTHC, UBND, HĐND, CCHC, AI) say nothing about the encoding."""
    letters = [c for c in word if c.isalpha()]
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        return all(unicodedata.normalize("NFD", c)[0].lower() in _VIETNAMESE_LETTERS for c in letters)
    return False


def assess(text: str) -> TextQuality:
    """Score `text` (any length; linear time)."""
    text = unicodedata.normalize("NFC", text)
    bad = foreign = letters = 0
    for ch in text:
        cat = unicodedata.category(ch)
        if ch == "\ufffd" or cat in ("Cc", "Co", "Cs", "Cn") and ch not in "\t\n\r\f\v":
            bad += 1
        elif cat[0] == "L":
            letters += 1
            if unicodedata.normalize("NFD", ch)[0].lower() not in _VIETNAMESE_LETTERS:
                foreign += 1
        elif cat[0] == "S" and ch not in _ALLOWED_SYMBOLS:
            foreign += 1
    valid = invalid = 0
    for match in _TOKEN_RE.finditer(text):
        word = match.group()
        if _is_neutral(word):
            continue
        if is_valid_syllable(word):
            valid += 1
        else:
            # a lone consonant ("n c", "đo n") is a syllable whose vowel lost its mark
            invalid += 2 if len(word) == 1 else 1
    words = valid + invalid
    share = valid / words if words else 0.0
    total = max(len(text), 1)
    score = max(0.0, share - 4 * bad / total - 2 * foreign / max(letters, 1))
    problem, problem_en = _problem(share, score, letters, bad, foreign, words)
    return TextQuality(score=round(score, 4), syllable_share=round(share, 4), letters=letters, words=words,
                       bad_characters=bad, foreign_symbols=foreign, problem=problem, problem_en=problem_en)


def _problem(share: float, score: float, letters: int, bad: int, foreign: int, words: int) -> tuple[str, str]:
    if letters < MIN_LETTERS or words < 8:
        return ("văn bản quá ngắn hoặc không có chữ, không thể là một kế hoạch",
                "too little text to hold a plan")
    if score >= MIN_SCORE:
        return "", ""
    if bad > 0.01 * letters:
        return ("văn bản chứa ký tự hỏng hoặc ký tự điều khiển (giải mã sai bảng mã?)",
                "replacement or control characters: wrong decoding")
    if foreign > 0.05 * letters:
        return ("văn bản chứa nhiều ký hiệu lạ, không phải tiếng Việt (sai bảng mã?)",
                "symbols from a wrong code page")
    return ("văn bản không đọc được thành tiếng Việt (dấu thanh bị tách hoặc chữ bị lỗi)",
            f"only {share:.0%} valid Vietnamese syllables")


_SAMPLE_CHARS = 400_000


def sample(text: str, size: int = _SAMPLE_CHARS) -> str:
    """Up to `size` characters in ten slices spread over the text (the gate stays cheap on
    multi-megabyte documents, and garbage anywhere in bulk still shows)."""
    if len(text) <= size:
        return text
    step, width = len(text) // 10, size // 10
    return "\n".join(text[i * step: i * step + width] for i in range(10))


def require_readable(text: str, document: str, *, hint: str = "") -> TextQuality:
    """`assess` and raise `IngestError` naming the problem when the text fails the gate."""
    quality = assess(sample(text))
    if not quality.ok:
        reason = quality.problem + (f"; {hint}" if hint else "")
        raise IngestError(document, reason, f"{quality.problem_en}; quality {quality.score:.2f}")
    return quality
