"""The portal procedure parser, field by field, on records of different fields (values read
from the JSON files in data/procedures/)."""

from __future__ import annotations

import json

import pytest

from ingest.errors import IngestError
from ingest.procedures import (
    is_procedure_record,
    looks_like_procedure_file,
    parse_fee,
    parse_procedure_file,
    parse_procedure_text,
    parse_time,
    summary_counts,
)
from tests.conftest import REPO

RECORDS = REPO / "data" / "procedures"


def proc(code: str):
    return parse_procedure_file(RECORDS / f"{code}.json").procedures[0]


def way(p, channel: str):
    return next(w for w in p.ways if w.channel == channel)


def test_every_bundled_record_parses():
    files = sorted(RECORDS.glob("*.json"))
    assert len(files) == 269
    parsed = [parse_procedure_file(f) for f in files]
    counts = summary_counts(parsed)
    assert counts["records"] == 269
    assert all(p.procedures[0].name and p.procedures[0].code for p in parsed)
    assert counts["ways"] >= 700 and counts["documents"] >= 2000 and counts["legal_bases"] >= 1500
    # three dense chunks at most per procedure
    assert counts["chunks"] <= 3 * 269


def test_ho_tich_khai_sinh_1_001193():
    p = proc("1.001193")
    assert (p.code, p.name, p.field, p.decision) == ("1.001193", "Thủ tục đăng ký khai sinh", "Hộ tịch", "163/QĐ-BTP")
    assert p.applicants == "Công dân Việt Nam, Người Việt Nam định cư ở nước ngoài"
    assert [w.channel for w in p.ways] == ["truc_tuyen", "buu_chinh", "truc_tiep"]
    online = way(p, "truc_tuyen")
    assert online.time.text == "1" and online.time.value == 1 and not online.time.unit_given
    assert online.fee.kind == "free" and online.fee.text == "Miễn phí"
    assert "time_without_unit" in p.flags and "missing_agency" in p.flags
    submit = [d for d in p.documents if d.group_kind == "submit"]
    present = [d for d in p.documents if d.group_kind == "present"]
    assert any(d.name.startswith("- Giấy chứng sinh") and d.originals == 1 for d in submit)
    assert any(d.name.startswith("- Hộ chiếu/Thẻ căn cước công dân") for d in present)
    # the last table has no heading ("--"): its rows are documents to submit
    assert {d.group for d in submit} == {"Giấy tờ phải nộp", ""}
    assert any(d.name.startswith("- Tờ khai đăng ký khai sinh theo mẫu") for d in submit)
    assert any(d.group == "Lưu ý" and d.group_kind == "note" for d in p.documents)
    assert p.results[0].name == "Giấy khai sinh" and p.results[0].code == "KQ.G15.000031"
    assert "Chọn cơ quan" not in p.result_text
    codes = [b.code for b in p.legal_bases]
    assert len(p.legal_bases) == 15
    assert "123/2015/NĐ-CP" in codes and "66.7/2025/NQ-CP" in codes and "60/2014/QH13" in codes
    assert next(b for b in p.legal_bases if b.code == "60/2014/QH13").title == "Luật 60/2014/QH13"
    assert p.url.startswith("https://dichvucong.gov.vn/thu-tuc-hanh-chinh/")


def test_ho_tich_khai_tu_council_fee_1_000656():
    p = proc("1.000656")
    fee = way(p, "truc_tuyen").fee
    assert fee.text == "Miễn phí" and fee.set_by_council and fee.kind == "council"
    assert fee.note.startswith("Mức lệ phí cụ thể do Hội đồng nhân dân tỉnh")
    assert p.implementing_agency == "Ủy ban Nhân dân xã, phường, thị trấn"   # no-break spaces gone
    assert any(d.name.startswith("- Giấy báo tử") for d in p.documents)


def test_cu_tru_thuong_tru_amounts_per_channel_1_004222():
    p = proc("1.004222")
    assert p.field == "Đăng ký, quản lý cư trú" and p.agency == "Công an cấp Xã"
    online, direct = way(p, "truc_tuyen"), way(p, "truc_tiep")
    assert (online.time.value, online.time.unit) == (7, "working_day")
    assert (online.fee.kind, online.fee.amount, online.fee.currency) == ("amount", 10000, "VND")
    assert direct.fee.amount == 20000
    assert p.conditions.startswith("Người thực hiện thủ tục đã được thu thập")
    # groups are the record's own case headings
    assert p.documents[0].group == "Đăng ký thường trú vào chỗ ở hợp pháp thuộc quyền sở hữu của mình"
    assert p.documents[0].group_kind == "case"


def test_cu_tru_tam_tru_1_004194():
    p = proc("1.004194")
    assert way(p, "truc_tuyen").fee.amount == 7000 and way(p, "truc_tiep").fee.amount == 10000
    assert way(p, "truc_tuyen").time.text == "3 Ngày làm việc"
    assert not p.conditions                      # "Không có thông tin"


def test_cu_tru_tam_vang_fee_missing_1_003677():
    p = proc("1.003677")
    assert all(w.fee.kind == "unknown" and w.fee.text == "Không có thông tin" for w in p.ways)
    assert "fee_missing" in p.flags
    assert any("Đề nghị khai báo tạm vắng" in d.name for d in p.documents)


