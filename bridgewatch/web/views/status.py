"""/api/v1/endpoints/{code}/status, /probes and /check: readiness now, history, and a check on demand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiohttp import web

from bridgewatch.errors import ValidationError
from bridgewatch.probes.base import KINDS
from bridgewatch.registry import endpoints
from bridgewatch.results import latest_readiness, probe_history
from bridgewatch.web.keys import MONITOR, POOL, principal
from bridgewatch.web.params import json_reply, query_int, query_text


def _since(request: web.Request) -> datetime:
    raw = query_text(request, "since")
    if raw is None:
        return datetime.now(UTC) - timedelta(hours=24)
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError("since", f"since must be an ISO 8601 time, got {raw!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def endpoint_status(request: web.Request) -> web.Response:
    """The latest readiness and probe results: from memory, else from the last stored sweep."""
    async with request.app[POOL].acquire() as conn:
        endpoint = await endpoints.get_endpoint(conn, request.match_info["code"])
        cached = request.app[MONITOR].state.get(endpoint.id)
        if cached is not None:
            return json_reply(cached.to_json())
        stored = await latest_readiness(conn, endpoint.id)
    if stored is None:
        return json_reply(
            {
                "code": endpoint.code,
                "state": "unknown",
                "reason": {"vi": "chưa được kiểm tra", "en": "not checked yet"},
                "reasons": [],
                "mos": None,
                "checked_at": None,
                "changed_at": None,
                "probes": [],
            }
        )
    return json_reply({"code": endpoint.code, **stored})


async def endpoint_probes(request: web.Request) -> web.Response:
    """Probe history, newest first: `since` (ISO time, default 24 h ago), `kind`, `limit`."""
    since = _since(request)
    kind = query_text(request, "kind")
    if kind is not None and kind not in KINDS:
        raise ValidationError("kind", f"kind must be one of {', '.join(KINDS)}")
    limit = query_int(request, "limit", 500, low=1, high=10000)
    async with request.app[POOL].acquire() as conn:
        endpoint = await endpoints.get_endpoint(conn, request.match_info["code"])
        items = await probe_history(conn, endpoint.id, since=since, kind=kind, limit=limit)
    return json_reply({"items": [r.to_json() for r in items], "total": len(items)})


async def check_endpoint(request: web.Request) -> web.Response:
    """Probe one endpoint now (admins, and operators inside their unit)."""
    who = principal(request)
    async with request.app[POOL].acquire() as conn:
        endpoint = await endpoints.get_endpoint(conn, request.match_info["code"])
        await who.require_unit_write(conn, endpoint.unit_id)
    report = await request.app[MONITOR].sweep_endpoints([endpoint], scope=f"check:{endpoint.code}")
    _, status = report.statuses[0]
    return json_reply(status.to_json())
