"""Writes eval/questions_procedures.jsonl from the hand-written list below.

Questions were written by reading the records in data/procedures/ as a citizen would; each
fact is checked to be an exact substring of its record, so a wrong fact fails here, at once.
Run: python eval/make_questions_procedures.py
"""

from __future__ import annotations

import json
from pathlib import Path

from ingest.vntext import fold, has_diacritics, nfc

REPO = Path(__file__).resolve().parent.parent
RECORDS = REPO / "data" / "procedures"
OUT = REPO / "eval" / "questions_procedures.jsonl"

# (question, record code or None, facts (alternatives per fact), category, abstain)
Q = [
    # --- Hộ tịch: khai sinh
    ("Làm giấy khai sinh cho con cần giấy tờ gì?", "1.001193", [["Giấy chứng sinh"]], "documents", False),
    ("lam giay khai sinh cho con can giay to gi", "1.001193", [["Giấy chứng sinh"]], "documents", False),
    ("con mới sinh thì đi làm khai sinh mang theo những gì", "1.001193", [["Giấy chứng sinh"]], "documents", False),
    ("dang ky khai sinh co mat phi khong", "1.001193", [["Miễn phí"]], "fee", False),
    ("Đăng ký khai sinh có nộp online được không?", "1.001193", [["Trực tuyến"]], "where", False),
    ("khai sinh cho be gui qua buu dien duoc khong", "1.001193", [["Dịch vụ bưu chính"]], "where", False),
    ("đăng ký khai sinh mất mấy ngày", "1.001193", [["1"]], "time_no_unit", False),
    ("lam khai sinh thi nhan duoc gi", "1.001193", [["Giấy khai sinh"]], "result", False),
    ("đăng ký khai sinh theo nghị định nào", "1.001193", [["123/2015/NĐ-CP"]], "legal", False),
    ("khai sinh có yếu tố nước ngoài cần giấy tờ gì", "2.000528", [["Giấy Chứng sinh"]], "documents", False),
    ("đăng ký lại khai sinh mất bao lâu", "1.004884", [["5"]], "time_no_unit", False),
    ("dang ky khai sinh luu dong mat phi khong", "1.003583", [["Miễn phí"]], "fee", False),
    ("xin bản sao giấy khai sinh tốn bao nhiêu tiền", "2.000635", [["8,000 VNĐ"]], "fee", False),
    ("mat giay khai sinh xin ban sao het bao nhieu tien", "2.000635", [["8,000 VNĐ"]], "fee", False),
    ("làm khai sinh kèm thẻ bảo hiểm y tế cho trẻ dưới 6 tuổi mất mấy ngày", "2.001023", [["15 Ngày"]], "time", False),
    ("lien thong khai sinh the bhyt cho tre em duoi 6 tuoi can giay to gi", "2.001023", [["Giấy chứng sinh"]], "documents", False),
    # --- khai tử
    ("người nhà mất thì làm khai tử cần giấy tờ gì", "1.000656", [["Giấy báo tử"]], "documents", False),
    ("bao tu can giay gi", "1.000656", [["Giấy báo tử"]], "documents", False),
    ("đăng ký khai tử có mất tiền không", "1.000656", [["Miễn phí"]], "fee", False),
    ("khai tu nop online duoc khong", "1.000656", [["Trực tuyến"]], "where", False),
    ("Đăng ký khai tử do cơ quan nào giải quyết?", "1.000656", [["Ủy ban Nhân dân"]], "agency", False),
    ("khai tử xong được cấp giấy gì", "1.000656", [["Trích lục khai tử"]], "result", False),
    ("dang ky lai khai tu mat may ngay", "1.005461", None, "time", False),
    # --- kết hôn
    ("đăng ký kết hôn cần mang giấy tờ gì", "1.000894", [["Hộ chiếu/Thẻ căn cước công dân"]], "documents", False),
    ("dang ky ket hon co mat phi khong", "1.000894", [["Miễn phí"]], "fee", False),
    ("lấy vợ thì đăng ký kết hôn ở đâu, nộp online được không", "1.000894", [["Trực tuyến"]], "where", False),
    ("dang ky ket hon xong nhan duoc gi", "1.000894", [["Giấy chứng nhận kết hôn"]], "result", False),
    ("dang ky ket hon mat bao lau", "1.000894", [["1"]], "time_no_unit", False),
    ("xin giấy xác nhận độc thân cần những gì", "1.004873", [["Hộ chiếu/Thẻ căn cước công dân"]], "documents", False),
    ("giay xac nhan tinh trang hon nhan mat may ngay", "1.004873", [["3"]], "time_no_unit", False),
    ("giấy xác nhận tình trạng hôn nhân có mất phí không", "1.004873", [["Miễn phí"]], "fee", False),
    ("đăng ký kết hôn có yếu tố nước ngoài mất bao nhiêu ngày", "2.000806", None, "time", False),
    # --- nhận cha mẹ con, giám hộ
    ("đăng ký nhận cha mẹ con cần giấy tờ gì", "1.001022", [["Tờ khai đăng ký đăng ký nhận cha, mẹ, con"]], "documents", False),
    ("nhan cha cho con co mat phi khong", "1.001022", [["Miễn phí"]], "fee", False),
    ("đăng ký giám hộ mất mấy ngày", "1.004837", [["3 Ngày làm việc"]], "time", False),
    ("dang ky giam ho co mat phi khong", "1.004837", [["Miễn phí"]], "fee", False),
    ("đăng ký chấm dứt giám hộ mất bao lâu", "1.004845", [["2 Ngày làm việc"]], "time", False),
    # --- Cư trú
    ("Đăng ký thường trú mất mấy ngày?", "1.004222", [["7 Ngày làm việc"]], "time", False),
    ("nhap ho khau mat bao lau", "1.004222", [["7 Ngày làm việc"]], "time", False),
    ("nhập hộ khẩu cho con có mất phí không", "1.004222", [["10,000 Việt Nam Đồng", "20,000 Việt Nam Đồng"]], "fee", False),
    ("dang ky thuong tru nop o dau", "1.004222", [["Công an cấp Xã", "Trực tuyến"]], "where", False),
    ("đăng ký thường trú cần điều kiện gì", "1.004222", [["Người thực hiện thủ tục đã được thu thập"]], "conditions", False),
    ("Đăng ký tạm trú có mất phí không?", "1.004194", [["7,000 Việt Nam Đồng"], ["10,000 Việt Nam Đồng"]], "fee", False),
    ("dang ky tam tru mat may ngay", "1.004194", [["3 Ngày làm việc"]], "time", False),
    ("thuê trọ thì khai báo tạm trú cần giấy tờ gì", "1.004194", [["Tờ khai thay đổi thông tin cư trú"]], "documents", False),
    ("sinh vien thue nha dang ky tam tru online duoc khong", "1.004194", [["Trực tuyến"]], "where", False),
    ("đăng ký tạm trú do ai giải quyết", "1.004194", [["Công an cấp Xã"]], "agency", False),
    ("gia hạn tạm trú tốn bao nhiêu tiền", "1.002755", [["5,000 Việt Nam Đồng"]], "fee", False),
    ("gia han tam tru mat may ngay", "1.002755", [["3 Ngày làm việc"]], "time", False),
    ("gia hạn tạm trú phải làm trước bao lâu", "1.002755", [["15 ngày trước ngày kết thúc thời hạn tạm trú"]], "conditions", False),
    ("khai báo tạm vắng mất bao lâu", "1.003677", [["1 Ngày làm việc"]], "time", False),
    ("khai bao tam vang can giay to gi", "1.003677", [["Đề nghị khai báo tạm vắng"]], "documents", False),
    ("cắt hộ khẩu mất mấy ngày", "1.003197", [["5 Ngày làm việc"]], "time", False),
    ("xoa dang ky thuong tru can giay to gi", "1.003197", [["Tờ khai thay đổi thông tin cư trú"]], "documents", False),
    ("xóa đăng ký tạm trú cần những giấy tờ gì", "1.010028", None, "documents", False),
    # --- Hộ kinh doanh
    ("Mở quán tạp hóa thì đăng ký gì?", "1.001612", [["Đăng ký thành lập hộ kinh doanh"]], "overview", False),
    ("mo quan tap hoa thi dang ky gi", "1.001612", [["Đăng ký thành lập hộ kinh doanh"]], "overview", False),
    ("mở quán ăn cần giấy tờ gì", "1.001612", [["Giấy đề nghị đăng ký hộ kinh doanh"]], "documents", False),
    ("dang ky ho kinh doanh het bao nhieu tien", "1.001612", [["150,000 Việt Nam Đồng", "50,000 VNĐ"]], "fee", False),
    ("đăng ký hộ kinh doanh mất mấy ngày", "1.001612", [["Không có thông tin"]], "time_missing", True),
    ("mở tiệm có nộp hồ sơ online được không", "1.001612", [["Trực tuyến"]], "where", False),
    ("đóng cửa quán thì chấm dứt hộ kinh doanh có mất phí không", "1.001266", [["Miễn phí"]], "fee", False),
    ("cham dut hoat dong ho kinh doanh mat bao lau", "1.001266", [["1"]], "time_no_unit", False),
    ("đăng ký thay đổi nội dung hộ kinh doanh cần giấy tờ gì", "2.000720", None, "documents", False),
    ("cấp lại giấy chứng nhận đăng ký hộ kinh doanh mất mấy ngày", "2.000575", None, "time", False),
    # --- Chứng thực
    ("sao y bản chính giấy tờ tốn bao nhiêu tiền", "2.000815", [["2,000 Việt Nam Đồng"]], "fee", False),
    ("photo cong chung mat bao nhieu tien 1 trang", "2.000815", [["2,000 Việt Nam Đồng"]], "fee", False),
    ("chứng thực bản sao cần mang gì", "2.000815", [["Bản chính giấy tờ, văn bản làm cơ sở để chứng thực bản sao"]], "documents", False),
    ("chung thuc ban sao mat may ngay", "2.000815", [["Không có thông tin"]], "time_missing", True),
    ("chứng thực chữ ký hết bao nhiêu tiền", "2.000884", [["10,000 Việt Nam Đồng"]], "fee", False),
    ("chung thuc chu ky can mang giay to gi", "2.000884", [["Giấy tờ, văn bản mà mình sẽ yêu cầu chứng thực chữ ký"]], "documents", False),
    ("chứng thực di chúc mất bao nhiêu tiền", "2.001019", [["50,000 Việt Nam Đồng"]], "fee", False),
    ("lam di chuc o xa can giay to gi", "2.001019", [["Dự thảo di chúc"]], "documents", False),
    ("chứng thực di chúc mất mấy ngày", "2.001019", [["Không có thông tin"]], "time_missing", True),
    ("chứng thực văn bản từ chối nhận di sản tốn bao nhiêu", "2.001016", None, "fee", False),
    ("chung thuc hop dong mua ban dat mat bao nhieu tien", "2.001035", None, "fee", False),
    # --- Căn cước
    ("làm căn cước cho con dưới 14 tuổi mất mấy ngày", "1.014062", [["7 Ngày làm việc"]], "time", False),
    ("lam can cuoc cho tre duoi 14 tuoi can giay to gi", "1.014062", [["Phiếu đề nghị giải quyết thủ tục về căn cước"]], "documents", False),
    ("cấp thẻ căn cước cho người dưới 14 tuổi có mất phí không", "1.014062", [["Không có thông tin"]], "fee_missing", True),
    ("mất căn cước làm lại hết bao nhiêu tiền", "1.014064", [["70,000 Việt Nam Đồng"]], "fee", False),
    ("mat cccd cap lai mat may ngay", "1.014064", [["7 Ngày làm việc"]], "time", False),
    ("cấp lại thẻ căn cước nộp ở đâu", "1.014064", [["Công an cấp Xã", "Trực tiếp"]], "where", False),
    ("doi the can cuoc het bao nhieu tien", "1.014063", [["50,000 Việt Nam Đồng"]], "fee", False),
    ("cấp đổi thẻ căn cước cần mang gì", "1.014063", [["Phiếu đề nghị giải quyết thủ tục về căn cước"]], "documents", False),
    ("cấp lại giấy chứng nhận căn cước mất bao lâu", "1.014068", None, "time", False),
    ("lam tai khoan dinh danh dien tu muc 2 mat bao lau", "3.000228", [["3 Ngày làm việc", "7 Ngày làm việc"]], "time", False),
    ("cấp tài khoản định danh điện tử mức độ 2 cần gì", "3.000228", [["Phiếu đề nghị cấp tài khoản định danh điện tử"]], "documents", False),
    # --- Xuất nhập cảnh
    ("bị mất hộ chiếu thì trình báo ở xã cần giấy tờ gì", "1.010386", [["đơn trình báo mất hộ chiếu phổ thông"]], "documents", False),
    ("mat ho chieu trinh bao mat may ngay", "1.010386", [["1 Ngày làm việc"]], "time", False),
    ("trình báo mất hộ chiếu phải làm trong bao lâu", "1.010386", [["02 ngày làm việc kể từ ngày phát hiện"]], "conditions", False),
    ("báo mất hộ chiếu có mất phí không", "1.010386", [["Không có thông tin"]], "fee_missing", True),
    # --- Đất đai
    ("làm sổ đỏ lần đầu mất bao lâu", "1.013978", [["17 Ngày làm việc", "20 Ngày làm việc", "27 Ngày làm việc"]], "time", False),
    ("lam so do lan dau cho ho gia dinh co mat phi khong", "1.013978", [["Miễn phí"]], "fee", False),
    ("hòa giải tranh chấp đất đai mất bao lâu", "1.012812", [["30 Ngày", "40 Ngày"]], "time", False),
    ("hoa giai tranh chap dat dai can giay to gi", "1.012812", [["Đơn yêu cầu yêu cầu hòa giải tranh chấp đất đai"]], "documents", False),
    ("tranh chấp đất với hàng xóm thì hòa giải do ai làm", "1.012812", [["Không có thông tin"]], "agency_missing", True),
    # --- BHXH
    ("rút bảo hiểm xã hội một lần mất mấy ngày", "1.001613", [["5 Ngày làm việc"]], "time", False),
    ("rut bhxh mot lan can giay to gi", "1.001613", [["Đơn đề nghị (Mẫu số 14-HSB)"]], "documents", False),
    ("hưởng bảo hiểm xã hội một lần có mất phí không", "1.001613", [["Miễn phí"]], "fee", False),
    ("nghỉ sinh thì hưởng chế độ thai sản mất bao lâu", "2.000693", [["6 Ngày làm việc"]], "time", False),
    ("che do thai san nop online duoc khong", "2.000693", [["Trực tuyến"]], "where", False),
    ("giai quyet huong che do om dau mat may ngay", "1.001667", [["6 Ngày làm việc"]], "time", False),
    ("chế độ ốm đau do cơ quan nào giải quyết", "1.001667", None, "agency", False),
    # --- Xây dựng, cây xanh, giảm nghèo, khiếu nại, bồi thường
    ("xin giấy phép xây dựng nhà cấp 4 mất mấy ngày", "1.013225", [["20 Ngày", "15 Ngày"]], "time", False),
    ("xin phep xay nha cap 4 co mat phi khong", "1.013225", [["Miễn phí"]], "fee", False),
    ("xin phép chặt cây xanh mất bao lâu", "1.002693", [["10 Ngày làm việc"]], "time", False),
    ("chat ha cay xanh can giay to gi", "1.002693", [["Đơn đề nghị cấp giấy phép chặt hạ, dịch chuyển cây xanh"]], "documents", False),
    ("cấp giấy phép chặt hạ cây xanh có mất tiền không", "1.002693", [["Không có thông tin"]], "fee_missing", True),
    ("công nhận hộ nghèo hằng năm cần giấy tờ gì", "1.011607", [["Giấy đề nghị rà soát hộ nghèo, hộ cận nghèo"]], "documents", False),
    ("cong nhan ho ngheo ho can ngheo mat bao lau", "1.011607", [["15 Ngày"]], "time", False),
    ("tố cáo công an xã thì giải quyết mất bao lâu", "1.004327", [["60 Ngày làm việc"]], "time", False),
    ("giai quyet to cao co online duoc khong", "1.004327", [["Dịch vụ bưu chính", "Trực tiếp"]], "where_not_online", False),
    ("yêu cầu bồi thường nhà nước mất mấy ngày", "2.002165", [["1"]], "time_no_unit", False),
    ("khiếu nại quyết định hành chính mất bao lâu", "1.004335", None, "time", False),
    # --- steps, applicants, legal basis
    ("thủ tục đăng ký thường trú gồm những bước nào", "1.004222", [["Cá nhân, tổ chức chuẩn bị hồ sơ theo quy định của pháp luật"]], "steps", False),
    ("dang ky ket hon thi lam the nao", "1.000894", [["người yêu cầu đăng ký kết hôn nộp hồ sơ đăng ký kết hôn"]], "steps", False),
    ("mất căn cước thì các bước làm lại ra sao", "1.014064", [["Công dân đến Công an cấp xã"]], "steps", False),
    ("hoa giai tranh chap dat dai quy trinh the nao", "1.012812", [["Người đề nghị nộp đơn yêu cầu hòa giải tranh chấp đất đai tại Ủy ban nhân dân cấp xã"]], "steps", False),
    ("công nhận hộ nghèo hằng năm trình tự thực hiện ra sao", "1.011607", [["Gửi hồ sơ"]], "steps", False),
    ("ai được đăng ký thường trú", "1.004222", [["Công dân Việt Nam"]], "applicants", False),
    ("doi tuong nao duoc chung thuc di chuc", "2.001019", [["Công dân Việt Nam"]], "applicants", False),
    ("đăng ký tạm trú căn cứ văn bản pháp luật nào", "1.004194", [["53/2025/TT-BCA"]], "legal", False),
    ("khai tu theo luat nao", "1.000656", [["123/2015/NĐ-CP"]], "legal", False),
    # --- conditions missing (record says Không có thông tin)
    ("đăng ký khai sinh cần điều kiện gì", "1.001193", [["Không có thông tin"]], "conditions_missing", True),
    ("dang ky ket hon can dieu kien gi", "1.000894", [["Không có thông tin"]], "conditions_missing", True),
    ("đăng ký tạm trú cần đáp ứng điều kiện gì", "1.004194", [["Không có thông tin"]], "conditions_missing", True),
    ("cap lai the can cuoc can dieu kien gi", "1.014064", [["Không có thông tin"]], "conditions_missing", True),
    ("rút bảo hiểm xã hội một lần cần điều kiện gì", "1.001613", [["Không có thông tin"]], "conditions_missing", True),
    ("đăng ký khai sinh do cơ quan nào thực hiện", "1.001193", [["Không có thông tin"]], "agency_missing", True),
    ("giay xac nhan tinh trang hon nhan do co quan nao cap", "1.004873", [["Không có thông tin"]], "agency_missing", True),
    ("khai báo tạm vắng có mất phí không", "1.003677", [["Không có thông tin"]], "fee_missing", True),
    ("lam tai khoan dinh danh muc 2 co mat phi khong", "3.000228", [["Không có thông tin"]], "fee_missing", True),
    # --- not in the catalogue
    ("làm hộ chiếu lần đầu cần giấy tờ gì", None, [], "abstain", True),
    ("lam ho chieu mat bao lau", None, [], "abstain", True),
    ("đổi bằng lái xe máy cần những gì", None, [], "abstain", True),
    ("doi giay phep lai xe o to mat bao nhieu tien", None, [], "abstain", True),
    ("xin lý lịch tư pháp mất mấy ngày", None, [], "abstain", True),
    ("xin phieu ly lich tu phap can giay to gi", None, [], "abstain", True),
    ("đăng ký thành lập công ty cổ phần cần gì", None, [], "abstain", True),
    ("thanh lap cong ty tnhh mat bao lau", None, [], "abstain", True),
    ("xin visa đi Mỹ cần giấy tờ gì", None, [], "abstain", True),
    ("ly hôn đơn phương nộp đơn ở đâu", None, [], "abstain", True),
    ("ly hon thuan tinh mat bao lau", None, [], "abstain", True),
    ("nộp thuế thu nhập cá nhân online thế nào", None, [], "abstain", True),
    ("xin cấp mã số thuế cá nhân mất mấy ngày", None, [], "abstain", True),
    ("lam the ngan hang can gi", None, [], "abstain", True),
    ("đăng ký kết nạp Đảng cần giấy tờ gì", None, [], "abstain", True),
    ("xin học bổng cho con học đại học cần gì", None, [], "abstain", True),
    ("dang ky nghia vu quan su mat bao lau", None, [], "abstain", True),
    ("cấp giấy phép lái xe quốc tế hết bao nhiêu tiền", None, [], "abstain", True),
    ("xin giấy phép bán rượu cần gì", None, [], "abstain", True),
    ("lam the bao hiem y te cho nguoi gia o dau", None, [], "abstain", True),
    ("làm giấy khám sức khỏe đi làm ở đâu", None, [], "abstain", True),
    ("đăng ký biển số xe đẹp đấu giá thế nào", None, [], "abstain", True),
]

