"""Question understanding: intent, commune, agency, period and residual topic.

Pure and deterministic. Everything is matched on folded text (no diacritics, abbreviations
written out), so "ai chu tri doi thoai o di linh" and "Ai chủ trì đối thoại ở Di Linh?" give
the same `Query`. The lists of communes and agencies come from the store, never from code.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import date
from difflib import SequenceMatcher
from functools import lru_cache

from assistant.qa.intents import FIELD_INTENTS, TASK_INTENTS, Intent
from assistant.qa.query import Query
from assistant.spelling import TELEX_TONES, i_y_variant, swap_i_y, telex_marks
from ingest.agencies import agency_key, expand_agency_words
from ingest.periods import find_period
from ingest.vntext import fold, has_diacritics, nfc, normalise_name, tokens, vietnamese_syllable

# -- cue phrases (folded) -------------------------------------------------------------------
# Who does what tasks open with ("ai đi kiểm tra thái độ làm việc …"): a lead cue whose verb
# stays the topic (`_REMOVABLE_CUES`).
_WHO_DOES_TASK = ("ai kiem tra", "ai di kiem tra", "ai ra soat", "ai tuyen truyen", "ai cap nhat", "ai danh gia",
                  "ai khao sat", "ai niem yet", "ai cong khai", "ai so hoa", "ai cham diem")
# Weight 2 = unambiguous cue, 1 = weak cue that only decides when nothing stronger is present.
_CUES: dict[str, list[tuple[str, int]]] = {
    "lead": [
        ("ai chu tri", 3), ("don vi nao chu tri", 3), ("co quan nao chu tri", 3),
        ("bo phan nao chu tri", 3), ("phong nao chu tri", 3), ("noi nao chu tri", 3),
        ("chu tri la ai", 3), ("chu tri boi", 2), ("do ai chu tri", 3),
        ("chiu trach nhiem chinh", 3), ("chiu trach nhiem", 2), ("ai phu trach", 3), ("phu trach", 1),
        ("co quan nao", 2), ("don vi nao", 2), ("bo phan nao", 2), ("phong nao", 2),
        ("ai duoc giao", 3), ("ai tham muu", 3), ("ai trien khai", 3), ("ai to chuc", 3),
        ("ai huong dan", 3), ("ai theo doi", 3), ("ai la", 2), ("la ai", 2), ("ai co trach nhiem", 3),
        ("ai giup", 3), ("ai bao cao", 3), ("ai xay dung", 3), ("ai dinh ky", 3), ("ai tiep nhan", 3),
        ("ai thuc hien", 2), ("ai lam", 2), ("giao cho ai", 3), ("giao cho don vi nao", 3),
        ("chu tri thuc hien", 1), ("chu tri", 1), ("dau moi", 2), ("ai dam nhiem", 3),
        ("cu ai", 3), ("giao ai", 3), ("ai dung ra", 3), ("ai lo", 2), ("do ben nao", 3), ("ben nao", 2),
        *((cue, 3) for cue in _WHO_DOES_TASK),
        ("who leads", 3), ("who is responsible", 3),
    ],
    "coordinators": [
        ("phoi hop", 2), ("ai phoi hop", 4), ("don vi nao phoi hop", 4), ("co quan nao phoi hop", 4),
        ("don vi phoi hop", 3), ("co quan phoi hop", 3), ("cung voi ai", 2), ("ho tro chu tri", 2),
    ],
    "deadline": [
        ("khi nao", 3), ("bao gio", 3), ("luc nao", 3), ("thoi han", 3), ("han chot", 3),
        ("thoi gian hoan thanh", 4), ("thoi han hoan thanh", 4), ("han hoan thanh", 4), ("hoan thanh truoc", 2),
        ("thoi diem", 2), ("thoi gian thuc hien", 3), ("den bao gio", 3), ("han cuoi", 3),
        ("hoan thanh vao", 2), ("deadline", 3), ("when", 2), ("thoi gian nao", 3), ("ngay nao", 3),
        ("truoc ngay nao", 4), ("thang nao", 3), ("quy nao", 3), ("nam nao", 2), ("vao luc nao", 3),
        ("cham nhat", 2), ("ky nao", 2), ("bao lau", 2), ("dinh ky", 1), ("ngay may", 1),
        ("ngay bao nhieu", 1), ("hom nao", 1),
    ],
    "product": [
        ("san pham", 4), ("ket qua dau ra", 4), ("ket qua gi", 3), ("ket qua la gi", 3),
        ("ket qua cua nhiem vu", 4), ("ket qua cua viec", 4), ("ket qua cua", 3), ("ket qua can dat", 3),
        ("ket qua nao", 2), ("dau ra", 2), ("can nop", 2), ("phai nop", 2),
    ],
    "target": [
        ("chi tieu", 3), ("bao nhieu phan tram", 4), ("bao nhieu %", 4), ("may phan tram", 4),
        ("ty le", 2), ("ti le", 2), ("muc tieu", 1), ("phan tram", 2), ("bao nhieu", 2),
        ("dat toi thieu", 2), ("toi thieu", 1), ("phan dau dat", 2), ("muc nao", 1), ("dat bao nhieu", 4),
        ("it nhat bao nhieu", 4), ("so luong", 1),
    ],
    "list_by_agency": [
        ("nhung nhiem vu gi", 3), ("nhiem vu gi", 3), ("nhung nhiem vu nao", 3), ("nhiem vu nao", 1),
        ("phai lam gi", 3), ("lam nhung gi", 3), ("nhung viec gi", 3), ("viec gi", 2),
        ("duoc giao gi", 3), ("duoc giao nhung", 3), ("chu tri nhung", 3), ("bao nhieu nhiem vu", 3),
        ("danh sach nhiem vu", 3), ("cac nhiem vu cua", 3), ("nhung nhiem vu", 2), ("cac nhiem vu", 1),
        ("lam gi", 2), ("de nghi lam gi", 3), ("co trach nhiem gi", 3), ("lam nhung viec gi", 3),
        ("phu trach nhung", 3), ("liet ke", 2), ("trach nhiem gi", 3), ("nhung trach nhiem", 3),
        ("nhiem vu cua", 2), ("ke het", 3), ("ke ten", 3), ("liet ke", 3), ("tat ca nhung", 3),
        ("tat ca cac nhiem vu", 3), ("co nhung nhiem vu", 3), ("nhung mang", 2), ("nhung nhom", 2),
        ("nhung viec nao", 3), ("cac viec nao", 3), ("viec nao", 2),
    ],
    "due_by_date": [
        ("phai xong truoc", 4), ("xong truoc", 3), ("den han", 4), ("toi han", 4), ("het han", 3), ("dao han", 3),
        ("phai hoan thanh trong", 3), ("hoan thanh trong", 2), ("phai xong trong", 4), ("xong trong", 3),
        ("trong quy", 2), ("trong thang", 2), ("can hoan thanh truoc", 3), ("phai hoan thanh truoc", 3),
        ("han trong", 3), ("due", 2), ("phai xong", 3), ("lam xong", 3), ("xong gi", 3), ("xong viec", 3),
        ("xong nhung", 3), ("xong cong viec", 3),
        # "tháng 1 có hạn chót gì": which deadlines fall then, not when one task is due
        ("han chot gi", 3), ("thoi han gi", 3), ("han gi", 3), ("han chot nao", 3), ("nhung han chot", 3),
    ],
    "fact": [
        ("ai ky", 5), ("nguoi ky", 5), ("dat but ky", 5), ("ky hom nao", 5), ("ky luc nao", 5),
        ("ky ban hanh", 4), ("ky ke hoach", 4), ("ky quyet dinh", 4),
        ("ky ten", 4), ("do ai ky", 5), ("ong nao ky", 5), ("ba nao ky", 5), ("nguoi nao ky", 5), ("so hieu", 5), ("so ky hieu", 5), ("so van ban", 4),
        ("so ke hoach", 4), ("so quyet dinh", 4), ("ngay ban hanh", 5), ("ban hanh ngay", 5),
        ("ban hanh vao ngay", 5), ("ngay ky", 5), ("ky ngay", 5), ("can cu", 4), ("can cu nao", 5),
        ("thuc hien ke hoach nao", 5), ("trien khai ke hoach nao", 5), ("theo ke hoach nao", 5),
        ("thuc hien quyet dinh nao", 5), ("theo quyet dinh nao", 5), ("cap tren nao", 3),
        ("kem theo quyet dinh", 3), ("chuc vu nguoi ky", 5), ("ai ban hanh", 4), ("co quan ban hanh", 4),
        ("ten ke hoach", 4), ("tieu de", 3), ("giai doan nao", 3), ("ap dung cho nam", 3),
        ("thuoc tinh nao", 5), ("tinh nao", 4), ("thuoc huyen nao", 5), ("huyen nao", 4),
        ("so may", 4), ("quyet dinh so may", 5), ("ke hoach so may", 5),
        ("duoc ban hanh vao", 5), ("duoc ban hanh khi nao", 5), ("ban hanh vao thang nao", 5),
        ("ban hanh vao ngay nao", 5), ("ban hanh thang nao", 5),
        ("thuc hien van ban nao", 5), ("can cu van ban nao", 5), ("theo van ban nao", 4),
        ("trien khai van ban nao", 5),
    ],
}

# "kế hoạch CCHC của xã nào được ban hành …", "kế hoạch của Năm Dẫn và Đại Phước, nơi nào ban hành …"
_PLAN_ISSUED = re.compile(r"\bke hoach\b[a-z0-9 ]{0,60}?\b(?:xa|noi|ben|cho) nao (?:duoc )?ban hanh\b")
# "Kế hoạch CCHC giai đoạn 2026-2030 của Di Linh ra ngày nào?": the plan itself is the subject
# (only words naming it stand between "kế hoạch" and the verb), so "ra"/"ký" asks its issuing
# date, not a task's deadline ("ban hành kế hoạch tuyên truyền khi nào" names a task).
_OWN_PLAN_WHEN = re.compile(r"\bke hoach((?: [a-z0-9]+){0,12}?) (?:duoc )?(?:ra|ra doi|ban hanh|ky)"
                            r" (?:vao |tu )?(?:ngay nao|hom nao|hoi nao|khi nao|luc nao|ngay may|bao gio|thang nao)\b")
_PLAN_NAMING_WORDS = frozenset("cchc cai cach hanh chinh nam giai doan cua xa nay".split())


def asks_own_plan_date(folded: str, communes: Sequence[str]) -> bool:
    """Does the question ask when the plan itself was issued?"""
    named = _PLAN_NAMING_WORDS | {t for c in communes for t in tokens(c)}
    return any(all(w in named or w.isdigit() for w in m.group(1).split())
               for m in _OWN_PLAN_WHEN.finditer(folded))


# "báo cáo định kỳ thì gửi cho ai", "nộp về đâu": to whom something goes, not who leads or when
_TO_WHOM = re.compile(r"\b(?:gui|nop|bao cao|chuyen)(?: [a-z]+){0,6}? (?:cho ai|len ai|ve dau|cho co quan nao|ve co quan nao)\b")

# Plan details a question may ask beside another ("ai ký, ký hôm nào", "số mấy, ngày nào").
_SECOND_FACTS = ("signer", "number", "issue_date")
# A bare "when" beside the signer or the number asks the issuing date ("quyết định số mấy, ngày nào").
_WHEN_ASKED = ("ngay nao", "hom nao", "khi nao", "luc nao", "ngay may", "thang may")
# "số mấy" asks a document's number only after a document is named ("kế hoạch CCHC của Năm Dẫn
# số mấy", "kèm quyết định số mấy"); the other number cues name it themselves.
# The kinds of legal document a plan is based on, folded (one list for every rule that names them).
LEGAL_DOCUMENT_KINDS = ("quyet dinh", "nghi quyet", "chi thi", "nghi dinh", "thong tu")
_DOCUMENT_NUMBER = re.compile(r"\b(?:" + "|".join(("ke hoach", "van ban", "cong van") + LEGAL_DOCUMENT_KINDS) + r")\b"
                              r"(?: [a-z0-9_]+){0,9} so may\b|\bso (?:hieu|ky hieu|van ban|ke hoach|quyet dinh)\b"
                              r"|\bkem theo quyet dinh\b")
# "chấm theo quyết định số mấy của tỉnh": a document an authority above the commune issued is
# one the plan implements; the plan's own number is the commune's.
_HIGHER_ISSUER = re.compile(r"\bso may (?:cua |do )(?:ubnd |uy ban nhan dan )?(?:tinh|huyen|chinh phu|thu tuong|bo|trung uong|cap tren)\b")
# The plan's legal bases, and the details a question may ask of them rather than of the plan.
BASIS_KINDS = ("implements", "basis")
_BASIS_DETAILS = ("number", "district", "province", "issue_date")
# Fact sub-kinds (what metadata field answers it).
_FACT_KINDS: list[tuple[str, tuple[str, ...]]] = [
    ("signer", ("ai ky", "nguoi ky", "dat but ky", "ky ban hanh", "ky ke hoach", "ky quyet dinh", "ky ten", "do ai ky",
                "ong nao ky", "ba nao ky", "nguoi nao ky", "chuc vu nguoi ky", "ai ban hanh")),
    ("province", ("thuoc tinh nao", "tinh nao")),
    ("district", ("thuoc huyen nao", "huyen nao")),
    ("number", ("so hieu", "so ky hieu", "so van ban", "so ke hoach", "so quyet dinh", "so may",
                "kem theo quyet dinh")),
    ("issue_date", ("ngay ban hanh", "ban hanh ngay", "ky hom nao", "ky luc nao", "ban hanh vao ngay", "ngay ky", "ky ngay",
                    "duoc ban hanh vao", "duoc ban hanh khi nao", "ban hanh vao thang nao", "ban hanh thang nao")),
    ("implements", ("thuc hien ke hoach nao", "trien khai ke hoach nao", "theo ke hoach nao",
                    "thuc hien quyet dinh nao", "theo quyet dinh nao", "cap tren nao", "can cu nao",
                    "thuc hien van ban nao", "can cu van ban nao", "theo van ban nao", "trien khai van ban nao")),
    ("basis", ("can cu",)),
    ("title", ("ten ke hoach", "tieu de")),
    ("period", ("giai doan nao", "ap dung cho nam")),
]

# Words that carry no topic: question words, copulas, generic plan vocabulary.
STOPWORDS = frozenset(
    """
    ai gi nao la cua o tai co khong nhung cac cai ve va voi thi ma nhu the nay do day kia
    duoc bi se da dang phai can nen hay hoac hoi cho tu den trong ngoai tren duoi sau truoc
    mot moi nhieu it bao nhieu khi luc vay sao xa phuong huyen tinh theo thuoc viec
    lam biet xin oi a nhe giup toi minh nam thang quy ngay hien nay lay dau bang gom
    lau lan vao xong chiu neu ra con nua nhi muon rieng em lai len bat khoang roi ghi de may deu het
    """.split()
)

# Content compounds whose syllables, folded, are also function words of the lists around.
CONTENT_COMPOUNDS = frozenset(tuple(p.split()) for p in (
    "bao cao", "can bo", "cai cach", "the che", "xin loi", "dang ky", "ra soat",
    "co che", "co so", "co cau", "tu phap", "tu chu", "hoi nghi", "hoi dong", "xa hoi", "lay y",
    # how often, as the plans write it ("báo cáo định kỳ hàng quý"): "quy" alone is a stopword
    "hang quy", "hang nam", "hang thang", "hang tuan", "hang ngay",
    # words of the plans a question typed without diacritics would otherwise lose a syllable of
    # ("tai san cong" is "tài sản công", not "tại … công")
    "tai san", "tai chinh", "tai lieu", "quy dinh", "quy trinh", "quy che", "dien tu",
    "bao dam", "dam bao", "dia phuong", "day du", "doi moi", "moi truong", "che do",
    "tien do", "muc do", "minh bach", "trong tam", "nen tang", "phuong an", "hieu luc",
    # "bắt" frames a demand ("xã bắt các phòng nộp …"); in these it is the word itself
    "bat dau", "bat buoc", "nam bat",
    # "để" typed "de" is a function word; "đề" of these is not
    "de xuat", "de an", "de nghi", "de ra", "de cao", "van de", "chu de", "de tai",
    # "mấy" typed "may" asks a number; "máy" of these is the word ("bộ máy hành chính")
    "bo may", "may tinh", "may moc", "may chu", "xe may", "nha may", "may bay",
))

# Function words as written WITH diacritics. Folding merges words a stop list must keep apart
# ("bị"/"bí", "đang"/"đảng", "mức"/"mực"), so a question typed with diacritics is filtered on
# its written words; only a question typed without them falls back to the folded list above.
ACCENTED_STOPWORDS = frozenset(
    """
    gì nào là của ở tại có không những các cái về và với thì mà như thế này đó đây kia được bị sẽ
    đã đang phải cần nên hoặc hỏi từ đến ngoài trên dưới trước một mọi nhiều ít nhiêu mấy mỗi
    lúc vậy đâu bằng gồm lấy lần lâu vào chậm nhất đạt tối thiểu phấn đấu giúp tôi mình nhé ạ ơi
    biết hiện hãy thuộc xã phường huyện tỉnh năm tháng quý ngày việc gồm những
    bao_nhiêu hằng hàng đối_với còn thế nữa nhỉ sao làm xong đặt muốn chuyện để riêng
    em ông ra lại lên tới bắt đi khoảng rồi ghi nói viết nếu đều hết
    """.split()
)
# Vietnamese function words that carry no diacritics at all ("ai", "cho", "khi").
# (With the ones of the list above that have none: "xong", "kia"; an accented question types
# them as they are, so the written-word check must find them too.)
PLAIN_STOPWORDS = frozenset("ai cho khi theo trong sau hay bao sao xin giup nay nao".split()) \
    | {w for w in ACCENTED_STOPWORDS if fold(w) == w}
# Multi-syllable generic phrases of the genre (folded), removed whatever the spelling.
GENERIC_PHRASES = (
    "ke hoach", "nhiem vu", "chu tri", "phoi hop", "don vi", "co quan", "thoi gian", "hoan thanh",
    "san pham", "ket qua", "chi tieu", "ty le", "ti le", "muc tieu", "thuc hien", "trach nhiem",
    "phan tram", "bao nhieu", "nhu the nao", "the nao", "la gi", "cho biet", "hien nay", "cu the", "tat ca",
    "bo phan", "vui long", "xin hoi", "giai doan", "dau moi", "toi thieu", "phan dau", "cham nhat",
    "duoc giao", "co the", "hay khong", "co khong", "thi sao", "the con", "the thi", "dat ra",
    "bay gio", "day manh", "tang cuong", "thuc day", "ra sao", "it nhat", "cuoi cung", "tinh den",
    "tinh toi",
    # the question's frame "có bắt buộc (phải) … không": whether it must, not what
    "co bat buoc", "bat buoc phai",
    # "thôi, hỏi chuyện khác: …": the turn changes the subject, it names none
    "chuyen khac", "cau khac", "viec khac",
    # "gọi tổng đài số mấy": which number, not a subject word
    "so may",
    # who the speaker means by "they" ("người ta muốn bao nhiêu phần trăm …")
    "nguoi ta",
    # how many communes a comparison spans ("trong bốn xã, xã nào …")
    "hai xa", "ba xa", "bon xa", "cac xa", "nhung xa", "cho nao", "ben nao",
    # "yêu cầu" followed by whom it asks frames the question ("kế hoạch yêu cầu các cơ quan …");
    # alone it may be the subject ("mục đích, yêu cầu").
    "yeu cau cac", "yeu cau moi", "yeu cau co quan", "yeu cau don vi", "yeu cau ubnd",
)
# Words pointing back at the previous turn's task ("ai theo dõi việc này?"): a follow-up.
ANAPHORA = ("viec nay", "viec do", "nhiem vu nay", "nhiem vu do", "cai nay", "cai do", "viec ay",
            "nhiem vu ay", "noi dung nay", "noi dung do", "viec tren", "nhiem vu tren")
PLAN_PHRASES = ("ke hoach cai cach hanh chinh nha nuoc", "ke hoach cai cach hanh chinh")
BARRIER = "\x00"


# A citizen asking which papers to bring (folded).
_PAPERS_ASKED = ("giay gi", "giay to gi", "giay to nao", "giay nao", "can giay", "mang theo", "mang gi",
                 "nop giay", "ho so gom", "ho so gi")
_COMMUNE_MARKERS = ("xa", "phuong", "thi tran")
_PLACE_PREPS = ("o", "tai", "cua", "thuoc", "ve")
# Tokens that can follow "xã" without naming a commune ("xã hội", "cấp xã có", "UBND xã ban hành").
_NOT_A_NAME = frozenset(
    """
    hoi ban co la da se dang nay do thi ma va voi cho tu den trong tren theo thuoc ve phai can duoc
    nam thang quy ngay can_cu thuc hien chu tri phoi hop nhung cac mot hai ba tat ca ky giao
    gom de trien tham tiep ap thon khu xom lanh dao chu tich pho uy nhan dan hdnd ubnd
    dat dang cap so huyen tinh chi tieu nhiem vu ke hoach ai gi nao khi phong van kinh te
    duoc khong sap minh toi moi nha em
    """.split()
)
# Capitalised words after "ở/tại" that are no commune: a country ("sinh ở Việt Nam", "ở Hàn
# Quốc") or an institution whose name starts with these words ("nộp tại Cổng Dịch vụ công",
# "tại Bộ phận Một cửa", "ở Trung tâm Phục vụ hành chính công").
_NOT_A_PLACE = frozenset({"viet nam", "han quoc", "trung quoc", "nhat ban", "hoa ky", "campuchia", "lao",
                          "thai lan", "dai loan", "my", "duc", "phap", "anh", "nga", "uc"})
_INSTITUTION_HEADS = frozenset({"cong", "bo", "trung", "uy", "phong", "so", "ban", "van", "he", "trang",
                                "cuc", "tong", "benh", "toa", "vien", "buu", "kho", "quay"})

# Even capitalised, these words after "xã" are not a commune ("Xã Hội", "Xã UBND").
_NEVER_A_NAME = frozenset({"hoi", "uy", "ubnd", "hdnd", "nhan", "ban", "cap", "doi"})
# "xã bao gồm", "xã báo cáo", "xã bao nhiêu": not a name, while "xã Bảo Thuận" is one (a
# stopword folded, "bao" starts many place names)
_NOT_A_NAME_PAIRS = frozenset({("bao", "gom"), ("bao", "cao"), ("bao", "nhieu"), ("bao", "lau"), ("bao", "gio")})
_NAME_STARTS = frozenset({"bao"})


# -- helpers ----------------------------------------------------------------------------------

def fold_question(text: str) -> str:
    """Folded tokens of `text`, abbreviations expanded, joined by single spaces."""
    return " ".join(tokens(text))


def _contains(haystack: str, phrase: str) -> bool:
    return f" {phrase} " in f" {haystack} "


def _find_all(haystack_tokens: list[str], needle) -> list[int]:
    needle = list(needle)
    n = len(needle)
    if not n:
        return []
    return [i for i in range(len(haystack_tokens) - n + 1) if haystack_tokens[i:i + n] == needle]


_SEGMENT_RE = re.compile(r"[,;:.!?()\[\]\"“”'/]+")
_MARKER_WORDS = frozenset({"xa", "phuong", "tran", "o", "tai", "cua", "thuoc"})


def _segments(question: str) -> list[list[str]]:
    """Folded tokens per punctuation-free segment: a name never spans a comma."""
    return [fold_question(seg).split() for seg in _SEGMENT_RE.split(nfc(question))]


def _accent_conflict(question: str, name: str) -> bool:
    """True when every place the question names `name` spells it with contradicting diacritics.

    "năm dân" is not the commune "Năm Dẫn"; "nam dan" (typed without diacritics) may be, and so
    are "xã Năm Dăn" (after a commune marker a diacritic slip is forgiven) and "Đại Phươc" (a
    name of several words, each capitalised, with a slip in one word).
    """
    n_words = [w.lower() for w in re.findall(r"\w+", nfc(name))]
    folded_n = [fold(w) for w in n_words]
    typed = re.findall(r"\w+", nfc(question))
    q_words = [w.lower() for w in typed]
    for i in range(len(q_words) - len(n_words) + 1):
        window = q_words[i:i + len(n_words)]
        if [fold(w) for w in window] != folded_n:
            continue
        if window == n_words or all(fold(w) == w for w in window):
            return False
        if i and fold(q_words[i - 1]) in _MARKER_WORDS:
            return False
        if len(n_words) >= 2 and all(w[:1].isupper() for w in typed[i:i + len(n_words)]) and \
                sum(a != b for a, b in zip(window, n_words)) == 1:
            return False
    return True


@lru_cache(maxsize=4096)
def _name_key(name: str) -> str:
    return normalise_name(name)


FUZZY_MIN_RATIO = 0.86     # a window after a commune marker this close to a name is that name


def match_commune(question: str, known_communes: Sequence[str]) -> list[str]:
    """Communes from `known_communes` named in `question`, in order of mention (exact folded
    match first; failing that, one small typo right after a commune marker). The lookup
    structure over the names is built once per list of names (`commune_matcher`)."""
    return commune_matcher(tuple(known_communes)).match(question)


@lru_cache(maxsize=8)
def commune_matcher(known_communes: tuple[str, ...]) -> "CommuneMatcher":
    """The matcher over one list of names (a store revision's); a few lists are kept."""
    return CommuneMatcher(known_communes)


class CommuneMatcher:
    """`match_commune` over a fixed list of names without scanning every name per question.

    Exact matches: an inverted index from a name key's first folded token to the names starting
    with it, so only names whose first token occurs in the question are compared. Typos after a
    marker: `SequenceMatcher.ratio` is bounded above by its character-multiset overlap
    (`quick_ratio`), computed for every name at once from a count matrix; only names whose bound
    reaches `FUZZY_MIN_RATIO` get the real ratio. Same answers as comparing every name."""

    def __init__(self, names: Sequence[str]) -> None:
        import numpy as np

        self.names = list(names)
        self.keys = [tuple(_name_key(name).split()) for name in self.names]
        self.by_first: dict[str, list[int]] = {}
        for i, key in enumerate(self.keys):
            if key:
                self.by_first.setdefault(key[0], []).append(i)
        self.strings = [_name_key(name) for name in self.names]
        alphabet = sorted({ch for text in self.strings for ch in text})
        self.column = {ch: j for j, ch in enumerate(alphabet)}
        counts = np.zeros((len(self.names), len(alphabet) + 1), dtype=np.int16)  # + 1: any other character
        for i, text in enumerate(self.strings):
            for ch in text:
                counts[i, self.column[ch]] += 1
        self.counts = counts
        self.lengths = np.array([len(t) for t in self.strings], dtype=np.int32)
        self.sizes = np.array([len(k) for k in self.keys], dtype=np.int32)

    def match(self, question: str) -> list[str]:
        return self.read(question)[0]

    def read(self, question: str) -> tuple[list[str], str | None]:
        """The names `question` holds, in order of mention, and, when the one found is misspelt
        ("O Nam Daxn" for Năm Dẫn), the folded words it was read from (else None)."""
        segments = _segments(question)
        first: dict[int, int] = {}
        for si, seg in enumerate(segments):
            for pos, i in self._occurrences(seg):
                first.setdefault(i, si * 1000 + pos)
        found = [(position, self.names[i]) for i, position in first.items()
                 if not _accent_conflict(question, self.names[i])]
        if found:
            return [name for _, name in sorted(found)], None
        best = self._closest_after_marker(segments)
        if best is None:
            return [], None
        # (a name written out with other accents is no typo: its words are not the misspelling)
        return [best[0]], (None if first else best[1])

    def covered(self, seq: Sequence[str]) -> set[int]:
        """Positions of `seq` (folded tokens) inside an occurrence of one of the names."""
        out: set[int] = set()
        for pos, i in self._occurrences(seq):
            out.update(range(pos, pos + len(self.keys[i])))
        return out

    def _occurrences(self, seq: Sequence[str]) -> Iterator[tuple[int, int]]:
        """(position, name index) of every name occurring in `seq` (folded tokens), in order."""
        for pos, token in enumerate(seq):
            for i in self.by_first.get(token, ()):
                key = self.keys[i]
                if tuple(seq[pos:pos + len(key)]) == key:
                    yield pos, i

    def _closest_after_marker(self, segments: list[list[str]]) -> tuple[str, str] | None:
        """The name closest (ratio >= FUZZY_MIN_RATIO) to a window right after a commune marker
        or a place preposition; ties go to the earlier name, then the earlier window."""
        import numpy as np

        windows: list[tuple[int, str]] = []   # (tokens in the window, text) in question order
        for q_tokens in segments:
            for n in sorted(set(self.sizes.tolist()) - {0}):
                for i in range(1, len(q_tokens) - n + 1):
                    prev = q_tokens[i - 1]
                    if prev in _COMMUNE_MARKERS + _PLACE_PREPS or prev == "tran":
                        windows.append((n, " ".join(q_tokens[i:i + n])))
        if not windows or not self.names:
            return None
        hits: list[tuple[float, int, int]] = []
        for w, (n, window) in enumerate(windows):
            vector = np.zeros(self.counts.shape[1], dtype=np.int16)
            for ch in window:
                vector[self.column.get(ch, -1)] += 1
            overlap = np.minimum(self.counts, vector).sum(axis=1)
            bound = 2.0 * overlap / (self.lengths + len(window))
            for i in np.nonzero((bound >= FUZZY_MIN_RATIO) & (self.sizes == n))[0].tolist():
                ratio = SequenceMatcher(None, window, self.strings[i]).ratio()
                if ratio >= FUZZY_MIN_RATIO:
                    hits.append((ratio, i, w))
        if not hits:
            return None
        ratio, i, w = min(hits, key=lambda h: (-h[0], h[1], h[2]))
        return self.names[i], windows[w][1]


def _name_after_marker(question: str) -> str | None:
    """A place name written after "xã/phường/thị trấn" (or "ở/tại" + Capitalised words)."""
    text = nfc(question)
    has_capitals = any(c.isupper() for c in text[1:])
    word = r"[^\W\d_]+"
    pattern = re.compile(
        rf"(?i:\b(xã|xa|phường|phuong|thị trấn|thi tran)\s+)((?:{word})(?:\s+{word}){{0,3}})"
    )
    for m in pattern.finditer(text):
        if fold(text[:m.start()]).rstrip().endswith("hop tac"):
            continue      # "hợp tác xã đổi tên": a cooperative, not a commune
        words = m.group(2).split()
        name: list[str] = []
        for j, w in enumerate(words):
            if has_capitals:
                if not w[0].isupper():
                    break
            elif (fold(w) in _NOT_A_NAME or fold(w) in STOPWORDS) and not (j == 0 and fold(w) in _NAME_STARTS) \
                    or tuple(fold(x) for x in words[j:j + 2]) in _NOT_A_NAME_PAIRS:
                break
            name.append(w)
            if len(name) == 3:
                break
        if not name:
            continue
        if fold(name[0]) in (_NEVER_A_NAME if has_capitals else _NOT_A_NAME):
            continue
        if not has_capitals and len(name) < 2:
            continue      # "xa tan" alone is too weak without capitals
        return " ".join(name)
    if has_capitals:
        prep = re.compile(rf"(?i:\b(ở|tại|o|tai)\s+)((?:{word})(?:\s+{word}){{0,2}})")
        for m in prep.finditer(text):
            words: list[str] = []
            for w in m.group(2).split():
                if not w[0].isupper():
                    break
                words.append(w)
            if len(words) >= 2 and fold(" ".join(words)) not in _NOT_A_PLACE \
                    and fold(words[0]) not in _INSTITUTION_HEADS:
                return " ".join(words)
    return None


def match_agency(question_folded: str, known_agencies: list[str]) -> str | None:
    """The most specific registry agency named in the question (folded token match)."""
    q_tokens = expand_agency_words(question_folded).split()
    best: tuple[int, str] | None = None
    for agency in known_agencies:
        key = _agency_tokens(agency)
        if len(key) < 2:
            continue
        if _find_all(q_tokens, key):
            score = len(key)
            if best is None or score > best[0]:
                best = (score, agency)
    if best:
        return best[1]
    # Partial: the question names the distinctive head of an agency ("phòng văn hóa" for
    # "Phòng Văn hóa - Xã hội", "văn phòng ubnd" for "Văn phòng HĐND và UBND"); not after
    # "cải cách", where it names a reform area ("cải cách tài chính công", not "Tài chính - Kế toán").
    for agency in sorted(known_agencies, key=len):
        key = _agency_tokens(agency)
        if len(key) < 3 or key[0] not in _AGENCY_HEADS:
            continue
        for size in range(len(key) - 1, 1, -1):
            if key[:size] in _GENERIC_HEADS:
                break
            if any(q_tokens[max(i - 2, 0):i] != ["cai", "cach"] for i in _find_all(q_tokens, key[:size])) \
                    and key[1] not in ("cac",):
                return agency
    return None


_AGENCY_HEADS = frozenset({"phong", "van", "trung", "ban", "to", "cong", "uy", "hoi", "doan", "tu", "tai"})
# A head a commune's several agencies share: "trung tâm" alone does not tell the Trung tâm Phục vụ
# hành chính công from the Trung tâm Dịch vụ công or the Trung tâm IOC.
_GENERIC_HEADS = frozenset({("trung", "tam")})
_GENERIC_AGENCY = re.compile(r"^(cac|nhung)\s")


@lru_cache(maxsize=4096)
@lru_cache(maxsize=4096)
def _agency_tokens(agency: str) -> tuple[str, ...]:
    key = agency_key(agency)
    if _GENERIC_AGENCY.match(key):
        return ()
    return tuple(key.split())


# Compounds whose words would otherwise read as cues: "ký số văn bản" (signing documents
# digitally) is not "số văn bản" (a document's number).
# "chữ ký số", "tổng đài số", "điện thoại số" hold "số" too; "lấy từ đâu ra", "lấy ở đâu ra"
# hold the "đầu ra" of a product
_CUE_COMPOUNDS = ("ky so", "dai so", "thoai so", "tu dau", "o dau")


def cue_text(folded: str) -> str:
    """`folded` as the intent cues are matched against (compounds joined: "ky_so")."""
    text = f" {folded} "
    for compound in _CUE_COMPOUNDS:
        text = text.replace(f" {compound} ", f" {compound.replace(' ', '_')} ")
    return text.strip()


def _cue_scores(folded: str) -> dict[str, int]:
    folded = cue_text(folded)
    scores: dict[str, int] = {"deadline": 2} if folded.startswith("han ") else {}
    for intent, cues in _CUES.items():
        best = 0
        for phrase, weight in cues:
            if _contains(folded, phrase):
                best = max(best, weight)
        if best:
            scores[intent] = max(best, scores.get(intent, 0))
    return scores


_JOINING_DASH = re.compile(r"(?<=[^\W\d_])\s+[-–—]\s+(?=[^\W\d_])")


def _aligned_tokens(text: str) -> list[tuple[str, str | None]]:
    """(folded token, written word) pairs; the written word is None when one word expanded into
    several tokens (an abbreviation). Punctuation becomes a barrier token."""
    out: list[tuple[str, str | None]] = []
    # A dash between two words joins a name ("Phòng Văn hóa – Xã hội"), it ends no clause.
    text = _JOINING_DASH.sub(" ", nfc(text))
    for piece in re.findall(r"[^\W_]+(?:[./][^\W_]+)*|[^\w\s]", text):
        if not piece[0].isalnum():
            out.append((BARRIER, None))
            continue
        folded = tokens(piece)
        if len(folded) == 1:
            out.append((folded[0], piece))
        else:
            out.extend((t, None) for t in folded)
    return out


_COMPOUND_PAIRS = frozenset(tuple(c.split()) for c in _CUE_COMPOUNDS)


def _splits_compound(seq: list[str], start: int, end: int) -> bool:
    """Would removing seq[start:end] cut a compound in two ("ký | số văn bản")?"""
    return (start > 0 and (seq[start - 1], seq[start]) in _COMPOUND_PAIRS) or \
        (end < len(seq) and (seq[end - 1], seq[end]) in _COMPOUND_PAIRS)


def _mask_phrases(toks: list[tuple[str, str | None]], phrases) -> None:
    """Replace every occurrence of each folded phrase by barriers, longest phrases first."""
    seq = [t for t, _ in toks]
    present = set(seq)                    # masking only removes words: a phrase with one absent never matches
    for phrase in sorted({p for p in phrases if p}, key=lambda p: (-len(p.split()), p)):   # ties: a fixed order, not the set's
        words = phrase.split()
        if not present.issuperset(words):
            continue
        n = len(words)
        for i in range(len(seq) - n + 1):
            if seq[i:i + n] == words and not _splits_compound(seq, i, i + n):
                for k in range(i, i + n):
                    seq[k] = BARRIER
                    toks[k] = (BARRIER, None)


def _is_stopword(folded: str, written: str | None, accented: bool) -> bool:
    if folded == BARRIER:
        return True
    if re.fullmatch(r"\d{1,2}", folded):
        return True                       # day/month numbers belong to the period
    if written is None:
        return False                      # an expanded abbreviation is content
    if accented:
        low = written.lower()
        if low != fold(low):              # written with diacritics: judge the written word
            return low in ACCENTED_STOPWORDS
        if written.isupper() and len(written) > 1:
            return False                  # an acronym ("AI", "IOC")
        return low in PLAIN_STOPWORDS
    return folded in STOPWORDS


def topic_tokens(text: str, remove: Sequence[str] = ()) -> list[str]:
    """Folded topic tokens of `text` with barriers where words were removed: question words,
    generic phrases and the extra folded phrases in `remove` (cue words, entity names)."""
    toks = _aligned_tokens(text)
    _mask_phrases(toks, list(remove) + list(GENERIC_PHRASES))
    accented = has_diacritics(text)
    kept = _compound_syllables(toks)
    out = [BARRIER if i not in kept and _is_stopword(f, w, accented) else f for i, (f, w) in enumerate(toks)]
    return _drop_framing_requirement(out)


def _drop_framing_requirement(topic: list[str]) -> list[str]:
    """"(kế hoạch, xã X) yêu cầu kiểm tra …": "yêu cầu" between removed words and what is
    required frames the question; alone or before a question word ("mục đích, yêu cầu",
    "yêu cầu gì") it is the subject."""
    out = list(topic)
    for i in range(1, len(out) - 2):
        if out[i:i + 2] == ["yeu", "cau"] and out[i - 1] == BARRIER and out[i + 2] != BARRIER:
            out[i] = out[i + 1] = BARRIER
    return out


def _compound_syllables(toks: Sequence[tuple[str, str | None]]) -> set[int]:
    """Positions of syllables that a content compound holds though, alone, they are function
    words ("báo cáo", "cán bộ", "xin lỗi" typed "bao cao", "can bo", "xin loi")."""
    folded = [f for f, _ in toks]
    kept: set[int] = set()
    for i in range(len(folded) - 1):
        if (folded[i], folded[i + 1]) in CONTENT_COMPOUNDS:
            kept.update((i, i + 1))
    return kept


def terms_of(topic: list[str]) -> list[str]:
    """Unigrams plus bigrams of adjacent kept tokens (never across a removed word)."""
    unigrams = [t for t in topic if t != BARRIER]
    bigrams = [f"{a}_{b}" for a, b in zip(topic, topic[1:]) if a != BARRIER and b != BARRIER]
    return unigrams + bigrams


def content_terms(text: str) -> list[str]:
    """Topic-bearing search terms of `text`: unigrams and bigrams without question words."""
    return terms_of(topic_tokens(text, _REMOVABLE_CUES))


# Cue phrases that are removed from the topic: strong ones of two syllables or more ("hạn" or
# "định kỳ" alone may be the subject: "giải quyết đúng hạn", "báo cáo định kỳ").
_DEADLINE_ASKED = ("han khi nao", "han bao gio", "han luc nao", "han ngay nao", "han den khi nao")
_REMOVABLE_CUES = sorted({p for cues in _CUES.values() for p, w in cues
                          if w >= 2 and " " in p and p not in _WHO_DOES_TASK}, key=len, reverse=True)
def question_topic(question: str, communes: Sequence[str] = ()) -> str:
    """Folded question text without its question words, cue phrases and the names of `communes`
    (already applied as a filter): the text for the lexical channel."""
    names = [normalise_name(c) for c in communes]
    return " ".join(t for t in topic_tokens(question, list(_REMOVABLE_CUES) + names) if t != BARRIER)


# Comparisons and superlatives across communes (folded). A superlative asks which commune stands
# out ("xã nào … cao nhất"); a comparative or "so sánh" with two communes asks them side by side.
_WHICH_COMMUNE = ("xa nao", "noi nao", "dia phuong nao", "phuong nao", "ke hoach nao", "xa co")
# Every commune at once ("so sánh … giữa các xã", "mỗi xã đặt bao nhiêu"), when none is named.
_EVERY_COMMUNE = ("cac xa", "moi xa", "tung xa", "tat ca cac xa", "cac dia phuong", "ca bon xa", "ca 4 xa")
_HIGHEST = ("cao nhat", "nhieu nhat", "lon nhat", "rong nhat", "cao hon", "nhieu hon", "lon hon", "rong hon")
_LOWEST = ("thap nhat", "thap hon", "it hon", "nho nhat", "nho hon", "it nhiem vu nhat")
_EARLIEST = ("som nhat", "som hon")
_LATEST = ("muon nhat", "muon hon", "tre nhat", "tre hon")     # (not "chậm nhất": a deadline's "at the latest")
_COMPARE = ("so sanh", "chenh", "khac nhau", "khac gi", "giong nhau", "giong", "doi chieu")
COMPARE_PHRASES = _WHICH_COMMUNE + _HIGHEST + _LOWEST + _EARLIEST + _LATEST + _COMPARE + (
    "nhau the nao", "nhau ra sao", "nhu the nao", "ra sao", "giua", "hay", "ca hai", "moi xa", "tung xa",
    "cac xa", "nhat", "hon", "so voi", "khac", "khac nhau the nao", "chenh nhau")
# How many tasks or targets ("có bao nhiêu nhiệm vụ", "mấy việc", "nhiều nhiệm vụ … nhất").
_COUNT_TASKS = ("bao nhieu nhiem vu", "may nhiem vu", "bao nhieu viec", "may viec", "nhieu nhiem vu",
                "it nhiem vu", "so nhiem vu", "so luong nhiem vu", "tong so nhiem vu", "bao nhieu dau viec",
                "bao nhieu hoat dong", "may hoat dong")
_COUNT_TARGETS = ("bao nhieu chi tieu", "may chi tieu", "so chi tieu", "nhieu chi tieu")
_RATE = ("ty le", "ti le")            # the figure asked is a rate: "tỷ lệ thanh toán trực tuyến"
# The plan itself, as a question names it ("việc thực hiện kế hoạch CCHC"), and the verbs of
# monitoring: asked of the plan itself, they are the topic.
_THE_PLAN_ITSELF = frozenset("viec thuc hien trien khai ke hoach cai cach hanh chinh cchc nha nuoc nay cua".split())
_MONITOR_VERBS = ("theo doi", "don doc", "giam sat", "kiem tra")
# Who monitors a task (the task table's "Theo dõi, kiểm tra, đôn đốc" column), asked of a record.
_MONITOR = ("ai theo doi", "ai don doc", "ai giam sat", "theo doi don doc", "theo doi kiem tra",
            "kiem tra don doc", "don vi nao theo doi", "don vi nao don doc", "co quan nao theo doi")


def names_every_commune(folded: str, communes: Sequence[str] = ()) -> bool:
    """Does the question ask of every commune at once (and name none)?"""
    return not communes and any(_contains(folded, p) for p in _EVERY_COMMUNE)


# Comparisons of when something is due (or a plan was issued): read as dates, not figures.
DUE_COMPARISONS = ("earliest", "latest")


def comparison_kind(folded: str, communes: Sequence[str]) -> str:
    """"max" / "min" / "earliest" / "latest" (which commune stands out), "compare" (side by side), or ""."""
    direction = ""
    if any(_contains(folded, p) for p in _HIGHEST):
        direction = "max"
    elif any(_contains(folded, p) for p in _LOWEST) or (_contains(folded, "it nhat") and
                                                           not _contains(folded, "it nhat bao nhieu")):
        direction = "min"
    elif any(_contains(folded, p) for p in _EARLIEST):
        direction = "earliest"
    elif any(_contains(folded, p) for p in _LATEST):
        direction = "latest"
    which = any(_contains(folded, p) for p in _WHICH_COMMUNE)
    every = names_every_commune(folded, communes)
    if not direction and which and _contains(folded, "nhat"):    # "xã nào có nhiều nhiệm vụ … nhất"
        words = set(folded.split())
        direction = "min" if words & {"it", "thap", "nho"} else "max" if words & {"nhieu", "cao", "lon"} else ""
    if direction and (which or every or len(communes) >= 2):
        return direction
    if len(communes) >= 2 or every or (which and any(_contains(folded, p) for p in _COMPARE)):
        return "compare"
    return ""


def count_kind(folded: str, question: str = "") -> str:
    """"tasks" / "targets" when the question asks how many there are, else "" (`question`: the
    text as typed, for the "%" that folding drops)."""
    if _contains(folded, "phan tram") or "%" in question:
        return ""                 # "bao nhiêu % chỉ tiêu …" asks a target's figure
    if any(_contains(folded, p) for p in _COUNT_TASKS):
        return "tasks"
    if any(_contains(folded, p) for p in _COUNT_TARGETS):
        return "targets"
    return ""


# Questions about a person holding an office ("Chủ tịch xã Năm Dẫn là ai?", "Trưởng phòng Kinh tế tên
# gì?"): the plans name one person only, their signer, with the office above the signature.
PERSON_ROLES = ("pho chu tich", "chu tich", "pho truong phong", "truong phong", "pho giam doc", "giam doc",
                "pho truong ban", "truong ban", "pho bi thu", "bi thu", "truong cong an", "truong thon",
                "can bo phu trach")
_PERSON_NAME_ASKED = ("la ai", "ten la gi", "ten gi", "ten la", "ho ten", "ho va ten", "ten day du")
_PERSON_DETAIL_ASKED = ("sinh nam", "nam sinh", "bao nhieu tuoi", "may tuoi", "que o dau", "que quan",
                        "so dien thoai", "dia chi nha")
_PERSON_WHICH = tuple(f"{role} nao" for role in PERSON_ROLES)


def person_question(folded: str) -> tuple[str, str]:
    """(office, "name" | "detail") when the question asks who holds an office or a personal detail
    of its holder; ("", "") otherwise. "Thủ trưởng … chịu trách nhiệm trước ai" names no office
    holder's identity, and "Chủ tịch UBND xã có trách nhiệm gì" asks a duty, not a person."""
    role = next((r for r in PERSON_ROLES if _contains(folded, r)), "")
    if not role:
        return "", ""
    after = folded[folded.find(role) + len(role):]
    if any(_contains(after, p) for p in _PERSON_DETAIL_ASKED):
        return role, "detail"
    if any(_contains(after, p) for p in _PERSON_NAME_ASKED) or any(_contains(folded, p) for p in _PERSON_WHICH):
        return role, "name"
    return "", ""


# Actual figures, not targets: what exists now or was achieved ("hiện có bao nhiêu công chức",
# "thực tế đạt bao nhiêu", "Lộc Hòa có bao nhiêu ấp"). A plan sets targets; it rarely reports these.
_ACTUAL_CUES = ("hien co", "hien nay co", "thuc te", "da dat", "da dat duoc", "dat duoc bao nhieu thuc",
                "so lieu thuc", "da giai quyet duoc", "da tuyen", "tong so hien",
                "hien gio", "tinh den nay", "cho den nay")
# "có bao nhiêu …" asks what exists, unless target wording is near ("có bao nhiêu % phải đạt")
_COUNT_CUES = ("co bao nhieu", "co may", "co tat ca bao nhieu", "co tat ca may", "tong cong co bao nhieu",
               "co tong cong bao nhieu",
               # a score or a rank obtained ("chấm điểm được bao nhiêu điểm", "xếp thứ mấy")
               "duoc bao nhieu diem", "duoc may diem", "xep thu may", "xep hang thu may", "dung thu may")
_TARGET_WORDING = ("chi tieu", "muc tieu", "phan dau", "phai", "can dat", "toi thieu", "it nhat", "yeu cau",
                   "ke hoach", "dat ra", "muon", "de ra", "nhiem vu")


def asks_actual(folded: str) -> bool:
    """Does the question ask an actual figure rather than what the plan sets? An explicit cue
    ("hiện có", "thực tế", "đã đạt") decides; "có bao nhiêu" does when no target wording is near."""
    if any(_contains(folded, c) for c in _ACTUAL_CUES):
        return True
    if any(_contains(folded, c) for c in _COUNT_CUES):
        return not any(_contains(folded, w) for w in _TARGET_WORDING)
    return False


def cue_words() -> frozenset[str]:
    """Every folded word of the cue phrases: question wording the typo corrector must not touch
    even when the plans never use it ("so sánh", "sớm hơn")."""
    phrases = [p for cues in _CUES.values() for p, _ in cues] + list(COMPARE_PHRASES) + \
        list(_COUNT_TASKS + _COUNT_TARGETS) + list(ANAPHORA) + list(GENERIC_PHRASES) + \
        list(PERSON_ROLES + _PERSON_NAME_ASKED + _PERSON_DETAIL_ASKED)
    return frozenset(w for p in phrases for w in p.split()) | STOPWORDS


def is_cross_commune(q: Query) -> bool:
    """Does the question compare communes or ask which one stands out (never inherits one)?"""
    return bool(q.compare)


# -- entry point ------------------------------------------------------------------------------

# A word typed with diacritics is repaired only from this many letters ("tuyếnn", "chánh"): shorter
# ones are everyday words the plans happen not to use ("muốn", "chạy").
ACCENTED_REPAIR_MIN = 5
# What a Vietnamese syllable can be, folded: "lòg", "tíh", "đăg" (an ending dropped) cannot, and
# are repaired however short.
_SYLLABLE = re.compile(r"^(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnpqrstvx])?[aeiouy]{1,3}(?:ch|nh|ng|[cmnpt])?$")
_WORD_PIECE = re.compile(r"[^\W_]+")


def _words(text: str) -> list[tuple[int, int, str]]:
    """(start, end, folded token) of every word of `text` that folds to exactly one token."""
    out = []
    for m in _WORD_PIECE.finditer(text):
        folded = tokens(m.group(0))
        out.append((m.start(), m.end(), folded[0] if len(folded) == 1 else ""))
    return out


def _token_words(text: str) -> list[tuple[int, int, str, bool, bool]]:
    """(start, end, folded token, opens its word, closes its word) of every folded token of
    `text`: an abbreviation ("CCHC") gives its written-out tokens, each spanning the word."""
    out = []
    for m in _WORD_PIECE.finditer(text):
        folded = tokens(m.group(0))
        out += [(m.start(), m.end(), t, i == 0, i == len(folded) - 1) for i, t in enumerate(folded)]
    return out


# Chat shorthand citizens type ("co phai nop lai ko?"), written out before anything else reads
# the question: left as typed, "ko" is a word the plans never use and weighs like a topic.
SHORTHAND = {"ko": "không", "hok": "không", "kg": "không", "dc": "được", "đc": "được", "j": "gì",
             "ntn": "như thế nào", "sdt": "số điện thoại", "sđt": "số điện thoại", "trc": "trước",
             "bh": "bao giờ", "gj": "gì", "vc": "việc", "vs": "với", "ng": "người", "ms": "mới", "lm": "làm",
             "cx": "cũng", "mk": "mình"}
_SHORTHAND_RE = re.compile(r"(?<![^\W_])(" + "|".join(map(re.escape, SHORTHAND)) + r")(?![^\W_])", re.IGNORECASE)


def expand_shorthand(question: str) -> str:
    """`question` with chat shorthand written out, without diacritics if it was typed without."""
    plain = not has_diacritics(question)

    def replace(m: re.Match) -> str:
        if m.group(0).isupper() and len(m.group(0)) > 1:
            return m.group(0)          # "KG", "DC": an acronym or a unit, not shorthand
        full = SHORTHAND[m.group(0).lower()]
        return fold(full) if plain else full

    return _SHORTHAND_RE.sub(replace, question)


def repair_spelling(question: str, speller) -> str:
    """`question` with its unknown syllables repaired by `speller` (assistant.spelling): only the
    typed words the corrector changed are rewritten: a word typed with diacritics in the spelling
    the texts give the repaired syllable with the marks typed ("vệc" → "việc", "lòg" → "lòng"),
    any other folded (the search keys are folded anyway)."""
    if speller is None:
        return question
    correction = speller.correct(question)
    fixes = dict(correction.changes)
    accented = has_diacritics(question)
    words = _words(question)
    pieces, last = [], 0
    for n, (start, end, folded) in enumerate(words):
        written = question[start:end]
        key = fold(written).lower()
        fixed = fixes.get(key)
        name_like = (n and written[:1].isupper()) or (len(written) > 1 and written.isupper())
        if name_like and not (fixed and key[-1:] in TELEX_TONES and not written.isupper()):
            continue              # a name ("xã Lạc Dương") or an acronym: not a typo of a plan word
                                  # (no name ends in a Telex tone key: "Locj Hoaf" is "Lộc Hòa")
        typed_accents = has_diacritics(written)
        replacement = None
        if fixed is None and accented:
            replacement = _accented_reading(written, key, words, n, fixes, speller)
        elif fixed and fixed == i_y_variant(key):
            replacement = swap_i_y(written)   # "kí" → "ký": its tone kept
        elif typed_accents and len(folded) < ACCENTED_REPAIR_MIN and folded[-1:] != folded[-2:-1] \
                and folded[-1:] not in TELEX_TONES and _SYLLABLE.match(folded) \
                and not _paired_both_sides(fixed, words, n, fixes, speller):
            continue              # "muốn", "chạy": short words typed with diacritics are meant ("hạnn",
                                  # "lựcj" — no syllable ends in a tone key — are not), unless the
                                  # repair is what the plans say between the same neighbours
                                  # ("đôn đốc vệc thực hiện" -> "việc")
        elif fixed and fixed != folded:
            # typed without marks: the fold is sure, and so are the marks its Telex keys type ("hoof
            # sow" → "hồ sơ") in a question written with diacritics; a bare word's marks are unknown
            marks = telex_marks(written) if accented and not typed_accents else None
            if typed_accents:
                replacement = speller.written_form(fixed, written) or fixed
            elif marks is not None:
                replacement = speller.written_with_marks(fixed, marks) or fixed
            else:
                replacement = fixed
        if replacement is not None and replacement != written:
            pieces += [question[last:start], replacement]
            last = end
    return "".join(pieces) + question[last:]


# A function word's folded syllable -> its one accented spelling ("gi" -> "gì")
_FOLDS_OF_STOPWORDS = Counter(fold(w) for w in ACCENTED_STOPWORDS if "_" not in w)
_STOPWORD_OF_FOLD = {fold(w): w for w in ACCENTED_STOPWORDS if "_" not in w and _FOLDS_OF_STOPWORDS[fold(w)] == 1}


def _accented_reading(written: str, key: str, words: list[tuple[int, int, str]], n: int, fixes: dict,
                      speller) -> str | None:
    """A word of an accented question the corrector left alone but the texts never write so:
    - a function word typed with another tone ("cái gỉ") is that function word ("gì");
    - a syllable the texts use, typed with accents they never give it: the neighbouring pair the
      texts do write ("tổng đìa" → "đài"), else, where that syllable stands by its neighbours, its
      folded syllable ("đôn đóc": "doc"), its accents saying nothing;
    - a function word typed without diacritics in a question typed with them ("một lần" typed
      "mot lần") is that word, when the texts never write it bare.
    None: leave it as typed."""
    lower = written.lower()
    if lower in ACCENTED_STOPWORDS or speller.writes(lower):
        return None
    if not has_diacritics(written):
        form = speller.written_form(key) if key in speller.counts else None
        return form if form in ACCENTED_STOPWORDS else None
    if key in _STOPWORD_OF_FOLD and key in speller.protected:
        return _STOPWORD_OF_FOLD[key]
    if key not in speller.counts:
        return None
    before, after = _neighbours(words, n, fixes)
    near = speller.respelt(key, written, before, after)
    if near:
        return speller.written_form(near, written) or near
    # the texts' syllable is meant only where it stands by its neighbours ("tổng hơp", "đôn đóc");
    # elsewhere the word is a spelling they lack or rarely use, meant as typed ("thứ bảy")
    return key if speller.pairs(before, key, after) else None


def _neighbours(words: list[tuple[int, int, str]], n: int, fixes: dict) -> tuple[str | None, str | None]:
    """The folded words before and after word `n`, as repaired (None at either end)."""
    return tuple(fixes.get(words[i][2], words[i][2]) if 0 <= i < len(words) else None  # type: ignore[return-value]
                 for i in (n - 1, n + 1))


def _paired_both_sides(fixed: str | None, words: list[tuple[int, int, str]], n: int, fixes: dict,
                       speller) -> bool:
    if not fixed or not 0 < n < len(words) - 1:
        return False
    before, after = _neighbours(words, n, fixes)
    return bool(speller.bigrams[(before, fixed)] and speller.bigrams[(fixed, after)])


_CUE_PHRASES = frozenset(p for cues in _CUES.values() for p, _ in cues)


def _drop_redundant_variants(question: str, lexicon, protected: Sequence[str]) -> str:
    """"… được scan số hóa": the plan's term is already there, the colloquial one only dilutes it."""
    words = _words(question)
    seq = [w[2] for w in words]
    blocked = commune_matcher(tuple(protected)).covered(seq)
    cuts: list[tuple[int, int]] = []
    present = set(seq)
    for entry in lexicon.entries:
        if not present.issuperset(entry.term_key) or not _find_all(seq, list(entry.term_key)):
            continue
        for key in entry.variant_keys:
            if " ".join(key) in _CUE_PHRASES or set(key) & set(entry.term_key):
                continue
            for i in _find_all(seq, list(key)):
                if not blocked & set(range(i, i + len(key))):
                    cuts.append((words[i][0], words[i + len(key) - 1][1]))
    out, last = [], 0
    for start, end in sorted(cuts):
        if start < last:
            continue
        out.append(question[last:start])
        last = end
    return " ".join("".join(out + [question[last:]]).split()) if cuts else question


# A variant typed without diacritics is left as typed when the plans use its syllables ("gom"
# may be "gồm"); `known` sees adjacent pairs only, so a longer run ("ho so nop truc tuyen") whose
# pairs each occur somewhere would pass for a phrase the plans never write: only this short.
_KNOWN_VARIANT_SYLLABLES = 2


def apply_lexicon(question: str, lexicon, protected: Sequence[str] = (), known=None, bound=None) -> str:
    """`question` with colloquial wording replaced by the plans' term (`data/lexicon/equivalents.tsv`):
    "chi phí thực hiện" → "kinh phí thực hiện", "ai lo" → "ai chủ trì". Left as typed: a variant
    standing for several plan terms ("giấy tờ": văn bản or hồ sơ), a variant that is itself an
    intent cue ("ai ký"), words inside the `protected` names (communes: "dân" is not "Năm Dẫn"),
    words typed with diacritics other than the variant's, and a variant of Vietnamese syllables
    typed without diacritics that the plans themselves use (`known(folded tokens)`: it may be a
    different word there, "gom" may be "gồm"), and a variant whose first word, typed otherwise,
    ends the compound the plans mostly use it in (`bound(previous, word)`: "kiểm tra online")."""
    if lexicon is None:
        return question
    question = _drop_redundant_variants(question, lexicon, protected)
    expansion = lexicon.expand(question)
    if not expansion.matches:
        return question
    by_variant: dict[str, list[str]] = {}
    for variant, term in expansion.matches:
        by_variant.setdefault(variant, []).append(term)
    words = _token_words(question)       # "kế hoạch CCHC riêng" holds "kế hoạch cải cách hành chính riêng"
    seq = [w[2] for w in words]
    blocked = commune_matcher(tuple(protected)).covered(seq)
    replacements: list[tuple[int, int, str]] = []
    for variant, terms in by_variant.items():
        key = tokens(variant)
        if len(set(terms)) != 1 or " ".join(key) in _CUE_PHRASES:
            continue
        written = [w.lower() for w in re.findall(r"[^\W_]+", nfc(variant))]
        for i in _find_all(seq, key):
            span = range(i, i + len(key))
            if blocked & set(span) or not (words[i][3] and words[i + len(key) - 1][4]):
                continue          # (whole words only: not "cải cách" inside a typed "CCHC")
            typed = [question[words[k][0]:words[k][1]].lower() for k in span]
            if len(written) == len(typed) and any(
                    has_diacritics(t) and t != w for t, w in zip(typed, written)):
                continue          # typed with diacritics: only the variant as written ("gồm" is not "gom")
            if bound is not None and i and typed[0] != written[0] and bound(seq[i - 1], key[0]):
                continue          # "kiểm tra online": its first word ends the compound the plans
                                  # mostly use it in ("kiểm tra"), not the variant's "trả online"
            if known is not None and len(key) <= _KNOWN_VARIANT_SYLLABLES and \
                    not any(has_diacritics(t) for t in typed) and known(key) and all(map(vietnamese_syllable, key)):
                continue          # "dua vao" typed without diacritics may be the plans' "đưa vào"
                                  # (a foreign word, "scan", "online", has no other spelling)
            replacements.append((words[i][0], words[i + len(key) - 1][1], terms[0]))
            break
    # A question typed without diacritics gets the plan's words without them too: how the
    # question was typed decides how its words are judged (stop words, accents), not the lexicon.
    plain = not has_diacritics(question)
    # Overlapping variants: the longer one wins ("lấy tiền đâu ra" is "tiền đâu ra", where the
    # money comes from, not "lấy tiền" followed by "đâu ra").
    kept: list[tuple[int, int, str]] = []
    for start, end, term in sorted(replacements, key=lambda r: (r[0] - r[1], r[0])):
        if all(end <= s or start >= e for s, e, _ in kept):
            kept.append((start, end, term))
    out, last = [], 0
    for start, end, term in sorted(kept):
        out += [question[last:start], fold(term) if plain else term]
        last = end
    # once the plan's term stands in, its other ways said are redundant too ("nhắn tin báo kết
    # quả qua điện thoại": SMS, and "qua điện thoại" is SMS again)
    return _drop_redundant_variants("".join(out) + question[last:], lexicon, protected)


def understand(question: str, known_communes: list[str], known_agencies: list[str],
               today: date | None = None, lexicon=None, speller=None) -> Query:
    """The typed Query of `question`. `speller` (assistant.spelling.SpellingCorrector over the
    corpus vocabulary) repairs one-letter typos and Telex leftovers first; `lexicon`
    (assistant.lexicon.Lexicon) then puts the plans' wording for colloquial phrases."""
    today = today or date.today()
    asked = nfc(question).strip()
    repaired = repair_spelling(expand_shorthand(asked), speller)
    question = apply_lexicon(repaired, lexicon, known_communes,
                             known=speller.has_phrase if speller is not None else None,
                             bound=speller.binds if speller is not None else None)
    folded = fold_question(question)
    query = Query(question=question, folded=folded, asked=asked, repaired=repaired, today=today)

    # Entities.
    communes, misspelt = commune_matcher(tuple(known_communes)).read(question)
    query.communes = communes
    query.commune = communes[0] if communes else None
    if not communes:
        named = _name_after_marker(question)
        if named and normalise_name(named) not in {normalise_name(c) for c in known_communes}:
            query.unknown_commune = named
    # an agency named as asked ("Thủ trưởng các cơ quan, đơn vị") before the lexicon rewrote it
    query.agency = match_agency(folded, known_agencies) or match_agency(fold_question(asked), known_agencies)
    query.period = find_period(question, today)
    m = re.search(r"\b(20\d{2})\b", folded)
    query.year = int(m.group(1)) if m else None

    query.compare = comparison_kind(folded, communes)
    query.count = count_kind(folded, question)
    query.measure = "rate" if any(_contains(folded, p) for p in _RATE) else ""
    query.monitor = any(_contains(folded, p) for p in _MONITOR)

    # Intent.
    scores = _cue_scores(folded)
    fact_score = scores.get("fact", 0)
    list_score = scores.get("list_by_agency", 0)
    due_score = scores.get("due_by_date", 0)
    field_scores = {k: scores[k] for k in FIELD_INTENTS if k in scores}
    target_score = scores.get("target", 0)
    if query.compare == "compare" and _contains(folded, "muc do") and any(
            _contains(folded, w) for w in ("chenh", "hon kem", "cach nhau")):
        target_score = max(target_score, 2)   # "mức độ hài lòng … chênh nhau thế nào": two figures
    if query.compare in ("max", "min") and _contains(folded, "ben nao") and field_scores.get("lead"):
        # "Năm Dẫn và Di Linh bên nào đạt mức cao hơn": which commune stands out, not who leads
        field_scores["lead"] -= dict(_CUES["lead"])["ben nao"]
        if field_scores["lead"] <= 0:
            del field_scores["lead"]

    query.person_role, query.person_detail = person_question(folded)
    query.actual = not query.count and asks_actual(folded)
    asks_what = any(_contains(folded, w) for w in ("gi", "nao", "nhung"))
    strong_lead = field_scores.get("lead", 0) >= 2 or field_scores.get("deadline", 0) >= 2
    accountable = _contains(folded, "truoc ai")     # "chịu trách nhiệm trước ai": to whom
    to_whom = bool(_TO_WHOM.search(folded))
    # "Năm 2026 Năm Dẫn có những việc gì thuộc phần …": a whole year with no due cue scopes the
    # plan; it does not ask what falls due
    scoping_year = query.period is not None and query.period.whole_year and due_score < 2 \
        and not field_scores.get("deadline") and not any(_contains(folded, w) for w in ("phai", "can"))
    # "tháng này con tôi đủ 17 tuổi, đi đăng ký cần mang giấy gì": a period in the citizen's
    # story; asking for papers is never asking what falls due
    papers_asked = due_score < 2 and any(_contains(folded, w) for w in _PAPERS_ASKED)
    if fact_score >= 4 or query.person_role:
        query.intent = "fact"
    elif accountable or to_whom:
        query.intent = "general"            # "chịu trách nhiệm trước ai": to whom accountable, not who leads
    elif query.period and not scoping_year and not papers_asked and not strong_lead and (due_score >= 2 or list_score >= 2 or (
            asks_what and any(_contains(folded, w) for w in ("phai", "can")))):
        query.intent = "due_by_date"        # what falls due then (for the agency, when one is named)
    elif query.agency and list_score >= 2 and not (field_scores.get("deadline", 0) >= 3 and list_score < 3):
        query.intent = "list_by_agency"
    elif query.period and not scoping_year and not papers_asked and (due_score >= 2 or (list_score >= 1 and field_scores.get("lead", 0) < 2)
                           or (field_scores.get("deadline", 0) == 0 and _contains(folded, "nhiem vu nao"))):
        query.intent = "due_by_date"
    elif due_score >= 3 and list_score >= 1:
        query.intent = "due_by_date"
    else:
        strong_field = max(field_scores.values(), default=0)
        if target_score >= 3 and target_score >= strong_field:
            query.intent = "target"
        elif strong_field >= 2:
            order = sorted(field_scores.items(), key=lambda kv: (-kv[1], FIELD_INTENTS.index(kv[0])))
            query.intent = order[0][0]
        elif target_score >= 2:
            query.intent = "target"
        elif strong_field == 1:
            query.intent = max(field_scores, key=lambda k: field_scores[k])
        elif fact_score:
            query.intent = "fact"
        elif query.agency and list_score >= 1:
            query.intent = "list_by_agency"
        else:
            query.intent = "general"
    query.intent = Intent(query.intent)
    query.listing = list_score >= 2 and query.intent in (Intent.GENERAL, Intent.LIST_BY_AGENCY, Intent.TARGET)
    if query.intent in FIELD_INTENTS:
        query.fields = [k for k in FIELD_INTENTS if field_scores.get(k, 0) >= 2] or [query.intent]
        if query.intent not in query.fields:
            query.fields.insert(0, query.intent)
    if query.intent == "fact" and query.person_role and fact_score < 4:
        query.fact_kind = "person"
    elif query.intent == "fact":
        cued = cue_text(folded)
        kinds = [kind for kind, phrases in _FACT_KINDS if any(_contains(cued, p) for p in phrases)]
        if "number" in kinds and not _DOCUMENT_NUMBER.search(cued):
            kinds.remove("number")     # "gọi tổng đài số mấy": a number, not the plan's
        if "number" in kinds and _HIGHER_ISSUER.search(cued) and not any(k in BASIS_KINDS for k in kinds):
            kinds[kinds.index("number")] = "implements"    # the number of the province's decision, not the plan's
        based = [k for k in kinds if k in BASIS_KINDS]
        if based:    # "căn cứ vào quyết định số mấy của huyện nào": the number and issuer are the basis's
            kinds = based + [k for k in kinds if k not in based and k not in _BASIS_DETAILS]
        if kinds and kinds[0] in ("signer", "number") and "issue_date" not in kinds and \
                any(_contains(cued, p) for p in _WHEN_ASKED):
            kinds.append("issue_date")
        query.fact_kind = kinds[0] if kinds else ""
        query.also_fact = next((k for k in kinds[1:] if k in _SECOND_FACTS), "")

    # "nơi nào … sớm hơn" compares when something is due: the deadline of each commune's record.
    # Which plan was issued first compares the plans' own issuing dates: a fact.
    if query.compare in DUE_COMPARISONS and _PLAN_ISSUED.search(folded) and not _contains(folded, "ban hanh ke hoach"):
        query.intent, query.fields, query.fact_kind = Intent.FACT, [], "issue_date"
    elif not query.compare and asks_own_plan_date(" ".join(tokens(folded)), query.communes):
        query.intent, query.fields, query.fact_kind, query.also_fact = Intent.FACT, [], "issue_date", ""
    elif query.compare in DUE_COMPARISONS and query.intent in (Intent.GENERAL, Intent.FACT, *FIELD_INTENTS) \
            and not (query.intent == Intent.FACT and query.fact_kind == "issue_date"):
        query.intent = Intent.DEADLINE
        query.fields = [Intent.DEADLINE]
        query.fact_kind = ""

    # Residual topic: drop cue phrases (all of the chosen intent's), entity mentions, period
    # words, question words.
    removed: list[str] = list(_REMOVABLE_CUES) + [p for p, _ in _CUES.get(query.intent, []) if p not in _WHO_DOES_TASK]
    if query.intent == "deadline":
        removed += ["han", "thoi han"]
    removed += list(_DEADLINE_ASKED)      # "sản phẩm là gì, hạn khi nào?": a second ask, no subject
    if query.intent not in TASK_INTENTS:
        # Outside task questions, "kế hoạch cải cách hành chính" names the plan itself, not a
        # subject inside it (in a task question it may be the task: "ban hành kế hoạch CCHC").
        removed += list(PLAN_PHRASES)
    for name in communes:
        key = normalise_name(name)
        removed += [f"{m} {key}" for m in _COMMUNE_MARKERS] + [key]
    if misspelt:
        removed.append(misspelt)         # "O Nam Daxn": the name as typed is no subject word
    if query.unknown_commune:
        removed.append(normalise_name(query.unknown_commune))
    if query.agency and query.intent != "general":
        removed.append(agency_key(query.agency))
        removed.append(normalise_name(query.agency))
    if query.period:
        removed.append(fold_question(query.period.text))
    query.anaphoric = any(_contains(folded, p) for p in ANAPHORA)
    removed += list(ANAPHORA)
    if query.compare:
        removed += list(COMPARE_PHRASES)
    if query.count:
        removed += list(_COUNT_TASKS + _COUNT_TARGETS) + ["tong cong", "tat ca"]
    if query.count or query.intent in (Intent.LIST_BY_AGENCY, Intent.DUE_BY_DATE):
        removed.append("phu luc")     # "trong phụ lục": where to look (the table's rows), not the subject
    topic = topic_tokens(question, removed)
    if accountable:
        # the sentence saying "chịu trách nhiệm trước …" holds to whom one is accountable
        topic = [*topic, BARRIER, "chiu", "trach", "nhiem", "truoc"]
    if query.monitor and set(topic) <= _THE_PLAN_ITSELF | {BARRIER}:
        # "ai theo dõi việc thực hiện kế hoạch CCHC": the plan is no task; the monitoring duty
        # is what is asked, in the words the question said it
        topic = [*topic, *(w for verb in _MONITOR_VERBS if _contains(folded, verb) for w in (BARRIER, *verb.split()))]
    query.topic = " ".join(t for t in topic if t != BARRIER)
    query.topic_terms = terms_of(topic)
    return query
