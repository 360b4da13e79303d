"""The report's words and number formats in Vietnamese (6.000; 92,5%; 17/09/2021) and English."""

from __future__ import annotations

from datetime import datetime

from bridgewatch.sessions.quality_reports import ISSUE_CATEGORIES

LABELS = {
    "vi": {
        "title": "Báo cáo sau phiên họp", "session": "Phiên họp", "time": "Thời gian", "organiser": "Đơn vị tổ chức",
        "summary": "Tóm tắt", "points": "Số điểm cầu", "connected": "Điểm cầu đã kết nối", "ready_at": "Sẵn sàng lúc",
        "share": "Tỷ lệ thời gian tốt / tạm được / kém", "incidents": "Sự cố", "delegates": "Đại biểu có mặt / dự kiến (tại các điểm đã báo cáo)",
        "delegates_expected": "Tổng số đại biểu dự kiến", "attendance_reported": "Điểm cầu đã báo cáo điểm danh",
        "rate": "Tỷ lệ tham dự", "units": "Theo đơn vị", "unit": "Đơn vị", "point": "Điểm cầu", "code": "Mã",
        "expected": "Dự kiến", "present": "Có mặt", "late": "Đến muộn", "left_early": "Về sớm", "absent": "Vắng",
        "audio": "Âm thanh", "video": "Hình ảnh", "live_ready": "Sẵn sàng trong phiên", "flags": "Ghi chú",
        "timeline": "Diễn biến sự cố", "category": "Loại", "duration": "Thời lượng", "at": "Lúc",
        "chart_readiness": "Sẵn sàng theo thời gian", "chart_attendance": "Tham dự theo đơn vị",
        "chart_quality": "Chất lượng theo điểm cầu", "ready": "sẵn sàng", "degraded": "suy giảm",
        "unreachable": "không kết nối", "unknown": "chưa rõ", "over_capacity": "vượt sức chứa hội trường",
        "under_target": "dưới mục tiêu 90%", "alert": "cảnh báo", "report": "báo cáo", "generated": "Lập lúc",
        "none": "Không có", "minutes": "phút", "at_check": "lần kiểm tra cuối trước giờ họp", "head_count": "Thiết bị đếm được",
    },
    "en": {
        "title": "Post-session report", "session": "Session", "time": "Time", "organiser": "Organising unit",
        "summary": "Summary", "points": "Points", "connected": "Points connected", "ready_at": "Ready at",
        "share": "Share of time good / ok / bad", "incidents": "Incidents", "delegates": "Delegates present / expected (points that reported)",
        "delegates_expected": "Delegates expected in all", "attendance_reported": "Points that reported attendance",
        "rate": "Attendance rate", "units": "By unit", "unit": "Unit", "point": "Point", "code": "Code",
        "expected": "Expected", "present": "Present", "late": "Late", "left_early": "Left early", "absent": "Absent",
        "audio": "Audio", "video": "Video", "live_ready": "Ready during session", "flags": "Notes",
        "timeline": "Incident timeline", "category": "Category", "duration": "Duration", "at": "At",
        "chart_readiness": "Readiness over time", "chart_attendance": "Attendance by unit",
        "chart_quality": "Quality per point", "ready": "ready", "degraded": "degraded",
        "unreachable": "unreachable", "unknown": "unknown", "over_capacity": "over hall capacity",
        "under_target": "under the 90% target", "alert": "alert", "report": "report", "generated": "Generated",
        "none": "None", "minutes": "min", "at_check": "the last pre-session check", "head_count": "Codec head-count",
    },
}  # fmt: skip


def number(value: int | float | None, lang: str, digits: int = 0) -> str:
    """6.000 and 4,25 in Vietnamese; 6,000 and 4.25 in English."""
    if value is None:
        return "–"
    text = f"{value:,.{digits}f}"
    if lang == "vi":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def percent(value: float | None, lang: str) -> str:
    """92,5% / 92.5%"""
    return "–" if value is None else number(value * 100, lang, 1) + "%"


def when(moment: datetime | None, zone, *, seconds: bool = False) -> str:
    if moment is None:
        return "–"
    return moment.astimezone(zone).strftime("%d/%m/%Y %H:%M:%S" if seconds else "%d/%m/%Y %H:%M")


def category(name: str, lang: str) -> str:
    if name in ISSUE_CATEGORIES:
        return ISSUE_CATEGORIES[name][0 if lang == "vi" else 1]
    return LABELS[lang].get(name, name)
