"""The third procedure dev set (eval/dev3_procedures.jsonl) is sound: its records are the
random draw it names (Random(999), 35 records), its facts are exact substrings of their records,
and it is typed and composed as the brief asks."""

from __future__ import annotations

import json
import random

from ingest.vntext import fold, nfc
from tests.conftest import REPO

SET = REPO / "eval" / "dev3_procedures.jsonl"
RECORDS = REPO / "data" / "procedures"


def _rows() -> list[dict]:
    return [json.loads(line) for line in SET.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_records_are_the_seeded_draw_and_facts_are_verbatim():
    drawn = {p.name for p in random.Random(999).sample(sorted(RECORDS.glob("*.json")), 35)}
    rows = _rows()
    assert len(rows) >= 50
    for row in rows:
        if row["document"] is None:
            assert row["abstain"] and row["category"] == "procedure_abstain"
            continue
        assert row["document"] in drawn, row["id"]
        data = json.loads((RECORDS / row["document"]).read_text(encoding="utf-8"))
        text = nfc("\n".join(str(v) for v in data.values()))
        for alternatives in row["facts"]:
            assert any(alt in text for alt in alternatives), (row["id"], alternatives)


def test_composition_as_citizens_ask():
    rows = _rows()
    assert sum(r["spelling"] == "no_diacritics" for r in rows) / len(rows) >= 0.45
    assert all((r["spelling"] == "no_diacritics") == (fold(r["question"]) == r["question"]) for r in rows)
    assert sum(r["document"] is None for r in rows) >= 6
    assert sum(r["document"] is not None and r["abstain"] for r in rows) >= 3
    facets = {r["category"].split("_")[1] for r in rows if r["document"] is not None}
    assert {"documents", "time", "fee", "where", "steps", "conditions", "result", "agency",
            "legal", "applicants"} <= facets
