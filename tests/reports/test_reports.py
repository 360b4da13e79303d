"""A simulated session end to end: sweeps, operator reports, attendance; every report format is
checked against what the database holds."""

import asyncio
import csv
import io
import subprocess
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest

from bridgewatch.reports.text import number, percent
from bridgewatch.sessions import store
from bridgewatch.web.keys import MONITOR, SCHEDULER
from tests.conftest import bearer, require_tool


def test_vietnamese_number_formats():
    assert number(6000, "vi") == "6.000" and number(6000, "en") == "6,000"
    assert percent(0.925, "vi") == "92,5%" and percent(0.925, "en") == "92.5%"
    assert number(4.25, "vi", 2) == "4,25"


@pytest.fixture
async def finished_session(client, tokens, simulator, conn):
    """Six points: checks at T-60 and T-10, two live sweeps, reports, attendance; session over."""
    admin = bearer(tokens["admin"])
    sim = await simulator([None, None, "sip-503", "down", None, None])
    sim.points[1].media = (6.0, 12.0)  # P-1's calls lose 6%: "bad" windows
    for i, point in enumerate(sim.points):
        unit = ("C1", "C2", "C3")[i % 3]
        point.codec = "cisco"  # every point answers xAPI /status.xml
        point.people = 30 + i
        body = {"code": f"P-{i}", "name": f"Hội trường xã số {i}", "unit": unit, "host": point.host,
                "tcp_ports": [1720], "sip_port": 5060, "hall_capacity": 50, "equipment": "Cisco Webex Room Kit",
                "http_url": f"http://{point.host}/"}  # fmt: skip
        assert (await client.post("/api/v1/endpoints", json=body, headers=admin)).status == 201
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    created = await client.post("/api/v1/sessions", headers=admin, json={
        "title": "Hội nghị quán triệt Nghị quyết", "unit": "P", "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(), "points": [f"P-{i}" for i in range(6)], "expected": 40})  # fmt: skip
    sid = (await created.json())["id"]
    monitor = client.app[MONITOR]
    scheduler = client.app[SCHEDULER]  # with the app's alerts and media polling after each sweep
    session = await store.get_session(conn, sid)
    for moment in (
        start - timedelta(minutes=59),
        start - timedelta(minutes=9),
        start + timedelta(seconds=5),
        start + timedelta(seconds=65),
    ):
        await scheduler.run_due(session, moment)
    await monitor.writer.flushed()
    operator = bearer(tokens["operator"])
    reports = [
        ("P-0", 5, 4, []),
        ("P-1", 3, 2, [{"category": "no_sound", "duration_s": 120}]),
        ("P-0", 4, 4, []),
    ]
    for n, (code, audio, video, issues) in enumerate(reports):
        issues = [{**i, "started_at": (start + timedelta(minutes=10)).isoformat()} for i in issues]
        r = await client.post(f"/api/v1/sessions/{sid}/points/{code}/quality", headers=operator,
                              json={"client_id": f"form-{n}", "audio": audio, "video": video, "issues": issues})  # fmt: skip
        assert r.status == 201, await r.text()
    for code, present, late, absent in (("P-0", 36, 2, 2), ("P-1", 30, 0, 10), ("P-3", 41, 3, 0)):
        body = {"present_at_start": present, "late": late, "left_early": 1, "absent": absent,
                "absent_reasons": "ốm" if absent else "", "note": "khách mời" if present + late > 44 else ""}  # fmt: skip
        token = operator if code != "P-3" else admin
        r = await client.put(
            f"/api/v1/sessions/{sid}/points/{code}/attendance",
            headers=bearer(tokens["admin"]) if token is admin else operator,
            json=body,
        )
        assert r.status == 200, await r.text()
    return sid


async def expected_figures(conn, sid):
    present = await conn.fetchval(
        "SELECT sum(present_at_start + late) FROM attendance WHERE session_id = $1", sid
    )
    expected = await conn.fetchval(
        "SELECT sum(expected) FROM session_point WHERE session_id = $1", sid
    )
    reported_expected = await conn.fetchval(
        """SELECT sum(p.expected) FROM session_point p JOIN attendance a USING (session_id, endpoint_id)
           WHERE p.session_id = $1""", sid)  # fmt: skip
    t10 = await conn.fetchval(
        "SELECT ready FROM sweep WHERE session_id = $1 AND slot = 'T-10'", sid
    )
    audio = await conn.fetchval(
        "SELECT avg(audio)::float FROM quality_report r JOIN endpoint e ON e.id = r.endpoint_id WHERE session_id = $1 AND e.code = 'P-0'", sid)  # fmt: skip
    return {
        "present": present,
        "expected": expected,
        "reported_expected": reported_expected,
        "rate": present / reported_expected,
        "t10": t10,
        "audio_p0": audio,
    }


async def test_report_figures_equal_the_database_in_csv_xlsx_and_html(
    client, tokens, conn, finished_session
):
    sid = finished_session
    truth = await expected_figures(conn, sid)
    viewer = bearer(tokens["viewer"])

    text = (
        await (
            await client.get(f"/api/v1/sessions/{sid}/report?format=csv&lang=vi", headers=viewer)
        ).read()
    ).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 6
    p0 = next(r for r in rows if r["Mã"] == "P-0")
    assert p0["Âm thanh"] == number(truth["audio_p0"], "vi", 1) == "4,5"
    assert p0["Có mặt"] == "38" and p0["Dự kiến"] == "40" and p0["Tỷ lệ tham dự"] == "95,0%"
    assert p0["T-10"] == "sẵn sàng"
    p1 = next(r for r in rows if r["Mã"] == "P-1")
    assert (
        p1["Tỷ lệ tham dự"] == "75,0%"
        and "dưới mục tiêu 90%" in p1["Ghi chú"]
        and p1["Sự cố"] == "1"
    )
    assert next(r for r in rows if r["Mã"] == "P-3")["T-10"] == "không kết nối"
    assert sum(int(r["Có mặt"]) for r in rows if r["Có mặt"] != "–") == truth["present"]
    assert p0["Thiết bị đếm được"] == "30"  # the codec's people count
    # Each live sweep (at creation, the session was already live: one at once, then two) was
    # followed by a poll of the codecs: 3 windows x 2 streams x 5 answering points.
    windows = await conn.fetch(
        "SELECT class, count(*) FROM media_stat WHERE session_id = $1 GROUP BY class", sid
    )
    classes = {r["class"]: r["count"] for r in windows}
    assert classes == {"good": 24, "bad": 6}

    book = openpyxl.load_workbook(
        io.BytesIO(
            await (
                await client.get(
                    f"/api/v1/sessions/{sid}/report?format=xlsx&lang=en", headers=viewer
                )
            ).read()
        )
    )
    summary = {
        row[0]: row[1] for row in book["Summary"].iter_rows(min_row=4, values_only=True) if row[0]
    }
    assert (
        summary["Delegates present / expected (points that reported)"]
        == f"{truth['present']} / {truth['reported_expected']}"
    )
    assert summary["Delegates expected in all"] == f"{truth['expected']:,}"
    assert summary["Points that reported attendance"] == "3 / 6"
    assert summary["Attendance rate"] == percent(truth["rate"], "en")
    assert (
        summary["Share of time good / ok / bad"] == "80.0% / 0.0% / 20.0%"
    )  # from the media windows
    assert (
        summary[next(k for k in summary if k.startswith("Ready at T-10"))] == f"{truth['t10']} / 6"
    )
    points = list(book["Point"].iter_rows(values_only=True))
    assert len(points) == 7 and points[0][0] == "Code"

    html = await (
        await client.get(f"/api/v1/sessions/{sid}/report?format=html&lang=vi", headers=viewer)
    ).text()
    assert "Báo cáo sau phiên họp: Hội nghị quán triệt Nghị quyết" in html
    assert (
        f"<td>{number(truth['present'], 'vi')} / {number(truth['reported_expected'], 'vi')}</td>"
        in html
    )
    assert f"<td>{percent(truth['rate'], 'vi')}</td>" in html
    assert html.count("data:image/svg+xml;base64,") == 3
    assert "không có tiếng (báo cáo)" in html


async def test_pdf_renders_vietnamese(client, tokens, finished_session, tmp_path):
    for tool in ("pdftoppm", "pdftotext"):
        require_tool(tool, "poppler-utils")
    pdf = await (
        await client.get(
            f"/api/v1/sessions/{finished_session}/report?format=pdf&lang=vi",
            headers=bearer(tokens["viewer"]),
        )
    ).read()
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    await asyncio.to_thread(
        subprocess.run,
        ["pdftoppm", "-png", "-r", "60", str(path), str(tmp_path / "page")],
        check=True,
    )
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages and all(p.stat().st_size > 5000 for p in pages)
    done = await asyncio.to_thread(
        subprocess.run, ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    )
    text = done.stdout
    assert "Báo cáo sau phiên họp: Hội nghị quán triệt Nghị quyết" in text
    assert "Tỷ lệ tham dự" in text


BAD = [
    ("quality", {"client_id": "x", "audio": 6, "video": 3}, 400, "audio"),
    ("quality", {"client_id": "x", "audio": 0, "video": 3}, 400, "audio"),
    ("quality", {"client_id": "x", "audio": 3}, 400, "video"),
    ("quality", {"audio": 3, "video": 3}, 400, "client_id"),
    (
        "quality",
        {
            "client_id": "x",
            "audio": 3,
            "video": 3,
            "issues": [{"category": "smoke", "started_at": "2026-01-01T00:00Z"}],
        },
        400,
        "issues[0].category",
    ),
    (
        "quality",
        {
            "client_id": "x",
            "audio": 3,
            "video": 3,
            "issues": [{"category": "echo", "started_at": "2020-01-01T00:00Z"}],
        },
        400,
        "issues[0].started_at",
    ),
    (
        "quality",
        {
            "client_id": "x",
            "audio": 3,
            "video": 3,
            "issues": [{"category": "echo", "started_at": "2020-01-01T00:00Z", "duration_s": -5}],
        },
        400,
        "issues[0].duration_s",
    ),
    ("attendance", {"present_at_start": -1}, 400, "present_at_start"),
    ("attendance", {"present_at_start": 80}, 400, "present_at_start"),
    ("attendance", {"present_at_start": 10, "absent": 3}, 400, "absent_reasons"),
    ("attendance", {"present_at_start": 10, "left_early": 11}, 400, "left_early"),
]


@pytest.mark.parametrize(
    ("kind", "body", "status", "field"), BAD, ids=[f"{k}-{f}" for k, _, _, f in BAD]
)
async def test_bad_reports_are_refused_and_store_nothing(
    client, tokens, conn, finished_session, kind, body, status, field
):
    sid = finished_session
    before = [
        await conn.fetchval(f"SELECT count(*) FROM {t}")
        for t in ("quality_report", "quality_issue")
    ]
    before_att = await conn.fetch("SELECT * FROM attendance ORDER BY endpoint_id")
    method = client.post if kind == "quality" else client.put
    response = await method(
        f"/api/v1/sessions/{sid}/points/P-0/{kind}", json=body, headers=bearer(tokens["operator"])
    )
    assert response.status == status, await response.text()
    assert (await response.json())["error"]["field"] == field
    assert [
        await conn.fetchval(f"SELECT count(*) FROM {t}")
        for t in ("quality_report", "quality_issue")
    ] == before
    assert await conn.fetch("SELECT * FROM attendance ORDER BY endpoint_id") == before_att


async def test_reports_for_points_outside_the_session_or_scope(client, tokens, finished_session):
    admin, operator = bearer(tokens["admin"]), bearer(tokens["operator"])
    await client.post(
        "/api/v1/endpoints",
        json={"code": "OTHER", "name": "o", "unit": "C1", "host": "127.0.0.5"},
        headers=admin,
    )
    body = {"client_id": "z", "audio": 3, "video": 3}
    outside = await client.post(
        f"/api/v1/sessions/{finished_session}/points/OTHER/quality", json=body, headers=admin
    )
    assert outside.status == 400 and (await outside.json())["error"]["field"] == "code"
    # P-2 is in C3, outside the operator's district
    scope = await client.post(
        f"/api/v1/sessions/{finished_session}/points/P-2/quality", json=body, headers=operator
    )
    assert scope.status == 403


async def test_a_retried_submission_is_stored_once(client, tokens, conn, finished_session):
    body = {"client_id": "retry-1", "audio": 2, "video": 3, "note": "Mất tiếng đầu giờ"}
    first = await client.post(
        f"/api/v1/sessions/{finished_session}/points/P-0/quality",
        json=body,
        headers=bearer(tokens["operator"]),
    )
    again = await client.post(
        f"/api/v1/sessions/{finished_session}/points/P-0/quality",
        json=body,
        headers=bearer(tokens["operator"]),
    )
    assert (first.status, again.status) == (201, 200)
    assert (await first.json())["id"] == (await again.json())["id"]
    assert (
        await conn.fetchval("SELECT count(*) FROM quality_report WHERE client_id = 'retry-1'") == 1
    )
