"""Helpers every answer strategy shares: retrieval through the Query, the passages an answer may
rest on, citations, plan labels, the evidence test, per-commune picks, sentence and record scoring."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from assistant.qa.context import Context, ScoredSentence, ScoredTask
from assistant.qa.evidence import (COUNT, PERCENT, REFERENCE_RE, TIME_EXPRESSION, TermWeights, accent_mismatch,
                                   coverage, coverage_parts, heading_lines, quote, split_sentences, term_set,
                                   word_runs)
from assistant.qa.index import AnswerIndex
from assistant.qa.intents import Intent
from assistant.lexicon import default_lexicon
from assistant.qa.support import focus_held
from assistant.qa.understand import content_terms
from assistant.schemas import Citation
from ingest.agencies import agency_matches
from ingest.models import TaskRecord
from ingest.vntext import tokens


def period_label(year: str) -> str:
    year = (year or "").strip()
    if not year:
        return ""
    return f"giai đoạn {year.replace('-', ' - ')}" if "-" in year else f"năm {year}"


def format_iso(value: str) -> str:
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value or "")
    return f"{int(m[3]):02d}/{int(m[2]):02d}/{m[1]}" if m else value


def retrieve(ctx: Context, k: int | None = None, communes: list[str] | None = None,
             lexical_extra: str = "") -> list:
    """Passages for the context's Query, through the retriever's LangChain `invoke` (so callbacks
    and tracing see it). Without `communes`, the context's scope; the result becomes `ctx.ranked`."""
    q = ctx.query
    docs = ctx.retriever.invoke(q.question, parsed=q, k=k or ctx.policy.sentence_k,
                                communes=communes if communes is not None else ctx.scope,
                                lexical_extra=lexical_extra)
    ranked = evidence_only(ctx, [d.metadata["ranked"] for d in docs], chunk=lambda r: r.chunk)
    if communes is None:
        ctx.ranked = ranked
        ctx.chunk_rank = {r.chunk.id: i for i, r in enumerate(ranked, start=1)}
    return ranked


# The note a citation of a scanned (OCR'd) document carries: its text was recognised, not typed.
OCR_NOTE = "(bản quét, nhận dạng chữ)"


def mark_scanned(citations: list[Citation], documents: dict) -> None:
    """Note every citation whose document was read by OCR (one place for every strategy)."""
    for cite in citations:
        doc = documents.get(cite.document)
        if doc is not None and getattr(doc, "ocr", False):
            cite.note = OCR_NOTE


def evidence_only(ctx: Context, items: list, chunk=lambda c: c) -> list:
    """`items` (passages, or things holding one: `chunk(item)`) without the passages no answer
    may rest on: those addressing the assistant or the reader (`AnswerIndex.is_evidence`). Every
    strategy's passages come through here, from retrieval or straight from the store."""
    return [item for item in items if ctx.index.is_evidence(chunk(item).id)]


def citation(reg: AnswerIndex, chunk, origin: str | None = None, text: str | None = None) -> Citation:
    doc = reg.documents.get(chunk.document)
    quoted = text if text is not None else chunk.text
    return Citation(document=chunk.document, title=(doc.title if doc else chunk.title) or "",
                    commune=chunk.commune or (doc.commune if doc else ""), section=chunk.section,
                    text=quote(quoted), line_start=chunk.line_start, line_end=chunk.line_end,
                    page=chunk.page, origin=origin or origin_of(chunk.kind), chunk_id=chunk.id)


def task_citation(reg: AnswerIndex, task: TaskRecord, chunks: dict) -> Citation:
    chunk = chunks.get(task.chunk_id)
    if chunk is not None:
        return citation(reg, chunk, origin=task.origin)
    doc = reg.documents.get(task.document)
    src = task.source
    return Citation(document=task.document, title=doc.title if doc else "", commune=task.commune,
                    section=src.section if src else task.area, text=quote(task.task),
                    line_start=src.line_start if src else None, line_end=src.line_end if src else None,
                    page=src.page if src else None, origin=task.origin, chunk_id=task.chunk_id or None)


