"""The one period model and due rule (ingest.periods): parsing what users type, and what is due."""

from __future__ import annotations

from datetime import date as D

import pytest

from ingest.deadlines import parse_deadline
from ingest.errors import InvalidInput
from ingest.periods import (DueStatus, PeriodError, display_period, due_status, find_date_range, find_period,
                            is_due, parse_period, period_filter, period_phrase)

TODAY = D(2026, 11, 20)


@pytest.mark.parametrize("text,start,end", [
    ("2026-03", D(2026, 3, 1), D(2026, 3, 31)),
    ("tháng 3/2026", D(2026, 3, 1), D(2026, 3, 31)),
    ("thang 3 nam 2026", D(2026, 3, 1), D(2026, 3, 31)),
    ("03/2026", D(2026, 3, 1), D(2026, 3, 31)),
    ("tháng 3", D(2026, 3, 1), D(2026, 3, 31)),
    ("Q1/2026", D(2026, 1, 1), D(2026, 3, 31)),
    ("quý I/2026", D(2026, 1, 1), D(2026, 3, 31)),
    ("quy 2 nam 2026", D(2026, 4, 1), D(2026, 6, 30)),
    ("2026-Q1", D(2026, 1, 1), D(2026, 3, 31)),
    ("2026-Q4", D(2026, 10, 1), D(2026, 12, 31)),
    ("2026", D(2026, 1, 1), D(2026, 12, 31)),
    ("năm 2025", D(2025, 1, 1), D(2025, 12, 31)),
    ("năm nay", D(2026, 1, 1), D(2026, 12, 31)),
    ("quý này", D(2026, 10, 1), D(2026, 12, 31)),
    ("2026-03-15", D(2026, 3, 15), D(2026, 3, 15)),
    ("30/6/2026", D(2026, 6, 30), D(2026, 6, 30)),
    ("6 tháng đầu năm 2026", D(2026, 1, 1), D(2026, 6, 30)),
])
def test_typed_periods(text, start, end):
    period = parse_period(text, TODAY)
    assert (period.start, period.end, period.mode) == (start, end, "within")


def test_before_a_day_runs_from_the_start_of_its_year_up_to_the_day():
    period = parse_period("trước 30/6/2026", TODAY)
    assert (period.start, period.end, period.mode) == (D(2026, 1, 1), D(2026, 6, 30), "before")
    assert display_period(period) == "ngày 30/06/2026"
    quarter = parse_period("trước quý III/2026", TODAY)
    assert (quarter.start, quarter.end) == (D(2026, 1, 1), D(2026, 6, 30))


@pytest.mark.parametrize("text", ["2026-13", "quý 5/2026", "tháng 13/2026", "31/2/2026", "sớm nhất có thể", ""])
def test_unreadable_periods_raise_one_typed_error_in_vietnamese(text):
    with pytest.raises(PeriodError, match="Không hiểu khoảng thời gian"):
        parse_period(text, TODAY)
    assert issubclass(PeriodError, ValueError) and issubclass(PeriodError, InvalidInput)


def test_periods_inside_questions():
    assert find_period("Trong quý II/2025 xã Lộc Hòa phải hoàn thành những nhiệm vụ nào?", TODAY).start == D(2025, 4, 1)
    assert find_period("nhiem vu trong quy nay", TODAY).end == D(2026, 12, 31)
    assert find_period("ai chủ trì đối thoại?", TODAY) is None


def test_a_range_of_two_days_is_one_window():
    # a question's "từ … đến …", and a record's dated rate ("Kể từ ngày … đến hết ngày …")
    asked = find_period("Từ 1/3 đến 30/6/2026 Năm Dẫn có việc gì đến hạn?", TODAY)
    assert (asked.start, asked.end, asked.mode) == (D(2026, 3, 1), D(2026, 6, 30), "within")
    rate = "Kể từ ngày 01/7/2025 đến hết ngày 31/12/2026 mức thu lệ phí cấp đổi, cấp lại thẻ căn cước bằng 50%"
    assert find_date_range(rate, TODAY) == (D(2025, 7, 1), D(2026, 12, 31))
    assert find_date_range("trước ngày 20/01/2026", TODAY) is None
    assert find_date_range("từ ngày 30/6/2026 đến ngày 1/3/2026", TODAY) is None     # backwards: no window
    assert find_period("trước ngày 20/01/2026", TODAY).mode == "before"


