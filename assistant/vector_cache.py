"""Shipped vectors of the bundled corpus (`data/vectors/<embedder>.npz`), so a fresh install
does not embed hundreds of chunks at first start.

The file is written by `scripts/precompute_vectors.py` and holds, for one embedder:
`hashes` (uint8 rows of 32: the sha256 of each chunk's exact embed text, the same key as the
store's `vectors` table; not a bytes dtype, which would drop trailing zero bytes), `vectors` (float16, L2-normalised rows), `embedder` (the embedder's `name`),
`checksum` (sha256 over embedder name, hashes and vector bytes) and two `probe_texts` with
their hashes. On load the file is verified: the embedder name must match, the checksum must
match, and the probe texts are re-embedded and must agree with the shipped rows (cosine >
`MIN_PROBE_COSINE`). A file that fails any check is ignored (the store embeds as before).
Rows are looked up by text hash only, so a chunk whose text changed is never served a stale
vector ("never re-embed unchanged text", never reuse a changed one).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

VECTORS_DIR = Path(__file__).resolve().parent.parent / "data" / "vectors"
MIN_PROBE_COSINE = 0.99     # float16 storage and the 4-bit engine agree to ~0.9999
PROBES = 2


def cache_path(embedder_name: str, directory: Path = VECTORS_DIR) -> Path:
    safe = "".join(ch if ch.isalnum() or ch in "-._" else "_" for ch in embedder_name)
    return Path(directory) / f"{safe}.npz"


def checksum(embedder_name: str, hashes: np.ndarray, vectors: np.ndarray) -> str:
    digest = hashlib.sha256(embedder_name.encode("utf-8"))
    digest.update(np.ascontiguousarray(hashes).tobytes())
    digest.update(np.ascontiguousarray(vectors, dtype=np.float16).tobytes())
    return digest.hexdigest()


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def write_cache(path: Path, embedder_name: str, texts_by_hash: Mapping[str, str], vectors: np.ndarray) -> None:
    """Save vectors (rows in the order of `texts_by_hash`) compactly, with what load verifies."""
    keys = list(texts_by_hash)
    hashes = np.frombuffer(b"".join(bytes.fromhex(h) for h in keys), dtype=np.uint8).reshape(len(keys), 32)
    half = np.asarray(vectors, dtype=np.float16)
    probes = [keys[0], keys[len(keys) // 2]] if len(keys) > 1 else keys[:1]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        np.savez_compressed(
            handle, hashes=hashes, vectors=half, embedder=np.array(embedder_name),
            checksum=np.array(checksum(embedder_name, hashes, half)),
            probe_hashes=np.array(probes), probe_texts=np.array([texts_by_hash[h] for h in probes]))


class ShippedVectors:
    """The verified rows of one cache file: `lookup(hashes)` -> {hash: float32 vector}."""

    def __init__(self, rows: dict[str, np.ndarray], embedder_name: str) -> None:
        self.rows = rows
        self.embedder_name = embedder_name

    def __len__(self) -> int:
        return len(self.rows)

    def lookup(self, hashes: Iterable[str]) -> dict[str, np.ndarray]:
        return {h: self.rows[h] for h in hashes if h in self.rows}


class CacheError(ValueError):
    pass


def load_cache(path: Path, embedder) -> ShippedVectors:
    """Read and verify a cache file for `embedder`. Raises `CacheError` when it does not verify."""
    with np.load(path, allow_pickle=False) as data:
        name = str(data["embedder"])
        if name != embedder.name:
            raise CacheError(f"{path.name}: vectors of {name!r}, not of {embedder.name!r}")
        hashes, vectors = data["hashes"], data["vectors"]
        if str(data["checksum"]) != checksum(name, hashes, vectors):
            raise CacheError(f"{path.name}: checksum mismatch")
        if hashes.dtype != np.uint8 or hashes.ndim != 2 or hashes.shape[1] != 32:
            raise CacheError(f"{path.name}: hashes are not sha256 digests")
        if len(hashes) != len(vectors):
            raise CacheError(f"{path.name}: {len(hashes)} hashes for {len(vectors)} vectors")
        probe_hashes = [str(h) for h in data["probe_hashes"]]
        probe_texts = [str(t) for t in data["probe_texts"]]
        matrix = vectors.astype(np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    matrix /= norms
    rows = {h.tobytes().hex(): matrix[i] for i, h in enumerate(hashes)}
    for h, t in zip(probe_hashes, probe_texts):
        if text_hash(t) != h or h not in rows:
            raise CacheError(f"{path.name}: probe text does not match its hash")
    if probe_texts:
        fresh = embedder.embed_passages(probe_texts)
        for h, v in zip(probe_hashes, fresh):
            cosine = float(np.dot(rows[h], v))
            if cosine <= MIN_PROBE_COSINE:
                raise CacheError(f"{path.name}: re-embedded probe differs (cosine {cosine:.4f})")
    return ShippedVectors(rows, name)


_loaded: dict[tuple[str, str], ShippedVectors | None] = {}
_lock = threading.Lock()


def shipped_vectors(embedder, directory: Path | None = None) -> ShippedVectors | None:
    """The verified shipped vectors for `embedder` (loaded and checked once per process), or None."""
    path = cache_path(getattr(embedder, "name", ""), directory or VECTORS_DIR)
    key = (str(path), getattr(embedder, "name", ""))
    with _lock:
        if key not in _loaded:
            found = None
            if path.is_file():
                try:
                    found = load_cache(path, embedder)
                    log.info("shipped vectors: %d rows from %s", len(found), path)
                except (CacheError, OSError, KeyError, ValueError) as exc:
                    log.warning("shipped vectors ignored: %s", exc)
            _loaded[key] = found
        return _loaded[key]
