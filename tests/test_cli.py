"""The `bridgewatch` command as a user runs it: real processes, real embedded PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import asyncpg

from bridgewatch.db.migrate import available_migrations

GOOD = "code,name,unit_path,host,tcp_ports\nCD-01,Hội trường Chợ Đồn,Tỉnh Bắc Kạn / Huyện Chợ Đồn,127.20.4.1,1720\n"


def run(*args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bridgewatch", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(port: int, path: str, token: str | None = None) -> tuple[int, object]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


class Serve:
    """`bridgewatch serve` in the background, stopped with SIGINT like Ctrl-C."""

    def __init__(self, data_dir: Path, *extra: str) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bridgewatch",
                "serve",
                "--data-dir",
                str(data_dir),
                "--port",
                str(self.port),
                *extra,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if api(self.port, "/readyz")[0] == 200:
                    return
            except OSError:
                pass
            if self.process.poll() is not None:
                raise AssertionError(self.process.stdout.read())
            time.sleep(0.2)
        raise AssertionError("serve did not become ready")

    def stop(self) -> str:
        self.process.send_signal(signal.SIGINT)
        output, _ = self.process.communicate(timeout=30)
        return output


def server_running(data_dir: Path) -> bool:
    return (data_dir / "pgdata" / "postmaster.pid").exists()


def test_import_export_alone_starts_and_stops_embedded_server(tmp_path):
    data = tmp_path / "data"
    points = tmp_path / "points.csv"
    points.write_text(GOOD, encoding="utf-8")
    result = run("import", str(points), "--data-dir", str(data))
    assert result.returncode == 0, result.stderr
    assert "1 new" in result.stdout and "embedded PostgreSQL in" in result.stderr
    assert not server_running(data)

    out = tmp_path / "out.csv"
    result = run("export", str(out), "--data-dir", str(data))
    assert result.returncode == 0, result.stderr
    assert (
        "CD-01,Hội trường Chợ Đồn,Tỉnh Bắc Kạn / Huyện Chợ Đồn,127.20.4.1,yes,1720"
        in out.read_text(encoding="utf-8-sig")
    )

    again = run("import", str(out), "--data-dir", str(data))
    assert again.returncode == 0 and "0 new, 1 updated" in again.stdout


def test_bad_import_exits_non_zero_lists_rows_and_writes_nothing(tmp_path):
    data = tmp_path / "data"
    bad = tmp_path / "bad.csv"
    bad.write_text(
        GOOD + "CD-02,x,Tỉnh Bắc Kạn,999.1.1.1,1720\nCD-03,y,,127.0.0.1,99999\n", encoding="utf-8"
    )
    result = run("import", str(bad), "--data-dir", str(data))
    assert result.returncode == 2
    assert "row 3, column host" in result.stderr
    assert "row 4, column tcp_ports" in result.stderr and "row 4, column unit_path" in result.stderr
    dry = run("import", str(tmp_path / "missing.csv"), "--data-dir", str(data))
    assert dry.returncode == 2 and "cannot read" in dry.stderr
    out = tmp_path / "out.csv"
    assert run("export", str(out), "--data-dir", str(data)).returncode == 0
    assert out.read_text(encoding="utf-8-sig").count("\n") == 1  # header only


def test_dry_run_writes_nothing(tmp_path):
    data = tmp_path / "data"
    points = tmp_path / "points.xlsx"
    points.write_text(GOOD, encoding="utf-8")
    result = run("import", str(points), "--dry-run", "--data-dir", str(data))
    assert result.returncode == 0 and "would import 1 rows" in result.stdout
    listing = run("units", "--data-dir", str(data))
    assert listing.stdout.strip() == ""


def test_serve_shares_embedded_server_with_other_commands_and_restarts_with_data(tmp_path):
    data = tmp_path / "data"
    serve = Serve(data, "--demo")
    try:
        created = run(
            "token", "create", "--role", "viewer", "--name", "Phòng CNTT", "--data-dir", str(data)
        )
        assert created.returncode == 0, created.stderr
        token = created.stdout.strip().splitlines()[-1]
        assert token.startswith("bw_")
        status, body = api(serve.port, "/api/v1/endpoints?q=cho%20don&limit=200", token)
        assert status == 200 and body["total"] == 21  # the district hall and its 20 communes
        # The token command joined the running server and left it running.
        assert server_running(data)
        assert api(serve.port, "/readyz")[0] == 200
        listing = run("token", "list", "--data-dir", str(data))
        assert "Phòng CNTT" in listing.stdout and token not in listing.stdout
    finally:
        output = serve.stop()
    assert serve.process.returncode == 0, output
    assert not server_running(data), "serve should stop the embedded server it started"

    serve = Serve(data)
    try:
        status, body = api(serve.port, "/api/v1/endpoints?limit=1", token)
        assert status == 200 and body["total"] == 128
    finally:
        serve.stop()


def test_token_revoke_and_operator_needs_unit(tmp_path):
    data = tmp_path / "data"
    no_unit = run("token", "create", "--role", "operator", "--name", "x", "--data-dir", str(data))
    assert no_unit.returncode == 2 and "unit" in no_unit.stderr
    bad_unit = run(
        "token",
        "create",
        "--role",
        "operator",
        "--unit",
        "nope",
        "--name",
        "x",
        "--data-dir",
        str(data),
    )
    assert bad_unit.returncode == 2 and "no unit" in bad_unit.stderr
    created = run("token", "create", "--role", "admin", "--name", "a", "--data-dir", str(data))
    token_id = created.stdout.split()[2]
    revoked = run("token", "revoke", token_id, "--data-dir", str(data))
    assert revoked.returncode == 0
    assert "(revoked)" in run("token", "list", "--data-dir", str(data)).stdout


def test_bad_config_exits_2_naming_the_key(tmp_path):
    config = tmp_path / "bw.toml"
    config.write_text("[server]\nport = 'eighty'\n")
    result = run("migrate", "--config", str(config), "--data-dir", str(tmp_path))
    assert result.returncode == 2 and "server.port" in result.stderr


async def test_two_processes_migrating_at_once_apply_each_once(empty_db_url):
    env = {"BRIDGEWATCH_DATABASE_URL": empty_db_url}
    procs = [
        await asyncio.create_subprocess_exec(sys.executable, "-m", "bridgewatch", "migrate", env={**os.environ, **env},
                                             stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        for _ in range(3)
    ]  # fmt: skip
    results = await asyncio.gather(*(p.communicate() for p in procs))
    assert [p.returncode for p in procs] == [0, 0, 0], results
    conn = await asyncpg.connect(empty_db_url)
    try:
        rows = await conn.fetch("SELECT version FROM schema_migration ORDER BY version")
    finally:
        await conn.close()
    assert [r["version"] for r in rows] == [m.version for m in available_migrations()]


async def bridgewatch_async(*args: str, env: dict | None = None) -> tuple[int, str, str]:
    """Run the CLI without blocking this event loop (the simulator in this process must answer)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bridgewatch", *args, env={**os.environ, **(env or {})},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode, out.decode(), err.decode()


