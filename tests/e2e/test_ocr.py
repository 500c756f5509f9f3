"""Scans and photos: the committed 200 dpi scan of two appendix pages of Di Linh's plan
(tests/fixtures/renditions, made by scripts/make_renditions.py) read with Tesseract, and the
table geometry that turns word boxes into rows, checked without Tesseract on drawn pages."""

from __future__ import annotations

import json
import shutil
from difflib import SequenceMatcher
from pathlib import Path

import numpy as np
import pytest

from ingest.errors import IngestError
from ingest.loaders import load
from ingest.vntext import normalise_name
from ingest.ocr import OcrWord, find_tables, layout_page, ocr_available, read_roman

REPO = Path(__file__).resolve().parents[2]
RENDITIONS = REPO / "tests" / "fixtures" / "renditions"
SCAN = json.loads((RENDITIONS / "manifest.json").read_text(encoding="utf-8"))["scan"]
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf")

needs_tesseract = pytest.mark.skipif(
    not ocr_available(), reason="Tesseract with Vietnamese data is not installed (apt-get install tesseract-ocr tesseract-ocr-vie)"
)
needs_pdftoppm = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) is not installed")


def _similar(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b).ratio()


# -- the committed scan ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def scanned_plan():
    import hashlib

    from ingest.pipeline import parse_document

    seen: list[tuple[int, int]] = []
    path = RENDITIONS / SCAN["pdf"]
    loaded = load(path, progress=lambda done, total: seen.append((done, total)))
    return loaded, parse_document(loaded, hashlib.sha256(path.read_bytes()).hexdigest()), seen


@needs_tesseract
@needs_pdftoppm
def test_scanned_appendix_gives_the_txt_tasks_with_their_leads(scanned_plan):
    loaded, plan, progress = scanned_plan
    assert loaded.ocr is True and loaded.media_type == "application/pdf"
    assert 80 <= loaded.ocr_confidence <= 100
    assert plan.ocr and plan.ocr_confidence == loaded.ocr_confidence
    assert any("OCR" in w for w in plan.warnings)
    assert progress[0] == (0, 2) and progress[-1] == (2, 2)

    found = [t for t in plan.tasks if t.origin == "table"]
    expected = [(int(page), task) for page, tasks in SCAN["tasks_by_page"].items() for task in tasks]
    assert len(expected) >= 8
    recovered = 0
    for page, task in expected:
        # the right agency: OCR may read "–" as "—" or change a letter's case
        match = [t for t in found if t.number == task["number"] and normalise_name(t.lead) == normalise_name(task["lead"])
                 and _similar(t.task, task["task"]) > 0.85]
        if match:
            recovered += 1
            assert match[0].source.page == page - SCAN["pages"][0] + 1  # pages of the scan file
            assert match[0].area.split(".")[0] == task["area"].split(".")[0]  # roman group
    assert recovered >= 0.9 * len(expected), (recovered, len(expected))
    assert len(found) <= len(expected) + 1  # no rows invented from the header or group rows


@needs_tesseract
@needs_pdftoppm
def test_a_scan_is_stored_as_ocr_and_its_citations_say_so(scanned_plan, tmp_path):
    """`cchc documents --json` shows "ocr", its mean confidence and the text quality; an
    answer from the scan notes in its citation that the text was recognised."""
    from typer.testing import CliRunner

    from assistant.cli import app
    from assistant.config import Settings
    from assistant.embeddings import HashEmbeddings
    from assistant.qa.common import OCR_NOTE
    from assistant.store import Store

    _, plan, _ = scanned_plan
    home = tmp_path / "home"
    store = Store(Settings(home=home, embedder="hash"), HashEmbeddings()).open()
    store.upsert_plan(plan)
    store.close()
    env = {"CCHC_HOME": str(home), "CCHC_EMBEDDER": "hash"}
    [doc] = [json.loads(line) for line in CliRunner().invoke(app, ["documents", "--json"], env=env).stdout.splitlines()]
    assert doc["ocr"] is True and doc["extractor"] == "tesseract"
    assert doc["ocr_confidence"] == plan.ocr_confidence and 80 <= doc["ocr_confidence"] <= 100
    assert doc["text_quality"] >= 0.85
    result = CliRunner().invoke(app, ["ask", "--json", "Ai chủ trì việc công bố danh mục văn bản quy phạm "
                                      "pháp luật hết hiệu lực ở Di Linh?"], env=env)
    answer = json.loads(result.stdout)
    assert not answer["abstained"] and "Văn phòng HĐND và UBND" in answer["answer"], answer
    assert answer["citations"] and all(c["note"] == OCR_NOTE for c in answer["citations"])


