"""The evaluation harness behind `cchc eval`.

Runs the gold question set (eval/questions.jsonl) through the same code path as
`cchc ask --batch` (`Assistant.ask_batch`) plus `Assistant.search` for retrieval metrics, never
passing the gold commune (the assistant has to find it), and scores:

- retrieval: Recall@5 and MRR@10 of the gold passage (a hit whose text contains the gold quote);
- answers: accuracy (every gold fact present; out-of-scope questions: abstained), concise accuracy
  (also at most 600 characters), citation accuracy (a citation quotes the gold passage),
  right-plan rate (first citation is from the gold document), abstention precision / recall,
  latency p50 / p95 of `ask`;
- the diacritics gap (full spelling vs the same questions typed without diacritics), the
  abbreviation gap and the typo gap;
- per `category` (issue 11: paraphrase, typo, follow_up, list, period, count, comparison, section,
  near_miss; the original set has none) with the issue-11 targets checked on those categories.

Follow-up questions carry their `history` (prior turns, most recent last) and are asked with it
through `system.ask(question, history=...)` when the system accepts the parameter; systems without
it get the bare question (their follow-ups are then expected to fail, which is what "before" measures).

Matching is done on `match_key`: `ingest.vntext.fold`, abbreviations written out, punctuation
dropped, whitespace collapsed, and tokens compared whole ("95%" never matches "195%").
Scoring functions are pure; only `run_system` and `main` touch an assistant, files or clocks.
"""

from __future__ import annotations

import inspect
import json
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from ingest.vntext import expand_abbreviations, fold

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SET = REPO / "eval" / "questions.jsonl"
REPORTS_DIR = REPO / "eval" / "reports"
CORPUS_DIR = REPO / "data" / "plans"
CONCISE_CHARS = 600
RECALL_AT = 5
MRR_AT = 10
INTENTS = ("lead", "coordinators", "deadline", "product", "target", "list_by_agency", "due_by_date",
           "fact", "general", "procedure", "count", "comparison", "out_of_scope")
SPELLINGS = ("full", "no_diacritics", "abbreviated", "typo")
CATEGORIES = ("paraphrase", "typo", "follow_up", "list", "period", "count", "comparison", "section", "near_miss")
FIELD_INTENTS = ("lead", "coordinators", "deadline", "product", "target")

# Issue 4 targets, checked in the report.
TARGET_FIELD_CONCISE = 0.95
TARGET_RIGHT_PLAN = 0.98
TARGET_DIACRITICS_GAP_POINTS = 3.0
TARGET_P50_MS = 60.0
TARGET_P95_MS = 150.0

# Issue 11 targets on its categories: minimum accuracy per category (near misses: abstain rate),
# and at most this share of the in-scope questions of those categories falsely abstaining.
TARGET_CATEGORY_ACCURACY = {"paraphrase": 0.90, "section": 0.90, "period": 0.90, "follow_up": 0.90,
                            "list": 0.85, "comparison": 0.85, "near_miss": 0.90}
TARGET_NEW_FALSE_ABSTENTION_RATE = 0.03

_TOKEN_RE = re.compile(r"[0-9a-z]+|%")


# --------------------------------------------------------------------------- gold set
@dataclass(frozen=True)
class GoldQuestion:
    id: str
    question: str
    intent: str
    commune: str | None
    document: str | None
    facts: tuple[tuple[str, ...], ...]
    gold_quote: str | None
    abstain: bool
    variant_of: str | None
    spelling: str
    category: str | None = None
    history: tuple[dict, ...] = ()        # prior turns {"question", "answer"}, most recent last
    documents: tuple[str, ...] = ()       # every plan a cross-commune question draws on
    split: str | None = None              # "heldout" for the held-out set

    @property
    def gold_documents(self) -> tuple[str, ...]:
        """The plans whose citation counts as the right plan."""
        return self.documents or ((self.document,) if self.document else ())

    @classmethod
    def from_dict(cls, data: dict) -> "GoldQuestion":
        return cls(
            id=data["id"], question=data["question"], intent=data["intent"], commune=data.get("commune"),
            document=data.get("document"), facts=tuple(tuple(f) for f in data.get("facts") or ()),
            gold_quote=data.get("gold_quote"), abstain=bool(data.get("abstain")),
            variant_of=data.get("variant_of"), spelling=data.get("spelling", "full"),
            category=data.get("category"),
            history=tuple({"question": t.get("question", ""), "answer": t.get("answer", "")}
                          for t in data.get("history") or ()),
            documents=tuple(data.get("documents") or ()), split=data.get("split"),
        )


