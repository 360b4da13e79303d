"""Quality reports and attendance over the API: operators for their own points."""

from __future__ import annotations

import asyncio

from aiohttp import web

from bridgewatch.auth import audit
from bridgewatch.registry import endpoints
from bridgewatch.reports.data import gather
from bridgewatch.reports.render import FORMATS, render
from bridgewatch.reports.trend import gather_trend, render_trend
from bridgewatch.sessions import attendance, quality_reports, store
from bridgewatch.sessions.models import parse_time
from bridgewatch.sessions.schedule import utcnow
from bridgewatch.web.keys import POOL, SETTINGS, principal
from bridgewatch.web.params import json_object, json_reply
from bridgewatch.web.views.sessions import _authorizer, session_id


async def _point(request: web.Request, conn):
    session = await store.get_session(conn, session_id(request))
    endpoint = await endpoints.get_endpoint(conn, request.match_info["code"])
    await store.require_point(conn, session.id, endpoint.id)
    await _authorizer(request, conn)(endpoint.unit_id)
    return session, endpoint


async def submit_quality(request: web.Request) -> web.Response:
    """{"client_id", "audio": 1-5, "video": 1-5, "issues": [{"category", "started_at", "duration_s"}], "note"}"""
    body = await json_object(request)
    async with request.app[POOL].acquire() as conn:
        session, endpoint = await _point(request, conn)
        report = quality_reports.clean_report(body, session, request.app[SETTINGS].zone)
        report_id, created = await quality_reports.submit(
            conn, session.id, endpoint.id, report, principal(request).name
        )
        if created:
            await audit(
                conn,
                principal(request),
                "quality.submit",
                f"{session.id}/{endpoint.code}",
                {"id": report_id},
            )
        stored = [
            r
            for r in await quality_reports.reports_for(conn, session.id, endpoint.id)
            if r["id"] == report_id
        ]
    return json_reply(stored[0], status=201 if created else 200)


async def list_quality(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        session = await store.get_session(conn, session_id(request))
        items = await quality_reports.reports_for(conn, session.id)
    return json_reply({"items": items, "total": len(items)})


async def put_attendance(request: web.Request) -> web.Response:
    """{"present_at_start", "late", "left_early", "absent", "absent_reasons", "note"}"""
    body = await json_object(request)
    async with request.app[POOL].acquire() as conn:
        session, endpoint = await _point(request, conn)
        expected = await store.expected_of(conn, session.id, endpoint.id)
        record = attendance.clean_attendance(body, expected)
        async with conn.transaction():
            await attendance.save(conn, session.id, endpoint.id, record, principal(request).name)
            await audit(
                conn, principal(request), "attendance.save", f"{session.id}/{endpoint.code}", record
            )
        row = (await attendance.attendance_rows(conn, session.id))[endpoint.id]
    return json_reply(
        {"code": endpoint.code, **attendance.figures(expected, endpoint.hall_capacity, row)}
    )


async def list_attendance(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        session = await store.get_session(conn, session_id(request))
        rows = await attendance.attendance_rows(conn, session.id)
        points = await store.session_points(conn, session.id)
    items = [
        {"code": p.endpoint.code, "name": p.endpoint.name, "unit_path": p.endpoint.unit_path,
         **attendance.figures(p.expected, p.endpoint.hall_capacity, rows.get(p.endpoint.id))}
        for p in points
    ]  # fmt: skip
    return json_reply({"items": items, "total": len(items)})


async def session_report(request: web.Request) -> web.Response:
    """The post-session report: `format=html|pdf|xlsx|csv`, `lang=vi|en`; rendered in a thread."""
    fmt = request.query.get("format", "html")
    lang = request.query.get("lang", "vi")
    async with request.app[POOL].acquire() as conn:
        data = await gather(conn, session_id(request), now=utcnow())
    body = await asyncio.to_thread(render, data, fmt, lang, request.app[SETTINGS].zone)
    headers = (
        {}
        if fmt == "html"
        else {
            "Content-Disposition": f'attachment; filename="session-{data.session.id}-{lang}.{fmt}"'
        }
    )
    return web.Response(
        body=body,
        content_type=FORMATS[fmt],
        charset="utf-8" if fmt in ("html", "csv") else None,
        headers=headers,
    )


async def trend_report(request: web.Request) -> web.Response:
    """`from`, `to` (ISO dates or times), `format=html|csv|xlsx`, `lang=vi|en`."""
    zone = request.app[SETTINGS].zone
    since = parse_time("from", request.query.get("from"), zone)
    until = parse_time("to", request.query.get("to"), zone)
    fmt = request.query.get("format", "html")
    async with request.app[POOL].acquire() as conn:
        trend = await gather_trend(conn, since, until)
    body = await asyncio.to_thread(render_trend, trend, fmt, request.query.get("lang", "vi"), zone)
    return web.Response(
        body=body, content_type=FORMATS[fmt], charset="utf-8" if fmt in ("html", "csv") else None
    )
