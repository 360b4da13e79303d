"""Readiness over the API: check now, latest status, probe history."""

from datetime import UTC, datetime, timedelta

from bridgewatch.web.keys import MONITOR
from tests.conftest import bearer


async def add_point(client, token, code, point, unit="C1"):
    body = {
        "code": code,
        "name": code,
        "unit": unit,
        "host": point.host,
        "tcp_ports": [1720],
        "sip_port": 5060,
    }
    response = await client.post("/api/v1/endpoints", json=body, headers=bearer(token))
    assert response.status == 201, await response.text()


async def test_check_then_status_and_history(client, tokens, simulator):
    sim = await simulator([None, "sip-503"])
    await add_point(client, tokens["admin"], "OK-1", sim.points[0])
    await add_point(client, tokens["admin"], "BUSY-1", sim.points[1])
    viewer = bearer(tokens["viewer"])

    never = await (await client.get("/api/v1/endpoints/OK-1/status", headers=viewer)).json()
    assert never["state"] == "unknown" and never["checked_at"] is None

    checked = await client.post("/api/v1/endpoints/OK-1/check", headers=bearer(tokens["operator"]))
    assert checked.status == 200
    body = await checked.json()
    assert body["state"] == "ready" and {p["kind"] for p in body["probes"]} == {
        "icmp",
        "tcp",
        "sip",
    }

    busy = await (
        await client.post("/api/v1/endpoints/BUSY-1/check", headers=bearer(tokens["admin"]))
    ).json()
    assert busy["state"] == "degraded"
    assert "503" in busy["reason"]["vi"] and "503" in busy["reason"]["en"]

    status = await (await client.get("/api/v1/endpoints/BUSY-1/status", headers=viewer)).json()
    assert status["state"] == "degraded" and status["checked_at"]

    await client.app[MONITOR].writer.flushed()
    history = await (await client.get("/api/v1/endpoints/BUSY-1/probes", headers=viewer)).json()
    assert history["total"] == 3
    sip = [p for p in history["items"] if p["kind"] == "sip"]
    assert sip[0]["code"] == 503 and sip[0]["status"] == "degraded"
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    later = await (
        await client.get(
            "/api/v1/endpoints/BUSY-1/probes", params={"since": future}, headers=viewer
        )
    ).json()
    assert later["total"] == 0


async def test_status_falls_back_to_the_database_after_a_restart(client, tokens, simulator):

    sim = await simulator([None])
    await add_point(client, tokens["admin"], "OK-2", sim.points[0])
    await client.post("/api/v1/endpoints/OK-2/check", headers=bearer(tokens["admin"]))
    monitor = client.app[MONITOR]
    await monitor.writer.flushed()
    monitor.state.forget(set())  # as after a restart: nothing in memory
    status = await (
        await client.get("/api/v1/endpoints/OK-2/status", headers=bearer(tokens["viewer"]))
    ).json()
    assert status["state"] == "ready" and len(status["probes"]) == 3


async def test_check_respects_role_and_scope(client, tokens, simulator):
    sim = await simulator([None])
    await add_point(client, tokens["admin"], "FAR-1", sim.points[0], unit="C3")
    assert (
        await client.post("/api/v1/endpoints/FAR-1/check", headers=bearer(tokens["viewer"]))
    ).status == 403
    assert (
        await client.post("/api/v1/endpoints/FAR-1/check", headers=bearer(tokens["operator"]))
    ).status == 403


async def test_bad_history_parameters(client, tokens, simulator):
    sim = await simulator([None])
    await add_point(client, tokens["admin"], "P-1", sim.points[0])
    for query, field in (
        ("since=yesterday", "since"),
        ("kind=smoke", "kind"),
        ("limit=0", "limit"),
    ):
        response = await client.get(
            f"/api/v1/endpoints/P-1/probes?{query}", headers=bearer(tokens["viewer"])
        )
        assert response.status == 400 and (await response.json())["error"]["field"] == field
