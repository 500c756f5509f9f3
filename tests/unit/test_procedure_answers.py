"""Pure procedure matching and answers over the bundled records (no store, no embedder)."""

from __future__ import annotations

import dataclasses

import pytest

from assistant.procedure_answers import MAX_ANSWER_CHARS, answer_procedure, answer_question
from assistant.procedure_facets import detect_facets
from assistant.procedure_matching import (
    ProcedureIndex,
    _results_said,
    fuse_agreement,
    fuse_dense,
    fuse_names,
    fuse_text,
    is_confident,
    name_phrases,
    rank_procedures,
    runner_up,
)
from assistant.procedure_lexicon import LexiconError, contradicted, load_lexicon, parse_contrasts, parse_lexicon
from assistant.qa.policy import DEFAULT_POLICY
from ingest.procedures import parse_procedure_file
from tests.conftest import REPO


@pytest.fixture(scope="module")
def index() -> ProcedureIndex:
    files = sorted((REPO / "data" / "procedures").glob("*.json"))
    return ProcedureIndex.build([p for f in files for p in parse_procedure_file(f).procedures])


def test_facets_with_and_without_diacritics():
    assert detect_facets("làm giấy khai sinh cần giấy tờ gì") == ["documents"]
    assert detect_facets("lam giay khai sinh can giay to gi") == ["documents"]
    assert detect_facets("đăng ký thường trú mất mấy ngày") == ["time"]
    assert detect_facets("dang ky tam tru co mat phi khong") == ["fee"]
    assert detect_facets("nop online duoc khong") == ["where"]
    assert detect_facets("khai tử theo nghị định nào") == ["legal"]


def test_khai_sinh_documents_checklist_with_link(index):
    answer = answer_question("lam giay khai sinh cho con can giay to gi", index)
    assert not answer.abstained and answer.intent == "procedure"
    assert "Thủ tục đăng ký khai sinh (mã 1.001193)" in answer.answer
    assert "☐" in answer.answer and "Giấy chứng sinh" in answer.answer
    assert "https://dichvucong.gov.vn/" in answer.answer
    assert len(answer.answer) <= MAX_ANSWER_CHARS
    citation = answer.citations[0]
    assert citation.document == "1.001193.json" and citation.code == "1.001193"
    assert citation.section == "Thủ tục đăng ký khai sinh › Thành phần hồ sơ"


def test_common_case_first_and_variants_named(index):
    ranked = rank_procedures("khai sinh", index)
    assert ranked[0].procedure.code == "1.001193"
    answer = answer_question("đăng ký khai sinh có mất phí không", index)
    assert "Thủ tục gần giống" in answer.answer
    foreign = rank_procedures("khai sinh có yếu tố nước ngoài", index)[0]
    assert "có yếu tố nước ngoài" in foreign.procedure.name


def test_lexicon_everyday_names(index):
    assert rank_procedures("mở quán tạp hóa thì đăng ký gì", index)[0].procedure.code == "1.001612"
    assert rank_procedures("nhap ho khau cho con", index)[0].procedure.code == "1.004222"
    assert rank_procedures("bố tôi mất thì báo tử thế nào", index)[0].procedure.code == "1.000656"


def test_time_per_channel_and_fee_amounts(index):
    answer = answer_question("đăng ký thường trú mất mấy ngày", index)
    assert "7 Ngày làm việc" in answer.answer
    fee = answer_question("dang ky tam tru co mat phi khong", index)
    assert "7,000 Việt Nam Đồng" in fee.answer and "10,000 Việt Nam Đồng" in fee.answer


def test_time_without_unit_said_plainly(index):
    answer = answer_question("đăng ký khai sinh mất mấy ngày", index)
    assert "không ghi đơn vị" in answer.answer and not answer.abstained


def test_missing_fact_abstains_with_citation(index):
    answer = answer_question("đăng ký khai sinh cần điều kiện gì", index)
    assert answer.abstained and "không ghi" in answer.answer
    assert answer.citations[0].document == "1.001193.json"


def test_not_in_catalogue_abstains(index):
    for question in ("làm hộ chiếu lần đầu cần giấy tờ gì", "doi giay phep lai xe o to mat bao nhieu tien"):
        answer = answer_question(question, index)
        assert answer.abstained and not answer.citations and "không có thủ tục này" in answer.answer


def test_lexicon_file_loads_and_rejects_bad_lines():
    entries = load_lexicon()
    assert any(e.phrase == "làm sổ đỏ" for e in entries)
    with pytest.raises(LexiconError, match="Tab"):
        parse_lexicon("chỉ một cột\n")


def test_listing_shape_and_search(index):
    from assistant.procedure_views import procedure_to_dict, search_procedures

    hits = search_procedures(index, query="khai sinh", field="ho tich")
    assert hits[0].code == "1.001193" and all(p.field == "Hộ tịch" for p in hits)
    row = procedure_to_dict(hits[0])
    assert {"code", "name", "field", "agency", "ways", "documents", "url"} <= set(row)
    assert row["ways"][0]["channel"] == "Trực tuyến" and row["ways"][0]["time_unit"] is None
    assert row["ways"][0]["fee_kind"] == "free"
    assert len(search_procedures(index, field="Chứng thực")) == 12


def _record_text(document: str) -> str:
    import json

    from ingest.vntext import nfc

    data = json.loads((REPO / "data" / "procedures" / document).read_text(encoding="utf-8"))
    # the portal's text is not always NFC; the parser normalises it on the way in
    return " ".join(" ".join(nfc(str(v)).replace("\u00a0", " ").split()) for v in data.values())


@pytest.mark.parametrize("question", [
    "lam giay khai sinh cho con can giay to gi",
    "đăng ký thường trú cần điều kiện gì",
    "gia hạn tạm trú có mất phí không",
    "khai tử xong được cấp giấy gì",
    "đăng ký khai sinh theo nghị định nào",
])
def test_citations_quote_the_record_verbatim(index, question):
    answer = answer_question(question, index)
    record = _record_text(answer.citations[0].document)
    for citation in answer.citations:
        for line in citation.text.split("\n"):
            for piece in line.split("; "):
                piece = piece.split(": ", 1)[-1] if piece.startswith(("Trực", "Dịch")) else piece
                assert " ".join(piece.split()) in record, piece


# -- dense fusion (issue 12): the dense channel's output is the input here -------------------

def test_dense_rescues_a_wording_the_lexicon_lacks_when_both_channels_hold_it(index):
    question = "che do cho nguoi tham gia chua chay chua co bao hiem xa hoi thi ket qua la gi"
    ranked = rank_procedures(question, index, k=8)
    assert not is_confident(ranked[0], runner_up=runner_up(ranked))   # little of the long name is said
    held = [m.procedure.document for m in ranked[:DEFAULT_POLICY.procedure_dense_lexical_rank]]
    assert "3.000510.json" in held                # Chế độ, chính sách đối với người được huy động … chữa cháy
    fused = fuse_dense(ranked, [("3.000510.json", 0.924), ("2.000717.json", 0.899)])
    assert fused is not None and fused[0].procedure.code == "3.000510"
    assert len(fused) == len(ranked)
    # Not close enough by embedding, or a record the wording does not hold: no rescue.
    assert fuse_dense(ranked, [("3.000510.json", 0.877)]) is None
    assert fuse_dense(ranked, [("2.001023.json", 0.95)]) is None


def test_dense_does_not_take_an_out_of_catalogue_question(index):
    # "làm hộ chiếu" is not in the commune catalogue; "Trình báo mất hộ chiếu" is the nearest
    # record by both channels (its cosine, 0.908, is the highest of the dev set's out-of-catalogue).
    ranked = rank_procedures("lam ho chieu mat bao lau", index, k=8)
    assert ranked[0].procedure.code == "1.010386" and not is_confident(ranked[0])
    assert fuse_dense(ranked, [("1.010386.json", 0.908), ("1.010385.json", 0.906)]) is None


# -- issue 12: procedures named in the citizen's words ------------------------------------

def _best(question, index):
    from assistant.procedure_matching import runner_up

    ranked = rank_procedures(question, index, k=8)
    return ranked[0], is_confident(ranked[0], runner_up=runner_up(ranked))


@pytest.mark.parametrize("question, code", [
    # A situation told around the name: the head is all said, in distinctive words.
    ("con toi di lam an xa, het o tro roi thi xoa dang ky tam tru can giay to gi", "1.010028"),
    ("chung cư nhà tôi vừa họp bầu xong ban quản trị, xin công nhận thì cần giấy tờ gì", "1.012888"),
    # Part of the head said, in everyday words, and far ahead of every other name.
    ("nuôi cá muốn được nhà nước hỗ trợ tiền mua bảo hiểm nông nghiệp thì làm sao", "1.005412"),
    ("mới mua xe thì đi bấm biển số ở đâu", "1.013067"),
    # Everyday words for "hiệu đính" (data/lexicon/procedures.tsv).
    ("hop tac xa bi ghi sai thong tin dang ky thi sua mat bao lau", "2.002648"),
    # A comma after one or two words lists actions on one object: the head is the object.
    ("điều chỉnh thông tin trên thẻ căn cước có mất phí không", "1.014060"),
    # The commune twin is the common case; a question that says the other level gets that one.
    ("mất hộ chiếu thì trình báo ở đâu", "1.010386"),
    ("bi mat ho chieu trinh bao o cong an huyen thi bao lau co ket qua", "1.010385"),
    # "nhận con nuôi" (nuôi con nuôi) is not the "nhận con" (nhận cha, mẹ, con) it contains.
    ("giay to nhan con nuoi bi mat thi dang ky lai can dieu kien gi", "2.001255"),
    # Everyday names (data/lexicon/procedures.tsv): "xác nhận cư trú", "CT07", "mất thẻ ABTC".
    ("xin giay xac nhan cu tru ct07 mat may ngay", "1.010041"),
    ("bi mat the ABTC bao cong an huyen thi phai bao trong bao lau", "1.011727"),
])
def test_procedure_named_amid_a_situation_is_found(index, question, code):
    best, confident = _best(question, index)
    assert best.procedure.code == code and confident


@pytest.mark.parametrize("question", [
    "đăng ký biển số xe đẹp đấu giá thế nào",         # the head said, but no clear lead
    "xin tro cap that nghiep can giay to gi",           # only a qualifier of a name said
    "làm giấy khám sức khỏe đi làm ở đâu",             # generic words only
])
def test_out_of_catalogue_stays_out(index, question):
    assert answer_question(question, index).abstained


def test_head_of_a_name_listing_actions():
    from assistant.procedure_matching import name_head

    assert name_head("Tích hợp, cập nhật, điều chỉnh thông tin trên thẻ căn cước").strip() == \
        "điều chỉnh thông tin trên thẻ căn cước"
    assert name_head("Đăng ký, cấp biển số xe lần đầu thực hiện bằng dịch vụ công").strip() == "cấp biển số xe lần đầu"
    assert name_head("Chứng thực chữ ký trong các giấy tờ, văn bản (áp dụng)") == "Chứng thực chữ ký trong các giấy tờ"


def test_facet_asked_is_the_question_not_its_situation():
    # "tự trả tiền" tells what happened; the ask is the documents.
    assert detect_facets("kham benh bhyt tu tra tien roi xin thanh toan lai can giay to gi") == ["documents"]
    assert detect_facets("xin công nhận hòa giải viên cần hồ sơ gì") == ["documents"]
    assert detect_facets("muốn hoạt động lại thì làm đơn gì") == ["documents"]
    # Both asked: both kept.
    assert detect_facets("đăng ký kết hôn cần giấy tờ gì, lệ phí bao nhiêu") == ["documents", "fee"]


