"""Abstentions: nothing in the plans supports an answer, or the commune asked about has no plan."""

from __future__ import annotations

from assistant.qa.context import Context
from assistant.qa.index import AnswerIndex
from assistant.qa.intents import Intent
from assistant.qa.query import Query
from assistant.qa.support import declined
from assistant.schemas import Answer


def abstain(ctx: Context) -> Answer:
    return declined(ctx.scope, "không đề cập đến nội dung này")


def unknown_commune(reg: AnswerIndex, q: Query, name: str) -> Answer:
    available = ", ".join(reg.communes[:12]) + ("…" if len(reg.communes) > 12 else "")
    text = (f"Xin lỗi, hiện chưa có kế hoạch cải cách hành chính của xã {name}. "
            f"Các kế hoạch hiện có: {available}.")
    return Answer(answer=text, abstained=True, intent=Intent(q.intent).value)
