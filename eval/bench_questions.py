"""Benchmark questions drawn from what a store holds (registry records, plan metadata).

Not the gold evaluation set: these questions only need to be *realistic load* — the same mix
of intents, spellings and commune mentions a user produces — and reproducible for a seed, so
latency at 4, 100 and 500 plans is measured on comparable traffic.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ingest.vntext import fold


@dataclass
class CommuneFacts:
    commune: str
    synthetic: bool
    tasks: list = field(default_factory=list)      # TaskRecord-like: .task .lead .deadline
    targets: list = field(default_factory=list)    # Target-like: .subject


@dataclass(frozen=True)
class BenchQuestion:
    text: str
    kind: str              # field | list | target | general | out_of_scope
    commune: str = ""      # the commune the question names ("" = none)
    synthetic: bool = False
    folded: bool = False   # typed without diacritics


GENERAL = (
    "Ai ký ban hành kế hoạch cải cách hành chính của xã {c}?",
    "Kế hoạch cải cách hành chính của xã {c} thực hiện văn bản nào của tỉnh?",
    "Mục tiêu tổng quát của kế hoạch CCHC xã {c} là gì?",
    "Xã {c} đẩy mạnh chuyển đổi số như thế nào?",
    "Người dân nộp hồ sơ thủ tục hành chính ở đâu tại xã {c}?",
    "Xã {c} có hỗ trợ thanh toán trực tuyến phí, lệ phí không?",
    "Kế hoạch của xã {c} nói gì về cải cách tài chính công?",
)
GENERAL_NO_COMMUNE = (
    "Người dân có thể nộp hồ sơ thủ tục hành chính trực tuyến không?",
    "Các nhóm thủ tục hành chính liên thông gồm những gì?",
    "Việc tiếp nhận phản ánh, kiến nghị của người dân được thực hiện thế nào?",
    "Cán bộ công chức cấp xã được đào tạo, bồi dưỡng những gì?",
)
OUT_OF_SCOPE = (
    "Lệ phí làm hộ chiếu phổ thông là bao nhiêu?",
    "Thời tiết ở xã {c} ngày mai thế nào?",
    "Giá vé xe buýt từ xã {c} lên tỉnh là bao nhiêu?",
    "Xã {c} có bao nhiêu trường đại học?",
)
FIELD = (
    ("Ai chủ trì {t} ở xã {c}?", "lead"),
    ("Cơ quan nào phối hợp {t} của xã {c}?", "coordinators"),
    ("Thời hạn hoàn thành {t} ở {c} là khi nào?", "deadline"),
    ("Đơn vị nào chịu trách nhiệm {t} tại xã {c}?", "lead"),
)
LIST = (
    "{a} chủ trì những nhiệm vụ nào ở xã {c}?",
    "Liệt kê các nhiệm vụ {a} phải thực hiện tại xã {c}.",
    "Những nhiệm vụ nào của xã {c} phải hoàn thành trong quý II?",
    "Xã {c} có những việc gì đến hạn trong tháng 12?",
)
TARGET = (
    "Chỉ tiêu {s} của xã {c} là bao nhiêu?",
    "Xã {c} đặt mục tiêu {s} đạt bao nhiêu?",
)
ABBREVIATE = (
    ("cải cách hành chính", "CCHC"), ("thủ tục hành chính", "TTHC"), ("Ủy ban nhân dân", "UBND"),
    ("chuyển đổi số", "CĐS"), ("cán bộ công chức", "CBCC"),
)
_LEADING_NUMBER = re.compile(r"^[\s\d.,)\-–+*]+")


def _phrase(text: str, max_words: int) -> str:
    """The opening words of a task or subject, as a user would paraphrase them."""
    text = _LEADING_NUMBER.sub("", " ".join(text.split()))
    words = text.split()[:max_words]
    # Stop at a clause boundary when there is one after a few words ("rà soát, sửa đổi, ..." stays whole).
    cut = max((i for i, w in enumerate(words[:-1]) if i >= 3 and w.endswith((",", ";", ":"))), default=None)
    if cut is not None and len(words) == max_words:
        words = words[:cut + 1]
    phrase = " ".join(words).rstrip(",.;:")
    return phrase[:1].lower() + phrase[1:] if phrase and not phrase[:2].isupper() else phrase


def _first_agency(lead: str) -> str:
    return re.split(r"[;,\n]", lead)[0].strip()


def make_questions(communes: Sequence[CommuneFacts], n: int, seed: int = 0) -> list[BenchQuestion]:
    """`n` questions: ~40% field, ~15% list, ~12% target, ~25% general, ~8% out of scope;
    about 30% typed without diacritics and some abbreviated; communes named evenly between
    real and synthetic plans (when the store has both), a few questions name none."""
    rng = random.Random(seed)
    real = [c for c in communes if not c.synthetic]
    synthetic = [c for c in communes if c.synthetic]
    out: list[BenchQuestion] = []
    seen: set[str] = set()
    attempts = 0
    kinds = ["field"] * 40 + ["list"] * 15 + ["target"] * 12 + ["general"] * 25 + ["out_of_scope"] * 8
    while len(out) < n and attempts < 50 * n:
        attempts += 1
        kind = rng.choice(kinds)
        pool = synthetic if synthetic and rng.random() < 0.5 else real
        facts = rng.choice(pool)
        c = facts.commune
        text = ""
        if kind == "field" and facts.tasks:
            task = rng.choice(facts.tasks)
            template, _ = rng.choice(FIELD)
            text = template.format(t=_phrase(task.task, rng.randint(5, 10)), c=c)
        elif kind == "list" and facts.tasks:
            agency = _first_agency(rng.choice(facts.tasks).lead) or "Văn phòng HĐND và UBND"
            text = rng.choice(LIST).format(a=agency, c=c)
        elif kind == "target" and facts.targets:
            text = rng.choice(TARGET).format(s=_phrase(rng.choice(facts.targets).subject, 8), c=c)
        elif kind == "out_of_scope":
            text = rng.choice(OUT_OF_SCOPE).format(c=c)
        else:
            kind = "general"
            if rng.random() < 0.2:
                text, c = rng.choice(GENERAL_NO_COMMUNE), ""
            else:
                text = rng.choice(GENERAL).format(c=c)
        if not text or text in seen:   # distinct questions: a repeat would hit the query-vector cache
            continue
        if rng.random() < 0.2:
            for long, short in ABBREVIATE:
                text = text.replace(long, short)
        folded = rng.random() < 0.3
        if folded:
            text = fold(text)
            text = text[:1].upper() + text[1:]
        if text in seen:
            continue
        seen.add(text)
        out.append(BenchQuestion(text=text, kind=kind, commune=c,
                                 synthetic=facts.synthetic and bool(c), folded=folded))
    return out
