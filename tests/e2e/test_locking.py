"""One writer at a time across processes (issue 16 item 2, issue 15 item 5): the writer lock in
$CCHC_HOME between real processes (one holds it, another waits or times out, SIGKILL of the holder
frees it), re-entrancy and thread serialisation inside a process, and the store generation that
readers poll to know another process completed a write."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.locking import GenerationWatch, StoreBusy, WriterLock, store_write, writer_lock

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "data" / "plans"


def _holder(home: Path, hold_s: float) -> subprocess.Popen:
    """Another process that takes the lock, says so on stdout, and holds it for `hold_s`."""
    code = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from assistant.locking import writer_lock
        with writer_lock(Path({str(home)!r})):
            print("held", flush=True)
            time.sleep({hold_s})
        print("released", flush=True)
    """)
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": str(REPO)})
    assert process.stdout.readline().strip() == "held"
    return process


def test_a_second_process_times_out_with_a_vietnamese_message_naming_the_holder(tmp_path):
    holder = _holder(tmp_path, 30)
    try:
        lock = WriterLock(tmp_path)
        started = time.monotonic()
        with pytest.raises(StoreBusy) as raised:
            lock.acquire(timeout=0.5)
        assert time.monotonic() - started >= 0.5
        message = str(raised.value)
        assert "kho dữ liệu đang được ghi bởi tiến trình khác" in message
        assert f"pid {holder.pid}" in message
        assert not lock.held
    finally:
        holder.kill()
        holder.wait()


def test_a_waiting_process_gets_the_lock_when_the_holder_releases(tmp_path):
    holder = _holder(tmp_path, 1.0)
    try:
        lock = WriterLock(tmp_path)
        with lock.acquire(timeout=30):
            assert lock.held
            # the holder finished its critical section before we got in
            assert holder.stdout.readline().strip() == "released"
            assert lock.holder()["pid"] == os.getpid()
        assert not lock.held
    finally:
        holder.wait(timeout=30)


def test_killing_the_holder_frees_the_lock(tmp_path):
    holder = _holder(tmp_path, 300)
    lock = WriterLock(tmp_path)
    with pytest.raises(StoreBusy):
        lock.acquire(timeout=0.2)
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=30)
    assert holder.returncode == -signal.SIGKILL
    with lock.acquire(timeout=5):
        assert lock.held


def test_reentrant_in_a_thread_and_exclusive_between_threads(tmp_path):
    lock = writer_lock(tmp_path)
    assert writer_lock(tmp_path) is lock, "one instance per data directory and process"
    order: list[str] = []
    with lock:
        with lock:                       # a store write inside a job that holds the lock
            assert lock.held
        assert lock.held

        def other() -> None:
            with lock:
                order.append("other")

        thread = threading.Thread(target=other)
        thread.start()
        time.sleep(0.2)
        order.append("first")            # the other thread is still waiting
    thread.join(timeout=10)
    assert order == ["first", "other"]
    assert not lock.held
    with pytest.raises(RuntimeError):
        lock.release()


def _store_with_one_plan(home: Path) -> Settings:
    from assistant.service import Assistant

    settings = Settings(home=home, embedder="hash")
    assistant = Assistant(settings)
    try:
        assert all(r.ok for r in assistant.ingest([CORPUS / "loc-hoa_2025.txt"]))
    finally:
        assistant.close()
    return settings


def test_generation_changes_once_per_completed_write_in_another_process(tmp_path):
    settings = _store_with_one_plan(tmp_path / "home")
    watch = GenerationWatch(settings.db_path)
    try:
        assert not watch.changed()
        before = watch.generation
        code = textwrap.dedent(f"""
            from pathlib import Path
            from assistant.config import Settings
            from assistant.locking import store_write
            from assistant.service import Assistant
            settings = Settings(home=Path({str(settings.home)!r}), embedder="hash")
            assistant = Assistant(settings)
            with store_write(settings):
                results = assistant.ingest([Path({str(CORPUS / "nam-dan_2026.txt")!r})])
                with store_write(settings):   # nested: one bump for the whole write
                    pass
            assert all(r.ok for r in results), results
            assistant.close()
        """)
        subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONPATH": str(REPO)},
                       timeout=120)
        assert watch.changed()
        assert watch.generation == before + 1
        assert not watch.changed(), "reported once"

        # A commit that is not a completed write (e.g. the vector cache) does not ask for a reload.
        import sqlite3

        conn = sqlite3.connect(settings.db_path)
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('unrelated', 'x')")
        conn.commit()
        conn.close()
        assert not watch.changed()
    finally:
        watch.close()


