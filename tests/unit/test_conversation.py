"""Bounded history and the follow-up resolver (pure; the answer path maps its query type to TurnFacts)."""

from __future__ import annotations

import pytest

from assistant.conversation import (
    MAX_ANSWER_CHARS, MAX_HISTORY_ITEMS, MAX_TURNS, HistoryError, Resolution, Turn, TurnFacts, clean_history,
    previous_facts, resolve,
)

# What understanding finds in the conversation (the Năm Dẫn task of row 19 of its appendix).
REVIEW_ND = TurnFacts(commune="Năm Dẫn", intent="lead", topic_terms=("rà soát", "thủ tục hành chính"),
                      task="Rà soát, đánh giá tác động của TTHC; thực hiện các phương án cắt giảm, đơn giản hóa TTHC")
DEADLINE_ONLY = TurnFacts(intent="deadline")                       # "còn thời hạn thì sao?"
COMMUNE_ONLY = TurnFacts(commune="Lộc Hòa")                        # "thế ở Lộc Hòa?"
COORDINATORS_ONLY = TurnFacts(intent="coordinators")               # "ai phối hợp?"


# --------------------------------------------------------------------------- resolver
def test_a_bare_field_question_inherits_task_and_commune_and_keeps_its_intent():
    r = resolve(DEADLINE_ONLY, REVIEW_ND)
    assert r.follow_up and r.facts.intent == "deadline"
    assert r.facts.commune == "Năm Dẫn" and r.facts.task == REVIEW_ND.task
    assert r.facts.topic_terms == REVIEW_ND.topic_terms
    assert r.context() == {"commune": "Năm Dẫn", "task": REVIEW_ND.task}


def test_a_commune_alone_switches_the_commune_and_keeps_intent_and_topic():
    r = resolve(COMMUNE_ONLY, REVIEW_ND)
    assert r.follow_up and r.facts.commune == "Lộc Hòa"
    assert r.facts.intent == "lead" and r.facts.topic_terms == REVIEW_ND.topic_terms
    assert r.context() == {"task": REVIEW_ND.task, "intent": "lead"}


def test_who_coordinates_inherits_the_task():
    r = resolve(COORDINATORS_ONLY, REVIEW_ND)
    assert r.facts.intent == "coordinators" and r.facts.task == REVIEW_ND.task and r.facts.commune == "Năm Dẫn"


def test_a_question_naming_its_commune_and_topic_ignores_the_history():
    own = TurnFacts(commune="Di Linh", intent="lead", topic_terms=("đối thoại", "doanh nghiệp"))
    r = resolve(own, REVIEW_ND)
    assert r == Resolution(facts=own, follow_up=False) and r.context() == {}


def test_a_new_topic_without_commune_inherits_only_the_commune():
    fee = TurnFacts(intent="fact", topic_terms=("lệ phí",))            # "thế còn lệ phí?"
    r = resolve(fee, REVIEW_ND)
    assert r.facts.commune == "Năm Dẫn" and r.facts.topic_terms == ("lệ phí",)
    assert r.facts.task is None and r.facts.intent == "fact"
    assert r.context() == {"commune": "Năm Dẫn"}


def test_an_agency_alone_keeps_commune_intent_and_period():
    period_q = TurnFacts(commune="Năm Dẫn", agency="Phòng Văn hóa – Xã hội", intent="due_by_date", period="Quý I/2026")
    other = TurnFacts(agency="Trung tâm Phục vụ Hành chính công")   # "còn Trung tâm Phục vụ Hành chính công?"
    r = resolve(other, period_q)
    assert r.facts.agency == "Trung tâm Phục vụ Hành chính công"
    assert (r.facts.commune, r.facts.intent, r.facts.period) == ("Năm Dẫn", "due_by_date", "Quý I/2026")
    assert r.context() == {"commune": "Năm Dẫn", "intent": "due_by_date", "period": "Quý I/2026"}


def test_comparisons_never_inherit_one_commune_and_several_communes_carry_over():
    compare = TurnFacts(communes=("Di Linh", "Năm Dẫn"), intent="comparison", topic_terms=("đúng hạn",))
    assert resolve(TurnFacts(intent="comparison", topic_terms=("hài lòng",)), REVIEW_ND).facts.commune is None
    r = resolve(TurnFacts(intent="target", topic_terms=("thanh toán trực tuyến",)), compare)
    assert r.facts.communes == ("Di Linh", "Năm Dẫn") and r.context() == {"communes": ("Di Linh", "Năm Dẫn")}


