"""Honest abstention on the focal concept (issue 11): what the question asks the value of must be in
the quoted passage; an office holder is named only when the plan's signer holds that office; actual
figures are not answered by targets. Passages are sentences of the bundled plans (data/plans)."""

from __future__ import annotations

from pathlib import Path

from assistant.lexicon import default_lexicon
from assistant.qa import support
from assistant.qa.intents import Intent
from assistant.qa.strategies.fact import signer_office
from assistant.qa.understand import asks_actual, fold_question, person_question, understand
from assistant.schemas import Answer, Citation

PLANS = Path(__file__).resolve().parents[2] / "data" / "plans"
COMMUNES = ["Di Linh", "Lộc Hòa", "Năm Dẫn", "Đại Phước"]


def plan_line(document: str, needle: str) -> str:
    line = next(l for l in (PLANS / document).read_text(encoding="utf-8").splitlines() if needle in l)
    return line.strip()


def ask(question: str):
    return understand(question, COMMUNES, [], lexicon=default_lexicon())


def answered(text: str, section: str = "") -> Answer:
    return Answer(answer=text, citations=[Citation(document="x.txt", title="", commune="", section=section,
                                                   text=text)])


def focus(question: str) -> list[str]:
    return [" ".join(words) for words, _ in support.focal_phrases(ask(question))]


def test_the_focal_concept_is_what_is_counted_quantified_or_valued():
    assert focus("Bộ phận một cửa Lộc Hòa làm việc mấy giờ?") == ["gio"]
    assert focus("Năm 2026 xã Năm Dẫn tuyển bao nhiêu công chức?") == ["cong chuc", "tuyen"]
    assert focus("Email của Trung tâm Phục vụ hành chính công xã Đại Phước là gì?")[0] == "email"
    # classifiers and units are skipped: the thing counted is what follows them
    assert focus("Năm Dẫn mỗi năm tổ chức tối thiểu mấy buổi đối thoại?") == ["doi thoai"]
    assert focus("Di Linh muốn bao nhiêu phần trăm văn bản được ký số?") == ["van ban"]


def test_a_focal_word_elsewhere_in_the_plan_is_not_support_for_this_passage():
    target = plan_line("nam-dan_2026.txt", "được quán triệt, nắm vững")       # a target about công chức
    q = ask("Lương của công chức bộ phận một cửa Năm Dẫn là bao nhiêu?")
    assert support.unsupported_focus(q, target) == ["Lương"]
    assert support.check_focus(q, answered(target), ["Năm Dẫn"]).abstained
    # "lượng" folds like "lương": typed with diacritics, the written word decides
    assert support.unsupported_focus(q, "Nâng cao chất lượng công chức bộ phận một cửa") == ["Lương"]


def test_the_focal_concept_in_the_quoted_passage_or_through_the_lexicon_is_support():
    signed = plan_line("di-linh_2026-2030.txt", "văn bản được ký số")
    q = ask("Di Linh muốn bao nhiêu phần trăm giấy tờ được ký điện tử?")       # "giấy tờ": văn bản or hồ sơ
    assert support.unsupported_focus(q, signed, default_lexicon()) == []
    assert support.check_focus(q, answered(signed), ["Di Linh"], default_lexicon()) is None
    dialogue = plan_line("nam-dan_2026.txt", "03 cuộc đối thoại")
    assert support.unsupported_focus(ask("Năm Dẫn mỗi năm tổ chức tối thiểu mấy buổi lãnh đạo gặp dân?"),
                                     dialogue, default_lexicon()) == []


def test_office_holders_are_asked_by_role_and_name():
    assert person_question(fold_question("Chủ tịch xã Năm Dẫn là ai?")) == ("chu tich", "name")
    assert person_question(fold_question("Phó Chủ tịch phụ trách văn hóa của xã Năm Dẫn tên gì?")) == \
        ("pho chu tich", "name")
    assert person_question(fold_question("Chủ tịch xã Đại Phước sinh năm bao nhiêu?")) == ("chu tich", "detail")
    assert person_question(fold_question("Kế hoạch của Đại Phước do Phó Chủ tịch nào phụ trách?"))[0] == \
        "pho chu tich"
    # a duty of the office, or an agency asked with "ai": not a person
    assert person_question(fold_question("Chủ tịch UBND xã Năm Dẫn có trách nhiệm gì?")) == ("", "")
    assert person_question(fold_question("Thủ trưởng các cơ quan chịu trách nhiệm trước ai?")) == ("", "")
    q = ask("Trưởng Phòng Kinh tế xã Di Linh là ai?")
    assert q.intent == Intent.FACT and q.fact_kind == "person" and q.person_role == "truong phong"


def test_the_signers_office_is_the_one_signed_under():
    assert signer_office("KT. CHỦ TỊCH PHÓ CHỦ TỊCH") == "pho chu tich"        # Di Linh: a deputy signs
    assert signer_office("TM. ỦY BAN NHÂN DÂN CHỦ TỊCH") == "chu tich"          # Năm Dẫn
    assert signer_office("") == ""


