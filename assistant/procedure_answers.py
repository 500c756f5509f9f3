"""Procedure questions without a store: which facet is asked, which procedure is meant, and
the short, exact answer quoted from the record.

Pure functions over parsed `Procedure`s (from `ingest.procedures`). The matcher scores
procedure names by folded-token overlap, widened by the everyday-name lexicon; `fuse_dense`
fuses that ranking with dense retrieval over the records' facet chunks (the caller searches). Answers quote the record verbatim and say
plainly when the record does not give the fact ("hồ sơ không ghi …").
"""

from __future__ import annotations

import math
import re
from collections import Counter
from itertools import zip_longest
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from assistant.excerpts import Step, outline_steps, shorten as _short, split_steps
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
from assistant.schemas import Answer, Citation
from ingest.procedure_models import Procedure, RequiredDocument, SubmissionWay
from ingest.procedures import facet_texts
from ingest.vntext import fold, tokens

INTENT = "procedure"
MAX_ANSWER_CHARS = DEFAULT_POLICY.procedure_answer_chars

# ---------------------------------------------------------------------------------------
# facets

FACETS = ("documents", "time", "fee", "where", "steps", "conditions", "result", "agency",
          "legal", "applicants")
# Folded cue phrases per facet (matched on whole words of the folded question).
_FACET_CUES: dict[str, tuple[str, ...]] = {
    "documents": ("giay to", "ho so gom", "ho so can", "can gi", "can nhung gi", "mang theo", "mang gi",
                  "chuan bi gi", "chuan bi nhung", "can chuan bi", "phai chuan bi", "thanh phan ho so", "nop gi", "giay gi", "can mang", "can nop",
                  "can co gi", "phai co gi", "can nhung giay", "bo ho so", "nhung gi",
                  "ho so gi", "can ho so", "don gi", "lam don", "giay gi", "to khai", "mau don",
                  "dien mau", "mau nao", "giay to nao", "giay nao", "can giay to", "giay to can",
                  "nhung giay to", "giay to gi", "giay chung minh", "chung minh gi"),
    "time": ("mat may ngay", "mat bao lau", "may ngay", "bao lau", "thoi gian", "bao nhieu ngay", "khi nao co", "lau khong",
             "thoi han", "mat bao lau", "may hom", "bao gio co", "nhanh khong", "trong bao lau",
             "bao nhieu lau", "may tuan", "khi nao phai", "luc nao phai", "bao gio phai", "han chot",
             "han nop", "truoc ngay nao", "la ngay nao"),
    "fee": ("mat bao nhieu tien", "mat bao nhieu", "le phi", "phi", "mat tien", "bao nhieu tien", "ton tien", "chi phi", "mien phi",
            "tien", "ton bao nhieu", "mat phi", "het bao nhieu", "tra tien", "dong tien", "mien tien"),
    "where": ("online", "truc tuyen", "qua mang", "buu dien", "buu chinh", "nop o dau", "lam o dau",
              "dich vu cong", "tai nha", "truc tiep", "o dau", "qua app", "vneid", "tren mang", "gui qua",
              "internet", "nop qua", "cong dich vu", "den dau", "hinh thuc nop", "cach nop",
              # "có phải về quê làm không": whether the place is bound to where one lives
              "ve que", "ve noi thuong tru", "o dau cung duoc", "noi nao cung duoc", "bat ky dau"),
    "steps": ("gom nhung buoc nao", "nhung buoc", "buoc nao", "may buoc", "cac buoc", "trinh tu", "the nao", "nhu the nao", "quy trinh", "cach lam", "lam sao",
              "ra sao", "thu tuc lam", "tien hanh", "bang cach nao", "cach nao", "kieu gi"),
    "conditions": ("dieu kien", "yeu cau gi", "yeu cau nao", "can dieu kien", "du dieu kien",
                   "truoc bao lau", "phai lam trong", "co bat buoc", "bat buoc phai", "truong hop nao"),
    "result": ("nhan duoc gi", "nhan duoc nhung gi", "duoc nhan nhung gi", "nhan nhung gi", "nhan duoc giay", "duoc cap", "ket qua", "duoc cap gi", "nhan lai gi", "duoc gi", "cap cho gi",
               "duoc nhan", "nhan giay gi", "nhan duoc giay gi", "duoc giay gi", "lay giay gi", "lay duoc gi",
               "lay duoc giay gi", "cap giay gi", "tra giay gi", "nhan ve"),
    "agency": ("co quan nao", "ai giai quyet", "noi nao", "ai cap", "tham quyen", "co quan gi",
               "ai xu ly", "ai lam", "co quan thuc hien", "don vi nao", "ai quyet dinh", "cap nao quyet dinh",
               "ai phe duyet", "ai duyet", "ai ky", "cap nao giai quyet", "cap nao", "ai la nguoi ky",
               "ky quyet dinh"),
    "legal": ("can cu", "phap ly", "luat nao", "nghi dinh", "van ban nao", "quy dinh nao",
              "thong tu", "theo luat", "van ban phap luat"),
    "applicants": ("ai duoc", "doi tuong", "ai co the", "ai phai", "nhung ai", "co so nao duoc"),
}
_FEE_ASKED = re.compile(r"(?<![0-9a-z])(?:le phi|phi|bao nhieu tien|mat tien|ton tien|chi phi|mien phi|mien tien)(?![0-9a-z])")
_EACH_CUE_RES = tuple((facet, re.compile(r"(?<![0-9a-z])" + re.escape(cue) + r"(?![0-9a-z])"))
                      for facet, cues in _FACET_CUES.items() for cue in dict.fromkeys(cues))
_CUE_RES = {facet: re.compile(r"(?<![0-9a-z])(?:" + "|".join(re.escape(c) for c in cues) + r")(?![0-9a-z])")
            for facet, cues in _FACET_CUES.items()}


# "xã trả cho mình những giấy gì", "được cấp lại văn bản nào": what the office hands back.
_RESULT_ASKED = re.compile(r"(?<![0-9a-z])(?:tra|cap|nhan|giao)(?: lai)?(?: cho (?:minh|toi|em|chung toi|nguoi dan|dan))?"
                           r" (?:nhung |cac )?(?:giay|giay to|van ban|ket qua) (?:gi|nao)(?![0-9a-z])")
# "hồ sơ xin phép gồm gì": the documents asked with the file's purpose between its two halves.
_DOCUMENTS_ASKED = re.compile(r"(?<![0-9a-z])ho so(?: [a-z]+){1,4} gom(?: nhung| co)? gi(?![0-9a-z])")
_BARE_DOCUMENTS = frozenset({"giay to", "lam don"})    # "làm đơn báo mất … có mất phí không": the situation
# Words where "tiền" is not money ("phương tiện", "ưu tiên"): masked before the fee cue is read.
_NOT_MONEY = re.compile(r"(?<![0-9a-z])(?:phuong tien|uu tien|tien do|tien ich|tien trinh|cai tien|tien nghi|tien si)(?![0-9a-z])")
# "Where" cues that only name a channel ("nộp trực tiếp thì bao lâu"): the situation, not the
# ask, when another ask follows them.
_CHANNEL_CUES = frozenset({"online", "truc tuyen", "qua mang", "buu dien", "buu chinh", "dich vu cong",
                           "truc tiep", "qua app", "vneid", "tren mang", "internet", "nop qua", "gui qua", "tai nha"})

_CHANNEL_CUE_TOKENS = tuple(tuple(cue.split()) for cue in sorted(_CHANNEL_CUES))

# "đóng tiền tạm ứng án phí kiểu gì", "nộp lệ phí bằng cách nào": how to pay is a step, not the amount.
_PAY_HOW = re.compile(r"(?<![0-9a-z])(?:dong|nop|tra|thanh toan) (?:tien|phi|le phi)(?: [0-9a-z]+){0,5}?"
                      r" (?:nhu the nao|the nao|kieu gi|bang cach nao|cach nao|ra sao)(?![0-9a-z])")
# "ai ghi", "ai đứng ra lập", "ai có trách nhiệm lập": who does a step of the procedure.
_WHO_DOES = re.compile(r"(?<![0-9a-z])ai (?:la nguoi |co trach nhiem |dung ra |se )?"
                       r"(?:ghi|lap|viet|khai|ky|xac nhan|tiep nhan|dung ra|co trach nhiem)(?![0-9a-z])")


def _masked(folded: str, pattern: re.Pattern) -> str:
    return pattern.sub(lambda m: "_" * len(m.group(0)), folded)


