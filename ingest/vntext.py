"""Vietnamese text helpers shared by ingest and the read path.

Display text is only ever NFC-normalised. Folding (no diacritics, đ→d, lower case) and
abbreviation expansion happen inside search keys, so "ai chu tri TTHC" and
"Ai chủ trì thủ tục hành chính" produce the same key.

Word segmentation: instead of a statistical segmenter (pyvi/underthesea segment accented
text well but disagree on unaccented input), keys carry syllable unigrams plus adjacent
syllable bigrams. Bigrams capture compound words ("thu_tuc", "hanh_chinh") and behave
identically whether or not the user typed diacritics.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Abbreviation -> written-out form. Used in both directions: every key expands
# abbreviations, so the abbreviated and the written-out spellings meet in the middle.
ABBREVIATIONS: dict[str, str] = {
    "CCHC": "cải cách hành chính",
    "TTHC": "thủ tục hành chính",
    "UBND": "Ủy ban nhân dân",
    "HĐND": "Hội đồng nhân dân",
    "VBQPPL": "văn bản quy phạm pháp luật",
    "QPPL": "quy phạm pháp luật",
    "DVC": "dịch vụ công",
    "DVCTT": "dịch vụ công trực tuyến",
    "PAKN": "phản ánh kiến nghị",
    "CBCCVC": "cán bộ công chức viên chức",
    "CBCC": "cán bộ công chức",
    "CCVC": "công chức viên chức",
    "ĐVSNCL": "đơn vị sự nghiệp công lập",
    "NSNN": "ngân sách nhà nước",
    "CĐS": "chuyển đổi số",
    "MTTQ": "Mặt trận Tổ quốc",
    "MTTQVN": "Mặt trận Tổ quốc Việt Nam",
    "VHXH": "văn hóa xã hội",
    "VH-XH": "văn hóa xã hội",
    "KT-XH": "kinh tế xã hội",
    "KTXH": "kinh tế xã hội",
    "VTVL": "vị trí việc làm",
    "CSDL": "cơ sở dữ liệu",
    "CNTT": "công nghệ thông tin",
    "TTĐT": "thông tin điện tử",
    "HCC": "hành chính công",
    "PVHCC": "phục vụ hành chính công",
    "BCĐ": "Ban Chỉ đạo",
    "PCT": "Phó Chủ tịch",
    "TBXH": "thương binh xã hội",
    "LĐTB&XH": "lao động thương binh và xã hội",
    "BHYT": "bảo hiểm y tế",
    # what citizens write of the procedures' names
    "BHXH": "bảo hiểm xã hội",
    "BHTN": "bảo hiểm thất nghiệp",
    "HTX": "hợp tác xã",
    "CMND": "chứng minh nhân dân",
    "QSDĐ": "quyền sử dụng đất",
    "GPXD": "giấy phép xây dựng",
    "GPLX": "giấy phép lái xe",
    "ĐKKD": "đăng ký kinh doanh",
    "HKD": "hộ kinh doanh",
    "ATTP": "an toàn thực phẩm",
    # what the procedures' names abbreviate ("… ốm đau, thai sản, TNLĐ, BNN")
    "TNLĐ": "tai nạn lao động",
    "BNN": "bệnh nghề nghiệp",
    "BHTNLĐ": "bảo hiểm tai nạn lao động",
    "DSPHSK": "dưỡng sức phục hồi sức khỏe",
    "TT PVHCC": "trung tâm phục vụ hành chính công",
    "TTPVHCC": "trung tâm phục vụ hành chính công",
    "PAR INDEX": "chỉ số cải cách hành chính",
    "SIPAS": "chỉ số hài lòng",
}

# Lower-case Vietnamese letters (a range like à-ỹ would also take Đ, Ư, Ơ and Ạ…).
LOWER_LETTERS = "a-zàáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ"
# Text that goes on in lower case and is no list label ("b) …", "đ. …"): the rest of a sentence
# or item the source broke (a hard-wrapped line, a clause after "; ").
GOES_ON_IN_LOWER_CASE = rf"[{LOWER_LETTERS}](?![{LOWER_LETTERS}]?[).] )"

# "31/01/2026", "09/qd", "1.1" stay one token; "bien che/so luong" splits at the slash.
_TOKEN_RE = re.compile(r"[0-9a-z]+(?:(?:(?<=[0-9])[./][0-9a-z]+)|(?:[./](?=[0-9])[0-9a-z]+))*")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


_VIETNAMESE_MARKS = re.compile(r"[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]",
                               re.IGNORECASE)


def has_diacritics(text: str) -> bool:
    """Was the text typed with Vietnamese diacritics (any marked letter)?"""
    return bool(_VIETNAMESE_MARKS.search(nfc(text)))


_COMBINING_MARKS = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold(text: str) -> str:
    """Lower-case, strip diacritics (đ→d)."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return _COMBINING_MARKS.sub("", decomposed).lower()


