"""Liveness and readiness checks, open without a token."""

from __future__ import annotations

import asyncio

from aiohttp import web

from bridgewatch import __version__
from bridgewatch.web.keys import POOL
from bridgewatch.web.params import json_reply


async def index(request: web.Request) -> web.Response:
    """Where things are, for someone who opens the service's address."""
    return json_reply(
        {
            "service": "bridgewatch",
            "version": __version__,
            "api": "/api/v1",
            "openapi": "/api/v1/openapi.json",
            "health": "/healthz",
            "ready": "/readyz",
        }
    )


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