def test_long_name_is_compacted_and_the_answer_stays_concise(index):
    # A 190-character legal name; "cần hồ sơ gì" asks for the documents.
    answer = answer_question("xin giay phep lam du lich trong pham vi bao ve cong trinh thuy loi can ho so gi", index)
    assert not answer.abstained and "(mã 1.014850)" in answer.answer
    assert "Đơn đề nghị cấp giấy phép" in answer.answer
    assert len(answer.answer) <= MAX_ANSWER_CHARS
    assert answer.citations[0].title.endswith("phân cấp cho Chủ tịch UBND cấp xã")   # whole name cited


def test_case_groups_are_alternatives_the_fitting_case_listed_first(index):
    # 1.014371 lists its documents under "Trường hợp cấp mới …" and "Trường hợp thay đổi nội
    # dung …": a citizen is in one case, so one case is listed whole, not one line of each.
    answer = answer_question("dang ky quy ho tro phat trien hop tac xa can giay to gi", index).answer
    assert "Trường hợp cấp mới" in answer and "Danh sách thành viên góp vốn" in answer
    assert "Trường hợp thay đổi nội dung" not in answer
    changed = answer_question("thay doi noi dung dang ky quy ho tro phat trien hop tac xa can giay to gi", index).answer
    assert "Trường hợp thay đổi nội dung" in changed.split("\n")[1]


@pytest.mark.parametrize("question, code", [
    ("dang ky khai sinh khong co yeu to nuoc ngoai can gi", "1.001193"),
    ("khai tu khong luu dong thi mat bao lau", "1.000656"),
    ("người dịch không là cộng tác viên thì chứng thực chữ ký ở đâu", "2.001008"),
    ("chứng thực chữ ký người dịch là cộng tác viên của xã mất bao nhiêu tiền", "2.000992"),
])
def test_negated_qualifier_names_the_other_procedure(index, question, code):
    answer = answer_question(question, index)
    assert not answer.abstained and answer.citations[0].code == code


# --- meaning-based name matching (fuse_names) --------------------------------------------

_HEO = "ga vit bi dich phai tieu huy thi xin ho tro thiet hai lam don gi"


def _by_code(index: ProcedureIndex, code: str):
    return next(p for p in index.procedures if p.code == code)


def test_name_phrases_drop_level_and_thu_tuc_and_keep_the_head(index):
    phrases = name_phrases(_by_code(index, "1.013080"))
    assert phrases[0].startswith("Cấp lại chứng nhận đăng ký xe, biển số xe thực hiện")
    assert phrases[1] == "Cấp lại chứng nhận đăng ký xe"   # the head, as the lexical matcher cuts it
    assert name_phrases(_by_code(index, "1.000656")) == ("đăng ký khai tử",)
    assert "cấp xã" not in name_phrases(_by_code(index, "1.012566"))[0]


def test_fuse_names_takes_the_name_all_three_rankings_agree_on(index):
    ranked = rank_procedures(_HEO, index, k=8)
    best = ranked[0].procedure
    assert best.code == "1.013997" and is_confident(ranked[0], runner_up=runner_up(ranked))
    # by its lexical lead alone (`clearly_ahead`); without it, the name ranking must vouch
    lexical_only = dataclasses.replace(DEFAULT_POLICY, procedure_clear_lead=99.0)
    assert not is_confident(ranked[0], lexical_only, runner_up=runner_up(ranked))
    other = next(p for p in index.procedures if p.name != best.name)
    names = [(best, 0.881), (other, 0.864)]
    fused = fuse_names(ranked, names, [(best.document, 0.9)])
    assert fused is not None and fused[0].procedure is best


def test_fuse_names_declines_a_thin_lead_or_a_disagreeing_ranking(index):
    ranked = rank_procedures(_HEO, index, k=8)
    best = ranked[0].procedure
    other = next(p for p in index.procedures if p.name != best.name)
    # a thin name lead passes only with a clear lexical lead (this question's: 6.1)
    assert fuse_names(ranked, [(best, 0.881), (other, 0.875)], [(best.document, 0.9)]) is not None
    strict = dataclasses.replace(DEFAULT_POLICY, procedure_name_lexical_margin=10.0)
    assert fuse_names(ranked, [(best, 0.881), (other, 0.875)], [(best.document, 0.9)], strict) is None
    assert fuse_names(ranked, [(best, 0.881), (other, 0.864)], [(best.document, 0.9)], strict) is not None
    assert fuse_names(ranked, [(best, 0.881), (other, 0.864)], [(other.document, 0.9)]) is None
    assert fuse_names(ranked, [(other, 0.881), (best, 0.864)], [(best.document, 0.9)]) is None


# --- concise answers (≤ 600 characters, the asked document kept) ---------------------------

@pytest.mark.parametrize("facets", [["documents", "fee"], ["time", "fee"], ["documents", "time"],
                                    ["where", "fee"], ["legal", "documents"], ["fee"], []])
def test_every_record_answers_within_the_budget(index, facets):
    others = index.procedures[:2]       # the look-alike line at its longest
    for procedure in index.procedures:
        answer = answer_procedure(procedure, "cần giấy tờ gì", facets=facets, others=others)
        assert len(answer.answer) <= MAX_ANSWER_CHARS, (procedure.code, facets, len(answer.answer))


def test_the_asked_document_is_listed_and_the_rest_pointed_to(index):
    procedure = _by_code(index, "1.000656")       # đăng ký khai tử: 6+ documents
    question = "khai tử có cần giấy tờ chứng minh nơi cư trú cuối cùng của người chết không"
    answer = answer_procedure(procedure, question, facets=["documents"])
    assert "Giấy tờ chứng minh nơi cư trú cuối cùng của người chết" in answer.answer
    assert "giấy tờ khác theo từng trường hợp (đủ ở thẻ «Thủ tục»)" in answer.answer


# -- issue 12 (dev4): nested everyday names, colloquial facets (twins: above) --------------

def test_nested_lexicon_phrase_refining_the_longer_one_still_counts():
    from assistant.procedure_lexicon import matching_entries

    entries = load_lexicon()
    targets = {e.target for e in matching_entries("xin phep xay nha".split(), entries)}
    assert "cấp giấy phép xây dựng mới" in targets            # "xây nhà" refines "xin phép xây nhà"
    targets = {e.target for e in matching_entries("nhan con nuoi".split(), entries)}
    assert "đăng ký nhận cha mẹ con" not in targets            # "nhận con" is inside "nhận con nuôi"


def test_colloquial_result_and_applicants_asks():
    assert detect_facets("xac nhan thong tin cu tru xong thi nhan duoc giay gi")[0] == "result"
    assert detect_facets("cơ sở nào được ký hợp đồng khám chữa bệnh bảo hiểm y tế") == ["applicants"]


def test_the_longer_cue_wins_where_two_facets_overlap():
    # "nhận giấy gì" asks what paper one gets, not the documents "giấy gì" alone would ask
    assert detect_facets("đăng ký kết hôn xong được nhận giấy gì") == ["result"]
    assert detect_facets("dang ky xong thi lay giay gi ve") == ["result"]
    assert detect_facets("xin xác nhận cư trú thì cần tờ khai gì") == ["documents"]
    assert detect_facets("đăng ký tạm trú mất mấy ngày, có mất phí không") == ["time", "fee"]


def test_a_situation_told_around_a_fully_said_name_still_names_it(index):
    for question in ("ong noi moi mat, di khai tu o xa can giay gi",
                     "khai tử cho người nhà mới mất xong thì nhận được giấy gì"):
        ranked = rank_procedures(question, index, k=8)
        assert ranked[0].procedure.code == "1.000656" and not ranked[0].names_other
        assert is_confident(ranked[0], runner_up=runner_up(ranked)), question
    # a word no record uses, or a pair of words another name holds, names something else
    for question in ("xin giấy phép kinh doanh karaoke mất bao lâu",
                     "xin giay phep kinh doanh taxi mat may ngay"):
        ranked = rank_procedures(question, index, k=8)
        assert ranked[0].names_other
        assert answer_question(question, index).abstained, question


def test_results_list_what_the_citizen_receives_first(index):
    answer = answer_question("đăng ký hộ kinh doanh xong được cấp giấy gì", index)
    text = answer.answer
    assert "Kết quả:" in text and "☐" not in text
    assert text.index("Giấy chứng nhận đăng ký hộ kinh doanh") < text.index("Thông báo bằng văn bản nội dung cần sửa đổi")


def test_the_time_limit_the_citizen_must_keep_comes_from_the_conditions(index):
    answer = answer_question("xoa dang ky thuong tru thi trong bao lau phai di lam", index)
    assert "Trong thời hạn 07 ngày kể từ ngày hộ gia đình có người thuộc diện xóa đăng ký thường trú" in answer.answer
    assert answer.citations[0].section.endswith("Yêu cầu, điều kiện")
    # the office's processing time alone when the question does not ask the citizen's limit
    plain = answer_question("xoa dang ky thuong tru mat bao lau", index)
    assert "Thời gian giải quyết" in plain.answer and "Trong thời hạn 07 ngày" not in plain.answer


def test_may_i_questions_get_the_conditions_and_who_may_apply(index):
    answer = answer_question("Bà tôi viết giấy ủy quyền cho tôi nhận hộ lương hưu, có chứng thực chữ ký "
                             "trên giấy đó ở xã được không?", index)
    assert "(mã 2.000884)" in answer.answer
    # the clause of a long conditions field that holds the question's words, not its opening only
    assert "ủy quyền nhận hộ lương hưu" in answer.answer and "Đối tượng thực hiện:" in answer.answer
    assert len(answer.answer) <= MAX_ANSWER_CHARS


def test_a_long_steps_field_starts_with_its_first_step(index):
    answer = answer_question("mất căn cước thì các bước làm lại ra sao", index)
    assert "Trình tự thực hiện: Bước 1: Công dân đến Công an cấp xã" in answer.answer


def test_when_must_i_quotes_the_time_limit_clause_with_its_exception(index):
    answer = answer_question("khach den o nha toi luc 11h dem thi khi nao phai bao luu tru", index)
    assert "trước 23 giờ của ngày bắt đầu lưu trú" in answer.answer
    assert "trước 08 giờ ngày hôm sau" in answer.answer


def test_who_decides_names_the_competent_authority(index):
    answer = answer_question("ho tro lai suat vay von trong rung go lon cho ho gia dinh thi ai quyet dinh", index)
    assert "(mã 1.012531)" in answer.answer and "Chủ tịch ủy ban nhân dân cấp tỉnh" in answer.answer
    # a record without an agency says so, and gives the level it is done at
    missing = answer_question("đăng ký khai sinh do cơ quan nào giải quyết", index)
    assert missing.abstained and "Cấp thực hiện: Cấp xã" in missing.answer


def test_an_opening_word_is_an_action_only_as_the_names_use_it(index):
    # "công" of "công ty", "giải quyết" of "cơ quan nào giải quyết" are no other action
    assert {"cap", "cong_nhan", "ho_tro", "dang_ky"} <= index.actions
    assert "cong" not in index.actions and "ho" not in index.actions
    ranked = rank_procedures("da duoc giao khu vuc bien nuoi ca long roi, gio muon sua doi quyet dinh giao bien "
                             "thi co quan nao giai quyet", index, k=8)
    assert ranked[0].procedure.code == "3.000442" and not ranked[0].action_conflict