def detect_facets(question: str, name: str = "") -> list[str]:
    """The facets a question asks about, most specific first ([] for a general question).
    `name`: the procedure meant, when known; a cue its name says ("cơ sở đủ điều kiện an toàn
    thực phẩm", "gia hạn thời hạn sử dụng đất") names it rather than asks, unless it is the only
    ask."""
    folded = _masked(" ".join(tokens(question)), _NOT_MONEY)
    spans = [(m.start(), m.end(), facet) for facet, regex in _EACH_CUE_RES
             for m in regex.finditer(folded)]
    spans += [(m.start(), m.end(), "result") for m in _RESULT_ASKED.finditer(folded)]
    spans += [(m.start(), m.end(), "documents") for m in _DOCUMENTS_ASKED.finditer(folded)]
    if name:
        said = f" {' '.join(tokens(name))} "
        asked = [span for span in spans if f" {folded[span[0]:span[1]]} " not in said]
        spans = asked if asked else spans
    # The longer cue wins where two overlap: "nhận giấy gì" asks the result, not the
    # documents its "giấy gì" would ask alone.
    kept = [(start, end, facet) for start, end, facet in spans
            if not any(s <= start and end <= e and (e - s) > (end - start) and f != facet
                       for s, e, f in spans)]
    # "ai ghi tờ khai": what the one asked about does is not an ask for the documents (the
    # clause that says who does it answers; see `answer_procedure`)
    who = [m.end() for m in _WHO_DOES.finditer(folded)]
    kept = [(start, end, facet) for start, end, facet in kept
            if not (facet == "documents" and any(0 <= start - e <= 1 for e in who))]
    # "mua xe mới, làm đăng ký trực tiếp thì mất bao lâu": the channel tells the situation
    # when a later ask follows it; the time and fee answers give each channel anyway.
    wheres = [(start, end) for start, end, facet in kept if facet == "where"]
    if wheres and all(folded[a:b] in _CHANNEL_CUES for a, b in wheres) and \
            any(f != "where" and start > max(a for a, _ in wheres) for start, _, f in kept):
        kept = [span for span in kept if span[2] != "where"]
    facets = list(dict.fromkeys(facet for _, _, facet in sorted(kept)))
    # "chứng thực chữ ký trên giấy tờ … bao lâu lấy được": a bare "giấy tờ" names the object,
    # not an ask for the documents, unless it is the question's last ask.
    if "documents" in facets and len(facets) > 1 and facets[-1] != "documents" and all(
            folded[a:b] in _BARE_DOCUMENTS for a, b, f in kept if f == "documents"):
        facets.remove("documents")
    # "tự trả tiền rồi, xin thanh toán lại cần giấy tờ gì": a bare "tiền" tells the situation;
    # the fee is asked only when it is the question's last ask or said as a fee.
    fee_at = max((start for start, _, f in kept if f == "fee"), default=-1)
    if "fee" in facets and not _FEE_ASKED.search(folded) and \
            ((len(facets) > 1 and facets[-1] != "fee") or any(e > fee_at for e in who)):
        facets.remove("fee")
    # "tự trả tiền rồi thì có được thanh toán lại không": whether one may, not the fee.
    if "fee" in facets and _ELIGIBILITY.search(folded) and \
            not any(_FEE_ASKED.fullmatch(folded[a:b]) for a, b, f in kept if f == "fee"):
        facets.remove("fee")
    if _PAY_HOW.search(folded):
        return ["steps"]
    # "nộp online được không" is about where, not the fee/time words it may also carry.
    if "steps" in facets and len(facets) > 1:
        facets.remove("steps")   # "như thế nào" rides along with more specific asks
    return facets


# ---------------------------------------------------------------------------------------
# matching procedures

# (Not "tu", "so", "doi" or "thuc": folded, they are also "tử" in khai tử, "sổ" in sổ hộ
# tịch, "đổi" in cấp đổi and "thực" in chứng thực.)
_NAME_STOPWORDS = {"thu", "tuc", "cua", "va", "cac", "voi", "tai", "trong", "mot", "theo",
                   "o", "nhung", "da", "co", "cho", "la", "ve", "den", "hoac"}
# Question words that say nothing about which procedure is meant.
# (The facet cue phrases are cut out before this applies; their single words, like "thành"
# or "hộ", still name procedures.)
_QUESTION_STOPWORDS = _NAME_STOPWORDS | {
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
            contains_sequence(e.phrase_tokens, cue) for cue in _CHANNEL_CUE_TOKENS))
        names = [_LEVEL_QUALIFIER.sub(" ", p.name) for p in procedures]
        index.names = [_content(name) for name in names]
        index.heads = [_content(_head(name)) for name in names]
        index.actions = _actions(index.heads)
        df = Counter(t for name in index.names for t in set(name))
        df.update(b for name in index.names for b in _bigrams(name))
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
                bigrams=frozenset(_bigrams(name)), tokens=tuple(tokens(procedure.name)),
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


def _head(name: str) -> str:
    pieces = _HEAD_END.split(name)
    seps = _HEAD_END.findall(name)
    i = 0
    while i < len(seps) and seps[i] == "," and len(_content(pieces[i])) <= _ACTION_WORDS \
            and i + 1 < len(pieces) and pieces[i + 1].strip():
        i += 1
    return pieces[i]


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
    return tuple(t for t in tokens(text) if t not in _NAME_STOPWORDS)


def _bigrams(toks: Sequence[str]) -> set[str]:
    return {f"{a}_{b}" for a, b in zip(toks, toks[1:])}


# How citizens say "apply" whatever the procedure; cut like the cue phrases ("hồ sơ" folds
# to "ho so", which would otherwise meet "hộ" in hộ tịch, hộ kinh doanh).
_FILLER_RE = re.compile(r"(?<![0-9a-z])(?:nop ho so|lam ho so|ho so|lam thu tuc hanh chinh|lam thu tuc|thu tuc hanh chinh|thu tuc|tthc|nop"
                        r"|bao nhieu|hien nay|hien tai|bay gio|chuan bi)(?![0-9a-z])")


def _naming_tokens(question: str) -> list[str]:
    """The question's tokens without the facet cue phrases ("giấy tờ", "mất mấy ngày"), so
    "cần giấy tờ gì" does not match a procedure named "… giấy tờ cá nhân"."""
    folded = " ".join(tokens(question))
    for regex in _CUE_RES.values():
        folded = regex.sub(" ", folded)
    return _FILLER_RE.sub(" ", folded).split()


# Question words that fold like a name's word: "cần"/"căn", "thế"/"thẻ", "chị"/"chi nhánh", "xa"/"xã".
_FOLDING_TWINS = frozenset({"can", "the", "chi", "xa"})


def _question_content(q_tokens: Sequence[str], index: ProcedureIndex | None = None) -> list[str]:
    """The question's naming words. A folding twin stays when it makes a name's word pair with
    a neighbouring naming word ("the can cuoc", "chi nhanh", "hop tac xa")."""
    def pairs_in_a_name(i: int) -> bool:
        if index is None:
            return False
        before = i > 0 and q_tokens[i - 1] not in _QUESTION_STOPWORDS \
            and f"{q_tokens[i - 1]}_{q_tokens[i]}" in index.idf
        after = i + 1 < len(q_tokens) and q_tokens[i + 1] not in _QUESTION_STOPWORDS \
            and f"{q_tokens[i]}_{q_tokens[i + 1]}" in index.idf
        return before or after

    return [t for i, t in enumerate(q_tokens) if not t.isdigit()
            and (t not in _QUESTION_STOPWORDS or (t in _FOLDING_TWINS and pairs_in_a_name(i)))]


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
        if len([t for t in words if t not in _NAME_STOPWORDS]) >= _NEGATED_KEY:
            spans.append((first, first + len(words)))
    return spans


def _negated(q_tokens: Sequence[str], spans: Sequence[tuple[int, int]]) -> list[tuple[str, ...]]:
    """The naming words of the negated `spans` (`_negations`): "khong co yeu to nuoc ngoai" ->
    ("yeu", "to", "nuoc", "ngoai")."""
    return [tuple(t for t in q_tokens[a:b] if t not in _NAME_STOPWORDS) for a, b in spans]


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
    q_tokens = _read_slips(_naming_tokens(question), index)
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
    bigrams = _bigrams(q_tokens)
    for entry in entries:
        terms |= set(entry.target_tokens)
        bigrams |= _bigrams(entry.target_tokens)
    # The question's naming words, plus its compounds that some name uses ("ly_hon",
    # "lai_xe"): "ly hôn" must not pass for "kết hôn" on the strength of "hôn".
    words = _question_content(q_tokens, index)
    content = words + [b for b in _bigrams(words) if b in index.idf]
    # A word no procedure name uses names something outside the catalogue ("kết nạp Đảng",
    # "công ty"): it weighs double, unless the lexicon explains it.
    known = {t for e in entries for t in e.phrase_tokens}
    weights = {t: index.weight(t) * (2.0 if t not in index.idf and t not in known else 1.0) for t in content}
    content_weight = sum(weights[t] for t in content)
    said_as_result = _results_said(q_tokens)
    asked_actions = [a for a in dict.fromkeys(words + sorted(_bigrams(words)))
                     if a in index.actions and a not in _PROCESSING_VERBS and a not in said_as_result]
    cases = _cases_said(q_tokens, index)
    papers = _papers_before(q_tokens, entries)
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
        mine = [e for e in entries if set(e.target_tokens) - _NAME_STOPWORDS <= name_set]
        # An everyday name whose target is wholly in this name vouches for it ("làm sổ đỏ"
        # -> "… cấp Giấy chứng nhận quyền sử dụng đất …"), more so in the same word order.
        vouched = bool(mine)
        verbatim = any(contains_sequence(keys.tokens, e.target_tokens) for e in mine)
        explained = name_set | keys.bigrams | {t for e in mine for t in e.phrase_tokens}
        explained |= {papers[e] for e in mine if e in papers}
        explained |= {b for e in mine for b in _bigrams(e.phrase_tokens)}
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
        matches.append(ProcedureMatch(procedure, score, coverage, tuple(hit), q_cov, vouched, len(set(words)),
                                      conflict, head_weight - head_missed,
                                      _names_other(words, explained, index), head,
                                      _narrowed(q_tokens, mine, index)))
    # Same name under different codes (local variants): the most complete record first.
    matches.sort(key=lambda m: (-m.score, len(m.procedure.flags), -len(m.procedure.documents),
                                len(m.procedure.name)))
    return _general_first(matches, bigrams)[:k]


_GENERAL_TIE = 0.9        # a general procedure this close to a specialisation of it goes first
_GENERAL_WINDOW = 5


def _name_words(name: str) -> frozenset[str]:
    return frozenset(tokens(name)) - _NAME_STOPWORDS


