"""Lists within their budget, the measure a target question asks, the monitor of a task: on real plans."""

from __future__ import annotations

from assistant.qa.policy import DEFAULT_POLICY as P
from assistant.qa.strategies.selection import fit_list
from ingest.periods import DueStatus, due_status, parse_period


def _layout(tasks, header="Theo Kế hoạch CCHC năm 2026 của xã Đại Phước, có {n} nhiệm vụ có thời hạn hoàn thành trong quý I/2026:"):
    items = [(t.task, t.deadline or "") for t in tasks]
    tail = lambda rest: (f"\n… và {rest} nhiệm vụ khác. Xem đủ danh sách ở thẻ “Nhiệm vụ” hoặc lệnh "
                         f"`cchc tasks --commune \"Đại Phước\"`." if rest else "")
    return fit_list(header.format(n=len(items)), items, P.list_budget, tail, P.list_shown, P.list_item_min,
                    P.list_item_max, P.list_deadline_chars)


def test_a_short_list_is_written_out_whole_within_the_budget(parsed_plans):
    """dai-phuoc: four duties fall due in Q1/2026, their texts long; all four are listed, each
    opening as the plan words it, and the answer stays within the list budget."""
    q1 = parse_period("quý I/2026")
    due = [t for t in parsed_plans["dai-phuoc_2026.txt"].tasks if due_status(t.deadline_norm, q1) is DueStatus.DUE]
    assert len(due) == 4
    text = _layout(due)
    assert len(text) <= P.list_budget
    lines = text.split("\n")[1:]
    assert [line.split(". ", 1)[0] for line in lines] == ["1", "2", "3", "4"]
    for line, task in zip(lines, due):
        assert task.task[:40] in line
    assert "nhiệm vụ khác" not in text
    # a deadline read from inside the duty's sentence is shown with the words that say what is due
    assert "báo cáo định kỳ (quý I, 6 tháng, quý III, năm)" in text


def test_a_deadline_inside_a_duty_is_shown_with_the_rest_of_its_phrase(parsed_plans):
    """nam-dan: the reporting duty is due "(hàng quý, 6 tháng và hàng năm; …)": its list line
    shows the whole phrase, not a "hàng quý" cut from the periods it lists."""
    q1 = parse_period("quý I/2026")
    due = [t for t in parsed_plans["nam-dan_2026.txt"].tasks if due_status(t.deadline_norm, q1) is DueStatus.DUE]
    text = _layout(due, header="Theo Kế hoạch CCHC năm 2026 của xã Năm Dẫn, có {n} nhiệm vụ có thời hạn hoàn thành trong quý I/2026:")
    assert len(text) <= P.list_budget
    assert "hàng quý, 6 tháng và hàng năm" in text


def test_a_long_list_shows_its_first_items_and_where_to_see_all(parsed_plans):
    """nam-dan: 45 rows; the first five in plan order, then the count of the rest and the filter."""
    rows = [t for t in parsed_plans["nam-dan_2026.txt"].tasks if t.origin == "table"]
    text = _layout(rows, header="Theo Kế hoạch CCHC năm 2026 của xã Năm Dẫn, có {n} nhiệm vụ:")
    assert len(text) <= P.list_budget
    lines = text.split("\n")
    assert lines[0].endswith("có 45 nhiệm vụ:")
    assert [line.split(". ", 1)[0] for line in lines[1:6]] == ["1", "2", "3", "4", "5"]
    assert rows[0].task[:20] in lines[1] and rows[4].task[:20] in lines[5]
    assert lines[6].startswith("… và 40 nhiệm vụ khác.") and "cchc tasks" in lines[6]


