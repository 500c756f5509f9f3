"""The pure pipeline: file/text -> ParsedPlan."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, replace
from pathlib import Path

import pytest

from ingest.errors import IngestError
from ingest.loaders import split_lines
from ingest.normalise import normalise_lines
from ingest.pipeline import parse_file, parse_text

CORPUS = Path(__file__).resolve().parents[2] / "data" / "plans"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def test_parse_file_assembles_a_plan(parsed_plans):
    plan = parsed_plans["di-linh_2026-2030.txt"]
    path = CORPUS / "di-linh_2026-2030.txt"
    assert plan.content_hash == hashlib.sha256(path.read_bytes()).hexdigest()
    assert plan.metadata.commune == "Di Linh" and plan.metadata.province == "Lâm Đồng"
    assert plan.text == "\n".join(line.text for line in normalise_lines(split_lines(path.read_text("utf-8"))))
    assert plan.blocks and plan.chunks and plan.warnings == []
    assert {c.document for c in plan.chunks} == {"di-linh_2026-2030.txt"}
    assert all(t.chunk_id in {c.id for c in plan.chunks} for t in plan.tasks if t.origin == "table")


def test_every_bundled_plan_parses(parsed_plans):
    assert sorted(parsed_plans) == ["dai-phuoc_2026.txt", "di-linh_2026-2030.txt", "loc-hoa_2025.txt",
                                    "nam-dan_2026.txt"]
    assert {p.metadata.commune for p in parsed_plans.values()} == {"Đại Phước", "Di Linh", "Lộc Hòa", "Năm Dẫn"}


def test_parse_text_matches_parse_file():
    path = CORPUS / "nam-dan_2026.txt"
    from_file = parse_file(path)
    from_text = parse_text("nam-dan_2026.txt", path.read_text(encoding="utf-8"), path=str(path))
    assert from_text.content_hash == from_file.content_hash
    assert asdict(from_text.metadata) == asdict(from_file.metadata)
    assert [c.id for c in from_text.chunks] == [c.id for c in from_file.chunks]


def test_records_and_targets_come_from_one_table_parse(parsed_plans):
    plan = parsed_plans["nam-dan_2026.txt"]
    table_tasks = [t for t in plan.tasks if t.origin == "table"]
    table_targets = [t for t in plan.targets if t.source and t.source.section_path[:1] == ("Phụ lục",)]
    assert table_tasks and table_targets and {t.origin for t in plan.tasks} == {"table", "prose"}
    assert all(t.source.line_start >= min(r.source.line_start for r in table_tasks) for t in table_targets)


def test_a_file_without_text_is_an_ingest_error(tmp_path):
    path = tmp_path / "blank.txt"
    path.write_text("\n\n", encoding="utf-8")
    with pytest.raises(IngestError):
        parse_file(path)


def test_a_pdf_plan_gives_the_same_metadata_and_cites_pages(tmp_path, parsed_plans):
    from fpdf import FPDF

    source = parsed_plans["dai-phuoc_2026.txt"]
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.set_font("DejaVu", size=12)
    pdf.add_page()
    for paragraph in source.text.split("\n"):
        pdf.multi_cell(w=0, h=6, text=paragraph, new_x="LMARGIN", new_y="NEXT")
    path = tmp_path / "dai-phuoc.pdf"
    pdf.output(str(path))

    plan = parse_file(path)
    assert replace(plan.metadata, document=source.document) == source.metadata
    # Same words; paragraph breaks may differ only where a sentence ended exactly at a PDF line end.
    assert plan.text.split() == source.text.split()
    assert len(source.text.split("\n")) <= len(plan.text.split("\n")) <= 1.1 * len(source.text.split("\n"))
    headings = [[b.section_path for b in p.blocks if b.kind == "heading"] for p in (plan, source)]
    assert headings[0] == headings[1]
    pages = {c.page for c in plan.chunks if c.kind == "prose"}
    assert None not in pages and len(pages) > 3


def test_a_docx_plan_matches_its_text_version(tmp_path, parsed_plans):
    import docx

    source = parsed_plans["di-linh_2026-2030.txt"]
    document = docx.Document()
    lines = source.text.split("\n")
    index = 0
    while index < len(lines):
        if "\t" not in lines[index]:
            document.add_paragraph(lines[index])
            index += 1
            continue
        rows = []
        while index < len(lines) and "\t" in lines[index]:
            rows.append(lines[index].split("\t"))
            index += 1
        table = document.add_table(rows=len(rows), cols=max(len(r) for r in rows))
        for row, cells in zip(table.rows, rows):
            for cell, value in zip(row.cells, cells):
                cell.text = value
    path = tmp_path / "di-linh.docx"
    document.save(str(path))

    plan = parse_file(path)
    assert replace(plan.metadata, document=source.document) == source.metadata
    assert plan.text == source.text
    assert [(b.kind, b.section_path, b.cells) for b in plan.blocks] == \
        [(b.kind, b.section_path, b.cells) for b in source.blocks]
    assert len(plan.tasks) == len(source.tasks)


def test_the_in_process_time_limit_stops_a_long_parse_and_leaves_an_outer_alarm_running():
    import signal
    import time

    from assistant.parsing import time_limit
    from ingest.errors import IngestError

    with pytest.raises(IngestError, match="quá thời gian cho phép"):
        with time_limit("x.pdf", 0.05):
            time.sleep(1)
    with time_limit("x.pdf", 0.05):
        pass                                          # a quick parse is untouched
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *_: fired.append(True))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        with time_limit("x.pdf", 5):
            pass
        assert 0 < signal.getitimer(signal.ITIMER_REAL)[0] <= 0.3
        time.sleep(0.5)
        assert fired == [True]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
