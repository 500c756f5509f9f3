"""Storage: SQLite is the source of truth (`schema`), Chroma a derived vector index (`vectors`),
both behind the one `Store` facade (`facade`)."""

from assistant.store.facade import Store, StoredChunk, text_hash
from assistant.store.vectors import VectorIndexError

__all__ = ["Store", "StoredChunk", "VectorIndexError", "text_hash"]