def test_no_previous_turn_means_standalone():
    assert resolve(DEADLINE_ONLY, None) == Resolution(facts=DEADLINE_ONLY, follow_up=False)


def test_the_chain_of_turns_keeps_the_first_topic():
    said = {
        "Tỷ lệ hồ sơ giải quyết đúng hạn ở Di Linh phải đạt bao nhiêu?":
            TurnFacts(commune="Di Linh", intent="target", topic_terms=("đúng hạn",)),
        "thế còn Năm Dẫn?": TurnFacts(commune="Năm Dẫn"),
    }
    history = clean_history([{"question": q, "answer": "…"} for q in said])
    before = previous_facts(history, said.__getitem__)
    assert before.commune == "Năm Dẫn" and before.topic_terms == ("đúng hạn",) and before.intent == "target"
    r = resolve(TurnFacts(commune="Đại Phước"), before)              # "còn Đại Phước thì sao?"
    assert r.facts.topic_terms == ("đúng hạn",) and r.facts.intent == "target" and r.facts.commune == "Đại Phước"


# --------------------------------------------------------------------------- history validation
def test_history_is_cleaned_and_bounded():
    raw = [{"question": f"câu {i}\u200b\x07  hỏi\n", "answer": "a" * (MAX_ANSWER_CHARS + 500)} for i in range(10)]
    turns = clean_history(raw)
    assert len(turns) == MAX_TURNS and turns[-1].question == "câu 9 hỏi"
    assert all(len(t.answer) == MAX_ANSWER_CHARS for t in turns)
    assert clean_history(None) == () and clean_history([]) == ()
    assert clean_history([{"question": "   ", "answer": "x"}, Turn("Ai ký?")]) == (Turn("Ai ký?", ""),)
    # decomposed input comes out NFC
    assert clean_history([{"question": "Lo\u0302\u0323c Ho\u0300a"}])[0].question == "Lộc Hòa"


@pytest.mark.parametrize("raw, message", [
    ("Ai chủ trì?", "danh sách"),
    ([["Ai chủ trì?", "Phòng Kinh tế"]], "có dạng"),
    ([{"answer": "Phòng Kinh tế"}], "thiếu trường"),
    ([{"question": 42}], "văn bản"),
    ([{"question": "x"}] * (MAX_HISTORY_ITEMS + 1), "quá dài"),
])
def test_unreadable_history_gets_a_vietnamese_error(raw, message):
    with pytest.raises(HistoryError, match=message):
        clean_history(raw)


def test_a_fact_follow_up_keeps_its_own_kind():
    """"ký ngày nào?" after "Ai ký kế hoạch CCHC của Di Linh?" asks the issuing date of the same
    plan: the commune carries over, the signer question's kind does not."""
    from assistant.conversation import Turn
    from assistant.qa.followup import resolve_history
    from assistant.qa.understand import understand

    ask = lambda text: understand(text, ["Di Linh", "Năm Dẫn"], [])
    resolved = resolve_history(ask("ký ngày nào?"), [Turn("Ai ký kế hoạch CCHC của Di Linh?")], ask)
    assert resolved.query.commune == "Di Linh"
    assert resolved.query.fact_kind == "issue_date"


def test_a_follow_ups_focal_concept_is_in_its_own_words():
    """"the con ho so … thi bao nhieu phan tram?" after a question typed with diacritics: the
    effective question mixes both turns, but what is asked the value of is what was just typed
    ("thi", undiacritised "thì", is no concept)."""
    from assistant.conversation import Turn
    from assistant.qa.followup import resolve_history
    from assistant.qa.support import focal_phrases
    from assistant.qa.understand import understand

    ask = lambda text: understand(text, ["Đại Phước", "Di Linh"], [])
    follow = ask("the con ho so cong viec xu ly tren mang thi bao nhieu phan tram?")
    resolved = resolve_history(follow, [Turn("Đại Phước có chỉ tiêu họp trực tuyến giữa UBND xã với các ấp không?")], ask)
    assert resolved.query.commune == "Đại Phước"
    assert all("thi" not in words for words, _ in focal_phrases(resolved.query))


def test_then_what_about_keeps_the_ask_but_not_the_subject():
    other = TurnFacts(intent="general", topic_terms=("đối thoại",), contrastive=True)   # "thế còn vụ đối thoại?"
    r = resolve(other, REVIEW_ND)
    assert r.facts.intent == "lead" and r.facts.topic_terms == ("đối thoại",) and r.facts.task is None
    assert r.context() == {"commune": "Năm Dẫn", "intent": "lead"}
