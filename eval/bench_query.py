"""Warm-process latency of the extractive answer path (`Answerer.answer`), per intent.

    python eval/bench_query.py                     # ingest the bundled corpus into a temp home
    python eval/bench_query.py --store PATH        # an existing $CCHC_HOME (e.g. a 500-plan store)
    python eval/bench_query.py --rounds 5 --json

The question list is realistic traffic over the plans in the store: fixed questions about the
bundled communes (every intent, with and without diacritics, abbreviations, out-of-scope), plus —
for any store — questions generated from its own registry (eval/bench_questions.py). Every
question is asked once untimed (warm-up), then `--rounds` times timed. Prints p50/p95 per intent
and overall, and the component split (query embedding vs the rest) for the median question.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

CORPUS = REPO / "data" / "plans"

# Realistic questions about the bundled plans (they stay valid for a store that contains them).
FIXED = [
    "Ai chủ trì tổ chức đối thoại với người dân và doanh nghiệp ở Di Linh?",
    "ai chu tri to chuc doi thoai voi nguoi dan va doanh nghiep o di linh",
    "Đơn vị nào phối hợp rà soát số lượng biên chế hành chính ở Di Linh?",
    "Thời hạn công bố danh mục văn bản quy phạm pháp luật hết hiệu lực ở Di Linh là khi nào?",
    "Sản phẩm của nhiệm vụ xây dựng kế hoạch chuyển đổi số hàng năm ở Di Linh là gì?",
    "Khi nào phải ban hành kế hoạch CCHC năm 2026 ở Năm Dẫn?",
    "Ai chủ trì công bố TTHC nội bộ ở Năm Dẫn?",
    "Cơ quan nào chịu trách nhiệm cải cách tài chính công ở Đại Phước?",
    "Ai chủ trì rà soát quy chế hoạt động bộ phận một cửa ở Lộc Hòa?",
    "Tỷ lệ hồ sơ trực tuyến toàn trình của Di Linh phải đạt bao nhiêu?",
    "Chi tieu van ban duoc ky so o Di Linh la bao nhieu",
    "Tỷ lệ giải quyết hồ sơ đúng hạn ở Lộc Hòa đạt tối thiểu bao nhiêu?",
    "Phòng Kinh tế xã Di Linh có những nhiệm vụ gì?",
    "Trung tâm Phục vụ Hành chính công xã Năm Dẫn chủ trì những nhiệm vụ nào?",
    "Những nhiệm vụ nào ở Năm Dẫn đến hạn trong quý I/2026?",
    "Ai ký kế hoạch cải cách hành chính của xã Lộc Hòa?",
    "Kế hoạch của xã Đại Phước thực hiện kế hoạch nào của tỉnh?",
    "Kinh phí thực hiện kế hoạch CCHC ở Di Linh lấy từ đâu?",
    "Xã Đại Phước đẩy mạnh chuyển đổi số như thế nào?",
    "Lệ phí làm hộ chiếu phổ thông là bao nhiêu?",
    "Thời tiết ở Di Linh ngày mai thế nào?",
    "Ai chủ trì tổ chức đối thoại ở xã Tân Phú?",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def open_assistant(store: Path | None):
    from assistant.config import Settings
    from assistant.service import Assistant

    if store is not None:
        return Assistant(Settings(home=store)).warm_up(), None
    tmp = tempfile.TemporaryDirectory(prefix="cchc-bench-query-")
    assistant = Assistant(Settings(home=Path(tmp.name)))
    print(f"ingesting {CORPUS} into {tmp.name} …", file=sys.stderr)
    results = assistant.ingest([CORPUS])
    bad = [r for r in results if not getattr(r, "ok", True)]
    if bad:
        raise SystemExit(f"ingest failed: {bad}")
    return assistant, tmp


def generated_questions(assistant, n: int, seed: int) -> list[str]:
    """Questions built from the store's own registry (works for any store, e.g. 500 plans)."""
    try:
        from eval.bench_questions import CommuneFacts, make_questions
    except ImportError:
        return []
    store = assistant.store
    facts = []
    for commune in sorted({d.commune for d in store.documents() if d.commune}):
        facts.append(CommuneFacts(commune=commune, synthetic=False, tasks=store.tasks(commune=commune),
                                  targets=store.targets(commune=commune)))
    if not facts:
        return []
    return [q.text for q in make_questions(facts, n, seed=seed)]


def run(assistant, questions: list[str], rounds: int) -> dict:
    answerer = assistant.answerer
    embed = assistant.retriever.query_vector
    by_intent: dict[str, list[float]] = defaultdict(list)
    all_ms: list[float] = []
    embed_ms: list[float] = []
    lengths: list[int] = []
    for q in questions:                       # warm-up: models, caches, SQLite pages
        answerer.answer(q)
    for _ in range(rounds):
        for q in questions:
            assistant.retriever._vectors.clear()   # measure the real per-question embedding cost
            t0 = time.perf_counter()
            result = answerer.answer(q)
            ms = (time.perf_counter() - t0) * 1000
            all_ms.append(ms)
            by_intent["abstained" if result.abstained else result.intent].append(ms)
            lengths.append(len(result.answer))
    for q in questions[: min(len(questions), 20)]:
        assistant.retriever._vectors.clear()
        t0 = time.perf_counter()
        embed(q)
        embed_ms.append((time.perf_counter() - t0) * 1000)
    return {
        "questions": len(questions), "rounds": rounds, "answers": len(all_ms),
        "p50_ms": percentile(all_ms, 50), "p95_ms": percentile(all_ms, 95), "max_ms": max(all_ms),
        "embed_p50_ms": percentile(embed_ms, 50),
        "answer_chars_p95": percentile([float(x) for x in lengths], 95),
        "by_intent": {k: {"n": len(v), "p50_ms": percentile(v, 50), "p95_ms": percentile(v, 95)}
                      for k, v in sorted(by_intent.items())},
    }


def print_table(result: dict, label: str) -> None:
    print(f"\nExtractive answer latency, warm process — {label}")
    print(f"{'intent':<16}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}")
    for intent, row in result["by_intent"].items():
        print(f"{intent:<16}{row['n']:>6}{row['p50_ms']:>10.1f}{row['p95_ms']:>10.1f}")
    print(f"{'all':<16}{result['answers']:>6}{result['p50_ms']:>10.1f}{result['p95_ms']:>10.1f}")
    print(f"query embedding p50: {result['embed_p50_ms']:.1f} ms; max answer: {result['max_ms']:.1f} ms; "
          f"answer length p95: {result['answer_chars_p95']:.0f} chars")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="an existing $CCHC_HOME to query (default: bundled corpus)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--generated", type=int, default=60, help="questions generated from the registry")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    assistant, tmp = open_assistant(args.store)
    try:
        docs = assistant.store.documents()
        questions = FIXED + generated_questions(assistant, args.generated, args.seed)
        result = run(assistant, questions, args.rounds)
        result["plans"] = len(docs)
        label = f"{len(docs)} plans, {result['questions']} questions × {args.rounds} rounds"
        if args.json:
            print(json.dumps(result, ensure_ascii=False, indent=2))
        else:
            print_table(result, label)
    finally:
        assistant.close()
        if tmp is not None:
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
