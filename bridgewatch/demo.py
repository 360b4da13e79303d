"""`bridgewatch demo`: the demo province, simulated codecs with a realistic share of faults, and a
session starting in a few minutes with its scheduled checks."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import asyncpg

from bridgewatch.auth import create_token
from bridgewatch.registry import demo, endpoints, units
from bridgewatch.registry.endpoints import EndpointFilter
from bridgewatch.sessions import store
from bridgewatch.simulator.faults import assign_faults, parse_faults
from bridgewatch.simulator.server import LOOPBACK, SimulatedPoint

# Kiên Giang's finding — uneven equipment, unstable sound and picture — as a mix of faults.
DEMO_FAULTS = "down=6%,slow=5%,lossy=4%,sip-503=3%,sip-404=3%,flapping=2%,http-500=2%,no-sip=2%"
DEMO_TITLE = "Hội nghị trực tuyến toàn tỉnh quán triệt Nghị quyết (buổi diễn tập)"


async def prepare(
    conn: asyncpg.Connection, *, starts_in: timedelta = timedelta(minutes=5)
) -> tuple[int, str]:
    """Load the province if empty, create an admin token and a session with every point."""
    await demo.load_demo_province(conn)
    token, _ = await create_token(conn, name="demo admin", role="admin", unit_code=None)
    items, _ = await endpoints.list_endpoints(conn, EndpointFilter(active=True), limit=None)
    root = next(u for u in await units.list_units(conn) if u.depth == 0)
    host = next((e for e in items if "diem-chinh" in e.tags), None)
    starts = datetime.now(UTC).replace(microsecond=0) + starts_in
    async with conn.transaction():
        session = await store.create_session(
            conn, title=DEMO_TITLE, unit_id=root.id, starts_at=starts, ends_at=starts + timedelta(hours=2),
            host_id=host.id if host else None,
        )  # fmt: skip
        # Expected delegates: most of each hall (Bắc Kạn: more than 6,000 over 128 points).
        pairs = [
            (e.id, int((e.hall_capacity or 30) * 0.8)) for e in items if not host or e.id != host.id
        ]
        await store.add_points(conn, session.id, pairs)
        if host:
            await store.set_expected(
                conn, session.id, host.id, int((host.hall_capacity or 300) * 0.9)
            )
    return session.id, token


async def simulated_points(
    conn: asyncpg.Connection, *, faults: str = DEMO_FAULTS
) -> list[SimulatedPoint]:
    """Simulated codecs for the registry's points on loopback addresses, with the demo's faults."""
    items, _ = await endpoints.list_endpoints(conn, EndpointFilter(active=True), limit=None)
    local = [e for e in items if _is_loopback(e.host)]
    mix = assign_faults(len(local), parse_faults(faults), seed=1792021)
    points = []
    for e, fault in zip(local, mix, strict=True):
        http_port = (urlsplit(e.http_url).port or 80) if e.http_url else None
        # The provincial hall is always healthy: a demo with its host down tells nothing.
        point = SimulatedPoint(e.host, None if "diem-chinh" in e.tags else fault, tcp_ports=e.tcp_ports,
                               sip_port=e.sip_port, http_port=http_port)  # fmt: skip
        if e.equipment.lower().startswith("cisco"):
            # Cisco codecs answer xAPI; their room analytics count most of the expected delegates.
            point.codec = "cisco"
            point.people = int((e.hall_capacity or 30) * 0.75)
        points.append(point)
    return points


async def mcu_participants(
    conn: asyncpg.Connection, points: list[SimulatedPoint]
) -> list[tuple[str, str | None]]:
    """The simulated MCU's participants: every point that is up, by code, with its fault."""
    items, _ = await endpoints.list_endpoints(conn, EndpointFilter(active=True), limit=None)
    fault_of = {p.host: p.fault for p in points}
    return [
        (e.code, fault_of[e.host])
        for e in items
        if e.host in fault_of and fault_of[e.host] not in ("down", "no-sip")
    ]


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host) in LOOPBACK
    except ValueError:
        return False
