"""Per-request state of one answer, and the scored candidates the strategies pass around.

A `Context` is created for every question and never shared: the shared objects (store,
retriever, index, policy) are read-only references inside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.qa.index import AnswerIndex
from assistant.qa.policy import DEFAULT_POLICY, Policy
from assistant.qa.query import Query
from ingest.models import TaskRecord


@dataclass
class Context:
    query: Query
    scope: list[str] | None            # communes the answer is restricted to (None: all)
    index: AnswerIndex
    store: Any                         # assistant.store.Store (get_chunks, document_chunk_ids)
    retriever: Any                     # assistant.qa.retrieve.HybridRetriever (called through invoke)
    registry: Any = None               # assistant.registry.Registry
    policy: Policy = DEFAULT_POLICY
    ranked: list = field(default_factory=list)        # RankedChunk, best first
    chunk_rank: dict[str, int] = field(default_factory=dict)
    trace: dict = field(default_factory=dict)         # what the answer rested on (path, coverage)


@dataclass
class ScoredTask:
    index: int
    task: TaskRecord
    coverage: float
    score: float
    parts: tuple[float, float] = (0.0, 0.0)


@dataclass
class ScoredSentence:
    sentence: str
    chunk: object             # StoredChunk
    coverage: float
    score: float
    rank: int
    parts: tuple[float, float] = (0.0, 0.0)
