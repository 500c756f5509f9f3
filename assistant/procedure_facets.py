"""Which facets of a procedure a citizen's question asks about (documents, time, fee, where to
submit, steps, conditions, result, agency, legal basis, applicants), read from folded cue
phrases. Pure functions over the question's text."""

from __future__ import annotations

import re

from ingest.vntext import tokens

# Where the file goes, as citizens ask it (a place, not a channel): cues of the "where" facet,
# and (`PLACE_ASKED`, with the office asked) what makes `procedure_answers` quote the step that
# names the place. "có phải về quê làm không": whether the place is bound to where one lives
# (not the story's "về quê rồi mất", "chuyển về quê ở").
PLACE_CUES = ("o dau", "den dau", "ra dau", "ve dau", "phai ve que", "ve noi thuong tru", "bat ky dau",
              "noi nao cung duoc")
PLACE_ASKED = re.compile(r"(?<![0-9a-z])(?:" + "|".join(
    re.escape(c) for c in PLACE_CUES + ("noi nao", "cho nao", "cho ai", "co quan nao", "nop tai")) + r")(?![0-9a-z])")


FACETS = ("documents", "time", "fee", "where", "steps", "conditions", "result", "agency",
          "legal", "applicants")
# Folded cue phrases per facet (matched on whole words of the folded question).
_FACET_CUES: dict[str, tuple[str, ...]] = {
    "documents": ("giay to", "ho so gom", "ho so can", "can gi", "can nhung gi", "mang theo", "mang gi",
                  "chuan bi gi", "chuan bi nhung", "can chuan bi", "phai chuan bi", "thanh phan ho so", "nop gi", "giay gi", "can mang", "can nop",
                  "can co gi", "phai co gi", "can nhung giay", "bo ho so", "nhung gi",
                  "ho so gi", "can ho so", "don gi", "lam don", "giay gi", "to khai", "mau don",
                  "dien mau", "mau nao", "giay to nao", "giay nao", "can giay to", "giay to can", "ho so co can",
                  "nhung giay to", "giay to gi", "giay chung minh", "chung minh gi",
                  # the form to fill in ("phải khai mẫu gì", "tờ khai mẫu số mấy")
                  "mau gi", "khai mau", "mau to khai", "to khai nao", "mau so may", "mau so bao nhieu"),
    "time": ("mat may ngay", "mat bao lau", "may ngay", "bao lau", "thoi gian", "bao nhieu ngay", "khi nao co", "lau khong",
             "thoi han", "mat bao lau", "may hom", "bao gio co", "nhanh khong", "trong bao lau",
             "bao nhieu lau", "may tuan", "khi nao phai", "luc nao phai", "bao gio phai", "han chot",
             "han nop", "truoc ngay nao", "la ngay nao"),
    "fee": ("mat bao nhieu tien", "mat bao nhieu", "le phi", "phi", "mat tien", "bao nhieu tien", "ton tien", "chi phi", "mien phi",
            "tien", "ton bao nhieu", "mat phi", "het bao nhieu", "tra tien", "dong tien", "mien tien",
            # "có phải đóng đồng nào không"; "lệ phí hồ sơ gì" asks the fee, not the papers
            "dong dong nao", "mat dong nao", "ton dong nao", "tra dong nao",
            "le phi ho so gi", "phi ho so gi", "le phi ho so nao", "phi ho so nao"),
    "where": ("online", "truc tuyen", "qua mang", "buu dien", "buu chinh", "nop o dau", "lam o dau",
              "dich vu cong", "tai nha", "truc tiep", "o dau", "qua app", "vneid", "tren mang", "gui qua",
              "internet", "nop qua", "cong dich vu", "hinh thuc nop", "cach nop", "o dau cung duoc", *PLACE_CUES),
    "steps": ("gom nhung buoc nao", "nhung buoc", "buoc nao", "may buoc", "cac buoc", "trinh tu", "the nao", "nhu the nao", "quy trinh", "cach lam", "lam sao",
              "ra sao", "thu tuc lam", "tien hanh", "bang cach nao", "cach nao", "kieu gi"),
    "conditions": ("dieu kien", "yeu cau gi", "yeu cau nao", "can dieu kien", "du dieu kien",
                   "truoc bao lau", "phai lam trong", "co bat buoc", "bat buoc phai", "truong hop nao"),
    "result": ("nhan duoc gi", "nhan duoc nhung gi", "duoc nhan nhung gi", "nhan nhung gi", "nhan duoc giay", "duoc cap", "ket qua", "duoc cap gi", "nhan lai gi", "duoc gi", "cap cho gi",
               "duoc nhan", "nhan giay gi", "nhan duoc giay gi", "duoc giay gi", "lay giay gi", "lay duoc gi",
               "lay duoc giay gi", "cap giay gi", "tra giay gi", "nhan ve", "nhan duoc cai gi", "duoc cai gi"),
    "agency": ("co quan nao", "ai giai quyet", "noi nao", "ai cap", "tham quyen", "co quan gi",
               "ai xu ly", "ai lam", "co quan thuc hien", "don vi nao", "ai quyet dinh", "cap nao quyet dinh",
               "ai phe duyet", "ai duyet", "ai ky", "cap nao giai quyet", "cap nao", "ai la nguoi ky",
               "ky quyet dinh", "ai la nguoi phe duyet", "ai la nguoi duyet", "ai la nguoi quyet dinh",
               "ai la nguoi cap", "ai se phe duyet", "ai se duyet"),
    "legal": ("can cu", "phap ly", "luat nao", "nghi dinh", "van ban nao", "quy dinh nao",
              "thong tu", "theo luat", "van ban phap luat"),
    "applicants": ("ai duoc", "doi tuong", "ai co the", "ai phai", "nhung ai", "co so nao duoc", "danh cho ai"),
}
_FEE_ASKED = re.compile(r"(?<![0-9a-z])(?:le phi|phi|bao nhieu tien|mat tien|ton tien|chi phi|mien phi|mien tien)(?![0-9a-z])")
_EACH_CUE_RES = tuple((facet, re.compile(r"(?<![0-9a-z])" + re.escape(cue) + r"(?![0-9a-z])"))
                      for facet, cues in _FACET_CUES.items() for cue in dict.fromkeys(cues))