def test_besides_what_the_citizen_has_lists_the_other_documents_first(index):
    record = next(p for p in index.procedures if p.code == "2.001627")
    named = answer_procedure(record, "ho so tham dinh quy trinh van hanh can du thao quy trinh van hanh cong trinh va giay to gi")
    besides = answer_procedure(record, "ngoai du thao quy trinh van hanh cong trinh thi con can giay to gi")
    # a document the question names is listed; "ngoài … còn": the others are listed, the last
    # of the record's five too (one copy each: said once in the heading, which makes room)
    assert "☐ Dự thảo quy trình vận hành" in named.answer
    assert "☐ Văn bản góp ý" in besides.answer and "☐ Bản đồ hiện trạng công trình thủy lợi" in besides.answer
    assert "Phải nộp (mỗi loại 1 bản chính):" in besides.answer


def test_a_bare_giay_to_names_the_object_unless_it_is_the_ask():
    assert detect_facets("chung thuc chu ky tren giay to o ubnd xa thi bao lau lay duoc") == ["time"]
    assert detect_facets("đăng ký tạm trú cần giấy tờ và mất mấy ngày") == ["documents", "time"]
    assert detect_facets("lam giay khai sinh can giay to gi") == ["documents"]


def test_can_i_do_it_online_adds_what_the_conditions_say_of_the_channel(index):
    answer = answer_question("xe may cua toi bien 4 so doi cu bi mat giay dang ky, lam cap lai online toan trinh "
                             "tren dich vu cong duoc khong", index)
    assert "(mã 1.013080)" in answer.answer and "Hình thức nộp: Trực tuyến." in answer.answer
    assert "trừ trường hợp xe đã đăng ký biển 3 số hoặc biển 4 số" in answer.answer
    # a record whose conditions say nothing of the channel: where only
    plain = answer_question("đăng ký khai sinh nộp online được không", index)
    assert "Yêu cầu, điều kiện" not in plain.answer


def test_a_checklist_item_keeps_what_tells_it_apart(index):
    # "Thông báo về việc hoàn thành nghĩa vụ nộp tiền trồng rừng thay thế …": cut at 65
    # characters it lost "thay thế"
    answer = answer_question("ca nhan xin chuyen muc dich su dung rung sang muc dich khac thi ho so can nhung giay gi", index)
    assert "(mã 1.012694)" in answer.answer and "nộp tiền trồng rừng thay thế" in answer.answer
    assert len(answer.answer) <= MAX_ANSWER_CHARS


def test_a_dominant_lexical_best_is_named_when_the_nearest_name_agrees(index):
    # "chặt hạ" left out: a third of the head said, but twice the next name's score
    question = "Xin giấy phép dịch chuyển cây xanh đô thị có phải đóng lệ phí không, bao nhiêu tiền?"
    ranked = rank_procedures(question, index, k=8)
    best = ranked[0].procedure
    assert best.code == "1.002693" and is_confident(ranked[0], runner_up=runner_up(ranked))
    # so far ahead that the lexical ranking names it alone; without that rule the name ranking decides
    lexical_only = dataclasses.replace(DEFAULT_POLICY, procedure_clear_lead=99.0)
    assert not is_confident(ranked[0], lexical_only, runner_up=runner_up(ranked))
    other = next(p for p in index.procedures if p.name != best.name)
    # the name margin is thin (0.005) and the nearest record is another one: the lead decides
    assert fuse_names(ranked, [(best, 0.890), (other, 0.885)], [(best.document, 0.897)]) is not None
    assert fuse_names(ranked, [(other, 0.890), (best, 0.885)], [(best.document, 0.897)]) is None
    weaker = dataclasses.replace(DEFAULT_POLICY, procedure_dominant_ratio=5.0)
    assert fuse_names(ranked, [(best, 0.890), (other, 0.885)], [(other.document, 0.897)], weaker) is None


def test_a_time_the_record_gives_only_in_its_description_is_an_answer(index):
    answer = answer_question("xác nhận nguồn gốc loài thủy sản quý hiếm khai thác ngoài tự nhiên mất bao lâu", index)
    assert not answer.abstained and "05 ngày làm việc" in answer.answer
    assert "không ghi thời gian" in answer.answer          # and says the time cell is empty


def test_a_time_the_record_gives_only_in_its_steps_is_quoted_with_its_figure(index):
    # 1.001612: every time cell is "Không có thông tin"; a step says "trong thời hạn 03 ngày làm
    # việc kể từ ngày nhận hồ sơ", past the first 200 characters of its sentence
    answer = answer_question("đăng ký hộ kinh doanh mất mấy ngày", index)
    assert not answer.abstained and "Trình tự thực hiện ghi" in answer.answer
    assert "03 ngày làm việc" in answer.answer and "không ghi thời gian" in answer.answer


def test_a_vouched_name_that_leads_far_is_named_whatever_story_surrounds_it(index):
    # "khách du lịch", "vài đêm", "công an xã": words that name nothing of the catalogue's
    # names, around "báo lưu trú" (an everyday name of Thông báo lưu trú)
    question = "khach du lich thue phong nha toi vai dem, bao luu tru voi cong an xa the nao?"
    ranked = rank_procedures(question, index, k=8)
    assert ranked[0].procedure.code == "2.001159" and ranked[0].vouched and ranked[0].names_other
    assert is_confident(ranked[0], runner_up=runner_up(ranked))
    without = dataclasses.replace(DEFAULT_POLICY, procedure_vouched_margin=99.0, procedure_clear_lead=99.0)
    assert not is_confident(ranked[0], without, runner_up=runner_up(ranked))


def test_an_everyday_name_narrowed_by_a_word_no_record_uses_is_not_that_procedure(index):
    ranked = rank_procedures("xin giấy phép kinh doanh karaoke mất bao lâu", index, k=8)
    assert ranked[0].procedure.code == "1.001612" and ranked[0].vouched and ranked[0].narrowed
    assert not is_confident(ranked[0], runner_up=runner_up(ranked))
    plain = rank_procedures("xin giấy phép kinh doanh mất bao lâu", index, k=8)
    assert not plain[0].narrowed and is_confident(plain[0], runner_up=runner_up(plain))


def test_a_question_no_facet_names_gets_the_clause_that_says_its_words(index):
    answer = answer_question("Đi đăng ký kết hôn thì cả hai vợ chồng có phải cùng có mặt không, "
                             "hay một người đi cũng được?", index)
    assert "hai bên nam, nữ phải có mặt" in answer.answer and "Trình tự thực hiện" in answer.answer
    assert answer.citations[0].section.endswith("Trình tự thực hiện")
    who = answer_question("Đăng ký khai thác nước dưới đất thì ai xác nhận?", index)
    assert "Chủ tịch Ủy ban nhân dân xã xác nhận" in who.answer


def test_the_citizens_time_limit_may_sit_in_the_steps(index):
    answer = answer_question("Hợp tác xã chúng tôi vừa bầu giám đốc mới làm người đại diện theo pháp luật, phải "
                             "đăng ký thay đổi nội dung đăng ký hợp tác xã trong thời hạn bao lâu?", index)
    assert "10 ngày kể từ ngày có thay đổi" in answer.answer and "(Trình tự thực hiện)" in answer.answer


@pytest.mark.parametrize("question, code", [
    ("so do ghi sai nam sinh muon dinh chinh thi lam sao", "1.012796"),
    ("xin giay phep no min gan kenh thuy loi", "1.014852"),
])
def test_everyday_names_of_the_records_reach_them(index, question, code):
    assert rank_procedures(question, index)[0].procedure.code == code


def test_a_long_fee_note_keeps_the_amount_it_states():
    # 2.001827's fee cell reads "700 VNĐ"; its note ends "…: 700.000 đồng/cơ sở."
    record = parse_procedure_file(REPO / "data" / "procedures" / "2.001827.json").procedures[0]
    answer = answer_procedure(record, "phí thẩm định hết bao nhiêu")
    assert "700.000 đồng/cơ sở" in answer.answer and len(answer.answer) <= MAX_ANSWER_CHARS


def test_a_verb_said_as_what_one_gets_is_not_another_action(index):
    # "bao lâu có quyết định": "quyết định" opens names ("Quyết định xác lập …") but here is the result
    ranked = rank_procedures("Nhà tôi đã được giao đất có rừng từ lâu, giờ làm đơn xin xã giao rừng luôn "
                             "thì bao lâu có quyết định?", index)
    assert ranked[0].procedure.code == "1.014832" and not ranked[0].action_conflict
    assert _results_said(["bao", "lau", "co", "quyet", "dinh"]) == {"quyet", "quyet_dinh"}
    assert _results_said(["xin", "quyet", "dinh", "giao", "rung"]) == frozenset()


def test_twins_under_one_head_are_one_for_matching_and_a_tied_twin_is_named(index):
    # "Đăng ký xe tạm thời …" toàn trình / một phần hoặc trực tiếp: no runner-up to each other
    question = "mua xe moi can chay tam ve que, len cong an lam dang ky xe tam thoi truc tiep thi mat bao lau"
    ranked = rank_procedures(question, index, k=8)
    assert {ranked[0].procedure.code, ranked[1].procedure.code} == {"1.013083", "1.013086"}
    second = runner_up(ranked)
    assert second is None or second.procedure.code not in {"1.013083", "1.013086"}
    answer = answer_question(question, index)
    assert not answer.abstained and "Thủ tục gần giống" in answer.answer
    assert {"1.013083", "1.013086"} <= {answer.citations[0].code} | set(
        code for code in ("1.013083", "1.013086") if f"({code})" in answer.answer)


@pytest.mark.parametrize("question", [
    "chong toi nghien nang, gia dinh muon lam ho so dua vao co so cai nghien bat buoc thi lam sao",
    "toi o xa giap bien gioi Viet Nam - Lao, muon lam giay thong hanh bien gioi sang Lao thi can giay to gi",
    "Ruộng lúa nhà tôi bị bão làm mất trắng, xin hỗ trợ thiệt hại do thiên tai thì làm thủ tục gì?",
])
def test_a_case_the_name_excludes_is_not_that_procedure(index, question):
    assert answer_question(question, index).abstained


def test_contrasts_leave_the_case_the_name_says_and_compounds_alone(index):
    assert not answer_question("dang ky cai nghien ma tuy tu nguyen tai nha can giay to gi", index).abstained
    ranked = rank_procedures("cấp giấy thông hành vùng biên giới Việt Nam Trung Quốc cho người lao động", index)
    assert ranked[0].procedure.code in {"1.003133", "1.014364"}         # "lao động" is no Lào
    contrasts = tuple(parse_contrasts("# x\ntự nguyện ; bắt buộc\n"))
    assert contrasts == ((("tu", "nguyen"), ("bat", "buoc")),)
    name = ("dang", "ky", "cai", "nghien", "ma", "tuy", "tu", "nguyen")
    assert contradicted(frozenset({("bat", "buoc")}), name, contrasts)
    assert not contradicted(frozenset({("tu", "nguyen")}), name, contrasts)
    assert not contradicted(frozenset({("bat", "buoc")}), ("dang", "ky", "khai", "sinh"), contrasts)


