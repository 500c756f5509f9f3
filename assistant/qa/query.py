"""The typed `Query` that understanding produces and every later step reads (never the raw text again)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from assistant.qa.intents import FIELD_INTENTS, Intent
from ingest.periods import Period


@dataclass
class Query:
    question: str                      # NFC; typos repaired, colloquial words in the plans' wording
    folded: str                        # folded, abbreviations written out, tokens joined by spaces
    intent: Intent = Intent.GENERAL
    fields: list[Intent] = field(default_factory=list)   # every field intent asked ("lead", "deadline")
    fact_kind: str = ""                # for intent "fact": signer | number | issue_date | implements ...
    also_fact: str = ""                # a second plan detail asked with it ("ai ký, ký hôm nào": issue_date)
    commune: str | None = None         # a commune from the store named in the question
    communes: list[str] = field(default_factory=list)  # all store communes named
    unknown_commune: str | None = None  # a commune named that is not in the store (display form)
    agency: str | None = None          # an agency from the registry named in the question
    period: Period | None = None       # ingest.periods: the one period model
    today: date | None = None          # the day the question is asked on (periods, dated fee rates)
    year: int | None = None
    topic: str = ""                    # residual folded text (cue words, commune, agency removed)
    topic_terms: list[str] = field(default_factory=list)
    compare: str = ""                  # "compare" (communes side by side), "max" / "min" (which stands out)
    asked: str = ""                    # NFC, exactly as asked
    # NFC, typos repaired, before the lexicon's rewording: what the focal concept is read from, so
    # "số điện thoại" stays a phone number though the lexicon reads "điện thoại" as a device
    repaired: str = ""
    listing: bool = False              # asks for a list ("những nhiệm vụ nào", "kể tên")
    anaphoric: bool = False            # points back at the previous turn ("việc này")
    count: str = ""                    # "tasks" / "targets": how many the plan (or an agency) has
    person_role: str = ""              # folded office whose holder is asked about ("chu tich"), fact_kind "person"
    person_detail: str = ""            # what is asked of that person: "name" or another personal detail
    actual: bool = False               # asks an actual figure ("hiện có", "thực tế", "có bao nhiêu ấp"), not a target
    measure: str = ""                  # "rate": the figure asked is a rate ("tỷ lệ …"; every comparison)
    monitor: bool = False              # asks who monitors ("ai theo dõi, đôn đốc …"): the record's monitor column

    @property
    def is_field(self) -> bool:
        return self.intent in FIELD_INTENTS

    @property
    def lexical_text(self) -> str:
        """What the lexical channel searches: the topic when there is one, else the question."""
        return self.topic if self.topic_terms else self.question
