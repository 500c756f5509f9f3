"""List questions: what an agency leads or coordinates, as a compact counted list (also used by
the due strategy)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from assistant.qa.common import plan_label, task_citation
from assistant.qa.context import Context
from assistant.qa.evidence import GENERIC_TERMS, YEAR_RE, coverage, shorten, term_set
from assistant.qa.index import AnswerIndex
from assistant.qa.intents import Intent
from assistant.qa.policy import DEFAULT_POLICY, Policy
from assistant.qa.query import Query
from assistant.qa.strategies.selection import (ROLE_VERBS, area_heading, area_ids, asked_role, fit_list,
                                              see_all_hint, table_or_all)
from assistant.qa.strategies.general import answer_general
from assistant.registry import AgencyRole
from assistant.schemas import Answer
from ingest.agencies import agency_key, agency_matches
from ingest.vntext import tokens


def agency_tasks(ctx: Context, role: AgencyRole) -> list[int]:
    """Records of the index whose lead (or coordinators) the question's agency names."""
    reg = ctx.index
    q = ctx.query
    out = []
    for i in reg.task_ids(ctx.scope):
        t = reg.tasks[i]
        if role is AgencyRole.COORDINATOR:
            names = t.coordinator_list or ([t.coordinators] if t.coordinators else [])
        elif role is AgencyRole.MONITOR:
            names = [t.monitor] if t.monitor else []
        else:
            names = t.leads or ([t.lead] if t.lead else [])
        if any(agency_matches(q.agency, n) for n in names):
            out.append(i)
    return out


def answer_list_by_agency(ctx: Context) -> Answer:
    reg = ctx.index
    q = ctx.query
    role = asked_role(q)
    ids = in_table_if_asked(reg, q, agency_tasks(ctx, role))
    ids = focus(reg, q, ids, ctx.policy)
    ids = area_ids(reg, q, ids, ctx.policy.area_min_share, agency_is_who=True) or ids
    # "trách nhiệm" are what the text states for the agency; "nhiệm vụ" are first the table's rows
    duties_first = any(w in q.folded for w in ("trach nhiem", "phu trach"))
    ids.sort(key=lambda i: ((reg.tasks[i].origin == "prose") != duties_first, i))
    verb = ROLE_VERBS[role]
    duties = [i for i in ids if reg.tasks[i].origin == "prose"] if duties_first else []
    if duties and len(duties) < len(ids) and len({reg.tasks[i].document for i in ids}) == 1:
        # the responsibilities the text states, whole; the appendix rows counted after them
        return list_answer(ctx, duties, f"{q.agency} có", sort_by_due=False, noun="trách nhiệm",
                           more=len(ids) - len(duties))
    if not ids and not _names_an_agency_of(reg, ctx.scope, q.agency):
        # the words read as an agency another plan has ("tài chính công" for "Tài chính - Kế
        # toán"): in this plan they may name a reform area ("nhiệm vụ cải cách tài chính công")
        by_area = answer_list_by_area(ctx)
        if by_area is not None:
            return by_area
    if not ids:
        # No record names it as lead: the plan may still state its duties in prose.
        found = answer_general(ctx, extra_topic=q.agency)
        if not found.abstained:
            return found
        where = f" trong kế hoạch của xã {ctx.scope[0]}" if ctx.scope and len(ctx.scope) == 1 else ""
        return Answer(answer=f"Xin lỗi, không tìm thấy nhiệm vụ nào do {q.agency} {verb}{where}.",
                      abstained=True)
    return list_answer(ctx, ids, f"{q.agency} {verb}", sort_by_due=False)


def _names_an_agency_of(reg: AnswerIndex, scope: list[str] | None, agency: str) -> bool:
    """Whether any record of the plans in scope names `agency` (as lead, coordinator or monitor)."""
    for i in reg.task_ids(scope):
        t = reg.tasks[i]
        names = [*(t.leads or [t.lead]), *(t.coordinator_list or [t.coordinators]), t.monitor]
        if any(n and agency_matches(agency, n) for n in names):
            return True
    return False


def in_table_if_asked(reg: AnswerIndex, q: Query, ids: list[int]) -> list[int]:
    """Only the appendix table's rows when the question says "trong phụ lục"."""
    if "phu luc" not in q.folded:
        return ids
    return [i for i in ids if reg.tasks[i].origin == "table"] or ids


def answer_list_by_area(ctx: Context) -> Answer | None:
    """"Kế hoạch Di Linh có những nhiệm vụ cải cách thể chế nào?": the rows under the area heading
    the question names (None when it names none)."""
    reg, q = ctx.index, ctx.query
    ids = table_or_all(reg, reg.task_ids(ctx.scope))
    found = area_ids(reg, q, ids, ctx.policy.area_min_share)
    if not found:
        return None
    heading = area_heading(reg.tasks[found[0]].area)
    return list_answer(ctx, found, f"nhiệm vụ về {heading.lower()}", sort_by_due=False, count_first=True)


# "những việc gì liên quan đến …", "… về …": how a topic list is asked, not its topic.
_TOPIC_LEAD = ("lien quan den ", "lien quan toi ", "lien quan ", "ve ")
_TOPIC_MIN_WORDS = 2      # a topic of one word ("số hóa") is a section question, not a list of tasks
_TOPIC_MIN_TASKS = 2


