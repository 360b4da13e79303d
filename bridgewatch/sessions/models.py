"""Session records and the validation of what enters them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bridgewatch.errors import ValidationError
from bridgewatch.text import nfc

CHECKLIST_ITEMS = ("power", "camera", "microphone", "display", "test_call")
CHECKLIST_LABELS = {
    "power": ("Nguồn điện", "Power"),
    "camera": ("Camera", "Camera"),
    "microphone": ("Micro", "Microphone"),
    "display": ("Màn hình", "Display"),
    "test_call": ("Đã vào phòng họp thử", "Test call joined"),
}
MAX_SESSION = timedelta(days=7)


@dataclass(frozen=True)
class Session:
    id: int
    title: str
    unit_code: str
    unit_path: str
    starts_at: datetime
    ends_at: datetime
    host_code: str | None
    cancelled_at: datetime | None
    points: int
    expected: int

    def phase(self, now: datetime, first_offset: timedelta) -> str:
        """scheduled, checking (inside the pre-session window), live, ended or cancelled."""
        if self.cancelled_at:
            return "cancelled"
        if now >= self.ends_at:
            return "ended"
        if now >= self.starts_at:
            return "live"
        if now >= self.starts_at - first_offset:
            return "checking"
        return "scheduled"

    def to_json(self, zone=None) -> dict:
        def show(t: datetime | None) -> str | None:
            if t is None:
                return None
            return (t.astimezone(zone) if zone else t).isoformat()

        return {
            "id": self.id,
            "title": self.title,
            "unit": self.unit_code,
            "unit_path": self.unit_path,
            "starts_at": show(self.starts_at),
            "ends_at": show(self.ends_at),
            "host": self.host_code,
            "cancelled_at": show(self.cancelled_at),
            "points": self.points,
            "expected": self.expected,
        }


def parse_time(field: str, value: object, zone) -> datetime:
    """ISO 8601; a time without offset is taken in the configured zone. Stored in UTC."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(
            field, f"{field} must be an ISO 8601 time such as 2026-11-25T08:00+07:00"
        )
    text = value.strip().replace("Z", "+00:00")
    if len(text) == 10:  # a date alone: its midnight
        text += "T00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(field, f"{field}: {value!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)


def clean_session_fields(data: Mapping[str, object], zone, *, partial: bool) -> dict:
    """Title, start and end (end after start, at most a week); unit and host are resolved later."""
    cleaned: dict = {}
    if "title" in data or not partial:
        title = data.get("title")
        if not isinstance(title, str) or not nfc(title):
            raise ValidationError("title", "title is required")
        if len(nfc(title)) > 300:
            raise ValidationError("title", "title is longer than 300 characters")
        cleaned["title"] = nfc(title)
    for key in ("starts_at", "ends_at"):
        if key in data or not partial:
            cleaned[key] = parse_time(key, data.get(key), zone)
    return cleaned


def check_window(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise ValidationError("ends_at", "ends_at must be after starts_at")
    if ends_at - starts_at > MAX_SESSION:
        raise ValidationError("ends_at", "a session may last at most 7 days")


def clean_expected(field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(field, f"{field} must be a whole number, 0 or more")
    if value > 1_000_000:
        raise ValidationError(field, f"{field} is too large")
    return value
