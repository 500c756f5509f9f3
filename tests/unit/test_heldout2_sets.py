"""The second held-out sets: eval/heldout2_questions.jsonl (plans) and eval/heldout2_procedures.jsonl.

Checked the way tests/unit/test_eval_categories.py checks the issue-11 set: every fact (one variant
at least for procedures, every variant for plans) and every gold quote is an exact (NFC) substring
of its plan or record, except the numbers a count question derives by counting, which are listed
under `counted` and checked against tests/fixtures/task_counts.json or the listed task openings.
The sets are data only: nothing here reads the assistant's cue lists.
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from assistant import evaluation as ev
from ingest.vntext import fold

REPO = Path(__file__).resolve().parents[2]
PLAN_TEXT = {p.name: unicodedata.normalize("NFC", p.read_text(encoding="utf-8"))
             for p in (REPO / "data" / "plans").glob("*.txt")}
CORPUS_COMMUNES = {"Di Linh", "Lộc Hòa", "Năm Dẫn", "Đại Phước"}
PROCEDURE_FILES = sorted(str(p.relative_to(REPO)) for p in (REPO / "data" / "procedures").glob("*.json"))

# The mix the set was written to (brief E): category -> number of questions.
PLAN_MIX = {"paraphrase": 10, "typo": 8, "follow_up": 8, "list": 6, "period": 6, "count": 4,
            "comparison": 5, "section": 7, "near_miss": 6}


def _rows(name: str) -> list[dict]:
    lines = (REPO / "eval" / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


PLANS = _rows("heldout2_questions.jsonl")
PROCS = _rows("heldout2_procedures.jsonl")
BY_ID = {r["id"]: r for r in PLANS}


def _documents(row: dict) -> list[str]:
    return row.get("documents") or ([row["document"]] if row.get("document") else [])


def _said(row: dict) -> str:
    return fold(" ".join([t["question"] for t in row.get("history") or ()] + [row["question"]]))


def _record_values(name: str) -> list[str]:
    def walk(value):
        if isinstance(value, str):
            yield unicodedata.normalize("NFC", value)
        elif isinstance(value, dict):
            for v in value.values():
                yield from walk(v)
        elif isinstance(value, list):
            for v in value:
                yield from walk(v)

    data = json.loads((REPO / "data" / "procedures" / name).read_text(encoding="utf-8"))
    return list(walk(data))


# --------------------------------------------------------------------------- plans: shape
def test_plan_set_is_marked_and_mixed_as_written():
    assert len(PLANS) == 60
    assert all(r["id"].startswith("h2-") and r.get("split") == "heldout2" for r in PLANS)
    assert Counter(r["category"] for r in PLANS) == PLAN_MIX
    assert set(PLAN_MIX) == set(ev.CATEGORIES)
    assert all(r["spelling"] in ev.SPELLINGS and r["intent"] in ev.INTENTS for r in PLANS)
    assert all(q.split == "heldout2" for q in ev.load_questions(REPO / "eval" / "heldout2_questions.jsonl"))
    # typed as people type: about 40 % without diacritics
    no_diacritics = [r for r in PLANS if r["spelling"] == "no_diacritics"]
    assert len(no_diacritics) >= 0.38 * len(PLANS)
    assert all(fold(r["question"]) == r["question"].lower() for r in no_diacritics)
    # every plan is asked about
    assert {d for r in PLANS for d in _documents(r)} == set(PLAN_TEXT)


def test_ids_are_new_and_questions_are_a_different_reading():
    ids = [r["id"] for r in PLANS] + [r["id"] for r in PROCS]
    assert len(ids) == len(set(ids))
    others = _rows("questions.jsonl") + _rows("heldout_questions.jsonl")
    assert not set(ids) & {r["id"] for r in others}
    assert not {_said(r) for r in PLANS} & {_said(r) for r in others}


# --------------------------------------------------------------------------- plans: exactness
def test_plan_abstentions_are_out_of_scope_questions():
    """Facts and quotes are checked with the other plan sets (tests/unit/test_eval_categories.py,
    the `heldout2` cases): exact substrings, found by the scorer, counts as made by reading."""
    for row in PLANS:
        if row["abstain"]:
            assert row["intent"] == "out_of_scope", row["id"]


def test_plan_near_misses_abstain_and_name_a_covered_commune():
    near = [r for r in PLANS if r["category"] == "near_miss"]
    assert near and all(r["abstain"] and r["intent"] == "out_of_scope" for r in near)
    assert all(r["commune"] in CORPUS_COMMUNES for r in near)


def test_plan_follow_ups_carry_a_history_that_names_the_context():
    follow = [r for r in PLANS if r["category"] == "follow_up"]
    for row in follow:
        history = row.get("history")
        assert history and all(t["question"].strip() and t["answer"].strip() for t in history), row["id"]
        if row["commune"]:
            assert fold(row["commune"]) in _said(row), row["id"]
    assert any(r["abstain"] for r in follow), "a follow-up near miss"
    assert any(fold(r["commune"]) in fold(r["question"])
               and fold(r["commune"]) not in fold(" ".join(t["question"] for t in r["history"]))
               for r in follow if r["commune"]), "a question that stands alone"
    bare = [r for r in follow if not any(fold(c) in fold(r["question"]) for c in CORPUS_COMMUNES)]
    assert len(bare) >= 0.6 * len(follow)


def test_plan_typos_are_variants_of_a_written_question_with_the_same_answer():
    for row in [r for r in PLANS if r["category"] == "typo"]:
        parent = BY_ID[row["variant_of"]]
        assert parent["spelling"] == "full" and parent.get("variant_of") is None, row["id"]
        for key in ("intent", "document", "facts", "gold_quote", "abstain", "commune"):
            assert row[key] == parent[key], (row["id"], key)
        assert row["question"] != parent["question"], row["id"]
        if row["spelling"] == "no_diacritics":
            assert fold(row["question"]) == row["question"].lower(), row["id"]
        else:
            assert row["spelling"] == "typo", row["id"]
            assert fold(row["question"]) != fold(parent["question"]), row["id"]


def test_plan_lists_comparisons_and_counts():
    for row in PLANS:
        if row["category"] == "list":
            assert len(row["facts"]) >= 2, row["id"]
        if row["category"] == "comparison":
            assert row["document"] is None and len(row["documents"]) >= 2, row["id"]
            assert len(row["facts"]) >= 2 and row["intent"] == "comparison", row["id"]
        if row["category"] == "count":
            assert row.get("counted") and row["intent"] == "count", row["id"]
            assert [[v] for v in row["counted"]] == row["facts"], row["id"]


def test_plan_questions_name_their_commune_unless_they_compare_or_follow():
    for row in PLANS:
        if row["category"] in ("comparison", "follow_up"):
            continue
        assert row["commune"] and fold(row["commune"]) in fold(row["question"]), row["id"]


# --------------------------------------------------------------------------- procedures
DRAWN = random.Random(4242).sample(PROCEDURE_FILES, 40)
DRAWN_NAMES = {Path(p).name for p in DRAWN}
CATALOGUE_NAMES = [json.loads((REPO / p).read_text(encoding="utf-8"))["ten_thu_tuc"] for p in PROCEDURE_FILES]


def test_procedure_set_is_marked_and_drawn_from_the_seeded_sample():
    assert len(PROCS) == 50
    assert all(r["id"].startswith("h2proc-") and r.get("split") == "heldout2" for r in PROCS)
    assert all(r["intent"] == "procedure" and r["commune"] is None for r in PROCS)
    assert all(r["spelling"] in ev.SPELLINGS and r["category"].startswith("procedure_") for r in PROCS)
    in_catalogue = [r for r in PROCS if r["document"]]
    assert all(r["document"] in DRAWN_NAMES for r in in_catalogue), "records come from the seeded draw"
    assert len({r["document"] for r in in_catalogue}) >= 34
    no_diacritics = [r for r in PROCS if r["spelling"] == "no_diacritics"]
    assert len(no_diacritics) >= 0.45 * len(PROCS)
    assert all(fold(r["question"]) == r["question"].lower() for r in no_diacritics)


FACETS = {"procedure_documents", "procedure_time", "procedure_fee", "procedure_where", "procedure_steps",
          "procedure_conditions", "procedure_result", "procedure_agency", "procedure_legal_basis"}
LACKING = {"procedure_time_missing", "procedure_fee_missing"}
MISSING = LACKING | {"procedure_time_no_unit"}


def test_procedure_set_covers_every_facet_and_the_abstentions():
    per_category = Counter(r["category"] for r in PROCS)
    assert FACETS <= set(per_category), FACETS - set(per_category)
    assert per_category["procedure_abstain"] == 8
    assert 3 <= sum(per_category[c] for c in MISSING) <= 4


def test_procedure_facts_and_quotes_are_exact_substrings_of_their_records():
    for row in PROCS:
        if row["category"] == "procedure_abstain":
            assert row["abstain"] and row["document"] is None, row["id"]
            assert row["facts"] == [] and row["gold_quote"] is None, row["id"]
            continue
        values = _record_values(row["document"])

        def held(text: str) -> bool:
            return any(text in v for v in values)

        quote = row["gold_quote"]
        assert quote and unicodedata.normalize("NFC", quote) == quote and held(quote), (row["id"], quote)
        if row["category"] in LACKING:
            # the record lacks the fact: the answer must say so plainly
            assert row["abstain"] and row["facts"] == [], row["id"]
            continue
        if row["category"] == "procedure_time_no_unit":
            # the record gives a bare number: the answer gives it and says the unit is not written
            assert not row["abstain"] and all(a.isdigit() for f in row["facts"] for a in f), row["id"]
        assert not row["abstain"] and row["facts"], row["id"]
        for fact in row["facts"]:
            assert all(unicodedata.normalize("NFC", a) == a for a in fact), (row["id"], fact)
            assert any(held(a) for a in fact), (row["id"], fact)


def test_missing_facts_really_are_missing_in_their_records():
    for row in [r for r in PROCS if r["category"] in MISSING]:
        ways = json.loads((REPO / "data" / "procedures" / row["document"]).read_text(
            encoding="utf-8"))["cach_thuc_thuc_hien"]
        assert row["gold_quote"] in ways, row["id"]
        if row["category"] == "procedure_time_no_unit":
            # a way of submitting, a bare number, then the fee: the time has lost its unit
            assert re.search(r"(Trực tuyến|Trực tiếp|Dịch vụ bưu chính)\d+Miễn phí", row["gold_quote"]), row["id"]
        else:
            assert "Không có thông tin" in row["gold_quote"], row["id"]


@pytest.mark.parametrize("words", [
    "rượu", "quân sự", "mã số thuế", "quảng cáo", "xăng dầu", "lễ hội", "hành nghề dược", "súng săn",
])
def test_out_of_catalogue_procedures_are_named_by_no_record(words):
    """Each out-of-catalogue question's procedure (its key words) occurs in no `ten_thu_tuc`."""
    assert not [n for n in CATALOGUE_NAMES if fold(words) in fold(n)]
    asked = [r for r in PROCS if r["category"] == "procedure_abstain" and fold(words) in fold(r["question"])]
    assert asked, words
