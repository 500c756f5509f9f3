"""Field questions (lead / coordinators / deadline / product): the best registry record in one
Vietnamese sentence quoting the plan, or the best prose sentence when it matches clearly better."""

from __future__ import annotations

from assistant.qa.common import (per_commune, plan_label, rank_tasks, retrieve, score_sentences, supported,
                                 task_citation)
from assistant.qa.context import Context, ScoredTask
from assistant.qa.evidence import TIME_EXPRESSION, coverage, focused, shorten
from assistant.qa.index import AnswerIndex
from assistant.qa.intents import Intent
from assistant.qa.policy import DEFAULT_POLICY, Policy
from assistant.qa.query import Query
from assistant.qa.strategies.general import answer_general
from assistant.schemas import Answer
from ingest.models import TaskRecord


def answer_field(ctx: Context) -> Answer:
    reg, p = ctx.index, ctx.policy
    retrieve(ctx, k=p.field_k)
    ranked = rank_tasks(ctx)
    best = ranked[0] if ranked else None
    scored, weights = score_sentences(ctx, ctx.ranked[:p.sentence_k])
    prose = next((x for x in scored if x.chunk.kind == "prose"), None)
    if best is not None:
        ctx.trace.update(path="record", coverage=best.coverage, parts=best.parts,
                               prose=prose.coverage if prose else None)
    if best is not None and supported(ctx, best.coverage, best.parts,
                                            f"{best.task.task} {best.task.product} {best.task.area}"):
        # A prose sentence that matches the question clearly better than the best registry
        # record (both measured with the same weights) is the better evidence; so is, for a
        # deadline question, a sentence stating a time when the record states none.
        record_cov = coverage(ctx.query.topic_terms, reg.task_terms[best.index], weights) if weights else 0.0
        margin = p.prose_over_record_margin
        if ctx.query.intent == Intent.DEADLINE and not best.task.deadline and prose is not None \
                and TIME_EXPRESSION.search(prose.sentence):
            margin = 0.0
        if prose is None or prose.coverage < max(record_cov, best.coverage) + margin:
            return answer_records(ctx, ranked)
    return answer_general(ctx, scored=scored)


def answer_records(ctx: Context, ranked: list[ScoredTask]) -> Answer:
    reg = ctx.index
    picks = per_commune(ranked, ctx, key=lambda s: s.task.commune)
    chunks = {c.id: c for c in ctx.store.get_chunks([p.task.chunk_id for p in picks if p.task.chunk_id])}
    budget = ctx.policy.answer_budget // len(picks)
    sentences = [field_sentence(reg, ctx.query, p.task, budget, ctx.policy) for p in picks]
    citations = [task_citation(reg, p.task, chunks) for p in picks]
    commune = picks[0].task.commune if len(picks) == 1 else None
    ctx.trace["deadlines"] = [p.task.deadline for p in picks]
    # the task found, but every field asked blank in it: the plan does not hold the answer
    blank = all(asked_fields_blank(ctx.query, p.task) for p in picks)
    return Answer(answer=" ".join(sentences), citations=citations, commune=commune, abstained=blank,
                  source_lacks=blank)


# What each field question asks of a record, read from the record (`TaskRecord`).
_FIELD_VALUES = {"lead": lambda t: t.lead or ", ".join(t.leads), "coordinators": lambda t: t.coordinators,
                 "product": lambda t: t.product, "deadline": lambda t: t.deadline}


def asked_fields_blank(q: Query, t: TaskRecord) -> bool:
    """Does the table row leave every field the question asks blank ("ai chủ trì" of a row without
    a lead)? (A duty stated in prose may say its lead or its date in its own sentence.)"""
    asked = [f for f in (q.fields or [q.intent]) if f in _FIELD_VALUES]
    return t.origin == "table" and bool(asked) and not any(_FIELD_VALUES[f](t) for f in asked)


def field_sentence(reg: AnswerIndex, q: Query, t: TaskRecord, budget: int, policy: Policy = DEFAULT_POLICY) -> str:
    plan = plan_label(reg, t.document)
    fields = q.fields or [q.intent]
    lead = t.lead or ", ".join(t.leads)

    def head_with(task_text: str) -> str:
        if t.origin == "prose" and lead:
            return f'Theo {plan}, {lead} có nhiệm vụ: "{task_text}"'
        return f'Theo {plan}, nhiệm vụ "{task_text}"' + \
            (f" do {lead} chủ trì" if lead else " (kế hoạch không nêu đơn vị chủ trì)")

    parts: list[str] = []
    if q.monitor and t.monitor:
        parts.append(f"theo dõi, kiểm tra, đôn đốc: {t.monitor}")
    want_coord = "coordinators" in fields or "lead" in fields
    want_deadline = "deadline" in fields or "lead" in fields
    if "coordinators" in fields:
        parts.append(f"phối hợp: {t.coordinators}" if t.coordinators else "kế hoạch không nêu đơn vị phối hợp")
    elif want_coord and t.coordinators:
        parts.append(f"phối hợp: {t.coordinators}")
    if "product" in fields:
        parts.append(f"sản phẩm: {t.product}" if t.product else "kế hoạch không nêu sản phẩm cụ thể")
    if "deadline" in fields:
        parts.append(f"thời gian hoàn thành: {t.deadline}" if t.deadline
                     else "kế hoạch không nêu thời hạn cụ thể")
        if "product" not in fields and t.product and TIME_EXPRESSION.search(t.product):
            parts.append(f"sản phẩm: {t.product}")
    elif want_deadline and t.deadline:
        parts.append(f"thời gian hoàn thành: {t.deadline}")
    tail = ("; " + "; ".join(parts) if parts else "") + "."
    # the task text gets what the fields leave of the budget (a long duty keeps its dates and
    # addressees), within the policy's bounds
    room = budget - len(head_with("")) - len(tail)
    limit = max(policy.field_task_min, min(policy.field_task_max, room))
    head = head_with(focused(t.task, q.topic_terms, limit, want_time="deadline" in fields))
    sentence = head + tail
    if len(sentence) > budget:
        sentence = shorten(sentence, budget - 1).rstrip("…") + "…"
    return sentence
