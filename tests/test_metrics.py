"""/metrics as Prometheus reads it: values, labels, escaping, and the optional token."""

import re
from dataclasses import replace

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bridgewatch.config import MetricsSettings
from bridgewatch.metrics import escape
from bridgewatch.web.app import create_app
from tests.conftest import bearer
from tests.web.test_board import make_session


def sample(text: str, name: str, **labels: str) -> float:
    """The value of the one sample of `name` whose labels include `labels`."""
    found = []
    for line in text.splitlines():
        if line.startswith(name + "{"):
            body, value = line.rsplit(" ", 1)
            if all(f'{k}="{v}"' in body for k, v in labels.items()):
                found.append(float(value))
    assert len(found) == 1, (name, labels, found)
    return found[0]


def test_label_values_are_escaped():
    assert escape('Xã "Mới"\\\n') == 'Xã \\"Mới\\"\\\\\\n'


async def test_metrics_reflect_the_latest_sweep(client, tokens, simulator):
    sim = await simulator([None, "down", "sip-503"])
    sid = await make_session(client, tokens["admin"], sim)
    await client.post(f"/api/v1/sessions/{sid}/check", headers=bearer(tokens["admin"]))
    response = await client.get("/metrics")
    assert response.status == 200 and response.headers["Content-Type"].startswith("text/plain")
    text = await response.text()
    assert sample(text, "bridgewatch_endpoint_readiness", endpoint="P-0", state="ready") == 1
    assert sample(text, "bridgewatch_endpoint_readiness", endpoint="P-1", state="ready") == 0
    assert sample(text, "bridgewatch_endpoint_state", endpoint="P-1") == 2
    assert sample(text, "bridgewatch_endpoint_state", endpoint="P-2") == 1
    assert sample(text, "bridgewatch_endpoint_up", endpoint="P-1", kind="tcp", port="1720") == 0
    assert sample(text, "bridgewatch_endpoint_up", endpoint="P-0", kind="sip", port="5060") == 1
    assert 0 < sample(text, "bridgewatch_endpoint_rtt_seconds", endpoint="P-0", kind="tcp") < 1
    assert 1 <= sample(text, "bridgewatch_endpoint_mos", endpoint="P-0") <= 4.5
    assert sample(text, "bridgewatch_session_points", session=str(sid), state="unreachable") == 1
    assert sample(text, "bridgewatch_session_endpoint_state", session=str(sid), endpoint="P-2") == 1
    assert sample(text, "bridgewatch_session_expected_delegates", session=str(sid)) == 120
    assert sample(text, "bridgewatch_session_phase", session=str(sid), phase="checking") == 1
    assert sample(text, "bridgewatch_probes_total", kind="sip", result="degraded") >= 1
    assert 'unit_path="Tỉnh Bắc Kạn / Huyện Chợ Đồn / Xã Bằng Lãng"' in text
    info = [
        line
        for line in text.splitlines()
        if line.startswith('bridgewatch_endpoint_info{endpoint="P-0"')
    ]
    assert 'contact_phone="0912 345 670"' in info[0]
    # Each family is one group with its HELP and TYPE before its samples.
    names = [m[1] for m in re.finditer(r"^# TYPE (\S+) ", text, re.M)]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("header", [None, "Bearer bw_wrong"])
async def test_metrics_can_require_a_token(settings, tokens, header):
    app = create_app(
        replace(settings, metrics=MetricsSettings(require_token=True)), announce=lambda _: None
    )
    async with TestClient(TestServer(app)) as restricted:
        denied = await restricted.get(
            "/metrics", headers={"Authorization": header} if header else {}
        )
        assert denied.status == 401
        allowed = await restricted.get("/metrics", headers=bearer(tokens["viewer"]))
        assert allowed.status == 200 and "bridgewatch_build_info" in await allowed.text()
