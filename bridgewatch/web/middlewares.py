"""Error and authentication middlewares: one place turns errors into JSON responses."""

from __future__ import annotations

import logging

import asyncpg
from aiohttp import web

from bridgewatch.auth import authenticate
from bridgewatch.errors import BridgewatchError, Unauthorized
from bridgewatch.web.keys import POOL, PRINCIPAL
from bridgewatch.web.params import json_reply

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"


def error_response(status: int, code: str, message: str, field: str | None = None) -> web.Response:
    return json_reply({"error": {"code": code, "message": message, "field": field}}, status=status)


@web.middleware
async def errors_middleware(request: web.Request, handler):
    try:
        return await handler(request)
    except BridgewatchError as exc:
        response = json_reply(exc.to_json(), status=exc.status)
        if isinstance(exc, Unauthorized):
            response.headers["WWW-Authenticate"] = 'Bearer realm="bridgewatch"'
        return response
    except web.HTTPException as exc:
        if exc.status < 400 or not request.path.startswith(API_PREFIX):
            raise
        return error_response(exc.status, exc.reason.lower().replace(" ", "_"), exc.reason)
    except (asyncpg.PostgresConnectionError, OSError, TimeoutError):
        log.exception("database unavailable during %s %s", request.method, request.path)
        return error_response(503, "unavailable", "the database is not reachable; try again")


@web.middleware
async def auth_middleware(request: web.Request, handler):
    """Every /api/v1 route needs `Authorization: Bearer TOKEN`."""
    if request.path.startswith(API_PREFIX):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("an API token is required: Authorization: Bearer TOKEN")
        async with request.app[POOL].acquire() as conn:
            principal = await authenticate(conn, token.strip())
        if principal is None:
            raise Unauthorized("the API token is unknown or revoked")
        request[PRINCIPAL] = principal
    return await handler(request)
