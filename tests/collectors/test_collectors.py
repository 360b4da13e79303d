"""Cisco xAPI and Pexip collectors against the simulator's codecs and MCU, over real HTTP."""

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bridgewatch.collectors import cisco, pexip
from bridgewatch.collectors.base import CollectorSettings, current_class, window_class
from bridgewatch.registry.models import Endpoint
from bridgewatch.simulator.pexip import pexip_app

SETTINGS = CollectorSettings("admin", "secret", 2.0, 10, "")


def endpoint(
    i: int, host: str, equipment: str = "Cisco Webex Room Kit", port: int = 80
) -> Endpoint:
    return Endpoint(
        i,
        f"P-{i}",
        f"Điểm {i}",
        1,
        "u",
        "Tỉnh",
        host,
        equipment=equipment,
        http_url=f"http://{host}:{port}/",
    )


@pytest.mark.parametrize(
    ("loss", "expected"),
    [
        (0.2, "good"),
        (1.0, "ok"),
        (2.9, "ok"),
        (3.0, "bad"),
        (9.99, "bad"),
        (10, "terrible"),
        (None, None),
    ],
)
def test_pexip_window_classes(loss, expected):
    assert window_class(loss) == expected


def test_current_class_is_the_most_frequent_of_the_last_three_windows():
    assert current_class(["terrible", "good", "bad", "good"]) == "good"
    assert current_class(["good", "ok", "bad"]) == "bad"  # a tie goes to the latest
    assert current_class([]) is None


async def test_cisco_codecs_give_loss_jitter_and_head_count(simulator):
    sim = await simulator([None, "lossy", None])
    sim.points[0].codec = sim.points[1].codec = "cisco"
    sim.points[0].people = 37
    points = [endpoint(i, p.host) for i, p in enumerate(sim.points)]
    points[2] = endpoint(
        2, sim.points[2].host, equipment="Polycom Group 500"
    )  # not a Cisco: not polled
    async with aiohttp.ClientSession() as http:
        samples = await cisco.collect(points, http, SETTINGS)
    by = {(s.endpoint_id, s.stream): s for s in samples}
    assert set(by) == {(0, "audio"), (0, "video"), (1, "audio"), (1, "video")}
    assert (
        by[(0, "audio")].loss_pct == pytest.approx(0.2, abs=0.05)
        and by[(0, "audio")].window_class == "good"
    )
    assert (
        by[(1, "video")].loss_pct == pytest.approx(6.0, abs=0.1)
        and by[(1, "video")].window_class == "bad"
    )
    assert by[(0, "audio")].people_count == 37 and by[(1, "audio")].people_count is None
    assert by[(0, "audio")].jitter_ms == 3.0
    assert 4 < by[(0, "audio")].mos <= 4.5 and by[(1, "audio")].mos < by[(0, "audio")].mos


async def test_unreachable_codec_gives_nothing_rather_than_an_error(simulator):
    sim = await simulator(["down"])
    async with aiohttp.ClientSession() as http:
        assert await cisco.collect([endpoint(0, sim.points[0].host)], http, SETTINGS) == []


async def test_one_pexip_poll_covers_every_connected_point():
    server = TestServer(
        pexip_app([("P-0", None), ("Điểm 1", "lossy"), ("stranger", None)]), host="127.0.0.1"
    )
    await server.start_server()
    try:
        settings = CollectorSettings("admin", "secret", 2.0, 10, str(server.make_url("/")))
        points = [endpoint(0, "127.0.0.1"), endpoint(1, "127.0.0.1"), endpoint(2, "127.0.0.1")]
        async with aiohttp.ClientSession() as http:
            samples = await pexip.collect(points, http, settings)
    finally:
        await server.close()
    by = {(s.endpoint_id, s.stream): s for s in samples}
    assert set(by) == {
        (0, "audio"),
        (0, "video"),
        (1, "audio"),
        (1, "video"),
    }  # matched by code, then by name
    assert by[(1, "audio")].loss_pct == 6.0 and by[(1, "audio")].window_class == "bad"
    assert all(s.source == "pexip" for s in samples)
