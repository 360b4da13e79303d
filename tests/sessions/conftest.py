from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio

from bridgewatch.config import DatabaseSettings, SessionsSettings, Settings
from bridgewatch.db.pool import create_pool
from bridgewatch.monitor import Monitor
from bridgewatch.registry import endpoints, units
from bridgewatch.registry.models import clean_endpoint_fields
from bridgewatch.sessions import store
from tests.conftest import make_tree

T0 = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # 08:00 in Hà Nội


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def fast_settings(db_url) -> Settings:
    settings = replace(Settings(), database=DatabaseSettings(url=db_url))
    probes = replace(settings.probes, timeout=0.5, icmp_count=2, icmp_interval=0.01)
    return replace(settings, probes=probes, sessions=SessionsSettings(resync_s=3600))


@pytest_asyncio.fixture(loop_scope="session")
async def pool(db_url, fast_settings):
    pool = await create_pool(db_url, fast_settings)
    yield pool
    await pool.close()


@pytest_asyncio.fixture(loop_scope="session")
async def monitor(pool, fast_settings):
    async with Monitor(pool, fast_settings) as monitor:
        yield monitor


@pytest_asyncio.fixture(loop_scope="session")
async def points(conn, simulator):
    """Four simulated points: a district hub D1-HUB and three communes behind it."""
    await make_tree(conn)
    sim = await simulator([None, None, None, None])
    made = []
    for i, (code, unit) in enumerate(
        (("D1-HUB", "D1"), ("C1-A", "C1"), ("C1-B", "C1"), ("C2-A", "C2"))
    ):
        unit_id = (await units.get_unit(conn, unit)).id
        fields = clean_endpoint_fields(
            {"code": code, "name": f"Điểm {code}", "host": sim.points[i].host, "tcp_ports": "1720", "sip_port": 5060,
             "contact_name": "Hà Văn Sơn", "contact_phone": "0912 000 00" + str(i)}, partial=False,
        )  # fmt: skip
        made.append(await endpoints.insert_endpoint(conn, {**fields, "unit_id": unit_id}))
    for e in made[1:]:
        await endpoints.set_upstream(conn, e.id, "D1-HUB")
    return sim, made


async def make_session(
    conn, made, *, starts_at=T0, minutes=90, title="Hội nghị trực tuyến toàn tỉnh"
):
    unit_id = (await units.get_unit(conn, "P")).id
    session = await store.create_session(
        conn, title=title, unit_id=unit_id, starts_at=starts_at, ends_at=starts_at + timedelta(minutes=minutes),
        host_id=None,
    )  # fmt: skip
    await store.add_points(conn, session.id, [(e.id, 40) for e in made])
    return await store.get_session(conn, session.id)
