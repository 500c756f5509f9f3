"""SQLite schema of the source of truth: documents, chunks (+ FTS5 over folded keys), the
embedding cache, tasks and targets; migrations of older stores."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from ingest.vntext import search_key

log = logging.getLogger(__name__)

SCHEMA_VERSION = 4
BUSY_TIMEOUT_MS = 30000   # how long a connection waits for SQLite's write lock

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    document TEXT PRIMARY KEY,
    title TEXT NOT NULL DEFAULT '',
    commune TEXT NOT NULL DEFAULT '',
    commune_key TEXT NOT NULL DEFAULT '',
    district TEXT NOT NULL DEFAULT '',
    province TEXT NOT NULL DEFAULT '',
    period TEXT NOT NULL DEFAULT '',
    year_start INTEGER,
    year_end INTEGER,
    number TEXT NOT NULL DEFAULT '',
    issue_date TEXT NOT NULL DEFAULT '',
    signer TEXT NOT NULL DEFAULT '',
    signer_title TEXT NOT NULL DEFAULT '',
    implements TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL,
    embedder TEXT NOT NULL,
    pipeline_version TEXT NOT NULL DEFAULT '',
    path TEXT NOT NULL DEFAULT '',
    ingested_at TEXT NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}',
    kind TEXT NOT NULL DEFAULT 'plan',      -- 'plan' | 'procedures' (a file of portal records)
    ocr INTEGER NOT NULL DEFAULT 0,         -- 1: text recognised from page images (a scan, a photo)
    ocr_confidence REAL,                    -- mean Tesseract word confidence (0-100) when ocr
    text_quality REAL,                      -- ingest.quality score of the text (NULL: not assessed)
    extractor TEXT NOT NULL DEFAULT ''      -- what produced the text: txt, docx, pdfplumber, tesseract, ...
);
CREATE INDEX IF NOT EXISTS documents_commune ON documents(commune_key);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY,
    document TEXT NOT NULL REFERENCES documents(document) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    embed_text TEXT NOT NULL DEFAULT '',
    section TEXT NOT NULL DEFAULT '',
    section_path TEXT NOT NULL DEFAULT '[]',
    line_start INTEGER NOT NULL DEFAULT 0,
    line_end INTEGER NOT NULL DEFAULT 0,
    page INTEGER,
    text_hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_document ON chunks(document, ordinal);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    key, chunk_id UNINDEXED, document UNINDEXED, commune, tokenize = "unicode61 tokenchars '_./'"
);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts_vocab USING fts5vocab(chunks_fts, row);
-- end of the lexical index
CREATE TABLE IF NOT EXISTS vectors (
    text_hash TEXT NOT NULL,
    embedder TEXT NOT NULL,
    dim INTEGER NOT NULL,
    vector BLOB NOT NULL,
    code BLOB,                          -- sign bits of the vector (assistant.store.codes)
    PRIMARY KEY (text_hash, embedder)
);
-- the dense channel's code index (assistant.store.codes): per plan, its chunks' codes as arrays
CREATE TABLE IF NOT EXISTS plan_codes (
    document TEXT PRIMARY KEY REFERENCES documents(document) ON DELETE CASCADE,
    embedder TEXT NOT NULL,
    chunk_rows BLOB NOT NULL,           -- int64 chunks.rowid of each plan chunk
    vector_rows BLOB NOT NULL,          -- int64 vectors.rowid of its cached vector, same order
    codes BLOB NOT NULL                 -- its code, same order
);
CREATE TABLE IF NOT EXISTS tasks (
    document TEXT NOT NULL REFERENCES documents(document) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    commune TEXT NOT NULL DEFAULT '',
    commune_key TEXT NOT NULL DEFAULT '',
    origin TEXT NOT NULL,
    area TEXT NOT NULL DEFAULT '',
    number TEXT NOT NULL DEFAULT '',
    task TEXT NOT NULL,
    lead TEXT NOT NULL DEFAULT '',
    coordinators TEXT NOT NULL DEFAULT '',
    product TEXT NOT NULL DEFAULT '',
    deadline TEXT NOT NULL DEFAULT '',
    monitor TEXT NOT NULL DEFAULT '',
    goal TEXT NOT NULL DEFAULT '',
    leads TEXT NOT NULL DEFAULT '[]',
    coordinator_list TEXT NOT NULL DEFAULT '[]',
    lead_keys TEXT NOT NULL DEFAULT '',          -- '|'-separated agency keys of the leads
    coordinator_keys TEXT NOT NULL DEFAULT '',
    deadline_kind TEXT NOT NULL DEFAULT '',      -- '' when the record has no normalised deadline
    deadline_text TEXT NOT NULL DEFAULT '',
    deadline_start TEXT,
    deadline_end TEXT,
    deadline_recurrence TEXT NOT NULL DEFAULT '',
    deadline_day INTEGER,
    flags TEXT NOT NULL DEFAULT '[]',
    section_path TEXT NOT NULL DEFAULT '[]',
    line_start INTEGER NOT NULL DEFAULT 0,
    line_end INTEGER NOT NULL DEFAULT 0,
    page INTEGER,
    chunk_id TEXT NOT NULL DEFAULT '',
    search_key TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (document, ordinal)
);
CREATE INDEX IF NOT EXISTS tasks_commune ON tasks(commune_key);
CREATE TABLE IF NOT EXISTS targets (
    document TEXT NOT NULL REFERENCES documents(document) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    commune TEXT NOT NULL DEFAULT '',
    commune_key TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    comparator TEXT NOT NULL DEFAULT '',
    value REAL NOT NULL,
    unit TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL DEFAULT '',
    area TEXT NOT NULL DEFAULT '',
    sentence TEXT NOT NULL DEFAULT '',
    section_path TEXT NOT NULL DEFAULT '[]',
    line_start INTEGER NOT NULL DEFAULT 0,
    line_end INTEGER NOT NULL DEFAULT 0,
    page INTEGER,
    PRIMARY KEY (document, ordinal)
);
-- the procedure facets' own lexical index (plans' term statistics stay the plans' own)
CREATE VIRTUAL TABLE IF NOT EXISTS procedure_fts USING fts5(
    key, chunk_id UNINDEXED, document UNINDEXED, tokenize = "unicode61 tokenchars '_./'"
);
CREATE VIRTUAL TABLE IF NOT EXISTS procedure_fts_vocab USING fts5vocab(procedure_fts, row);
CREATE TABLE IF NOT EXISTS procedures (
    document TEXT NOT NULL REFERENCES documents(document) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    field TEXT NOT NULL DEFAULT '',
    field_key TEXT NOT NULL DEFAULT '',          -- folded field, for the --field filter
    url TEXT NOT NULL DEFAULT '',
    flags TEXT NOT NULL DEFAULT '[]',
    record TEXT NOT NULL,                        -- the whole typed Procedure as JSON
    PRIMARY KEY (document, ordinal)
);
CREATE INDEX IF NOT EXISTS procedures_code ON procedures(code);
"""


