"""The typo corrector's vocabulary kept in SQLite, summed over the stored documents.

Reading every chunk and task of the store to learn its syllables took the first question 22 s at
2,000 plans (and grew with the corpus). The vocabulary is additive, so it is kept up to date where
the texts change instead: a document's terms are added in the transaction that inserts its rows and
subtracted in the one that deletes them, both read back from those rows (`document_texts`), so what
is subtracted is exactly what was added. A store written before this table, or by another version
of `Vocabulary`, is summed once when it is opened by a writer.
"""

from __future__ import annotations

import logging
import sqlite3
from collections import Counter

from assistant.spelling import Vocabulary
from assistant.store.schema import immediate

log = logging.getLogger(__name__)

VOCABULARY_VERSION = "1"     # bump when `Vocabulary.of` or `document_texts` change what they count
_META_KEY = "vocabulary_version"
_BATCH = 5000

SCHEMA = """
CREATE TABLE IF NOT EXISTS vocabulary (term TEXT PRIMARY KEY, count INTEGER NOT NULL) WITHOUT ROWID;
"""


def document_texts(conn: sqlite3.Connection, document: str) -> list[str]:
    """The texts the corrector learns from one stored document: its chunks and its task names."""
    texts = [r[0] for r in conn.execute("SELECT text FROM chunks WHERE document = ? ORDER BY ordinal", (document,))]
    texts += [r[0] for r in conn.execute("SELECT task FROM tasks WHERE document = ? ORDER BY ordinal", (document,))]
    return texts


def _apply(w: sqlite3.Connection, terms: dict[str, int], sign: int) -> None:
    items = [(term, sign * count) for term, count in terms.items()]
    w.executemany("INSERT INTO vocabulary(term, count) VALUES (?, ?) "
                  "ON CONFLICT(term) DO UPDATE SET count = count + excluded.count", items)
    if sign < 0:
        w.executemany("DELETE FROM vocabulary WHERE term = ? AND count <= 0", [(t,) for t, _ in items])


def add_document(w: sqlite3.Connection, document: str) -> None:
    """Inside the transaction that has just inserted `document`'s rows."""
    _apply(w, Vocabulary.of(document_texts(w, document)).terms(), +1)


def subtract_document(w: sqlite3.Connection, document: str) -> None:
    """Inside the transaction about to delete `document`'s rows (a no-op when it has none)."""
    texts = document_texts(w, document)
    if texts:
        _apply(w, Vocabulary.of(texts).terms(), -1)


def read(conn: sqlite3.Connection) -> Vocabulary:
    return Vocabulary.from_terms(conn.execute("SELECT term, count FROM vocabulary"))


def _current(w: sqlite3.Connection) -> bool:
    row = w.execute("SELECT value FROM meta WHERE key = ?", (_META_KEY,)).fetchone()
    return row is not None and row[0] == VOCABULARY_VERSION


def migrate(w: sqlite3.Connection) -> None:
    """Create the table; sum it over every stored document when it is missing or out of date."""
    w.executescript(SCHEMA)
    if _current(w):
        return
    with immediate(w):
        if not _current(w):                  # another process may have summed it meanwhile
            documents = [r[0] for r in w.execute("SELECT document FROM documents ORDER BY document")]
            if documents:
                log.info("summing the spelling vocabulary of %d documents (once)", len(documents))
            w.execute("DELETE FROM vocabulary")
            total: Counter[str] = Counter()
            for document in documents:
                total.update(Vocabulary.of(document_texts(w, document)).terms())
            items = list(total.items())
            for start in range(0, len(items), _BATCH):
                w.executemany("INSERT INTO vocabulary(term, count) VALUES (?, ?)", items[start:start + _BATCH])
            w.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (_META_KEY, VOCABULARY_VERSION))

