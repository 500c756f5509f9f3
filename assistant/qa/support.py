"""Honest abstention before answering: is the question's focal concept something the plans cover?

Two checks, both against what is stored, never against a list of topics:

- the year the question is about ("năm 2024", "kế hoạch năm 2027") is outside every plan in scope:
  the plans in scope say nothing about that year;
- the question's topic holds a content word the plans never use (after typo repair and the
  lexicon's rewording): "email", "lương", "sinh" name something the plans do not speak of.
  A question typed with diacritics is judged on its written words (folding merges "lương" with
  "lượng"); one typed without them on folded words.

Each failed check gives a short abstention saying what the plans do cover instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.qa.index import AnswerIndex
from assistant.qa.policy import Policy
from assistant.qa.query import Query
from assistant.schemas import Answer
from ingest.periods import year_span
from ingest.vntext import fold, has_diacritics, nfc, tokens

_YEAR_ASKED = re.compile(r"\b(?:nam|giai doan|ke hoach)\s+((?:19|20)\d{2})\b")
_WORD = re.compile(r"[^\W\d_]+")


def uncovered_year(q: Query, index: AnswerIndex, scope: list[str] | None) -> tuple[int, list[str]] | None:
    """(year, plan labels) when the question asks about a year no plan in scope covers."""
    years = {int(y) for y in _YEAR_ASKED.findall(q.folded)}
    if not years:
        return None
    docs = [d for d in index.documents.values() if scope is None or d.commune in scope]
    spans = [s for s in (year_span(d.year) for d in docs) if s]
    if not spans:
        return None
    named = {d.document for d in docs}
    by_document = getattr(index, "targets_by_document", None)
    targets = [index.targets[i] for d in named for i in by_document.get(d, [])] if by_document is not None \
        else [t for t in index.targets if t.document in named]
    mentioned = {int(y) for t in targets
                 for y in re.findall(r"(?<!\d)((?:19|20)\d{2})(?!\d)", f"{t.sentence} {t.text}")}
    for year in sorted(years):
        if not any(a <= year <= b for a, b in spans) and year not in mentioned:
            return year, sorted({d.year for d in docs if d.year})
    return None


def unknown_words(q: Query, folded_vocabulary, written_vocabulary, protected: Iterable[str],
                  policy: Policy) -> list[str]:
    """Content words of the question's topic the stored plans never use (as the user wrote them)."""
    keep = frozenset(protected)
    topic = set(q.topic.split())
    out = []
    for written in _WORD.findall(nfc(q.question)):
        folded = tokens(written)
        if len(folded) != 1 or folded[0] not in topic or folded[0] in keep:
            continue
        if len(folded[0]) < policy.focal_min_letters or (len(written) > 1 and written.isupper()):
            continue
        low = written.lower()
        known = low in written_vocabulary if has_diacritics(low) else fold(low) in folded_vocabulary
        if not known:
            out.append(written)
    return list(dict.fromkeys(out))


def _where(scope: list[str] | None) -> str:
    return f" của xã {scope[0]}" if scope and len(scope) == 1 else ""


def check_year(q: Query, index: AnswerIndex, scope: list[str] | None) -> Answer | None:
    """An abstention when the question asks about a year the plans in scope do not cover."""
    found = uncovered_year(q, index, scope)
    if found is None:
        return None
    year, periods = found
    return Answer(answer=(f"Xin lỗi, các kế hoạch hiện có{_where(scope)} không nói về năm {year} "
                          f"(kế hoạch hiện có: {', '.join(periods)})."), abstained=True)


def check_words(q: Query, scope: list[str] | None, speller, protected: Iterable[str], policy: Policy,
                evidence_coverage: float | None) -> Answer | None:
    """An abstention when the topic holds words the plans never use, unless the chosen evidence
    covers the rest of the question very well (`policy.focal_keep_coverage`: a paraphrase)."""
    if speller is None:
        return None
    words = unknown_words(q, speller.counts, speller.written, protected, policy)
    if len(words) < policy.focal_unknown_words:
        return None
    if evidence_coverage is not None and evidence_coverage >= policy.focal_keep_coverage:
        return None
    shown = ", ".join(f"“{w}”" for w in words)
    return Answer(answer=(f"Xin lỗi, các kế hoạch hiện có{_where(scope)} không đề cập đến {shown}. "
                          "Tôi có thể trả lời về nhiệm vụ, đơn vị chủ trì, phối hợp, thời hạn, "
                          "sản phẩm và chỉ tiêu trong các kế hoạch cải cách hành chính đã nạp."),
                  abstained=True)
