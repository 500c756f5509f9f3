"""Tolerate one-letter typos and Telex leftovers in a question, against the corpus vocabulary.

"doi thaoi" → "doi thoai", "chur tri" → "chu tri", "ddoois thoaij" → "doi thoai": the question's
folded syllables (`ingest.vntext.fold`, no diacritics) are compared with the folded syllables of
the stored texts. A syllable that is itself in the vocabulary (or is a question word, or a word
the caller protects, e.g. the lexicon's) is never changed; only unknown syllables are repaired:

1. Telex leftovers first: an unknown syllable that becomes a known one once its Telex keys are
   read (`dd`→d, doubled vowels and `w`, a trailing tone key s/f/r/x/j) is that syllable;
2. otherwise a vocabulary syllable at Damerau-Levenshtein distance 1 (one letter inserted,
   dropped, replaced, or two swapped), found through a precomputed deletion index (symmetric
   delete: every word and its one-letter deletions point to the word), so a lookup costs a few
   dictionary hits instead of a scan. Ties go to the candidate that forms a bigram seen in the
   corpus with a neighbouring syllable ("doi thoai", not "doi thoi"), then to a question word
   ("bao nhiu" → "nhieu"), then to the frequent one.

Only folded search keys change: what the user typed is kept for display.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from ingest.vntext import fold

_WORD_RE = re.compile(r"[0-9a-z]+")
_WRITTEN_RE = re.compile(r"[^\W\d_]+")
_TYPED_RE = re.compile(r"[^\W_]+")
MIN_LENGTH = 3                       # "ai", "o", "gi": too short to repair safely
# Question and function words people type that plans rarely contain; never "corrected".
QUESTION_WORDS = frozenset(
    "ai gi nao sao dau bao nhieu may khong chua the thi con vay nhe a o ha hay la lam gium giup "
    "bang cach ko k dc duoc roi xong chi ma ne".split())
# Loanwords people type in Vietnamese questions: not typos of a plan syllable ("link" is no "linh").
LOANWORDS = frozenset(
    "link web website email mail gmail zalo facebook app wifi online file pdf word excel sms chatbot "
    "camera internet youtube tiktok google qr code usb laptop".split())
TELEX_TONES = "sfrxj"      # the tone keys (no Vietnamese syllable ends in one)
# The five tone marks, decomposed (huyền, sắc, ngã, hỏi, nặng): what a typed accented word keeps
# of its meaning when its letters slip ("lòg" is still a huyền syllable: "lòng", not "lời").
_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"
# What the Telex keys write: a doubled or w-marked vowel its shape, "dd" the stroke; a final tone key its tone.
_TELEX_SHAPES = (("dd", "đ"), ("uow", "ươ"), ("aa", "â"), ("aw", "ă"), ("ee", "ê"), ("oo", "ô"), ("ow", "ơ"),
                 ("uw", "ư"))
_TELEX_TONE_MARKS = dict(zip(TELEX_TONES, "\u0301\u0300\u0309\u0303\u0323"))
# ... and, folded, the letters they stand for ("oo" is "o"; "uow" folds as its "ow" does)
_TELEX_PAIRS = tuple((keys, fold(letter)) for keys, letter in _TELEX_SHAPES if keys != "uow")


# Vietnamese writes a lone final i/y either way ("kí"/"ký", "lí"/"lý", "tỉ"/"tỷ", "qui"/"quy"):
# a syllable the plans spell the other way is the plans' syllable, however short.
_I_Y_SYLLABLE = re.compile(r"^(?:ch|gh|kh|nh|ph|th|tr|qu|[bcdhklmnprstvx])([iy])$")


def i_y_variant(folded: str) -> str | None:
    """The folded syllable with its lone final i/y written the other way, or None."""
    m = _I_Y_SYLLABLE.match(folded)
    return folded[:-1] + ("y" if m.group(1) == "i" else "i") if m else None


def swap_i_y(written: str) -> str:
    """`written` (one syllable, diacritics kept) with its final i/y written the other way."""
    base = unicodedata.normalize("NFD", written[-1])
    letter = {"i": "y", "y": "i", "I": "Y", "Y": "I"}.get(base[0], base[0])
    return written[:-1] + unicodedata.normalize("NFC", letter + base[1:])


def tone_of(written: str) -> str:
    """The tone mark of a written syllable ("" for the level tone or a word typed without marks)."""
    return next((ch for ch in unicodedata.normalize("NFD", written) if ch in _TONE_MARKS), "")


def marks_of(written: str) -> str:
    """Every diacritic of a written syllable, in order, "đ" counted as one: "lòng" has a grave,
    "lời" a horn and a grave, "đài" a stroke and a grave."""
    return "".join(ch for ch in unicodedata.normalize("NFD", written.lower()) if unicodedata.combining(ch) or ch == "đ")


@dataclass(frozen=True)
class Correction:
    original: str          # the folded question as typed
    text: str              # the folded question with repairs applied
    changes: tuple[tuple[str, str], ...]   # (typed syllable, corrected syllable)

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def _distance_at_most_one(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance <= 1 (adjacent transposition counts one)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    short, long_ = (a, b) if la < lb else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))




def telex_marks(word: str) -> str | None:
    """The diacritics (as `marks_of` gives them) that the Telex keys of `word` type: "hoof" the
    circumflex and grave of "hồ", "bij" the dot of "bị"; None when it holds no key."""
    lower = word.lower()
    tone = ""
    if len(lower) > 2 and lower[-1] in TELEX_TONES:
        lower, tone = lower[:-1], _TELEX_TONE_MARKS[lower[-1]]
    shaped = lower
    for keys, letter in _TELEX_SHAPES:
        shaped = shaped.replace(keys, letter)
    if shaped == lower and not tone:
        return None
    return marks_of(shaped) + tone


def telex_readings(word: str, inside_tones: bool = True) -> list[str]:
    """What an unknown syllable may be once its Telex keys are read (most likely first).
    `inside_tones`: also drop a tone letter inside the syllable ("ddoisi"), a reading that a
    foreign word ("taxi") may take by chance."""
    readings = []
    base = word
    if len(base) > 2 and base[-1] in TELEX_TONES:
        base = base[:-1]
        readings.append(base)
    decoded = base
    for pair, letter in _TELEX_PAIRS:
        decoded = decoded.replace(pair, letter)
    if decoded != base:
        readings.append(decoded)
    if "w" in decoded:
        readings.append(decoded.replace("w", "u"))
    # a tone key typed inside the syllable ("ddoisi"): drop one tone letter anywhere
    for i, ch in enumerate(decoded[1:-1] if inside_tones else "", 1):
        if ch in TELEX_TONES:
            readings.append(decoded[:i] + decoded[i + 1:])
    return list(dict.fromkeys(r for r in readings if r and r != word))


# Kinds of vocabulary term, as the store keeps them ("<kind><separator><term>" -> count).
_FOLDED, _BIGRAM, _WRITTEN = "f", "b", "w"
_TERM_SEPARATOR = "\x1f"
# A syllable this often after one word is bound to it ("tra" of "kiểm tra")
_BOUND_SHARE = 0.4
# A spelling the texts give a syllable this rarely, beside a usual one, is a slip of the texts
_SLIP_MAX_COUNT, _SLIP_MAX_SHARE = 2, 0.01


@dataclass
class Vocabulary:
    """What the corrector learns from texts: folded syllables and adjacent pairs with their counts,
    and the words as written (lower case, NFC). Additive, so a store keeps it per document and in
    total (added on ingest, subtracted on removal) instead of re-reading every text."""

    counts: Counter[str]
    bigrams: Counter[tuple[str, str]]
    written: Counter[str]

    @classmethod
    def of(cls, texts: Iterable[str]) -> "Vocabulary":
        counts: Counter[str] = Counter()
        bigrams: Counter[tuple[str, str]] = Counter()
        written: Counter[str] = Counter()
        for text in texts:
            written.update(w.lower() for w in _WRITTEN_RE.findall(unicodedata.normalize("NFC", text or "")))
            words = _WORD_RE.findall(fold(text or ""))
            counts.update(words)
            bigrams.update(zip(words, words[1:]))
        return cls(counts, bigrams, written)

    def terms(self) -> dict[str, int]:
        """The flat {term: count} form a store keeps."""
        sep = _TERM_SEPARATOR
        flat = {f"{_FOLDED}{sep}{w}": n for w, n in self.counts.items()}
        flat.update((f"{_BIGRAM}{sep}{a} {b}", n) for (a, b), n in self.bigrams.items())
        flat.update((f"{_WRITTEN}{sep}{w}", n) for w, n in self.written.items())
        return flat

    @classmethod
    def from_terms(cls, rows: Iterable[tuple[str, int]]) -> "Vocabulary":
        vocabulary = cls(Counter(), Counter(), Counter())
        for term, count in rows:
            kind, _, value = term.partition(_TERM_SEPARATOR)
            if kind == _FOLDED:
                vocabulary.counts[value] = count
            elif kind == _BIGRAM:
                first, _, second = value.partition(" ")
                vocabulary.bigrams[(first, second)] = count
            elif kind == _WRITTEN:
                vocabulary.written[value] = count
        return vocabulary

    def __bool__(self) -> bool:
        return bool(self.counts or self.written)


class SpellingCorrector:
    """Built once from the corpus texts (or their stored `Vocabulary`); `correct(question)` repairs
    unknown folded syllables."""

    def __init__(self, texts: Iterable[str] | Vocabulary, protected: Iterable[str] = (),
                 meant: Iterable[str] = ()):
        """`protected`: words never corrected (folded); `meant`: spellings that are meant though
        the texts lack them (the lexicon's everyday words as written)."""
        vocabulary = texts if isinstance(texts, Vocabulary) else Vocabulary.of(texts)
        self.counts: Counter[str] = vocabulary.counts
        self.bigrams: Counter[tuple[str, str]] = vocabulary.bigrams
        self._meant = frozenset(unicodedata.normalize("NFC", w.lower()) for w in meant)
        # the words as written (lower case, NFC), and the meant ones
        self.written: set[str] = set(vocabulary.written) | self._meant
        self._written_counts: Counter[str] = vocabulary.written
        self._forms: dict[str, Counter[str]] | None = None
        self.protected = frozenset(fold(w) for w in protected) | QUESTION_WORDS | LOANWORDS
        self._index: dict[str, list[str]] = {}
        # Repairs aim at the plans' words, the question words ("bao nhiu" → "nhieu") and the
        # protected ones (the lexicon's everyday words: "onlie" → "online").
        for word in set(self.counts) | self.protected:
            if len(word) < MIN_LENGTH - 1 or word.isdigit():
                continue
            for key in _deletions(word) | {word}:
                self._index.setdefault(key, []).append(word)

    def __contains__(self, word: str) -> bool:
        return word in self.counts

    def has_phrase(self, words) -> bool:
        """Do the plans use these folded syllables (one word, or a run of adjacent ones)?"""
        words = list(words)
        if len(words) == 1:
            return words[0] in self.counts
        return bool(words) and all(self.bigrams[(a, b)] for a, b in zip(words, words[1:]))

    def pairs(self, before: str | None, word: str, after: str | None) -> int:
        """How often the texts write `word` after `before` and before `after` (folded syllables)."""
        return (self.bigrams[(before, word)] if before else 0) + (self.bigrams[(word, after)] if after else 0)

    def binds(self, before: str, word: str) -> bool:
        """Do the texts mostly use the folded syllable `word` right after `before` ("tra" after
        "kiem": "kiểm tra")?"""
        return self.counts[word] > 0 and self.bigrams[(before, word)] >= _BOUND_SHARE * self.counts[word]

    def known(self, word: str) -> bool:
        return word in self.counts or word in self.protected

    def forms(self, folded: str) -> Counter[str]:
        """How the texts write a folded syllable ("viec" → {"việc": n})."""
        if self._forms is None:
            forms: dict[str, Counter[str]] = {}
            for written, n in self._written_counts.items():
                key = fold(written)
                if _WORD_RE.fullmatch(key):
                    forms.setdefault(key, Counter())[written] = n
            self._forms = forms
        return self._forms.get(folded, Counter())

    def writes(self, written: str) -> bool:
        """Do the texts write this spelling (lower case, NFC) as a word of their own, not as a
        rare slip beside the usual one ("hơp" twice beside "hợp" 2,774 times), or is it meant?"""
        if written in self._meant:
            return True
        n = self._written_counts.get(written, 0)
        total = sum(self.forms(fold(written)).values())
        return n > _SLIP_MAX_COUNT or (n > 0 and n >= _SLIP_MAX_SHARE * total)

    def written_form(self, folded: str, typed: str | None = None) -> str | None:
        """The texts' most frequent spelling of `folded`; with the `typed` word, the one with its
        diacritics if the texts have it, else one with its tone ("tớj" → "tới", not "tối")."""
        if typed is not None:
            exact = self.written_with_marks(folded, marks_of(typed))
            if exact is not None:
                return exact
        forms = self.forms(folded)
        if typed is not None:
            forms = Counter({w: n for w, n in forms.items() if tone_of(w) == tone_of(typed)}) or forms
        return forms.most_common(1)[0][0] if forms else None

    def written_with_marks(self, folded: str, marks: str) -> str | None:
        """The texts' most frequent spelling of `folded` with exactly these diacritics (`marks_of`), or None."""
        forms = Counter({w: n for w, n in self.forms(folded).items() if marks_of(w) == marks})
        return forms.most_common(1)[0][0] if forms else None

    def accent_fit(self, folded: str, typed: str) -> int:
        """2: the texts write `folded` with exactly the diacritics `typed` has; 1: with its tone."""
        forms = self.forms(folded)
        if any(marks_of(w) == marks_of(typed) for w in forms):
            return 2
        return int(any(tone_of(w) == tone_of(typed) for w in forms))

    def respelt(self, word: str, typed: str, before: str | None, after: str | None) -> str | None:
        """A syllable the texts use, typed with accents they never give it ("tổng đìa"): the
        syllable of the same letters swapped, with the typed tone, which pairs with a neighbour
        where `word` pairs with neither ("đài" of "tổng đài"), or None."""
        if len(word) < MIN_LENGTH or self.pairs(before, word, after):
            return None
        # only letters typed in the wrong order ("đìa" for "đài"): a word the texts lack may be meant
        options = [c for c in self.candidates(word) if sorted(c) == sorted(word) and c in self.counts
                   and self.pairs(before, c, after) and self.accent_fit(c, typed)]
        return max(sorted(options), key=lambda c: (self.accent_fit(c, typed), self.pairs(before, c, after),
                                                    self.counts[c])) if options else None

    def candidates(self, word: str) -> list[str]:
        """Vocabulary syllables at distance 1 from an unknown `word` (unordered)."""
        found: set[str] = set()
        for key in _deletions(word) | {word}:
            for candidate in self._index.get(key, ()):
                if candidate != word and _distance_at_most_one(word, candidate):
                    found.add(candidate)
        return list(found)

    def correct_word(self, word: str, before: str | None = None, after: str | None = None,
                     typed: str | None = None) -> str:
        """The repaired syllable, or `word` itself when it is known, protected or not repairable.
        `typed`: the word as written, when the question was typed with diacritics."""
        if self.known(word):
            return word
        variant = i_y_variant(word)
        if variant is not None and variant in self.counts:
            return variant
        if len(word) < MIN_LENGTH or any(ch.isdigit() for ch in word):
            return word
        readings = telex_readings(word)
        if typed and marks_of(typed) and word.endswith("j"):
            # a word already toned cannot take a tone key: a final "j" is chat spelling of "i" ("tớj")
            readings.insert(0, word[:-1] + "i")
        if word.startswith("f"):      # no syllable starts with "f": "fai" is "phải" typed as said
            readings.insert(0, "ph" + word[1:])
        for reading in readings:
            if reading in self.counts:
                return reading
        options = self.candidates(word)
        if not options:
            # a Telex key and one slip together ("cahcs": "cahc" read, then "cach")
            options = sorted({c for r in readings if len(r) >= MIN_LENGTH for c in self.candidates(r)})
        if not options:
            return word

        def score(candidate: str) -> tuple[int, int, bool, int]:
            fit = self.accent_fit(candidate, typed) if typed and marks_of(typed) else 0
            return fit, self.pairs(before, candidate, after), candidate in QUESTION_WORDS, self.counts[candidate]

        return max(sorted(options), key=score)

    def correct(self, question: str) -> Correction:
        """Repair the folded question syllable by syllable (neighbours as typed give the context;
        in a question typed with diacritics, each word's tone mark too)."""
        typed = [(key, w) for w in _TYPED_RE.findall(unicodedata.normalize("NFC", question or ""))
                 for key in _WORD_RE.findall(fold(w))]
        words = _WORD_RE.findall(fold(question or ""))
        if [k for k, _ in typed] != words:          # letters the fold cannot align: no accents to read
            typed = [(w, w) for w in words]
        accented = any(marks_of(w) for _, w in typed)
        repaired = list(words)
        changes = []
        for i, word in enumerate(words):
            before = repaired[i - 1] if i else None
            after = words[i + 1] if i + 1 < len(words) else None
            if after is not None and not self.known(after):
                after = self.correct_word(after, word, None)
            fixed = self.correct_word(word, before, after, typed[i][1] if accented else None)
            if fixed != word:
                repaired[i] = fixed
                changes.append((word, fixed))
        return Correction(original=" ".join(words), text=" ".join(repaired), changes=tuple(changes))
