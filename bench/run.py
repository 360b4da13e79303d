"""bridgewatch vs blackbox_exporter on the same simulated targets, and COPY ingest; see bench/README.md.

    python bench/run.py [--points 10000] [--concurrency 1000] [--outage-seconds 60] [--no-blackbox]

Starts the simulator (child processes, loopback addresses only), then measures in this process:
bridgewatch's TCP, ICMP and SIP sweeps (probes/s, CPU µs per probe, false timeouts), a full sweep
of every point × 3 probe kinds, ingest rows/s through the result writer's COPY, and a database
outage; then drives Debian's prometheus-blackbox-exporter through /probe at the same concurrency
and reads its CPU time from /proc. Prints a table and rewrites bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import socket
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import asyncpg

from bridgewatch import runtime
from bridgewatch.config import DatabaseSettings, ResultsSettings, Settings
from bridgewatch.db.embedded import EmbeddedPostgres
from bridgewatch.db.migrate import migrate
from bridgewatch.db.pool import create_pool, ensure_database, with_database
from bridgewatch.probes.base import UP, ProbeSettings, Target
from bridgewatch.probes.context import ProbeContext
from bridgewatch.probes.sweep import Sweeper
from bridgewatch.results import ResultWriter, probe_row
from bridgewatch.runtime import raise_fd_limit
from bridgewatch.simulator.run import SimulatorProcesses
from bridgewatch.simulator.server import SimulatedPoint, loopback_addresses

HERE = Path(__file__).parent
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Measure:
    name: str
    probes: int
    seconds: float
    cpu_seconds: float
    failures: int

    @property
    def rate(self) -> float:
        return self.probes / self.seconds

    @property
    def cpu_us(self) -> float:
        return self.cpu_seconds / self.probes * 1e6


def cpu_of(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


async def bridgewatch_sweep(
    name: str, targets: list[Target], settings: ProbeSettings, concurrency: int
) -> Measure:
    async with ProbeContext(settings) as context:
        sweeper = Sweeper(context, concurrency=concurrency, rate=1e9)
        results = []
        cpu = time.process_time()
        stats = await sweeper.run(targets, lambda t, r: results.extend(r))
        cpu = time.process_time() - cpu
    failures = sum(1 for r in results if r.status != UP)
    return Measure(name, len(results), stats.duration, cpu, failures)


async def blackbox_sweep(
    name: str, module: str, targets: list[str], concurrency: int, pid: int, port: int
) -> Measure:
    semaphore = asyncio.Semaphore(concurrency)
    failures = 0
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=30)
    ) as session:

        async def one(target: str) -> None:
            nonlocal failures
            async with semaphore:
                url = f"http://127.0.0.1:{port}/probe?module={module}&target={target}"
                async with session.get(url) as response:
                    text = await response.text()
            if "\nprobe_success 1" not in text:
                failures += 1

        cpu = cpu_of(pid)
        start = time.perf_counter()
        await asyncio.gather(*(one(t) for t in targets))
        seconds = time.perf_counter() - start
        cpu = cpu_of(pid) - cpu
    return Measure(name, len(targets), seconds, cpu, failures)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def ingest(url: str, rows: int) -> float:
    """Rows per second through the result writer's COPY batches."""
    pool = await create_pool(url, Settings())
    try:
        writer = ResultWriter(pool, buffer_rows=rows, batch_rows=20_000, flush_interval=0.05)
        from bridgewatch.probes.base import ProbeResult, now

        sample = ProbeResult(
            1,
            "icmp",
            UP,
            now(),
            rtt_ms=1.2,
            rtt_min_ms=1.0,
            rtt_max_ms=1.5,
            jitter_ms=0.1,
            loss_pct=0.0,
        )
        batch = [probe_row(replace(sample, endpoint_id=i), None) for i in range(rows)]
        start = time.perf_counter()
        writer.start()
        writer.add("probe_result", batch)
        await writer.flushed()
        seconds = time.perf_counter() - start
        await writer.close()
        return rows / seconds
    finally:
        await pool.close()


async def outage(
    embedded: EmbeddedPostgres,
    url: str,
    targets: list[Target],
    seconds: float,
    settings: ProbeSettings,
    concurrency: int,
) -> dict:
    """Sweep every 10 s while the database is stopped for `seconds`; count what reaches the table."""
    pool = await create_pool(
        url, replace(Settings(), database=DatabaseSettings(url=url, timeout=2.0))
    )
    results = ResultsSettings()
    writer = ResultWriter(
        pool, buffer_rows=results.buffer_rows, batch_rows=results.batch_rows, flush_interval=0.5
    )
    writer.start()
    conn = await asyncpg.connect(url)
    before = await conn.fetchval("SELECT count(*) FROM probe_result")
    await conn.close()
    produced = 0
    async with ProbeContext(settings) as context:
        sweeper = Sweeper(context, concurrency=concurrency, rate=1e9)
        await asyncio.to_thread(embedded.stop)
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            rows: list[tuple] = []
            await sweeper.run(
                targets, lambda t, r, rows=rows: rows.extend(probe_row(x, None) for x in r)
            )
            writer.add("probe_result", rows)
            produced += len(rows)
            await asyncio.sleep(max(0.0, min(10.0, end - time.monotonic())))
    buffered = writer.pending
    await asyncio.to_thread(embedded.start)
    restart = time.perf_counter()
    await asyncio.wait_for(writer.flushed(), 300)
    drain = time.perf_counter() - restart
    await writer.close()
    await pool.close()
    conn = await asyncpg.connect(url)
    after = await conn.fetchval("SELECT count(*) FROM probe_result")
    await conn.close()
    return {"produced": produced, "buffered": buffered, "written": after - before, "dropped": writer.stats.dropped,
            "errors": writer.stats.errors, "drain_s": drain}  # fmt: skip


