"""The OpenAPI 3 document of the real routes (a test checks it against the router)."""

from __future__ import annotations

from aiohttp import web

from bridgewatch import __version__
from bridgewatch.registry.models import LINK_TYPES, SIP_TRANSPORTS, UNIT_KINDS
from bridgewatch.web.params import json_reply


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "400": _json(_ref("Error"), "Bad input; `error.field` names the field"),
    "401": _json(_ref("Error"), "Missing, unknown or revoked token"),
    "403": _json(_ref("Error"), "The token's role or unit scope does not allow this"),
    "404": _json(_ref("Error"), "No such object"),
}
CODE = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}
SID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
PAGE = [
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 50}},
    {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}},
]  # fmt: skip
ENDPOINT_FILTERS = [
    {"name": "unit", "in": "query", "description": "unit code: the endpoints of its whole subtree", "schema": {"type": "string"}},
    {"name": "tag", "in": "query", "schema": {"type": "string"}},
    {"name": "active", "in": "query", "schema": {"type": "boolean"}},
    {"name": "q", "in": "query", "description": "text search ignoring case and diacritics", "schema": {"type": "string"}},
]  # fmt: skip


def _op(summary: str, responses: dict, *, params=(), body: dict | None = None, tag: str) -> dict:
    op: dict = {"summary": summary, "tags": [tag], "responses": {**responses, **ERRORS}}
    if params:
        op["parameters"] = list(params)
    if body is not None:
        op["requestBody"] = body
    return op


def _list_of(name: str) -> dict:
    return {
        "type": "object",
        "required": ["items", "total"],
        "properties": {
            "items": {"type": "array", "items": _ref(name)},
            "total": {"type": "integer"},
        },
    }


ENDPOINT_PROPERTIES = {
    "code": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"},
    "name": {"type": "string"},
    "unit": {"type": "string", "description": "unit code"},
    "host": {"type": "string", "description": "IP address or host name to probe"},
    "address": {"type": "string"},
    "contact_name": {"type": "string"},
    "contact_phone": {"type": "string"},
    "equipment": {"type": "string", "description": "vendor and model"},
    "link_type": {"type": "string", "enum": ["", *LINK_TYPES]},
    "hall_capacity": {"type": ["integer", "null"], "minimum": 0},
    "icmp": {"type": "boolean"},
    "tcp_ports": {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 65535}},
    "sip_port": {"type": ["integer", "null"], "minimum": 1, "maximum": 65535},
    "sip_transport": {"type": "string", "enum": list(SIP_TRANSPORTS)},
    "http_url": {"type": "string"},
    "tags": {"type": "array", "items": {"type": "string"}},
    "active": {"type": "boolean"},
    "notes": {"type": "string"},
    "latitude": {"type": ["number", "null"]},
    "longitude": {"type": ["number", "null"]},
}
UNIT_PROPERTIES = {
    "code": {"type": "string"},
    "name": {"type": "string"},
    "kind": {"type": "string", "enum": list(UNIT_KINDS)},
    "parent": {"type": ["string", "null"], "description": "parent unit code"},
}
FILE_BODY = {
    "required": True,
    "content": {
        "text/csv": {"schema": {"type": "string"}},
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
            "schema": {"type": "string", "format": "binary"}
        },
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        },
    },
}


