"""The issue-11 questions of eval/questions.jsonl (those with a `category`) and the held-out set.

Every fact and gold quote must be an exact (NFC) substring of its plan, except the numbers a
count or comparison question derives by counting: those are listed under `counted` and checked
here against the counts made by reading (tests/fixtures/task_counts.json) or against the listed
task openings, each itself an exact substring of the plan.
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from assistant import evaluation as ev
from ingest.vntext import fold

REPO = Path(__file__).resolve().parents[2]
PLAN_TEXT = {p.name: unicodedata.normalize("NFC", p.read_text(encoding="utf-8"))
             for p in (REPO / "data" / "plans").glob("*.txt")}
TASK_COUNTS = json.loads((REPO / "tests" / "fixtures" / "task_counts.json").read_text(encoding="utf-8"))
CORPUS_COMMUNES = {"Di Linh", "Lộc Hòa", "Năm Dẫn", "Đại Phước"}


def _rows(name: str) -> list[dict]:
    lines = (REPO / "eval" / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


MAIN = [r for r in _rows("questions.jsonl") if r.get("category")]
HELDOUT = _rows("heldout_questions.jsonl")
HELDOUT2 = _rows("heldout2_questions.jsonl")   # its own checks: tests/unit/test_heldout2_sets.py
ALL_MAIN_IDS = {r["id"] for r in _rows("questions.jsonl")}
BY_ID = {r["id"]: r for r in MAIN + HELDOUT + HELDOUT2}


def _documents(row: dict) -> list[str]:
    return row.get("documents") or ([row["document"]] if row.get("document") else [])


def _count_of(row: dict, spec: dict) -> int:
    if "same_as" in spec:
        other = BY_ID[spec["same_as"]]
        (value,) = [int(k) for k in other["counted"]]
        return value
    if "items" in spec:
        text = PLAN_TEXT[spec["document"]]
        assert all(item in text for item in spec["items"]), (row["id"], spec["items"])
        assert len(set(spec["items"])) == len(spec["items"]), row["id"]
        return len(spec["items"])
    counts = TASK_COUNTS[spec["document"]]
    if spec.get("prose"):
        return sum(counts["prose_by_agency"].values())
    if spec.get("group"):
        return counts["by_group"][spec["group"]]
    return counts["table"]


# --------------------------------------------------------------------------- size and spread
def test_at_least_250_new_questions_in_every_category():
    assert len(MAIN) >= 250
    per_category = Counter(r["category"] for r in MAIN)
    assert set(per_category) == set(ev.CATEGORIES), per_category
    assert min(per_category.values()) >= 20, per_category
    assert all(r["spelling"] in ev.SPELLINGS and r["intent"] in ev.INTENTS for r in MAIN)


def test_new_questions_cover_every_plan():
    per_plan = Counter(d for r in MAIN for d in _documents(r))
    assert set(per_plan) == set(PLAN_TEXT)
    assert min(per_plan.values()) >= 30, per_plan


def test_ids_are_unique_across_both_sets():
    ids = [r["id"] for r in MAIN + HELDOUT]
    assert len(ids) == len(set(ids))
    assert not {r["id"] for r in HELDOUT} & ALL_MAIN_IDS


# --------------------------------------------------------------------------- exactness
@pytest.mark.parametrize("rows", [MAIN, HELDOUT, HELDOUT2], ids=["main", "heldout", "heldout2"])
def test_facts_and_gold_quotes_are_exact_substrings_of_their_plans(rows):
    for row in rows:
        if row["abstain"]:
            assert row["document"] is None and not row.get("documents"), row["id"]
            assert row["facts"] == [] and row["gold_quote"] is None, row["id"]
            continue
        documents = _documents(row)
        assert documents and all(d in PLAN_TEXT for d in documents), row["id"]
        text = "\n".join(PLAN_TEXT[d] for d in documents)
        quote = row["gold_quote"]
        assert quote and unicodedata.normalize("NFC", quote) == quote, row["id"]
        assert quote in text and "\n" not in quote and 10 <= len(quote) <= 160, row["id"]
        counted = row.get("counted") or {}
        assert row["facts"], row["id"]
        for fact in row["facts"]:
            assert fact, row["id"]
            for alternative in fact:
                assert unicodedata.normalize("NFC", alternative) == alternative, (row["id"], alternative)
                if alternative in counted:
                    continue
                assert alternative in text, (row["id"], alternative)
        for value, spec in counted.items():
            assert any(value in fact for fact in row["facts"]), (row["id"], value)
            assert _count_of(row, spec) == int(value), (row["id"], value, spec)


@pytest.mark.parametrize("rows", [MAIN, HELDOUT, HELDOUT2], ids=["main", "heldout", "heldout2"])
def test_every_fact_is_found_by_the_scorer_in_its_plan(rows):
    """What the harness matches (folded, whole tokens) agrees with the exact check above."""
    for row in rows:
        if row["abstain"]:
            continue
        text = "\n".join(PLAN_TEXT[d] for d in _documents(row))
        counted = row.get("counted") or {}
        for fact in row["facts"]:
            assert all(v in counted or ev.contains(text, v) for v in fact), (row["id"], fact)


# --------------------------------------------------------------------------- per category
def test_near_misses_abstain_and_stand_next_to_the_plans():
    near = [r for r in MAIN if r["category"] == "near_miss"]
    assert len(near) >= 30 and all(r["abstain"] and r["intent"] == "out_of_scope" for r in near)
    # most name a commune the plans do cover: the topic, not the place, is what is missing
    assert sum(r["commune"] in CORPUS_COMMUNES for r in near) >= 0.8 * len(near)


def test_follow_ups_carry_a_history_that_names_the_context():
    for row in [r for r in MAIN + HELDOUT if r["category"] == "follow_up"]:
        history = row.get("history")
        assert history and all(t["question"].strip() and t["answer"].strip() for t in history), row["id"]
        said = fold(" ".join([t["question"] for t in history] + [row["question"]]))
        if row["commune"]:
            assert fold(row["commune"]) in said, row["id"]
    # most follow-ups name no commune themselves: they must inherit it
    follow = [r for r in MAIN if r["category"] == "follow_up"]
    bare = [r for r in follow if not any(fold(c) in fold(r["question"]) for c in CORPUS_COMMUNES)]
    assert len(bare) >= 0.6 * len(follow)
    assert any(r["abstain"] for r in follow), "a follow-up near miss"
    assert any(fold(r["commune"] or "") in fold(r["question"]) and r["commune"] not in
               fold(" ".join(t["question"] for t in r["history"])) for r in follow), "a question that stands alone"


def test_typos_are_variants_of_a_new_question_with_the_same_answer():
    typos = [r for r in MAIN + HELDOUT if r["category"] == "typo"]
    assert len(typos) >= 30
    for row in typos:
        parent = BY_ID[row["variant_of"]]
        assert parent["spelling"] == "full" and parent.get("variant_of") is None, row["id"]
        for key in ("intent", "document", "facts", "gold_quote", "abstain"):
            assert row[key] == parent[key], (row["id"], key)
        assert row["question"] != parent["question"], row["id"]
        if row["spelling"] == "no_diacritics":
            assert fold(row["question"]) == row["question"].lower(), row["id"]
        else:
            assert row["spelling"] == "typo", row["id"]


def test_lists_and_comparisons_expect_every_item():
    for row in MAIN + HELDOUT:
        if row["category"] == "list":
            assert len(row["facts"]) >= 2, row["id"]
        if row["category"] == "comparison":
            assert row["document"] is None and len(row["documents"]) >= 2, row["id"]
            assert len(row["facts"]) >= 2, row["id"]


def test_counts_are_backed_by_a_count_made_by_reading():
    for row in [r for r in MAIN + HELDOUT if r["category"] == "count"]:
        assert row.get("counted"), row["id"]
        assert [[v] for v in row["counted"]] == row["facts"], row["id"]


def test_questions_name_their_commune_unless_they_compare_or_follow():
    for row in MAIN + HELDOUT:
        if row["category"] in ("comparison", "follow_up"):
            continue
        assert row["commune"] and fold(row["commune"]) in fold(row["question"]), row["id"]


# --------------------------------------------------------------------------- held-out
def test_heldout_set_is_marked_and_mixed():
    assert 35 <= len(HELDOUT) <= 60
    assert all(r.get("split") == "heldout" for r in HELDOUT)
    assert {r["category"] for r in HELDOUT} == set(ev.CATEGORIES)
    assert all(q.split == "heldout" for q in ev.load_questions(REPO / "eval" / "heldout_questions.jsonl"))
    # a different reading: no held-out question (with its history) repeats one of the main set
    def said(row):
        return fold(" ".join([t["question"] for t in row.get("history") or ()] + [row["question"]]))

    main_questions = {said(r) for r in MAIN}
    assert not any(said(r) in main_questions for r in HELDOUT)
