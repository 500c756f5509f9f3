"""Loaders on real corpus text: txt in several encodings, PDF and DOCX built at test time."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from ingest.errors import IngestError
from ingest.loaders import decode_text, load, split_lines
from ingest.normalise import normalise_lines

CORPUS = Path(__file__).resolve().parents[2] / "data" / "plans"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def corpus_text(name: str) -> str:
    return (CORPUS / name).read_text(encoding="utf-8")


def corpus_paragraphs(name: str, first: int, last: int) -> list[str]:
    """Normalised logical lines whose source starts within [first, last]."""
    lines = normalise_lines(split_lines(corpus_text(name)))
    return [line.text for line in lines if first <= line.line_start <= last]


# -- plain text -----------------------------------------------------------------------


def test_txt_utf8_keeps_every_line_with_its_number():
    loaded = load(CORPUS / "di-linh_2026-2030.txt")
    raw = corpus_text("di-linh_2026-2030.txt").split("\n")
    assert loaded.media_type == "text/plain"
    assert loaded.from_pdf_text is False
    assert [line.number for line in loaded.lines] == list(range(1, len(loaded.lines) + 1))
    assert loaded.lines[6].text == "KẾ HOẠCH"
    assert loaded.lines[2].text == "Số: /KH-UBND"
    assert all(line.page is None for line in loaded.lines)
    assert [line.text for line in loaded.lines] == raw[: len(loaded.lines)]


def test_txt_utf8_bom_is_dropped(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + corpus_text("nam-dan_2026.txt").encode("utf-8"))
    loaded = load(path)
    assert loaded.lines[2].text == "Số: /KH-UBND"
    assert not loaded.lines[0].text.startswith("\ufeff")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_txt_utf16_with_and_without_bom(tmp_path, encoding):
    text = corpus_text("nam-dan_2026.txt")
    path = tmp_path / f"plan-{encoding}.txt"
    path.write_bytes(text.encode(encoding))
    loaded = load(path)
    assert [line.text for line in loaded.lines] == [line.text for line in load(CORPUS / "nam-dan_2026.txt").lines]


def to_cp1258(text: str) -> bytes:
    """Windows-1258 stores Vietnamese as a base letter (maybe precomposed) plus a tone mark."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS))
        tones = "".join(c for c in decomposed if c in TONE_MARKS)
        out += (base + tones).encode("cp1258")
    return bytes(out)


def test_txt_cp1258_is_decoded_and_normalised_to_nfc(tmp_path):
    text = corpus_text("loc-hoa_2025.txt")
    path = tmp_path / "loc-hoa-cp1258.txt"
    path.write_bytes(to_cp1258(text))
    loaded = load(path)
    # The raw decoding is decomposed (base + combining tone); normalisation makes it NFC again.
    assert any(unicodedata.normalize("NFC", line.text) != line.text for line in loaded.lines)
    expected = normalise_lines(load(CORPUS / "loc-hoa_2025.txt").lines)
    got = normalise_lines(loaded.lines)
    assert [line.text for line in got] == [line.text for line in expected]
    assert "Lộc Hòa, ngày 22 tháng 01 năm 2025" in [line.text for line in got]


def test_undecodable_text_fails_with_a_clear_reason(tmp_path):
    path = tmp_path / "garbage.txt"
    path.write_bytes(b"K\x81\x8d\x90 ho\x9d\x01\x02ch")
    with pytest.raises(IngestError) as info:
        load(path)
    assert info.value.document == "garbage.txt"
    assert "bảng mã" in info.value.reason_vi
    assert "encoding" in info.value.reason_en
    assert str(info.value).startswith("garbage.txt: ")


def test_unsupported_extension_and_missing_file(tmp_path):
    path = tmp_path / "plan.rtf"
    path.write_text("{\\rtf1 x}", encoding="utf-8")
    with pytest.raises(IngestError, match=r"plan\.rtf: định dạng tệp không được hỗ trợ"):
        load(path)
    with pytest.raises(IngestError, match="không tìm thấy tệp"):
        load(tmp_path / "absent.txt")


def test_empty_text_file_is_rejected(tmp_path):
    path = tmp_path / "empty.md"
    path.write_text("\n\n  \n", encoding="utf-8")
    with pytest.raises(IngestError, match="không có nội dung"):
        load(path)


def test_form_feeds_mark_pages_and_pdf_text():
    lines = split_lines("Trang một\ndòng hai\n\fTrang hai\n")
    assert [(line.number, line.text, line.page) for line in lines] == [
        (1, "Trang một", 1), (2, "dòng hai", 1), (3, "Trang hai", 2)
    ]
    assert decode_text("Kế hoạch".encode("utf-8")) == "Kế hoạch"


# -- PDF ------------------------------------------------------------------------------


def make_pdf(path: Path, pages: list[list[str]], user_password: str | None = None) -> None:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.set_font("DejaVu", size=11)
    for paragraphs in pages:
        pdf.add_page()
        for paragraph in paragraphs:
            pdf.multi_cell(w=0, h=6, text=paragraph, new_x="LMARGIN", new_y="NEXT")
    if user_password is not None:
        pdf.set_encryption(owner_password="owner-secret", user_password=user_password)
    pdf.output(str(path))


@pytest.fixture(scope="module")
def dai_phuoc_pages() -> list[list[str]]:
    # Real paragraphs: section I on page 1, the start of section II on page 2.
    return [corpus_paragraphs("dai-phuoc_2026.txt", 11, 49), corpus_paragraphs("dai-phuoc_2026.txt", 51, 71)]


