import asyncio
import os

from bridgewatch.probes.base import ProbeSettings, Target
from bridgewatch.probes.context import ProbeContext
from bridgewatch.probes.sweep import Sweeper


def targets_for(sim, kinds=("tcp", "sip")):
    return [
        Target(i, f"P{i}", p.host, icmp="icmp" in kinds, tcp_ports=(1720,) if "tcp" in kinds else (),
               sip_port=5060 if "sip" in kinds else None)
        for i, p in enumerate(sim.points)
    ]  # fmt: skip


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


async def test_concurrency_never_exceeds_the_bound(simulator, probe_context):
    sim = await simulator(["slow"] * 40)  # each SIP answer takes 400 ms: probes pile up
    sweeper = Sweeper(probe_context, concurrency=7, rate=100000)
    seen = []
    stats = await sweeper.run(
        targets_for(sim, ("sip",)), lambda t, r: seen.append(sweeper.in_flight)
    )
    assert stats.peak_in_flight == 7
    assert max(seen) <= 7
    assert stats.results == 40 and stats.by_status == {"up": 40}


async def test_each_target_is_reported_once_with_all_its_results(simulator, probe_context):
    sim = await simulator([None, "down", "sip-503", None])
    got = {}
    stats = await Sweeper(probe_context, concurrency=50, rate=10000).run(
        targets_for(sim, ("icmp", "tcp", "sip")),
        lambda t, r: got.setdefault(t.endpoint_id, []).append(r),
    )
    assert sorted(got) == [0, 1, 2, 3]
    assert all(
        len(v) == 1 and sorted(x.kind for x in v[0]) == ["icmp", "sip", "tcp"] for v in got.values()
    )
    assert stats.probes == 12


async def test_starts_are_paced_by_rate(simulator, probe_context):
    sim = await simulator([None] * 30)
    stats = await Sweeper(probe_context, concurrency=100, rate=100).run(
        targets_for(sim, ("tcp",)), lambda t, r: None
    )
    # 30 starts at 100/s cannot take less than 0.29 s, however fast each probe is
    assert stats.duration >= 0.28


async def test_cancellation_stops_probes_and_leaks_nothing(simulator):
    sim = await simulator(["down"] * 20 + ["slow"] * 20)
    before_fds = open_descriptors()
    tasks_before = len(asyncio.all_tasks())
    async with ProbeContext(ProbeSettings(timeout=3.0)) as context:
        sweeper = Sweeper(context, concurrency=10, rate=1000)
        run = asyncio.create_task(sweeper.run(targets_for(sim), lambda t, r: None))
        await asyncio.sleep(0.3)
        assert sweeper.in_flight > 0
        run.cancel()
        try:
            await run
        except asyncio.CancelledError:
            pass
        assert sweeper.in_flight == 0
    await asyncio.sleep(0.05)
    assert len(asyncio.all_tasks()) == tasks_before
    assert open_descriptors() <= before_fds


async def test_repeated_sweeps_do_not_leak_sockets(simulator, probe_context):
    sim = await simulator([None, "down", "sip-503", "http-500"] * 10)
    targets = [Target(i, f"P{i}", p.host, icmp=True, tcp_ports=(1720, 5060), sip_port=5060, http_url=f"http://{p.host}/")
               for i, p in enumerate(sim.points)]  # fmt: skip
    sweeper = Sweeper(probe_context, concurrency=20, rate=10000)
    await sweeper.run(targets, lambda t, r: None)
    baseline = open_descriptors()
    for _ in range(5):
        await sweeper.run(targets, lambda t, r: None)
    await asyncio.sleep(0.05)
    assert open_descriptors() <= baseline
