"""General questions (and every fallback): the best one to three source sentences, per commune
when several plans answer equally well."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from assistant.qa.common import citation, per_commune, plan_label, retrieve, score_sentences, supported
from assistant.qa.context import Context, ScoredSentence
from assistant.qa.evidence import as_sentence, section_context, shorten
from assistant.qa.strategies.abstain import abstain
from assistant.qa.understand import content_terms
from assistant.schemas import Answer
from ingest.vntext import tokens


def answer_general(ctx: Context,
                    need_number: bool = False, prefer_metadata: bool = False,
                    scored: list[ScoredSentence] | None = None, needles: Sequence[str] = (),
                    prefer_reference: bool = False, extra_topic: str = "") -> Answer:
    reg, p = ctx.index, ctx.policy
    if extra_topic:
        # The agency is the subject here: search for it and require it in the topic.
        ctx.query = replace(ctx.query, topic=f"{ctx.query.topic} {' '.join(tokens(extra_topic))}".strip(),
                            topic_terms=list(ctx.query.topic_terms) + content_terms(extra_topic))
        ctx.ranked = []
    if scored is None:
        ranked = ctx.ranked or retrieve(ctx, k=p.sentence_k)
        scored, _ = score_sentences(ctx, ranked[:p.sentence_k], need_number=need_number,
                                          prefer_metadata=prefer_metadata, needles=needles,
                                          prefer_reference=prefer_reference)
    if scored:
        ctx.trace.update(path="sentence", coverage=scored[0].coverage, parts=scored[0].parts)
    if not scored or not supported(ctx, scored[0].coverage, scored[0].parts,
                                         f"{scored[0].sentence} {scored[0].chunk.section}"):
        return abstain(ctx)
    best = scored[0]
    if ctx.scope is None or len(ctx.scope) > 1:
        picks = per_commune(scored, ctx, key=lambda s: s.chunk.commune)
    else:
        picks = [best]
    if len(picks) == 1:
        # Up to three sentences from the best passages, as long as they stay on topic.
        chosen = [best]
        for s_ in scored[1:]:
            if len(chosen) >= p.general_sentences:
                break
            if s_.chunk.document != best.chunk.document or any(s_.sentence == c.sentence for c in chosen):
                continue
            if s_.coverage >= max(p.companion_min_coverage, p.companion_ratio * best.coverage):
                chosen.append(s_)
        budget = p.answer_budget - p.general_header_reserve
        quoted, citations, used = [], [], 0
        for s_ in chosen:
            piece = shorten(s_.sentence, max(p.general_piece_min, budget - used))
            if used + len(piece) > budget and quoted:
                break
            quoted.append(piece)
            used += len(piece) + 1
            if all(c.chunk_id != s_.chunk.id for c in citations):
                citations.append(citation(reg, s_.chunk))
        plan = plan_label(reg, best.chunk.document)
        where = section_context(best.chunk, quoted[0])
        text = f"Theo {plan}{where}: " + " ".join(as_sentence(piece) for piece in quoted)
        return Answer(answer=shorten(text, ctx.policy.answer_budget), citations=citations, commune=best.chunk.commune)
    budget = ctx.policy.answer_budget // len(picks)
    texts, citations = [], []
    for s_ in picks:
        plan = plan_label(reg, s_.chunk.document)
        piece = shorten(s_.sentence, max(p.per_commune_piece_min, budget - p.per_commune_header))
        texts.append(f"Theo {plan}{section_context(s_.chunk, piece)}: {as_sentence(piece)}")
        citations.append(citation(reg, s_.chunk))
    return Answer(answer=" ".join(texts), citations=citations)
