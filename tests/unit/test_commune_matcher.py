"""Commune matching at national scale (issue 15): the token lookup and the bounded typo pass give
the same communes as comparing every name, without comparing every name per question.

The names are the bundled plans' communes plus thousands of generated ones (eval/scale.py, the
benchmark's own generator); the questions are the gold set's (eval/questions.jsonl).
"""

from __future__ import annotations

import json
import random
from difflib import SequenceMatcher
from pathlib import Path

import pytest

from assistant.qa import understand as understand_module
from assistant.qa.understand import (_COMMUNE_MARKERS, _PLACE_PREPS, _accent_conflict, _find_all,
                                     _name_key, _segments, commune_matcher, match_commune)
from eval.scale import generate_commune_names

REPO = Path(__file__).resolve().parents[2]
REAL = ["Di Linh", "Lộc Hòa", "Đại Phước", "Năm Dẫn"]


def scan_every_name(question: str, known_communes: list[str]) -> list[str]:
    """The matching rule as it was written before the lookup: every name, every window."""
    segments = _segments(question)
    found = []
    for name in known_communes:
        key = _name_key(name).split()
        if not key:
            continue
        positions = [(si, pos) for si, seg in enumerate(segments) for pos in _find_all(seg, key)]
        if positions and not _accent_conflict(question, name):
            found.append((positions[0][0] * 1000 + positions[0][1], name))
    if found:
        return [name for _, name in sorted(found)]
    best = None
    for name in known_communes:
        key = _name_key(name)
        n = len(key.split())
        if not n:
            continue
        for q_tokens in segments:
            for i in range(1, len(q_tokens) - n + 1):
                if q_tokens[i - 1] not in _COMMUNE_MARKERS + _PLACE_PREPS and q_tokens[i - 1] != "tran":
                    continue
                ratio = SequenceMatcher(None, " ".join(q_tokens[i:i + n]), key).ratio()
                if ratio >= 0.86 and (best is None or ratio > best[0]):
                    best = (ratio, name)
    return [best[1]] if best else []


@pytest.fixture(scope="module")
def names() -> list[str]:
    synthetic = generate_commune_names(1200, random.Random(7), exclude=REAL)
    return sorted(REAL + synthetic)


def gold_questions() -> list[str]:
    rows = [json.loads(line) for line in (REPO / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return [r["question"] for r in rows]


def typo_questions(names: list[str]) -> list[str]:
    """A synthetic commune named with one letter changed or dropped, after a marker."""
    rng = random.Random(3)
    out = []
    for name in rng.sample(names, 60):
        word = list(name)
        k = rng.randrange(1, len(word))
        if rng.random() < 0.5:
            word[k] = "x"
        else:
            del word[k]
        out.append(f"Ai chủ trì đối thoại ở xã {''.join(word)}?")
    return out


def test_same_communes_as_scanning_every_name(names):
    questions = gold_questions()[::4] + typo_questions(names) + [
        f"So sánh tỷ lệ hồ sơ trực tuyến của {names[10]} và {names[1000]}",
        f"{names[5].lower()} va {names[7].lower()} ai chu tri doi thoai",
    ]
    for question in questions:
        assert match_commune(question, names) == scan_every_name(question, names), question
    for question in gold_questions():   # and on the bundled communes alone
        assert match_commune(question, REAL) == scan_every_name(question, REAL), question


def test_typo_after_marker_still_found(names):
    target = next(n for n in names if len(n) >= 9 and " " in n)
    typo = target[:-1] + ("a" if target[-1] != "a" else "e")
    assert match_commune(f"Ai chủ trì đối thoại ở xã {typo}?", names) == \
        scan_every_name(f"Ai chủ trì đối thoại ở xã {typo}?", names)
    assert match_commune(f"Ai chủ trì đối thoại ở xã {typo}?", names)


def test_a_question_compares_few_names(names, monkeypatch):
    """Per question, the typo pass computes the real ratio for a handful of names, not for each
    of the thousands (it did for every name and every window after a marker)."""
    calls = {"n": 0}
    real = SequenceMatcher.ratio

    def counted(self):
        calls["n"] += 1
        return real(self)

    monkeypatch.setattr(understand_module.SequenceMatcher, "ratio", counted)
    commune_matcher(tuple(names))           # the lookup is built once per list of names
    calls["n"] = 0
    match_commune("Ai chủ trì tổ chức đối thoại với người dân ở xã Tân Phú Hưng của tỉnh?", names)
    assert calls["n"] < 50


def covered_by_scanning(seq: list[str], names: list[str]) -> set[int]:
    """Positions inside a name, found as before the lookup: every name searched in turn."""
    return {k for name in names for i in _find_all(seq, _name_key(name).split())
            for k in range(i, i + len(_name_key(name).split()))}


def test_name_positions_same_as_scanning(names):
    from assistant.qa.understand import _words

    matcher = commune_matcher(tuple(names))
    for question in gold_questions()[::3] + typo_questions(names):
        seq = [w[2] for w in _words(question)]
        assert matcher.covered(seq) == covered_by_scanning(seq, names), question


def test_lexicon_protects_names_without_searching_each(names, monkeypatch):
    """The colloquial-wording pass keeps commune names as typed; with thousands of names it
    searches the question no more often than with none (it searched once per name)."""
    from assistant.lexicon import default_lexicon
    from assistant.qa.understand import apply_lexicon

    lexicon = default_lexicon()
    calls = {"n": 0}
    real = understand_module._find_all

    def counted(*args):
        calls["n"] += 1
        return real(*args)

    monkeypatch.setattr(understand_module, "_find_all", counted)
    question = f"chi phí thực hiện kế hoạch ở xã {names[3]} lấy từ đâu"
    apply_lexicon(question, lexicon, ())
    alone = calls["n"]
    calls["n"] = 0
    commune_matcher(tuple(names))
    calls["n"] = 0
    assert apply_lexicon(question, lexicon, names) == apply_lexicon(question, lexicon, ())
    assert calls["n"] <= 2 * alone