def test_besides_what_one_has_and_look_alikes_go_before_checklist_items(index):
    record = parse_procedure_file(REPO / "data" / "procedures" / "1.014852.json").procedures[0]
    answer = answer_procedure(record, "Công ty tôi cần nổ mìn để thi công gần kênh thủy lợi, xin giấy phép nổ mìn "
                                      "trong phạm vi bảo vệ công trình thủy lợi thì ngoài đơn đề nghị phải kèm giấy gì?")
    assert "Bản sao giấy phép dịch vụ nổ mìn" in answer.answer and "☐ Đơn đề nghị" not in answer.answer
    # a tied twin exists (1.014864), but naming it would push a document out of the checklist
    renewal = answer_question("Tôi nuôi cá lồng trong phạm vi bảo vệ hồ thủy lợi, giấy phép sắp hết hạn, "
                              "xin gia hạn giấy phép thì cần nộp những gì?", index)
    assert "Báo cáo tình hình thực hiện giấy phép" in renewal.answer
    assert len(renewal.answer) <= MAX_ANSWER_CHARS


def test_a_situation_in_the_words_of_a_records_text_names_that_record(index):
    # the record's own text (its cases, conditions) holds "không có hợp đồng lao động"; its name
    # says only "nhà ở xã hội": BM25 over the facet chunks ranks it first by a clear margin
    question = "tôi làm tự do, không có hợp đồng lao động, muốn mua nhà ở xã hội thì xin xác nhận ở đâu"
    ranked = rank_procedures(question, index, k=8)
    document = next(m.procedure.document for m in ranked[:2] if m.procedure.code == "1.014632")
    dense = [(document, 0.88), ("1.001601.json", 0.87)]
    chosen = fuse_text(ranked, [(document, 42.0), ("1.001601.json", 20.0)], dense)
    assert chosen is not None and chosen[0].procedure.code == "1.014632"
    # a text ranking that does not lead clearly, or that the dense ranking does not hold, names nothing
    assert fuse_text(ranked, [(document, 42.0), ("1.001601.json", 40.0)], dense) is None
    assert fuse_text(ranked, [(document, 42.0)], [("1.001601.json", 0.9)] * 3 + dense) is None


def test_the_citizens_own_action_word_does_not_bar_a_record_all_rankings_agree_on(index):
    # "đăng ký hỗ trợ phí bảo hiểm nông nghiệp": the record is "Phê duyệt đối tượng được hỗ trợ …"
    question = "dang ky ho tro phi bao hiem nong nghiep cho ruong lua co nop online duoc khong hay phai len xa"
    ranked = rank_procedures(question, index, k=8)
    assert ranked[0].procedure.code == "1.005412" and ranked[0].action_conflict
    document = ranked[0].procedure.document
    chosen = fuse_text(ranked, [(document, 41.2), ("1.010091.json", 14.5)], [(document, 0.906)])
    assert chosen is not None and chosen[0].procedure.code == "1.005412"


def test_a_record_whose_action_the_question_leaves_unsaid_is_not_rescued_by_its_text(index):
    # "Ủy quyền lĩnh thay … trợ cấp thất nghiệp": the question asks for the benefit, not a proxy
    ranked = rank_procedures("xin tro cap that nghiep can giay to gi", index, k=8)
    assert ranked[0].procedure.code == "1.001601" and ranked[0].coverage == 0.0
    document = ranked[0].procedure.document
    assert fuse_text(ranked, [(document, 31.0), ("1.002759.json", 17.6)], [(document, 0.88)]) is None


def test_a_record_the_name_embedding_and_the_record_text_both_put_first_is_taken(index):
    # "chồng đi chữa cháy bị tử vong … xin tiền tuất": the name ranking puts "Trợ cấp tiền tuất, tai
    # nạn …" (1.010092) first and the fire-fighters' record (3.000510) second, unsure of either
    question = "chong toi di chua chay bi tu vong, chua co bhxh, gia dinh xin tien tuat can nop gi"
    ranked = rank_procedures(question, index, k=8)
    assert [m.procedure.code for m in ranked[:2]] == ["1.010092", "3.000510"]
    assert not is_confident(ranked[0], runner_up=runner_up(ranked))
    wanted = next(m.procedure for m in ranked if m.procedure.code == "3.000510")
    other = next(m.procedure for m in ranked if m.procedure.code == "1.010092")
    chosen = fuse_agreement(ranked, [(wanted, 0.88), (other, 0.874)], [(wanted.document, 37.2), (other.document, 34.9)])
    assert chosen is not None and chosen[0].procedure.code == "3.000510" and len(chosen) == len(ranked)
    # the two channels disagreeing, or agreeing on a record the name ranking holds only further
    # down, name nothing
    assert fuse_agreement(ranked, [(wanted, 0.88)], [(other.document, 37.2)]) is None
    far = ranked[4].procedure
    assert fuse_agreement(ranked, [(far, 0.9)], [(far.document, 40.0)]) is None


def test_a_file_asked_with_its_purpose_between_its_halves_asks_the_documents():
    assert detect_facets("muon trong cay an trai lau nam sat kenh thuy loi thi ho so xin phep gom gi") == ["documents"]
    assert detect_facets("hồ sơ đăng ký kết hôn gồm những gì") == ["documents"]
    assert detect_facets("ho so xin cap phep mat bao lau") == ["time"]


def test_a_record_with_one_document_row_shows_all_the_papers_that_row_lists(index):
    # 3.000510 lists one row: "Đơn đề nghị … (Mẫu số PC22 …); giấy chứng tử hoặc trích lục khai tử."
    procedure = next(p for p in index.procedures if p.code == "3.000510")
    assert len(procedure.documents) == 1
    answer = answer_procedure(procedure, "gia dinh xin tien tuat can nop gi")
    assert "PC22" in answer.answer and "trích lục khai tử" in answer.answer
    assert len(answer.answer) <= DEFAULT_POLICY.procedure_answer_chars


def test_words_that_only_look_like_an_ask_do_not_pick_the_facet():
    # "tiền" in "phương tiện" is no fee; a channel told before the ask is the situation
    assert detect_facets("xe ô tô là phương tiện đi lại của gia đình, đăng ký lại thì cần giấy tờ gì") == ["documents"]
    assert detect_facets("gửi qua bưu điện thì mất mấy ngày") == ["time"]
    assert detect_facets("nộp online được không") == ["where"]
    # "ai viết tờ khai": who does a step, not which documents
    assert detect_facets("mẹ cháu không biết chữ thì ai viết tờ khai giúp") == []


def test_a_cue_the_procedure_name_says_is_the_name_not_the_ask(index):
    procedure = next(p for p in index.procedures if p.code == "2.001827")   # "... cơ sở đủ điều kiện an toàn thực phẩm ..."
    answer = answer_procedure(procedure, "cơ sở làm bánh của tôi xin giấy chứng nhận đủ điều kiện an toàn "
                                         "thực phẩm thì phí thẩm định bao nhiêu")
    assert "Phí, lệ phí:" in answer.answer and "Yêu cầu, điều kiện" not in answer.answer
    assert "700.000 đồng/cơ sở" in answer.answer


def test_who_or_where_asks_also_quote_the_clause_of_the_case_told(index):
    where = answer_question("sinh viên làm mất thẻ bảo hiểm y tế, xin cấp lại thì nộp hồ sơ ở đâu", index)
    assert "(mã 1.002759)" in where.answer and "Hình thức nộp:" in where.answer
    assert "Học sinh, sinh viên đóng BHYT: Nộp hồ sơ cho Cơ sở giáo dục" in where.answer
    assert len(where.answer) <= MAX_ANSWER_CHARS
    who = answer_question("làm khai sinh lưu động mà mẹ cháu không biết chữ thì ai ghi tờ khai", index)
    assert "công chức tư pháp - hộ tịch trực tiếp ghi Tờ khai" in who.answer
    assert "Phải nộp" not in who.answer


def test_where_to_submit_gives_the_records_reception_address(index):
    procedure = _by_code(index, "3.000322")       # no implementing agency, a reception address
    answer = answer_procedure(procedure, "nộp hồ sơ ở đâu")
    assert "Nơi tiếp nhận hồ sơ: Uỷ ban nhân dân cấp xã nơi đã đăng ký giám sát việc giám hộ" in answer.answer


def test_a_name_fitting_far_better_than_any_other_is_named_whatever_story_surrounds_it(index):
    # The story ("đất của bố mẹ", "chưa từng được cấp sổ") says words other names hold too, but
    # none of them comes near the name the question says ("sổ đỏ lần đầu").
    _named_only_under_the_policy("Đất của bố mẹ tôi chưa từng được cấp sổ, giờ làm sổ đỏ lần đầu cần giấy tờ gì?",
                                 "1.013978", index, procedure_clear_lead=99.0)


def _named_only_under_the_policy(question: str, code: str, index, **stricter) -> None:
    """`question` confidently names `code`, and would not under the `stricter` policy."""
    ranked = rank_procedures(question, index, k=8)
    assert ranked[0].procedure.code == code
    assert is_confident(ranked[0], runner_up=runner_up(ranked))
    assert not is_confident(ranked[0], dataclasses.replace(DEFAULT_POLICY, **stricter), runner_up=runner_up(ranked))


@pytest.mark.parametrize("question", ["lam vneid muc 2 o dau", "đăng ký VNeID mức 2 có mất phí không"])
def test_an_everyday_name_holding_a_channel_word_is_read(index, question):
    # "vneid" is also a way of submitting (a facet cue), cut before names are matched; the
    # everyday name "vneid mức 2" is read on the question as typed.
    ranked = rank_procedures(question, index, k=8)
    assert ranked[0].procedure.code == "3.000228" and ranked[0].vouched
    assert is_confident(ranked[0], runner_up=runner_up(ranked))


def test_whose_thing_it_is_does_not_break_an_everyday_name(index):
    from assistant.procedure_lexicon import matching_entries

    # "sổ đỏ ghi sai" (data/lexicon/procedures.tsv) said with "của mình" inside it
    question = "Sổ đỏ của mình ghi sai diện tích thì sửa ở đâu?"
    from ingest.vntext import tokens
    said = [e.phrase for e in matching_entries(tokens(question), index.lexicon)]
    assert "sổ đỏ ghi sai" in said
    assert rank_procedures(question, index)[0].procedure.code == "1.012796"
    # an owner word that is the phrase's own stays needed: nothing is matched across other words
    assert "sổ đỏ ghi sai" not in [e.phrase for e in matching_entries(tokens("Sổ đỏ mới ghi sai"), index.lexicon)]


def test_telex_leftovers_are_read_against_the_records_words_but_foreign_words_stay(index):
    from assistant.procedure_matching import _telex_read
    from assistant.spelling import telex_readings

    assert _telex_read("daau", index) == "dau" and _telex_read("khai", index) == "khai"
    assert "tai" in telex_readings("taxi") and "tai" not in telex_readings("taxi", inside_tones=False)
    assert _telex_read("taxi", index) == "taxi"
    ranked = rank_procedures("lam so do lan daau cho dat cua ong ba mat bao lau", index, k=8)
    assert ranked[0].procedure.code == "1.013978" and is_confident(ranked[0], runner_up=runner_up(ranked))


def test_how_to_pay_asks_the_steps_not_the_amount():
    assert detect_facets("nop don khoi kien online roi thi dong tien tam ung an phi kieu gi") == ["steps"]
    assert detect_facets("dang ky tam tru nop le phi bang cach nao") == ["steps"]
    assert detect_facets("dang ky tam tru nop le phi bao nhieu") == ["fee"]


