"""The readiness board in a real browser (Debian's chromium driven by Playwright), and its login."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest_asyncio

from tests.conftest import bearer, require_tool

ARTIFACTS = Path(__file__).parent.parent / "artifacts"


async def make_session(client, token, sim, *, starts_in=timedelta(minutes=20)):
    admin = bearer(token)
    for i, point in enumerate(sim.points):
        unit = ("C1", "C2", "C3")[i % 3]
        body = {"code": f"P-{i}", "name": f"Hội trường xã số {i}", "unit": unit, "host": point.host,
                "tcp_ports": [1720], "sip_port": 5060, "contact_name": "Lường Văn Đạt", "contact_phone": f"0912 345 67{i}"}  # fmt: skip
        assert (await client.post("/api/v1/endpoints", json=body, headers=admin)).status == 201
    starts = datetime.now(UTC) + starts_in
    response = await client.post("/api/v1/sessions", headers=admin, json={
        "title": "Hội nghị sơ kết quý IV", "unit": "P", "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(), "points": [f"P-{i}" for i in range(len(sim.points))],
        "expected": 40,
    })  # fmt: skip
    assert response.status == 201, await response.text()
    return (await response.json())["id"]


async def test_board_needs_login_and_csrf(client, tokens, simulator):
    sim = await simulator([None])
    sid = await make_session(client, tokens["admin"], sim)
    page = await client.get(f"/board/sessions/{sid}", allow_redirects=False)
    assert page.status == 303 and page.headers["Location"].startswith(
        "/login?next=/board/sessions/"
    )
    bad = await client.post(
        "/login", data={"token": "bw_nope", "next": "/board"}, allow_redirects=False
    )
    assert bad.status == 401 and "không đúng" in await bad.text()
    good = await client.post(
        "/login",
        data={"token": tokens["viewer"], "next": "https://evil.example/"},
        allow_redirects=False,
    )
    assert good.status == 303 and good.headers["Location"] == "/board"  # no open redirect
    cookie = good.cookies["bw_login"]
    assert cookie["httponly"] and cookie["samesite"] == "Strict"
    board = await client.get(f"/board/sessions/{sid}")
    html = await board.text()
    assert (
        board.status == 200 and "Hội nghị sơ kết quý IV" in html and 'href="tel:0912345670"' in html
    )
    no_csrf = await client.post(f"/board/sessions/{sid}/check")
    assert no_csrf.status == 403
    # The viewer may look but not re-check, even with the right CSRF token.
    csrf = html.split('data-csrf="')[1].split('"')[0]
    viewer_check = await client.post(f"/board/sessions/{sid}/check", headers={"X-CSRF-Token": csrf})
    assert viewer_check.status == 403
    logout = await client.post("/logout", data={"csrf": csrf}, allow_redirects=False)
    assert logout.status == 303
    assert (await client.get(f"/board/sessions/{sid}", allow_redirects=False)).status == 303


@pytest_asyncio.fixture(loop_scope="session")
async def browser():
    chromium = require_tool("chromium", "chromium")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )  # fmt: skip
        yield browser
        await browser.close()


async def test_board_in_a_browser_matches_the_api_and_updates_live(
    client, tokens, simulator, browser
):
    sim = await simulator([None, None, "sip-503", None, "down", None])
    sid = await make_session(client, tokens["admin"], sim)
    admin = bearer(tokens["admin"])
    assert (await client.post(f"/api/v1/sessions/{sid}/check", headers=admin)).status == 200
    api = await (await client.get(f"/api/v1/sessions/{sid}/readiness", headers=admin)).json()
    reasons = [(p["code"], p["reason"]["en"]) for p in api["points"]]
    # The faults decide these; a loaded machine may add a "slow" degraded, never an unreachable.
    assert api["counts"]["unreachable"] == 1 and api["counts"]["unknown"] == 0, reasons
    assert api["counts"]["ready"] >= 3 and api["counts"]["degraded"] >= 1, reasons

    base = str(client.make_url("/"))[:-1]
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    await page.goto(f"{base}/board/sessions/{sid}")
    await page.fill("#token", tokens["operator"])  # the operator of D1: points in C1 and C2
    await page.click("button[type=submit]")
    await page.wait_for_selector("#points")
    for state in ("ready", "degraded", "unreachable", "unknown"):
        assert await page.inner_text(f"#count-{state}") == str(api["counts"][state])
    await page.wait_for_function("document.getElementById('live').classList.contains('on')")

    # The simulator takes a ready point down; a sweep runs; the page changes without a reload.
    await sim.set_fault(sim.points[0].host, "down")
    await client.post(f"/api/v1/sessions/{sid}/check", headers=admin)
    row = page.locator('tr.point[data-code="P-0"]')
    await row.locator(".badge.unreachable").wait_for(timeout=10000)
    after = await (await client.get(f"/api/v1/sessions/{sid}/readiness", headers=admin)).json()
    assert after["counts"]["unreachable"] == 2
    # The live page catches up with every point of the sweep, and then shows the API's counts.
    states = ("ready", "degraded", "unreachable", "unknown")
    expected = json.dumps([str(after["counts"][s]) for s in states], separators=(",", ":"))
    await page.wait_for_function(
        """(expected) => JSON.stringify(['ready', 'degraded', 'unreachable', 'unknown']
            .map((s) => document.getElementById('count-' + s).textContent)) === expected""",
        arg=expected,
        timeout=10000,
    )
    assert "SIP" in await row.locator(".reason").inner_text()

    await page.check("#only-problems")
    assert not await page.locator('tr.point[data-code="P-1"]').is_visible()
    assert await row.is_visible()

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "board.png"
    await page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000

    # The re-check button works for the operator on a point of its unit (P-0 is in C1).
    await sim.set_fault(sim.points[0].host, None)
    await page.uncheck("#only-problems")
    await row.locator("button.recheck").click()
    await row.locator(".badge.ready").wait_for(timeout=10000)

    # English
    await page.goto(f"{base}/board/sessions/{sid}?lang=en")
    assert await page.inner_text(".count.ready .label") == "Ready"
    await page.close()


async def test_operator_ticks_checklist_and_board_shows_it(client, tokens, simulator):
    sim = await simulator([None, None, None])
    sid = await make_session(client, tokens["admin"], sim)
    operator = bearer(tokens["operator"])
    response = await client.put(f"/api/v1/sessions/{sid}/points/P-0/checklist", headers=operator,
                                json={"items": {"power": True, "camera": True, "microphone": False}, "needs_help": True,
                                      "note": "Micro rè, cần thay"})  # fmt: skip
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["items"]["power"]["checked"] and body["items"]["power"]["by"] == "test operator"
    # P-2 is in C3, outside the operator's district
    outside = await client.put(
        f"/api/v1/sessions/{sid}/points/P-2/checklist",
        headers=operator,
        json={"items": {"power": True}},
    )
    assert outside.status == 403
    bad = await client.put(
        f"/api/v1/sessions/{sid}/points/P-0/checklist",
        headers=operator,
        json={"items": {"coffee": True}},
    )
    assert bad.status == 400 and (await bad.json())["error"]["field"] == "items"
    data = await (await client.get(f"/api/v1/sessions/{sid}/readiness", headers=operator)).json()
    point = next(p for p in data["points"] if p["code"] == "P-0")
    assert (
        point["checklist_done"] == 2
        and point["help"]["needs_help"]
        and point["help"]["note"] == "Micro rè, cần thay"
    )


async def test_operator_form_for_quality_and_attendance(client, tokens, simulator, conn):
    sim = await simulator([None, None])
    sid = await make_session(client, tokens["admin"], sim, starts_in=timedelta(minutes=-30))
    login = await client.post(
        "/login", data={"token": tokens["operator"], "next": "/board"}, allow_redirects=False
    )
    assert login.status == 303
    page = await client.get(f"/board/sessions/{sid}/points/P-0")
    html = await page.text()
    assert page.status == 200 and "Báo cáo chất lượng" in html and "Điểm danh" in html
    assert html.count('name="form" value="quality"') == 1
    assert "<title>Danh mục kiểm tra — Hội trường xã số 0 — bridgewatch</title>" in html
    csrf = html.split('name="csrf" value="')[1].split('"')[0]
    client_id = html.split('name="client_id" value="')[1].split('"')[0]
    form = {"csrf": csrf, "form": "quality", "client_id": client_id, "audio": "4", "video": "3",
            "category": "echo", "issue_time": "", "issue_minutes": "5", "note": "Tiếng vọng"}  # fmt: skip
    bad = await client.post(f"/board/sessions/{sid}/points/P-0", data=form)
    assert bad.status == 400 and "issues[0].started_at" in await bad.text()
    assert await conn.fetchval("SELECT count(*) FROM quality_report") == 0
    form.pop("category")
    for _ in range(2):  # a double submit stores one report
        assert (await client.post(f"/board/sessions/{sid}/points/P-0", data=form)).status == 200
    assert (
        await conn.fetchval("SELECT count(*) FROM quality_report WHERE audio = 4 AND video = 3")
        == 1
    )
    attendance = {"csrf": csrf, "form": "attendance", "present_at_start": "35", "late": "3", "left_early": "1",
                  "absent": "2", "absent_reasons": "công tác", "note": ""}  # fmt: skip
    assert (await client.post(f"/board/sessions/{sid}/points/P-0", data=attendance)).status == 200
    row = await conn.fetchrow("SELECT present_at_start, late, absent_reasons FROM attendance")
    assert tuple(row) == (35, 3, "công tác")
    report = await client.get(f"/board/sessions/{sid}/report?lang=en")
    assert report.status == 200 and "Post-session report" in await report.text()
