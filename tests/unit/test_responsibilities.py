"""Duties assigned in prose ("Tổ chức thực hiện") → task records with origin "prose"."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from ingest.agencies import agency_matches
from ingest.responsibilities import split_sentences

COUNTS = json.loads((Path(__file__).parents[1] / "fixtures" / "task_counts.json").read_text(encoding="utf-8"))


def prose(parsed_plans, name):
    return [r for r in parsed_plans[name].tasks if r.origin == "prose"]


def test_dai_phuoc_yields_duties_for_each_agency(parsed_plans):
    records = prose(parsed_plans, "dai-phuoc_2026.txt")
    expected = COUNTS["dai-phuoc_2026.txt"]["prose_by_agency"]
    per_agency = Counter()
    for r in records:
        owner = r.lead if "agency_coordinates" not in r.flags else r.coordinators
        per_agency[owner] += 1
        assert r.source.section_path[0] == "IV. TỔ CHỨC THỰC HIỆN"
        assert r.origin == "prose" and r.task
    assert dict(per_agency) == expected
    assert not [r for r in parsed_plans["dai-phuoc_2026.txt"].tasks if r.origin == "table"]


def test_duty_deadlines_from_the_sentence(parsed_plans):
    records = prose(parsed_plans, "dai-phuoc_2026.txt")
    [first] = [r for r in records if r.task.startswith("Căn cứ Kế hoạch này, các cơ quan chuyên môn")]
    assert first.lead == "Thủ trưởng các cơ quan, đơn vị thuộc xã"
    assert (first.deadline, first.deadline_norm.kind, first.deadline_norm.end.isoformat()) == (
        "trước ngày 10/02/2026", "date", "2026-02-10")
    [quarterly] = [r for r in records if r.task.startswith("Định kỳ hàng quý báo cáo")]
    assert quarterly.lead == "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân xã"
    assert (quarterly.deadline, quarterly.deadline_norm.recurrence) == ("Định kỳ hàng quý", "quarterly")
    assert quarterly.number == "2"


def test_phoi_hop_voi_names_the_lead(parsed_plans):
    records = prose(parsed_plans, "nam-dan_2026.txt")
    [r] = [r for r in records if r.task.startswith("Phối hợp với các cơ quan liên quan tham mưu")]
    assert (r.lead, r.coordinators) == ("các cơ quan liên quan", "Phòng Văn hóa – Xã hội")
    [r] = [r for r in records if r.task.startswith("Phối hợp với UBND xã")]
    assert r.leads == ["UBND xã", "các cơ quan, đơn vị liên quan"]
    assert r.coordinator_list == ["Ủy ban MTTQ", "các tổ chức chính trị – xã hội"]
    # "Chủ trì, phối hợp với X": the heading's agency leads, X coordinates
    [r] = [r for r in records if r.task.startswith("Chủ trì, phối hợp với các cơ quan, đơn vị liên quan")]
    assert (r.lead, r.coordinators) == ("Trung tâm Phục vụ Hành chính công", "các cơ quan, đơn vị liên quan")
    # "Phối hợp tổ chức tập huấn" names no partner: the agency itself stays the lead
    [r] = [r for r in prose(parsed_plans, "dai-phuoc_2026.txt") if r.task.startswith("Phối hợp tổ chức tập huấn")]
    assert (r.lead, r.coordinators) == ("Thủ trưởng các cơ quan, đơn vị thuộc xã", "")


def test_sentence_level_assignments(parsed_plans):
    records = prose(parsed_plans, "di-linh_2026-2030.txt")
    [r] = [r for r in records if r.task.startswith("Phòng Văn hóa - Xã hội có trách nhiệm giúp")]
    assert r.lead == "Phòng Văn hóa - Xã hội" and "sentence_assignment" in r.flags
    assert r.source.section_path == ("III. TỔ CHỨC THỰC HIỆN", "1. Công tác triển khai")
    # after an introductory clause, and a following sentence of the same paragraph
    records = prose(parsed_plans, "nam-dan_2026.txt")
    reporting = [r for r in records if r.source.line_start == 172]
    assert [r.lead for r in reporting] == ["thủ trưởng các cơ quan, đơn vị"] * 2
    assert [r.deadline for r in reporting] == ["trước ngày 20/01/2026", "hàng quý"]
    # sentences without an actor are no duties, the closing formula ends the section
    assert not [r for r in records if r.task.startswith(("Tổ chức quán triệt", "Trên đây"))]
    assert not [r for r in prose(parsed_plans, "loc-hoa_2025.txt") if "yêu cầu các đơn vị" in r.task]


def test_lettered_duties_under_agency_headings(parsed_plans):
    records = prose(parsed_plans, "loc-hoa_2025.txt")
    tu_phap = [r for r in records if r.lead == "Công chức Tư pháp – hộ tịch"]
    assert [r.number for r in tu_phap] == ["2.a", "2.b"]
    assert tu_phap[1].coordinators == "các cơ quan, đơn vị có liên quan"
    [b] = [r for r in records if r.number == "1.b" and r.deadline]
    assert (b.deadline, b.deadline_norm.recurrence) == ("định kỳ hàng quý", "quarterly")
    leads = {r.lead for r in records}
    assert "Trạm Y tế xã" in leads and "Các trường trên địa bàn xã" in leads


def test_every_tcth_agency_heading_yields_duties(parsed_plans):
    for name, agencies in {
        "nam-dan_2026.txt": ["Phòng Văn hóa – Xã hội", "Phòng Kinh tế", "Văn phòng HĐND và UBND",
                             "Trung tâm Phục vụ Hành chính công", "Ủy ban MTTQ", "Trung tâm Dịch vụ công",
                             "Các trường thôn trên địa bàn xã"],
        "loc-hoa_2025.txt": ["Công chức Văn phòng-thống kê xã", "Công chức Tài chính - Kế toán",
                             "cán bộ truyền thanh xã"],
    }.items():
        records = prose(parsed_plans, name)
        for agency in agencies:
            assert any(agency_matches(agency, a) for r in records for a in r.leads + r.coordinator_list), agency


def test_sentence_split_keeps_abbreviations_and_lists():
    text = ("Chủ trì, tham mưu Chủ tịch UBND xã nâng cao hiệu quả công tác xây dựng thể chế; Thực hiện nhiệm vụ "
            "nâng cao chất lượng. Định kỳ hàng quý báo cáo Chủ tịch UBND xã.")
    assert split_sentences(text) == [
        "Chủ trì, tham mưu Chủ tịch UBND xã nâng cao hiệu quả công tác xây dựng thể chế; Thực hiện nhiệm vụ "
        "nâng cao chất lượng.",
        "Định kỳ hàng quý báo cáo Chủ tịch UBND xã.",
    ]
