"""The application factory: settings in, database pool in a cleanup context, routes, middlewares."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from bridgewatch import __version__
from bridgewatch.collectors.base import CollectorSettings
from bridgewatch.collectors.poller import MediaPoller
from bridgewatch.config import Settings
from bridgewatch.db.migrate import migrate
from bridgewatch.db.pool import create_pool, database_url, redact
from bridgewatch.metrics import MetricsCache
from bridgewatch.monitor import Monitor
from bridgewatch.sessions.alerts import Alerter, Webhook
from bridgewatch.sessions.schedule import SessionScheduler
from bridgewatch.web.keys import ALERTER, MONITOR, POOL, SCHEDULER, SETTINGS
from bridgewatch.web.middlewares import auth_middleware, errors_middleware
from bridgewatch.web.routes import setup_routes
from bridgewatch.web.views.board import TEMPLATES, board_auth, templates
from bridgewatch.web.views.metrics import METRICS

log = logging.getLogger(__name__)


def create_app(settings: Settings, *, announce=print) -> web.Application:
    """Build the app; the database (embedded or configured) opens when the app starts."""
    app = web.Application(
        middlewares=[errors_middleware, auth_middleware, board_auth], client_max_size=32 << 20
    )
    app[SETTINGS] = settings
    app[TEMPLATES] = templates()

    async def database(app: web.Application) -> AsyncIterator[None]:
        async with database_url(settings, announce=announce) as url:
            log.info("database %s", redact(url))
            pool = await create_pool(url, settings)
            try:
                async with pool.acquire() as conn:
                    await migrate(conn)
                app[POOL] = pool
                async with running_services(app, pool, settings):
                    yield
            finally:
                await pool.close()

    app.cleanup_ctx.append(database)
    setup_routes(app)
    app.on_response_prepare.append(_server_header)
    return app


@contextlib.asynccontextmanager
async def running_services(app: web.Application, pool, settings: Settings) -> AsyncIterator[None]:
    """Monitor, metrics, alerts, media polling and the session scheduler; stopped in reverse."""
    async with contextlib.AsyncExitStack() as stack:
        monitor = await stack.enter_async_context(Monitor(pool, settings))
        app[MONITOR] = monitor
        app[METRICS] = MetricsCache(monitor)
        webhook = Webhook(settings.alerts)
        webhook.start()
        stack.push_async_callback(webhook.close)
        alerter = app[ALERTER] = Alerter(pool, webhook)
        poller = MediaPoller(pool, collector_settings(settings))
        await poller.start()
        stack.push_async_callback(poller.close)

        async def after_sweep(session, slot, report) -> None:
            await alerter.after_sweep(session, slot, report)
            await poller.after_sweep(session, slot, report)

        scheduler = app[SCHEDULER] = SessionScheduler(
            pool, monitor, settings.sessions, on_sweep=after_sweep
        )
        await scheduler.start()
        stack.push_async_callback(scheduler.stop)
        yield


def collector_settings(settings: Settings) -> CollectorSettings:
    c = settings.collectors
    return CollectorSettings(c.username, c.password, c.timeout, c.concurrency, c.pexip_url)


async def _server_header(request: web.Request, response: web.StreamResponse) -> None:
    response.headers["Server"] = f"bridgewatch/{__version__}"
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