Q1 = parse_period("quý I/2026")


@pytest.mark.parametrize("deadline,years,status", [
    ("Quý I/2026", (2026, 2026), DueStatus.DUE),
    ("Trước ngày 20/01/2026", (2026, 2026), DueStatus.DUE),
    ("Tháng 3/2026", (2026, 2026), DueStatus.DUE),
    ("Quý II/2026", (2026, 2026), DueStatus.NOT_DUE),
    ("Hàng tháng", (2026, 2030), DueStatus.DUE),               # an occurrence every month
    ("chậm nhất ngày 15 hàng tháng", (2026, 2026), DueStatus.DUE),
    ("Định kỳ hàng quý", (2026, 2030), DueStatus.DUE),          # at the end of each quarter
    ("Thường xuyên", (2026, 2026), DueStatus.ONGOING),
    ("Hàng năm", (2026, 2030), DueStatus.ONGOING),              # whole-year standing duty
    ("Năm 2026", (2026, 2026), DueStatus.ONGOING),              # due at the year's end, under way now
    ("Khi có yêu cầu", (2026, 2030), DueStatus.NEVER),
    ("Theo quy định của cấp trên", (2026, 2030), DueStatus.NEVER),
    ("Trong tháng 12 hàng năm", (2026, 2030), DueStatus.NOT_DUE),
    ("Trước ngày 31/01 năm liền kề", (2026, 2030), DueStatus.NOT_DUE),   # first due 31/01/2027
    ("Thường xuyên", (2025, 2025), DueStatus.NOT_DUE),          # outside its plan period
])
def test_the_due_rule(deadline, years, status):
    assert due_status(parse_deadline(deadline, *years), Q1) is status


def test_recurring_and_anchored_yearly_deadlines_fall_due_on_their_occurrences():
    fifteenth = parse_deadline("chậm nhất ngày 15 hàng tháng", 2026)
    assert is_due(fifteenth, parse_period("15/3/2026"))
    assert not is_due(fifteenth, parse_period("10/3/2026"))
    december = parse_deadline("Ban hành kế hoạch trong tháng 12 hàng năm và tổ chức thực hiện", 2026, 2030)
    assert is_due(december, parse_period("tháng 12/2028")) and not is_due(december, parse_period("tháng 11/2028"))
    rule = parse_deadline("Trước ngày 31/01 năm liền kề", 2026, 2030)
    assert is_due(rule, parse_period("2027-01"))
    quarterly = parse_deadline("Định kỳ hàng quý", 2026, 2030)
    assert not is_due(quarterly, parse_period("2026-02")) and is_due(quarterly, parse_period("2026-03"))
    assert due_status(parse_deadline("Năm 2026", 2026), parse_period("2026")) is DueStatus.DUE
    assert not is_due(parse_deadline("Hàng tháng", 2026, 2030), parse_period("2031-01"))
    # a standing duty is never due, even asked about its whole plan year
    assert due_status(parse_deadline("Thường xuyên", 2025), parse_period("năm 2025")) is DueStatus.ONGOING


def test_a_real_plan_quarter_splits_into_due_and_ongoing(parsed_plans):
    """nam-dan: 44 rows with a deadline (Quý I/2026, Năm 2026 or Thường xuyên); 3 fall due in Q1."""
    tasks = [r for r in parsed_plans["nam-dan_2026.txt"].tasks if r.origin == "table"]
    status = [due_status(r.deadline_norm, Q1) for r in tasks]
    due = {r.number for r, s in zip(tasks, status) if s is DueStatus.DUE}
    ongoing = [r for r, s in zip(tasks, status) if s is DueStatus.ONGOING]
    assert due == {"1", "17", "18"}
    assert len(ongoing) == 41
    assert not any(is_due(r.deadline_norm, parse_period("2027-01")) for r in tasks)


