"""SQL for endpoints (bridge points): list with filters, read, write, upsert by code."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from bridgewatch.errors import Conflict, NotFound, ValidationError
from bridgewatch.registry.models import Endpoint
from bridgewatch.text import fold

# Columns a caller may write, in one order shared by insert, update and upsert.
WRITABLE = (
    "code", "name", "unit_id", "host", "address", "contact_name", "contact_phone", "equipment",
    "link_type", "hall_capacity", "icmp", "tcp_ports", "sip_port", "sip_transport", "http_url",
    "tags", "active", "notes", "latitude", "longitude", "thresholds",
)  # fmt: skip

ENDPOINT_SELECT = """
SELECT e.id, e.code, e.name, e.unit_id, u.code AS unit_code, t.path AS unit_path, e.host,
       e.address, e.contact_name, e.contact_phone, e.equipment, e.link_type, e.hall_capacity,
       e.icmp, e.tcp_ports, e.sip_port, e.sip_transport, e.http_url, e.tags, e.active, e.notes,
       e.latitude, e.longitude, e.thresholds, up.code AS upstream_code, e.created_at, e.updated_at
FROM endpoint e
JOIN unit u ON u.id = e.unit_id
JOIN unit_tree t ON t.id = e.unit_id
LEFT JOIN endpoint up ON up.id = e.upstream_id
"""

FILTER = """
WHERE ($1::bigint IS NULL OR $1 = ANY(t.ancestors))
  AND ($2::text IS NULL OR $2 = ANY(e.tags))
  AND ($3::boolean IS NULL OR e.active = $3)
  AND ($4::text IS NULL OR strpos(e.search_text, $4) > 0
       OR EXISTS (SELECT 1 FROM unit a WHERE a.id = ANY(t.ancestors) AND strpos(a.search_text, $4) > 0))
