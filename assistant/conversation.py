"""Conversation: the bounded history a client sends, and which context a follow-up inherits.

The server stays stateless: the client sends `history: [{"question", "answer"}, ...]` (most recent
last) with every question. `clean_history` validates and bounds it (count and size, control
characters removed, NFC) with Vietnamese error messages for what cannot be read.

`resolve(current, previous)` decides, from what the understanding step found in the current
question and in the previous turn (`TurnFacts`, mapped from the answer path's query type by the
caller), whether the question stands alone or continues the previous turn:

- a question naming its own commune and its own task/topic (or agency) stands alone: the history
  is ignored ("Ai chủ trì … ở Di Linh?" after a Năm Dẫn question);
- "còn thời hạn thì sao?" names no commune, task or topic: it inherits the previous commune and
  task and keeps its own intent (deadline);
- "thế ở Lộc Hòa?" names only a commune: it keeps the previous intent, task/topic, agency and
  period and switches the commune;
- "còn Trung tâm Phục vụ Hành chính công?" names only an agency: commune, intent and period carry
  over, the agency switches;
- a question with its own topic but no commune ("thế còn lệ phí?") inherits the commune only.

The returned `Resolution` holds the effective facts and what was carried over, for the answer's
`"context": {"commune": …, "task": …}`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

MAX_TURNS = 6                 # older turns never matter to the resolver
MAX_HISTORY_ITEMS = 50        # more than this is not a conversation: refuse
MAX_QUESTION_CHARS = 1000
MAX_ANSWER_CHARS = 2000

# Intents that ask for something about a task without naming it ("còn thời hạn thì sao?").
FIELD_INTENTS = frozenset({"lead", "coordinators", "deadline", "product", "monitor", "target"})
# Intents that say nothing on their own: a bare "thế ở Lộc Hòa?" keeps the previous intent.
NEUTRAL_INTENTS = frozenset({"", "general", "unknown", "fact"})
# Cross-commune questions never inherit one commune.
CROSS_COMMUNE_INTENTS = frozenset({"comparison"})

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")
_SPACES = re.compile(r"[ \t\r\n]+")


class HistoryError(ValueError):
    """History that cannot be read (message in Vietnamese, safe to show the user)."""


@dataclass(frozen=True)
class Turn:
    question: str
    answer: str = ""


def clean_text(text: Any, limit: int) -> str:
    """NFC, control and zero-width characters removed, whitespace collapsed, cut to `limit`."""
    if text is None:
        return ""
    if not isinstance(text, str):
        raise HistoryError("Lịch sử hội thoại chỉ chứa văn bản (câu hỏi và câu trả lời).")
    text = _SPACES.sub(" ", _CONTROL.sub("", unicodedata.normalize("NFC", text))).strip()
    return text[:limit].rstrip()


def clean_history(raw: Any, max_turns: int = MAX_TURNS) -> tuple[Turn, ...]:
    """The last `max_turns` readable turns of a client's history (most recent last).

    Accepts `None`/empty (no history), a list of `{"question", "answer"?}` objects or of `Turn`.
    Turns whose question is empty after cleaning are dropped; answers and questions are cut to
    their size limits. Anything else raises `HistoryError`.
    """
    if raw is None:
        return ()
    if not isinstance(raw, (list, tuple)):
        raise HistoryError("Lịch sử hội thoại phải là một danh sách các lượt hỏi – đáp.")
    if len(raw) > MAX_HISTORY_ITEMS:
        raise HistoryError(f"Lịch sử hội thoại quá dài ({len(raw)} lượt, tối đa {MAX_HISTORY_ITEMS}).")
    turns: list[Turn] = []
    for number, item in enumerate(raw, 1):
        if isinstance(item, Turn):
            question, answer = item.question, item.answer
        elif isinstance(item, dict):
            if "question" not in item:
                raise HistoryError(f"Lượt thứ {number} của lịch sử hội thoại thiếu trường “question”.")
            question, answer = item.get("question"), item.get("answer", "")
        else:
            raise HistoryError(f"Lượt thứ {number} của lịch sử hội thoại phải có dạng {{\"question\", \"answer\"}}.")
        question = clean_text(question, MAX_QUESTION_CHARS)
        if question:
            turns.append(Turn(question=question, answer=clean_text(answer, MAX_ANSWER_CHARS)))
    return tuple(turns[-max_turns:]) if max_turns > 0 else ()


@dataclass(frozen=True)
class TurnFacts:
    """What the understanding step found in one question (the caller maps its query type here)."""
    commune: str | None = None
    communes: tuple[str, ...] = ()        # several communes named (comparisons)
    agency: str | None = None
    task: str | None = None               # the task the turn was about (display text), if known
    topic_terms: tuple[str, ...] = ()     # the question's own task/topic words (not question words)
    intent: str | None = None
    period: str | None = None             # e.g. "Quý I/2026", as the period parser renders it
    contrastive: bool = False             # "thế còn <subject>?": a new subject, the previous ask

    @property
    def names_place(self) -> bool:
        return bool(self.commune or self.communes)

    @property
    def names_subject(self) -> bool:
        """A task, a topic or an agency of its own."""
        return bool(self.topic_terms or self.task or self.agency)


@dataclass(frozen=True)
class Resolution:
    facts: TurnFacts                      # what to answer with
    follow_up: bool                       # the previous turn supplied part of it
    carried: dict[str, Any] = field(default_factory=dict)   # field → value taken from the previous turn

    def context(self) -> dict[str, Any]:
        """The answer's `"context"` object: what was carried over, display values only."""
        keys = ("commune", "communes", "task", "agency", "intent", "period")
        return {k: self.carried[k] for k in keys if self.carried.get(k) not in (None, (), "")}


def resolve(current: TurnFacts, previous: TurnFacts | None) -> Resolution:
    """Does `current` stand alone, and if not, what does it inherit from `previous`?"""
    if previous is None or (current.names_place and current.names_subject):
        return Resolution(facts=current, follow_up=False)
    carried: dict[str, Any] = {}
    updates: dict[str, Any] = {}

    if not current.names_place and (current.intent or "") not in CROSS_COMMUNE_INTENTS:
        if previous.communes and not previous.commune:
            updates["communes"] = carried["communes"] = previous.communes
        elif previous.commune:
            updates["commune"] = carried["commune"] = previous.commune

    bare = not current.names_subject
    if bare:
        # no task, topic or agency of its own: the previous turn's subject carries over
        for name in ("task", "agency"):
            value = getattr(previous, name)
            if value:
                updates[name] = carried[name] = value
        if previous.topic_terms:
            updates["topic_terms"] = previous.topic_terms
    keeps_topic = bare or current.contrastive or (current.agency and not current.topic_terms and not current.task)
    if keeps_topic:
        own_intent = (current.intent or "")
        if own_intent in NEUTRAL_INTENTS and previous.intent:
            updates["intent"] = carried["intent"] = previous.intent
        if not current.period and previous.period:
            updates["period"] = carried["period"] = previous.period

    if not carried:
        return Resolution(facts=current, follow_up=False)
    return Resolution(facts=replace(current, **updates), follow_up=True, carried=carried)


def previous_facts(history: Sequence[Turn], understand) -> TurnFacts | None:
    """The facts of the most recent turn, resolved against the turns before it.

    `understand(question) -> TurnFacts` is the caller's mapping from the answer path's own
    understanding step; resolving the chain lets "thế ở Lộc Hòa?" → "còn Đại Phước thì sao?" keep
    the topic of the first question.
    """
    facts: TurnFacts | None = None
    for turn in history:
        facts = resolve(understand(turn.question), facts).facts
    return facts
