"""A session's readiness as the board and the API show it: counts, unit roll-ups, points."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from bridgewatch.readiness import READY, STATES
from bridgewatch.sessions import store
from bridgewatch.sessions.models import CHECKLIST_ITEMS, Session
from bridgewatch.state import EndpointStatus, LatestState


def point_figures(status: EndpointStatus | None) -> dict:
    """State, reasons and the figures a technician looks at first."""
    if status is None:
        return {"state": "unknown", "reason": {"vi": "chưa được kiểm tra", "en": "not checked yet"},
                "rtt_ms": None, "loss_pct": None, "mos": None, "checked_at": None}  # fmt: skip
    icmp = status.result("icmp")
    sip = status.result("sip")
    rtt = icmp.rtt_ms if icmp and icmp.rtt_ms is not None else (sip.rtt_ms if sip else None)
    return {
        "state": status.readiness.state,
        "reason": {"vi": status.readiness.reason_vi, "en": status.readiness.reason_en},
        "rtt_ms": None if rtt is None else round(rtt, 1),
        "loss_pct": icmp.loss_pct if icmp else None,
        "mos": status.readiness.mos,
        "checked_at": status.checked_at.isoformat(),
    }


async def _stored_states(conn: asyncpg.Connection, endpoint_ids: list[int]) -> dict[int, dict]:
    """Latest stored readiness per endpoint (for points this process has not probed yet)."""
    rows = await conn.fetch(
        """SELECT DISTINCT ON (endpoint_id) endpoint_id, at, state, reason_vi, reason_en, mos
           FROM readiness_result
           WHERE endpoint_id = ANY($1) AND at > now() - interval '1 day'
           ORDER BY endpoint_id, at DESC""",
        endpoint_ids,
    )
    return {
        r["endpoint_id"]: {"state": r["state"], "reason": {"vi": r["reason_vi"], "en": r["reason_en"]},
                           "rtt_ms": None, "loss_pct": None, "mos": r["mos"], "checked_at": r["at"].isoformat()}
        for r in rows
    }  # fmt: skip


def roll_up(points: list[dict]) -> list[dict]:
    """Per unit on the points' paths: how many points, how many ready ("Chợ Đồn: 14/16")."""
    units: dict[str, dict] = {}
    for point in points:
        names = point["unit_path"].split(" / ")
        for depth in range(len(names)):
            path = " / ".join(names[: depth + 1])
            entry = units.setdefault(path, {"path": path, "name": names[depth], "depth": depth, "total": 0,
                                            "counts": dict.fromkeys(STATES, 0)})  # fmt: skip
            entry["total"] += 1
            entry["counts"][point["state"]] += 1
    for entry in units.values():
        entry["ready"] = entry["counts"][READY]
    return sorted(units.values(), key=lambda u: u["path"])


async def session_readiness(
    conn: asyncpg.Connection, state: LatestState, session: Session, *, now: datetime, first_offset
) -> dict:
    points = await store.session_points(conn, session.id)
    ids = [p.endpoint.id for p in points]
    stored = await _stored_states(conn, [i for i in ids if state.get(i) is None])
    lists = await store.checklists(conn, session.id)
    rows = []
    for p in points:
        e = p.endpoint
        cached = state.get(e.id)
        figures = point_figures(cached) if cached else stored.get(e.id, point_figures(None))
        checklist = lists.get(e.id, {"items": {}, "help": None})
        rows.append(
            {
                "code": e.code,
                "name": e.name,
                "unit": e.unit_code,
                "unit_path": e.unit_path,
                "contact_name": e.contact_name,
                "contact_phone": e.contact_phone,
                "tel": "".join(c for c in e.contact_phone if c.isdigit() or c == "+"),
                "expected": p.expected,
                "hall_capacity": e.hall_capacity,
                "equipment": e.equipment,
                **figures,
                "checklist": checklist["items"],
                "checklist_done": sum(
                    1 for i in CHECKLIST_ITEMS if checklist["items"].get(i, {}).get("checked")
                ),
                "help": checklist["help"],
            }
        )
    counts = dict.fromkeys(STATES, 0)
    for row in rows:
        counts[row["state"]] += 1
    slots = [
        {"slot": r["slot"], "at": r["started_at"].isoformat(), "ready": r["ready"], "degraded": r["degraded"],
         "unreachable": r["unreachable"], "unknown": r["unknown"]}
        for r in await store.readiness_by_slot(conn, session.id)
    ]  # fmt: skip
    return {
        "session": session.to_json(),
        "phase": session.phase(now, first_offset),
        "counts": counts,
        "total": len(rows),
        "units": roll_up(rows),
        "points": rows,
        "checks": slots,
    }
