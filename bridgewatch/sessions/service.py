"""Creating and changing sessions from an API body or CLI arguments, checked once, here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import asyncpg

from bridgewatch.errors import ValidationError
from bridgewatch.registry import endpoints, units
from bridgewatch.registry.endpoints import EndpointFilter
from bridgewatch.sessions import store
from bridgewatch.sessions.models import Session, check_window, clean_expected, clean_session_fields

Authorize = Callable[[int], Awaitable[None]]
SESSION_BODY = {"title", "unit", "starts_at", "ends_at", "host", "points", "expected"}


def _reject_unknown(body: dict, allowed: set[str]) -> None:
    for key in body:
        if key not in allowed:
            raise ValidationError(key, f"unknown field {key!r}")


async def _host_id(conn: asyncpg.Connection, host: object, authorize: Authorize) -> int | None:
    if host is None or host == "":
        return None
    if not isinstance(host, str):
        raise ValidationError("host", "host must be the code of the host point")
    try:
        endpoint = await endpoints.get_endpoint(conn, host)
    except LookupError:
        raise ValidationError("host", f"host: no endpoint with code {host!r}") from None
    await authorize(endpoint.unit_id)
    return endpoint.id


async def create_session(
    conn: asyncpg.Connection, body: dict, zone, authorize: Authorize
) -> Session:
    """Validate and create, with its points, in the caller's transaction."""
    _reject_unknown(body, SESSION_BODY)
    fields = clean_session_fields(body, zone, partial=False)
    check_window(fields["starts_at"], fields["ends_at"])
    unit_code = body.get("unit")
    if not isinstance(unit_code, str) or not unit_code:
        raise ValidationError("unit", "unit is required: the code of the organising unit")
    unit = await units.get_unit(conn, unit_code)
    await authorize(unit.id)
    host_id = await _host_id(conn, body.get("host"), authorize)
    session = await store.create_session(conn, unit_id=unit.id, host_id=host_id, **fields)
    if body.get("points") is not None:
        await add_points(
            conn,
            session,
            {"points": body["points"], "expected": body.get("expected", 0)},
            authorize,
        )
    return await store.get_session(conn, session.id)


async def update_session(
    conn: asyncpg.Connection, session: Session, body: dict, zone, authorize: Authorize
) -> Session:
    """Title, reschedule (starts_at, ends_at), host."""
    _reject_unknown(body, {"title", "starts_at", "ends_at", "host"})
    if session.cancelled_at is not None:
        raise ValidationError("id", "a cancelled session cannot be changed")
    unit = await units.get_unit(conn, session.unit_code)
    await authorize(unit.id)
    fields = clean_session_fields(body, zone, partial=True)
    check_window(fields.get("starts_at", session.starts_at), fields.get("ends_at", session.ends_at))
    if "host" in body:
        fields["host_id"] = await _host_id(conn, body["host"], authorize)
        if fields["host_id"] is not None:
            await conn.execute(
                "INSERT INTO session_point (session_id, endpoint_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                session.id,
                fields["host_id"],
            )
    return await store.update_session(conn, session.id, **fields)


async def add_points(
    conn: asyncpg.Connection, session: Session, body: dict, authorize: Authorize
) -> int:
    """`points`: codes, or objects {"code", "expected"}, or a unit code string: its whole subtree.

    `expected` (default 0) applies to points given without their own. No point twice.
    """
    if session.cancelled_at is not None:
        raise ValidationError("id", "a cancelled session cannot be changed")
    default = clean_expected("expected", body.get("expected", 0))
    given = body.get("points")
    pairs: list[tuple[int, int]] = []
    if isinstance(given, str):  # a unit: every active point of its subtree
        unit = await units.get_unit(conn, given, field="points")
        items, _ = await endpoints.list_endpoints(
            conn, EndpointFilter(unit_id=unit.id, active=True), limit=None
        )
        if not items:
            raise ValidationError("points", f"unit {given!r} has no active points")
        for e in items:
            await authorize(e.unit_id)
            pairs.append((e.id, default))
    elif isinstance(given, list) and given:
        seen: set[str] = set()
        for index, item in enumerate(given):
            field = f"points[{index}]"
            code, expected = (item, default) if isinstance(item, str) else (None, None)
            if isinstance(item, dict):
                code = item.get("code")
                expected = clean_expected(f"{field}.expected", item.get("expected", default))
            if not isinstance(code, str) or not code:
                raise ValidationError(
                    field, f"{field} must be a point code or {{'code', 'expected'}}"
                )
            if code in seen:
                raise ValidationError(field, f"point {code!r} is listed twice")
            seen.add(code)
            try:
                endpoint = await endpoints.get_endpoint(conn, code)
            except LookupError:
                raise ValidationError(field, f"{field}: no endpoint with code {code!r}") from None
            await authorize(endpoint.unit_id)
            pairs.append((endpoint.id, expected))
    else:
        raise ValidationError("points", "points must be a list of point codes or a unit code")
    return await store.add_points(conn, session.id, pairs)
