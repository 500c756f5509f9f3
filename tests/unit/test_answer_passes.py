"""One question, one understanding (issue 15): the plain reading that routes plans vs procedures
is the same Query as the repaired one when the speller and the lexicon change nothing, so it is
not computed twice; when they do change the question, routing still reads it as asked.
On the records of the real bundled plans."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.qa import answerer as answerer_module
from assistant.qa.answerer import Answerer
from assistant.qa.index import AnswerIndex
from assistant.schemas import DocumentInfo
from assistant.spelling import Vocabulary


class PlansStore:
    """The read side the answerer needs, over the parsed bundled plans (no vectors)."""

    def __init__(self, plans) -> None:
        self.plans = plans

    def revision(self):
        return 1

    def documents(self):
        return [DocumentInfo(document=p.document, title=p.metadata.title, commune=p.metadata.commune)
                for p in self.plans]

    def vocabulary(self):
        return Vocabulary.of([c.text for p in self.plans for c in p.chunks] + [t.task for p in self.plans for t in p.tasks])

    def get_chunks(self, ids):
        return []

    def document_chunk_ids(self, document):
        return []


class NoRetriever:
    def invoke(self, text, **kwargs):
        return []


@pytest.fixture()
def answerer(parsed_plans):
    plans = list(parsed_plans.values())
    store = PlansStore(plans)
    index = AnswerIndex.build(1, store.documents(), [t for p in plans for t in p.tasks],
                              [g for p in plans for g in p.targets])
    a = Answerer(store=store, retriever=NoRetriever(), today=date(2026, 5, 1))
    a._index = index
    return a


@pytest.fixture()
def readings(monkeypatch):
    """Every Query `understand` makes, with whether the speller/lexicon were given."""
    seen: list[tuple[bool, object]] = []
    real = answerer_module.understand

    def counted(question, *args, **kwargs):
        q = real(question, *args, **kwargs)
        seen.append((kwargs.get("lexicon") is not None, q))
        return q

    monkeypatch.setattr(answerer_module, "understand", counted)
    return seen


def test_a_question_left_as_asked_is_understood_once(answerer, readings):
    answer = answerer.answer("Ai chủ trì tổ chức đối thoại với người dân và doanh nghiệp ở Di Linh?")
    assert answer.intent == "lead"
    assert len(readings) == 1


def test_a_rewritten_question_is_routed_as_asked(answerer, readings):
    question = "Chi phí thực hiện kế hoạch CCHC ở Di Linh lấy từ đâu?"
    answerer.answer(question)
    assert [with_lexicon for with_lexicon, _ in readings] == [True, False]
    repaired, plain = readings[0][1], readings[1][1]
    assert "kinh phí" in repaired.question.lower() and plain.question == question