def _specialises(name: str, general: str) -> bool:
    """Does `name` hold every word of `general` and more?"""
    return _name_words(general) < _name_words(name)


def _general_first(matches: list[ProcedureMatch], q_bigrams: set[str]) -> list[ProcedureMatch]:
    """The general procedure ("Thủ tục đăng ký khai sinh có yếu tố nước ngoài") before a close
    specialisation of it ("… tại khu vực biên giới", "… đăng ký lại …": its name holds every
    word of the general one, and more) when the question says no word pair only the
    specialisation's name has: "cho con lại có phải …" says "lại", not "đăng ký lại"."""
    if len(matches) < 2:
        return matches
    best = matches[0]
    special_pairs = _bigrams(tokens(best.procedure.name))
    for m in matches[1:_GENERAL_WINDOW]:
        if m.score < _GENERAL_TIE * best.score:
            break
        if _specialises(best.procedure.name, m.procedure.name) and \
                not (special_pairs - _bigrams(tokens(m.procedure.name))) & q_bigrams:
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


def _narrowed(q_tokens: Sequence[str], entries: Sequence, index: ProcedureIndex) -> bool:
    """Does a word no record uses follow one of `entries`' phrases in the question?"""
    toks = tuple(q_tokens)
    for entry in entries:
        n = len(entry.phrase_tokens)
        for i in range(len(toks) - n):
            if toks[i:i + n] == tuple(entry.phrase_tokens) and toks[i + n] not in index.record_words \
                    and toks[i + n] not in _QUESTION_STOPWORDS:
                return True
    return False


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
    margin = match.score - runner_up.score if runner_up is not None else match.score
    situated = (match.coverage >= policy.procedure_situated_head_coverage and not match.names_other
                and match.head_said >= policy.procedure_situated_head_weight
                and margin >= policy.procedure_situated_margin)
    vouched_lead = (match.vouched and not match.action_conflict
                    and match.coverage >= policy.procedure_situated_head_coverage
                    and margin >= policy.procedure_vouched_margin)
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
    all its words and more: the answer names them)."""
    if not ranked:
        return None
    first = _unlevelled(ranked[0].procedure.name)
    general = ranked[0].procedure.name
    return next((m for m in ranked[1:] if _unlevelled(m.procedure.name) != first
                 and m.head != ranked[0].head and not _specialises(m.procedure.name, general)), None)


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
    head = " ".join(_head(name).split()).rstrip(" .;,")
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


# ---------------------------------------------------------------------------------------
# answer text

_STEPS_LABEL = "Trình tự thực hiện"      # the steps field, as answers and citations name it
_SHORT_DOC = 65
_SHORT_DOC_FEW = 80     # a short checklist (at most _FEW_DOCS items) can give each item more words
_FEW_DOCS = 5
_SHORT_DOC_ONLY = 240   # the one document row of a record that lists one


def _group_label(kind: str, group: str) -> str:
    if kind == "present":
        return "Phải xuất trình"
    if kind == "submit":
        return "Phải nộp"
    return _short(group, 80)


def _case_fit(group: str, question: str) -> int:
    """How many of a case heading's words ("Trường hợp cấp mới …") the question says."""
    asked = set(tokens(question)) - _QUESTION_STOPWORDS
    return len(asked & (set(tokens(group)) - _NAME_STOPWORDS - {"truong", "hop"}))


# Words every document name is made of: a pair of them alone ("giấy chứng" of "giấy chứng tử",
# "giấy chứng nhận", "giấy chứng sinh") names no document in particular.
_DOCUMENT_WORDS = frozenset({"giay", "chung", "nhan", "to", "ban", "sao", "chinh", "van", "don", "mau",
                             "ho", "so", "the", "tuc"})
_NAMING_PAIR_DOCS = 2      # a pair in more of a record's documents than this names none of them
_PHRASE_BREAK = re.compile(r"[,;:.()/]")


def _asked_documents(procedure: Procedure, docs: Sequence[RequiredDocument], question: str) -> list[RequiredDocument]:
    """The documents the question names ("có cần giấy chứng sinh không"): a pair of the
    question's naming words (no numbers, no question words, none of the procedure's name: they
    would pick any document that repeats the name) in the document's name; most pairs first."""
    q_tokens = _naming_tokens(question)
    named = set(tokens(procedure.name))
    pairs = {f"{a}_{b}" for a, b in zip(q_tokens, q_tokens[1:])
             if not {a, b} & (named | _QUESTION_STOPWORDS) and not (a.isdigit() or b.isdigit())
             and not {a, b} <= _DOCUMENT_WORDS}
    # (pairs within a name's phrases: "ông, bà, cha, mẹ" holds no "ông bà")
    doc_pairs = [set().union(*(_bigrams(tuple(tokens(part))) for part in _PHRASE_BREAK.split(d.name)))
                 for d in docs]
    # a pair most documents share ("đăng ký" of "đăng ký hộ tịch") names none of them
    pairs = {pair for pair in pairs if sum(pair in dp for dp in doc_pairs) <= _NAMING_PAIR_DOCS}
    if not pairs:
        return []
    hits = [(len(pairs & dp), i, d) for i, (d, dp) in enumerate(zip(docs, doc_pairs))]
    return [d for n, _, d in sorted(hits, key=lambda h: (-h[0], h[1])) if n]


# "ngoài tờ trình và dự thảo thì còn cần gì": the documents named are the ones the citizen has.
_BESIDES = re.compile(r"(?<![0-9a-z])ngoai(?![0-9a-z]).*(?<![0-9a-z])(?:con|them|kem)(?![0-9a-z])")


# "Người nước ngoài, công dân Việt Nam định cư ở nước ngoài phải nộp bản sao hộ chiếu/…": the
# document is what the person files; a checklist item starts there.
_WHO_FILES = re.compile(r"^[-+•\s]*(?:người|công dân|cá nhân|tổ chức|hộ gia đình|bên|cha|mẹ|vợ|chồng)\b[^:;.]{0,80}?"
                        r"\b(?:phải nộp|phải xuất trình|nộp|xuất trình)\s+(?=\S.{11,})", re.IGNORECASE)


def _item_name(name: str) -> str:
    """A checklist item's document: the object of "… phải nộp …" when the item says who files it."""
    found = _WHO_FILES.match(name)
    if not found:
        return name
    return name[found.end():]


# What a cut checklist item must still say: the short name the record gives it ("… (sau đây
# gọi tắt là giấy tờ tùy thân)") and the form to fill in ("theo Mẫu số 06 Phụ lục IV …").
_ITEM_ALIAS = re.compile(r"\((?:sau đây )?gọi (?:tắt|chung) là ([^)]{3,40})\)")
_ITEM_FORM = re.compile(r"\b[Mm]ẫu(?: số)? (?:[0-9]{1,3}[a-z]?|[A-Z]{1,4}[0-9]{1,3}[a-z]?)(?:/[0-9A-ZĐ\-]+)?\b")


# "mất bản sao rồi thì nộp gì thay": the item's own "Nếu không có … thì nộp …" answers it
_LACKING_ASKED = re.compile(r"(?<![0-9a-z])(?:thay the|thay vao|khong co|bi mat|mat het|mat ca|da mat|lam mat)(?![0-9a-z])")
_ITEM_ALTERNATIVE = re.compile(r"(?:Nếu|Trường hợp)\s+không\s+có\b[^.;]*?\bthì\b[^.;]+", re.IGNORECASE)


def _alternative_of(name: str) -> re.Match | None:
    """The item's "Nếu không có … thì nộp …", if it says one."""
    return _ITEM_ALTERNATIVE.search(" ".join(name.split()))


def _item_text(name: str, limit: int, first_clause: bool, lacking: bool = False) -> str:
    """A checklist item cut near `limit`, followed by the short name and the (first) form its
    first sentence gives when the cut left them out ("Đơn đề nghị xác nhận nguồn gốc … (Mẫu số 06)");
    `lacking` (the citizen lacks a paper): with the item's alternative ("Nếu không có … thì nộp …")."""
    shown = _short(name, limit, first_clause)
    alternative = _alternative_of(name) if lacking else None
    if alternative and alternative.group(0) not in shown:
        return f"{shown.rstrip('…').rstrip(' .;,')}; {alternative.group(0).strip()}"
    if not shown.endswith("…"):
        return shown
    flat = " ".join(name.split())
    sentence = flat[:flat.find(". ", 12) if flat.find(". ", 12) > 0 else len(flat)]   # a later one is a note
    form = _ITEM_FORM.search(sentence)
    extras = [m.group(1).strip() for m in _ITEM_ALIAS.finditer(sentence)] + ([form.group(0)] if form else [])
    extras = [e for e in dict.fromkeys(extras) if e not in shown]
    return shown + (f" ({', '.join(extras[:2])})" if extras else "")


def _checklist_lines(ordered: Sequence[RequiredDocument], budget: int, item_chars: int,
                     shared_kind: dict[str, str], lacking: bool = False) -> dict[int, str]:
    """{id(document): checklist line} for the documents that fit `budget`, in `ordered`'s order;
    an item's copies are left to its heading when `shared_kind` gives them for its group.
    A record's only document row is shown whole up to `_SHORT_DOC_ONLY`: such a cell often
    lists several papers ("Đơn đề nghị … (Mẫu số PC22 …); giấy chứng tử hoặc trích lục khai tử")."""
    lines: dict[int, str] = {}
    used = 0
    limit, first_clause = (_SHORT_DOC_ONLY, False) if len(ordered) == 1 else (item_chars, True)
    for doc in ordered:
        kind = "" if shared_kind.get(_group_label(doc.group_kind, doc.group)) == doc.kind_text else doc.kind_text
        line = f"☐ {_item_text(_item_name(doc.name), limit, first_clause, lacking)}" + (f" ({kind})" if kind else "")
        if used + len(line) > budget and lines:
            break
        lines[id(doc)] = line
        used += len(line) + 1
    return lines


