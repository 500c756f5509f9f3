"""The composition root: one `Assistant` that the CLI, the API, the UI and the eval harness share.

Cheap `__init__` with plain parameters; `warm_up()` loads the embedder and opens the store
(Haystack-style), so constructing an Assistant never touches disk or models.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from assistant.config import Settings, get_settings
from assistant.schemas import Answer, DocumentInfo, SearchHit, TaskOut


class Assistant:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self._lock = threading.Lock()
        self._ready = False
        self.embedder = None
        self.store = None
        self.registry = None
        self.retriever = None
        self.answerer = None
        self.chain = None
        self.catalogue = None

    # -- lifecycle -------------------------------------------------------
    def open(self) -> "Assistant":
        """Embedder, store and registry only (what ingest, documents, remove and tasks need)."""
        with self._lock:
            if self.store is None:
                from assistant.embeddings import make_embedder
                from assistant.registry import Registry
                from assistant.store import Store

                self.settings.home.mkdir(parents=True, exist_ok=True)
                self.embedder = make_embedder(self.settings)
                self.store = Store(self.settings, self.embedder).open()
                self.registry = Registry(self.store)
                from assistant.procedure_views import ProcedureCatalogue

                self.catalogue = ProcedureCatalogue(self.store)
        return self

    def warm_up(self) -> "Assistant":
        self.open()
        with self._lock:
            if self._ready:
                return self
            from assistant.accents import AccentRestoringEmbeddings
            from assistant.qa.answerer import Answerer
            from assistant.qa.chain import answer_chain
            from assistant.qa.retrieve import HybridRetriever

            self.retriever = HybridRetriever(store=self.store,
                                             embedder=AccentRestoringEmbeddings(self.embedder, self.store))
            self.answerer = Answerer(store=self.store, retriever=self.retriever, settings=self.settings,
                                     catalogue=self.catalogue)
            self.chain = answer_chain(self.answerer)
            # Here, not in the first question: tasks and targets, the typo corrector's vocabulary,
            # the accent-restoring sample, the store's counts, the procedure records.
            self.answerer.speller(self.answerer.index())
            self.retriever.embedder.restorer()
            self.store.warm_up()
            self.catalogue.index()
            self._ready = True
        return self

    @property
    def ready(self) -> bool:
        return self._ready

    def close(self) -> None:
        if self.store is not None:
            self.store.close()
        self.store = None
        self._ready = False

    def _current(self) -> None:
        """The reload hook of every read: when another process (a CLI ingest, another API worker)
        completed a write since the last request, the store reopens its vector-index handle
        (`Store.refresh`); the answer index and accent vocabulary follow the store revision."""
        store = self.store
        if store is not None:
            store.refresh()

    # -- write path ------------------------------------------------------
    def ingest(self, paths: Sequence[str | Path], progress: bool = False, parse=None):
        """Ingest files/folders. Returns one `IngestResult` per file (see assistant.ingestion;
        `parse` replaces the in-process parse, as the upload queue does)."""
        from assistant.ingestion import ingest_paths

        self.warm_up()
        return ingest_paths(self.store, [Path(p) for p in paths], settings=self.settings, progress=progress,
                            parse=parse)

    def remove(self, document: str) -> bool:
        self.warm_up()
        return self.store.remove(document)

    # -- read path -------------------------------------------------------
    def documents(self) -> list[DocumentInfo]:
        self.warm_up()
        self._current()
        return self.store.documents()

    def task_selection(self, commune: str | None = None, agency: str | None = None, due: str | None = None,
                       query: str | None = None, role: str = "lead", origin: str | None = None,
                       document: str | None = None):
        """The registry filter every surface uses (`assistant.registry`); `due` parsed by `ingest.periods`
        (raises `PeriodError`, a ValueError with a Vietnamese message)."""
        self.open()
        self._current()
        return self.registry.tasks(commune=commune, agency=agency, due=due, query=query, role=role,
                                   origin=origin, document=document)

    def tasks(self, commune: str | None = None, agency: str | None = None, due: str | None = None,
              query: str | None = None, role: str = "lead", origin: str | None = None,
              document: str | None = None, include_ongoing: bool = False) -> list[TaskOut]:
        """Tasks as the contract's `TaskOut`. With `due`: the tasks due in it (`due_status="due"`),
        then, when `include_ongoing`, the standing duties during it (`due_status="ongoing"`)."""
        from assistant.export import task_to_out

        selection = self.task_selection(commune=commune, agency=agency, due=due, query=query, role=role,
                                        origin=origin, document=document)
        status = "due" if due else ""
        out = [task_to_out(t, status) for t in selection.tasks]
        if include_ongoing:
            out += [task_to_out(t, "ongoing") for t in selection.ongoing]
        return out

    def procedures(self, query: str | None = None, field: str | None = None, limit: int = 500):
        """Procedures of the catalogue (`ingest.procedure_models.Procedure`): all, or of a field
        (folded substring), ranked by how well `query` names them. One path for every surface."""
        self.open()
        return self.catalogue.search(query or "", field or "", limit=limit)

    def procedure(self, code: str):
        """One procedure by its code (mã thủ tục), or None."""
        self.open()
        return self.catalogue.get(code)

    def procedure_fields(self) -> list[str]:
        self.open()
        return self.catalogue.fields()

    def search(self, query: str, commune: str | None = None, k: int = 10) -> list[SearchHit]:
        self.warm_up()
        self._current()
        return self.retriever.search(query, communes=[commune] if commune else None, k=k)

    def ask(self, question: str, commune: str | None = None, history: list[dict] | None = None) -> Answer:
        """One question through the chain; `history` = earlier turns `[{"question", "answer"}]`."""
        self.warm_up()
        self._current()
        return self.chain.invoke({"question": question, "commune": commune, "history": history or []})

    def ask_batch(self, questions: Iterable[str], commune: str | None = None,
                  history: list[dict] | None = None) -> list[Answer]:
        """Independent questions, in order (LangChain `batch`; each sees the same `history`)."""
        self.warm_up()
        self._current()
        requests = [{"question": q, "commune": commune, "history": history or []} for q in questions]
        if not requests:
            return []
        return self.chain.batch(requests, config={"max_concurrency": 1})

    def ask_requests(self, requests: Sequence[dict]) -> list[Answer]:
        """Requests `{"question", "commune"?, "history"?}` in order (a `--batch` file's lines)."""
        self.warm_up()
        if not requests:
            return []
        return self.chain.batch([dict(r) for r in requests], config={"max_concurrency": 1})
