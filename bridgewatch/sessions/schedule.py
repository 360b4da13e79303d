"""Scheduled readiness sweeps: derived from the sessions in the database, claimed in the database.

APScheduler only wakes us up. What is due at a moment is decided by `due_slot` (pure), and
each sweep slot ("T-60", "live+90") is claimed with an INSERT, so that several instances on one
database run every sweep exactly once, and a restart runs what is due at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import asyncpg
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bridgewatch.config import SessionsSettings
from bridgewatch.monitor import Monitor, SweepReport
from bridgewatch.sessions import store
from bridgewatch.sessions.models import Session

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def offset_label(seconds: int) -> str:
    return f"T-{seconds // 60}" if seconds % 60 == 0 else f"T-{seconds}s"


def due_slot(session: Session, now: datetime, settings: SessionsSettings) -> str | None:
    """The sweep slot due at `now`: the latest pre-session offset passed, or the live tick."""
    if session.cancelled_at is not None or now >= session.ends_at:
        return None
    if now >= session.starts_at:
        tick = int((now - session.starts_at).total_seconds() // settings.live_interval_s)
        return f"live+{tick * settings.live_interval_s}s"
    passed = [
        o for o in settings.pre_check_offsets_s if session.starts_at - timedelta(seconds=o) <= now
    ]
    return offset_label(min(passed)) if passed else None


def planned(
    session: Session, now: datetime, settings: SessionsSettings
) -> list[tuple[str, datetime]]:
    """Future wake-ups of a session: each pre-session offset still ahead, then the live start."""
    plan = [
        (offset_label(o), session.starts_at - timedelta(seconds=o))
        for o in sorted(settings.pre_check_offsets_s, reverse=True)
        if session.starts_at - timedelta(seconds=o) > now
    ]
    if session.starts_at > now:
        plan.append(("live+0s", session.starts_at))
    return plan


class SessionScheduler:
    """Keeps one APScheduler job set per session in step with the database."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        monitor: Monitor,
        settings: SessionsSettings,
        *,
        clock: Clock = utcnow,
        on_sweep: Callable[[Session, str, SweepReport], Awaitable[None]] | None = None,
    ) -> None:
        self.pool = pool
        self.monitor = monitor
        self.settings = settings
        self.clock = clock
        self.on_sweep = on_sweep
        self.instance = settings.instance or f"{socket.gethostname()}:{os.getpid()}"
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self._running: set[asyncio.Task] = set()
        self._lock = asyncio.Lock()
        # Sessions not ended and their point ids, as of the last sync (what /metrics reads).
        self.known: dict[int, tuple[Session, list[int]]] = {}
        # Delegates reported present per session, as of the last sync.
        self.present: dict[int, int] = {}

    async def start(self) -> None:
        self.scheduler.start()
        self.scheduler.add_job(self.sync, IntervalTrigger(seconds=self.settings.resync_s), id="resync",
                               max_instances=1, coalesce=True)  # fmt: skip
        await self.sync()

    async def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.scheduler.shutdown(wait=False)
        for task in list(self._running):
            task.cancel()
        await asyncio.gather(*self._running, return_exceptions=True)

    async def settle(self) -> None:
        """Wait for the sweeps this scheduler has started."""
        while self._running:
            await asyncio.gather(*list(self._running), return_exceptions=True)

    def jobs(self) -> dict[str, datetime | None]:
        """Job id -> next run time (for the board and tests)."""
        return {job.id: job.next_run_time for job in self.scheduler.get_jobs()}

    async def sync(self, session_id: int | None = None) -> None:
        """Re-derive jobs from the database (one session, or all) and run what is due now."""
        async with self._lock:
            now = self.clock()
            async with self.pool.acquire() as conn:
                if session_id is not None:
                    sessions = [await store.get_session(conn, session_id)]
                else:
                    sessions = await store.sessions_to_schedule(conn, now=now, horizon_s=0)
            known = {s.id for s in sessions}
            async with self.pool.acquire() as conn:
                for session in sessions:
                    ids = [p.endpoint.id for p in await store.session_points(conn, session.id)]
                    self.known[session.id] = (session, ids)
                    self.present[session.id] = await conn.fetchval(
                        "SELECT coalesce(sum(present_at_start + late), 0) FROM attendance WHERE session_id = $1",
                        session.id,
                    )
            if session_id is None:
                for stale in set(self.known) - known:
                    del self.known[stale]
            for job in self.scheduler.get_jobs():
                owner = job.id.split(":")[1] if job.id.startswith("session:") else None
                if owner is not None and (
                    (session_id is None and int(owner) not in known)
                    or (session_id is not None and int(owner) == session_id)
                ):
                    job.remove()
            for session in sessions:
                self._plan(session, now)
                self._spawn(self.run_due(session, now))

    def _plan(self, session: Session, now: datetime) -> None:
        if session.cancelled_at is not None or session.ends_at <= now:
            return
        for label, at in planned(session, now, self.settings):
            if label.startswith("T-"):
                self.scheduler.add_job(self._wake, DateTrigger(run_date=at), args=[session.id],
                                       id=f"session:{session.id}:{label}", replace_existing=True,
                                       misfire_grace_time=120)  # fmt: skip
        self.scheduler.add_job(
            self._wake,
            IntervalTrigger(seconds=self.settings.live_interval_s, start_date=max(session.starts_at, now),
                            end_date=session.ends_at),
            args=[session.id], id=f"session:{session.id}:live", replace_existing=True,
            max_instances=1, coalesce=True, misfire_grace_time=self.settings.live_interval_s,
        )  # fmt: skip

    async def _wake(self, session_id: int) -> None:
        async with self.pool.acquire() as conn:
            try:
                session = await store.get_session(conn, session_id)
            except LookupError:
                return
        await self.run_due(session, self.clock())

    def _spawn(self, coroutine) -> None:
        task = asyncio.create_task(coroutine)
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def run_due(self, session: Session, now: datetime) -> SweepReport | None:
        """Sweep the session's points if a slot is due at `now` and this instance claims it."""
        slot = due_slot(session, now, self.settings)
        if slot is None:
            return None
        async with self.pool.acquire() as conn:
            if not await store.claim_slot(conn, session.id, slot, self.instance):
                return None
            points = [
                p.endpoint
                for p in await store.session_points(conn, session.id)
                if p.endpoint.active
            ]
        try:
            report = await self.monitor.sweep_endpoints(
                points, scope=f"session:{session.id}", session_id=session.id, slot=slot
            )
        except Exception:
            log.exception("sweep of session %s slot %s failed", session.id, slot)
            return None
        async with self.pool.acquire() as conn:
            await store.record_claim_sweep(conn, session.id, slot, report.id)
        if self.on_sweep is not None:
            try:
                await self.on_sweep(session, slot, report)
            except Exception:
                log.exception("after the sweep of session %s", session.id)
        return report