async def test_check_prints_table_or_json_and_exit_codes_fit_scripts(simulator, tmp_path, db_url):
    from bridgewatch.simulator.registry import registry_csv

    sim = await simulator([None, None, "sip-503", "down"])
    registry = tmp_path / "sim.csv"
    registry.write_bytes(registry_csv(sim.points))
    env = {"BRIDGEWATCH_DATABASE_URL": db_url}
    assert (await bridgewatch_async("import", str(registry), env=env))[0] == 0

    code, out, err = await bridgewatch_async("check", "--json", env=env)
    assert code == 1, err
    rows = json.loads(out)  # nothing but JSON on stdout
    assert [r["state"] for r in rows] == ["ready", "ready", "degraded", "unreachable"]
    assert {"code", "state", "reason", "probes", "contact_phone"} <= set(rows[0])
    assert {p["kind"] for p in rows[0]["probes"]} == {"icmp", "tcp", "sip", "http"}

    code, out, err = await bridgewatch_async("check", "--lang", "en", env=env)
    assert code == 1
    assert "Tỉnh Mô phỏng / Cụm 001  (2/4 ready)" in out
    assert "SIP answered 503" in out and "probes" in err  # the progress bar is on stderr

    await bridgewatch_async("token", "create", "--role", "admin", "--name", "x", env=env)
    conn = await asyncpg.connect(db_url)
    await conn.execute(
        "UPDATE endpoint SET active = false WHERE code IN ('SIM-00003', 'SIM-00004')"
    )
    await conn.close()
    code, out, _ = await bridgewatch_async("check", "--all", env=env)
    assert code == 0 and "2 sẵn sàng" in out

    code, _, err = await bridgewatch_async("check", "--unit", "nope", env=env)
    assert code == 2 and "no unit" in err


