"""Follow-up questions: the answer path's `Query` against the conversation's earlier turns.

`assistant.conversation` decides (pure, on `TurnFacts`) whether a question stands alone or what
it inherits; this module maps a `Query` to those facts and applies a `Resolution` back to the
`Query`: commune(s), agency, intent, period and the task/topic words of the previous turn. The
effective question text gains the carried words (as the user wrote them) so that both retrieval
channels search for the inherited subject, while the typed question stays the one asked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from assistant.conversation import Resolution, Turn, TurnFacts, resolve
from assistant.qa.intents import FIELD_INTENTS, Intent
from assistant.qa.query import Query
from ingest.agencies import agency_key
from ingest.vntext import nfc, tokens


@dataclass
class Resolved:
    query: Query                       # what to answer
    context: dict                      # the answer's "context": what was carried over


def topic_display(q: Query) -> str:
    """The question's topic words as the user wrote them ("rà soát TTHC"), in order."""
    if not q.topic_terms:
        return ""
    kept = set(q.topic.split())
    text = nfc(q.question)
    for name in q.communes:      # "Năm Dẫn: … Nhân dân": the name's "Dẫn" is no topic word
        text = text.replace(name, " ")
    words = []
    for piece in re.findall(r"[^\W_]+(?:[./][^\W_]+)*", text):
        folded = tokens(piece)
        if folded and all(t in kept for t in folded):
            words.append(piece)
    return " ".join(words)


# Verbs every plan task opens with: alone, they are no subject of a turn's own ("ban hành vào
# lúc nào?" after "Kế hoạch chuyển đổi số của Di Linh ai lập?" asks about that plan).
_PLAN_VERBS = frozenset(tokens("ban hành thực hiện triển khai hoàn thành tổ chức"))


# "thế còn vụ duy trì chuyên mục?", "còn việc tập huấn thì sao?": another subject, asked as before
_CONTRASTIVE = re.compile(r"^(?:(?:the|vay)(?: thi)? )?con\b|\bthi sao$")


def facts_of(q: Query, cross_commune: bool = False) -> TurnFacts:
    """`TurnFacts` of an understood question (the topic's written words stand for its task)."""
    single = q.commune if len(q.communes) <= 1 else None
    # "ai theo dõi việc này?": the subject is the previous one; so is a bare plan verb's
    own_subject = not q.anaphoric and not (
        q.topic_terms and {t for t in q.topic_terms if "_" not in t} <= _PLAN_VERBS)
    # the agency's own name is who, not a topic ("còn Trung tâm Phục vụ Hành chính công?")
    named = set(tokens(q.agency)) | set(agency_key(q.agency).split()) if q.agency else set()
    topic_terms = tuple(t for t in q.topic_terms if not set(t.split("_")) <= named)
    return TurnFacts(
        commune=single,
        communes=tuple(q.communes) if len(q.communes) > 1 else (),
        agency=q.agency if own_subject else None,
        task=(topic_display(q) or None) if own_subject and topic_terms else None,
        topic_terms=topic_terms if own_subject else (),
        intent="comparison" if cross_commune else q.intent.value,
        period=q.period.text if q.period else None,
        contrastive=bool(_CONTRASTIVE.search(" ".join(tokens(q.asked or q.question)))),
    )


