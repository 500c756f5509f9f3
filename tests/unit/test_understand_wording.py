"""Understanding questions worded as people ask them: the lexicon puts the plans' wording, the
spelling corrector repairs typos against the bundled plans' vocabulary, neither touches names."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.lexicon import default_lexicon
from assistant.qa.intents import Intent
from assistant.qa.understand import apply_lexicon, repair_spelling, understand
from assistant.spelling import SpellingCorrector

REPO = Path(__file__).resolve().parents[2]
PLAN_TEXTS = [p.read_text(encoding="utf-8") for p in sorted((REPO / "data" / "plans").glob("*.txt"))]
COMMUNES = ["Di Linh", "Đại Phước", "Lộc Hòa", "Năm Dẫn"]


@pytest.fixture(scope="module")
def speller():
    lexicon = default_lexicon()
    return SpellingCorrector(PLAN_TEXTS, protected=lexicon.vocabulary(), meant=lexicon.written_words())


def _u(text, speller=None):
    return understand(text, COMMUNES, [], lexicon=default_lexicon(), speller=speller)


def test_colloquial_words_take_the_plans_wording():
    q = _u("Chi phí thực hiện kế hoạch CCHC của Di Linh lấy từ đâu?")
    assert "kinh" in q.topic.split() and "chi" not in q.topic.split()
    assert q.asked.startswith("Chi phí") and q.question.startswith("kinh phí")
    assert "truc_tuyen" in _u("Tỷ lệ hồ sơ nộp online ở Đại Phước là bao nhiêu?").topic_terms


def test_a_birth_certificate_is_no_declaration_form():
    # "giấy khai" of "giấy khai sinh" is not the lexicon's "mẫu đơn, tờ khai"
    assert "giấy khai sinh" in apply_lexicon("đi làm giấy khai sinh cho con thì sao", default_lexicon(), COMMUNES)


def test_ho_khau_is_the_plans_thuong_tru():
    q = _u("Ở Lộc Hòa, đi làm giấy khai sinh cho con thì có được làm luôn hộ khẩu với thẻ BHYT một thể không?")
    assert "thuong_tru" in q.topic_terms and "hộ khẩu" in q.asked


def test_conditionals_and_a_plain_may_carry_no_topic():
    # "nếu" frames the case; "may" typed without diacritics asks a number ("mấy"), unless it is
    # the "máy" of a compound ("xe máy", "bộ máy")
    assert "neu" not in _u("Ở Di Linh nếu trễ hẹn trả hồ sơ thì xã có xin lỗi dân không?").topic_terms
    assert "may" not in _u("Xa Dai Phuoc bat moi can bo xai chatbot AI it nhat may cai?").topic_terms
    assert "xe_may" in _u("bien so xe may bi mo thi doi o dau").topic_terms
    assert "bo_may" in _u("Di Linh sap xep to chuc bo may the nao").topic_terms


def test_a_long_variant_typed_without_diacritics_takes_the_plans_wording(speller):
    # each pair of "ho so nop truc tuyen" occurs in the plans, the run does not: it is the
    # citizen's wording of "hồ sơ trực tuyến"; a short one the plans use stays ("gom" may be "gồm")
    q = understand("ty le ho so nop truc tuyen Loc Hoa dat chi tieu bao nhieu?", COMMUNES, [],
                   lexicon=default_lexicon(), speller=speller)
    assert "nop" not in q.topic_terms and "truc_tuyen" in q.topic_terms


def test_a_colloquial_lead_cue_gives_the_lead_intent():
    assert _u("Ở Di Linh bên nào lo việc đối thoại với người dân?").intent == Intent.LEAD


def test_commune_names_and_intent_cues_are_never_replaced():
    lexicon = default_lexicon()
    # "dân" ≈ "người dân" must not eat "Năm Dẫn", with or without diacritics
    assert apply_lexicon("còn Năm Dẫn?", lexicon, COMMUNES) == "còn Năm Dẫn?"
    assert apply_lexicon("con nam dan thi sao", lexicon, COMMUNES) == "con nam dan thi sao"
    q = _u("Ai ký kế hoạch CCHC của Đại Phước?")
    assert q.intent == Intent.FACT and q.fact_kind == "signer"


def test_typos_are_repaired_against_the_plans_but_known_words_stay(speller):
    assert repair_spelling("ai chu tri doi thaoi voi nguoi dan o Di Linh", speller) == \
        "ai chu tri doi thoai voi nguoi dan o Di Linh"
    assert repair_spelling("Ai chủ trì đối thoại ở Di Linh?", speller) == "Ai chủ trì đối thoại ở Di Linh?"
    q = _u("ai chu tri doi thaoi voi nguoi dan o Di Linh", speller)
    assert q.intent == Intent.LEAD and "doi_thoai" in q.topic_terms and q.communes == ["Di Linh"]


def test_a_final_i_written_where_the_plans_write_y_is_the_plans_syllable(speller):
    # "kí" and "ký" are one word spelled two ways; the plans write "ký", the tone stays
    assert repair_spelling("công văn phải kí bằng chữ kí điện tử", speller) == "công văn phải ký bằng chữ ký điện tử"
    assert repair_spelling("van ban ki so", speller) == "van ban ky so"
    # a syllable the plans themselves use is never respelt ("thi" of "thi đua", "thì")
    assert repair_spelling("thi đua thì sao", speller) == "thi đua thì sao"


def test_a_foreign_word_typed_as_the_plans_use_it_still_takes_the_plans_wording(speller):
    # "scan" is a word of the procedure records too, yet it has no other reading: it is "số hóa";
    # "gom" typed without diacritics may be the plans' "gồm" and is left as typed
    known = speller.has_phrase
    assert known(["gom"])
    assert "so hoa" in apply_lexicon("loc hoa tinh scan ho so thu tuc len may", default_lexicon(), COMMUNES,
                                     known=lambda key: True)
    assert apply_lexicon("nhom thu tuc lien thong gom nhung gi", default_lexicon(), COMMUNES,
                         known=known) == "nhom thu tuc lien thong gom nhung gi"


def test_ai_in_capitals_is_artificial_intelligence_and_who_otherwise():
    q = _u("di linh co dung AI de tra loi dan hoi ve thu tuc khong? ben nao lo?")
    assert {"tri_tue", "nhan_tao"} <= set(q.topic_terms) and q.intent == Intent.LEAD
    assert _u("AI CHỦ TRÌ VIỆC ĐỐI THOẠI Ở DI LINH?").intent == Intent.LEAD
    assert "tri" not in _u("Ai chủ trì việc đối thoại ở Di Linh?").topic.split()


def test_plan_words_typed_without_diacritics_keep_their_function_word_syllable():
    from assistant.qa.understand import content_terms
    assert {"tai_san", "san_cong"} <= set(content_terms("ai lo viec quan ly tai san cong"))
    assert "quy_dinh" in content_terms("dung quy dinh khong")
    # "tại" before a place stays a function word
    assert "tai" not in content_terms("nop ho so tai bo phan tiep nhan")


def test_chat_shorthand_is_written_out_but_what_the_user_typed_is_kept():
    q = _u("o dai phuoc dan di lam giay to co phai nop lai ko?")
    assert "ko" not in q.topic.split() and q.asked.endswith("ko?")
    assert _u("Có mất phí ko?").repaired == "Có mất phí không?"
    assert _u("Hàng nặng 5 KG thì sao?").repaired == "Hàng nặng 5 KG thì sao?"    # a unit, not shorthand
    assert _u("ai lo vc phoi hop vs cong an xa").repaired == "ai lo viec phoi hop voi cong an xa"


def test_a_demanding_verb_is_no_topic_but_beginning_is():
    from assistant.qa.understand import content_terms
    assert "bat" not in content_terms("xã bắt các cơ quan nộp gì")
    assert "bat_dau" in content_terms("bat dau thuc hien tu nam nao")


def test_where_the_money_comes_from_is_read_as_funding_not_as_a_product():
    # "đâu ra" left behind would read as "đầu ra" (a product) once folded
    q = _u("Di Linh lấy tiền đâu ra để làm kế hoạch CCHC 5 năm?")
    assert "kinh phí" in q.question and "đâu ra" not in q.question
    assert q.intent == Intent.GENERAL


def test_who_is_sent_asks_who_leads_and_going_is_no_topic():
    q = _u("Năm Dẫn cử ai đi kiểm tra các cơ quan làm cải cách hành chính?")
    assert q.intent == Intent.LEAD and "di" not in q.topic.split() and "kiem_tra" in q.topic_terms
    # typed without diacritics "di" may be "di động": kept
    assert "di" in _u("ho tro nguoi dan dung thiet bi di dong o Loc Hoa").topic.split()


def test_a_reform_area_is_not_the_agency_sharing_its_words():
    from assistant.qa.understand import match_agency
    agencies = ["Tài chính - Kế toán", "Phòng Văn hóa - Xã hội"]
    assert match_agency("di linh co bao nhieu nhiem vu cai cach tai chinh cong", agencies) is None
    assert match_agency("cong chuc tai chinh loc hoa lam gi", agencies) == "Tài chính - Kế toán"


def test_a_centre_is_told_by_its_own_words_not_by_the_head_all_centres_share():
    from assistant.qa.understand import match_agency
    # the agencies of Năm Dẫn's and Di Linh's plans: two centres
    agencies = ["Trung tâm Dịch vụ công", "Trung tâm Phục vụ hành chính công", "Văn phòng HĐND và UBND"]
    assert match_agency("trung tam hanh chinh cong di linh chu tri nhung nhiem vu nao", agencies) \
        == "Trung tâm Phục vụ hành chính công"
    assert match_agency("trung tam dich vu cong lam gi", agencies) == "Trung tâm Dịch vụ công"
    assert match_agency("trung tam nao lo viec nay", agencies) is None
    assert match_agency("van phong ubnd chu tri viec gi", agencies) == "Văn phòng HĐND và UBND"
    # "Trung tâm HCC", as staff write it, through the question's understanding
    q = understand("Trung tam HCC Di Linh chu tri nhung nhiem vu nao?", COMMUNES, agencies, lexicon=default_lexicon())
    assert q.agency == "Trung tâm Phục vụ hành chính công" and q.intent == Intent.LIST_BY_AGENCY


def test_the_number_and_issuer_asked_of_a_basis_are_the_basis():
    q = _u("ke hoach cchc loc hoa can cu vao quyet dinh so may cua huyen nao?")
    assert q.intent == Intent.FACT and q.fact_kind == "basis" and q.also_fact == ""
    q = _u("Kế hoạch CCHC của Năm Dẫn số mấy, ký ngày nào?")
    assert q.fact_kind == "number" and q.also_fact == "issue_date"


def test_so_may_asks_the_plans_number_only_after_a_document_is_named():
    assert _u("Kế hoạch CCHC của Năm Dẫn số mấy, ký ngày nào?").fact_kind == "number"
    assert _u("ke hoach cchc loc hoa ban hanh kem quyet dinh so may").fact_kind == "number"
    for question in ("lộc hòa dân muốn phản ánh thủ tục thì gọi tổng đìa số mấy?",
                     "so dien thoai duong day nong o nam dan la so may"):
        assert _u(question).fact_kind != "number", question


def test_a_short_word_typed_with_wrong_diacritics_is_read_as_the_plans_word_between_its_neighbours(speller):
    # "vệc" between "đốc" and "thực": the plans say "đôn đốc việc thực hiện"; a short accented
    # word the plans lack elsewhere stays as typed ("chạy" is meant)
    assert "việc" in repair_spelling("ai theo dõi, đôn đốc vệc thực hiện kế hoạch", speller).split()
    assert "chạy" in repair_spelling("phần mềm chạy thế nào", speller)
    # "đóc": a spelling the plans never write of a syllable they use loses its misleading accents
    # (a word the lexicon or the cues protect is left to them)
    plain = SpellingCorrector(PLAN_TEXTS)
    assert repair_spelling("đôn đóc việc thực hiện", plain) == "đôn doc việc thực hiện"
    # ... a word the cues or the lexicon protect too, unless typed as the lexicon writes it
    # ("ưng bụng" is an everyday "hài lòng", "lố hẹn" a "trễ hạn")
    assert "doc" in repair_spelling("đôn đóc việc thực hiện", speller).split()
    assert repair_spelling("dân có ưng bụng không", speller) == "dân có ưng bụng không"
    assert repair_spelling("hồ sơ lố hẹn", speller) == "hồ sơ lố hẹn"
    assert repair_spelling("đôn đốc việc thực hiện", plain) == "đôn đốc việc thực hiện"


def test_a_variant_holding_an_abbreviation_is_read_as_typed_in_it():
    lexicon = default_lexicon()
    # "kế hoạch CCHC riêng": CCHC is four folded tokens of one typed word
    rewritten = apply_lexicon("Năm Dẫn bắt các phòng làm kế hoạch CCHC riêng trước ngày nào?", lexicon, COMMUNES)
    assert "xây dựng kế hoạch cải cách hành chính" in rewritten and "CCHC" not in rewritten
    # ... and never part of a typed abbreviation: "cải cách" is not cut out of "CCHC"
    from assistant.lexicon import Lexicon, parse_lines
    partial = Lexicon(parse_lines(["đổi mới\tcải cách"]))
    assert apply_lexicon("kế hoạch CCHC của Di Linh", partial, COMMUNES) == "kế hoạch CCHC của Di Linh"


def test_a_misspelt_commune_is_read_and_its_words_leave_the_topic():
    # "Nam Daxn" (Telex for Năm Dẫn) after "O": the commune, and no subject word "daxn"
    q = _u("O Nam Daxn, don vi chu tri lap du toan kinh phi thi gui phong nao?")
    assert q.communes == ["Năm Dẫn"] and "daxn" not in q.topic.split()


def test_a_short_accented_word_no_syllable_can_be_is_repaired(speller):
    # "muốn", "chạy" typed with diacritics are meant; "tíh", "đăg" (an ending dropped) cannot be
    # Vietnamese syllables, so they are repaired however short
    assert repair_spelling("Năm Dẫn tíh đăg ký sáng kiến", speller) == "Năm Dẫn tính đăng ký sáng kiến"
    assert repair_spelling("Năm Dẫn muốn đăng ký sáng kiến", speller) == "Năm Dẫn muốn đăng ký sáng kiến"


def test_f_for_ph_is_read_as_said(speller):
    assert repair_spelling("nguoi dan fai khai thong tin", speller) == "nguoi dan phai khai thong tin"
    assert _u("thong tin ng dan phai khai").repaired == "thong tin nguoi dan phai khai"


def test_an_accented_question_is_repaired_in_the_plans_spelling_with_the_tone_typed(speller):
    # the repair is written as the plans write it, keeping the typed tone and marks: "lòg" is
    # "lòng" (grave, no horn), not "lời"; "tớj" (horn, acute; a final j after a tone is chat
    # spelling of i) is "tới", not "tối"
    assert "dân vừa lòng" in repair_spelling("Di Linh muốn dân vừa lòg mức nào?", speller)
    both = SpellingCorrector(list(PLAN_TEXTS) + ["tối thiểu", "tới năm"])
    assert repair_spelling("muốn tớj mức nào", both) == "muốn tới mức nào"
    # a function word typed with another tone is that function word; one typed bare in an
    # accented question is too, when the plans never write it bare
    assert repair_spelling("phải nộp ra cái gỉ?", speller) == "phải nộp ra cái gì?"
    assert "một lần" in repair_spelling("bao lâu thì phải báo cáo mot lần?", speller)
    # a plan syllable typed with accents the plans never give it, next to words it never follows:
    # the neighbouring pair the plans do write, with the typed marks ("tổng đài", not "tổng già")
    assert repair_spelling("gọi tổng đìa số mấy?", speller) == "gọi tổng đài số mấy?"


def test_a_capitalised_word_ending_in_a_telex_tone_key_is_no_name(speller):
    q = _u("Locj Hoaf ai giuwx vai tro thuong truc ban chi dao CCHC?", speller)
    assert q.communes == ["Lộc Hòa"]
    assert _u("Ai chủ trì đối thoại ở Lộc Hòa?", speller).communes == ["Lộc Hòa"]


def test_what_a_plan_puts_first_is_read_as_its_trong_tam():
    # "… là chính", "nhắm vào", "ưu tiên cải cách …": the plans' "trọng tâm" (Lộc Hòa: "Trong đó
    # trọng tâm là chuyển đổi số gắn với cải cách thủ tục hành chính")
    for question in ("Năm nay Lộc Hòa làm cải cách hành chính cái gì là chính?",
                     "Kế hoạch của Năm Dẫn nhắm vào những việc nào?",
                     "xa dai phuoc uu tien cai cach mang nao?"):
        assert "trong_tam" in _u(question).topic_terms, question


def test_a_variant_is_not_read_across_the_compound_the_plans_use_its_first_word_in(speller):
    # "kiểm tra online" is an online inspection, not "trả online" (a payment); "trả online" is
    q = _u("vu kiem tra online qua he thong so o Nam Dan do phong nao lo?", speller)
    assert "kiem_tra" in q.topic_terms and "thanh_toan" not in q.topic_terms
    assert "thanh_toan" in _u("Ở Đại Phước trả online phí được không", speller).topic_terms


def test_the_plan_requiring_something_frames_the_question():
    # "kế hoạch … yêu cầu kiểm tra": what is required is the subject; "mục đích, yêu cầu" is one
    q = _u("Kế hoạch CCHC xã Đại Phước yêu cầu kiểm tra tối thiểu bao nhiêu phần trăm đơn vị?")
    assert "yeu" not in q.topic.split() and "kiem_tra" in q.topic_terms
    assert "yeu_cau" in _u("Mục đích, yêu cầu của kế hoạch Di Linh là gì?").topic_terms
    assert "yeu_cau" in _u("Kế hoạch Năm Dẫn có yêu cầu gì?").topic_terms


def test_who_does_what_a_task_opens_with_asks_its_lead():
    assert _u("Ai đi kiểm tra thái độ làm việc của cán bộ một cửa ở Di Linh?").intent == Intent.LEAD
    assert _u("o nam dan ai ra soat thu tuc hanh chinh hang nam").intent == Intent.LEAD


def test_in_all_how_many_is_an_actual_figure_and_all_no_topic():
    from assistant.qa.understand import asks_actual
    assert asks_actual("xa dai phuoc co tat ca bao nhieu ap")
    assert "tat" not in _u("Đại Phước có tất cả bao nhiêu ấp?").topic.split()


def test_once_the_plan_term_stands_in_its_other_wordings_are_dropped():
    text = apply_lexicon("Lộc Hòa có nhắn tin báo kết quả qua điện thoại không?", default_lexicon())
    assert "SMS" in text and "điện thoại" not in text
