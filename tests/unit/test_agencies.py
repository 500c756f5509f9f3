"""Agency names: splitting lead cells, canonical keys, diacritic-free queries."""

from __future__ import annotations

import pytest

from ingest.agencies import agency_key, agency_matches, looks_like_agency, split_agencies


@pytest.mark.parametrize("cell,expected", [
    # one office whose name contains "và"
    ("Văn phòng HĐND và UBND", ["Văn phòng HĐND và UBND"]),
    ("Văn phòng Hội đồng nhân dân và Ủy ban nhân dân xã", ["Văn phòng Hội đồng nhân dân và Ủy ban nhân dân xã"]),
    # collective names stay whole
    ("Các cơ quan, đơn vị có liên quan", ["Các cơ quan, đơn vị có liên quan"]),
    ("Các cơ quan, tổ chức, đơn vị", ["Các cơ quan, tổ chức, đơn vị"]),
    # two agencies: "; ", " và " between agencies, a comma before a capitalised agency, a plain space
    ("Phòng Văn hóa – Xã hội; Trung tâm Dịch vụ công", ["Phòng Văn hóa – Xã hội", "Trung tâm Dịch vụ công"]),
    ("Sở Nội vụ và các đơn vị có liên quan", ["Sở Nội vụ", "các đơn vị có liên quan"]),
    ("Sở Nội vụ; các cơ quan, đơn vị liên quan", ["Sở Nội vụ", "các cơ quan, đơn vị liên quan"]),
    ("Tài chính - Kế toán, Các bộ phận chuyên môn, Ngân hàng thương mại cung cấp dịch vụ",
     ["Tài chính - Kế toán", "Các bộ phận chuyên môn", "Ngân hàng thương mại cung cấp dịch vụ"]),
    ("Tư pháp – Hộ tịch Văn hóa – xã hội (TBXH)", ["Tư pháp – Hộ tịch", "Văn hóa – xã hội (TBXH)"]),
    ("Tư pháp – Hộ tịch (trên CSDL Quốc gia); Văn phòng UBND xã (trên Công TTĐT tỉnh)",
     ["Tư pháp – Hộ tịch (trên CSDL Quốc gia)", "Văn phòng UBND xã (trên Công TTĐT tỉnh)"]),
    ("Ủy ban MTTQ và các tổ chức chính trị – xã hội", ["Ủy ban MTTQ", "các tổ chức chính trị – xã hội"]),
    # the same agency repeated by merged rows is listed once
    ("Văn phòng UBND xã Văn phòng UBND xã Các bộ phận chuyên môn", ["Văn phòng UBND xã", "Các bộ phận chuyên môn"]),
    # "Phòng Văn hóa" is one name, not "Phòng" + "Văn hóa"
    ("Phòng Văn hóa - Xã hội", ["Phòng Văn hóa - Xã hội"]),
    ("", []),
])
def test_split_agencies(cell, expected):
    assert split_agencies(cell) == expected


@pytest.mark.parametrize("a,b", [
    ("Văn phòng HĐND và UBND (xã)", "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân xã"),
    ("Văn phòng HĐND và UBND", "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân xã"),
    ("Phòng Văn hoá – Xã hội", "Phòng Văn hóa- Xã hội xã"),
    ("Phòng Văn hóa - Xã hội", "Phòng Văn hóa – Xã hội"),
    ("Phòng Kinh tế xã", "Phòng Kinh tế"),
    ("Trung tâm Phục vụ hành chính công xã", "Trung tâm Phục vụ Hành chính công"),
    ("Công chức Tư pháp – hộ tịch có trách nhiệm", "Công chức Tư pháp - Hộ tịch"),
    ("Văn phòng UBND", "Văn phòng UBND xã"),
    ("Tài chính - Kế toán cấp xã", "Tài chính-Kế toán"),
])
def test_variants_share_a_key(a, b):
    assert agency_key(a) == agency_key(b)


def test_different_agencies_have_different_keys():
    assert agency_key("Phòng Kinh tế") != agency_key("Phòng Văn hóa - Xã hội")
    # "xã hội" is part of the name, only a trailing "xã" is dropped
    assert agency_key("Phòng Văn hóa - Xã hội").endswith("xa hoi")


def test_queries_without_diacritics():
    assert agency_matches("phong kinh te", "Phòng Kinh tế xã")
    assert agency_matches("Phòng Kinh tế", "Phòng Kinh tế")
    assert agency_matches("van phong hdnd va ubnd", "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân xã")
    assert agency_matches("VP HĐND và UBND", "Văn phòng HĐND và UBND")
    assert agency_matches("phong van hoa xa hoi", "Phòng Văn hoá – Xã hội")
    assert not agency_matches("phong kinh te", "Văn phòng HĐND và UBND")
    assert not agency_matches("phong kinh te", "Phòng Văn hóa - Xã hội")
    assert not agency_matches("", "Phòng Kinh tế")


PLANS_WITH_PHONG_KINH_TE = ["dai-phuoc_2026.txt", "di-linh_2026-2030.txt", "nam-dan_2026.txt"]


@pytest.mark.parametrize("name", PLANS_WITH_PHONG_KINH_TE)
def test_phong_kinh_te_found_in_every_plan_that_has_it(parsed_plans, name):
    records = parsed_plans[name].tasks
    hits = [r for r in records if any(agency_matches("phong kinh te", a) for a in r.leads + r.coordinator_list)]
    assert hits
    assert all("Kinh tế" in (r.lead + r.coordinators) for r in hits)


def test_loc_hoa_has_no_phong_kinh_te(parsed_plans):
    text = parsed_plans["loc-hoa_2025.txt"].text
    assert "Phòng Kinh tế" not in text
    assert not [r for r in parsed_plans["loc-hoa_2025.txt"].tasks
                if any(agency_matches("phong kinh te", a) for a in r.leads + r.coordinator_list)]


def test_agency_content_cue():
    assert looks_like_agency("Các bộ phận có liên quan")
    assert looks_like_agency("Văn phòng UBND xã; Các bộ phận có liên quan")
    for not_agency in ("Thường xuyên", "Theo tiến độ phê duyệt", "Báo cáo, kết quả kiểm tra",
                       "Văn bản pháp luật được công khai", "Trung tâm IOC đi vào hoạt động",
                       "Công chức được bồi dưỡng đáp ứng tiêu chuẩn"):
        assert not looks_like_agency(not_agency), not_agency


def test_the_post_of_an_official_keys_as_the_office_it_holds():
    # the text's "Công chức Tài chính - Kế toán" is the table's "Tài chính - Kế toán xã"
    assert agency_key("Công chức Tài chính - Kế toán") == agency_key("Tài chính - Kế toán xã")
    assert agency_matches("công chức tài chính kế toán", "Tài chính - Kế toán xã")
    # a bare "Công chức …" of two words is the name itself
    assert agency_key("Công chức xã") == "cong chuc"