def test_a_one_letter_slip_is_read_as_the_records_word_that_makes_a_names_pair(index):
    from assistant.procedure_matching import _read_slips

    # "nhn" between "xac" and "cu": the "xác nhận" of "Xác nhận thông tin về cư trú"
    ranked = rank_procedures("con toi can giay xac nhn cu tru de nop cho truong thi xin o dau", index, k=8)
    assert ranked[0].procedure.code == "1.010041" and is_confident(ranked[0], runner_up=runner_up(ranked))
    assert _read_slips(["dang", "ky", "khai", "sihn"], index)[-1] == "sinh"
    # "đăng kí": the records write "ký" after "đăng"
    assert _read_slips(["dang", "ki", "thuong", "tru"], index)[1] == "ky"
    assert rank_procedures("dang ki thuong tru mat bao lau", index)[0].procedure.code == "1.004222"
    # words the records lack stay as typed: a dropped letter is no slip, nor an everyday word
    assert _read_slips(["kinh", "doanh", "taxi"], index)[-1] == "taxi"
    assert _read_slips(["nuoc", "mam", "cha", "ca"], index)[1] == "mam"
    assert _read_slips(["mo", "tiem"], index)[1] == "tiem"


def test_a_question_word_that_folds_like_a_names_word_names_it_beside_its_pair(index):
    from assistant.procedure_matching import naming_tokens, question_content

    words = question_content(naming_tokens("Đổi thẻ căn cước gắn chip bây giờ hết bao nhiêu tiền vậy?"), index)
    assert words[:4] == ["doi", "the", "can", "cuoc"] and "bay" not in words
    assert "can" not in question_content(naming_tokens("lam khai sinh can giay gi"), index)
    ranked = rank_procedures("Đổi thẻ căn cươc gắn chíp bây giờ hết bao nhiu tiền vậy?", index, k=8)
    assert ranked[0].procedure.code == "1.014063" and is_confident(ranked[0], runner_up=runner_up(ranked))


@pytest.mark.parametrize("question, code", [
    # a spouse's nationality is the foreign element of the name
    ("vợ tôi là người Trung Quốc, đăng ký kết hôn cần giấy tờ gì", "2.000806"),
    ("chong toi nguoi nhat ban, dang ky ket hon o xa duoc khong", "2.000806"),
    # "lấn đất", "xin hòa giải": how a neighbour's dispute is told
    ("hang xom lan dat nha toi, xin hoa giai thi mat bao lau", "1.012812"),
    ("mang so ho khau di photo chung thuc het bao nhieu tien", "2.000815"),
])
def test_situations_told_in_everyday_words_reach_their_procedure(index, question, code):
    ranked = rank_procedures(question, index, k=8)
    assert ranked[0].procedure.code == code and is_confident(ranked[0], runner_up=runner_up(ranked))


def _procedure(index: ProcedureIndex, code: str):
    return next(p for p in index.procedures if p.code == code)


def test_where_asked_quotes_the_step_that_says_where_the_file_goes(index):
    cooperative = _procedure(index, "2.002228")
    answer = answer_procedure(cooperative, "Tổ hợp tác làm gạch của thôn không làm nữa thì nộp thông báo ngừng hoạt động ở đâu?")
    assert "đến Ủy ban nhân dân cấp xã, nơi tổ hợp tác thành lập" in answer.answer
    assert "đến Ủy ban nhân dân cấp xã" in answer.citations[0].text      # cited, not only shown
    pension = _procedure(index, "2.000809")
    answer = answer_procedure(pension, "bo toi ra tu roi, muon lanh luong huu tiep thi nop ho so o dau?")
    assert "cơ quan BHXH nơi chi trả lương hưu" in answer.answer and len(answer.answer) <= MAX_ANSWER_CHARS
    # a channel question is answered by the channels alone
    assert "Trình tự thực hiện ghi" not in answer_procedure(cooperative, "nộp online được không").answer


def test_a_shortened_time_limit_keeps_the_date(index):
    land = _procedure(index, "1.115148")
    answer = answer_procedure(land, "nha toi muon de nghi tinh lai tien su dung dat theo nghi dinh 50/2026, "
                                    "han chot nop van ban la khi nao?")
    assert "trước ngày 01 tháng 01 năm 2027" in answer.answer and len(answer.answer) <= MAX_ANSWER_CHARS
    emissions = _procedure(index, "1.013040")
    answer = answer_procedure(emissions, "cong ty em xa khi thai thuoc dien phai quan trac, han nop to khai phi la ngay nao")
    assert "ngày 20 của tháng đầu tiên của quý tiếp theo" in answer.answer


def test_what_one_receives_asked_as_nhung_gi_is_the_result():
    assert detect_facets("làm hồ sơ lĩnh lại lương hưu thì sẽ nhận được những gì?") == ["result"]
    assert detect_facets("lam ho so can nhung gi") == ["documents"]


def test_colloquial_asks_of_result_agency_and_way():
    assert detect_facets("lam khai sinh ket hop nhan cha cho con thi xa tra cho minh nhung giay gi?") == ["result"]
    assert detect_facets("ai la nguoi ky quyet dinh chuyen muc dich su dung rung?") == ["agency"]
    assert detect_facets("tu tra tien kham roi, lam ho so xong thi nhan tien bang cach nao?") == ["steps"]
    # "có được … không" with a bare "tiền" of the situation asks whether one may, not the fee
    reimbursement = "Thanh toán trực tiếp chi phí khám, chữa bệnh BHYT"
    assert detect_facets("đi khám tự trả tiền thì có được làm thủ tục thanh toán trực tiếp chi phí không?",
                         reimbursement) == []
    assert detect_facets("dang ky tam tru co duoc mien tien khong") == ["fee"]


def test_fee_note_keeps_the_exemption_the_question_is_about_and_else_the_amount(index):
    remarriage = _procedure(index, "1.004746")
    answer = answer_procedure(remarriage, "Nhà tôi thuộc hộ nghèo, bố mẹ đi đăng ký lại kết hôn thì có phải đóng lệ phí không?")
    assert "người thuộc hộ nghèo" in answer.answer
    food = _procedure(index, "2.001827")
    answer = answer_procedure(food, "cơ sở làm nước mắm xin giấy chứng nhận an toàn thực phẩm thì phí thẩm định hết bao nhiêu?")
    assert "700.000 đồng" in answer.answer


def test_a_foreign_spouse_named_by_nationality_is_the_foreign_element(index):
    answer = answer_question("Em sắp lấy chồng Hàn Quốc, đăng ký kết hôn ở VN thì bên anh ấy phải nộp những giấy tờ gì?", index)
    assert "(mã 2.000806)" in answer.answer


def test_an_application_told_as_the_situation_is_not_a_documents_ask(index):
    assert detect_facets("làm đơn báo mất ở công an xã thì có phải đóng lệ phí không?") == ["fee"]
    abtc = _procedure(index, "1.011728")        # its fee cells say "Không có thông tin"
    answer = answer_procedure(abtc, "Tôi bị mất thẻ ABTC, làm đơn báo mất ở công an xã thì có phải đóng lệ phí không?")
    assert answer.abstained and "không ghi lệ phí" in answer.answer


def test_the_step_saying_where_names_the_person_it_goes_to_once(index):
    poor = _procedure(index, "1.011606")
    answer = answer_procedure(poor, "nhà tôi muốn xin vào diện hộ cận nghèo thì nộp giấy đề nghị cho ai, gửi bưu điện được không?")
    assert "gửi qua đường bưu điện đến Chủ tịch Ủy ban nhân dân cấp xã" in answer.answer
    assert "Hồ sơ ghi" not in answer.answer        # the companion clause would say it twice


def test_a_pair_of_generic_document_words_names_no_document(index):
    death = _procedure(index, "1.005461")
    answer = answer_procedure(death, "ong ba toi mat tu nam 1990, giay chung tu ngay xua bi mat roi, gio muon dang ky "
                                     "lai khai tu thi phai nop nhung gi?")
    assert "Trường hợp giấy tờ tùy thân" not in answer.answer and "Bản sao Giấy chứng tử" in answer.answer
    # nor does a pair across a comma ("… là ông, bà, cha, mẹ …" of the power of attorney)
    assert "Văn bản ủy quyền" not in answer.answer and "Tờ khai đăng ký lại khai tử" in answer.answer


def test_checklist_names_what_is_filed_and_says_each_heading_once(index):
    marriage = _procedure(index, "2.000806")
    text = answer_procedure(marriage, "Em sắp lấy chồng Hàn Quốc, đăng ký kết hôn ở VN thì bên anh ấy phải nộp những giấy tờ gì?").answer
    # "Người nước ngoài … phải nộp bản sao hộ chiếu/…": the item is the document filed
    assert "☐ bản sao hộ chiếu" in text
    assert "Giấy tờ chứng minh tình trạng hôn nhân của người nước ngoài" in text
    assert text.count("Phải nộp") == 1 and len(text) <= MAX_ANSWER_CHARS
    abroad = _procedure(index, "2.002189")
    text = answer_procedure(abroad, "vo chong toi dang ky ket hon ben Han Quoc roi, gio ve Viet Nam muon ghi chu "
                                    "ket hon vao so ho tich thi can nop giay gi").answer
    # "đăng ký" is in most of its documents: it names none, so the filed ones lead
    assert "Bản sao giấy tờ chứng nhận việc kết hôn" in text


def test_a_step_asked_of_a_long_procedure_is_quoted_before_its_opening(index):
    household = _procedure(index, "1.011609")
    answer = answer_procedure(household, "xin cong nhan ho lam nong nghiep co muc song trung binh thi xa lam "
                                         "nhung buoc nao, co niem yet cong khai khong?")
    assert "Niêm yết, thông báo công khai kết quả tại trụ sở xã trong thời gian 05 ngày làm việc" in answer.answer
    assert len(answer.answer) <= MAX_ANSWER_CHARS


def test_may_i_with_an_alternative_and_a_citizen_going_to_the_office(index):
    chain = _procedure(index, "1.014736")
    answer = answer_procedure(chain, "Hộ kinh doanh như tôi có được đứng ra đề nghị dự án liên kết theo chuỗi giá trị "
                                     "không, hay chỉ doanh nghiệp mới được?")
    assert "Đối tượng thực hiện: Doanh nghiệp, Hợp tác xã" in answer.answer
    card = _procedure(index, "1.014063")
    answer = answer_procedure(card, "đổi thẻ căn cước có bắt buộc về công an xã nơi thường trú không hay làm ở đâu cũng được?")
    assert "không phụ thuộc vào nơi cư trú" in answer.answer


def test_who_does_a_step_is_the_clause_saying_its_verb(index):
    fee = _procedure(index, "2.002080")
    answer = answer_procedure(fee, "ho so xin tien thu lao cho hoa giai vien thi ai dung ra lap?")
    assert "Tổ trưởng tổ hòa giải lập hồ sơ đề nghị thanh toán thù lao" in answer.answer


def test_the_application_form_is_listed_whatever_its_place_in_the_record(index):
    # 1.013226 lists 23 documents; its "Đơn đề nghị điều chỉnh …" comes 21st
    answer = answer_question("nha toi muon thay doi thiet ke, xin dieu chinh giay phep xay dung thi phai nop nhung giay gi",
                             index)
    assert answer.citations[0].code == "1.013226"
    assert "☐ Đơn đề nghị điều chỉnh, gia hạn, cấp lại giấy phép xây dựng" in answer.answer
    assert len(answer.answer) <= MAX_ANSWER_CHARS


