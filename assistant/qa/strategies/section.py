"""Section questions ("Mục đích của kế hoạch Năm Dẫn là gì?", "Kế hoạch Lộc Hòa đặt ra những yêu
cầu gì?", "Mục tiêu tổng quát đến năm 2030 của Di Linh?"): the plan's own section whose heading is
what the question asks about, quoted from its opening sentences.

A heading is named when every distinctive word of it is asked and it holds at least
`Policy.section_topic_share` of the question's topic; the deepest, then earliest, such heading of
the one plan in scope wins. Without such a heading the caller falls back to sentence retrieval.
A question may name a heading in other words ("theo những kỳ nào" for "Chế độ báo cáo"): the
pairs are data (`data/lexicon/sections.tsv`). Of the section, the sentences that hold the
question's own words beyond the heading are quoted (the opening ones when none does).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from assistant.qa.common import citation, plan_label
from assistant.qa.context import Context
from assistant.qa.evidence import as_sentence, is_heading_line, shorten, split_sentences
from assistant.schemas import Answer
from assistant.qa.understand import STOPWORDS
from ingest.vntext import fold, tokens

SECTIONS_PATH = Path(__file__).resolve().parents[3] / "data" / "lexicon" / "sections.tsv"

_NUMBERING = re.compile(r"^\s*(?:[IVXLC]+|\d+(?:\.\d+)*|[a-zđ])[.)]\s*", re.IGNORECASE)
_HEADING_FILLER = frozenset("cua ke hoach cai cach hanh chinh va nam".split())


def heading_words(heading: str) -> set[str]:
    return {t for t in tokens(_NUMBERING.sub("", heading)) if t not in _HEADING_FILLER and not t.isdigit()}


def parse_section_names(lines) -> tuple[tuple[frozenset[str], tuple[str, ...]], ...]:
    """(heading words, folded phrases that name it) of each `heading<TAB>phrase ; phrase` line."""
    out = []
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#") or "\t" not in line:
            continue
        heading, phrases = line.split("\t", 1)
        words = frozenset(heading_words(heading))
        names = tuple(" ".join(tokens(p)) for p in phrases.split(";") if tokens(p))
        if words and names:
            out.append((words, names))
    return tuple(out)


@lru_cache(maxsize=4)
def section_names(path: str = str(SECTIONS_PATH)) -> tuple[tuple[frozenset[str], tuple[str, ...]], ...]:
    try:
        return parse_section_names(Path(path).read_text(encoding="utf-8").splitlines())
    except OSError:
        return ()


def named_headings(folded_question: str, names=None) -> list[tuple[frozenset[str], tuple[str, ...]]]:
    """(heading words, the file's phrases the question says) of each section the question names
    in other words (sections.tsv), one per line of the file, in the file's order."""
    key = f" {' '.join(tokens(folded_question))} "
    out = []
    for words, phrases in (section_names() if names is None else names):
        said = tuple(p for p in phrases if f" {p} " in key)
        if said:
            out.append((words, said))
    return out


def named_heading_words(folded_question: str, names=None) -> set[str]:
    """The heading words of every section the question names in other words (sections.tsv)."""
    return set().union(*(words for words, _ in named_headings(folded_question, names)))


def asked_words(folded_question: str, communes) -> set[str]:
    """The question's own words (generic ones like "mục tiêu" included: they name sections),
    without stopwords, heading filler, numbers and the communes' names."""
    names = {t for c in communes for t in tokens(c)}
    return {t for t in folded_question.split() if not t.isdigit()} - STOPWORDS - _HEADING_FILLER - names


def pick_sentences(sentences: list[str], asked: set[str], heading: str, count: int) -> list[str]:
    """The `count` sentences holding most of the question's words beyond the heading, in plan
    order (only those holding at least half as many as the best one); the opening ones when no
    sentence holds any; all of them when the section has no more than `count`."""
    if len(sentences) <= count:
        return list(sentences)               # a short section is quoted whole
    own = asked - heading_words(heading)
    scores = [len(own & set(tokens(s))) for s in sentences]
    if not any(scores):
        return sentences[:count]
    floor = max(1, max(scores) / 2)          # a sentence holding half the best one's words
    ranked = sorted(range(len(sentences)), key=lambda i: (-scores[i], i))
    chosen = sorted(i for i in ranked[:count] if scores[i] >= floor)
    return [sentences[i] for i in chosen]


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


def _names(words: frozenset[str] | set[str], asked: frozenset[str], p) -> bool:
    """Does a heading of these words answer a question naming `asked`? It holds the question's
    words and little else, or all of them in a heading of its own words."""
    named = words <= asked and len(words) / len(asked) >= p.section_topic_share
    within = asked <= words and len(asked) >= p.section_min_words
    return named or within


def answer_section(ctx: Context) -> Answer | None:
    reg, p, q = ctx.index, ctx.policy, ctx.query
    if not ctx.scope or len(ctx.scope) != 1:
        return None
    # commune names are where, not what (a comparison's question names the other communes too)
    own_words = asked_words(q.folded, [*ctx.scope, *reg.communes])
    # Each way the question names a section is judged alone, its own words first: then the
    # file's phrases (in the user's words or the plans', the lexicon's rewording), in the file's
    # order, so that a line standing in for a heading a plan lacks ("mục đích" for "mục tiêu
    # tổng quát") is read only where the plan has no heading of the question's own words.
    # Each alternative: (heading words asked, the file's phrases that asked them; none for the own words).
    alternatives: list[tuple[frozenset[str], tuple[str, ...]]] = [(frozenset(own_words), ())] if own_words else []
    for words, phrases in named_headings(q.folded) + named_headings(fold(q.repaired or q.asked or "")):
        if all(words != asked for asked, _ in alternatives):
            alternatives.append((words, phrases))
    if not alternatives:
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
                rank = next((r for r, (asked, _) in enumerate(alternatives) if _names(words, asked, p)), None)
                if rank is None:
                    continue
                asked, named_by = alternatives[rank]
                key = (-rank, words == asked, len(words & asked), depth, -position)
                if best is None or key > best[0]:
                    best = (key, chunk, heading, body, named_by)
    if best is None:
        return None
    _, chunk, heading, body, named_by = best
    # whole sentences, not clauses: a long sentence is shortened to its share, never split at ";"
    sentences = [s for s in split_sentences(body, long_piece=10_000) or [body]
                 if " ".join(tokens(s)) != " ".join(tokens(heading)) and len(tokens(s)) > 3]
    if not sentences:
        return None
    quoted = []
    used = 0
    budget = p.answer_budget - p.general_header_reserve
    shown = pick_sentences(sentences, own_words, heading, p.section_sentences)
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
    # the heading stands for the phrases that named it: they are the question's focal concept held
    ctx.trace.update(path="section", coverage=1.0, heading=heading, section_named_by=named_by)
    return Answer(answer=shorten(text, p.answer_budget), citations=[citation(reg, chunk)], commune=chunk.commune)
