"""Alerts against a real local webhook receiver."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest_asyncio
from aiohttp import web

from bridgewatch.config import AlertsSettings
from bridgewatch.sessions.alerts import Alerter, Webhook
from tests.sessions.conftest import make_session


class Receiver:
    """A webhook endpoint on loopback that can be told to fail the next N requests."""

    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.fail_next = 0
        self.attempts = 0

    async def handle(self, request: web.Request) -> web.Response:
        self.attempts += 1
        if self.fail_next:
            self.fail_next -= 1
            return web.Response(status=503)
        self.messages.append(await request.json())
        return web.Response(status=204)

    def events(self) -> list[tuple[str, str, list]]:
        return [(m["event"], m["endpoint"]["code"], m["dependents"]) for m in self.messages]


async def serve(receiver: Receiver) -> web.AppRunner:
    """Start the receiver on a loopback port; its address lands in `receiver.url`."""
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    receiver.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/hook"
    return runner


@pytest_asyncio.fixture(loop_scope="session")
async def receiver():
    receiver = Receiver()
    runner = await serve(receiver)
    yield receiver
    await runner.cleanup()


async def sweep_and_alert(monitor, alerter, session, made):
    report = await monitor.sweep_endpoints(made, scope="test", session_id=session.id, slot="t")
    await alerter.after_sweep(session, "t", report)
    await alerter.webhook.queue.join()


async def test_one_alert_per_incident_recovery_and_hub_suppression(
    conn, pool, monitor, points, receiver
):
    sim, made = points
    webhook = Webhook(AlertsSettings(webhook_url=receiver.url, backoff=0.05))
    webhook.start()
    alerter = Alerter(pool, webhook)
    session = await make_session(conn, made, starts_at=datetime.now(UTC) + timedelta(minutes=20))
    try:
        await sweep_and_alert(monitor, alerter, session, made)
        assert receiver.messages == []  # all ready: nothing to say

        await sim.set_fault(sim.points[1].host, "down")  # one commune
        await sweep_and_alert(monitor, alerter, session, made)
        await sweep_and_alert(monitor, alerter, session, made)  # still down: no second alert
        assert receiver.events() == [("problem", "C1-A", [])]
        message = receiver.messages[0]
        assert message["state"] == "unreachable" and "Liên hệ Hà Văn Sơn" in message["text"]["vi"]

        await sim.set_fault(sim.points[0].host, "down")  # the district hub: its communes fall too
        for p in sim.points[2:]:
            await sim.set_fault(p.host, "down")
        await sweep_and_alert(monitor, alerter, session, made)
        # C1-A already had its own alert; the hub's alert speaks for the two others.
        assert receiver.events()[1:] == [("problem", "D1-HUB", ["C1-A", "C1-B", "C2-A"])]

        for p in sim.points:
            await sim.set_fault(p.host, None)
        await sweep_and_alert(monitor, alerter, session, made)
        recovered = sorted(code for event, code, _ in receiver.events() if event == "recovered")
        assert recovered == ["C1-A", "D1-HUB"]  # suppressed points recover silently
        open_incidents = await conn.fetchval(
            "SELECT count(*) FROM alert_incident WHERE closed_at IS NULL"
        )
        assert open_incidents == 0
    finally:
        await webhook.close()


async def test_outside_the_window_nothing_is_sent(conn, pool, monitor, points, receiver):
    sim, made = points
    webhook = Webhook(AlertsSettings(webhook_url=receiver.url))
    webhook.start()
    alerter = Alerter(pool, webhook)
    session = await make_session(conn, made, starts_at=datetime.now(UTC) + timedelta(hours=3))
    await sim.set_fault(sim.points[1].host, "down")
    try:
        await sweep_and_alert(monitor, alerter, session, made)
    finally:
        await webhook.close()
    assert receiver.messages == []


async def test_webhook_retries_with_backoff_until_delivered():
    receiver = Receiver()
    receiver.fail_next = 2
    runner = await serve(receiver)
    webhook = Webhook(AlertsSettings(webhook_url=receiver.url, backoff=0.05, attempts=5))
    webhook.start()
    try:
        webhook.send({"event": "problem", "endpoint": {"code": "X"}})
        await asyncio.wait_for(webhook.queue.join(), 5)
    finally:
        await webhook.close()
        await runner.cleanup()
    assert receiver.attempts == 3 and len(receiver.messages) == 1
    assert webhook.sent == 1 and webhook.failed == 0