"""


def _endpoint(row: asyncpg.Record) -> Endpoint:
    data = dict(row)
    data["tcp_ports"] = tuple(data["tcp_ports"])
    data["tags"] = tuple(data["tags"])
    return Endpoint(**data)


def search_text(fields: dict) -> str:
    """What `q=` matches besides the names of the endpoint's units: code, name, host, address,
    contact, equipment, tags; folded."""
    parts = [fields.get(k) or "" for k in ("code", "name", "host", "address", "contact_name",
                                           "contact_phone", "equipment")]  # fmt: skip
    parts.extend(fields.get("tags") or ())
    return fold(" ".join(str(p) for p in parts))


@dataclass(frozen=True)
class EndpointFilter:
    unit_id: int | None = None
    tag: str | None = None
    active: bool | None = None
    q: str | None = None

    def args(self) -> tuple:
        return (self.unit_id, self.tag, self.active, fold(self.q) if self.q else None)


async def list_endpoints(
    conn: asyncpg.Connection, where: EndpointFilter, *, limit: int | None, offset: int = 0
) -> tuple[list[Endpoint], int]:
    """One page of endpoints matching `where`, ordered by unit path then code, and the total."""
    total = await conn.fetchval(
        "SELECT count(*) FROM endpoint e JOIN unit_tree t ON t.id = e.unit_id" + FILTER,
        *where.args(),
    )
    rows = await conn.fetch(
        ENDPOINT_SELECT + FILTER + " ORDER BY t.path, e.code LIMIT $5 OFFSET $6",
        *where.args(),
        limit,
        offset,
    )
    return [_endpoint(r) for r in rows], total


async def get_endpoint(conn: asyncpg.Connection, code: str) -> Endpoint:
    row = await conn.fetchrow(ENDPOINT_SELECT + "WHERE e.code = $1", code)
    if row is None:
        raise NotFound(f"no endpoint with code {code!r}", field="code")
    return _endpoint(row)


def _values(fields: dict) -> list:
    values = [fields[c] for c in WRITABLE]
    return [list(v) if isinstance(v, tuple) else v for v in values]


async def insert_endpoint(conn: asyncpg.Connection, fields: dict) -> Endpoint:
    if await conn.fetchval("SELECT 1 FROM endpoint WHERE code = $1", fields["code"]):
        raise Conflict(f"an endpoint with code {fields['code']!r} already exists", field="code")
    columns = ", ".join(WRITABLE)
    params = ", ".join(f"${i}" for i in range(1, len(WRITABLE) + 2))
    await conn.execute(
        f"INSERT INTO endpoint ({columns}, search_text) VALUES ({params})",
        *_values(fields),
        search_text(fields),
    )
    return await get_endpoint(conn, fields["code"])


async def update_endpoint(conn: asyncpg.Connection, endpoint_id: int, fields: dict) -> None:
    """Overwrite every writable column of one endpoint (callers merge partial updates first)."""
    assignments = ", ".join(f"{c} = ${i}" for i, c in enumerate(WRITABLE, start=2))
    await conn.execute(
        f"""UPDATE endpoint SET {assignments}, search_text = ${len(WRITABLE) + 2},
                               updated_at = now()
            WHERE id = $1""",
        endpoint_id,
        *_values(fields),
        search_text(fields),
    )


async def upsert_endpoints(
    conn: asyncpg.Connection, rows: list[dict], *, columns: frozenset[str] | None = None
) -> tuple[int, int]:
    """Insert or update by code; return (created, updated). Unchanged rows count as updated.

    An existing endpoint keeps its values of the columns not in `columns` (a file that leaves out
    `notes` does not wipe the notes); a new one gets the defaults.
    """
    codes = [r["code"] for r in rows]
    existing = {e.code: e for e in await list_by_codes(conn, codes)}
    if columns is not None:
        kept = [c for c in WRITABLE if c not in columns and c not in ("code", "unit_id")]
        rows = [
            {**r, **{c: getattr(existing[r["code"]], c) for c in kept}}
            if r["code"] in existing
            else r
            for r in rows
        ]
    column_list = ", ".join(WRITABLE)
    params = ", ".join(f"${i}" for i in range(1, len(WRITABLE) + 2))
    updates = ", ".join(f"{c} = excluded.{c}" for c in WRITABLE if c != "code")
    await conn.executemany(
        f"""INSERT INTO endpoint ({column_list}, search_text) VALUES ({params})
            ON CONFLICT (code) DO UPDATE SET {updates}, search_text = excluded.search_text,
                                             updated_at = now()""",
        [[*_values(r), search_text(r)] for r in rows],
    )
    return len(rows) - len(existing), len(existing)


async def list_by_ids(conn: asyncpg.Connection, ids: list[int]) -> list[Endpoint]:
    """The endpoints with these ids, ordered by unit path then code."""
    rows = await conn.fetch(ENDPOINT_SELECT + "WHERE e.id = ANY($1) ORDER BY t.path, e.code", ids)
    return [_endpoint(r) for r in rows]


async def list_by_codes(conn: asyncpg.Connection, codes: list[str]) -> list[Endpoint]:
    rows = await conn.fetch(ENDPOINT_SELECT + "WHERE e.code = ANY($1) ORDER BY e.code", codes)
    return [_endpoint(r) for r in rows]


async def set_upstream(
    conn: asyncpg.Connection, endpoint_id: int, upstream_code: str | None
) -> None:
    """Name the point this one connects through (a district hub); refuses loops."""
    if not upstream_code:
        await conn.execute("UPDATE endpoint SET upstream_id = NULL WHERE id = $1", endpoint_id)
        return
    upstream_id = await conn.fetchval("SELECT id FROM endpoint WHERE code = $1", upstream_code)
    if upstream_id is None:
        raise ValidationError("upstream", f"upstream: no endpoint with code {upstream_code!r}")
    looped = await conn.fetchval(
        """WITH RECURSIVE chain AS (
               SELECT id, upstream_id, 1 AS hops FROM endpoint WHERE id = $2
               UNION ALL
               SELECT e.id, e.upstream_id, c.hops + 1 FROM endpoint e JOIN chain c ON e.id = c.upstream_id
               WHERE c.hops < 100)
           SELECT EXISTS (SELECT 1 FROM chain WHERE id = $1)""",
        endpoint_id,
        upstream_id,
    )
    if looped:
        raise ValidationError("upstream", "upstream: an endpoint cannot connect through itself")
    await conn.execute(
        "UPDATE endpoint SET upstream_id = $2 WHERE id = $1", endpoint_id, upstream_id
    )


async def dependents(conn: asyncpg.Connection, endpoint_ids: list[int]) -> dict[int, int]:
    """endpoint id -> its upstream's id, for the given endpoints that have one."""
    rows = await conn.fetch(
        "SELECT id, upstream_id FROM endpoint WHERE id = ANY($1) AND upstream_id IS NOT NULL",
        endpoint_ids,
    )
    return {r["id"]: r["upstream_id"] for r in rows}


async def delete_endpoint(conn: asyncpg.Connection, endpoint_id: int) -> None:
    await conn.execute("DELETE FROM endpoint WHERE id = $1", endpoint_id)


def endpoint_fields(endpoint: Endpoint) -> dict:
    """The writable fields of a stored endpoint, for merging a partial update."""
    return {c: getattr(endpoint, c) for c in WRITABLE}
