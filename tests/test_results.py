"""The result writer against a real PostgreSQL that goes away in the middle of sweeps."""

import asyncio
from dataclasses import replace

import asyncpg
import pytest

from bridgewatch.config import DatabaseSettings, ResultsSettings, Settings
from bridgewatch.db.embedded import EmbeddedPostgres
from bridgewatch.db.migrate import migrate
from bridgewatch.db.pool import create_pool, ensure_database, with_database
from bridgewatch.monitor import Monitor
from bridgewatch.registry import endpoints, importer
from bridgewatch.registry.endpoints import EndpointFilter
from bridgewatch.results import ResultWriter
from bridgewatch.simulator.registry import registry_csv


@pytest.fixture
async def own_server(tmp_path):
    """A PostgreSQL of this test's own, so that stopping it harms no other test."""
    embedded = EmbeddedPostgres(tmp_path)
    server = await asyncio.to_thread(embedded.start)
    await ensure_database(server, "bw")
    url = with_database(server, "bw")
    conn = await asyncpg.connect(url)
    await migrate(conn)
    await conn.close()
    yield embedded, url
    await asyncio.to_thread(embedded.stop)


async def count(url: str, table: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval(f"SELECT count(*) FROM {table}")
    finally:
        await conn.close()


async def test_database_outage_during_sweeps_loses_nothing(own_server, simulator, tmp_path):
    embedded, url = own_server
    sim = await simulator([None, "down", "sip-503", "slow"] * 5)
    settings = replace(
        Settings(),
        database=DatabaseSettings(url=url, timeout=2.0),
        results=ResultsSettings(buffer_rows=100_000, batch_rows=50, flush_interval=0.1),
    )
    settings = replace(
        settings, probes=replace(settings.probes, timeout=1.0, icmp_count=2, icmp_interval=0.01)
    )
    pool = await create_pool(url, settings)
    try:
        async with pool.acquire() as conn:
            await importer.apply_import(
                conn,
                importer.parse_registry_file(registry_csv(sim.points)),
                authorize=lambda _: asyncio.sleep(0),
            )
            items, _ = await endpoints.list_endpoints(conn, EndpointFilter(), limit=None)
        async with Monitor(pool, settings) as monitor:
            first = await monitor.sweep_endpoints(items, scope="before")
            await asyncio.wait_for(monitor.writer.flushed(), 10)

            await asyncio.to_thread(embedded.stop)
            second = await monitor.sweep_endpoints(items, scope="during outage")
            third = await monitor.sweep_endpoints(items, scope="during outage")
            await asyncio.sleep(1.0)
            assert monitor.writer.stats.errors > 0, (
                "writes should have failed while the database was away"
            )
            assert monitor.writer.pending > 0

            await asyncio.to_thread(embedded.start)
            await asyncio.wait_for(monitor.writer.flushed(), 30)
            assert monitor.writer.stats.dropped == 0
    finally:
        await pool.close()
    expected = sum(r.stats.results for r in (first, second, third))
    assert await count(url, "probe_result") == expected
    assert await count(url, "readiness_result") == 3 * len(items)
    assert await count(url, "sweep") == 3


async def test_buffer_overflow_is_counted_not_silent(own_server):
    embedded, url = own_server
    settings = replace(Settings(), database=DatabaseSettings(url=url, timeout=1.0))
    pool = await create_pool(url, settings)
    writer = ResultWriter(pool, buffer_rows=100, batch_rows=10, flush_interval=0.05)
    await asyncio.to_thread(embedded.stop)
    writer.start()
    try:
        from datetime import UTC, datetime

        row = (
            datetime.now(UTC),
            1,
            None,
            1.0,
            1.0,
            1.0,
            0.0,
            0.0,
            None,
            None,
            None,
            "icmp",
            "up",
            "",
        )
        writer.add("probe_result", [row] * 150)
        assert writer.stats.dropped == 50
        assert writer.pending == 100
        await asyncio.to_thread(embedded.start)
        await asyncio.wait_for(writer.flushed(), 30)
    finally:
        await writer.close()
        await pool.close()
    assert await count(url, "probe_result") == 100
