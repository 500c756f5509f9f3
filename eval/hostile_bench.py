#!/usr/bin/env python
"""Costs of hostile-sized inputs (issue 16, "Done when"): prints numbers, asserts nothing.

1. A ~5 MB text plan, built from the bundled plans in data/plans, each copy perturbed so that
   every task text is distinct (a copy number in each line that holds words): `parse_file` time
   (the budget: under 30 s of parsing), and its characters per second.
2. A ~48 KB DOCX holding ~4 MB of paragraph text: the time `POST /api/documents` takes to accept
   it (budget: under 1 s) on a fresh app over a temporary `CCHC_HOME` (hash embedder, so the
   number is the parse, not the embedding), and the time the worker's job takes to parse it in
   its child process (`assistant.parsing.parse_with_time_limit`), against the same linear budget.

    PYTHONPATH=$PWD python eval/hostile_bench.py            # both
    PYTHONPATH=$PWD python eval/hostile_bench.py --json     # one JSON object
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

REPO = Path(__file__).resolve().parents[1]
PLANS = REPO / "data" / "plans"
TOKEN = "hostile-bench-token-3c8e1f6a9b2d4e7f"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


# -- inputs -----------------------------------------------------------------------------------

def big_text_plan(target_bytes: int = 5_000_000) -> str:
    """The bundled plans concatenated and repeated until ~target_bytes of UTF-8, each copy
    perturbed: lines holding words get the copy number ("(đợt 12)") appended, so no two task
    texts are equal and nothing is deduplicated away."""
    sources = [p.read_text(encoding="utf-8") for p in sorted(PLANS.glob("*.txt"))]
    parts: list[str] = []
    size = 0
    copy = 0
    while size < target_bytes:
        for text in sources:
            copy += 1
            lines = []
            for line in text.splitlines():
                if re.search(r"\w{3,}", line) and len(line) > 20:
                    # in a table row, mark the task cell (its longest); else the line's end
                    cells = line.split("\t")
                    index = max(range(len(cells)), key=lambda i: len(cells[i]))   # a row's task cell is its longest
                    cells[index] = f"{cells[index]} (đợt {copy})"
                    line = "\t".join(cells)
                lines.append(line)
            chunk = "\n".join(lines) + "\n"
            parts.append(chunk)
            size += len(chunk.encode("utf-8"))
            if size >= target_bytes:
                break
    return "".join(parts)


def big_docx(path: Path, paragraphs: int = 44_000) -> Path:
    """A minimal valid DOCX: `paragraphs` numbered paragraphs of one plan sentence (~4 MB of text,
    ~48 KB zipped). The file that cost 40 s inside the request before issue 16."""
    sentence = "Tổ chức rà soát, đánh giá thủ tục hành chính thuộc thẩm quyền giải quyết của xã năm 2026."
    body = "".join(f'<w:p><w:r><w:t xml:space="preserve">{i % 10 + 1}. {escape(sentence)}</w:t></w:r></w:p>'
                   for i in range(paragraphs))   # items 1.-10. repeated: ~48 KB zipped, as in the issue
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    wml = "application/vnd.openxmlformats-officedocument.wordprocessingml"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/word/document.xml" ContentType="{wml}.document.main+xml"/></Types>')
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="word/document.xml"/></Relationships>')
        archive.writestr("word/document.xml",
                         f'<?xml version="1.0"?><w:document xmlns:w="{W_NS}"><w:body>{body}</w:body></w:document>')
    return path


# -- measurements -----------------------------------------------------------------------------

def measure_text(workdir: Path, target_bytes: int) -> dict:
    from ingest.pipeline import parse_file

    path = workdir / "ke-hoach-5mb_2026.txt"
    path.write_text(big_text_plan(target_bytes), encoding="utf-8")
    size = path.stat().st_size
    started = time.perf_counter()
    plan = parse_file(path)
    seconds = time.perf_counter() - started
    chars = sum(len(c.text) for c in plan.chunks)
    return {"bytes": size, "parse_seconds": round(seconds, 2), "budget_seconds": 30,
            "bytes_per_second": round(size / seconds), "tasks": len(plan.tasks),
            "distinct_tasks": len({t.task for t in plan.tasks}), "targets": len(plan.targets),
            "chunks": len(plan.chunks), "chunk_chars": chars}


def measure_docx(workdir: Path, paragraphs: int) -> dict:
    from fastapi.testclient import TestClient

    from assistant.api import create_app
    from assistant.config import Settings
    from assistant.parsing import parse_with_time_limit
    from assistant.service import Assistant
    from ingest.limits import DEFAULT_LIMITS

    path = big_docx(workdir / "bon-trieu-chu.docx", paragraphs)
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("word/document.xml").decode("utf-8")
    text_chars = sum(len(t) for t in re.findall(r"<w:t[^>]*>([^<]*)</w:t>", xml))
    result: dict = {"zip_bytes": path.stat().st_size, "document_xml_bytes": len(xml.encode("utf-8")),
                    "paragraph_chars": text_chars, "paragraphs": paragraphs}

    # The parse alone, in a child process as the worker runs it (forkserver start included).
    started = time.perf_counter()
    plan = parse_with_time_limit(path, DEFAULT_LIMITS, 600)
    result["child_parse_seconds"] = round(time.perf_counter() - started, 2)
    result["chunks"] = len(plan.chunks)

    # Through the API: accepted (probe only) and the job run in the worker.
    home = workdir / "home"
    settings = Settings(home=home, embedder="hash", admin_token=TOKEN)
    assistant = Assistant(settings)
    try:
        with TestClient(create_app(assistant, settings), raise_server_exceptions=False) as client:
            auth = {"Authorization": f"Bearer {TOKEN}"}
            data = path.read_bytes()
            started = time.perf_counter()
            response = client.post("/api/documents", files={"file": (path.name, data)}, headers=auth)
            result["accept_seconds"] = round(time.perf_counter() - started, 3)
            result["accept_status"] = response.status_code
            result["accept_budget_seconds"] = 1
            if response.status_code == 202:
                job_id = response.json()["id"]
                waited = time.perf_counter()
                while True:
                    job = client.get(f"/api/jobs/{job_id}", headers=auth).json()
                    if job["state"] in ("done", "failed") or time.perf_counter() - waited > 900:
                        break
                    time.sleep(0.2)
                result["job_state"] = job["state"]
                result["job_message"] = job["message"]
                result["job_wall_seconds"] = round(time.perf_counter() - waited, 2)
    finally:
        assistant.close()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--text-mb", type=float, default=5.0, help="size of the text plan, MB (default 5)")
    parser.add_argument("--paragraphs", type=int, default=44_000, help="DOCX paragraphs (default 44,000 ≈ 4 MB)")
    parser.add_argument("--skip-text", action="store_true")
    parser.add_argument("--skip-docx", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    report: dict = {"cpus": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()]}
    with tempfile.TemporaryDirectory(prefix="cchc-hostile-") as tmp:
        workdir = Path(tmp)
        if not args.skip_text:
            report["text"] = measure_text(workdir, int(args.text_mb * 1_000_000))
        if not args.skip_docx:
            report["docx"] = measure_docx(workdir, args.paragraphs)
    report["load_average_after"] = [round(x, 2) for x in os.getloadavg()]

    if args.json:
        print(json.dumps(report, ensure_ascii=False))
        return 0
    print(f"{report['cpus']} CPUs, load average {report['load_average']} → {report['load_average_after']}")
    if "text" in report:
        t = report["text"]
        print(f"text plan {t['bytes'] / 1e6:.2f} MB: parsed in {t['parse_seconds']} s (budget 30 s), "
              f"{t['bytes_per_second'] / 1e6:.2f} MB/s; {t['tasks']} tasks ({t['distinct_tasks']} distinct), "
              f"{t['targets']} targets, {t['chunks']} chunks")
    if "docx" in report:
        d = report["docx"]
        print(f"DOCX {d['zip_bytes'] / 1e3:.0f} KB zipped, {d['document_xml_bytes'] / 1e6:.1f} MB XML, "
              f"{d['paragraphs']} paragraphs, {d['paragraph_chars'] / 1e6:.1f} M characters: parse in a child {d['child_parse_seconds']} s, {d['chunks']} chunks")
        print(f"  POST /api/documents: {d.get('accept_status')} in {d.get('accept_seconds')} s (budget 1 s); "
              f"job {d.get('job_state')} after {d.get('job_wall_seconds')} s: {d.get('job_message', '')}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main())
