"""The procedure questions' group of `cchc eval` (eval/questions_procedures.jsonl).

Every question goes through the same path as `cchc ask --batch` (`Assistant.ask_batch`), so
routing (plans vs procedures), matching and answering are measured together. Judged by
`judge`: the right record cited and every fact quoted, or the right abstention (a procedure not
in the catalogue; a fact the record does not give, said plainly with "không ghi").
Targets (issue 12): correct >= 0.90, concise (<= 600 characters) >= 0.90, abstention on the
out-of-catalogue questions >= 0.90.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
PROCEDURE_SET = REPO / "eval" / "questions_procedures.jsonl"
PROCEDURES_DIR = REPO / "data" / "procedures"
OUT_OF_CATALOGUE = "procedure_abstain"
TARGETS = {"correct": 0.90, "concise": 0.90, "abstention_out_of_catalogue": 0.90}


def _norm(text: str) -> str:
    return " ".join(text.split())


def _get(obj: Any, name: str, default: Any = None) -> Any:
    return obj.get(name, default) if isinstance(obj, dict) else getattr(obj, name, default)


def judge(row: dict, answer: Any) -> bool:
    """Is `answer` (an `Answer` or its dict) right for the gold `row`?"""
    text = _norm(_get(answer, "answer", "") or "")
    abstained = bool(_get(answer, "abstained", False))
    documents = [_get(c, "document", "") for c in (_get(answer, "citations", None) or [])]
    if row["document"] is None:                       # not in the catalogue
        return abstained
    if row["document"] not in documents:
        return False
    if row["abstain"]:                                # the record lacks the fact
        return abstained and "không ghi" in text
    if abstained:
        return False
    if row["category"] == "procedure_time_no_unit" and "không ghi đơn vị" not in text:
        return False
    # quoted as the record has it, in any case: "20 Ngày làm việc" (the time field) is the
    # "20 ngày làm việc" of its steps, "Chủ tịch ủy ban" the "Chủ tịch Ủy ban" of another cell
    folded = text.casefold()
    return all(any(_norm(alt).casefold() in folded for alt in alternatives) for alternatives in row["facts"])


def load_rows(path: Path = PROCEDURE_SET) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def ensure_catalogue(assistant, log: Callable[[str], None] = lambda _: None) -> None:
    """Ingest the bundled procedure records: all of them into an empty store; otherwise the
    store skips the unchanged ones and parses again those an older pipeline parsed, so a set
    is never scored on stale parses."""
    if not assistant.procedures(limit=1):
        log(f"Đang nạp danh mục thủ tục mẫu từ {PROCEDURES_DIR}…")
    assistant.ingest([PROCEDURES_DIR])


def run_procedure_group(system, path: Path = PROCEDURE_SET, max_chars: int | None = None) -> dict:
    """Ask every procedure question through `system.ask_batch([q])`; metrics of the group,
    by category and spelling, with the failures."""
    from assistant.qa.policy import DEFAULT_POLICY

    limit = max_chars or DEFAULT_POLICY.procedure_answer_chars
    rows = load_rows(path)
    groups: dict[str, list[bool]] = defaultdict(list)
    concise: list[bool] = []
    latencies: list[float] = []
    failures = []
    for row in rows:
        started = time.perf_counter()
        answer = system.ask_batch([row["question"]])[0]
        latencies.append((time.perf_counter() - started) * 1000.0)
        ok = judge(row, answer)
        for key in ("all", row["category"], f"spelling:{row['spelling']}"):
            groups[key].append(ok)
        text = _get(answer, "answer", "") or ""
        concise.append(ok and len(text) <= limit)
        if not ok:
            failures.append({"id": row["id"], "question": row["question"], "document": row["document"],
                             "answer": text[:400]})
    n = max(len(rows), 1)
    out_of_catalogue = groups.get(OUT_OF_CATALOGUE, [])
    latencies.sort()
    metrics = {
        "questions": len(rows),
        "correct": round(sum(groups["all"]) / n, 3),
        "concise": round(sum(concise) / n, 3),
        "abstention_out_of_catalogue": round(sum(out_of_catalogue) / max(len(out_of_catalogue), 1), 3),
        "latency_p50_ms": round(latencies[len(latencies) // 2], 1) if latencies else None,
        "by_group": {k: {"n": len(v), "correct": round(sum(v) / len(v), 3)} for k, v in sorted(groups.items())},
        "failures": failures,
    }
    metrics["targets"] = {name: {"value": metrics[name], "target": f">= {goal}", "ok": metrics[name] >= goal}
                          for name, goal in TARGETS.items()}
    return metrics


def summary_line(metrics: dict) -> str:
    marks = " ".join(f"{k}={t['value']:.3f}{'✔' if t['ok'] else '✘'}" for k, t in metrics["targets"].items())
    return f"Thủ tục ({metrics['questions']} câu): {marks}"


def report_section(metrics: dict) -> str:
    """Markdown for the eval report: the group's targets, categories and failures."""
    lines = ["## Thủ tục hành chính (eval/questions_procedures.jsonl)", "",
             "| metric | value | goal |", "|---|---|---|"]
    lines += [f"| {k} | {t['value']:.3f} | {t['target']} |" for k, t in metrics["targets"].items()]
    lines += ["", "| group | n | correct |", "|---|---|---|"]
    lines += [f"| {k} | {g['n']} | {g['correct']:.3f} |" for k, g in metrics["by_group"].items()]
    if metrics["failures"]:
        lines += ["", f"### Câu sai ({len(metrics['failures'])})", ""]
        lines += [f"- `{f['id']}` {f['question']} → {_norm(f['answer'])[:200]}" for f in metrics["failures"]]
    return "\n".join(lines) + "\n"