def test_a_list_not_asking_when_keeps_the_tasks_words_before_their_deadlines(parsed_plans):
    """di-linh: the five "tổ chức bộ máy" rows open with long texts ("Rà soát, sửa đổi, bổ sung
    chức năng, nhiệm vụ, quyền hạn của cơ quan chuyên môn …"); asked what the area holds, the
    deadline column gives way before a task is cut under the text floor; asked what falls due, the
    deadlines stay."""
    rows = [t for t in parsed_plans["di-linh_2026-2030.txt"].tasks if "bộ máy" in t.area.lower()]
    assert len(rows) == 5 and all(t.deadline for t in rows)
    items = [(t.task, t.deadline) for t in rows]
    header = "Theo Kế hoạch CCHC giai đoạn 2026 - 2030 của xã Di Linh, có 5 nhiệm vụ về cải cách tổ chức bộ máy:"
    args = (header, items, P.list_budget, lambda rest: "", P.list_shown, P.list_item_min, P.list_item_max,
            P.list_deadline_chars)
    untimed = fit_list(*args, text_first=P.list_item_text_first)
    assert len(untimed) <= P.list_budget
    assert "Rà soát, sửa đổi, bổ sung chức năng, nhiệm vụ, quyền hạn của cơ quan chuyên môn" in untimed
    assert "Hàng năm" not in untimed
    timed = fit_list(*args)
    assert "Hàng năm" in timed and len(timed) <= P.list_budget


def test_a_rate_question_fits_the_rate_target_not_the_coverage_target(parsed_plans):
    """di-linh sets "100% TTHC … thanh toán trực tuyến" (coverage) and "Tỷ lệ thanh toán trực
    tuyến … đạt tối thiểu 90%" (the rate); a question asking the rate fits only the second."""
    from assistant.qa.evidence import TermWeights, term_set
    from assistant.qa.strategies.selection import measure_fit
    from assistant.qa.understand import understand

    q = understand("Tỷ lệ thanh toán trực tuyến của Di Linh là bao nhiêu?", ["Di Linh"], [])
    assert q.measure == "rate"
    assert understand("Chỉ tiêu thanh toán trực tuyến của Di Linh?", ["Di Linh"], []).measure == ""
    targets = parsed_plans["di-linh_2026-2030.txt"].targets
    weights = TermWeights(term_set(g.subject) for g in targets)
    online = [g for g in targets if "thanh toán trực tuyến" in g.subject]
    fits = {g.value: measure_fit(q.measure, g.subject, q.topic_terms, weights) for g in online}
    assert fits[90.0] > 0.5 and fits[100.0] == 0.0
    assert measure_fit("", online[0].subject, q.topic_terms, weights) == 0.0


def test_who_monitors_a_task_answers_from_its_monitor_column(parsed_plans):
    """di-linh's table has a "Theo dõi, kiểm tra, đôn đốc" column: Trung tâm IOC is led by Văn
    phòng HĐND và UBND and monitored by Phòng Văn hóa - Xã hội; asked who monitors, the answer
    names the monitor; asked who leads, it does not."""
    from types import SimpleNamespace

    from assistant.qa.strategies.field import field_sentence
    from assistant.qa.understand import understand

    ioc = next(t for t in parsed_plans["di-linh_2026-2030.txt"].tasks if "Trung tâm IOC" in t.task)
    assert ioc.monitor == "Phòng Văn hóa - Xã hội"
    reg = SimpleNamespace(documents={})
    asked = understand("Ai theo dõi, đôn đốc việc vận hành Trung tâm IOC ở Di Linh?", ["Di Linh"], [])
    assert asked.monitor
    assert "theo dõi, kiểm tra, đôn đốc: Phòng Văn hóa - Xã hội" in field_sentence(reg, asked, ioc, 590)
    lead = understand("Ai chủ trì vận hành Trung tâm IOC ở Di Linh?", ["Di Linh"], [])
    assert not lead.monitor and "theo dõi" not in field_sentence(reg, lead, ioc, 590)


def test_an_agency_the_lexicon_would_rewrite_is_still_named(parsed_plans):
    """The plans state duties for "Thủ trưởng các cơ quan, đơn vị (thuộc xã)"; the lexicon
    reads "thủ trưởng" as "người đứng đầu" (a paraphrase), which must not lose the agency."""
    from assistant.lexicon import default_lexicon
    from assistant.qa.understand import understand

    agencies = sorted({n for plan in parsed_plans.values() for t in plan.tasks for n in t.leads if n})
    assert any(n.lower().startswith("thủ trưởng các cơ quan") for n in agencies)
    q = understand("Thủ trưởng các cơ quan, đơn vị ở Đại Phước có những trách nhiệm gì?", ["Đại Phước"],
                   agencies, lexicon=default_lexicon())
    assert q.agency is not None and q.agency.lower().startswith("thủ trưởng các cơ quan")
    assert q.intent == "list_by_agency"
