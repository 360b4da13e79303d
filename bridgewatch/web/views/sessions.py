"""/api/v1/sessions: sessions, their points, readiness, checks on demand and checklists."""

from __future__ import annotations

from aiohttp import web

from bridgewatch.auth import audit
from bridgewatch.errors import NotFound, ValidationError
from bridgewatch.registry import endpoints
from bridgewatch.sessions import service, store
from bridgewatch.sessions.models import CHECKLIST_ITEMS, parse_time
from bridgewatch.sessions.schedule import utcnow
from bridgewatch.sessions.view import session_readiness
from bridgewatch.web.keys import MONITOR, POOL, SCHEDULER, SETTINGS, principal
from bridgewatch.web.params import json_object, json_reply, query_bool, query_text


def session_id(request: web.Request) -> int:
    raw = request.match_info["id"]
    if not raw.isdigit() or len(raw) > 18:
        raise NotFound(f"no session with id {raw!r}", field="id")
    return int(raw)


def _authorizer(request: web.Request, conn):
    who = principal(request)
    who.require_writer()

    async def authorize(unit_id: int) -> None:
        await who.require_unit_write(conn, unit_id)

    return authorize


async def list_sessions(request: web.Request) -> web.Response:
    zone = request.app[SETTINGS].zone
    since = query_text(request, "from")
    until = query_text(request, "to")
    async with request.app[POOL].acquire() as conn:
        items = await store.list_sessions(
            conn,
            since=parse_time("from", since, zone) if since else None,
            until=parse_time("to", until, zone) if until else None,
            include_cancelled=bool(query_bool(request, "cancelled")),
        )
    return json_reply({"items": [s.to_json(zone) for s in items], "total": len(items)})


async def create_session(request: web.Request) -> web.Response:
    body = await json_object(request)
    settings = request.app[SETTINGS]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        session = await service.create_session(
            conn, body, settings.zone, _authorizer(request, conn)
        )
        await audit(conn, principal(request), "session.create", str(session.id), session.to_json())
    await request.app[SCHEDULER].sync(session.id)
    return json_reply(session.to_json(settings.zone), status=201)


async def get_session(request: web.Request) -> web.Response:
    zone = request.app[SETTINGS].zone
    async with request.app[POOL].acquire() as conn:
        session = await store.get_session(conn, session_id(request))
        points = await store.session_points(conn, session.id)
    body = session.to_json(zone)
    body["participants"] = [
        {
            "code": p.endpoint.code,
            "name": p.endpoint.name,
            "unit_path": p.endpoint.unit_path,
            "expected": p.expected,
        }
        for p in points
    ]
    return json_reply(body)


async def update_session(request: web.Request) -> web.Response:
    body = await json_object(request)
    zone = request.app[SETTINGS].zone
    async with request.app[POOL].acquire() as conn, conn.transaction():
        session = await store.get_session(conn, session_id(request))
        session = await service.update_session(
            conn, session, body, zone, _authorizer(request, conn)
        )
        await audit(conn, principal(request), "session.update", str(session.id), body)
    await request.app[SCHEDULER].sync(session.id)
    return json_reply(session.to_json(zone))


