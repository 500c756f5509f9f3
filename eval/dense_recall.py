"""How many of the exact nearest plan chunks the unfiltered dense channel finds, per dense index.

    python eval/dense_recall.py HOME [HOME ...] [--questions 30] [--k 20] [--indexes codes,chroma]

For each store under HOME (a `cchc bench --keep` store or any $CCHC_HOME), it embeds the first
`--questions` bench questions of that store (or built-in ones), computes the exact top `k` plan
chunks by cosine over every cached vector (streamed from SQLite, bounded memory), and prints
recall@k (and the share of hits at least as close as the exact k-th: near-equal copies count as
found; and how much less close our k-th hit is than the exact k-th, in cosine) and the mean latency of `Store.dense_search(k=k)` with each dense index. Each store and
index runs in its own process so one index's memory never counts for the other.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FALLBACK_QUESTIONS = [
    "ai chủ trì rà soát thủ tục hành chính", "tỷ lệ hồ sơ trực tuyến toàn trình", "kinh phí thực hiện kế hoạch",
    "đối thoại với người dân và doanh nghiệp", "chuyển đổi số trong cơ quan nhà nước", "chỉ số hài lòng",
    "tuyên truyền cải cách hành chính", "kiểm tra công vụ", "báo cáo định kỳ hằng quý", "chữ ký số",
]


def questions_of(home: Path, n: int) -> list[str]:
    texts: list[str] = []
    for path in sorted(home.glob("bench-questions-*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        texts += [q.get("text", "") for q in (data if isinstance(data, list) else data.get("questions", []))]
    texts = [t for t in texts if t] or FALLBACK_QUESTIONS
    return texts[:n]


def exact_top(db_path: Path, embedder_name: str, queries: np.ndarray, k: int) -> tuple[list[list[str]], list[float]]:
    """The exact top `k` plan chunk ids per query row (unit vectors), and each query's k-th best
    cosine, streamed in batches."""
    import sqlite3

    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    best_ids: list[list[str]] = [[] for _ in queries]
    best_sims = [np.zeros(0, np.float32) for _ in queries]
    cursor = conn.execute(
        "SELECT c.id, v.vector FROM documents d JOIN chunks c ON c.document = d.document "
        "JOIN vectors v ON v.text_hash = c.text_hash AND v.embedder = ? "
        "WHERE d.kind = 'plan' AND c.kind != 'procedure'", (embedder_name,))
    while rows := cursor.fetchmany(20_000):
        ids = [r[0] for r in rows]
        matrix = np.frombuffer(b"".join(r[1] for r in rows), np.float32).reshape(len(rows), -1)
        matrix = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
        sims = queries @ matrix.T
        for qi in range(len(queries)):
            merged_sims = np.concatenate([best_sims[qi], sims[qi]])
            merged_ids = best_ids[qi] + ids
            order = np.argsort(-merged_sims, kind="stable")[:k]
            best_sims[qi] = merged_sims[order]
            best_ids[qi] = [merged_ids[i] for i in order]
    conn.close()
    return best_ids, [float(s[-1]) for s in best_sims]


def measure(home: Path, index: str, n: int, k: int) -> dict:
    from assistant.config import Settings
    from assistant.embeddings import make_embedder
    from assistant.store import Store

    settings = Settings(home=home, dense_index=index)
    embedder = make_embedder(settings)
    texts = questions_of(home, n)
    queries = np.stack([np.asarray(embedder.embed_query_vector(t), np.float32) for t in texts])
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    truth, kth = exact_top(settings.db_path, embedder.name, queries, k)
    store = Store(settings, embedder).open()
    try:
        store.dense_search(queries[0], k=k)       # loads the index (codes or HNSW)
        found, as_close, gaps, times = 0, 0, [], []
        for q, exact, floor in zip(queries, truth, kth):
            t = time.perf_counter()
            hits = store.dense_search(q, k=k)
            times.append((time.perf_counter() - t) * 1000)
            found += len({i for i, _ in hits} & set(exact))
            as_close += sum(score >= floor - 1e-5 for _, score in hits)
            gaps.append(floor - (hits[-1][1] if len(hits) == k else 0.0))
        chunks = store.chunk_count()
    finally:
        store.close()
    return {"home": str(home), "index": index, "chunks": chunks, "questions": len(texts), "k": k,
            "recall": found / (k * len(texts)), "score_recall": as_close / (k * len(texts)),
            "kth_gap": float(np.mean(gaps)), "dense_ms_mean": float(np.mean(times)),
            "dense_ms_p95": float(np.percentile(times, 95))}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("homes", nargs="+", type=Path)
    p.add_argument("--questions", type=int, default=30)
    p.add_argument("--k", type=int, default=20)
    p.add_argument("--indexes", default="codes,chroma")
    p.add_argument("--one", metavar="INDEX", help=argparse.SUPPRESS)   # the child process
    args = p.parse_args(argv)
    if args.one:
        print(json.dumps(measure(args.homes[0], args.one, args.questions, args.k)))
        return 0
    print("| store | chunks | dense index | recall@%d | as close as the exact k-th | exact k-th cosine minus ours | dense_search mean / p95 ms |" % args.k)
    print("|---|---|---|---|---|---|---|")
    for home in args.homes:
        for index in args.indexes.split(","):
            out = subprocess.run([sys.executable, __file__, str(home), "--one", index, "--questions",
                                  str(args.questions), "--k", str(args.k)], capture_output=True, text=True)
            if out.returncode:
                print(f"| {home.name} | – | {index} | failed: {out.stderr.strip().splitlines()[-1:]} | | | |")
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"| {home.name} | {r['chunks']:,} | {index} | {r['recall']:.3f} | {r['score_recall']:.3f} | {r['kth_gap']:.4f} | "
                  f"{r['dense_ms_mean']:.1f} / {r['dense_ms_p95']:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
