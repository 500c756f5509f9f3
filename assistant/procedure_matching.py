"""Which procedure a citizen's question means: the catalogue's name keys (`ProcedureIndex`), the
lexical ranking widened by the everyday-name lexicon (`rank_procedures`), its fusion with
dense retrieval, record text and embedded names (`fuse_*`), and whether the best match is
named clearly enough to answer (`is_confident`). Pure functions over parsed `Procedure`s;
the caller searches the vector store."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from assistant.procedure_facets import CHANNEL_CUE_TOKENS, FACET_CUE_RES
from assistant.procedure_lexicon import (
    LexiconEntry,
    contains_sequence,
    contradicted,
    load_contrasts,
    load_lexicon,
    matching_entries,
)
from assistant.qa.policy import DEFAULT_POLICY, Policy
from assistant.spelling import MIN_LENGTH, SpellingCorrector, Vocabulary, i_y_variant, telex_readings
from ingest.procedure_models import Procedure
from ingest.procedures import facet_texts
from ingest.vntext import fold, tokens

# (Not "tu", "so", "doi" or "thuc": folded, they are also "tử" in khai tử, "sổ" in sổ hộ
# tịch, "đổi" in cấp đổi and "thực" in chứng thực.)
NAME_STOPWORDS = {"thu", "tuc", "cua", "va", "cac", "voi", "tai", "trong", "mot", "theo",
                   "o", "nhung", "da", "co", "cho", "la", "ve", "den", "hoac"}
# Question words that say nothing about which procedure is meant.
# (The facet cue phrases are cut out before this applies; their single words, like "thành"
# or "hộ", still name procedures.)
QUESTION_STOPWORDS = NAME_STOPWORDS | {
    "lam", "can", "gi", "khong", "toi", "em", "minh", "nha", "a", "oi", "muon", "phai", "duoc", "the",
    "nao", "bao", "nhieu", "may", "ai", "dau", "xin", "hoi", "cho", "voi", "roi", "thi", "se", "sao",
    "ban", "anh", "chi", "co", "nhu", "vay", "ak", "ah", "ko", "k", "hem", "giup", "dum", "gium", "voi",
    "dap", "ung", "ra", "thu", "tuc", "cu", "nay", "khi", "bi", "ma", "hay", "nen",
    "xong", "sau", "luc", "nhe", "thoi", "luon", "xa", "phuong", "huyen", "tinh", "nguoi", "nha",
    "con", "be", "chau", "vo", "chong", "bo", "me",
    "len", "xuong",     # "nộp lên bảo hiểm", "cán bộ xuống nhà": where to, not what ("… 5% trở lên")
}


@dataclass(frozen=True)
class ProcedureMatch:
    procedure: Procedure
    score: float
    coverage: float              # share of the name's head (its weight) the question covers
    matched: tuple[str, ...]
    question_coverage: float = 0.0   # share of the question's naming words the match explains
    vouched: bool = False        # an everyday name in the lexicon points at this procedure
    question_words: int = 0      # how many naming words the question has
    action_conflict: bool = False  # the question names another action ("cấp …" for "Trình báo mất …")
    head_said: float = 0.0       # weight (IDF) of the head's words the question says
    names_other: bool = False    # a word it leaves unexplained names something else (see `_names_other`)
    # The name's head without its level qualifier ("Đăng ký xe tạm thời"): twin records share it
    # ("… toàn trình", "… một phần hoặc trực tiếp") and are one procedure for matching.
    head: tuple[str, ...] = ()
    # A word no record uses right after the everyday name that vouches for it: the name narrowed
    # to something the catalogue lacks ("giấy phép kinh doanh karaoke").
    narrowed: bool = False
    # The longest run of the name's words the question says in one piece, in the name's order.
    name_run: int = 0
    # The question says the whole name, word for word, and the name is all head (no qualifier):
    # "… ra xã chứng thực di chúc thì …" names "Chứng thực di chúc".
    head_spoken: bool = False

    @property
    def asks_other_action(self) -> bool:
        """The question names another action and no everyday name vouches for this one."""
        return self.action_conflict and not self.vouched


def _held_in(ranked: Sequence[ProcedureMatch], document: str, rank: int) -> ProcedureMatch | None:
    """The match of record `document` among the first `rank` of `ranked`, if there."""
    return next((m for m in ranked[:rank] if m.procedure.document == document), None)


def _led_by(best: ProcedureMatch, ranked: Sequence[ProcedureMatch]) -> list[ProcedureMatch]:
    """`ranked` with `best` moved first."""
    return [best] + [m for m in ranked if m is not best]


@dataclass(frozen=True)
class _NameKeys:
    name_set: frozenset[str]
    head_set: frozenset[str]
    rest_set: frozenset[str]
    bigrams: frozenset[str]
    tokens: tuple[str, ...]      # the whole name's folded tokens, stopwords kept
    head_weight: float
    bonus: float                 # citizen applicants, commune level
    level: str = ""              # the level its qualifier names, folded: "huyen" in "(thực hiện tại cấp huyện)"
    # the ages its qualifier admits: (folded words, lowest, highest age), "dưới 14 tuổi": 0–13
    ages: tuple[tuple[tuple[str, ...], int, int], ...] = ()


@dataclass
class ProcedureIndex:
    """Name keys of the catalogue, built once per set of procedures."""

    procedures: list[Procedure]
    lexicon: tuple[LexiconEntry, ...]
    names: list[tuple[str, ...]] = field(default_factory=list)
    heads: list[tuple[str, ...]] = field(default_factory=list)
    idf: dict[str, float] = field(default_factory=dict)
    max_idf: float = 1.0
    actions: frozenset[str] = frozenset()   # verbs that open two names or more: "cap", "dang_ky", "trinh_bao"
    keys: list[_NameKeys] = field(default_factory=list)   # per procedure, computed once
    # Every word the records' texts use (names included): a question word outside it
    # ("karaoke") names something the catalogue does not hold.
    record_words: frozenset[str] = frozenset()
    name_text: str = ""          # " <name> | <name> … ": every name's folded tokens (phrase lookups)
    contrasts: tuple = ()        # exclusive cases of a name's slot (`procedure_lexicon.load_contrasts`)
    # The everyday names holding a channel's name ("vneid mức 2"), read on the question as typed.
    channel_lexicon: tuple[LexiconEntry, ...] = ()
    speller: SpellingCorrector | None = None    # one-letter slips against the records' words
    # The age bounds names set ("dưới 14 tuổi", "từ đủ 14 tuổi"): (folded words, lowest, highest age).
    age_bounds: tuple[tuple[tuple[str, ...], int, int], ...] = ()

    @classmethod
    def build(cls, procedures: Sequence[Procedure],
              lexicon: tuple[LexiconEntry, ...] | None = None) -> ProcedureIndex:
        index = cls(list(procedures), load_lexicon() if lexicon is None else lexicon)
        index.channel_lexicon = tuple(e for e in index.lexicon if any(
            contains_sequence(e.phrase_tokens, cue) for cue in CHANNEL_CUE_TOKENS))
        names = [_LEVEL_QUALIFIER.sub(" ", p.name) for p in procedures]
        index.names = [_content(name) for name in names]
        index.heads = [_content(name_head(name)) for name in names]
        index.actions = _actions(index.heads)
        df = Counter(t for name in index.names for t in set(name))
        df.update(b for name in index.names for b in word_pairs(name))
        n = max(len(procedures), 1)
        index.idf = {t: math.log(1 + n / c) for t, c in df.items()}
        index.max_idf = math.log(1 + n)
        texts = [" ".join(facet_texts(p).values()) for p in procedures]
        index.record_words = frozenset(t for text in texts for t in tokens(text))
        everyday = {t for entry in index.lexicon for t in entry.phrase_tokens}
        index.speller = SpellingCorrector(Vocabulary.of(texts), protected=everyday) if texts else None
        for procedure, name, head in zip(procedures, index.names, index.heads):
            head_set, name_set = frozenset(head), frozenset(name)
            index.keys.append(_NameKeys(
                name_set=name_set, head_set=head_set, rest_set=name_set - head_set,
                bigrams=frozenset(word_pairs(name)), tokens=tuple(tokens(procedure.name)),
                head_weight=sum(index.weight(t) for t in head_set) or 1.0,
                bonus=(0.5 if _CITIZEN in procedure.applicants.lower() else 0.0)
                + (0.3 if _COMMUNE_LEVEL in fold(procedure.name) else 0.0),
                level=_name_level(procedure.name),
                ages=tuple(_age_bounds(tokens(procedure.name)))))
        index.name_text = f" {' | '.join(' '.join(keys.tokens) for keys in index.keys)} "
        index.age_bounds = tuple(dict.fromkeys(b for keys in index.keys for b in keys.ages))
        index.contrasts = load_contrasts()
        return index

    def some_name_says(self, folded_phrase: str) -> bool:
        """Does some procedure's name hold these folded words, in this order?"""
        return f" {folded_phrase} " in self.name_text

    def weight(self, token: str) -> float:
        """Rare name words weigh more; a word in no name at all weighs most."""
        return self.idf.get(token, self.max_idf)


