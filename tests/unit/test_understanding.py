"""Question understanding: intents, communes (incl. unknown ones), agencies, periods, topic.

Pure: the commune and agency lists are the ones the bundled plans contain.
"""

from __future__ import annotations

from datetime import date

import pytest

from assistant.qa.understand import content_terms, match_commune, understand
from ingest.periods import find_period

COMMUNES = ["Di Linh", "Lộc Hòa", "Đại Phước", "Năm Dẫn"]
AGENCIES = [
    "Phòng Kinh tế", "Văn phòng HĐND và UBND", "Phòng Văn hóa - Xã hội",
    "Trung tâm Phục vụ hành chính công", "Các cơ quan, đơn vị", "Tư pháp – Hộ tịch", "Văn phòng UBND xã",
]
TODAY = date(2026, 11, 23)


def ask(question: str):
    return understand(question, COMMUNES, AGENCIES, today=TODAY)


@pytest.mark.parametrize("question,intent", [
    ("Ai chủ trì tổ chức đối thoại với người dân và doanh nghiệp ở Di Linh?", "lead"),
    ("ai chu tri to chuc doi thoai voi nguoi dan va doanh nghiep o di linh", "lead"),
    ("Đơn vị nào chủ trì công khai kết quả đánh giá Bộ chỉ số ở Di Linh?", "lead"),
    ("Cơ quan nào chịu trách nhiệm cải cách tài chính công ở Đại Phước?", "lead"),
    ("Đơn vị nào phối hợp tổ chức đối thoại ở Di Linh?", "coordinators"),
    ("Khi nào phải ban hành kế hoạch CCHC năm 2026 ở Năm Dẫn?", "deadline"),
    ("Thời hạn hoàn thành việc rà soát biên chế ở Di Linh?", "deadline"),
    ("thoi gian hoan thanh cong bo danh muc van ban het hieu luc o di linh", "deadline"),
    ("Sản phẩm của nhiệm vụ rà soát biên chế ở Di Linh là gì?", "product"),
    ("Tỷ lệ hồ sơ trực tuyến toàn trình của xã Di Linh phải đạt bao nhiêu phần trăm?", "target"),
    ("Chỉ tiêu văn bản được ký số ở Di Linh là bao nhiêu?", "target"),
    ("Chỉ tiêu ký số văn bản của Di Linh là bao nhiêu?", "target"),     # not "số văn bản" (a number)
    ("Số văn bản của kế hoạch Di Linh là gì?", "fact"),
    ("Phòng Kinh tế xã Di Linh có những nhiệm vụ gì?", "list_by_agency"),
    ("phong van hoa xa hoi xa nam dan phai lam gi", "list_by_agency"),
    ("Những nhiệm vụ nào đến hạn trong quý I/2026 ở Năm Dẫn?", "due_by_date"),
    ("Việc gì phải xong trước tháng 3 ở Năm Dẫn?", "due_by_date"),
    ("Tháng 6/2026 Đại Phước cần làm những gì?", "due_by_date"),
    ("Ai ký kế hoạch CCHC của xã Lộc Hòa?", "fact"),
    ("Kế hoạch của Đại Phước thực hiện kế hoạch nào của tỉnh?", "fact"),
    ("So hieu ke hoach cchc cua xa loc hoa la gi", "fact"),
    ("Kinh phí thực hiện kế hoạch ở Di Linh lấy từ đâu?", "general"),
])
def test_intent(question, intent):
    assert ask(question).intent == intent


@pytest.mark.parametrize("question", [
    "thang nay con trai toi du 17 tuoi, di dang ky nghia vu quan su o dau, can mang giay gi?",
    "Bà tôi năm nay 81 tuổi, xin trợ cấp hằng tháng cần giấy tờ gì?",
])
def test_a_period_in_a_citizens_story_is_not_a_due_question(question):
    assert ask(question).intent != "due_by_date"


def test_a_compound_keeps_its_words_in_the_topic():
    """"ký số văn bản": the cue "số văn bản" must not take "số" and "văn bản" away from "ký"."""
    assert {"ky_so", "van_ban"} <= set(ask("Chỉ tiêu ký số văn bản của Di Linh là bao nhiêu?").topic_terms)


