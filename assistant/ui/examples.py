"""The page's example questions, made from what the store holds.

Fixed examples would name the bundled communes on a page serving other plans, and suggest
questions the store cannot answer. These are filled from the stored plans (commune, year,
signer, the agency leading most tasks) and the procedure catalogue, one commune per example
in turn, so every example is about something the store holds.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import count

from ingest.vntext import fold

MAX_EXAMPLES = 4


@dataclass(frozen=True)
class PlanFacts:
    """What one stored plan lets an example ask about."""
    commune: str
    first_year: int | None
    signed: bool
    main_lead: str | None     # the agency leading most of the plan's tasks


@dataclass(frozen=True)
class PageExamples:
    citizen: list[str]
    staff: list[str]


def main_lead(leads: Iterable[str]) -> str | None:
    """The agency named as lead most often (first in plan order on a tie)."""
    counts = Counter(lead.strip() for lead in leads if lead and lead.strip())
    return counts.most_common(1)[0][0] if counts else None


def first_year(year: str) -> int | None:
    digits = year.strip()[:4]
    return int(digits) if digits.isdigit() else None


def common_procedures(names: Iterable[str], how_many: int = 2) -> list[str]:
    """The shortest names of at least three words: the everyday procedures ("Đăng ký tạm trú")
    rather than one-word fragments or long compound ones."""
    usable = sorted({n.strip() for n in names if len(n.split()) >= 3}, key=lambda n: (len(n), n))
    return usable[:how_many]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def plans_to_feature(documents: Sequence, how_many: int = MAX_EXAMPLES) -> list:
    """One stored plan per commune (its latest), for the first communes in name order: the plans
    whose tasks are read to fill the examples, so a large store costs no more than a small one."""
    latest: dict[str, object] = {}
    for doc in documents:
        if doc.commune and (doc.commune not in latest or doc.year > latest[doc.commune].year):
            latest[doc.commune] = doc
    return [latest[c] for c in sorted(latest, key=fold)[:how_many]]


def example_questions(plans: Sequence[PlanFacts], procedures: Sequence[str]) -> PageExamples:
    """Citizen and staff examples for the stored plans and procedure names (both may be empty)."""
    plans = sorted((p for p in plans if p.commune), key=lambda p: fold(p.commune))
    turn = count()

    def next_plan() -> PlanFacts | None:
        return plans[next(turn) % len(plans)] if plans else None

    citizen: list[str] = []
    names = common_procedures(procedures)
    if names:
        citizen.append(f"{names[0]} cần giấy tờ gì?")
    if len(names) > 1:
        citizen.append(fold(f"{_lower_first(names[1])} mất bao lâu").lower())   # typed as many citizens do
    if (plan := next_plan()) is not None:
        citizen.append(f"Kinh phí thực hiện kế hoạch CCHC của xã {plan.commune} lấy từ đâu?")
    if (plan := next_plan()) is not None and plan.signed:
        citizen.append(f"Kế hoạch CCHC của xã {plan.commune} do ai ký?")

    staff: list[str] = []
    for _ in range(len(plans)):
        plan = next_plan()
        if plan is not None and plan.main_lead:
            staff.append(f"Ở {plan.commune}, {plan.main_lead} chủ trì những nhiệm vụ nào?")
            break
    if (plan := next_plan()) is not None and plan.first_year:
        staff.append(f"Quý I/{plan.first_year} xã {plan.commune} phải hoàn thành những việc gì?")
    if (plan := next_plan()) is not None:
        staff.append(f"Xã {plan.commune} có bao nhiêu nhiệm vụ cải cách hành chính?")
    if (plan := next_plan()) is not None:
        staff.append(f"Ai chịu trách nhiệm theo dõi, kiểm tra việc thực hiện kế hoạch CCHC ở {plan.commune}?")
    return PageExamples(citizen=citizen[:MAX_EXAMPLES], staff=staff[:MAX_EXAMPLES])
