"""Alerts through a generic webhook: one per incident, a recovery when it ends, one for a hub
instead of one per point behind it. Retried with back-off; never blocks a sweep."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

import aiohttp
import asyncpg

from bridgewatch.config import AlertsSettings
from bridgewatch.monitor import SweepReport
from bridgewatch.readiness import READY, UNREACHABLE
from bridgewatch.registry import endpoints
from bridgewatch.sessions.models import Session

log = logging.getLogger(__name__)

ALERT_WINDOW = timedelta(minutes=60)


class Webhook:
    """A queue of JSON messages and one sender task that retries each with exponential back-off."""

    def __init__(self, settings: AlertsSettings) -> None:
        self.settings = settings
        self.queue: asyncio.Queue[dict] = asyncio.Queue(maxsize=10_000)
        self.sent = 0
        self.failed = 0
        self._task: asyncio.Task | None = None
        self._session: aiohttp.ClientSession | None = None

    def start(self) -> None:
        if self.settings.webhook_url:
            headers = (
                {"Authorization": f"Bearer {self.settings.webhook_token}"}
                if self.settings.webhook_token
                else {}
            )
            self._session = aiohttp.ClientSession(
                headers=headers, timeout=aiohttp.ClientTimeout(total=self.settings.timeout)
            )
            self._task = asyncio.create_task(self._run(), name="webhook")

    async def close(self) -> None:
        if self._task is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.settings.timeout):
                    await self.queue.join()
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._session is not None:
            await self._session.close()

    def send(self, message: dict) -> None:
        if not self.settings.webhook_url:
            return
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.failed += 1
            log.error(
                "alert queue full: dropped an alert for %s", message.get("endpoint", {}).get("code")
            )

    async def _run(self) -> None:
        while True:
            message = await self.queue.get()
            try:
                await self._deliver(message)
            finally:
                self.queue.task_done()

    async def _deliver(self, message: dict) -> None:
        assert self._session is not None
        delay = self.settings.backoff
        for attempt in range(1, self.settings.attempts + 1):
            try:
                async with self._session.post(self.settings.webhook_url, json=message) as response:
                    if response.status < 300:
                        self.sent += 1
                        return
                    if 400 <= response.status < 500 and response.status not in (408, 429):
                        log.error(
                            "webhook refused an alert (HTTP %s); not retrying", response.status
                        )
                        self.failed += 1
                        return
                    problem = f"HTTP {response.status}"
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                problem = type(exc).__name__
            if attempt < self.settings.attempts:
                log.warning(
                    "webhook attempt %d failed (%s); retry in %.1fs", attempt, problem, delay
                )
                await asyncio.sleep(delay)
                delay *= 2
        self.failed += 1
        log.error("webhook: gave up on an alert after %d attempts", self.settings.attempts)


def _message(event: str, session: Session, endpoint, status, dependents: list[str]) -> dict:
    readiness = status.readiness
    words = {"problem": ("SỰ CỐ", "PROBLEM"), "recovered": ("ĐÃ KHÔI PHỤC", "RECOVERED")}[event]
    behind = f" (kèm {len(dependents)} điểm cầu phụ thuộc)" if dependents else ""
    behind_en = f" (and {len(dependents)} points behind it)" if dependents else ""
    return {
        "event": event,
        "session": {
            "id": session.id,
            "title": session.title,
            "starts_at": session.starts_at.isoformat(),
        },
        "endpoint": {
            "code": endpoint.code,
            "name": endpoint.name,
            "unit_path": endpoint.unit_path,
            "contact_name": endpoint.contact_name,
            "contact_phone": endpoint.contact_phone,
        },  # fmt: skip
        "state": readiness.state,
        "reason": {"vi": readiness.reason_vi, "en": readiness.reason_en},
        "dependents": dependents,
        "at": status.checked_at.isoformat(),
        "text": {
            "vi": f"[{words[0]}] {endpoint.name}{behind}: {readiness.reason_vi}. Liên hệ {endpoint.contact_name} {endpoint.contact_phone}",
            "en": f"[{words[1]}] {endpoint.name}{behind_en}: {readiness.reason_en}. Call {endpoint.contact_name} {endpoint.contact_phone}",
        },
    }


class Alerter:
    """Turns each session sweep into incident changes, recorded in the database, sent by webhook."""

    def __init__(self, pool: asyncpg.Pool, webhook: Webhook) -> None:
        self.pool = pool
        self.webhook = webhook

    async def after_sweep(self, session: Session, slot: str, report: SweepReport) -> None:
        now = report.finished_at
        if now < session.starts_at - ALERT_WINDOW or now >= session.ends_at:
            return
        live = now >= session.starts_at

        # Before the start anything not ready is a problem; during the session, dropping out is.
        def is_problem(state: str) -> bool:
            return state == UNREACHABLE if live else state != READY

        by_id = {e.id: (e, status) for e, status in report.statuses}
        async with self.pool.acquire() as conn, conn.transaction():
            upstream_of = await endpoints.dependents(conn, list(by_id))
            open_rows = await conn.fetch(
                "SELECT id, endpoint_id, suppressed_by FROM alert_incident WHERE session_id = $1 AND closed_at IS NULL",
                session.id,
            )
            open_by_endpoint = {r["endpoint_id"]: r for r in open_rows}
            problems = {i for i, (_, s) in by_id.items() if is_problem(s.readiness.state)}
            # Points whose hub is itself a problem: the hub's alert speaks for them.
            suppressed = {i for i in problems if upstream_of.get(i) in problems}
            heads = problems - suppressed
            incident_of: dict[int, int] = {}
            for endpoint_id in sorted(heads):
                endpoint, status = by_id[endpoint_id]
                if (
                    endpoint_id in open_by_endpoint
                    and open_by_endpoint[endpoint_id]["suppressed_by"] is None
                ):
                    incident_of[endpoint_id] = open_by_endpoint[endpoint_id]["id"]
                    continue
                if (
                    endpoint_id in open_by_endpoint
                ):  # was suppressed, its hub recovered: now its own
                    await conn.execute("UPDATE alert_incident SET suppressed_by = NULL WHERE id = $1",
                                       open_by_endpoint[endpoint_id]["id"])  # fmt: skip
                    incident_of[endpoint_id] = open_by_endpoint[endpoint_id]["id"]
                else:
                    incident_of[endpoint_id] = await conn.fetchval(
                        """INSERT INTO alert_incident (session_id, endpoint_id, state, reason)
                           VALUES ($1, $2, $3, $4) RETURNING id""",
                        session.id, endpoint_id, status.readiness.state, status.readiness.reason_en,
                    )  # fmt: skip
                dependents = sorted(
                    by_id[i][0].code for i in suppressed if upstream_of.get(i) == endpoint_id
                )
                self.webhook.send(_message("problem", session, endpoint, status, dependents))
            for endpoint_id in suppressed:
                if endpoint_id not in open_by_endpoint:
                    hub = upstream_of[endpoint_id]
                    await conn.execute(
                        """INSERT INTO alert_incident (session_id, endpoint_id, state, reason, suppressed_by)
                           VALUES ($1, $2, $3, $4, $5)""",
                        session.id, endpoint_id, by_id[endpoint_id][1].readiness.state,
                        by_id[endpoint_id][1].readiness.reason_en, incident_of.get(hub),
                    )  # fmt: skip
            for endpoint_id, row in open_by_endpoint.items():
                if endpoint_id in by_id and endpoint_id not in problems:
                    await conn.execute(
                        "UPDATE alert_incident SET closed_at = now() WHERE id = $1", row["id"]
                    )
                    if row["suppressed_by"] is None:
                        endpoint, status = by_id[endpoint_id]
                        self.webhook.send(_message("recovered", session, endpoint, status, []))
