"""The `Store` facade over SQLite (source of truth, schema in `schema.py`) and Chroma (a derived
vector index, `vectors.py`).

SQLite (WAL) holds documents, chunks (+ folded search keys in an FTS5 table), the embedding
cache, tasks and targets. Chroma holds one vector per chunk with metadata
{document, commune, commune_key, year_start, year_end, kind}.

Crash safety (`upsert_plan`):
  1. vectors for chunk texts not yet cached are computed and committed to the `vectors` table
     (content-addressed by sha256(embed text) + embedder name, so partial progress is harmless
     and unchanged text is never embedded twice, even across documents or after remove);
  2. ONE SQLite transaction replaces the document row, its chunks, FTS rows, tasks and targets;
  3. Chroma is synced for that document from the cached vectors.
A kill before 2 leaves the old document intact; a kill after 2 leaves Chroma stale, and
`open()` reconciles Chroma against SQLite: documents whose transaction marked them
`chroma_pending` are re-synced whole (ids and metadata: an unchanged chunk keeps its id when
its document's commune changes), then ids SQLite does not know are dropped and the ones
Chroma lacks are added from cached vectors. Dense hits are filtered through SQLite, so readers never see a
chunk of a half-written document.

Several processes (API workers, a CLI ingest beside a server): every write runs under the writer
lock of `$CCHC_HOME` (`assistant.locking.store_write`) and bumps the store generation when done;
`refresh()` (called by the Assistant at the start of each read, and by every write once it holds
the lock) reopens the Chroma handle when another process completed a write since. SQLite readers
need nothing: each statement sees the last committed state, and the read-side caches are keyed
by `revision()`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np

from assistant.locking import GenerationWatch, store_write
from assistant.schemas import DocumentInfo
from assistant.store.schema import BUSY_TIMEOUT_MS, commune_token, connect, immediate, migrate
from assistant.spelling import Vocabulary
from assistant.store import codes, vocabulary
from assistant.store.vectors import ChromaIndex
from ingest.agencies import agency_key
from ingest.models import ParsedPlan, Target, TaskRecord
from ingest.procedure_models import ParsedProcedures, Procedure, procedure_from_dict
from ingest.vntext import commune_key, search_key, search_terms, tokens

log = logging.getLogger(__name__)

_BATCH = 500                 # SQL IN (...) batch size
_CHROMA_BATCH = 1000
_TASK_COLUMNS = 31
_PENDING = "chroma_pending:"  # meta key prefix: a document committed to SQLite, Chroma not yet synced
_SYNCED = "chroma_synced"     # meta key: the store revision Chroma was last fully synced at
_DERIVED_BUSY_MS = 50      # how long a reader tries to write the derived cache before giving up
_PROCEDURE_KIND = "procedure"    # chunk kind of procedure facets (Chroma metadata "kind")



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
    section_path: tuple[str, ...] = ()
    year: str = ""
    province: str = ""
    ordinal: int = 0


# -- keys and small helpers ------------------------------------------------------------------


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _embed_text(chunk) -> str:
    return chunk.embed_text or chunk.text


# An update in place keeps a cached vector's rowid, which the code index points at.
_PUT_VECTOR = ("INSERT INTO vectors(text_hash, embedder, dim, vector, code) VALUES (?, ?, ?, ?, ?) "
               "ON CONFLICT(text_hash, embedder) DO UPDATE SET dim = excluded.dim, vector = excluded.vector, "
               "code = excluded.code")


def vector_row(key: str, embedder_name: str, vector: np.ndarray, centre: np.ndarray | None) -> tuple:
    """The parameters of `_PUT_VECTOR` for one vector (`centre`: `codes.read_centre`)."""
    v = np.ascontiguousarray(vector, dtype=np.float32)
    return (key, embedder_name, int(v.shape[-1]), v.tobytes(), codes.code_bytes(v, centre))


def put_vectors(conn: sqlite3.Connection, rows: Iterable[tuple]) -> None:
    """Write `vector_row` rows into the content-addressed cache (inside the caller's transaction)."""
    conn.executemany(_PUT_VECTOR, rows)


# A term found in more than this share of chunks carries almost no BM25 weight but makes
# FTS5 walk most of the index ("chu_tri" is in every appendix row): leave it out.
_COMMON_TERM_SHARE = 0.2
_MIN_QUERY_TERMS = 2
# An unfiltered query walks every posting of its terms, and at national scale frequent-but-kept
# terms ("ho_so", "truc_tuyen": 40-60k chunks each at 5,000 plans) cost 100-230 ms: keep the rarest
# terms up to this many postings in all (never fewer than _MIN_QUERY_TERMS). A commune filter is
# cheap already, and a store of a few dozen plans never reaches the budget.
_UNFILTERED_POSTINGS = 20_000
_TERM_CACHE = 50_000          # query terms whose chunk frequency is kept per revision


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _fts_query(terms: Sequence[str], commune_keys: Sequence[str] = ()) -> str:
    """key:(t1 OR t2 ...) [AND commune:(c_x OR ...)], every term quoted so no FTS5 syntax gets through."""
    match = "key : (" + " OR ".join(_quoted(t) for t in terms) + ")"
    if commune_keys:
        match += " AND commune : (" + " OR ".join(_quoted(commune_token(k)) for k in commune_keys) + ")"
    return match


# The lexical index of each kind of source: (FTS table, its vocabulary, which chunks it counts).
# Procedure facets have their own table, so the plans' term statistics stay the plans' own.
_PLAN_LEXICAL = ("chunks_fts", "chunks_fts_vocab")
_PROCEDURE_LEXICAL = ("procedure_fts", "procedure_fts_vocab")


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _chunks_of(seq: Sequence, size: int) -> Iterable[Sequence]:
    for i in range(0, len(seq), size):
        yield seq[i:i + size]


def _pipeline_version() -> str:
    from ingest.pipeline import PIPELINE_VERSION  # lazily: the read path never needs the parsers

    return PIPELINE_VERSION


# -- the store -------------------------------------------------------------------------------

def _insert_chunks(w: sqlite3.Connection, document: str, chunks) -> None:
    """The chunk rows of one document (a plan's or a procedure file's), in order."""
    w.executemany(
        "INSERT INTO chunks(id, document, ordinal, kind, text, embed_text, section, section_path, "
        "line_start, line_end, page, text_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        [(c.id, document, i, c.kind, c.text, c.embed_text if c.embed_text != c.text else "",
          c.section, json.dumps(list(c.section_path), ensure_ascii=False), c.line_start, c.line_end,
          c.page, text_hash(_embed_text(c))) for i, c in enumerate(chunks)])


