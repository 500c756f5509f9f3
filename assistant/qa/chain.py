"""The question → answer path as one LangChain `Runnable` (the design card's "retrieval chain").

Input `{"question", "history"?, "commune"?}` (a bare string is taken as the question), output
the `Answer`. `invoke` and `batch` work as for any Runnable, so LangChain callbacks and tracing
see each answer; the strategies call the retriever through its own `invoke`. `history` (a list
of `{"question", "answer"}`, most recent last) comes from the client with every request (the
server keeps no session); a follow-up inherits from it what it does not name itself.
"""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import Runnable, RunnableLambda

from assistant.qa.answerer import Answerer
from assistant.schemas import Answer


def _as_request(value: Any) -> dict:
    if isinstance(value, str):
        return {"question": value}
    if not isinstance(value, dict) or "question" not in value:
        raise TypeError("đầu vào cần có dạng {'question': ..., 'commune'?: ..., 'history'?: [...]}")
    return value


def answer_chain(answerer: Answerer) -> Runnable[dict, Answer]:
    """A Runnable over `answerer` (thread-safe: no per-request state is kept on it)."""

    def run(value: Any) -> Answer:
        request = _as_request(value)
        return answerer.answer(request["question"], commune=request.get("commune") or None,
                               history=request.get("history") or None)

    return RunnableLambda(run, name="cchc_answer")
