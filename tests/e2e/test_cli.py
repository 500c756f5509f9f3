"""The `cchc` CLI contract (../shared/DESIGN.md) on the bundled corpus.

Most tests drive the Typer app in-process with the hash embedder (fast); one runs the installed
console script in a subprocess, the way outside checks do.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from ingest.vntext import fold

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "data" / "plans"
DOCUMENT_KEYS = {"document", "title", "commune", "province", "year", "chunks", "tasks"}
TASK_KEYS = {"document", "commune", "origin", "area", "number", "task", "lead", "coordinators", "product",
             "deadline", "monitor", "source"}
EXPECTED = {  # read off the plans: commune, year, province ("" where the plan names none)
    "dai-phuoc_2026.txt": ("Đại Phước", "2026", "Đồng Nai"),
    "di-linh_2026-2030.txt": ("Di Linh", "2026-2030", "Lâm Đồng"),
    "loc-hoa_2025.txt": ("Lộc Hòa", "2025", ""),
    "nam-dan_2026.txt": ("Năm Dẫn", "2026", "Tuyên Quang"),
}


def run(home: Path, *args: str, input: str | None = None):
    env = {"CCHC_HOME": str(home), "CCHC_EMBEDDER": "hash"}
    return CliRunner().invoke(app, list(args), env=env, input=input)


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    home = tmp_path_factory.mktemp("cli_home")
    result = run(home, "ingest", str(CORPUS))
    assert result.exit_code == 0, result.output
    return home


def test_ingest_reports_each_file_and_is_idempotent(home):
    again = run(home, "ingest", "--json", str(CORPUS))
    assert again.exit_code == 0, again.output
    rows = json_lines(again.stdout)
    assert [Path(r["file"]).name for r in rows] == sorted(EXPECTED)
    assert {r["status"] for r in rows} == {"unchanged"}
    assert all(r["chunks"] > 0 for r in rows)
    human = run(home, "ingest", str(CORPUS / "nam-dan_2026.txt"))
    assert human.exit_code == 0
    assert "không đổi" in human.stdout and "nam-dan_2026.txt" in human.stdout


def test_documents_json_lists_the_four_plans(home):
    result = run(home, "documents", "--json")
    assert result.exit_code == 0, result.output
    docs = {d["document"]: d for d in json_lines(result.stdout)}
    assert set(docs) == set(EXPECTED)
    for name, (commune, year, province) in EXPECTED.items():
        d = docs[name]
        assert DOCUMENT_KEYS <= set(d)
        assert (d["commune"], d["year"], d["province"]) == (commune, year, province)
        assert d["chunks"] > 0 and d["title"]
    assert sum(d["tasks"] for d in docs.values()) > 0


def test_documents_table_is_readable(home):
    result = run(home, "documents")
    assert result.exit_code == 0
    for commune, _, _ in EXPECTED.values():
        assert commune in result.stdout


def test_tasks_json_agency_without_diacritics(home):
    result = run(home, "tasks", "--json", "--agency", "phong kinh te")
    assert result.exit_code == 0, result.output
    rows = json_lines(result.stdout)
    assert rows
    for row in rows:
        assert TASK_KEYS <= set(row)
        assert row["origin"] in ("table", "prose")
        assert "phong kinh te" in fold(row["lead"]) or \
            (row["origin"] == "prose" and "phong kinh te" in fold(row["coordinators"]))
        assert row["source"]
    # Phòng Kinh tế leads rows of the Di Linh and Năm Dẫn appendix tables and has its own duty
    # heading ("4. Phòng Kinh tế xã") in Đại Phước's prose; Lộc Hòa's plan never names it.
    assert {r["document"] for r in rows} == {"di-linh_2026-2030.txt", "nam-dan_2026.txt", "dai-phuoc_2026.txt"}


def test_tasks_commune_filter_and_csv(home):
    result = run(home, "tasks", "--commune", "di linh", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows and {r["document"] for r in rows} == {"di-linh_2026-2030.txt"}
    assert TASK_KEYS <= set(rows[0])
    dialogue = [r for r in rows if "đối thoại với người dân và doanh nghiệp" in r["task"]]
    assert dialogue and dialogue[0]["lead"] == "Phòng Kinh tế"


def test_tasks_rejects_an_unreadable_due(home):
    result = run(home, "tasks", "--due", "hôm nao đó")
    assert result.exit_code == 2
    assert "thời gian" in result.stderr


def test_bad_files_fail_clearly_without_stopping_good_ones(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(CORPUS / "nam-dan_2026.txt", inbox)
    (inbox / "empty.txt").write_bytes(b"")
    (inbox / "notes.csv").write_text("a,b\n", encoding="utf-8")
    (inbox / "junk.pdf").write_bytes(bytes(range(256)) * 8)
    home = tmp_path / "home"
    result = run(home, "ingest", str(inbox), str(tmp_path / "missing.txt"), str(inbox / "notes.csv"))
    assert result.exit_code == 1
    assert "empty.txt" in result.stderr and "tệp rỗng" in result.stderr
    assert "missing.txt" in result.stderr and "không tìm thấy" in result.stderr
    assert "notes.csv" in result.stderr and "không hỗ trợ" in result.stderr
    assert "LỖI  " + str(inbox / "junk.pdf") + ": " in result.stderr and "PDF" in result.stderr
    assert "đã thêm" in result.stdout and "nam-dan_2026.txt" in result.stdout
    docs = json_lines(run(home, "documents", "--json").stdout)
    assert [d["document"] for d in docs] == ["nam-dan_2026.txt"]


def test_ingest_refuses_files_over_the_size_limit(tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes((CORPUS / "nam-dan_2026.txt").read_bytes() * 40)  # ~1.5 MB
    env = {"CCHC_HOME": str(tmp_path / "home"), "CCHC_EMBEDDER": "hash", "CCHC_MAX_FILE_MB": "1"}
    result = CliRunner().invoke(app, ["ingest", str(big)], env=env)
    assert result.exit_code == 1
    assert "big.txt" in result.stderr and "quá lớn" in result.stderr


def test_remove(tmp_path):
    home = tmp_path / "home"
    assert run(home, "ingest", str(CORPUS / "loc-hoa_2025.txt")).exit_code == 0
    missing = run(home, "remove", "khong-co.txt")
    assert missing.exit_code == 1 and "khong-co.txt" in missing.stderr
    gone = run(home, "remove", "loc-hoa_2025.txt")
    assert gone.exit_code == 0
    assert json_lines(run(home, "documents", "--json").stdout) == []
    assert run(home, "tasks", "--json").stdout.strip() == ""


class FakeAssistant:
    instances = 0

    def __init__(self, settings=None):
        FakeAssistant.instances += 1

    def ask_batch(self, questions, commune=None):
        from assistant.schemas import Answer, Citation

        return [Answer(answer=f"trả lời: {q}", intent="general",
                       citations=[Citation(document="di-linh_2026-2030.txt", section="Phụ lục", text="trích")])
                for q in questions]

    def ask_requests(self, requests):
        answers = self.ask_batch([r["question"] for r in requests])
        for answer, r in zip(answers, requests):
            if r.get("history"):
                answer.context = {"history": [t["question"] for t in r["history"]], "commune": r.get("commune")}
        return answers

    def close(self):
        pass


def test_ask_batch_keeps_order_and_loads_once(tmp_path, monkeypatch):
    import assistant.service

    monkeypatch.setattr(assistant.service, "Assistant", FakeAssistant)
    FakeAssistant.instances = 0
    batch = tmp_path / "questions.txt"
    batch.write_text("câu một\n\ncâu hai\ncâu ba\n", encoding="utf-8")
    result = run(tmp_path, "ask", "--json", "--batch", str(batch))
    assert result.exit_code == 0, result.output
    answers = json_lines(result.stdout)
    assert [a["answer"] for a in answers] == ["trả lời: câu một", "trả lời: câu hai", "trả lời: câu ba"]
    assert {"answer", "abstained", "intent", "citations"} <= set(answers[0])
    assert FakeAssistant.instances == 1

    human = run(tmp_path, "ask", "câu hỏi")
    assert human.exit_code == 0
    assert "trả lời: câu hỏi" in human.stdout and "[1] di-linh_2026-2030.txt › Phụ lục" in human.stdout
    assert run(tmp_path, "ask").exit_code == 2


def test_ask_batch_reads_conversation_turns_as_json_lines(tmp_path, monkeypatch):
    import assistant.service

    monkeypatch.setattr(assistant.service, "Assistant", FakeAssistant)
    batch = tmp_path / "turns.txt"
    turn = {"question": "còn thời hạn thì sao?", "commune": "Năm Dẫn",
            "history": [{"question": "Ai chủ trì việc rà soát TTHC?", "answer": "…"}]}
    batch.write_text("câu một\n" + json.dumps(turn, ensure_ascii=False) + "\n{lỗi\n", encoding="utf-8")
    bad = run(tmp_path, "ask", "--json", "--batch", str(batch))
    assert bad.exit_code == 2 and "Dòng 3" in bad.output
    batch.write_text("câu một\n" + json.dumps(turn, ensure_ascii=False) + "\n", encoding="utf-8")
    result = run(tmp_path, "ask", "--json", "--batch", str(batch))
    assert result.exit_code == 0, result.output
    plain, follow_up = json_lines(result.stdout)
    assert plain["answer"] == "trả lời: câu một" and plain["context"] == {}
    assert follow_up["answer"] == "trả lời: còn thời hạn thì sao?"
    assert follow_up["context"] == {"history": ["Ai chủ trì việc rà soát TTHC?"], "commune": "Năm Dẫn"}


def test_console_script_end_to_end(tmp_path):
    """The installed `cchc` entry point, as outside checks call it."""
    exe = Path(sys.executable).with_name("cchc")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "assistant.cli"]
    env = {**os.environ, "CCHC_HOME": str(tmp_path / "home"), "CCHC_EMBEDDER": "hash"}
    first = subprocess.run([*command, "ingest", str(CORPUS)], env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    second = subprocess.run([*command, "ingest", str(CORPUS)], env=env, capture_output=True, text=True)
    assert second.returncode == 0 and second.stdout.count("không đổi") == 4
    docs = subprocess.run([*command, "documents", "--json"], env=env, capture_output=True, text=True)
    assert docs.returncode == 0
    assert {d["document"]: (d["commune"], d["year"], d["province"]) for d in json_lines(docs.stdout)} == EXPECTED