def test_de_typed_plain_is_to_unless_a_compound_holds_it():
    # "để báo kết quả" typed "de bao ket qua": no "đề" in the topic; "đề xuất" keeps its "đề"
    assert "de" not in ask("loc hoa ai lo viec nhan tin de bao ket qua ho so cho dan").topic_terms
    assert "de_xuat" in ask("ai chu tri de xuat sang kien cai cach hanh chinh o di linh").topic_terms


def test_from_where_is_no_product_cue():
    # "lấy ở đâu ra" holds "đầu ra" (a product) only in its letters
    assert ask("kinh phi lam ke hoach cchc cua nam dan lay o dau ra").intent != "product"
    assert ask("Nhiệm vụ số hóa hồ sơ ở Năm Dẫn có đầu ra là gì?").intent == "product"


def test_diacritic_free_question_is_understood_like_the_written_one():
    full = ask("Ai chủ trì tổ chức đối thoại với người dân và doanh nghiệp ở Di Linh?")
    bare = ask("ai chu tri to chuc doi thoai voi nguoi dan va doanh nghiep o di linh")
    assert (full.intent, full.commune, full.topic_terms) == (bare.intent, bare.commune, bare.topic_terms)


def test_abbreviations_expand_into_the_topic():
    short = ask("Ai chủ trì niêm yết danh mục TTHC ở Di Linh?")
    long = ask("Ai chủ trì niêm yết danh mục thủ tục hành chính ở Di Linh?")
    assert short.topic_terms == long.topic_terms


@pytest.mark.parametrize("question,commune", [
    ("ai chu tri doi thoai o di linh", "Di Linh"),
    ("Ke hoach cua xa Loc Hoa co bao nhieu chi tieu", "Lộc Hòa"),
    ("Nhiệm vụ của Đại Phước về tài chính công", "Đại Phước"),
    ("kế hoạch cchc xã năm dẫn", "Năm Dẫn"),
    ("Ai chủ trì đối thoại ở xã Di Lin?", "Di Linh"),      # one typo after a commune marker
])
def test_commune_detection(question, commune):
    q = ask(question)
    assert q.commune == commune
    assert q.unknown_commune is None


@pytest.mark.parametrize("question,name", [
    ("Ai chủ trì tổ chức đối thoại ở xã Tân Phú?", "Tân Phú"),
    ("ke hoach cchc cua xa tan phu co nhung nhiem vu gi", "tan phu"),
    ("Kế hoạch CCHC của phường Bến Thành năm 2026?", "Bến Thành"),
    ("Ở Phú Mỹ có kế hoạch cải cách hành chính không?", "Phú Mỹ"),
    ("xa bao ninh nam 2026 ai phu trach mot cua", "bao ninh"),      # "Bảo …" folded is not "bao nhiêu"
])
def test_unknown_commune_is_recognised(question, name):
    q = ask(question)
    assert q.commune is None
    assert q.unknown_commune == name


@pytest.mark.parametrize("question", [
    "Phòng Văn hóa - Xã hội có những nhiệm vụ gì?",        # "xã hội" is not a commune
    "Cán bộ cấp xã được bồi dưỡng những gì?",
    "UBND xã ban hành kế hoạch CCHC để làm gì?",
    "Đóng góp vào phát triển kinh tế - xã hội của xã",
    "Xã sáp nhập nên địa chỉ trụ sở hợp tác xã đổi tên, có phải đăng ký lại không?",
    "Chồng tôi là người Hàn Quốc, con sinh ở Việt Nam thì khai sinh cần giấy gì?",   # countries
    "Tỷ lệ hồ sơ nộp tại Cổng Dịch vụ công là bao nhiêu?",          # an institution, not a place
    "Nộp hồ sơ ở Bộ phận Một cửa mất mấy ngày?",
    "ubnd xa bao cao ket qua cchc may lan mot nam",
    "cac phong cua xa bao gom nhung phong nao",
])
def test_generic_xa_is_not_a_commune(question):
    q = ask(question)
    assert q.commune is None and q.unknown_commune is None