def blackbox_config(folder: Path, timeout: float) -> Path:
    path = folder / "blackbox.yml"
    path.write_text(
        "modules:\n"
        f"  tcp_connect:\n    prober: tcp\n    timeout: {timeout}s\n"
        f"  icmp:\n    prober: icmp\n    timeout: {timeout}s\n    icmp:\n      preferred_ip_protocol: ip4\n"
    )
    return path


def table(rows: list[tuple]) -> str:
    header = ("what", "bridgewatch", "blackbox_exporter", "ratio")
    lines = ["| " + " | ".join(header) + " |", "|---|---:|---:|---:|"]
    for row in rows:
        lines.append("| " + " | ".join(str(c) for c in row) + " |")
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=1000)
    parser.add_argument("--timeout", type=float, default=2.0)
    parser.add_argument("--ingest-rows", type=int, default=500_000)
    parser.add_argument("--outage-seconds", type=float, default=60.0)
    parser.add_argument("--no-blackbox", action="store_true")
    parser.add_argument("--results", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args()
    raise_fd_limit()

    hosts = list(loopback_addresses(args.points))
    points = [SimulatedPoint(h) for h in hosts]
    print(f"starting the simulator: {args.points} points on {hosts[0]} .. {hosts[-1]}", flush=True)
    simulator = SimulatorProcesses(points)
    simulator.start()
    measures: dict[str, Measure] = {}
    try:
        settings = ProbeSettings(timeout=args.timeout, icmp_count=1, icmp_interval=0.05)
        tcp_targets = [
            Target(i, f"P{i}", h, icmp=False, tcp_ports=(1720,)) for i, h in enumerate(hosts)
        ]
        icmp_targets = [Target(i, f"P{i}", h, icmp=True) for i, h in enumerate(hosts)]
        sip_targets = [
            Target(i, f"P{i}", h, icmp=False, sip_port=5060) for i, h in enumerate(hosts)
        ]
        for name, targets, probe_settings in (
            ("tcp", tcp_targets, settings),
            ("icmp", icmp_targets, settings),
            ("icmp burst of 5", icmp_targets, replace(settings, icmp_count=5)),
            ("sip", sip_targets, settings),
        ):
            measures[name] = await bridgewatch_sweep(
                name, targets, probe_settings, args.concurrency
            )
            m = measures[name]
            print(
                f"bridgewatch {name}: {m.rate:,.0f}/s, {m.cpu_us:.0f} µs CPU per probe, {m.failures} failed",
                flush=True,
            )
        full_targets = [
            Target(i, f"P{i}", h, icmp=True, tcp_ports=(1720,), sip_port=5060)
            for i, h in enumerate(hosts)
        ]
        defaults = Settings().probes
        full = await bridgewatch_sweep(
            "full", full_targets, replace(settings, icmp_count=5), defaults.concurrency
        )
        print(
            f"full sweep ({args.points} points × icmp burst + tcp + sip): {full.seconds:.2f} s, {full.failures} failed",
            flush=True,
        )

        blackbox: dict[str, Measure] = {}
        exporter = shutil.which("prometheus-blackbox-exporter")
        if not args.no_blackbox and exporter:
            with tempfile.TemporaryDirectory() as folder:
                port = free_port()
                process = await asyncio.create_subprocess_exec(
                    exporter, f"--config.file={blackbox_config(Path(folder), args.timeout)}",
                    f"--web.listen-address=127.0.0.1:{port}", "--log.level=error",
                    stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
                )  # fmt: skip
                try:
                    await asyncio.sleep(1.0)
                    for name, module, targets in (
                        ("tcp", "tcp_connect", [f"{h}:1720" for h in hosts]),
                        ("icmp", "icmp", hosts),
                    ):
                        blackbox[name] = await blackbox_sweep(
                            name, module, targets, args.concurrency, process.pid, port
                        )
                        m = blackbox[name]
                        print(
                            f"blackbox_exporter {name}: {m.rate:,.0f}/s, {m.cpu_us:.0f} µs CPU per probe, {m.failures} failed",
                            flush=True,
                        )
                finally:
                    process.terminate()
                    await asyncio.wait_for(process.wait(), 10)
        elif not args.no_blackbox:
            print(
                "prometheus-blackbox-exporter not found: apt-get install -y prometheus-blackbox-exporter",
                flush=True,
            )

        with tempfile.TemporaryDirectory() as folder:
            embedded = EmbeddedPostgres(Path(folder))
            server = await asyncio.to_thread(embedded.start)
            await ensure_database(server, "bench")
            url = with_database(server, "bench")
            conn = await asyncpg.connect(url)
            await migrate(conn)
            await conn.close()
            try:
                rows_per_s = await ingest(url, args.ingest_rows)
                print(f"ingest: {rows_per_s:,.0f} rows/s", flush=True)
                lost = None
                if args.outage_seconds > 0:
                    sweep_targets = [
                        Target(i, f"P{i}", h, icmp=True, tcp_ports=(1720,), sip_port=5060)
                        for i, h in enumerate(hosts)
                    ]
                    lost = await outage(
                        embedded,
                        url,
                        sweep_targets,
                        args.outage_seconds,
                        settings,
                        args.concurrency,
                    )
                    print(f"outage: {lost}", flush=True)
            finally:
                await asyncio.to_thread(embedded.stop)
    finally:
        simulator.stop()

    def pair(name: str, attribute: str, fmt: str, smaller_is_better: bool):
        ours = getattr(measures[name], attribute)
        theirs = getattr(blackbox[name], attribute) if name in blackbox else None
        ratio = (
            "-"
            if theirs is None
            else (
                f"{theirs / ours:.1f}× better"
                if smaller_is_better
                else f"{ours / theirs:.1f}× faster"
            )
        )
        return (fmt.format(ours), "-" if theirs is None else fmt.format(theirs), ratio)

    rows = [
        ("TCP connect, probes/s", *pair("tcp", "rate", "{:,.0f}", False)),
        ("TCP connect, CPU µs per probe", *pair("tcp", "cpu_us", "{:.0f}", True)),
        (
            "TCP false timeouts / failures",
            measures["tcp"].failures,
            blackbox["tcp"].failures if "tcp" in blackbox else "-",
            "",
        ),
        ("ICMP one echo, probes/s", *pair("icmp", "rate", "{:,.0f}", False)),
        ("ICMP one echo, CPU µs per probe", *pair("icmp", "cpu_us", "{:.0f}", True)),
        (
            "ICMP false timeouts / failures",
            measures["icmp"].failures,
            blackbox["icmp"].failures if "icmp" in blackbox else "-",
            "",
        ),
        ("ICMP burst of 5, bursts/s", f"{measures['icmp burst of 5'].rate:,.0f}", "-", ""),
        (
            "ICMP burst of 5, CPU µs per echo",
            f"{measures['icmp burst of 5'].cpu_us / 5:.0f}",
            "-",
            "",
        ),
        ("SIP OPTIONS (UDP), probes/s", f"{measures['sip'].rate:,.0f}", "(no SIP prober)", ""),
        ("SIP OPTIONS, CPU µs per probe", f"{measures['sip'].cpu_us:.0f}", "-", ""),
        ("SIP false timeouts / failures", measures["sip"].failures, "-", ""),
        (f"full sweep, {args.points} points × 3 kinds, s", f"{full.seconds:.2f}", "-", ""),
        ("full sweep failures", full.failures, "-", ""),
        ("ingest (COPY batches), rows/s", f"{rows_per_s:,.0f}", "-", ""),
    ]
    if lost:
        rows.append((f"{args.outage_seconds:.0f} s database outage: rows made / buffered / written / dropped",
                     f"{lost['produced']:,} / {lost['buffered']:,} / {lost['written']:,} / {lost['dropped']}", "-", ""))  # fmt: skip
    text = table(rows)
    print("\n" + text)
    loop_name = type(asyncio.get_running_loop()).__module__.split(".")[0]
    command = "python bench/run.py " + " ".join(sys.argv[1:])
    kept = ""
    if args.results.exists() and "\n## /metrics rendering\n" in args.results.read_text(
        encoding="utf-8"
    ):
        kept = (
            "\n## /metrics rendering\n"
            + args.results.read_text(encoding="utf-8").split("\n## /metrics rendering\n", 1)[1]
        )
    args.results.write_text(
        f"# Benchmark results\n\nLatest run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, `{command.strip()}`\n\n"
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, event loop: {loop_name}; "
        f"{args.points} simulated points on loopback; concurrency {args.concurrency} for both; probe timeout "
        f"{args.timeout} s; the full sweep uses the default concurrency ({Settings().probes.concurrency}).\n"
        f"bridgewatch's CPU is this process's (`time.process_time`), blackbox_exporter's is read from /proc;\n"
        f'the simulator runs in other processes and counts for neither. "Failures" on healthy simulated\n'
        f"points are false timeouts.\n\n{text}\n{kept}"
    )
    print(f"\nwrote {args.results}")


if __name__ == "__main__":
    runtime.run(main())
