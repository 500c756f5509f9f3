"""The public JSON shape of a procedure (CLI `cchc procedures --json`, `/api/procedures`) and
the catalogue search behind both. Add fields freely, never remove or rename."""

from __future__ import annotations

from typing import Any

from assistant.procedure_matching import ProcedureIndex, is_confident, name_phrases, rank_procedures
from assistant.qa.policy import DEFAULT_POLICY
from ingest.procedure_models import Procedure, SubmissionWay
from ingest.vntext import fold


def way_to_dict(way: SubmissionWay) -> dict[str, Any]:
    return {
        "channel": way.channel_text,
        "channel_id": way.channel,
        "time": way.time.text,
        "time_value": way.time.value,
        "time_unit": way.time.unit,            # null when the record gives no unit
        "time_unit_given": way.time.unit_given,
        "fee": way.fee.text,
        "fee_kind": way.fee.kind,              # free | amount | council | unknown
        "fee_amount": way.fee.amount,
        "fee_currency": way.fee.currency or None,
        "fee_per": way.fee.per or None,
        "fee_note": way.fee.note or None,
        "description": way.description or None,
    }


def procedure_to_dict(procedure: Procedure, *, full: bool = False) -> dict[str, Any]:
    """The listing object; `full` adds steps, conditions, results and legal bases."""
    out: dict[str, Any] = {
        "code": procedure.code,
        "name": procedure.name,
        "field": procedure.field,
        "agency": procedure.agency,
        "level": procedure.level,
        "ways": [way_to_dict(w) for w in procedure.ways],
        "documents": [
            {"name": d.name, "group": d.group, "group_kind": d.group_kind, "originals": d.originals,
             "copies": d.copies, "quantity": d.quantity_text, "form": d.form or None,
             "conditional": d.conditional}
            for d in procedure.documents
        ],
        "url": procedure.url,
        "document": procedure.document,
        "flags": procedure.flags,
    }
    if full:
        out.update({
            "applicants": procedure.applicants,
            "competent_agency": procedure.competent_agency,
            "implementing_agency": procedure.implementing_agency,
            "decision": procedure.decision,
            "steps": procedure.steps,
            "conditions": procedure.conditions,
            "results": [{"name": r.name, "code": r.code} for r in procedure.results],
            "result": procedure.result_text,
            "legal_bases": [{"title": b.title, "code": b.code} for b in procedure.legal_bases],
        })
    return out


def search_procedures(index: ProcedureIndex, query: str = "", field: str = "",
                      limit: int = 50) -> list[Procedure]:
    """Catalogue listing: filtered by field (folded substring), ranked by the query's wording."""
    pool = index.procedures
    if field:
        key = fold(field).strip()
        pool = [p for p in pool if key in fold(p.field)]
    if not query.strip():
        return sorted(pool, key=lambda p: (p.field, p.name, p.code))[:limit]
    allowed = {id(p) for p in pool}
    ranked = rank_procedures(query, index, k=len(index.procedures))
    hits = [m for m in ranked if id(m.procedure) in allowed
            and (is_confident(m) or m.question_coverage >= DEFAULT_POLICY.procedure_list_coverage)]
    return [m.procedure for m in hits][:limit]


class ProcedureCatalogue:
    """The store's procedures as one `ProcedureIndex`, rebuilt when the store's revision changes.

    The one query path of every surface: `Assistant.procedures`/`procedure` (CLI, API, the
    "Thủ tục" tab) and the chat's procedure strategy all read through it."""

    def __init__(self, store) -> None:
        import threading

        self.store = store
        self._index: ProcedureIndex | None = None
        self._revision: object = None
        self._lock = threading.Lock()
        self._names: tuple | None = None   # (index, owner per phrase, phrase vectors)

    def index(self) -> ProcedureIndex:
        revision = self.store.revision()
        with self._lock:
            if self._index is None or self._revision != revision:
                self._index = ProcedureIndex.build(self.store.procedures())
                self._revision = revision
            return self._index

    def name_similarities(self, vector) -> list[tuple[Procedure, float]]:
        """[(procedure, best cosine of `vector` — a query embedding — with its name phrases)],
        best first ([] when the store cannot embed). The names' vectors are embedded once per
        catalogue revision through the store's vector cache (shipped in data/vectors)."""
        import numpy as np

        index = self.index()
        with self._lock:
            if self._names is None or self._names[0] is not index:
                embed = getattr(self.store, "passage_vectors", None)
                if embed is None or not index.procedures:
                    return []
                owners, texts = [], []
                for i, procedure in enumerate(index.procedures):
                    for phrase in name_phrases(procedure):
                        owners.append(i)
                        texts.append(phrase)
                self._names = (index, np.asarray(owners), embed(texts))
            _, owners, matrix = self._names
        cosines = matrix @ np.asarray(vector, dtype=np.float32)
        best = np.full(len(index.procedures), -1.0, dtype=np.float32)
        np.maximum.at(best, owners, cosines)
        order = np.argsort(-best, kind="stable")
        return [(index.procedures[i], float(best[i])) for i in order]

    def search(self, query: str = "", field: str = "", limit: int = 50) -> list[Procedure]:
        return search_procedures(self.index(), query or "", field or "", limit=limit)

    def get(self, code: str) -> Procedure | None:
        return self.store.procedure(code)

    def fields(self) -> list[str]:
        """The fields (lĩnh vực) of the catalogue, as written, sorted."""
        return sorted({p.field for p in self.index().procedures if p.field})