_COMMUNE_VECTOR_CACHE = 512   # communes whose chunk vectors stay in memory (~100 KB each)
_PROCEDURES_BLOCK = "\x00procedures"   # the cache entry of every procedure facet (no commune key)
_PLAN_QUERY_MAX = 2000        # widest unfiltered Chroma query before the kind filter is used
# Plan chunks whose codes are nearest the query's, rescored with their exact vectors. At 2,000
# plans (144,000 chunks) 800 keep 92% of the exact top 20 (Chroma's HNSW: 15%); a store of up
# to 800 plan chunks (a dozen plans) is searched exactly.
_CODE_CANDIDATES = 800


@dataclass(frozen=True)
class _VectorBlock:
    """Chunk ids and their unit vectors (one row each), for an exact nearest-neighbour scan."""

    ids: tuple[str, ...]
    matrix: np.ndarray

    @classmethod
    def of(cls, ids: Sequence[str], vectors: Sequence[np.ndarray]) -> "_VectorBlock":
        if not ids:
            return cls((), np.zeros((0, 0), dtype=np.float32))
        matrix = np.stack(vectors).astype(np.float32)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return cls(tuple(ids), matrix / np.where(norms > 0, norms, 1.0))

    @classmethod
    def join(cls, blocks: Sequence["_VectorBlock"]) -> "_VectorBlock":
        full = [b for b in blocks if b.ids]
        if not full:
            return cls((), np.zeros((0, 0), dtype=np.float32))
        return cls(tuple(i for b in full for i in b.ids), np.concatenate([b.matrix for b in full]))


