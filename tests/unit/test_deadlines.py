"""Deadline normalisation on the deadline cells and sentences of the bundled plans."""

from __future__ import annotations

from datetime import date

import pytest

from ingest.deadlines import find_deadline_phrase, parse_deadline

D = date

# Every distinct deadline cell of the three appendix tables, with its plan period.
CELLS = [
    # text, plan years, kind, start, end, recurrence
    ("Trước ngày 31/01 năm liền kề", (2026, 2030), "relative", D(2027, 1, 31), D(2031, 1, 31), "yearly"),
    ("Hàng năm", (2026, 2030), "year", D(2026, 1, 1), D(2030, 12, 31), "yearly"),
    ("Theo Kế hoạch rà soát, đánh giá thủ tục hành chính năm 2026 của xã", (2026, 2030), "relative",
     D(2026, 1, 1), D(2026, 12, 31), ""),
    ("Thường xuyên trong năm", (2026, 2030), "continuous", D(2026, 1, 1), D(2030, 12, 31), ""),
    ("Theo quy định của cấp trên", (2026, 2030), "relative", None, None, ""),
    ("Định kỳ hàng tháng", (2026, 2030), "recurring", D(2026, 1, 1), D(2030, 12, 31), "monthly"),
    ("Sau 3 tháng kể từ khi có hướng dẫn của cơ quan có thẩm quyền", (2026, 2030), "relative", None, None, ""),
    ("Theo kế hoạch của tỉnh", (2026, 2030), "relative", None, None, ""),
    ("Khi có yêu cầu cấp trên", (2026, 2030), "on_demand", None, None, ""),
    ("Theo hướng dẫn của cấp có thẩm quyền", (2026, 2030), "relative", None, None, ""),
    ("Khi có yêu cầu", (2026, 2030), "on_demand", None, None, ""),
    ("Ban hành kế hoạch trong tháng 12 hàng năm và tổ chức thực hiện", (2026, 2030), "month",
     D(2026, 12, 1), D(2030, 12, 31), "yearly"),
    ("Thực hiện thường xuyên khi có yêu cầu của cấp trên", (2026, 2030), "on_demand", None, None, ""),
    ("Báo cáo định kỳ theo thời gian quy định; thực hiện thường xuyên trong năm", (2026, 2030), "continuous",
     D(2026, 1, 1), D(2030, 12, 31), ""),
    ("Khi có triển khai của cấp trên", (2026, 2030), "on_demand", None, None, ""),
    ("Theo các mốc thời gian quy định", (2026, 2030), "relative", None, None, ""),
    ("Bắt đầu thực hiện từ năm 2026", (2026, 2030), "continuous", D(2026, 1, 1), D(2030, 12, 31), ""),
    ("Tổ chức thực hiện theo KH", (2026, 2030), "relative", None, None, ""),
    ("Hàng năm và giai đoạn", (2026, 2030), "year", D(2026, 1, 1), D(2030, 12, 31), "yearly"),
    ("Tổ chức thực hiện", (2026, 2030), "unknown", None, None, ""),
    ("Quý I/2026", (2026, 2026), "quarter", D(2026, 1, 1), D(2026, 3, 31), ""),
    ("Thường xuyên", (2026, 2026), "continuous", D(2026, 1, 1), D(2026, 12, 31), ""),
    ("Năm 2026", (2026, 2026), "year", D(2026, 1, 1), D(2026, 12, 31), ""),
    ("Theo thời hạn đã đăng ký", (2025, 2025), "relative", None, None, ""),
    ("Quý I/2025", (2025, 2025), "quarter", D(2025, 1, 1), D(2025, 3, 31), ""),
    ("Theo hướng dẫn của tỉnh", (2025, 2025), "relative", None, None, ""),
    ("Theo tiến độ phê duyệt", (2025, 2025), "relative", None, None, ""),
    ("Khi có kế hoạch của tỉnh", (2025, 2025), "on_demand", None, None, ""),
    ("Năm 2025", (2025, 2025), "year", D(2025, 1, 1), D(2025, 12, 31), ""),
    # phrases from prose sentences and the brief's forms
    ("trước ngày 10/02/2026", (2026, 2026), "date", D(2026, 2, 10), D(2026, 2, 10), ""),
    ("trước ngày 20/01/2026", (2026, 2026), "date", D(2026, 1, 20), D(2026, 1, 20), ""),
    ("Định kỳ hàng quý", (2026, 2026), "recurring", D(2026, 1, 1), D(2026, 12, 31), "quarterly"),
    ("định kỳ (quý I, 6 tháng, quý III, năm)", (2026, 2026), "recurring", D(2026, 1, 1), D(2026, 12, 31), "quarterly"),
    ("chậm nhất ngày 15 hàng tháng", (2026, 2026), "recurring", D(2026, 1, 1), D(2026, 12, 31), "monthly"),
    ("hằng tháng", (2026, 2026), "recurring", D(2026, 1, 1), D(2026, 12, 31), "monthly"),
    ("ngày 15 tháng 3 năm 2026", (2026, 2026), "date", D(2026, 3, 15), D(2026, 3, 15), ""),
    ("quý 1 năm 2026", (2026, 2026), "quarter", D(2026, 1, 1), D(2026, 3, 31), ""),
    ("chậm nhất trong tháng 9/2026", (2026, 2030), "month", D(2026, 9, 1), D(2026, 9, 30), ""),
    ("6 tháng đầu năm 2026", (2026, 2026), "half_year", D(2026, 1, 1), D(2026, 6, 30), ""),
]


