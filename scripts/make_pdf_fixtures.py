"""Build the PDF test fixtures: a bundled plan -> Word file with a real table -> PDF (LibreOffice).

    python scripts/make_pdf_fixtures.py [--out tests/fixtures/pdf] [plan.txt ...]

Each plan's prose becomes Word paragraphs; each run of tab-separated rows becomes one real
Word table whose first row is a repeating header (so LibreOffice prints it again on every
page), with the header copies that the text file carries at its own page breaks left out.
Cells wrap inside narrow portrait columns and long rows break across pages, as in the PDFs
communes publish. Needs python-docx and `soffice` (LibreOffice) on the PATH.

Also writes `no-unicode-map.pdf`: a text PDF whose font has no ToUnicode map and a private
encoding, so extractors read symbols instead of Vietnamese (see `make_unmapped_font_pdf`).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ingest.normalise import clean_cell, clean_text  # noqa: E402

DEFAULT_PLANS = ("di-linh_2026-2030.txt", "nam-dan_2026.txt", "loc-hoa_2025.txt")


def plan_to_docx(text: str, target: Path) -> None:
    import docx
    from docx.enum.section import WD_ORIENT  # noqa: F401 - portrait on purpose: cells wrap
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = docx.Document()
    style = document.styles["Normal"]
    style.font.name = "Liberation Serif"
    style.font.size = Pt(12)
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if "\t" not in line:
            cleaned = clean_text(line)
            if cleaned:
                document.add_paragraph(cleaned)
            i += 1
            continue
        rows: list[list[str]] = []
        while i < len(lines) and ("\t" in lines[i] or not lines[i].strip()):
            if lines[i].strip():
                cells = [clean_cell(c) for c in lines[i].split("\t")]
                if not rows or cells != rows[0]:
                    rows.append(cells)
            i += 1
        width = max(len(r) for r in rows)
        table = document.add_table(rows=0, cols=width)
        table.style = "Table Grid"
        for index, cells in enumerate(rows):
            row = table.add_row()
            for column, value in enumerate(cells + [""] * (width - len(cells))):
                row.cells[column].text = value
                for paragraph in row.cells[column].paragraphs:
                    for run in paragraph.runs:
                        run.font.size = Pt(10)
            if index == 0:
                tr_pr = row._tr.get_or_add_trPr()
                header = OxmlElement("w:tblHeader")
                header.set(qn("w:val"), "true")
                tr_pr.append(header)
    document.save(str(target))


def docx_to_pdf(source: Path, out_dir: Path) -> Path:
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            ["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
             "--convert-to", "pdf", "--outdir", str(out_dir), str(source)],
            check=True, capture_output=True, timeout=300,
        )
    return out_dir / (source.stem + ".pdf")


def make_plan_pdf(plan: Path, out_dir: Path) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        docx_path = Path(tmp) / (plan.stem + ".docx")
        plan_to_docx(plan.read_text(encoding="utf-8"), docx_path)
        pdf = docx_to_pdf(docx_path, Path(tmp))
        target = out_dir / pdf.name
        shutil.copyfile(pdf, target)
    return target


def make_unmapped_font_pdf(target: Path, text: str) -> None:
    """A PDF whose embedded font maps glyphs through a private encoding and has no ToUnicode.

    fpdf2 embeds a TrueType subset with a ToUnicode CMap; removing that CMap (and the font's
    Unicode cmap is not consulted by extractors for Type0/Identity-H fonts) leaves only glyph
    ids, which extractors turn into whatever the ids happen to be as characters: garbage.
    """
    from fpdf import FPDF

    font = next((p for p in (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
                             Path("/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf"))
                 if p.exists()), None)
    if font is None:
        raise SystemExit("no TrueType font with Vietnamese glyphs found")
    pdf = FPDF()
    pdf.add_font("plan", fname=str(font))
    pdf.set_font("plan", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 7, text)
    data = bytes(pdf.output())
    target.write_bytes(strip_to_unicode(data))


def strip_to_unicode(data: bytes) -> bytes:
    """Drop every /ToUnicode entry of a PDF, keeping byte offsets (the xref stays valid)."""
    import re

    return re.sub(rb"/ToUnicode\s+\d+\s+\d+\s+R", lambda m: b" " * len(m.group()), data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plans", nargs="*", help="plan .txt files (default: three bundled plans)")
    parser.add_argument("--out", default=str(REPO / "tests" / "fixtures" / "pdf"))
    args = parser.parse_args()
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    plans = [Path(p) for p in args.plans] or [REPO / "data" / "plans" / n for n in DEFAULT_PLANS]
    for plan in plans:
        print(make_plan_pdf(plan, out_dir))
    sample = (REPO / "data" / "plans" / "di-linh_2026-2030.txt").read_text(encoding="utf-8")
    prose = "\n".join(clean_text(line) for line in sample.split("\n")[:40] if "\t" not in line and line.strip())
    unmapped = out_dir / "no-unicode-map.pdf"
    make_unmapped_font_pdf(unmapped, prose)
    print(unmapped)


if __name__ == "__main__":
    main()
