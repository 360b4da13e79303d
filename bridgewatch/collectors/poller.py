"""Polls every collector for a live session's points and stores the samples with their class and MOS."""

from __future__ import annotations

import logging

import aiohttp
import asyncpg

from bridgewatch.collectors import cisco, pexip
from bridgewatch.collectors.base import Collector, CollectorSettings, MediaSample
from bridgewatch.monitor import SweepReport
from bridgewatch.sessions.models import Session

log = logging.getLogger(__name__)

# Adding a vendor: a module with `collect(points, http, settings)`, and one line here.
COLLECTORS: dict[str, Collector] = {"cisco": cisco.collect, "pexip": pexip.collect}


class MediaPoller:
    def __init__(self, pool: asyncpg.Pool, settings: CollectorSettings) -> None:
        self.pool = pool
        self.settings = settings
        self.http: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self.http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self.settings.concurrency)
        )

    async def close(self) -> None:
        if self.http is not None:
            await self.http.close()

    async def poll(self, session: Session, points) -> list[MediaSample]:
        assert self.http is not None
        samples: list[MediaSample] = []
        for name, collect in COLLECTORS.items():
            try:
                samples.extend(await collect(points, self.http, self.settings))
            except Exception:
                log.exception("collector %s failed", name)
        if samples:
            async with self.pool.acquire() as conn:
                await conn.copy_records_to_table(
                    "media_stat",
                    records=[
                        (
                            s.at,
                            session.id,
                            s.endpoint_id,
                            s.loss_pct,
                            s.jitter_ms,
                            s.mos,
                            s.people_count,
                            s.source,
                            s.stream,
                            s.window_class,
                        )
                        for s in samples
                    ],  # fmt: skip
                    columns=(
                        "at",
                        "session_id",
                        "endpoint_id",
                        "loss_pct",
                        "jitter_ms",
                        "mos",
                        "people_count",
                        "source",
                        "stream",
                        "class",
                    ),  # fmt: skip
                )
        return samples

    async def after_sweep(self, session: Session, slot: str, report: SweepReport) -> None:
        """During the session, each live sweep is followed by a poll of the codecs and the MCU."""
        if slot.startswith("live"):
            await self.poll(session, [endpoint for endpoint, _ in report.statuses])
