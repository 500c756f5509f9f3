"""Answer composition: a question in, a short grounded answer with citations out (or an abstention).

Paths, chosen by `understanding.understand`:
- field intents (lead / coordinators / deadline / product): the best-matching registry record,
  stated in one Vietnamese sentence that quotes the plan's wording;
- target: the number and its subject from the target records (or a sentence holding a number);
- list_by_agency / due_by_date: a compact, counted list of records;
- fact: plan metadata (signer, number, date, the plan it implements) cited from the preamble
  or signature;
- general (and fallbacks): the best one to three source sentences.

Evidence strength is measured the same way everywhere: the share of the question's topic
weight (idf-weighted folded terms) that the chosen passage covers. Terms absent from every
retrieved passage get the highest weight, so a question about something the plans never
mention ("hộ chiếu", "thời tiết") cannot reach the threshold. Several communes and none named:
field/target/general answers are given per commune (at most 3) when more than one plan
answers equally well; list answers give per-commune counts and ask to narrow.
"""

from __future__ import annotations

import math
import re
import threading
from functools import lru_cache
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from assistant.evidence import (COUNT, DATE_LINE, GENERIC_TERMS, PERCENT, REFERENCE_RE, TIME_EXPRESSION, YEAR_RE,
                                TermWeights, accent_mismatch, as_sentence, clause_with, coverage, coverage_parts,
                                focused, quote, section_context, shorten, split_sentences, term_set)
from assistant.schemas import Answer, Citation, DocumentInfo
from assistant.understanding import FIELD_INTENTS, Query, content_terms, understand
from ingest.agencies import agency_key
from ingest.periods import DueStatus, due_status, period_needles, period_phrase, year_span
from ingest.models import Target, TaskRecord
from ingest.vntext import commune_key, fold, nfc, normalise_name, tokens

# -- thresholds (shares of the question's topic weight) -----------------------------------
# Evidence is accepted when it covers enough of the question's topic weight AND at least some
# of its word pairs; or, for a question typed with diacritics, when coverage is moderate but the
# passage is semantically very close (e5 cosine). Calibrated on eval/questions.jsonl: answered
# in-scope questions sit at coverage >= 0.6, out-of-scope ones at <= 0.5 with pair share ~0,
# and no out-of-scope question reaches cosine 0.895 together with coverage 0.4.
MIN_COVERAGE = 0.55
MIN_PAIR_SHARE = 0.15
SEMANTIC_MIN_COVERAGE = 0.4
SEMANTIC_MIN_SIMILARITY = 0.895
RECORD_MIN_COVERAGE = MIN_COVERAGE
PASSAGE_MIN_COVERAGE = MIN_COVERAGE
PER_COMMUNE_RATIO = 0.9        # other communes answered too when this close to the best
MAX_COMMUNES = 3
LIST_SHOWN = 8
ANSWER_BUDGET = 590            # characters

ABSTAIN_TEXT = "Xin lỗi, các kế hoạch hiện có không đề cập đến nội dung này."


# -- small text helpers ---------------------------------------------------------------------

def _period_label(year: str) -> str:
    year = (year or "").strip()
    if not year:
        return ""
    return f"giai đoạn {year.replace('-', ' - ')}" if "-" in year else f"năm {year}"


def _format_iso(value: str) -> str:
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value or "")
    return f"{int(m[3]):02d}/{int(m[2]):02d}/{m[1]}" if m else value


# -- the registry cache ---------------------------------------------------------------------


@lru_cache(maxsize=65536)
def _agency_key(name: str) -> tuple[str, ...]:
    return tuple(agency_key(name).split())


def _agency_matches(query: str, name: str) -> bool:
    """The query's agency key is a contiguous run of the name's key (as ingest.agencies matches),
    with both keys memoised: lists scan every record of a plan."""
    q, n = _agency_key(query), _agency_key(name)
    if not q or not n:
        return False
    return any(n[i:i + len(q)] == q for i in range(len(n) - len(q) + 1))


@dataclass
class Registry:
    """Everything the answer path reads often, loaded once per store revision."""

    signature: object
    documents: dict[str, DocumentInfo]
    communes: list[str]
    tasks: list[TaskRecord]
    task_terms: list[frozenset[str]]
    task_area_terms: list[frozenset[str]]
    tasks_by_commune: dict[str, list[int]]
    tasks_by_chunk: dict[str, list[int]]
    agencies: list[str]
    task_weights: TermWeights
    targets: list[Target]
    target_terms: list[frozenset[str]]
    targets_by_commune: dict[str, list[int]]
    target_clause_terms: list[frozenset[str]] = field(default_factory=list)   # subject + quoted clause
    target_weights: TermWeights | None = None
    targets_by_document: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def load(cls, store, signature) -> "Registry":
        docs = {d.document: d for d in store.documents()}
        communes = sorted({d.commune for d in docs.values() if d.commune})
        tasks = list(store.tasks())
        task_terms = [term_set(f"{t.task} {t.product} {t.goal}") for t in tasks]
        area_terms = [term_set(t.area) for t in tasks]
        by_commune: dict[str, list[int]] = defaultdict(list)
        by_chunk: dict[str, list[int]] = defaultdict(list)
        agencies: dict[str, str] = {}
        for i, t in enumerate(tasks):
            by_commune[commune_key(t.commune)].append(i)
            if t.chunk_id:
                by_chunk[t.chunk_id].append(i)
            for name in (t.leads or ([t.lead] if t.lead else [])) + (t.coordinator_list or []):
                key = normalise_name(name)
                if key and len(key) < 80:
                    agencies.setdefault(key, name)
        targets = list(store.targets())
        target_terms = [term_set(f"{g.subject} {g.sentence} {g.area}") for g in targets]
        targets_by_commune: dict[str, list[int]] = defaultdict(list)
        for i, g in enumerate(targets):
            targets_by_commune[commune_key(g.commune)].append(i)
        clause_terms = [term_set(f"{g.subject} {clause_with(g.sentence or g.text, g.text)}") for g in targets]
        by_document: dict[str, list[int]] = defaultdict(list)
        for i, g in enumerate(targets):
            by_document[g.document].append(i)
        return cls(signature, docs, communes, tasks, task_terms, area_terms, dict(by_commune), dict(by_chunk),
                   sorted(agencies.values()), TermWeights(task_terms), targets, target_terms,
                   dict(targets_by_commune), clause_terms, TermWeights(target_terms), dict(by_document))

    def task_ids(self, communes: list[str] | None) -> list[int]:
        if not communes:
            return list(range(len(self.tasks)))
        out: list[int] = []
        for c in communes:
            out += self.tasks_by_commune.get(commune_key(c), [])
        return out

    def target_ids(self, communes: list[str] | None) -> list[int]:
        if not communes:
            return list(range(len(self.targets)))
        out: list[int] = []
        for c in communes:
            out += self.targets_by_commune.get(commune_key(c), [])
        return out

    def resolve_commune(self, name: str) -> str | None:
        key = commune_key(name)
        for c in self.communes:
            if commune_key(c) == key:
                return c
        return None