# The form the citizen fills in ("Đơn đề nghị …", "Tờ khai …", "Giấy đề nghị …"): the first
# thing a checklist names, wherever the record lists it.
_APPLICATION_FORM = re.compile(r"^(?:ban (?:chinh|sao) )?(?:don(?! vi)|to khai|ban khai|(?:giay|phieu|van ban) de nghi)(?![0-9a-z])")


def _is_application_form(doc: RequiredDocument) -> bool:
    return bool(_APPLICATION_FORM.match(" ".join(tokens(_item_name(doc.name)))))


# "Mẫu hộ tịch điện tử tương tác …": the same form filled in online; beside the paper form it
# takes a line another document needs (it stays in the full list of the «Thủ tục» tab).
_ONLINE_FORM = re.compile(r"\bdien tu tuong tac\b")


def _is_online_form(doc: RequiredDocument) -> bool:
    return bool(_ONLINE_FORM.search(" ".join(tokens(doc.name))))


# "phải nộp mấy bộ hồ sơ": how many sets, which a note or a step of the record states
_SETS_ASKED = re.compile(r"(?<![0-9a-z])(?:may|bao nhieu|so luong|so) bo(?![0-9a-z])")
_SETS_SAID = re.compile(r"[^.;\n]*\b\d{1,2} bộ\b[^.;\n]*")
_SETS_CHARS = 140


def _sets_sentence(procedure: Procedure) -> str:
    """The record's sentence saying how many sets of the file to bring, notes before steps."""
    notes = [d.name for d in procedure.documents if d.group_kind == "note"]
    for text in notes + [d.name for d in procedure.documents if d.group_kind != "note"] + [procedure.steps]:
        found = _SETS_SAID.search(" ".join((text or "").split()))
        if found:
            sentence = found.group(0).strip(" -+")
            return _keeping(sentence, re.search(r"\d{1,2} bộ", sentence), _SETS_CHARS)
    return ""


def _documents_text(procedure: Procedure, budget: int, question: str = "") -> tuple[str, str]:
    docs = [d for d in procedure.documents if d.group_kind != "note"]
    if not docs:
        return "hồ sơ không ghi thành phần hồ sơ.", ""
    sets = _sets_sentence(procedure) if _SETS_ASKED.search(" ".join(tokens(question))) else ""
    if sets:
        text, quoted = _documents_text(procedure, budget - len(sets) - 1)
        return f"{sets}\n{text}", f"{sets}\n{quoted}"
    # The documents everyone brings first; "Trường hợp …" rows only when few others exist.
    group_order = {"submit": 0, "present": 1, "case": 2}
    everyone = [d for d in docs if not d.conditional and (d.originals or d.copies)]
    if any(_is_application_form(d) for d in everyone):
        everyone = [d for d in everyone if not _is_online_form(d)]
    everyone.sort(key=lambda d: not _is_application_form(d))
    # One from each group in turn, so "phải nộp" and "phải xuất trình" both show.
    # (Groups of one kind share a turn: two "phải nộp" groups do not crowd out "phải xuất trình".)
    by_group: dict[str, list[RequiredDocument]] = {}
    for doc in sorted(everyone, key=lambda d: group_order.get(d.group_kind, 3)):
        key = doc.group if doc.group_kind == "case" else _group_label(doc.group_kind, doc.group)
        by_group.setdefault(key, []).append(doc)
    # The groups everyone files share the list in turn; "Trường hợp …" groups are alternatives:
    # the case the question fits best (else the record's first) is listed whole first.
    shared = [g for g, ds in by_group.items() if ds[0].group_kind != "case"]
    cases = sorted((g for g in by_group if g not in shared), key=lambda g: -_case_fit(g, question))
    ordered = [doc for layer in zip_longest(*(by_group[g] for g in shared)) for doc in layer if doc is not None]
    ordered += [doc for g in cases for doc in by_group[g]]
    if len(ordered) < 2:
        ordered += [d for d in docs if d not in ordered]
    asked = _asked_documents(procedure, docs, question)
    if _BESIDES.search(" ".join(tokens(question))):
        ordered = [d for d in ordered if d not in asked] + asked    # "ngoài tờ trình … còn cần gì"
    else:
        ordered = asked + [d for d in ordered if d not in asked]
    # A group whose listed documents want the same copies says so once, in its heading
    # ("Phải nộp (mỗi loại 1 bản chính):"); an item that wants other copies says its own.
    item_chars = _SHORT_DOC_FEW if len(docs) <= _FEW_DOCS else _SHORT_DOC
    lacking = bool(_LACKING_ASKED.search(" ".join(tokens(question))))
    if lacking:     # the items saying what to file instead answer first
        ordered = sorted(ordered, key=lambda d: _alternative_of(d.name) is None)
    first = _checklist_lines(ordered, budget, item_chars, {}, lacking)
    kinds: dict[str, list[str]] = {}
    for doc in ordered:
        if id(doc) in first:
            kinds.setdefault(_group_label(doc.group_kind, doc.group), []).append(doc.kind_text)
    shared_kind = {label: k[0] for label, k in kinds.items() if len(k) > 1 and len(set(k)) == 1 and k[0]}
    lines = _checklist_lines(ordered, budget, item_chars, shared_kind, lacking)
    # Printed under the record's group headings, each heading once (a record may split "phải
    # nộp" in two), headings and items in the record's order.
    out: list[str] = []
    quoted: list[str] = []
    shown = [doc for doc in docs if id(doc) in lines]
    labels = list(dict.fromkeys(_group_label(doc.group_kind, doc.group) for doc in shown))
    for label in labels:
        out.append(f"{label} (mỗi loại {shared_kind[label]}):" if label in shared_kind else f"{label}:")
        for doc in (d for d in shown if _group_label(d.group_kind, d.group) == label):
            out.append(lines[id(doc)])
            quoted.append(doc.name)
    rest = len(docs) - len(lines)
    if rest:
        out.append(f"… và {rest} giấy tờ khác theo từng trường hợp (đủ ở thẻ «Thủ tục»).")
    return "\n".join(out), "\n".join(quoted)


def _group_ways(ways: Sequence[SubmissionWay], render) -> list[str]:
    """"Trực tuyến, Trực tiếp: 3 Ngày làm việc" — channels with the same value share a line."""
    groups: dict[str, list[str]] = {}
    for way in ways:
        groups.setdefault(render(way), [])
        if way.channel_text not in groups[render(way)]:
            groups[render(way)].append(way.channel_text)
    return [f"{', '.join(channels)}: {value}" for value, channels in groups.items()]


def _time_value(way: SubmissionWay) -> str:
    time = way.time
    if not time.known:
        return "hồ sơ không ghi thời gian giải quyết"
    if not time.unit_given:
        return f"{time.text} (hồ sơ không ghi đơn vị: ngày hay ngày làm việc)"
    return time.text


_AMOUNT = re.compile(r"\d{1,3}(?:[.,]\d{3})+\s*(?:đồng|VNĐ|VND)|\d+\s*%", re.IGNORECASE)


_REFUND_WORDS = frozenset({"tra", "lai"})      # "trả lại (tiền)", beside "hoàn (tiền, trả)"
_REFUND_SAID = re.compile(r"(?<![0-9a-z])(?:hoan tra|hoan lai|tra lai)(?![0-9a-z])")


def _fee_note(note: str, chars: int, asked: frozenset[str] = frozenset()) -> str:
    """A fee note within `chars`; a long one keeps the sentence saying two or more of the
    question's own words `asked` ("nhà tôi thuộc hộ nghèo" → "Miễn lệ phí cho … người thuộc hộ
    nghèo"; among the sentences stating amounts when some do), else the part stating amounts ("… do cơ quan kiểm tra địa phương thực hiện: 700.000
    đồng/cơ sở"), which the fee cell may have lost."""
    flat = " ".join(note.split())
    sentences = re.split(r"(?<=[.;])\s+", flat)
    if _REFUND_WORDS <= asked or "hoan" in asked:
        # "có được trả lại tiền không": the sentence on refunds answers, amount or not
        refund = next((c for c in sentences if _REFUND_SAID.search(" ".join(tokens(c)))), None)
        if refund is not None:
            return _keeping(flat, re.search(re.escape(refund), flat), chars)
    # an amount answers a fee question first: the asked sentence is looked for among those
    # stating amounts, when any does
    pool = [c for c in sentences if _AMOUNT.search(c)] or sentences
    said, sentence = max(((len(asked & set(tokens(c))), c) for c in pool), default=(0, ""))
    if said < 2:
        return _keeping(flat, _AMOUNT.search(flat), chars)
    start = flat.find(sentence)
    return _keeping(flat, _AMOUNT.search(flat, start, start + len(sentence))
                    or re.search(re.escape(sentence), flat), chars)


