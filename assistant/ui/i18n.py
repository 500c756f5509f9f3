"""Vietnamese for Gradio's own strings (buttons, aria-labels, status texts). Gradio ships no "vi"
locale, so the page registers these under "vi" and switches the page to it on load (static/page.js)."""

from __future__ import annotations

import gradio as gr

GRADIO_VI: dict[str, dict[str, str]] = {
    "chatbot": {
        "edit": "Sửa", "retry": "Hỏi lại", "undo": "Hoàn tác", "submit": "Gửi", "cancel": "Huỷ",
        "like": "Câu trả lời hữu ích", "dislike": "Câu trả lời chưa đúng", "clear": "Xoá cuộc trò chuyện",
        "complete": "Xong", "copy_message": "Sao chép câu trả lời", "copied_message": "Đã sao chép",
    },
    "chat_interface": {
        "new_chat": "Cuộc trò chuyện mới", "message_placeholder": "Nhập câu hỏi…",
        "additional_inputs": "Tuỳ chọn thêm", "chatbot": "Trò chuyện", "conversation": "Cuộc trò chuyện",
    },
    "common": {
        "built_with": "xây dựng bằng", "built_with_gradio": "Xây dựng bằng Gradio", "clear": "Xoá",
        "download": "Tải xuống", "download_all": "Tải tất cả", "edit": "Sửa", "empty": "Trống",
        "error": "Lỗi", "hosted_on": "Chạy trên", "loading": "Đang tải", "logo": "biểu trưng", "or": "hoặc",
        "remove": "Bỏ", "settings": "Cài đặt", "share": "Chia sẻ", "submit": "Gửi", "undo": "Hoàn tác",
        "no_devices": "Không tìm thấy thiết bị", "language": "Ngôn ngữ", "display_theme": "Giao diện",
        "progress": "Tiến độ", "record": "Ghi", "stop_recording": "Dừng ghi", "run": "Chạy",
        "runs": "Lượt chạy", "back_to_app": "Trở lại",
    },
    "blocks": {
        "connection_can_break": "Trên điện thoại, kết nối có thể ngắt khi chuyển thẻ hoặc màn hình tắt.",
        "long_requests_queue": "Đang có nhiều yêu cầu chờ xử lý, vui lòng đợi.",
        "lost_connection": "Mất kết nối, đang kết nối lại…",
        "waiting_for_inputs": "Đang chờ tải tệp xong, vui lòng thử lại.",
    },
    "dataframe": {
        "sort_column": "Sắp xếp cột", "sort_ascending": "Tăng dần", "sort_descending": "Giảm dần",
        "new_row": "Thêm dòng", "new_column": "Thêm cột", "delete_row": "Xoá dòng", "delete_column": "Xoá cột",
    },
    "dropdown": {"dropdown": "Danh sách chọn"},
    "file": {"uploading": "Đang tải lên…"},
    "upload_text": {
        "click_to_upload": "Bấm để chọn tệp", "drop_file": "Thả tệp vào đây", "drop_csv": "Thả tệp CSV vào đây",
        "paste_clipboard": "Dán từ bộ nhớ tạm",
    },
    "plot": {"plot": "Biểu đồ"},
    "status": {"queue_position": "Đang chờ: {position}", "processing": "Đang xử lý"},
}


def page_i18n() -> gr.I18n:
    return gr.I18n(vi=GRADIO_VI)