def test_actual_figures_are_told_apart_from_targets():
    assert asks_actual(fold_question("Năm Dẫn hiện có bao nhiêu cán bộ, công chức?"))
    assert asks_actual(fold_question("Lộc Hòa có bao nhiêu ấp?"))
    assert asks_actual(fold_question("Năm 2025 Di Linh thực tế giải quyết đúng hạn được bao nhiêu phần trăm?"))
    assert not asks_actual(fold_question("Lộc Hòa đặt chỉ tiêu có bao nhiêu phần trăm hồ sơ trực tuyến?"))
    assert not asks_actual(fold_question("Tỷ lệ hồ sơ trực tuyến ở Đại Phước phải đạt bao nhiêu?"))
    target = plan_line("loc-hoa_2025.txt", "trước hạn từ 98% trở lên")
    q = ask("Năm 2025 xã Lộc Hòa có bao nhiêu hồ sơ bị trễ hạn?")
    refused = support.check_actual(q, answered(target), ["Lộc Hòa"])
    assert refused.abstained and "98%" in refused.answer                # says what the plan does set


def test_colloquial_payment_and_assistant_words_reach_the_plans_terms():
    lexicon = default_lexicon()
    assert ("trả tiền", "thanh toán") in lexicon.expand("trả tiền thủ tục qua mạng").matches
    assert lexicon.expand("mấy trợ lý AI").matches == (("trợ lý AI", "trợ lý ảo"),)
    # "coi sóc" (to look after) stands for one plan term only, so it is rewritten
    assert lexicon.expand("ai coi sóc việc này").matches == (("coi sóc", "chủ trì"),)


def test_accountable_to_whom_is_not_who_leads_and_thu_truong_stays_as_the_plans_write_it():
    q = ask("Thủ trưởng các cơ quan ở Đại Phước chịu trách nhiệm trước ai?")
    assert q.intent == Intent.GENERAL
    assert "Thủ trưởng" in q.question                  # the plans' own word, not rewritten


def test_headings_inside_a_chunk_are_sections_with_the_lines_under_them():
    from types import SimpleNamespace

    from assistant.qa.strategies.section import section_candidates

    lines = (PLANS / "di-linh_2026-2030.txt").read_text(encoding="utf-8").splitlines()
    start = lines.index("I. QUAN ĐIỂM, MỤC TIÊU, YÊU CẦU")
    end = next(i for i, l in enumerate(lines) if l.startswith("3. Yêu cầu"))
    chunk = SimpleNamespace(section_path=("I. QUAN ĐIỂM, MỤC TIÊU, YÊU CẦU",), text="\n".join(lines[start:end]))
    found = {heading: body for _, heading, body in section_candidates(chunk)}
    assert "2. Mục tiêu tổng quát đến năm 2030" in found
    body = found["2. Mục tiêu tổng quát đến năm 2030"]
    assert body.startswith("Xây dựng nền hành chính của xã hiện đại") and "Quan điểm" not in body


def test_the_heading_above_a_quoted_duty_names_its_agency():
    from types import SimpleNamespace

    from assistant.qa.evidence import heading_above, section_context

    lines = (PLANS / "nam-dan_2026.txt").read_text(encoding="utf-8").splitlines()
    start = lines.index("IV. TỔ CHỨC THỰC HIỆN")
    text = "\n".join(lines[start:start + 20])
    duty = plan_line("nam-dan_2026.txt", "tổng hợp dự toán kinh phí thực hiện công tác CCHC")
    assert heading_above(text, duty) == "2. Phòng Kinh tế"
    chunk = SimpleNamespace(section_path=("IV. TỔ CHỨC THỰC HIỆN",), section="IV. TỔ CHỨC THỰC HIỆN", text=text)
    assert section_context(chunk, duty) == ' (mục "2. Phòng Kinh tế")'


def test_what_must_reach_a_figure_is_focal_and_online_filing_is_the_plans_online_file():
    q = ask("Tỷ lệ hồ sơ nộp online ở Đại Phước phải đạt bao nhiêu?")
    assert "hồ sơ trực tuyến" in q.question                    # "nộp online" → the plans' "trực tuyến"
    target = plan_line("dai-phuoc_2026.txt", "Tỷ lệ hồ sơ trực tuyến trên tổng số hồ sơ")
    # read as the user put it, held by the plan's wording through the lexicon
    assert focus("Tỷ lệ hồ sơ nộp online ở Đại Phước phải đạt bao nhiêu?") == ["ho so nop"]
    assert support.focus_held(q, target, default_lexicon())


def test_the_focal_concept_is_read_as_asked_and_held_through_the_lexicon():
    # the lexicon rewrites "chi phí" to the plans' "kinh phí"; the concept asked is the user's
    # word, held by the plan's through the equivalence
    q = ask("Chi phí thực hiện kế hoạch của Di Linh là bao nhiêu?")
    assert "kinh phí" in q.question and focus(q.asked) == ["chi phi"]
    funding = plan_line("di-linh_2026-2030.txt", "Kinh phí thực hiện Kế hoạch được bố trí")
    assert support.focus_held(q, funding, default_lexicon())