def test_simulate_serves_points_and_writes_their_registry(tmp_path):
    registry = tmp_path / "sim.csv"
    process = subprocess.Popen(
        [sys.executable, "-m", "bridgewatch", "simulate", "--count", "6", "--faults", "down=1,sip-404=1", "--export", str(registry)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert "wrote the registry file" in process.stdout.readline()
        assert (
            "simulating 6 points on 127.100.0.1 .. 127.100.0.6 (2 with faults"
            in process.stdout.readline()
        )
        data = tmp_path / "data"
        assert run("import", str(registry), "--data-dir", str(data)).returncode == 0
        result = run("check", "--json", "--data-dir", str(data))
        assert result.returncode == 1
        states = sorted(r["state"] for r in json.loads(result.stdout))
        assert states == ["ready"] * 5 + ["unreachable"]
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=20)
    assert process.returncode == 0


def test_simulate_refuses_bad_faults(tmp_path):
    result = run("simulate", "--count", "3", "--faults", "explode=1")
    assert result.returncode == 2 and "unknown fault" in result.stderr
    result = run("simulate", "--count", "3", "--faults", "down=5")
    assert result.returncode == 2 and "faults" in result.stderr


def test_session_commands(tmp_path):
    data = tmp_path / "data"
    points = tmp_path / "points.csv"
    points.write_text(
        "code,name,unit_path,host\n"
        "A-1,Hội trường A,Tỉnh Bắc Kạn / Huyện Chợ Đồn,127.0.0.21\n"
        "A-2,Hội trường B,Tỉnh Bắc Kạn / Huyện Chợ Đồn,127.0.0.22\n"
        "B-1,Hội trường C,Tỉnh Bắc Kạn / Huyện Ba Bể,127.0.0.23\n",
        encoding="utf-8",
    )
    assert run("import", str(points), "--data-dir", str(data)).returncode == 0
    created = run("session", "create", "--title", "Hội nghị chuyên đề", "--unit", "tinh-bac-kan",
                  "--start", "2026-12-01T08:00", "--end", "2026-12-01T11:30", "--points-unit", "huyen-cho-don",
                  "--expected", "30", "--data-dir", str(data))  # fmt: skip
    assert created.returncode == 0, created.stderr
    session_id = created.stdout.strip().splitlines()[-1]
    assert (
        "01/12/2026 08:00 - 01/12/2026 11:30, 2 points" in created.stdout
    )  # shown in Asia/Ho_Chi_Minh
    added = run(
        "session",
        "add-points",
        session_id,
        "--points",
        "B-1",
        "--expected",
        "25",
        "--data-dir",
        str(data),
    )
    assert added.returncode == 0 and "added 1 points" in added.stdout
    twice = run("session", "add-points", session_id, "--points", "B-1", "--data-dir", str(data))
    assert twice.returncode == 2 and "already in the session: B-1" in twice.stderr
    shown = run("session", "show", session_id, "--data-dir", str(data))
    assert "3 points, 85 delegates expected" in shown.stdout
    bad = run("session", "create", "--title", "x", "--unit", "tinh-bac-kan", "--start", "2026-12-01T08:00",
              "--end", "2026-12-01T07:00", "--data-dir", str(data))  # fmt: skip
    assert bad.returncode == 2 and "ends_at" in bad.stderr
    listed = run("session", "list", "--data-dir", str(data))
    assert "Hội nghị chuyên đề" in listed.stdout


def test_demo_prints_board_session_and_token_and_serves_a_live_session(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bridgewatch", "demo", "--port", str(port), "--data-dir", str(tmp_path / "data")],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        lines = {}
        while len(lines) < 3:
            line = process.stdout.readline()
            assert line, "demo stopped early"
            key, _, value = line.strip().partition(": ")
            if key in ("url", "session", "token"):
                lines[key] = value
        assert lines["url"] == f"http://127.0.0.1:{port}/board/sessions/{lines['session']}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            status, body = api(
                port, f"/api/v1/sessions/{lines['session']}/readiness", lines["token"]
            )
            if status == 200 and body["counts"]["unknown"] == 0 and body["checks"]:
                break
            time.sleep(1)
        # Starting five minutes ahead, the session is inside its readiness window: swept at once.
        assert body["total"] == 128 and body["phase"] == "checking"
        assert body["counts"]["ready"] > 90, body["counts"]
        assert (
            body["counts"]["unreachable"] + body["counts"]["degraded"] >= 10
        )  # the simulated faults
        assert body["checks"][0]["slot"] == "T-10"
        assert sum(p["expected"] for p in body["points"]) > 4000
        # The simulated MCU and Cisco codecs are polled during the session (it starts in 5 minutes:
        # none yet), and the report renders.
        status, _ = api(port, f"/api/v1/sessions/{lines['session']}/attendance", lines["token"])
        assert status == 200
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)


