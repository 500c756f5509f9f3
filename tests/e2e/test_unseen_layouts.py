"""Plans laid out as other communes write them (tests/fixtures/layouts, built from real rows of
the bundled plans by make_layouts.py): each fixture's registry records match its manifest field
by field, and its metadata names the commune and year."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.pipeline import parse_file
from ingest.vntext import fold

LAYOUTS = Path(__file__).resolve().parents[1] / "fixtures" / "layouts"
MANIFEST = json.loads((LAYOUTS / "manifest.json").read_text(encoding="utf-8"))
FIXTURES = sorted(name for name in MANIFEST if not name.startswith("_"))


def _key(text: str) -> str:
    return " ".join(fold(text).lower().split())


@pytest.fixture(scope="module", params=FIXTURES)
def parsed(request):
    name = request.param
    return name, MANIFEST[name], parse_file(LAYOUTS / name)


def test_every_layout_is_in_the_manifest():
    assert {"thanh-my_2026.docx", "an-thach_2026.docx", "thanh-my_2026.pdf", "hoa-binh_2026.txt"} <= set(FIXTURES)


def test_metadata(parsed):
    name, expected, plan = parsed
    assert plan.metadata.commune == expected["commune"], name
    assert (plan.metadata.year_start, plan.metadata.year_end) == (expected["year_start"], expected["year_end"]), name


def test_task_count(parsed):
    name, expected, plan = parsed
    tasks = [t for t in plan.tasks if t.origin == expected["origin"]]
    assert len(tasks) == len(expected["tasks"]), (name, [t.task[:40] for t in tasks])


@pytest.mark.parametrize("field", ["lead", "coordinators", "deadline"])
def test_fields(parsed, field):
    name, expected, plan = parsed
    tasks = [t for t in plan.tasks if t.origin == expected["origin"]]
    wrong = []
    for want in expected["tasks"]:
        found = [t for t in tasks if _key(want["task"]) in _key(t.task)]
        if len(found) != 1:
            wrong.append((want["task"], "found %d records" % len(found)))
        elif _key(getattr(found[0], field)) != _key(want[field]):
            wrong.append((want["task"], getattr(found[0], field), want[field]))
    assert not wrong, (name, field, wrong)


def test_lead_is_split_into_agencies(parsed):
    name, expected, plan = parsed
    for task in plan.tasks:
        if task.origin == expected["origin"]:
            assert task.leads, (name, task.task[:40])
