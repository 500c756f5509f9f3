"""Typo and Telex tolerance against the vocabulary of the bundled plans."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from assistant.lexicon import default_lexicon
from assistant.spelling import SpellingCorrector, marks_of, telex_marks, telex_readings
from ingest.vntext import fold

REPO = Path(__file__).resolve().parents[2]
PLAN_TEXTS = [p.read_text(encoding="utf-8") for p in sorted((REPO / "data" / "plans").glob("*.txt"))]


@pytest.fixture(scope="module")
def corrector():
    return SpellingCorrector(PLAN_TEXTS, protected=default_lexicon().vocabulary())


@pytest.mark.parametrize("typed, expected", [
    ("doi thaoi", "doi thoai"),                       # swapped letters
    ("ddoois thoaij", "doi thoai"),                   # Telex leftovers
    ("ai chur tri doi thaoi voi nguoi dan", "ai chu tri doi thoai voi nguoi dan"),
    ("Ai ở Di Linh vaanj hanhf Trung tâm IOC?", "ai o di linh van hanh trung tam ioc"),
    ("Kinh phis thuc hien ke hoach cuar Di Linh", "kinh phi thuc hien ke hoach cua di linh"),
    ("tỷ lệ hồ sơ trực tuyếnn", "ty le ho so truc tuyen"),     # one letter too many
    ("cải cách tài chánh công", "cai cach tai chinh cong"),     # one letter replaced
    ("bao nhiu phần trăm", "bao nhieu phan tram"),              # one letter missing, question word
    ("kế hoạch cải cahcs", "ke hoach cai cach"),                # a Telex tone key and swapped letters
])
def test_typos_are_repaired_to_plan_words(corrector, typed, expected):
    assert corrector.correct(typed).text == expected


def test_words_in_the_vocabulary_are_never_changed(corrector):
    # "họp" (meeting) is a plan word: "tổng họp" stays as typed even though "hợp" was meant
    for question in ("tổng họp báo cáo", "Ai chủ trì tổ chức đối thoại ở Di Linh?",
                     "ho so thu tuc hanh chinh", "thế còn lệ phí"):
        correction = corrector.correct(question)
        assert not correction.changed and correction.text == correction.original, question
    assert corrector.correct("tổng họp").text == "tong hop"


def test_question_words_and_protected_words_are_left_alone(corrector):
    assert not corrector.correct("ai lo việc này, sao vậy, ở đâu").changed
    assert not corrector.correct("nộp online hay scan").changed        # lexicon words, not in the plans
    assert corrector.correct("123 45%").text == "123 45"
    # loanwords are no typos of a plan syllable: "link" is one letter from the "linh" of Di Linh
    assert corrector.correct("trang web xa di linh vao link nao, co zalo khong").text == \
        "trang web xa di linh vao link nao co zalo khong"


def test_every_repair_lands_on_a_plan_syllable(corrector):
    rows = [json.loads(line) for line in (REPO / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    typos = [r for r in rows if r.get("category") == "typo"]
    repaired = 0
    for row in typos:
        correction = corrector.correct(row["question"])
        assert all(new in corrector or new in corrector.protected for _, new in correction.changes), row["id"]
        repaired += correction.changed
    assert repaired >= 12, repaired        # Telex and one-letter typos of the set get repaired


@pytest.mark.parametrize("sentence, typed", [
    ("Tổ chức đối thoại với người dân và doanh nghiệp", "to chuc doi thoaij voi nguoi dan va doanh nghiep"),
    ("Thực hiện vận hành, khai thác hiệu quả Trung tâm IOC", "thuc hien vaanj hanh khai thac hieu qua trung tam ioc"),
    ("Tiếp nhận và xử lý kịp thời các thông tin phản ánh, kiến nghị",
     "tiep nhan va xu lys kip thoi cac thong tin phan anh kien nghi"),
    ("Bố trí kinh phí chi thường xuyên giao tự chủ", "bo tri kinh phi chi thuong xuyen giao tuw chu"),
    ("Cập nhật mẫu phiếu khảo sát trên dịch vụ công", "cap nhat mau phieu khao sta tren dich vu cong"),
])
def test_a_plan_sentence_typed_with_one_slip_folds_back_to_itself(corrector, sentence, typed):
    assert corrector.correct(typed).text == corrector.correct(sentence).text == fold(sentence).replace(",", "")


def test_telex_readings():
    assert telex_readings("ddoois")[:2] == ["ddooi", "doi"]
    assert "thoai" in telex_readings("thoaij")
    assert telex_readings("hanhf")[0] == "hanh"


def test_lookups_are_fast_with_the_deletion_index(corrector):
    """A generous linear budget, not a benchmark: 2,000 corrections well under a second each."""
    questions = ["ai chur tri doi thaoi voi nguoi dan o di linh", "ty le ho so truc tuyenn o dai phuoc"] * 1000
    start = time.perf_counter()
    for q in questions:
        corrector.correct(q)
    assert (time.perf_counter() - start) < 20.0
    assert fold("Đ") == "d"


def test_a_typo_of_an_everyday_word_the_lexicon_knows_is_repaired():
    from assistant.lexicon import default_lexicon

    speller = SpellingCorrector(["Triển khai Hệ thống họp trực tuyến trong nội bộ xã"],
                                protected=default_lexicon().vocabulary())
    assert speller.correct_word("onlie") == "online"
    assert speller.correct_word("online") == "online"


def test_a_spelling_the_texts_give_only_as_a_rare_slip_is_not_theirs():
    # the records write "hợp" thousands of times and "hơp" twice: "hơp" is a slip, not a word;
    # a rare word with no usual spelling beside it stays a word ("dọc" beside "đốc")
    texts = ["tổng hợp báo cáo"] * 300 + ["tổng hơp"] * 2 + ["đôn đốc"] * 20 + ["dọc đường"] * 2
    speller = SpellingCorrector(texts, meant=["ưng", "bụng"])
    assert speller.writes("hợp") and not speller.writes("hơp")
    assert speller.writes("dọc") and speller.writes("bụng") and not speller.writes("đóc")


def test_a_rare_spelling_stays_where_the_usual_one_does_not_stand():
    # "thứ" is rare beside "thủ" (thủ tục), but "thứ bảy" is no place for "thủ": left as typed;
    # "hơp" is rare beside "hợp" and stands where "hợp" does ("tổng hợp"): read folded
    from assistant.qa.understand import repair_spelling
    speller = SpellingCorrector(["thủ tục hành chính"] * 300 + ["thứ 3"] + ["tổng hợp báo cáo"] * 300 + ["hơp"])
    assert repair_spelling("có làm việc thứ bảy không?", speller) == "có làm việc thứ bảy không?"
    assert repair_spelling("tổng hơp báo cáo", speller) == "tổng hop báo cáo"


@pytest.mark.parametrize("typed,written", [("hoof", "hồ"), ("sow", "sơ"), ("bij", "bị"), ("nguowif", "người"),
                                           ("ddoois", "đối"), ("khoong", "không")])
def test_telex_keys_give_the_marks_they_type(typed, written):
    assert telex_marks(typed) == marks_of(written)


def test_a_word_without_telex_keys_types_no_marks():
    assert telex_marks("lam") is None and telex_marks("so") is None
