"""Several API processes on one store (issue 15 item 5, issue 16 item 2).

`cchc serve --workers 2` starts two uvicorn workers from the app factory, each with its own
Assistant; and two serving processes on one $CCHC_HOME see each other's writes: a plan uploaded
through one is answered through the other, and a delete through one is honoured by the other.
Real processes on loopback ports, hash embedder.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from live_server import free_port

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "data" / "plans"
TOKEN = "k3Jv9QpX2mT7wLs4Rz8NcY6bHd1Fg5Ue"   # 32 random characters: a staff token as required
UPLOADED = "dai-phuoc_2026.txt"
QUESTION = "Cơ quan nào chịu trách nhiệm cải cách tài chính công ở Đại Phước?"


def _env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "CCHC_HOME": str(home), "CCHC_EMBEDDER": "hash",
            "CCHC_ADMIN_TOKEN": TOKEN, **(extra or {})}


def serve(home: Path, *extra: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    """`cchc serve` on a free loopback port in its own process group; returns it and its URL once ready."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "assistant.cli", "serve", "--port", str(port), *extra],
                               env=_env(home, env), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        if process.poll() is not None:
            pytest.fail(f"cchc serve exited with {process.returncode}: {process.stderr.read()[-2000:]}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            stop(process)
            pytest.fail("cchc serve did not become ready within 120 s")
        time.sleep(0.2)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)   # the supervisor and its workers
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


def store_without_the_upload(home: Path, env: dict[str, str] | None = None) -> Path:
    """A store holding three of the four bundled plans (the fourth is uploaded by the tests)."""
    plans = [str(p) for p in sorted(CORPUS.glob("*.txt")) if p.name != UPLOADED]
    subprocess.run([sys.executable, "-m", "assistant.cli", "ingest", "--no-progress", *plans],
                   env=_env(home, env), check=True, stdout=subprocess.DEVNULL, timeout=300)
    return home


@pytest.fixture()
def home(tmp_path) -> Path:
    return store_without_the_upload(tmp_path / "home")


def _cites(answer: dict, document: str) -> bool:
    return any(c["document"] == document for c in answer["citations"])


def _upload(url: str) -> dict:
    with (CORPUS / UPLOADED).open("rb") as fh:
        response = httpx.post(f"{url}/api/documents", headers={"Authorization": f"Bearer {TOKEN}"},
                              files={"file": (UPLOADED, fh, "text/plain")}, timeout=60)
    assert response.status_code == 202, response.text
    job = response.json()
    deadline = time.monotonic() + 180
    while job["state"] not in ("done", "failed") and time.monotonic() < deadline:
        time.sleep(0.3)
        job = httpx.get(f"{url}/api/jobs/{job['id']}", timeout=30).json()
    assert job["state"] == "done", job
    return job


def _ask_when_warm(url: str, question: str, within: float = 120.0) -> dict:
    """An answer from whichever worker takes the connection; a worker still warming up answers
    503 ("đang khởi động") and is asked again, so the test waits for every worker to be ready."""
    deadline = time.monotonic() + within
    while True:
        response = httpx.post(f"{url}/api/ask", json={"question": question}, timeout=60)
        if response.status_code != 503 or time.monotonic() > deadline:
            return response.json()
        time.sleep(0.5)


def test_serve_with_two_workers_answers_from_the_app_factory(home):
    process, url = serve(home, "--workers", "2")
    try:
        children = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
        assert len(children) >= 2, "uvicorn started one process per worker"
        for _ in range(6):   # fresh connections, so both workers get some
            answer = _ask_when_warm(url, "Ai chủ trì công bố TTHC nội bộ ở Năm Dẫn?")
            assert "abstained" in answer, answer          # an error body names its cause
            assert not answer["abstained"] and _cites(answer, "nam-dan_2026.txt"), answer
    finally:
        stop(process)


def test_upload_through_one_worker_is_answered_by_the_other(home):
    first, url_a = serve(home)
    second, url_b = serve(home)
    try:
        upload_through_one_answer_through_other(url_a, url_b)
    finally:
        stop(first)
        stop(second)


def test_cli_ingest_beside_a_running_server_is_seen_by_it(home):
    """Issue 16 item 2: `cchc ingest` and `cchc remove` on the home a server is serving; the
    server keeps answering (200, never 500) and answers and searches from the new plan."""
    process, url = serve(home)
    try:
        before = httpx.post(f"{url}/api/ask", json={"question": QUESTION}, timeout=60)
        assert before.status_code == 200 and not _cites(before.json(), UPLOADED), before.text
        subprocess.run([sys.executable, "-m", "assistant.cli", "ingest", "--no-progress", str(CORPUS / UPLOADED)],
                       env=_env(home), check=True, stdout=subprocess.DEVNULL, timeout=300)
        for _ in range(2):
            answer = httpx.post(f"{url}/api/ask", json={"question": QUESTION}, timeout=60)
            assert answer.status_code == 200, answer.text
            assert _cites(answer.json(), UPLOADED), answer.json()
            hits = httpx.get(f"{url}/api/search", params={"q": QUESTION, "commune": "Đại Phước"}, timeout=60)
            assert hits.status_code == 200, hits.text
            assert {h["document"] for h in hits.json()["hits"]} == {UPLOADED}, hits.json()
        documents = httpx.get(f"{url}/api/documents", timeout=30)
        assert documents.status_code == 200 and UPLOADED in {d["document"] for d in documents.json()}

        subprocess.run([sys.executable, "-m", "assistant.cli", "remove", UPLOADED],
                       env=_env(home), check=True, stdout=subprocess.DEVNULL, timeout=300)
        after = httpx.post(f"{url}/api/ask", json={"question": QUESTION}, timeout=60)
        assert after.status_code == 200 and not _cites(after.json(), UPLOADED), after.text
        hits = httpx.get(f"{url}/api/search", params={"q": QUESTION}, timeout=60)
        assert hits.status_code == 200 and UPLOADED not in {h["document"] for h in hits.json()["hits"]}
    finally:
        stop(process)


def upload_through_one_answer_through_other(url_a: str, url_b: str) -> None:
    """Upload a plan through A and see B answer from it on every request; delete it through A
    and see B stop citing it."""
    before = httpx.post(f"{url_b}/api/ask", json={"question": QUESTION}, timeout=60).json()
    assert not _cites(before, UPLOADED)

    _upload(url_a)
    documents = {d["document"] for d in httpx.get(f"{url_b}/api/documents", timeout=30).json()}
    assert UPLOADED in documents
    for _ in range(3):   # every request, not just the first after the write
        answer = httpx.post(f"{url_b}/api/ask", json={"question": QUESTION}, timeout=60)
        assert answer.status_code == 200, answer.text
        assert _cites(answer.json(), UPLOADED), answer.json()
        hits = httpx.get(f"{url_b}/api/search", params={"q": QUESTION, "commune": "Đại Phước"}, timeout=60)
        assert hits.status_code == 200 and hits.json()["hits"], hits.text

    removed = httpx.delete(f"{url_a}/api/documents/{UPLOADED}",
                           headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)
    assert removed.status_code == 200, removed.text
    after = httpx.post(f"{url_b}/api/ask", json={"question": QUESTION}, timeout=60)
    assert after.status_code == 200 and not _cites(after.json(), UPLOADED), after.text