def test_a_childs_age_is_read_against_the_age_a_name_admits(index):
    # "Cấp thẻ căn cước cho người dưới 14 tuổi": a child of 9 is under 14 ...
    child = rank_procedures("chau nha toi 9 tuoi, lam the can cuoc cho chau can gi", index)
    assert child[0].procedure.code == "1.014062"
    assert answer_question("chau nha toi 9 tuoi, lam the can cuoc cho chau can gi", index).citations[0].code == "1.014062"
    # ... a son of 20 is not
    grown = rank_procedures("con trai toi 20 tuoi muon lam the can cuoc", index, k=8)
    assert "1.014062" not in {m.procedure.code for m in grown}


def test_a_negated_word_said_again_unnegated_still_names_the_procedure(index):
    # "không đi lĩnh lương hưu được" negates the first "lĩnh"; "tôi lĩnh thay" is still asked
    question = "ba toi nam vien khong di lanh luong huu duoc, toi lanh thay thi can giay uy quyen gi"
    answer = answer_question(question, index)
    assert not answer.abstained and answer.citations[0].code == "1.001601"


def test_a_company_is_not_a_household_business(index):
    # data/lexicon/contrasts.tsv: "hộ kinh doanh ; doanh nghiệp ; công ty"
    company = answer_question("mo cong ty co phan thi dang ky thanh lap doanh nghiep o dau", index)
    assert company.abstained
    shop = answer_question("muon mo ho kinh doanh ban tap hoa thi can giay to gi", index)
    assert not shop.abstained and shop.citations[0].code == "1.001612"


def test_the_online_rendition_of_the_form_gives_its_line_to_another_document(index):
    # 1.004873: "Mẫu điện tử tương tác cấp Giấy xác nhận …" beside the paper "Tờ khai cấp Giấy xác nhận …"
    procedure = _by_code(index, "1.004873")
    answer = answer_procedure(procedure, "xin giấy xác nhận tình trạng hôn nhân cần giấy tờ gì", facets=["documents"])
    assert "☐ Tờ khai cấp Giấy xác nhận tình trạng hôn nhân" in answer.answer
    assert "điện tử tương tác" not in answer.answer
    assert "giấy tờ khác theo từng trường hợp" in answer.answer     # still counted, in the full list


def test_a_refund_question_keeps_the_fee_notes_sentence_on_refunds(index):
    # 2.000720: the fee note's "… không được hoàn trả … trong trường hợp … không được cấp …"
    answer = answer_question("doi noi dung ho kinh doanh ma khong duoc cap thi le phi co duoc tra lai khong", index)
    assert answer.citations[0].code == "2.000720" and "không được hoàn trả" in answer.answer


def test_not_coming_is_the_records_absence(index):
    # 1.012812 steps: "Trường hợp một trong các bên tranh chấp vắng mặt đến lần thứ hai …"
    answer = answer_question("xa hoa giai tranh chap dat dai, nha ben kia khong toi thi xu the nao", index)
    assert answer.citations[0].code == "1.012812" and "vắng mặt đến lần thứ hai" in answer.answer


def test_a_time_written_per_case_in_the_steps_answers_the_case_asked(index):
    # 1.002051: ways table "10 Ngày"; steps "Trường hợp cấp sổ BHXH, thẻ BHYT mới: Không quá 05 ngày"
    answer = answer_question("doanh nghiep dang ky dong bhxh cho nguoi lao dong moi thi bao lau co so bhxh va the bhyt", index)
    assert answer.citations[0].code == "1.002051"
    assert "Trường hợp cấp sổ BHXH, thẻ BHYT mới: Không quá 05 ngày" in answer.answer
    assert "Trường hợp cấp sổ BHXH, thẻ BHYT mới: Không quá 05 ngày" in answer.citations[0].text   # cited as quoted
    assert len(answer.answer) <= MAX_ANSWER_CHARS


def test_where_a_file_goes_keeps_the_destinations_whole_name(index):
    # 3.000443: "… hoặc gửi hồ sơ qua dịch vụ bưu chính cho Trung tâm Phục vụ hành chính công cấp xã"
    answer = answer_question("xin cong nhan khu vuc bien de nuoi ngheu thi nop ho so o dau", index)
    assert answer.citations[0].code == "3.000443"
    assert "Trung tâm Phục vụ hành chính công cấp xã" in answer.answer


def test_the_paper_of_an_everyday_name_is_that_procedure(index):
    # "giấy" before "khai tử" (an everyday name) is the paper of that procedure, not a word
    # naming something outside the catalogue
    answer = answer_question("me toi mat roi, lam giay khai tu o xa can mang gi", index)
    assert not answer.abstained and "(mã 1.000656)" in answer.answer and "Giấy báo tử" in answer.answer
    ranked = rank_procedures("lam giay khai tu can nop nhung giay to gi", index)
    assert ranked[0].procedure.code == "1.000656" and is_confident(ranked[0], runner_up=runner_up(ranked))


def test_conditions_the_record_lacks_are_said_lacking_with_the_step_that_answers(index):
    answer = answer_question("doi the can cuoc co bat buoc ve cong an noi thuong tru khong", index)
    assert "(mã 1.014063)" in answer.answer
    assert "Hồ sơ không ghi yêu cầu, điều kiện; Trình tự thực hiện ghi:" in answer.answer
    assert "không phụ thuộc vào nơi cư trú" in answer.answer
    assert answer.citations[0].section.endswith("Trình tự thực hiện")


def test_a_spouse_of_another_nationality_and_a_genitive_keep_the_everyday_name(index):
    # "người Nhật" (data/lexicon/procedures.tsv) names the foreign-element variant
    assert rank_procedures("vo toi nguoi nhat, dang ky ket hon can giay to gi", index)[0].procedure.code == "2.000806"
    # "bản sao có chứng thực của hợp đồng": "của" does not break "bản sao có chứng thực hợp đồng"
    answer = answer_question("xin ban sao co chung thuc cua hop dong mua ban nha thi phi bao nhieu", index)
    assert not answer.abstained and "(mã 2.000942)" in answer.answer


def test_an_everyday_name_narrowed_to_what_no_record_is_stays_out_of_the_catalogue(index):
    # "mở quán" names the household business, "mở quán karaoke" (a licence) no record
    ranked = rank_procedures("mo quan karaoke thi xin giay phep kinh doanh karaoke o dau", index)
    assert ranked[0].narrowed
    assert fuse_names(ranked, [(ranked[0].procedure, 0.95), (ranked[1].procedure, 0.90)],
                      [(ranked[0].procedure.document, 0.93)]) is None


def test_thai_san_names_the_maternity_benefit_and_len_names_nothing(index):
    # "lên bảo hiểm" is where to, not the "… 5% trở lên" of a name; "thai sản" is the benefit
    ranked = rank_procedures("nop ho so thai san len bhxh may ngay", index)
    assert ranked[0].procedure.code == "2.000693" and is_confident(ranked[0], runner_up=runner_up(ranked))


def test_whether_one_must_go_home_is_a_where_question_answered_by_the_step(index):
    assert "where" in detect_facets("lam lai can cuoc co phai ve que khong")
    record = next(p for p in index.procedures if p.code == "1.014064")
    answer = answer_procedure(record, "lam lai the can cuoc co phai ve que lam khong")
    assert "không phụ thuộc vào nơi cư trú" in answer.answer


def test_the_general_procedure_goes_before_a_specialisation_the_question_does_not_say(index):
    """The catalogue's khai sinh records are all "… có yếu tố nước ngoài" variants; a question
    naming none of the specialisations ("… cho người đã có hồ sơ …", "đăng ký lại …", "… tại
    khu vực biên giới") gets the general one, confidently, the others named beside it; a
    question that says "đăng ký lại" gets that one."""
    for question in ("Vợ tôi người Nhật, giờ đi khai sinh cho con thì phải mang theo những giấy gì?",
                     "nha thuoc ho ngheo, dang ky khai sinh cho con lai co phai dong le phi khong"):
        ranked = rank_procedures(question, index, k=8)
        assert ranked[0].procedure.code == "2.000528", question
        assert is_confident(ranked[0], runner_up=runner_up(ranked)), question
    ranked = rank_procedures("dang ky lai khai sinh cho nguoi nuoc ngoai can giay to gi", index, k=8)
    assert ranked[0].procedure.code == "2.000522"


def test_a_procedure_leading_every_other_name_clearly_is_the_one_meant(index):
    """"Dữ liệu dân cư ghi sai …, đề nghị sửa": 1.012564 (điều chỉnh thông tin … theo đề nghị
    của công dân) leads the next name by about 2.6 with half its head said — enough
    (`procedure_lead_margin`), where the old 3.5 sent the citizen away."""
    _named_only_under_the_policy("Dữ liệu dân cư ghi sai ngày sinh của tôi, đề nghị sửa thì nộp ở đâu?",
                                 "1.012564", index, procedure_lead_margin=3.5)


def test_a_negation_a_name_says_under_its_own_negation_names_it(index):
    """"không … thừa kế" is what 3.000410 is about ("… tài sản không có người thừa kế"): the
    negated words stay in the question when a name says them under its own "không" (they
    are dropped only when they name what the procedure is not)."""
    ranked = rank_procedures("tài sản không có người thừa kế thì ai quyết định", index, k=8)
    assert ranked[0].procedure.code == "3.000410"
    assert is_confident(ranked[0], runner_up=runner_up(ranked))
    foreign = rank_procedures("đăng ký khai sinh không có yếu tố nước ngoài", index)[0]
    assert "nước ngoài" not in foreign.procedure.name


def test_a_favour_word_after_an_everyday_name_does_not_narrow_it(index):
    # "làm chấm dứt giám hộ giùm": "giùm" (on someone's behalf) is no name the catalogue lacks
    ranked = rank_procedures("nhờ anh trai đi làm chấm dứt giám hộ giùm thì cần giấy gì", index, k=8)
    assert ranked[0].procedure.code == "1.004845" and not ranked[0].narrowed


def test_a_citizens_redo_names_the_re_registration_and_its_family_is_one_name(index):
    """"làm lại giấy khai tử" is "Đăng ký lại khai tử" (1.005461), not the general khai tử
    before it; the general and its other specialisations ("… lưu động") are no rival to it."""
    for question in ("nha toi thuoc ho ngheo, lam lai giay khai tu cho ba noi thi co phai dong le phi khong",
                     "giay chung tu bi that lac, gio muon lam lai giay bao tu cho ong thi can giay to gi"):
        ranked = rank_procedures(question, index, k=8)
        assert ranked[0].procedure.code == "1.005461", question
        assert is_confident(ranked[0], runner_up=runner_up(ranked)), question
    # without "làm lại" the general one still goes first
    assert rank_procedures("ba noi moi mat, lam giay khai tu can gi", index, k=8)[0].procedure.code == "1.000656"


def test_a_vouched_name_needs_half_the_lead_over_a_rival_saying_little_of_its_own_head(index):
    """"tách khẩu" vouches for Tách hộ (1.010038), the whole head said; the runner-up, "ghi vào
    Sổ hộ tịch việc ly hôn …", says a third of its head and nothing vouches for it: a lead of
    5.7 is enough (6 otherwise, `procedure_vouched_margin`)."""
    question = ("Vợ chồng tôi ly hôn rồi nhưng vẫn được ở lại căn nhà cũ, giờ tôi muốn tách khẩu ra "
                "thành hộ riêng thì cần nộp những giấy tờ gì?")
    ranked = rank_procedures(question, index, k=8)
    assert ranked[0].procedure.code == "1.010038"
    assert is_confident(ranked[0], runner_up=runner_up(ranked))
    strict = dataclasses.replace(DEFAULT_POLICY, procedure_weak_rival_coverage=0.0)
    assert not is_confident(ranked[0], strict, runner_up=runner_up(ranked))


