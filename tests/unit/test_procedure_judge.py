"""The procedure group's judge: the right record cited, every fact quoted as the record has it
(in any letter case, never without its diacritics), or the right abstention."""

from assistant.procedure_evaluation import judge
from assistant.schemas import Answer, Citation

ROW = {"id": "x", "document": "1.003440.json", "abstain": False, "category": "procedure_time",
       "facts": [["20 ngày làm việc"]]}


def _answer(text: str, document: str = "1.003440.json", abstained: bool = False) -> Answer:
    return Answer(answer=text, abstained=abstained,
                  citations=[Citation(document=document, text=text, origin="procedure")])


def test_a_fact_quoted_in_another_letter_case_is_the_same_fact():
    assert judge(ROW, _answer("Thời gian giải quyết:\nTrực tiếp: 20 Ngày làm việc"))


def test_diacritics_and_the_record_still_count():
    assert not judge(ROW, _answer("Trực tiếp: 20 ngay lam viec"))
    assert not judge(ROW, _answer("Trực tiếp: 20 Ngày làm việc", document="1.000080.json"))
    assert not judge(ROW, _answer("Trực tiếp: 20 Ngày làm việc", abstained=True))


def test_a_fact_the_record_lacks_needs_the_abstention_that_says_so():
    row = dict(ROW, abstain=True, category="procedure_fee_missing", facts=[["Không có thông tin"]])
    assert judge(row, _answer("Phí, lệ phí: hồ sơ không ghi lệ phí", abstained=True))
    assert not judge(row, _answer("Phí, lệ phí: 50.000 đồng"))
    assert judge(dict(row, document=None), _answer("Danh mục … không có thủ tục này", document="", abstained=True))
