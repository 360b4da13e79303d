"""Attendance per point per session: present at the start, late, left early, absent with reasons."""

from __future__ import annotations

import asyncpg

from bridgewatch.errors import ValidationError
from bridgewatch.sessions.models import clean_expected

ATTENDANCE_BODY = {"present_at_start", "late", "left_early", "absent", "absent_reasons", "note"}
# Present may exceed expected by this share without a note (a few guests); beyond it, explain.
TOLERANCE = 0.10
TARGET_RATE = 0.90


def clean_attendance(body: dict, expected: int) -> dict:
    for key in body:
        if key not in ATTENDANCE_BODY:
            raise ValidationError(key, f"unknown field {key!r}")
    counts = {
        key: clean_expected(key, body.get(key, 0))
        for key in ("present_at_start", "late", "left_early", "absent")
    }
    texts = {}
    for key in ("absent_reasons", "note"):
        value = body.get(key, "")
        if not isinstance(value, str) or len(value) > 2000:
            raise ValidationError(key, f"{key} must be text of at most 2000 characters")
        texts[key] = value.strip()
    present = counts["present_at_start"] + counts["late"]
    if counts["left_early"] > present:
        raise ValidationError("left_early", "left_early cannot be more than those present")
    if present > expected * (1 + TOLERANCE) and present > expected + 1 and not texts["note"]:
        raise ValidationError(
            "present_at_start",
            f"{present} present but {expected} expected: add a note saying why (more than {TOLERANCE:.0%} over)",
        )
    if counts["absent"] and not texts["absent_reasons"]:
        raise ValidationError("absent_reasons", "give the reasons of the absences")
    return {**counts, **texts}


async def save(
    conn: asyncpg.Connection, session_id: int, endpoint_id: int, record: dict, who: str
) -> None:
    await conn.execute(
        """INSERT INTO attendance (session_id, endpoint_id, present_at_start, late, left_early, absent,
                                   absent_reasons, note, updated_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (session_id, endpoint_id) DO UPDATE SET
               present_at_start = excluded.present_at_start, late = excluded.late,
               left_early = excluded.left_early, absent = excluded.absent,
               absent_reasons = excluded.absent_reasons, note = excluded.note,
               updated_by = excluded.updated_by, updated_at = now()""",
        session_id, endpoint_id, record["present_at_start"], record["late"], record["left_early"],
        record["absent"], record["absent_reasons"], record["note"], who,
    )  # fmt: skip


def figures(expected: int, capacity: int | None, row) -> dict:
    """Rate and flags for one point (row: an attendance record or None)."""
    if row is None:
        return {"reported": False, "expected": expected, "present": None, "rate": None, "flags": []}
    present = row["present_at_start"] + row["late"]
    rate = present / expected if expected else None
    flags = []
    if capacity is not None and present > capacity:
        flags.append("over_capacity")
    if rate is not None and rate < TARGET_RATE:
        flags.append("under_target")
    return {
        "reported": True, "expected": expected, "present": present, "present_at_start": row["present_at_start"],
        "late": row["late"], "left_early": row["left_early"], "absent": row["absent"],
        "absent_reasons": row["absent_reasons"], "note": row["note"], "rate": rate, "flags": flags,
    }  # fmt: skip


async def attendance_rows(conn: asyncpg.Connection, session_id: int) -> dict[int, asyncpg.Record]:
    rows = await conn.fetch("SELECT * FROM attendance WHERE session_id = $1", session_id)
    return {r["endpoint_id"]: r for r in rows}
