"""Section questions ("Mục đích của kế hoạch Năm Dẫn là gì?", "Kế hoạch Lộc Hòa đặt ra những yêu
cầu gì?", "Mục tiêu tổng quát đến năm 2030 của Di Linh?"): the plan's own section whose heading is
what the question asks about, quoted from its opening sentences.

A heading is named when every distinctive word of it is asked and it holds at least
`Policy.section_topic_share` of the question's topic; the deepest, then earliest, such heading of
the one plan in scope wins. Without such a heading the caller falls back to sentence retrieval.
"""

from __future__ import annotations

import re

from assistant.qa.common import citation, plan_label
from assistant.qa.context import Context
from assistant.qa.evidence import as_sentence, is_heading_line, shorten, split_sentences
from assistant.schemas import Answer
from assistant.qa.understand import STOPWORDS
from ingest.vntext import tokens

_NUMBERING = re.compile(r"^\s*(?:[IVXLC]+|\d+(?:\.\d+)*|[a-zđ])[.)]\s*", re.IGNORECASE)
_HEADING_FILLER = frozenset("cua ke hoach cai cach hanh chinh va nam".split())


def heading_words(heading: str) -> set[str]:
    return {t for t in tokens(_NUMBERING.sub("", heading)) if t not in _HEADING_FILLER and not t.isdigit()}


def section_candidates(chunk) -> list[tuple[int, str, str]]:
    """(depth, heading, text under it) of every heading a chunk holds: those of its section path
    (the whole chunk is under them) and the numbered heading lines inside its text ("2. Mục tiêu
    tổng quát đến năm 2030" in the chunk of "I. QUAN ĐIỂM, MỤC TIÊU, YÊU CẦU"), each with the lines
    up to the next heading line, one level deeper than the path."""
    path = tuple(getattr(chunk, "section_path", ()) or ())
    out = [(depth, heading, chunk.text) for depth, heading in enumerate(path)]
    lines = (chunk.text or "").split("\n")
    marks = [i for i, line in enumerate(lines) if line.strip() and is_heading_line(line)]
    for n, i in enumerate(marks):
        end = marks[n + 1] if n + 1 < len(marks) else len(lines)
        body = "\n".join(lines[i + 1:end]).strip()
        if body and not (path and heading_words(lines[i]) == heading_words(path[-1])):
            out.append((len(path), lines[i].strip(" *"), body))
    return out


def answer_section(ctx: Context) -> Answer | None:
    reg, p, q = ctx.index, ctx.policy, ctx.query
    if not ctx.scope or len(ctx.scope) != 1:
        return None
    names = {t for c in ctx.scope for t in tokens(c)}
    # the question's own words (generic ones like "mục tiêu" included: they name sections)
    asked = {t for t in q.folded.split() if not t.isdigit()} - STOPWORDS - _HEADING_FILLER - names
    if not asked:
        return None
    docs = [d.document for d in reg.documents.values() if d.commune == ctx.scope[0]]
    best = None
    for document in docs:
        chunks = ctx.store.get_chunks(ctx.store.document_chunk_ids(document))
        for position, chunk in enumerate(chunks):
            for depth, heading, body in section_candidates(chunk):
                words = heading_words(heading)
                if not words:
                    continue
                named = words <= asked and len(words) / len(asked) >= p.section_topic_share
                within = asked <= words and len(asked) >= p.section_min_words
                if not (named or within):
                    continue
                key = (words == asked, len(words & asked), depth, -position)
                if best is None or key > best[0]:
                    best = (key, chunk, heading, body)
    if best is None:
        return None
    _, chunk, heading, body = best
    # whole sentences, not clauses: a long sentence is shortened to its share, never split at ";"
    sentences = [s for s in split_sentences(body, long_piece=10_000) or [body]
                 if " ".join(tokens(s)) != " ".join(tokens(heading)) and len(tokens(s)) > 3]
    if not sentences:
        return None
    quoted = []
    used = 0
    budget = p.answer_budget - p.general_header_reserve
    shown = sentences[:p.section_sentences]
    share = max(p.general_piece_min, budget // len(shown) - 1)   # each sentence its share: the second is never crowded out
    for sentence in shown:
        piece = shorten(sentence, max(p.general_piece_min, min(share, budget - used)))
        if used + len(piece) > budget and quoted:
            break
        quoted.append(piece)
        used += len(piece) + 1
    plan = plan_label(reg, chunk.document)
    title = _NUMBERING.sub("", heading).strip()
    text = f"Theo {plan} (mục \"{title}\"): " + " ".join(as_sentence(x) for x in quoted)
    ctx.trace.update(path="section", coverage=1.0, heading=heading)
    return Answer(answer=shorten(text, p.answer_budget), citations=[citation(reg, chunk)], commune=chunk.commune)