# -- candidate evidence ---------------------------------------------------------------------

@dataclass
class ScoredTask:
    index: int
    task: TaskRecord
    coverage: float
    score: float
    parts: tuple[float, float] = (0.0, 0.0)


@dataclass
class ScoredSentence:
    sentence: str
    chunk: object             # StoredChunk
    coverage: float
    score: float
    rank: int
    parts: tuple[float, float] = (0.0, 0.0)


@dataclass
class _Context:
    query: Query
    scope: list[str] | None
    ranked: list = field(default_factory=list)        # RankedChunk, best first
    chunk_rank: dict[str, int] = field(default_factory=dict)


class Answerer:
    def __init__(self, store, retriever, settings=None, today: date | None = None, llm=None) -> None:
        self.store = store
        self.retriever = retriever
        self.settings = settings
        self.today = today
        self._registry: Registry | None = None
        self._lock = threading.Lock()
        self._llm = llm                    # a LangChain chat model; built from settings when None
        self._llm_checked = llm is not None
        self.last_trace: dict = {}          # what the last answer rested on (for debugging/eval)

    # -- caches ---------------------------------------------------------------------------
    def _signature(self):
        revision = getattr(self.store, "revision", None)
        if revision is not None:
            return revision() if callable(revision) else revision
        return tuple((d.document, d.content_hash) for d in self.store.documents())

    def registry(self) -> Registry:
        signature = self._signature()
        reg = self._registry
        if reg is None or reg.signature != signature:
            with self._lock:
                reg = self._registry
                if reg is None or reg.signature != signature:
                    reg = Registry.load(self.store, signature)
                    self._registry = reg
        return reg

    # -- entry point ----------------------------------------------------------------------
    def answer(self, question: str, commune: str | None = None) -> Answer:
        question = nfc(question or "").strip()
        limit = getattr(self.settings, "max_question_chars", 1000) or 1000
        question = question[:limit]
        if not tokens(question):
            return Answer(answer="Vui lòng nhập câu hỏi về kế hoạch cải cách hành chính.", abstained=True)
        reg = self.registry()
        if not reg.documents:
            return Answer(answer="Chưa có kế hoạch nào được nạp. Hãy nạp kế hoạch trước khi hỏi.",
                          abstained=True)
        q = understand(question, reg.communes, reg.agencies, today=self.today or date.today())

        scope: list[str] | None
        if commune:
            resolved = reg.resolve_commune(commune)
            if resolved is None:
                return self._unknown_commune(reg, q, commune)
            scope = [resolved]
            q.commune = resolved
        elif q.communes:
            scope = list(q.communes)
        elif q.unknown_commune:
            return self._unknown_commune(reg, q, q.unknown_commune)
        else:
            scope = None

        ctx = _Context(query=q, scope=scope)
        self.last_trace = {"query": q}
        if q.intent in FIELD_INTENTS:
            result = self._answer_field(reg, ctx)
        elif q.intent == "target":
            result = self._answer_target(reg, ctx)
        elif q.intent == "list_by_agency":
            result = self._answer_list_by_agency(reg, ctx)
        elif q.intent == "due_by_date":
            result = self._answer_due(reg, ctx)
        elif q.intent == "fact":
            result = self._answer_fact(reg, ctx)
        else:
            result = self._answer_general(reg, ctx)
        result.intent = q.intent
        if result.commune is None and scope and len(scope) == 1:
            result.commune = scope[0]
        return self._maybe_generate(question, ctx, result)

    # -- retrieval ------------------------------------------------------------------------
    def _retrieve(self, ctx: _Context, k: int = 12, communes: list[str] | None = None,
                  lexical_extra: str = "") -> list:
        q = ctx.query
        lexical = q.topic if q.topic_terms else q.question
        if lexical_extra:
            lexical = f"{lexical} {lexical_extra}"
        ranked = self.retriever.retrieve(q.question, communes=communes if communes is not None else ctx.scope,
                                         k=k, lexical_query=lexical)
        if communes is None:
            ctx.ranked = ranked
            ctx.chunk_rank = {r.chunk.id: i for i, r in enumerate(ranked, start=1)}
        return ranked

    def _citation(self, reg: Registry, chunk, origin: str | None = None, text: str | None = None) -> Citation:
        doc = reg.documents.get(chunk.document)
        quoted = text if text is not None else chunk.text
        return Citation(document=chunk.document, title=(doc.title if doc else chunk.title) or "",
                        commune=chunk.commune or (doc.commune if doc else ""), section=chunk.section,
                        text=quote(quoted), line_start=chunk.line_start, line_end=chunk.line_end,
                        page=chunk.page, origin=origin or _origin_of(chunk.kind), chunk_id=chunk.id)

    def _task_citation(self, reg: Registry, task: TaskRecord, chunks: dict) -> Citation:
        chunk = chunks.get(task.chunk_id)
        if chunk is not None:
            return self._citation(reg, chunk, origin=task.origin)
        doc = reg.documents.get(task.document)
        src = task.source
        return Citation(document=task.document, title=doc.title if doc else "", commune=task.commune,
                        section=src.section if src else task.area, text=quote(task.task),
                        line_start=src.line_start if src else None, line_end=src.line_end if src else None,
                        page=src.page if src else None, origin=task.origin, chunk_id=task.chunk_id or None)

    def _plan_label(self, reg: Registry, document: str) -> str:
        doc = reg.documents.get(document)
        if doc is None:
            return "kế hoạch"
        period = _period_label(doc.year)
        label = f"Kế hoạch CCHC {period}".strip()
        return f"{label} của xã {doc.commune}" if doc.commune else label

    # -- field intents ----------------------------------------------------------------------
    def _rank_tasks(self, reg: Registry, ctx: _Context, ids: list[int] | None = None) -> list[ScoredTask]:
        q = ctx.query
        topic = q.topic_terms
        if not topic:
            return []
        if ids is None:
            ids = reg.task_ids(ctx.scope)
            if len(ids) > 3000:       # a large store: score only what retrieval surfaced
                ids = [i for cid in ctx.chunk_rank for i in reg.tasks_by_chunk.get(cid, [])]
        out = []
        for i in ids:
            terms = reg.task_terms[i]
            cov = coverage(topic, terms, reg.task_weights)
            area_cov = coverage(topic, reg.task_area_terms[i] | terms, reg.task_weights)
            cov = max(cov, 0.85 * area_cov) if reg.tasks[i].origin == "prose" else cov
            if cov <= 0:
                continue
            t = reg.tasks[i]
            rank = min((ctx.chunk_rank.get(t.chunk_id, 0) or 999), 999)
            bonus = 0.15 / (1 + (rank - 1) / 3) if rank < 999 else 0.0
            if q.intent == "deadline" and (t.deadline or TIME_EXPRESSION.search(t.product or "")):
                bonus += 0.05     # a deadline question is best answered by a record that has one
            if q.agency and any(_agency_matches(q.agency, n) for n in (t.leads or [t.lead]) + t.coordinator_list):
                bonus += 0.1      # "phối hợp với Phòng Kinh tế …": records involving that agency
            # Long records cover many words by chance: a mild length penalty.
            length_penalty = 0.02 * math.log1p(max(0, len(terms) - 60) / 20)
            out.append(ScoredTask(i, t, cov, cov + bonus - length_penalty,
                                  coverage_parts(topic, terms, reg.task_weights)))
        out.sort(key=lambda s: (-s.score, s.index))
        return out

    def _answer_field(self, reg: Registry, ctx: _Context) -> Answer:
        self._retrieve(ctx, k=20)
        ranked = self._rank_tasks(reg, ctx)
        best = ranked[0] if ranked else None
        scored, weights = self._score_sentences(ctx, ctx.ranked[:12])
        prose = next((x for x in scored if x.chunk.kind == "prose"), None)
        if best is not None:
            self.last_trace.update(path="record", coverage=best.coverage, parts=best.parts,
                                   prose=prose.coverage if prose else None)
        if best is not None and self._supported(ctx, best.coverage, best.parts,
                                                f"{best.task.task} {best.task.product} {best.task.area}"):
            # A prose sentence that matches the question clearly better than the best registry
            # record (both measured with the same weights) is the better evidence; so is, for a
            # deadline question, a sentence stating a time when the record states none.
            record_cov = coverage(ctx.query.topic_terms, reg.task_terms[best.index], weights) if weights else 0.0
            margin = 0.2
            if ctx.query.intent == "deadline" and not best.task.deadline and prose is not None \
                    and TIME_EXPRESSION.search(prose.sentence):
                margin = 0.0
            if prose is None or prose.coverage < max(record_cov, best.coverage) + margin:
                return self._answer_records(reg, ctx, ranked)
        return self._answer_general(reg, ctx, scored=scored)

    def _supported(self, ctx: _Context, cov: float, parts: tuple[float, float], evidence: str = "") -> bool:
        """Is evidence with this topic coverage strong enough to answer from?"""
        if evidence and accent_mismatch(ctx.query.question, evidence):
            return False
        if cov >= MIN_COVERAGE and parts[1] >= MIN_PAIR_SHARE:
            return True
        if cov >= SEMANTIC_MIN_COVERAGE:
            dense = [r.dense_score for r in ctx.ranked[:5] if r.dense_score is not None]
            return bool(dense) and max(dense) >= SEMANTIC_MIN_SIMILARITY
        return False

    def _answer_records(self, reg: Registry, ctx: _Context, ranked: list[ScoredTask]) -> Answer:
        picks = self._per_commune(ranked, ctx, key=lambda s: s.task.commune)
        chunks = {c.id: c for c in self.store.get_chunks([p.task.chunk_id for p in picks if p.task.chunk_id])}
        budget = ANSWER_BUDGET // len(picks)
        sentences = [self._field_sentence(reg, ctx.query, p.task, budget) for p in picks]
        citations = [self._task_citation(reg, p.task, chunks) for p in picks]
        commune = picks[0].task.commune if len(picks) == 1 else None
        return Answer(answer=" ".join(sentences), citations=citations, commune=commune)

    def _per_commune(self, ranked: list, ctx: _Context, key) -> list:
        """The best item, plus the best of other communes when none was named and they tie."""
        best = ranked[0]
        if ctx.scope is not None and len(ctx.scope) == 1:
            return [best]
        picks = [best]
        seen = {key(best)}
        for item in ranked[1:]:
            if len(picks) >= MAX_COMMUNES:
                break
            if key(item) in seen:
                continue
            if item.coverage >= max(RECORD_MIN_COVERAGE, PER_COMMUNE_RATIO * best.coverage) and \
                    (ctx.scope is not None or item.score >= PER_COMMUNE_RATIO * best.score):
                picks.append(item)
                seen.add(key(item))
        return picks

    def _field_sentence(self, reg: Registry, q: Query, t: TaskRecord, budget: int) -> str:
        plan = self._plan_label(reg, t.document)
        fields = q.fields or [q.intent]
        lead = t.lead or ", ".join(t.leads)
        limit = max(60, min(220, budget - 200))
        task_text = focused(t.task, q.topic_terms, limit, want_time="deadline" in fields)
        if t.origin == "prose" and lead:
            head = f'Theo {plan}, {lead} có nhiệm vụ: "{task_text}"'
        else:
            head = f'Theo {plan}, nhiệm vụ "{task_text}"'
            head += f" do {lead} chủ trì" if lead else " (kế hoạch không nêu đơn vị chủ trì)"
        parts: list[str] = []
        want_coord = "coordinators" in fields or "lead" in fields
        want_deadline = "deadline" in fields or "lead" in fields
        if "coordinators" in fields:
            parts.append(f"phối hợp: {t.coordinators}" if t.coordinators else "kế hoạch không nêu đơn vị phối hợp")
        elif want_coord and t.coordinators:
            parts.append(f"phối hợp: {t.coordinators}")
        if "product" in fields:
            parts.append(f"sản phẩm: {t.product}" if t.product else "kế hoạch không nêu sản phẩm cụ thể")
        if "deadline" in fields:
            parts.append(f"thời gian hoàn thành: {t.deadline}" if t.deadline
                         else "kế hoạch không nêu thời hạn cụ thể")
            if "product" not in fields and t.product and TIME_EXPRESSION.search(t.product):
                parts.append(f"sản phẩm: {t.product}")
        elif want_deadline and t.deadline:
            parts.append(f"thời gian hoàn thành: {t.deadline}")
        sentence = head + ("; " + "; ".join(parts) if parts else "") + "."
        if len(sentence) > budget:
            sentence = shorten(sentence, budget - 1).rstrip("…") + "…"
        return sentence

    # -- targets ----------------------------------------------------------------------------
    def _answer_target(self, reg: Registry, ctx: _Context) -> Answer:
        q = ctx.query
        self._retrieve(ctx, k=20)
        ids = reg.target_ids(ctx.scope)
        if len(ids) > 3000:       # a large store: only the plans retrieval surfaced
            docs = list(dict.fromkeys(r.chunk.document for r in ctx.ranked))
            ids = [i for d in docs for i in reg.targets_by_document.get(d, [])]
        topic = q.topic_terms
        scored = []
        if topic and ids:
            weights = TermWeights(reg.target_terms[i] for i in ids) if len(ids) <= 3000 else reg.target_weights
            for i in ids:
                g = reg.targets[i]
                # What is quoted (the subject and its clause) must carry the topic; the rest of
                # the sentence only breaks ties.
                clause_terms = reg.target_clause_terms[i]
                cov_clause = coverage(topic, clause_terms, weights)
                cov_all = coverage(topic, reg.target_terms[i], weights)
                cov = max(cov_clause, 0.75 * cov_all)
                if cov > 0:
                    scored.append(ScoredTask(i, g, cov, cov + 0.05 * cov_all,
                                             coverage_parts(topic, clause_terms, weights)))
            scored.sort(key=lambda s: (-s.score, s.index))
        if scored:
            self.last_trace.update(path="target", coverage=scored[0].coverage, parts=scored[0].parts)
        top = scored[0].task if scored else None
        if scored and self._supported(ctx, scored[0].coverage, scored[0].parts,
                                      f"{top.subject} {clause_with(top.sentence or top.text, top.text)}"):
            picks = self._per_commune(scored, ctx, key=lambda s: s.task.commune)
            budget = ANSWER_BUDGET // len(picks)
            sentences, citations = [], []
            for p in picks:
                g: Target = p.task
                clause = clause_with(g.sentence or g.text, g.text)
                plan = self._plan_label(reg, g.document)
                sentences.append(f'Theo {plan}, chỉ tiêu: "{shorten(clause, max(80, budget - 80))}".')
                citations.append(self._target_citation(reg, ctx, g))
            commune = picks[0].task.commune if len(picks) == 1 else None
            return Answer(answer=" ".join(sentences), citations=citations, commune=commune)
        # No target record: a sentence that states a number about the topic.
        return self._answer_general(reg, ctx, need_number=True)

    def _target_citation(self, reg: Registry, ctx: _Context, g: Target) -> Citation:
        src = g.source
        # Prefer the retrieved chunk whose lines hold the target (exact section + lines).
        for r in ctx.ranked:
            c = r.chunk
            if c.document == g.document and src and c.line_start <= src.line_start <= c.line_end:
                return self._citation(reg, c, text=g.sentence or c.text)
        doc = reg.documents.get(g.document)
        return Citation(document=g.document, title=doc.title if doc else "", commune=g.commune,
                        section=src.section if src else g.area, text=quote(g.sentence or g.text),
                        line_start=src.line_start if src else None, line_end=src.line_end if src else None,
                        page=src.page if src else None, origin="prose")

    # -- lists ------------------------------------------------------------------------------
    def _agency_tasks(self, reg: Registry, ctx: _Context, role: str) -> list[int]:
        q = ctx.query
        out = []
        for i in reg.task_ids(ctx.scope):
            t = reg.tasks[i]
            if role == "coordinator":
                names = t.coordinator_list or ([t.coordinators] if t.coordinators else [])
            else:
                names = t.leads or ([t.lead] if t.lead else [])
            if any(_agency_matches(q.agency, n) for n in names):
                out.append(i)
        return out

    def _answer_list_by_agency(self, reg: Registry, ctx: _Context) -> Answer:
        q = ctx.query
        role = "coordinator" if "phoi hop" in q.folded and "chu tri" not in q.folded else "lead"
        ids = self._agency_tasks(reg, ctx, role)
        ids = self._focus(reg, q, ids)
        ids.sort(key=lambda i: (reg.tasks[i].origin != "prose", i))   # stated duties first, then the table
        verb = "phối hợp thực hiện" if role == "coordinator" else "chủ trì"
        if not ids:
            # No record names it as lead: the plan may still state its duties in prose.
            found = self._answer_general(reg, ctx, extra_topic=q.agency)
            if not found.abstained:
                return found
            where = f" trong kế hoạch của xã {ctx.scope[0]}" if ctx.scope and len(ctx.scope) == 1 else ""
            return Answer(answer=f"Xin lỗi, không tìm thấy nhiệm vụ nào do {q.agency} {verb}{where}.",
                          abstained=True)
        return self._list_answer(reg, ctx, ids, f"{q.agency} {verb}", sort_by_due=False)

    @staticmethod
    def _focus(reg: Registry, q: Query, ids: list[int]) -> list[int]:
        """Narrow a list to the records about the question's subject ("… về tài chính công"),
        when the question names one (two or more specific words) and some records match it."""
        specific = [t for t in q.topic_terms if "_" not in t and t not in GENERIC_TERMS and not YEAR_RE.fullmatch(t)]
        if len(specific) < 2 or not ids:
            return list(ids)
        focused = [i for i in ids if coverage(q.topic_terms, reg.task_terms[i] | reg.task_area_terms[i],
                                              reg.task_weights) >= 0.7]
        return focused or list(ids)

    def _answer_due(self, reg: Registry, ctx: _Context) -> Answer:
        q = ctx.query
        period = self._plan_period(reg, ctx, q.period)
        asked = f" {q.folded} "
        ids, ongoing = [], []
        for i in reg.task_ids(ctx.scope):
            t = reg.tasks[i]
            if q.agency and not any(_agency_matches(q.agency, n) for n in (t.leads or [t.lead])):
                continue
            status = due_status(t.deadline_norm, period)
            if status is DueStatus.DUE or _deadline_quoted(t, asked):
                ids.append(i)
            elif status is DueStatus.ONGOING:
                ongoing.append(i)
        ids = self._focus(reg, q, ids)
        label = period_phrase(period)
        if ids:
            found = self._list_answer(reg, ctx, ids, f"nhiệm vụ có thời hạn hoàn thành {label}".rstrip(),
                                      sort_by_due=True, count_first=True)
            if ongoing:
                found.answer += f"\nThường xuyên (không tính là đến hạn): {len(ongoing)} nhiệm vụ."
            return found
        # No registry record falls due then: a sentence of the plan that names the date itself.
        needles = period_needles(period)
        if needles:
            self._retrieve(ctx, k=12, lexical_extra=" ".join(needles))
            found = self._answer_general(reg, ctx, needles=needles)
            if not found.abstained:
                return found
        where = f" của xã {ctx.scope[0]}" if ctx.scope and len(ctx.scope) == 1 else ""
        text = f"Các kế hoạch{where} không có nhiệm vụ nào có thời hạn hoàn thành {label}."
        if ongoing:
            text += f" Thường xuyên (không tính là đến hạn): {len(ongoing)} nhiệm vụ."
        return Answer(answer=text, abstained=True)

    def _plan_period(self, reg: Registry, ctx: _Context, period):
        """A period typed without a year ("quý II") means that quarter of the plan's own year
        when the one plan in scope does not cover the current year."""
        if period is None or period.explicit_year or period.relative:
            return period
        if not ctx.scope or len(ctx.scope) != 1:
            return period
        keys = {commune_key(ctx.scope[0])}
        spans = [year_span(d.year) for d in reg.documents.values() if commune_key(d.commune) in keys]
        spans = [sp for sp in spans if sp]
        if not spans or any(a <= period.start.year <= b for a, b in spans):
            return period
        return period.shifted_to_year(spans[0][0])

    def _list_answer(self, reg: Registry, ctx: _Context, ids: list[int], subject: str,
                     sort_by_due: bool, count_first: bool = False) -> Answer:
        by_commune: dict[str, list[int]] = defaultdict(list)
        for i in ids:
            by_commune[reg.tasks[i].commune].append(i)
        if sort_by_due:
            key = lambda i: (reg.tasks[i].deadline_norm.end or date.max) if reg.tasks[i].deadline_norm else date.max
            for c in by_commune:
                by_commune[c].sort(key=lambda i: (key(i), i))
        if len(by_commune) > 1:
            # Several plans and none named: counts per commune, then ask to narrow.
            parts = [f"xã {c}: {len(v)}" for c, v in sorted(by_commune.items(), key=lambda kv: -len(kv[1]))]
            text = (f"Có {len(ids)} {subject if count_first else 'nhiệm vụ do ' + subject} trong "
                    f"{len(by_commune)} kế hoạch ({'; '.join(parts)}). "
                    "Vui lòng nêu tên xã để xem danh sách chi tiết.")
            first = [v[0] for v in by_commune.values()][:MAX_COMMUNES]
            chunks = {c.id: c for c in self.store.get_chunks([reg.tasks[i].chunk_id for i in first])}
            return Answer(answer=shorten(text, ANSWER_BUDGET),
                          citations=[self._task_citation(reg, reg.tasks[i], chunks) for i in first])
        self._list_topic = ctx.query.topic_terms
        commune, items = next(iter(by_commune.items()))
        doc = reg.tasks[items[0]].document
        plan = self._plan_label(reg, doc)
        if count_first:
            header = f"Theo {plan}, có {len(items)} {subject}:"
        else:
            header = f"Theo {plan}, {subject} {len(items)} nhiệm vụ:"
        lines: list[str] = []
        length = len(header)
        per_item = max(60, min(300, (ANSWER_BUDGET - len(header) - 40) // max(1, min(len(items), LIST_SHOWN)) - 25))
        for n, i in enumerate(items[:LIST_SHOWN], start=1):
            t = reg.tasks[i]
            line = f"{n}. {focused(t.task, self._list_topic, per_item)}"
            if t.deadline:
                line += f" — {shorten(t.deadline, 40)}"
            if length + len(line) + 1 > ANSWER_BUDGET - 30 and lines:
                break
            lines.append(line)
            length += len(line) + 1
        rest = len(items) - len(lines)
        text = header + "\n" + "\n".join(lines)
        if rest > 0:
            text += f"\n… và {rest} nhiệm vụ khác."
        cited = items[:5]
        chunks = {c.id: c for c in self.store.get_chunks([reg.tasks[i].chunk_id for i in cited])}
        return Answer(answer=text, citations=[self._task_citation(reg, reg.tasks[i], chunks) for i in cited],
                      commune=commune)

    # -- facts (plan metadata) --------------------------------------------------------------
    def _answer_fact(self, reg: Registry, ctx: _Context) -> Answer:
        q = ctx.query
        keys = {commune_key(c) for c in ctx.scope} if ctx.scope else None
        docs = [d for d in reg.documents.values() if keys is None or commune_key(d.commune) in keys]
        if len(docs) > 1:
            # Which plan? Let retrieval pick it from the rest of the question.
            ranked = self._retrieve(ctx, k=8)
            if ranked:
                top_doc = ranked[0].chunk.document
                docs = [d for d in docs if d.document == top_doc] or docs[:1]
        if not docs:
            return self._abstain(reg, ctx)
        doc = docs[0]
        plan = self._plan_label(reg, doc.document)
        kind = q.fact_kind
        ids = self.store.document_chunk_ids(doc.document) if hasattr(self.store, "document_chunk_ids") else []
        chunks = self.store.get_chunks(ids) if ids else []
        # Verbatim plan text first (preamble, signature); the metadata digest only as a last resort.
        prose = [c for c in chunks if c.kind != "metadata"]
        ordered = [c for c in prose if not c.section] + [c for c in prose if c.section] + \
                  [c for c in chunks if c.kind == "metadata"]

        def cite(*needles: str, last: bool = False) -> Citation | None:
            pool = list(reversed(ordered[:-1])) + ordered[-1:] if last and ordered else ordered
            for needle in needles:
                key = " ".join(tokens(needle))
                if not key:
                    continue
                for c in pool:
                    if f" {key} " in f" {' '.join(tokens(c.text))} ":
                        return self._citation(reg, c)
            return None

        def answer(text: str, citation: Citation | None) -> Answer:
            return Answer(answer=text, citations=[citation] if citation else [], commune=doc.commune)

        if kind == "signer" and doc.signer:
            citation = cite(doc.signer, last=True)
            title = getattr(doc, "signer_title", "") or (_signer_title(citation.text, doc.signer) if citation else "")
            who = f"{doc.signer} ({title})" if title else doc.signer
            return answer(f"{plan} do {who} ký.", citation)
        if kind == "number" and doc.number:
            if doc.number.startswith("/"):
                text = f"{plan} chưa ghi số cụ thể (văn bản chỉ ghi ký hiệu “Số: {doc.number}”)."
            else:
                text = f"{plan} có số hiệu {doc.number}."
            return answer(text, cite(doc.number))
        if kind in ("province", "district"):
            place = doc.province if kind == "province" else doc.district
            level = "tỉnh" if kind == "province" else "huyện"
            if place:
                return answer(f"Theo {plan}, xã {doc.commune} thuộc {level} {place}.",
                              cite(f"{level} {place}", place))
        if kind == "issue_date" and not doc.issue_date:
            for c in ordered:
                if c.section or c.kind == "metadata":
                    continue
                for line in c.text.split("\n"):
                    if DATE_LINE.search(line):
                        return answer(f'{plan} ghi ngày ban hành: "{line.strip()}".', self._citation(reg, c))
        if kind == "issue_date" and doc.issue_date:
            m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", doc.issue_date)
            needles = []
            if m:
                y, mo, d = int(m[1]), int(m[2]), int(m[3])
                needles = [f"ngày {d:02d} tháng {mo:02d} năm {y}", f"ngày {d} tháng {mo} năm {y}",
                           f"{d:02d}/{mo:02d}/{y}", f"{d}/{mo}/{y}"]
            return answer(f"{plan} được ban hành ngày {_format_iso(doc.issue_date)}.", cite(*needles))
        # "Theo quyết định nào?" about a particular subject ("bộ phận một cửa") is not about the
        # plan's own legal basis: quote the sentence naming a document on that subject instead.
        plan_level = len([t for t in q.topic_terms if "_" not in t and t not in GENERIC_TERMS
                          and not YEAR_RE.fullmatch(t)]) <= 1
        if kind in ("implements", "basis") and not plan_level:
            ctx.scope = [doc.commune] if doc.commune else ctx.scope
            ctx.ranked = []
            return self._answer_general(reg, ctx, prefer_reference=True)
        if kind in ("implements", "basis"):
            found = _basis_sentences(ordered, prefer_implementing=(kind == "implements"))
            if found:
                sentence, chunk = found[0] if kind == "implements" else found[0]
                picked = found[:1] if kind == "implements" else found[:3]
                budget = (ANSWER_BUDGET - len(plan) - 10) // len(picked)
                text = f"Theo {plan}: " + " ".join(as_sentence(shorten(s_, budget)) for s_, _ in picked)
                citations, seen = [], set()
                for _, c in picked:
                    if c.id not in seen:
                        citations.append(self._citation(reg, c))
                        seen.add(c.id)
                return Answer(answer=shorten(text, ANSWER_BUDGET), citations=citations, commune=doc.commune)
        if kind == "title" and doc.title:
            return answer(f"Tên văn bản: {doc.title} (xã {doc.commune}).", cite(doc.title))
        if kind == "period" and doc.year:
            return answer(f"{plan} áp dụng cho {_period_label(doc.year)}.", cite(doc.title) if doc.title else None)
        # Everything else (and missing metadata): quote sentences, preferring the plan's opening.
        ctx.scope = [doc.commune] if doc.commune else ctx.scope
        ctx.ranked = []
        return self._answer_general(reg, ctx, prefer_metadata=True)

    # -- extractive sentences ---------------------------------------------------------------
    def _score_sentences(self, ctx: _Context, ranked: list, need_number: bool = False,
                         prefer_metadata: bool = False, needles: Sequence[str] = (),
                         prefer_reference: bool = False
                         ) -> tuple[list[ScoredSentence], TermWeights | None]:
        """Sentences of the retrieved chunks scored by topic coverage (plus a little for rank,
        for a matching section heading, and for a time expression when a deadline is asked)."""
        q = ctx.query
        topic = q.topic_terms or content_terms(q.question)
        if not topic:
            return [], None
        pool: list[tuple[str, object, int, frozenset[str]]] = []
        for rank, r in enumerate(ranked, start=1):
            headings = {" ".join(tokens(h)) for h in getattr(r.chunk, "section_path", ()) or ()}
            for sentence in split_sentences(r.chunk.text) or [r.chunk.text]:
                key = " ".join(tokens(sentence))
                if any(key and key in h for h in headings):
                    continue          # a heading line repeated inside the chunk is not an answer
                pool.append((sentence, r.chunk, rank, term_set(sentence)))
        if not pool:
            return [], None
        weights = TermWeights(terms for *_, terms in pool)
        wants_time = q.intent in ("deadline", "due_by_date")
        wants_rate = bool(re.search(r"\b(phan tram|ty le|ti le)\b|%", q.folded + " " + q.question))
        asked = tokens(q.question)
        asked_trigrams = set(zip(asked, asked[1:], asked[2:]))
        out = []
        for sentence, chunk, rank, terms in pool:
            if need_number and not (PERCENT if wants_rate else COUNT).search(sentence):
                continue
            if needles:
                key = f" {' '.join(tokens(sentence))} "
                if not any(n in key for n in needles):
                    continue
            section_terms = term_set(chunk.section)
            cov = max(coverage(topic, terms, weights), 0.8 * coverage(topic, terms | section_terms, weights))
            score = cov + 0.12 / (1 + (rank - 1) / 2) + 0.08 * coverage(topic, section_terms, weights)
            if wants_time and TIME_EXPRESSION.search(sentence):
                score += 0.1
            if prefer_reference and REFERENCE_RE.search(sentence):
                score += 0.15
            # Wording shared word for word with the question (three-word runs, function words
            # included) is the strongest sign the sentence is the one the question paraphrases.
            toks = tokens(sentence)
            shared = len(asked_trigrams & set(zip(toks, toks[1:], toks[2:])))
            score += min(0.15, 0.03 * shared)
            if prefer_metadata and chunk.kind == "metadata":
                score += 0.1
            out.append(ScoredSentence(sentence, chunk, cov, score, rank,
                                      coverage_parts(topic, terms | section_terms, weights)))
        out.sort(key=lambda s: (-s.score, s.rank))
        return out, weights

    def _answer_general(self, reg: Registry, ctx: _Context,
                        need_number: bool = False, prefer_metadata: bool = False,
                        scored: list[ScoredSentence] | None = None, needles: Sequence[str] = (),
                        prefer_reference: bool = False, extra_topic: str = "") -> Answer:
        if extra_topic:
            # The agency is the subject here: search for it and require it in the topic.
            ctx.query = replace(ctx.query, topic=f"{ctx.query.topic} {' '.join(tokens(extra_topic))}".strip(),
                                topic_terms=list(ctx.query.topic_terms) + content_terms(extra_topic))
            ctx.ranked = []
        if scored is None:
            ranked = ctx.ranked or self._retrieve(ctx, k=12)
            scored, _ = self._score_sentences(ctx, ranked[:12], need_number=need_number,
                                              prefer_metadata=prefer_metadata, needles=needles,
                                              prefer_reference=prefer_reference)
        if scored:
            self.last_trace.update(path="sentence", coverage=scored[0].coverage, parts=scored[0].parts)
        if not scored or not self._supported(ctx, scored[0].coverage, scored[0].parts,
                                             f"{scored[0].sentence} {scored[0].chunk.section}"):
            return self._abstain(reg, ctx)
        best = scored[0]
        if ctx.scope is None or len(ctx.scope) > 1:
            picks = self._per_commune(scored, ctx, key=lambda s: s.chunk.commune)
        else:
            picks = [best]
        if len(picks) == 1:
            # Up to three sentences from the best passages, as long as they stay on topic.
            chosen = [best]
            for s_ in scored[1:]:
                if len(chosen) >= 3:
                    break
                if s_.chunk.document != best.chunk.document or any(s_.sentence == c.sentence for c in chosen):
                    continue
                if s_.coverage >= max(0.6, 0.85 * best.coverage):
                    chosen.append(s_)
            budget = ANSWER_BUDGET - 60
            quoted, citations, used = [], [], 0
            for s_ in chosen:
                piece = shorten(s_.sentence, max(120, budget - used))
                if used + len(piece) > budget and quoted:
                    break
                quoted.append(piece)
                used += len(piece) + 1
                if all(c.chunk_id != s_.chunk.id for c in citations):
                    citations.append(self._citation(reg, s_.chunk))
            plan = self._plan_label(reg, best.chunk.document)
            where = section_context(best.chunk, quoted[0])
            text = f"Theo {plan}{where}: " + " ".join(as_sentence(p) for p in quoted)
            return Answer(answer=shorten(text, ANSWER_BUDGET), citations=citations, commune=best.chunk.commune)
        budget = ANSWER_BUDGET // len(picks)
        texts, citations = [], []
        for s_ in picks:
            plan = self._plan_label(reg, s_.chunk.document)
            piece = shorten(s_.sentence, max(80, budget - 90))
            texts.append(f"Theo {plan}{section_context(s_.chunk, piece)}: {as_sentence(piece)}")
            citations.append(self._citation(reg, s_.chunk))
        return Answer(answer=" ".join(texts), citations=citations)

    # -- abstention -------------------------------------------------------------------------
    def _abstain(self, reg: Registry, ctx: _Context) -> Answer:
        where = ""
        if ctx.scope and len(ctx.scope) == 1:
            where = f" của xã {ctx.scope[0]}"
        text = (f"Xin lỗi, các kế hoạch hiện có{where} không đề cập đến nội dung này. "
                "Tôi có thể trả lời về nhiệm vụ, đơn vị chủ trì, phối hợp, thời hạn, sản phẩm và chỉ tiêu "
                "trong các kế hoạch cải cách hành chính đã nạp.")
        return Answer(answer=text, abstained=True)

    def _unknown_commune(self, reg: Registry, q: Query, name: str) -> Answer:
        available = ", ".join(reg.communes[:12]) + ("…" if len(reg.communes) > 12 else "")
        text = (f"Xin lỗi, hiện chưa có kế hoạch cải cách hành chính của xã {name}. "
                f"Các kế hoạch hiện có: {available}.")
        return Answer(answer=text, abstained=True, intent=q.intent)

    # -- optional generation ----------------------------------------------------------------
    def _maybe_generate(self, question: str, ctx: _Context, result: Answer) -> Answer:
        if result.abstained or not result.citations:
            return result
        if not self._llm_checked:
            self._llm_checked = True
            if self.settings is not None and getattr(self.settings, "llm_provider", "none") != "none":
                from assistant.llm import make_chat_model

                try:
                    self._llm = make_chat_model(self.settings)
                except Exception:  # a missing optional package: stay extractive
                    self._llm = None
        if self._llm is None:
            return result
        from assistant.llm import LLMGenerator

        reg = self.registry()
        sources = list(result.citations)
        seen = {c.chunk_id for c in sources}
        for r in ctx.ranked[:6]:
            if r.chunk.id not in seen and len(sources) < 6:
                sources.append(self._citation(reg, r.chunk))
                seen.add(r.chunk.id)
        return LLMGenerator(self._llm).generate(question, sources, result)


# -- module helpers -----------------------------------------------------------------------------

def _deadline_quoted(t: TaskRecord, asked: str) -> bool:
    """The question repeats the record's deadline wording ("trước ngày 31/01 năm liền kề")."""
    key = " ".join(tokens(t.deadline or ""))
    return len(key) >= 12 and f" {key} " in asked


def _origin_of(kind: str) -> str | None:
    return {"table_row": "table", "prose": "prose", "metadata": "metadata"}.get(kind)


_BASIS_RE = re.compile(r"^(Căn cứ|Thực hiện|Triển khai|Theo)\b", re.IGNORECASE)
_HIGHER_DOC_RE = re.compile(r"\b(Kế hoạch|Quyết định|Chỉ thị|Nghị quyết|Chương trình|Công văn)\s+(số\b|\d)",
                            re.IGNORECASE)


def _basis_sentences(chunks: Sequence, prefer_implementing: bool) -> list[tuple[str, object]]:
    """Sentences of the plan's opening that cite the documents it is based on or implements.

    "Thực hiện …" (the plan it implements) ranks first when asked what it implements; the last
    "Căn cứ …" naming a provincial/district document comes next (the closest higher-level plan).
    """
    found: list[tuple[int, str, object]] = []
    for c in chunks:
        if c.kind == "metadata" or c.section:
            continue
        for sentence in split_sentences(c.text, long_piece=10_000):
            if _BASIS_RE.match(sentence) and _HIGHER_DOC_RE.search(sentence):
                found.append((len(found), sentence, c))
    if not found:
        return []
    if prefer_implementing:
        def rank(item):
            order, sentence, _ = item
            folded = fold(sentence)
            implementing = folded.startswith(("thuc hien", "trien khai"))
            higher = bool(re.search(r"\b(tinh|huyen)\b", folded)) and "ke hoach" in folded
            return (not implementing, not higher, -order)
        found.sort(key=rank)
    return [(sentence, c) for _, sentence, c in found]


def _signer_title(text: str, signer: str) -> str:
    """The upper-case title lines right above the signer's name ("KT. CHỦ TỊCH / PHÓ CHỦ TỊCH")."""
    lines = [l.strip(" *") for l in text.split("\n")]
    key = fold(signer)
    for i, line in enumerate(lines):
        if key and key in fold(line):
            title = []
            for prev in reversed(lines[max(0, i - 3):i]):
                letters = [ch for ch in prev if ch.isalpha()]
                if prev and letters and all(ch.isupper() for ch in letters) and len(prev) < 60:
                    title.insert(0, prev)
                elif title or prev:
                    break
            return " ".join(title)
    return ""

