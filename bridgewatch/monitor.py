"""The monitor: registry -> targets -> sweep -> readiness -> latest state and the result writer."""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from bridgewatch.config import Settings
from bridgewatch.probes.base import ProbeResult, Target, now
from bridgewatch.probes.context import ProbeContext
from bridgewatch.probes.sweep import Sweeper, SweepStats
from bridgewatch.readiness import STATES, Readiness, Thresholds, assess, thresholds_for
from bridgewatch.registry import endpoints
from bridgewatch.registry.endpoints import EndpointFilter
from bridgewatch.registry.models import Endpoint
from bridgewatch.results import ResultWriter, probe_row
from bridgewatch.state import EndpointStatus, LatestState

log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    id: uuid.UUID
    started_at: datetime
    finished_at: datetime
    stats: SweepStats
    statuses: list[tuple[Endpoint, EndpointStatus]]

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATES, 0)
        for _, status in self.statuses:
            counts[status.readiness.state] += 1
        return counts


def target_of(e: Endpoint) -> Target:
    return Target(
        endpoint_id=e.id,
        code=e.code,
        host=e.host,
        icmp=e.icmp,
        tcp_ports=e.tcp_ports,
        sip_port=e.sip_port,
        sip_transport=e.sip_transport,
        http_url=e.http_url,
    )


class Monitor:
    """Owns the probe sockets, the latest state and the result writer of one process."""

    def __init__(
        self, pool: asyncpg.Pool, settings: Settings, *, state: LatestState | None = None
    ) -> None:
        self.pool = pool
        self.settings = settings
        self.state = state or LatestState()
        self.writer = ResultWriter(
            pool,
            buffer_rows=settings.results.buffer_rows,
            batch_rows=settings.results.batch_rows,
            flush_interval=settings.results.flush_interval,
        )
        self.context = ProbeContext(settings.probes, http_limit=settings.probes.http_concurrency)
        self._stack = contextlib.AsyncExitStack()
        # What /metrics reads: the endpoints last probed (names, units) and the last sweep.
        self.endpoints: dict[int, Endpoint] = {}
        self.last_sweep: SweepReport | None = None
        self.sweeps = 0

    async def __aenter__(self) -> Monitor:
        await self._stack.enter_async_context(self.context)
        self.writer.start()
        self._stack.push_async_callback(self.writer.close)
        return self

    async def __aexit__(self, *exc) -> None:
        await self._stack.aclose()

    def thresholds(self, endpoint: Endpoint) -> Thresholds:
        readiness = self.settings.readiness
        return thresholds_for(readiness, readiness.tags, endpoint.tags, endpoint.thresholds)

    async def sweep(
        self,
        where: EndpointFilter | None = None,
        *,
        scope: str = "manual",
        codes: list[str] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> SweepReport:
        """Probe the active endpoints matching `where` (or `codes`) now; record everything."""
        async with self.pool.acquire() as conn:
            if codes is not None:
                items = [e for e in await endpoints.list_by_codes(conn, codes) if e.active]
            else:
                base = where or EndpointFilter()
                items, _ = await endpoints.list_endpoints(
                    conn, EndpointFilter(base.unit_id, base.tag, True, base.q), limit=None
                )
        return await self.sweep_endpoints(items, scope=scope, progress=progress)

    async def sweep_endpoints(
        self,
        items: list[Endpoint],
        *,
        scope: str,
        progress: Callable[[int, int], None] | None = None,
        session_id: int | None = None,
        slot: str | None = None,
    ) -> SweepReport:
        sweep_id = uuid.uuid4()
        started_at = now()
        by_id = {e.id: e for e in items}
        statuses: list[tuple[Endpoint, EndpointStatus]] = []

        def on_target(target: Target, results: list[ProbeResult]) -> None:
            endpoint = by_id[target.endpoint_id]
            self.endpoints[endpoint.id] = endpoint
            at = now()
            readiness: Readiness = assess(results, self.thresholds(endpoint), at=at)
            status = self.state.update(endpoint.id, endpoint.code, results, readiness, at)
            statuses.append((endpoint, status))
            self.writer.add("probe_result", [probe_row(r, sweep_id) for r in results])
            self.writer.add(
                "readiness_result",
                [
                    (
                        at,
                        endpoint.id,
                        sweep_id,
                        readiness.mos,
                        readiness.state,
                        readiness.reason_vi,
                        readiness.reason_en,
                    )
                ],
            )

        sweeper = Sweeper(
            self.context,
            concurrency=self.settings.probes.concurrency,
            rate=self.settings.probes.rate,
            progress=progress,
        )
        stats = await sweeper.run([target_of(e) for e in items], on_target)
        finished_at = now()
        report = SweepReport(sweep_id, started_at, finished_at, stats, statuses)
        self.last_sweep = report
        self.sweeps += 1
        counts = report.counts()
        self.writer.add(
            "sweep",
            [(sweep_id, started_at, finished_at, stats.targets, stats.probes, counts["ready"],
              counts["degraded"], counts["unreachable"], counts["unknown"], scope, session_id, slot)],
        )  # fmt: skip
        log.info("sweep %s (%s): %d points, %d probes in %.2fs: %s", sweep_id, scope, stats.targets,
                 stats.probes, stats.duration, counts)  # fmt: skip
        return report
