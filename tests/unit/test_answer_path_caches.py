"""The answer path memoises per-text work (sentence splitting, term sets, topic weights, lexicon
pre-filtering); memoised results must equal what the plain computation gives, on the bundled
plans (data/plans), and never leak mutations between questions."""

from __future__ import annotations

from pathlib import Path

from assistant.lexicon import _contains, default_lexicon
from assistant.qa.evidence import TermWeights, coverage, coverage_parts, split_sentences, term_set
from assistant.qa.understand import content_terms

PLAN = (Path(__file__).resolve().parents[2] / "data" / "plans" / "nam-dan_2026.txt").read_text(encoding="utf-8")


def _naive_share(items, terms, weights):
    total = sum(weights.weight(t) for t in items)
    return sum(weights.weight(t) for t in items if t in terms) / total if total else 0.0


def _naive_coverage(topic, terms, weights):
    unique = list(dict.fromkeys(topic))
    uni = [t for t in unique if "_" not in t]
    bi = [t for t in unique if "_" in t]
    if not unique:
        return 0.0
    if not uni or not bi:
        return _naive_share(unique, terms, weights)
    return 0.5 * _naive_share(uni, terms, weights) + 0.5 * _naive_share(bi, terms, weights)


def test_memoised_coverage_equals_the_plain_weighted_share():
    sentences = split_sentences(PLAN)
    weights = TermWeights(term_set(s) for s in sentences)
    for question in ("Năm Dẫn gửi báo cáo định kỳ trước ngày nào?", "Kinh phí thực hiện kế hoạch lấy từ đâu?",
                     "Ai chủ trì tuyên truyền cải cách hành chính?"):
        topic = content_terms(question)
        for sentence in sentences[:120]:
            terms = term_set(sentence)
            assert coverage(topic, terms, weights) == _naive_coverage(topic, terms, weights)
            uni = [t for t in dict.fromkeys(topic) if "_" not in t]
            bi = [t for t in dict.fromkeys(topic) if "_" in t]
            assert coverage_parts(topic, terms, weights) == (
                _naive_share(uni, terms, weights) if uni else 0.0, _naive_share(bi, terms, weights) if bi else 1.0)


def test_split_sentences_hands_out_a_fresh_list_each_time():
    first = split_sentences(PLAN)
    first.clear()
    assert split_sentences(PLAN) and split_sentences(PLAN) is not split_sentences(PLAN)


def test_lexicon_prefilter_finds_what_a_scan_of_every_entry_finds():
    lexicon = default_lexicon()
    for question in ("Chi phí làm kế hoạch lấy ở đâu?", "Nộp hồ sơ online ở Lộc Hòa được không?",
                     "Hạn chót gửi báo cáo là khi nào?", "Ai lo việc tuyên truyền?", "Mấy giờ mở cửa?"):
        toks = lexicon.expand(question).tokens
        expected = []
        for entry in lexicon.entries:
            if _contains(toks, entry.term_key):
                continue
            for variant, key in zip(entry.variants, entry.variant_keys):
                if _contains(toks, key):
                    expected.append((variant, entry.term))
                    break
        assert lexicon.expand(question).matches == tuple(expected)
