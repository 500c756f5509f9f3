"""Record text cut to fit an answer (assistant/excerpts.py) and the answers that use it, on the
bundled records: steps as an outline, checklist items that keep their short name and form."""

from __future__ import annotations

import pytest

from assistant.excerpts import Step, outline_steps, shorten, split_steps
from assistant.procedure_answers import MAX_ANSWER_CHARS, answer_question
from assistant.procedure_matching import ProcedureIndex
from ingest.procedures import parse_procedure_file
from tests.conftest import REPO

RECORDS = REPO / "data" / "procedures"


def _record(code: str):
    return parse_procedure_file(RECORDS / f"{code}.json").procedures[0]


@pytest.fixture(scope="module")
def index() -> ProcedureIndex:
    files = sorted(RECORDS.glob("*.json"))
    return ProcedureIndex.build([p for f in files for p in parse_procedure_file(f).procedures])


def test_numbered_steps_split_at_their_labels():
    preface, steps = split_steps(_record("1.010092").steps)
    assert preface == "" and [s.label for s in steps] == [f"Bước {i}" for i in range(1, 6)]
    assert steps[4].text.startswith("Trong thời hạn 03 ngày làm việc, kể từ ngày có quyết định trợ cấp")
    # "Trường hợp cấp xã a) Bước 1: Nộp, tiếp nhận hồ sơ⏎Tổ chức, cá nhân nộp …": the case
    # heading is the preface, the letter marks go, a step's title line is joined to its body
    preface, steps = split_steps(_record("1.014832").steps)
    assert preface == "Trường hợp cấp xã" and len(steps) == 4
    assert steps[0].text.startswith("Nộp, tiếp nhận hồ sơ — Tổ chức, cá nhân nộp 01 bộ hồ sơ")
    assert not steps[0].text.endswith("b)") and steps[3].text.startswith("Bàn giao rừng — ")


def test_a_few_bullet_lines_are_steps_but_cases_and_sub_lists_are_not():
    _, steps = split_steps(_record("1.014156").steps)
    assert len(steps) == 3 and all(s.label == "" for s in steps)
    assert steps[2].text.endswith("đóng dấu xác nhận.")
    # the birth registration's steps are cases and sub-lists (16 lines, no "Bước"): no outline
    assert split_steps(_record("1.004772").steps) == ("", [])


def test_outline_keeps_every_step_within_its_budget_and_lifts_how_long_each_takes():
    preface, steps = split_steps(_record("1.010092").steps)
    shown, quoted = outline_steps(preface, steps, None, budget=360)
    lines = shown.splitlines()
    assert len(lines) == 5 and len(shown) <= 360 + 10
    assert lines[4].startswith("Bước 5 (trong 03 ngày làm việc): Ủy ban nhân dân cấp xã")
    assert "kể từ" not in shown and "kể từ ngày" in quoted      # the quote is the record's words
    assert all(line.startswith(f"Bước {i}") for i, line in enumerate(quoted.splitlines(), 1))


def test_the_asked_step_gets_the_larger_share():
    steps = [Step(f"Bước {i}", f"Việc thứ {i} " + "rất dài " * 40) for i in range(1, 5)]
    shown, _ = outline_steps("", steps, 1, budget=400)
    lengths = [len(line) for line in shown.splitlines()]
    assert lengths[1] > 1.3 * max(lengths[0], lengths[2], lengths[3]) and len(shown) <= 400 + 10


def test_steps_answer_is_an_outline_of_every_step(index):
    answer = answer_question("thu tuc xin tien tuat cho nguoi trong doi xung kich chet khi chong lu gom nhung buoc nao", index)
    assert "(mã 1.010092)" in answer.answer and len(answer.answer) <= MAX_ANSWER_CHARS
    assert "Bước 4 (trong 05 ngày làm việc): Chủ tịch Ủy ban nhân dân cấp tỉnh" in answer.answer
    assert "Bước 5 (trong 03 ngày làm việc)" in answer.answer