async def cancel_session(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire() as conn, conn.transaction():
        session = await store.get_session(conn, session_id(request))
        authorize = _authorizer(request, conn)
        unit_id = await conn.fetchval("SELECT unit_id FROM session WHERE id = $1", session.id)
        await authorize(unit_id)
        session = await store.cancel_session(conn, session.id)
        await audit(conn, principal(request), "session.cancel", str(session.id))
    await request.app[SCHEDULER].sync(session.id)
    return json_reply(session.to_json(request.app[SETTINGS].zone))


async def add_points(request: web.Request) -> web.Response:
    body = await json_object(request)
    async with request.app[POOL].acquire() as conn, conn.transaction():
        session = await store.get_session(conn, session_id(request))
        added = await service.add_points(conn, session, body, _authorizer(request, conn))
        await audit(conn, principal(request), "session.add_points", str(session.id), body)
        session = await store.get_session(conn, session.id)
    await request.app[SCHEDULER].sync(session.id)
    return json_reply(
        {"added": added, "session": session.to_json(request.app[SETTINGS].zone)}, status=201
    )


async def remove_point(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire() as conn, conn.transaction():
        session = await store.get_session(conn, session_id(request))
        endpoint = await endpoints.get_endpoint(conn, request.match_info["code"])
        await _authorizer(request, conn)(endpoint.unit_id)
        await store.remove_point(conn, session.id, endpoint.id)
        await audit(
            conn,
            principal(request),
            "session.remove_point",
            str(session.id),
            {"code": endpoint.code},
        )
    return web.Response(status=204)


async def readiness(request: web.Request) -> web.Response:
    return json_reply(await readiness_data(request, session_id(request)))


async def readiness_data(request: web.Request, sid: int) -> dict:
    settings = request.app[SETTINGS]
    async with request.app[POOL].acquire() as conn:
        session = await store.get_session(conn, sid)
        return await session_readiness(
            conn, request.app[MONITOR].state, session, now=utcnow(),
            first_offset=settings.sessions.first_offset,
        )  # fmt: skip


async def check_session(request: web.Request) -> web.Response:
    """Sweep the session's points now (or one point with `?code=`): admins and operators."""
    who = principal(request)
    who.require_writer()
    code = query_text(request, "code")
    async with request.app[POOL].acquire() as conn:
        session = await store.get_session(conn, session_id(request))
        points = [
            p.endpoint for p in await store.session_points(conn, session.id) if p.endpoint.active
        ]
        if code is not None:
            points = [e for e in points if e.code == code]
            if not points:
                raise ValidationError("code", f"point {code!r} does not take part in the session")
        for e in points:
            if who.role == "operator":
                await who.require_unit_write(conn, e.unit_id)
    report = await request.app[MONITOR].sweep_endpoints(
        points, scope=f"session:{session.id}:manual", session_id=session.id, slot="manual"
    )
    return json_reply({"sweep": str(report.id), "counts": report.counts(), "points": len(points)})


async def get_checklist(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        session = await store.get_session(conn, session_id(request))
        endpoint = await endpoints.get_endpoint(conn, request.match_info["code"])
        await store.require_point(conn, session.id, endpoint.id)
        entry = (await store.checklists(conn, session.id)).get(
            endpoint.id, {"items": {}, "help": None}
        )
    return json_reply(
        {
            "code": endpoint.code,
            "items": entry["items"],
            "help": entry["help"],
            "known_items": list(CHECKLIST_ITEMS),
        }
    )


async def put_checklist(request: web.Request) -> web.Response:
    """{"items": {"power": true, ...}, "needs_help": false, "note": "..."}: operators for their points."""
    body = await json_object(request)
    for key in body:
        if key not in ("items", "needs_help", "note"):
            raise ValidationError(key, f"unknown field {key!r}")
    items = body.get("items", {})
    if not isinstance(items, dict) or not all(isinstance(v, bool) for v in items.values()):
        raise ValidationError("items", "items must map checklist items to true or false")
    needs_help = body.get("needs_help")
    if needs_help is not None and not isinstance(needs_help, bool):
        raise ValidationError("needs_help", "needs_help must be true or false")
    note = body.get("note", "")
    if not isinstance(note, str) or len(note) > 2000:
        raise ValidationError("note", "note must be text of at most 2000 characters")
    who = principal(request)
    async with request.app[POOL].acquire() as conn, conn.transaction():
        session = await store.get_session(conn, session_id(request))
        endpoint = await endpoints.get_endpoint(conn, request.match_info["code"])
        await store.require_point(conn, session.id, endpoint.id)
        await _authorizer(request, conn)(endpoint.unit_id)
        await store.set_checklist(conn, session.id, endpoint.id, items, who.name)
        if needs_help is not None:
            await store.set_help(conn, session.id, endpoint.id, needs_help, note.strip(), who.name)
        await audit(conn, who, "checklist.update", f"{session.id}/{endpoint.code}", body)
        entry = (await store.checklists(conn, session.id)).get(
            endpoint.id, {"items": {}, "help": None}
        )
    return json_reply({"code": endpoint.code, "items": entry["items"], "help": entry["help"]})