# "(thực hiện tại cấp xã)" says where a procedure is done, not what it is: its "cấp" must not
# answer the "cấp" of "cấp hộ chiếu".
_LEVEL_QUALIFIER = re.compile(r"\((?:thực hiện )?(?:tại )?cấp (?:xã|huyện|tỉnh|trung ương)[^()]*\)", re.IGNORECASE)
# Twin records differing only in that qualifier ("Trình báo mất hộ chiếu phổ thông (thực hiện
# tại cấp xã)" / "(… cấp huyện)"): the commune one is the common case, unless the question
# says the other level ("công an huyện", "cấp huyện", "UBND tỉnh").
_LEVEL_SAID = re.compile(r"(?<![0-9a-z])(?:cap|cong an|ubnd|uy ban nhan dan|uy ban) (huyen|tinh)(?![0-9a-z])")
_LEVEL_SAID_BONUS = 0.6   # more than the commune level's 0.3


def _name_level(name: str) -> str:
    qualifier = _LEVEL_QUALIFIER.search(name)
    if not qualifier:
        return ""
    said = re.search(r"cap (xa|huyen|tinh|trung uong)", fold(qualifier.group(0)).lower())
    return said.group(1) if said else ""

# A name's head is what it is before its qualifiers: "Chứng thực chữ ký trong các giấy tờ,
# văn bản (áp dụng …)" -> "Chứng thực chữ ký trong các giấy tờ"; "… thực hiện bằng dịch vụ
# công …" says how, not what.
_HEAD_END = re.compile(r"[,;:(]|\s(?:thực hiện|do chủ tịch)\s", re.IGNORECASE)
# Commas right after one or two words list actions on the same object ("Tích hợp, cập nhật,
# điều chỉnh thông tin trên thẻ căn cước", "Đăng ký, cấp biển số xe"): the head is the object
# phrase with its last action; the other actions are qualifiers.
_ACTION_WORDS = 2
# A word said that only a qualifier of the name holds counts for less than one of its head.
_REST_HIT = 0.7


def name_head(name: str) -> str:
    pieces = _HEAD_END.split(name)
    seps = _HEAD_END.findall(name)
    i = 0
    while i < len(seps) and seps[i] == "," and _listed_action(pieces[i], pieces[i - 1] if i else "") \
            and i + 1 < len(pieces) and pieces[i + 1].strip():
        i += 1
    return pieces[i]


def _listed_action(piece: str, before: str) -> bool:
    """Is this comma-separated piece one of the actions a name lists before its object: one or
    two words ("Cấp", "Đăng ký"), or the action before it and one more ("Đăng ký, đăng ký lại,
    điều chỉnh đóng BHXH tự nguyện")?"""
    words, earlier = _content(piece), _content(before)
    return len(words) <= _ACTION_WORDS or (
        bool(earlier) and len(words) == len(earlier) + 1 and words[:len(earlier)] == earlier)