def apply(q: Query, previous: Query, resolution: Resolution) -> Query:
    """`q` with what `resolution` carried over from `previous` (the previous turn's own Query)."""
    carried = resolution.carried
    updates: dict = {}
    extra: list[str] = []
    if "communes" in carried:
        updates["communes"] = list(previous.communes)
        updates["commune"] = previous.communes[0] if previous.communes else None
        extra += list(previous.communes)
    elif "commune" in carried:
        updates["communes"] = [previous.commune]
        updates["commune"] = previous.commune
        updates["unknown_commune"] = None
        extra.append(previous.commune)
    subject = "task" in carried or bool(resolution.facts.topic_terms and not q.topic_terms)
    if subject:
        own = q.topic_terms if q.anaphoric else []
        updates["topic"] = f"{previous.topic} {q.topic}".strip() if own else previous.topic
        updates["topic_terms"] = list(dict.fromkeys(list(previous.topic_terms) + own))
        updates["anaphoric"] = False     # "việc đó" is now said: the next turn inherits it in turn
    if "agency" in carried:
        updates["agency"] = previous.agency
        extra.append(previous.agency)
    # a fact question that names its own kind ("ký ngày nào?" after "Ai ký …?") keeps it
    own_fact = q.intent == Intent.FACT and bool(q.fact_kind)
    if "intent" in carried and not own_fact:
        intent = Intent(carried["intent"]) if carried["intent"] in Intent._value2member_map_ else None
        if intent is not None:
            updates["intent"] = intent
            updates["fields"] = list(previous.fields) if intent in FIELD_INTENTS else []
            updates["fact_kind"] = previous.fact_kind
    if "period" in carried:
        updates["period"] = previous.period
        updates["year"] = previous.year
    if subject:
        # the subject comes from the previous turn: search with its words, as it was searched
        base = previous.question
        if "commune" not in carried and "communes" not in carried and previous.communes:
            for name in previous.communes:
                base = base.replace(name, "")
        updates["question"] = f"{base} — {q.question}"
        if extra:
            updates["question"] += f" ({', '.join(e for e in extra if e)})"
    elif extra:
        updates["question"] = f"{q.question} ({', '.join(e for e in extra if e)})"
    # `repaired` stays the follow-up's own words: the concept it asks the value of is what was
    # just typed ("còn hồ sơ xử lý trên mạng thì bao nhiêu?"), not the previous turn's subject
    return replace(q, **updates)


def resolve_history(q: Query, history: Sequence[Turn], understand: Callable[[str], Query],
                    cross_commune: Callable[[Query], bool] = lambda _q: False) -> Resolved:
    """The effective Query of `q` after the turns of `history` (most recent last).

    Each earlier turn is itself resolved against the one before it, so "thế ở Lộc Hòa?" followed
    by "còn thời hạn thì sao?" keeps the first question's task.
    """
    previous: Query | None = None
    for turn in history:
        turn_q = understand(turn.question)
        previous = turn_q if previous is None else _step(turn_q, previous, cross_commune)[0]
    if previous is None:
        return Resolved(query=q, context={})
    effective, resolution = _step(q, previous, cross_commune)
    return Resolved(query=effective, context=resolution.context() if resolution.follow_up else {})


def _repeats_subject(q: Query, previous: Query) -> bool:
    """"chấm theo quyết định nào?" after "ai chủ trì việc chấm điểm Chính quyền thân thiện?": a
    subject said in part of the previous turn's words is that subject, not a new one."""
    own = {t for t in q.topic_terms if "_" not in t}
    return bool(own) and own <= set(previous.topic_terms) and len(own) < len(
        {t for t in previous.topic_terms if "_" not in t})


def _step(q: Query, previous: Query, cross_commune) -> tuple[Query, Resolution]:
    if not q.anaphoric and _repeats_subject(q, previous):
        q = replace(q, anaphoric=True)
    resolution = resolve(facts_of(q, cross_commune(q)), facts_of(previous, cross_commune(previous)))
    if not resolution.follow_up:
        return q, resolution
    return apply(q, previous, resolution), resolution


# "… số hóa hồ sơ phải đạt bao nhiêu, còn dùng lại dữ liệu số hóa thì bao nhiêu?": a second ask
# after ", còn", answered as a follow-up of the first. Folded, "còn" is also "con" (a child):
# both halves must ask something.
_SECOND_ASK = re.compile(r",\s*(còn|con)\s+", re.IGNORECASE)
_ASKS = re.compile(r"(?<![0-9a-z])(?:bao nhieu|ai|khi nao|bao gio|luc nao|gi|nao|the nao|ra sao|may|khong)(?![0-9a-z])")


def two_asks(question: str) -> tuple[str, str] | None:
    """(first ask, second ask) of a question that asks two things in turn, else None."""
    m = None
    for m in _SECOND_ASK.finditer(question):
        pass                               # the last ", còn": the first half may hold commas
    if m is None:
        return None
    first, second = question[:m.start()].strip(), question[m.end():].strip()
    folded = [" ".join(tokens(part)) for part in (first, second)]
    if not all(_ASKS.search(part) for part in folded) or len(folded[1].split()) < 3:
        return None
    return first, f"{m.group(1)} {second}"     # the connector as typed: diacritics or none
