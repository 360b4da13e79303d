"""Fixtures that start real things: one PostgreSQL per run, a fresh database per test, the app."""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from bridgewatch.auth import create_token
from bridgewatch.config import DatabaseSettings, Settings
from bridgewatch.db.embedded import EmbeddedPostgres
from bridgewatch.db.migrate import migrate
from bridgewatch.db.pool import _init_connection, with_database
from bridgewatch.registry import units
from bridgewatch.web.app import create_app

TEMPLATE = "bw_test_template"
_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory):
    """A PostgreSQL server for the run: BRIDGEWATCH_TEST_DATABASE_URL, or the embedded one."""
    configured = os.environ.get("BRIDGEWATCH_TEST_DATABASE_URL")
    if configured:
        yield configured
        return
    embedded = EmbeddedPostgres(tmp_path_factory.mktemp("embedded"))
    try:
        yield embedded.start()
    finally:
        embedded.stop()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def template_db(server_url: str) -> str:
    """A migrated database every test database is copied from."""
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{TEMPLATE}"')
    finally:
        await admin.close()
    conn = await asyncpg.connect(with_database(server_url, TEMPLATE))
    try:
        await migrate(conn)
    finally:
        await conn.close()
    return TEMPLATE


@pytest_asyncio.fixture(loop_scope="session")
async def empty_db_url(server_url: str) -> AsyncIterator[str]:
    """A fresh database with no tables at all."""
    async for url in _database(server_url, template="template0"):
        yield url


@pytest_asyncio.fixture(loop_scope="session")
async def db_url(server_url: str, template_db: str) -> AsyncIterator[str]:
    """A fresh, migrated, empty database for one test."""
    async for url in _database(server_url, template=template_db):
        yield url


async def _database(server_url: str, *, template: str) -> AsyncIterator[str]:
    name = f"bw_test_{os.getpid()}_{next(_numbers)}"
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await admin.close()
    try:
        yield with_database(server_url, name)
    finally:
        admin = await asyncpg.connect(server_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest_asyncio.fixture(loop_scope="session")
async def conn(db_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(db_url)
    await _init_connection(connection)
    try:
        yield connection
    finally:
        await connection.close()


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return replace(Settings(), data_dir=tmp_path, database=DatabaseSettings(url=db_url))


@pytest_asyncio.fixture(loop_scope="session")
async def client(settings: Settings) -> AsyncIterator[TestClient]:
    app = create_app(settings, announce=lambda _: None)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def make_tree(conn: asyncpg.Connection) -> None:
    """province P > district D1 (> commune C1, C2), district D2 (> commune C3)."""
    p = await units.create_unit(
        conn, code="P", name="Tỉnh Bắc Kạn", kind="province", parent_id=None
    )
    d1 = await units.create_unit(
        conn, code="D1", name="Huyện Chợ Đồn", kind="district", parent_id=p.id
    )
    d2 = await units.create_unit(
        conn, code="D2", name="Huyện Ba Bể", kind="district", parent_id=p.id
    )
    await units.create_unit(conn, code="C1", name="Xã Bằng Lãng", kind="commune", parent_id=d1.id)
    await units.create_unit(conn, code="C2", name="Xã Đại Sảo", kind="commune", parent_id=d1.id)
    await units.create_unit(conn, code="C3", name="Xã Địa Linh", kind="commune", parent_id=d2.id)


@pytest_asyncio.fixture(loop_scope="session")
async def tokens(conn: asyncpg.Connection) -> dict[str, str]:
    """The unit tree of make_tree and a token per role; the operator's scope is D1."""
    await make_tree(conn)
    result = {}
    for role, unit in (("admin", None), ("operator", "D1"), ("viewer", None)):
        token, _ = await create_token(conn, name=f"test {role}", role=role, unit_code=unit)
        result[role] = token
    return result


def require_tool(command: str, package: str) -> str:
    """The path of a system tool; a skip on a laptop without it, a failure in CI (CI=true)."""
    import shutil

    path = shutil.which(command) or (
        command if os.path.isabs(command) and os.path.exists(command) else None
    )
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{package} is required in CI (apt-get install -y {package})")
        pytest.skip(f"{package} is not installed")
    return path


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest_asyncio.fixture(loop_scope="session")
async def simulator():
    """A factory: `await simulator(["down", None, "sip-503"])` serves points with those faults."""
    from bridgewatch.simulator.server import SimulatedPoint, Simulator, loopback_addresses

    started = []
    # Each test gets its own loopback block so that a point never answers for another test.
    block = next(_numbers)

    async def start(faults: list[str | None], **options) -> Simulator:
        import ipaddress

        first = ipaddress.ip_address(f"127.{150 + block % 50}.{len(started)}.1")
        hosts = loopback_addresses(len(faults), first)
        sim = Simulator(
            [SimulatedPoint(h, f, **options) for h, f in zip(hosts, faults, strict=True)]
        )
        await sim.start()
        started.append(sim)
        return sim

    yield start
    for sim in started:
        await sim.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def probe_context():
    from bridgewatch.probes.base import ProbeSettings
    from bridgewatch.probes.context import ProbeContext

    async with ProbeContext(
        ProbeSettings(timeout=1.0, icmp_count=3, icmp_interval=0.01)
    ) as context:
        yield context
