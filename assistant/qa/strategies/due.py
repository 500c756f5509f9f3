"""Due questions ("Trong quý II/2025 xã Lộc Hòa phải hoàn thành những nhiệm vụ nào?"): the records
the one due rule (ingest.periods) finds due, counted and listed; ongoing duties counted apart."""

from __future__ import annotations

from assistant.qa.common import retrieve
from assistant.qa.context import Context
from assistant.qa.strategies.general import answer_general
from assistant.qa.strategies.listing import focus, list_answer, on_subject
from assistant.registry import TaskFilter, TaskSelection
from assistant.schemas import Answer
from ingest.models import TaskRecord
from ingest.periods import Period, period_needles, period_phrase, year_span
from ingest.vntext import commune_key, tokens


def answer_due(ctx: Context) -> Answer:
    reg = ctx.index
    q = ctx.query
    period = plan_period(ctx, q.period)
    selection = due_selection(ctx, period)
    due_ids = {reg.index_of(t) for t in selection.tasks}
    asked = f" {q.folded} "
    # Also the records whose deadline wording the question repeats ("trước ngày 31/01 năm liền kề").
    ids = [i for i in reg.task_ids(ctx.scope) if i in due_ids or deadline_quoted(reg.tasks[i], asked)]
    ongoing = selection.ongoing
    label = period_phrase(period) or (period.text if period else "")
    needles = period_needles(period)
    if ids and needles and on_subject(reg, q, ids, ctx.policy) == []:
        # The question names a subject ("phải báo cáo việc gì …") no due record is about: a
        # sentence of the plan naming both the subject and the date answers it better.
        found = _dated_sentence(ctx, needles)
        if found is not None:
            return found
    ids = focus(reg, q, ids, ctx.policy)
    if ids:
        # the list is the agency's when one is named (the registry filter is on the lead): say so
        led = f" do {q.agency} chủ trì" if q.agency else ""
        subject = f"nhiệm vụ{led} bắt đầu thực hiện {label}" if period and period.mode == "from" else \
            f"nhiệm vụ{led} có thời hạn hoàn thành {label}"
        found = list_answer(ctx, ids, subject.rstrip(), sort_by_due=True, count_first=True)
        if ongoing:
            found.answer += f"\nThường xuyên (không tính là đến hạn): {len(ongoing)} nhiệm vụ."
        return found
    # No registry record falls due then: a sentence of the plan that names the date itself.
    found = _dated_sentence(ctx, needles) if needles else None
    if found is not None:
        return found
    where = f" của xã {ctx.scope[0]}" if ctx.scope and len(ctx.scope) == 1 else ""
    text = f"Các kế hoạch{where} không có nhiệm vụ nào có thời hạn hoàn thành {label}."
    if ongoing:
        text += f" Thường xuyên (không tính là đến hạn): {len(ongoing)} nhiệm vụ."
    return Answer(answer=text, abstained=True)


def _dated_sentence(ctx: Context, needles: list[str]) -> Answer | None:
    """A supported sentence of the plans that names the period itself, or None."""
    retrieve(ctx, k=ctx.policy.sentence_k, lexical_extra=" ".join(needles))
    found = answer_general(ctx, needles=needles)
    return None if found.abstained else found


def due_selection(ctx: Context, period: Period | None) -> TaskSelection:
    """What the registry engine finds due (and ongoing) in the period, over the context's scope:
    the same query `cchc tasks --due`, `/api/tasks?due=` and the page run."""
    if period is None:
        return TaskSelection()
    out = TaskSelection()
    for commune in ctx.scope or [None]:
        found = ctx.registry.select(TaskFilter(commune=commune, agency=ctx.query.agency, due=period))
        out.tasks += found.tasks
        out.ongoing += found.ongoing
    return out


def plan_period(ctx: Context, period: Period | None) -> Period | None:
    """A period typed without a year ("quý II") means that quarter of the plan's own year
    when the one plan in scope does not cover the current year."""
    if period is None or period.explicit_year or period.relative:
        return period
    spans = [sp for sp in _plan_spans(ctx) if sp]
    if not spans or any(a <= period.start.year <= b for a, b in spans):
        return period
    return period.shifted_to_year(spans[0][0])


def _plan_spans(ctx: Context) -> list[tuple[int, int] | None]:
    """(first, last) year of each plan of the one commune in scope (None: a plan without a
    year; [] for no commune or several)."""
    if not ctx.scope or len(ctx.scope) != 1:
        return []
    keys = {commune_key(ctx.scope[0])}
    return [year_span(d.year) for d in ctx.index.documents.values() if commune_key(d.commune) in keys]


def names_the_plan(ctx: Context, period: Period) -> bool:
    """"(kế hoạch, phụ lục) năm 2025" of a one-year 2025 plan: the year names the plan, not a
    window to count its tasks in (every task of it falls in that year, or is ongoing)."""
    return period.whole_year and set(_plan_spans(ctx)) == {(period.start.year, period.start.year)}


def deadline_quoted(t: TaskRecord, asked: str) -> bool:
    """The question repeats the record's deadline wording ("trước ngày 31/01 năm liền kề")."""
    key = " ".join(tokens(t.deadline or ""))
    return len(key) >= 12 and f" {key} " in asked