@pytest.mark.parametrize("question,start,end,label", [
    # "trước khi hết", "đến hết", "đến cuối" = by the end of it (from 1 January of its year)
    ("Trung tâm Phục vụ Hành chính công Năm Dẫn phải làm xong gì trước khi hết quý 1 năm 2026?",
     D(2026, 1, 1), D(2026, 3, 31), "đến hết quý I/2026"),
    ("Đến cuối tháng 3/2026, Năm Dẫn phải ban hành những kế hoạch nào?",
     D(2026, 1, 1), D(2026, 3, 31), "đến hết tháng 3/2026"),
    ("Đến hết tháng 9/2026 các cơ quan ở Di Linh phải nộp báo cáo gì?",
     D(2026, 1, 1), D(2026, 9, 30), "đến hết tháng 9/2026"),
    ("Những việc nào phải xong trước khi kết thúc quý II/2026?", D(2026, 1, 1), D(2026, 6, 30),
     "đến hết quý II/2026"),
    # a bare date, without "ngày"
    ("Trước 20/01/2026 các cơ quan ở Năm Dẫn phải xong việc gì?", D(2026, 1, 1), D(2026, 1, 20),
     "trước ngày 20/01/2026"),
    # "trước" a quarter is still before it starts
    ("Nhiệm vụ nào phải xong trước quý II/2026?", D(2026, 1, 1), D(2026, 3, 31), "trước quý II/2026"),
])
def test_by_the_end_of_a_period_includes_it(question, start, end, label):
    period = find_period(question, TODAY)
    assert (period.start, period.end) == (start, end)
    assert period_phrase(period) == label
    # the see-all filter reads back to the same window
    again = parse_period(period_filter(period), TODAY)
    assert (again.start, again.end) == (start, end)


def test_by_the_end_keeps_its_words_in_the_period_text():
    """The question's topic drops the period text, "đến hết" with it."""
    assert find_period("Đến hết tháng 9/2026 các cơ quan phải nộp gì?", TODAY).text == "den het thang 9/2026"


def test_a_month_of_every_year_finds_the_yearly_rule_of_a_real_plan(parsed_plans):
    """di-linh: "Trước ngày 31/01 năm liền kề" first falls due in January 2027; asked "tháng 1
    hằng năm" it is due, asked about January 2026 it is not."""
    every_january = find_period("Văn phòng HĐND và UBND Di Linh phải hoàn thành gì trong tháng 1 hằng năm?", TODAY)
    assert every_january.every_year and display_period(every_january) == "tháng 1 hằng năm"
    assert period_filter(every_january) == ""          # no typed filter says it
    tasks = parsed_plans["di-linh_2026-2030.txt"].tasks
    rule = next(r for r in tasks if r.deadline == "Trước ngày 31/01 năm liền kề")
    assert due_status(rule.deadline_norm, every_january) is DueStatus.DUE
    assert due_status(rule.deadline_norm, parse_period("tháng 1/2026", TODAY)) is DueStatus.NOT_DUE
    december = next(r for r in tasks if (r.deadline or "").startswith("Ban hành kế hoạch trong tháng 12"))
    assert due_status(december.deadline_norm, every_january) is DueStatus.NOT_DUE


def test_what_starts_in_a_period_is_what_its_deadline_says_starts_then(parsed_plans):
    """di-linh: "Bắt đầu thực hiện từ năm 2026" (the AI task) starts in 2026; asked what starts
    from 2026, it is the one due, while a "Năm 2026"-style or standing duty is not."""
    starts = find_period("Từ năm 2026 Di Linh bắt đầu triển khai việc gì?", TODAY)
    assert starts.mode == "from" and period_phrase(starts) == "từ năm 2026" and period_filter(starts) == ""
    tasks = parsed_plans["di-linh_2026-2030.txt"].tasks
    due = [t for t in tasks if due_status(t.deadline_norm, starts) is DueStatus.DUE]
    assert [t.deadline for t in due] == ["Bắt đầu thực hiện từ năm 2026"]
    assert "ứng dụng AI" in due[0].task
    # the same year asked as a window still finds what falls due in it
    assert find_period("Trong năm 2026 Di Linh phải làm gì?", TODAY).mode == "within"
    assert due_status(due[0].deadline_norm, parse_period("2027", TODAY)) is not DueStatus.DUE


def test_whole_year_is_one_calendar_year_within():
    assert find_period("năm 2026", D(2026, 3, 1)).whole_year
    assert not find_period("quý I/2026", D(2026, 3, 1)).whole_year
    assert not find_period("6 tháng đầu năm 2026", D(2026, 3, 1)).whole_year