def test_pdf_text_pages_and_rejoined_paragraphs(tmp_path, dai_phuoc_pages):
    path = tmp_path / "dai-phuoc.pdf"
    make_pdf(path, dai_phuoc_pages)
    loaded = load(path)
    assert loaded.media_type == "application/pdf"
    assert loaded.from_pdf_text is True
    assert {line.page for line in loaded.lines} == {1, 2}
    # fpdf wrapped the long items: the PDF has more physical lines than paragraphs.
    assert len([line for line in loaded.lines if line.text.strip()]) > sum(len(p) for p in dai_phuoc_pages)

    normalised = normalise_lines(loaded.lines, hard_wrapped=True)
    assert [line.text for line in normalised] == dai_phuoc_pages[0] + dai_phuoc_pages[1]
    by_text = {line.text: line for line in normalised}
    assert by_text["I. MỤC TIÊU, YÊU CẦU"].page == 1
    assert by_text["II. NỘI DUNG, MỤC TIÊU, NHIỆM VỤ CỤ THỂ"].page == 2
    wrapped = next(line for line in normalised if line.text.startswith("- Tiếp tục nâng cao hiệu quả"))
    assert wrapped.line_end > wrapped.line_start  # one paragraph, several PDF lines


def test_pdf_with_empty_user_password_is_read(tmp_path, dai_phuoc_pages):
    path = tmp_path / "owner-only.pdf"
    make_pdf(path, [dai_phuoc_pages[0][:3]], user_password="")  # (two headings alone are too short a plan)
    normalised = normalise_lines(load(path).lines, hard_wrapped=True)
    assert [line.text for line in normalised] == dai_phuoc_pages[0][:3]


def test_encrypted_pdf_is_rejected(tmp_path, dai_phuoc_pages):
    path = tmp_path / "locked.pdf"
    make_pdf(path, [dai_phuoc_pages[0][:2]], user_password="secret")
    with pytest.raises(IngestError, match="mã hóa") as info:
        load(path)
    assert info.value.reason_en == "PDF is encrypted"


def test_pdf_without_text_layer_needs_ocr(tmp_path):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 120, 160, style="F")  # a "scanned page": graphics, no text
    path = tmp_path / "scan.pdf"
    pdf.output(str(path))
    with pytest.raises(IngestError, match="OCR"):
        load(path)


def test_corrupt_pdf_is_rejected(tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\nthis is not a pdf body")
    with pytest.raises(IngestError, match="broken.pdf"):
        load(path)


# -- DOCX -----------------------------------------------------------------------------


def test_docx_paragraphs_and_tables_in_body_order(tmp_path):
    import docx

    intro = corpus_paragraphs("di-linh_2026-2030.txt", 7, 13)
    header = ["STT", "Nhiệm vụ", "Sản phẩm", "Thời gian hoàn thành", "Chủ trì thực hiện",
              "Phối hợp thực hiện", "Theo dõi, kiểm tra, đôn đốc"]
    row = ["7", "Tổ chức đối thoại với người dân và doanh nghiệp để kịp thời có giải pháp tháo gỡ vướng mắc "
           "về cơ chế, chính sách, thủ tục hành chính.", "Tổ chức cuộc đối thoại; văn bản trả lời", "Hàng năm",
           "Phòng Kinh tế", "Văn phòng HĐND và UBND", "Văn phòng HĐND và UBND"]

    document = docx.Document()
    for paragraph in intro:
        document.add_paragraph(paragraph)
    document.add_paragraph("Mục tiêu", style="List Number")
    document.add_paragraph("Nhiệm vụ", style="List Number")
    document.add_paragraph("Không có thủ tục hành chính ban hành trái quy định.", style="List Bullet")
    table = document.add_table(rows=3, cols=len(header))
    for cell, value in zip(table.rows[0].cells, header):
        cell.text = value
    table.rows[1].cells[0].text = "II"
    merged = table.rows[1].cells[1].merge(table.rows[1].cells[-1])
    merged.text = "Cải cách thủ tục hành chính"
    for cell, value in zip(table.rows[2].cells, row):
        cell.text = value
    table.rows[2].cells[2].text = "Tổ chức cuộc đối thoại;\nvăn bản trả lời"  # a line break inside a cell
    document.add_paragraph("Nơi nhận:\tKT. CHỦ TỊCH")
    document.add_paragraph("Trần Thị Tâm")
    path = tmp_path / "di-linh.docx"
    document.save(str(path))

    loaded = load(path)
    texts = [line.text for line in loaded.lines]
    assert loaded.from_pdf_text is False
    assert texts[: len(intro)] == intro
    assert texts[len(intro): len(intro) + 3] == [
        "1. Mục tiêu", "2. Nhiệm vụ", "- Không có thủ tục hành chính ban hành trái quy định."
    ]
    rows = texts[len(intro) + 3: len(intro) + 6]
    assert rows[0] == "\t".join(header)
    # A merged cell keeps its text once and the row keeps its column count.
    assert rows[1].split("\t") == ["II", "Cải cách thủ tục hành chính"] + [""] * (len(header) - 2)
    assert rows[2].split("\t") == row
    assert texts[len(intro) + 6:] == ["Nơi nhận:     KT. CHỦ TỊCH", "Trần Thị Tâm"]

    normalised = [line.text for line in normalise_lines(loaded.lines)]
    assert "Nơi nhận:" in normalised and "KT. CHỦ TỊCH" in normalised  # tab = column gap


def test_corrupt_docx_is_rejected(tmp_path):
    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(IngestError, match="DOCX"):
        load(path)
