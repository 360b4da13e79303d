"""A real Prometheus scrapes a running bridgewatch; every dashboard query must return data."""

import asyncio
import json
import socket
import subprocess
from pathlib import Path

import aiohttp

from bridgewatch.metrics import ENDPOINT_FAMILIES
from tests.conftest import bearer, require_tool
from tests.web.test_board import make_session

ROOT = Path(__file__).parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_alert_rules_check_and_unit_tests_pass():
    promtool = require_tool("promtool", "prometheus")
    folder = ROOT / "config" / "prometheus"
    checked = subprocess.run(
        [promtool, "check", "rules", "alerts.yml"], cwd=folder, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = subprocess.run(
        [promtool, "test", "rules", "alerts.test.yml"], cwd=folder, capture_output=True, text=True
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr
    config = subprocess.run(
        [promtool, "check", "config", "prometheus.yml"], cwd=folder, capture_output=True, text=True
    )
    assert config.returncode == 0, config.stdout + config.stderr


def substitute(expr: str, values: dict[str, str]) -> str:
    for name, value in sorted(values.items(), key=lambda kv: -len(kv[0])):
        expr = expr.replace("${" + name + "}", value).replace("$" + name, value)
    return expr


async def test_every_dashboard_query_returns_data_from_a_real_prometheus(
    client, tokens, simulator, tmp_path
):
    prometheus = require_tool("prometheus", "prometheus")
    promtool = require_tool("promtool", "prometheus")
    sim = await simulator([None, None, "sip-503", "down", None, "slow"])
    sid = await make_session(client, tokens["admin"], sim)
    assert (
        await client.post(f"/api/v1/sessions/{sid}/check", headers=bearer(tokens["admin"]))
    ).status == 200

    # The live page passes promtool's lint.
    text = await (await client.get("/metrics")).text()
    linter = await asyncio.create_subprocess_exec(
        promtool, "check", "metrics", stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await linter.communicate(text.encode())
    assert linter.returncode == 0 and not out.strip() and not err.strip(), (out + err).decode()
    for family in ENDPOINT_FAMILIES:
        assert f"# TYPE {family} gauge" in text

    target = f"{client.server.host}:{client.server.port}"
    port = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        f"rule_files: ['{ROOT / 'config' / 'prometheus' / 'alerts.yml'}']\n"
        f"scrape_configs:\n  - job_name: bridgewatch\n    static_configs: [{{targets: ['{target}']}}]\n"
    )
    process = await asyncio.create_subprocess_exec(
        prometheus, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:

            async def query(expr: str) -> list:
                async with http.get(f"{base}/query", params={"query": expr}) as response:
                    body = await response.json()
                assert body["status"] == "success", (expr, body)
                return body["data"]["result"]

            samples = 0
            for _ in range(120):  # up to 30 s: start, then a few scrapes for rate()
                await asyncio.sleep(0.25)
                try:
                    samples = len(await query('count_over_time(up{job="bridgewatch"}[1m])'))
                    if (
                        samples
                        and float(
                            (await query('count_over_time(up{job="bridgewatch"}[1m])'))[0]["value"][
                                1
                            ]
                        )
                        >= 5
                    ):
                        break
                except aiohttp.ClientError:
                    continue
            assert samples, "Prometheus never scraped bridgewatch"
            assert (await query('up{job="bridgewatch"}'))[0]["value"][1] == "1"

            values = {"session": str(sid), "unit": ".*", "endpoint": "P-3", "__rate_interval": "30s",
                      "datasource": "prometheus"}  # fmt: skip
            checked = 0
            for path in sorted((ROOT / "dashboards").glob("*.json")):
                board = json.loads(path.read_text(encoding="utf-8"))
                exprs = [(p["title"], t["expr"]) for p in board["panels"] for t in p["targets"]]
                exprs += [
                    (a["name"], a["expr"]) for a in board["annotations"]["list"] if "expr" in a
                ]
                for title, expr in exprs:
                    result = await query(substitute(expr, values))
                    assert result, (
                        f"{path.name}: {title}: {substitute(expr, values)} returned nothing"
                    )
                    checked += 1
                for variable in board["templating"]["list"]:
                    if variable["type"] != "query":
                        continue
                    inner = substitute(variable["query"]["query"], values)
                    metric, label = (
                        inner.removeprefix("label_values(").removesuffix(")").rsplit(", ", 1)
                    )
                    async with http.get(f"{base}/series", params={"match[]": metric}) as response:
                        series = (await response.json())["data"]
                    assert any(label in s for s in series), (
                        f"{path.name}: variable {variable['name']}"
                    )
            assert checked >= 25
            not_ready = await query(
                "(bridgewatch_endpoint_state > 0) * on (endpoint) group_left (contact_name, contact_phone) bridgewatch_endpoint_info"
            )
            assert {r["metric"]["endpoint"] for r in not_ready} == {"P-2", "P-3", "P-5"}
            assert all(r["metric"]["contact_phone"].startswith("0912") for r in not_ready)
    finally:
        process.terminate()
        await process.wait()
