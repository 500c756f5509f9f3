"""The second procedure dev set (eval/dev2_procedures.jsonl) is sound: its records are the
random draw it names, its facts are exact substrings of their records."""

from __future__ import annotations

import json
import random

from ingest.vntext import nfc
from tests.conftest import REPO

SET = REPO / "eval" / "dev2_procedures.jsonl"
RECORDS = REPO / "data" / "procedures"


def _rows() -> list[dict]:
    return [json.loads(line) for line in SET.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_records_are_the_seeded_draw_and_facts_are_verbatim():
    drawn = set(random.Random(777).sample(sorted(p.name for p in RECORDS.glob("*.json")), 40))
    rows = _rows()
    assert len(rows) >= 60
    for row in rows:
        if row["document"] is None:
            assert row["abstain"] and row["category"] == "procedure_abstain"
            continue
        assert row["document"] in drawn, row["id"]
        data = json.loads((RECORDS / row["document"]).read_text(encoding="utf-8"))
        text = nfc("\n".join(str(v) for v in data.values()))
        for alternatives in row["facts"]:
            assert any(alt in text for alt in alternatives), (row["id"], alternatives)


def test_most_questions_are_typed_as_citizens_type():
    rows = _rows()
    assert sum(r["spelling"] == "no_diacritics" for r in rows) / len(rows) >= 0.4
    assert sum(r["document"] is None for r in rows) >= 8
