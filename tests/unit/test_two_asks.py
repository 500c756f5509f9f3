"""`followup.two_asks`: a question that asks two things in turn (", còn … thì …")."""

from assistant.qa.followup import two_asks


def test_a_second_ask_after_con_is_split_off_with_its_connector_as_typed():
    assert two_asks("Lộc Hòa số hóa hồ sơ đạt bao nhiêu, còn tái sử dụng dữ liệu thì bao nhiêu?") == (
        "Lộc Hòa số hóa hồ sơ đạt bao nhiêu", "còn tái sử dụng dữ liệu thì bao nhiêu?")
    assert two_asks("loc hoa so hoa dat bao nhieu, con dung lai du lieu thi bao nhieu?")[1] == \
        "con dung lai du lieu thi bao nhieu?"


def test_a_child_or_a_statement_is_no_second_ask():
    assert two_asks("Tôi muốn làm khai sinh, con tôi sinh ở nhà thì cần gì?") is None   # first half asks nothing
    assert two_asks("Di Linh ai chủ trì việc này, còn gì nữa") is None                   # too short to ask
    assert two_asks("Năm Dẫn có bao nhiêu nhiệm vụ?") is None