def _body(name: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": _ref(name)}}}


def build_document() -> dict:
    ok = lambda name, d="OK": {"200": _json(_ref(name), d)}  # noqa: E731
    health = {"200": {"description": "OK"}, "503": {"description": "Not ready"}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "bridgewatch API", "version": __version__},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {
                        "error": {
                            "type": "object",
                            "properties": {
                                "code": {"type": "string"},
                                "message": {"type": "string"},
                                "field": {"type": ["string", "null"]},
                                "rows": {"type": "array", "items": {"type": "object"}},
                            },
                        }
                    },
                },
                "Unit": {"type": "object", "properties": {**UNIT_PROPERTIES, "path": {"type": "string"}, "depth": {"type": "integer"}}},
                "UnitInput": {"type": "object", "required": ["code", "name", "kind"], "properties": UNIT_PROPERTIES},
                "UnitList": _list_of("Unit"),
                "Endpoint": {"type": "object", "properties": {**ENDPOINT_PROPERTIES, "unit_path": {"type": "string"}}},
                "EndpointInput": {"type": "object", "required": ["code", "name", "unit", "host"], "properties": ENDPOINT_PROPERTIES},
                "EndpointList": _list_of("Endpoint"),
                "Probe": {"type": "object", "properties": {
                    "kind": {"type": "string", "enum": ["icmp", "tcp", "sip", "http"]},
                    "status": {"type": "string", "enum": ["up", "degraded", "down", "unavailable"]},
                    "at": {"type": "string", "format": "date-time"},
                    **{k: {"type": ["number", "null"]} for k in ("rtt_ms", "rtt_min_ms", "rtt_max_ms", "jitter_ms", "loss_pct", "cert_days")},
                    "port": {"type": ["integer", "null"]}, "code": {"type": ["integer", "null"]}, "detail": {"type": "string"}}},
                "ProbeList": _list_of("Probe"),
                "Status": {"type": "object", "properties": {
                    "code": {"type": "string"},
                    "state": {"type": "string", "enum": ["ready", "degraded", "unreachable", "unknown"]},
                    "reason": {"type": "object", "properties": {"vi": {"type": "string"}, "en": {"type": "string"}}},
                    "reasons": {"type": "array", "items": {"type": "object"}},
                    "mos": {"type": ["number", "null"]},
                    "checked_at": {"type": ["string", "null"]},
                    "changed_at": {"type": ["string", "null"]},
                    "probes": {"type": "array", "items": _ref("Probe")}}},
                "Session": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "title": {"type": "string"}, "unit": {"type": "string"}, "unit_path": {"type": "string"},
                    "starts_at": {"type": "string", "format": "date-time"}, "ends_at": {"type": "string", "format": "date-time"},
                    "host": {"type": ["string", "null"]}, "cancelled_at": {"type": ["string", "null"]},
                    "points": {"type": "integer"}, "expected": {"type": "integer"}}},
                "SessionList": _list_of("Session"),
                "SessionInput": {"type": "object", "required": ["title", "unit", "starts_at", "ends_at"], "properties": {
                    "title": {"type": "string"}, "unit": {"type": "string"},
                    "starts_at": {"type": "string", "description": "ISO 8601; without offset: the configured zone"},
                    "ends_at": {"type": "string"}, "host": {"type": ["string", "null"]},
                    "points": {"oneOf": [{"type": "string"}, {"type": "array", "items": {}}]}, "expected": {"type": "integer", "minimum": 0}}},
                "ImportResult": {
                    "type": "object",
                    "properties": {k: {"type": "integer"} for k in ("rows", "created", "updated", "units_created")}
                    | {"dry_run": {"type": "boolean"}},
                },
            },
        },
        "security": [{"bearer": []}],
        "paths": {
            "/": {"get": {"summary": "Where the API and checks are", "security": [], "responses": {"200": {"description": "OK"}}}},
            "/healthz": {"get": {"summary": "Process is up", "security": [], "responses": health}},
            "/metrics": {"get": {"summary": "Prometheus metrics (open unless metrics.require_token)", "security": [], "responses": {"200": {"description": "Prometheus text format 0.0.4"}}}},
            "/readyz": {"get": {"summary": "Database is reachable", "security": [], "responses": health}},
            "/api/v1/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3"}}}},
            "/api/v1/units": {
                "get": _op("List units (depth-first)", ok("UnitList"), tag="units", params=[
                    {"name": "unit", "in": "query", "schema": {"type": "string"}},
                    {"name": "q", "in": "query", "schema": {"type": "string"}}]),
                "post": _op("Create a unit (admin)", {"201": _json(_ref("Unit"), "Created")}, body=_body("UnitInput"), tag="units"),
            },
            "/api/v1/units/{code}": {
                "get": _op("Read a unit", ok("Unit"), params=[CODE], tag="units"),
                "patch": _op("Change a unit's name, kind or parent (admin)", ok("Unit"), params=[CODE], body=_body("UnitInput"), tag="units"),
                "delete": _op("Delete an empty unit (admin)", {"204": {"description": "Deleted"}, "409": _json(_ref("Error"), "Not empty")}, params=[CODE], tag="units"),
            },
            "/api/v1/endpoints": {
                "get": _op("List endpoints", ok("EndpointList"), params=[*ENDPOINT_FILTERS, *PAGE], tag="endpoints"),
                "post": _op("Create an endpoint", {"201": _json(_ref("Endpoint"), "Created"), "409": _json(_ref("Error"), "Code taken")}, body=_body("EndpointInput"), tag="endpoints"),
            },
            "/api/v1/endpoints/import": {
                "post": _op("Import a registry file (CSV or XLSX), all or nothing", {
                    "201": _json(_ref("ImportResult"), "Imported"),
                    "200": _json(_ref("ImportResult"), "Dry run: validated, nothing written"),
                    "422": _json(_ref("Error"), "Rejected; error.rows lists every bad row")},
                    params=[{"name": "dry_run", "in": "query", "schema": {"type": "boolean"}}], body=FILE_BODY, tag="endpoints"),
            },
            "/api/v1/endpoints/export": {
                "get": _op("Export the registry in the import format", {"200": {"description": "The file", "content": {
                    "text/csv": {"schema": {"type": "string"}},
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}}}}},
                    params=[{"name": "format", "in": "query", "schema": {"type": "string", "enum": ["csv", "xlsx"]}}, *ENDPOINT_FILTERS], tag="endpoints"),
            },
            "/api/v1/endpoints/{code}/status": {
                "get": _op("Latest readiness, its reasons (vi, en) and probe results", ok("Status"), params=[CODE], tag="readiness"),
            },
            "/api/v1/endpoints/{code}/probes": {
                "get": _op("Probe history, newest first", ok("ProbeList"), tag="readiness", params=[CODE,
                    {"name": "since", "in": "query", "description": "ISO 8601 time; default 24 hours ago", "schema": {"type": "string", "format": "date-time"}},
                    {"name": "kind", "in": "query", "schema": {"type": "string", "enum": ["icmp", "tcp", "sip", "http"]}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 500}}]),
            },
            "/api/v1/endpoints/{code}/check": {
                "post": _op("Probe the endpoint now (admin, or operator in scope)", ok("Status"), params=[CODE], tag="readiness"),
            },
            "/api/v1/sessions": {
                "get": _op("List sessions", ok("SessionList"), tag="sessions", params=[
                    {"name": "from", "in": "query", "description": "sessions ending after (ISO time)", "schema": {"type": "string"}},
                    {"name": "to", "in": "query", "description": "sessions starting before (ISO time)", "schema": {"type": "string"}},
                    {"name": "cancelled", "in": "query", "schema": {"type": "boolean"}}]),
                "post": _op("Create a session (admin, or operator of the organising unit)", {"201": _json(_ref("Session"), "Created")}, body=_body("SessionInput"), tag="sessions"),
            },
            "/api/v1/sessions/{id}": {
                "get": _op("A session and its points", ok("Session"), params=[SID], tag="sessions"),
                "patch": _op("Rename or reschedule (title, starts_at, ends_at, host)", ok("Session"), params=[SID], body=_body("SessionInput"), tag="sessions"),
                "delete": _op("Cancel: its scheduled sweeps stop", ok("Session"), params=[SID], tag="sessions"),
            },
            "/api/v1/sessions/{id}/points": {
                "post": _op("Add points: a list of codes or {code, expected}, or a unit code (its subtree)", {"201": {"description": "Added"}, "409": _json(_ref("Error"), "A point is already in")},
                            params=[SID], body={"required": True, "content": {"application/json": {"schema": {"type": "object", "properties": {
                                "points": {"oneOf": [{"type": "string"}, {"type": "array", "items": {}}]}, "expected": {"type": "integer", "minimum": 0}}}}}}, tag="sessions"),
            },
            "/api/v1/sessions/{id}/points/{code}": {
                "delete": _op("Remove a point from the session", {"204": {"description": "Removed"}}, params=[SID, CODE], tag="sessions"),
            },
            "/api/v1/sessions/{id}/readiness": {
                "get": _op("Counts per state, unit roll-ups, every point's state, reason, figures and checklist; readiness at each scheduled check", {"200": {"description": "Readiness"}}, params=[SID], tag="sessions"),
            },
            "/api/v1/sessions/{id}/check": {
                "post": _op("Sweep the session's points now (or one with ?code=)", {"200": {"description": "Counts"}}, params=[SID, {"name": "code", "in": "query", "schema": {"type": "string"}}], tag="sessions"),
            },
            "/api/v1/sessions/{id}/points/{code}/checklist": {
                "get": _op("The point's checklist and help request", {"200": {"description": "Checklist"}}, params=[SID, CODE], tag="sessions"),
                "put": _op("Tick items (power, camera, microphone, display, test_call); needs_help and note", {"200": {"description": "Checklist"}}, params=[SID, CODE],
                           body={"required": True, "content": {"application/json": {"schema": {"type": "object", "properties": {
                               "items": {"type": "object", "additionalProperties": {"type": "boolean"}}, "needs_help": {"type": "boolean"}, "note": {"type": "string"}}}}}}, tag="sessions"),
            },
            "/api/v1/sessions/{id}/points/{code}/quality": {
                "post": _op("A quality report: audio and video 1-5, issues (no_picture, no_sound, connection_lost, echo, frozen_picture, lip_sync) with start and duration, note; idempotent by client_id",
                            {"201": {"description": "Stored"}, "200": {"description": "Already stored (same client_id)"}}, params=[SID, CODE],
                            body={"required": True, "content": {"application/json": {"schema": {"type": "object", "required": ["client_id", "audio", "video"], "properties": {
                                "client_id": {"type": "string"}, "audio": {"type": "integer", "minimum": 1, "maximum": 5}, "video": {"type": "integer", "minimum": 1, "maximum": 5},
                                "issues": {"type": "array", "items": {"type": "object"}}, "note": {"type": "string"}}}}}}, tag="reports"),
            },
            "/api/v1/sessions/{id}/quality": {"get": _op("The session's quality reports", {"200": {"description": "Reports"}}, params=[SID], tag="reports")},
            "/api/v1/sessions/{id}/points/{code}/attendance": {
                "put": _op("Attendance of a point: present_at_start, late, left_early, absent (with absent_reasons), note", {"200": {"description": "Saved, with rate and flags"}}, params=[SID, CODE],
                           body={"required": True, "content": {"application/json": {"schema": {"type": "object", "properties": {
                               k: {"type": "integer", "minimum": 0} for k in ("present_at_start", "late", "left_early", "absent")} | {"absent_reasons": {"type": "string"}, "note": {"type": "string"}}}}}}, tag="reports"),
            },
            "/api/v1/sessions/{id}/report": {"get": _op("The post-session report", {"200": {"description": "The report", "content": {
                "text/html": {"schema": {"type": "string"}}, "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                "text/csv": {"schema": {"type": "string"}}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}}}}},
                params=[SID, {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["html", "pdf", "xlsx", "csv"]}},
                        {"name": "lang", "in": "query", "schema": {"type": "string", "enum": ["vi", "en"]}}], tag="reports")},
            "/api/v1/reports/trend": {"get": _op("Trend report over a date range: repeated problems, time to restore, attendance per unit, equipment gaps",
                {"200": {"description": "The report"}}, tag="reports", params=[
                    {"name": "from", "in": "query", "required": True, "schema": {"type": "string"}},
                    {"name": "to", "in": "query", "required": True, "schema": {"type": "string"}},
                    {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["html", "csv", "xlsx"]}},
                    {"name": "lang", "in": "query", "schema": {"type": "string", "enum": ["vi", "en"]}}])},
            "/api/v1/sessions/{id}/attendance": {"get": _op("Attendance per point: expected, present, rate, flags", {"200": {"description": "Attendance"}}, params=[SID], tag="reports")},
            "/api/v1/endpoints/{code}": {
                "get": _op("Read an endpoint", ok("Endpoint"), params=[CODE], tag="endpoints"),
                "patch": _op("Change some fields of an endpoint", ok("Endpoint"), params=[CODE], body=_body("EndpointInput"), tag="endpoints"),
                "delete": _op("Delete an endpoint", {"204": {"description": "Deleted"}}, params=[CODE], tag="endpoints"),
            },
        },
    }  # fmt: skip


async def openapi_json(request: web.Request) -> web.Response:
    return json_reply(build_document())
