"""Measure the pure procedure matcher + answerer on eval/questions_procedures.jsonl.

No store, no embedder: the catalogue is parsed from data/procedures/ and every question
goes through `assistant.procedure_answers.answer_question` (`cchc eval` runs the same questions
through the whole Assistant path, `assistant.procedure_evaluation`, with the same `judge`). Prints JSON metrics:
correct (right record, every fact quoted, or the right abstention), concise (≤ 600 chars),
abstention on out-of-catalogue questions, by category and by spelling.
Run: python eval/procedure_eval.py [--set FILE] [--show-failures]
(--set: another set of the same schema, e.g. eval/dev2_procedures.jsonl)
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

from assistant.procedure_answers import MAX_ANSWER_CHARS, answer_question
from assistant.procedure_matching import ProcedureIndex
from assistant.procedure_evaluation import judge
from ingest.procedures import looks_like_procedure_file, parse_procedure_file

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = REPO / "eval" / "questions_procedures.jsonl"


def main(argv: list[str]) -> int:
    files = sorted(p for p in (REPO / "data" / "procedures").iterdir() if looks_like_procedure_file(p))
    procedures = [p for f in files for p in parse_procedure_file(f).procedures]
    index = ProcedureIndex.build(procedures)
    path = Path(argv[argv.index("--set") + 1]) if "--set" in argv else QUESTIONS
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    groups: dict[str, list[bool]] = defaultdict(list)
    concise, failures = [], []
    for row in rows:
        answer = answer_question(row["question"], index)
        ok = judge(row, answer)
        for key in ("all", row["category"], f"spelling:{row['spelling']}"):
            groups[key].append(ok)
        concise.append(len(answer.answer) <= MAX_ANSWER_CHARS)
        if not ok:
            failures.append((row["id"], row["question"], row["document"], answer.answer[:300]))
    out_of_catalogue = groups.get("procedure_abstain", [])
    report = {
        "questions": len(rows),
        "correct": round(sum(groups["all"]) / len(rows), 3),
        "concise": round(sum(concise) / len(rows), 3),
        "abstention_out_of_catalogue": round(sum(out_of_catalogue) / max(len(out_of_catalogue), 1), 3),
        "by_group": {k: {"n": len(v), "correct": round(sum(v) / len(v), 3)} for k, v in sorted(groups.items())},
    }
    print(json.dumps(report, ensure_ascii=False, indent=1))
    if "--show-failures" in argv:
        for failure in failures:
            print("\nFAIL", *failure, sep="\n  ")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
