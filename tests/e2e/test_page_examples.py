"""The page's example questions come from the store and are answered by it."""
from __future__ import annotations

import json
from pathlib import Path

from assistant.ui.examples import PlanFacts, common_procedures, example_questions, main_lead
from assistant.ui.page import page_examples

PROCEDURES = Path(__file__).resolve().parents[2] / "data" / "procedures"


def test_examples_name_only_stored_communes_and_each_is_answered_from_its_plan(assistant):
    shown = page_examples(assistant)
    stored = {d.commune: d.document for d in assistant.documents()}
    questions = shown.citizen + shown.staff
    assert len(shown.staff) >= 3 and questions
    for question in questions:
        named = [c for c in stored if c in question]
        assert len(named) == 1, question
        answer = assistant.ask(question)
        assert not answer.abstained, (question, answer.answer)
        assert answer.citations and answer.citations[0].document == stored[named[0]], question


def test_an_empty_store_suggests_no_commune_and_a_procedure_catalogue_gives_citizen_examples():
    names = [json.loads(f.read_text(encoding="utf-8"))["ten_thu_tuc"] for f in sorted(PROCEDURES.glob("*.json"))]
    shown = example_questions([], names)
    assert shown.staff == []
    picked = common_procedures(names)
    assert len(picked) == 2 and all(len(n.split()) >= 3 and n in names for n in picked)
    assert shown.citizen[0] == f"{picked[0]} cần giấy tờ gì?"
    assert shown.citizen[1].isascii()      # typed without diacritics, as many citizens do
    assert example_questions([], []) == example_questions([], [])


def test_examples_turn_through_communes_and_skip_what_a_plan_lacks():
    plans = [PlanFacts("Xã Mới", None, False, None), PlanFacts("An Bình", 2027, True, "Phòng Kinh tế")]
    shown = example_questions(plans, [])
    assert "Ở An Bình, Phòng Kinh tế chủ trì những nhiệm vụ nào?" in shown.staff
    assert not any("Quý I/None" in q for q in shown.staff)
    assert not any("Xã Mới do ai ký" in q for q in shown.citizen)
    assert main_lead(["Phòng Kinh tế", " Văn phòng ", "Văn phòng", ""]) == "Văn phòng"
