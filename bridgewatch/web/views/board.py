"""The readiness board's pages: login, session list, live board (server-sent events), checklist."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import secrets
from datetime import datetime, timedelta

import jinja2
from aiohttp import web

from bridgewatch.auth import authenticate, create_login, end_login, login_principal
from bridgewatch.errors import BridgewatchError, Forbidden, Unauthorized, ValidationError
from bridgewatch.registry import endpoints
from bridgewatch.sessions import attendance, quality_reports, store
from bridgewatch.sessions.models import CHECKLIST_ITEMS, CHECKLIST_LABELS
from bridgewatch.sessions.schedule import utcnow
from bridgewatch.sessions.view import point_figures
from bridgewatch.state import EndpointStatus
from bridgewatch.web.i18n import COOKIE, WORDS, language
from bridgewatch.web.keys import MONITOR, POOL, PRINCIPAL, SETTINGS
from bridgewatch.web.params import json_reply
from bridgewatch.web.views.sessions import readiness_data, session_id

LOGIN_COOKIE = "bw_login"
HEARTBEAT_S = 15
TEMPLATES = web.AppKey("templates", jinja2.Environment)
CSRF = web.RequestKey("board_csrf", str)


def templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("bridgewatch.web", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )


def _render(request: web.Request, name: str, *, status: int = 200, **context) -> web.Response:
    lang = language(request)
    html = (
        request.app[TEMPLATES]
        .get_template(name)
        .render(
            lang=lang,
            t=WORDS[lang],
            who=request.get(PRINCIPAL),
            csrf=request.get(CSRF, ""),
            **context,
        )
    )
    response = web.Response(text=html, content_type="text/html", status=status)
    if "lang" in request.query:
        response.set_cookie(COOKIE, lang, max_age=365 * 86400, samesite="Lax", httponly=True)
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self' 'unsafe-inline'"
    )
    response.headers["X-Frame-Options"] = "DENY"
    return response


def local(request: web.Request, value: str | datetime | None) -> str:
    """dd/mm/yyyy HH:MM in the configured zone."""
    if value is None:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(request.app[SETTINGS].zone).strftime("%d/%m/%Y %H:%M:%S")


@web.middleware
async def board_auth(request: web.Request, handler):
    """Pages under /board need a login cookie; their POSTs also need the login's CSRF token.

    The login's principal goes where the API's token puts it, so API handlers serve the board too.
    """
    if not request.path.startswith("/board"):
        return await handler(request)
    login_id = request.cookies.get(LOGIN_COOKIE)
    found = None
    if login_id:
        async with request.app[POOL].acquire() as conn:
            found = await login_principal(conn, login_id)
    if found is None:
        if request.method == "GET" and not request.path.endswith(("/events", "/data")):
            raise web.HTTPSeeOther(f"/login?next={request.path_qs}")
        raise Unauthorized("log in first")
    request[PRINCIPAL], request[CSRF] = found
    if request.method == "POST":
        sent = request.headers.get("X-CSRF-Token")
        if sent is None and request.content_type == "application/x-www-form-urlencoded":
            sent = (await request.post()).get("csrf")
        if not sent or not hmac.compare_digest(str(sent), found[1]):
            raise Forbidden("missing or wrong CSRF token")
    return await handler(request)


def _safe_next(target: str) -> str:
    # Only paths on this site: never an open redirect.
    return target if target.startswith("/board") and not target.startswith("//") else "/board"


async def login_page(request: web.Request) -> web.Response:
    return _render(
        request, "login.html", next=_safe_next(request.query.get("next", "/board")), error=None
    )


async def login(request: web.Request) -> web.Response:
    form = await request.post()
    token = str(form.get("token", "")).strip()
    target = _safe_next(str(form.get("next", "/board")))
    async with request.app[POOL].acquire() as conn:
        who = await authenticate(conn, token) if token else None
        if who is None:
            lang = language(request)
            return _render(
                request, "login.html", status=401, next=target, error=WORDS[lang]["bad_token"]
            )
        login_id, _ = await create_login(conn, who)
    response = web.HTTPSeeOther(target)
    response.set_cookie(LOGIN_COOKIE, login_id, httponly=True, samesite="Strict", secure=request.secure,
                        max_age=12 * 3600, path="/")  # fmt: skip
    raise response


async def logout(request: web.Request) -> web.Response:
    login_id = request.cookies.get(LOGIN_COOKIE)
    if login_id:
        async with request.app[POOL].acquire() as conn:
            found = await login_principal(conn, login_id)
            form = await request.post()
            if found and hmac.compare_digest(str(form.get("csrf", "")), found[1]):
                await end_login(conn, login_id)
    response = web.HTTPSeeOther("/login")
    response.del_cookie(LOGIN_COOKIE, path="/")
    raise response


async def sessions_page(request: web.Request) -> web.Response:
    now = utcnow()
    async with request.app[POOL].acquire() as conn:
        items = await store.list_sessions(
            conn, since=now - timedelta(days=2), until=None, include_cancelled=False
        )
    rows = [
        {"id": s.id, "title": s.title, "starts": local(request, s.starts_at), "ends": local(request, s.ends_at),
         "points": s.points, "phase": s.phase(now, request.app[SETTINGS].sessions.first_offset)}
        for s in items
    ]  # fmt: skip
    return _render(request, "sessions.html", sessions=rows)


async def board_page(request: web.Request) -> web.Response:
    data = await readiness_data(request, session_id(request))
    for point in data["points"]:
        point["checked_local"] = local(request, point["checked_at"])
    for check in data["checks"]:
        check["local"] = local(request, check["at"])
    session = data["session"]
    lang = language(request)
    return _render(
        request, "board.html", data=data, starts=local(request, session["starts_at"]),
        ends=local(request, session["ends_at"]), can_check=request[PRINCIPAL].role in ("admin", "operator"),
        words_json=json.dumps(WORDS[lang], ensure_ascii=False).replace("</", "<\\/"),
    )  # fmt: skip


async def board_data(request: web.Request) -> web.Response:
    return json_reply(await readiness_data(request, session_id(request)))


async def board_events(request: web.Request) -> web.StreamResponse:
    """Server-sent events: one `point` event per update of one of the session's points."""
    async with request.app[POOL].acquire() as conn:
        session = await store.get_session(conn, session_id(request))
        ids = {p.endpoint.id for p in await store.session_points(conn, session.id)}
    queue: asyncio.Queue[EndpointStatus] = asyncio.Queue(maxsize=2000)

    def watch(status: EndpointStatus) -> None:
        if status.endpoint_id in ids:
            with contextlib.suppress(
                asyncio.QueueFull
            ):  # a slow page misses some updates, nothing else
                queue.put_nowait(status)

    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache",
                                           "X-Accel-Buffering": "no"})  # fmt: skip
    await response.prepare(request)
    state = request.app[MONITOR].state
    state.watchers.add(watch)
    try:
        await response.write(b": connected\n\n")
        while True:
            try:
                async with asyncio.timeout(HEARTBEAT_S):
                    status = await queue.get()
            except TimeoutError:
                await response.write(b": heartbeat\n\n")
                continue
            payload = {
                "code": status.code,
                **point_figures(status),
                "checked_local": local(request, status.checked_at),
            }
            await response.write(
                f"event: point\ndata: {json.dumps(payload, ensure_ascii=False)}\n\n".encode()
            )
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        state.watchers.discard(watch)
    return response