def test_cut_checklist_item_keeps_the_short_name_and_form_its_first_sentence_gives(index):
    answer = answer_question("xin giay xac nhan tinh trang hon nhan de dang ky ket hon thi mang theo nhung gi", index)
    assert "(mã 1.004873)" in answer.answer
    assert "Hộ chiếu/Thẻ căn cước công dân/" in answer.answer and "(giấy tờ tùy thân)" in answer.answer
    answer = answer_question("nuoi ca quy hiem trong danh muc cites, xin xac nhan nguon goc thi can ho so gi", index)
    assert "(mã 1.004680)" in answer.answer and "(Mẫu số 07)" in answer.answer
    # a form named only in an item's later note is not that item's form
    answer = answer_question("kham benh bhyt tu tra tien roi xin thanh toan lai can giay to gi", index)
    assert "(mã 1.001656)" in answer.answer and "hóa đơn" in answer.answer and "01/KBCB" not in answer.answer


def test_shorten_cuts_at_a_sentence_end_when_close():
    text = "Giấy chứng sinh do cơ sở y tế cấp. Trường hợp không có giấy chứng sinh thì nộp văn bản của người làm chứng."
    assert shorten(text, 50) == "Giấy chứng sinh do cơ sở y tế cấp…"
    assert shorten(text, 80).endswith("giấy chứng sinh thì nộp…")      # no sentence end near 80: between words
    assert shorten(text, 500) == text


def test_a_step_asked_by_its_title_after_thi_gets_its_own_time():
    from assistant.procedure_answers import answer_procedure
    forest = _record("1.014832")
    answer = answer_procedure(forest, "giao rung xong co quyet dinh roi thi may ngay duoc ban giao rung")
    assert "20 Ngày làm việc" in answer.answer
    assert "Trình tự thực hiện ghi: Bước 4: Bàn giao rừng — Trong thời hạn 05 ngày làm việc" in answer.answer
    # the procedure's own time asked: no step quoted
    assert "Bước" not in answer_procedure(forest, "xin giao rung thi mat bao lau").answer
    # the asked step of an outline is the one that fits what follows "thì"
    benefit = _record("1.010092")
    shown = answer_procedure(benefit, "co quyet dinh tro cap roi thi xa chi tra tien cac buoc the nao").answer
    fifth = next(line for line in shown.splitlines() if line.startswith("Bước 5"))
    assert "chuyển khoản" in fifth or len(fifth) > max(len(l) for l in shown.splitlines() if l.startswith("Bước 1"))


def test_a_question_about_who_is_left_out_quotes_the_clause_that_excludes():
    from assistant.procedure_answers import answer_procedure
    answer = answer_procedure(_record("1.010091"), "truong hop nao thi nguoi bi om khong duoc ho tro")
    assert "không được hưởng chế độ" in answer.answer


def test_a_paper_lost_lists_first_the_item_that_says_what_to_file_instead():
    from assistant.procedure_answers import answer_procedure
    remarriage = _record("1.004746")
    answer = answer_procedure(remarriage, "bi mat ban sao giay ket hon roi thi dang ky lai nop gi thay the")
    first = next(line for line in answer.answer.splitlines() if line.startswith("☐"))
    assert "Nếu không có bản sao Giấy chứng nhận kết hôn thì nộp bản sao hồ sơ, giấy tờ cá nhân" in first
    # not asked as lacking: the item keeps its first sentence only
    plain = answer_procedure(remarriage, "dang ky lai ket hon can giay to gi").answer
    assert "Nếu không có bản sao" not in plain


def test_how_many_sets_is_answered_from_the_records_note_or_step():
    from assistant.procedure_answers import answer_procedure
    adoption = answer_procedure(_record("1.003005"), "nguoi nuoc ngoai nhan con nuoi phai nop may bo ho so").answer
    assert "Số lượng hồ sơ: 02 bộ" in adoption and "☐" in adoption
    benefit = answer_procedure(_record("1.010092"), "xin tro cap tien tuat nop bao nhieu bo ho so").answer
    assert "lập 01 bộ hồ sơ gửi đến Ủy ban nhân dân cấp xã" in benefit
