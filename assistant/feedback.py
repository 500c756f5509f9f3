"""Readers' verdicts on answers (👍/👎 and an optional comment), kept in the store's SQLite file.

Each row holds what was asked and answered (question, answer text, citations, commune) and when:
no name, address or other personal data. Staff list them on the page ("Quản trị"), export them as
CSV and turn a 👎 into a draft evaluation question (the `eval/questions.jsonl` schema) appended to
`$CCHC_HOME/eval_candidates.jsonl` for someone to complete with facts and a gold quote.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import threading
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from ingest.vntext import nfc

Rating = Literal["up", "down"]
MAX_COMMENT_CHARS = 2000
CSV_COLUMNS = ("id", "created", "rating", "comment", "commune", "question", "answer", "citations")
CSV_HEADERS = ("Mã", "Thời gian (UTC)", "Đánh giá", "Góp ý", "Xã", "Câu hỏi", "Câu trả lời", "Nguồn")
RATING_LABELS = {"up": "Hữu ích", "down": "Chưa đúng"}  # plain words: office PCs often lack emoji fonts

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answer_feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    comment TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL DEFAULT '[]',
    commune TEXT,
    intent TEXT NOT NULL DEFAULT '',
    eval_id TEXT
)
"""


class CitedSource(BaseModel):
    document: str
    section: str = ""
    line_start: int | None = None
    line_end: int | None = None
    page: int | None = None
    text: str = ""


class Feedback(BaseModel):
    id: int
    created: str
    rating: Rating
    comment: str = ""
    question: str
    answer: str
    citations: list[CitedSource] = Field(default_factory=list)
    commune: str | None = None
    intent: str = ""
    eval_id: str | None = None


def _clean(text: str | None, limit: int | None = None) -> str:
    text = nfc((text or "").encode("utf-8", "replace").decode("utf-8")).strip()
    return text[:limit] if limit else text


class FeedbackStore:
    """One table (`answer_feedback`) in the database at `db_path`; thread-safe, one connection each call."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = Path(db_path)
        self._lock = threading.Lock()
        self._ready = False

    def _connect(self) -> sqlite3.Connection:
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.db_path, timeout=30)
        conn.row_factory = sqlite3.Row
        if not self._ready:
            with self._lock:
                conn.execute(_SCHEMA)
                conn.commit()
                self._ready = True
        return conn

    def add(self, rating: Rating, question: str, answer: str, citations: Iterable[dict | CitedSource] = (),
            commune: str | None = None, intent: str = "", comment: str = "") -> Feedback:
        if rating not in ("up", "down"):
            raise ValueError("Đánh giá phải là «Hữu ích» (up) hoặc «Chưa đúng» (down).")
        sources = [c if isinstance(c, CitedSource) else CitedSource.model_validate(c) for c in citations]
        row = (datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), rating,
               _clean(comment, MAX_COMMENT_CHARS), _clean(question), _clean(answer),
               json.dumps([s.model_dump() for s in sources], ensure_ascii=False), _clean(commune) or None,
               _clean(intent))
        with self._connect() as conn:
            cursor = conn.execute(
                "INSERT INTO answer_feedback (created, rating, comment, question, answer, citations, commune, "
                "intent) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)
            new_id = cursor.lastrowid
        conn.close()
        return self.get(new_id)

    def set_comment(self, feedback_id: int, comment: str) -> Feedback | None:
        with self._connect() as conn:
            conn.execute("UPDATE answer_feedback SET comment = ? WHERE id = ?",
                         (_clean(comment, MAX_COMMENT_CHARS), feedback_id))
        conn.close()
        return self.get(feedback_id)

    def get(self, feedback_id: int) -> Feedback | None:
        conn = self._connect()
        try:
            row = conn.execute("SELECT * FROM answer_feedback WHERE id = ?", (feedback_id,)).fetchone()
        finally:
            conn.close()
        return _to_model(row) if row else None

    def list(self, rating: Rating | None = None, limit: int = 500) -> list[Feedback]:
        """Newest first."""
        where, params = ("WHERE rating = ?", [rating]) if rating else ("", [])
        conn = self._connect()
        try:
            rows = conn.execute(f"SELECT * FROM answer_feedback {where} ORDER BY id DESC LIMIT ?",
                                [*params, limit]).fetchall()
        finally:
            conn.close()
        return [_to_model(r) for r in rows]

    def to_eval_question(self, feedback_id: int, out_path: Path) -> dict:
        """Append a draft gold question for a 👎 to `out_path` (JSON lines); returns the item."""
        item = self.get(feedback_id)
        if item is None:
            raise KeyError(f"Không có góp ý số {feedback_id}.")
        if item.rating != "down":
            raise ValueError("Chỉ chuyển được câu trả lời bị đánh giá «Chưa đúng» "
                             "thành câu hỏi kiểm thử.")
        draft = eval_draft(item)
        out_path = Path(out_path)
        out_path.parent.mkdir(parents=True, exist_ok=True)
        with out_path.open("a", encoding="utf-8") as stream:
            stream.write(json.dumps(draft, ensure_ascii=False) + "\n")
        with self._connect() as conn:
            conn.execute("UPDATE answer_feedback SET eval_id = ? WHERE id = ?", (draft["id"], feedback_id))
        conn.close()
        return draft


def _to_model(row: sqlite3.Row) -> Feedback:
    data = dict(row)
    data["citations"] = json.loads(data.get("citations") or "[]")
    return Feedback.model_validate(data)


def eval_draft(item: Feedback) -> dict:
    """The eval-set schema (eval/README.md) with what a reviewer must still fill left empty:
    `facts` and `gold_quote` come from reading the plan, never from the rejected answer."""
    return {
        "id": f"fb-{item.id:04d}",
        "question": item.question,
        "intent": item.intent or "general",
        "commune": item.commune,
        "document": item.citations[0].document if item.citations else None,
        "facts": [],
        "gold_quote": "",
        "abstain": False,
        "variant_of": None,
        "spelling": "full",
        "needs_review": True,
        "feedback": {"comment": item.comment, "rejected_answer": item.answer, "created": item.created},
    }


def feedback_csv(items: Iterable[Feedback]) -> str:
    """CSV with Vietnamese headers and a UTF-8 BOM (spreadsheet programs then read the accents)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADERS)
    for item in items:
        sources = "; ".join(_source_label(c) for c in item.citations)
        writer.writerow([item.id, item.created, RATING_LABELS[item.rating], item.comment, item.commune or "",
                         item.question, item.answer, sources])
    return "\ufeff" + buffer.getvalue()


def _source_label(source: CitedSource) -> str:
    where = [source.document]
    if source.section:
        where.append(source.section)
    if source.line_start:
        where.append(f"dòng {source.line_start}" + (f"–{source.line_end}" if source.line_end
                                                     and source.line_end != source.line_start else ""))
    if source.page:
        where.append(f"trang {source.page}")
    return " › ".join(where)
