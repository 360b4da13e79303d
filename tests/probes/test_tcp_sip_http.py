import re
import ssl
import subprocess

import pytest
from aiohttp import web

from bridgewatch.probes import http, sip, tcp
from bridgewatch.probes.base import DEGRADED, DOWN, UP, ProbeSettings, Target


def target_for(point, **extra) -> Target:
    return Target(
        1,
        "P",
        point.host,
        icmp=False,
        tcp_ports=(1720, 5060),
        sip_port=5060,
        http_url=f"http://{point.host}/",
        **extra,
    )


async def test_tcp_connects_to_listeners_and_reports_refused(simulator, probe_context):
    sim = await simulator([None, "down"])
    up = await tcp.probe(target_for(sim.points[0]), probe_context)
    assert [(r.port, r.status) for r in up] == [(1720, UP), (5060, UP)]
    assert all(r.rtt_ms is not None and r.rtt_ms < 1000 for r in up)
    down = await tcp.probe(target_for(sim.points[1]), probe_context)
    assert [(r.status, r.detail) for r in down] == [(DOWN, "connection refused")] * 2


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [
        (None, UP, 200),
        ("sip-404", UP, 404),
        ("sip-503", DEGRADED, 503),
        ("down", DOWN, None),
        ("no-sip", DOWN, None),
    ],
)
async def test_sip_options_code_policy(simulator, probe_context, fault, status, code):
    sim = await simulator([fault])
    result = (await sip.probe(target_for(sim.points[0]), probe_context))[0]
    assert (result.status, result.code) == (status, code)
    if status == DOWN:
        assert "no answer" in result.detail and result.loss_pct == 100
    else:
        assert result.rtt_ms is not None


async def test_sip_configured_healthy_codes(simulator, probe_context):
    sim = await simulator(["sip-404"])
    settings = ProbeSettings(timeout=1.0, sip_healthy_codes=(200, 404))
    result = await sip.probe_sip(target_for(sim.points[0]), probe_context.sip, settings)
    assert result.status == UP and "signalling alive" not in result.detail


async def test_sip_over_tcp(simulator, probe_context):
    sim = await simulator([None, "sip-503"])
    ok = (await sip.probe(target_for(sim.points[0], sip_transport="tcp"), probe_context))[0]
    busy = (await sip.probe(target_for(sim.points[1], sip_transport="tcp"), probe_context))[0]
    assert (ok.status, ok.code, busy.status, busy.code) == (UP, 200, DEGRADED, 503)


async def test_sip_retransmits_over_udp_when_requests_are_lost(simulator, probe_context):
    sim = await simulator(["lossy"], loss=0.75)
    settings = ProbeSettings(timeout=4.0, sip_retransmit=0.1)
    results = [
        await sip.probe_sip(target_for(sim.points[0]), probe_context.sip, settings)
        for _ in range(8)
    ]
    answered = [r for r in results if r.status == UP]
    assert answered, "some request should get through"
    assert any("after" in r.detail and r.loss_pct > 0 for r in answered)
    assert sim.points[0].sip_requests > 8  # retransmissions happened


async def test_sip_slow_answer_is_measured(simulator, probe_context):
    sim = await simulator(["slow"])
    result = (await sip.probe(target_for(sim.points[0]), probe_context))[0]
    assert result.status == UP and result.rtt_ms >= 390


def test_options_request_is_well_formed():
    request = sip.options_request(host="127.1.2.3", port=5060, transport="udp", local=("127.0.0.1", 40000),
                                  call_id="abc@bridgewatch", branch="123", user_agent="bridgewatch").decode()  # fmt: skip
    lines = request.split("\r\n")
    assert lines[0] == "OPTIONS sip:127.1.2.3:5060;transport=udp SIP/2.0"
    assert re.search(r"^Via: SIP/2\.0/UDP 127\.0\.0\.1:40000;branch=z9hG4bK\w+", request, re.M)
    for header in (
        "Call-ID: abc@bridgewatch",
        "CSeq: 1 OPTIONS",
        "Max-Forwards: 70",
        "Content-Length: 0",
    ):
        assert header in lines
    assert re.search(r"^From: <sip:[^>]+>;tag=\w+", request, re.M)
    assert request.endswith("\r\n\r\n")


async def test_http_status_page(simulator, probe_context):
    sim = await simulator([None, "http-500", "down"])
    results = [(await http.probe(target_for(p), probe_context))[0] for p in sim.points]
    assert [(r.status, r.code) for r in results] == [(UP, 200), (DEGRADED, 500), (DOWN, None)]
    assert results[2].detail == "connection refused"


@pytest.fixture(scope="module")
def short_certificate(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", folder / "key.pem",
         "-out", folder / "cert.pem", "-days", "10", "-subj", "/CN=codec.local"],
        check=True, capture_output=True,
    )  # fmt: skip
    return folder / "cert.pem", folder / "key.pem"


async def test_https_reports_certificate_days_left(short_certificate, probe_context):
    cert, key = short_certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    app = web.Application()

    async def hello(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app.router.add_get("/", hello)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        result = (
            await http.probe(
                Target(1, "P", "127.0.0.1", http_url=f"https://127.0.0.1:{port}/"), probe_context
            )
        )[0]
    finally:
        await runner.cleanup()
    assert result.status == UP and result.code == 200
    assert 9 < result.cert_days <= 10
