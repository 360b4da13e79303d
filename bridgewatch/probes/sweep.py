"""The sweep runner: every probe of every target, paced, bounded, each with its own timeout."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bridgewatch.probes.base import UNAVAILABLE, ProbeResult, Target, now
from bridgewatch.probes.context import PROBES, ProbeContext

log = logging.getLogger(__name__)


@dataclass
class SweepStats:
    targets: int = 0
    probes: int = 0
    results: int = 0
    started: float = 0.0
    finished: float = 0.0
    peak_in_flight: int = 0
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def duration(self) -> float:
        return self.finished - self.started


class Sweeper:
    """Runs probes with at most `concurrency` in flight and at most `rate` starts per second.

    `on_target(target, results)` is called once per target when all of its probes are done.
    Cancelling `run` cancels every probe in flight and closes nothing it does not own.
    """

    def __init__(
        self,
        context: ProbeContext,
        *,
        concurrency: int,
        rate: float,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.context = context
        self.concurrency = concurrency
        self.rate = rate
        self.progress = progress
        self.in_flight = 0

    async def run(
        self, targets: Sequence[Target], on_target: Callable[[Target, list[ProbeResult]], None]
    ) -> SweepStats:
        # Kind by kind, ICMP first: a burst mostly waits for its echoes, so starting the bursts
        # early lets the connects and SIP requests run while they wait.
        jobs = [(t, kind) for kind in PROBES for t in targets if kind in t.kinds()]
        stats = SweepStats(targets=len(targets), probes=len(jobs), started=time.monotonic())
        collected: dict[int, list[ProbeResult]] = {id(t): [] for t in targets}
        remaining: dict[int, int] = {id(t): len(t.kinds()) for t in targets}
        for t in targets:
            if not remaining[id(t)]:
                on_target(t, [])
        loop = asyncio.get_running_loop()
        start = loop.time()
        next_job = iter(range(len(jobs)))
        done_jobs = 0
        # A guard above the probes' own timeouts: a probe that overstays is a bug, not a verdict.
        guard = self.context.settings.timeout * 4 + 5

        async def worker() -> None:
            nonlocal done_jobs
            for index in next_job:
                delay = start + index / self.rate - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                target, kind = jobs[index]
                self.in_flight += 1
                stats.peak_in_flight = max(stats.peak_in_flight, self.in_flight)
                try:
                    async with asyncio.timeout(guard):
                        results = await PROBES[kind](target, self.context)
                except TimeoutError:
                    results = [
                        ProbeResult(
                            target.endpoint_id,
                            kind,
                            UNAVAILABLE,
                            now(),
                            detail="probe overran its timeout",
                        )
                    ]
                    log.error("%s probe of %s overran its timeout", kind, target.code)
                except Exception:
                    log.exception("%s probe of %s failed", kind, target.code)
                    results = [
                        ProbeResult(
                            target.endpoint_id, kind, UNAVAILABLE, now(), detail="internal error"
                        )
                    ]
                finally:
                    self.in_flight -= 1
                key = id(target)
                collected[key].extend(results)
                stats.results += len(results)
                for r in results:
                    stats.by_status[r.status] = stats.by_status.get(r.status, 0) + 1
                remaining[key] -= 1
                if remaining[key] == 0:
                    on_target(target, collected.pop(key))
                done_jobs += 1
                if self.progress is not None:
                    self.progress(done_jobs, len(jobs))

        workers = [asyncio.create_task(worker()) for _ in range(min(self.concurrency, len(jobs)))]
        try:
            await asyncio.gather(*workers)
        finally:
            for w in workers:
                w.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
        stats.finished = time.monotonic()
        return stats