def test_diacritics_that_contradict_a_commune_name_do_not_match_it():
    # "năm dân" is not "Năm Dẫn"; without diacritics the words could be either, so they match.
    assert match_commune("năm đó dân có quyền gì", COMMUNES) == []
    assert match_commune("Trong năm, dân được hỗ trợ gì?", COMMUNES) == []


def test_a_capitalised_name_with_one_slipped_mark_is_still_that_commune():
    # beside another commune named exactly, so the fuzzy fallback never runs
    assert match_commune("Năm Dẫn và Đại Phươc, bên nào sớm hơn?", COMMUNES) == ["Năm Dẫn", "Đại Phước"]
    assert match_commune("năm dẫn và đại phươc", COMMUNES) == ["Năm Dẫn"]


@pytest.mark.parametrize("question,agency", [
    ("Phòng Kinh tế xã Di Linh có những nhiệm vụ gì?", "Phòng Kinh tế"),
    ("phong kinh te phai lam gi", "Phòng Kinh tế"),
    ("Trung tâm Phục vụ hành chính công chủ trì những nhiệm vụ nào?", "Trung tâm Phục vụ hành chính công"),
    ("Văn phòng HĐND và UBND có những nhiệm vụ gì ở Năm Dẫn?", "Văn phòng HĐND và UBND"),
])
def test_agency_detection(question, agency):
    assert ask(question).agency == agency


def test_generic_agencies_are_never_detected():
    assert ask("Các cơ quan, đơn vị có những nhiệm vụ gì?").agency is None


@pytest.mark.parametrize("text,start,end,mode", [
    ("nhung viec den han trong quy i/2026", date(2026, 1, 1), date(2026, 3, 31), "within"),
    ("quy 2 nam 2026", date(2026, 4, 1), date(2026, 6, 30), "within"),
    ("viec phai xong truoc thang 3", date(2026, 3, 1), date(2026, 3, 31), "before"),
    ("nhiem vu trong quy nay", date(2026, 10, 1), date(2026, 12, 31), "within"),
    ("this quarter", date(2026, 10, 1), date(2026, 12, 31), "within"),
    ("trong thang 12/2025", date(2025, 12, 1), date(2025, 12, 31), "within"),
    ("truoc ngay 10/02/2026", date(2026, 2, 10), date(2026, 2, 10), "before"),
    ("trong nam 2025", date(2025, 1, 1), date(2025, 12, 31), "within"),
])
def test_period_parsing(text, start, end, mode):
    period = find_period(text, TODAY)
    assert period is not None
    assert (period.anchor_start, period.anchor_end, period.mode) == (start, end, mode)


def test_no_period_in_a_plain_question():
    assert find_period("ai chu tri doi thoai voi nguoi dan", TODAY) is None


def test_topic_drops_cue_words_and_entities():
    q = ask("Ai chủ trì tổ chức đối thoại với người dân và doanh nghiệp ở Di Linh?")
    assert "doi_thoai" in q.topic_terms and "doanh_nghiep" in q.topic_terms
    assert not {"chu_tri", "di_linh", "ai", "linh"} & set(q.topic_terms)


def test_content_terms_skip_stopword_bigrams():
    terms = content_terms("đối thoại ở xã")
    assert "doi_thoai" in terms
    assert "thoai_o" not in terms and "o_xa" not in terms


def test_fact_kind():
    assert ask("Ai ký kế hoạch CCHC của xã Lộc Hòa?").fact_kind == "signer"
    assert ask("Số hiệu kế hoạch của xã Lộc Hòa là gì?").fact_kind == "number"
    assert ask("Kế hoạch của xã Di Linh ban hành ngày nào?").fact_kind == "issue_date"
    assert ask("Kế hoạch của Đại Phước thực hiện kế hoạch nào của tỉnh?").fact_kind == "implements"