# Diacritic-free variants of some accented questions (citizens type both ways).
VARIANTS_OF = {
    "Đăng ký thường trú mất mấy ngày?", "Đăng ký tạm trú có mất phí không?", "Mở quán tạp hóa thì đăng ký gì?",
    "người nhà mất thì làm khai tử cần giấy tờ gì", "đăng ký kết hôn cần mang giấy tờ gì",
    "sao y bản chính giấy tờ tốn bao nhiêu tiền", "mất căn cước làm lại hết bao nhiêu tiền",
    "làm căn cước cho con dưới 14 tuổi mất mấy ngày", "xin giấy phép xây dựng nhà cấp 4 mất mấy ngày",
    "rút bảo hiểm xã hội một lần mất mấy ngày", "đăng ký khai sinh cần điều kiện gì",
    "làm hộ chiếu lần đầu cần giấy tờ gì", "xin lý lịch tư pháp mất mấy ngày", "Đăng ký khai sinh có nộp online được không?",
    "chứng thực di chúc mất bao nhiêu tiền", "gia hạn tạm trú tốn bao nhiêu tiền",
}


def _record_text(code: str) -> str:
    data = json.loads((RECORDS / f"{code}.json").read_text(encoding="utf-8"))
    return nfc("\n".join(str(v) for v in data.values()))


def main() -> None:
    rows = []
    for n, (question, code, facts, category, abstain) in enumerate(Q, start=1):
        facts = facts or []
        if code:
            text = _record_text(code)
            for alternatives in facts:
                assert any(a in text for a in alternatives), (code, alternatives)
        spelling = "full" if has_diacritics(question) else "no_diacritics"
        row = {"id": f"proc-{n:03d}", "question": question, "intent": "procedure", "commune": None,
               "document": f"{code}.json" if code else None, "facts": facts,
               "gold_quote": facts[0][0] if facts else "", "abstain": abstain, "variant_of": None,
               "spelling": spelling, "category": f"procedure_{category}"}
        rows.append(row)
        if question in VARIANTS_OF:
            plain = fold(question).replace("?", "")
            rows.append({**row, "id": f"proc-{n:03d}-nodiac", "question": plain, "variant_of": row["id"],
                         "spelling": "no_diacritics"})
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    plain = sum(r["spelling"] == "no_diacritics" for r in rows)
    print(f"{len(rows)} questions, {plain / len(rows):.0%} without diacritics -> {OUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
