"""A counted list within its budget (assistant.qa.strategies.selection.fit_list), on real plans."""

from __future__ import annotations

from assistant.qa.policy import DEFAULT_POLICY as P
from assistant.qa.strategies.selection import fit_list
from ingest.periods import DueStatus, due_status, parse_period


def _layout(tasks, header="Theo Kế hoạch CCHC năm 2026 của xã Đại Phước, có {n} nhiệm vụ có thời hạn hoàn thành trong quý I/2026:"):
    items = [(t.task, t.deadline or "") for t in tasks]
    tail = lambda rest: f"\n… và {rest} nhiệm vụ khác. Xem đủ danh sách ở thẻ “Nhiệm vụ” hoặc lệnh `cchc tasks --commune \"Đại Phước\"`."
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
