"""One facade over SQLite (source of truth) and Chroma (a derived vector index).

INTERFACE SKETCH — the store helper replaces the bodies. Other modules code against these
signatures. SQLite holds documents, chunks (+ folded search keys in an FTS5 table),
chunk vectors (float32 blobs, keyed by sha256 of embed text + embedder name, so unchanged
text is never re-embedded), tasks and targets. Chroma holds chunk vectors with metadata
{document, commune, year_start, year_end, kind} and is reconciled from SQLite on open.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.models import ParsedPlan, Target, TaskRecord


@dataclass
class StoredChunk:
    id: str
    document: str
    commune: str
    title: str
    text: str
    kind: str
    section: str
    line_start: int
    line_end: int
    page: int | None


class Store:
    def __init__(self, settings, embedder) -> None: ...
    def open(self) -> "Store": ...                        # create schema, reconcile Chroma
    def close(self) -> None: ...
    def upsert_plan(self, plan: ParsedPlan) -> str: ...  # "added" | "updated" | "unchanged"
    def remove(self, document: str) -> bool: ...
    def documents(self) -> list: ...                      # list[DocumentInfo]
    def has_hash(self, document: str, content_hash: str) -> bool: ...
    def lexical_search(self, query: str, k: int = 20, communes: list[str] | None = None) -> list[tuple[str, float]]: ...
    def dense_search(self, vector, k: int = 20, communes: list[str] | None = None) -> list[tuple[str, float]]: ...
    def get_chunks(self, ids: list[str]) -> list[StoredChunk]: ...
    def tasks(self, commune: str | None = None, agency: str | None = None, due: str | None = None,
              query: str | None = None, document: str | None = None) -> list[TaskRecord]: ...
    def targets(self, commune: str | None = None, document: str | None = None) -> list[Target]: ...
