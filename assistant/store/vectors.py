"""The Chroma collection: a derived index of one vector per chunk, rebuilt from SQLite on demand.

Opening never deletes anything: a Chroma that cannot be opened (full disk, permissions, a server
down) raises `VectorIndexError` and the files stay as they are. The index is rebuilt only by an
explicit `reindex` (`cchc reindex`), or at open when its files are proven corrupt (SQLite says
"not a database"/"malformed"); a rebuild fills a new index first and swaps it in only when
complete, so the old one stays usable until then.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

_CORRUPT_MARKERS = ("file is not a database", "database disk image is malformed", "malformed")


class VectorIndexError(RuntimeError):
    """The vector index could not be opened (message in Vietnamese; nothing was deleted)."""


def is_corrupt(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(marker in text for marker in _CORRUPT_MARKERS)


class _SharedLock:
    """Many readers or one swapper: queries share the handle, `reopen` waits for them to finish."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._swapping = False

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._cond:
            while self._swapping:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._cond:
            while self._swapping:
                self._cond.wait()
            self._swapping = True
            while self._readers:
                self._cond.wait()
        try:
            yield
        finally:
            with self._cond:
                self._swapping = False
                self._cond.notify_all()


class ChromaIndex:
    def __init__(self, settings, embedder_name: str) -> None:
        self.settings = settings
        self.embedder_name = embedder_name
        self.client = None
        self.collection = None
        self.guard = _SharedLock()
        self.created = False     # this handle made the collection (it was missing or of another embedder)

    # -- opening ----------------------------------------------------------------------------
    def _make_client(self, path: Path | None = None):
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        if self.settings.chroma_mode == "http":
            return chromadb.HttpClient(host=self.settings.chroma_host, port=self.settings.chroma_port,
                                       settings=chroma_settings)
        path = Path(path or self.settings.chroma_path)
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)

    def open(self, rebuild: Callable[["ChromaIndex"], None] | None = None) -> "ChromaIndex":
        """Open the collection. `rebuild(index)` refills a fresh index; it runs only when the
        files are proven corrupt (see the module docstring)."""
        try:
            self.client = self._make_client()
            self.collection = self._get_collection(self.settings.chroma_collection)
        except Exception as exc:  # noqa: BLE001 - chroma raises many types across versions
            if self.settings.chroma_mode == "http" or not is_corrupt(exc) or rebuild is None:
                raise VectorIndexError(
                    f"Không mở được chỉ mục vector ({exc}). Dữ liệu trong SQLite vẫn nguyên vẹn; "
                    "khắc phục nguyên nhân (ổ đĩa, quyền truy cập) rồi chạy lại, hoặc dựng lại bằng "
                    "`cchc reindex`.") from exc
            log.warning("Chroma index corrupt (%s); rebuilding it from SQLite", exc)
            self.rebuild_directory(rebuild)
        return self

    def _get_collection(self, name: str, create: bool = True):
        try:
            collection = self.client.get_collection(name, embedding_function=None)
        except Exception:  # noqa: BLE001 - NotFoundError's import path moved across chroma versions
            collection = None
        if collection is not None and (collection.metadata or {}).get("embedder") != self.embedder_name:
            # Vectors of another model live in another space: start the index over.
            self.client.delete_collection(name)
            collection = None
        if collection is None and create:
            self.created = True
            collection = self.client.create_collection(
                name, metadata={"embedder": self.embedder_name}, configuration={"hnsw": {"space": "cosine"}},
                embedding_function=None)
        return collection

    def close(self) -> None:
        client, self.client, self.collection = self.client, None, None
        if client is not None and hasattr(client, "close"):
            try:
                client.close()      # the last client of a path stops its System (files released)
            except Exception:  # noqa: BLE001 - closing must not mask what the caller is doing
                log.debug("closing the Chroma client failed", exc_info=True)

    def reading(self):
        """Hold while querying, so a concurrent `reopen` never pulls the handle from under a query."""
        return self.guard.shared()

    def reopen(self) -> None:
        """A fresh handle after another process wrote: an embedded Chroma client keeps its HNSW
        index in memory and does not see vectors written by another process (a server does)."""
        if self.settings.chroma_mode == "http":
            return
        with self.guard.exclusive():
            self.close()
            self.client = self._make_client()
            self.collection = self._get_collection(self.settings.chroma_collection)

    # -- rebuilding ---------------------------------------------------------------------------
    def rebuild_collection(self, fill: Callable[["ChromaIndex"], None]) -> None:
        """Fill a new collection beside the live one, then swap it in (the old one serves until then)."""
        name = self.settings.chroma_collection
        staging = f"{name}__rebuild"
        with_staging = ChromaIndex(self.settings, self.embedder_name)
        with_staging.client = self.client
        try:
            self.client.delete_collection(staging)
        except Exception:  # noqa: BLE001 - absent
            pass
        with_staging.collection = with_staging._get_collection(staging)
        fill(with_staging)
        self.client.delete_collection(name)
        with_staging.collection.modify(name=name)
        self.collection = self.client.get_collection(name, embedding_function=None)

    def rebuild_directory(self, fill: Callable[["ChromaIndex"], None]) -> None:
        """A local index whose files cannot be read: build a new directory, then swap it in."""
        from chromadb.api.client import SharedSystemClient

        path = Path(self.settings.chroma_path)
        fresh = path.with_name(path.name + ".rebuild")
        shutil.rmtree(fresh, ignore_errors=True)
        staging = ChromaIndex(self.settings, self.embedder_name)
        staging.client = staging._make_client(fresh)
        staging.collection = staging._get_collection(self.settings.chroma_collection)
        fill(staging)
        staging.close()
        SharedSystemClient.clear_system_cache()
        old = path.with_name(path.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if path.exists():
            path.rename(old)
        fresh.rename(path)
        shutil.rmtree(old, ignore_errors=True)
        self.client = self._make_client()
        self.collection = self._get_collection(self.settings.chroma_collection)
