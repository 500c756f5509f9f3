"""Normalisation on real corpus lines: de-wrapping PDF-style text, markup stripping, idempotence."""

from __future__ import annotations

import os
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ingest.loaders import split_lines
from ingest.normalise import (
    clean_line,
    looks_hard_wrapped,
    normalise_lines,
    normalise_text,
    should_join,
)

CORPUS = Path(__file__).resolve().parents[2] / "data" / "plans"
PLANS = ["dai-phuoc_2026.txt", "di-linh_2026-2030.txt", "loc-hoa_2025.txt", "nam-dan_2026.txt"]
MARKER_RE = re.compile(r"^(?:[-+]\s|[IVX]+\.\s|\d{1,2}\.\s|[a-zđ]\)\s)")


@lru_cache
def raw_lines(name: str) -> tuple[str, ...]:
    return tuple((CORPUS / name).read_text(encoding="utf-8").split("\n"))


@lru_cache
def normalised(name: str):
    return tuple(normalise_lines(split_lines((CORPUS / name).read_text(encoding="utf-8"))))


def starting_at(name: str, number: int):
    return next(line for line in normalised(name) if line.line_start == number)


# -- hard-wrap detection --------------------------------------------------------------


@pytest.mark.parametrize("name, expected", [
    ("dai-phuoc_2026.txt", True),
    ("di-linh_2026-2030.txt", False),
    ("loc-hoa_2025.txt", False),
    ("nam-dan_2026.txt", False),
])
def test_hard_wrapped_text_is_detected(name, expected):
    assert looks_hard_wrapped(raw_lines(name)) is expected


def test_dewrapped_text_is_no_longer_detected_as_wrapped():
    assert looks_hard_wrapped([line.text for line in normalised("dai-phuoc_2026.txt")]) is False


# -- de-wrapping on dai-phuoc (PDF-extracted text) ------------------------------------


def test_list_item_cut_mid_sentence_and_across_a_blank_line_is_rejoined():
    line = starting_at("dai-phuoc_2026.txt", 13)
    assert (line.line_start, line.line_end) == (13, 20)
    assert line.text == (
        "- Tiếp tục nâng cao hiệu quả hoạt động của bộ máy hành chính nhà nước, tăng cường hiệu lực "
        "quản lý, chất lượng, phục vụ nhân dân và góp phần phát triển kinh tế - xã hội của xã; xây dựng "
        "nền hành chính dân chủ, chuyên nghiệp, hiện đại, tinh gọn, hiệu quả, liêm chính, phục vụ nhân "
        "dân, tập trung vào 06 nội dung trọng tâm như: cải cách thể chế; cải cách thủ tục hành chính; "
        "cải cách tổ chức bộ máy; cải cách chế độ công vụ; cải cách tài chính công và xây dựng, phát "
        "triển chính quyền điện tử, chính quyền số."
    )


def test_sentence_continued_after_a_connector_word_and_a_year():
    line = starting_at("dai-phuoc_2026.txt", 4)
    assert (line.line_start, line.line_end) == (4, 6)
    assert line.text == (
        "Thực hiện Kế hoạch số 228/KH-UBND ngày 25 tháng 12 năm 2025 của Ủy ban nhân dân tỉnh Đồng Nai "
        "về cải cách hành chính tỉnh Đồng Nai năm 2026."
    )


def test_continuation_starting_with_a_capital_after_a_comma_or_open_parenthesis():
    assert starting_at("dai-phuoc_2026.txt", 112).text.startswith(
        "- 100% thủ tục hành chính thuộc thẩm quyền giải quyết phải được rà soát, Triển khai quyết định")
    item = starting_at("dai-phuoc_2026.txt", 74)
    assert item.line_end == 80
    assert "(Luật Tổ chức chính quyền địa phương, Luật Cán bộ, công chức, Luật Viên chức" in item.text


def test_headings_list_items_and_plain_paragraphs_stay_apart():
    lines = normalised("dai-phuoc_2026.txt")
    starts = {line.line_start for line in lines}
    raw = raw_lines("dai-phuoc_2026.txt")
    for number, text in enumerate(raw, start=1):
        stripped = text.strip()
        if MARKER_RE.match(stripped) and not stripped[2:3].islower():
            assert number in starts, f"line {number} was swallowed: {stripped!r}"
    texts = [line.text for line in lines]
    for heading in ("I. MỤC TIÊU, YÊU CẦU", "1. Mục tiêu", "a) Mục tiêu", "b) Nhiệm vụ",
                    "4. Cải cách chế độ công vụ", "III. KINH PHÍ THỰC HIỆN", "IV. TỔ CHỨC THỰC HIỆN"):
        assert heading in texts
    # Section 4.b has paragraphs without bullets: each keeps its own line.
    assert starting_at("dai-phuoc_2026.txt", 292).text.startswith("Triển khai các quy định mới của Trung ương")
    assert starting_at("dai-phuoc_2026.txt", 292).line_end == 295
    assert starting_at("dai-phuoc_2026.txt", 297).text.startswith("Đẩy mạnh ứng dụng công nghệ thông tin")