# "cơ quan nào giải quyết", "bao lâu giải quyết xong": how citizens say an office handles a
# file, whatever the procedure; not the action "Giải quyết hưởng …" opens with.
_PROCESSING_VERBS = frozenset({"giai_quyet"})
_ACTION_FOLLOWERS = 4


def _actions(heads: Sequence[tuple[str, ...]]) -> frozenset[str]:
    """The verbs names open with, when two names or more do: a word that opens names with
    many different next words ("cấp lại", "cấp giấy", "cấp đổi" …: "cap"), else the opening
    pair ("công nhận …", "hỗ trợ …": "cong_nhan", "ho_tro"), so that the "công" of "công ty" or
    the "hộ" of "hộ khẩu" in a question is no action."""
    followers: dict[str, set[str]] = {}
    pairs: Counter[str] = Counter()
    for head in heads:
        if not head:
            continue
        followers.setdefault(head[0], set()).add(head[1] if len(head) > 1 else "")
        if len(head) > 1:
            pairs[f"{head[0]}_{head[1]}"] += 1
    words = {w for w, nexts in followers.items() if len(nexts) >= _ACTION_FOLLOWERS}
    return frozenset(words | {p for p, c in pairs.items() if c >= 2 and p.split("_")[0] not in words})


_AGE_BOUND = re.compile(r"(?<![0-9a-z])(duoi|tu du|tu|tren|du) (\d{1,2}) tuoi(?![0-9a-z])")


def _age_bounds(name_tokens: Sequence[str]) -> list[tuple[tuple[str, ...], int, int]]:
    """The ages a name's qualifier admits: "dưới 14 tuổi" is 0–13, "từ đủ 14 tuổi" 14 and over."""
    out = []
    for m in _AGE_BOUND.finditer(" ".join(name_tokens)):
        n = int(m.group(2))
        low, high = (0, n - 1) if m.group(1) == "duoi" else (n + (m.group(1) == "tren"), 200)
        out.append((tuple(m.group(0).split()), low, high))
    return out


def _age_at(q_tokens: Sequence[str], i: int) -> bool:
    """Is token `i` a person's age ("10 tuổi"), not a bound ("dưới 14 tuổi")?"""
    return q_tokens[i].isdigit() and i + 1 < len(q_tokens) and q_tokens[i + 1] == "tuoi" \
        and (i == 0 or q_tokens[i - 1] not in ("duoi", "tu", "du", "tren"))


def _ages_said(q_tokens: Sequence[str]) -> list[int]:
    return [int(t) for i, t in enumerate(q_tokens) if _age_at(q_tokens, i)]


def _read_ages(q_tokens: Sequence[str], index: ProcedureIndex) -> list[str]:
    """A child's age ("con 10 tuổi") said as the bounds of the names it falls in ("dưới 14 tuổi")."""
    out: list[str] = []
    for i, t in enumerate(q_tokens):
        if _age_at(q_tokens, i):
            fitting = [words for words, low, high in index.age_bounds if low <= int(t) <= high]
            if fitting:
                out += [w for words in fitting for w in words[:-1]]    # the bound's "tuổi" follows
                continue
        out.append(t)
    return out


def _content(text: str) -> tuple[str, ...]:
    return tuple(t for t in tokens(text) if t not in NAME_STOPWORDS)


def word_pairs(toks: Sequence[str]) -> set[str]:
    return {f"{a}_{b}" for a, b in zip(toks, toks[1:])}


# How citizens say "apply" whatever the procedure; cut like the cue phrases ("hồ sơ" folds
# to "ho so", which would otherwise meet "hộ" in hộ tịch, hộ kinh doanh).
_FILLER_RE = re.compile(r"(?<![0-9a-z])(?:nop ho so|lam ho so|ho so|lam thu tuc hanh chinh|lam thu tuc|thu tuc hanh chinh|thu tuc|tthc|nop"
                        r"|bao nhieu|hien nay|hien tai|bay gio|chuan bi)(?![0-9a-z])")


def naming_tokens(question: str) -> list[str]:
    """The question's tokens without the facet cue phrases ("giấy tờ", "mất mấy ngày"), so
    "cần giấy tờ gì" does not match a procedure named "… giấy tờ cá nhân"."""
    folded = " ".join(tokens(question))
    for regex in FACET_CUE_RES.values():
        folded = regex.sub(" ", folded)
    return _FILLER_RE.sub(" ", folded).split()


# Question words that fold like a name's word: "cần"/"căn", "thế"/"thẻ", "chị"/"chi nhánh", "xa"/"xã".
_FOLDING_TWINS = frozenset({"can", "the", "chi", "xa"})


def question_content(q_tokens: Sequence[str], index: ProcedureIndex | None = None) -> list[str]:
    """The question's naming words. A folding twin stays when it makes a name's word pair with
    a neighbouring naming word ("the can cuoc", "chi nhanh", "hop tac xa")."""
    def pairs_in_a_name(i: int) -> bool:
        if index is None:
            return False
        before = i > 0 and q_tokens[i - 1] not in QUESTION_STOPWORDS \
            and f"{q_tokens[i - 1]}_{q_tokens[i]}" in index.idf
        after = i + 1 < len(q_tokens) and q_tokens[i + 1] not in QUESTION_STOPWORDS \
            and f"{q_tokens[i]}_{q_tokens[i + 1]}" in index.idf
        return before or after

    return [t for i, t in enumerate(q_tokens) if not t.isdigit()
            and (t not in QUESTION_STOPWORDS or (t in _FOLDING_TWINS and pairs_in_a_name(i)))]


# Citizens ask; among equally fitting procedures, one a citizen can apply for comes first.
_CITIZEN = "công dân việt nam"
# The catalogue is the commune's: "(thực hiện tại cấp xã)" beats the district twin.
_COMMUNE_LEVEL = "cap xa"


# "không có yếu tố nước ngoài", "không phải (là) cộng tác viên": the words after a negation
# name what the procedure is NOT, so a name that says them plainly (without its own "không")
# is the other procedure.
_NEGATION = re.compile(r"(?<![0-9a-z])khong (?:phai la |phai |la |co |thuoc )?((?:[0-9a-z]+(?: |$)){1,4})")
_NEGATED_KEY = 2        # the first two words after the negation identify the qualifier


