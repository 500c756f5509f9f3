from ingest.vntext import commune_key, expand_abbreviations, fold, has_diacritics, nfc, normalise_name, search_key, search_terms, tokens


def test_fold_strips_every_vietnamese_mark_and_d_bar():
    assert fold("Ủy ban nhân dân xã Đại Phước") == "uy ban nhan dan xa dai phuoc"
    assert fold("Văn hoá – Xã hội") == fold("Văn hóa – Xã hội") == "van hoa – xa hoi"
    assert fold("ƯỞNG ợ đ") == "uong o d"


def test_fold_is_the_same_for_composed_and_decomposed_input():
    decomposed = "Thu\u0309 tu\u0323c"  # "Thủ tục" typed with combining marks
    assert fold(decomposed) == fold(nfc(decomposed)) == "thu tuc"


def test_abbreviations_and_written_out_forms_give_the_same_tokens():
    assert tokens("Ai chủ trì TTHC của UBND xã?") == tokens("ai chu tri thu tuc hanh chinh cua uy ban nhan dan xa?")
    assert tokens("CBCCVC") == tokens("cán bộ, công chức, viên chức")
    assert tokens("HĐND") == ["hoi", "dong", "nhan", "dan"]
    # the procedures' names abbreviate what citizens write out
    assert tokens("chế độ TNLĐ, BNN") == tokens("chế độ tai nạn lao động, bệnh nghề nghiệp")
    assert tokens("giấy đủ điều kiện ATTP") == tokens("giấy đủ điều kiện an toàn thực phẩm")
    assert tokens("BHTNLĐ") == tokens("bảo hiểm tai nạn lao động")    # not BHTN + "lđ"


def test_abbreviations_expand_only_as_whole_words():
    assert expand_abbreviations("tthc") == "thu tuc hanh chinh"
    assert expand_abbreviations("tthcx dvcx") == "tthcx dvcx"
    assert expand_abbreviations("vbqppl") == "van ban quy pham phap luat"  # longest match wins over qppl


def test_search_terms_add_syllable_bigrams():
    assert search_terms("thủ tục hành chính") == [
        "thu", "tuc", "hanh", "chinh", "thu_tuc", "tuc_hanh", "hanh_chinh"]
    assert search_key("Dịch vụ công") == search_key("DVC") == "dich vu cong dich_vu vu_cong"


def test_dates_and_numbers_stay_single_tokens():
    assert "31/01/2026" in tokens("Trước ngày 31/01/2026")
    assert "2.1" in tokens("2.1. Cải cách thể chế")


def test_names_compare_without_marks_or_spacing():
    assert normalise_name("Lộc  Hòa") == normalise_name("loc hoa") == "loc hoa"


def test_has_diacritics():
    assert has_diacritics("đi") and has_diacritics("Ủy") and has_diacritics("Thu\u0309")
    assert not has_diacritics("Di Linh 2026")


def test_commune_keys_ignore_the_unit_word_and_marks():
    assert commune_key("xã Lộc Hòa") == commune_key("Loc Hoa") == commune_key("XÃ LỘC HÒA") == "loc hoa"
    assert commune_key("Thị trấn Di Linh") == "di linh"


def test_ai_in_capitals_is_written_out_unless_shouted():
    assert tokens("Ứng dụng AI trong công tác phổ biến") == tokens("ứng dụng trí tuệ nhân tạo trong công tác phổ biến")
    assert tokens("trí tuệ nhân tạo (AI)")[:4] == ["tri", "tue", "nhan", "tao"]
    assert tokens("Ai chủ trì?") == tokens("AI CHỦ TRÌ?") == ["ai", "chu", "tri"]
    assert tokens("MAI, AIS") == ["mai", "ais"]


def test_vietnamese_syllables_and_foreign_words():
    from ingest.vntext import vietnamese_syllable
    assert all(map(vietnamese_syllable, ["nghieng", "gom", "qua", "tuyen", "oi", "dua"]))
    assert not any(map(vietnamese_syllable, ["scan", "online", "zalo", "web", "fb"]))
