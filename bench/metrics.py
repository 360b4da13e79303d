"""Time /metrics for 10,000 points (and a session holding all of them), against prometheus_client.

    python bench/metrics.py [--points 10000]

Fills the latest state as sweeps would, then renders the exposition 20 times and reports the
median; renders the same series with prometheus_client's generate_latest for comparison.
Writes the "/metrics rendering" section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from prometheus_client import CollectorRegistry, Gauge, generate_latest

from bridgewatch.metrics import MetricsCache, render
from bridgewatch.monitor import Monitor
from bridgewatch.probes.base import UP, ProbeResult
from bridgewatch.readiness import Thresholds, assess
from bridgewatch.registry.models import Endpoint
from bridgewatch.sessions.models import Session

HERE = Path(__file__).parent
SECTION = "\n## /metrics rendering\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--points", type=int, default=10_000)
    args = parser.parse_args()
    monitor = Monitor.__new__(Monitor)  # only the parts /metrics reads: no sockets, no database
    from bridgewatch.state import LatestState

    monitor.state, monitor.endpoints, monitor.last_sweep, monitor.sweeps = (
        LatestState(),
        {},
        None,
        0,
    )
    monitor.writer = type(
        "W", (), {"pending": 0, "stats": type("S", (), {"written": 0, "dropped": 0, "errors": 0})()}
    )()
    cache = MetricsCache(monitor)
    now = datetime.now(UTC)
    update_start = time.perf_counter()
    for i in range(args.points):
        endpoint = Endpoint(i, f"SIM-{i:05d}", f"Điểm cầu mô phỏng {i:05d}", 1, f"cum-{i // 100:03d}",
                            f"Tỉnh Mô phỏng / Cụm {i // 100:03d}", "127.0.0.1", contact_name="Kỹ thuật viên",
                            contact_phone="0900 000 000", tcp_ports=(1720,), sip_port=5060)  # fmt: skip
        monitor.endpoints[i] = endpoint
        results = [
            ProbeResult(
                i,
                "icmp",
                UP,
                now,
                rtt_ms=1.2,
                rtt_min_ms=1.0,
                rtt_max_ms=1.5,
                jitter_ms=0.1,
                loss_pct=0.0,
            ),
            ProbeResult(i, "tcp", UP, now, rtt_ms=0.3, port=1720),
            ProbeResult(i, "sip", UP, now, rtt_ms=0.5, port=5060, code=200, loss_pct=0.0),
        ]
        monitor.state.update(i, endpoint.code, results, assess(results, Thresholds(), at=now), now)
    per_update = (time.perf_counter() - update_start) / args.points
    session = Session(1, "Hội nghị", "tinh", "Tỉnh Mô phỏng", now + timedelta(minutes=20), now + timedelta(hours=2),
                      None, None, args.points, args.points * 40)  # fmt: skip
    sessions = {1: (session, list(range(args.points)))}

    def median_render(*, after_sweep: bool) -> float:
        timings = []
        for _ in range(20):
            if after_sweep:
                cache._joined.clear()  # as after a sweep that changed every point's figures
            start = time.perf_counter()
            render(cache, sessions, first_offset=timedelta(hours=1), now=now)
            timings.append(time.perf_counter() - start)
        return statistics.median(timings)

    ours = median_render(after_sweep=False)
    dirty = median_render(after_sweep=True)
    text = render(cache, sessions, first_offset=timedelta(hours=1), now=now).decode()
    lines = sum(1 for line in text.splitlines() if line and not line.startswith("#"))

    registry = CollectorRegistry()
    families = {}
    for line in text.splitlines():
        if line.startswith("bridgewatch_endpoint") or line.startswith(
            "bridgewatch_session_endpoint"
        ):
            name, rest = line.split("{", 1)
            label_text, value = rest.rsplit("} ", 1)
            pairs = [p.split("=", 1) for p in label_text.split('",')]
            names = tuple(k for k, _ in pairs)
            gauge = families.get(name) or families.setdefault(
                name, Gauge(name, name, names, registry=registry)
            )
            gauge.labels(*[v.strip('"') for _, v in pairs]).set(float(value))
    start = time.perf_counter()
    generate_latest(registry)
    theirs = time.perf_counter() - start

    table = (
        f"`python bench/metrics.py --points {args.points}`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n\n"
        f"| what | figure |\n|---|---:|\n"
        f"| points / series in the page | {args.points:,} / {lines:,} |\n"
        f"| page size | {len(text.encode()) / 1e6:.1f} MB |\n"
        f"| bridgewatch render between sweeps, median of 20 | {ours * 1000:.1f} ms |\n"
        f"| bridgewatch render right after a sweep changed every point, median of 20 | {dirty * 1000:.1f} ms |\n"
        f"| prometheus_client generate_latest, same series | {theirs * 1000:.0f} ms |\n"
        f"| cost moved into each point's update (per point) | {per_update * 1e6:.0f} µs |\n"
    )
    print(table)
    results = HERE / "RESULTS.md"
    existing = results.read_text(encoding="utf-8") if results.exists() else "# Benchmark results\n"
    head = existing.split(SECTION)[0].rstrip("\n") + "\n"
    results.write_text(head + SECTION + "\n" + table, encoding="utf-8")
    print(f"wrote {results}", file=sys.stderr)


if __name__ == "__main__":
    main()
