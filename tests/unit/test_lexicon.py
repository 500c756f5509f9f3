"""The colloquial-equivalents lexicon: the bundled file, its parser and the expansion."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.lexicon import DEFAULT_PATH, Lexicon, LexiconError, default_lexicon, expand, parse_lines
from ingest.vntext import tokens

REPO = Path(__file__).resolve().parents[2]
PLANS = {p.name: p.read_text(encoding="utf-8") for p in (REPO / "data" / "plans").glob("*.txt")}
CORPUS_KEY = " " + " ".join(t for text in PLANS.values() for t in tokens(text)) + " "


def test_the_bundled_file_loads_and_every_plan_term_is_plan_wording():
    lexicon = default_lexicon()
    assert DEFAULT_PATH.is_file() and len(lexicon.entries) >= 30
    for entry in lexicon.entries:
        # the right-hand side is what the plans say: it must occur in the bundled plans
        assert " " + " ".join(entry.term_key) + " " in CORPUS_KEY, entry.term
        assert entry.variant_keys, entry.term


@pytest.mark.parametrize("question, plan_term", [
    ("Chi phí thực hiện kế hoạch CCHC của Di Linh lấy từ đâu?", "kinh phí"),
    ("chi phi thuc hien ke hoach o di linh", "kinh phí"),
    ("Tỷ lệ hồ sơ nộp online ở Đại Phước?", "trực tuyến"),
    ("Hạn chót ban hành kế hoạch chuyển đổi số?", "thời hạn"),
    ("Ở Di Linh, bên nào lo việc đối thoại?", "chủ trì"),
    ("Đại Phước muốn bao nhiêu người dân vừa lòng?", "hài lòng"),
    ("Lộc Hòa muốn bao nhiêu hồ sơ được scan?", "số hóa"),
    ("Dịch vụ công có dùng được trên điện thoại không?", "thiết bị di động"),
])
def test_questions_as_people_ask_them_gain_the_plan_term(question, plan_term):
    expansion = expand(question)
    assert plan_term in [term for _, term in expansion.matches]
    assert set(tokens(plan_term)) <= set(expansion.terms)
    assert expansion.tokens == tuple(tokens(question))   # the question itself is kept as asked


def test_a_question_already_in_plan_wording_gains_nothing_for_that_term():
    expansion = expand("Kinh phí thực hiện kế hoạch của Di Linh lấy từ nguồn nào?")
    assert "kinh phí" not in [term for _, term in expansion.matches]


def test_matching_is_on_whole_syllables():
    # "tiền mặt" is not "tiền làm"; "trễ" alone (in "không dùng tiền mặt") adds nothing
    expansion = expand("thanh toán không dùng tiền mặt")
    assert all(term != "kinh phí" for _, term in expansion.matches)


def test_expansions_of_the_new_eval_paraphrases_are_plan_words():
    rows = [json.loads(line) for line in (REPO / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    paraphrases = [r for r in rows if r.get("category") == "paraphrase"]
    fired = [expand(r["question"]) for r in paraphrases]
    # the file was written from questions as people ask them: most paraphrases get an equivalent
    assert sum(bool(e.matches) for e in fired) >= 0.5 * len(paraphrases)
    for e in fired:
        assert all(" " + t + " " in CORPUS_KEY for t in e.added)


def test_parser_reports_malformed_lines_in_vietnamese(tmp_path):
    with pytest.raises(LexiconError, match="TAB"):
        parse_lines(["kinh phí chi phí"])
    with pytest.raises(LexiconError, match="chưa có cách nói"):
        parse_lines(["kinh phí\t  ;  "])
    with pytest.raises(LexiconError, match="Không đọc được"):
        Lexicon.load(tmp_path / "missing.tsv")


def test_a_non_programmer_can_extend_the_file(tmp_path):
    path = tmp_path / "equivalents.tsv"
    path.write_text("# mine\n\nkinh phí\tchi phí ; tiền nong\nthời hạn\thạn chót\n", encoding="utf-8")
    lexicon = Lexicon.load(path)
    assert [term for _, term in lexicon.expand("tiền nong ở đâu ra, hạn chót khi nào").matches] == ["kinh phí", "thời hạn"]
    assert {"kinh", "phi", "tien", "nong"} <= lexicon.vocabulary()