def _negations(q_tokens: Sequence[str]) -> list[tuple[int, int]]:
    """[start, end) token spans of the word runs the question negates, each with at least
    `_NEGATED_KEY` naming words ("khong co yeu to nuoc ngoai" -> the span of "yeu to nuoc ngoai")."""
    text = " ".join(q_tokens)
    starts = [0]
    for t in q_tokens[:-1]:
        starts.append(starts[-1] + len(t) + 1)
    spans = []
    for m in _NEGATION.finditer(text):
        first = starts.index(m.start(1))
        words = m.group(1).split()
        if len([t for t in words if t not in NAME_STOPWORDS]) >= _NEGATED_KEY:
            spans.append((first, first + len(words)))
    return spans


def _negated(q_tokens: Sequence[str], spans: Sequence[tuple[int, int]]) -> list[tuple[str, ...]]:
    """The naming words of the negated `spans` (`_negations`): "khong co yeu to nuoc ngoai" ->
    ("yeu", "to", "nuoc", "ngoai")."""
    return [tuple(t for t in q_tokens[a:b] if t not in NAME_STOPWORDS) for a, b in spans]


def _key_at(name_tokens: tuple[str, ...], run: tuple[str, ...]) -> Iterator[bool]:
    """For each place the name holds the run's key words: whether its own "không" comes before."""
    key = run[:_NEGATED_KEY]
    n = len(key)
    for i in range(len(name_tokens) - n + 1):
        if name_tokens[i:i + n] == key:
            yield "khong" in name_tokens[max(0, i - 3):i]


def _says_plainly(name_tokens: tuple[str, ...], run: tuple[str, ...]) -> bool:
    """The name holds the run's key words, not under its own "không"."""
    return any(not negated for negated in _key_at(name_tokens, run))


def _says_negated(name_tokens: tuple[str, ...], run: tuple[str, ...]) -> bool:
    """The name holds the run's key words under its own "không" ("… không có người thừa kế")."""
    return any(_key_at(name_tokens, run))


def _telex_read(word: str, index: ProcedureIndex, before: str | None = None, after: str | None = None) -> str:
    """A word no record uses, read as the record word its Telex keys make ("daau" -> "dau"),
    else as the record word one letter away that makes a name's word pair with a neighbour
    ("xac nhn" -> "nhan"). A record word whose final i/y the records write the other way after
    the same neighbour ("dang ki" -> "ky") is read their way."""
    if word.isdigit():
        return word
    if word in index.record_words:
        variant = i_y_variant(word)
        pairs = index.speller.bigrams if index.speller is not None else {}
        if variant is not None and before is not None and pairs.get((before, variant), 0) > pairs.get((before, word), 0):
            return variant
        return word
    read = next((r for r in telex_readings(word, inside_tones=False) if r in index.record_words), word)
    if read != word or index.speller is None or len(word) < MIN_LENGTH or index.speller.known(word):
        return read
    # only a slip that completes a name's word pair, and a letter dropped only when doubled:
    # "taxi", "mắm" are words the records lack, not slips of "tai", "ma"
    doubled = any(a == b for a, b in zip(word, word[1:]))
    naming = [c for c in sorted(index.speller.candidates(word))
              if (len(c) >= len(word) or doubled)
              and (f"{before}_{c}" in index.idf or f"{c}_{after}" in index.idf)]
    return max(naming, key=lambda c: index.speller.counts[c]) if naming else word


def _read_slips(words: Sequence[str], index: ProcedureIndex) -> list[str]:
    read: list[str] = []
    for i, word in enumerate(words):
        after = words[i + 1] if i + 1 < len(words) else None
        read.append(_telex_read(word, index, read[-1] if read else None, after))
    return read


# "làm giấy khai tử": the paper of what an everyday name says is that name's, not another thing
_PAPER_WORDS = frozenset({"giay"})


def _papers_before(q_tokens: Sequence[str], entries: Sequence[LexiconEntry]) -> dict[LexiconEntry, str]:
    """{everyday name: the paper word said right before it} ("giấy" of "làm giấy khai tử")."""
    toks = tuple(q_tokens)
    return {entry: toks[i - 1] for entry in entries for i in range(1, len(toks))
            if toks[i - 1] in _PAPER_WORDS and toks[i:i + len(entry.phrase_tokens)] == entry.phrase_tokens}


