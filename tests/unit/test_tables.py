"""Appendix tables → task records, on the three table layouts of the bundled plans."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from ingest.agencies import looks_like_agency
from ingest.models import Block
from ingest.tables import looks_like_deadline, map_header, parse_tables

FIXTURES = Path(__file__).parents[1] / "fixtures"
COUNTS = json.loads((FIXTURES / "task_counts.json").read_text(encoding="utf-8"))
CHECKED = json.loads((FIXTURES / "tasks_checked.json").read_text(encoding="utf-8"))
TABLE_PLANS = [name for name, info in COUNTS.items() if not name.startswith("_") and info["table"]]


def table_records(parsed_plans, name):
    return [r for r in parsed_plans[name].tasks if r.origin == "table"]


def by_line(parsed_plans, name, line):
    found = [r for r in table_records(parsed_plans, name) if r.source.line_start == line]
    assert len(found) == 1, (name, line, found)
    return found[0]


@pytest.mark.parametrize("name", TABLE_PLANS)
def test_record_count_equals_rows_counted_by_reading(parsed_plans, name):
    records = table_records(parsed_plans, name)
    assert len(records) == COUNTS[name]["table"]
    groups = Counter(r.area.split(". ", 1)[0] for r in records)
    assert dict(groups) == COUNTS[name]["by_group"]


def test_loc_hoa_subgroup_counts(parsed_plans):
    records = table_records(parsed_plans, "loc-hoa_2025.txt")
    sub = Counter()
    for r in records:
        parts = r.area.split(" › ")
        if len(parts) > 1:
            sub[parts[0].split(". ", 1)[0] + " › " + parts[1].split(". ", 1)[0]] += 1
    assert dict(sub) == COUNTS["loc-hoa_2025.txt"]["by_subgroup"]


@pytest.mark.parametrize("name", TABLE_PLANS)
def test_checked_records_match_field_by_field(parsed_plans, name):
    for expected in CHECKED[name]:
        r = by_line(parsed_plans, name, expected["line_start"])
        actual = {
            "line_start": r.source.line_start, "line_end": r.source.line_end, "number": r.number,
            "area": r.area, "section": r.source.section, "goal": r.goal, "task": r.task,
            "product": r.product, "lead": r.lead, "leads": r.leads, "coordinators": r.coordinators,
            "coordinator_list": r.coordinator_list, "deadline": r.deadline,
            "deadline_kind": r.deadline_norm.kind, "monitor": r.monitor, "flags": sorted(r.flags),
        }
        assert actual == expected, expected["line_start"]
    assert len(CHECKED[name]) >= 10


@pytest.mark.parametrize("name", TABLE_PLANS)
def test_no_lead_is_a_product_or_a_deadline(parsed_plans, name):
    for r in table_records(parsed_plans, name):
        if not r.lead:
            continue
        assert looks_like_agency(r.lead), (r.source.line_start, r.lead)
        assert not looks_like_deadline(r.lead), (r.source.line_start, r.lead)
        assert r.lead != r.product
        for coordinator in (r.coordinators, r.monitor):
            assert not coordinator or not looks_like_deadline(coordinator), (r.source.line_start, coordinator)
        if r.deadline:
            assert not looks_like_agency(r.deadline), (r.source.line_start, r.deadline)


def test_three_layouts_map_columns_by_name():
    assert map_header("STT\tNhiệm vụ\tSản phẩm\tThời gian hoàn thành\tChủ trì thực hiện\tPhối hợp thực hiện\t"
                      "Theo dõi, kiểm tra, đôn đốc".split("\t")) == COUNTS["di-linh_2026-2030.txt"]["layout"]
    assert map_header("STT\tTên nhiệm vụ\tCơ quan chủ trì\tCơ quan phối hợp\tSản phẩm\tThời gian".split("\t")) \
        == COUNTS["nam-dan_2026.txt"]["layout"]
    assert map_header("STT\tMục tiêu\tNhiệm vụ/Hoạt động\tKết quả/Sản phẩm\tCơ quan chủ trì\tCơ quan phối hợp\t"
                      "Thời gian hoàn thành".split("\t")) == COUNTS["loc-hoa_2025.txt"]["layout"]
    # an unknown column is kept aside, a data row is no header
    assert map_header(["STT", "Nhiệm vụ", "Ghi chú", "Cơ quan chủ trì", "Thời gian"]) == \
        ["number", "task", None, "lead", "deadline"]
    assert map_header(["1", "Ban hành kế hoạch CCHC năm 2026.", "Phòng Văn hóa – Xã hội"]) is None


def _rows(lines: list[str], first_line: int = 1) -> list[Block]:
    return [Block(kind="table_row", text=line, section_path=("Phụ lục",), line_start=n, line_end=n,
                  cells=line.split("\t"), in_appendix=True)
            for n, line in enumerate(lines, start=first_line) if line]


def test_columns_follow_the_header_not_the_position():
    """nam-dan row 1 with its columns in another order and an unknown column in between."""
    blocks = _rows([
        "STT\tThời gian\tCơ quan phối hợp\tGhi chú\tTên nhiệm vụ\tCơ quan chủ trì\tSản phẩm",
        "1\tQuý I/2026\tCác cơ quan, đơn vị có liên quan\tx\tBan hành kế hoạch CCHC năm 2026.\tPhòng Văn hóa – Xã hội\tKế hoạch",
    ])
    [r] = parse_tables(blocks, "t.txt", "T", 2026, 2026)
    assert (r.number, r.task, r.lead, r.coordinators, r.product, r.deadline) == (
        "1", "Ban hành kế hoạch CCHC năm 2026.", "Phòng Văn hóa – Xã hội",
        "Các cơ quan, đơn vị có liên quan", "Kế hoạch", "Quý I/2026")
    assert r.flags == []


def test_repeated_header_is_skipped_and_page_break_tail_is_joined(parsed_plans):
    # di-linh II.3: "... cho người dân nộp" / page break, header repeated / "hồ sơ"
    r = by_line(parsed_plans, "di-linh_2026-2030.txt", 303)
    assert r.task.endswith("tạo thuận lợi tối đa cho người dân nộp hồ sơ")
    assert (r.source.line_start, r.source.line_end) == (303, 306)
    assert "continuation_joined" in r.flags
    # the tail of a split product cell (di-linh IV.1) and of a split lead cell (nam-dan 23)
    assert by_line(parsed_plans, "di-linh_2026-2030.txt", 329).product.endswith(
        "theo chức danh nghề nghiệp của đơn vị sự nghiệp công lập")
    r = by_line(parsed_plans, "nam-dan_2026.txt", 236)
    assert r.lead == "Trung tâm Phục vụ Hành chính Công"
    assert r.task.endswith("giữa các Cơ quan có thẩm quyền giải quyết hoặc các cơ quan có liên quan bằng phương thức điện tử")
    # no header row became a record
    for name in TABLE_PLANS:
        assert not any(r.number == "STT" or r.task in ("Nhiệm vụ", "Tên nhiệm vụ") for r in table_records(parsed_plans, name))


def test_empty_number_rows_new_activity_versus_continuation(parsed_plans):
    name = "loc-hoa_2025.txt"
    # line 420 after a page break: its goal cell continues 3.4's goal, the rest is a new activity
    head, shared = by_line(parsed_plans, name, 418), by_line(parsed_plans, name, 420)
    assert head.goal.endswith("kết quả giải quyết các cấp TTHC đạt từ 70% trở lên; tỷ lệ khai thác, sử dụng lại "
                              "thông tin, dữ liệu số hóa đạt từ 30% trở lên.")
    assert shared.goal == head.goal and shared.number == "3.4" and "inherited_number" in shared.flags
    assert shared.task == "Hỗ trợ hướng dẫn quy trình số hóa cho CCVC tiếp nhận, giải quyết TTHC"
    # line 428 after a page break starts lower-case with no lead: the tail of row III.1
    r = by_line(parsed_plans, name, 426)
    assert r.source.line_end == 428
    assert r.goal == "100% cơ quan hành chính có quy định chức năng, nhiệm vụ, quyền hạn và cơ cấu tổ chức theo quy định"
    # line 444 holds only "Thường xuyên": the deadline of the row above
    assert by_line(parsed_plans, name, 443).deadline == "Thường xuyên"
    assert not any(r.source.line_start in (428, 437, 444, 446, 457, 467) for r in table_records(parsed_plans, name))


def test_group_rows_set_the_area(parsed_plans):
    r = by_line(parsed_plans, "loc-hoa_2025.txt", 401)
    assert r.area == "II. Cải cách thủ tục hành chính › 1. Kiểm soát thủ tục hành chính"
    assert r.source.section_path == ("Phụ lục", "II. Cải cách thủ tục hành chính",
                                     "1. Kiểm soát thủ tục hành chính", "1.1")
    # "2.2" is not under the sub-group "2.1 CSDL chuyên ngành ..." of section VI
    assert by_line(parsed_plans, "loc-hoa_2025.txt", 454).area == (
        "VI. Xây dựng và phát triển Chính quyền điện tử, Chính quyền số › "
        "2. Xây dựng và phát triển cơ sở dữ liệu, ứng dụng quản lý nội bộ")
    # a roman label with its title in the next cell (di-linh) and in the same cell (loc-hoa IV)
    assert by_line(parsed_plans, "di-linh_2026-2030.txt", 313).source.section == \
        "Phụ lục › II. Cải cách thủ tục hành chính › 7"
    assert by_line(parsed_plans, "loc-hoa_2025.txt", 433).area == "IV. Cải cách chế độ công vụ"
    # the activity printed on group row III continues 4.1 of section II
    r = by_line(parsed_plans, "loc-hoa_2025.txt", 425)
    assert r.number == "4.1" and r.area.startswith("II. ") and "shares_group_row" in r.flags


def test_malformed_rows_are_kept_and_flagged(parsed_plans):
    name = "loc-hoa_2025.txt"
    # lead and deadline fused in one cell: "Văn phòng UBND Theo tiến độ phê duyệt"
    r = by_line(parsed_plans, name, 429)
    assert (r.coordinators, r.deadline, r.deadline_norm.kind) == ("Văn phòng UBND", "Theo tiến độ phê duyệt", "relative")
    assert "fused_cells" in r.flags
    # 6 cells in a 7-column table: nothing shifted into the wrong column
    r = by_line(parsed_plans, name, 441)
    assert (r.goal, r.product, r.lead, r.deadline) == (
        "", "Văn bản QPPL, Văn bản triển khai", "Tài chính - Kế toán xã", "Thường xuyên")
    assert "missing_cells" in r.flags
    # a deadline printed in the product column is moved, not kept as a product
    r = by_line(parsed_plans, name, 438)
    assert (r.product, r.deadline, r.lead) == ("", "Khi có kế hoạch của tỉnh", "Văn phòng UBND xã")
    assert "reordered_cells" in r.flags
    # agencies printed in the deadline column are left out, not taken as a deadline
    r = by_line(parsed_plans, name, 421)
    assert r.deadline == "" and "unplaced_cells" in r.flags
    # nam-dan's last row has only its task
    assert "missing_lead" in by_line(parsed_plans, "nam-dan_2026.txt", 276).flags


def test_deadlines_are_normalised_with_the_plan_period(parsed_plans):
    r = by_line(parsed_plans, "di-linh_2026-2030.txt", 296)  # "Hàng năm" in a 2026-2030 plan
    assert (r.deadline_norm.kind, r.deadline_norm.recurrence) == ("year", "yearly")
    assert (r.deadline_norm.start.isoformat(), r.deadline_norm.end.isoformat()) == ("2026-01-01", "2030-12-31")
    r = by_line(parsed_plans, "nam-dan_2026.txt", 203)
    assert (r.deadline_norm.start.isoformat(), r.deadline_norm.end.isoformat()) == ("2026-01-01", "2026-03-31")


def test_a_due_date_written_in_the_product_cell_is_the_rows_deadline(parsed_plans):
    # Di Linh row IV.4: "Sản phẩm" reads "… báo cáo kết quả thực hiện chậm nhất trong tháng 9/2026",
    # "Thời gian hoàn thành" reads "Triển khai thực hiện sáng kiến, mô hình, giải pháp"
    row = next(r for r in table_records(parsed_plans, "di-linh_2026-2030.txt")
               if r.task.startswith("Đề xuất áp dụng, nhân rộng các sáng kiến"))
    assert row.deadline == "Triển khai thực hiện sáng kiến, mô hình, giải pháp"      # kept verbatim
    assert row.deadline_norm.kind == "month" and row.deadline_norm.start.isoformat() == "2026-09-01"
    assert "deadline_in_product" in row.flags
    # a row with a deadline of its own keeps it
    dated = [r for r in table_records(parsed_plans, "di-linh_2026-2030.txt") if r.deadline_norm.kind != "unknown"]
    assert all("deadline_in_product" not in r.flags for r in dated if r is not row and parse_ok(r))


def parse_ok(record) -> bool:
    from ingest.deadlines import parse_deadline
    return parse_deadline(record.deadline).kind != "unknown"
