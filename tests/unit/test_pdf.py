"""PDFs as communes publish them: Word exports with real appendix tables (tests/fixtures/renditions,
made by scripts/make_renditions.py, and tests/fixtures/pdf, made by scripts/make_pdf_fixtures.py),
a PDF whose font has no Unicode map, and a PDF without a text layer. Each text-layer PDF must give
the `.txt` plan's records through the same pipeline (issue 13, items 1-3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.errors import IngestError, NeedsOcr
from ingest.loaders import load
from ingest.pdf import load_pdf
from ingest.pipeline import parse_file
from ingest.quality import MIN_SCORE, assess

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "data" / "plans"
FIXTURES = REPO / "tests" / "fixtures"
COUNTS = json.loads((FIXTURES / "task_counts.json").read_text(encoding="utf-8"))
RENDITIONS = json.loads((FIXTURES / "renditions" / "manifest.json").read_text(encoding="utf-8"))["pdf"]
PDFS = [FIXTURES / "renditions" / name for name in RENDITIONS] + sorted(
    p for p in (FIXTURES / "pdf").glob("*.pdf") if (CORPUS / f"{p.stem}.txt").exists())
PDF_IDS = [f"{p.parent.name}/{p.name}" for p in PDFS]
TASK_FIELDS = ("area", "number", "task", "lead", "coordinators", "product", "deadline")


@pytest.fixture(scope="module")
def parsed():
    cache: dict[Path, object] = {}

    def get(path: Path):
        if path not in cache:
            cache[path] = parse_file(path)
        return cache[path]

    return get


def _table_tasks(plan):
    return [t for t in plan.tasks if t.origin == "table"]


@pytest.mark.parametrize("pdf", PDFS, ids=PDF_IDS)
def test_pdf_gives_the_txt_table_tasks_field_by_field(parsed, pdf):
    txt, from_pdf = parsed(CORPUS / f"{pdf.stem}.txt"), parsed(pdf)
    expected = COUNTS.get(f"{pdf.stem}.txt", {}).get("table", len(_table_tasks(txt)))
    txt_tasks, pdf_tasks = _table_tasks(txt), _table_tasks(from_pdf)
    assert len(pdf_tasks) == len(txt_tasks) == expected
    same = [a for a, b in zip(txt_tasks, pdf_tasks)
            if all(getattr(a, f) == getattr(b, f) for f in TASK_FIELDS)]
    assert len(same) == len(txt_tasks), [
        (a.number, f, getattr(a, f), getattr(b, f)) for a, b in zip(txt_tasks, pdf_tasks)
        for f in TASK_FIELDS if getattr(a, f) != getattr(b, f)][:5]
    # citations give the page the row is printed on
    assert all(t.source.page for t in pdf_tasks)


@pytest.mark.parametrize("pdf", PDFS, ids=PDF_IDS)
def test_pdf_keeps_targets_prose_duties_and_letterhead(parsed, pdf):
    txt, from_pdf = parsed(CORPUS / f"{pdf.stem}.txt"), parsed(pdf)
    assert abs(len(from_pdf.targets) - len(txt.targets)) <= 0.02 * len(txt.targets)
    prose = lambda plan: sorted((t.lead, t.task) for t in plan.tasks if t.origin == "prose")  # noqa: E731
    assert prose(from_pdf) == prose(txt)
    for name in ("number", "issue_date", "signer", "commune", "period"):
        assert getattr(from_pdf.metadata, name) == getattr(txt.metadata, name), name
    assert from_pdf.metadata.signer
    assert from_pdf.text_quality is not None and from_pdf.text_quality >= MIN_SCORE
    assert from_pdf.extractor == "pdfplumber" and not from_pdf.ocr


def test_a_font_without_unicode_map_is_refused_not_indexed():
    path = FIXTURES / "pdf" / "no-unicode-map.pdf"
    with pytest.raises(IngestError) as info:
        load(path)
    assert "Unicode" in info.value.reason_vi and "phông chữ" in info.value.reason_vi
    assert not isinstance(info.value, NeedsOcr)


def test_quality_gate_tells_vietnamese_from_broken_diacritics():
    plan = (CORPUS / "di-linh_2026-2030.txt").read_text(encoding="utf-8")
    assert assess(plan).score >= MIN_SCORE
    broken = "C i cách hành chính nhà n c giai đo n 2026 - 2030 c a xã Di Linhả ướ ạ ủ " * 20
    quality = assess(broken)
    assert quality.score < MIN_SCORE and quality.problem


def _scan_pdf(path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 120, 160, style="F")  # a "scanned page": graphics, no text
    pdf.output(str(path))
    return path


def test_pdf_without_text_layer_is_routed_to_ocr(tmp_path):
    path = _scan_pdf(tmp_path / "scan.pdf")
    with pytest.raises(NeedsOcr, match="OCR"):
        load_pdf(path, path.name)


def test_pdf_without_text_layer_and_without_tesseract_names_the_install(tmp_path, monkeypatch):
    import ingest.ocr

    monkeypatch.setattr(ingest.ocr, "ocr_available", lambda: False)
    path = _scan_pdf(tmp_path / "scan.pdf")
    with pytest.raises(IngestError) as info:
        load(path)
    assert "Tesseract" in info.value.reason_vi and "apt-get install" in info.value.reason_vi
    assert "lớp văn bản" in info.value.reason_vi