@needs_tesseract
def test_a_photo_of_a_page_is_read_as_lines_and_table_rows(tmp_path):
    from PIL import Image

    page = RENDITIONS / SCAN["png"][0]
    with Image.open(page) as image:
        top = image.convert("L").crop((0, 0, image.width, image.height * 2 // 5))  # title, header, 2 rows
        photo = tmp_path / "chup-trang.jpg"
        top.save(photo, quality=85, dpi=(200, 200))
    loaded = load(photo)
    assert loaded.ocr and loaded.media_type == "image/jpeg"
    texts = [line.text for line in loaded.lines]
    assert "PHỤ LỤC" in texts
    rows = [t.split("\t") for t in texts if "\t" in t]
    assert rows[0][0] == "STT" and len(rows[0]) == 7
    assert rows[1][:2] == ["I", "Cải cách thể chế"]
    assert rows[2][0] == "1" and rows[2][4] == "Văn phòng HĐND và UBND"  # number and lead columns
    assert rows[2][3].startswith("Trước ngày 31/01")
    assert all(line.page == 1 for line in loaded.lines)


# -- without Tesseract ----------------------------------------------------------------------


def test_without_tesseract_scans_and_images_are_refused_with_the_install_hint(tmp_path, monkeypatch):
    import ingest.ocr as ocr

    monkeypatch.setattr(ocr.shutil, "which", lambda name: None)
    monkeypatch.setattr(ocr, "tesseract_languages", lambda: set())
    with pytest.raises(IngestError, match="apt-get install tesseract-ocr") as info:
        load(RENDITIONS / SCAN["png"][0])
    assert SCAN["png"][0] in str(info.value)
    with pytest.raises(IngestError, match="OCR.*apt-get install tesseract-ocr"):
        load(RENDITIONS / SCAN["pdf"])


# -- geometry, without Tesseract ------------------------------------------------------------


def _ruled_page() -> np.ndarray:
    """A white page with a ruled 4-column table: header, a group row spanning columns 2-4,
    and a task row."""
    page = np.full((600, 900), 255, dtype=np.uint8)
    xs, ys = [50, 150, 500, 700, 850], [100, 160, 220, 400]
    for y in ys:
        page[y : y + 2, xs[0] : xs[-1] + 2] = 0
    for x in xs:
        for y0, y1 in zip(ys, ys[1:]):
            inner = x in (xs[2], xs[3]) and y0 == ys[1]  # no inner rules in the group row
            if not inner:
                page[y0 : y1 + 2, x : x + 2] = 0
    return page


def _word(text: str, left: int, top: int, key=(1, 1, 1)) -> OcrWord:
    return OcrWord(text, left, top, 12 * len(text), 24, 95.0, key)


def test_ruling_lines_give_rows_and_merged_cells():
    tables, rules = find_tables(_ruled_page())
    assert len(tables) == 1
    table = tables[0]
    assert len(table.rows) == 3 and len(table.columns) == 5
    assert [column for column, _, _ in table.cells[1]] == [0, 1]  # group row: number + one span
    assert [column for column, _, _ in table.cells[2]] == [0, 1, 2, 3]
    assert rules[100, 400] and not rules[300, 300]


def test_words_are_placed_in_their_cells_and_read_line_by_line():
    tables, _ = find_tables(_ruled_page())
    words = [
        _word("PHỤ", 300, 40, (1, 1, 1)), _word("LỤC", 350, 40, (1, 1, 1)),
        _word("STT", 60, 120), _word("Nhiệm", 160, 120), _word("vụ", 240, 120),
        _word("Chủ", 510, 120), _word("trì", 560, 120), _word("Thời", 710, 120), _word("gian", 770, 120),
        _word("II", 60, 180), _word("Cải", 160, 180), _word("cách", 210, 180), _word("thể", 520, 180),
        # a task cell wrapped over two lines; the lead in its own column on the first line
        _word("1", 60, 240), _word("Rà", 160, 240), _word("soát", 200, 240), _word("Văn", 510, 240),
        _word("phòng", 560, 240), _word("Quý", 710, 240), _word("I", 760, 240),
        _word("văn", 160, 280), _word("bản.", 210, 280),
        _word("Trang", 400, 500, (2, 1, 1)), _word("2", 470, 500, (2, 1, 1)),
    ]
    lines = [text for _, text in layout_page(words, tables)]
    assert lines == [
        "PHỤ LỤC",
        "STT\tNhiệm vụ\tChủ trì\tThời gian",
        "II\tCải cách thể\t\t",
        "1\tRà soát văn bản.\tVăn phòng\tQuý I",
        "Trang 2",
    ]


@pytest.mark.skipif(not FONT.exists(), reason="DejaVu Serif Bold font not installed")
@pytest.mark.parametrize("numeral", ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"])
def test_roman_group_numbers_are_read_from_their_glyphs(numeral):
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (160, 50), 255)
    ImageDraw.Draw(image).text((20, 10), numeral, font=ImageFont.truetype(str(FONT), 28), fill=0)
    assert read_roman(np.asarray(image)) == numeral


def test_folders_and_uploads_take_scans_photos_and_legacy_word(tmp_path):
    """The CLI's folder walk and the upload checks use the loaders' one list of formats; an
    upload is checked by its magic bytes (a real PNG and a real .doc pass, renamed files do not)."""
    from assistant.ingestion import expand_paths
    from assistant.jobs import UploadRejected, check_content

    folder = tmp_path / "ban-quet"
    folder.mkdir()
    png = (RENDITIONS / SCAN["png"][0]).read_bytes()
    doc = (RENDITIONS / "nam-dan_2026.doc").read_bytes()
    for name, data in (("trang-12.png", png), ("ke-hoach.doc", doc), ("ghi-chu.xls", b"x")):
        (folder / name).write_bytes(data)
    files, notes = expand_paths([folder])
    assert sorted(p.name for p in files) == ["ke-hoach.doc", "trang-12.png"]
    assert [Path(n.file).name for n in notes] == ["ghi-chu.xls"]

    check_content("trang-12.png", png, max_bytes=10_000_000)
    check_content("ke-hoach.doc", doc, max_bytes=10_000_000)
    for name, data in (("trang-12.jpg", png), ("ke-hoach.doc", png), ("anh.tif", doc)):
        with pytest.raises(UploadRejected) as info:
            check_content(name, data, max_bytes=10_000_000)
        assert info.value.reason == "unsupported" and name in info.value.message


@needs_tesseract
def test_cchc_ingest_stops_a_parse_past_the_time_limit_and_keeps_what_was_stored(tmp_path):
    """`cchc ingest` parses in its own process (keeping the OCR progress bar), yet a file that runs
    past CCHC_INGEST_JOB_SECONDS is stopped with the same message as an upload job, the other
    files of the run are stored, and nothing stored before is lost."""
    from typer.testing import CliRunner

    from assistant.cli import app

    env = {"CCHC_HOME": str(tmp_path / "home"), "CCHC_EMBEDDER": "hash"}
    plan = REPO / "data" / "plans" / "dai-phuoc_2026.txt"
    first = CliRunner().invoke(app, ["ingest", "--json", "--no-progress", str(plan)], env=env)
    assert first.exit_code == 0, first.output
    # a text plan parses in well under a second once imported; OCR of the two scanned pages takes longer
    run = CliRunner().invoke(app, ["ingest", "--json", "--no-progress", str(RENDITIONS / SCAN["pdf"]),
                                   str(REPO / "data" / "plans" / "nam-dan_2026.txt")],
                             env={**env, "CCHC_INGEST_JOB_SECONDS": "1.5"})
    assert run.exit_code == 1
    lines = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    scan, other = lines
    assert scan["status"] == "error" and "quá thời gian cho phép (1.5 giây" in scan["message"]
    assert other["status"] == "added"
    listed = CliRunner().invoke(app, ["documents", "--json"], env=env).stdout.splitlines()
    assert sorted(json.loads(line)["document"] for line in listed) == ["dai-phuoc_2026.txt", "nam-dan_2026.txt"]
