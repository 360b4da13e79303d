"""Every figure of a post-session report, read from the database in one place."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg

from bridgewatch.sessions import attendance, store
from bridgewatch.sessions.models import Session


@dataclass
class PointRow:
    code: str
    name: str
    unit_path: str
    group: str
    expected: int
    capacity: int | None
    at_checks: dict[str, str]  # slot -> state at that pre-session check
    live_samples: Counter
    audio: float | None
    video: float | None
    reports: int
    incidents: int
    attendance: dict
    head_count: int | None = None  # the most people a codec counted in the room
    media_classes: Counter = field(default_factory=Counter)  # media windows per class

    @property
    def live_ready_share(self) -> float | None:
        total = sum(self.live_samples.values())
        return self.live_samples["ready"] / total if total else None

    @property
    def connected(self) -> bool:
        return self.live_samples["ready"] + self.live_samples["degraded"] > 0


@dataclass
class UnitRow:
    name: str
    points: int = 0
    ready_last_check: int = 0
    expected: int = 0
    present: int = 0
    reported: int = 0
    incidents: int = 0

    @property
    def rate(self) -> float | None:
        return self.present / self.expected if self.expected and self.reported else None


@dataclass
class ReportData:
    session: Session
    points: list[PointRow]
    units: list[UnitRow]
    checks: list[
        dict
    ]  # pre-session checks in order: slot, at, ready, degraded, unreachable, unknown
    live: list[dict]  # each live sweep: at, ready, degraded, unreachable, unknown
    timeline: list[dict]  # incidents: at, code, name, kind, category, duration_s
    generated_at: datetime
    shares: dict[str, float] = field(default_factory=dict)  # good / ok / bad share of live samples

    @property
    def expected(self) -> int:
        return sum(p.expected for p in self.points)

    @property
    def present(self) -> int:
        return sum(p.attendance["present"] or 0 for p in self.points if p.attendance["reported"])

    @property
    def expected_reported(self) -> int:
        return sum(p.expected for p in self.points if p.attendance["reported"])

    @property
    def rate(self) -> float | None:
        return self.present / self.expected_reported if self.expected_reported else None

    @property
    def connected(self) -> int:
        return sum(1 for p in self.points if p.connected)


def group_of(unit_path: str) -> str:
    names = unit_path.split(" / ")
    return names[1] if len(names) > 1 else names[0]


async def gather(conn: asyncpg.Connection, session_id: int, *, now: datetime) -> ReportData:
    session = await store.get_session(conn, session_id)
    points = await store.session_points(conn, session_id)
    sweeps = await conn.fetch(
        """SELECT id, slot, started_at, ready, degraded, unreachable, unknown FROM sweep
           WHERE session_id = $1 ORDER BY started_at""",
        session_id,
    )
    checks = [dict(r) for r in sweeps if (r["slot"] or "").startswith("T-")]
    live = [dict(r) for r in sweeps if (r["slot"] or "").startswith("live")]
    states = await conn.fetch(
        """SELECT r.endpoint_id, r.state, s.slot FROM readiness_result r JOIN sweep s ON s.id = r.sweep_id
           WHERE s.session_id = $1""",
        session_id,
    )
    at_checks: dict[int, dict[str, str]] = defaultdict(dict)
    live_samples: dict[int, Counter] = defaultdict(Counter)
    for r in states:
        slot = r["slot"] or ""
        if slot.startswith("T-"):
            at_checks[r["endpoint_id"]][slot] = r["state"]
        elif slot.startswith("live"):
            live_samples[r["endpoint_id"]][r["state"]] += 1
    scores = {
        r["endpoint_id"]: r
        for r in await conn.fetch(
            """SELECT endpoint_id, avg(audio)::float AS audio, avg(video)::float AS video, count(*) AS reports
               FROM quality_report WHERE session_id = $1 GROUP BY endpoint_id""",
            session_id,
        )
    }
    issues = await conn.fetch(
        """SELECT r.endpoint_id, i.category, i.started_at, i.duration_s FROM quality_issue i
           JOIN quality_report r ON r.id = i.report_id WHERE r.session_id = $1""",
        session_id,
    )
    alerts = await conn.fetch(
        """SELECT endpoint_id, opened_at, closed_at, state FROM alert_incident
           WHERE session_id = $1 AND suppressed_by IS NULL""",
        session_id,
    )
    present_rows = await attendance.attendance_rows(conn, session_id)
    media = await conn.fetch(
        """SELECT endpoint_id, class, people_count FROM media_stat WHERE session_id = $1""",
        session_id,
    )
    media_classes: dict[int, Counter] = defaultdict(Counter)
    head_count: dict[int, int] = {}
    for m in media:
        if m["class"]:
            media_classes[m["endpoint_id"]][m["class"]] += 1
        if m["people_count"] is not None:
            head_count[m["endpoint_id"]] = max(
                head_count.get(m["endpoint_id"], 0), m["people_count"]
            )
    by_id = {p.endpoint.id: p for p in points}
    incident_count = Counter(
        [i["endpoint_id"] for i in issues] + [a["endpoint_id"] for a in alerts]
    )
    rows = []
    for p in points:
        e = p.endpoint
        score = scores.get(e.id)
        rows.append(
            PointRow(
                code=e.code, name=e.name, unit_path=e.unit_path, group=group_of(e.unit_path), expected=p.expected,
                capacity=e.hall_capacity, at_checks=at_checks.get(e.id, {}), live_samples=live_samples.get(e.id, Counter()),
                audio=score["audio"] if score else None, video=score["video"] if score else None,
                reports=score["reports"] if score else 0, incidents=incident_count[e.id],
                attendance=attendance.figures(p.expected, e.hall_capacity, present_rows.get(e.id)),
                head_count=head_count.get(e.id), media_classes=media_classes.get(e.id, Counter()),
            )
        )  # fmt: skip
    last_slot = checks[-1]["slot"] if checks else None
    units: dict[str, UnitRow] = {}
    for row in rows:
        unit = units.setdefault(row.group, UnitRow(row.group))
        unit.points += 1
        unit.ready_last_check += 1 if last_slot and row.at_checks.get(last_slot) == "ready" else 0
        unit.expected += row.expected if row.attendance["reported"] else 0
        unit.present += row.attendance["present"] or 0
        unit.reported += 1 if row.attendance["reported"] else 0
        unit.incidents += row.incidents
    timeline = [
        {"at": i["started_at"], "code": by_id[i["endpoint_id"]].endpoint.code, "name": by_id[i["endpoint_id"]].endpoint.name,
         "kind": "report", "category": i["category"], "duration_s": i["duration_s"]}
        for i in issues if i["endpoint_id"] in by_id
    ] + [
        {"at": a["opened_at"], "code": by_id[a["endpoint_id"]].endpoint.code, "name": by_id[a["endpoint_id"]].endpoint.name,
         "kind": "alert", "category": a["state"],
         "duration_s": int(((a["closed_at"] or now) - a["opened_at"]).total_seconds())}
        for a in alerts if a["endpoint_id"] in by_id
    ]  # fmt: skip
    timeline.sort(key=lambda t: t["at"])
    return ReportData(session, rows, sorted(units.values(), key=lambda u: u.name), checks, live, timeline, now,
                      time_shares(rows))  # fmt: skip


def time_shares(rows: list[PointRow]) -> dict[str, float]:
    """Share of time good / ok / bad: from the codecs' and MCU's media windows where there are
    any (Pexip classes; "terrible" counts as bad), else from the live readiness sweeps."""
    windows = Counter()
    for row in rows:
        windows.update(row.media_classes)
    total = sum(windows.values())
    if total:
        return {"good": windows["good"] / total, "ok": windows["ok"] / total,
                "bad": (windows["bad"] + windows["terrible"]) / total}  # fmt: skip
    samples = Counter()
    for row in rows:
        samples.update(row.live_samples)
    total = sum(samples.values())
    if not total:
        return {}
    return {"good": samples["ready"] / total, "ok": samples["degraded"] / total,
            "bad": (samples["unreachable"] + samples["unknown"]) / total}  # fmt: skip