@pytest.mark.parametrize("text,years,kind,start,end,recurrence", CELLS)
def test_real_deadline_cells(text, years, kind, start, end, recurrence):
    d = parse_deadline(text, *years)
    assert d.text == text
    assert (d.kind, d.start, d.end, d.recurrence) == (kind, start, end, recurrence)


def test_day_of_month_is_kept():
    assert parse_deadline("chậm nhất ngày 15 hàng tháng", 2026).day_of_period == 15
    assert parse_deadline("Trước ngày 31/01 năm liền kề", 2026, 2030).day_of_period == 31


def test_without_a_plan_period_text_years_still_resolve():
    d = parse_deadline("Quý I/2026")
    assert (d.start, d.end) == (D(2026, 1, 1), D(2026, 3, 31))
    assert parse_deadline("Hàng năm").start is None


@pytest.mark.parametrize("sentence,phrase", [
    ("Căn cứ Kế hoạch này, các cơ quan chuyên môn xây dựng Kế hoạch cải cách hành chính năm 2026 của cơ quan, "
     "đơn vị bảo đảm sát mục tiêu, nhiệm vụ cải cách hành chính của xã, phù hợp chức năng, nhiệm vụ và tình hình "
     "thực tiễn; các chỉ tiêu không thấp hơn Kế hoạch này và hoàn thành trước ngày 10/02/2026.", "trước ngày 10/02/2026"),
    ("Định kỳ hàng quý báo cáo Chủ tịch UBND xã kết quả xây dựng và rà soát các văn bản quy phạm pháp luật trên "
     "địa bàn xã.", "Định kỳ hàng quý"),
    ("b) Tổng hợp, báo cáo tình hình thực hiện Kế hoạch định kỳ hàng quý theo quy định.", "định kỳ hàng quý"),
    ("Báo cáo kết quả chậm nhất ngày 15 hàng tháng.", "chậm nhất ngày 15 hàng tháng"),
    # a plan's own name is not a deadline
    ("Tổ chức triển khai thực hiện Kế hoạch cải cách hành chính năm 2026; chịu trách nhiệm trước Chủ tịch UBND xã "
     "về kết quả thực hiện.", ""),
])
def test_deadline_phrase_found_in_a_sentence(sentence, phrase):
    assert find_deadline_phrase(sentence) == phrase
