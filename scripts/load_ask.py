#!/usr/bin/env python
"""Bounded load test of POST /api/ask on loopback: N concurrent clients send a fixed number of
realistic questions, then requests/second and p50/p95 latency are printed.

    cchc serve --port 8000 &                     # over an ingested $CCHC_HOME
    python scripts/load_ask.py --url http://127.0.0.1:8000 --clients 20 --requests 400

    python scripts/load_ask.py --serve            # starts `cchc serve` on a free port itself

Only loopback addresses are accepted: this is a capacity check of this machine, not a tool to
aim at someone else's server.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from urllib.parse import urlparse

import httpx

# Citizens' and staff questions of the kinds the page gets: with and without diacritics,
# with and without a commune, lead/deadline/list/target/fact questions and a few off-topic ones.
QUESTIONS = [
    "ai chu tri doi thoai voi nguoi dan o Di Linh",
    "Ai chủ trì tổ chức đối thoại với người dân và doanh nghiệp ở xã Di Linh?",
    "Phòng Kinh tế xã Di Linh chủ trì những nhiệm vụ nào?",
    "Mức độ hài lòng của người dân ở Di Linh phải đạt bao nhiêu?",
    "Kế hoạch CCHC năm 2026 của xã Đại Phước do ai ký?",
    "Xã Đại Phước tổ chức đối thoại trực tiếp với người dân như thế nào?",
    "thu tuc hanh chinh o Loc Hoa duoc cai cach the nao",
    "Ai phối hợp thực hiện chương trình đối thoại với doanh nghiệp ở Lộc Hòa?",
    "Văn phòng HĐND và UBND xã Năm Dẫn chủ trì những nhiệm vụ nào?",
    "Năm Dẫn phải tổ chức tối thiểu bao nhiêu cuộc đối thoại trong năm?",
    "Nhiệm vụ nào của xã Di Linh phải hoàn thành hàng năm?",
    "Ai chịu trách nhiệm công bố danh mục văn bản quy phạm pháp luật hết hiệu lực ở Di Linh?",
    "Thời hạn thực hiện nhiệm vụ rà soát thủ tục hành chính ở Năm Dẫn là khi nào?",
    "tỷ lệ hồ sơ giải quyết trực tuyến ở Đại Phước",
    "Ai chủ trì triển khai chuyển đổi số ở xã Lộc Hòa?",
    "Giá vé máy bay đi Hà Nội là bao nhiêu?",
]


def _is_loopback(url: str) -> bool:
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_ready(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url} did not become ready within {timeout:.0f} s")


@contextmanager
def _server(port: int):
    """`cchc serve` on loopback in a subprocess (same environment, so the same $CCHC_HOME)."""
    command = [shutil.which("cchc") or "cchc", "serve", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=os.environ.copy())
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()


def _percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), int(-(-fraction * len(sorted_values) // 1))))
    return sorted_values[rank - 1]


async def _run(url: str, clients: int, total: int, timeout: float, commune: str | None) -> dict:
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    abstained = 0
    next_index = 0
    lock = asyncio.Lock()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async with httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits) as http:
        async def client_loop() -> None:
            nonlocal next_index, abstained
            while True:
                async with lock:
                    if next_index >= total:
                        return
                    index = next_index
                    next_index += 1
                body = {"question": QUESTIONS[index % len(QUESTIONS)]}
                if commune:
                    body["commune"] = commune
                started = time.perf_counter()
                try:
                    response = await http.post("/api/ask", json=body)
                    status = str(response.status_code)
                    if response.status_code == 200 and response.json().get("abstained"):
                        abstained += 1
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                latencies.append(time.perf_counter() - started)
                statuses[status] += 1

        await http.post("/api/ask", json={"question": QUESTIONS[0]})  # warm caches; not counted
        wall_start = time.perf_counter()
        await asyncio.gather(*(client_loop() for _ in range(clients)))
        wall = time.perf_counter() - wall_start

    ordered = sorted(latencies)
    ok = statuses.get("200", 0)
    return {
        "url": url, "clients": clients, "requests": total, "ok": ok, "errors": total - ok,
        "statuses": dict(statuses), "abstained": abstained, "seconds": round(wall, 2),
        "requests_per_second": round(total / wall, 2) if wall else None,
        "latency_ms": {
            "p50": round(_percentile(ordered, 0.50) * 1000, 1),
            "p95": round(_percentile(ordered, 0.95) * 1000, 1),
            "p99": round(_percentile(ordered, 0.99) * 1000, 1),
            "mean": round(statistics.fmean(ordered) * 1000, 1) if ordered else None,
            "max": round(ordered[-1] * 1000, 1) if ordered else None,
        },
        "cpus": os.cpu_count(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="server base URL (loopback only)")
    parser.add_argument("--serve", action="store_true", help="start `cchc serve` on a free loopback port")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    parser.add_argument("--requests", type=int, default=200, help="total requests (default 200)")
    parser.add_argument("--timeout", type=float, default=120.0, help="per-request timeout, seconds")
    parser.add_argument("--commune", default=None, help="send this commune filter with every question")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 200 or not 1 <= args.requests <= 100_000:
        parser.error("--clients must be 1..200 and --requests 1..100000")

    if args.serve:
        with _server(_free_port()) as url:
            _wait_ready(url, timeout=600)
            result = asyncio.run(_run(url, args.clients, args.requests, args.timeout, args.commune))
    else:
        if not _is_loopback(args.url):
            parser.error(f"refusing non-loopback URL {args.url!r}")
        _wait_ready(args.url.rstrip("/"), timeout=120)
        result = asyncio.run(_run(args.url.rstrip("/"), args.clients, args.requests, args.timeout, args.commune))

    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        latency = result["latency_ms"]
        print(f"POST /api/ask  {result['url']}  {result['clients']} clients, {result['requests']} requests "
              f"on {result['cpus']} CPUs")
        print(f"  {result['requests_per_second']} requests/s over {result['seconds']} s; "
              f"ok {result['ok']}, errors {result['errors']} {result['statuses']}, abstained {result['abstained']}")
        print(f"  latency ms: p50 {latency['p50']}  p95 {latency['p95']}  p99 {latency['p99']}  "
              f"mean {latency['mean']}  max {latency['max']}")
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
