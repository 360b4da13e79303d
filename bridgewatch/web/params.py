"""Reading query parameters and JSON bodies, with errors that name the field."""

from __future__ import annotations

import json

from aiohttp import web

from bridgewatch.errors import ValidationError
from bridgewatch.registry.models import clean_bool

MAX_BODY = 1 << 20


def query_int(request: web.Request, name: str, default: int, *, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError(name, f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise ValidationError(name, f"{name} must be between {low} and {high}")
    return value


def query_bool(request: web.Request, name: str) -> bool | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    return clean_bool(name, raw)


def query_text(request: web.Request, name: str) -> str | None:
    raw = request.query.get(name, "").strip()
    return raw or None


def page(request: web.Request) -> tuple[int, int]:
    """(limit, offset) from the query string: limit 1-1000 (default 50), offset from 0."""
    return (
        query_int(request, "limit", 50, low=1, high=1000),
        query_int(request, "offset", 0, low=0, high=10**9),
    )


async def json_object(request: web.Request) -> dict:
    """The request body as a JSON object; ValidationError(field='body') otherwise."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise ValidationError("body", f"the body is larger than {MAX_BODY} bytes")
    raw = await request.read()
    try:
        body = json.loads(raw or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError("body", f"the body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise ValidationError("body", "the body must be a JSON object")
    return body


def reject_unknown(body: dict, allowed: set[str]) -> None:
    for key in body:
        if key not in allowed:
            raise ValidationError(key, f"unknown field {key!r}")


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def json_reply(data: object, *, status: int = 200) -> web.Response:
    """A JSON response with Vietnamese left readable (no \\u escapes)."""
    return web.json_response(data, status=status, dumps=_dumps)
