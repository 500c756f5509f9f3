"""Word files as communes write them: the committed renditions of the bundled plans
(tests/fixtures/renditions, made by scripts/make_renditions.py) and the DOCX reader's rules
(automatic numbering, layout tables, limits, legacy .doc)."""

from __future__ import annotations

import json
import shutil
import time
import zipfile
from pathlib import Path

import pytest

from ingest.docx import DocxLimits, converted_from_doc, read_docx
from ingest.errors import IngestError
from ingest.loaders import load
from ingest.pipeline import parse_file

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "data" / "plans"
RENDITIONS = REPO / "tests" / "fixtures" / "renditions"
COUNTS = json.loads((REPO / "tests" / "fixtures" / "task_counts.json").read_text(encoding="utf-8"))
PLANS = sorted(p.stem for p in CORPUS.glob("*.txt"))
TASK_FIELDS = ("task", "lead", "coordinators", "product", "deadline", "area", "number")
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


@pytest.fixture(scope="module")
def pairs():
    """(.txt plan, .docx rendition) parsed by the same pipeline, per plan."""
    return {stem: (parse_file(CORPUS / f"{stem}.txt"), parse_file(RENDITIONS / f"{stem}.docx")) for stem in PLANS}


# -- the renditions ------------------------------------------------------------------------


@pytest.mark.parametrize("stem", PLANS)
def test_rendition_gives_the_txt_task_records_field_by_field(pairs, stem):
    txt, docx = pairs[stem]
    txt_tasks = [t for t in txt.tasks if t.origin == "table"]
    docx_tasks = [t for t in docx.tasks if t.origin == "table"]
    assert len(docx_tasks) == COUNTS[f"{stem}.txt"]["table"]
    assert len(docx_tasks) == len(txt_tasks)
    for a, b in zip(txt_tasks, docx_tasks):
        assert [getattr(b, f) for f in TASK_FIELDS] == [getattr(a, f) for f in TASK_FIELDS]
    txt_prose = [(t.lead, t.task) for t in txt.tasks if t.origin == "prose"]
    assert [(t.lead, t.task) for t in docx.tasks if t.origin == "prose"] == txt_prose
    assert len(docx.targets) == len(txt.targets)


@pytest.mark.parametrize("stem", PLANS)
def test_rendition_keeps_number_date_signer_and_heading_tree(pairs, stem):
    txt, docx = pairs[stem]
    for name in ("number", "issue_date", "issue_date_text", "signer", "commune", "period", "title"):
        assert getattr(docx.metadata, name) == getattr(txt.metadata, name), name
    assert docx.metadata.signer  # every plan is signed
    headings = lambda plan: [(b.section_path, b.level) for b in plan.blocks if b.kind == "heading"]  # noqa: E731
    assert headings(docx) == headings(txt)


def test_renditions_are_written_the_way_communes_write_them():
    """The fixtures really hold what the reader must undo: numbers only in numbering.xml,
    letterhead and signature as borderless tables, appendix as a table with merged cells."""
    with zipfile.ZipFile(RENDITIONS / "di-linh_2026-2030.docx") as archive:
        body = archive.read("word/document.xml").decode("utf-8")
        numbering = archive.read("word/numbering.xml").decode("utf-8")
    assert "QUAN ĐIỂM, MỤC TIÊU, YÊU CẦU" in body and ">I. QUAN" not in body
    assert 'w:numFmt w:val="upperRoman"' in numbering and 'w:numFmt w:val="lowerLetter"' in numbering
    assert body.index("<w:tbl>") < body.index("Số: /KH-UBND") < body.index("KẾ HOẠCH")
    assert "<w:gridSpan" in body and "<w:vMerge" not in body  # group rows span the columns
    with zipfile.ZipFile(RENDITIONS / "loc-hoa_2025.docx") as archive:
        assert "<w:vMerge" in archive.read("word/document.xml").decode("utf-8")  # shared number/goal cells

    lines = read_docx(RENDITIONS / "di-linh_2026-2030.docx", "di-linh.docx")
    assert "I. QUAN ĐIỂM, MỤC TIÊU, YÊU CẦU" in lines and "a) Mục tiêu" in lines
    assert lines[:6] == ["ỦY BAN NHÂN DÂN", "XÃ DI LINH", "Số: /KH-UBND", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                         "Độc lập - Tự do - Hạnh phúc", "Di Linh, ngày 12 tháng 4 năm 2026"]
    sign = lines.index("Nơi nhận:")
    assert lines[sign + 1].startswith("- Sở Nội vụ") and "Trần Thị Tâm" in lines[sign:sign + 16]
    assert not any("Nơi nhận" in line and "\t" in line for line in lines)


