"""Hybrid retrieval: dense (e5 vectors in Chroma) + lexical (FTS5 over folded keys), fused by RRF.

`HybridRetriever` is a LangChain `BaseRetriever` (so it composes with LangChain chains) and also
offers `search()` (the contract's `SearchHit`) and `retrieve()` (hits with per-channel signals,
which the answer composer uses to decide when evidence is too weak).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, PrivateAttr

from assistant.qa.policy import DEFAULT_POLICY, Policy
from assistant.qa.query import Query
from assistant.schemas import SearchHit
from assistant.qa.understand import match_commune, question_topic
from ingest.periods import year_span
from ingest.vntext import has_diacritics

RRF_K = DEFAULT_POLICY.rrf_k


def reciprocal_rank_fusion(rankings: Sequence[Sequence[str]], k: int = RRF_K,
                           weights: Sequence[float] | None = None) -> list[tuple[str, float]]:
    """Fuse ranked id lists: score(id) = Σ w_i / (k + rank_i(id)), rank 1-based. Best first.

    Ties keep the order in which ids were first seen (earlier lists first), so the result is
    deterministic.
    """
    weights = list(weights) if weights is not None else [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError("one weight per ranking")
    scores: dict[str, float] = {}
    first_seen: dict[str, int] = {}
    for ranking, weight in zip(rankings, weights):
        seen_here: set[str] = set()
        for rank, item in enumerate(ranking, start=1):
            if item in seen_here:
                continue          # a duplicate inside one list counts once, at its best rank
            seen_here.add(item)
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
            first_seen.setdefault(item, len(first_seen))
    return sorted(scores.items(), key=lambda kv: (-kv[1], first_seen[kv[0]]))


@dataclass
class RankedChunk:
    """A retrieved chunk with the signals of both channels (rank 0 = not returned by it)."""

    chunk: Any                   # assistant.store.StoredChunk
    score: float                 # fused RRF score
    dense_rank: int = 0
    dense_score: float | None = None
    lexical_rank: int = 0
    lexical_score: float | None = None

    def to_hit(self) -> SearchHit:
        c = self.chunk
        return SearchHit(chunk_id=c.id, document=c.document, commune=c.commune, title=c.title,
                         section=c.section, text=c.text, score=round(self.score, 6), kind=c.kind,
                         line_start=c.line_start, line_end=c.line_end)

    def to_document(self) -> Document:
        c = self.chunk
        return Document(
            page_content=c.text,
            metadata={"chunk_id": c.id, "document": c.document, "commune": c.commune,
                      "title": c.title, "section": c.section, "kind": c.kind,
                      "line_start": c.line_start, "line_end": c.line_end, "score": self.score,
                      "ranked": self},
        )


class HybridRetriever(BaseRetriever):
    """Dense + lexical retrieval over the store, fused with reciprocal rank fusion."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: Any
    embedder: Any
    k: int = 8
    policy: Policy = DEFAULT_POLICY
    # Weights measured on eval/questions.jsonl (see Policy): the folded lexical channel is the
    # stronger one on this domain. e5 embeddings of text typed without diacritics are close to
    # noise, so such questions use the dense channel only when the embedder restores diacritics
    # first (it has a `restore` method, see assistant.accents); otherwise it is skipped.
    # Restrict to the commune a raw text query names ("… ở Di Linh") when no filter is given.
    detect_commune: bool = True

    _vectors: OrderedDict = PrivateAttr(default_factory=OrderedDict)

    # -- LangChain ----------------------------------------------------------------------
    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun,
                                communes: list[str] | None = None, k: int | None = None,
                                year: int | None = None, parsed: Query | None = None,
                                lexical_extra: str = "") -> list[Document]:
        """`invoke(text, parsed=Query, communes=…)`: with a parsed `Query`, its communes and topic
        are used as they are (no re-parsing); each Document carries its `RankedChunk` in
        metadata["ranked"] for the answer strategies."""
        if parsed is not None:
            ranked = self.retrieve_query(parsed, communes=communes, k=k or self.k, lexical_extra=lexical_extra)
        else:
            ranked = self.retrieve(query, communes=communes, k=k or self.k, year=year)
        return [r.to_document() for r in ranked]

    def retrieve_query(self, query: Query, communes: list[str] | None = None, k: int = 10,
                       lexical_extra: str = "") -> list[RankedChunk]:
        """Top-`k` chunks for an understood question: `communes` (default: those it names) filter,
        its topic feeds the lexical channel."""
        lexical = query.lexical_text
        if lexical_extra:
            lexical = f"{lexical} {lexical_extra}"
        scope = communes if communes is not None else (list(query.communes) or None)
        return self.retrieve(query.question, communes=scope, k=k, lexical_query=lexical, detect=False)

    # -- public API ---------------------------------------------------------------------
    def search(self, query: str, communes: list[str] | None = None, k: int = 10,
               year: int | None = None) -> list[SearchHit]:
        return [r.to_hit() for r in self.retrieve(query, communes=communes, k=k, year=year)]

    def query_vector(self, text: str):
        """The query embedding, memoised (the answer path may search the same text twice)."""
        cached = self._vectors.get(text)
        if cached is not None:
            self._vectors.move_to_end(text)
            return cached
        embed = getattr(self.embedder, "embed_query_vector", None)
        vector = embed(text) if embed is not None else self.embedder.embed_query(text)
        self._vectors[text] = vector
        if len(self._vectors) > self.policy.query_vector_cache:
            self._vectors.popitem(last=False)
        return vector

    def retrieve(self, query: str, communes: list[str] | None = None, k: int = 10,
                 year: int | None = None, lexical_query: str | None = None,
                 detect: bool | None = None) -> list[RankedChunk]:
        """Top-`k` chunks for `query`, restricted to `communes` (and plans covering `year`)."""
        query = (query or "").strip()
        if not query:
            return []
        communes = [c for c in (communes or []) if c] or None
        named: list[str] = []
        if communes is None and (self.detect_commune if detect is None else detect):
            named = self._communes_named(query) or []
            communes = named or None
        policy = self.policy
        fetch = max(policy.fetch_k, k)
        if year is not None:
            fetch *= 2            # filtering by year happens after retrieval
        restores = callable(getattr(self.embedder, "restore", None))
        dense_weight = policy.dense_weight if has_diacritics(query) or restores else policy.unaccented_dense_weight
        dense = self.store.dense_search(self.query_vector(query), k=fetch, communes=communes) \
            if dense_weight > 0 else []
        lexical = self.store.lexical_search(lexical_query or question_topic(query, communes or named) or query,
                                            k=fetch, communes=communes)
        fused = reciprocal_rank_fusion(
            [[cid for cid, _ in dense], [cid for cid, _ in lexical]],
            k=policy.rrf_k, weights=[dense_weight or 1.0, policy.lexical_weight],
        )
        dense_info = {cid: (rank, score) for rank, (cid, score) in enumerate(dense, start=1)}
        lexical_info = {cid: (rank, score) for rank, (cid, score) in enumerate(lexical, start=1)}
        allowed_docs = self._documents_covering(year) if year is not None else None

        want = [cid for cid, _ in fused]
        if allowed_docs is None:
            want = want[: k * 2]
        chunks = {c.id: c for c in self.store.get_chunks(want)}
        out: list[RankedChunk] = []
        for cid, score in fused:
            chunk = chunks.get(cid)
            if chunk is None:
                continue
            if allowed_docs is not None and chunk.document not in allowed_docs:
                continue
            d_rank, d_score = dense_info.get(cid, (0, None))
            l_rank, l_score = lexical_info.get(cid, (0, None))
            out.append(RankedChunk(chunk, score, d_rank, d_score, l_rank, l_score))
            if len(out) >= k:
                break
        return out

    # -- helpers ------------------------------------------------------------------------
    def _communes_named(self, query: str) -> list[str] | None:
        known = getattr(self.store, "communes", None)
        if known is None:
            return None
        return match_commune(query, list(known())) or None

    def _documents_covering(self, year: int) -> set[str] | None:
        """Documents whose period covers `year`; None (no filter) when no plan states a year at all."""
        docs = self.store.documents()
        spans = {d.document: year_span(d.year) for d in docs}
        if not any(spans.values()):
            return None
        return {doc for doc, span in spans.items() if span and span[0] <= year <= span[1]}
