"""Typed keys for what the application and each request carry."""

from __future__ import annotations

import asyncpg
from aiohttp import web

from bridgewatch.auth import Principal
from bridgewatch.config import Settings
from bridgewatch.monitor import Monitor
from bridgewatch.sessions.alerts import Alerter
from bridgewatch.sessions.schedule import SessionScheduler

SETTINGS = web.AppKey("settings", Settings)
POOL = web.AppKey("pool", asyncpg.Pool)
MONITOR = web.AppKey("monitor", Monitor)
SCHEDULER = web.AppKey("scheduler", SessionScheduler)
ALERTER = web.AppKey("alerter", Alerter)
# Set by the auth middleware on every /api/v1 request.
PRINCIPAL = web.RequestKey("principal", Principal)


def principal(request: web.Request) -> Principal:
    return request[PRINCIPAL]