def commune_token(key: str) -> str:
    """The single FTS token standing for a commune ("c_di_linh")."""
    return "c_" + key.replace(" ", "_")


def lexical_index_schema() -> list[str]:
    """The CREATE statements of the FTS table and its vocabulary view, taken from `SCHEMA`."""
    start = SCHEMA.index("CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts ")
    end = SCHEMA.index("-- end of the lexical index")
    return [part.strip() for part in SCHEMA[start:end].split(";") if part.strip()]



@contextmanager
def immediate(w: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction on `w` (BEGIN IMMEDIATE): committed when the block ends, rolled
    back when it raises anything (a kill signal included)."""
    w.execute("BEGIN IMMEDIATE")
    try:
        yield w
        w.execute("COMMIT")
    except BaseException:
        w.execute("ROLLBACK")
        raise


def connect(db_path) -> sqlite3.Connection:
    conn = sqlite3.connect(db_path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return conn


def migrate(w: sqlite3.Connection) -> None:
    """Bring a store of any earlier schema up to date (one transaction per migration), then
    create whatever is missing."""
    _migrate_fts(w)
    _migrate_document_columns(w)
    w.executescript(SCHEMA)
    _registry_indexes(w)
    w.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))


# Columns added to `documents` after its first release: (name, declaration). Stores written
# before them get them with their defaults (documents ingested then: plans, no OCR, quality unknown).
_ADDED_DOCUMENT_COLUMNS = (
    ("kind", "TEXT NOT NULL DEFAULT 'plan'"),      # schema 4: 'plan' | 'procedures'
    ("ocr", "INTEGER NOT NULL DEFAULT 0"),
    ("ocr_confidence", "REAL"),
    ("text_quality", "REAL"),
    ("extractor", "TEXT NOT NULL DEFAULT ''"),
)


def _migrate_document_columns(w: sqlite3.Connection) -> None:
    """Schemas 3 and 4: the OCR flag, OCR confidence, text-quality score, extractor and kind
    (plan or procedure file) per document, added to stores written before them."""
    def missing() -> list[tuple[str, str]]:
        columns = {r[1] for r in w.execute("PRAGMA table_info(documents)")}
        return [c for c in _ADDED_DOCUMENT_COLUMNS if columns and c[0] not in columns]

    if not missing():
        return
    with immediate(w):
        todo = missing()  # another process may have migrated meanwhile
        if todo:
            log.info("adding %s to the documents table (schema %s)", ", ".join(n for n, _ in todo), SCHEMA_VERSION)
        for name, declaration in todo:
            w.execute(f"ALTER TABLE documents ADD COLUMN {name} {declaration}")
        w.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))


READ_INDEXES = """
CREATE INDEX IF NOT EXISTS tasks_chunk ON tasks(chunk_id);
CREATE INDEX IF NOT EXISTS targets_commune ON targets(commune_key);
CREATE INDEX IF NOT EXISTS chunks_spread ON chunks(ordinal, document);
CREATE TABLE IF NOT EXISTS derived (
    key TEXT PRIMARY KEY,          -- what was derived ("answer:doc:<document>", "answer:total")
    stamp TEXT NOT NULL,           -- what it was derived from (content hash, revision, version)
    payload TEXT NOT NULL          -- JSON
);
"""


def _registry_indexes(w: sqlite3.Connection) -> None:
    """Lookups of the read path: records by chunk and targets by commune (the answer index,
    `assistant.qa.index`, touches only its commune's or its passages' rows), the first chunks of
    every plan (the accent vocabulary reads a bounded sample without sorting the table), and a
    cache of what readers derive per document (idf counts), checked by stamp."""
    w.executescript(READ_INDEXES)


def _migrate_fts(w: sqlite3.Connection) -> None:
    """Stores written before the FTS table had a commune column get it rebuilt from `chunks`."""
    columns = [r[1] for r in w.execute("PRAGMA table_info(chunks_fts)")]
    if not columns or "commune" in columns:
        return
    log.info("rebuilding the lexical index (schema %s)", SCHEMA_VERSION)
    with immediate(w):
        w.execute("DROP TABLE IF EXISTS chunks_fts_vocab")
        w.execute("DROP TABLE chunks_fts")
        for statement in lexical_index_schema():
            w.execute(statement)
        rows = w.execute("SELECT c.id, c.document, c.section, c.text, d.commune_key FROM chunks c "
                         "JOIN documents d ON d.document = c.document WHERE c.kind != 'procedure'").fetchall()
        w.executemany("INSERT INTO chunks_fts(key, chunk_id, document, commune) VALUES (?,?,?,?)",
                      [(search_key(f"{r['section']} {r['text']}"), r["id"], r["document"],
                        commune_token(r["commune_key"])) for r in rows])
        w.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