# -- numbering rules ------------------------------------------------------------------------


def _package(path: Path, body: str, numbering: str = "", styles: str = "") -> Path:
    ns = f'xmlns:w="{W_NS}"'
    rels = ['<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>']
    if numbering:
        rels.append('<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="numbering.xml"/>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        wml = "application/vnd.openxmlformats-officedocument.wordprocessingml"
        overrides = [("/word/document.xml", "document.main"), ("/word/styles.xml", "styles")]
        overrides += [("/word/numbering.xml", "numbering")] if numbering else []
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            + "".join(f'<Override PartName="{name}" ContentType="{wml}.{kind}+xml"/>' for name, kind in overrides)
            + "</Types>")
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
        archive.writestr("word/_rels/document.xml.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                         + "".join(rels) + "</Relationships>")
        archive.writestr("word/document.xml", f'<?xml version="1.0"?><w:document {ns}><w:body>{body}</w:body></w:document>')
        archive.writestr("word/styles.xml", f'<?xml version="1.0"?><w:styles {ns}>{styles}</w:styles>')
        if numbering:
            archive.writestr("word/numbering.xml", f'<?xml version="1.0"?><w:numbering {ns}>{numbering}</w:numbering>')
    return path


def _p(text: str, num: tuple[int, int] | None = None, style: str = "") -> str:
    ppr = ""
    if num or style:
        num_pr = f'<w:numPr><w:ilvl w:val="{num[1]}"/><w:numId w:val="{num[0]}"/></w:numPr>' if num else ""
        style_el = f'<w:pStyle w:val="{style}"/>' if style else ""
        ppr = f"<w:pPr>{style_el}{num_pr}</w:pPr>"
    return f'<w:p>{ppr}<w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'


def _abstract(ident: int, levels: list[tuple[str, str]], starts: dict[int, int] | None = None,
              restarts: dict[int, int] | None = None) -> str:
    out = [f'<w:abstractNum w:abstractNumId="{ident}">']
    for ilvl, (fmt, text) in enumerate(levels):
        start = (starts or {}).get(ilvl, 1)
        restart = f'<w:lvlRestart w:val="{restarts[ilvl]}"/>' if restarts and ilvl in restarts else ""
        out.append(f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/>{restart}'
                   f'<w:lvlText w:val="{text}"/></w:lvl>')
    out.append("</w:abstractNum>")
    return "".join(out)


OUTLINE = [("upperRoman", "%1."), ("decimal", "%2."), ("decimal", "%2.%3."), ("lowerLetter", "%4)")]


def test_multilevel_numbering_restarts_below_each_higher_level(tmp_path):
    numbering = _abstract(1, OUTLINE) + '<w:num w:numId="5"><w:abstractNumId w:val="1"/></w:num>'
    body = "".join([
        _p("MỤC TIÊU", (5, 0)), _p("Mục tiêu chung", (5, 1)), _p("Cải cách thể chế", (5, 2)),
        _p("Cải cách thủ tục", (5, 2)), _p("Mục tiêu", (5, 3)), _p("Nhiệm vụ", (5, 3)),
        _p("Yêu cầu", (5, 1)), _p("Nhiệm vụ", (5, 3)), _p("NHIỆM VỤ", (5, 0)), _p("Thể chế", (5, 1)),
        _p("", (5, 1)),  # an empty numbered paragraph still takes its number
        _p("Thủ tục", (5, 1)),
    ])
    lines = read_docx(_package(tmp_path / "n.docx", body, numbering), "n.docx")
    assert lines == ["I. MỤC TIÊU", "1. Mục tiêu chung", "1.1. Cải cách thể chế", "1.2. Cải cách thủ tục",
                     "a) Mục tiêu", "b) Nhiệm vụ", "2. Yêu cầu", "a) Nhiệm vụ", "II. NHIỆM VỤ", "1. Thể chế", "",
                     "3. Thủ tục"]


def test_start_override_restarts_and_shared_lists_continue(tmp_path):
    numbering = (
        _abstract(1, [("decimal", "%1.")], starts={0: 3})
        + _abstract(2, [("lowerLetter", "%1)")], restarts={0: 0})
        + '<w:num w:numId="1"><w:abstractNumId w:val="1"/></w:num>'
        + '<w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>'       # same list: continues
        + '<w:num w:numId="3"><w:abstractNumId w:val="1"/><w:lvlOverride w:ilvl="0">'
          '<w:startOverride w:val="1"/></w:lvlOverride></w:num>'          # "restart at 1"
        + '<w:num w:numId="4"><w:abstractNumId w:val="2"/></w:num>'
        + '<w:num w:numId="0"><w:abstractNumId w:val="2"/></w:num>'
    )
    body = "".join([
        _p("ba", (1, 0)), _p("bốn", (2, 0)), _p("một", (3, 0)), _p("hai", (3, 0)),
        *[_p(f"mục {i}", (4, 0)) for i in range(28)], _p("không số", (0, 0)),
    ])
    lines = read_docx(_package(tmp_path / "o.docx", body, numbering), "o.docx")
    assert lines[:4] == ["3. ba", "4. bốn", "1. một", "2. hai"]
    assert lines[4] == "a) mục 0" and lines[4 + 25] == "z) mục 25" and lines[4 + 26] == "aa) mục 26"
    assert lines[-1] == "không số"


def test_numbering_from_paragraph_styles_follows_based_on(tmp_path):
    numbering = (_abstract(1, [("upperRoman", "%1."), ("decimal", "%2.")])
                 + _abstract(2, [("bullet", "\uf0b7"), ("bullet", "+")])
                 + '<w:num w:numId="1"><w:abstractNumId w:val="1"/></w:num>'
                 + '<w:num w:numId="2"><w:abstractNumId w:val="2"/></w:num>')
    styles = (
        '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>'
        '<w:style w:type="paragraph" w:styleId="H1"><w:basedOn w:val="Normal"/>'
        '<w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:style>'
        '<w:style w:type="paragraph" w:styleId="H2"><w:basedOn w:val="H1"/>'
        '<w:pPr><w:numPr><w:ilvl w:val="1"/></w:numPr></w:pPr></w:style>'
        '<w:style w:type="paragraph" w:styleId="Bullet"><w:pPr><w:numPr><w:numId w:val="2"/></w:numPr></w:pPr></w:style>'
    )
    body = "".join([_p("MỤC ĐÍCH", style="H1"), _p("Mục đích", style="H2"), _p("một việc", style="Bullet"),
                    _p("việc con", (2, 1), style="Bullet"), _p("Yêu cầu", style="H2"), _p("thường")])
    lines = read_docx(_package(tmp_path / "s.docx", body, numbering, styles), "s.docx")
    assert lines == ["I. MỤC ĐÍCH", "1. Mục đích", "- một việc", "+ việc con", "2. Yêu cầu", "thường"]


# -- layout tables --------------------------------------------------------------------------


def _table(rows: list[list[str]], borders: bool, spans: dict[tuple[int, int], int] | None = None) -> str:
    edges = "".join(f'<w:{e} w:val="{"single" if borders else "nil"}"/>' for e in ("top", "left", "bottom", "right", "insideH", "insideV"))
    out = [f"<w:tbl><w:tblPr><w:tblBorders>{edges}</w:tblBorders></w:tblPr>"]
    for r, row in enumerate(rows):
        out.append("<w:tr>")
        for c, cell in enumerate(row):
            span = (spans or {}).get((r, c))
            tcpr = f'<w:tcPr><w:gridSpan w:val="{span}"/></w:tcPr>' if span else ""
            out.append(f"<w:tc>{tcpr}" + "".join(_p(t) for t in cell.split("|")) + "</w:tc>")
        out.append("</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


def test_borderless_two_column_tables_read_column_by_column(tmp_path):
    body = (
        _table([["ỦY BAN NHÂN DÂN|XÃ NĂM DẪN|Số: 12/KH-UBND",
                 "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM|Độc lập - Tự do - Hạnh phúc|Năm Dẫn, ngày 5 tháng 1 năm 2026"]],
               borders=False)
        + _p("KẾ HOẠCH")
        + _table([["STT", "Nhiệm vụ", "Chủ trì", "Thời gian"], ["1", "Rà soát văn bản", "Văn phòng", "Quý I"]],
                 borders=False)  # borderless, but a task table: its header says so
        + _table([["Ghi chú", "Phụ trách"], ["Họp giao ban", "Văn phòng"]], borders=True)
        + _table([["Nơi nhận:|- Sở Nội vụ;|- Lưu: VT.", "TM. ỦY BAN NHÂN DÂN|CHỦ TỊCH||Nguyễn Văn A"]], borders=True)
    )
    lines = read_docx(_package(tmp_path / "l.docx", body), "l.docx")
    assert lines == [
        "ỦY BAN NHÂN DÂN", "XÃ NĂM DẪN", "Số: 12/KH-UBND", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc", "Năm Dẫn, ngày 5 tháng 1 năm 2026", "KẾ HOẠCH",
        "STT\tNhiệm vụ\tChủ trì\tThời gian", "1\tRà soát văn bản\tVăn phòng\tQuý I",
        "Ghi chú\tPhụ trách", "Họp giao ban\tVăn phòng",  # bordered, no letterhead words: a table
        "Nơi nhận:", "- Sở Nội vụ;", "- Lưu: VT.", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "", "Nguyễn Văn A",
    ]


# -- limits ---------------------------------------------------------------------------------


def _big_docx(path: Path, paragraphs: int) -> Path:
    text = "Tổ chức rà soát, đánh giá thủ tục hành chính thuộc thẩm quyền giải quyết của xã năm 2026."
    return _package(path, _p(text) * paragraphs)


def test_reader_is_linear_and_bounded(tmp_path):
    # ~4 MB of paragraph text in a ~50 KB zip: the file that took 40 s through python-docx.
    path = _big_docx(tmp_path / "big.docx", 44_000)
    assert path.stat().st_size < 100_000
    start = time.perf_counter()
    lines = read_docx(path, "big.docx")
    elapsed = time.perf_counter() - start
    assert len(lines) == 44_000 and sum(map(len, lines)) > 3_900_000
    assert elapsed < 15, f"{elapsed:.1f}s for 4 MB: not linear"  # generous; ~1 s on a shared core
    with pytest.raises(IngestError, match="quá nhiều đoạn văn"):
        read_docx(path, "big.docx", DocxLimits(max_paragraphs=10_000))
    with pytest.raises(IngestError, match="quá nhiều chữ"):
        read_docx(path, "big.docx", DocxLimits(max_chars=1_000_000))
    with pytest.raises(IngestError, match="giải nén"):
        read_docx(path, "big.docx", DocxLimits(max_xml_bytes=1_000_000))


# -- legacy .doc ----------------------------------------------------------------------------


def test_doc_without_libreoffice_says_what_to_install(tmp_path, monkeypatch):
    import ingest.docx as reader

    monkeypatch.setattr(reader, "find_soffice", lambda: None)
    path = tmp_path / "ke-hoach.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    with pytest.raises(IngestError, match="LibreOffice") as info:
        load(path)
    assert "ke-hoach.doc" in str(info.value) and ".docx" in info.value.reason_vi


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_legacy_doc_is_converted_and_gives_the_txt_records():
    doc = RENDITIONS / "nam-dan_2026.doc"
    assert doc.read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a real Word 97-2003 file
    loaded = load(doc)
    assert loaded.document == "nam-dan_2026.doc" and loaded.media_type == "application/msword"
    plan = parse_file(doc)
    txt = parse_file(CORPUS / "nam-dan_2026.txt")
    table = [t for t in plan.tasks if t.origin == "table"]
    assert [(t.number, t.task, t.lead, t.deadline) for t in table] == [
        (t.number, t.task, t.lead, t.deadline) for t in txt.tasks if t.origin == "table"]
    assert (plan.metadata.number, plan.metadata.signer) == (txt.metadata.number, txt.metadata.signer)


def test_a_file_named_doc_that_is_not_word_is_refused_before_conversion(tmp_path):
    path = tmp_path / "hong.doc"
    path.write_bytes(b"this is not a word file at all")
    with pytest.raises(IngestError, match="hong.doc.*không phải tệp Word"):
        load(path)
    with pytest.raises(IngestError):
        with converted_from_doc(path, "hong.doc"):
            pass


# -- folders --------------------------------------------------------------------------------


def test_a_folder_of_unsupported_files_names_what_it_skipped(tmp_path):
    from assistant.ingestion import expand_paths

    folder = tmp_path / "nop"
    folder.mkdir()
    (folder / "bang-tinh.xls").write_bytes(b"\xd0\xcf")
    (folder / "so-do.dwg").write_bytes(b"AC10")
    files, notes = expand_paths([folder])
    assert files == []
    error = next(n for n in notes if n.status == "error")
    assert "bang-tinh.xls" in error.message and "so-do.dwg" in error.message
