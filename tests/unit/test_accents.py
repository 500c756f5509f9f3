import pytest

from assistant.accents import AccentRestorer


@pytest.fixture(scope="module")
def restorer(parsed_plans):
    return AccentRestorer.from_texts(c.text for plan in parsed_plans.values() for c in plan.chunks)


@pytest.mark.parametrize("typed, expected", [
    ("ai chu tri to chuc doi thoai voi nguoi dan va doanh nghiep o di linh",
     "ai chủ trì tổ chức đối thoại với người dân và doanh nghiệp ở di linh"),
    ("ty le ho so giai quyet truc tuyen cua Loc Hoa phai dat bao nhieu",
     "tỷ lệ hồ sơ giải quyết trực tuyến của Lộc Hòa phải đạt bao nhiêu"),
    ("Phong Kinh te xa Dai Phuoc co nhiem vu gi", "Phòng Kinh tế xã Đại Phước có nhiệm vụ gì"),
    ("ke hoach CCHC cua xa Nam Dan do ai ky", "kế hoạch CCHC của xã Năm Dẫn do ai ký"),
])
def test_unaccented_questions_get_the_plans_spelling_back(restorer, typed, expected):
    assert restorer.restore(typed) == expected


def test_context_decides_between_candidate_forms(restorer):
    # "hoa" alone is mostly "hóa" in the plans, but after "Lộc" it is the commune's "Hòa".
    assert restorer.restore("van hoa") == "văn hóa"
    assert restorer.restore("xa Loc Hoa thuc hien") == "xã Lộc Hòa thực hiện"


def test_text_with_any_diacritics_or_unknown_words_is_left_alone(restorer):
    assert restorer.restore("Ai chủ trì doi thoai?") == "Ai chủ trì doi thoai?"
    assert restorer.restore("zzz qwx 123") == "zzz qwx 123"
    assert AccentRestorer().restore("ai chu tri") == "ai chu tri"


class _RecordingEmbedder:
    name, dim = "recording", 2

    def __init__(self):
        self.queries = []

    def embed_query_vector(self, text):
        self.queries.append(text)
        return [1.0, 0.0]


class _Store:
    def __init__(self, texts):
        self.texts, self.rev = texts, 1

    def revision(self):
        return self.rev

    def chunk_texts(self, limit):
        return self.texts[:limit]


def test_the_wrapper_embeds_the_restored_question_and_follows_store_revisions(parsed_plans):
    from assistant.accents import AccentRestoringEmbeddings

    store = _Store([c.text for c in parsed_plans["di-linh_2026-2030.txt"].chunks])
    inner = _RecordingEmbedder()
    wrapped = AccentRestoringEmbeddings(inner, store)
    wrapped.embed_query_vector("ai chu tri doi thoai voi doanh nghiep")
    wrapped.embed_query_vector("Ai chủ trì?")
    assert inner.queries == ["ai chủ trì đối thoại với doanh nghiệp", "Ai chủ trì?"]
    assert wrapped.name == "recording" and wrapped.dim == 2

    store.texts, store.rev = ["Lộc Hòa"], 2  # a different corpus after a write
    assert wrapped.restore("loc hoa") == "lộc hòa"
