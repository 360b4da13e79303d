import asyncpg

from bridgewatch.db.embedded import EmbeddedPostgres


async def test_embedded_server_restart_keeps_data(tmp_path):
    first = EmbeddedPostgres(tmp_path)
    url = first.start()
    conn = await asyncpg.connect(url)
    await conn.execute("CREATE TABLE kept (name text)")
    await conn.execute("INSERT INTO kept VALUES ('Chợ Đồn')")
    await conn.close()
    first.stop()
    assert not (tmp_path / "pgdata" / "postmaster.pid").exists(), "server should have stopped"

    second = EmbeddedPostgres(tmp_path)
    conn = await asyncpg.connect(second.start())
    try:
        assert await conn.fetchval("SELECT name FROM kept") == "Chợ Đồn"
    finally:
        await conn.close()
        second.stop()
