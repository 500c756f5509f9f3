"""Metadata of all four bundled plans, every field, plus plans the corpus does not contain."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pytest

from ingest.loaders import load, split_lines
from ingest.metadata import extract_metadata
from ingest.normalise import normalise_lines
from ingest.structure import parse_structure

CORPUS = Path(__file__).resolve().parents[2] / "data" / "plans"

EXPECTED = {
    "dai-phuoc_2026.txt": {
        "title": "Kế hoạch cải cách hành chính xã Đại Phước năm 2026",
        "commune": "Đại Phước", "district": "", "province": "Đồng Nai",
        "period": "2026", "year_start": 2026, "year_end": 2026,
        "number": "",                      # the PDF text has no number line
        "issue_date": "", "issue_date_text": "",
        "signer": "Hồ Quốc Tân", "signer_title": "CHỦ TỊCH",
        "implements": "Kế hoạch số 228/KH-UBND ngày 25 tháng 12 năm 2025 của Ủy ban nhân dân tỉnh Đồng Nai "
                      "về cải cách hành chính tỉnh Đồng Nai năm 2026",
    },
    "di-linh_2026-2030.txt": {
        "title": "Kế hoạch cải cách hành chính nhà nước giai đoạn 2026 - 2030 của xã Di Linh",
        "commune": "Di Linh", "district": "", "province": "Lâm Đồng",
        "period": "2026-2030", "year_start": 2026, "year_end": 2030,
        "number": "/KH-UBND",              # "Số: /KH-UBND": blank number kept as written
        "issue_date": "2026-04-12", "issue_date_text": "ngày 12 tháng 4 năm 2026",
        "signer": "Trần Thị Tâm", "signer_title": "KT. CHỦ TỊCH PHÓ CHỦ TỊCH",
        "implements": "Kế hoạch số 3664/KH-UBND ngày 20/3/2026 của UBND tỉnh Lâm Đồng ban hành Kế hoạch cải "
                      "cách hành chính nhà nước giai đoạn 2026 - 2030 của tỉnh Lâm Đồng",
    },
    "loc-hoa_2025.txt": {
        "title": "Kế hoạch cải cách hành chính nhà nước năm 2025 trên địa bàn xã Lộc Hòa",
        "commune": "Lộc Hòa", "district": "Lộc Ninh",
        "province": "",                    # only "UBND tỉnh" / "của tỉnh": never named
        "period": "2025", "year_start": 2025, "year_end": 2025,
        "number": "09/QĐ-UBND",            # the decision the plan is attached to
        "issue_date": "2025-01-22", "issue_date_text": "ngày 22 tháng 01 năm 2025",
        "signer": "Nguyễn Công Thành",
        "signer_title": "",                # the signature block gives no title
        "implements": "Quyết định số 128/QĐ-UBND ngày 14/01/2025 của UBND huyện Lộc Ninh về việc ban hành Kế "
                      "hoạch cải cách hành chính nhà nước năm 2025 trên địa bàn huyện Lộc Ninh",
    },
    "nam-dan_2026.txt": {
        "title": "Kế hoạch cải cách hành chính năm 2026",
        "commune": "Năm Dẫn",              # not the "Năm Dăn" typo of the closing lines
        "district": "", "province": "Tuyên Quang",
        "period": "2026", "year_start": 2026, "year_end": 2026,
        "number": "/KH-UBND",
        "issue_date": "",                  # day left blank: "ngày tháng 01 năm 2026"
        "issue_date_text": "ngày tháng 01 năm 2026",
        "signer": "Nguyễn Quang Hưng", "signer_title": "TM. ỦY BAN NHÂN DÂN CHỦ TỊCH",
        "implements": "Quyết định số 1735/QĐ-UBND ngày 30/12/2025 của Ủy ban nhân dân tỉnh Tuyên Quang, về việc "
                      "ban hành Kế hoạch cải cách hành chính tỉnh Tuyên Quang năm 2026",
    },
}


def metadata_of_text(document: str, text: str):
    return extract_metadata(document, parse_structure(normalise_lines(split_lines(text))))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_field_of_the_bundled_plans(name):
    loaded = load(CORPUS / name)
    metadata = extract_metadata(name, parse_structure(normalise_lines(loaded.lines)))
    got = asdict(metadata)
    assert got.pop("document") == name
    assert got == EXPECTED[name]


def test_metadata_does_not_depend_on_the_file_name():
    text = (CORPUS / "di-linh_2026-2030.txt").read_text(encoding="utf-8")
    metadata = metadata_of_text("upload-1.txt", text)
    assert (metadata.commune, metadata.province, metadata.period) == ("Di Linh", "Lâm Đồng", "2026-2030")


def test_a_plan_outside_the_corpus():
    text = (
        "ỦY BAN NHÂN DÂN\nXÃ TÂN PHÚ\n\nSố: 15/KH-UBND\n\nTân Phú, ngày 05 tháng 3 năm 2026\n\n"
        "KẾ HOẠCH\nCải cách hành chính năm 2026 trên địa bàn xã Tân Phú\n\n"
        "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16/6/2025;\n"
        "Căn cứ Kế hoạch số 12/KH-UBND ngày 10/01/2026 của UBND tỉnh Quảng Trị về cải cách hành chính "
        "năm 2026;\n\nỦy ban nhân dân xã Tân Phú ban hành Kế hoạch như sau:\n\n"
        "I. MỤC TIÊU\n- Tỷ lệ hồ sơ đúng hạn đạt 98%.\nII. TỔ CHỨC THỰC HIỆN\n"
        "Văn phòng HĐND và UBND xã theo dõi, báo cáo UBND tỉnh Quy định tại Điều 5./.\n\n"
        "Nơi nhận:\n- Sở Nội vụ tỉnh Quảng Trị;\n- Lưu: VT.\n\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\n\nLê Thị Bích Ngọc\n"
    )
    metadata = metadata_of_text("tan-phu.txt", text)
    assert metadata.title == "Kế hoạch cải cách hành chính năm 2026 trên địa bàn xã Tân Phú"
    assert (metadata.commune, metadata.district, metadata.province) == ("Tân Phú", "", "Quảng Trị")
    assert (metadata.period, metadata.year_start, metadata.year_end) == ("2026", 2026, 2026)
    assert metadata.number == "15/KH-UBND"
    assert (metadata.issue_date, metadata.issue_date_text) == ("2026-03-05", "ngày 05 tháng 3 năm 2026")
    assert (metadata.signer, metadata.signer_title) == ("Lê Thị Bích Ngọc", "KT. CHỦ TỊCH PHÓ CHỦ TỊCH")
    assert metadata.implements == ("Kế hoạch số 12/KH-UBND ngày 10/01/2026 của UBND tỉnh Quảng Trị về cải cách "
                                   "hành chính năm 2026")


def test_unknown_fields_stay_empty():
    metadata = metadata_of_text("notes.txt", "Ghi chú họp giao ban\n\nI. NỘI DUNG\n- Trao đổi công việc.\n")
    assert (metadata.commune, metadata.province, metadata.period, metadata.number, metadata.signer,
            metadata.issue_date, metadata.implements) == ("", "", "", "", "", "", "")
    assert metadata.year_start is None and metadata.year_end is None
