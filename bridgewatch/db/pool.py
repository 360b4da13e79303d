"""Where the database is (configured URL or embedded server) and the asyncpg pool to it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bridgewatch.config import Settings
from bridgewatch.db.embedded import DATABASE_NAME, EmbeddedPostgres

log = logging.getLogger(__name__)


def with_database(url: str, name: str) -> str:
    """Return `url` pointing at database `name` (keeps host, socket and options)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def redact(url: str) -> str:
    """The URL without its password, for logs."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(":" + parts.password + "@", ":***@")
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts)


async def ensure_database(server_url: str, name: str, *, connect_timeout: float = 10.0) -> None:
    """Create database `name` on the server if it does not exist (safe when racing)."""
    conn = await asyncpg.connect(server_url, timeout=connect_timeout)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            with contextlib.suppress(asyncpg.DuplicateDatabaseError, asyncpg.UniqueViolationError):
                await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def database_url(settings: Settings, *, announce=print) -> AsyncIterator[str]:
    """Yield the URL to use: the configured one, or the embedded server's (started if needed)."""
    if settings.database.url:
        yield settings.database.url
        return
    embedded = EmbeddedPostgres(settings.data_dir)
    server_url = await asyncio.to_thread(embedded.start)
    announce(f"embedded PostgreSQL in {embedded.pgdata}")
    try:
        await ensure_database(server_url, DATABASE_NAME, connect_timeout=settings.database.timeout)
        yield with_database(server_url, DATABASE_NAME)
    finally:
        await asyncio.to_thread(embedded.stop)


def _encode_json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


async def _init_connection(conn: asyncpg.Connection) -> None:
    for kind in ("json", "jsonb"):
        await conn.set_type_codec(
            kind, encoder=_encode_json, decoder=json.loads, schema="pg_catalog"
        )


async def create_pool(url: str, settings: Settings) -> asyncpg.Pool:
    """The one pool of a process; every statement is bounded by the database timeout."""
    return await asyncpg.create_pool(
        url,
        min_size=settings.database.pool_min_size,
        max_size=settings.database.pool_max_size,
        timeout=settings.database.timeout,
        command_timeout=settings.database.timeout * 6,
        init=_init_connection,
    )
