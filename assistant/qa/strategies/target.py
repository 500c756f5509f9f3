"""Target questions: the number and its subject from the target records, or a sentence stating a number."""

from __future__ import annotations

import re

from assistant.qa.common import citation, per_commune, plan_label, retrieve, supported
from assistant.qa.context import Context, ScoredTask
from assistant.qa.evidence import TermWeights, clause_with, coverage, coverage_parts, quote, shorten, shorten_around
from assistant.qa.strategies.general import answer_general
from assistant.qa.strategies.selection import measure_fit
from assistant.schemas import Answer, Citation
from ingest.models import Target
from ingest.targets import bound_asked


# "chỉ tiêu … có được đặt thấp hơn kế hoạch xã không?": whether, not how much; the sentence
# that answers it need state no number
_YES_OR_NO = re.compile(r"\b(?:co|duoc)\b(?!.*\b(?:bao nhieu|may|muc nao|the nao)\b).*\b(?:khong|ko|k|hong)$")


def answer_target(ctx: Context) -> Answer:
    reg, policy = ctx.index, ctx.policy
    q = ctx.query
    retrieve(ctx, k=policy.field_k)
    ids = reg.target_ids(ctx.scope)
    if len(ids) > policy.large_store:       # a large store: only the plans retrieval surfaced
        docs = list(dict.fromkeys(r.chunk.document for r in ctx.ranked))
        ids = [i for d in docs for i in reg.targets_by_document.get(d, [])]
    topic = q.topic_terms
    bound = bound_asked(q.folded)
    scored = []
    if topic and ids:
        weights = TermWeights(reg.target_terms[i] for i in ids) if len(ids) <= policy.large_store else reg.target_weights
        for i in ids:
            g = reg.targets[i]
            # What is quoted (the subject and its clause) must carry the topic; the rest of
            # the sentence only breaks ties.
            clause_terms = reg.target_clause_terms[i]
            cov_clause = coverage(topic, clause_terms, weights)
            cov_all = coverage(topic, reg.target_terms[i], weights)
            cov = max(cov_clause, policy.target_sentence_factor * cov_all)
            if cov > 0:
                fit = policy.target_measure_weight * measure_fit(q.measure, g.subject, topic, weights)
                if bound and g.comparator.endswith(bound):    # "tối thiểu bao nhiêu": a floor set
                    fit += policy.target_bound_weight
                scored.append(ScoredTask(i, g, cov, cov + policy.target_tie_weight * cov_all + fit,
                                         coverage_parts(topic, clause_terms, weights)))
        scored.sort(key=lambda s: (-s.score, s.index))
    if scored:
        ctx.trace.update(path="target", coverage=scored[0].coverage, parts=scored[0].parts)
    top = scored[0].task if scored else None
    if scored and supported(ctx, scored[0].coverage, scored[0].parts,
                                  f"{top.subject} {clause_with(top.sentence or top.text, top.text)}"):
        picks = per_commune(scored, ctx, key=lambda s: s.task.commune)
        budget = ctx.policy.answer_budget // len(picks)
        sentences, citations = [], []
        for p in picks:
            g: Target = p.task
            clause = clause_with(g.sentence or g.text, g.text)
            plan = plan_label(reg, g.document)
            limit = max(policy.per_commune_piece_min, budget - policy.per_commune_piece_min)
            sentences.append(f'Theo {plan}, chỉ tiêu: "{keep_figure(clause, g, limit)}".')
            citations.append(target_citation(ctx, g))
        commune = picks[0].task.commune if len(picks) == 1 else None
        return Answer(answer=" ".join(sentences), citations=citations, commune=commune)
    # No target record: a sentence that states a number about the topic (any sentence, for
    # a yes-or-no question).
    return answer_general(ctx, need_number=not _YES_OR_NO.search(q.folded.strip(" ?")))


def keep_figure(clause: str, g: Target, limit: int) -> str:
    """`clause` shortened to `limit` characters, never cutting the target's figure."""
    short = shorten(clause, limit)
    value = f"{g.value:g}".replace(".", ",") if isinstance(g.value, (int, float)) else f"{g.value or ''}"
    figure = next((f for f in (g.text, f"{value}{g.unit or ''}", value) if f and f in clause), "")
    if not figure or figure in short:
        return short
    return shorten_around(clause, clause.find(figure) + len(figure) // 2, limit)


def target_citation(ctx: Context, g: Target) -> Citation:
    reg = ctx.index
    src = g.source
    # Prefer the retrieved chunk whose lines hold the target (exact section + lines).
    for r in ctx.ranked:
        c = r.chunk
        if c.document == g.document and src and c.line_start <= src.line_start <= c.line_end:
            return citation(reg, c, text=g.sentence or c.text)
    doc = reg.documents.get(g.document)
    return Citation(document=g.document, title=doc.title if doc else "", commune=g.commune,
                    section=src.section if src else g.area, text=quote(g.sentence or g.text),
                    line_start=src.line_start if src else None, line_end=src.line_end if src else None,
                    page=src.page if src else None, origin="prose")
