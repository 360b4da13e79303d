"""SQL for units: the tree, subtrees and paths of names."""

from __future__ import annotations

import asyncpg

from bridgewatch.errors import Conflict, NotFound, ValidationError
from bridgewatch.registry.models import Unit, guess_unit_kind
from bridgewatch.text import fold, slug

UNIT_SELECT = """
SELECT u.id, u.code, u.name, u.kind, p.code AS parent_code, t.path, t.depth
FROM unit u
JOIN unit_tree t ON t.id = u.id
LEFT JOIN unit p ON p.id = u.parent_id
"""


def _unit(row: asyncpg.Record) -> Unit:
    return Unit(**dict(row))


async def list_units(
    conn: asyncpg.Connection, *, under: int | None = None, q: str | None = None
) -> list[Unit]:
    """Every unit (or a subtree), ordered as a depth-first walk of the tree."""
    rows = await conn.fetch(
        UNIT_SELECT
        + """WHERE ($1::bigint IS NULL OR $1 = ANY(t.ancestors))
             AND ($2::text IS NULL OR strpos(u.search_text, $2) > 0)
           ORDER BY t.path""",
        under,
        fold(q) if q else None,
    )
    return [_unit(r) for r in rows]


async def get_unit(conn: asyncpg.Connection, code: str, *, field: str = "unit") -> Unit:
    """The unit with `code`; NotFound naming `field` otherwise."""
    row = await conn.fetchrow(UNIT_SELECT + "WHERE u.code = $1", code)
    if row is None:
        raise NotFound(f"no unit with code {code!r}", field=field)
    return _unit(row)


async def get_unit_by_id(conn: asyncpg.Connection, unit_id: int) -> Unit:
    row = await conn.fetchrow(UNIT_SELECT + "WHERE u.id = $1", unit_id)
    if row is None:
        raise NotFound(f"no unit with id {unit_id}", field="unit")
    return _unit(row)


async def is_within(conn: asyncpg.Connection, unit_id: int, ancestor_id: int) -> bool:
    """True when `unit_id` is `ancestor_id` or below it."""
    return bool(
        await conn.fetchval(
            "SELECT $2 = ANY(ancestors) FROM unit_tree WHERE id = $1", unit_id, ancestor_id
        )
    )


async def create_unit(
    conn: asyncpg.Connection, *, code: str, name: str, kind: str, parent_id: int | None
) -> Unit:
    if await conn.fetchval("SELECT 1 FROM unit WHERE code = $1", code):
        raise Conflict(f"a unit with code {code!r} already exists", field="code")
    await _check_sibling_name(conn, name, parent_id, None)
    unit_id = await conn.fetchval(
        """INSERT INTO unit (code, name, kind, parent_id, search_text)
           VALUES ($1, $2, $3, $4, $5) RETURNING id""",
        code,
        name,
        kind,
        parent_id,
        fold(f"{code} {name}"),
    )
    return await get_unit_by_id(conn, unit_id)


async def update_unit(
    conn: asyncpg.Connection, unit: Unit, *, name: str, kind: str, parent_id: int | None
) -> Unit:
    if parent_id is not None and await is_within(conn, parent_id, unit.id):
        raise ValidationError("parent", "a unit cannot be moved under itself or its own sub-unit")
    await _check_sibling_name(conn, name, parent_id, unit.id)
    await conn.execute(
        """UPDATE unit SET name = $2, kind = $3, parent_id = $4, search_text = $5,
                           updated_at = now()
           WHERE id = $1""",
        unit.id,
        name,
        kind,
        parent_id,
        fold(f"{unit.code} {name}"),
    )
    return await get_unit_by_id(conn, unit.id)


async def delete_unit(conn: asyncpg.Connection, unit: Unit) -> None:
    """Delete an empty unit; a unit with sub-units, endpoints or tokens is refused."""
    uses = await conn.fetchrow(
        """SELECT (SELECT count(*) FROM unit WHERE parent_id = $1) AS children,
                  (SELECT count(*) FROM endpoint WHERE unit_id = $1) AS endpoints,
                  (SELECT count(*) FROM api_token WHERE unit_id = $1) AS tokens""",
        unit.id,
    )
    for what in ("children", "endpoints", "tokens"):
        if uses[what]:
            label = {"children": "sub-units", "endpoints": "endpoints", "tokens": "API tokens"}
            raise Conflict(
                f"unit {unit.code!r} still has {uses[what]} {label[what]}; move or delete them first",
                field="code",
            )
    await conn.execute("DELETE FROM unit WHERE id = $1", unit.id)


async def _check_sibling_name(
    conn: asyncpg.Connection, name: str, parent_id: int | None, own_id: int | None
) -> None:
    clash = await conn.fetchval(
        """SELECT code FROM unit
           WHERE coalesce(parent_id, 0) = coalesce($1::bigint, 0) AND name = $2
             AND id IS DISTINCT FROM $3::bigint""",
        parent_id,
        name,
        own_id,
    )
    if clash:
        raise Conflict(
            f"unit {clash!r} under the same parent is already named {name!r}", field="name"
        )


async def find_unit_path(conn: asyncpg.Connection, names: list[str]) -> int | None:
    """The id of the unit at the end of a path of names from a root, or None."""
    return await conn.fetchval("SELECT id FROM unit_tree WHERE path = $1", " / ".join(names))


async def ensure_unit_path(conn: asyncpg.Connection, names: list[str]) -> tuple[int, int]:
    """Resolve a path of names from a root, creating missing units; return (id, units created)."""
    parent_id: int | None = None
    parent_code = ""
    created = 0
    for depth, name in enumerate(names):
        row = await conn.fetchrow(
            "SELECT id, code FROM unit WHERE coalesce(parent_id, 0) = coalesce($1::bigint, 0) AND name = $2",
            parent_id,
            name,
        )
        if row is None:
            code = await _free_unit_code(conn, slug(name) or "unit", parent_code)
            unit = await create_unit(
                conn, code=code, name=name, kind=guess_unit_kind(name, depth), parent_id=parent_id
            )
            row = {"id": unit.id, "code": unit.code}
            created += 1
        parent_id, parent_code = row["id"], row["code"]
    assert parent_id is not None
    return parent_id, created


async def _free_unit_code(conn: asyncpg.Connection, base: str, parent_code: str) -> str:
    """A readable unused code: the name's slug, else prefixed by the parent's code, else numbered."""
    candidates = [base[:64]]
    if parent_code:
        candidates.append(f"{parent_code}.{base}"[:64])
    for candidate in candidates:
        if not await conn.fetchval("SELECT 1 FROM unit WHERE code = $1", candidate):
            return candidate
    n = 2
    while await conn.fetchval("SELECT 1 FROM unit WHERE code = $1", f"{candidates[-1][:58]}-{n}"):
        n += 1
    return f"{candidates[-1][:58]}-{n}"
