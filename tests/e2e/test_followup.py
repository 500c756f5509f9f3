"""Follow-ups through the answer path: history in, inherited commune/task/intent out, with the
answer's "context" saying what was carried over; the API and the chain take the same history."""

from __future__ import annotations

from assistant.conversation import Turn
from assistant.qa.followup import resolve_history, topic_display
from assistant.qa.intents import Intent
from assistant.qa.understand import understand

COMMUNES = ["Di Linh", "Đại Phước", "Lộc Hòa", "Năm Dẫn"]
AGENCIES = ["Phòng Văn hóa - Xã hội", "Trung tâm Phục vụ Hành chính công", "Phòng Kinh tế"]
FIRST = "Ai chủ trì việc rà soát TTHC ở Năm Dẫn?"


def _u(text: str):
    return understand(text, COMMUNES, AGENCIES)


def test_a_bare_field_question_inherits_commune_and_task_and_keeps_its_intent():
    resolved = resolve_history(_u("còn thời hạn thì sao?"), [Turn(FIRST)], _u)
    q = resolved.query
    assert q.intent == Intent.DEADLINE
    assert q.communes == ["Năm Dẫn"]
    assert q.topic_terms == _u(FIRST).topic_terms
    assert resolved.context == {"commune": "Năm Dẫn", "task": "rà soát TTHC"}


def test_a_commune_alone_switches_the_commune_and_keeps_intent_and_task():
    resolved = resolve_history(_u("thế ở Lộc Hòa?"), [Turn(FIRST)], _u)
    assert resolved.query.communes == ["Lộc Hòa"]
    assert resolved.query.intent == Intent.LEAD
    assert resolved.context["task"] == "rà soát TTHC" and "commune" not in resolved.context


def test_a_question_that_stands_alone_ignores_the_history():
    own = "Ai chủ trì tổ chức đối thoại với người dân ở Di Linh?"
    resolved = resolve_history(_u(own), [Turn(FIRST)], _u)
    assert resolved.context == {}
    assert resolved.query.communes == ["Di Linh"] and resolved.query.question == own


def test_words_pointing_back_carry_the_previous_task():
    resolved = resolve_history(_u("khi nào phải xong việc này?"), [Turn(FIRST)], _u)
    assert resolved.context.get("task") == "rà soát TTHC"
    assert set(_u(FIRST).topic_terms) <= set(resolved.query.topic_terms)


def test_topic_display_keeps_the_words_as_written():
    assert topic_display(_u("Tỷ lệ hài lòng ở Lộc Hòa đặt ra là bao nhiêu?")) == "hài lòng"


# -- end to end on the bundled plans -------------------------------------------------------------

def test_follow_up_answers_the_deadline_of_the_previous_task(assistant):
    first = assistant.ask(FIRST)
    assert "Trung tâm Phục vụ Hành chính công" in first.answer
    answer = assistant.ask("còn thời hạn thì sao?", history=[{"question": FIRST, "answer": first.answer}])
    assert not answer.abstained and answer.intent == "deadline"
    assert "Năm 2026" in answer.answer and "Rà soát, đánh giá tác động của TTHC" in answer.answer
    assert answer.context["commune"] == "Năm Dẫn"
    assert answer.citations[0].document == "nam-dan_2026.txt"
    alone = assistant.ask("còn thời hạn thì sao?")
    assert alone.context == {}


def test_follow_up_switches_commune(assistant):
    answer = assistant.ask("thế ở Lộc Hòa?", history=[{"question": FIRST, "answer": "…"}])
    assert not answer.abstained and answer.citations[0].document == "loc-hoa_2025.txt"
    assert "Các bộ phận có liên quan" in answer.answer


def test_commune_named_in_the_question_wins_over_the_filter_and_says_so(assistant):
    answer = assistant.ask(FIRST, commune="Di Linh")
    assert answer.citations[0].document == "nam-dan_2026.txt"
    assert "không theo bộ lọc xã Di Linh" in answer.answer
    assert answer.context == {"scope": "Năm Dẫn", "filter_ignored": "Di Linh"}


def test_api_takes_history_and_bounds_it(assistant):
    from fastapi.testclient import TestClient

    from assistant.api import create_app

    with TestClient(create_app(assistant, assistant.settings)) as client:
        ok = client.post("/api/ask", json={"question": "còn thời hạn thì sao?",
                                           "history": [{"question": FIRST, "answer": "…"}]})
        assert ok.status_code == 200, ok.text
        body = ok.json()
        assert "Năm 2026" in body["answer"] and body["context"]["commune"] == "Năm Dẫn"
        too_long = client.post("/api/ask", json={"question": "còn thời hạn thì sao?",
                                                 "history": [{"question": "a", "answer": ""}] * 51})
        assert too_long.status_code in (400, 422)
        missing = client.post("/api/ask", json={"question": "x", "history": [{"answer": "…"}]})
        assert missing.status_code in (400, 422)


def test_a_bare_plan_verb_is_no_subject_of_its_own_along_a_chain_of_follow_ups(assistant):
    history = [{"question": "Kế hoạch chuyển đổi số hàng năm của Di Linh ai lập?",
                "answer": "Phòng Văn hóa - Xã hội chủ trì."},
               {"question": "ban hành vào lúc nào?", "answer": "Trong tháng 12 hàng năm."}]
    answer = assistant.ask("sản phẩm đầu ra là gì?", history=history)
    assert "chuyển đổi số hàng năm" in answer.answer and "Kế hoạch của UBND xã" in answer.answer
    assert answer.context["commune"] == "Di Linh"


def test_a_task_said_by_pointing_back_carries_to_the_turn_after():
    # "ai chủ trì việc đó?" inherits the task; "bao lâu làm một lần?" after it inherits it in turn
    history = [Turn("Di Linh có công khai kết quả Bộ chỉ số theo Quyết định 766 không?"), Turn("ai chủ trì việc đó?")]
    resolved = resolve_history(_u("con bao lau lam 1 lan?"), history, _u)
    assert resolved.query.intent == Intent.DEADLINE
    assert resolved.context == {"commune": "Di Linh", "task": "công khai Bộ chỉ số Quyết định 766"}


def test_a_second_ask_of_the_deadline_is_no_subject_of_its_own():
    resolved = resolve_history(_u("Sản phẩm là gì, hạn khi nào?"), [Turn(FIRST)], _u)
    assert resolved.context == {"commune": "Năm Dẫn", "task": "rà soát TTHC"}


def test_then_what_about_another_subject_asks_it_as_before():
    resolved = resolve_history(_u("thế còn vụ tổ chức đối thoại với doanh nghiệp?"), [Turn(FIRST)], _u)
    assert resolved.query.intent == Intent.LEAD and resolved.query.communes == ["Năm Dẫn"]
    assert resolved.context == {"commune": "Năm Dẫn", "intent": "lead"}
    assert "doi_thoai" in resolved.query.topic_terms and "ra_soat" not in resolved.query.topic_terms
