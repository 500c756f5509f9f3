"""Intents and agency roles, defined once. Values are the strings of the JSON contract."""

from __future__ import annotations

from enum import StrEnum


class Intent(StrEnum):
    LEAD = "lead"                      # who leads a task
    COORDINATORS = "coordinators"      # who coordinates it
    DEADLINE = "deadline"              # when it is due
    PRODUCT = "product"                # what it delivers
    TARGET = "target"                  # a number the plan sets
    LIST_BY_AGENCY = "list_by_agency"  # what an agency must do
    DUE_BY_DATE = "due_by_date"        # what falls due in a period
    FACT = "fact"                      # plan metadata: signer, number, date, basis
    GENERAL = "general"                # anything else: quote the best sentences
    PROCEDURE = "procedure"            # a citizen's procedure (the catalogue, not the plans)
    COUNT = "count"                    # how many tasks a plan (an agency, an area, a period) has
    COMPARISON = "comparison"          # communes side by side, or which one stands out


FIELD_INTENTS: tuple[Intent, ...] = (Intent.LEAD, Intent.COORDINATORS, Intent.DEADLINE, Intent.PRODUCT)
TASK_INTENTS: tuple[Intent, ...] = FIELD_INTENTS + (Intent.LIST_BY_AGENCY, Intent.DUE_BY_DATE)

# The agency role a question asks about is `assistant.registry.AgencyRole` (lead | coordinator | any).
