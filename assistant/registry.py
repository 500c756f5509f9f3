"""The one registry engine: tasks and targets filtered by commune, agency, period, origin and text.

Every surface (CLI `cchc tasks`, `/api/tasks`, the page's "Nhiệm vụ" tab) and every answer
strategy selects records here. Filters run as SQLite queries over indexed, folded key columns
(`commune_key`, `lead_keys`, `coordinator_keys`, `search_key`); only the rows that pass are turned
into records, so memory follows the result, not the corpus. Whether a record falls due in a
period is decided by `ingest.periods.due_status` (the one due rule).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from ingest.agencies import agency_key, agency_matches
from ingest.models import Deadline, SourceRef, Target, TaskRecord
from ingest.periods import DueStatus, Period, due_status, parse_period
from ingest.vntext import tokens


class AgencyRole(StrEnum):
    """Which of a record's agencies an agency filter looks at."""

    LEAD = "lead"                 # the lead (a prose duty also matches the agency it is stated for)
    COORDINATOR = "coordinator"
    MONITOR = "monitor"           # the table's "Theo dõi, kiểm tra, đôn đốc" column
    ANY = "any"


@dataclass(frozen=True)
class TaskFilter:
    commune: str | None = None     # any spelling, with or without diacritics
    agency: str | None = None      # matched on its canonical key (ingest.agencies)
    role: AgencyRole = AgencyRole.LEAD
    due: Period | None = None      # the one due rule decides
    origin: str | None = None      # "table" | "prose"
    query: str | None = None       # every folded word must appear in the record
    document: str | None = None


@dataclass
class TaskSelection:
    """Records that pass a filter. With a period: `tasks` fall due in it, `ongoing` are the
    standing duties during it (listed apart); without one, `tasks` is everything that passed."""

    tasks: list[TaskRecord] = field(default_factory=list)
    ongoing: list[TaskRecord] = field(default_factory=list)


def as_period(due: str | Period | None, today: date | None = None) -> Period | None:
    """A period from a typed filter; raises `ingest.periods.PeriodError` when unreadable."""
    if due is None or isinstance(due, Period):
        return due
    return parse_period(due, today) if due.strip() else None


class Registry:
    """Queries over the store's registry tables (the store owns the connection)."""

    def __init__(self, store) -> None:
        self.store = store

    def _select(self, table: str, commune: str | None, document: str | None) -> tuple[str, list]:
        sql, params = f"SELECT * FROM {table} WHERE 1=1", []
        if commune:
            clause, keys = self.store.commune_clause([commune], "commune_key")
            sql, params = sql + clause, params + keys
        if document:
            sql, params = sql + " AND document = ?", params + [document]
        return sql, params

    def select(self, f: TaskFilter) -> TaskSelection:
        sql, params = self._select("tasks", f.commune, f.document)
        if f.origin:
            sql, params = sql + " AND origin = ?", params + [f.origin]
        if f.agency and AgencyRole(f.role) is not AgencyRole.MONITOR:
            # Cheap necessary condition on the folded key columns; agency_matches decides.
            key = agency_key(f.agency)
            sql, params = sql + " AND (instr(lead_keys, ?) > 0 OR instr(coordinator_keys, ?) > 0)", \
                params + [key, key]
        query_tokens = set(tokens(f.query)) if f.query else set()
        for word in sorted(query_tokens):
            sql, params = sql + " AND instr(' ' || search_key || ' ', ?) > 0", params + [f" {word} "]
        out = TaskSelection()
        for r in self.store.query_rows(sql + " ORDER BY document, ordinal", params):
            if f.agency and not _row_matches_agency(r, f.agency, AgencyRole(f.role)):
                continue
            record = task_from_row(r)
            if f.due is None:
                out.tasks.append(record)
                continue
            status = due_status(record.deadline_norm, f.due)
            if status is DueStatus.DUE:
                out.tasks.append(record)
            elif status is DueStatus.ONGOING:
                out.ongoing.append(record)
        return out

    def tasks(self, commune: str | None = None, agency: str | None = None, due: str | Period | None = None,
              query: str | None = None, document: str | None = None, role: str = "lead",
              origin: str | None = None, today: date | None = None) -> TaskSelection:
        """`select` with the filters as typed on a surface (`due` as text is parsed here)."""
        return self.select(TaskFilter(commune=commune, agency=agency, role=AgencyRole(role),
                                      due=as_period(due, today), origin=origin, query=query,
                                      document=document))

    def targets(self, commune: str | None = None, document: str | None = None) -> list[Target]:
        sql, params = self._select("targets", commune, document)
        return [target_from_row(r) for r in self.store.query_rows(sql + " ORDER BY document, ordinal", params)]


def _row_matches_agency(r: sqlite3.Row, agency: str, role: AgencyRole) -> bool:
    if role is AgencyRole.MONITOR:
        return bool(r["monitor"]) and agency_matches(agency, r["monitor"])
    leads = json.loads(r["leads"]) or ([r["lead"]] if r["lead"] else [])
    coordinators = json.loads(r["coordinator_list"]) or ([r["coordinators"]] if r["coordinators"] else [])
    check_leads = role in (AgencyRole.LEAD, AgencyRole.ANY)
    check_coordinators = role in (AgencyRole.COORDINATOR, AgencyRole.ANY) or \
        (role is AgencyRole.LEAD and r["origin"] == "prose")
    return (check_leads and any(agency_matches(agency, name) for name in leads)) or \
        (check_coordinators and any(agency_matches(agency, name) for name in coordinators))


def _parse_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def task_from_row(r: sqlite3.Row) -> TaskRecord:
    deadline = None
    if r["deadline_kind"]:  # empty when the record had no normalised deadline
        deadline = Deadline(text=r["deadline_text"], kind=r["deadline_kind"] or "unknown",
                            start=_parse_date(r["deadline_start"]), end=_parse_date(r["deadline_end"]),
                            recurrence=r["deadline_recurrence"], day_of_period=r["deadline_day"])
    return TaskRecord(
        document=r["document"], commune=r["commune"], origin=r["origin"], area=r["area"], number=r["number"],
        task=r["task"], lead=r["lead"], coordinators=r["coordinators"], product=r["product"],
        deadline=r["deadline"], monitor=r["monitor"], goal=r["goal"],
        source=SourceRef(r["document"], tuple(json.loads(r["section_path"])), r["line_start"], r["line_end"],
                         r["page"]),
        leads=json.loads(r["leads"]), coordinator_list=json.loads(r["coordinator_list"]),
        deadline_norm=deadline, flags=json.loads(r["flags"]), chunk_id=r["chunk_id"])


def target_from_row(r: sqlite3.Row) -> Target:
    return Target(document=r["document"], commune=r["commune"], subject=r["subject"],
                  comparator=r["comparator"], value=r["value"], unit=r["unit"], text=r["text"],
                  area=r["area"], sentence=r["sentence"],
                  source=SourceRef(r["document"], tuple(json.loads(r["section_path"])), r["line_start"],
                                   r["line_end"], r["page"]))
