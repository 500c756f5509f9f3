"""Done-when of the one due rule: CLI `tasks --due`, `/api/tasks?due=`, the page's filter and the
chat's due answer return the same tasks, with ongoing duties apart (bundled corpus, hash embedder)."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from assistant.api import create_app
from assistant.cli import app
from assistant.config import Settings
from assistant.service import Assistant
from assistant.ui import filtered_tasks
from conftest import CORPUS

COMMUNES = ("Lộc Hòa", "Năm Dẫn", "Di Linh")
PERIODS = ("quý II/2025", "quý I/2026", "tháng 12/2026")


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return tmp_path_factory.mktemp("due_home")


@pytest.fixture(scope="module")
def system(home, monkeypatch_module):
    monkeypatch_module.setenv("CCHC_EMBEDDER", "hash")
    instance = Assistant(Settings(home=home, embedder="hash"))
    assert all(r.ok for r in instance.ingest([CORPUS]))
    yield instance
    instance.close()


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


@pytest.fixture(scope="module")
def client(system):
    with TestClient(create_app(system, system.settings)) as c:
        yield c


def key(task: dict) -> tuple:
    return (task["document"], task["number"], task["task"], task["source"])


def cli_tasks(home, commune, period, ongoing=False):
    args = ["tasks", "--json", "--due", period, "--commune", commune] + (["--ongoing"] if ongoing else [])
    result = CliRunner().invoke(app, args, env={"CCHC_HOME": str(home), "CCHC_EMBEDDER": "hash"})
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def chat_counts(answer) -> tuple[int, int]:
    """(due, ongoing) as the chat states them: "có N nhiệm vụ …" and "Thường xuyên …: M nhiệm vụ"."""
    due = re.search(r"có (\d+) nhiệm vụ", answer.answer)
    ongoing = re.search(r"Thường xuyên[^:]*: (\d+) nhiệm vụ", answer.answer)
    return (int(due[1]) if due else 0), (int(ongoing[1]) if ongoing else 0)


@pytest.mark.parametrize("commune", COMMUNES)
@pytest.mark.parametrize("period", PERIODS)
def test_every_surface_returns_the_same_due_tasks(system, home, client, commune, period):
    cli_due = cli_tasks(home, commune, period)
    cli_all = cli_tasks(home, commune, period, ongoing=True)
    cli_ongoing = [t for t in cli_all if t["due_status"] == "ongoing"]
    assert {t["due_status"] for t in cli_due} <= {"due"}

    api = client.get("/api/tasks", params={"commune": commune, "due": period, "ongoing": "true"})
    assert api.status_code == 200
    page = [t.model_dump() for t in filtered_tasks(system, commune, "", period, "")]
    for surface in (api.json(), page):
        assert [key(t) for t in surface if t["due_status"] == "due"] == [key(t) for t in cli_due]
        assert [key(t) for t in surface if t["due_status"] == "ongoing"] == [key(t) for t in cli_ongoing]

    answer = system.ask(f"Trong {period} xã {commune} phải hoàn thành những nhiệm vụ nào?")
    assert answer.intent == "due_by_date"
    if cli_due:
        assert not answer.abstained
        assert chat_counts(answer) == (len(cli_due), len(cli_ongoing)), answer.answer
        cited = {c.chunk_id for c in answer.citations}
        selection = system.task_selection(commune=commune, due=period)
        assert cited <= {t.chunk_id for t in selection.tasks}   # it cites due tasks, never ongoing ones
    elif not answer.citations:
        assert answer.abstained and chat_counts(answer)[1] == len(cli_ongoing), answer.answer


def test_the_matrix_is_not_empty(system):
    """The cases above check something: some fall due, and some have ongoing duties apart."""
    selections = [system.task_selection(commune=c, due=p) for c in COMMUNES for p in PERIODS]
    assert sum(bool(s.tasks) for s in selections) >= 3
    assert sum(bool(s.ongoing) for s in selections) >= 3
