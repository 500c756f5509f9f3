"""Answer strategies and the chain on a fake store: typed inputs (Query, Context), an Answer out."""

from __future__ import annotations

from datetime import date

from assistant.qa.answerer import STRATEGIES, Answerer
from assistant.qa.chain import answer_chain
from assistant.qa.context import Context
from assistant.qa.index import AnswerIndex
from assistant.qa.intents import FIELD_INTENTS, Intent
from assistant.qa.policy import DEFAULT_POLICY, Policy
from assistant.qa.strategies.abstain import abstain
from assistant.qa.strategies.due import answer_due
from assistant.qa.strategies.field import answer_field
from assistant.qa.understand import understand
from assistant.registry import TaskFilter, TaskSelection
from assistant.schemas import DocumentInfo
from assistant.spelling import Vocabulary
from ingest.deadlines import parse_deadline
from ingest.models import SourceRef, TaskRecord
from ingest.periods import due_status, DueStatus

DOC = DocumentInfo(document="x.txt", title="Kế hoạch CCHC năm 2026", commune="Tân An", year="2026")


def task(text: str, lead: str, deadline: str, number: str) -> TaskRecord:
    return TaskRecord(document="x.txt", commune="Tân An", origin="table", area="Cải cách thủ tục hành chính",
                      number=number, task=text, lead=lead, deadline=deadline, leads=[lead],
                      deadline_norm=parse_deadline(deadline, 2026, 2026),
                      source=SourceRef("x.txt", ("Phụ lục",), int(number), int(number), None))


TASKS = [
    task("Tổ chức đối thoại với người dân và doanh nghiệp về thủ tục hành chính", "Phòng Kinh tế", "Quý II/2026", "1"),
    task("Rà soát, đánh giá thủ tục hành chính thuộc thẩm quyền", "Văn phòng HĐND và UBND", "Quý I/2026", "2"),
    task("Tuyên truyền cải cách hành chính trên hệ thống loa truyền thanh", "Phòng Văn hóa - Xã hội", "Thường xuyên", "3"),
]


class FakeStore:
    def get_chunks(self, ids):
        return []

    def documents(self):
        return [DOC]


class FakeRetriever:
    """Nothing retrieved: the strategies must answer from the registry alone."""

    def __init__(self):
        self.calls = []

    def invoke(self, text, **kwargs):
        self.calls.append((text, kwargs))
        return []


class FakeRegistry:
    """The registry engine's `select`, over the in-memory records, with the one due rule."""

    def select(self, f: TaskFilter) -> TaskSelection:
        out = TaskSelection()
        for t in TASKS:
            status = due_status(t.deadline_norm, f.due)
            if status is DueStatus.DUE:
                out.tasks.append(t)
            elif status is DueStatus.ONGOING:
                out.ongoing.append(t)
        return out


INDEX = AnswerIndex.build("fake", [DOC], TASKS, [])


def context(question: str, policy: Policy = DEFAULT_POLICY) -> Context:
    q = understand(question, INDEX.communes, INDEX.agencies, today=date(2026, 5, 1))
    return Context(query=q, scope=["Tân An"], index=INDEX, store=FakeStore(), retriever=FakeRetriever(),
                   registry=FakeRegistry(), policy=policy)


def test_every_intent_has_one_strategy():
    assert set(STRATEGIES) == set(Intent)
    assert {STRATEGIES[i] for i in FIELD_INTENTS} == {answer_field}
    assert Intent("due_by_date") is Intent.DUE_BY_DATE and Intent.LEAD == "lead"


def test_field_strategy_answers_from_the_registry_record():
    ctx = context("Ai chủ trì tổ chức đối thoại với người dân và doanh nghiệp?")
    assert ctx.query.intent is Intent.LEAD
    answer = answer_field(ctx)
    assert not answer.abstained
    assert "Phòng Kinh tế" in answer.answer and "đối thoại" in answer.answer
    assert answer.citations[0].document == "x.txt" and answer.citations[0].line_start == 1
    assert ctx.retriever.calls and ctx.retriever.calls[0][1]["parsed"] is ctx.query   # the Query, not re-parsed