def test_store_write_times_out_while_another_process_writes(tmp_path):
    settings = Settings(home=tmp_path, embedder="hash", write_lock_timeout=0.3)
    holder = _holder(tmp_path, 30)
    try:
        with pytest.raises(StoreBusy):
            with store_write(settings):
                pass
    finally:
        holder.kill()
        holder.wait()


# -- the store's writes and reloads (assistant/store/facade.py) ----------------------------

def _hash_store(settings: Settings):
    from assistant.embeddings import HashEmbeddings
    from assistant.store import Store

    return Store(settings, HashEmbeddings()).open()


def test_store_writes_wait_for_the_writer_lock_and_leave_the_store_unchanged_on_timeout(tmp_path, parsed_plans):
    settings = Settings(home=tmp_path / "home", embedder="hash", write_lock_timeout=0.3)
    store = _hash_store(settings)
    try:
        assert store.upsert_plan(parsed_plans["loc-hoa_2025.txt"]) == "added"
        holder = _holder(settings.home, 30)
        try:
            with pytest.raises(StoreBusy):
                store.upsert_plan(parsed_plans["nam-dan_2026.txt"])
            with pytest.raises(StoreBusy):
                store.remove("loc-hoa_2025.txt")
            with pytest.raises(StoreBusy):
                store.reindex()
        finally:
            holder.kill()
            holder.wait()
        assert [d.document for d in store.documents()] == ["loc-hoa_2025.txt"]
        assert store.upsert_plan(parsed_plans["nam-dan_2026.txt"]) == "added"   # free again
    finally:
        store.close()


def test_a_store_reloads_for_another_processs_write_and_not_for_its_own(tmp_path, parsed_plans):
    settings = Settings(home=tmp_path / "home", embedder="hash")
    store = _hash_store(settings)
    try:
        assert store.upsert_plan(parsed_plans["loc-hoa_2025.txt"]) == "added"
        assert not store.refresh(), "its own write needs no reload"
        subprocess.run([sys.executable, "-m", "assistant.cli", "ingest", "--no-progress",
                        str(CORPUS / "nam-dan_2026.txt")], check=True, timeout=300, stdout=subprocess.DEVNULL,
                       env={**os.environ, "PYTHONPATH": str(REPO), "CCHC_HOME": str(settings.home),
                            "CCHC_EMBEDDER": "hash"})
        assert store.refresh()
        assert not store.refresh(), "reloaded once"
        vector = store.embedder.embed_query_vector("cải cách hành chính")
        hits = store.dense_search(vector, k=5, communes=["Năm Dẫn"])
        assert hits and all(h in set(store.document_chunk_ids("nam-dan_2026.txt")) for h, _ in hits)
    finally:
        store.close()


def test_a_file_of_procedure_records_is_written_under_the_writer_lock(tmp_path):
    """Procedure files went to the store under this process's lock only: beside a CLI ingest or
    a second worker they wrote at the same time, and no other process saw the new generation."""
    from ingest.procedures import parse_procedure_file

    settings = Settings(home=tmp_path / "home", embedder="hash", write_lock_timeout=0.3)
    store = _hash_store(settings)
    parsed = parse_procedure_file(REPO / "data" / "procedures" / "1.001193.json")
    try:
        before = GenerationWatch(settings.db_path).generation
        holder = _holder(settings.home, 30)
        try:
            with pytest.raises(StoreBusy):
                store.upsert_procedures(parsed)
        finally:
            holder.kill()
            holder.wait()
        assert store.procedure_files() == []
        assert store.upsert_procedures(parsed) == "added"
        assert GenerationWatch(settings.db_path).generation > before   # other processes will reload
    finally:
        store.close()
