"""/api/v1/endpoints: bridge points, their import and export. Writes are scoped by unit."""

from __future__ import annotations

import asyncio

from aiohttp import web

from bridgewatch.auth import audit
from bridgewatch.errors import ValidationError
from bridgewatch.registry import endpoints, importer, units
from bridgewatch.registry.endpoints import EndpointFilter
from bridgewatch.registry.models import ENDPOINT_FIELDS, clean_endpoint_fields
from bridgewatch.web.keys import POOL, principal
from bridgewatch.web.params import (
    json_object,
    json_reply,
    page,
    query_bool,
    query_text,
    reject_unknown,
)

ENDPOINT_BODY = set(ENDPOINT_FIELDS) | {"unit", "upstream"}
MAX_IMPORT_BYTES = 20 << 20
EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


async def _filter(request: web.Request, conn) -> EndpointFilter:
    unit_code = query_text(request, "unit")
    return EndpointFilter(
        unit_id=(await units.get_unit(conn, unit_code)).id if unit_code else None,
        tag=(query_text(request, "tag") or "").lower() or None,
        active=query_bool(request, "active"),
        q=query_text(request, "q"),
    )


async def list_endpoints(request: web.Request) -> web.Response:
    limit, offset = page(request)
    async with request.app[POOL].acquire() as conn:
        where = await _filter(request, conn)
        items, total = await endpoints.list_endpoints(conn, where, limit=limit, offset=offset)
    return json_reply(
        {"items": [e.to_json() for e in items], "total": total, "limit": limit, "offset": offset}
    )


async def get_endpoint(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        endpoint = await endpoints.get_endpoint(conn, request.match_info["code"])
    return json_reply(endpoint.to_json())


def _unit_code(body: dict) -> str:
    unit = body.get("unit")
    if not isinstance(unit, str) or not unit.strip():
        raise ValidationError("unit", "unit is required: the code of the endpoint's unit")
    return unit.strip()


def _upstream(body: dict) -> str | None:
    value = body.get("upstream")
    if value is not None and not isinstance(value, str):
        raise ValidationError("upstream", "upstream must be the code of another endpoint, or null")
    return value or None


async def create_endpoint(request: web.Request) -> web.Response:
    who = principal(request)
    body = await json_object(request)
    reject_unknown(body, ENDPOINT_BODY)
    unit_code = _unit_code(body)
    fields = clean_endpoint_fields(body, partial=False)
    async with request.app[POOL].acquire() as conn, conn.transaction():
        unit = await units.get_unit(conn, unit_code)
        await who.require_unit_write(conn, unit.id)
        endpoint = await endpoints.insert_endpoint(conn, {**fields, "unit_id": unit.id})
        if body.get("upstream"):
            await endpoints.set_upstream(conn, endpoint.id, _upstream(body))
            endpoint = await endpoints.get_endpoint(conn, endpoint.code)
        await audit(conn, who, "endpoint.create", endpoint.code, {"unit": unit.code})
    return json_reply(endpoint.to_json(), status=201)


async def update_endpoint(request: web.Request) -> web.Response:
    """Partial update: only the fields given change. Moving a point needs write on both units."""
    who = principal(request)
    body = await json_object(request)
    reject_unknown(body, ENDPOINT_BODY - {"code"})
    changes = clean_endpoint_fields(body, partial=True)
    async with request.app[POOL].acquire() as conn, conn.transaction():
        current = await endpoints.get_endpoint(conn, request.match_info["code"])
        await who.require_unit_write(conn, current.unit_id)
        merged = {**endpoints.endpoint_fields(current), **changes}
        if "unit" in body:
            unit = await units.get_unit(conn, _unit_code(body))
            await who.require_unit_write(conn, unit.id)
            merged["unit_id"] = unit.id
        if merged["sip_transport"] == "tcp" and merged["sip_port"] is None:
            raise ValidationError("sip_port", "sip_port is required when sip_transport is tcp")
        await endpoints.update_endpoint(conn, current.id, merged)
        if "upstream" in body:
            await endpoints.set_upstream(conn, current.id, _upstream(body))
        await audit(conn, who, "endpoint.update", current.code, body)
        endpoint = await endpoints.get_endpoint(conn, current.code)
    return json_reply(endpoint.to_json())


async def delete_endpoint(request: web.Request) -> web.Response:
    who = principal(request)
    async with request.app[POOL].acquire() as conn, conn.transaction():
        current = await endpoints.get_endpoint(conn, request.match_info["code"])
        await who.require_unit_write(conn, current.unit_id)
        await endpoints.delete_endpoint(conn, current.id)
        await audit(conn, who, "endpoint.delete", current.code)
    return web.Response(status=204)


async def import_endpoints(request: web.Request) -> web.Response:
    """Body: the CSV or XLSX file itself, or a multipart form with a `file` part."""
    who = principal(request)
    who.require_writer()
    dry_run = bool(query_bool(request, "dry_run"))
    data = await _upload(request)
    rows = await asyncio.to_thread(importer.parse_registry_file, data)
    async with request.app[POOL].acquire() as conn:

        async def authorize(unit_id: int) -> None:
            await who.require_unit_write(conn, unit_id)

        result = await importer.apply_import(conn, rows, authorize=authorize, dry_run=dry_run)
        if not dry_run:
            await audit(conn, who, "endpoint.import", f"{result.rows} rows", result.to_json())
    return json_reply(result.to_json(), status=200 if dry_run else 201)


async def _upload(request: web.Request) -> bytes:
    if request.content_length is not None and request.content_length > MAX_IMPORT_BYTES:
        raise ValidationError("file", f"the file is larger than {MAX_IMPORT_BYTES >> 20} MiB")
    if request.content_type.startswith("multipart/"):
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if getattr(part, "name", None) == "file":
                data = await part.read()
                break
        else:
            raise ValidationError("file", "the form has no 'file' part")
    else:
        data = await request.read()
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationError("file", f"the file is larger than {MAX_IMPORT_BYTES >> 20} MiB")
    if not data:
        raise ValidationError("file", "the request has no file in it")
    return bytes(data)


async def export_endpoints(request: web.Request) -> web.Response:
    """The registry (filtered like the list) as CSV or XLSX: `format=csv|xlsx`."""
    fmt = request.query.get("format", "csv")
    if fmt not in EXPORT_TYPES:
        raise ValidationError("format", "format must be csv or xlsx")
    async with request.app[POOL].acquire() as conn:
        where = await _filter(request, conn)
        items, _ = await endpoints.list_endpoints(conn, where, limit=None)
    body = await asyncio.to_thread(importer.export_registry, items, fmt)
    return web.Response(
        body=body,
        content_type=EXPORT_TYPES[fmt].split(";")[0],
        charset="utf-8" if fmt == "csv" else None,
        headers={"Content-Disposition": f'attachment; filename="endpoints.{fmt}"'},
    )
