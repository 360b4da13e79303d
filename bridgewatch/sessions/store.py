"""SQL for sessions, their points, sweep claims, checklists and help requests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from bridgewatch.errors import Conflict, NotFound, ValidationError
from bridgewatch.registry import endpoints
from bridgewatch.registry.models import Endpoint
from bridgewatch.sessions.models import CHECKLIST_ITEMS, Session

SESSION_SELECT = """
SELECT s.id, s.title, u.code AS unit_code, t.path AS unit_path, s.starts_at, s.ends_at,
       h.code AS host_code, s.cancelled_at,
       (SELECT count(*) FROM session_point p WHERE p.session_id = s.id)::int AS points,
       (SELECT coalesce(sum(expected), 0) FROM session_point p WHERE p.session_id = s.id)::int AS expected
FROM session s
JOIN unit u ON u.id = s.unit_id
JOIN unit_tree t ON t.id = s.unit_id
LEFT JOIN endpoint h ON h.id = s.host_id
"""


async def get_session(conn: asyncpg.Connection, session_id: int) -> Session:
    row = await conn.fetchrow(SESSION_SELECT + "WHERE s.id = $1", session_id)
    if row is None:
        raise NotFound(f"no session with id {session_id}", field="id")
    return Session(**dict(row))


async def list_sessions(
    conn: asyncpg.Connection,
    *,
    since: datetime | None,
    until: datetime | None,
    include_cancelled: bool,
) -> list[Session]:
    rows = await conn.fetch(
        SESSION_SELECT
        + """WHERE ($1::timestamptz IS NULL OR s.ends_at >= $1)
             AND ($2::timestamptz IS NULL OR s.starts_at <= $2)
             AND ($3 OR s.cancelled_at IS NULL)
           ORDER BY s.starts_at, s.id""",
        since,
        until,
        include_cancelled,
    )
    return [Session(**dict(r)) for r in rows]


async def sessions_to_schedule(
    conn: asyncpg.Connection, *, now: datetime, horizon_s: float
) -> list[Session]:
    """Sessions not cancelled that have not ended: what the scheduler must know about."""
    rows = await conn.fetch(
        SESSION_SELECT + "WHERE s.cancelled_at IS NULL AND s.ends_at > $1 ORDER BY s.starts_at", now
    )
    return [Session(**dict(r)) for r in rows]


async def create_session(
    conn: asyncpg.Connection,
    *,
    title: str,
    unit_id: int,
    starts_at: datetime,
    ends_at: datetime,
    host_id: int | None,
) -> Session:
    session_id = await conn.fetchval(
        """INSERT INTO session (title, unit_id, starts_at, ends_at, host_id)
           VALUES ($1, $2, $3, $4, $5) RETURNING id""",
        title,
        unit_id,
        starts_at,
        ends_at,
        host_id,
    )
    if host_id is not None:
        await conn.execute(
            "INSERT INTO session_point (session_id, endpoint_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            session_id,
            host_id,
        )
    return await get_session(conn, session_id)


async def update_session(conn: asyncpg.Connection, session_id: int, **fields) -> Session:
    columns = [c for c in ("title", "starts_at", "ends_at", "unit_id", "host_id") if c in fields]
    if columns:
        assignments = ", ".join(f"{c} = ${i}" for i, c in enumerate(columns, start=2))
        await conn.execute(
            f"UPDATE session SET {assignments}, updated_at = now() WHERE id = $1",
            session_id,
            *[fields[c] for c in columns],
        )
    return await get_session(conn, session_id)


async def cancel_session(conn: asyncpg.Connection, session_id: int) -> Session:
    await conn.execute(
        "UPDATE session SET cancelled_at = coalesce(cancelled_at, now()), updated_at = now() WHERE id = $1",
        session_id,
    )
    return await get_session(conn, session_id)


@dataclass(frozen=True)
class SessionPoint:
    endpoint: Endpoint
    expected: int


async def session_points(conn: asyncpg.Connection, session_id: int) -> list[SessionPoint]:
    rows = await conn.fetch(
        "SELECT endpoint_id, expected FROM session_point WHERE session_id = $1", session_id
    )
    expected = {r["endpoint_id"]: r["expected"] for r in rows}
    if not expected:
        return []
    items = await endpoints.list_by_ids(conn, list(expected))
    return [SessionPoint(e, expected[e.id]) for e in items]


async def add_points(
    conn: asyncpg.Connection, session_id: int, pairs: list[tuple[int, int]]
) -> int:
    """Add (endpoint id, expected) pairs; a point already in the session is a conflict."""
    present = await conn.fetch(
        """SELECT e.code FROM session_point p JOIN endpoint e ON e.id = p.endpoint_id
           WHERE p.session_id = $1 AND p.endpoint_id = ANY($2)""",
        session_id,
        [p[0] for p in pairs],
    )
    if present:
        codes = ", ".join(sorted(r["code"] for r in present))
        raise Conflict(f"already in the session: {codes}", field="points")
    await conn.executemany(
        "INSERT INTO session_point (session_id, endpoint_id, expected) VALUES ($1, $2, $3)",
        [(session_id, endpoint_id, expected) for endpoint_id, expected in pairs],
    )
    return len(pairs)


async def expected_of(conn: asyncpg.Connection, session_id: int, endpoint_id: int) -> int:
    """Delegates expected at one point of a session."""
    return await conn.fetchval(
        "SELECT expected FROM session_point WHERE session_id = $1 AND endpoint_id = $2",
        session_id,
        endpoint_id,
    )


async def set_expected(
    conn: asyncpg.Connection, session_id: int, endpoint_id: int, expected: int
) -> None:
    await conn.execute(
        "UPDATE session_point SET expected = $3 WHERE session_id = $1 AND endpoint_id = $2",
        session_id,
        endpoint_id,
        expected,
    )


async def remove_point(conn: asyncpg.Connection, session_id: int, endpoint_id: int) -> None:
    done = await conn.fetchval(
        "DELETE FROM session_point WHERE session_id = $1 AND endpoint_id = $2 RETURNING 1",
        session_id,
        endpoint_id,
    )
    if not done:
        raise NotFound("that point is not in the session", field="code")


async def require_point(conn: asyncpg.Connection, session_id: int, endpoint_id: int) -> None:
    if not await conn.fetchval(
        "SELECT 1 FROM session_point WHERE session_id = $1 AND endpoint_id = $2",
        session_id,
        endpoint_id,
    ):
        raise ValidationError("code", "that point does not take part in the session")


async def claim_slot(conn: asyncpg.Connection, session_id: int, slot: str, instance: str) -> bool:
    """True for the one instance that may run this sweep; the others get False."""
    return bool(
        await conn.fetchval(
            """INSERT INTO sweep_claim (session_id, slot, claimed_by) VALUES ($1, $2, $3)
               ON CONFLICT DO NOTHING RETURNING 1""",
            session_id,
            slot,
            instance,
        )
    )


async def claimed_slots(conn: asyncpg.Connection, session_id: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT slot, claimed_at, claimed_by, sweep_id FROM sweep_claim WHERE session_id = $1 ORDER BY claimed_at",
        session_id,
    )


async def record_claim_sweep(
    conn: asyncpg.Connection, session_id: int, slot: str, sweep_id
) -> None:
    await conn.execute(
        "UPDATE sweep_claim SET sweep_id = $3 WHERE session_id = $1 AND slot = $2",
        session_id,
        slot,
        sweep_id,
    )


async def checklists(conn: asyncpg.Connection, session_id: int) -> dict[int, dict]:
    """endpoint id -> {"items": {item: {checked, by, at}}, "help": {...} or None}."""
    result: dict[int, dict] = {}
    for r in await conn.fetch(
        "SELECT endpoint_id, item, checked, checked_by, checked_at FROM checklist_item WHERE session_id = $1",
        session_id,
    ):
        entry = result.setdefault(r["endpoint_id"], {"items": {}, "help": None})
        entry["items"][r["item"]] = {
            "checked": r["checked"],
            "by": r["checked_by"],
            "at": r["checked_at"].isoformat(),
        }
    for r in await conn.fetch(
        "SELECT endpoint_id, needs_help, note, updated_by, updated_at FROM help_request WHERE session_id = $1",
        session_id,
    ):
        entry = result.setdefault(r["endpoint_id"], {"items": {}, "help": None})
        entry["help"] = {"needs_help": r["needs_help"], "note": r["note"], "by": r["updated_by"],
                         "at": r["updated_at"].isoformat()}  # fmt: skip
    return result


async def set_checklist(
    conn: asyncpg.Connection, session_id: int, endpoint_id: int, items: dict[str, bool], who: str
) -> None:
    for item in items:
        if item not in CHECKLIST_ITEMS:
            raise ValidationError(
                "items", f"unknown checklist item {item!r}; known: {', '.join(CHECKLIST_ITEMS)}"
            )
    await conn.executemany(
        """INSERT INTO checklist_item (session_id, endpoint_id, item, checked, checked_by)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (session_id, endpoint_id, item)
           DO UPDATE SET checked = excluded.checked, checked_by = excluded.checked_by, checked_at = now()""",
        [(session_id, endpoint_id, item, checked, who) for item, checked in items.items()],
    )


async def set_help(
    conn: asyncpg.Connection,
    session_id: int,
    endpoint_id: int,
    needs_help: bool,
    note: str,
    who: str,
) -> None:
    await conn.execute(
        """INSERT INTO help_request (session_id, endpoint_id, needs_help, note, updated_by)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (session_id, endpoint_id)
           DO UPDATE SET needs_help = excluded.needs_help, note = excluded.note,
                         updated_by = excluded.updated_by, updated_at = now()""",
        session_id,
        endpoint_id,
        needs_help,
        note,
        who,
    )


async def readiness_by_slot(conn: asyncpg.Connection, session_id: int) -> list[asyncpg.Record]:
    """Counts per state for each sweep of the session ("ready at T-10")."""
    return await conn.fetch(
        """SELECT s.slot, s.started_at, s.ready, s.degraded, s.unreachable, s.unknown
           FROM sweep s WHERE s.session_id = $1 ORDER BY s.started_at""",
        session_id,
    )
