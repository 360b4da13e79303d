"""Sessions over the API: validation, scope, reschedule and cancel reach the scheduler."""

import pytest

from bridgewatch.web.keys import SCHEDULER
from tests.conftest import bearer

SESSION = {
    "title": "Hội nghị trực tuyến",
    "unit": "P",
    "starts_at": "2026-12-01T08:00",
    "ends_at": "2026-12-01T11:00",
}


@pytest.fixture
async def registry(client, tokens):
    for code, unit in (("E-C1", "C1"), ("E-C2", "C2"), ("E-C3", "C3")):
        body = {"code": code, "name": code, "unit": unit, "host": "127.0.0.9"}
        assert (
            await client.post("/api/v1/endpoints", json=body, headers=bearer(tokens["admin"]))
        ).status == 201


BAD = [
    ({**SESSION, "ends_at": "2026-12-01T07:00"}, 400, "ends_at"),
    ({**SESSION, "starts_at": "tomorrow"}, 400, "starts_at"),
    ({**SESSION, "title": ""}, 400, "title"),
    ({**SESSION, "unit": "NOPE"}, 404, "unit"),
    ({**SESSION, "points": ["E-C1", "NOPE"]}, 400, "points[1]"),
    ({**SESSION, "points": ["E-C1", "E-C1"]}, 400, "points[1]"),
    ({**SESSION, "points": [{"code": "E-C1", "expected": -3}]}, 400, "points[0].expected"),
    ({**SESSION, "points": ["E-C1"], "expected": -1}, 400, "expected"),
    ({**SESSION, "host": "NOPE"}, 400, "host"),
    ({**SESSION, "colour": "red"}, 400, "colour"),
    ({**SESSION, "ends_at": "2026-12-20T08:00"}, 400, "ends_at"),
]


@pytest.mark.parametrize(("body", "status", "field"), BAD, ids=[b[2] for b in BAD])
async def test_bad_sessions_are_refused_and_nothing_is_stored(
    client, tokens, registry, conn, body, status, field
):
    response = await client.post("/api/v1/sessions", json=body, headers=bearer(tokens["admin"]))
    assert response.status == status, await response.text()
    assert (await response.json())["error"]["field"] == field
    assert await conn.fetchval("SELECT count(*) FROM session") == 0


async def test_create_add_reschedule_cancel(client, tokens, registry):
    admin = bearer(tokens["admin"])
    created = await client.post(
        "/api/v1/sessions", json={**SESSION, "points": "D1", "expected": 30}, headers=admin
    )
    assert created.status == 201
    body = await created.json()
    assert body["points"] == 2 and body["expected"] == 60
    assert body["starts_at"] == "2026-12-01T08:00:00+07:00"  # shown in the configured zone
    sid = body["id"]
    jobs = client.app[SCHEDULER].jobs()
    assert f"session:{sid}:T-60" in jobs

    more = await client.post(
        f"/api/v1/sessions/{sid}/points",
        json={"points": [{"code": "E-C3", "expected": 12}]},
        headers=admin,
    )
    assert more.status == 201
    twice = await client.post(
        f"/api/v1/sessions/{sid}/points", json={"points": ["E-C3"]}, headers=admin
    )
    assert twice.status == 409

    moved = await client.patch(
        f"/api/v1/sessions/{sid}",
        json={"starts_at": "2026-12-02T08:00", "ends_at": "2026-12-02T10:00"},
        headers=admin,
    )
    assert moved.status == 200
    assert str(client.app[SCHEDULER].jobs()[f"session:{sid}:T-60"]).startswith("2026-12-02 00:00")

    cancelled = await client.delete(f"/api/v1/sessions/{sid}", headers=admin)
    assert (await cancelled.json())["cancelled_at"]
    assert not [j for j in client.app[SCHEDULER].jobs() if j.startswith(f"session:{sid}:")]
    assert (
        await client.patch(f"/api/v1/sessions/{sid}", json={"title": "x"}, headers=admin)
    ).status == 400


async def test_operator_may_organise_only_inside_its_unit(client, tokens, registry):
    operator = bearer(tokens["operator"])
    inside = await client.post(
        "/api/v1/sessions",
        json={**SESSION, "unit": "D1", "points": ["E-C1", "E-C2"]},
        headers=operator,
    )
    assert inside.status == 201
    outside_point = await client.post(
        "/api/v1/sessions", json={**SESSION, "unit": "D1", "points": ["E-C3"]}, headers=operator
    )
    assert outside_point.status == 403
    outside_unit = await client.post(
        "/api/v1/sessions", json={**SESSION, "unit": "P"}, headers=operator
    )
    assert outside_unit.status == 403
    viewer = await client.post("/api/v1/sessions", json=SESSION, headers=bearer(tokens["viewer"]))
    assert viewer.status == 403