def rank_procedures(question: str, index: ProcedureIndex, k: int = 5) -> list[ProcedureMatch]:
    """Procedures best matching the question's wording, the common case first."""
    q_tokens = _read_slips(naming_tokens(question), index)
    ages = _ages_said(q_tokens)
    q_tokens = _read_ages(q_tokens, index)
    spans = _negations(q_tokens)
    negated = _negated(q_tokens, spans)
    unsaid = {t for run in negated for t in run}
    if negated:    # what the procedure is not does not name it (the same words said elsewhere still do),
        # unless a name says it under its own negation ("tài sản không có người thừa kế")
        cut = [span for span, run in zip(spans, negated)
               if not any(_says_negated(keys.tokens, run) for keys in index.keys)]
        q_tokens = [t for i, t in enumerate(q_tokens) if not any(a <= i < b for a, b in cut)]
    # An everyday name may hold a channel's name ("vneid mức 2"): such names are read on the
    # question as typed too, not only on what is left once the cues are cut.
    entries = matching_entries(q_tokens, index.lexicon)
    entries += [e for e in matching_entries(tokens(question), index.channel_lexicon)
                if e not in entries and not any(t in unsaid for t in e.phrase_tokens)]
    level_said = {m.group(1) for m in _LEVEL_SAID.finditer(" ".join(tokens(question)))}
    terms = set(q_tokens)
    bigrams = word_pairs(q_tokens)
    for entry in entries:
        terms |= set(entry.target_tokens)
        bigrams |= word_pairs(entry.target_tokens)
    # The question's naming words, plus its compounds that some name uses ("ly_hon",
    # "lai_xe"): "ly hôn" must not pass for "kết hôn" on the strength of "hôn".
    words = question_content(q_tokens, index)
    content = words + [b for b in word_pairs(words) if b in index.idf]
    # A word no procedure name uses names something outside the catalogue ("kết nạp Đảng",
    # "công ty"): it weighs double, unless the lexicon explains it.
    known = {t for e in entries for t in e.phrase_tokens}
    weights = {t: index.weight(t) * (2.0 if t not in index.idf and t not in known else 1.0) for t in content}
    content_weight = sum(weights[t] for t in content)
    said_as_result = _results_said(q_tokens)
    asked_actions = [a for a in dict.fromkeys(words + sorted(word_pairs(words)))
                     if a in index.actions and a not in _PROCESSING_VERBS and a not in said_as_result
                     and not _ends_compound(a, words, index)]
    cases = _cases_said(q_tokens, index)
    papers = _papers_before(q_tokens, entries)
    said_content = _content(" ".join(q_tokens))
    said_words, said_pairs = frozenset(said_content), frozenset(word_pairs(said_content))
    matches = []
    for procedure, name, head, keys in zip(index.procedures, index.names, index.heads, index.keys):
        if keys.name_set.isdisjoint(terms):
            continue
        if cases and contradicted(cases, keys.tokens, index.contrasts):
            continue             # "cai nghiện bắt buộc" is not "Đăng ký cai nghiện ma túy tự nguyện"
        if ages and keys.ages and not any(low <= age <= high for age in ages for _, low, high in keys.ages):
            continue             # "con 20 tuổi" is not "… cho người dưới 14 tuổi"
        hit = [t for t in dict.fromkeys(name) if t in terms]
        matched = sum(index.weight(t) * (1.0 if t in keys.head_set else _REST_HIT) for t in hit)
        head_weight = keys.head_weight
        head_missed = sum(index.weight(t) for t in keys.head_set if t not in terms)
        rest_missed = sum(index.weight(t) for t in keys.rest_set if t not in terms)
        pair_hits = len(keys.bigrams & bigrams)
        name_set = keys.name_set
        mine = [e for e in entries if set(e.target_tokens) - NAME_STOPWORDS <= name_set]
        # An everyday name whose target is wholly in this name vouches for it ("làm sổ đỏ"
        # -> "… cấp Giấy chứng nhận quyền sử dụng đất …"), more so in the same word order.
        vouched = bool(mine)
        verbatim = any(contains_sequence(keys.tokens, e.target_tokens) for e in mine)
        explained = name_set | keys.bigrams | {t for e in mine for t in e.phrase_tokens}
        explained |= {papers[e] for e in mine if e in papers}
        explained |= {b for e in mine for b in word_pairs(e.phrase_tokens)}
        q_cov = (sum(weights[t] for t in content if t in explained) / content_weight
                 if content_weight else 1.0)
        # Unmatched head words cost: "khai sinh" prefers "Thủ tục đăng ký khai sinh" over
        # "… khai sinh có yếu tố nước ngoài" (the common case), while a question that says
        # "nước ngoài" covers the variant's extra words and prefers it.
        # Qualifiers after the head cost less, and only so much: a long legal name is not
        # a worse match for being long.
        score = (matched + 0.5 * pair_hits - 0.35 * min(head_missed, 15.0) - min(0.1 * rest_missed, 1.5)
                 + 2.0 * vouched + 1.0 * verbatim + 2.0 * q_cov + keys.bonus)
        if keys.level and keys.level in level_said:
            score += _LEVEL_SAID_BONUS
        # A qualifier the question negates counts against the name that says it plainly.
        score -= sum(2.0 * index.weight(t) for run in negated if _says_plainly(keys.tokens, run)
                     for t in set(run) & name_set)
        coverage = 1.0 - head_missed / head_weight
        # The question says an action ("cấp") that this name lacks, and not the name's own
        # ("trình báo"): another procedure on the same thing.
        conflict = bool(head) and head[0] not in terms and any(
            a not in name_set and a not in keys.bigrams for a in asked_actions)
        # a run of two words or more needs a word pair of the name said: most names share none
        run = _longest_run(said_content, name) if not keys.bigrams.isdisjoint(said_pairs) \
            else int(not said_words.isdisjoint(name_set))
        matches.append(ProcedureMatch(procedure, score, coverage, tuple(hit), q_cov, vouched, len(set(words)),
                                      conflict, head_weight - head_missed,
                                      _names_other(words, explained, index), head,
                                      _narrowed(q_tokens, mine, index), run,
                                      head == name and run == len(name) >= _SPOKEN_HEAD_WORDS))
    # Same name under different codes (local variants): the most complete record first.
    matches.sort(key=lambda m: (-m.score, len(m.procedure.flags), -len(m.procedure.documents),
                                len(m.procedure.name)))
    return _unconflicted_first(_spoken_first(_general_first(matches, bigrams)))[:k]


_CONFLICT_TIE = 0.95      # a name asking no other action this close to one that does goes first
_CONFLICT_WINDOW = 3


def _unconflicted_first(matches: list[ProcedureMatch]) -> list[ProcedureMatch]:
    """The question says an action the best name lacks ("điều chỉnh thông tin" against "Khai thác
    thông tin …"): a name nearly as good that has it, or asks no other, comes first."""
    if not matches or not matches[0].action_conflict:
        return matches
    floor = _CONFLICT_TIE * matches[0].score
    best = next((m for m in matches[1:_CONFLICT_WINDOW] if not m.action_conflict and not m.narrowed
                 and m.score >= floor), None)
    return _led_by(best, matches) if best is not None else matches


# A head this long said word for word names its procedure ("đăng ký thường trú"); shorter ones
# ("cấp lại") are said in passing.
_SPOKEN_HEAD_WORDS = 3


def _longest_run(said: Sequence[str], name: Sequence[str]) -> int:
    """The most consecutive words of `name` that `said` holds consecutively."""
    return SequenceMatcher(None, said, name, autojunk=False).find_longest_match().size


