"""Colloquial and administrative equivalents: "chi phí" asks about what the plans call "kinh phí".

The pairs live in a data file a non-programmer can extend (`data/lexicon/equivalents.tsv`: the
plan's term, a TAB, then the ways people say it separated by " ; "). Both sides are compared as
folded token sequences (`ingest.vntext.tokens`: no diacritics, abbreviations written out, whole
syllables), so "chi phi", "Chi phí" and "CHI PHÍ" all match and "tiền mặt" never matches "tiền làm".

`Lexicon.expand(question)` is the one place a question's terms grow by their equivalents: it
returns the folded question tokens plus the tokens of every plan term whose variant occurs, and
which equivalences fired (for logging and for the answer's explanation).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ingest.vntext import nfc, tokens

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "lexicon" / "equivalents.tsv"
VARIANT_SEPARATOR = ";"


class LexiconError(ValueError):
    """A malformed line in the equivalents file (the message says which, in Vietnamese)."""


@dataclass(frozen=True)
class Equivalence:
    term: str                      # the plan's wording, as written in the file
    variants: tuple[str, ...]      # how people say it, as written (aligned with variant_keys)
    term_key: tuple[str, ...]      # folded tokens of `term`
    variant_keys: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Expansion:
    tokens: tuple[str, ...]                       # the question's folded tokens
    added: tuple[str, ...]                        # folded tokens of the plan terms that fired
    matches: tuple[tuple[str, str], ...]          # (variant as written, plan term as written)

    @property
    def terms(self) -> tuple[str, ...]:
        """Question tokens followed by the added ones (duplicates dropped, order kept)."""
        return tuple(dict.fromkeys(self.tokens + self.added))

    @property
    def text(self) -> str:
        """The expanded folded key as one string (what a lexical scorer can tokenise again)."""
        return " ".join(self.terms)


def _contains(haystack: Sequence[str], needle: Sequence[str]) -> bool:
    n = len(needle)
    return n > 0 and any(tuple(haystack[i:i + n]) == tuple(needle) for i in range(len(haystack) - n + 1))


def parse_lines(lines: Iterable[str], source: str = "equivalents.tsv") -> list[Equivalence]:
    """Equivalences from the file's lines; blank lines and `#` comments are skipped."""
    entries: list[Equivalence] = []
    for number, raw in enumerate(lines, 1):
        line = nfc(raw).rstrip("\n\r")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if "\t" not in line:
            raise LexiconError(f"{source}:{number}: thiếu dấu TAB giữa thuật ngữ của kế hoạch và cách nói thường dùng")
        term, _, rest = line.partition("\t")
        term = term.strip()
        written = [v.strip() for v in rest.replace("\t", VARIANT_SEPARATOR).split(VARIANT_SEPARATOR) if v.strip()]
        term_key = tuple(tokens(term))
        if not term_key:
            raise LexiconError(f"{source}:{number}: thuật ngữ của kế hoạch đang trống")
        pairs: dict[tuple[str, ...], str] = {}
        for variant in written:
            key = tuple(tokens(variant))
            if key and key != term_key:
                pairs.setdefault(key, variant)
        if not pairs:
            raise LexiconError(f"{source}:{number}: chưa có cách nói nào cho “{term}”")
        entries.append(Equivalence(term=term, variants=tuple(pairs.values()), term_key=term_key,
                                   variant_keys=tuple(pairs)))
    return entries


class Lexicon:
    """The loaded equivalences; `expand` adds the plan terms a question's wording stands for."""

    def __init__(self, entries: Iterable[Equivalence]):
        self.entries = tuple(entries)
        # every syllable an entry's phrases need: an entry none of whose variants can occur is skipped;
        # a variant is looked for only when all its syllables occur
        self._needs = tuple((e, frozenset(t for key in e.variant_keys for t in key),
                             tuple(frozenset(key) for key in e.variant_keys)) for e in self.entries)

    @classmethod
    def load(cls, path: str | Path | None = None) -> "Lexicon":
        path = Path(path) if path else DEFAULT_PATH
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise LexiconError(f"Không đọc được tệp từ tương đương {path}: {exc}") from exc
        return cls(parse_lines(text.splitlines(), source=path.name))

    def expand(self, question: str) -> Expansion:
        question_tokens = tuple(tokens(question))
        added: list[str] = []
        matches: list[tuple[str, str]] = []
        present = frozenset(question_tokens)
        for entry, needs, key_sets in self._needs:
            if present.isdisjoint(needs):
                continue                       # no variant of this entry can be in the question
            found = next((variant for variant, key, key_set in zip(entry.variants, entry.variant_keys, key_sets)
                          if key_set <= present and _contains(question_tokens, key)), None)
            if found is None or _contains(question_tokens, entry.term_key):
                continue                       # (or the question already uses the plan's word)
            added.extend(entry.term_key)
            matches.append((found, entry.term))
        return Expansion(tokens=question_tokens, added=tuple(added), matches=tuple(matches))

    def written_words(self) -> frozenset[str]:
        """Every word of the file as written (lower case, NFC): spellings that are meant, though
        the plans may never use them ("nhậu" is no typo of "nhau")."""
        phrases = [e.term for e in self.entries] + [v for e in self.entries for v in e.variants]
        return frozenset(w.lower() for p in phrases for w in re.findall(r"[^\W\d_]+", nfc(p)))

    def vocabulary(self) -> frozenset[str]:
        """Every folded token the file mentions (the spelling corrector leaves these alone)."""
        words = {t for e in self.entries for t in e.term_key}
        words.update(t for e in self.entries for key in e.variant_keys for t in key)
        return frozenset(words)


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The bundled equivalents file, loaded once per process."""
    return Lexicon.load()


def expand(question: str) -> Expansion:
    """`default_lexicon().expand(question)`."""
    return default_lexicon().expand(question)