def load_questions(path: str | Path | None = None) -> list[GoldQuestion]:
    path = Path(path) if path else DEFAULT_SET
    questions = []
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if line.strip():
                try:
                    questions.append(GoldQuestion.from_dict(json.loads(line)))
                except (KeyError, json.JSONDecodeError) as exc:
                    raise ValueError(f"{path}:{number}: câu hỏi không hợp lệ ({exc})") from exc
    return questions


# --------------------------------------------------------------------------- matching
@lru_cache(maxsize=8192)
def match_key(text: str) -> str:
    """Folded, abbreviation-expanded tokens, space-padded so `in` compares whole tokens."""
    return " " + " ".join(_TOKEN_RE.findall(expand_abbreviations(fold(text or "")))) + " "


def contains(haystack: str, needle: str) -> bool:
    """Whole-token containment after folding: "Phòng Văn hoá" is in "... Phòng Văn hóa - Xã hội"."""
    key = match_key(needle)
    return key.strip() != "" and key in match_key(haystack)


def facts_present(answer: str, facts: Sequence[Sequence[str]]) -> bool:
    """True when the answer holds at least one accepted variant of every fact."""
    return all(any(contains(answer, variant) for variant in fact) for fact in facts)


def missing_facts(answer: str, facts: Sequence[Sequence[str]]) -> list[list[str]]:
    return [list(fact) for fact in facts if not any(contains(answer, v) for v in fact)]


def gold_rank(hit_texts: Sequence[str], quote: str | None) -> int | None:
    """1-based rank of the first hit holding the gold quote, None when absent."""
    if not quote:
        return None
    for rank, text in enumerate(hit_texts, 1):
        if contains(text, quote):
            return rank
    return None


# --------------------------------------------------------------------------- scoring
@dataclass
class QuestionResult:
    id: str
    question: str
    intent: str
    spelling: str
    document: str | None
    variant_of: str | None
    gold_abstain: bool
    facts: list[list[str]]
    gold_quote: str | None
    answer: str
    abstained: bool
    latency_ms: float
    citations: list[dict] = field(default_factory=list)   # {"document", "section", "text"}
    hit_texts: list[str] | None = None                    # None: retrieval not measured
    error: str | None = None
    # derived
    correct: bool = False
    concise: bool = False
    cited: bool = False
    right_plan: bool = False
    rank: int | None = None
    missing: list[list[str]] = field(default_factory=list)
    category: str | None = None
    documents: tuple[str, ...] = ()
    history_turns: int = 0
    history_used: bool = False            # asked with its history (False: the system cannot take it)


def _field(obj: Any, name: str, default: Any = None) -> Any:
    return obj.get(name, default) if isinstance(obj, dict) else getattr(obj, name, default)


def score_question(q: GoldQuestion, answer: Any, hits: Sequence[Any] | None, latency_ms: float,
                   error: str | None = None, history_used: bool = False) -> QuestionResult:
    """Score one answer (an `Answer`, or a dict in the contract shape) and its search hits."""
    text = _field(answer, "answer", "") or ""
    abstained = bool(_field(answer, "abstained", False))
    citations = [
        {"document": _field(c, "document", ""), "section": _field(c, "section", ""), "text": _field(c, "text", "")}
        for c in (_field(answer, "citations", None) or [])
    ]
    hit_texts = None if hits is None else [_field(h, "text", "") or "" for h in hits]
    result = QuestionResult(
        id=q.id, question=q.question, intent=q.intent, spelling=q.spelling, document=q.document,
        variant_of=q.variant_of, gold_abstain=q.abstain, facts=[list(f) for f in q.facts], gold_quote=q.gold_quote,
        answer=text, abstained=abstained, latency_ms=latency_ms, citations=citations, hit_texts=hit_texts, error=error,
        category=q.category, documents=q.gold_documents, history_turns=len(q.history),
        history_used=history_used and bool(q.history),
    )
    if error is not None:
        result.missing = result.facts
        return result
    if q.abstain:
        result.correct = abstained
    else:
        result.missing = [] if abstained else missing_facts(text, q.facts)
        result.correct = not abstained and not result.missing
        result.cited = bool(q.gold_quote) and any(contains(c["text"], q.gold_quote) for c in citations)
        gold_plans = {plan_key(d) for d in q.gold_documents}
        result.right_plan = bool(citations) and plan_key(citations[0]["document"]) in gold_plans
        if hit_texts is not None:
            result.rank = gold_rank(hit_texts[:MRR_AT], q.gold_quote)
    result.concise = result.correct and len(text) <= CONCISE_CHARS
    return result


