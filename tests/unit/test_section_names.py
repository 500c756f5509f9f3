"""Section questions (issue 11): a heading named in other words (data/lexicon/sections.tsv) and,
of the section, the sentences that hold the question's own words. Text from data/plans."""

from __future__ import annotations

from pathlib import Path

from assistant.qa.evidence import split_sentences
from assistant.qa.strategies.section import (asked_words, named_heading_words, parse_section_names,
                                             pick_sentences, section_names)
from assistant.qa.understand import fold_question

PLANS = Path(__file__).resolve().parents[2] / "data" / "plans"


def _section_body(document: str, heading: str, stop: str) -> str:
    lines = (PLANS / document).read_text(encoding="utf-8").splitlines()
    start = lines.index(heading)
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith(stop))
    return "\n".join(lines[start + 1:end])


def test_the_data_file_names_the_report_section_in_the_words_people_use():
    assert section_names(), "data/lexicon/sections.tsv is read"
    asked = named_heading_words(fold_question("Năm Dẫn báo cáo cải cách hành chính theo những kỳ nào?"))
    assert {"che", "do", "bao", "cao"} <= asked
    assert named_heading_words(fold_question("Ai chủ trì việc rà soát TTHC ở Năm Dẫn?")) == set()


def test_a_line_of_the_file_is_a_heading_and_its_phrases_folded():
    names = parse_section_names(["# comment", "chế độ báo cáo\tkỳ báo cáo ; Bao lâu báo cáo", "no tab here"])
    assert names == ((frozenset({"che", "do", "bao", "cao"}), ("ky bao cao", "bao lau bao cao")),)
    assert named_heading_words("nam dan bao lau bao cao mot lan", names) == {"che", "do", "bao", "cao"}


def test_the_sentence_holding_the_asked_words_is_quoted_not_the_opening_one():
    body = _section_body("nam-dan_2026.txt", "8. Chế độ báo cáo", "Trên đây là")
    sentences = split_sentences(body, long_piece=10_000)
    asked = asked_words(fold_question("Năm Dẫn báo cáo kết quả cải cách hành chính định kỳ theo những kỳ nào?"),
                        ["Năm Dẫn", "Lộc Hòa"])
    picked = pick_sentences(sentences, asked, "8. Chế độ báo cáo", 2)
    assert len(picked) == 1 and "hàng quý, 6 tháng và hàng năm" in picked[0]
    # nothing of the question beyond the heading in any sentence: the opening ones
    assert pick_sentences(sentences, {"che", "do"}, "8. Chế độ báo cáo", 2) == sentences[:2]


def test_a_section_of_two_sentences_is_quoted_whole():
    body = _section_body("di-linh_2026-2030.txt", "2. Kinh phí thực hiện", "Nơi nhận")
    sentences = split_sentences(body, long_piece=10_000)
    assert len(sentences) == 2
    # "đề xuất" holds the "de" of "tiền để làm": the funding source, in the first, stays quoted
    picked = pick_sentences(sentences, {"tien", "de", "ke", "hoach"}, "2. Kinh phí thực hiện", 2)
    assert picked == sentences and "nguồn ngân sách nhà nước" in picked[0]