def test_ho_kinh_doanh_time_missing_and_vnd_spelling_1_001612():
    p = proc("1.001612")
    assert p.name == "Đăng ký thành lập hộ kinh doanh"
    assert all(not w.time.known for w in p.ways) and "time_missing" in p.flags
    assert way(p, "truc_tuyen").fee.amount == 150000
    direct = way(p, "truc_tiep").fee
    assert direct.text == "50,000 VNĐ" and direct.amount == 50000 and direct.set_by_council
    doc = next(d for d in p.documents if "Giấy đề nghị đăng ký hộ kinh doanh" in d.name)
    assert doc.originals == 1
    quantity = next(d for d in p.documents if d.quantity_text == "0 bản chính,1 bản sao")
    assert (quantity.originals, quantity.copies) == (0, 1)


def test_chung_thuc_per_page_and_usd_2_000815():
    p = proc("2.000815")
    assert p.field == "Chứng thực"
    direct = [w for w in p.ways if w.channel == "truc_tiep"]
    assert len(direct) == 2                       # two rows for the same channel are kept
    assert (direct[0].fee.amount, direct[0].fee.per) == (2000, "/trang")
    assert (direct[1].fee.amount, direct[1].fee.currency, direct[1].fee.per) == (10, "USD", "/bản")
    assert direct[0].description.startswith("Tại Ủy ban nhân dân cấp xã")


def test_chung_thuc_di_chuc_per_unit_2_001019():
    p = proc("2.001019")
    assert all(w.fee.amount == 50000 and w.fee.per == "/di chúc" for w in p.ways)


def test_can_cuoc_1_014064():
    p = proc("1.014064")
    assert p.field == "Cấp, quản lý căn cước"
    assert way(p, "truc_tiep").fee.amount == 70000
    assert way(p, "buu_chinh").fee.kind == "unknown"
    assert any(d.name.startswith("Phiếu đề nghị giải quyết thủ tục về căn cước") for d in p.documents)
    assert p.results[0].name == "Thẻ căn cước"


def test_dat_dai_times_differ_by_channel_1_013978():
    p = proc("1.013978")
    assert p.field == "Đất đai"
    assert [w.time.text for w in p.ways] == ["17 Ngày làm việc", "20 Ngày làm việc", "27 Ngày làm việc"]


def test_bhxh_documents_recovered_from_page_text_1_001613():
    p = proc("1.001613")
    assert p.field == "Thực hiện chính sách BHXH"
    assert "documents_recovered_from_page" in p.flags
    assert any(d.name.startswith("b) Đơn đề nghị (Mẫu số 14-HSB)") for d in p.documents)
    assert p.steps.startswith("Bước 1. Lập, nộp hồ sơ") and "Bước 3" in p.steps
    # titles in capitals and a code without a year still split at their cells
    bases = {b.code: b.title for b in p.legal_bases}
    assert bases["58/2014/QH13"] == "LUẬT Bảo hiểm xã hội"
    assert bases["2222/QĐ-BHXH"].startswith("BAN HÀNH QUY TRÌNH GIẢI QUYẾT")
    assert len(p.legal_bases) == 11


def test_hoa_giai_code_fused_to_a_year_2_000424():
    p = proc("2.000424")
    assert p.field == "Hòa giải ở cơ sở"
    assert ("Luật Hòa giải ở cơ sở năm 2013", "35/2013/QH13") in [(b.title, b.code) for b in p.legal_bases]


def test_xuat_nhap_canh_conditions_1_010386():
    p = proc("1.010386")
    assert p.conditions.startswith("Trong thời hạn 02 ngày làm việc kể từ ngày phát hiện")
    assert p.documents[0].name.startswith("01 đơn trình báo mất hộ chiếu phổ thông")


def test_nuoi_con_nuoi_form_cell_and_fee_1_003005():
    p = proc("1.003005")
    assert p.field == "Nuôi con nuôi"
    assert way(p, "truc_tiep").fee.amount == 4500000
    form_doc = next(d for d in p.documents if d.form)
    assert form_doc.form == "1.nxinnhnconnui.doc" and form_doc.originals == 2


def test_xay_dung_1_013225():
    p = proc("1.013225")
    assert way(p, "truc_tiep").time.text == "15 Ngày" and way(p, "truc_tiep").time.unit == "day"
    assert way(p, "truc_tuyen").fee.set_by_council


def test_xuat_nhap_canh_fee_note_kept_1_003133():
    p = proc("1.003133")
    direct = way(p, "truc_tiep")
    # the crawl wrote "40" where the note says 4.000 đ; the cell is kept as written
    assert direct.fee.text == "40 Việt Nam Đồng" and "4.000 đ/giấy thông hành" in direct.fee.note
    assert way(p, "truc_tuyen").description.startswith("+ Trực tuyến: nộp hồ sơ trực tuyến")