def _abbreviation_table() -> tuple[re.Pattern[str], dict[str, str]]:
    expansions = {fold(short): fold(long) for short, long in ABBREVIATIONS.items()}
    alternation = "|".join(re.escape(s) for s in sorted(expansions, key=len, reverse=True))
    return re.compile(rf"(?<![0-9a-z])(?:{alternation})(?![0-9a-z])"), expansions


_ABBREVIATION_RE, _EXPANSIONS = _abbreviation_table()


def expand_abbreviations(folded: str) -> str:
    """Replace abbreviations in already folded text with their folded written-out form."""
    return _ABBREVIATION_RE.sub(lambda m: _EXPANSIONS[m.group(0)], folded)


# Abbreviations that, lower-cased, are a common word ("ai" = who): written out only as typed in
# capitals beside a word that is not itself in capitals ("ứng dụng AI", "trí tuệ nhân tạo (AI)";
# a shouted "AI CHỦ TRÌ?" still asks who).
CASED_ABBREVIATIONS: dict[str, str] = {
    "AI": "trí tuệ nhân tạo",
}
_CASED_RE = re.compile(r"(?<![^\W_])(" + "|".join(map(re.escape, CASED_ABBREVIATIONS)) + r")(?![^\W_])")
_WORD_RE = re.compile(r"[^\W\d_]+")


def _shouted(word: str | None) -> bool:
    return bool(word) and len(word) > 1 and word.isupper()


def expand_cased_abbreviations(text: str) -> str:
    """`text` with the capitals-only abbreviations written out (see CASED_ABBREVIATIONS)."""
    if not any(short in text for short in CASED_ABBREVIATIONS):
        return text
    text = nfc(text)   # a combining mark is no word boundary ("A\u0301AI")

    def replace(m: re.Match) -> str:
        before = _WORD_RE.findall(text[:m.start()])
        after = _WORD_RE.findall(text[m.end():])
        if _shouted(before[-1] if before else None) or _shouted(after[0] if after else None):
            return m.group(0)
        return CASED_ABBREVIATIONS[m.group(1)]

    return _CASED_RE.sub(replace, text)


@lru_cache(maxsize=131072)
def _tokens(text: str) -> tuple[str, ...]:
    return tuple(_TOKEN_RE.findall(expand_abbreviations(fold(expand_cased_abbreviations(text)))))


# A folded Vietnamese syllable: onset, vowels, final ("nghieng", "qua", "gom"); "scan", "online",
# "zalo" are not one, so typed without diacritics they can only be the foreign word.
_SYLLABLE_RE = re.compile(r"(?:ngh|ng|gh|gi|kh|nh|ph|th|tr|ch|qu|[bcdghklmnprstvx])?[aeiouy]{1,3}(?:ch|ng|nh|[cmnpt])?")


def vietnamese_syllable(folded: str) -> bool:
    """Could this folded token be a Vietnamese syllable?"""
    return bool(_SYLLABLE_RE.fullmatch(folded))


def tokens(text: str) -> list[str]:
    """Folded syllable tokens with abbreviations written out.

    Cached: the answer path re-tokenises the same stored sentences for every question.
    """
    return list(_tokens(text))


def search_terms(text: str) -> list[str]:
    """Unigrams plus adjacent-syllable bigrams (`thu_tuc`)."""
    toks = tokens(text)
    return toks + [f"{a}_{b}" for a, b in zip(toks, toks[1:])]


def search_key(text: str) -> str:
    """The lexical index key for a passage (space-separated terms)."""
    return " ".join(search_terms(text))


def normalise_name(text: str) -> str:
    """A comparison key for names (communes, agencies): folded tokens joined by spaces."""
    return " ".join(tokens(text))


_COMMUNE_PREFIXES = ("xa ", "phuong ", "thi tran ", "dac khu ")


def commune_key(name: str) -> str:
    """Comparison key for a commune: folded, without the "xã"/"phường"/"thị trấn" prefix."""
    key = normalise_name(name or "")
    for prefix in _COMMUNE_PREFIXES:
        if key.startswith(prefix):
            return key[len(prefix):]
    return key
