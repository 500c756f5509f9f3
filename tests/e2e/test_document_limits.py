"""Per-document limits on pages, paragraphs and characters (issue 16, item 4).

Settings `CCHC_MAX_PAGES`, `CCHC_MAX_PARAGRAPHS`, `CCHC_MAX_CHARS` bound the work one document
may cost; a document over one is refused with its count, the limit and the setting to change,
before the work: a PDF by the page count its page tree declares, before any text is extracted.
"""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app as cli_app
from assistant.config import Settings
from ingest.errors import IngestError
from ingest.limits import DEFAULT_LIMITS, DocumentLimits
from ingest.pipeline import parse_file, parse_text

REPO = Path(__file__).resolve().parents[2]
PLAN = REPO / "data" / "plans" / "di-linh_2026-2030.txt"


def _blank_pdf(path: Path, pages: int) -> Path:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    path.write_bytes(out.getvalue())
    return path


def test_a_real_plan_is_within_the_default_limits_and_refused_over_each_limit():
    text = PLAN.read_text(encoding="utf-8")
    plan = parse_text(PLAN.name, text)
    lines = sum(1 for line in text.splitlines() if line.strip())
    assert plan.chunks and lines < DEFAULT_LIMITS.max_paragraphs and len(text) < DEFAULT_LIMITS.max_chars
    paged = "\f".join([text[:4000]] * 6)   # six pages of text, as pdftotext would give them
    cases = [
        (paged, DocumentLimits(max_pages=5), "6 trang", "CCHC_MAX_PAGES"),
        (text, DocumentLimits(max_paragraphs=lines - 1), f"{lines} đoạn/dòng", "CCHC_MAX_PARAGRAPHS"),
        (text, DocumentLimits(max_chars=10_000), "ký tự, vượt giới hạn 10.000 ký tự", "CCHC_MAX_CHARS"),
    ]
    for source, limits, count, setting in cases:
        with pytest.raises(IngestError) as refused:
            parse_text(PLAN.name, source, limits=limits)
        message = str(refused.value)
        assert message.startswith(f"{PLAN.name}: văn bản quá dài") and count in message and setting in message
    # exactly at the limit is accepted
    assert parse_text(PLAN.name, text, limits=DocumentLimits(max_paragraphs=lines)).chunks


def test_a_20000_page_pdf_is_refused_by_its_page_count_before_any_text_is_read(tmp_path, monkeypatch):
    path = _blank_pdf(tmp_path / "hai-muoi-nghin-trang.pdf", 20_000)
    from pypdf import PageObject

    def no_text(*args, **kwargs):
        raise AssertionError("the text of a PDF over the page limit was extracted")

    monkeypatch.setattr(PageObject, "extract_text", no_text)
    started = time.perf_counter()
    with pytest.raises(IngestError) as refused:
        parse_file(path)
    assert time.perf_counter() - started < 5
    assert "20.000 trang" in str(refused.value) and "1.000 trang" in str(refused.value)


def test_settings_carry_the_limits_and_the_cli_names_the_file_and_the_setting(tmp_path):
    assert Settings(max_pages=7, max_paragraphs=8, max_chars=9).document_limits == DocumentLimits(7, 8, 9)
    env = {"CCHC_HOME": str(tmp_path / "home"), "CCHC_EMBEDDER": "hash", "CCHC_MAX_PARAGRAPHS": "50"}
    result = CliRunner().invoke(cli_app, ["ingest", "--json", "--no-progress", str(PLAN)], env=env)
    assert result.exit_code == 1, result.output
    [row] = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert row["status"] == "error" and "vượt giới hạn 50 đoạn/dòng" in row["message"]
    assert "CCHC_MAX_PARAGRAPHS" in row["message"] and "Traceback" not in result.output
    assert f"LỖI  {PLAN}" in result.stderr
    listed = CliRunner().invoke(cli_app, ["documents", "--json"], env=env)
    assert listed.exit_code == 0 and listed.stdout.strip() == ""
