"""Count questions ("Đại Phước có bao nhiêu nhiệm vụ?", "Phòng Kinh tế Di Linh chủ trì mấy nhiệm
vụ?", "… bao nhiêu nhiệm vụ cải cách thủ tục hành chính?"): counted from the registry.

What is counted: the plan's task table (its appendix) when it has one, else the duties stated in
its text; narrowed to an agency (as lead, or as coordinator when asked), to the period the one
due rule finds, and to the reform area the question names (matched on the table's area
headings). The answer gives the count, the first items, and where the full list is (the task
tab, `cchc tasks`).
"""

from __future__ import annotations

from collections import defaultdict

from assistant.qa.common import plan_label, task_citation
from assistant.qa.context import Context
from assistant.qa.index import AnswerIndex
from assistant.qa.strategies.selection import (ROLE_VERBS, area_heading, area_ids, asked_role, fit_list,
                                              see_all_hint, table_or_all)
from assistant.schemas import Answer
from ingest.periods import period_phrase

def counted_ids(ctx: Context) -> tuple[list[int], str]:
    """The records a count (or a plain list) is about, and a short description of them."""
    from assistant.qa.strategies.due import due_selection, names_the_plan, plan_period
    from assistant.qa.strategies.listing import agency_tasks, in_table_if_asked

    reg, q, p = ctx.index, ctx.query, ctx.policy
    if q.agency:
        role = asked_role(q)
        ids = in_table_if_asked(reg, q, agency_tasks(ctx, role))
        what = f"do {q.agency} {ROLE_VERBS[role]}"
    else:
        ids = table_or_all(reg, reg.task_ids(ctx.scope))
        what = ""
    if q.period is not None and not names_the_plan(ctx, q.period):
        period = plan_period(ctx, q.period)
        due = {reg.index_of(t) for t in due_selection(ctx, period).tasks}
        ids = [i for i in ids if i in due]
        what += f" có thời hạn hoàn thành {period_phrase(period)}" if period else ""
    in_area = area_ids(reg, q, ids, p.area_min_share, agency_is_who=bool(q.agency))
    if in_area:
        ids = in_area
        what = f"về {area_heading(reg.tasks[ids[0]].area).lower()} {what}"
    return ids, " ".join(what.split())


def _origin(reg: AnswerIndex, items: list[int]) -> str:
    """Where the counted tasks stand: the appendix table, the text, or both, each with its count
    (a reader counting the table's rows finds their number)."""
    in_table = sum(reg.tasks[i].origin == "table" for i in items)
    if in_table == len(items):
        return "trong phụ lục"
    if not in_table:
        return "được giao"
    headings = {area_heading(reg.tasks[i].area) for i in items if reg.tasks[i].origin != "table"}
    where = f"ở mục “{headings.pop()}”" if len(headings) == 1 else "trong lời văn của kế hoạch"
    return f"được giao ({in_table} trong phụ lục, {len(items) - in_table} {where})"


def _per_plan(ctx: Context, ids: list[int], commune_of, noun: str, verb: str,
              cite) -> tuple[dict[str, list[int]], Answer | None]:
    """The counted records by commune, and the whole answer when it is not one plan's list: none
    counted (an abstention), or several plans (one line with each commune's count, the first
    record of each cited by `cite(first ids)`)."""
    by_commune: dict[str, list[int]] = defaultdict(list)
    for i in ids:
        by_commune[commune_of(i)].append(i)
    if not ids:
        where = f" của xã {ctx.scope[0]}" if ctx.scope and len(ctx.scope) == 1 else ""
        return by_commune, Answer(answer=f"Các kế hoạch{where} không {verb} {noun}.", abstained=True)
    if len(by_commune) > 1:
        parts = [f"xã {c}: {len(v)}" for c, v in sorted(by_commune.items(), key=lambda kv: -len(kv[1]))]
        first = [v[0] for v in by_commune.values()][:ctx.policy.max_communes]
        return by_commune, Answer(answer=f"Có {len(ids)} {noun} trong {len(by_commune)} kế hoạch ({'; '.join(parts)}).",
                                  citations=cite(first))
    return by_commune, None


def answer_count(ctx: Context) -> Answer:
    reg, p = ctx.index, ctx.policy
    ids, what = counted_ids(ctx)
    noun = f"nhiệm vụ {what}".strip()

    def cite(first: list[int]) -> list:
        chunks = {c.id: c for c in ctx.store.get_chunks([reg.tasks[i].chunk_id for i in first])}
        return [task_citation(reg, reg.tasks[i], chunks) for i in first]

    by_commune, summary = _per_plan(ctx, ids, lambda i: reg.tasks[i].commune, noun, "có", cite)
    if summary is not None:
        return summary
    commune, items = next(iter(by_commune.items()))
    plan = plan_label(reg, reg.tasks[items[0]].document)
    header = f"Theo {plan}, có {len(items)} {noun} {_origin(reg, items)}"
    shown = min(len(items), p.count_shown)
    header += ", gồm:" if shown == len(items) else ", trong đó:"
    text = fit_list(header, [(reg.tasks[i].task, "") for i in items], p.answer_budget,
                    lambda rest: f"\n… và {rest} nhiệm vụ khác. " + see_all_hint(ctx, commune) if rest else "",
                    shown, p.list_item_min, p.list_item_max, 0,
                    short_tail=lambda rest: f"\n… và {rest} nhiệm vụ khác. " + see_all_hint(ctx, commune, short=True))
    cited = items[:p.list_cited]
    chunks = {c.id: c for c in ctx.store.get_chunks([reg.tasks[i].chunk_id for i in cited])}
    return Answer(answer=text, citations=[task_citation(reg, reg.tasks[i], chunks) for i in cited], commune=commune)


def answer_count_targets(ctx: Context) -> Answer:
    """How many targets with a figure a plan sets ("Đại Phước có bao nhiêu chỉ tiêu?"): the target
    records of the plans in scope, counted per plan, the first ones written out with their figure."""
    from assistant.qa.strategies.target import target_citation

    reg, p = ctx.index, ctx.policy
    seen: set[tuple[str, str, str, int | None]] = set()
    ids = []
    for i in reg.target_ids(ctx.scope):
        g = reg.targets[i]
        key = (g.document, g.subject, g.text, g.source.line_start if g.source else None)
        if key not in seen:
            seen.add(key)
            ids.append(i)
    noun = "chỉ tiêu có con số (tỷ lệ, số lượng)"
    by_commune, summary = _per_plan(ctx, ids, lambda i: reg.targets[i].commune, noun, "đặt",
                                    lambda first: [target_citation(ctx, reg.targets[i]) for i in first])
    if summary is not None:
        return summary
    commune, items = next(iter(by_commune.items()))
    plan = plan_label(reg, reg.targets[items[0]].document)
    shown = min(len(items), p.count_shown)
    header = f"Theo {plan}, có {len(items)} {noun}" + (", gồm:" if shown == len(items) else ", trong đó:")
    text = fit_list(header, [(f"{reg.targets[i].subject}: {reg.targets[i].text}", "") for i in items],
                    p.answer_budget,
                    lambda rest: f"\n… và {rest} chỉ tiêu khác; hỏi từng chỉ tiêu theo nội dung của nó "
                                 "(ví dụ “tỷ lệ hồ sơ trực tuyến”) để xem câu trong kế hoạch." if rest else "",
                    shown, p.list_item_min, p.list_item_max, 0)
    cited = items[:p.list_cited]
    return Answer(answer=text, citations=[target_citation(ctx, reg.targets[i]) for i in cited], commune=commune)