FACET_CUE_RES = {facet: re.compile(r"(?<![0-9a-z])(?:" + "|".join(re.escape(c) for c in cues) + r")(?![0-9a-z])")
            for facet, cues in _FACET_CUES.items()}


# "xã trả cho mình những giấy gì", "được cấp lại văn bản nào": what the office hands back.
_RESULT_ASKED = re.compile(r"(?<![0-9a-z])(?:tra|cap|nhan|giao)(?: lai| ve| duoc)?(?: cho (?:minh|toi|em|chung toi|nguoi dan|dan))?"
                           r" (?:nhung |cac )?(?:giay|giay to|van ban|ket qua) (?:gi|nao)(?![0-9a-z])")
# "hồ sơ xin phép gồm gì": the documents asked with the file's purpose between its two halves.
# "em tự nộp hồ sơ hay công ty phải làm", "ai là người nộp hồ sơ": who files; the steps say it.
_FILER_ASKED = re.compile(r"(?<![0-9a-z])(?:tu (?:nop|lam|khai)(?: [a-z]+){0,3}? hay"
                          r"|ai (?:la nguoi |se |phai )?(?:nop|lam) ho so)(?![0-9a-z])")
_DOCUMENTS_ASKED = re.compile(r"(?<![0-9a-z])(?:ho so(?: [a-z]+){1,4} gom(?: nhung| co)? gi"
                               # "có phải nộp bản đồ gì không": a paper asked by name (not a fee)
                               r"|co phai nop(?: them)?(?! (?:le phi|phi|tien|thue))(?: [a-z]+){1,4}? (?:gi|nao) khong)(?![0-9a-z])")
_BARE_DOCUMENTS = frozenset({"giay to", "lam don"})    # "làm đơn báo mất … có mất phí không": the situation
# Words where "tiền" is not money ("phương tiện", "ưu tiên"): masked before the fee cue is read.
# Nor is money the citizen receives ("hưởng tiền dưỡng sức", "tiền tuất", "nhận tiền hỗ trợ"):
# a benefit's name, not its fee.
_NOT_MONEY = re.compile(r"(?<![0-9a-z])(?:phuong tien|uu tien|tien do|tien ich|tien trinh|cai tien|tien nghi|tien si"
                        r"|(?:huong|nhan|linh|lanh|xin) tien"
                        r"|tien (?:tuat|tro cap|ho tro|duong suc|boi thuong|thai san|luong|huu|mai tang|chinh sach))(?![0-9a-z])")
# "Where" cues that only name a channel ("nộp trực tiếp thì bao lâu"): the situation, not the
# ask, when another ask follows them.
_CHANNEL_CUES = frozenset({"online", "truc tuyen", "qua mang", "buu dien", "buu chinh", "dich vu cong",
                           "truc tiep", "qua app", "vneid", "tren mang", "internet", "nop qua", "gui qua", "tai nha"})

CHANNEL_CUE_TOKENS = tuple(tuple(cue.split()) for cue in sorted(_CHANNEL_CUES))

