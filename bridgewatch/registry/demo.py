"""The demo province: 128 points modelled on Bắc Kạn's session of 17/9/2021, shipped as a CSV."""

from __future__ import annotations

import logging
from importlib import resources

import asyncpg

from bridgewatch.registry.importer import ImportResult, apply_import, parse_registry_file

log = logging.getLogger(__name__)


def demo_registry_file() -> bytes:
    return resources.files("bridgewatch.registry").joinpath("demo/bac_kan.csv").read_bytes()


async def _anyone(unit_id: int) -> None:
    """The demo loads with the machine's authority."""


async def load_demo_province(conn: asyncpg.Connection) -> ImportResult | None:
    """Import the demo province into an empty registry; leave a non-empty one alone."""
    if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM endpoint)"):
        log.info("registry not empty: demo province not loaded")
        return None
    result = await apply_import(conn, parse_registry_file(demo_registry_file()), authorize=_anyone)
    log.info("demo province loaded: %d endpoints, %d units", result.created, result.units_created)
    return result