def test_signature_columns_are_split_and_map_to_their_source_line():
    lines = normalised("dai-phuoc_2026.txt")
    tail = [(line.text, line.line_start) for line in lines[-3:]]
    assert tail == [("- MTTQ và các ban ngành, đoàn thể xã;", 600),
                    ("- Lưu: VT.CCHC (Tùng).", 601),
                    ("Hồ Quốc Tân", 601)]


def test_every_logical_line_is_its_source_lines_joined():
    for line in normalised("dai-phuoc_2026.txt"):
        if line.line_start == 601:
            continue  # the split signature line
        source = raw_lines("dai-phuoc_2026.txt")[line.line_start - 1: line.line_end]
        pieces = [piece for text in source for piece in clean_line(text)]
        assert line.text == " ".join(pieces)


def test_plain_text_mode_only_joins_lowercase_continuations():
    # di-linh is one line per paragraph: a wrap artefact across a blank line is repaired ...
    line = starting_at("di-linh_2026-2030.txt", 95)
    assert line.line_end == 97 and "tình hình giải quyết thủ tục hành chính tại cơ quan" in line.text
    # ... but the title and the "Căn cứ" line after it stay separate.
    assert starting_at("di-linh_2026-2030.txt", 9).text == \
        "Cải cách hành chính nhà nước giai đoạn 2026 - 2030 của xã Di Linh"
    assert starting_at("di-linh_2026-2030.txt", 11).text.startswith("Căn cứ Kế hoạch số 3664/KH-UBND")
    assert not should_join("a) Mục tiêu", "Xây dựng nền công vụ chuyên nghiệp", hard_wrapped=False)
    assert not should_join("a) Mục tiêu", "100% văn bản được rà soát", hard_wrapped=True)
    assert should_join("kinh tế", "- xã hội của xã;", hard_wrapped=True)
    assert not should_join("kinh tế", "- Xây dựng nền hành chính", hard_wrapped=True)


# -- markup on loc-hoa -----------------------------------------------------------------


def test_markdown_emphasis_and_heading_marks_are_stripped_on_real_lines():
    def clean(number: int) -> list[str]:
        return clean_line(raw_lines("loc-hoa_2025.txt")[number - 1])

    assert clean(60) == ["I. MỤC ĐÍCH, YÊU CẦU"]                      # **I. MỤC ĐÍCH, YÊU CẦU**
    assert clean(92) == ["b) Nhiệm vụ"]                               # ### b) Nhiệm vụ
    assert clean(160) == ["3. Cải cách tổ chức bộ máy"]               # ### **3. ...**
    assert clean(220) == ["5. Cải cách tài chính công"]               # ## **5. ...**
    assert clean(110)[0].endswith(
        "được công bố đầy đủ, kịp thời theo quy định (bao gồm cả thủ tục hành chính nội bộ); 100% thủ tục "
        "hành chính và các quy định liên quan được công khai đầy đủ, kịp thời trên Cổng dịch vụ công Quốc "
        "gia, Hệ thống thông tin giải quyết thủ tục hành chính, website của cơ quan và Bộ phận tiếp nhận "
        "và trả kết quả các cấp trên địa bàn xã.")
    assert clean(276)[0].startswith("+ Triển khai hệ thống thông tin phục vụ chỉ đạo")  # "- + ..."
    assert clean(380) == ["Xã LỘC HÒA"]                                # "Xã LỘC HÒA**"


def test_html_tags_are_stripped_inside_table_cells_keeping_columns():
    raw = raw_lines("loc-hoa_2025.txt")
    assert clean_line(raw[391]) == ["I\tCải cách thể chế\t\t\t\t\t"]
    row = clean_line(raw[395])[0].split("\t")
    assert row[3] == "Tư pháp – Hộ tịch (trên CSDL Quốc gia); Văn phòng UBND xã (trên Công TTĐT tỉnh)"
    for text in raw:
        if "\t" in text and text.strip(" \t"):
            assert clean_line(text)[0].count("\t") == text.count("\t")


