import asyncio

import asyncpg

from bridgewatch.db.migrate import available_migrations, migrate


async def _applied(conn) -> list[int]:
    return [
        r["version"] for r in await conn.fetch("SELECT version FROM schema_migration ORDER BY 1")
    ]


async def test_migrations_are_numbered_in_order():
    versions = [m.version for m in available_migrations()]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)
    assert versions[0] == 1


async def test_migrate_twice_applies_each_once(empty_db_url):
    conn = await asyncpg.connect(empty_db_url)
    try:
        first = await migrate(conn)
        second = await migrate(conn)
        assert [m.version for m in first] == [m.version for m in available_migrations()]
        assert second == []
        assert await _applied(conn) == [m.version for m in available_migrations()]
    finally:
        await conn.close()


async def test_concurrent_migrations_apply_each_exactly_once(empty_db_url):
    conns = [await asyncpg.connect(empty_db_url) for _ in range(4)]
    try:
        results = await asyncio.gather(*(migrate(c) for c in conns))
        applied = [m.version for result in results for m in result]
        assert sorted(applied) == [m.version for m in available_migrations()]
        assert await _applied(conns[0]) == [m.version for m in available_migrations()]
    finally:
        for c in conns:
            await c.close()
