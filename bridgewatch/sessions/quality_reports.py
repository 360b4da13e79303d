"""Quality reports from a point's operator: audio and video scores, incidents, a note.

Idempotent by a client-supplied id: a retried submission is stored once.
"""

from __future__ import annotations

from datetime import UTC, timedelta

import asyncpg

from bridgewatch.errors import ValidationError
from bridgewatch.sessions.models import Session, parse_time

ISSUE_CATEGORIES = {
    "no_picture": ("không có hình", "no picture"),
    "no_sound": ("không có tiếng", "no sound"),
    "connection_lost": ("mất kết nối", "connection lost"),
    "echo": ("tiếng vọng", "echo"),
    "frozen_picture": ("hình bị đứng", "frozen picture"),
    "lip_sync": ("tiếng và hình lệch nhau", "lip-sync"),
}
REPORT_BODY = {"client_id", "audio", "video", "issues", "note"}


def _score(field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise ValidationError(field, f"{field} must be a whole number from 1 to 5")
    return value


def clean_report(body: dict, session: Session, zone) -> dict:
    for key in body:
        if key not in REPORT_BODY:
            raise ValidationError(key, f"unknown field {key!r}")
    client_id = body.get("client_id")
    if not isinstance(client_id, str) or not 1 <= len(client_id.strip()) <= 100:
        raise ValidationError(
            "client_id", "client_id is required: a unique id chosen by the client (max 100)"
        )
    note = body.get("note", "")
    if not isinstance(note, str) or len(note) > 4000:
        raise ValidationError("note", "note must be text of at most 4000 characters")
    issues = body.get("issues", [])
    if not isinstance(issues, list) or len(issues) > 100:
        raise ValidationError("issues", "issues must be a list (at most 100)")
    cleaned_issues = []
    for index, issue in enumerate(issues):
        field = f"issues[{index}]"
        if not isinstance(issue, dict):
            raise ValidationError(field, f"{field} must be an object")
        category = issue.get("category")
        if category not in ISSUE_CATEGORIES:
            raise ValidationError(
                f"{field}.category",
                f"{field}.category must be one of {', '.join(ISSUE_CATEGORIES)}",
            )
        started = parse_time(f"{field}.started_at", issue.get("started_at"), zone)
        duration = issue.get("duration_s", 0)
        if isinstance(duration, bool) or not isinstance(duration, int) or duration < 0:
            raise ValidationError(
                f"{field}.duration_s",
                f"{field}.duration_s must be a whole number of seconds, 0 or more",
            )
        if (
            not session.starts_at <= started <= session.ends_at
            or started + timedelta(seconds=duration) > session.ends_at
        ):
            raise ValidationError(f"{field}.started_at", f"{field} lies outside the session's time")
        cleaned_issues.append({"category": category, "started_at": started, "duration_s": duration})
    return {
        "client_id": client_id.strip(),
        "audio": _score("audio", body.get("audio")),
        "video": _score("video", body.get("video")),
        "note": note.strip(),
        "issues": cleaned_issues,
    }


async def submit(
    conn: asyncpg.Connection, session_id: int, endpoint_id: int, report: dict, who: str
) -> tuple[int, bool]:
    """Store a report; (id, created). The same client_id again returns the first one unchanged."""
    async with conn.transaction():
        report_id = await conn.fetchval(
            """INSERT INTO quality_report (session_id, endpoint_id, audio, video, client_id, note, submitted_by)
               VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (session_id, client_id) DO NOTHING RETURNING id""",
            session_id, endpoint_id, report["audio"], report["video"], report["client_id"], report["note"], who,
        )  # fmt: skip
        if report_id is None:
            existing = await conn.fetchrow(
                "SELECT id, endpoint_id FROM quality_report WHERE session_id = $1 AND client_id = $2",
                session_id,
                report["client_id"],
            )
            if existing["endpoint_id"] != endpoint_id:
                raise ValidationError("client_id", "client_id already used for another point")
            return existing["id"], False
        await conn.executemany(
            "INSERT INTO quality_issue (report_id, category, started_at, duration_s) VALUES ($1, $2, $3, $4)",
            [
                (report_id, i["category"], i["started_at"], i["duration_s"])
                for i in report["issues"]
            ],
        )
        return report_id, True


async def reports_for(
    conn: asyncpg.Connection, session_id: int, endpoint_id: int | None = None
) -> list[dict]:
    rows = await conn.fetch(
        """SELECT r.id, e.code, r.submitted_at, r.audio, r.video, r.client_id, r.note, r.submitted_by
           FROM quality_report r JOIN endpoint e ON e.id = r.endpoint_id
           WHERE r.session_id = $1 AND ($2::bigint IS NULL OR r.endpoint_id = $2) ORDER BY r.submitted_at""",
        session_id,
        endpoint_id,
    )
    issues = await conn.fetch(
        """SELECT i.report_id, i.category, i.started_at, i.duration_s FROM quality_issue i
           JOIN quality_report r ON r.id = i.report_id WHERE r.session_id = $1 ORDER BY i.started_at""",
        session_id,
    )
    by_report: dict[int, list] = {}
    for i in issues:
        by_report.setdefault(i["report_id"], []).append(
            {
                "category": i["category"],
                "started_at": i["started_at"].astimezone(UTC).isoformat(),
                "duration_s": i["duration_s"],
            }
        )
    return [
        {"id": r["id"], "code": r["code"], "submitted_at": r["submitted_at"].isoformat(), "audio": r["audio"],
         "video": r["video"], "client_id": r["client_id"], "note": r["note"], "by": r["submitted_by"],
         "issues": by_report.get(r["id"], [])}
        for r in rows
    ]  # fmt: skip