def plan_label(reg: AnswerIndex, document: str) -> str:
    doc = reg.documents.get(document)
    if doc is None:
        return "kế hoạch"
    period = period_label(doc.year)
    label = f"Kế hoạch CCHC {period}".strip()
    return f"{label} của xã {doc.commune}" if doc.commune else label


def supported(ctx: Context, cov: float, parts: tuple[float, float], evidence: str = "") -> bool:
    """Is evidence with this topic coverage strong enough to answer from?"""
    if evidence and accent_mismatch(ctx.query.question, evidence):
        return False
    if cov >= ctx.policy.min_coverage and parts[1] >= ctx.policy.min_pair_share:
        return True
    if evidence and cov >= ctx.policy.focal_min_coverage and parts[1] >= ctx.policy.min_pair_share and \
            focus_held(ctx.query, evidence, default_lexicon()):
        return True
    if cov >= ctx.policy.semantic_min_coverage:
        dense = [r.dense_score for r in ctx.ranked[:ctx.policy.semantic_top_passages] if r.dense_score is not None]
        return bool(dense) and max(dense) >= ctx.policy.semantic_min_similarity
    return False


def per_commune(ranked: list, ctx: Context, key) -> list:
    """The best item, plus the best of other communes when none was named and they tie."""
    best = ranked[0]
    if ctx.scope is not None and len(ctx.scope) == 1:
        return [best]
    picks = [best]
    seen = {key(best)}
    for item in ranked[1:]:
        if len(picks) >= ctx.policy.max_communes:
            break
        if key(item) in seen:
            continue
        if item.coverage >= max(ctx.policy.min_coverage, ctx.policy.per_commune_ratio * best.coverage) and \
                (ctx.scope is not None or item.score >= ctx.policy.per_commune_ratio * best.score):
            picks.append(item)
            seen.add(key(item))
    return picks


def wording_bonus(asked_runs: frozenset[tuple[str, str, str]], text: str, policy) -> float:
    """Wording shared word for word with the question (three-word runs, function words
    included) is the strongest sign the text is the one the question paraphrases: a little
    per run, up to a cap, from `Policy.trigram_min_runs` runs (one run alone is often a
    compound both happen to use, "soát thủ tục" of "rà soát TTHC" and "kiểm soát TTHC")."""
    shared = len(asked_runs & word_runs(text))
    return min(policy.trigram_bonus_max, policy.trigram_bonus * shared) if shared >= policy.trigram_min_runs else 0.0


def rank_tasks(ctx: Context, ids: list[int] | None = None) -> list[ScoredTask]:
    reg, p = ctx.index, ctx.policy
    q = ctx.query
    topic = q.topic_terms
    if not topic:
        return []
    asked_runs = word_runs(q.question)
    if ids is None:
        ids = reg.task_ids(ctx.scope)
        if len(ids) > p.large_store:       # a large store: score only what retrieval surfaced
            ids = [i for cid in ctx.chunk_rank for i in reg.tasks_by_chunk.get(cid, [])]
    out = []
    for i in ids:
        terms = reg.task_terms[i]
        cov = coverage(topic, terms, reg.task_weights)
        area_cov = coverage(topic, reg.task_area_terms[i] | terms, reg.task_weights)
        cov = max(cov, p.prose_area_factor * area_cov) if reg.tasks[i].origin == "prose" else cov
        if cov <= 0:
            continue
        t = reg.tasks[i]
        rank = min((ctx.chunk_rank.get(t.chunk_id, 0) or 999), 999)
        bonus = p.record_rank_bonus / (1 + (rank - 1) / p.record_rank_decay) if rank < 999 else 0.0
        if q.intent == Intent.DEADLINE and (t.deadline or TIME_EXPRESSION.search(t.product or "")):
            bonus += p.deadline_record_bonus     # a deadline question is best answered by a record that has one
        if q.agency and any(agency_matches(q.agency, n) for n in (t.leads or [t.lead]) + t.coordinator_list):
            bonus += p.agency_record_bonus      # "phối hợp với Phòng Kinh tế …": records involving that agency
        # Long records cover many words by chance: a mild length penalty.
        length_penalty = p.length_penalty * math.log1p(
            max(0, len(terms) - p.length_free_terms) / p.length_penalty_scale)
        bonus += wording_bonus(asked_runs, t.task, p)
        out.append(ScoredTask(i, t, cov, cov + bonus - length_penalty,
                              coverage_parts(topic, terms, reg.task_weights)))
    out.sort(key=lambda s: (-s.score, s.index))
    return out


