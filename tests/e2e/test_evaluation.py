"""The gold question set, the scorers of `assistant.evaluation`, the baseline and the CI gate."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from importlib.util import module_from_spec, spec_from_file_location
from pathlib import Path

import pytest

from assistant import evaluation as ev
from assistant.schemas import Answer, Citation, SearchHit
from ingest.vntext import fold

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "data" / "plans"
QUESTIONS = ev.load_questions(REPO / "eval" / "questions.jsonl")
BY_ID = {q.id: q for q in QUESTIONS}
# The set written for issues 4-5 (no category); its proportions are checked on their own, the
# questions added for issue 11 (one category each) are checked in tests/test_eval_categories.py.
ORIGINAL = [q for q in QUESTIONS if q.category is None]
PLAN_TEXT = {p.name: p.read_text(encoding="utf-8") for p in CORPUS.glob("*.txt")}
CORPUS_COMMUNES = {"Di Linh", "Lộc Hòa", "Năm Dẫn", "Đại Phước"}

# CI regression gate: a fixed, stratified sample (every intent, plan and spelling, 6 out-of-scope).
GATE_SAMPLE = (
    "dl-lead-001", "dl-lead-001-nodiac", "lh-lead-002", "nd-lead-005-abbr", "dp-lead-001", "lh-lead-018",
    "dl-coord-001", "nd-coord-001",
    "dl-deadline-001", "lh-deadline-001", "nd-deadline-001-nodiac", "dp-deadline-001",
    "dl-product-001", "nd-product-001",
    "dl-target-003-abbr", "lh-target-010", "nd-target-001", "dp-target-015-nodiac", "dp-target-002", "lh-target-007",
    "dl-list-001", "nd-list-001",
    "nd-due-001", "lh-due-001",
    "dl-general-001", "lh-general-002", "nd-general-002-nodiac", "dp-general-002",
    "lh-fact-001", "nd-fact-003",
    "lh-proc-001", "lh-proc-004-abbr", "dl-proc-001", "nc-procedure-001",
    "oos-001", "oos-008", "oos-012", "oos-016", "oos-021-nodiac", "oos-030",
)
# Measured 0.975 on this sample (39/40; misses lh-proc-004-abbr) on 2026-11-23 with the full set
# at 0.970; the gate allows two more misses before it fails.
GATE_MIN_ACCURACY = 0.925


# --------------------------------------------------------------------------- the set
def test_set_size_and_coverage():
    assert len(QUESTIONS) >= 200
    assert len({q.id for q in QUESTIONS}) == len(QUESTIONS), "duplicate ids"
    intents = Counter(q.intent for q in QUESTIONS)
    for intent in ev.INTENTS:
        assert intents[intent] >= 10, (intent, intents[intent])
    assert sum(q.abstain for q in QUESTIONS) >= 20
    assert all(q.spelling in ev.SPELLINGS for q in QUESTIONS)
    per_plan = Counter(q.document for q in QUESTIONS if q.document)
    assert set(per_plan) == set(PLAN_TEXT), per_plan
    assert min(per_plan.values()) >= 60


def test_every_plan_in_proportion_to_its_size():
    per_plan = Counter(q.document for q in ORIGINAL if q.document)
    total_q = sum(per_plan.values())
    total_chars = sum(len(t) for t in PLAN_TEXT.values())
    for doc, text in PLAN_TEXT.items():
        share_q, share_chars = per_plan[doc] / total_q, len(text) / total_chars
        assert abs(share_q - share_chars) < 0.08, (doc, round(share_q, 3), round(share_chars, 3))


def test_spelling_variants_share():
    base = [q for q in ORIGINAL if q.spelling == "full" and not q.abstain]
    nodiac = [q for q in ORIGINAL if q.spelling == "no_diacritics" and not q.abstain]
    abbr = [q for q in ORIGINAL if q.spelling == "abbreviated"]
    assert 0.35 <= len(nodiac) / len(base) <= 0.55
    assert 0.12 <= len(abbr) / len(base) <= 0.25
    for q in nodiac:
        assert fold(q.question) == q.question.lower(), f"{q.id} still has diacritics"


def test_gold_quotes_are_exact_substrings_of_their_documents():
    for q in ORIGINAL:
        if q.abstain:
            assert q.gold_quote is None and q.document is None and q.facts == (), q.id
            continue
        assert q.document in PLAN_TEXT, q.id
        assert q.gold_quote and q.gold_quote in PLAN_TEXT[q.document], q.id
        assert "\n" not in q.gold_quote and "\t" not in q.gold_quote, q.id
        assert 10 <= len(q.gold_quote) <= 160, q.id


def test_facts_are_well_formed_and_found_in_the_plan():
    for q in ORIGINAL:
        if q.abstain:
            continue
        assert q.facts, q.id
        for fact in q.facts:
            assert fact and all(v.strip() for v in fact), q.id
            assert any(ev.contains(PLAN_TEXT[q.document], v) for v in fact), (q.id, fact)


def test_variants_point_to_their_fully_written_question():
    for q in ORIGINAL:
        if q.variant_of is None:
            assert q.spelling == "full", q.id
            continue
        parent = BY_ID.get(q.variant_of)
        assert parent is not None, q.id
        assert parent.spelling == "full" and parent.variant_of is None, q.id
        assert (q.intent, q.document, q.facts, q.gold_quote, q.abstain) == \
               (parent.intent, parent.document, parent.facts, parent.gold_quote, parent.abstain), q.id


def test_questions_name_their_commune():
    for q in ORIGINAL:
        if q.commune is None:
            continue
        assert fold(q.commune) in fold(q.question), q.id
        if not q.abstain:
            assert q.commune in CORPUS_COMMUNES, q.id
    commune_less = [q for q in ORIGINAL if q.commune is None and not q.abstain]
    assert 0 < len(commune_less) <= 10


# --------------------------------------------------------------------------- matching
def test_match_key_folds_diacritics_dashes_and_abbreviations():
    assert ev.contains("Giao Phòng Văn hóa - Xã hội chủ trì", "Phòng Văn hoá – Xã hội")
    assert ev.contains("Văn phòng Hội đồng nhân dân và Ủy ban nhân dân", "Văn phòng HĐND và UBND")
    assert ev.contains("hoàn thành trong quý 1 năm 2026", "quý 1 năm 2026")
    assert not ev.contains("hoàn thành trong Quý II/2026", "Quý I/2026")


def test_match_compares_whole_tokens():
    assert ev.contains("đạt tối thiểu 95%.", "95%")
    assert not ev.contains("đạt tối thiểu 195%", "95%")
    assert not ev.contains("Phòng Kinh tế xã", "Phòng Kinh tế xã hội")
    assert not ev.contains("bất kỳ", "")


def test_facts_present_needs_one_variant_of_every_fact():
    facts = [["Phòng Kinh tế"], ["Quý I/2026", "quý 1 năm 2026"]]
    assert ev.facts_present("Phòng Kinh tế chủ trì, hạn quý 1 năm 2026.", facts)
    assert not ev.facts_present("Phòng Kinh tế chủ trì.", facts)
    assert ev.missing_facts("Hạn Quý I/2026.", facts) == [["Phòng Kinh tế"]]


def test_gold_rank():
    hits = ["đoạn khác", "Tổ chức đối thoại với người dân và doanh nghiệp để kịp thời", "x"]
    assert ev.gold_rank(hits, "tổ chức đối thoại với người dân") == 2
    assert ev.gold_rank(hits, "không có") is None
    assert ev.gold_rank(hits, None) is None


# --------------------------------------------------------------------------- scoring
LEAD_Q = BY_ID["dl-lead-001"]
OOS_Q = BY_ID["oos-008"]


def _answer(text, document="di-linh_2026-2030.txt", quote=LEAD_Q.gold_quote, abstained=False):
    citations = [] if quote is None else [Citation(document=document, text=quote)]
    return Answer(answer=text, abstained=abstained, intent="lead", citations=citations)


def test_right_answer_scores():
    hits = [SearchHit(chunk_id="1", document="x", text="khác", score=1.0),
            SearchHit(chunk_id="2", document=LEAD_Q.document, text=LEAD_Q.gold_quote, score=0.5)]
    r = ev.score_question(LEAD_Q, _answer("Phòng Kinh tế chủ trì, phối hợp Văn phòng HĐND và UBND."), hits, 12.0)
    assert (r.correct, r.concise, r.cited, r.right_plan, r.rank) == (True, True, True, True, 2)
    assert r.missing == []


def test_wrong_answer_does_not_score():
    r = ev.score_question(LEAD_Q, _answer("Văn phòng HĐND và UBND chủ trì."), None, 5.0)
    assert not r.correct and not r.concise and r.cited
    assert r.missing == [["Phòng Kinh tế"]]


def test_folding_lets_a_variant_spelling_score():
    q = BY_ID["dl-lead-004"]  # gold: Phòng Văn hóa - Xã hội
    r = ev.score_question(q, _answer("Phòng Văn hoá – Xã hội chủ trì.", quote=q.gold_quote), None, 1.0)
    assert r.correct


def test_long_answer_is_correct_but_not_concise():
    r = ev.score_question(LEAD_Q, _answer("Phòng Kinh tế. " + "x " * 400), None, 1.0)
    assert r.correct and not r.concise


def test_wrong_plan_and_missing_citation():
    r = ev.score_question(LEAD_Q, _answer("Phòng Kinh tế", document="loc-hoa_2025.txt", quote="đoạn khác"), None, 1.0)
    assert r.correct and not r.cited and not r.right_plan
    r = ev.score_question(LEAD_Q, _answer("Phòng Kinh tế", quote=None), None, 1.0)
    assert not r.right_plan and not r.cited


def test_abstention_scoring():
    assert not ev.score_question(LEAD_Q, _answer("Phòng Kinh tế", abstained=True), None, 1.0).correct
    assert ev.score_question(OOS_Q, _answer("Kế hoạch không nói về việc này.", quote=None, abstained=True),
                             None, 1.0).correct
    assert not ev.score_question(OOS_Q, _answer("Lệ phí là 200.000 đồng.", quote=None), None, 1.0).correct


def test_contract_dicts_score_like_models():
    answer = {"answer": "Phòng Kinh tế", "abstained": False,
              "citations": [{"document": LEAD_Q.document, "text": LEAD_Q.gold_quote}]}
    r = ev.score_question(LEAD_Q, answer, [{"text": LEAD_Q.gold_quote}], 1.0)
    assert r.correct and r.cited and r.right_plan and r.rank == 1


def test_summarize_and_gaps():
    nodiac = BY_ID["dl-lead-001-nodiac"]
    results = [
        ev.score_question(LEAD_Q, _answer("Phòng Kinh tế"), [SearchHit(chunk_id="a", document="d",
                                                                         text=LEAD_Q.gold_quote, score=1)], 10.0),
        ev.score_question(nodiac, _answer("không rõ"), [], 30.0),
        ev.score_question(OOS_Q, _answer("", quote=None, abstained=True), None, 20.0),
        ev.score_question(BY_ID["oos-010"], _answer("Việt Nam gặp Thái Lan.", quote=None), None, 40.0),
    ]
    m = ev.summarize(results)
    assert m["n"] == 4 and m["in_scope"] == 2
    assert m["accuracy"] == 0.5 and m["in_scope_accuracy"] == 0.5
    assert m["recall_at_5"] == 0.5 and m["mrr_at_10"] == 0.5
    assert m["abstention_precision"] == 1.0 and m["abstention_recall"] == 0.5
    assert m["latency_p50_ms"] == 25.0
    gap = ev.variant_gap(results, "no_diacritics")
    assert gap == {"pairs": 1, "full_accuracy": 1.0, "variant_accuracy": 0.0, "gap_points": 100.0}
    metrics = ev.aggregate(results)
    assert metrics["by_intent"]["lead"]["n"] == 2
    assert metrics["targets"]["out_of_scope_abstain_recall"]["ok"] is False
    assert metrics["targets"]["diacritics_gap_points"]["ok"] is False


def test_percentile():
    assert ev.percentile([], 50) is None
    assert ev.percentile([5.0], 95) == 5.0
    assert ev.percentile([1, 2, 3, 4], 50) == 2.5
    assert ev.percentile(list(range(1, 101)), 95) == pytest.approx(95.05)


# --------------------------------------------------------------------------- running
class FakeAssistant:
    """Answers the lead question right, abstains on everything else, fails on one question."""

    def __init__(self):
        self.communes = []

    def ask_batch(self, questions, commune=None):
        self.communes.append(commune)
        out = []
        for text in questions:
            if "bóng đá" in text:
                raise RuntimeError("boom")
            if text == LEAD_Q.question:
                out.append(_answer("Phòng Kinh tế chủ trì."))
            else:
                out.append(Answer(answer="Các kế hoạch không đề cập nội dung này.", abstained=True))
        return out

    def search(self, question, commune=None, k=10):
        self.communes.append(commune)
        return [SearchHit(chunk_id="1", document=LEAD_Q.document, text=LEAD_Q.gold_quote, score=1.0)]


def test_run_system_never_passes_the_gold_commune_and_survives_errors():
    fake = FakeAssistant()
    sample = [LEAD_Q, BY_ID["dl-lead-002"], OOS_Q, BY_ID["oos-010"]]
    results = ev.run_system(fake, sample)
    assert all(c is None for c in fake.communes)
    assert [r.correct for r in results] == [True, False, True, False]
    assert results[3].error and "boom" in results[3].error
    assert results[0].rank == 1 and all(r.latency_ms >= 0 for r in results)
    assert ev.summarize(results)["errors"] == 1


def test_report_lists_every_failure():
    results = ev.run_system(FakeAssistant(), [LEAD_Q, BY_ID["dl-lead-002"], OOS_Q])
    metrics = {"assistant": ev.aggregate(results)}
    report = ev.render_report(metrics, {"assistant": results}, {"generated_at": "now", "set": "s", "questions": 3})
    assert "`dl-lead-002`" in report and "`dl-lead-001`" not in report
    assert BY_ID["dl-lead-002"].question in report
    assert "`Văn phòng HĐND và UBND`" in report          # expected facts
    assert "Các kế hoạch không đề cập nội dung này." in report  # the answer given


def test_print_tables_shows_both_systems_side_by_side():
    import io

    results = ev.run_system(FakeAssistant(), [LEAD_Q, OOS_Q])
    metrics = ev.aggregate(results)
    buffer = io.StringIO()
    ev.print_tables({"assistant": metrics, "baseline": metrics}, out=buffer)
    text = buffer.getvalue()
    assert "Recall@5" in text and "baseline" in text and "out_of_scope" in text
    assert "issue 4 targets" in text


class _HeldPlans:
    """A store that holds these document names and records what it is asked to ingest."""

    def __init__(self, held):
        self.held, self.ingested = held, []

    def documents(self):
        return [type("D", (), {"document": d})() for d in self.held]

    def ingest(self, paths):
        self.ingested.append(paths)
        return []


def test_ensure_corpus_always_hands_the_plans_to_the_idempotent_ingest_and_says_what_is_missing():
    full, partial = _HeldPlans(list(PLAN_TEXT)), _HeldPlans(["di-linh_2026-2030.txt"])
    said_full, said_partial = [], []
    ev.ensure_corpus(full, QUESTIONS, said_full.append)
    ev.ensure_corpus(partial, QUESTIONS, said_partial.append)
    # the store skips unchanged plans and re-parses stale ones: so both ask it
    assert full.ingested == [[ev.CORPUS_DIR]] and partial.ingested == [[ev.CORPUS_DIR]]
    assert said_full == [] and any("thiếu" in m for m in said_partial)


def test_ensure_corpus_takes_other_renditions_of_the_gold_plans_and_refuses_two_at_once(tmp_path):
    renditions = Path(__file__).resolve().parents[1] / "fixtures" / "renditions"
    docx = sorted(renditions.glob("*.docx"))
    empty = _HeldPlans([])
    ev.ensure_corpus(empty, QUESTIONS, lambda m: None, docx)
    assert empty.ingested == [docx]
    # the .docx renditions already held count as the gold .txt plans; ingesting again is idempotent
    held = _HeldPlans([f.name for f in docx])
    ev.ensure_corpus(held, QUESTIONS, lambda m: None, docx)
    assert held.ingested == [docx]
    with pytest.raises(ValueError, match="di-linh_2026-2030.txt"):
        ev.ensure_corpus(_HeldPlans(["di-linh_2026-2030.txt"]), QUESTIONS, lambda m: None, docx)


def test_a_citation_from_another_rendition_of_the_gold_plan_is_the_right_plan():
    q = QUESTIONS[0]
    rendition = Path(q.document).stem + ".pdf"
    answer = {"answer": "", "abstained": False,
              "citations": [{"document": rendition, "section": "", "text": ""}]}
    other = {"answer": "", "abstained": False,
             "citations": [{"document": "khac_2026.pdf", "section": "", "text": ""}]}
    assert ev.score_question(q, answer, None, 1.0).right_plan
    assert not ev.score_question(q, other, None, 1.0).right_plan


def test_main_prints_one_json_object_and_writes_reports(monkeypatch, tmp_path, capsys):
    class FakeService(FakeAssistant):
        def __init__(self, settings=None):
            super().__init__()
            self.embedder = None

        def warm_up(self):
            return self

        def documents(self):
            return [type("D", (), {"document": d})() for d in PLAN_TEXT]

        def ingest(self, paths):
            return []      # everything held and unchanged: the store skips it

        def close(self):
            pass

    sample = tmp_path / "set.jsonl"
    sample.write_text("\n".join(json.dumps(json.loads(line)) for line in
                                (REPO / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()[:5]),
                      encoding="utf-8")
    monkeypatch.setattr("assistant.service.Assistant", FakeService)
    monkeypatch.setattr(ev, "REPORTS_DIR", tmp_path / "reports")
    assert ev.main(json_output=True, set_path=str(sample)) == 0
    out = capsys.readouterr().out.strip()
    data = json.loads(out)
    assert data["questions"] == 5 and data["assistant"]["overall"]["n"] == 5
    assert (tmp_path / "reports" / "latest.md").exists()
    assert len(list((tmp_path / "reports").glob("eval-*.md"))) == 1
    records = [json.loads(line) for line in
               (tmp_path / "reports" / "latest.results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == [json.loads(line)["id"] for line in sample.read_text().splitlines()]
    assert all(r["system"] == "assistant" and "hit_texts" not in r for r in records)
    assert ev.main(json_output=True, set_path=str(tmp_path / "missing.jsonl")) == 2


# --------------------------------------------------------------------------- baseline
def _baseline_module():
    spec = spec_from_file_location("cchc_eval_baseline_test", REPO / "eval" / "baseline.py")
    module = module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_baseline_answers_with_its_top_chunk_and_is_scored_by_the_same_harness(tmp_path):
    from assistant.embeddings import HashEmbeddings

    baseline = _baseline_module()
    shutil.copy(CORPUS / "nam-dan_2026.txt", tmp_path / "nam-dan_2026.txt")
    chunks = baseline.split_corpus(baseline.corpus_files(tmp_path))
    assert chunks and all(len(c.page_content) <= baseline.CHUNK_SIZE for c in chunks)
    rag = baseline.BaselineRAG(tmp_path, HashEmbeddings()).build()
    try:
        q = BY_ID["nd-lead-001"]
        answer = rag.ask(q.question)
        assert not answer.abstained and len(answer.citations) == 1
        assert answer.citations[0].text == answer.answer and answer.citations[0].document == "nam-dan_2026.txt"
        hits = rag.search(q.question, k=10)
        assert 1 <= len(hits) <= 10 and hits[0].text == answer.answer
        result = ev.score_question(q, answer, hits, 1.0)
        assert result.right_plan and result.concise == (result.correct and len(answer.answer) <= 600)
        oos = rag.ask(BY_ID["oos-011"].question)
        assert not oos.abstained and not ev.score_question(BY_ID["oos-011"], oos, None, 1.0).correct
    finally:
        rag.close()


# --------------------------------------------------------------------------- CI gate
def test_gate_sample_is_stratified():
    sample = [BY_ID[i] for i in GATE_SAMPLE]
    assert len(sample) == 40
    assert {q.intent for q in sample} == {q.intent for q in ORIGINAL}
    assert {q.document for q in sample if q.document} == set(PLAN_TEXT)
    assert {q.spelling for q in sample} == {q.spelling for q in ORIGINAL}


@pytest.mark.slow
def test_ci_gate_answer_accuracy(assistant):
    results = ev.run_system(assistant, [BY_ID[i] for i in GATE_SAMPLE], with_search=False)
    errors = [(r.id, r.error) for r in results if r.error]
    assert not errors, errors
    assert all(r.answer.strip() for r in results), "every answer (and abstention) carries a message"
    accuracy = ev.summarize(results)["accuracy"]
    failed = [r.id for r in results if not r.correct]
    assert accuracy >= GATE_MIN_ACCURACY, (accuracy, failed)


# --------------------------------------------------------------------------- issue 11: categories, history
FOLLOW_UP = BY_ID["fu-001"]      # "còn thời hạn thì sao?" after a Năm Dẫn lead question
NEAR_MISS = BY_ID["nm-001"]
PARAPHRASE = BY_ID["pa-001"]


def test_new_fields_are_loaded():
    assert FOLLOW_UP.category == "follow_up" and FOLLOW_UP.history and FOLLOW_UP.history[-1]["question"]
    comparison = BY_ID["co-001"]
    assert comparison.document is None and comparison.gold_documents == comparison.documents
    assert len(comparison.documents) == 3
    assert LEAD_Q.category is None and LEAD_Q.history == () and LEAD_Q.gold_documents == (LEAD_Q.document,)


class ConversationalFake(FakeAssistant):
    """Answers the deadline only when the follow-up arrives with its history."""

    def __init__(self):
        super().__init__()
        self.histories = []

    def ask(self, question, commune=None, history=None):
        self.histories.append(history)
        if history and "rà soát" in history[-1]["question"]:
            return Answer(answer="Thời hạn: Năm 2026.", abstained=False,
                          citations=[Citation(document=FOLLOW_UP.document, text=FOLLOW_UP.gold_quote)])
        return Answer(answer="Không rõ.", abstained=True)


def test_follow_ups_are_asked_with_their_history_when_the_system_takes_it():
    fake = ConversationalFake()
    results = ev.run_system(fake, [FOLLOW_UP, LEAD_Q])
    assert fake.histories == [[dict(t) for t in FOLLOW_UP.history]]    # the lead question went through ask_batch
    assert results[0].correct and results[0].history_used and results[0].right_plan
    assert results[1].correct and not results[1].history_used


def test_systems_without_history_get_the_bare_question():
    results = ev.run_system(FakeAssistant(), [FOLLOW_UP])
    assert not results[0].correct and not results[0].history_used and results[0].history_turns == 1
    assert not ev.accepts_history(FakeAssistant()) and ev.accepts_history(ConversationalFake())


def test_comparisons_count_a_citation_of_any_of_their_plans():
    q = BY_ID["co-002"]                                                    # Di Linh vs Năm Dẫn
    answer = {"answer": "Di Linh: tối thiểu 98%. Năm Dẫn: từ 95% trở lên.", "abstained": False,
              "citations": [{"document": "nam-dan_2026.txt", "text": q.gold_quote}]}
    r = ev.score_question(q, answer, None, 1.0)
    assert r.correct and r.right_plan and r.cited
    half = ev.score_question(q, {**answer, "answer": "Năm Dẫn: từ 95% trở lên."}, None, 1.0)
    assert not half.correct and half.missing == [["Di Linh"], ["98%"]]


def test_metrics_and_report_per_category():
    results = ev.run_system(FakeAssistant(), [LEAD_Q, PARAPHRASE, NEAR_MISS, FOLLOW_UP])
    metrics = ev.aggregate(results)
    assert metrics["by_category"]["original"]["n"] == 1
    assert metrics["by_category"]["near_miss"]["accuracy"] == 1.0        # the fake abstains
    assert metrics["by_category"]["paraphrase"]["false_abstentions"] == 1
    targets = metrics["category_targets"]
    assert targets["near_miss_accuracy"]["ok"] is True and targets["paraphrase_accuracy"]["ok"] is False
    assert targets["new_in_scope_false_abstention_rate"]["value"] == 1.0  # 2 of 2 in-scope abstained
    assert targets["list_accuracy"]["value"] is None                    # no list question in this run
    report = ev.render_report({"assistant": metrics}, {"assistant": results}, {"generated_at": "now"})
    assert "theo loại câu hỏi" in report and "issue 11" in report
    assert "### Loại `paraphrase` — 1 câu sai" in report and "### Loại `follow_up` — 1 câu sai" in report
    assert "`nm-001`" not in report and f"`{PARAPHRASE.id}`" in report
    assert "hệ thống không nhận lịch sử" in report