def test_field_strategy_abstains_when_the_policy_asks_for_more_evidence():
    strict = Policy(min_coverage=1.01, semantic_min_coverage=1.01)
    answer = answer_field(context("Ai chủ trì tổ chức đối thoại với người dân và doanh nghiệp?", strict))
    assert answer.abstained


def test_due_strategy_lists_due_tasks_and_counts_ongoing_ones_apart():
    ctx = context("Trong quý I/2026 xã Tân An phải hoàn thành những nhiệm vụ nào?")
    assert ctx.query.intent is Intent.DUE_BY_DATE
    answer = answer_due(ctx)
    assert "có 1 nhiệm vụ" in answer.answer and "Rà soát" in answer.answer
    assert "đối thoại" not in answer.answer                       # due in quý II, not quý I
    assert "Thường xuyên (không tính là đến hạn): 1 nhiệm vụ" in answer.answer


def test_abstain_names_the_commune_in_scope():
    answer = abstain(context("Thời tiết thế nào?"))
    assert answer.abstained and "Tân An" in answer.answer


class FakeAnswererStore(FakeStore):
    """What Answerer itself reads: the store revision (the index comes from `build` above)."""

    def revision(self):
        return 1

    def vocabulary(self):
        return Vocabulary.of(t.task for t in TASKS)


def test_chain_invokes_and_batches_with_history():
    answerer = Answerer(store=FakeAnswererStore(), retriever=FakeRetriever(), today=date(2026, 5, 1))
    answerer._index = INDEX
    INDEX.signature = 1
    chain = answer_chain(answerer)
    one = chain.invoke({"question": "Ai chủ trì tổ chức đối thoại với người dân và doanh nghiệp?",
                        "history": [{"question": "?", "answer": "!"}]})
    assert one.intent == "lead" and "Phòng Kinh tế" in one.answer
    many = chain.batch([{"question": "Ai chủ trì tổ chức đối thoại với người dân và doanh nghiệp?"},
                        {"question": "Ai chủ trì rà soát, đánh giá thủ tục hành chính?", "commune": "Tân An"}])
    assert [a.intent for a in many] == ["lead", "lead"]
    assert "Văn phòng HĐND và UBND" in many[1].answer and many[1].commune == "Tân An"
    assert chain.invoke("Ai chủ trì tổ chức đối thoại với người dân và doanh nghiệp?").answer == one.answer


def _catalogue_index():
    """The procedure index of the bundled records."""
    from assistant.procedure_matching import ProcedureIndex
    from ingest.procedures import parse_procedure_file
    from tests.conftest import REPO

    files = sorted((REPO / "data" / "procedures").glob("*.json"))
    return ProcedureIndex.build([p for f in files for p in parse_procedure_file(f).procedures])


def test_a_plan_word_inside_a_procedures_own_name_does_not_send_the_question_to_the_plans():
    from assistant.qa.strategies.procedure import choose_procedure
    from assistant.qa.understand import understand

    index = _catalogue_index()
    named = understand("cong ty em la nha dau tu du an, nop ho so tham dinh nhiem vu quy hoach thi mat bao lau", [], [])
    route = choose_procedure(named, index)
    assert route is not None and route.confident and route.ranked[0].procedure.code == "1.014155"
    # "nhiệm vụ" as the plans use it stays with the plans
    assert choose_procedure(understand("ai chủ trì nhiệm vụ rà soát thủ tục hành chính", [], []), index) is None


def test_which_commune_after_an_office_is_where_to_file_not_a_comparison_of_communes():
    from assistant.qa.strategies.procedure import choose_procedure
    from assistant.qa.understand import understand

    index = _catalogue_index()
    filing = understand("dang ky thuong tru cho con thi nop ho so o cong an xa nao", [], [])
    route = choose_procedure(filing, index)
    assert route is not None and route.confident and route.ranked[0].procedure.code == "1.004222"
    # "xã nào" on its own still compares the communes' plans
    assert choose_procedure(understand("xa nao dat ty le ho so truc tuyen cao nhat", [], []), index) is None
