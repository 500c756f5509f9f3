"""The lexicon of everyday names for procedures (`data/lexicon/procedures.tsv`).

A tab-separated file a non-programmer can extend: "everyday phrase<TAB>procedure name or
keyword". Matching is on folded tokens, so "lam so do" and "làm sổ đỏ" are the same phrase.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ingest.vntext import nfc, tokens

DEFAULT_LEXICON = Path(__file__).resolve().parent.parent / "data" / "lexicon" / "procedures.tsv"
DEFAULT_CONTRASTS = Path(__file__).resolve().parent.parent / "data" / "lexicon" / "contrasts.tsv"


@dataclass(frozen=True)
class LexiconEntry:
    phrase: str                  # as written in the file
    target: str                  # procedure name or keyword, as written
    phrase_tokens: tuple[str, ...]
    target_tokens: tuple[str, ...]


class LexiconError(ValueError):
    pass


def parse_lexicon(text: str, source: str = "procedures.tsv") -> list[LexiconEntry]:
    entries = []
    for number, line in enumerate(nfc(text).splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = [p.strip() for p in line.split("\t")]
        if len(parts) < 2 or not parts[0] or not parts[1]:
            raise LexiconError(f"{source}, dòng {number}: cần hai cột cách nhau bằng phím Tab "
                               "(cụm từ người dân nói, tên thủ tục)")
        phrase_tokens, target_tokens = tuple(tokens(parts[0])), tuple(tokens(parts[1]))
        if phrase_tokens and target_tokens:
            entries.append(LexiconEntry(parts[0], parts[1], phrase_tokens, target_tokens))
    return entries


def _read(path: str | Path) -> tuple[str, str] | None:
    """(text, file name) of a lexicon file, None when there is none (an empty lexicon)."""
    path = Path(path)
    return (path.read_text(encoding="utf-8-sig"), path.name) if path.is_file() else None


@lru_cache(maxsize=8)
def load_lexicon(path: str | Path = DEFAULT_LEXICON) -> tuple[LexiconEntry, ...]:
    found = _read(path)
    return tuple(parse_lexicon(*found)) if found else ()


def contains_sequence(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    n = len(needle)
    return any(haystack[i:i + n] == needle for i in range(len(haystack) - n + 1))


# Whose thing it is ("sổ đỏ nhà tôi ghi sai", "giấy phép của mình hết hạn", "bản sao của hợp
# đồng") does not break an everyday name: the phrase is also looked for with these left out.
# Longest first, so that "của chúng tôi" goes whole.
_OWNERS = (("cua", "chung", "toi"), ("nha", "chung", "toi"), ("nha", "toi"), ("nha", "minh"), ("nha", "em"),
           ("cua", "toi"), ("cua", "minh"), ("cua", "em"), ("cua",))


def _without_owners(toks: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    i = 0
    while i < len(toks):
        owner = next((o for o in _OWNERS if i > 0 and toks[i:i + len(o)] == o), None)
        if owner is None:
            out.append(toks[i])
            i += 1
        else:
            i += len(owner)
    return tuple(out)


def matching_entries(question_tokens: list[str] | tuple[str, ...],
                     lexicon: tuple[LexiconEntry, ...]) -> list[LexiconEntry]:
    """Entries whose phrase occurs (as consecutive folded tokens) in the question; a phrase
    inside a longer one that also occurs does not count ("nhận con nuôi" is not "nhận con")."""
    toks = tuple(question_tokens)
    plain = _without_owners(toks)
    found = [entry for entry in lexicon if contains_sequence(toks, entry.phrase_tokens)
             or (plain != toks and contains_sequence(plain, entry.phrase_tokens))]
    return [entry for entry in found if not any(_overrides(other, entry) for other in found)]


def _overrides(longer: LexiconEntry, shorter: LexiconEntry) -> bool:
    """`longer` says `shorter`'s phrase and more, and points elsewhere: "nhận con nuôi" (nuôi
    con nuôi) is not "nhận con" (nhận cha, mẹ, con). A shorter phrase whose target refines the
    longer one's ("xây nhà" -> cấp giấy phép xây dựng mới, in "xin phép xây nhà" -> giấy phép
    xây dựng) still counts."""
    return (len(longer.phrase_tokens) > len(shorter.phrase_tokens)
            and contains_sequence(longer.phrase_tokens, shorter.phrase_tokens)
            and not set(longer.target_tokens) <= set(shorter.target_tokens))


Contrast = tuple[tuple[str, ...], ...]      # the folded ways of naming exclusive cases ("tu nguyen", "bat buoc")


def parse_contrasts(text: str) -> list[Contrast]:
    """Lines of `contrasts.tsv`: the cases of one slot of a name, separated by " ; "."""
    out = []
    for line in nfc(text).splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        members = tuple(t for t in (tuple(tokens(m)) for m in line.split(";")) if t)
        if len(members) >= 2:
            out.append(members)
    return out


@lru_cache(maxsize=8)
def load_contrasts(path: str | Path = DEFAULT_CONTRASTS) -> tuple[Contrast, ...]:
    found = _read(path)
    return tuple(parse_contrasts(found[0])) if found else ()


def contradicted(question_members: frozenset[tuple[str, ...]], name_tokens: tuple[str, ...],
                 contrasts: tuple[Contrast, ...]) -> bool:
    """Does the question name a case (`question_members`, found by the caller) that the name
    lacks while the name names another case of the same slot ("bắt buộc" against a name saying
    "tự nguyện")?"""
    for members in contrasts:
        asked = [m for m in members if m in question_members]
        if not asked:
            continue
        named = [m for m in members if contains_sequence(name_tokens, m)]
        if named and any(m not in named for m in asked):
            return True
    return False