async def test_report_command_writes_each_format(tmp_path, db_url):
    env = {"BRIDGEWATCH_DATABASE_URL": db_url}
    points = tmp_path / "p.csv"
    points.write_text(
        "code,name,unit_path,host\nA-1,Hội trường A,Tỉnh Bắc Kạn / Huyện Chợ Đồn,127.0.0.31\n",
        encoding="utf-8",
    )
    assert (await bridgewatch_async("import", str(points), env=env))[0] == 0
    code, out, err = await bridgewatch_async("session", "create", "--title", "Hội nghị tổng kết", "--unit", "tinh-bac-kan",
                                             "--start", "2026-12-01T08:00", "--end", "2026-12-01T10:00", "--points", "A-1", env=env)  # fmt: skip
    assert code == 0, err
    session_id = out.strip().splitlines()[-1]
    for fmt in ("html", "pdf", "xlsx", "csv"):
        target = tmp_path / f"report.{fmt}"
        code, out, err = await bridgewatch_async(
            "report", session_id, "--format", fmt, "--lang", "en", "-o", str(target), env=env
        )
        assert code == 0, err
        assert target.stat().st_size > (150 if fmt == "csv" else 1000)
    code, out, err = await bridgewatch_async(
        "attendance", session_id, "A-1", "--present", "-3", env=env
    )
    assert code == 2 and "present_at_start" in err
    code, out, err = await bridgewatch_async(
        "attendance", session_id, "A-1", "--present", "0", "--late", "0", env=env
    )
    assert code == 0 and "0 present of 0 expected" in out, err
    code, out, _ = await bridgewatch_async("report", session_id, "--format", "csv", env=env)
    assert code == 0 and "A-1,Hội trường A" in out
    code, _, err = await bridgewatch_async("report", "999", env=env)
    assert code == 2 and "no session" in err
