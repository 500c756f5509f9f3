"""Quantitative targets from prose and appendix cells of the bundled plans."""

from __future__ import annotations

import pytest

from ingest.targets import find_targets


def targets_at(parsed_plans, name, line):
    return [t for t in parsed_plans[name].targets if t.source.line_start <= line <= t.source.line_end]


@pytest.mark.parametrize("sentence,expected", [
    # di-linh line 201
    ("Tối thiểu 95% văn bản được ký số.", [("văn bản", ">=", 95.0, "%", "Tối thiểu 95%")]),
    # di-linh line 39: leading "100% ..."
    ("100% văn bản quy phạm pháp luật hết hiệu lực, tạm ngưng hiệu lực được công bố kịp thời, đúng quy định.",
     [("văn bản quy phạm pháp luật hết hiệu lực, tạm ngưng hiệu lực", "=", 100.0, "%", "100%")]),
    # nam-dan line 76
    ("phấn đấu tỷ lệ hồ sơ thủ tục hành chính được giải quyết đúng hạn đạt từ 95% trở lên, hạn chế tối đa hồ sơ "
     "trễ hạn và phát sinh sai sót.",
     [("tỷ lệ hồ sơ thủ tục hành chính được giải quyết đúng hạn", ">=", 95.0, "%", "đạt từ 95% trở lên")]),
    # di-linh line 161
    ("Phân đầu hàng năm tỷ lệ giải ngân kế hoạch vốn đầu tư công từ nguồn ngân sách nhà nước đạt trên 90% kế hoạch "
     "được cấp có thẩm quyền giao.",
     [("tỷ lệ giải ngân kế hoạch vốn đầu tư công từ nguồn ngân sách nhà nước", ">", 90.0, "%", "đạt trên 90%")]),
    # dai-phuoc lines 118-120
    ("Rà soát, đề xuất phương án cắt giảm, đơn giản hóa TTHC trên các lĩnh vực quản lý (10% TTHC kiến nghị đơn giản "
     "hóa; giảm tối thiểu 20% thông tin phải khai báo trên cơ sở tái sử dụng dữ liệu đã được số hóa).",
     [("TTHC kiến nghị đơn giản hóa", "=", 10.0, "%", "10%"),
      ("thông tin", "decrease>=", 20.0, "%", "giảm tối thiểu 20%")]),
    # dai-phuoc lines 124-126: "đạt 70%"
    ("Tỷ lệ giải quyết hồ sơ đúng hạn đạt tối thiểu 98%; tỷ lệ thủ tục hành chính được tiếp nhận, giải quyết phi địa "
     "giới hành chính giữa trung ương và địa phương, giữa các cấp chính quyền đạt 70%.",
     [("Tỷ lệ giải quyết hồ sơ đúng hạn", ">=", 98.0, "%", "đạt tối thiểu 98%"),
      ("tỷ lệ thủ tục hành chính được tiếp nhận, giải quyết phi địa giới hành chính giữa trung ương và địa phương, "
       "giữa các cấp chính quyền", "=", 70.0, "%", "đạt 70%")]),
    # dai-phuoc line 231
    ("Năm 2030, giảm bình quân 10% biên chế sự nghiệp hưởng lương từ ngân sách nhà nước so với năm 2025.",
     [("biên chế sự nghiệp hưởng lương", "decrease=", 10.0, "%", "giảm bình quân 10%")]),
    # nam-dan line 212: a count
    ("Đảm bảo tối thiểu có 03 cuộc đối thoại/diễn đàn giữa lãnh đạo tỉnh với người dân, doanh nghiệp được tổ chức "
     "trong năm.",
     [("cuộc đối thoại/diễn đàn giữa lãnh đạo tỉnh với người dân, doanh nghiệp", ">=", 3.0, "cuộc",
       "tối thiểu có 03 cuộc")]),
    # di-linh line 373 (product cell)
    ("Hàng năm phải có ít nhất 01 sáng kiến/mô hình/ giải pháp về cải cách hành chính và báo cáo kết quả thực hiện "
     "chậm nhất trong tháng 9/2026",
     [("sáng kiến/mô hình/ giải pháp về cải cách hành chính", ">=", 1.0, "sáng kiến", "ít nhất 01 sáng kiến")]),
    # the brief's forms that the bundled plans do not use
    ("Chỉ số cải cách hành chính tăng tối thiểu 05 bậc so với năm trước.",
     [("Chỉ số cải cách hành chính", "increase>=", 5.0, "bậc", "tăng tối thiểu 05 bậc")]),
    ("Tổ chức 02 cuộc đối thoại với doanh nghiệp.", [("cuộc đối thoại với doanh nghiệp", "=", 2.0, "cuộc", "Tổ chức 02 cuộc")]),
    # numbers that are not targets
    ("Cải cách hành chính tập trung vào 06 nội dung trọng tâm như: cải cách thể chế", []),
    ("theo quy định tại 28 nghị định về phân cấp, theo mô hình chính quyền địa phương 02 cấp.", []),
    ("Quyết định số 766/QĐ-TTg ngày 23/6/2022 của Thủ tướng Chính phủ", []),
])
def test_targets_in_real_sentences(sentence, expected):
    assert find_targets(sentence) == expected


