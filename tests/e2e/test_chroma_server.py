"""Chroma in client/server mode (issue 15, item 4): a real `chroma run` server on a free loopback
port, and the assistant in `CCHC_CHROMA_MODE=http` against it — ingest, ask, remove, and the
pending re-sync after an ingest killed between its SQLite commit and its Chroma sync.

Every check reads the server itself through a separate `chromadb.HttpClient`, so a store that
quietly fell back to a local index would fail here. Hash embedder: no model needed.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from assistant.config import Settings
from assistant.embeddings import make_embedder
from assistant.service import Assistant
from assistant.store import Store

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "data" / "plans"
CRASH = Path(__file__).parents[1] / "fixtures" / "crash_ingest.py"
CHROMA = Path(sys.executable).with_name("chroma")
DI_LINH = "di-linh_2026-2030.txt"
NAM_DAN = "nam-dan_2026.txt"
LOC_HOA = "loc-hoa_2025.txt"
QUESTION = "Ai chủ trì tổ chức đối thoại với người dân và doanh nghiệp ở Di Linh?"

pytestmark = pytest.mark.skipif(not CHROMA.exists(), reason="the `chroma` CLI (installed with chromadb) is missing")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A `chroma run` process on a free loopback port with its own data folder; stopped at the end."""
    data = tmp_path_factory.mktemp("chroma-server")
    port = _free_port()
    log = open(data / "server.log", "wb")
    process = subprocess.Popen([str(CHROMA), "run", "--path", str(data / "db"), "--host", "127.0.0.1",
                                "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/api/v2/heartbeat"
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            log.close()
            pytest.fail(f"chroma run exited with {process.returncode}: {(data / 'server.log').read_text()[-2000:]}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("chroma run did not answer within 60 s")
        time.sleep(0.2)
    yield {"host": "127.0.0.1", "port": port, "process": process}
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)
    log.close()


def _env(server, home: Path, collection: str) -> dict[str, str]:
    """The environment that points a store at the server (one collection per store)."""
    return {"CCHC_HOME": str(home), "CCHC_EMBEDDER": "hash", "CCHC_CHROMA_MODE": "http",
            "CCHC_CHROMA_HOST": server["host"], "CCHC_CHROMA_PORT": str(server["port"]),
            "CCHC_CHROMA_COLLECTION": collection}


def _settings(server, home: Path, collection: str) -> Settings:
    return Settings(home=home, embedder="hash", chroma_mode="http", chroma_host=server["host"],
                    chroma_port=server["port"], chroma_collection=collection)


def _server_ids(server, collection: str, document: str | None = None) -> set[str]:
    """Ids the server holds, read by a client of our own (not the store's)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.HttpClient(host=server["host"], port=server["port"],
                                 settings=ChromaSettings(anonymized_telemetry=False))
    where = {"document": document} if document else None
    return set(client.get_collection(collection).get(where=where, include=[])["ids"])


def _sqlite_ids(assistant_or_store, document: str | None = None) -> set[str]:
    store = getattr(assistant_or_store, "store", assistant_or_store)
    return set(store.document_chunk_ids(document)) if document else store.chunk_ids()


def test_ingest_ask_remove_against_a_chroma_server(chroma_server, tmp_path):
    collection = "cchc_server_roundtrip"
    home = tmp_path / "home"
    assistant = Assistant(_settings(chroma_server, home, collection))
    try:
        results = assistant.ingest([CORPUS / DI_LINH, CORPUS / NAM_DAN, CORPUS / LOC_HOA])
        assert all(r.ok for r in results), results
        assert not (home / "chroma").exists(), "http mode must not create a local index"
        stored = _sqlite_ids(assistant)
        assert len(stored) > 100
        assert _server_ids(chroma_server, collection) == stored

        answer = assistant.ask(QUESTION)
        assert not answer.abstained, answer.answer
        assert any(c.document == DI_LINH for c in answer.citations)
        vector = assistant.embedder.embed_query_vector(QUESTION)
        dense = assistant.store.dense_search(vector, k=10, communes=["Di Linh"])
        assert dense and {i for i, _ in dense} <= _sqlite_ids(assistant, DI_LINH), "a commune's hits are its own"
        settings = assistant.store.settings
        settings.dense_index = "chroma"          # the server's HNSW answers the unfiltered query
        try:
            served = assistant.store.dense_search(vector, k=10)
        finally:
            settings.dense_index = "codes"
        assert len(served) == 10 and {i for i, _ in served} <= stored
        assert served[0][0] == assistant.store.dense_search(vector, k=10)[0][0], "server and codes agree on the best"

        assert assistant.remove(DI_LINH)
        assert _server_ids(chroma_server, collection, DI_LINH) == set()
        assert _server_ids(chroma_server, collection) == _sqlite_ids(assistant)
        after = assistant.ask(QUESTION)
        assert all(c.document != DI_LINH for c in after.citations)
        assert not assistant.remove(DI_LINH)
    finally:
        assistant.close()

    # A second process (another worker, or the CLI) opening the same home sees the same index.
    reopened = Assistant(_settings(chroma_server, home, collection)).warm_up()
    try:
        assert _server_ids(chroma_server, collection) == _sqlite_ids(reopened)
        assert {d.document for d in reopened.documents()} == {NAM_DAN, LOC_HOA}
    finally:
        reopened.close()


def _killed_ingest(server, home: Path, collection: str, stage: str, *paths: Path) -> subprocess.CompletedProcess:
    """The real `cchc ingest` against the server, SIGKILLed at `stage` of its 1st document."""
    return subprocess.run([sys.executable, str(CRASH), stage, "1", "ingest", "--no-progress", *map(str, paths)],
                          env={**os.environ, **_env(server, home, collection), "PYTHONPATH": str(REPO)},
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=180)


@pytest.mark.parametrize("stage", ["commit", "chroma"])
def test_pending_resync_after_a_killed_ingest(chroma_server, tmp_path, stage):
    """Killed after COMMIT (Chroma untouched) or half-way through the Chroma upsert: the server
    lacks the document's vectors until the next open, which re-syncs them from SQLite."""
    collection = f"cchc_server_killed_{stage}"
    home = tmp_path / "home"
    run = _killed_ingest(chroma_server, home, collection, stage, CORPUS / NAM_DAN)
    assert run.returncode == -signal.SIGKILL, run.stderr

    settings = _settings(chroma_server, home, collection)
    import sqlite3

    db = sqlite3.connect(settings.db_path)
    try:
        committed = {r[0] for r in db.execute("SELECT id FROM chunks WHERE document = ?", (NAM_DAN,))}
        pending = [r[0] for r in db.execute("SELECT key FROM meta WHERE key LIKE 'chroma_pending:%'")]
    finally:
        db.close()
    assert committed, "the document's transaction committed before the kill"
    assert pending, "the store marked the document for re-sync"
    on_server = _server_ids(chroma_server, collection)
    assert committed - on_server, f"the kill at {stage!r} really left the server behind"

    store = Store(settings, make_embedder(settings)).open()  # open() reconciles against SQLite
    try:
        assert _server_ids(chroma_server, collection) == store.chunk_ids() == committed
        assert store.reconcile() == {"deleted": 0, "added": 0}
    finally:
        store.close()

    assistant = Assistant(settings)
    try:
        answer = assistant.ask("Ai chủ trì công bố TTHC nội bộ ở Năm Dẫn?")
        assert not answer.abstained and any(c.document == NAM_DAN for c in answer.citations), answer.answer
        rerun = assistant.ingest([CORPUS / NAM_DAN])
        assert [r.status for r in rerun] == ["unchanged"]
    finally:
        assistant.close()


def test_two_serving_processes_share_one_store_through_the_server(chroma_server, tmp_path):
    """With the vectors in a Chroma server, two `cchc serve` processes on one $CCHC_HOME see each
    other's writes: a plan uploaded through one is answered through the other, a delete too."""
    from test_workers import serve, stop, store_without_the_upload, upload_through_one_answer_through_other

    home = tmp_path / "home"
    env = {k: v for k, v in _env(chroma_server, home, "cchc_server_workers").items() if k.startswith("CCHC_CHROMA")}
    store_without_the_upload(home, env)
    first, url_a = serve(home, env=env)
    second, url_b = serve(home, env=env)
    try:
        upload_through_one_answer_through_other(url_a, url_b)
    finally:
        stop(first)
        stop(second)