def _spoken_length(match: ProcedureMatch) -> int:
    return len(match.head) if match.head_spoken else 0


def _spoken_first(matches: list[ProcedureMatch]) -> list[ProcedureMatch]:
    """The procedure whose whole name the question says, word for word, before one whose head
    it only touches word by word ("… lập di chúc chia đất cho mấy anh em, ra xã chứng thực di
    chúc" is "Chứng thực di chúc", not "Chứng thực văn bản phân chia di sản …"); the longest
    name said wins ("xóa đăng ký thường trú"). The first stays when the question says as much
    of its own name in one piece: the name said is then the citizen's story or purpose ("xin
    giấy xác nhận tình trạng hôn nhân để đăng ký kết hôn"), or one of the procedures the first
    joins ("làm một lần cả khai sinh, đăng ký thường trú và thẻ bảo hiểm y tế")."""
    if not matches:
        return matches
    best = max(matches, key=_spoken_length)
    first = matches[0]
    if best is first or _spoken_length(best) <= max(_spoken_length(first), first.name_run) \
            or best.narrowed or best.asks_other_action:
        return matches
    return _led_by(best, matches)


_GENERAL_TIE = 0.9        # a general procedure this close to a specialisation of it goes first
_GENERAL_WINDOW = 5


def _name_words(name: str) -> frozenset[str]:
    return frozenset(tokens(name)) - NAME_STOPWORDS


def _specialises(name: str, general: str) -> bool:
    """Does `name` hold every word of `general` and more?"""
    return _name_words(general) < _name_words(name)


# "làm lại giấy khai tử": the citizen's "làm lại" is a name's "đăng ký lại", "cấp lại"
_REDO_SAID = "lam_lai"


def _pair_said(pair: str, q_bigrams: set[str]) -> bool:
    return pair in q_bigrams or (_REDO_SAID in q_bigrams and pair.endswith("_lai"))


def _general_first(matches: list[ProcedureMatch], q_bigrams: set[str]) -> list[ProcedureMatch]:
    """The general procedure ("Thủ tục đăng ký khai sinh có yếu tố nước ngoài") before a close
    specialisation of it ("… tại khu vực biên giới", "… đăng ký lại …": its name holds every
    word of the general one, and more) when the question says no word pair only the
    specialisation's name has: "cho con lại có phải …" says "lại", not "đăng ký lại" (or
    "làm lại")."""
    if len(matches) < 2:
        return matches
    best = matches[0]
    special_pairs = word_pairs(tokens(best.procedure.name))
    for m in matches[1:_GENERAL_WINDOW]:
        if m.score < _GENERAL_TIE * best.score:
            break
        if _specialises(best.procedure.name, m.procedure.name) and not any(
                _pair_said(pair, q_bigrams) for pair in special_pairs - word_pairs(tokens(m.procedure.name))):
            return [m] + [x for x in matches if x is not m]
    return matches


# "bao lâu có quyết định", "được ghi vào giấy gì": after these, a verb names opening with
# ("quyết định …", "ghi vào …") is what the citizen gets, not another procedure asked for.
_RESULT_MARKERS = frozenset({"co", "ra", "nhan", "duoc"})


def _results_said(q_tokens: Sequence[str]) -> frozenset[str]:
    """The words (and word pairs) the question says right after a result marker."""
    out: set[str] = set()
    for i in range(1, len(q_tokens)):
        if q_tokens[i - 1] in _RESULT_MARKERS:
            out.add(q_tokens[i])
            if i + 1 < len(q_tokens):
                out.add(f"{q_tokens[i]}_{q_tokens[i + 1]}")
    return frozenset(out)


def _cases_said(q_tokens: Sequence[str], index: ProcedureIndex) -> frozenset[tuple[str, ...]]:
    """The contrast members (`data/lexicon/contrasts.tsv`) the question says; a one-word member
    only where it is no part of a name's compound ("lao" in "lao động" is not Lào)."""
    toks = tuple(q_tokens)
    found = set()
    for members in index.contrasts:
        for m in members:
            for i in range(len(toks) - len(m) + 1):
                if toks[i:i + len(m)] != m:
                    continue
                after = toks[i + 1] if i + 1 < len(toks) else ""
                if len(m) > 1 or f"{m[0]}_{after}" not in index.idf:
                    found.add(m)
    return frozenset(found)


def _ends_compound(action: str, words: Sequence[str], index: ProcedureIndex) -> bool:
    """Is a one-word action said only as the end of a compound the names use ("cấp" of "trợ
    cấp", "cung cấp")? Then it is that compound, not the action "cấp …"."""
    if "_" in action:
        return False
    ends = [i > 0 and f"{words[i - 1]}_{action}" in index.idf for i, w in enumerate(words) if w == action]
    return bool(ends) and all(ends)


def _narrowed(q_tokens: Sequence[str], entries: Sequence, index: ProcedureIndex) -> bool:
    """Does a word no record uses follow one of `entries`' phrases in the question, and no
    everyday name of them stand on its own? "mở quán karaoke" narrows "mở quán"; "mở tiệm cafe,
    lên xã đăng kí hộ kinh doanh" says "đăng ký hộ kinh doanh" besides."""
    toks = tuple(q_tokens)
    narrowed = False
    for entry in entries:
        n = len(entry.phrase_tokens)
        for i in range(len(toks) - n + 1):
            if toks[i:i + n] != tuple(entry.phrase_tokens):
                continue
            after = toks[i + n] if i + n < len(toks) else ""
            if after and after not in index.record_words and after not in QUESTION_STOPWORDS:
                narrowed = True
            else:
                return False
    return narrowed


