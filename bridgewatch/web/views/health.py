"""Liveness and readiness checks, open without a token."""

from __future__ import annotations

import asyncio

from aiohttp import web

from bridgewatch.web.keys import POOL
from bridgewatch.web.params import json_reply


async def healthz(request: web.Request) -> web.Response:
    """The process is up."""
    return json_reply({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """The database answers within two seconds."""
    try:
        async with asyncio.timeout(2):
            async with request.app[POOL].acquire() as conn:
                await conn.fetchval("SELECT 1")
    except Exception as exc:  # any failure means "not ready"; the reason goes to the caller
        return json_reply({"status": "unavailable", "database": type(exc).__name__}, status=503)
    return json_reply({"status": "ok", "database": "ok"})