def test_no_markup_survives_in_normalised_plans():
    for name in PLANS:
        for line in normalised(name):
            assert not re.search(r"\*\*|</?[bi]>|^#+ |__", line.text), (name, line.text)
            assert line.text == line.text.strip(" ") and "  " not in line.text
            assert unicodedata.is_normalized("NFC", line.text)


def test_italic_note_split_over_two_lines_is_rejoined():
    line = starting_at("loc-hoa_2025.txt", 388)
    assert line.line_end == 389
    assert line.text == "(Ban hành kèm theo Quyết định số: 09/QĐ-UBND ngày 22/01/2025 của Chủ tịch UBND xã)."


def test_html_entities_breaks_and_pipe_tables():
    assert clean_line("Chủ trì<br/>phối hợp &amp; theo dõi") == ["Chủ trì phối hợp & theo dõi"]
    assert clean_line("| STT | Nhiệm vụ | Chủ trì |") == ["STT\tNhiệm vụ\tChủ trì"]
    assert clean_line("|---|:---:|---|") == []
    assert clean_line("  \u00a0 ") == []


def test_nfc_is_applied():
    decomposed = unicodedata.normalize("NFD", "Cải cách hành chính xã Lộc Hòa")
    assert normalise_text(decomposed) == "Cải cách hành chính xã Lộc Hòa"


# -- idempotence ----------------------------------------------------------------------


@pytest.mark.parametrize("name", PLANS)
def test_normalisation_is_idempotent_on_each_plan(name):
    once = normalise_text((CORPUS / name).read_text(encoding="utf-8"))
    assert normalise_text(once) == once


def test_pdf_mode_is_idempotent_on_pdf_text():
    once = normalise_text((CORPUS / "dai-phuoc_2026.txt").read_text(encoding="utf-8"), hard_wrapped=True)
    assert normalise_text(once, hard_wrapped=True) == once


ALL_RAW_LINES = [line for name in PLANS for line in raw_lines(name)]


@settings(max_examples=int(os.environ.get("CCHC_FUZZ_EXAMPLES", "60")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow], print_blob=True)
@given(st.lists(st.sampled_from(ALL_RAW_LINES), min_size=1, max_size=25))
# a signer after a column gap, then a lowercase line: the second pass joined them (issue 16)
@example(["- Lưu: VT.CCHC (Tùng).       Hồ Quốc Tân",
          "hóa thủ tục hành chính, quy định kinh doanh. Đề xuất việc sửa đổi, bổ sung "])
def test_normalisation_is_idempotent_on_mixed_real_lines(lines):
    once = normalise_text("\n".join(lines))
    assert normalise_text(once) == once


# -- cost: re-joining wrapped lines is linear in the text's length (issue 16, item 4) ---------

def _one_long_paragraph(size: int) -> str:
    """Real plan words, lowercase, hard-wrapped at ~80 characters: every line continues the one
    paragraph, the worst case for joining (the old code re-cleaned the whole paragraph per join)."""
    words = re.findall(r"[^\W\d_]+", (CORPUS / "di-linh_2026-2030.txt").read_text(encoding="utf-8").lower())
    lines, line, total, i = [], [], 0, 0
    while total < size:
        line.append(words[i % len(words)])
        i += 1
        if sum(len(w) + 1 for w in line) > 80:
            lines.append(" ".join(line))
            total += len(lines[-1]) + 1
            line = []
    return "Nội dung " + "\n".join(lines)


def _cost(text: str, monkeypatch) -> tuple[int, float]:
    """Characters handed to `clean_text` and the best CPU time of three runs."""
    import time

    import ingest.normalise as normalise

    cleaned = 0
    original = normalise.clean_text

    def counting(value: str) -> str:
        nonlocal cleaned
        cleaned += len(value)
        return original(value)

    monkeypatch.setattr(normalise, "clean_text", counting)
    out = normalise_text(text, hard_wrapped=True)
    assert out.count("\n") == 0  # one paragraph indeed
    chars = cleaned
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        normalise_text(text, hard_wrapped=True)
        best = min(best, time.process_time() - start)
    return chars, best


def test_rejoining_a_long_wrapped_paragraph_is_linear(monkeypatch):
    small_chars, small_time = _cost(_one_long_paragraph(100_000), monkeypatch)
    large_chars, large_time = _cost(_one_long_paragraph(400_000), monkeypatch)
    # 4x the text: linear work is ~4x, quadratic ~16x. The character count is exact; the time
    # ratio is only a loose guard (a shared machine is noisy).
    assert large_chars < 6 * small_chars, (small_chars, large_chars)
    assert large_time < 10 * max(small_time, 0.01), (small_time, large_time)