def _names_other(words: Sequence[str], explained: set[str] | frozenset[str], index: ProcedureIndex) -> bool:
    """Does a question word the match leaves unexplained name something else: a word the
    catalogue never uses ("karaoke"), or one in a pair of words that some other name holds
    ("giấy phép" of "giấy phép kinh doanh")? Words only the records' texts use, in pairs no
    name holds ("ông nội mới mất"), tell the situation instead."""
    for i, t in enumerate(words):
        if t in explained:
            continue
        if t not in index.record_words:
            return True
        pairs = [f"{before}_{t}" for before in words[max(i - 1, 0):i]] + [f"{t}_{after}" for after in words[i + 1:i + 2]]
        if any(p in index.idf and p not in explained for p in pairs):
            return True
    return False


def names_procedure(match: ProcedureMatch, runner_up: ProcedureMatch | None,
                    policy: Policy = DEFAULT_POLICY) -> bool:
    """Does the question say the procedure's head, in distinctive words, whatever situation it
    tells around it? (`Policy.procedure_named_*`.)"""
    if match.asks_other_action and match.coverage < policy.procedure_named_conflict_coverage:
        return False
    if match.head_spoken and not match.narrowed and not match.asks_other_action and \
            (runner_up is None or runner_up.name_run < len(match.head)):
        return True
    margin = match.score - runner_up.score if runner_up is not None else match.score
    situated = (match.coverage >= policy.procedure_situated_head_coverage and not match.names_other
                and match.head_said >= policy.procedure_situated_head_weight
                and margin >= policy.procedure_situated_margin)
    # (a runner-up nothing vouches for, saying little of its own head, is no rival: half the lead)
    weak_rival = runner_up is not None and not runner_up.vouched and \
        runner_up.coverage < policy.procedure_weak_rival_coverage
    vouched_lead = (match.vouched and not match.action_conflict
                    and match.coverage >= policy.procedure_situated_head_coverage
                    and margin >= policy.procedure_vouched_margin * (0.5 if weak_rival else 1.0))
    if match.head_said < policy.procedure_named_head_weight:
        return situated or vouched_lead
    said = (match.coverage >= policy.procedure_named_head_coverage
            and match.question_coverage >= policy.procedure_named_question_coverage
            and margin >= policy.procedure_named_margin)
    leads = (match.coverage >= policy.procedure_lead_head_coverage
             and match.question_coverage >= policy.procedure_lead_question_coverage
             and margin >= policy.procedure_lead_margin and not match.action_conflict)
    return said or situated or leads or vouched_lead


def clearly_ahead(match: ProcedureMatch, runner_up: ProcedureMatch | None,
                  policy: Policy = DEFAULT_POLICY) -> bool:
    """Does the question's wording fit this name far better than any other name, whatever
    situation it tells around it ("mảnh đất ông bà để lại chưa có sổ, làm sổ đỏ lần đầu …")?
    Only when it asks no other action (`Policy.procedure_clear_*`)."""
    if match.action_conflict or match.narrowed or match.score < policy.procedure_clear_min_score:
        return False
    second = runner_up.score if runner_up is not None else 0.0
    return (match.score - second >= policy.procedure_clear_lead
            and match.score >= policy.procedure_clear_ratio * second)


def is_confident(match: ProcedureMatch, policy: Policy = DEFAULT_POLICY,
                 runner_up: ProcedureMatch | None = None) -> bool:
    """Is the best match the procedure the citizen means (else: not in the catalogue)?
    `runner_up`: the next match of another name, when known. Thresholds: `Policy.procedure_*`."""
    if match.narrowed:
        return False
    if names_procedure(match, runner_up, policy) or clearly_ahead(match, runner_up, policy):
        return True
    if match.score < policy.procedure_min_score \
            or match.question_coverage < policy.procedure_min_question_coverage:
        return False
    if match.asks_other_action:
        return False
    says_a_lot = match.question_coverage >= policy.procedure_full_question_coverage \
        and match.question_words >= policy.procedure_full_question_words
    head_needed = policy.procedure_min_head_coverage_full if says_a_lot else policy.procedure_min_head_coverage
    return match.vouched or match.coverage >= head_needed


def runner_up(ranked: Sequence[ProcedureMatch]) -> ProcedureMatch | None:
    """The best match under another name than the first (same-name local variants are one, and
    so are twins that differ only in their level qualifier, "… (thực hiện tại cấp xã)", or
    share their head, `ProcedureMatch.head`, and specialisations of the first, whose names hold
    all its words and more: the answer names them). A first that is itself a specialisation
    ("Đăng ký lại khai tử", led by the question's "làm lại", `_general_first`) has its family
    as one name too: the general ("Thủ tục đăng ký khai tử") and the general's other
    specialisations ("… lưu động")."""
    if not ranked:
        return None
    first = _unlevelled(ranked[0].procedure.name)
    name = ranked[0].procedure.name
    generals = [m.procedure.name for m in ranked[1:] if _specialises(name, m.procedure.name)]
    return next((m for m in ranked[1:] if _unlevelled(m.procedure.name) != first
                 and m.head != ranked[0].head and not _specialises(m.procedure.name, name)
                 and not any(m.procedure.name == g or _specialises(m.procedure.name, g) for g in generals)), None)


def _unlevelled(name: str) -> str:
    return " ".join(_LEVEL_QUALIFIER.sub(" ", name).split())


def fuse_dense(ranked: Sequence[ProcedureMatch], dense: Sequence[tuple[str, float]],
               policy: Policy = DEFAULT_POLICY) -> list[ProcedureMatch] | None:
    """The lexical ranking fused with the dense one, when it finds the procedure meant.

    `ranked`: `rank_procedures` (best first); `dense`: [(record document, best chunk cosine)],
    best first. Both are fused by reciprocal rank; the fused best is returned first (the rest
    after it) only when both channels hold it: cosine >= `procedure_dense_min_similarity`,
    lexical rank <= `procedure_dense_lexical_rank` with score >= `procedure_dense_min_score`,
    and no other action named. None otherwise (not in the catalogue, as before)."""
    if not ranked or not dense:
        return None
    k = policy.procedure_dense_rrf_k
    lexical = list(ranked[:policy.procedure_dense_lexical_rank])
    dense_rank = {doc: rank for rank, (doc, _) in enumerate(dense, start=1)}
    similarity = dict(dense)

    def fused(item: tuple[int, ProcedureMatch]) -> float:
        rank, match = item
        d_rank = dense_rank.get(match.procedure.document)
        return 1.0 / (k + rank) + (1.0 / (k + d_rank) if d_rank else 0.0)

    _, best = max(enumerate(lexical, start=1), key=fused)
    if similarity.get(best.procedure.document, 0.0) < policy.procedure_dense_min_similarity \
            or best.score < policy.procedure_dense_min_score or best.asks_other_action:
        return None
    return _led_by(best, ranked)