@contextmanager
def _snapshot(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Reads of one committed state on a reader connection (a no-op inside an open transaction)."""
    if db.in_transaction:
        yield db
        return
    db.execute("BEGIN")
    try:
        yield db
    finally:
        db.execute("COMMIT")


def _nearest(block: _VectorBlock, vector, k: int) -> list[tuple[str, float]]:
    """The `k` rows of `block` of highest cosine with `vector`, best first (ties: stored order)."""
    if not block.ids:
        return []
    q = np.asarray(vector, dtype=np.float32).reshape(-1)
    norm = float(np.linalg.norm(q))
    sims = block.matrix @ (q / norm if norm > 0 else q)
    order = np.argsort(-sims, kind="stable")[:k]
    return [(block.ids[i], float(sims[i])) for i in order]


class Store:
    def __init__(self, settings, embedder) -> None:
        self.settings = settings
        self.embedder = embedder
        self._write_lock = threading.RLock()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._writer: sqlite3.Connection | None = None
        self.vectors: ChromaIndex | None = None
        self._watch: GenerationWatch | None = None
        self._commune_vectors_cache: OrderedDict[str, _VectorBlock] = OrderedDict()
        self._commune_vectors_revision: int | None = None
        self._commune_vectors_lock = threading.Lock()
        self._per_revision_values: dict[str, tuple[int, object]] = {}   # name -> (revision, value)
        self._code_index_value: tuple[int, codes.CodeIndex | None] | None = None   # (revision, index)
        self._code_index_lock = threading.Lock()

    # -- lifecycle ------------------------------------------------------------------------
    def open(self) -> "Store":
        Path(self.settings.home).mkdir(parents=True, exist_ok=True)
        self._writer = connect(self.settings.db_path)
        migrate(self._writer)
        vocabulary.migrate(self._writer)
        codes.migrate(self._writer, self.embedder.name)
        self._watch = GenerationWatch(self.settings.db_path)   # before Chroma: a write after this is seen
        self._open_chroma()
        self._reconcile_at_open()
        return self

    def refresh(self) -> bool:
        """Reopen the vector-index handle when another process completed a write since this store
        last looked (cheap when nothing changed: one PRAGMA). True when it reloaded."""
        watch = self._watch
        if watch is None or not watch.changed():
            return False
        log.info("store generation %s written by another process: reopening the vector index",
                 watch.generation)
        self.vectors.reopen()
        return True

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """One write: the cross-process writer lock (bumps the generation on leaving), this
        process's writer connection, and a handle current with every earlier write."""
        with store_write(self.settings), self._write_lock:
            self.refresh()
            yield

    def close(self) -> None:
        with self._readers_lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()
        self._local = threading.local()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._watch is not None:
            self._watch.close()
            self._watch = None
        if self.vectors is not None:
            self.vectors.close()

    def __enter__(self) -> "Store":
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    def _db(self) -> sqlite3.Connection:
        """This thread's read connection (WAL readers see only committed transactions)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self._writer is None:
                raise RuntimeError("Store is not open")
            conn = connect(self.settings.db_path)
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    # -- Chroma (derived index, assistant.store.vectors) -----------------------------------
    @property
    def _collection(self):
        return self.vectors.collection

    @_collection.setter
    def _collection(self, collection) -> None:     # tests wrap the live collection to inject faults
        self.vectors.collection = collection

    def _open_chroma(self) -> None:
        self.vectors = ChromaIndex(self.settings, self.embedder.name)
        self.vectors.open(rebuild=self._fill)

    def _fill(self, index: ChromaIndex) -> None:
        """Every chunk of SQLite into `index` (from cached vectors; missing ones are embedded)."""
        self._chroma_upsert(self._chunk_rows(self._writer), collection=index.collection)

    def reindex(self) -> int:
        """Rebuild the vector indexes from SQLite (the code index, then Chroma; the old Chroma
        collection serves until the new one is complete). Returns the number of vectors in Chroma."""
        with self._writing():
            with immediate(self._writer):
                codes.rebuild_index(self._writer, self.embedder.name)
                self._bump_revision()           # readers of every process reload the code index
            self.vectors.rebuild_collection(self._fill)
            self._writer.execute("DELETE FROM meta WHERE key LIKE ?", (_PENDING + "%",))
            self._record_synced()
            return self._collection.count()

    def chroma_ids(self, document: str | None = None) -> set[str]:
        """Ids present in the Chroma collection (all, or one document's)."""
        ids: set[str] = set()
        where = {"document": document} if document else None
        offset = 0
        while True:
            page = self._collection.get(where=where, include=[], limit=_CHROMA_BATCH * 5, offset=offset)
            ids.update(page["ids"])
            if len(page["ids"]) < _CHROMA_BATCH * 5:
                return ids
            offset += len(page["ids"])

    def _chroma_upsert(self, rows: list[sqlite3.Row], on_embedded: Callable[[int], None] | None = None,
                       collection=None) -> None:
        """Upsert chunk rows (joined with their document) into Chroma from cached vectors."""
        if not rows:
            return
        collection = collection if collection is not None else self._collection
        self._ensure_vectors([(r["text_hash"], r["embed_text"] or r["text"]) for r in rows], on_embedded)
        vectors = self._cached_vectors([r["text_hash"] for r in rows])
        for batch in _chunks_of(rows, _CHROMA_BATCH):
            metadatas = []
            for r in batch:
                meta = {"document": r["document"], "commune": r["commune"], "commune_key": r["commune_key"],
                        "kind": r["kind"]}
                if r["year_start"] is not None:
                    meta["year_start"] = r["year_start"]
                if r["year_end"] is not None:
                    meta["year_end"] = r["year_end"]
                metadatas.append(meta)
            collection.upsert(
                ids=[r["id"] for r in batch],
                embeddings=np.stack([vectors[r["text_hash"]] for r in batch]),
                metadatas=metadatas,
            )

    def _chunk_rows(self, conn: sqlite3.Connection, where: str = "", params: Sequence = ()) -> list[sqlite3.Row]:
        return conn.execute(
            "SELECT c.id, c.document, c.kind, c.text, c.embed_text, c.text_hash, d.commune, d.commune_key, "
            "d.year_start, d.year_end FROM chunks c JOIN documents d ON d.document = c.document "
            f"{where} ORDER BY c.document, c.ordinal", params).fetchall()

    def _sync_chroma_document(self, document: str) -> None:
        rows = self._chunk_rows(self._writer, "WHERE c.document = ?", (document,))
        wanted = {r["id"] for r in rows}
        stale = sorted(self.chroma_ids(document) - wanted)
        for batch in _chunks_of(stale, _CHROMA_BATCH):
            self._collection.delete(ids=list(batch))
        self._chroma_upsert(rows)

    def _mark_pending(self, document: str) -> None:
        """Inside the document's transaction: Chroma must be re-synced for it (until `_finish_sync`).

        Also bumps the store's revision, which readers use to refresh their caches."""
        self._writer.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, '1')", (_PENDING + document,))
        self._bump_revision()

    def _bump_revision(self) -> None:
        self._writer.execute("INSERT INTO meta(key, value) VALUES ('revision', '1') "
                             "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1")

    def revision(self) -> int:
        """A number that changes with every committed document write (cheap: one row)."""
        row = self._db().execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()
        return int(row[0]) if row else 0

    def _finish_sync(self, document: str) -> None:
        self._sync_chroma_document(document)
        self._writer.execute("DELETE FROM meta WHERE key = ?", (_PENDING + document,))
        if not self._pending_documents(self._writer):
            self._record_synced()

    def _record_synced(self) -> None:
        """Chroma holds exactly SQLite's chunks at the current revision (after a complete sync)."""
        self._writer.execute("INSERT OR REPLACE INTO meta(key, value) SELECT ?, value FROM meta WHERE key = 'revision'",
                             (_SYNCED,))

    def _chroma_in_step(self, db: sqlite3.Connection) -> bool:
        """True when Chroma is known to hold SQLite's chunks: an embedded index synced at the
        current revision by the last writer (no count: Chroma's count() loads its whole HNSW
        index into this process, about 2.4 KB per chunk), or one whose count matches."""
        if self.settings.chroma_mode == "persistent" and not self.vectors.created:
            marks = dict(db.execute("SELECT key, value FROM meta WHERE key IN ('revision', ?)", (_SYNCED,)).fetchall())
            if _SYNCED in marks and marks[_SYNCED] == marks.get("revision"):
                return True
        if db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0] != self._collection.count():
            return False
        try:
            self._record_synced()
        except sqlite3.OperationalError as exc:      # a read-only or busy store: count again next time
            log.info("could not record the vector index as synced: %s", exc)
        return True

    @staticmethod
    def _pending_documents(conn: sqlite3.Connection) -> list[str]:
        return [key[len(_PENDING):] for (key,) in conn.execute("SELECT key FROM meta")
                if key.startswith(_PENDING)]

    def _reconcile_at_open(self) -> None:
        """Reconcile only when there is something to repair: a write marked pending, or Chroma not
        known to be in step with SQLite (`_chroma_in_step`: the last writer's sync mark, else two
        counts, never a scan of every id). When another process is writing it finishes its own
        sync: leave it to it."""
        db = self._writer
        if not self._pending_documents(db) and self._chroma_in_step(db):
            return
        from assistant.locking import StoreBusy

        try:
            self.reconcile()
        except StoreBusy as exc:
            log.warning("not reconciling the vector index now: %s", exc)

    def reconcile(self) -> dict[str, int]:
        """Make Chroma hold exactly SQLite's chunk ids. Returns {"deleted": n, "added": m}."""
        with self._writing():
            for document in self._pending_documents(self._writer):  # a write was interrupted between COMMIT and its Chroma sync
                log.info("re-syncing Chroma for %s (interrupted write)", document)
                self._finish_sync(document)
            rows = self._chunk_rows(self._writer)
            wanted = {r["id"] for r in rows}
            present = self.chroma_ids()
            extra = sorted(present - wanted)
            for batch in _chunks_of(extra, _CHROMA_BATCH):
                self._collection.delete(ids=list(batch))
            missing = [r for r in rows if r["id"] not in present]
            self._chroma_upsert(missing)
            if extra or missing:
                log.info("reconciled Chroma: %d stale ids deleted, %d ids added", len(extra), len(missing))
            self._record_synced()
            return {"deleted": len(extra), "added": len(missing)}

    # -- embedding cache ------------------------------------------------------------------
    def _cached_vectors(self, hashes: Iterable[str], conn: sqlite3.Connection | None = None) -> dict[str, np.ndarray]:
        conn = conn or self._writer
        unique = sorted(set(hashes))
        found: dict[str, np.ndarray] = {}
        for batch in _chunks_of(unique, _BATCH):
            marks = ",".join("?" * len(batch))
            for row in conn.execute(
                    f"SELECT text_hash, vector FROM vectors WHERE embedder = ? AND text_hash IN ({marks})",
                    (self.embedder.name, *batch)):
                found[row["text_hash"]] = np.frombuffer(row["vector"], dtype=np.float32)
        return found

    def _missing_hashes(self, items: Iterable[tuple[str, str]]) -> dict[str, str]:
        """{text_hash: text} for items whose vector is not cached for the current embedder."""
        by_hash = dict(items)
        cached = self._cached_vectors(by_hash, conn=self._db())
        return {h: t for h, t in by_hash.items() if h not in cached}

    def passage_vectors(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) passage vectors of `texts` through the content-addressed cache
        (shipped vectors first, then the embedder for what is missing)."""
        items = [(text_hash(t), t) for t in texts]
        self._ensure_vectors(items)
        found = self._cached_vectors([h for h, _ in items], conn=self._db())
        return np.stack([found[h] for h, _ in items]) if items else np.zeros((0, 1), np.float32)

    def missing_vectors(self, plan: ParsedPlan) -> int:
        """How many distinct chunk texts of `plan` still need embedding (for progress bars)."""
        return len(self._missing_hashes((text_hash(_embed_text(c)), _embed_text(c)) for c in plan.chunks))

    def _ensure_vectors(self, items: Iterable[tuple[str, str]],
                        on_embedded: Callable[[int], None] | None = None) -> int:
        """Embed and cache every text whose vector is missing; returns how many were embedded.

        The embedding itself holds no lock (minutes for a large plan on a busy CPU; a delete or
        another process's write must not wait for it): only each batch's insert into the
        content-addressed cache takes this process's writer connection, so a text embedded twice
        by two writers at once is merely stored twice."""
        missing = list(self._missing_hashes(items).items())
        if missing:
            missing = self._take_shipped_vectors(missing, on_embedded)
        size = max(1, int(getattr(self.embedder, "batch_size", 32)))
        for batch in _chunks_of(missing, size):
            matrix = self.embedder.embed_passages([t for _, t in batch])
            self._cache_vectors([(h, v) for (h, _), v in zip(batch, matrix)])
            if on_embedded is not None:
                on_embedded(len(batch))
        return len(missing)

    def _cache_vectors(self, vectors: list[tuple[str, np.ndarray]]) -> None:
        """Store [(text hash, vector)] in the content-addressed vector cache, in one short
        transaction on this process's writer connection."""
        name = self.embedder.name
        with self._write_lock:
            with immediate(self._writer):
                centre = codes.read_centre(self._writer, name)
                put_vectors(self._writer, [vector_row(h, name, v, centre) for h, v in vectors])
            if centre is None:
                codes.settle_centre(self._writer, name)

    def _take_shipped_vectors(self, missing: list[tuple[str, str]],
                              on_embedded: Callable[[int], None] | None) -> list[tuple[str, str]]:
        """Cache the shipped vectors (data/vectors, verified on load) of texts in `missing`;
        returns what is still to embed."""
        from assistant.vector_cache import shipped_vectors

        shipped = shipped_vectors(self.embedder)
        if shipped is None:
            return missing
        found = shipped.lookup(h for h, _ in missing)
        if not found:
            return missing
        for batch in _chunks_of(sorted(found), _BATCH):
            self._cache_vectors([(h, found[h]) for h in batch])
            if on_embedded is not None:
                on_embedded(len(batch))
        return [(h, t) for h, t in missing if h not in found]

    # -- write path -----------------------------------------------------------------------
    def has_hash(self, document: str, content_hash: str) -> bool:
        """True when `document` is stored from identical bytes, embedder and pipeline version."""
        row = self._db().execute(
            "SELECT content_hash, embedder, pipeline_version FROM documents WHERE document = ?",
            (document,)).fetchone()
        return bool(row) and row["content_hash"] == content_hash and row["embedder"] == self.embedder.name \
            and row["pipeline_version"] == _pipeline_version()

    def document_with_hash(self, content_hash: str, exclude: str = "") -> str | None:
        """Another stored document made from exactly these bytes, if any."""
        row = self._db().execute(
            "SELECT document FROM documents WHERE content_hash = ? AND document != ? ORDER BY document LIMIT 1",
            (content_hash, exclude)).fetchone()
        return row["document"] if row else None

    def upsert_plan(self, plan: ParsedPlan, on_embedded: Callable[[int], None] | None = None,
                    force: bool = False) -> str:
        """Store a parsed plan. Returns "added", "updated" or "unchanged".

        Embedding comes first and outside the cross-process lock (the vector cache is
        content-addressed, so it is safe beside another writer); the rows and the Chroma sync run
        under it."""
        return self._upsert(plan, self._insert_plan, on_embedded, force)

    def upsert_procedures(self, parsed: ParsedProcedures, on_embedded: Callable[[int], None] | None = None,
                          force: bool = False) -> str:
        """Store a parsed file of procedure records (its procedures, facet chunks and vectors), the
        same way as a plan: one transaction, idempotent by content hash, removable with `remove`.
        Returns "added", "updated" or "unchanged"."""
        return self._upsert(parsed, self._insert_procedures, on_embedded, force)

    def _upsert(self, parsed, insert: Callable, on_embedded: Callable[[int], None] | None,
                force: bool) -> str:
        """The one write of a parsed document (a plan or a file of procedure records): embed
        outside every lock, then replace its rows in one transaction and sync Chroma."""
        if not force and self.has_hash(parsed.document, parsed.content_hash):
            return "unchanged"
        items = [(text_hash(_embed_text(c)), _embed_text(c)) for c in parsed.chunks]
        self._ensure_vectors(items, on_embedded)        # no lock held while embedding
        with self._writing():
            if not force and self.has_hash(parsed.document, parsed.content_hash):
                return "unchanged"
            self._ensure_vectors(items, on_embedded)    # normally nothing left to embed
            existed = self._writer.execute("SELECT 1 FROM documents WHERE document = ?",
                                           (parsed.document,)).fetchone() is not None
            with immediate(self._writer):
                self._delete_rows(parsed.document)
                insert(parsed)
                self._mark_pending(parsed.document)
            self._finish_sync(parsed.document)
            return "updated" if existed else "added"

    def _insert_procedures(self, parsed: ParsedProcedures) -> None:
        w = self._writer
        names = "; ".join(p.name for p in parsed.procedures)
        title = parsed.procedures[0].name if len(parsed.procedures) == 1 else f"{len(parsed.procedures)} thủ tục"
        w.execute(
            "INSERT INTO documents(document, title, content_hash, embedder, pipeline_version, path, ingested_at, "
            "metadata, kind) VALUES (?,?,?,?,?,?,?,?, 'procedures')",
            (parsed.document, title, parsed.content_hash, self.embedder.name, _pipeline_version(), str(parsed.path),
             datetime.now(timezone.utc).isoformat(timespec="seconds"),
             json.dumps({"warnings": list(parsed.warnings), "procedures": names[:2000]}, ensure_ascii=False)))
        _insert_chunks(w, parsed.document, parsed.chunks)
        w.executemany(
            "INSERT INTO procedure_fts(key, chunk_id, document) VALUES (?,?,?)",
            [(search_key(f"{c.section} {c.text}"), c.id, parsed.document) for c in parsed.chunks])
        w.executemany(
            "INSERT INTO procedures(document, ordinal, code, name, field, field_key, url, flags, record) "
            "VALUES (?,?,?,?,?,?,?,?,?)",
            [(parsed.document, i, p.code, p.name, p.field, search_key(p.field), p.url,
              json.dumps(p.flags, ensure_ascii=False), json.dumps(asdict(p), ensure_ascii=False))
             for i, p in enumerate(parsed.procedures)])
        vocabulary.add_document(w, parsed.document)

    def _delete_rows(self, document: str) -> None:
        w = self._writer
        vocabulary.subtract_document(w, document)
        codes.unindex_document(w, document)
        w.execute("DELETE FROM chunks_fts WHERE document = ?", (document,))
        w.execute("DELETE FROM procedure_fts WHERE document = ?", (document,))
        for table in ("tasks", "targets", "procedures", "chunks", "documents"):
            w.execute(f"DELETE FROM {table} WHERE document = ?", (document,))

    def _insert_plan(self, plan: ParsedPlan) -> None:
        w, meta = self._writer, plan.metadata
        ckey = commune_key(meta.commune)
        extra = asdict(meta)
        extra["warnings"] = list(plan.warnings)
        w.execute(
            "INSERT INTO documents(document, title, commune, commune_key, district, province, period, "
            "year_start, year_end, number, issue_date, signer, signer_title, implements, content_hash, "
            "embedder, pipeline_version, path, ingested_at, metadata, ocr, ocr_confidence, text_quality, "
            "extractor) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (plan.document, meta.title, meta.commune, ckey, meta.district, meta.province, meta.period,
             meta.year_start, meta.year_end, meta.number, meta.issue_date, meta.signer, meta.signer_title,
             meta.implements, plan.content_hash, self.embedder.name, _pipeline_version(), str(plan.path),
             datetime.now(timezone.utc).isoformat(timespec="seconds"), json.dumps(extra, ensure_ascii=False),
             int(plan.ocr), plan.ocr_confidence, plan.text_quality, plan.extractor))
        _insert_chunks(w, plan.document, plan.chunks)
        w.executemany(
            "INSERT INTO chunks_fts(key, chunk_id, document, commune) VALUES (?,?,?,?)",
            [(search_key(f"{c.section} {c.text}"), c.id, plan.document, commune_token(ckey))
             for c in plan.chunks])
        w.executemany(
            "INSERT INTO tasks VALUES (" + ",".join("?" * _TASK_COLUMNS) + ")",
            [self._task_row(plan.document, i, t) for i, t in enumerate(plan.tasks)])
        w.executemany(
            "INSERT INTO targets VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [(plan.document, i, t.commune, commune_key(t.commune), t.subject, t.comparator, float(t.value),
              t.unit, t.text, t.area, t.sentence,
              json.dumps(list(t.source.section_path) if t.source else [], ensure_ascii=False),
              t.source.line_start if t.source else 0, t.source.line_end if t.source else 0,
              t.source.page if t.source else None) for i, t in enumerate(plan.targets)])
        vocabulary.add_document(w, plan.document)
        codes.index_document(w, plan.document, self.embedder.name)

    @staticmethod
    def _task_row(document: str, ordinal: int, t: TaskRecord) -> tuple:
        leads = t.leads or ([t.lead] if t.lead else [])
        coordinators = t.coordinator_list or ([t.coordinators] if t.coordinators else [])
        d, src = t.deadline_norm, t.source
        return (
            document, ordinal, t.commune, commune_key(t.commune), t.origin, t.area, t.number, t.task, t.lead,
            t.coordinators, t.product, t.deadline, t.monitor, t.goal,
            json.dumps(t.leads, ensure_ascii=False), json.dumps(t.coordinator_list, ensure_ascii=False),
            "|".join(agency_key(x) for x in leads), "|".join(agency_key(x) for x in coordinators),
            d.kind if d else "", d.text if d else "", _iso(d.start) if d else None, _iso(d.end) if d else None,
            d.recurrence if d else "", d.day_of_period if d else None,
            json.dumps(t.flags, ensure_ascii=False),
            json.dumps(list(src.section_path) if src else [], ensure_ascii=False),
            src.line_start if src else 0, src.line_end if src else 0, src.page if src else None,
            t.chunk_id, " ".join(tokens(" ".join([t.area, t.task, t.product, t.goal]))),
        )

    def remove(self, document: str) -> bool:
        with self._writing():
            if self._writer.execute("SELECT 1 FROM documents WHERE document = ?", (document,)).fetchone() is None:
                return False
            with immediate(self._writer):
                self._delete_rows(document)
                self._mark_pending(document)
            self._finish_sync(document)
            return True

    # -- read path ------------------------------------------------------------------------
    def documents(self) -> list[DocumentInfo]:
        """The plans (files of procedure records are listed by `procedure_files`)."""
        return self._document_infos("WHERE d.kind = 'plan'")

    def procedure_files(self) -> list[DocumentInfo]:
        """Stored files of procedure records (`chunks` counts their facet chunks)."""
        return self._document_infos("WHERE d.kind = 'procedures'")

    def document(self, document: str) -> DocumentInfo | None:
        found = self._document_infos("WHERE d.document = ?", (document,))
        return found[0] if found else None

    def _document_infos(self, where: str = "", params: Sequence = ()) -> list[DocumentInfo]:
        rows = self._db().execute(
            "SELECT d.*, "
            "(SELECT COUNT(*) FROM chunks c WHERE c.document = d.document) AS n_chunks, "
            "(SELECT COUNT(*) FROM tasks t WHERE t.document = d.document) AS n_tasks, "
            "(SELECT COUNT(*) FROM targets g WHERE g.document = d.document) AS n_targets "
            f"FROM documents d {where} ORDER BY d.document", params).fetchall()
        return [DocumentInfo(
            document=r["document"], title=r["title"], commune=r["commune"], province=r["province"],
            district=r["district"], year=_year_label(r), chunks=r["n_chunks"], tasks=r["n_tasks"],
            targets=r["n_targets"], number=r["number"], issue_date=r["issue_date"],
            issue_date_text=json.loads(r["metadata"] or "{}").get("issue_date_text", ""), signer=r["signer"],
            signer_title=r["signer_title"], implements=r["implements"],
            content_hash=r["content_hash"], ocr=bool(r["ocr"]), ocr_confidence=r["ocr_confidence"],
            text_quality=r["text_quality"], extractor=r["extractor"]) for r in rows]

    # -- procedures (citizens' procedure records of the national portal) ------------------
    def procedures(self, field: str | None = None) -> list[Procedure]:
        """Every stored procedure (optionally of one field: folded substring), in file order."""
        sql = "SELECT record FROM procedures"
        params: list[str] = []
        if field and search_key(field).strip():
            sql += " WHERE field_key LIKE ?"
            params.append("%" + search_key(field).strip() + "%")
        rows = self._db().execute(sql + " ORDER BY document, ordinal", params).fetchall()
        return [procedure_from_dict(json.loads(r["record"])) for r in rows]

    def procedure_count(self, document: str) -> int:
        return self._db().execute("SELECT COUNT(*) FROM procedures WHERE document = ?", (document,)).fetchone()[0]

    def procedure(self, code: str) -> Procedure | None:
        """The procedure with this code (mã thủ tục); the first stored when files repeat it."""
        row = self._db().execute("SELECT record FROM procedures WHERE code = ? ORDER BY document, ordinal LIMIT 1",
                                 ((code or "").strip(),)).fetchone()
        return procedure_from_dict(json.loads(row["record"])) if row else None

    def communes(self) -> list[str]:
        """Distinct commune names as the plans write them (read once per store revision: a text
        search looks for the communes it names in every query)."""
        return list(self._per_revision("communes", lambda: tuple(r[0] for r in self._db().execute(
            "SELECT DISTINCT commune FROM documents WHERE commune != '' ORDER BY commune"))))

    def _per_revision(self, name: str, compute: Callable[[], object]):
        """`compute()`, kept until the store's revision changes (small values read on every query)."""
        revision = self.revision()
        cached = self._per_revision_values.get(name)
        if cached is None or cached[0] != revision:
            cached = self._per_revision_values[name] = (revision, compute())
        return cached[1]

    def commune_clause(self, communes: list[str] | None, column: str) -> tuple[str, list[str]]:
        if not communes:
            return "", []
        keys = sorted({commune_key(c) for c in communes if c and c.strip()})
        if not keys:
            return "", []
        return f" AND {column} IN ({','.join('?' * len(keys))})", keys

    def lexical_search(self, query: str, k: int = 20, communes: list[str] | None = None,
                       procedures: bool = False) -> list[tuple[str, float]]:
        """BM25 over folded unigram+bigram keys. Returns [(chunk_id, score)], best first, score > 0.
        Plans' chunks, or with `procedures` the procedure facet chunks."""
        terms = list(dict.fromkeys(search_terms(query)))
        if not terms or k <= 0:
            return []
        db = self._db()
        lexical = _PROCEDURE_LEXICAL if procedures else _PLAN_LEXICAL
        table = lexical[0]
        if procedures:
            match = "key : (" + " OR ".join(_quoted(t) for t in self._informative_terms(db, terms, lexical)) + ")"
            weights = "1.0, 0.0, 0.0"
        else:
            keys = sorted({commune_key(c) for c in communes or [] if c and c.strip()})
            match = _fts_query(self._informative_terms(db, terms, lexical,
                                                       budget=None if keys else _UNFILTERED_POSTINGS), keys)
            weights = "1.0, 0.0, 0.0, 0.0"
        rows = db.execute(
            f"SELECT chunk_id, bm25({table}, {weights}) AS rank FROM {table} "
            f"WHERE {table} MATCH ? ORDER BY rank LIMIT ?", (match, k)).fetchall()
        return [(r["chunk_id"], -float(r["rank"])) for r in rows]

    def _lexical_stats(self, lexical: tuple[str, str] = _PLAN_LEXICAL) -> dict:
        """Per revision and lexical index (plans' or procedures'): the chunk count and the document
        frequency of the query terms seen so far (fts5vocab walks a term's whole doclist, which
        grows with the store; the vocabulary of questions repeats, so each term is counted once
        per revision). Bounded."""
        revision = self.revision()
        caches = getattr(self, "_lexical_cache", None)
        if caches is None or caches["revision"] != revision:
            caches = {"revision": revision}
            self._lexical_cache = caches
        stats = caches.get(lexical[0])
        if stats is None:
            # Two index counts, not a scan of every chunk row for its kind.
            procedures = self._procedure_chunk_count()
            total = procedures if lexical is _PROCEDURE_LEXICAL else \
                self._db().execute("SELECT COUNT(*) FROM chunks").fetchone()[0] - procedures
            stats = {"frequency": {}, "total": total}
            caches[lexical[0]] = stats
        return stats

    def warm_up(self) -> "Store":
        """What the first question would otherwise load (per revision: the chunk totals of the
        lexical statistics and the procedure facets, and the code index)."""
        self._lexical_stats(_PLAN_LEXICAL)
        self._lexical_stats(_PROCEDURE_LEXICAL)
        if self.settings.dense_index == "codes":
            self.code_index()
        return self

    def chunk_count(self) -> int:
        """How many plan chunks the store holds, counted once per revision (COUNT(*) walks an index)."""
        return self._lexical_stats()["total"]

    def _informative_terms(self, db: sqlite3.Connection, terms: list[str],
                           lexical: tuple[str, str] = _PLAN_LEXICAL, budget: int | None = None) -> list[str]:
        """The query terms minus those found in most chunks (rarest kept when too few remain), and
        with a `budget`, the rarest ones whose postings add up to at most it."""
        stats = self._lexical_stats(lexical)
        total, cache = stats["total"], stats["frequency"]
        missing = [t for t in terms if t not in cache]
        if missing:
            marks = ",".join("?" * len(missing))
            found = dict(db.execute(
                f"SELECT term, doc FROM {lexical[1]} WHERE term IN ({marks})", missing).fetchall())
            if len(cache) > _TERM_CACHE:
                cache.clear()
            cache.update({t: found.get(t, 0) for t in missing})
        frequency = {t: cache[t] for t in terms if cache.get(t)}
        known = sorted((t for t in terms if t in frequency), key=frequency.__getitem__)
        if not known:
            return terms
        kept = [t for t in known if frequency[t] <= _COMMON_TERM_SHARE * total]
        if len(kept) < _MIN_QUERY_TERMS:
            return known[:_MIN_QUERY_TERMS]
        if budget is not None:
            within, postings = [], 0
            for term in kept:       # rarest first
                postings += frequency[term]
                if postings > budget and len(within) >= _MIN_QUERY_TERMS:
                    break
                within.append(term)
            kept = within
        return kept

    def dense_search(self, vector, k: int = 20, communes: list[str] | None = None,
                     procedures: bool = False) -> list[tuple[str, float]]:
        """Cosine similarity. Returns [(chunk_id, similarity)], best first. Plans' chunks, or with
        `procedures` the procedure facet chunks. Restricted to `communes`, and for the procedure
        facets, it touches only those vectors (an exact scan of SQLite's vector cache,
        `_vector_block`); the plans unrestricted come from Chroma's HNSW top-k without a `where`
        filter (`_plan_nearest`), or with the `codes` dense index from the chunks' binary codes
        (`_coded_nearest`). Chroma's filtered query is the fallback."""
        if k <= 0:
            return []
        keys = sorted({commune_key(c) for c in communes or [] if c and c.strip()})
        if keys and not procedures:
            local = self._commune_vectors(keys)
            if local is not None:
                return _nearest(local, vector, k)
        if procedures:
            local = self._procedure_vectors()
            if local is not None:
                return _nearest(local, vector, k)
        elif not keys:
            found = self._coded_nearest(vector, k) if self.settings.dense_index == "codes" else None
            if found is None:
                found = self._plan_nearest(vector, k)
            if found is not None:
                return found
        if procedures:
            where = {"kind": _PROCEDURE_KIND}
        else:
            kind = {"kind": {"$ne": _PROCEDURE_KIND}}
            where = {"$and": [{"commune_key": {"$in": keys}}, kind]} if keys else kind
        result = self._chroma_query(query_embeddings=[np.asarray(vector, dtype=np.float32)], n_results=k,
                                    where=where, include=["distances"])
        ids, distances = result["ids"][0], result["distances"][0]
        known = self._existing_chunk_ids(ids)  # Chroma may briefly trail SQLite during a write
        return [(i, 1.0 - float(d)) for i, d in zip(ids, distances) if i in known]

    def _vector_block(self, name: str, where: str, params: Sequence) -> "_VectorBlock | None":
        """The chunks matching `where` (over chunks c JOIN documents d) with their cached vectors,
        kept under `name` per store revision in a bounded LRU; None when one has no vector."""
        revision = self.revision()
        with self._commune_vectors_lock:
            if self._commune_vectors_revision != revision:
                self._commune_vectors_cache.clear()
                self._commune_vectors_revision = revision
            block = self._commune_vectors_cache.get(name)
            if block is not None:
                self._commune_vectors_cache.move_to_end(name)
                return block
        rows = self._db().execute(
            "SELECT c.id, v.vector FROM documents d JOIN chunks c ON c.document = d.document "
            "LEFT JOIN vectors v ON v.text_hash = c.text_hash AND v.embedder = ? "
            f"WHERE {where} ORDER BY c.document, c.ordinal", (self.embedder.name, *params)).fetchall()
        if any(r[1] is None for r in rows):
            return None
        block = _VectorBlock.of([r[0] for r in rows], [np.frombuffer(r[1], dtype=np.float32) for r in rows])
        with self._commune_vectors_lock:
            if self._commune_vectors_revision == revision:
                self._commune_vectors_cache[name] = block
                while len(self._commune_vectors_cache) > _COMMUNE_VECTOR_CACHE:
                    self._commune_vectors_cache.popitem(last=False)
        return block

    def _chroma_query(self, **query) -> dict:
        try:
            with self.vectors.reading():
                return self._collection.query(**query)
        except Exception as exc:  # noqa: BLE001 - another process wrote between refresh() and this query
            log.warning("vector query failed (%s); reopening the vector index and retrying once", exc)
            self.vectors.reopen()
            with self.vectors.reading():
                return self._collection.query(**query)

    def code_index(self) -> codes.CodeIndex | None:
        """The binary codes of every plan chunk (`plan_codes`), loaded once per store revision.
        None when they do not cover every plan chunk (rows written by an earlier version): then
        Chroma answers unfiltered dense queries until `cchc reindex` rebuilds them."""
        with self._code_index_lock:
            cached = self._code_index_value
            if cached is not None and cached[0] == self.revision():
                return cached[1]
            with _snapshot(self._db()) as db:     # revision, codes and counts of one state
                revision = self.revision()
                index = codes.read_index(db, self.embedder.name)
                expected = self.chunk_count()
            if len(index) != expected:
                log.warning("the code index holds %d of %d plan chunks; Chroma answers unfiltered dense "
                            "queries until `cchc reindex`", len(index), expected)
                index = None
            self._code_index_value = (revision, index)
            return index

    def _coded_nearest(self, vector, k: int) -> list[tuple[str, float]] | None:
        """The `k` plan chunks nearest `vector`: the `_CODE_CANDIDATES` nearest by binary code,
        rescored with their exact vectors. None when the code index cannot be built."""
        index = self.code_index()
        if index is None:
            return None
        if not len(index):
            return []
        picked = np.sort(index.candidates(vector, _CODE_CANDIDATES))
        db = self._db()
        stored: dict[int, bytes] = {}
        for batch in _chunks_of(index.vector_rows[picked].tolist(), _BATCH):
            stored.update(db.execute(f"SELECT rowid, vector FROM vectors WHERE rowid IN ({','.join('?' * len(batch))})",
                                     batch).fetchall())
        kept = [i for i in picked.tolist() if int(index.vector_rows[i]) in stored]
        if len(kept) < len(picked):     # rowids moved under the index (a VACUUM): reload next time
            with self._code_index_lock:
                self._code_index_value = None
        if not kept:
            return []
        block = _VectorBlock.of([str(i) for i in kept],
                                [np.frombuffer(stored[int(index.vector_rows[i])], np.float32) for i in kept])
        best = _nearest(block, vector, k)
        rows = [int(index.chunk_rows[int(position)]) for position, _ in best]
        ids = dict(db.execute(f"SELECT rowid, id FROM chunks WHERE rowid IN ({','.join('?' * len(rows))})",
                              rows).fetchall()) if rows else {}
        return [(ids[row], score) for row, (_, score) in zip(rows, best) if row in ids]

    def _plan_nearest(self, vector, k: int) -> list[tuple[str, float]] | None:
        """The `k` plan chunks nearest `vector` from Chroma's HNSW without a `where` clause (a
        filter makes Chroma list every matching id first: the whole collection when it is
        "not a procedure"): the nearest `n` of every kind, procedure facets dropped through
        SQLite, `n` widened until `k` plan chunks remain or every procedure facet fits in it.
        None when that would take more than `_PLAN_QUERY_MAX` results (then the filter runs)."""
        procedures = self._procedure_chunk_count()
        n = k if procedures == 0 else 2 * k
        while True:
            result = self._chroma_query(query_embeddings=[np.asarray(vector, dtype=np.float32)],
                                        n_results=n, include=["distances"])
            ids, distances = result["ids"][0], result["distances"][0]
            kinds = self._chunk_kinds(ids)
            found = [(i, 1.0 - float(d)) for i, d in zip(ids, distances)
                     if i in kinds and kinds[i] != _PROCEDURE_KIND]
            if len(found) >= k or len(ids) < n or n >= k + procedures:
                return found[:k]
            if n >= _PLAN_QUERY_MAX:
                return None
            n = min(4 * n, k + procedures, _PLAN_QUERY_MAX)

    def _procedure_chunk_count(self) -> int:
        """How many procedure facet chunks the store holds (counted once per revision)."""
        return self._per_revision("procedure chunks", lambda: self._db().execute(
            "SELECT COUNT(*) FROM chunks WHERE document IN (SELECT document FROM documents "
            "WHERE kind = 'procedures') AND kind = ?", (_PROCEDURE_KIND,)).fetchone()[0])

    def _chunk_kinds(self, ids: Sequence[str]) -> dict[str, str]:
        """{id: kind} of the ids SQLite holds (Chroma may briefly trail SQLite during a write)."""
        found: dict[str, str] = {}
        for batch in _chunks_of(list(ids), _BATCH):
            marks = ",".join("?" * len(batch))
            found.update((r[0], r[1]) for r in self._db().execute(
                f"SELECT id, kind FROM chunks WHERE id IN ({marks})", batch))
        return found

    def _procedure_vectors(self) -> "_VectorBlock | None":
        """Every procedure facet chunk with its unit vector (an exact scan: a few thousand rows at
        ten times the bundled catalogue), per store revision; None when a vector is missing."""
        return self._vector_block(_PROCEDURES_BLOCK, "d.kind = 'procedures' AND c.kind = ?", (_PROCEDURE_KIND,))

    def _commune_vectors(self, keys: Sequence[str]) -> "_VectorBlock | None":
        """The plan chunks of the communes `keys` with their unit vectors, read from SQLite (the
        chunks and the content-addressed vector cache: what Chroma is derived from) and kept per
        commune and store revision in a bounded LRU. None when a chunk has no cached vector of
        this embedder (then Chroma answers)."""
        blocks = []
        for key in keys:
            block = self._vector_block(key, "d.commune_key = ? AND d.kind = 'plan' AND c.kind != ?",
                                       (key, _PROCEDURE_KIND))
            if block is None:
                return None
            blocks.append(block)
        return blocks[0] if len(blocks) == 1 else _VectorBlock.join(blocks)

    def _existing_chunk_ids(self, ids: Sequence[str]) -> set[str]:
        return set(self._chunk_kinds(ids))

    def get_chunks(self, ids: list[str]) -> list[StoredChunk]:
        """Chunks by id, in the order asked; unknown ids are skipped."""
        by_id: dict[str, StoredChunk] = {}
        for batch in _chunks_of(list(dict.fromkeys(ids)), _BATCH):
            marks = ",".join("?" * len(batch))
            for r in self._db().execute(
                    "SELECT c.*, d.commune, d.title, d.province, d.period, d.year_start, d.year_end "
                    f"FROM chunks c JOIN documents d ON d.document = c.document WHERE c.id IN ({marks})", batch):
                by_id[r["id"]] = StoredChunk(
                    id=r["id"], document=r["document"], commune=r["commune"], title=r["title"], text=r["text"],
                    kind=r["kind"], section=r["section"], line_start=r["line_start"], line_end=r["line_end"],
                    page=r["page"], section_path=tuple(json.loads(r["section_path"])), year=_year_label(r),
                    province=r["province"], ordinal=r["ordinal"])
        return [by_id[i] for i in ids if i in by_id]

    def document_chunk_ids(self, document: str) -> list[str]:
        return [r[0] for r in self._db().execute(
            "SELECT id FROM chunks WHERE document = ? ORDER BY ordinal", (document,))]

    def chunk_ids(self) -> set[str]:
        return {r[0] for r in self._db().execute("SELECT id FROM chunks")}

    def vocabulary(self) -> Vocabulary:
        """The typo corrector's vocabulary summed over every stored document (kept at write time)."""
        return vocabulary.read(self._db())

    def chunk_texts(self, limit: int) -> list[str]:
        """Up to `limit` chunk texts, spread over the documents (for vocabulary building)."""
        return [r[0] for r in self._db().execute(
            "SELECT text FROM chunks ORDER BY ordinal, document LIMIT ?", (limit,))]

    def derived(self, keys: Sequence[str]) -> dict[str, tuple[str, str]]:
        """Cached derivations {key: (stamp, payload)} (see `put_derived`)."""
        found: dict[str, tuple[str, str]] = {}
        for batch in _chunks_of(list(keys), _BATCH):
            marks = ",".join("?" * len(batch))
            for r in self._db().execute(f"SELECT key, stamp, payload FROM derived WHERE key IN ({marks})", batch):
                found[r[0]] = (r[1], r[2])
        return found

    def put_derived(self, items: Sequence[tuple[str, str, str]]) -> None:
        """Keep what a reader derived from the store [(key, stamp, payload)]. A cache, not data:
        written without the writer lock (SQLite serialises it), and a reader trusts an entry only
        when its stamp matches what it would derive from."""
        if not items:
            return
        db = self._db()
        # A reader never waits for a writer: while a document's transaction is open the cache is
        # simply not written (derived again next time), instead of waiting the busy timeout.
        db.execute(f"PRAGMA busy_timeout={_DERIVED_BUSY_MS}")
        try:
            db.execute("BEGIN IMMEDIATE")
            db.executemany("INSERT OR REPLACE INTO derived(key, stamp, payload) VALUES (?,?,?)", items)
            db.execute("COMMIT")
        except sqlite3.OperationalError as exc:   # read-only or busy store: derive again next time
            if db.in_transaction:
                db.execute("ROLLBACK")
            log.info("derived cache not written: %s", exc)
        finally:
            db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

    def query_rows(self, sql: str, params: Sequence = ()) -> list[sqlite3.Row]:
        """Rows of a read query (the registry engine's SQL runs here)."""
        return self._db().execute(sql, list(params)).fetchall()

    def tasks(self, **filters) -> list[TaskRecord]:
        """Registry records (see `assistant.registry.Registry.tasks` for the filters)."""
        from assistant.registry import Registry

        return Registry(self).tasks(**filters).tasks

    def targets(self, commune: str | None = None, document: str | None = None) -> list[Target]:
        from assistant.registry import Registry

        return Registry(self).targets(commune=commune, document=document)

    def stats(self) -> dict[str, int]:
        db = self._db()
        return {name: db.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0]
                for name in ("documents", "chunks", "tasks", "targets", "procedures", "vectors")} | \
            {"chroma": self._collection.count()}


def _year_label(r: sqlite3.Row) -> str:
    if r["period"]:
        return r["period"]
    if r["year_start"] and r["year_end"] and r["year_start"] != r["year_end"]:
        return f"{r['year_start']}-{r['year_end']}"
    return str(r["year_start"] or r["year_end"] or "")