def answer_list_by_topic(ctx: Context) -> Answer | None:
    """"Kế hoạch Di Linh có những việc gì liên quan đến ứng dụng AI?": the tasks whose own text
    says the topic, word for word (None when fewer than two do, or the topic is one word)."""
    reg, q = ctx.index, ctx.query
    topic = f"{q.topic} "
    for lead in _TOPIC_LEAD:
        if topic.startswith(lead):
            topic = topic[len(lead):]
            break
    topic = topic.strip()
    if len(topic.split()) < _TOPIC_MIN_WORDS:
        return None
    # the records' term sets first (cheap, no record read), then the phrase in the task's own text
    terms = term_set(topic)
    phrase = f" {topic} "
    ids = [i for i in reg.task_ids(ctx.scope) if terms <= reg.task_terms[i]
           and phrase in f" {' '.join(tokens(reg.tasks[i].task))} "]
    if len(ids) < _TOPIC_MIN_TASKS:
        return None
    said = _written(reg.tasks[ids[0]].task, topic.split())
    return list_answer(ctx, ids, f"nhiệm vụ nói đến “{said}”" if said else "nhiệm vụ nói đến nội dung này",
                       sort_by_due=False, count_first=True)


def _written(text: str, key: list[str]) -> str:
    """The words of `text` whose folded tokens are `key`, as the plan writes them ("" if none)."""
    words = text.split()
    for i in range(len(words)):
        for j in range(i + 1, min(len(words), i + len(key)) + 1):
            found = tokens(" ".join(words[i:j]))
            if found == key:
                return " ".join(words[i:j]).strip(",.;:()")
            if found != key[:len(found)]:
                break
    return ""


def list_answer(ctx: Context, ids: list[int], subject: str,
                 sort_by_due: bool, count_first: bool = False, noun: str = "nhiệm vụ", more: int = 0) -> Answer:
    """A counted list of the records `ids` (one plan: its count, first items, where to see all;
    several: counts per plan). `more`: records of the same question not listed (the appendix
    rows next to an agency's stated duties), counted in the tail."""
    reg, p = ctx.index, ctx.policy
    by_commune: dict[str, list[int]] = defaultdict(list)
    for i in ids:
        by_commune[reg.tasks[i].commune].append(i)
    if sort_by_due:
        key = lambda i: (reg.tasks[i].deadline_norm.end or date.max) if reg.tasks[i].deadline_norm else date.max
        for c in by_commune:
            by_commune[c].sort(key=lambda i: (key(i), i))
    if len(by_commune) > 1:
        # Several plans and none named: counts per commune, then ask to narrow.
        parts = [f"xã {c}: {len(v)}" for c, v in sorted(by_commune.items(), key=lambda kv: -len(kv[1]))]
        text = (f"Có {len(ids)} {subject if count_first else 'nhiệm vụ do ' + subject} trong "
                f"{len(by_commune)} kế hoạch ({'; '.join(parts)}). "
                "Vui lòng nêu tên xã để xem danh sách chi tiết.")
        first = [v[0] for v in by_commune.values()][:ctx.policy.max_communes]
        chunks = {c.id: c for c in ctx.store.get_chunks([reg.tasks[i].chunk_id for i in first])}
        return Answer(answer=shorten(text, ctx.policy.answer_budget),
                      citations=[task_citation(reg, reg.tasks[i], chunks) for i in first])
    commune, items = next(iter(by_commune.items()))
    doc = reg.tasks[items[0]].document
    plan = plan_label(reg, doc)
    if count_first:
        header = f"Theo {plan}, có {len(items)} {subject}:"
    else:
        header = f"Theo {plan}, {subject} {len(items)} {noun}:"

    def tail(rest: int, short: bool = False) -> str:
        # (the stated duties are written out whole: the pointer to the appendix rows stays short)
        if more and rest:
            return f"\n… và {rest} {noun} khác; phụ lục giao thêm {more} nhiệm vụ. " + see_all_hint(ctx, commune, short=True)
        if more:
            return f"\nPhụ lục giao thêm {more} nhiệm vụ. " + see_all_hint(ctx, commune, short=True)
        return f"\n… và {rest} {noun} khác. " + see_all_hint(ctx, commune, short) if rest else ""

    timed = sort_by_due or ctx.query.period is not None or Intent.DEADLINE in ctx.query.fields
    text = fit_list(header, [(reg.tasks[i].task, reg.tasks[i].due_text) for i in items], p.list_budget,
                    tail, p.list_shown, p.list_item_min, p.list_item_max, p.list_deadline_chars,
                    text_first=0 if timed else p.list_item_text_first,
                    short_tail=lambda rest: tail(rest, short=True))
    cited = items[:p.list_cited]
    chunks = {c.id: c for c in ctx.store.get_chunks([reg.tasks[i].chunk_id for i in cited])}
    return Answer(answer=text, citations=[task_citation(reg, reg.tasks[i], chunks) for i in cited],
                  commune=commune)


def on_subject(reg: AnswerIndex, q: Query, ids: list[int], policy: Policy = DEFAULT_POLICY) -> list[int] | None:
    """The records about the question's subject ("… về tài chính công"); None when the question
    names no subject (fewer than `policy.focus_min_terms` specific words)."""
    # the agency's own name is who, not what ("Phòng Văn hóa – Xã hội" typed with another dash)
    named = set(tokens(q.agency or "")) | set(tokens(agency_key(q.agency))) if q.agency else set()
    topic = [t for t in q.topic_terms if not set(t.split("_")) <= named]
    specific = [t for t in topic if "_" not in t and t not in GENERIC_TERMS and not YEAR_RE.fullmatch(t)]
    if len(specific) < policy.focus_min_terms:
        return None
    return [i for i in ids if coverage(topic, reg.task_terms[i] | reg.task_area_terms[i],
                                       reg.task_weights) >= policy.focus_min_coverage]


def focus(reg: AnswerIndex, q: Query, ids: list[int], policy: Policy = DEFAULT_POLICY) -> list[int]:
    """Narrow a list to the records about the question's subject, when it names one and some
    records match it; otherwise the whole list."""
    return on_subject(reg, q, ids, policy) or list(ids)