def _keeping(text: str, found: re.Match | None, chars: int) -> str:
    """`text` within `chars`, keeping the span `found` (a match on the whitespace-normalised
    text: the figure that answers) when a plain cut would lose it."""
    text = " ".join(text.split())
    if len(text) <= chars:
        return text
    if found is None or found.end() <= chars - 1:
        return _short(text, chars)
    if found.end() - found.start() > chars // 2:       # a sentence kept: from its start
        return "…" + _short(text[found.start():], chars - 1)
    start = max(text.rfind(" ", 0, max(found.start() - chars // 2, 0)), 0)
    return "…" + _short(text[start:].lstrip(), chars - 1)


def _fee_value(way: SubmissionWay, note: bool = True, note_chars: int = 120,
               asked: frozenset[str] = frozenset()) -> str:
    fee = way.fee
    # the way's description may be where the amounts are explained ("2.000 đồng/trang; từ trang
    # thứ 3 trở lên thu 1.000 đồng/trang …") when the fee cell has no note of its own
    explained = fee.note or (way.description if fee.kind != "unknown" and _AMOUNT.search(way.description or "") else "")
    if fee.kind == "unknown" and not fee.note:
        return "hồ sơ không ghi lệ phí"
    text = fee.text if fee.kind != "unknown" else "hồ sơ không ghi mức lệ phí"
    if fee.per:
        text += f" {fee.per}"
    if explained and note:
        text += f" ({_fee_note(explained, note_chars, asked)})"
    elif fee.set_by_council:
        text += " (mức cụ thể do Hội đồng nhân dân tỉnh quyết định)"
    return text


# The office's processing time as a step states it: "… cấp Giấy chứng nhận … trong thời hạn 03
# ngày làm việc kể từ ngày nhận hồ sơ".
_PROCESSING_CLAUSE = re.compile(r"[^.;\n]*\bthời hạn\s+(?:không quá\s+)?\d+\s*ngày[^.;\n]*\bkể từ (?:ngày|khi) nhận[^.;\n]*",
                                re.IGNORECASE)


_STEPS_SAY = f"{_STEPS_LABEL} ghi"      # how an answer introduces what it quotes from the steps


def _described_time(procedure: Procedure) -> tuple[str, str]:
    """(where, text) stating the time the time cells lack: a way's description ("05 ngày làm
    việc kể từ …"), else the step that gives the processing time; ("", "") when none does."""
    described = next((w.description for w in procedure.ways if re.search(r"\d+ ngày", w.description)), "")
    if described:
        return "Mô tả trong hồ sơ", described
    step = _PROCESSING_CLAUSE.search(procedure.steps or "")
    return (_STEPS_SAY, " ".join(step.group(0).split())) if step else ("", "")


# "Thời hạn giải quyết …: - Trường hợp cấp sổ BHXH, thẻ BHYT mới: Không quá 05 ngày": a time
# per case, written in the steps, beside the one time of the ways table.
_CASE_TIME = re.compile(r"Trường hợp ([^:\n]{5,120}): ((?:[Kk]hông quá |[Tt]rong )?\d+ (?:ngày|giờ)(?: làm việc)?)")
_CASE_TIME_MIN_WORDS = 2      # of the question's own words the case must say


def _case_time(procedure: Procedure, question: str) -> str:
    """The time the record gives for the case the question tells ("Trường hợp cấp sổ BHXH, thẻ
    BHYT mới: Không quá 05 ngày" for "bao lâu có sổ BHXH"), or ""."""
    if not question:
        return ""
    said = set(tokens(question))
    naming = set(_question_content(_naming_tokens(question)))
    cases = []
    for m in _CASE_TIME.finditer(procedure.steps):
        words = set(tokens(m.group(1))) - _NAME_STOPWORDS
        if words and len(words & naming) >= _CASE_TIME_MIN_WORDS:
            cases.append((len(words & said) / len(words), m.group(0)))     # the case most fully told
    share, line = max(cases, default=(0.0, ""))
    if cases and sum(n == share for n, _ in cases) == 1:
        return line
    return _step_time(procedure, question)


# "… rồi thì bao lâu được bàn giao rừng": what is asked comes after the last "thì"; before it,
# what has happened already.
_STEP_TIME = re.compile(r"\b(?:trong (?:thời hạn|vòng) )?\d{1,3} ngày(?: làm việc)?", re.IGNORECASE)
_STEP_TIME_CHARS = 170


# (after "thì", "ban" is the "bàn" of "bàn giao", not "bạn")
_ASKED_PART_STOPWORDS = (_QUESTION_STOPWORDS - {"ban"}) | {"lau"}


def _then_part(question: str) -> list[str]:
    """The question's content tokens after its last "thì" ([] when there is none)."""
    words = tokens(question)
    cuts = [i for i, w in enumerate(words) if w == "thi"]
    return [w for w in words[cuts[-1] + 1:] if w not in _ASKED_PART_STOPWORDS] if cuts else []


def _asked_part(question: str) -> list[str]:
    """The question's content tokens after its last "thì" (all of them when fewer than two follow)."""
    after = _then_part(question)
    return after if len(after) >= 2 else [w for w in tokens(question) if w not in _ASKED_PART_STOPWORDS]


def _step_fit(step_text: str, asked: list[str]) -> int:
    """Words of `asked` the step says, and its word pairs once more ("bàn giao" beside "ban hành")."""
    words = tokens(step_text)
    return len(set(asked) & set(words)) + len(_bigrams(asked) & _bigrams(words))


def _step_time(procedure: Procedure, question: str) -> str:
    """The step a "… rồi thì bao lâu …" question asks the time of, with its time ("Bước 4: Bàn
    giao rừng — Trong thời hạn 05 ngày làm việc …"), when one step, and only one, fits best."""
    asked = _then_part(question)
    if len(asked) < 2:
        return ""             # "… thì mất bao lâu": the procedure's own time, not a step's
    _, steps = split_steps(procedure.steps or "")
    # a step is asked by its title ("Bước 4: Bàn giao rừng"): steps without titles are not told apart
    titled = [(step, step.text.split(" — ", 1)[0], _STEP_TIME.search(step.text)) for step in steps]
    fits = sorted(((_step_fit(title, asked), i) for i, (step, title, when) in enumerate(titled)
                   if when and " — " in step.text), reverse=True)
    if not fits or fits[0][0] < _CLAUSE_MIN_WORDS or (len(fits) > 1 and fits[1][0] == fits[0][0]):
        return ""
    step, _, when = titled[fits[0][1]]
    shown = _keeping(step.text, when, _STEP_TIME_CHARS)
    return f"{step.label}: {shown}" if step.label else shown


def _time_text(procedure: Procedure, tight: bool = False, case: str = "") -> str:
    """The ways' times, the steps' own time when the ways give none, and `case`: the time the
    steps give for the case asked (`_case_time`)."""
    if not procedure.ways:
        return "hồ sơ không ghi thời gian giải quyết."
    lines = _group_ways(procedure.ways, _time_value)
    if all(not w.time.known for w in procedure.ways):
        where, described = _described_time(procedure)
        if described:
            figure = re.search(r"\d+\s*ngày(?: làm việc)?", " ".join(described.split()))
            lines.append(f"{where}: {_keeping(described, figure, _TIGHT_CHARS if tight else 200)}")
    if case:
        lines.append(f"{_STEPS_SAY}: {case}")
    return "Thời gian giải quyết:\n" + "\n".join(lines)


def _fee_text(procedure: Procedure, tight: bool = False, question: str = "") -> str:
    if not procedure.ways:
        return "hồ sơ không ghi lệ phí."
    chars = _TIGHT_CHARS // 2 if tight else 120
    asked = _asked_words(question, procedure.name)
    return "Phí, lệ phí:\n" + "\n".join(_group_ways(procedure.ways, lambda w: _fee_value(w, note_chars=chars, asked=asked)))


# "nộp ở đâu", "gửi đến đâu", "nộp cho ai": the place asked, not only the channel.
_PLACE_ASKED = re.compile(r"(?<![0-9a-z])(?:o dau|den dau|ve dau|noi nao|cho nao|cho ai|"
                          r"co quan nao|nop tai|lam o dau|ve que|ve noi thuong tru|bat ky dau)(?![0-9a-z])")
# A step that says where the file goes ("nộp … cho cơ quan BHXH nơi chi trả lương hưu", "gửi đến
# Ủy ban nhân dân cấp xã nơi người kê khai đang cư trú"): often more exact than "Cơ quan thực hiện".
_SUBMITTED_TO = re.compile(r"(?:\b(?:nộp|gửi)\b[^.;:\n]{0,120}?\b(?:tại|đến|cho|về)\s+|"
                           r"\b(?:công dân|người dân|cá nhân|người yêu cầu|người đề nghị)\s+(?:trực tiếp\s+)?đến\s+)"
                           r"(?:các\s+|một\s+)?"
                           r"(?:cơ quan|ủy ban|uỷ ban|ubnd|chủ tịch|công an|bộ phận|bảo hiểm|bhxh|phòng|sở|trung tâm|"
                           r"văn phòng|chi nhánh|tổ chức|cơ sở|đơn vị)\b", re.IGNORECASE)
_SUBMITTED_TO_CHARS = 170
_DESTINATION_CHARS = 45      # of the destination's name after its first word ("Trung tâm …")


def _submission_clause(procedure: Procedure, question: str) -> str:
    """The steps' clause saying where the file is submitted (with its case label, "Học sinh,
    sinh viên đóng BHYT: Nộp hồ sơ cho Cơ sở giáo dục"), the one saying most of the question's
    own words (the first on a tie), cut around its destination; "" when none."""
    best: tuple[int, int, str, re.Match] | None = None
    for i, clause in enumerate(_clauses(procedure.steps or "", _CASE_LABEL_CHARS)):
        found = _SUBMITTED_TO.search(clause)
        if found is None:
            continue
        key = (_overlap(clause, question, procedure), -i)
        if best is None or key > best[:2]:
            best = (*key, clause, found)
    if best is None:
        return ""
    clause, found = best[2], best[3]
    label = clause[:found.start()]
    destination = found.end()
    if ":" not in label or len(label) > _CASE_LABEL_CHARS:    # no case label: from the submission on
        clause, destination = clause[found.start():], destination - found.start()
    # the destination's name is kept whole ("… cho Trung tâm Phục vụ hành chính công cấp xã")
    return _short(clause, max(_SUBMITTED_TO_CHARS, destination + _DESTINATION_CHARS)).rstrip(" ;,")


def _where_text(procedure: Procedure, question: str, submitted: str = "") -> str:
    """The ways of submitting, the agency, and where the file goes: the reception address,
    else `submitted` (the steps' clause, see `_place_submitted`)."""
    if not procedure.ways:
        return "hồ sơ không ghi hình thức nộp."
    channels = list(dict.fromkeys(w.channel_text for w in procedure.ways))
    folded = fold(question)
    lines = [f"Hình thức nộp: {', '.join(channels)}."]
    if re.search(r"online|truc tuyen|qua mang|tren mang|dich vu cong|vneid|internet|qua app", folded) \
            and "truc_tuyen" not in procedure.channels:
        lines.insert(0, "Hồ sơ không ghi hình thức nộp trực tuyến.")
    if re.search(r"buu dien|buu chinh|gui qua", folded) and "buu_chinh" not in procedure.channels:
        lines.insert(0, "Hồ sơ không ghi hình thức nộp qua dịch vụ bưu chính.")
    if procedure.agency:
        lines.append(f"Cơ quan thực hiện: {_short(procedure.agency, 150)}")
    if procedure.reception_address.strip():
        lines.append(f"Nơi tiếp nhận hồ sơ: {_short(procedure.reception_address, 150)}")
    elif submitted:
        lines.append(f"{_STEPS_SAY}: {submitted[0].upper()}{submitted[1:]}")
    return "\n".join(lines)


def _place_submitted(procedure: Procedure, question: str) -> str:
    """The steps' clause on where the file goes, when the question asks the place and the
    record gives no reception address; "" otherwise."""
    if procedure.reception_address.strip() or not _PLACE_ASKED.search(" ".join(tokens(question))):
        return ""
    return _submission_clause(procedure, question)


# "phải báo trong bao lâu", "chậm nhất mấy ngày phải đi làm": the time limit the citizen must
# keep, which records state among the conditions ("Trong thời hạn 07 ngày kể từ …"), not the
# office's processing time.
_DUTY_ASKED = re.compile(r"(?<![0-9a-z])(?:phai|cham nhat|han chot|toi da)(?![0-9a-z])")
# A clause stating a time limit: "Trong thời hạn 07 ngày kể từ …", "trước 08 giờ ngày hôm sau",
# "chậm nhất 30 ngày".
_DUTY_SENTENCE = re.compile(r"[^.;\n]*(?:\bthời hạn\b|\bchậm nhất\b|\btrong vòng \d|\btrước \d+ giờ)[^.;\n]*",
                            re.IGNORECASE)
# The limit itself within that clause ("chậm nhất là ngày 20 của tháng …", "trước ngày 01 tháng 01
# năm 2027", "trong thời hạn 07 ngày"): what a shortened quote must keep.
_DUTY_LIMIT = re.compile(r"(?:\bthời hạn\b|\bchậm nhất\b|\btrong vòng\b|\btrước\b)[^.;\d]{0,20}?"
                         r"(?:ngày\s+\d{1,2}\b|\d+\s*(?:ngày|giờ|tháng|năm)\b)", re.IGNORECASE)


def _duty_deadline(procedure: Procedure, question: str) -> tuple[str, str] | None:
    """(field label, sentence) with the citizen's time limit, when the question asks it: from
    the conditions, else from a step that says some of the question's own words ("Trong thời
    hạn 10 ngày kể từ ngày có thay đổi …")."""
    if not _DUTY_ASKED.search(" ".join(tokens(question))):
        return None
    for text, needed, label in ((procedure.conditions, 0, "Yêu cầu, điều kiện"),
                                (procedure.steps, 1, _STEPS_LABEL)):
        clauses = [" ".join(m.group(0).split()).strip(" -+•,") for m in _DUTY_SENTENCE.finditer(text or "")]
        if not clauses:
            continue
        # the clause that says most of the question, with the next one (its exception, often)
        said, at = max((_overlap(c, question, procedure), -i) for i, c in enumerate(clauses))
        if said >= needed:
            return label, "; ".join(clauses[-at:-at + 2])
    return None


# "có được … không", "… được không", "có thể … không": whether the citizen may; the record's
# conditions and who may apply answer it (asked of a procedure already named).
_ELIGIBILITY = re.compile(r"(?<![0-9a-z])(?:co duoc|duoc|co the)(?![0-9a-z]).*(?<![0-9a-z])(?:khong|ko|k|hong)"
                          r"(?: hay (?!la )[0-9a-z ]*)?$")    # "… được không, hay chỉ doanh nghiệp mới được"
_CLAUSE_CHARS = 200
_CHANNEL_WORDS = re.compile(r"truc tuyen|dich vu cong|buu chinh|online")
_LABEL_CHARS = 25     # "Bước 1:" goes with what follows
_CASE_LABEL_CHARS = 60    # ... and, for the clause that tells a case, "e) Học sinh, sinh viên đóng BHYT:"
_CLAUSE_END = re.compile(r"(?<=[.;:])\s+|\n+")


# "bên kia không đến thì sao": the records say "vắng mặt" of whoever does not come
_ABSENT = re.compile(r"(?<![0-9a-z])khong (?:chiu |den |thay )?(?:den|toi|co mat|ra mat)(?![0-9a-z])")


@lru_cache(maxsize=256)
def _asked_words(question: str, name: str) -> frozenset[str]:
    """The question's naming words without its question words, facet cues or the procedure's
    name (which any clause of the record may repeat); "không đến" is the records' "vắng mặt"."""
    said = frozenset(_question_content(_naming_tokens(question)))
    if _ABSENT.search(" ".join(tokens(question))):
        said |= {"vang", "mat"}
    return said - frozenset(tokens(name))


def _overlap(text: str, question: str, procedure: Procedure) -> int:
    """How many of the question's naming words (`_asked_words`) `text` says."""
    return len(_asked_words(question, procedure.name) & set(tokens(text)))


def _asked_step(steps: list[Step], question: str, procedure: Procedure) -> tuple[list[Step], int | None]:
    """The steps, the one fitting best what is asked (`_asked_part`; it must say some of the
    question's own words) starting at its clause that says most of them ("Bước 1: … Trường hợp thực hiện trực tuyến,
    …"), and that step's index (None when no step says enough)."""
    asked = _asked_part(question)
    said = [(_step_fit(step.text, asked), _overlap(step.text, question, procedure), -i) for i, step in enumerate(steps)]
    best = max(said, default=(0, 0, 0))
    if best[1] == 0:
        return steps, None
    at = -best[2]
    clauses = _clauses(steps[at].text)
    top = max(range(len(clauses)), key=lambda i: (_overlap(clauses[i], question, procedure), -i))
    if top:
        steps = steps[:at] + [Step(steps[at].label, "… " + " ".join(clauses[top:]))] + steps[at + 1:]
    return steps, at


def _clauses(text: str, label_chars: int = _LABEL_CHARS) -> list[str]:
    """A field's clauses (sentences, "; " items, lines), a label shorter than `label_chars`
    ("Bước 1:") kept with what follows it."""
    clauses: list[str] = []
    for clause in (" ".join(c.split()) for c in _CLAUSE_END.split(text) if c.strip(" -+•/")):
        if clauses and clauses[-1].endswith(":") and len(clauses[-1]) < label_chars:
            clauses[-1] += " " + clause.lstrip("-+• ")     # "Bước 1:" goes with its step
        else:
            clauses.append(clause)
    return clauses


# Where a question no facet cue names is looked for: the record's prose fields, in this order.
_PROSE_FIELDS = (("steps", _STEPS_LABEL), ("conditions", "Yêu cầu, điều kiện"),
                 ("applicants", "Đối tượng thực hiện"), ("result_text", "Kết quả thực hiện"))
_CLAUSE_MIN_WORDS = 2     # of the question's own words (not the name's) a clause must say


# A facet asked of who or where ("ai đứng ra lập", "nộp ở đâu") also quotes the record's clause
# that tells the citizen's situation this well (words said + word pairs said): the general
# field ("Cơ quan thực hiện") often misses the case asked ("sinh viên … nộp cho Cơ sở giáo dục").
_COMPANION_FACETS = frozenset({"where", "agency", "applicants"})    # short bodies: room for a clause
_COMPANION_MIN_SCORE = 3
_STAND_IN_MIN_SCORE = 4    # a clause standing in for conditions the record lacks says more


def _asked_clause(procedure: Procedure, question: str, min_score: int = 0) -> tuple[str, str] | None:
    """(field label, clause) of the record's prose clause that says most of the question's own
    words ("cả hai vợ chồng có phải cùng có mặt không" → "… hai bên nam, nữ phải có mặt …"),
    word pairs counting once more; None below `_CLAUSE_MIN_WORDS` words or `min_score`."""
    asked = _asked_words(question, procedure.name)
    if len(asked) < max(_CLAUSE_MIN_WORDS, min_score // 2):
        return None
    q_pairs = _bigrams([t for t in tokens(question) if t in asked])
    # "ai đứng ra lập": the clause saying who does that step says the verb, which counts twice
    who = _WHO_DOES.search(" ".join(tokens(question)))
    verb = who.group(0).split()[-1] if who else ""
    best: tuple[int, int, str, str] | None = None
    for attribute, label in _PROSE_FIELDS:
        for clause in _clauses(getattr(procedure, attribute) or "", _CASE_LABEL_CHARS):
            words = tokens(clause)
            said = len(asked & set(words)) + (verb in asked and verb in words)
            if said < _CLAUSE_MIN_WORDS:
                continue
            score = said + len(q_pairs & _bigrams(words))
            if best is None or score > best[0]:
                best = (score, said, label, clause)
    return (best[2], best[3]) if best and best[0] >= min_score else None


def _around_asked(clause: str, question: str, procedure: Procedure, chars: int) -> str:
    """A long clause cut to the `chars` window that holds most of the question's own words
    ("… tổ chức hành nghề công chứng nơi mở thừa kế có trách nhiệm lập 01 bộ hồ sơ …")."""
    words = clause.split()
    if len(clause) <= chars or not words:
        return clause
    asked = _asked_words(question, procedure.name)
    hits = [bool(asked & set(tokens(w))) for w in words]
    best_start, best_said = 0, -1
    for start in range(len(words)):
        end, length = start, 0
        while end < len(words) and length + len(words[end]) + 1 <= chars - 2:
            length += len(words[end]) + 1
            end += 1
        said = sum(hits[start:end])
        if said > best_said:
            best_start, best_said = start, said
        if end == len(words):
            break
    kept, length = [], 0
    for word in words[best_start:]:
        if length + len(word) + 1 > chars - 2:
            break
        kept.append(word)
        length += len(word) + 1
    text = " ".join(kept)
    return ("… " if best_start else "") + text + (" …" if best_start + len(kept) < len(words) else "")


# "trường hợp nào thì không được hỗ trợ": the clause saying who is left out answers it
_EXCLUSION_ASKED = re.compile(r"(?<![0-9a-z])(?:khong|ko) (?:duoc|du|dc)(?![0-9a-z])(?! khong$)|"
                              r"(?<![0-9a-z])(?:tu choi|khong ap dung|bi loai)(?![0-9a-z])")
_EXCLUDES = re.compile(r"(?<![0-9a-z])(?:khong duoc|khong du|tru truong hop|khong ap dung|tu choi|khong thuoc)(?![0-9a-z])")
_EXCLUSION_WEIGHT = 2


def _excludes(clause: str) -> bool:
    return bool(_EXCLUDES.search(" ".join(tokens(clause))))


def _excerpt(text: str, question: str, budget: int, procedure: Procedure) -> str:
    """A long field cut to `budget`: the clause saying most of the question's words, the
    field's opening clause and the other clauses saying some of them, as many as fit, in the
    record's order ("…" where clauses are skipped); else its opening."""
    text = " ".join(text.split()) if "\n" not in text else text
    if len(text) <= budget:
        return " ".join(text.split())
    clauses = _clauses(text)
    excluded = bool(_EXCLUSION_ASKED.search(" ".join(tokens(question))))
    scored = sorted(((_overlap(c, question, procedure) + _EXCLUSION_WEIGHT * (excluded and _excludes(c)), -i, i)
                     for i, c in enumerate(clauses)), reverse=True)
    if not scored or scored[0][0] == 0:
        return _short(text, budget)
    # the clause saying most of the question first, then the field's opening (the first step,
    # the main condition), then the other clauses saying some of it, as the budget holds
    best = scored[0][2]
    candidates = [best] + [0] + [i for score, _, i in scored[1:] if score > 0]
    chosen: list[int] = []
    for i in dict.fromkeys(candidates):
        if chosen and sum(min(len(clauses[j]), _CLAUSE_CHARS) + 2 for j in chosen) + min(len(clauses[i]), _CLAUSE_CHARS) > budget:
            continue
        chosen.append(i)
    pieces, last = [], -1
    for i in sorted(chosen):
        piece = _short(clauses[i], _CLAUSE_CHARS)
        pieces.append(("… " if i != last + 1 else "") + piece)
        last = i
    return " ".join(pieces) + (" …" if last < len(clauses) - 1 else "")


# A refusal or a request to complete the file is the other outcome, not what the citizen gets.
_REFUSAL = re.compile(r"(?<![0-9a-z])(?:tu choi|khong chap thuan|khong du dieu kien|can sua doi|tra lai ho so)(?![0-9a-z])")
_RESULT_ITEM = 110


def _result_text(procedure: Procedure, budget: int) -> str:
    """"Kết quả:" with the record's results one a line, what the citizen receives first and
    a refusal or a request to complete the file after; as many as the budget holds."""
    items = [r.name for r in procedure.results if r.name.strip()] or \
        [part for part in procedure.result_text.split("; ") if part.strip()]
    if len(items) < 2:
        return "Kết quả: " + _short(procedure.result_text, budget)
    items.sort(key=lambda item: bool(_REFUSAL.search(fold(item).lower())))
    lines: list[str] = []
    for item in items:
        line = f"- {_short(item, _RESULT_ITEM)}"
        if lines and sum(len(x) + 1 for x in lines) + len(line) > budget:
            lines.append(f"… và {len(items) - len(lines)} kết quả khác.")
            break
        lines.append(line)
    return "Kết quả:\n" + "\n".join(lines)


# A tight answer (over the budget otherwise) cuts the record's side notes to about this.
_TIGHT_CHARS = 100


def _facet_body(facet: str, procedure: Procedure, question: str, budget: int,
                tight: bool = False, found: dict[str, tuple[str, str]] | None = None) -> tuple[str, str, str, bool]:
    """(text, cited field label, quoted text, record lacks the fact). `found`: the (field label,
    sentence) the "duty", "clause", "elsewhere" and "where" ("submitted") facets quote, looked up once per answer."""
    if facet == "documents":
        text, quoted = _documents_text(procedure, budget, question)
        return text, "Thành phần hồ sơ", quoted, not quoted
    if facet == "time":
        lacks = not procedure.ways or (all(not w.time.known for w in procedure.ways)
                                       and not _described_time(procedure)[1])
        case = _case_time(procedure, question)      # quoted from the steps: cited with the ways
        quoted = "; ".join(f"{w.channel_text}: {w.time.text}" for w in procedure.ways) + (f"\n{case}" if case else "")
        return _time_text(procedure, tight, case), "Cách thức thực hiện › Thời gian", quoted, lacks
    if facet == "fee":
        lacks = not procedure.ways or all(w.fee.kind == "unknown" and not w.fee.note for w in procedure.ways)
        return _fee_text(procedure, tight, question), "Cách thức thực hiện › Phí, lệ phí", \
            "; ".join(f"{w.channel_text}: {w.fee.text}" for w in procedure.ways), lacks
    if facet == "where":
        submitted = (found or {}).get("submitted", ("", ""))[1]
        quoted = ", ".join(dict.fromkeys(w.channel_text for w in procedure.ways))
        if submitted and procedure.ways:     # the step quoted is cited with the channels
            quoted += "\n" + submitted
        return _where_text(procedure, question, submitted), "Cách thức thực hiện › Hình thức nộp", \
            quoted, not procedure.ways
    if facet == "steps":
        if not procedure.steps:
            return "hồ sơ không ghi trình tự thực hiện.", _STEPS_LABEL, "", True
        preface, steps = split_steps(procedure.steps)
        if steps and len(procedure.steps) > budget:
            shown, quoted = outline_steps(preface, *_asked_step(steps, question, procedure), budget=budget)
            return f"{_STEPS_LABEL}:\n" + shown, _STEPS_LABEL, quoted, False
        excerpt = _excerpt(procedure.steps, question, budget, procedure)
        return f"{_STEPS_LABEL}: " + excerpt, _STEPS_LABEL, excerpt.rstrip("…"), False
    if facet == "conditions":
        if not procedure.conditions:
            return "hồ sơ không ghi yêu cầu, điều kiện nào (Không có thông tin).", "Yêu cầu, điều kiện", "", True
        excerpt = _excerpt(procedure.conditions, question, budget, procedure)
        return "Yêu cầu, điều kiện: " + excerpt, "Yêu cầu, điều kiện", excerpt.rstrip("…"), False
    if facet == "elsewhere":
        label, clause = found["elsewhere"]
        return (f"Hồ sơ không ghi yêu cầu, điều kiện; {label} ghi: {_around_asked(clause, question, procedure, budget)}",
                label, clause, False)
    if facet == "clause":
        label, clause = found["clause"]
        return f"Hồ sơ ghi ({label}): {_around_asked(clause, question, procedure, budget)}", label, clause, False
    if facet == "duty":
        label, sentence = found["duty"]
        kept = _keeping(sentence, _DUTY_LIMIT.search(" ".join(sentence.split())), budget)
        return f"Thời hạn người dân phải làm ({label}): {kept}", label, sentence, False
    if facet == "result":
        if not procedure.result_text:
            return "hồ sơ không ghi kết quả thực hiện.", "Kết quả thực hiện", "", True
        return _result_text(procedure, budget), "Kết quả thực hiện", \
            _short(procedure.result_text, budget).rstrip("…"), False
    if facet == "agency":
        if not procedure.agency:
            level = f" Cấp thực hiện: {procedure.level}." if procedure.level else ""
            return f"hồ sơ không ghi cơ quan thực hiện (Không có thông tin).{level}", "Cơ quan thực hiện", "", True
        text = f"Cơ quan thực hiện: {_short(procedure.agency, 200)}"
        competent = procedure.competent_agency
        if competent and fold(competent).lower() != fold(procedure.agency).lower():
            text += f"\nCơ quan có thẩm quyền quyết định: {_short(competent, 150)}"
        return text, "Cơ quan thực hiện", procedure.agency, False
    if facet == "legal":
        if not procedure.legal_bases:
            return "hồ sơ không ghi căn cứ pháp lý.", "Căn cứ pháp lý", "", True
        items = []
        for basis in procedure.legal_bases:
            item = f"- {basis.code + ': ' if basis.code and basis.code not in basis.title else ''}{_short(basis.title, 60)}"
            if items and sum(len(i) + 1 for i in items) + len(item) > budget:
                break
            items.append(item)
        more = len(procedure.legal_bases) - len(items)
        if more > 0:
            items.append(f"… và {more} văn bản khác.")
        return "Căn cứ pháp lý:\n" + "\n".join(items), "Căn cứ pháp lý", \
            "\n".join(b.title for b in procedure.legal_bases[:len(items)]), False
    if facet == "applicants":
        if not procedure.applicants:
            return "hồ sơ không ghi đối tượng thực hiện.", "Đối tượng thực hiện", "", True
        return f"Đối tượng thực hiện: {_short(procedure.applicants, 200)}", "Đối tượng thực hiện", \
            procedure.applicants, False
    raise ValueError(facet)


def _overview_body(procedure: Procedure) -> tuple[str, str, str, bool]:
    parts = []
    if procedure.ways:
        parts.append("Hình thức nộp: " + ", ".join(dict.fromkeys(w.channel_text for w in procedure.ways)) + ".")
        parts.append(_time_text(procedure))
        parts.append("Phí, lệ phí:\n" + "\n".join(_group_ways(procedure.ways, lambda w: _fee_value(w, note=False))))
    docs = [d for d in procedure.documents if d.group_kind != "note"]
    if docs:
        parts.append(f"Hồ sơ gồm {len(docs)} loại giấy tờ (hỏi \"cần giấy tờ gì\" để xem danh sách).")
    return "\n".join(parts) or "hồ sơ không ghi cách thức thực hiện.", "Cách thức thực hiện", \
        "; ".join(f"{w.channel_text}: {w.time.text}; {w.fee.text}" for w in procedure.ways), False


_HEADER_NAME = 80     # a longer legal name is shortened in the answer (the citation keeps it whole)


def _header(procedure: Procedure, chars: int = _HEADER_NAME) -> str:
    return f"{_short(procedure.name, chars)} (mã {procedure.code})"


def _footer(procedure: Procedure, others: Sequence[Procedure]) -> str:
    lines = []
    if others:
        lines.append("Thủ tục gần giống: " + "; ".join(f"{_short(o.name, 45)} ({o.code})" for o in others) + ".")
    if procedure.url:
        lines.append(f"Xem trên Cổng Dịch vụ công: {procedure.url}")
    return "\n".join(lines)


def _fit(text: str, limit: int, code: str) -> str:
    """`text` within `limit` characters: whole lines kept from the top, then a pointer to the
    full record (the last resort, when even the tightest answer is too long)."""
    if len(text) <= limit:
        return text
    pointer = f"… (xem đủ ở thẻ «Thủ tục», mã {code})"
    kept: list[str] = []
    for line in text.split("\n"):
        if len("\n".join(kept + [line, pointer])) > limit:
            break
        kept.append(line)
    if not kept:
        return _short(text, limit - len(pointer) - 1) + " " + pointer
    return "\n".join(kept + [pointer])


def answer_procedure(procedure: Procedure, question: str, facets: Sequence[str] | None = None,
                     others: Sequence[Procedure] = ()) -> Answer:
    """The answer for one procedure: the facet(s) asked, name and code, link, citation."""
    facets = list(facets if facets is not None else detect_facets(question, procedure.name))[:2]
    may_i = _ELIGIBILITY.search(" ".join(tokens(question)))
    found: dict[str, tuple[str, str]] = {}
    duty = _duty_deadline(procedure, question) if not facets or "time" in facets else None
    if duty:
        found["duty"] = duty
    if not facets and may_i:
        facets = ["conditions", "applicants"]
    elif not facets and duty:
        facets = ["duty"]
    elif not facets and (clause := _asked_clause(procedure, question)):
        facets, found["clause"] = ["clause"], clause
    elif facets == ["where"] and may_i and _CHANNEL_WORDS.search(fold(procedure.conditions).lower()):
        facets = ["where", "conditions"]      # "làm online được không": what the record allows online
    if "where" in facets and (submitted := _place_submitted(procedure, question)):
        found["submitted"] = (_STEPS_LABEL, submitted)
    if "time" in facets and "conditions" not in facets and duty:
        facets = ["duty"] + [f for f in facets if f != "conditions"][:1]
    elif len(facets) == 1 and facets[0] in _COMPANION_FACETS and \
            (clause := _asked_clause(procedure, question, _COMPANION_MIN_SCORE)) and \
            not (facets[0] == "applicants" and clause[0] == "Đối tượng thực hiện") and \
            not (facets[0] == "where" and "submitted" in found) and \
            not _facet_body(facets[0], procedure, question, MAX_ANSWER_CHARS, found=found)[3]:
        facets, found["clause"] = facets + ["clause"], clause     # not when the record lacks the facet
    # Conditions the record does not give: said so, with the step that says what was asked
    # ("… Công an cấp xã trong cả nước không phụ thuộc vào nơi cư trú …"), when one says enough.
    if "conditions" in facets and not procedure.conditions and \
            (clause := _asked_clause(procedure, question, _STAND_IN_MIN_SCORE)) and clause[0] == _STEPS_LABEL:
        facets, found["elsewhere"] = ["elsewhere" if f == "conditions" else f for f in facets], clause
    # Ever shorter until it fits MAX_ANSWER_CHARS: the checklist, then the record's side notes,
    # then the header's name; the facts asked stay verbatim. The look-alike procedures come
    # after, where room is left: they never cost the answer an item.
    for tight, header_chars in ((False, _HEADER_NAME), (True, _HEADER_NAME), (True, _HEADER_NAME // 2)):
        header = _header(procedure, header_chars)
        footer = _footer(procedure, ())
        budget = max(MAX_ANSWER_CHARS - len(header) - len(footer) - 40, 200) // max(len(facets), 1)
        while True:
            bodies = ([_facet_body(f, procedure, question, budget, tight, found) for f in facets] if facets
                      else [_overview_body(procedure)])
            text_parts = [f"{header}:"]
            for body, *_ in bodies:
                if body.startswith("hồ sơ không ghi"):
                    body = "Hồ sơ thủ tục " + body[len("hồ sơ "):]
                text_parts.append(body)
            if len("\n".join(text_parts + [footer])) <= MAX_ANSWER_CHARS or budget <= 120:
                break
            budget -= 60           # a shorter checklist, the facts stay verbatim
        if len("\n".join(text_parts + [footer])) <= MAX_ANSWER_CHARS:
            break
    if others and len("\n".join(text_parts + [_footer(procedure, others)])) <= MAX_ANSWER_CHARS:
        footer = _footer(procedure, others)
    text = _fit("\n".join(text_parts), MAX_ANSWER_CHARS - (len(footer) + 1 if footer else 0), procedure.code)
    text_parts = [text] + ([footer] if footer else [])
    lacks_all = all(lacks for *_, lacks in bodies)
    citations = [
        Citation(document=procedure.document, title=procedure.name, section=f"{procedure.name} › {label}",
                 text=quoted or label, origin="procedure", url=procedure.url or None, code=procedure.code)
        for _, label, quoted, _ in bodies
    ]
    return Answer(answer="\n".join(text_parts), abstained=lacks_all, intent=INTENT, citations=citations)


NOT_IN_CATALOGUE = ("Danh mục thủ tục hành chính cấp xã hiện có không có thủ tục này, nên không trả lời được. "
                    "Hãy thử gọi tên thủ tục khác đi (ví dụ \"đăng ký khai sinh\") hoặc tra trên Cổng Dịch vụ công quốc gia.")


def abstain_not_in_catalogue(near: Sequence[Procedure] = ()) -> Answer:
    text = NOT_IN_CATALOGUE
    if near:
        text += " Thủ tục gần nhất trong danh mục: " + "; ".join(f"{p.name} ({p.code})" for p in near[:2]) + "."
    return Answer(answer=text, abstained=True, intent=INTENT, citations=[])


_TWIN_TIE = 0.9      # a twin the question fits about as well as the best is named beside it


def similar_procedures(best: ProcedureMatch, ranked: Sequence[ProcedureMatch]) -> list[Procedure]:
    """Other fitting procedures to name: they share the words that matched, under another name."""
    best_name = set(tokens(best.procedure.name)) - _NAME_STOPWORDS
    out: list[Procedure] = []
    for m in ranked:
        if m.procedure is best.procedure or m.procedure.name == best.procedure.name:
            continue
        # A variant: its name holds the whole common name and more ("… có yếu tố nước ngoài"),
        # or a twin under the same head ("… toàn trình" beside "… một phần hoặc trực tiếp").
        variant = best_name <= set(tokens(m.procedure.name)) or (
            m.head == best.head and m.score >= _TWIN_TIE * best.score)
        if variant and m.procedure.name not in {o.name for o in out}:
            out.append(m.procedure)
    return out[:2]


def answer_question(question: str, index: ProcedureIndex) -> Answer:
    """Match the question to a procedure and answer it, or abstain (not in the catalogue)."""
    ranked = rank_procedures(question, index, k=8)
    if not ranked or not is_confident(ranked[0], runner_up=runner_up(ranked)):
        return abstain_not_in_catalogue()
    best = ranked[0]
    return answer_procedure(best.procedure, question, others=similar_procedures(best, ranked))


__all__ = [
    "FACETS", "INTENT", "MAX_ANSWER_CHARS", "ProcedureIndex", "ProcedureMatch",
    "abstain_not_in_catalogue", "answer_procedure", "answer_question", "detect_facets", "fuse_dense",
    "fuse_agreement", "fuse_names", "name_phrases",
    "is_confident", "names_procedure", "rank_procedures", "runner_up", "similar_procedures",
]
