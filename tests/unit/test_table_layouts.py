"""Table and prose layouts of other communes (header wording, two-level headers, labelled
deadlines in prose), on real rows of the bundled plan di-linh_2026-2030.txt."""

from __future__ import annotations

from pathlib import Path

from ingest.pipeline import parse_text
from ingest.responsibilities import _agency_phrase, labelled_deadline
from ingest.tables import header_field, map_header, merge_subheader

PLANS = Path(__file__).parents[2] / "data" / "plans"
DI_LINH = (PLANS / "di-linh_2026-2030.txt").read_text(encoding="utf-8").split("\n")


def di_linh_row(number: str, task_start: str) -> list[str]:
    """A complete row of di-linh's appendix: number, task, product, deadline, lead, coordinators."""
    for line in DI_LINH:
        cells = line.split("\t")
        if len(cells) == 7 and cells[0] == number and cells[1].startswith(task_start):
            return cells[:6]
    raise AssertionError(task_start)


ROW = di_linh_row("7", "Tổ chức đối thoại")  # lead Phòng Kinh tế, coordinators Văn phòng HĐND và UBND
PREAMBLE = ["KẾ HOẠCH", "Cải cách hành chính năm 2026 của xã Di Linh", "PHỤ LỤC", ""]


def _table(header_rows: list[list[str]], rows: list[list[str]]) -> list:
    text = "\n".join(PREAMBLE + ["\t".join(r) for r in header_rows + rows]) + "\n"
    return [t for t in parse_text("plan.txt", text).tasks if t.origin == "table"]


def test_header_wording_of_other_communes():
    assert header_field("Cơ quan, đơn vị thực hiện") == "lead"
    assert header_field("Bộ phận thực hiện") == "lead"
    assert header_field("Đơn vị phối hợp thực hiện") == "coordinators"
    assert header_field("Thời gian thực hiện/hoàn thành") == "deadline"
    assert header_field("Kết quả đầu ra") == "product"
    layout = map_header(["STT", "Nội dung nhiệm vụ cụ thể", "Kết quả đầu ra", "Thời gian thực hiện/hoàn thành",
                         "Cơ quan, đơn vị thực hiện", "Đơn vị phối hợp thực hiện"])
    assert layout == ["number", "task", "product", "deadline", "lead", "coordinators"]


def test_sub_header_names_the_agency_columns():
    top = map_header(["TT", "Nội dung công việc", "Thời hạn", "Đơn vị thực hiện", "", "Kết quả/Sản phẩm"])
    assert top == ["number", "task", "deadline", "lead", None, "product"]
    merged = merge_subheader(top, ["", "", "", "Chủ trì", "Phối hợp", ""])
    assert merged == ["number", "task", "deadline", "lead", "coordinators", "product"]
    # a data row is no sub-header
    number, task, product, deadline, lead, coords = ROW
    assert merge_subheader(top, [number, task, deadline, lead, coords, product]) is None


def test_two_level_header_rows_get_their_coordinators():
    number, task, product, deadline, lead, coords = ROW
    records = _table([["TT", "Nội dung công việc", "Thời hạn", "Đơn vị thực hiện", "", "Kết quả/Sản phẩm"],
                      ["", "", "", "Chủ trì", "Phối hợp", ""]],
                     [["I", "Cải cách thủ tục hành chính", "", "", "", ""],
                      [number, task, deadline, lead, coords, product]])
    assert [(r.lead, r.coordinators, r.deadline, r.product) for r in records] == [(lead, coords, deadline, product)]


def test_top_row_naming_no_lead_is_completed_by_the_row_below():
    number, task, product, deadline, lead, coords = ROW
    records = _table([["STT", "Nhiệm vụ", "Sản phẩm", "Thời gian hoàn thành", "Đơn vị", ""],
                      ["", "", "", "", "Chủ trì", "Phối hợp"]],
                     [[number, task, product, deadline, lead, coords]])
    assert [(r.lead, r.coordinators, r.deadline) for r in records] == [(lead, coords, deadline)]


def test_deadline_labelled_in_a_prose_duty():
    task = ROW[1].rstrip(".")
    duty = f"Chủ trì, phối hợp với {ROW[5]} {task[:1].lower() + task[1:]}; thời gian thực hiện: hàng năm."
    assert labelled_deadline(duty) == "hàng năm"
    assert labelled_deadline(f"Thời hạn: {ROW[3]}.") == ROW[3]
    assert labelled_deadline(task) == ""


def test_agency_phrase_stops_at_an_adverb_of_time():
    duty = "Trung tâm Phục vụ hành chính công thường xuyên theo dõi, cập nhật kịp thời danh mục TTHC"
    assert _agency_phrase(duty) == "Trung tâm Phục vụ hành chính công"


def test_agency_phrase_keeps_organisations_named_with_to_chuc():
    lead = di_linh_row("2", "Rà soát, bảo đảm cơ cấu")[4]  # "Các cơ quan chuyên môn, tổ chức hành chính"
    assert _agency_phrase(f"{lead} chủ trì, phối hợp với Phòng Văn hóa - Xã hội rà soát") == lead
    # the verb still ends the phrase
    assert _agency_phrase("Các cơ quan, đơn vị tổ chức tập huấn cho công chức") == "Các cơ quan, đơn vị"
