"""The answerer: a question in, a short grounded answer with citations out (or an abstention).

`understand` gives a typed `Query`; the strategy for its intent (`STRATEGIES`) composes the
answer from the registry index and retrieved passages; the optional LLM may then rephrase it
from the same sources. A strategy is a function `(Context) -> Answer`; to add an intent, add it
to `intents.Intent`, teach `understand` its cues, and map it here.

Evidence strength is measured the same way everywhere: the share of the question's topic weight
that the chosen passage covers (`Policy.min_coverage` and friends). Several communes and none
named: field/target/general answers are given per commune (at most `Policy.max_communes`); list
answers give per-commune counts and ask to narrow.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from datetime import date

from assistant.qa.common import mark_scanned
from assistant.conversation import clean_history
from assistant.lexicon import Lexicon, default_lexicon
from assistant.spelling import SpellingCorrector
from assistant.qa import support
from assistant.qa.context import Context
from assistant.qa.followup import resolve_history, two_asks
from assistant.qa.index import AnswerIndex
from assistant.qa.intents import Intent
from assistant.qa.policy import DEFAULT_POLICY, Policy
from assistant.qa.query import Query
from assistant.qa.strategies.abstain import unknown_commune
from assistant.qa.strategies.compare import answer_compare
from assistant.qa.strategies.count import answer_count, answer_count_targets
from assistant.qa.strategies.section import answer_section, named_heading_words
from assistant.qa.strategies.due import answer_due
from assistant.qa.strategies.fact import answer_fact
from assistant.qa.strategies.field import answer_field
from assistant.qa.strategies.general import answer_general
from assistant.qa.strategies.listing import answer_list_by_agency, answer_list_by_area, answer_list_by_topic
from assistant.qa.strategies.procedure import answer_procedure_question, choose_procedure
from assistant.qa.strategies.target import answer_target
from assistant.qa.understand import cue_words, is_cross_commune, names_every_commune, question_topic, understand
from assistant.registry import Registry
from assistant.schemas import Answer
from ingest.vntext import nfc, tokens

Strategy = Callable[[Context], Answer]

STRATEGIES: dict[Intent, Strategy] = {
    Intent.LEAD: answer_field,
    Intent.COORDINATORS: answer_field,
    Intent.DEADLINE: answer_field,
    Intent.PRODUCT: answer_field,
    Intent.TARGET: answer_target,
    Intent.LIST_BY_AGENCY: answer_list_by_agency,
    Intent.DUE_BY_DATE: answer_due,
    Intent.FACT: answer_fact,
    Intent.GENERAL: answer_general,
    Intent.PROCEDURE: answer_procedure_question,
    Intent.COUNT: answer_count,
}


def inner_strategy(q: Query) -> Strategy:
    """The strategy a question gets once per commune (a comparison) or on its own; a question
    that names a section in other words (sections.tsv) is first answered from that section."""
    if q.count == "tasks":
        return answer_count
    if q.count == "targets":
        return answer_count_targets
    strategy = STRATEGIES.get(q.intent, answer_general)
    if q.intent != Intent.GENERAL and not q.listing and named_heading_words(q.folded):
        return lambda ctx: answer_section(ctx) or strategy(ctx)
    return strategy


def compared_communes(q: Query, scope: list[str] | None, communes: list[str], policy: Policy) -> list[str]:
    """The communes a comparison or superlative looks at (none: not a cross-commune question)."""
    if not q.compare:
        return []
    if len(q.communes) >= 2:
        return list(q.communes)
    # "so sánh … giữa các xã": every commune side by side; a count over every commune is one
    # answer already, with each commune's share
    every = names_every_commune(q.folded, q.communes) and not q.count
    if scope is None and (q.compare != "compare" or every):
        return list(communes)[:policy.compare_communes]
    return []


def answer_comparison(ctx: Context) -> Answer:
    """Communes side by side (or the one that stands out), each answered by its own strategy."""
    communes = compared_communes(ctx.query, ctx.scope, ctx.index.communes, ctx.policy) or list(ctx.scope or [])
    return answer_compare(ctx, communes, inner_strategy(ctx.query), STRATEGIES[Intent.TARGET])


STRATEGIES[Intent.COMPARISON] = answer_comparison


class Answerer:
    """Shared, thread-safe: the only state is the index cache (rebuilt when the store changes)."""

    def __init__(self, store, retriever, settings=None, today: date | None = None, llm=None,
                 policy: Policy = DEFAULT_POLICY, catalogue=None, lexicon: Lexicon | None = None) -> None:
        self.store = store
        self.retriever = retriever
        self.settings = settings
        self.today = today
        self.policy = policy
        self._index: AnswerIndex | None = None
        self._lock = threading.Lock()
        self._llm = llm                    # a LangChain chat model; built from settings when None
        self.lexicon = lexicon if lexicon is not None else default_lexicon()
        self._speller: tuple | None = None  # (index signature, SpellingCorrector)
        self._protected = self.lexicon.vocabulary() | cue_words()
        self._llm_checked = llm is not None
        if catalogue is None and store is not None and hasattr(store, "procedures"):
            from assistant.procedure_views import ProcedureCatalogue

            catalogue = ProcedureCatalogue(store)
        self.catalogue = catalogue         # the procedure catalogue (None: plans only)

    # -- caches ---------------------------------------------------------------------------
    def _signature(self):
        revision = getattr(self.store, "revision", None)
        if revision is not None:
            return revision() if callable(revision) else revision
        return tuple((d.document, d.content_hash) for d in self.store.documents())

    def index(self) -> AnswerIndex:
        signature = self._signature()
        index = self._index
        if index is None or index.signature != signature:
            with self._lock:
                index = self._index
                if index is None or index.signature != signature:
                    index = AnswerIndex.load(self.store, signature)
                    self._index = index
        return index

    registry = index   # the name the service warms up with

    # -- entry points ---------------------------------------------------------------------
    def understand(self, question: str) -> Query | None:
        """The typed query of a question (None when there is nothing to understand)."""
        question = self._clean(question)
        if not tokens(question):
            return None
        return self._understand(question, self.index())

    def _clean(self, question: str) -> str:
        limit = getattr(self.settings, "max_question_chars", 1000) or 1000
        return nfc(question or "").strip()[:limit]

    def answer(self, question: str, commune: str | None = None, history=None) -> Answer:
        """`history`: earlier turns `[{"question", "answer"}]`, most recent last (bounded and
        cleaned by `assistant.conversation.clean_history`; raises `HistoryError` when unreadable)."""
        question = self._clean(question)
        if not tokens(question):
            return Answer(answer="Vui lòng nhập câu hỏi về kế hoạch cải cách hành chính.", abstained=True)
        index = self.index()
        turns = clean_history(history)
        q = self._understand(question, index) if index.documents else None
        # The plain reading routes plans vs procedures (the speller must not bend it); when the
        # speller and the lexicon left the question as asked, it is this same Query.
        plain = copy.deepcopy(q) if q is not None and q.question == q.asked else None
        context: dict = {}
        if q is not None and turns:
            resolved = resolve_history(q, turns, lambda text: self._understand(self._clean(text), index),
                                       cross_commune=is_cross_commune)
            q, context = resolved.query, resolved.context
        if not context:   # a follow-up that carries a plan turn's context stays with the plans
            routed = plain if plain is not None else \
                understand(question, index.communes, index.agencies, today=self.today or date.today())
            # plans vs procedures: decided here, once; the plans' wording is embedded, so the
            # plans' retrieval after it reuses the memoised vector
            answer = self._answer_procedure(routed, index, embed_text=q.question if q is not None else question)
            if answer is not None:
                return answer
        if q is None:
            return Answer(answer="Chưa có kế hoạch nào được nạp. Hãy nạp kế hoạch trước khi hỏi.",
                          abstained=True)
        asks = two_asks(question) if not turns and len(q.communes) <= 1 and not q.compare else None
        if asks is not None:
            return self._answer_in_turn(asks, commune)
        result = self.answer_query(q, commune=commune)
        if context:
            result.context = {**context, **(result.context or {})}
        return result

    def _answer_in_turn(self, asks: tuple[str, str], commune: str | None) -> Answer:
        """Two asks of one question, the second as a follow-up of the first; one answer citing both."""
        first = self.answer(asks[0], commune=commune)
        second = self.answer(asks[1], commune=commune, history=[{"question": asks[0], "answer": first.answer}])
        if first.abstained and second.abstained:
            return first
        return Answer(answer=f"{first.answer}\n{second.answer}", intent=first.intent,
                      abstained=False, citations=first.citations + second.citations,
                      commune=first.commune or second.commune,
                      context={**(second.context or {}), **(first.context or {})})

    def _answer_procedure(self, q: Query, index: AnswerIndex, embed_text: str | None = None) -> Answer | None:
        """The answer from the procedure catalogue when the question is for it (see
        `strategies.procedure.choose_procedure`), else None."""
        route = choose_procedure(q, self.catalogue.index() if self.catalogue else None, self.policy,
                                 dense=lambda: self._dense_procedures(embed_text or q.question),
                                 names=lambda: self._procedure_names(embed_text or q.question),
                                 text=lambda: self._text_procedures(q.question))
        if route is None:
            return None
        q.intent = Intent.PROCEDURE
        ctx = Context(query=q, scope=None, index=index, store=self.store, retriever=self.retriever,
                      policy=self.policy, trace={"query": q, "procedure_route": route})
        result = STRATEGIES[Intent.PROCEDURE](ctx)
        result.intent = q.intent.value
        return result

    def _procedure_names(self, text: str) -> list:
        """Procedures whose embedded names are nearest `text` (the query vector is the memoised
        one of retrieval: not embedded twice): [(procedure, cosine)], best first."""
        query_vector = getattr(self.retriever, "query_vector", None)
        similarities = getattr(self.catalogue, "name_similarities", None)
        if query_vector is None or similarities is None:
            return []
        return similarities(query_vector(text))

    def _text_procedures(self, question: str) -> list[tuple[str, float]]:
        """Procedure records whose facet chunks match the question's topic words best (BM25):
        [(document, best chunk score)], best first ([] without a lexical index)."""
        search = getattr(self.store, "lexical_search", None)
        if search is None:
            return []
        hits = search(question_topic(question), k=self.policy.procedure_dense_k, procedures=True)
        return self._best_per_record(hits)

    def _best_per_record(self, hits: list[tuple[str, float]]) -> list[tuple[str, float]]:
        """[(chunk id, score)] best first -> [(record document, its best chunk's score)]."""
        documents = {c.id: c.document for c in self.store.get_chunks([cid for cid, _ in hits])}
        best: dict[str, float] = {}
        for cid, score in hits:   # best first: a record's first chunk is its best
            document = documents.get(cid)
            if document is not None and document not in best:
                best[document] = score
        return list(best.items())

    def _dense_procedures(self, text: str) -> list[tuple[str, float]]:
        """Procedure records nearest `text` by embedding: [(document, best facet chunk cosine)],
        best first ([] without a retriever or a vector index)."""
        search = getattr(self.store, "dense_search", None)
        query_vector = getattr(self.retriever, "query_vector", None)
        if search is None or query_vector is None:
            return []
        return self._best_per_record(search(query_vector(text), k=self.policy.procedure_dense_k, procedures=True))

    def _understand(self, question: str, index: AnswerIndex) -> Query:
        return understand(question, index.communes, index.agencies, today=self.today or date.today(),
                          lexicon=self.lexicon, speller=self.speller(index))

    def speller(self, index: AnswerIndex) -> SpellingCorrector | None:
        """The typo corrector over the stored plans' vocabulary (rebuilt when the store changes)."""
        cached = self._speller
        if cached is not None and cached[0] == index.signature:
            return cached[1]
        with self._lock:
            cached = self._speller
            if cached is None or cached[0] != index.signature:
                vocabulary = self.store.vocabulary()
                speller = SpellingCorrector(vocabulary, protected=self._protected,
                                            meant=self.lexicon.written_words()) if vocabulary else None
                self._speller = cached = (index.signature, speller)
        return cached[1]

    def answer_query(self, q: Query, commune: str | None = None) -> Answer:
        index = self.index()
        scope: list[str] | None
        overridden: str | None = None
        if commune:
            resolved = index.resolve_commune(commune)
            if resolved is None and not q.communes:
                return unknown_commune(index, q, commune)
            if q.communes and resolved not in q.communes:
                overridden = resolved or commune    # the commune named in the question wins
                commune = None
        if commune:
            scope = [resolved]
            q.commune = resolved
        elif q.communes:
            scope = list(q.communes)
        elif q.unknown_commune:
            return unknown_commune(index, q, q.unknown_commune)
        else:
            scope = None
        refused = support.check_year(q, index, scope)
        if refused is not None:
            refused.intent = q.intent.value
            return refused
        ctx = Context(query=q, scope=scope, index=index, store=self.store, retriever=self.retriever,
                      registry=Registry(self.store), policy=self.policy, trace={"query": q})
        strategy = inner_strategy(q)
        if compared_communes(q, scope, index.communes, self.policy):
            result = STRATEGIES[Intent.COMPARISON](ctx)
            result.intent = Intent.COMPARISON.value
        else:
            listed = (answer_list_by_area(ctx) or answer_list_by_topic(ctx)) \
                if q.listing and not q.agency and not q.count else None
            if listed is None and q.intent == Intent.GENERAL and not q.count:
                listed = answer_section(ctx)
            result = listed if listed is not None else strategy(ctx)
            result.intent = Intent.COUNT.value if q.count else \
                Intent.LIST_BY_AGENCY.value if listed is not None and q.listing else q.intent.value
        # honest abstention after answering: words the plans never use, then the focal concept and
        # actual figures against the quoted passage
        words = support.check_words(q, scope, self.speller(index), self._protected, self.policy,
                                    ctx.trace.get("coverage")) if not result.abstained and not q.count else None
        refused = words or support.check_focus(q, result, scope, self.lexicon,
                                                   held=ctx.trace.get("section_named_by", ())) or support.check_actual(q, result, scope) \
            or support.check_day_asked(q, result, scope, ctx.trace.get("deadlines", ()))
        if refused is not None:
            refused.intent = result.intent
            return refused
        if result.commune is None and scope and len(scope) == 1:
            result.commune = scope[0]
        if overridden:
            named = ", ".join(q.communes)
            result.answer = (f"(Câu hỏi nêu xã {named} nên câu trả lời theo kế hoạch của xã {named}, "
                             f"không theo bộ lọc xã {overridden}.) {result.answer}")
            result.context = {**(result.context or {}), "scope": named, "filter_ignored": overridden}
        final = self._maybe_generate(q.question, ctx, result)
        mark_scanned(final.citations, index.documents)
        return final

    # -- optional generation ----------------------------------------------------------------
    def _chat_model(self):
        if not self._llm_checked:
            with self._lock:
                if not self._llm_checked:
                    if self.settings is not None and getattr(self.settings, "llm_provider", "none") != "none":
                        from assistant.llm import make_chat_model

                        try:
                            self._llm = make_chat_model(self.settings)
                        except Exception:  # a missing optional package: stay extractive
                            self._llm = None
                    self._llm_checked = True
        return self._llm

    def _maybe_generate(self, question: str, ctx: Context, result: Answer) -> Answer:
        if result.abstained or not result.citations:
            return result
        model = self._chat_model()
        if model is None:
            return result
        from assistant.llm import LLMGenerator
        from assistant.qa.common import citation

        sources = list(result.citations)
        seen = {c.chunk_id for c in sources}
        limit = self.policy.generation_sources
        for r in ctx.ranked[:limit]:
            if r.chunk.id not in seen and len(sources) < limit:
                sources.append(citation(ctx.index, r.chunk))
                seen.add(r.chunk.id)
        return LLMGenerator(model).generate(question, sources, result)
