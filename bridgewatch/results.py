"""Probe results into PostgreSQL: batched COPY through a bounded buffer that survives outages."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from bridgewatch.probes.base import ProbeResult

log = logging.getLogger(__name__)

PROBE_COLUMNS = (
    "at", "endpoint_id", "sweep_id", "rtt_ms", "rtt_min_ms", "rtt_max_ms", "jitter_ms", "loss_pct",
    "cert_days", "port", "code", "kind", "status", "detail",
)  # fmt: skip
READINESS_COLUMNS = ("at", "endpoint_id", "sweep_id", "mos", "state", "reason_vi", "reason_en")
SWEEP_COLUMNS = (
    "id", "started_at", "finished_at", "targets", "probes", "ready", "degraded", "unreachable",
    "unknown", "scope", "session_id", "slot",
)  # fmt: skip
TABLES = {
    "probe_result": PROBE_COLUMNS,
    "readiness_result": READINESS_COLUMNS,
    "sweep": SWEEP_COLUMNS,
}


def probe_row(result: ProbeResult, sweep_id) -> tuple:
    return (
        result.at, result.endpoint_id, sweep_id, result.rtt_ms, result.rtt_min_ms, result.rtt_max_ms,
        result.jitter_ms, result.loss_pct, result.cert_days, result.port, result.code, result.kind,
        result.status, result.detail,
    )  # fmt: skip


@dataclass
class WriterStats:
    written: int = 0
    dropped: int = 0
    errors: int = 0
    last_error: str = ""


class ResultWriter:
    """Queues rows per table and writes them with COPY in batches, in the background.

    A slow or absent database never blocks probing: rows wait in a buffer of `buffer_rows`;
    when it is full the oldest rows are dropped and counted (`stats.dropped`), and the writer
    retries with back-off until the database returns.
    """

    def __init__(
        self, pool: asyncpg.Pool, *, buffer_rows: int, batch_rows: int, flush_interval: float
    ) -> None:
        self.pool = pool
        self.buffer_rows = buffer_rows
        self.batch_rows = batch_rows
        self.flush_interval = flush_interval
        self.stats = WriterStats()
        self._queues: dict[str, collections.deque] = {t: collections.deque() for t in TABLES}
        self._wake = asyncio.Event()
        self._urgent = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def pending(self) -> int:
        return sum(len(q) for q in self._queues.values())

    def add(self, table: str, rows: list[tuple]) -> None:
        self._queues[table].extend(rows)
        self._idle.clear()
        self._trim()
        self._wake.set()
        if self.pending >= self.batch_rows:
            self._urgent.set()

    def _trim(self) -> None:
        overflow = self.pending - self.buffer_rows
        if overflow > 0:
            dropped = 0
            # Drop the oldest probe results first: they matter least for what happens now.
            for name in ("probe_result", "readiness_result", "sweep"):
                q = self._queues[name]
                while q and dropped < overflow:
                    q.popleft()
                    dropped += 1
            self.stats.dropped += dropped
            log.warning(
                "result buffer full: dropped %d rows (%d in all)", dropped, self.stats.dropped
            )

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="result-writer")

    async def close(self, *, timeout: float = 10.0) -> None:
        """Write what is queued (for at most `timeout` seconds), then stop."""
        if self._task is None:
            return
        try:
            async with asyncio.timeout(timeout):
                await self.flushed()
        except TimeoutError:
            log.warning("closing with %d rows unwritten", self.pending)
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass
        self._task = None

    async def flushed(self) -> None:
        """Write now what is queued, and wait until every row is written."""
        if self.pending:
            self._urgent.set()
            self._wake.set()
        await self._idle.wait()

    async def _run(self) -> None:
        backoff = 0.5
        while True:
            await self._wake.wait()
            self._wake.clear()
            # Let rows gather into a batch, unless one is full or somebody waits for them.
            if not self._urgent.is_set():
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.flush_interval):
                        await self._urgent.wait()
            self._urgent.clear()
            try:
                await self._write_all()
                backoff = 0.5
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
                self.stats.errors += 1
                self.stats.last_error = f"{type(exc).__name__}: {exc}"
                log.warning(
                    "writing results failed (%s); %d rows wait, retry in %.1fs",
                    self.stats.last_error,
                    self.pending,
                    backoff,
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
                self._wake.set()
                continue
            if self.pending:
                self._wake.set()
            else:
                self._idle.set()

    async def _write_all(self) -> None:
        # Sweeps before their results' readers need them; probe results in the largest batches.
        for table in ("sweep", "readiness_result", "probe_result"):
            queue = self._queues[table]
            while queue:
                batch = [queue.popleft() for _ in range(min(self.batch_rows, len(queue)))]
                try:
                    async with self.pool.acquire(timeout=5) as conn:
                        await conn.copy_records_to_table(
                            table, records=batch, columns=TABLES[table], timeout=30
                        )
                except BaseException:
                    queue.extendleft(reversed(batch))
                    self._trim()
                    raise
                self.stats.written += len(batch)


HISTORY_SQL = """
SELECT at, kind, status, rtt_ms, rtt_min_ms, rtt_max_ms, jitter_ms, loss_pct, cert_days, port,
       code, detail
FROM probe_result
WHERE endpoint_id = $1 AND at >= $2 AND ($3::text IS NULL OR kind = $3)
ORDER BY at DESC
LIMIT $4
"""


async def probe_history(
    conn: asyncpg.Connection, endpoint_id: int, *, since: datetime, kind: str | None, limit: int
) -> list[ProbeResult]:
    rows = await conn.fetch(HISTORY_SQL, endpoint_id, since, kind, limit)
    return [ProbeResult(endpoint_id=endpoint_id, **dict(r)) for r in rows]


async def latest_readiness(conn: asyncpg.Connection, endpoint_id: int) -> dict | None:
    """The endpoint's last stored readiness and the probe results of that sweep, as JSON."""
    row = await conn.fetchrow(
        """SELECT at, sweep_id, mos, state, reason_vi, reason_en FROM readiness_result
           WHERE endpoint_id = $1 ORDER BY at DESC LIMIT 1""",
        endpoint_id,
    )
    if row is None:
        return None
    probes = await conn.fetch(
        """SELECT at, kind, status, rtt_ms, rtt_min_ms, rtt_max_ms, jitter_ms, loss_pct, cert_days,
                  port, code, detail
           FROM probe_result WHERE endpoint_id = $1 AND sweep_id = $2 ORDER BY kind, port""",
        endpoint_id,
        row["sweep_id"],
    )
    return {
        "state": row["state"],
        "reason": {"vi": row["reason_vi"], "en": row["reason_en"]},
        "reasons": [],
        "mos": row["mos"],
        "checked_at": row["at"].isoformat(),
        "changed_at": None,
        "probes": [ProbeResult(endpoint_id=endpoint_id, **dict(p)).to_json() for p in probes],
    }
