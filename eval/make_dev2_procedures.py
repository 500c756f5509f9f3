"""Writes eval/dev2_procedures.jsonl: a second, fresh development set of procedure questions.

Why a second set: the first dev set (questions_procedures.jsonl) was written alongside the
matcher, which knows its wording. These questions were written before the issue-12 matcher
work, for records drawn at random so no record is favoured:

    random.Random(777).sample(sorted(data/procedures/*.json), 40)   (no file excluded)

Questions are worded as citizens (or commune staff) say them: everyday words, situations,
missing diacritics, typos. Every fact is an exact (NFC) substring of its record; `None` as
the record code = a procedure the catalogue does not hold (checked against every name by
reading). Same schema as questions_procedures.jsonl, ids `dev2-`.
Run: python eval/make_dev2_procedures.py
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from ingest.vntext import has_diacritics, nfc

REPO = Path(__file__).resolve().parent.parent
RECORDS = REPO / "data" / "procedures"
OUT = REPO / "eval" / "dev2_procedures.jsonl"
SEED, DRAWN = 777, 40
NONE = [["Không có thông tin"]]   # the fact a record lacks

# (question, record code or None, facts (alternatives per fact), category, abstain)
Q = [
    # 1.013067 biển số xe lần đầu
    ("mới mua xe máy thì đăng ký biển số lần đầu cần giấy tờ gì", "1.013067", [["Giấy khai đăng ký xe"]], "documents", False),
    ("mua xe moi di bam bien so mat bao lau", "1.013067", [["7 Ngày làm việc"]], "time", False),
    # 2.002349 nhận trẻ em nước láng giềng làm con nuôi
    ("xin giay xac nhan du dieu kien nhan tre em nuoc lang gieng lam con nuoi mat bao lau", "2.002349", [["10 Ngày"]], "time", False),
    # 6.006596 cho thuê quyền khai thác công viên
    ("phe duyet de an cho thue quyen khai thac cong vien mat bao lau", "6.006596", [["45 Ngày"]], "time", False),
    ("phê duyệt đề án cho thuê khai thác tài sản công viên có mất phí không", "6.006596", NONE, "fee_missing", True),
    # 2.000605 lương hưu cán bộ xã
    ("cán bộ xã về hưu thì làm hồ sơ hưởng lương hưu cần những giấy tờ gì", "2.000605", [["Sổ BHXH"]], "documents", False),
    ("can bo xa nghi huu lanh luong huu mat may ngay", "2.000605", [["12 Ngày làm việc"]], "time", False),
    # 1.013967 tranh chấp đất đai
    ("nhà tôi tranh chấp đất với hàng xóm, nhờ xã giải quyết thì nộp đơn gì", "1.013967", [["Đơn yêu cầu giải quyết tranh chấp đất đai"]], "documents", False),
    ("tranh chap dat dai xa giai quyet mat bao lau", "1.013967", [["45 Ngày"], ["60 Ngày"]], "time", False),
    # 1.014850 thủy lợi: du lịch, kinh doanh trong phạm vi bảo vệ
    ("xin giay phep lam du lich trong pham vi bao ve cong trinh thuy loi can ho so gi", "1.014850", [["Đơn đề nghị cấp giấy phép"]], "documents", False),
    # 1.001656 thanh toán trực tiếp chi phí khám chữa bệnh BHYT
    ("đi khám bệnh có bảo hiểm y tế mà phải tự trả tiền, xin thanh toán lại thì bao lâu có", "1.001656", [["40 Ngày"]], "time", False),
    ("kham benh bhyt tu tra tien roi xin thanh toan lai can giay to gi", "1.001656", [["hóa đơn"]], "documents", False),
    # 6.006594 giao quản lý công viên, cây xanh
    ("giao quan ly tai san cong vien cay xanh thi ket qua nhan duoc gi", "6.006594", [["Quyết định giao quản lý"]], "result", False),
    # 2.000809 hưởng tiếp lương hưu sau khi chấp hành xong án tù
    ("bo toi di tu ve, muon lanh tiep luong huu thi mat may ngay", "2.000809", [["5 Ngày làm việc"]], "time", False),
    ("người chấp hành xong án tù muốn hưởng lại lương hưu cần giấy tờ gì", "2.000809", [["Đơn đề nghị"]], "documents", False),
    # 1.014060 tích hợp, cập nhật thông tin trên thẻ căn cước
    ("muốn cập nhật thêm thông tin bảo hiểm y tế lên thẻ căn cước thì có mất tiền không", "1.014060", NONE, "fee_missing", True),
    ("dieu chinh thong tin tren the can cuoc mat bao lau", "1.014060", [["7 Ngày làm việc"]], "time", False),
    # 1.004873 giấy xác nhận tình trạng hôn nhân
    ("xin giấy độc thân để vay ngân hàng thì gửi qua bưu điện được không", "1.004873", [["Dịch vụ bưu chính"]], "where", False),
    # 1.004837 giám hộ
    ("ông bà nội làm người giám hộ cho cháu thì được cấp giấy gì", "1.004837", [["Trích lục đăng ký giám hộ"]], "result", False),
    # 1.003197 xóa đăng ký thường trú
    ("con toi dinh cu nuoc ngoai roi, xoa thuong tru cho no can giay to gi", "1.003197", [["Tờ khai thay đổi thông tin cư trú"]], "documents", False),
    ("xóa hộ khẩu thường trú có phải trả lệ phí không", "1.003197", NONE, "fee_missing", True),
    # 1.014848 phương án bảo vệ công trình thủy lợi
    ("phe duyet phuong an bao ve cong trinh thuy loi mat may ngay", "1.014848", [["20 Ngày làm việc"]], "time", False),
    # 1.001742 chuyển nơi hưởng lương hưu
    ("bố tôi đang lãnh lương hưu, chuyển nhà vào tỉnh khác thì chuyển nơi nhận lương hưu cần giấy gì", "1.001742", [["Đơn đề nghị"]], "documents", False),
    ("chuyen noi lanh luong huu sang dia ban khac mat bao lau", "1.001742", [["1"]], "time_no_unit", False),
    # 2.001627 quy trình vận hành công trình thủy lợi
    ("tham dinh quy trinh van hanh cong trinh thuy loi vua can nop gi", "2.001627", [["Tờ trình đề nghị phê duyệt quy trình vận hành"]], "documents", False),
    # 2.000635 bản sao trích lục hộ tịch
    ("xin ban sao trich luc ho tich mat may ngay", "2.000635", NONE, "time_missing", True),
    # 2.002648 hiệu đính thông tin đăng ký hợp tác xã
    ("sửa thông tin đăng ký hợp tác xã bị ghi sai thì mất mấy ngày", "2.002648", [["3 Ngày làm việc"]], "time", False),
    # 2.002638 cấp lại giấy chứng nhận hợp tác xã bị mất, cháy, rách
    ("giấy chứng nhận hợp tác xã bị cháy mất, xin cấp lại mất bao lâu", "2.002638", [["3 Ngày làm việc"]], "time", False),
    # 1.000080 nhận cha, mẹ, con có yếu tố nước ngoài tại khu vực biên giới
    ("nhan con voi nguoi nuoc ngoai o khu vuc bien gioi mat may ngay", "1.000080", [["7"]], "time_no_unit", False),
    # 2.001035 chứng thực giao dịch nhà đất, động sản
    ("chứng thực hợp đồng mua bán đất ở xã tốn bao nhiêu tiền", "2.001035", [["50,000"]], "fee", False),
    ("chung thuc hop dong tang cho nha o het bao nhieu tien", "2.001035", [["50,000"]], "fee", False),
    # 1.014371 quỹ hỗ trợ phát triển hợp tác xã
    ("dang ky quy ho tro phat trien hop tac xa can giay to gi", "1.014371", [["Giấy đề nghị đăng ký Quỹ hợp tác xã"]], "documents", False),
    # 3.000494 phục hồi hoạt động (phòng cháy, chữa cháy)
    ("cơ sở bị đình chỉ vì phòng cháy chữa cháy, muốn hoạt động lại thì làm đơn gì", "3.000494", [["văn bản đề nghị phục hồi hoạt động"]], "documents", False),
    ("quan bi dinh chi pccc xin phuc hoi hoat dong mat may ngay", "3.000494", [["7 Ngày làm việc"]], "time", False),
    # 1.011606 hộ nghèo, cận nghèo
    ("nhà tôi khó khăn muốn xin vào hộ nghèo thì cần giấy gì", "1.011606", [["Giấy đề nghị rà soát hộ nghèo"]], "documents", False),
    ("xin cong nhan ho can ngheo nop online duoc khong", "1.011606", [["Trực tiếp"]], "where_not_online", False),
    # 1.010028 xóa đăng ký tạm trú
    ("het thue tro chuyen di noi khac thi xoa tam tru mat may ngay", "1.010028", [["2 Ngày làm việc"]], "time", False),
    # 1.014063 cấp đổi thẻ căn cước
    ("đổi thẻ căn cước khi đủ 25 tuổi tốn bao nhiêu tiền", "1.014063", [["50,000"]], "fee", False),
    ("doi the can cuoc can mang giay to gi", "1.014063", [["Phiếu đề nghị giải quyết thủ tục về căn cước"]], "documents", False),
    # 1.005412 hỗ trợ phí bảo hiểm nông nghiệp
    ("nuôi tôm muốn được hỗ trợ tiền mua bảo hiểm nông nghiệp thì cần giấy tờ gì", "1.005412", [["Đơn đề nghị xem xét, phê duyệt đối tượng được hỗ trợ"]], "documents", False),
    # 1.001766 khai tử có yếu tố nước ngoài
    ("chong toi la nguoi nuoc ngoai mat o viet nam, lam khai tu can giay gi", "1.001766", [["Giấy báo tử"]], "documents", False),
    # 1.014275 tổ chức kinh tế nhận chuyển nhượng đất làm dự án
    ("công ty muốn nhận chuyển nhượng quyền sử dụng đất để làm dự án đầu tư thì mất bao lâu", "1.014275", [["23 Ngày làm việc"]], "time", False),
    # 3.000412 người lao động có thu nhập thấp
    ("xin xac nhan nguoi lao dong co thu nhap thap can giay to gi", "3.000412", [["Giấy đề nghị xác định người lao động có thu nhập thấp"]], "documents", False),
    ("công nhận người lao động thu nhập thấp mất mấy ngày", "3.000412", [["15 Ngày"]], "time", False),
    # 2.001958 hợp tác xã thành lập doanh nghiệp
    ("hop tac xa lap doanh nghiep thi thong bao mat may ngay", "2.001958", [["3 Ngày làm việc"]], "time", False),
    # 1.004656 nguồn gốc loài thủy sản quý hiếm
    ("xác nhận nguồn gốc loài thủy sản quý hiếm khai thác ngoài tự nhiên mất bao lâu", "1.004656", NONE, "time_missing", True),
    # 1.010092 trợ cấp tiền tuất, tai nạn cho lực lượng xung kích phòng chống thiên tai
    ("nguoi trong luc luong xung kich phong chong thien tai bi tai nan, chua dong bhxh, xin tro cap tien tuat mat bao lau", "1.010092", [["13 Ngày làm việc"]], "time", False),
    # 1.013234 thẩm định thiết kế xây dựng sau thiết kế cơ sở
    ("tham dinh thiet ke xay dung trien khai sau thiet ke co so mat bao lau", "1.013234", [["40 Ngày"]], "time", False),
    # 1.002211 công nhận hòa giải viên
    ("xóm mới bầu hòa giải viên thì xã công nhận cần hồ sơ gì", "1.002211", [["Danh sách người được đề nghị công nhận là hòa giải viên"]], "documents", False),
    # 2.000986 liên thông khai sinh, thường trú, thẻ BHYT
    ("sinh con xong muon lam mot lan ca khai sinh, dang ky thuong tru va the bao hiem y te cho be thi mat bao lau", "2.000986", [["20 Ngày"]], "time", False),
    # 2.000950 công nhận tổ trưởng tổ hòa giải
    ("cong nhan to truong to hoa giai mat may ngay", "2.000950", [["5 Ngày làm việc"]], "time", False),
    # 2.001008 chứng thực chữ ký người dịch (người dịch không là cộng tác viên)
    ("tôi tự dịch giấy tờ sang tiếng Anh, tôi đâu phải cộng tác viên dịch thuật của xã, chứng thực chữ ký người dịch hết bao nhiêu", "2.001008", [["10,000"]], "fee", False),
    # 1.012888 công nhận ban quản trị nhà chung cư
    ("chung cư mới bầu ban quản trị thì xin công nhận mất mấy ngày", "1.012888", [["7 Ngày làm việc"]], "time", False),
    # 1.014064 cấp lại thẻ căn cước
    ("lam mat can cuoc, lam lai ton bao nhieu tien", "1.014064", [["70,000"]], "fee", False),
    ("bị mất thẻ căn cước làm lại cần mang gì", "1.014064", [["Phiếu đề nghị giải quyết thủ tục về căn cước"]], "documents", False),
    # typos
    ("dang ki khai tu cho nguoi nuoc ngoai can giay to j", "1.001766", [["Giấy báo tử"]], "documents", False),
    ("cap lai the can cươc mat bao nhieu tien", "1.014064", [["70,000"]], "fee", False),
    ("xoá đăng kí tạm trú mấy ngày thì xong", "1.010028", [["2 Ngày làm việc"]], "time", False),
    # --- not in the catalogue (checked against every ten_thu_tuc)
    ("đăng ký nghĩa vụ quân sự lần đầu cần giấy tờ gì", None, [], "abstain", True),
    ("xin tro cap that nghiep can giay to gi", None, [], "abstain", True),
    ("giấy phép bán lẻ rượu bia mất bao lâu", None, [], "abstain", True),
    ("lam the bao hiem y te ho gia dinh het bao nhieu tien", None, [], "abstain", True),
    ("xin cấp mã số thuế cá nhân nộp ở đâu", None, [], "abstain", True),
    ("xin giay phep khai thac cat song mat may ngay", None, [], "abstain", True),
    ("xin giấy phép mở phòng khám tư nhân cần những gì", None, [], "abstain", True),
    ("cap visa cho nguoi nuoc ngoai mat bao lau", None, [], "abstain", True),
    ("xin giấy phép treo biển quảng cáo tốn bao nhiêu tiền", None, [], "abstain", True),
    ("dang ky thi bang lai xe may can giay to gi", None, [], "abstain", True),
]


def drawn_codes() -> list[str]:
    files = sorted(p.name for p in RECORDS.glob("*.json"))
    return [name.removesuffix(".json") for name in random.Random(SEED).sample(files, DRAWN)]


def _record_text(code: str) -> str:
    data = json.loads((RECORDS / f"{code}.json").read_text(encoding="utf-8"))
    return nfc("\n".join(str(v) for v in data.values()))


def main() -> None:
    drawn = set(drawn_codes())
    rows = []
    for n, (question, code, facts, category, abstain) in enumerate(Q, start=1):
        if code:
            assert code in drawn, code
            text = _record_text(code)
            for alternatives in facts:
                assert any(nfc(a) in text for a in alternatives), (code, alternatives)
        question = nfc(question)
        rows.append({"id": f"dev2-{n:03d}", "question": question, "intent": "procedure", "commune": None,
                     "document": f"{code}.json" if code else None, "facts": facts,
                     "gold_quote": facts[0][0] if facts else "", "abstain": abstain, "variant_of": None,
                     "spelling": "full" if has_diacritics(question) else "no_diacritics",
                     "category": f"procedure_{category}"})
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    plain = sum(r["spelling"] == "no_diacritics" for r in rows)
    used = {r["document"].removesuffix(".json") for r in rows if r["document"]}
    print(f"{len(rows)} questions, {plain / len(rows):.0%} without diacritics, "
          f"{len(used)} of {len(drawn)} drawn records used; unused: {sorted(drawn - used)} -> {OUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
