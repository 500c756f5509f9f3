"""Checks on eval/dev5_questions.jsonl: the fifth plan-question dev set (split dev5).

Written blind from the four plans and eval/README.md. Every fact has a variant that is an exact
(NFC) substring of its plan(s), gold quotes sit on one line of the plan, spellings are what they
claim, typo variants keep their parent's answer, near misses abstain.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from ingest.vntext import fold, nfc
from tests.conftest import REPO

SET = REPO / "eval" / "dev5_questions.jsonl"
PLANS = REPO / "data" / "plans"
COMMUNES = {
    "di-linh_2026-2030.txt": "Di Linh",
    "loc-hoa_2025.txt": "Lộc Hòa",
    "nam-dan_2026.txt": "Năm Dẫn",
    "dai-phuoc_2026.txt": "Đại Phước",
}
FIELDS = {"id", "question", "intent", "commune", "document", "facts", "gold_quote", "abstain",
          "variant_of", "spelling", "category", "split"}
INTENTS = {"lead", "coordinators", "deadline", "product", "target", "list_by_agency", "due_by_date",
           "fact", "general", "comparison"}
COMPOSITION = {"paraphrase": 22, "typo": 14, "section": 10, "comparison": 8, "list": 6, "near_miss": 10}


def _rows() -> list[dict]:
    return [json.loads(line) for line in SET.read_text(encoding="utf-8").splitlines() if line.strip()]


ROWS = _rows()
BY_ID = {r["id"]: r for r in ROWS}
TEXTS = {p.name: nfc(p.read_text(encoding="utf-8")) for p in PLANS.glob("*.txt")}


def _docs(row: dict) -> list[str]:
    return row.get("documents") or ([row["document"]] if row["document"] else [])


def _unaccented(text: str) -> bool:
    return fold(text) == text.lower()


def _lev(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def test_composition_and_ids():
    ids = [r["id"] for r in ROWS]
    assert len(ids) == len(set(ids))
    assert all(i.startswith("dv5-") for i in ids)
    assert Counter(r["category"] for r in ROWS) == COMPOSITION
    assert sum(_unaccented(r["question"]) for r in ROWS) >= 0.4 * len(ROWS)
    for r in ROWS:
        assert FIELDS <= set(r), r["id"]
        assert r["split"] == "dev5"
        assert r["intent"] in INTENTS, r["id"]
        assert r["spelling"] in {"full", "no_diacritics", "typo"}, r["id"]
        assert nfc(r["question"]) == r["question"], r["id"]


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r["id"])
def test_facts_and_quote_in_plan(row):
    docs = _docs(row)
    assert all(d in TEXTS for d in docs), docs
    if row["category"] == "comparison":
        assert row["document"] is None and len(docs) >= 2
        assert row["intent"] == "comparison"
    if row["abstain"]:
        assert row["facts"] == [] and row["gold_quote"] == ""
        return
    assert row["facts"], "in-scope question without facts"
    for fact in row["facts"]:
        assert fact and any(nfc(v) in TEXTS[d] for v in fact for d in docs), fact
    quote = nfc(row["gold_quote"])
    assert 20 <= len(quote) <= 120
    assert any(quote in line for d in docs for line in TEXTS[d].splitlines()), quote


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r["id"])
def test_spelling_and_commune(row):
    q = row["question"]
    if row["spelling"] == "no_diacritics":
        assert _unaccented(q)
    if row["spelling"] == "full":
        assert not _unaccented(q)
    if row["commune"] and row["category"] != "comparison":
        assert fold(row["commune"]) in fold(q)
    if row["document"] and row["category"] != "comparison":
        assert row["commune"] == COMMUNES[row["document"]]
    if row["category"] == "comparison" and len(_docs(row)) < 4:
        for d in _docs(row):
            assert fold(COMMUNES[d]) in fold(q), d


@pytest.mark.parametrize("row", [r for r in ROWS if r["category"] == "typo"], ids=lambda r: r["id"])
def test_typo_variants_keep_parent_answer(row):
    parent = BY_ID[row["variant_of"]]
    assert parent["category"] != "typo"
    assert row["spelling"] in {"typo", "no_diacritics"}
    for key in ("facts", "document", "commune", "abstain", "gold_quote", "intent"):
        assert row[key] == parent[key], key
    assert row["question"] != parent["question"]
    assert _lev(fold(row["question"]), fold(parent["question"])) <= 8


def test_only_typos_are_variants_and_near_misses_abstain():
    for r in ROWS:
        assert (r["variant_of"] is not None) == (r["category"] == "typo"), r["id"]
        assert r["abstain"] == (r["category"] == "near_miss"), r["id"]
        if r["abstain"] and r["document"] is None:
            assert r["commune"] not in COMMUNES.values()
