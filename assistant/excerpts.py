"""Record text cut to fit an answer: a cell near a length, a steps field as an outline.

Pure functions over the record's own words: what is left out is marked "…", never reworded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


def shorten(text: str, limit: int, first_clause: bool = False) -> str:
    """A long cell cut near `limit`: at a sentence end when one is close, else between words.
    `first_clause`: a checklist item ends at its first "; " ("Giấy chứng sinh; trường hợp …")."""
    text = " ".join(text.split()).lstrip("-+• ").strip()
    if first_clause:
        clause = min((i for i in (text.find("; "), text.find(". ")) if i >= 12), default=-1)
        if 0 < clause < limit:
            return text[:clause] + "…"
    if len(text) <= limit:
        return text
    window = text[:limit]
    cut = max(window.rfind(". "), window.rfind("; "))
    if cut < limit * 0.6:
        cut = window.rfind(" ")
    return (window[:cut] if cut > limit // 3 else window).rstrip(" ,;:") + "…"


# "Bước 1:", "- Bước 2.", "b) Bước 2:" — a step's label, where a step starts
_STEP_LABEL = re.compile(r"(?:(?<=\s)|^)(?:[-+•*]\s*)?(?:[a-zđ]\)\s*)?Bước\s*(\d{1,2})\b\s*[:.)\-–]?\s*", re.IGNORECASE)
_TRAILING_MARK = re.compile(r"[\s\-+•*]*(?:[a-zđ]\))?[\s\-+•*]*$")
_LINE_BULLET = re.compile(r"^[\s\-+•*]+")
_PREFACE_CHARS = 60      # "Trường hợp cấp xã": a longer preface is a case split, not a heading
_MAX_STEPS = 8
_MAX_LINES = 6       # a steps field of more bullet lines is sub-lists and cases, not steps
_MIN_STEP_CHARS = 15
# "Trong thời hạn 05 ngày làm việc, kể từ ngày nhận được hồ sơ đầy đủ hợp lệ, Ủy ban …": the
# clause saying from when is the one an outline leaves out first.
_SINCE = re.compile(r",?\s*kể từ (?:ngày|khi|thời điểm)[^,;.:]{0,120},", re.IGNORECASE)
# "Trong thời hạn 05 ngày làm việc, Ủy ban …": how long a step takes, lifted beside its label
_WITHIN = re.compile(r"^(?:trong (?:thời hạn|vòng)|trong|không quá|chậm nhất(?: là)?)\s+"
                     r"(\d{1,3}(?: \([^)]{1,12}\))? (?:ngày làm việc|ngày|giờ làm việc|giờ|tháng))\b[\s…]*,?\s*",
                     re.IGNORECASE)


@dataclass(frozen=True)
class Step:
    label: str      # "Bước 2", or "" for a bullet line
    text: str       # the step's words, its lines joined


def split_steps(text: str) -> tuple[str, list[Step]]:
    """(preface, steps) of a steps field numbered "Bước 1 … Bước n" (consecutively, once each)
    or written as a few bullet lines; ("", []) when it is neither (cases, sub-lists, one line)."""
    labels = list(_STEP_LABEL.finditer(text))
    if len(labels) >= 2:
        if [int(m.group(1)) for m in labels] != list(range(1, len(labels) + 1)) or len(labels) > _MAX_STEPS:
            return "", []
        preface = _TRAILING_MARK.sub("", " ".join(text[:labels[0].start()].split()))
        if len(preface) > _PREFACE_CHARS:
            return "", []
        steps = []
        for m, nxt in zip(labels, labels[1:] + [None]):
            body = text[m.end():nxt.start() if nxt else len(text)]
            steps.append(Step(f"Bước {m.group(1)}", _joined(_TRAILING_MARK.sub("", body))))
        return preface, steps
    lines = [line for line in text.splitlines() if line.strip(" -+•*\t")]
    if 2 <= len(lines) <= _MAX_LINES and all(len(line.strip()) >= _MIN_STEP_CHARS for line in lines):
        return "", [Step("", _joined(line)) for line in lines]
    return "", []


def _joined(body: str) -> str:
    """A step's lines as one: a title line ("Nộp, tiếp nhận hồ sơ") followed by " — "."""
    parts = [" ".join(_LINE_BULLET.sub("", line).split()) for line in body.splitlines()]
    parts = [p for p in parts if p]
    out = ""
    for part in parts:
        if out:
            out += " " if out[-1] in ".;:,…" else " — "
        out += part
    return out


def share_out(lengths: list[int], room: int, cap: int | None = None) -> list[int]:
    """Characters per item out of `room`: items shorter than an equal share keep their length,
    the spare goes to the longer ones (each at most `cap`)."""
    out = [0] * len(lengths)
    left = sorted(range(len(lengths)), key=lambda i: lengths[i])
    room = max(0, room)
    while left:
        share = room // len(left) if cap is None else min(cap, room // len(left))
        i = left[0]
        if lengths[i] <= share:
            out[i] = lengths[i]
            room -= lengths[i]
            left.pop(0)
            continue
        for j in left:
            out[j] = share
        break
    return out


def outline_steps(preface: str, steps: list[Step], asked: int | None, budget: int) -> tuple[str, str]:
    """(shown, quoted): every step on its own line, each cut to its share of `budget`, the
    step the question asks about (`asked`) first given up to a third of it; the "kể từ
    ngày …" clauses left out ("…"). `quoted` is the same steps as the record words them."""
    head = [f"{preface}:"] if preface else []
    compact, prefixes = [], []
    for step in steps:
        text = _SINCE.sub(" …,", step.text)
        within = _WITHIN.match(text)
        took = f" (trong {within.group(1)})" if within and step.label else ""
        if took:
            text = text[within.end():]
            text = text[:1].upper() + text[1:]
        compact.append(text)
        prefixes.append(f"{step.label}{took}: " if step.label else "- ")
    room = max(budget - sum(len(h) + 1 for h in head) - sum(len(p) + 1 for p in prefixes), 40 * len(steps))
    reserved = min(len(compact[asked]), max(room // 2, room // len(steps))) if asked is not None else 0
    others = [i for i in range(len(steps)) if i != asked]
    shares = dict(zip(others, share_out([len(compact[i]) for i in others], room - reserved)))
    if asked is not None:
        shares[asked] = reserved
    shown = [p + shorten(c, max(shares[i], 30)) for i, (p, c) in enumerate(zip(prefixes, compact))]
    quoted = [p + shorten(st.text, max(shares[i], 30)) for i, (p, st) in enumerate(zip(prefixes, steps))]
    return "\n".join(head + shown), "\n".join(head + quoted)
