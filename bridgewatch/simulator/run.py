"""Running a simulator for a while, in one process or split over several (file-descriptor limits)."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import signal

from bridgewatch.runtime import raise_fd_limit
from bridgewatch.simulator.server import SimulatedPoint, Simulator

# Each point holds four sockets; stay well inside a process's descriptor limit.
SOCKETS_PER_POINT = 4


def points_per_process() -> int:
    # Leave room for the connections the points accept while being probed.
    return max(1, (raise_fd_limit() - 6000) // SOCKETS_PER_POINT)


async def serve_until_stopped(
    points: list[SimulatedPoint], ready=None, stop: asyncio.Event | None = None
) -> None:
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    async with Simulator(points):
        if ready is not None:
            ready.set()
        await stop.wait()


def _die_with_parent() -> None:
    """Linux: have the kernel send SIGTERM to this process when its parent dies (kill -9 too)."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _worker(points: list[SimulatedPoint], ready) -> None:
    _die_with_parent()
    raise_fd_limit()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_until_stopped(points, ready))


class SimulatorProcesses:
    """The simulator in child processes, each serving a slice of the points."""

    def __init__(self, points: list[SimulatedPoint], *, per_process: int | None = None) -> None:
        self.points = points
        self.per_process = per_process or points_per_process()
        self.processes: list[multiprocessing.Process] = []

    def start(self, timeout: float = 120) -> None:
        context = multiprocessing.get_context("spawn")
        events = []
        for offset in range(0, len(self.points), self.per_process):
            ready = context.Event()
            process = context.Process(
                target=_worker,
                args=(self.points[offset : offset + self.per_process], ready),
                daemon=True,
            )
            process.start()
            self.processes.append(process)
            events.append(ready)
        for ready in events:
            if not ready.wait(timeout):
                self.stop()
                raise RuntimeError("a simulator process did not start in time")

    def stop(self) -> None:
        for process in self.processes:
            if process.is_alive():
                process.terminate()
        for process in self.processes:
            process.join(10)
        self.processes.clear()

    def __enter__(self) -> SimulatorProcesses:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