def test_prose_targets_carry_area_and_source(parsed_plans):
    [t] = targets_at(parsed_plans, "di-linh_2026-2030.txt", 201)
    assert (t.subject, t.comparator, t.value, t.unit) == ("văn bản", ">=", 95.0, "%")
    assert t.area == "II. CHỈ TIÊU, NHIỆM VỤ › 6. Xây dựng và phát triển chính quyền số › a) Mục tiêu"
    assert t.sentence == "Tối thiểu 95% văn bản được ký số."
    assert t.document == "di-linh_2026-2030.txt" and t.commune == "Di Linh"
    # a hard-wrapped PDF sentence (dai-phuoc lines 158-160) is found whole
    [t] = targets_at(parsed_plans, "dai-phuoc_2026.txt", 159)
    assert t.text == "đạt tối thiểu 95%" and t.subject.startswith("Mức độ hài lòng của người dân, doanh nghiệp")


def test_table_cell_targets(parsed_plans):
    # loc-hoa goal cell of 2.2 (line 407) and the goal of 3.4 joined across a page break (lines 418-420)
    found = {(t.subject, t.comparator, t.value) for t in targets_at(parsed_plans, "loc-hoa_2025.txt", 407)}
    assert ("Tỷ lệ giải quyết hồ sơ đúng hạn", ">=", 96.0) in found
    joined = [t for t in parsed_plans["loc-hoa_2025.txt"].targets if t.source.line_start == 418]
    assert [(t.comparator, t.value) for t in joined] == [(">=", 70.0), (">=", 30.0)]
    assert all(t.area.startswith("II. Cải cách thủ tục hành chính › 3.") for t in joined)
    # the goal shared by the activity on line 420 is not counted twice
    assert not [t for t in parsed_plans["loc-hoa_2025.txt"].targets if t.source.line_start == 420 and t.value == 70.0]
    # the product cell split by a page break in di-linh VI.10 (lines 362-365) yields its last target whole
    product = [t for t in parsed_plans["di-linh_2026-2030.txt"].targets if t.source.line_start == 362]
    assert len(product) == 5
    assert product[-1].subject.startswith("Tỷ lệ TTTT trên Cổng Dịch vụ công quốc gia")


def test_every_plan_has_targets(parsed_plans):
    for name, plan in parsed_plans.items():
        assert len(plan.targets) >= 10, name
        for t in plan.targets:
            assert t.comparator in (">=", ">", "<=", "<", "=", "increase>=", "decrease>=", "increase=", "decrease=")
            assert t.unit and t.text and t.sentence and t.source is not None
            assert t.text in t.sentence


def test_a_floor_or_ceiling_asked_reads_the_plans_comparator_words():
    from ingest.targets import bound_asked
    assert bound_asked("nam dan muon kiem tra duoc toi thieu bao nhieu phan tram") == ">="
    assert bound_asked("it nhat may sang kien") == ">="
    assert bound_asked("thoi gian giai quyet toi da bao nhieu ngay") == "<="
    assert bound_asked("ty le hai long la bao nhieu") == ""