def score_sentences(ctx: Context, ranked: list, need_number: bool = False,
                     prefer_metadata: bool = False, needles: Sequence[str] = (),
                     prefer_reference: bool = False
                     ) -> tuple[list[ScoredSentence], TermWeights | None]:
    """Sentences of the retrieved chunks scored by topic coverage (plus a little for rank,
    for a matching section heading, and for a time expression when a deadline is asked)."""
    q, p = ctx.query, ctx.policy
    topic = q.topic_terms or content_terms(q.question)
    if not topic:
        return [], None
    pool: list[tuple[str, object, int, frozenset[str], frozenset[str]]] = []
    for rank, r in enumerate(ranked, start=1):
        headings = {" ".join(tokens(h)) for h in getattr(r.chunk, "section_path", ()) or ()}
        section_terms = term_set(r.chunk.section)
        inner = heading_lines(r.chunk.text)
        at = 0
        for sentence in split_sentences(r.chunk.text) or [r.chunk.text]:
            key = " ".join(tokens(sentence))
            if any(key and key in h for h in headings):
                continue          # a heading line repeated inside the chunk is not an answer
            above = ""
            if inner:             # where the sentence sits, read on from the one before it
                found = r.chunk.text.find(sentence[:40], at)
                at = found if found >= 0 else at
                above = next((h for start, h in reversed(inner) if start < at), "")
            pool.append((sentence, r.chunk, rank, term_set(sentence),
                         section_terms | term_set(above) if above else section_terms))
    if not pool:
        return [], None
    weights = TermWeights(terms for _, _, _, terms, _ in pool)
    wants_time = q.intent in (Intent.DEADLINE, Intent.DUE_BY_DATE)
    wants_rate = bool(re.search(r"\b(phan tram|ty le|ti le)\b|%", q.folded + " " + q.question))
    asked_runs = word_runs(q.question)
    out = []
    for sentence, chunk, rank, terms, section_terms in pool:
        if need_number and not (PERCENT if wants_rate else COUNT).search(sentence):
            continue
        if needles:
            key = f" {' '.join(tokens(sentence))} "
            if not any(n in key for n in needles):
                continue
        cov = max(coverage(topic, terms, weights), p.section_factor * coverage(topic, terms | section_terms, weights))
        score = cov + p.sentence_rank_bonus / (1 + (rank - 1) / p.sentence_rank_decay) + \
            p.heading_bonus * coverage(topic, section_terms, weights)
        if wants_time and TIME_EXPRESSION.search(sentence):
            score += p.time_bonus
        if prefer_reference and REFERENCE_RE.search(sentence):
            score += p.reference_bonus
        score += wording_bonus(asked_runs, sentence, p)
        if prefer_metadata and chunk.kind == "metadata":
            score += p.metadata_bonus
        out.append(ScoredSentence(sentence, chunk, cov, score, rank,
                                  coverage_parts(topic, terms | section_terms, weights)))
    out.sort(key=lambda s: (-s.score, s.rank))
    return out, weights


def origin_of(kind: str) -> str | None:
    return {"table_row": "table", "prose": "prose", "metadata": "metadata"}.get(kind)
