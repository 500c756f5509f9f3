"""Comparisons and superlatives across communes ("So sánh chỉ tiêu đúng hạn Di Linh và Năm Dẫn",
"Xã nào đặt chỉ tiêu hài lòng cao nhất?"): the question's own strategy answered once per commune,
one line per commune with its figure and its own citation, and the winner named when asked.

Each line comes from the same strategy a one-commune question would use (target, field, fact,
count, general), with the per-commune length budget of the policy, so the rules stay in one
place; the figure is read from the line's own answer (a percentage, else a count).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from assistant.qa.context import Context
from assistant.qa.intents import Intent
from assistant.qa.understand import DUE_COMPARISONS
from assistant.schemas import Answer
from ingest.deadlines import find_deadline_phrase, parse_deadline

_PERCENT = re.compile(r"(\d+(?:[.,]\d+)?)\s*%")
_COUNT = re.compile(r"\bcó (\d+) nhiệm vụ")
_PLAN_PREFIX = re.compile(r"^Theo Kế hoạch[^,:]*?của xã [^,:(]+(?: \(mục \"[^\"]*\"\))?[,:]\s*")

_LABEL = {"max": "Cao nhất", "min": "Thấp nhất"}
_LABEL_OF_TWO = {"max": "Cao hơn", "min": "Thấp hơn"}


def figure_of(text: str) -> tuple[float, str] | None:
    """The figure an answer line states and its unit: a percentage, else a task count."""
    m = _PERCENT.search(text)
    if m:
        return float(m.group(1).replace(",", ".")), "%"
    m = _COUNT.search(text)
    return (float(m.group(1)), " nhiệm vụ") if m else None


def due_of(text: str) -> tuple[float, str] | None:
    """The due date an answer line states (its last day, as an ordinal) and the phrase as written."""
    phrase = find_deadline_phrase(text)
    due = parse_deadline(phrase).end if phrase else None
    return (float(due.toordinal()), phrase) if due else None


# "đặt ra mức nào", "bao nhiêu", "tỷ lệ": a figure is what is compared
_FIGURE_ASKED = re.compile(r"\b(?:bao nhieu|muc nao|muc bao nhieu|ty le|ti le|phan tram|chi tieu)\b")


def answer_compare(ctx: Context, communes: list[str], strategy: Callable[[Context], Answer],
                   figure_strategy: Callable[[Context], Answer] | None = None) -> Answer:
    """`figure_strategy` (the target strategy): a commune's line when the question asks a figure
    and `strategy`'s line states none ("giải ngân … đặt ra mức nào": a task, then its target)."""
    q, p = ctx.query, ctx.policy
    lines: list[str] = []
    citations = []
    figures: dict[str, tuple[float, str]] = {}
    policy = replace(p, answer_budget=p.compare_piece, max_communes=1)
    # Once one commune's plan answers a side-by-side question, the others' nearest counterpart
    # may be worded further from it ("ký số 100% trên các hệ thống" beside "95% văn bản được ký số").
    relieved = replace(policy, min_coverage=p.compare_min_coverage)

    def answer_for(commune: str, with_policy, use=strategy, **changes) -> Answer:
        # communes are compared on rates ("Tỷ lệ thanh toán trực tuyến … 90%"), not on the
        # coverage targets nearly every plan sets ("100% TTHC … thanh toán trực tuyến")
        sub_q = replace(q, communes=[commune], commune=commune, compare="", unknown_commune=None,
                        measure=q.measure or "rate", **changes)
        return use(Context(query=sub_q, scope=[commune], index=ctx.index, store=ctx.store,
                           retriever=ctx.retriever, registry=ctx.registry, policy=with_policy, trace={}))

    answers = {commune: answer_for(commune, policy) for commune in communes}
    # "bên nào đạt mức cao hơn": a winner named is a figure asked
    if figure_strategy is not None and q.intent != Intent.TARGET and q.compare not in DUE_COMPARISONS \
            and (_FIGURE_ASKED.search(q.folded) or q.compare in _LABEL):
        for commune, sub in answers.items():
            if (sub.abstained and q.compare in _LABEL) or (not sub.abstained and figure_of(sub.answer) is None):
                target = answer_for(commune, policy, figure_strategy, intent=Intent.TARGET)
                if not target.abstained and target.citations and figure_of(target.answer) is not None:
                    answers[commune] = target
    # Side by side only: a winner named ("cao nhất", "sớm hơn") must not rest on a weaker match.
    if q.compare == "compare" and any(not a.abstained and a.citations for a in answers.values()):
        answers = {c: a if (not a.abstained and a.citations) else answer_for(c, relieved)
                   for c, a in answers.items()}
    for commune in communes:
        sub = answers[commune]
        if sub.abstained or not sub.citations:
            if sub.source_lacks:
                # a detail the plan itself does not record, said of it ("Kế hoạch … không ghi ngày ban hành")
                lines.append(f"- Xã {commune}: {sub.answer.strip()}")
            elif len(communes) <= 2:
                lines.append(f"- Xã {commune}: kế hoạch không nêu nội dung này.")
            continue
        text = _PLAN_PREFIX.sub("", sub.answer.strip()).replace("\n", " ")
        lines.append(f"- Xã {commune}: {text}")
        citations.append(sub.citations[0])
        value = due_of(text) if q.compare in DUE_COMPARISONS else figure_of(text)
        if value is not None:
            figures[commune] = value
    if not citations:
        return Answer(answer="Xin lỗi, các kế hoạch hiện có không đề cập đến nội dung này để so sánh.",
                      abstained=True)
    head = "So sánh theo kế hoạch của từng xã:"
    if q.compare in DUE_COMPARISONS and len(figures) >= 2:
        first = (min if q.compare == "earliest" else max)(v for v, _ in figures.values())
        winners = [c for c, (v, _) in figures.items() if v == first]
        label = {"earliest": ("Sớm hơn", "Sớm nhất"), "latest": ("Muộn hơn", "Muộn nhất")}[q.compare][len(communes) != 2]
        head = f"{label}: xã {', xã '.join(winners)} ({figures[winners[0]][1]}). {head}"
    if q.compare in _LABEL and len(figures) >= 2:
        pick = max if q.compare == "max" else min
        best = pick(v for v, _ in figures.values())
        winners = [c for c, (v, _) in figures.items() if v == best]
        unit = figures[winners[0]][1]
        shown = f"{best:g}".replace(".", ",")
        if len(winners) == len(figures):
            head = f"Ngang nhau: các xã đều đặt {shown}{unit}. {head}"
        else:
            label = (_LABEL_OF_TWO if len(figures) == 2 else _LABEL)[q.compare]
            head = f"{label}: xã {', xã '.join(winners)} ({shown}{unit}). {head}"
    return Answer(answer=head + "\n" + "\n".join(lines), citations=citations)