def test_imported_is_no_household_registration(index):
    # "nhập khẩu" of "xe nhập khẩu" is imported; "nhập (hộ) khẩu cho con" registers residence
    imported = rank_procedures("moi mua chiec xe nhap khau, muon dang ky bien so online thi lam the nao", index, k=8)
    assert not imported[0].vouched and "thường trú" not in imported[0].procedure.name
    assert rank_procedures("nhập khẩu cho con về nhà ông bà cần giấy tờ gì", index, k=8)[0].vouched


@pytest.mark.parametrize("question,code", [
    ("Mẹ tôi già yếu, tôi đi lĩnh giùm mẹ tiền bảo hiểm xã hội thì cần giấy gì?", "1.001601"),
    ("Tôi cần bản sao bản án ly hôn để bổ sung hồ sơ thì lên đâu xin?", "3.000165"),
    ("HTX muốn xin xã duyệt cách đóng mở, xả nước của hồ chứa thì hồ sơ gồm gì?", "1.003347"),
])
def test_everyday_names_of_session_22(index, question, code):
    ranked = rank_procedures(question, index, k=8)
    assert ranked[0].procedure.code == code
    assert is_confident(ranked[0], runner_up=runner_up(ranked))


def test_a_lost_paper_shows_what_to_file_instead(index):
    # "thất lạc" is lost too: the item saying what to file without the old certificate answers
    record = _by_code(index, "1.005461")
    answer = answer_procedure(record, "giay chung tu ngay xua bi that lac roi, lam lai khai tu can giay to gi")
    assert "giấy tờ liên quan có nội dung chứng minh sự kiện chết" in answer.answer


def test_the_fee_rate_in_force_on_the_day_asked_is_shown(index):
    """1.014064's fee note holds two dated rates at 50%: the one whose days hold `today` is
    quoted, dates included; outside both, the amount the note states."""
    from datetime import date

    record = _by_code(index, "1.014064")
    ranked = rank_procedures("lam lai cccd vi bi mat vi het bao nhieu tien vay?", index, k=8)
    assert ranked[0].procedure.code == "1.014064"          # "cccd" is the căn cước
    now = answer_procedure(record, "làm lại căn cước mất bao nhiêu tiền", today=date(2026, 12, 7)).answer
    assert "đến hết ngày 31/12/2026 mức thu lệ phí cấp đổi, cấp lại thẻ căn cước bằng 50%" in now
    earlier = answer_procedure(record, "làm lại căn cước mất bao nhiêu tiền", today=date(2025, 3, 1)).answer
    assert "đến hết ngày 31/12/2025" in earlier and "31/12/2026" not in earlier
    later = answer_procedure(record, "làm lại căn cước mất bao nhiêu tiền", today=date(2027, 3, 1)).answer
    assert "70.000 đồng/thẻ" in later and "31/12/2026" not in later


def test_a_fee_explained_in_the_ways_description_is_shown_with_the_fee(index):
    """2.000815's fee cell says "2,000 Việt Nam Đồng (/trang)"; its way's description explains
    where and how it is charged ("Tại Ủy ban nhân dân cấp xã …: 2.000 đồng/trang; …"): the
    fee answer carries it."""
    copy = _by_code(index, "2.000815")
    answer = answer_procedure(copy, "chứng thực bản sao ở ubnd xã tính phí sao")
    assert "2.000 đồng/trang" in answer.answer and len(answer.answer) <= MAX_ANSWER_CHARS


def _assert_named(index, question: str, code: str) -> None:
    """The question names this procedure: ranked first, and confidently."""
    ranked = rank_procedures(question, index, k=8)
    assert ranked[0].procedure.code == code, (question, ranked[0].procedure.code)
    assert is_confident(ranked[0], runner_up=runner_up(ranked)), question


def test_a_whole_name_said_word_for_word_names_its_procedure(index):
    """"… làm đăng ký thường trú trên dvc …" is "Đăng ký thường trú", though more of the question's
    words touch "Giao đất ở có thu tiền sử dụng đất không thông qua đấu giá …"; the name said as
    the citizen's purpose, or as one of the procedures another joins, leaves that other first."""
    for question, code in (
            ("lấy chồng chuyển về nhà chồng, làm đăng ký thường trú trên dvc với ra công an xã thì phí có khác không", "1.004222"),
            ("chuyen khau ve nha vo, dang ky thuong tru online voi lam truc tiep le phi khac nhau khong", "1.004222"),
            ("xin giấy xác nhận tình trạng hôn nhân để đăng ký kết hôn cần mang gì", "1.004873"),
            ("sinh con xong lam mot lan ca khai sinh, dang ky thuong tru, the bao hiem y te cho con mat bao lau", "2.000986")):
        _assert_named(index, question, code)
    fee = answer_question("lấy chồng chuyển về nhà chồng, làm đăng ký thường trú trên dvc với ra công an xã thì phí có khác không", index)
    assert "(mã 1.004222)" in fee.answer and "Trực tuyến: 10,000 Việt Nam Đồng" in fee.answer


def test_money_received_is_no_fee_and_who_files_is_in_the_steps(index):
    assert detect_facets("muốn hưởng tiền dưỡng sức phục hồi sức khỏe thì cần gì") == ["documents"]
    assert detect_facets("nhận tiền tuất hàng tháng mất bao lâu") == ["time"]
    assert detect_facets("xin tiền hỗ trợ có mất phí không") == ["fee"]
    assert detect_facets("lam the bhyt het bao nhieu tien") == ["fee"]
    assert detect_facets("em tự nộp hồ sơ hay công ty phải làm cho em") == ["steps"]
    answer = answer_question("nghi thai san xong con yeu, muon huong tien duong suc phuc hoi suc khoe thi tu nop ho so hay cong ty lam", index)
    assert "(mã 1.001598)" in answer.answer and "Trình tự thực hiện" in answer.answer
    assert "Phí, lệ phí" not in answer.answer


def test_the_paper_named_before_the_place_asked_is_what_is_filed_there(index):
    assert detect_facets("nộp tờ khai ở đâu, làm online được không") == ["where"]
    assert detect_facets("phai ra dau chung thuc viec huy hop dong") == ["where"]
    assert detect_facets("can giay to gi, nop o dau") == ["documents", "where"]
    answer = answer_question("khoan gieng lay nuoc, xa bat dang ky khai thac nuoc duoi dat, nop to khai o dau", index)
    assert "(mã 1.001662)" in answer.answer and "Hình thức nộp" in answer.answer and "☐" not in answer.answer


def test_a_nationality_said_is_a_foreign_element(index):
    ranked = rank_procedures("chau em quoc tich uc, em lam giam ho, nay chau du 18 tuoi, cham dut giam ho can gi", index, k=8)
    assert ranked[0].procedure.code == "2.000756"


def test_abbreviations_in_a_name_meet_the_words_citizens_write(index):
    # "Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm …" for "giấy đủ điều kiện ATTP"
    fee = answer_question("co so che bien thuc pham xin giay du dieu kien ATTP het bao nhieu tien", index)
    assert "(mã 2.001827)" in fee.answer and "700.000 đồng/cơ sở" in fee.answer
    # "… chế độ TNLĐ, BNN do thương tật, bệnh tật tái phát" for "tai nạn lao động … tái phát"
    ranked = rank_procedures("truoc bi tai nan lao dong, nay thuong tat tai phat thi huong che do the nao", index, k=8)
    assert ranked[0].procedure.code == "1.001521"


def test_everyday_names_for_a_street_tent_a_canal_bank_and_a_pension_account(index):
    for question, code in (
            ("nha co dam gio muon dung rap lan ra via he mot ngay thi xin phep o dau", "1.013274"),
            ("may cay nha toi chay xe tren bo kenh thuy loi thi xin giay gi", "1.014859"),
            ("bo toi lanh luong huu tien mat, muon chuyen qua nhan vao tai khoan thi lam sao", "2.000740")):
        _assert_named(index, question, code)


def test_the_clause_saying_the_citizens_case_outweighs_one_sharing_its_words(index):
    # "không ký được": the clause "… không ký được thì phải điểm chỉ …", not the first "phải ký"
    answer = answer_question("ong toi gia roi khong ky duoc, ra xa chung thuc di chuc thi lam the nao", index)
    assert "(mã 2.001019)" in answer.answer and "điểm chỉ" in answer.answer


def test_a_bare_paper_in_a_may_i_question_is_the_object_not_the_checklist(index):
    question = ("Chị hàng xóm nhờ em dịch giùm giấy tờ tiếng Anh rồi ra xã chứng thực chữ ký người dịch, "
                "em ko phải cộng tác viên dịch thuật thì xã có chứng thực cho ko?")
    assert detect_facets(question) == []
    answer = answer_question(question, index)
    assert "(mã 2.001008)" in answer.answer and "tự dịch giấy tờ, văn bản của mình" in answer.answer
    assert "☐" not in answer.answer
    assert detect_facets("dịch giấy tờ xong thì cần giấy tờ gì để chứng thực") == ["documents"]


def test_the_condition_asked_comes_with_the_rest_of_its_item_not_a_bare_heading(index):
    answer = answer_question("nuoi ca long be tren song muon xin giay xac nhan nuoi trong thi long be phai dap ung dieu kien gi", index)
    assert "(mã 1.014801)" in answer.answer
    # "…: Khung lồng, phao, … sổng thoát ra môi trường; có thiết bị cảnh báo …" is one item
    assert "thiết bị cảnh báo cho hoạt động giao thông thủy" in answer.answer
    assert "điều kiện: 1.10. …" not in answer.answer       # a numbering label alone is no clause


def test_late_to_report_a_loss_the_exception_to_the_limit_is_quoted(index):
    answer = answer_question("Mình là doanh nhân, vừa phát hiên mất thẻ ABTC sau chuyến công tác. Phải trình báo "
                             "trong bao lâu mới đúng quy định, trễ vài ngày có sao ko?", index)
    assert "(mã 1.011728)" in answer.answer and "48 giờ" in answer.answer and "bất khả kháng" in answer.answer


def test_a_paper_asked_by_name_what_one_receives_and_whom_it_is_for_are_read_as_asked():
    assert detect_facets("ngoai to trinh voi du thao thi co phai nop ban do gi khong?") == ["documents"]
    assert detect_facets("co phai nop le phi gi khong") == ["fee"]
    assert detect_facets("Hồ sơ có cần sơ hoạ vị trí khu vực hoạt đông ko ạ?") == ["documents"]
    assert detect_facets("xong thi minh nhan duoc cai gi?") == ["result"]
    assert detect_facets("thu tuc nay danh cho ai?") == ["applicants"]


def test_an_everyday_name_narrowed_once_but_said_plainly_too_still_names_the_procedure(index):
    # "mở tiệm" is narrowed by "nail" (no record says it), "đăng ký hộ kinh doanh" is not
    ranked = rank_procedures("minh mo tiem nail, ra xa dang ky ho kinh doanh thi mat bao lau", index)
    assert ranked[0].procedure.code == "1.001612" and not ranked[0].narrowed
    assert is_confident(ranked[0], runner_up=runner_up(ranked))


