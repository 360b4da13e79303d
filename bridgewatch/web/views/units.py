"""/api/v1/units: the unit tree. Reads for every role, writes for admins."""

from __future__ import annotations

from aiohttp import web

from bridgewatch.auth import audit
from bridgewatch.errors import ValidationError
from bridgewatch.registry import units
from bridgewatch.registry.models import clean_unit_fields
from bridgewatch.web.keys import POOL, principal
from bridgewatch.web.params import json_object, json_reply, query_text, reject_unknown

UNIT_BODY = {"code", "name", "kind", "parent"}


async def list_units(request: web.Request) -> web.Response:
    under = query_text(request, "unit")
    async with request.app[POOL].acquire() as conn:
        under_id = (await units.get_unit(conn, under)).id if under else None
        items = await units.list_units(conn, under=under_id, q=query_text(request, "q"))
    return json_reply({"items": [u.to_json() for u in items], "total": len(items)})


async def get_unit(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        unit = await units.get_unit(conn, request.match_info["code"], field="code")
    return json_reply(unit.to_json())


async def create_unit(request: web.Request) -> web.Response:
    who = principal(request)
    who.require_admin()
    body = await json_object(request)
    reject_unknown(body, UNIT_BODY)
    fields = clean_unit_fields(body, partial=False)
    async with request.app[POOL].acquire() as conn, conn.transaction():
        parent_id = await _parent_id(conn, body.get("parent"))
        unit = await units.create_unit(conn, parent_id=parent_id, **fields)
        await audit(conn, who, "unit.create", unit.code, unit.to_json())
    return json_reply(unit.to_json(), status=201)


async def update_unit(request: web.Request) -> web.Response:
    who = principal(request)
    who.require_admin()
    body = await json_object(request)
    reject_unknown(body, UNIT_BODY - {"code"})
    fields = clean_unit_fields(body, partial=True)
    async with request.app[POOL].acquire() as conn, conn.transaction():
        unit = await units.get_unit(conn, request.match_info["code"], field="code")
        parent_id = (
            await _parent_id(conn, body["parent"])
            if "parent" in body
            else (await units.get_unit(conn, unit.parent_code)).id
            if unit.parent_code
            else None
        )
        unit = await units.update_unit(
            conn,
            unit,
            name=fields.get("name", unit.name),
            kind=fields.get("kind", unit.kind),
            parent_id=parent_id,
        )
        await audit(conn, who, "unit.update", unit.code, body)
    return json_reply(unit.to_json())


async def delete_unit(request: web.Request) -> web.Response:
    who = principal(request)
    who.require_admin()
    async with request.app[POOL].acquire() as conn, conn.transaction():
        unit = await units.get_unit(conn, request.match_info["code"], field="code")
        await units.delete_unit(conn, unit)
        await audit(conn, who, "unit.delete", unit.code)
    return web.Response(status=204)


async def _parent_id(conn, parent: object) -> int | None:
    if parent is None or parent == "":
        return None
    if not isinstance(parent, str):
        raise ValidationError("parent", "parent must be a unit code")
    return (await units.get_unit(conn, parent, field="parent")).id
