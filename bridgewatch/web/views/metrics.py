"""/metrics for Prometheus: open by default, behind a token when `metrics.require_token`."""

from __future__ import annotations

from aiohttp import web

from bridgewatch.auth import authenticate
from bridgewatch.errors import Unauthorized
from bridgewatch.metrics import MetricsCache, render
from bridgewatch.sessions.schedule import utcnow
from bridgewatch.web.keys import ALERTER, POOL, SCHEDULER, SETTINGS

METRICS = web.AppKey("metrics", MetricsCache)


async def metrics(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    if settings.metrics.require_token:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        async with request.app[POOL].acquire() as conn:
            who = (
                await authenticate(conn, token.strip())
                if scheme.lower() == "bearer" and token
                else None
            )
        if who is None:
            raise Unauthorized("/metrics needs a bearer token (metrics.require_token)")
    body = render(
        request.app[METRICS],
        request.app[SCHEDULER].known,
        first_offset=settings.sessions.first_offset,
        now=utcnow(),
        webhook=request.app[ALERTER].webhook,
        present=request.app[SCHEDULER].present,
    )
    return web.Response(
        body=body, content_type="text/plain", charset="utf-8", headers={"X-Version": "0.0.4"}
    )
