"""User-facing words of the pages, in Vietnamese (default) and English."""

from __future__ import annotations

from aiohttp import web

LANGS = ("vi", "en")
COOKIE = "bw_lang"

WORDS = {
    "vi": {
        "app": "Giám sát điểm cầu", "login": "Đăng nhập", "logout": "Đăng xuất", "token": "Mã truy cập (API token)",
        "login_help": "Dán mã truy cập do quản trị viên cấp (bridgewatch token create).",
        "bad_token": "Mã truy cập không đúng hoặc đã bị thu hồi.", "sessions": "Các phiên họp",
        "no_sessions": "Chưa có phiên họp nào.", "title": "Tên phiên họp", "starts": "Bắt đầu", "ends": "Kết thúc",
        "points": "Điểm cầu", "expected": "Số đại biểu dự kiến", "board": "Bảng sẵn sàng", "phase": "Giai đoạn",
        "ready": "Sẵn sàng", "degraded": "Suy giảm", "unreachable": "Không kết nối", "unknown": "Chưa rõ",
        "scheduled": "Chưa đến giờ kiểm tra", "checking": "Đang kiểm tra trước giờ họp", "live": "Đang họp",
        "ended": "Đã kết thúc", "cancelled": "Đã hủy", "only_problems": "Chỉ hiện điểm có sự cố",
        "recheck_all": "Kiểm tra lại tất cả", "recheck": "Kiểm tra lại", "state": "Trạng thái", "reason": "Lý do",
        "contact": "Người phụ trách", "checked": "Kiểm tra lúc", "checklist": "Danh mục kiểm tra",
        "needs_help": "Cần hỗ trợ", "note": "Ghi chú", "save": "Lưu", "saved": "Đã lưu.", "back": "Quay lại",
        "units": "Theo đơn vị", "live_on": "Đang cập nhật trực tiếp", "live_off": "Mất kết nối cập nhật — đang thử lại",
        "checks": "Các lần kiểm tra theo lịch", "slot": "Lần", "of": "trên", "call": "Gọi",
        "checking_now": "Đang kiểm tra…", "language": "English", "forbidden": "Bạn không có quyền với điểm cầu này.",
        "quality": "Báo cáo chất lượng", "audio": "Âm thanh (1–5)", "video": "Hình ảnh (1–5)", "issue": "Sự cố (nếu có)",
        "issue_time": "Bắt đầu lúc", "issue_minutes": "Kéo dài (phút)", "send": "Gửi", "attendance": "Điểm danh",
        "present_at_start": "Có mặt lúc khai mạc", "late": "Đến muộn", "left_early": "Về sớm", "absent": "Vắng",
        "absent_reasons": "Lý do vắng", "expected_here": "Dự kiến", "report": "Báo cáo sau phiên họp",
        "sent_reports": "Báo cáo đã gửi",
    },
    "en": {
        "app": "Bridge point monitor", "login": "Log in", "logout": "Log out", "token": "Access token (API token)",
        "login_help": "Paste the token your administrator gave you (bridgewatch token create).",
        "bad_token": "The token is wrong or has been revoked.", "sessions": "Sessions",
        "no_sessions": "No sessions yet.", "title": "Title", "starts": "Starts", "ends": "Ends",
        "points": "Points", "expected": "Expected delegates", "board": "Readiness board", "phase": "Phase",
        "ready": "Ready", "degraded": "Degraded", "unreachable": "Unreachable", "unknown": "Unknown",
        "scheduled": "Not yet checking", "checking": "Pre-session checks", "live": "In session",
        "ended": "Ended", "cancelled": "Cancelled", "only_problems": "Only points with problems",
        "recheck_all": "Re-check all", "recheck": "Re-check", "state": "State", "reason": "Reason",
        "contact": "Contact", "checked": "Checked at", "checklist": "Checklist",
        "needs_help": "Needs help", "note": "Note", "save": "Save", "saved": "Saved.", "back": "Back",
        "units": "By unit", "live_on": "Live updates on", "live_off": "Live updates lost — retrying",
        "checks": "Scheduled checks", "slot": "Check", "of": "of", "call": "Call",
        "checking_now": "Checking…", "language": "Tiếng Việt", "forbidden": "You may not change this point.",
        "quality": "Quality report", "audio": "Audio (1–5)", "video": "Video (1–5)", "issue": "Incident (if any)",
        "issue_time": "Started at", "issue_minutes": "Lasted (minutes)", "send": "Send", "attendance": "Attendance",
        "present_at_start": "Present at the start", "late": "Arrived late", "left_early": "Left early", "absent": "Absent",
        "absent_reasons": "Reasons of absence", "expected_here": "Expected", "report": "Post-session report",
        "sent_reports": "Reports sent",
    },
}  # fmt: skip


def language(request: web.Request) -> str:
    chosen = request.query.get("lang") or request.cookies.get(COOKIE, "vi")
    return chosen if chosen in LANGS else "vi"
