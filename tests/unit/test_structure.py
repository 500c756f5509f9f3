"""The heading tree, preamble, signature block and appendix of all four bundled plans."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from ingest.loaders import load, split_lines
from ingest.models import Block
from ingest.normalise import normalise_lines
from ingest.structure import parse_structure

CORPUS = Path(__file__).resolve().parents[2] / "data" / "plans"
PLANS = ["dai-phuoc_2026.txt", "di-linh_2026-2030.txt", "loc-hoa_2025.txt", "nam-dan_2026.txt"]


@lru_cache
def blocks_of(name: str) -> tuple[Block, ...]:
    loaded = load(CORPUS / name)
    return tuple(parse_structure(normalise_lines(loaded.lines)))


def parse(text: str) -> list[Block]:
    return parse_structure(normalise_lines(split_lines(text)))


def at(name: str, line: int) -> Block:
    return next(b for b in blocks_of(name) if b.line_start == line)


def heading_paths(name: str) -> list[str]:
    return [" › ".join(b.section_path) for b in blocks_of(name) if b.kind == "heading"]


def top_level(name: str) -> list[str]:
    return [b.section_path[0] for b in blocks_of(name) if b.kind == "heading" and b.level == 1]


# -- properties of every plan ---------------------------------------------------------


@pytest.mark.parametrize("name", PLANS)
def test_blocks_follow_the_document_and_cite_real_lines(name):
    blocks = blocks_of(name)
    total = len((CORPUS / name).read_text(encoding="utf-8").split("\n"))
    starts = [b.line_start for b in blocks]
    assert starts == sorted(starts)
    assert all(1 <= b.line_start <= b.line_end <= total for b in blocks)
    first_heading = next(i for i, b in enumerate(blocks) if b.kind == "heading")
    assert all(b.kind in ("preamble", "signature") for b in blocks[:first_heading])
    assert all(b.section_path == () for b in blocks[:first_heading])
    for block in blocks:
        if block.kind == "heading":
            assert block.level == len(block.section_path)
            assert block.section_path[-1] == block.text.rstrip(":") or block.in_appendix
        if block.kind in ("table_header", "table_row"):
            assert block.cells == block.text.split("\t")


# -- di-linh ----------------------------------------------------------------------------


def test_di_linh_heading_tree():
    assert top_level("di-linh_2026-2030.txt") == [
        "I. QUAN ĐIỂM, MỤC TIÊU, YÊU CẦU", "II. CHỈ TIÊU, NHIỆM VỤ", "III. TỔ CHỨC THỰC HIỆN", "Phụ lục"]
    paths = heading_paths("di-linh_2026-2030.txt")
    assert "II. CHỈ TIÊU, NHIỆM VỤ › 2. Cải cách thủ tục hành chính › a) Mục tiêu" in paths
    assert "II. CHỈ TIÊU, NHIỆM VỤ › 6. Xây dựng và phát triển chính quyền số › b) Nhiệm vụ" in paths
    assert "III. TỔ CHỨC THỰC HIỆN › 2. Kinh phí thực hiện" in paths
    target = at("di-linh_2026-2030.txt", 75)
    assert target.text.startswith("- Tối thiểu 98% hồ sơ thủ tục hành chính")
    assert (target.kind, target.section_path) == ("list_item", (
        "II. CHỈ TIÊU, NHIỆM VỤ", "2. Cải cách thủ tục hành chính", "a) Mục tiêu"))
    assert at("di-linh_2026-2030.txt", 91).section_path[-1] == "b) Nhiệm vụ"


def test_di_linh_lettered_sentences_are_paragraphs_not_headings():
    block = at("di-linh_2026-2030.txt", 27)
    assert block.text.startswith("a) Kế hoạch phải được tổ chức triển khai")
    assert (block.kind, block.section_path) == ("paragraph", ("I. QUAN ĐIỂM, MỤC TIÊU, YÊU CẦU", "3. Yêu cầu"))
    duty = at("di-linh_2026-2030.txt", 251)
    assert duty.text.startswith("đ) Thường xuyên kiểm tra")
    assert duty.kind == "paragraph"
    assert duty.section_path == ("II. CHỈ TIÊU, NHIỆM VỤ", "7. Công tác chỉ đạo, điều hành")


def test_di_linh_preamble_signature_and_appendix():
    assert [b.kind for b in blocks_of("di-linh_2026-2030.txt") if b.line_start <= 13] == ["preamble"] * 6
    signature = [b.text for b in blocks_of("di-linh_2026-2030.txt") if b.kind == "signature"]
    assert signature[0] == "Nơi nhận:" and signature[-3:] == ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Trần Thị Tâm"]
    appendix = at("di-linh_2026-2030.txt", 289)
    assert (appendix.kind, appendix.text, appendix.section_path) == ("heading", "PHỤ LỤC", ("Phụ lục",))
    header = at("di-linh_2026-2030.txt", 293)
    assert header.kind == "table_header" and header.in_appendix
    assert header.cells == ["STT", "Nhiệm vụ", "Sản phẩm", "Thời gian hoàn thành", "Chủ trì thực hiện",
                            "Phối hợp thực hiện", "Theo dõi, kiểm tra, đôn đốc"]
    row = at("di-linh_2026-2030.txt", 313)
    assert row.kind == "table_row"
    assert row.section_path == ("Phụ lục", "II. Cải cách thủ tục hành chính")
    assert row.cells[:2] == ["7", "Tổ chức đối thoại với người dân và doanh nghiệp để kịp thời có giải pháp "
                                  "tháo gỡ vướng mắc về cơ chế, chính sách, thủ tục hành chính."]
    assert row.cells[4] == "Phòng Kinh tế"
    headers = [b for b in blocks_of("di-linh_2026-2030.txt") if b.kind == "table_header"]
    raw = (CORPUS / "di-linh_2026-2030.txt").read_text(encoding="utf-8").split("\n")
    # The header repeats on every page of the table; each repetition is recognised.
    assert [b.line_start for b in headers] == [i for i, t in enumerate(raw, start=1) if t.startswith("STT\t")]
    assert len(headers) == 13
    assert all(b.in_appendix for b in blocks_of("di-linh_2026-2030.txt") if b.line_start >= 289)


# -- loc-hoa ----------------------------------------------------------------------------


def test_loc_hoa_decision_wrapper_is_preamble_and_body_starts_after_the_plan_title():
    blocks = blocks_of("loc-hoa_2025.txt")
    first_heading = next(b for b in blocks if b.kind == "heading")
    assert (first_heading.line_start, first_heading.text) == (60, "I. MỤC ĐÍCH, YÊU CẦU")
    assert at("loc-hoa_2025.txt", 27).text.startswith("Điều 1. Ban hành kèm theo Quyết định này")
    assert at("loc-hoa_2025.txt", 27).kind == "preamble"
    decision_signature = [b.text for b in blocks if b.kind == "signature"]
    assert decision_signature[0] == "Nơi nhận:" and decision_signature[-1] == "Nguyễn Công Thành"
    assert at("loc-hoa_2025.txt", 48).text == "KẾ HOẠCH" and at("loc-hoa_2025.txt", 48).kind == "preamble"


def test_loc_hoa_heading_tree_ignores_markdown_levels():
    assert top_level("loc-hoa_2025.txt") == [
        "I. MỤC ĐÍCH, YÊU CẦU", "II. NỘI DUNG, MỤC TIÊU, NHIỆM VỤ CỤ THỂ",
        "III. KẾ HOẠCH CỤ THỂ TRIỂN KHAI CÁC NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH (có phụ lục kèm theo).",
        "IV. KINH PHÍ THỰC HIỆN", "V. TỔ CHỨC THỰC HIỆN", "Phụ lục"]
    paths = heading_paths("loc-hoa_2025.txt")
    # "## 2." and "### **3.**" and "## **5.**" are all level-2 numbered headings.
    for number in ("2. Cải cách thủ tục hành chính", "3. Cải cách tổ chức bộ máy", "5. Cải cách tài chính công"):
        assert f"II. NỘI DUNG, MỤC TIÊU, NHIỆM VỤ CỤ THỂ › {number}" in paths
    assert ("V. TỔ CHỨC THỰC HIỆN › 4. Công chức Văn hóa-xã hội (phụ trách lĩnh vực Văn hóa – Thông tin), "
            "cán bộ truyền thanh xã có trách nhiệm") in paths
    item = at("loc-hoa_2025.txt", 276)
    assert item.kind == "list_item" and item.text.startswith("+ Triển khai hệ thống thông tin")
    assert item.section_path[1:] == ("6. Xây dựng và phát triển Chính quyền điện tử, Chính quyền số", "b) Nhiệm vụ")
    duty = at("loc-hoa_2025.txt", 328)
    assert duty.kind == "paragraph" and duty.section_path == ("V. TỔ CHỨC THỰC HIỆN", "1. Công chức Văn phòng-thống kê xã")


def test_loc_hoa_appendix_with_repeated_letterhead():
    for line in (379, 380, 382, 383):
        assert at("loc-hoa_2025.txt", line).kind == "preamble"  # letterhead before the appendix
    assert at("loc-hoa_2025.txt", 385).section_path == ("Phụ lục",)
    header = at("loc-hoa_2025.txt", 391)
    assert header.kind == "table_header"
    assert header.cells[:3] == ["STT", "Mục tiêu", "Nhiệm vụ/Hoạt động"]
    assert at("loc-hoa_2025.txt", 400).section_path == ("Phụ lục", "II. Cải cách thủ tục hành chính")
    assert at("loc-hoa_2025.txt", 432).section_path == ("Phụ lục", "IV. Cải cách chế độ công vụ")
    assert at("loc-hoa_2025.txt", 471).section_path == ("Phụ lục", "VII. Chỉ đạo điều hành cài cách hành chính")


# -- nam-dan ----------------------------------------------------------------------------


def test_nam_dan_decimal_headings_and_numbered_paragraphs():
    paths = heading_paths("nam-dan_2026.txt")
    assert "II. MỤC TIÊU › 2. Nhiệm vụ và giải pháp cụ thể › 2.1. Công tác chỉ đạo, điều hành" in paths
    assert ("II. MỤC TIÊU › 2. Nhiệm vụ và giải pháp cụ thể › "
            "2.7. Xây dựng, phát triển Chính quyền điện tử, Chính quyền số") in paths
    money = at("nam-dan_2026.txt", 126)
    assert money.text.startswith("1. Kinh phí thực hiện Kế hoạch CCHC năm 2026 được đảm bảo từ nguồn NSNN")
    assert (money.kind, money.section_path) == ("paragraph", ("III. KINH PHÍ THỰC HIỆN",))
    assert at("nam-dan_2026.txt", 132).section_path == ("IV. TỔ CHỨC THỰC HIỆN", "1. Phòng Văn hóa – Xã hội")


def test_nam_dan_signature_and_appendix_groups():
    signature = [b.text for b in blocks_of("nam-dan_2026.txt") if b.kind == "signature"]
    assert signature[-3:] == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Nguyễn Quang Hưng"]
    headers = [b for b in blocks_of("nam-dan_2026.txt") if b.kind == "table_header"]
    assert [b.line_start for b in headers] == [201, 210, 220, 229, 238, 246, 256, 264, 272]
    groups = {b.section_path for b in blocks_of("nam-dan_2026.txt") if b.kind == "table_row"}
    assert ("Phụ lục", "VIII. ĐO LƯỜNG MỨC ĐỘ HÀI LÒNG CỦA NGƯỜI DÂN") in groups
    assert at("nam-dan_2026.txt", 233).kind == "table_row"  # a data row mentioning "cơ quan" is no header


# -- dai-phuoc --------------------------------------------------------------------------


def test_dai_phuoc_tree_from_pdf_style_text():
    assert top_level("dai-phuoc_2026.txt") == [
        "I. MỤC TIÊU, YÊU CẦU", "II. NỘI DUNG, MỤC TIÊU, NHIỆM VỤ CỤ THỂ",
        "III. KINH PHÍ THỰC HIỆN", "IV. TỔ CHỨC THỰC HIỆN"]
    paths = heading_paths("dai-phuoc_2026.txt")
    assert len([p for p in paths if p.endswith("a) Mục tiêu")]) == 7
    assert "IV. TỔ CHỨC THỰC HIỆN › 3. Trung tâm Phục vụ hành chính công xã" in paths
    paragraph = at("dai-phuoc_2026.txt", 292)
    assert paragraph.kind == "paragraph"
    assert paragraph.section_path == ("II. NỘI DUNG, MỤC TIÊU, NHIỆM VỤ CỤ THỂ", "4. Cải cách chế độ công vụ",
                                      "b) Nhiệm vụ")
    sub_item = at("dai-phuoc_2026.txt", 85)
    assert sub_item.kind == "list_item" and sub_item.text.startswith("+ Đổi mới, nâng cao chất lượng")
    assert not any(b.in_appendix or b.kind.startswith("table") for b in blocks_of("dai-phuoc_2026.txt"))
    signature = [b.text for b in blocks_of("dai-phuoc_2026.txt") if b.kind == "signature"]
    assert signature[0] == "Nơi nhận: CHỦ TỊCH" and signature[-1] == "Hồ Quốc Tân"


# -- generalisation on synthetic layouts ----------------------------------------------


def test_numbered_basis_lists_recipients_and_inline_numbers_are_not_headings():
    blocks = parse(
        "Số: 12/KH-UBND\n\nKẾ HOẠCH\nCải cách hành chính năm 2026 của xã Tân Phú\n\n"
        "Căn cứ:\n1. Luật Tổ chức chính quyền địa phương ngày 19/6/2015;\n"
        "2. Kế hoạch số 45/KH-UBND ngày 02/01/2026 của UBND tỉnh Quảng Trị.\n\n"
        "I. MỤC TIÊU\n1. Mục tiêu chung\nĐạt 95% hồ sơ đúng hạn theo mục 2. Nội dung chi tiết.\n"
        "II. TỔ CHỨC THỰC HIỆN\nCác cơ quan triển khai thực hiện./.\n"
        "Nơi nhận:\n1. UBND tỉnh;\n2. Lưu: VT.\nCHỦ TỊCH\nLê Văn An\n"
    )
    headings = [" › ".join(b.section_path) for b in blocks if b.kind == "heading"]
    assert headings == ["I. MỤC TIÊU", "I. MỤC TIÊU › 1. Mục tiêu chung", "II. TỔ CHỨC THỰC HIỆN"]
    assert [b.kind for b in blocks if b.text.startswith(("1. Luật", "2. Kế hoạch"))] == ["preamble"] * 2
    assert [b.kind for b in blocks if b.text in ("1. UBND tỉnh;", "2. Lưu: VT.", "Lê Văn An")] == ["signature"] * 3


def test_markdown_pipe_table_appendix():
    blocks = parse(
        "KẾ HOẠCH\nCải cách hành chính năm 2026\n\nI. NHIỆM VỤ\n- Rà soát thủ tục.\n\nPhụ lục\n"
        "| STT | Nhiệm vụ | Chủ trì | Thời gian |\n|---|---|---|---|\n| I | Cải cách thể chế | | |\n"
        "| 1 | Rà soát văn bản | Văn phòng | Quý I/2026 |\n"
    )
    table = [b for b in blocks if b.kind.startswith("table")]
    assert [b.kind for b in table] == ["table_header", "table_row", "table_row"]
    assert table[2].cells == ["1", "Rà soát văn bản", "Văn phòng", "Quý I/2026"]
    assert table[2].section_path == ("Phụ lục", "I. Cải cách thể chế")
