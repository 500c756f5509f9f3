"""Citizens' procedure questions: which kind of source a question is for (decided here, once),
and the answer from the procedure catalogue.

`choose_procedure(query, index)` is the one place that tells plans from procedures:
- a question naming a commune of the store, or with a plan's words (kế hoạch, chỉ tiêu, tỷ lệ,
  chủ trì, nhiệm vụ …) that no confidently named procedure holds in its own name ("thẩm định
  nhiệm vụ quy hoạch" does), is about the plans, even when it names procedures ("chỉ tiêu hồ sơ trực
  tuyến của Di Linh", "ở Lộc Hòa đăng ký khai sinh được liên thông những thủ tục gì");
- otherwise, a procedure of the catalogue that the question confidently names
  (`procedure_matching.is_confident`, thresholds in `Policy.procedure_*`) makes it a procedure
  question; when the wording is not confident, the lexical ranking fused with dense similarity
  over the records' facet chunks (`procedure_matching.fuse_dense`; the search is `dense`, asked
  only then) may still find it: a question in words the lexicon lacks;
- otherwise a question asking a procedure's facet (giấy tờ, mất mấy ngày, lệ phí, nộp online …)
  about something the catalogue does not hold gets the abstention that names the catalogue,
  unless the plans' understanding found a task question (who leads, a target, a list);
- anything else goes to the plans.
`answer_procedure_question(ctx)` is the strategy for `Intent.PROCEDURE`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from assistant.procedure_answers import abstain_not_in_catalogue, answer_procedure, similar_procedures
from assistant.procedure_facets import detect_facets
from assistant.procedure_matching import (
    ProcedureIndex,
    ProcedureMatch,
    fuse_agreement,
    fuse_dense,
    fuse_names,
    fuse_text,
    is_confident,
    rank_procedures,
    runner_up,
)
from assistant.qa.context import Context
from assistant.qa.intents import Intent
from assistant.qa.policy import DEFAULT_POLICY, Policy
from assistant.qa.query import Query
from assistant.schemas import Answer
from ingest.procedure_models import Procedure
from ingest.vntext import tokens

# Folded words that only a question about the plans uses.
_PLAN_CUES = ("ke hoach", "chi tieu", "ty le", "muc tieu", "chu tri", "phoi hop", "nhiem vu",
              "cai cach hanh chinh", "cchc", "dat ra", "de ra", "giao cho",
              "don vi nao thuc hien", "kpi", "bao nhieu phan tram", "quyet dinh so", "ban hanh")
# "xã nào" compares communes ("xã nào đạt tỷ lệ cao nhất"), unless an office or a filing says
# where to go ("nộp ở công an xã nào").
_WHICH_COMMUNE = r"(?<!cong an )(?<!ubnd )(?<!uy ban )(?<!nop o )(?<!nop tai )(?:xa|phuong) nao"
_PLAN_RE = re.compile(r"(?<![0-9a-z])(?:" + "|".join([re.escape(c) for c in _PLAN_CUES] + [_WHICH_COMMUNE])
                      + r")(?![0-9a-z])")
# "làm hộ chiếu ở xã được không": whether the commune handles something is a catalogue question
# even when no facet is asked (only for routing; the answer reads the facets itself).
_AT_THE_COMMUNE = re.compile(r"(?<![0-9a-z])(?:o|tai) (?:xa|ubnd xa|uy ban nhan dan xa) (?:co )?(?:lam )?duoc (?:khong|ko)(?![0-9a-z])")
# Plan intents that a procedure facet cue may ride along with ("ai chủ trì … ở đâu"). Not the
# target intent: without a plan's words ("chỉ tiêu", "tỷ lệ") it is only "bao nhiêu", as in
# "lệ phí … bao nhiêu".
_PLAN_TASK_INTENTS = (Intent.LEAD, Intent.COORDINATORS, Intent.PRODUCT, Intent.LIST_BY_AGENCY,
                      Intent.DUE_BY_DATE)


@dataclass
class ProcedureRoute:
    """A question for the catalogue: the ranked matches (best first) and whether the best is
    confidently the procedure meant (else: not in the catalogue)."""

    ranked: list[ProcedureMatch] = field(default_factory=list)
    confident: bool = False


def _says(name: str, folded_phrase: str) -> bool:
    return f" {folded_phrase} " in f" {' '.join(tokens(name))} "


def choose_procedure(query: Query, index: ProcedureIndex | None, policy: Policy = DEFAULT_POLICY,
                     dense: Callable[[], Sequence[tuple[str, float]]] | None = None,
                     names: Callable[[], Sequence[tuple[Procedure, float]]] | None = None,
                     text: Callable[[], Sequence[tuple[str, float]]] | None = None) -> ProcedureRoute | None:
    """A `ProcedureRoute` when the question is for the procedure catalogue, None for the plans.
    `dense()`: the records nearest the question by embedding, [(document, cosine)] best first;
    `names()`: the procedures whose embedded names are nearest the question, [(procedure, cosine)];
    `text()`: the records whose facet chunks match the question's words best, [(document, BM25)]."""
    if index is None or not index.procedures or query.communes:
        return None
    # A plan word ("nhiệm vụ") no procedure's name holds makes it a plan question; one that a
    # name holds ("thẩm định nhiệm vụ quy hoạch") leaves it to a confidently named procedure.
    plan_cues = _PLAN_RE.findall(query.folded)
    if not all(index.some_name_says(cue) for cue in plan_cues):
        return None
    ranked = rank_procedures(query.question, index, k=8)
    if ranked and is_confident(ranked[0], policy, runner_up=runner_up(ranked)):
        if not all(_says(ranked[0].procedure.name, cue) for cue in plan_cues):
            return None
        return ProcedureRoute(ranked, confident=True)
    if plan_cues:
        return None
    nearest = list(dense()) if ranked and dense is not None else []
    fused = fuse_dense(ranked, nearest, policy) if nearest else None
    if fused:
        return ProcedureRoute(fused, confident=True)
    nearest_names = list(names()) if nearest and names is not None else []
    by_name = fuse_names(ranked, nearest_names, nearest, policy) if nearest_names else None
    if by_name:
        return ProcedureRoute(by_name, confident=True)
    best_texts = list(text()) if nearest and text is not None else []
    by_text = fuse_text(ranked, best_texts, nearest, policy) if best_texts else None
    if by_text:
        return ProcedureRoute(by_text, confident=True)
    agreed = fuse_agreement(ranked, nearest_names, best_texts, policy)
    if agreed:
        return ProcedureRoute(agreed, confident=True)
    if query.intent in _PLAN_TASK_INTENTS:
        return None
    if detect_facets(query.question) or _AT_THE_COMMUNE.search(" ".join(tokens(query.question))):
        return ProcedureRoute(ranked, confident=False)
    return None


def answer_procedure_question(ctx: Context) -> Answer:
    """The facet asked of the procedure meant (name, code, portal link, citation of the record's
    field), or the abstention that says the catalogue does not hold it."""
    route: ProcedureRoute | None = ctx.trace.get("procedure_route")
    if route is None or not route.confident or not route.ranked:
        ctx.trace["path"] = "procedure:not_in_catalogue"
        return abstain_not_in_catalogue()
    best = route.ranked[0]
    ctx.trace["path"] = "procedure"
    ctx.trace["procedure"] = best.procedure.code
    return answer_procedure(best.procedure, ctx.query.question, others=similar_procedures(best, route.ranked),
                            today=ctx.query.today)