def test_tho_cai_khieu_nai_description_tab_1_004335():
    p = proc("1.004335")
    assert way(p, "buu_chinh").time.text == "60 Ngày làm việc"
    assert way(p, "buu_chinh").description.startswith("Thời hạn giải quyết khiếu nại lần đầu")


def test_thuy_san_time_in_description_only_1_004656():
    p = proc("1.004656")
    assert all(not w.time.known for w in p.ways)
    assert way(p, "truc_tuyen").description == "05 ngày làm việc kể từ ngày nhận được hồ sơ đầy đủ"


def test_units_and_fees_small_cases():
    assert parse_time("3 Ngày làm việc").unit == "working_day"
    assert parse_time("12").unit is None and parse_time("12").value == 12
    assert not parse_time("Không có thông tin").known
    assert parse_fee("10,000 Việt Nam Đồng", "/trường hợp").per == "/trường hợp"
    assert parse_fee("Miễn phí").kind == "free"


def test_jsonl_and_detection(tmp_path):
    lines = [(RECORDS / f"{c}.json").read_text(encoding="utf-8") for c in ("1.001193", "1.000656")]
    target = tmp_path / "batch.jsonl"
    target.write_text("\n".join(json.dumps(json.loads(t), ensure_ascii=False) for t in lines), encoding="utf-8")
    assert looks_like_procedure_file(target) and looks_like_procedure_file(RECORDS / "1.001193.json")
    parsed = parse_procedure_file(target)
    assert [p.code for p in parsed.procedures] == ["1.001193", "1.000656"]
    assert all(p.document == "batch.jsonl" for p in parsed.procedures)
    other = tmp_path / "x.json"
    other.write_text('{"a": 1}', encoding="utf-8")
    assert not looks_like_procedure_file(other) and not is_procedure_record({"a": 1})


def test_bad_input_gets_a_vietnamese_error():
    with pytest.raises(IngestError, match="không hợp lệ"):
        parse_procedure_text("x.json", "{not json")
    with pytest.raises(IngestError, match="không phải thủ tục"):
        parse_procedure_text("x.json", '{"ten": "a"}')


def test_chunks_quote_the_record_and_are_few():
    parsed = parse_procedure_file(RECORDS / "1.004222.json")
    assert 1 <= len(parsed.chunks) <= 3
    assert all(c.kind == "procedure" and c.document == "1.004222.json" for c in parsed.chunks)
    overview = parsed.chunks[0]
    assert overview.section_path[0] == "Đăng ký thường trú"
    assert "Trực tuyến: 7 Ngày làm việc; 10,000 Việt Nam Đồng" in overview.text


def test_a_document_with_an_exception_after_its_first_clause_is_asked_of_everyone():
    from ingest.procedures import _is_conditional
    assert not _is_conditional("- Giấy chứng sinh do cơ sở y tế nơi trẻ em sinh ra cấp; nếu trẻ em sinh ra ngoài "
                               "cơ sở y tế thì giấy chứng sinh được thay bằng văn bản xác nhận, trong trường hợp …")
    assert _is_conditional("- Văn bản ủy quyền theo quy định của pháp luật trong trường hợp ủy quyền thực hiện")
    assert _is_conditional("1.1. Trường hợp điều trị nội trú: 1.1.1. Bản sao Giấy ra viện")
    assert _is_conditional("Giấy tờ chứng minh nơi cư trú (nếu có)")
    assert not _is_conditional("4. Bản sao Giấy chứng nhận đăng ký hộ kinh doanh")


def test_prose_the_source_hard_wrapped_is_one_line_per_item_again():
    conditions = proc("1.002544").conditions
    assert "chương trình mục tiêu quốc gia theo quy định" in conditions     # "mục\ntiêu" in the record
    assert "\n5\n" not in conditions                                        # the page's number between items
    assert conditions.count("\n- ") == 5                                    # the six items stay six lines
    steps = proc("3.000224").steps
    assert "\nb) Bước 2:" in steps and "\nc) Bước 3:" in steps              # list labels start lines still


def test_numbered_cases_of_a_documents_table_head_their_rows_1_012888():
    p = proc("1.012888")
    # "1. Đối với Ban quản trị được bầu … lần đầu thì hồ sơ … bao gồm:" is a heading, not a paper
    assert not any(d.name.rstrip().endswith("bao gồm:") for d in p.documents)
    first = [d for d in p.documents if d.group.startswith("Đối với Ban quản trị được bầu tại Hội nghị nhà chung cư lần đầu")]
    assert [d.name[:30] for d in first] == ["- Văn bản đề nghị của chủ đầu ", "- Biên bản họp Hội nghị nhà ch",
                                            "- Danh sách các thành viên Ban", "- Quy chế hoạt động của Ban qu"]
    assert all(d.group_kind == "case" and not d.conditional for d in first)
    again = [d for d in p.documents if d.group.startswith("Trường hợp bầu lại Ban quản trị")]
    assert "- Bản gốc quyết định công nhận Ban quản trị;" in [d.name for d in again]
    # a row that lists papers after a colon without opening a case stays a paper (1.001656's "a) Bản chụp …:")
    assert any(d.name.startswith("a) Bản chụp các giấy tờ sau") for d in proc("1.001656").documents)