def test_the_cap_of_tro_cap_or_cung_cap_is_no_other_action(index):
    # "trợ cấp" / "cung cấp" end in "cấp", the action of "Cấp …" names: not an action asked
    ranked = rank_procedures("xin phieu cung cap thong tin cong dan trong co so du lieu quoc gia ve dan cu", index)
    assert ranked[0].procedure.code == "1.010101" and not ranked[0].action_conflict
    ranked = rank_procedures("nguoi tham gia bao ve an ninh trat tu o co so chua tham gia bao hiem xa hoi "
                             "bi tai nan thi xin tro cap the nao", index)
    assert ranked[0].procedure.code == "1.012538" and not ranked[0].action_conflict


def test_how_citizens_ask_whether_it_costs_anything_and_who_approves():
    assert detect_facets("mat ho chieu len cong an trinh bao thi co phai dong dong nao khong") == ["fee"]
    # the fee "of the file" is the fee, not a request for the file's papers
    assert detect_facets("nop don xin vao to bao ve an ninh co phai dong le phi ho so gi khong") == ["fee"]
    assert detect_facets("phuong an quan ly rung cua ho gia dinh thi ai la nguoi phe duyet") == ["agency"]
    # "dòng nào", "động nào" are no money
    assert detect_facets("mua dong nao tot") == []


def test_an_office_the_record_leaves_blank_is_said_blank_with_the_step_naming_where_the_file_goes(index):
    record = next(p for p in index.procedures if p.code == "1.014371")
    assert not record.agency
    answer = answer_procedure(record, "co quan nao cap giay chung nhan dang ky quy ho tro hop tac xa")
    assert answer.abstained and "không ghi cơ quan thực hiện" in answer.answer
    assert "Trình tự thực hiện ghi: Nộp hồ sơ tại Cơ quan đăng ký kinh doanh cấp xã" in answer.answer


def test_a_name_listing_its_actions_has_the_last_as_its_head(index):
    # "Đăng ký, đăng ký lại, điều chỉnh đóng BHXH tự nguyện; …": "đăng ký lại" is one of the
    # actions listed, not the head
    ranked = rank_procedures("lam nghe tu do muon dong bhxh tu nguyen thi nop ho so o dau", index)
    assert ranked[0].procedure.code == "1.002179" and ranked[0].coverage > 0.5


def test_the_form_asked_what_one_receives_back_and_the_law_of_the_story_are_read_as_asked():
    assert detect_facets("lam tai khoan dinh danh cho to chuc thi phai khai mau gi") == ["documents"]
    # "nhận về những giấy tờ gì" asks what comes back, not the papers to file
    assert detect_facets("lam ho so huong luong huu xong thi nhan ve nhung giay to gi") == ["result"]
    # "theo luật bên đó" tells the story; the conditions are asked
    assert detect_facets("da nhan con nuoi o my theo luat ben do, ve viet nam ghi vao so can dieu kien gi") == ["conditions"]
    assert "legal" in detect_facets("ket hon voi nguoi nuoc ngoai theo luat nao")


def test_the_step_asked_in_the_last_sentence_is_found_and_given_room(index):
    # the first sentence tells the story; the step asked ("trước khi gửi hồ sơ …") is in the last
    record = next(p for p in index.procedures if p.code == "1.014158")
    answer = answer_procedure(record, "Nhà đầu tư tự lập quy hoạch tổng mặt bằng theo quy trình rút gọn. "
                                      "Trước khi gửi hồ sơ đề nghị chấp thuận thì cần làm gì?")
    assert "lấy ý kiến cộng đồng dân cư" in answer.answer


def test_the_case_time_is_the_case_the_question_says_most_of(index):
    # "Trường hợp điều chỉnh tăng tiền lương đóng BHXH, BHYT, …: Không quá 03 ngày", not the
    # short "Trường hợp xác nhận sổ BHXH: Không quá 05 ngày" that "BHXH" alone fills
    record = next(p for p in index.procedures if p.code == "1.002051")
    answer = answer_procedure(record, "cong ty dieu chinh tang muc dong bhxh, bhyt cho nhan vien thi bao lau xong")
    assert "Không quá 03 ngày" in answer.answer and "xác nhận sổ BHXH" not in answer.answer


def test_a_typing_error_in_a_certified_contract_and_a_course_in_artificial_insemination(index):
    ranked = rank_procedures("hop dong da chung thuc bi danh may sai ten, sua lai o xa can giay to gi", index)
    assert ranked[0].procedure.code == "2.000927" and is_confident(ranked[0], runner_up=runner_up(ranked))
    ranked = rank_procedures("da hoc xong lop phoi giong nhan tao cho trau bo, xin ho tro tien hoc", index)
    assert ranked[0].procedure.code == "1.012837"


def test_the_date_to_file_by_is_the_steps_one_clause_that_gives_one(index):
    record = next(p for p in index.procedures if p.code == "1.012837")
    answer = answer_procedure(record, "xin ho tro chi phi dao tao phoi giong thi han chot nop ho so len xa la khi nao")
    assert "trước ngày 25 của tháng cuối hằng quý" in answer.answer


def test_the_case_a_question_tells_is_listed_and_the_case_it_rules_out_is_not(index):
    board = _procedure(index, "1.012888")
    first = answer_procedure(board, "Chung cư mình mới họp bầu ban quản trị lần đầu xong, giờ xin công nhận ban quản trị thì nộp những giấy gì?")
    for paper in ("Biên bản họp Hội nghị nhà chung cư về việc bầu Ban quản trị", "Danh sách các thành viên Ban quản trị",
                  "Quy chế hoạt động của Ban quản trị"):
        assert paper in first.answer
    assert "bầu lại" not in first.answer
    again = answer_procedure(board, "chung cu minh bau lai ban quan tri khi het nhiem ky thi ho so cong nhan gom nhung gi")
    assert again.answer.splitlines()[1].startswith("Trường hợp bầu lại Ban quản trị")


def test_going_back_home_in_the_story_asks_no_place(index):
    death = _procedure(index, "1.001766")
    answer = answer_procedure(death, "Bố chồng em là Việt kiều, về quê rồi mất ở VN, giờ đi làm khai tử cho ông thì cần mang những giấy gì ạ?")
    assert "Giấy báo tử" in answer.answer and "Hình thức nộp" not in answer.answer
    assert "where" not in detect_facets("chuyen truong cho con tu ha noi ve que hoc lop 7 thi thu tuc the nao")
    assert "where" in detect_facets("lam lai can cuoc co phai ve que khong")


def test_where_to_file_is_the_step_that_takes_the_file_not_the_one_that_sends_the_result_back(index):
    census = _procedure(index, "1.010101")
    answer = answer_procedure(census, "muon xin phieu cung cap thong tin trong co so du lieu dan cu thi ra dau nop ho so?")
    assert "Công an cấp xã nơi công dân đăng ký thường trú hoặc tạm trú" in answer.answer
    adoption = _procedure(index, "2.001255")
    again = answer_procedure(adoption, "Vợ chồng tôi muốn đăng ký lại việc nuôi con nuôi thì nộp ở đâu?")
    assert "cho Ủy ban nhân dân cấp xã nơi cha mẹ nuôi và con nuôi thường trú" in again.answer
    assert "Gửi cho người yêu cầu" not in again.answer
    # the file named at length in the name's own words is cut out, so the place is said whole
    branch = _procedure(index, "1.005010")
    closing = answer_procedure(branch, "htx minh dong cua dia diem kinh doanh o xa ben, ho so cham dut hoat dong gui ve dau?")
    assert "Gửi … đến cơ quan đăng ký kinh doanh cấp xã nơi đặt chi nhánh, văn phòng đại diện, địa điểm kinh doanh" in closing.answer
    # papers of its own are kept ("Nộp Giấy uỷ quyền (mẫu số 13-HSB) …")
    proxy = _procedure(index, "1.001601")
    assert "Nộp Giấy uỷ quyền" in answer_procedure(proxy, "uy quyen linh thay che do bhxh thi nop o dau").answer


def test_which_steps_a_file_goes_through_outlines_them_all_alike(index):
    denunciation = _procedure(index, "1.004327")
    answer = answer_procedure(denunciation, "Tôi muốn tố cáo một cán bộ công an phường có sai phạm, đơn tố cáo sẽ được xử lý qua những bước nào?")
    assert "Thụ lý, xác minh nội dung tố cáo" in answer.answer and "Kết luận nội dung tố cáo".lower() in answer.answer.lower()


def test_a_name_nearly_as_good_that_asks_no_other_action_comes_first(index):
    # "điều chỉnh thông tin": not "Khai thác thông tin …", though that name says a little more of the question
    ranked = rank_procedures("thu tuc dieu chinh thong tin trong du lieu dan cu danh cho nguoi goc Viet chua xac dinh "
                             "quoc tich thi ai duoc lam?", index, k=5)
    assert ranked[0].procedure.code == "1.014066" and not ranked[0].action_conflict
    building = rank_procedures("nha o rieng le da co giay phep xay dung, gio muon sua lai thiet ke nen xin dieu chinh "
                               "giay phep thi mat bao lau", index, k=5)
    assert building[0].procedure.code == "1.013226"


def test_the_time_a_step_gives_for_the_case_told_is_quoted_beside_the_general_one(index):
    permit = _procedure(index, "1.013226")
    answer = answer_procedure(permit, "nha o rieng le da co giay phep xay dung, gio muon sua lai thiet ke nen xin dieu chinh "
                                      "giay phep thi mat bao lau")
    assert "20 Ngày" in answer.answer and "15 ngày đối với nhà ở riêng lẻ" in answer.answer
    design = _procedure(index, "1.013234")
    cut = answer_procedure(design, "tham dinh thiet ke xay dung trien khai sau thiet ke co so cho cong trinh con lai mat bao lau")
    assert "kể từ" not in cut.answer.split("Trình tự thực hiện ghi:")[-1].split("\n")[0]


def test_who_may_apply_is_the_case_of_the_long_name_the_question_tells(index):
    land = _procedure(index, "1.013962")          # its conditions cell is blank; its name lists who may apply
    nurse = answer_procedure(land, "Tôi là y tá đang công tác ở trạm y tế xã đảo, chưa có đất ở. Tôi có thuộc diện "
                                   "được giao đất ở không qua đấu giá không?")
    assert "nhân viên y tế đang công tác tại các xã biên giới, hải đảo" in nurse.answer
    resident = answer_procedure(land, "toi thuong tru o xa nhung chua co dat o, co duoc xin giao dat o khong qua dau gia khong")
    assert "Tên thủ tục nêu: cá nhân thường trú tại xã mà không có đất ở" in resident.answer
    assert any(c.section.endswith("Tên thủ tục") for c in resident.citations)


def test_a_foreign_parent_in_the_story_brings_the_paper_of_that_case(index):
    birth = _procedure(index, "2.000528")
    told = answer_procedure(birth, "vo minh nguoi Han, be sinh o benh vien o VN, gio di lam giay khai sinh cho be thi "
                                   "can chuan bi nhung giay gi?")
    assert "☐ văn bản thỏa thuận của cha, mẹ về việc lựa chọn quốc tịch cho con" in told.answer
    assert "Giấy Chứng sinh" in told.answer
    plain = answer_procedure(birth, "di lam giay khai sinh cho be thi can chuan bi nhung giay gi?")
    assert "lựa chọn quốc tịch" not in plain.answer