def test_a_phone_number_is_not_partly_there_in_scattered_syllables():
    # "số" (of "chuyển đổi số") and "thoại" (of "đối thoại") apart are not "số điện thoại"
    q = ask("Số điện thoại của Phòng Văn hóa – Xã hội xã Năm Dẫn là bao nhiêu vậy?")
    assert focus(q.asked) == ["so dien thoai"]
    target = plan_line("nam-dan_2026.txt", "bao gồm cả thiết bị di động")
    assert support.unsupported_focus(q, "Chuyển đổi số; đối thoại\n" + target, default_lexicon(),
                                     absent_only=True) == ["Số điện thoại"]
    device = ask("Dịch vụ công trên điện thoại ở Năm Dẫn là bao nhiêu phần trăm?")
    assert "thiết bị di động" in device.question      # on the phone: the plans' mobile device
    assert not support.unsupported_focus(device, target, default_lexicon(), absent_only=True)


def test_a_dash_inside_an_agency_name_ends_no_clause():
    # "Email của Phòng Văn hóa – Xã hội …": the subject is "email", not the name's second half
    assert focus("Cho hỏi email của Phòng Văn hóa – Xã hội xã Đại Phước để gửi báo cáo là gì?") == ["email"]


def test_when_a_service_is_open_is_held_only_by_those_words_side_by_side():
    # "thu" and "bay" are in every plan once folded ("thủ tục", "trình bày"): only the pair counts
    q = ask("xa Di Linh lam viec thu 7 ko")
    assert ("thu", "bay") in [words for words, _ in support.focal_phrases(q)]
    apart = "Trình bày rõ thủ tục tiếp nhận hồ sơ tại Bộ phận Một cửa"
    assert support.unsupported_focus(q, apart, absent_only=True) == ["thu 7"]
    assert support.check_focus(q, answered(apart), ["Di Linh"]).abstained
    assert support.unsupported_focus(q, "Bộ phận Một cửa tiếp nhận hồ sơ vào sáng thứ bảy hằng tuần") == []
    sunday = ask("Bộ phận một cửa Năm Dẫn có mở cửa chủ nhật không?")
    assert support.unsupported_focus(sunday, apart) == ["chủ nhật"]


def test_a_section_named_by_the_question_stands_for_the_phrase_that_named_it():
    q = ask("Mục đích của kế hoạch CCHC Di Linh là gì?")
    goal = "Mục tiêu tổng quát đến năm 2030\nXây dựng nền hành chính của xã hiện đại, chuyên nghiệp"
    assert support.unsupported_focus(q, goal) == ["Mục đích"]
    assert support.unsupported_focus(q, goal, held=("muc dich",)) == []
    assert support.unsupported_focus(q, goal, held=("kinh phi",)) == ["Mục đích"]


def test_a_sum_of_money_asked_needs_a_passage_stating_one():
    line = plan_line("di-linh_2026-2030.txt", "kiểm toán nhà nước về tài chính, ngân sách")
    refused = support.check_focus(ask("Ngân sách CCHC của Di Linh năm nay là bao nhiêu tiền?"), answered(line), ["Di Linh"],
                                  default_lexicon())
    assert refused is not None and refused.abstained and "số tiền" in refused.answer
    stated = answered("Kinh phí hỗ trợ là 5.000.000 đồng cho mỗi mô hình.")
    assert support.check_focus(ask("Kinh phí hỗ trợ mỗi mô hình ở Di Linh là bao nhiêu tiền?"), stated, ["Di Linh"],
                               default_lexicon()) is None


def test_a_day_or_month_asked_of_a_deadline_that_gives_none_is_said_missing():
    yearly = answered('Theo Kế hoạch …, nhiệm vụ "Tổ chức đối thoại …" do Phòng Kinh tế chủ trì; thời gian hoàn thành: Hàng năm.')
    refused = support.check_day_asked(ask("Di Linh tổ chức đối thoại vào tháng nào?"), yearly, ["Di Linh"], ["Hàng năm"])
    assert refused is not None and refused.abstained and "“Hàng năm”" in refused.answer
    # a deadline that names its month answers it; so does an answer whose quote gives the day
    assert support.check_day_asked(ask("Di Linh tổ chức đối thoại vào tháng nào?"), yearly, ["Di Linh"],
                                   ["Quý II/2026"]) is None
    dated = answered("… gửi báo cáo trước ngày 15 của kỳ báo cáo.")
    assert support.check_day_asked(ask("Năm Dẫn gửi báo cáo trước ngày nào?"), dated, ["Năm Dẫn"], ["Định kỳ"]) is None
    # "khi nào" asks no day: a year answers it
    assert support.check_day_asked(ask("Di Linh tổ chức đối thoại khi nào?"), yearly, ["Di Linh"], ["Hàng năm"]) is None
