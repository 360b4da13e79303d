"""The trend report against rows written straight into the database."""

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

from bridgewatch.registry import units
from bridgewatch.sessions import store
from tests.conftest import bearer


async def test_trend_finds_repeated_problems_restore_time_attendance_and_gaps(client, tokens, conn):
    admin = bearer(tokens["admin"])
    specs = [
        ("A", "C1", "Cisco Webex Room Kit", 40),
        ("B", "C2", "Máy tính + webcam Logitech", 30),
        ("C", "C3", "", 20),
    ]
    for code, unit, equipment, capacity in specs:
        body = {
            "code": code,
            "name": f"Điểm {code}",
            "unit": unit,
            "host": "127.0.0.9",
            "equipment": equipment,
            "hall_capacity": capacity,
        }
        assert (await client.post("/api/v1/endpoints", json=body, headers=admin)).status == 201
    ids = {r["code"]: r["id"] for r in await conn.fetch("SELECT id, code FROM endpoint")}
    unit_id = (await units.get_unit(conn, "P")).id
    base = datetime(2026, 10, 1, 1, 0, tzinfo=UTC)
    for n in range(3):
        start = base + timedelta(days=7 * n)
        session = await store.create_session(conn, title=f"Phiên {n + 1}", unit_id=unit_id, starts_at=start,
                                             ends_at=start + timedelta(hours=2), host_id=None)  # fmt: skip
        await store.add_points(conn, session.id, [(ids[c], 30) for c in "ABC"])
        sweep = uuid.uuid4()
        await conn.execute(
            "INSERT INTO sweep VALUES ($1, $2, $2, 3, 9, 1, 0, 2, 0, 'test', $3, 'T-10')",
            sweep,
            start - timedelta(minutes=10),
            session.id,
        )
        for code, state in (
            ("A", "ready"),
            ("B", "unreachable"),
            ("C", "unreachable" if n < 2 else "ready"),
        ):
            await conn.execute(
                "INSERT INTO readiness_result (at, endpoint_id, sweep_id, state, reason_vi, reason_en) VALUES ($1, $2, $3, $4, '', '')",
                start - timedelta(minutes=10), ids[code], sweep, state,
            )  # fmt: skip
        await conn.execute(
            "INSERT INTO alert_incident (session_id, endpoint_id, opened_at, closed_at, state, reason) VALUES ($1, $2, $3, $4, 'unreachable', '')",
            session.id, ids["B"], start, start + timedelta(minutes=10 * (n + 1)),
        )  # fmt: skip
        for code, present in (("A", 27), ("B", 33 + n)):
            await conn.execute(
                "INSERT INTO attendance (session_id, endpoint_id, present_at_start, late, left_early, absent, updated_by) VALUES ($1, $2, $3, 0, 0, 0, 't')",
                session.id, ids[code], present,
            )  # fmt: skip
    response = await client.get(
        "/api/v1/reports/trend?from=2026-09-01&to=2026-11-01&format=csv&lang=en", headers=admin
    )
    assert response.status == 200
    text = (await response.read()).decode("utf-8-sig")
    sections = {}
    for block in text.strip().split("\r\n\r\n"):
        rows = list(csv.reader(io.StringIO(block)))
        sections[rows[0][0]] = rows[2:]
    repeated = {r[0]: r for r in sections["Points with repeated problems"]}
    assert set(repeated) == {"B", "C"}
    assert (
        repeated["B"][3] == "3" and repeated["B"][4] == "3" and repeated["B"][5] == "20.0"
    )  # (10+20+30)/3 min
    assert repeated["C"][3] == "2"
    rates = [(r[1], r[2], r[5]) for r in sections["Attendance rate per unit"]]
    # A (C1) and B (C2) are both in Chợ Đồn: (27 + 33) / 60, then (27 + 35) / 60
    assert ("Phiên 1", "Huyện Chợ Đồn", "100.0%") in rates and (
        "Phiên 3",
        "Huyện Chợ Đồn",
        "103.3%",
    ) in rates
    gaps = {r[0] for r in sections["Points with missing or non-standard equipment"]}
    assert gaps == {"B", "C"}
    small = {r[0] for r in sections["Halls smaller than their usual attendance"]}
    assert small == {"B"}  # capacity 30, usually 34
    empty = {r[0] for r in sections["Units with no point"]}
    assert "Tỉnh Bắc Kạn / Huyện Chợ Đồn / Xã Đại Sảo" not in empty  # C2 has B
    bad = await client.get("/api/v1/reports/trend?from=2026-11-01&to=2026-09-01", headers=admin)
    assert bad.status == 400 and (await bad.json())["error"]["field"] == "to"
    html = await (
        await client.get(
            "/api/v1/reports/trend?from=2026-09-01&to=2026-11-01&lang=vi", headers=admin
        )
    ).text()
    assert "Báo cáo xu hướng" in html and "Điểm cầu nhiều lần có sự cố" in html