def percentile(values: Sequence[float], pct: float) -> float | None:
    """Linear-interpolated percentile (pct in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * pct / 100.0
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def _ratio(num: int, den: int) -> float | None:
    return None if den == 0 else num / den


def summarize(results: Sequence[QuestionResult]) -> dict:
    """Metrics of one group of results. Ratios are None when the group has no eligible question."""
    in_scope = [r for r in results if not r.gold_abstain]
    retrieval = [r for r in in_scope if r.hit_texts is not None and r.gold_quote]
    abstained = [r for r in results if r.abstained]
    gold_abstain = [r for r in results if r.gold_abstain]
    latencies = [r.latency_ms for r in results if r.error is None]
    return {
        "n": len(results),
        "in_scope": len(in_scope),
        "accuracy": _ratio(sum(r.correct for r in results), len(results)),
        "in_scope_accuracy": _ratio(sum(r.correct for r in in_scope), len(in_scope)),
        "concise_accuracy": _ratio(sum(r.concise for r in results), len(results)),
        "citation_accuracy": _ratio(sum(r.cited for r in in_scope), len(in_scope)),
        "right_plan_rate": _ratio(sum(r.right_plan for r in in_scope if r.documents),
                                  sum(1 for r in in_scope if r.documents)),
        "recall_at_5": _ratio(sum(1 for r in retrieval if r.rank is not None and r.rank <= RECALL_AT), len(retrieval)),
        "mrr_at_10": None if not retrieval else sum(1.0 / r.rank for r in retrieval if r.rank) / len(retrieval),
        "abstention_precision": _ratio(sum(r.gold_abstain for r in abstained), len(abstained)),
        "abstention_recall": _ratio(sum(r.abstained for r in gold_abstain), len(gold_abstain)),
        "false_abstentions": sum(1 for r in in_scope if r.abstained),
        "false_abstention_rate": _ratio(sum(1 for r in in_scope if r.abstained), len(in_scope)),
        "errors": sum(1 for r in results if r.error is not None),
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
    }


def variant_gap(results: Sequence[QuestionResult], spelling: str) -> dict:
    """Accuracy of parent questions vs their variants of `spelling` (points = 100 x difference)."""
    by_id = {r.id: r for r in results}
    pairs = [(by_id[r.variant_of], r) for r in results
             if r.spelling == spelling and r.variant_of in by_id and by_id[r.variant_of].spelling == "full"]
    if not pairs:
        return {"pairs": 0, "full_accuracy": None, "variant_accuracy": None, "gap_points": None}
    full = sum(p.correct for p, _ in pairs) / len(pairs)
    variant = sum(v.correct for _, v in pairs) / len(pairs)
    return {"pairs": len(pairs), "full_accuracy": full, "variant_accuracy": variant,
            "gap_points": round(100.0 * (full - variant), 2)}


def _grouped(results: Sequence[QuestionResult], key: Callable[[QuestionResult], str | None],
             order: Iterable[str] = ()) -> dict[str, dict]:
    groups: dict[str, list[QuestionResult]] = defaultdict(list)
    for r in results:
        groups[key(r) or "(none)"].append(r)
    ordered = [k for k in order if k in groups] + sorted(k for k in groups if k not in set(order))
    return {k: summarize(groups[k]) for k in ordered}


def target_checks(metrics: dict) -> dict[str, dict]:
    """Issue 4 targets against measured metrics: {name: {"value", "target", "ok"}}."""
    field_group = metrics.get("field_and_target") or {}
    overall = metrics["overall"]
    gap = metrics["diacritics_gap"]["gap_points"]

    def check(value, target, ok):
        return {"value": value, "target": target, "ok": None if value is None else bool(ok(value))}

    return {
        "field_target_concise_accuracy": check(field_group.get("concise_accuracy"), f">= {TARGET_FIELD_CONCISE}",
                                               lambda v: v >= TARGET_FIELD_CONCISE),
        "right_plan_rate": check(overall["right_plan_rate"], f">= {TARGET_RIGHT_PLAN}", lambda v: v >= TARGET_RIGHT_PLAN),
        "out_of_scope_abstain_recall": check(overall["abstention_recall"], "= 1.0", lambda v: v >= 1.0),
        "in_scope_false_abstentions": check(overall["false_abstentions"], "= 0", lambda v: v == 0),
        "diacritics_gap_points": check(gap, f"<= {TARGET_DIACRITICS_GAP_POINTS}",
                                       lambda v: v <= TARGET_DIACRITICS_GAP_POINTS),
        "latency_p50_ms": check(overall["latency_p50_ms"], f"< {TARGET_P50_MS}", lambda v: v < TARGET_P50_MS),
        "latency_p95_ms": check(overall["latency_p95_ms"], f"< {TARGET_P95_MS}", lambda v: v < TARGET_P95_MS),
    }


def category_checks(results: Sequence[QuestionResult]) -> dict[str, dict]:
    """Issue 11 targets on the categorised questions: {name: {"value", "target", "ok"}}."""
    groups: dict[str, list[QuestionResult]] = defaultdict(list)
    for r in results:
        if r.category:
            groups[r.category].append(r)
    checks: dict[str, dict] = {}
    for category, minimum in TARGET_CATEGORY_ACCURACY.items():
        group = groups.get(category, [])
        value = _ratio(sum(r.correct for r in group), len(group))
        checks[f"{category}_accuracy"] = {"value": value, "target": f">= {minimum}",
                                          "ok": None if value is None else value >= minimum}
    in_scope = [r for g in groups.values() for r in g if not r.gold_abstain]
    rate = _ratio(sum(r.abstained for r in in_scope), len(in_scope))
    checks["new_in_scope_false_abstention_rate"] = {
        "value": rate, "target": f"<= {TARGET_NEW_FALSE_ABSTENTION_RATE}",
        "ok": None if rate is None else rate <= TARGET_NEW_FALSE_ABSTENTION_RATE}
    return checks


def aggregate(results: Sequence[QuestionResult]) -> dict:
    """All metrics of one system: overall, per intent / spelling / category / document, gaps, targets."""
    metrics = {
        "overall": summarize(results),
        "field_and_target": summarize([r for r in results if r.intent in FIELD_INTENTS]),
        "by_intent": _grouped(results, lambda r: r.intent, INTENTS),
        "by_spelling": _grouped(results, lambda r: r.spelling, SPELLINGS),
        "by_category": _grouped(results, lambda r: r.category or "original", ("original", *CATEGORIES)),
        "by_document": _grouped([r for r in results if r.document], lambda r: r.document),
        "diacritics_gap": variant_gap(results, "no_diacritics"),
        "abbreviation_gap": variant_gap(results, "abbreviated"),
        "typo_gap": variant_gap(results, "typo"),
    }
    metrics["targets"] = target_checks(metrics)
    metrics["category_targets"] = category_checks(results)
    return metrics


# --------------------------------------------------------------------------- running
def accepts_history(system: Any) -> bool:
    """Does `system.ask` take a `history=` keyword (explicitly or through **kwargs)?"""
    ask = getattr(system, "ask", None)
    if not callable(ask):
        return False
    try:
        parameters = inspect.signature(ask).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == "history" or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


def ask_one(system: Any, q: GoldQuestion, with_history: bool) -> Any:
    """One answer: with its history through `ask(history=...)` when possible, else `ask_batch([q])`."""
    if q.history and with_history:
        return system.ask(q.question, history=[dict(turn) for turn in q.history])
    return system.ask_batch([q.question])[0]


def run_system(system: Any, questions: Sequence[GoldQuestion], with_search: bool = True,
               progress: Callable[[int, int], None] | None = None) -> list[QuestionResult]:
    """Ask every question through `system.ask_batch([q])` (timed) and `system.search(q, k=10)`.

    `system` is an `Assistant` or anything with the same `ask_batch` / `search` methods.
    Follow-ups (questions with a history) go through `system.ask(q, history=...)` when the system
    takes a history; retrieval is measured on the bare question either way.
    One untimed warm-up question first, so model loading never counts as latency.
    """
    with_history = accepts_history(system)
    try:
        system.ask_batch(["Kế hoạch cải cách hành chính"])
    except Exception:  # noqa: BLE001 - a failing warm-up shows up again, per question, below
        pass
    results = []
    for i, q in enumerate(questions, 1):
        error = None
        answer: Any = {"answer": "", "abstained": False, "citations": []}
        start = time.perf_counter()
        try:
            answer = ask_one(system, q, with_history)
        except Exception as exc:  # noqa: BLE001 - one failing question must not stop the run
            error = f"{type(exc).__name__}: {exc}"
        latency = (time.perf_counter() - start) * 1000.0
        hits = None
        if with_search and error is None:
            try:
                hits = system.search(q.question, commune=None, k=MRR_AT)
            except Exception as exc:  # noqa: BLE001
                error = f"search: {type(exc).__name__}: {exc}"
        results.append(score_question(q, answer, hits, latency, error, history_used=with_history))
        if progress:
            progress(i, len(questions))
    return results


# --------------------------------------------------------------------------- presentation
_COLUMNS = (("n", "n"), ("R@5", "recall_at_5"), ("MRR@10", "mrr_at_10"), ("acc", "accuracy"),
            ("concise", "concise_accuracy"), ("cite", "citation_accuracy"), ("plan", "right_plan_rate"),
            ("abst.P", "abstention_precision"), ("abst.R", "abstention_recall"), ("p50 ms", "latency_p50_ms"),
            ("p95 ms", "latency_p95_ms"))
_OVERALL_ROWS = (("Recall@5", "recall_at_5"), ("MRR@10", "mrr_at_10"), ("Answer accuracy", "accuracy"),
                 ("In-scope accuracy", "in_scope_accuracy"), ("Concise accuracy (≤600)", "concise_accuracy"),
                 ("Citation accuracy", "citation_accuracy"), ("Right-plan citation", "right_plan_rate"),
                 ("Abstention precision", "abstention_precision"), ("Abstention recall", "abstention_recall"),
                 ("False abstentions", "false_abstentions"), ("Errors", "errors"),
                 ("Latency p50 (ms)", "latency_p50_ms"), ("Latency p95 (ms)", "latency_p95_ms"))


def fmt(value: Any, key: str = "") -> str:
    if value is None:
        return "–"
    if key.startswith("latency") or key.endswith("_ms"):
        return f"{value:.1f}"
    if isinstance(value, bool) or isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def overall_rows(systems: dict[str, dict]) -> list[list[str]]:
    rows = [[label] + [fmt(m["overall"][key], key) for m in systems.values()] for label, key in _OVERALL_ROWS]
    rows.append(["Field+target concise acc."] +
                [fmt(m["field_and_target"]["concise_accuracy"]) for m in systems.values()])
    rows.append(["Diacritics gap (points)"] + [fmt(m["diacritics_gap"]["gap_points"]) for m in systems.values()])
    rows.append(["Abbreviation gap (points)"] + [fmt(m["abbreviation_gap"]["gap_points"]) for m in systems.values()])
    rows.append(["Typo gap (points)"] + [fmt(m.get("typo_gap", {}).get("gap_points")) for m in systems.values()])
    return rows


def _check_rows(checks: dict[str, dict], labels: tuple[str, str, str] = ("✔", "✘", "–")) -> list[list[str]]:
    marks = {True: labels[0], False: labels[1], None: labels[2]}
    return [[name, fmt(t["value"], name), t["target"], marks[t["ok"]]] for name, t in checks.items()]


def group_rows(groups: dict[str, dict]) -> list[list[str]]:
    return [[name] + [fmt(g[key], key) for _, key in _COLUMNS] for name, g in groups.items()]


def print_tables(systems: dict[str, dict], out=None) -> None:
    """Rich tables on `out` (stdout by default): overall side by side, then per intent per system."""
    from rich.console import Console
    from rich.table import Table

    # Wide enough for the per-group tables; rich wraps them on narrow terminals instead of eliding.
    console = Console(file=out or sys.stdout, width=max(Console(file=out or sys.stdout).width, 132))
    table = Table(title="Sổ tay CCHC — đánh giá", show_lines=False)
    table.add_column("Metric")
    for name in systems:
        table.add_column(name, justify="right")
    for row in overall_rows(systems):
        table.add_row(*row)
    console.print(table)
    for name, metrics in systems.items():
        for title, groups in (("intent", metrics["by_intent"]), ("spelling", metrics["by_spelling"]),
                              ("category", metrics.get("by_category", {}))):
            sub = Table(title=f"{name} — by {title}")
            sub.add_column(title)
            for label, _ in _COLUMNS:
                sub.add_column(label, justify="right")
            for row in group_rows(groups):
                sub.add_row(*row)
            console.print(sub)
    for key, title in (("targets", "issue 4 targets"), ("category_targets", "issue 11 targets")):
        checks = systems.get("assistant", {}).get(key)
        if checks:
            sub = Table(title=f"assistant — {title}")
            for col in ("target", "value", "goal", "ok"):
                sub.add_column(col)
            for row in _check_rows(checks):
                sub.add_row(*row)
            console.print(sub)


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _quote_block(text: str, limit: int = 700) -> str:
    text = (text or "").strip()
    if len(text) > limit:
        text = text[:limit] + " …"
    return "\n".join("> " + line for line in text.splitlines()) or "> (trống)"


def render_report(systems: dict[str, dict], results: dict[str, list[QuestionResult]], meta: dict) -> str:
    """The markdown report: summary tables, target checks, then every assistant failure."""
    out = [f"# Đánh giá Sổ tay CCHC — {meta.get('generated_at', '')}", ""]
    out += [f"- Bộ câu hỏi: `{meta.get('set')}` ({meta.get('questions')} câu)",
            f"- Embedder: `{meta.get('embedder', '')}`, LLM: `{meta.get('llm', 'none')}`", ""]
    out += ["## Tổng quan", "", _md_table(["Metric", *systems.keys()], overall_rows(systems)), ""]
    for name, metrics in systems.items():
        header = ["group"] + [label for label, _ in _COLUMNS]
        out += [f"## {name} — theo intent", "", _md_table(header, group_rows(metrics["by_intent"])), ""]
        out += [f"## {name} — theo cách viết", "", _md_table(header, group_rows(metrics["by_spelling"])), ""]
        if metrics.get("by_category"):
            out += [f"## {name} — theo loại câu hỏi", "", _md_table(header, group_rows(metrics["by_category"])), ""]
        out += [f"## {name} — theo kế hoạch", "", _md_table(header, group_rows(metrics["by_document"])), ""]
    if "assistant" in systems:
        labels = ("đạt", "CHƯA ĐẠT", "–")
        rows = _check_rows(systems["assistant"]["targets"], labels)
        out += ["## Mục tiêu (issue 4)", "", _md_table(["target", "value", "goal", "status"], rows), ""]
        if systems["assistant"].get("category_targets"):
            rows = _check_rows(systems["assistant"]["category_targets"], labels)
            out += ["## Mục tiêu theo loại câu hỏi (issue 11)", "", _md_table(["target", "value", "goal", "status"], rows), ""]
    for name, res in results.items():
        failures = [r for r in res if not r.correct]
        if name != "assistant":
            out += [f"## {name}: {len(failures)} câu sai (không liệt kê)", ""]
            continue
        out += [f"## Câu trả lời sai — {name} ({len(failures)})", ""]
        by_category: dict[str, list[QuestionResult]] = defaultdict(list)
        for r in failures:
            by_category[r.category or "original"].append(r)
        ordered = [c for c in ("original", *CATEGORIES) if c in by_category]
        ordered += sorted(c for c in by_category if c not in ordered)
        if ordered != ["original"]:
            out += ["| loại | câu sai |", "|---|---|"]
            out += [f"| {c} | {len(by_category[c])} |" for c in ordered] + [""]
        for category in ordered:
            out += [f"### Loại `{category}` — {len(by_category[category])} câu sai", ""]
            out += _failure_lines(by_category[category])
        uncited = [r.id for r in res if not r.gold_abstain and r.correct and not r.cited]
        if uncited:
            out += [f"### Đúng nhưng không trích dẫn đoạn gốc ({len(uncited)})", "", ", ".join(f"`{i}`" for i in uncited), ""]
    return "\n".join(out).rstrip() + "\n"


def _failure_lines(failures: Sequence[QuestionResult]) -> list[str]:
    """Markdown for each failed question: the question, what was needed, what was missing, the answer."""
    out: list[str] = []
    for r in failures:
        out += [f"#### `{r.id}` — {r.intent}, {r.spelling}", "", f"**Câu hỏi:** {r.question}", ""]
        if r.history_turns:
            how = "đã gửi kèm" if r.history_used else "hệ thống không nhận lịch sử, hỏi câu trơn"
            out += [f"**Hội thoại trước:** {r.history_turns} lượt ({how})", ""]
        if r.error:
            out += [f"**Lỗi:** `{r.error}`", ""]
        if r.gold_abstain:
            out += ["**Cần:** từ chối trả lời (ngoài phạm vi).", ""]
        else:
            expected = "; ".join(" / ".join(f"`{v}`" for v in fact) for fact in r.facts)
            missing = "; ".join(" / ".join(f"`{v}`" for v in fact) for fact in r.missing)
            out += [f"**Cần có:** {expected}", "", f"**Thiếu:** {missing or '(đã từ chối trả lời)'}", "",
                    f"**Nguồn đúng:** `{', '.join(r.documents) or r.document}` — “{r.gold_quote}”", ""]
        out += [f"**Trả lời** ({'từ chối' if r.abstained else f'{len(r.answer)} ký tự'}):", "",
                _quote_block(r.answer), ""]
        if r.citations:
            first = r.citations[0]
            out += [f"**Trích dẫn đầu:** `{first['document']}` — {first['section'] or '(không có mục)'}", ""]
    return out


def result_record(result: QuestionResult, system: str) -> dict:
    """One line of the per-question results file (hit texts left out: they are long)."""
    record = {k: v for k, v in vars(result).items() if k != "hit_texts"}
    return {"system": system, **record}


def write_report(text: str, reports_dir: Path, stamp: str,
                 results: dict[str, list[QuestionResult]] | None = None) -> Path:
    """`eval-<stamp>.md` + `latest.md`, and the per-question results as `*.results.jsonl`."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    path = reports_dir / f"eval-{stamp}.md"
    path.write_text(text, encoding="utf-8")
    (reports_dir / "latest.md").write_text(text, encoding="utf-8")
    if results:
        lines = "".join(json.dumps(result_record(r, name), ensure_ascii=False) + "\n"
                        for name, res in results.items() for r in res)
        (reports_dir / f"eval-{stamp}.results.jsonl").write_text(lines, encoding="utf-8")
        (reports_dir / "latest.results.jsonl").write_text(lines, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- entry point
def _load_baseline_module():
    from importlib.util import module_from_spec, spec_from_file_location

    spec = spec_from_file_location("cchc_eval_baseline", REPO / "eval" / "baseline.py")
    if spec is None or spec.loader is None:
        raise ImportError("eval/baseline.py không tìm thấy")
    module = module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def plan_key(document: str) -> str:
    """One plan across its renditions: `di-linh_2026-2030.pdf` is the gold `di-linh_2026-2030.txt`."""
    return Path(document).stem


def ensure_corpus(assistant, questions: Sequence[GoldQuestion], log,
                  corpus: Sequence[Path] | None = None) -> None:
    """Ingest the plans (the bundled ones, or `corpus`: other renditions of them): the store skips
    the unchanged ones, so only missing, changed or stale plans are parsed. A store holding a
    plan in two renditions would answer from either, so that is refused with ValueError."""
    needed = {plan_key(d) for q in questions for d in q.gold_documents}
    held = [d.document for d in assistant.documents()]
    if corpus:
        wanted = {plan_key(f.name) for path in corpus for f in _plan_files(path)}
        twice = sorted(d for d in held if plan_key(d) in wanted and d not in {
            f.name for path in corpus for f in _plan_files(path)})
        if twice:
            raise ValueError("kho đã có kế hoạch này ở dạng tệp khác: " + ", ".join(twice)
                             + " (dùng một CCHC_HOME mới cho --corpus)")
    missing = needed - {plan_key(d) for d in held}
    sources = list(corpus) if corpus else [CORPUS_DIR]
    if missing:
        log(f"Đang nạp kế hoạch từ {', '.join(map(str, sources))} (thiếu: {', '.join(sorted(missing))})…")
    # Every time: ingesting is idempotent (unchanged files are skipped), and a plan parsed by an
    # older pipeline (`ingest.pipeline.PIPELINE_VERSION`) is parsed again, so a set is scored on
    # what the parsers read now, not on a store's stale parses.
    results = assistant.ingest(sources)
    bad = [r for r in results if not getattr(r, "ok", True)]
    if bad:
        log(f"Cảnh báo: {len(bad)} tệp nạp lỗi: {bad}")


def _plan_files(path: Path) -> list[Path]:
    return sorted(f for f in path.iterdir() if f.is_file()) if path.is_dir() else [path]


def _ensure_procedures(assistant, log) -> None:
    from assistant.procedure_evaluation import ensure_catalogue

    if hasattr(assistant, "procedures"):
        ensure_catalogue(assistant, log)


def _procedure_group(assistant, set_path: str | None, log) -> dict | None:
    """With the default set: the procedure questions through the same Assistant path
    (`assistant.procedure_evaluation`)."""
    from assistant.procedure_evaluation import PROCEDURE_SET, run_procedure_group

    if set_path is not None or not PROCEDURE_SET.exists() or not hasattr(assistant, "procedures"):
        return None
    log(f"[procedures] {PROCEDURE_SET.name}")
    return run_procedure_group(assistant)


def procedure_set_main(path: str, json_output: bool = False) -> int:
    """`cchc eval --procedure-set FILE`: only the procedure group, on FILE (same schema as
    eval/questions_procedures.jsonl, e.g. a held-out set), through the whole Assistant path with
    the bundled plans and procedures in the store, as `cchc eval` asks them."""
    from assistant.config import get_settings
    from assistant.procedure_evaluation import run_procedure_group, summary_line
    from assistant.service import Assistant

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    set_file = Path(path)
    if not set_file.is_file():
        log(f"Không đọc được bộ câu hỏi: {set_file}")
        return 2
    assistant = Assistant(get_settings())
    try:
        assistant.warm_up()
        ensure_corpus(assistant, load_questions(None), log)
        _ensure_procedures(assistant, log)
        log(f"[procedures] {set_file.name}")
        metrics = run_procedure_group(assistant, set_file)
    finally:
        assistant.close()
    if json_output:
        print(json.dumps({"set": str(set_file), **metrics}, ensure_ascii=False))
    else:
        print(summary_line(metrics))
        for failure in metrics["failures"]:
            print(f"  ✘ {failure['id']} {failure['question']}")
    return 0


def main(json_output: bool = False, set_path: str | None = None, baseline: bool = False,
         corpus: Sequence[Path] | None = None) -> int:
    """`cchc eval [--json] [--set FILE] [--baseline] [--corpus PATH ...]`. Returns the process exit code."""
    from assistant.config import get_settings
    from assistant.service import Assistant

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    try:
        questions = load_questions(set_path)
    except (OSError, ValueError) as exc:
        log(f"Không đọc được bộ câu hỏi: {exc}")
        return 2
    if not questions:
        log("Bộ câu hỏi trống.")
        return 2

    def progress(name: str):
        def report(i: int, n: int) -> None:
            if i % 50 == 0 or i == n:
                log(f"[{name}] {i}/{n}")
        return report

    settings = get_settings()
    assistant = Assistant(settings)
    systems: dict[str, dict] = {}
    results: dict[str, list[QuestionResult]] = {}
    try:
        assistant.warm_up()
        try:
            ensure_corpus(assistant, questions, log, corpus)
        except ValueError as exc:
            log(f"Không chấm được: {exc}")
            return 2
        _ensure_procedures(assistant, log)   # asked as after the README's first command
        results["assistant"] = run_system(assistant, questions, progress=progress("assistant"))
        systems["assistant"] = aggregate(results["assistant"])
        procedures = _procedure_group(assistant, set_path, log)   # citizens' procedures: own group
        if procedures is not None:
            systems["assistant"]["procedures"] = procedures
        if baseline:
            module = _load_baseline_module()
            log("Đang dựng baseline LangChain (nhúng lại toàn bộ kho, có thể mất vài phút)…")
            rag = module.BaselineRAG(CORPUS_DIR, assistant.embedder).build()
            try:
                results["baseline"] = run_system(rag, questions, progress=progress("baseline"))
                systems["baseline"] = aggregate(results["baseline"])
            finally:
                rag.close()
    finally:
        assistant.close()

    now = datetime.now()
    meta = {"generated_at": now.isoformat(timespec="seconds"), "set": str(set_path or DEFAULT_SET),
            "corpus": [str(p) for p in corpus] if corpus else str(CORPUS_DIR),
            "questions": len(questions), "embedder": settings.embedder, "llm": settings.llm_provider}
    report = render_report(systems, results, meta)
    if "procedures" in systems.get("assistant", {}):
        from assistant.procedure_evaluation import report_section

        report += "\n" + report_section(systems["assistant"]["procedures"])
    report_path = None
    for directory in (REPORTS_DIR, settings.home / "reports"):
        try:
            report_path = write_report(report, directory, now.strftime("%Y%m%d-%H%M%S"), results)
            break
        except OSError:
            continue
    if json_output:
        print(json.dumps({**meta, "report": str(report_path) if report_path else None, **systems},
                         ensure_ascii=False))
    else:
        print_tables(systems)
        if "procedures" in systems.get("assistant", {}):
            from assistant.procedure_evaluation import summary_line

            print(summary_line(systems["assistant"]["procedures"]))
        if report_path:
            print(f"Báo cáo: {report_path}")
    if report_path and json_output:
        log(f"Báo cáo: {report_path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(json_output="--json" in sys.argv, baseline="--baseline" in sys.argv))
