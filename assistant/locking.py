"""One writer at a time across processes, and a cheap "the store changed" check for readers.

Writer side: `writer_lock(home)` is an exclusive lock on `$CCHC_HOME/writer.lock` (fcntl.flock).
The kernel drops it when the holding process dies, however it dies (SIGKILL included), so a
crashed worker or CLI never leaves the store locked. Within one process it is re-entrant per
thread and serialises threads, so nested writes (a job that calls a store write that locks
again) are fine. Waiting is bounded (`CCHC_WRITE_LOCK_TIMEOUT`); on timeout `StoreBusy` says, in
Vietnamese, which process holds it.

Reader side: every completed write bumps a generation counter (`bump_generation`, a row of the
store's `meta` table). `GenerationWatch.changed()` is cheap enough to call on every request:
`PRAGMA data_version` (no I/O when no other connection committed anything) and, only when
something was committed, one indexed row read. A reader that sees a new generation must reload
what it caches from the store (registry caches, and the Chroma client: an embedded Chroma client
does not see vectors another process wrote).

Integration points (see the function docstrings): `store_write(settings)` around every store
write (Store upsert/remove, reindex), bumping the generation when the write is complete in SQLite
AND Chroma; `GenerationWatch(settings.db_path).changed()` at the start of each read request.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import sqlite3
import sys
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

LOCK_FILE = "writer.lock"
GENERATION_KEY = "generation"
DEFAULT_TIMEOUT_S = 30.0
_POLL_S = 0.05


class StoreBusy(RuntimeError):
    """Another process holds the writer lock longer than the wait allowed."""

    def __init__(self, home: Path, waited: float, holder: dict | None) -> None:
        who = ""
        if holder:
            parts = [f"pid {holder.get('pid')}"]
            if holder.get("command"):
                parts.append(str(holder["command"]))
            if holder.get("since"):
                parts.append(f"từ {holder['since']}")
            who = f" ({', '.join(parts)})"
        super().__init__(
            f"kho dữ liệu đang được ghi bởi tiến trình khác{who}; đã chờ {waited:.0f} giây. "
            f"Vui lòng thử lại sau (thư mục dữ liệu: {home}; thời gian chờ: CCHC_WRITE_LOCK_TIMEOUT).")
        self.home = home
        self.holder = holder


class WriterLock:
    """Exclusive, re-entrant (per thread) writer lock over one data directory."""

    def __init__(self, home: Path, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        self.home = Path(home)
        self.path = self.home / LOCK_FILE
        self.timeout = timeout
        self._threads = threading.RLock()   # serialises this process's threads
        self._depth = 0
        self._fd: int | None = None

    # -- acquire / release ------------------------------------------------------------
    def acquire(self, timeout: float | None = None) -> "_Held":
        """Wait up to `timeout` seconds (default: the lock's) for the lock; raises `StoreBusy`.
        Pair with `release()`, or use the result as a context manager: `with lock.acquire(5):`."""
        limit = self.timeout if timeout is None else timeout
        start = time.monotonic()
        if not self._threads.acquire(timeout=max(limit, 0) if limit >= 0 else -1):
            raise StoreBusy(self.home, time.monotonic() - start, self.holder())
        try:
            if self._depth == 0:
                self._lock_file(start, limit)
            self._depth += 1
        except BaseException:
            self._threads.release()
            raise
        return _Held(self)

    def release(self) -> None:
        if self._depth <= 0:
            raise RuntimeError("writer lock released more often than acquired")
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                os.ftruncate(fd, 0)   # no stale holder shown once released
            except OSError:
                pass
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
        self._threads.release()

    def __enter__(self) -> "WriterLock":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    @property
    def held(self) -> bool:
        """True when this process holds the lock."""
        return self._fd is not None

    def holder(self) -> dict | None:
        """Who wrote the lock file last (pid, command, since), for messages; None when unknown."""
        try:
            text = self.path.read_text(encoding="utf-8").strip()
            return json.loads(text) if text else None
        except (OSError, ValueError):
            return None

    # -- internals --------------------------------------------------------------------
    def _lock_file(self, start: float, limit: float) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                        raise
                waited = time.monotonic() - start
                if 0 <= limit <= waited:
                    raise StoreBusy(self.home, waited, self.holder())
                time.sleep(_POLL_S)
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(_holder_info(), ensure_ascii=False).encode("utf-8"), 0)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd


class _Held:
    """What `WriterLock.acquire` returns: leaving it as a context releases the lock once."""

    def __init__(self, lock: WriterLock) -> None:
        self.lock = lock

    def __enter__(self) -> WriterLock:
        return self.lock

    def __exit__(self, *exc) -> None:
        self.lock.release()


def _holder_info() -> dict:
    command = " ".join(Path(a).name if i == 0 else a for i, a in enumerate(sys.argv[:3]))
    # argv holds undecodable bytes as lone surrogates (`cchc remove $'\xff.txt'`): shown, never fatal
    command = command.encode("utf-8", "backslashreplace").decode("utf-8")
    return {"pid": os.getpid(), "command": command,
            "since": datetime.now(timezone.utc).isoformat(timespec="seconds")}


_LOCKS: dict[Path, WriterLock] = {}
_LOCKS_GUARD = threading.Lock()


def writer_lock(home: Path, timeout: float | None = None) -> WriterLock:
    """The process-wide writer lock of data directory `home` (one instance per directory, so
    every writer in the process shares its re-entrancy and thread serialisation)."""
    key = Path(home).resolve()
    with _LOCKS_GUARD:
        lock = _LOCKS.get(key)
        if lock is None:
            lock = _LOCKS[key] = WriterLock(key, DEFAULT_TIMEOUT_S if timeout is None else timeout)
        elif timeout is not None:
            lock.timeout = timeout
        return lock


@contextmanager
def store_write(settings) -> Iterator[WriterLock]:
    """Hold the writer lock of `settings.home` for one write; on leaving, bump the generation
    so readers in other processes reload.

    INTEGRATION (after the store split): wrap the part of `Store.upsert_plan` / `Store.remove`
    (and reindex) from the SQLite transaction through the Chroma sync in `with store_write(...)`
    (embedding can stay outside: the vector cache is content-addressed). The outermost exit
    bumps the generation, i.e. once the write is complete in SQLite and Chroma; nested uses
    (the ingest job queue already wraps a whole job) bump only once."""
    lock = writer_lock(settings.home, getattr(settings, "write_lock_timeout", None))
    lock.acquire()
    outermost = lock._depth == 1
    try:
        yield lock
    finally:
        try:
            if outermost:
                _seen_here(settings.db_path, bump_generation(settings.db_path))
        finally:
            lock.release()


# -- store generation --------------------------------------------------------------------

def bump_generation(db_path: Path) -> int:
    """Writer side: +1 on the generation row once a write is complete; returns the new value
    (0 when the store has no `meta` table yet, i.e. was never opened)."""
    conn = sqlite3.connect(db_path, timeout=30, isolation_level=None)
    try:
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("INSERT INTO meta(key, value) VALUES (?, '1') ON CONFLICT(key) DO UPDATE "
                     "SET value = CAST(value AS INTEGER) + 1", (GENERATION_KEY,))
        return _generation(conn)
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return 0
        raise
    finally:
        conn.close()


def _generation(conn: sqlite3.Connection) -> int:
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (GENERATION_KEY,)).fetchone()
    except sqlite3.OperationalError as exc:   # a store never opened has no meta table yet
        if "no such table" in str(exc):
            return 0
        raise
    return int(row[0]) if row else 0


_WATCHES: "weakref.WeakSet[GenerationWatch]" = weakref.WeakSet()
_WATCHES_GUARD = threading.Lock()


def _seen_here(db_path: Path, generation: int) -> None:
    """A write of this process completed: its watches need not reload for it (this process's
    handles made the write). Writes are serialised by the lock and every writer refreshes before
    writing, so no other process's generation can hide behind this one."""
    key = Path(db_path).resolve()
    with _WATCHES_GUARD:
        watches = [w for w in _WATCHES if w.key == key]
    for watch in watches:
        watch.seen(generation)


class GenerationWatch:
    """Reader side: `changed()` is True once after each completed write by any process.

    INTEGRATION (after the store split): the Assistant keeps one watch per store and calls
    `changed()` at the start of each read (ask, search, tasks, documents); when True it reloads
    what it caches (reopen the Store, which gives a fresh Chroma client, and drop registry
    caches) before answering. Thread-safe; costs a PRAGMA when nothing changed."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = Path(db_path)
        self.key = self.db_path.resolve()
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._data_version: int | None = None
        self.generation = self._read()
        with _WATCHES_GUARD:
            _WATCHES.add(self)

    def seen(self, generation: int) -> None:
        """This process wrote `generation` itself: `changed()` stays False for it."""
        with self._lock:
            if generation > self.generation:
                self.generation = generation

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = sqlite3.connect(self.db_path, timeout=30, isolation_level=None, check_same_thread=False)
            self._conn.execute("PRAGMA busy_timeout=30000")
        return self._conn

    def _read(self) -> int:
        with self._lock:
            conn = self._connection()
            self._data_version = conn.execute("PRAGMA data_version").fetchone()[0]
            return _generation(conn)

    def changed(self) -> bool:
        with self._lock:
            conn = self._connection()
            version = conn.execute("PRAGMA data_version").fetchone()[0]
            if version == self._data_version:
                return False
            self._data_version = version
            generation = _generation(conn)
            if generation == self.generation:
                return False
            self.generation = generation
            return True

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