# "đóng tiền tạm ứng án phí kiểu gì", "nộp lệ phí bằng cách nào": how to pay is a step, not the amount.
_PAY_HOW = re.compile(r"(?<![0-9a-z])(?:dong|nop|tra|thanh toan) (?:tien|phi|le phi)(?: [0-9a-z]+){0,5}?"
                      r" (?:nhu the nao|the nao|kieu gi|bang cach nao|cach nao|ra sao)(?![0-9a-z])")
# "ai ghi", "ai đứng ra lập", "ai có trách nhiệm lập": who does a step of the procedure.
WHO_DOES = re.compile(r"(?<![0-9a-z])ai (?:la nguoi |co trach nhiem |dung ra |se )?"
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
    spans += [(m.start(), m.end(), "steps") for m in _FILER_ASKED.finditer(folded)]
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
    who = [m.end() for m in WHO_DOES.finditer(folded)]
    kept = [(start, end, facet) for start, end, facet in kept
            if not (facet == "documents" and any(0 <= start - e <= 1 for e in who))]
    # "nộp tờ khai ở đâu": the paper named right before the place asked is what is filed there
    place_at = [start for start, _, facet in kept if facet == "where"]
    kept = [(start, end, facet) for start, end, facet in kept
            if not (facet == "documents" and any(0 <= a - end <= 1 for a in place_at))]
    # "mua xe mới, làm đăng ký trực tiếp thì mất bao lâu": the channel tells the situation
    # when a later ask follows it; the time and fee answers give each channel anyway.
    wheres = [(start, end) for start, end, facet in kept if facet == "where"]
    if wheres and all(folded[a:b] in _CHANNEL_CUES for a, b in wheres) and \
            any(f != "where" and start > max(a for a, _ in wheres) for start, _, f in kept):
        kept = [span for span in kept if span[2] != "where"]
    facets = list(dict.fromkeys(facet for _, _, facet in sorted(kept)))
    # "chứng thực chữ ký trên giấy tờ … bao lâu lấy được": a bare "giấy tờ" names the object,
    # not an ask for the documents, unless it is the question's last ask.
    bare_papers = all(folded[a:b] in _BARE_DOCUMENTS for a, b, f in kept if f == "documents")
    if "documents" in facets and len(facets) > 1 and facets[-1] != "documents" and bare_papers:
        facets.remove("documents")
    # "dịch giùm giấy tờ rồi ra xã chứng thực được không": a bare "giấy tờ" in a question asking
    # whether one may is the object; the conditions answer it (`answer_procedure`).
    if facets == ["documents"] and bare_papers and ELIGIBILITY.search(folded):
        facets = []
    # "tự trả tiền rồi, xin thanh toán lại cần giấy tờ gì": a bare "tiền" tells the situation;
    # the fee is asked only when it is the question's last ask or said as a fee.
    fee_at = max((start for start, _, f in kept if f == "fee"), default=-1)
    if "fee" in facets and not _FEE_ASKED.search(folded) and \
            ((len(facets) > 1 and facets[-1] != "fee") or any(e > fee_at for e in who)):
        facets.remove("fee")
    # "tự trả tiền rồi thì có được thanh toán lại không": whether one may, not the fee.
    if "fee" in facets and ELIGIBILITY.search(folded) and \
            not any(_FEE_ASKED.fullmatch(folded[a:b]) for a, b, f in kept if f == "fee"):
        facets.remove("fee")
    # "nhận con nuôi ở Mỹ theo luật bên đó … cần điều kiện gì": "theo luật" tells the story
    # when only it asks the legal basis and a later ask follows
    legal = [(a, b) for a, b, f in kept if f == "legal"]
    if legal and all(folded[a:b] == "theo luat" for a, b in legal) and \
            any(f != "legal" and start > max(a for a, _ in legal) for start, _, f in kept):
        facets.remove("legal")
    if _PAY_HOW.search(folded):
        return ["steps"]
    # "nộp online được không" is about where, not the fee/time words it may also carry.
    if "steps" in facets and len(facets) > 1:
        facets.remove("steps")   # "như thế nào" rides along with more specific asks
    return facets


# "có được … không", "… được không", "có thể … không": whether the citizen may; the record's
# conditions and who may apply answer it (asked of a procedure already named).
ELIGIBILITY = re.compile(r"(?<![0-9a-z])(?:co duoc|duoc|co the)(?![0-9a-z]).*(?<![0-9a-z])(?:khong|ko|k|hong)"
                          r"(?: hay (?!la )[0-9a-z ]*)?$"    # "… được không, hay chỉ doanh nghiệp mới được"
                          r"|(?<![0-9a-z])co(?: [a-z]+){1,3} cho(?: minh| toi| em| nguoi ta)? (?:khong|ko|k|hong)$")    # "xã có chứng thực cho không"
