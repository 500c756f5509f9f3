"""Checks on the blind plan-question dev sets eval/dev6_questions.jsonl (session 10),
eval/dev7_questions.jsonl (session 11), dev8 (session 16), dev9 (session 17), dev10 (session 18), dev11 (session 19), dev12 (session 20), dev13 (session 21), dev14 (session 22), dev15 (session 23), dev16 (session 24), dev17 (session 25) and dev18 (session 26), written the same way
and to the same composition.

Written blind from the four plans and eval/README.md. Every fact has a variant that is an exact
(NFC) substring of its plan(s), except a derived count, whose counted task openings are; gold
quotes sit on one line of the plan; spellings are what they claim; typo variants keep their
parent's answer; follow-ups carry their history; near misses abstain.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from ingest.vntext import nfc
from tests.conftest import REPO
from tests.unit.test_dev5_plan_set import COMMUNES, TEXTS, _docs, _unaccented

SPLITS = ("dev6", "dev7", "dev8", "dev9", "dev10", "dev11", "dev12", "dev13", "dev14", "dev15", "dev16", "dev17", "dev18")
COMPOSITION = {"paraphrase": 14, "typo": 8, "follow_up": 10, "list": 6, "period": 6, "count": 4,
               "comparison": 6, "section": 8, "near_miss": 8}


def _rows(split: str) -> list[dict]:
    path = REPO / "eval" / f"{split}_questions.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


ROWS = {split: _rows(split) for split in SPLITS}
ALL = [row for split in SPLITS for row in ROWS[split]]
BY_ID = {r["id"]: r for r in ALL}


@pytest.mark.parametrize("split", SPLITS)
def test_composition_ids_and_spelling(split):
    rows = ROWS[split]
    prefix = "dv" + split.removeprefix("dev")
    assert [r["id"] for r in rows] == [f"{prefix}-{i:03d}" for i in range(1, 71)]
    assert Counter(r["category"] for r in rows) == COMPOSITION
    assert all(r["split"] == split and nfc(r["question"]) == r["question"] for r in rows)
    assert sum(_unaccented(r["question"]) for r in rows) >= 0.4 * len(rows)
    for r in rows:
        if r["spelling"] == "no_diacritics":
            assert _unaccented(r["question"]), r["id"]
        if r["spelling"] == "full":
            assert not _unaccented(r["question"]), r["id"]


@pytest.mark.parametrize("row", ALL, ids=lambda r: r["id"])
def test_facts_and_quote_in_plan(row):
    docs = _docs(row)
    assert all(d in TEXTS for d in docs), docs
    if row["abstain"]:
        assert row["facts"] == [] and not row["gold_quote"]
        return
    counted = row.get("counted") or {}
    for number, spec in counted.items():
        assert len(spec["items"]) == int(number)
        assert all(nfc(item) in TEXTS[spec["document"]] for item in spec["items"]), number
    for fact in row["facts"]:
        if any(v in counted for v in fact):
            continue
        assert fact and any(nfc(v) in TEXTS[d] for v in fact for d in docs), fact
    quote = nfc(row["gold_quote"])
    assert 20 <= len(quote) <= 120
    assert any(quote in line for d in docs for line in TEXTS[d].splitlines()), quote


@pytest.mark.parametrize("row", [r for r in ALL if r["category"] == "typo"], ids=lambda r: r["id"])
def test_typo_variants_keep_their_parents_answer(row):
    parent = BY_ID[row["variant_of"]]
    assert parent["category"] != "typo" and row["question"] != parent["question"]
    for key in ("facts", "document", "commune", "abstain", "gold_quote", "intent"):
        assert row[key] == parent[key], key


@pytest.mark.parametrize("split", SPLITS)
def test_follow_ups_carry_history_and_only_near_misses_and_one_follow_up_abstain(split):
    rows = ROWS[split]
    for r in rows:
        assert bool(r.get("history")) == (r["category"] == "follow_up"), r["id"]
        for turn in r.get("history") or []:
            assert turn["question"] and turn["answer"]
    abstaining = Counter(r["category"] for r in rows if r["abstain"])
    assert abstaining == {"near_miss": 8, "follow_up": 1}
    for r in rows:
        if r["document"] and r["category"] not in ("comparison", "follow_up"):
            assert r["commune"] == COMMUNES[r["document"]], r["id"]