def _int_field(form, name: str) -> object:
    raw = str(form.get(name, "")).strip()
    return int(raw) if raw.lstrip("-").isdigit() else (raw or 0)


async def _save_form(conn, request: web.Request, form, session, point, who) -> None:
    """One of the page's three forms: checklist, quality report, attendance."""
    zone = request.app[SETTINGS].zone
    kind = form.get("form", "checklist")
    if kind == "quality":
        issues = []
        if form.get("category"):
            day = session.starts_at.astimezone(zone).date().isoformat()
            issues.append({"category": str(form["category"]), "started_at": f"{day}T{form.get('issue_time', '')}",
                           "duration_s": 60 * (_int_field(form, "issue_minutes") or 0)})  # fmt: skip
        report = quality_reports.clean_report(
            {"client_id": str(form.get("client_id", "")), "audio": _int_field(form, "audio"),
             "video": _int_field(form, "video"), "issues": issues, "note": str(form.get("note", ""))},
            session, zone,
        )  # fmt: skip
        await quality_reports.submit(conn, session.id, point.id, report, who.name)
    elif kind == "attendance":
        expected = await store.expected_of(conn, session.id, point.id)
        body = {
            k: _int_field(form, k) for k in ("present_at_start", "late", "left_early", "absent")
        }
        body |= {
            "absent_reasons": str(form.get("absent_reasons", "")),
            "note": str(form.get("note", "")),
        }
        await attendance.save(
            conn, session.id, point.id, attendance.clean_attendance(body, expected), who.name
        )
    else:
        items = {item: item in form for item in CHECKLIST_ITEMS}
        note = str(form.get("note", "")).strip()[:2000]
        async with conn.transaction():
            await store.set_checklist(conn, session.id, point.id, items, who.name)
            await store.set_help(conn, session.id, point.id, "needs_help" in form, note, who.name)


async def checklist_page(request: web.Request) -> web.Response:
    """A point's page for its operator: checklist, quality report, attendance — on a phone."""
    sid = session_id(request)
    who = request[PRINCIPAL]
    lang = language(request)
    message = error = None
    status = 200
    async with request.app[POOL].acquire() as conn:
        session = await store.get_session(conn, sid)
        point = await endpoints.get_endpoint(conn, request.match_info["code"])
        await store.require_point(conn, sid, point.id)
        try:
            await who.require_unit_write(conn, point.unit_id)
            can_edit = True
        except BridgewatchError:
            can_edit = False
        if request.method == "POST":
            if not can_edit:
                raise Forbidden(WORDS[lang]["forbidden"])
            form = await request.post()
            try:
                await _save_form(conn, request, form, session, point, who)
                message = WORDS[lang]["saved"]
            except ValidationError as exc:
                error, status = f"{exc.field}: {exc.message}", 400
        entry = (await store.checklists(conn, sid)).get(point.id, {"items": {}, "help": None})
        present = (await attendance.attendance_rows(conn, sid)).get(point.id)
        expected = await store.expected_of(conn, sid, point.id)
        reports = await quality_reports.reports_for(conn, sid, point.id)
    index = 0 if lang == "vi" else 1
    items = [(item, CHECKLIST_LABELS[item][index]) for item in CHECKLIST_ITEMS]
    categories = [
        (name, labels[index]) for name, labels in quality_reports.ISSUE_CATEGORIES.items()
    ]
    return _render(request, "checklist.html", status=status, session=session, point=point, entry=entry, items=items,
                   can_edit=can_edit, message=message, error=error, categories=categories, client_id=secrets.token_hex(8),
                   attendance=dict(present) if present else {}, expected=expected, reports=reports)  # fmt: skip
