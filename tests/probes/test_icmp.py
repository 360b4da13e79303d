import asyncio
import os

import pytest

from bridgewatch.probes.base import DOWN, UNAVAILABLE, UP, Target
from bridgewatch.probes.icmp import IcmpEngine, burst_result, checksum, probe_icmp


def test_checksum_of_a_known_echo_request():
    # type 8, code 0, checksum 0, id 1, seq 1: the checksum is ~(0x0800 + 0x0001 + 0x0001)
    header = bytes([8, 0, 0, 0, 0, 1, 0, 1])
    total = checksum(header)
    assert int.from_bytes(total.to_bytes(2, "little"), "big") == 0xF7FD


def test_burst_statistics_loss_and_jitter():
    result = burst_result(7, [10.0, None, 14.0, 12.0, None])
    assert result.status == UP
    assert result.loss_pct == 40.0
    assert (result.rtt_min_ms, result.rtt_ms, result.rtt_max_ms) == (10.0, 12.0, 14.0)
    assert result.jitter_ms == 3.0  # |14-10| and |12-14|, averaged
    lost = burst_result(7, [None, None, None])
    assert lost.status == DOWN and lost.loss_pct == 100.0 and "3 pings" in lost.detail


@pytest.mark.skipif(
    os.geteuid() != 0 and os.environ.get("CI") != "true", reason="raw ICMP needs root"
)
async def test_burst_to_loopback_addresses_over_one_socket(probe_context):
    engine = probe_context.icmp
    assert engine.mode == "raw"
    targets = [Target(i, f"P{i}", f"127.44.0.{i + 1}") for i in range(200)]
    results = await asyncio.gather(
        *(probe_icmp(t, engine, probe_context.settings) for t in targets)
    )
    assert all(r.status == UP and r.loss_pct == 0 for r in results)
    assert all(0 < r.rtt_min_ms <= r.rtt_ms <= r.rtt_max_ms < 1000 for r in results)
    assert engine.replies_unmatched == 0


async def test_without_privilege_icmp_is_unavailable_never_down(probe_context):
    engine = IcmpEngine()  # never opened: as without CAP_NET_RAW and ping_group_range
    engine.reason = "ICMP needs root or CAP_NET_RAW"
    result = await probe_icmp(Target(1, "P", "127.0.0.1"), engine, probe_context.settings)
    assert result.status == UNAVAILABLE and "CAP_NET_RAW" in result.detail
