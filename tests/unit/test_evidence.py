"""Pure evidence helpers: sentence splitting, topic coverage, accent coincidences, due dates."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from assistant.qa.evidence import (COUNT, TermWeights, accent_mismatch, coverage, coverage_parts, focused, quote,
                                split_sentences, term_set)
from assistant.qa.understand import content_terms
from ingest.periods import Period, parse_period, period_needles, period_phrase

PLANS = Path(__file__).resolve().parents[2] / "data" / "plans"


def test_sentences_skip_headings_and_keep_numbered_lists_together():
    text = ("5. Trạm Y tế xã có trách nhiệm\n"
            "Đổi mới tổ chức, quản lý, nâng cao chất lượng dịch vụ y tế công. Câu thứ hai của đoạn.\n"
            "- Thực hiện 02 nhóm TTHC liên thông: - Đăng ký khai sinh. - Đăng ký khai tử\n"
            "II. TỔ CHỨC THỰC HIỆN")
    assert split_sentences(text) == [
        "Đổi mới tổ chức, quản lý, nâng cao chất lượng dịch vụ y tế công.",
        "Câu thứ hai của đoạn.",
        "Thực hiện 02 nhóm TTHC liên thông: - Đăng ký khai sinh. - Đăng ký khai tử",
    ]


def test_every_sentence_of_a_real_plan_is_verbatim():
    text = (PLANS / "di-linh_2026-2030.txt").read_text(encoding="utf-8")
    flat = " ".join(text.replace("*", "").split())       # markdown emphasis is not wording
    sentences = split_sentences(text)
    assert len(sentences) > 100
    assert all(" ".join(s.split()) in flat for s in sentences)


def test_coverage_needs_word_pairs_not_scattered_syllables():
    topic = content_terms("Ai chủ trì xây dựng sân bay?")
    passage = term_set("Xây dựng kế hoạch; sản phẩm trình bày tại hội nghị")
    weights = TermWeights([passage, term_set("đối thoại với người dân")])
    syllables, pairs = coverage_parts(topic, passage, weights)
    assert syllables > 0.7 and pairs < 0.45          # "sân"/"bay" found apart, "sân bay" nowhere
    exact = term_set("Xây dựng sân bay của xã")
    assert coverage(topic, exact, weights) == 1.0
    assert coverage(topic, passage, weights) < 0.7


def test_accent_coincidences_are_caught_only_with_diacritics():
    evidence = "Xây dựng đội ngũ có chất lượng, có số lượng, cơ cấu hợp lý"
    assert accent_mismatch("Mức lương cơ sở năm 2026 là bao nhiêu?", evidence)
    assert not accent_mismatch("muc luong co so nam 2026 la bao nhieu", evidence)
    assert not accent_mismatch("Tỷ lệ hồ sơ giải quyết đúng hạn?", "Tỷ lệ giải quyết hồ sơ đúng hạn đạt 96%")


def test_focused_quote_keeps_the_matching_clause_in_view():
    text = ("Phòng Văn hóa - Xã hội có trách nhiệm giúp Ủy ban nhân dân xã theo dõi, kiểm tra, đôn đốc việc "
            "thực hiện Kế hoạch của các cơ quan, đơn vị; định kỳ tổng hợp, báo cáo kết quả thực hiện cho "
            "Ủy ban nhân dân tỉnh, Sở Nội vụ theo quy định.")
    short = focused(text, content_terms("tổng hợp báo cáo kết quả cho cơ quan nào"), 150)
    assert "Sở Nội vụ" in short and len(short) <= 151
    assert quote("a\nb", 10) == "a\nb"


def test_period_spellings_for_sentence_search():
    day = parse_period("trước 10/02/2026")
    assert "10/02/2026" in period_needles(day)
    assert "quy i/2026" in period_needles(Period(date(2026, 1, 1), date(2026, 3, 31), "x"))
    assert period_phrase(day) == "trước ngày 10/02/2026"


def test_a_pair_with_an_unaccented_word_says_nothing_of_accents():
    # "đôn doc" (a misspelt "đóc" read as its folded syllable) against "đôn đốc": no mismatch
    assert not accent_mismatch("Ai đôn doc cải cách?", "Văn phòng đôn đốc cải cách")


def test_word_runs_leave_out_the_runs_of_a_written_out_abbreviation():
    from assistant.qa.evidence import word_runs

    # every record naming TTHC holds "thủ tục hành chính": its runs tell no wording apart
    runs = word_runs("Rà soát, đánh giá tác động của TTHC")
    assert ("thu", "tuc", "hanh") not in runs and ("danh", "gia", "tac") in runs
    assert ("soat", "thu", "tuc") in word_runs("kiểm soát TTHC")      # across its edge: a run of the text


def test_a_figure_is_not_a_year_nor_the_number_a_document_is_named_by():
    assert COUNT.search("đảm bảo 03 cuộc đối thoại") and COUNT.search("Thực hiện ký số 100% trên các hệ thống")
    assert not COUNT.search("tuyên truyền chuyển đổi số, Đề án 06 và các nội dung")
    assert not COUNT.search("theo Quyết định 766 của Thủ tướng, năm 2026")