def test_lead_question_also_asks_for_deadline_when_both_cues_present():
    q = ask("Ai chủ trì và khi nào phải hoàn thành việc ban hành kế hoạch CCHC ở Năm Dẫn?")
    assert q.intent == "lead"
    assert "deadline" in q.fields


def test_plain_letter_stopwords_of_an_accented_question_and_framing_verbs():
    q = understand("Kế hoạch Đại Phước yêu cầu các cơ quan xây dựng kế hoạch CCHC riêng xong trước ngày nào?",
                   ["Đại Phước"], [])
    assert "xong" not in q.topic_terms and "rieng" not in q.topic_terms and "yeu" not in q.topic_terms
    assert "xay_dung" in q.topic_terms
    # alone, "yêu cầu" may be the subject
    assert "yeu_cau" in understand("Kế hoạch của Di Linh đặt ra những yêu cầu gì?", ["Di Linh"], []).topic_terms


def test_which_is_earlier_asks_the_deadline():
    q = understand("Năm Dẫn và Đại Phước, nơi nào phải nộp báo cáo sớm hơn?", ["Năm Dẫn", "Đại Phước"], [])
    assert q.compare == "earliest" and q.intent == "deadline"


def test_the_lexicon_keeps_a_plain_question_plain():
    # "ký điện tử" -> the plans' "ký số", inserted without diacritics: the question's own words
    # ("muon", "vay") stay function words, as they are in a question typed without diacritics
    from assistant.lexicon import default_lexicon

    q = understand("cho hoi xa di linh muon bao nhieu phan tram giay to van ban duoc ky dien tu vay",
                   ["Di Linh"], [], lexicon=default_lexicon())
    assert "ky so" in q.question and "ký" not in q.question
    assert "muon" not in q.topic_terms and "vay" not in q.topic_terms and "ky_so" in q.topic_terms


def test_a_phone_lines_number_is_not_the_plans_number():
    assert understand("Lộc Hòa gọi tổng đài số mấy để phản ánh?", ["Lộc Hòa"], []).fact_kind != "number"
    assert understand("Kế hoạch CCHC của Lộc Hòa số mấy?", ["Lộc Hòa"], []).fact_kind == "number"


def test_it_nhat_is_generic_and_colloquial_funding_words_reach_kinh_phi():
    from assistant.lexicon import default_lexicon

    q = understand("nam dan mot nam phai to chuc it nhat may buoi doi thoai", ["Năm Dẫn"], [])
    assert "nhat" not in q.topic_terms and "doi_thoai" in q.topic_terms
    funded = understand("tien dau ra de lam ke hoach cchc 5 nam o di linh vay", ["Di Linh"], [],
                        lexicon=default_lexicon())
    assert "kinh phi" in funded.question and "kinh_phi" in funded.topic_terms


def test_a_second_plan_detail_asked_with_the_first():
    both = ask("Kế hoạch của Năm Dẫn ai ký và ký hôm nào?")
    assert (both.fact_kind, both.also_fact) == ("signer", "issue_date")
    assert ask("Ai đặt bút ký kế hoạch CCHC của xã Lộc Hòa?").fact_kind == "signer"
    assert ask("Ai ký kế hoạch CCHC của xã Lộc Hòa?").also_fact == ""


@pytest.mark.parametrize("question,compound", [
    ("nam dan bao cao cchc hang quy nop cham nhat ngay may", "bao_cao"),       # "bao" of "bao nhiêu"
    ("xa nam dan co bat can bo phai biet may tinh khong", "can_bo"),         # "can" of "cần"
    ("ho so tre han thi co phai viet giay xin loi khong", "xin_loi"),        # "xin" of "xin hỏi"
])
def test_a_compound_of_function_syllables_stays_in_the_topic(question, compound):
    assert compound in content_terms(question)


def test_the_abbreviations_citizens_write_of_procedures_meet_their_written_out_form():
    from ingest.vntext import tokens

    assert tokens("thành lập HTX") == tokens("thành lập hợp tác xã")
    assert tokens("sổ BHXH") == tokens("sổ bảo hiểm xã hội")
    assert tokens("xin GPXD") == tokens("xin giấy phép xây dựng")