def fuse_text(ranked: Sequence[ProcedureMatch], text: Sequence[tuple[str, float]],
              dense: Sequence[tuple[str, float]], policy: Policy = DEFAULT_POLICY) -> list[ProcedureMatch] | None:
    """The procedure whose record's own text holds the citizen's situation, or None.

    `ranked`: `rank_procedures` (best first); `text`: [(record document, best facet chunk BM25)],
    best first; `dense`: [(record document, cosine)], best first. The text ranking's best is
    taken when its score is high and ahead of the next record's, the name ranking holds it near
    the top and the dense ranking too (`Policy.procedure_text_*`), and the question says
    something of the record's head (a citizen's "đăng ký hỗ trợ …" applies for what the record
    calls "Phê duyệt đối tượng được hỗ trợ …": another action word is no bar when the record's
    own text, its name and its meaning all agree): a record whose action the question leaves
    unsaid ("Ủy quyền lĩnh thay … trợ cấp thất nghiệp" for "xin trợ cấp thất nghiệp") is a
    neighbour of what was asked, not its procedure."""
    if not ranked or not text or not dense:
        return None
    document, score = text[0]
    following = text[1][1] if len(text) > 1 else 0.0
    if score < policy.procedure_text_min_bm25 or score < policy.procedure_text_min_ratio * following:
        return None
    if document not in [d for d, _ in dense[:policy.procedure_text_dense_rank]]:
        return None
    best = _held_in(ranked, document, policy.procedure_text_lexical_rank)
    if best is None or best.narrowed or best.coverage <= 0.0:
        return None
    return _led_by(best, ranked)


def fuse_agreement(ranked: Sequence[ProcedureMatch], names: Sequence[tuple[Procedure, float]],
                   text: Sequence[tuple[str, float]], policy: Policy = DEFAULT_POLICY) -> list[ProcedureMatch] | None:
    """The procedure that the name embedding and the record text both put first, or None.

    `names`: the procedures whose embedded names are nearest the question, best first; `text`:
    the records whose facet chunks match its words best (BM25), best first. When the nearest
    name and the best record text are the same record, and the name ranking holds it in its top
    `procedure_agree_lexical_rank` with some weight of its name said (`procedure_agree_min_score`),
    the citizen's situation ("chồng đi chữa cháy bị tử vong, xin tiền tuất") names it though no
    channel alone is sure. A name narrowed by a word no record uses, or another action asked, is
    no match."""
    if not ranked or not names or not text:
        return None
    document = names[0][0].document
    if text[0][0] != document:
        return None
    best = _held_in(ranked, document, policy.procedure_agree_lexical_rank)
    if best is None or best.narrowed or best.score < policy.procedure_agree_min_score or best.asks_other_action:
        return None
    return _led_by(best, ranked)


_THU_TUC = re.compile(r"^\s*thủ tục\s+", re.IGNORECASE)


def name_phrases(procedure: Procedure) -> tuple[str, ...]:
    """The texts a procedure's name is embedded by: the name without "Thủ tục" and the level
    qualifier, and its head when shorter ("Cấp lại chứng nhận đăng ký xe, biển số xe" of
    "… thực hiện bằng dịch vụ công trực tuyến toàn trình")."""
    name = " ".join(_THU_TUC.sub("", _LEVEL_QUALIFIER.sub(" ", procedure.name)).split()).rstrip(" .;,")
    head = " ".join(name_head(name).split()).rstrip(" .;,")
    return (name,) if head == name or len(head.split()) < 2 else (name, head)


def fuse_names(ranked: Sequence[ProcedureMatch], names: Sequence[tuple[Procedure, float]],
               dense: Sequence[tuple[str, float]] = (), policy: Policy = DEFAULT_POLICY) -> list[ProcedureMatch] | None:
    """The procedure the question names in other words, found by meaning, or None.

    `ranked`: `rank_procedures` (best first); `names`: [(procedure, best cosine of the query
    embedding with its name phrases)], best first; `dense`: [(record document, cosine)] over the
    records' facet chunks, best first. e5 cosines of short names are compressed (0.86–0.92 for
    in- and out-of-catalogue questions alike), so no raw cosine decides: the evidence is
    name-level (`Policy.procedure_name_*`) — the nearest name leads the nearest other name by
    a margin, the lexical ranking's best is that name with a good part of its head said and no
    other action named, and the records' dense ranking puts it first too."""
    if not names or not ranked or not dense or ranked[0].narrowed:
        return None           # "mở quán karaoke": the everyday name narrowed to what no record is
    best_procedure, best_cos = names[0]
    other = next((c for p, c in names[1:] if p.name != best_procedure.name), 0.0)
    first = ranked[0]
    by_document = {m.procedure.document: m.procedure.name for m in ranked}
    by_document.update((p.document, p.name) for p, _ in names)
    agree = (first.procedure.name == best_procedure.name
             and by_document.get(dense[0][0]) == best_procedure.name)
    second = runner_up(ranked)
    lexical_lead = first.score - second.score if second is not None else first.score
    dominant = lexical_lead >= policy.procedure_dominant_lead and \
        (second is None or first.score >= policy.procedure_dominant_ratio * second.score)
    if dominant and first.procedure.name == best_procedure.name and \
            (first.vouched or by_document.get(dense[0][0]) == best_procedure.name):
        return list(ranked)
    if not agree or (best_cos - other < policy.procedure_name_margin
                     and lexical_lead < policy.procedure_name_lexical_margin) \
            or first.coverage < policy.procedure_name_head_coverage \
            or first.asks_other_action:
        return None
    return list(ranked)
