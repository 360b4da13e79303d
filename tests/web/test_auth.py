"""The auth matrix: every mutating route × every role, operators inside and outside their unit."""

import hashlib

import pytest

from tests.conftest import bearer

CSV = (
    "code,name,unit_path,host\n"
    "NEW-C1,Điểm mới,Tỉnh Bắc Kạn / Huyện Chợ Đồn / Xã Bằng Lãng,127.0.0.9\n"
).encode()
CSV_OUTSIDE = CSV.replace(
    b"Huy\xe1\xbb\x87n Ch\xe1\xbb\xa3 \xc4\x90\xe1\xbb\x93n / X\xc3\xa3 B\xe1\xba\xb1ng L\xc3\xa3ng",
    "Huyện Ba Bể / Xã Địa Linh".encode(),
)


async def seed(client, tokens):
    """One endpoint inside the operator's unit (D1 > C1), one outside (D2 > C3)."""
    for code, unit in (("IN-1", "C1"), ("OUT-1", "C3")):
        r = await client.post(
            "/api/v1/endpoints",
            json={"code": code, "name": code, "unit": unit, "host": "127.0.0.2"},
            headers=bearer(tokens["admin"]),
        )
        assert r.status == 201, await r.text()


# (method, path, body, which scope the write touches)
ROUTES = [
    (
        "POST",
        "/api/v1/units",
        {"code": "NEWU", "name": "Xã Mới", "kind": "commune", "parent": "D1"},
        "units",
    ),
    ("PATCH", "/api/v1/units/C2", {"name": "Xã Đại Sảo mới"}, "units"),
    ("DELETE", "/api/v1/units/C2", None, "units"),
    (
        "POST",
        "/api/v1/endpoints",
        {"code": "NEW-1", "name": "n", "unit": "C1", "host": "127.0.0.3"},
        "inside",
    ),
    (
        "POST",
        "/api/v1/endpoints",
        {"code": "NEW-2", "name": "n", "unit": "C3", "host": "127.0.0.3"},
        "outside",
    ),
    ("PATCH", "/api/v1/endpoints/IN-1", {"notes": "đã kiểm tra"}, "inside"),
    ("PATCH", "/api/v1/endpoints/OUT-1", {"notes": "đã kiểm tra"}, "outside"),
    ("PATCH", "/api/v1/endpoints/IN-1", {"unit": "C3"}, "outside"),  # moving out of scope
    ("DELETE", "/api/v1/endpoints/IN-1", None, "inside"),
    ("DELETE", "/api/v1/endpoints/OUT-1", None, "outside"),
    ("POST", "/api/v1/endpoints/IN-1/check", None, "inside"),
    ("POST", "/api/v1/endpoints/OUT-1/check", None, "outside"),
    ("POST", "/api/v1/endpoints/import", CSV, "inside"),
    ("POST", "/api/v1/endpoints/import", CSV_OUTSIDE, "outside"),
]
EXPECTED = {
    "admin": {"units": "ok", "inside": "ok", "outside": "ok"},
    "operator": {"units": 403, "inside": "ok", "outside": 403},
    "viewer": {"units": 403, "inside": 403, "outside": 403},
}


async def _send(client, method, path, body, token):
    headers = bearer(token) if token else {}
    if isinstance(body, bytes):
        return await client.request(
            method, path, data=body, headers={**headers, "Content-Type": "text/csv"}
        )
    return await client.request(method, path, json=body, headers=headers)


@pytest.mark.parametrize("role", ["admin", "operator", "viewer"])
@pytest.mark.parametrize("route", ROUTES, ids=[f"{m} {p} {s}" for m, p, _, s in ROUTES])
async def test_auth_matrix(client, tokens, conn, role, route):
    method, path, body, scope = route
    await seed(client, tokens)
    before = await conn.fetchval("SELECT count(*) FROM audit_log")
    response = await _send(client, method, path, body, tokens[role])
    expected = EXPECTED[role][scope]
    if expected == "ok":
        assert response.status in (200, 201, 204), await response.text()
        audited = 0 if path.endswith("/check") else 1  # a check reads, it changes nothing
        assert await conn.fetchval("SELECT count(*) FROM audit_log") == before + audited
    else:
        assert response.status == expected, await response.text()
        assert (await response.json())["error"]["code"] in ("forbidden", "import_rejected")
        assert await conn.fetchval("SELECT count(*) FROM audit_log") == before


@pytest.mark.parametrize(
    "route",
    ROUTES + [("GET", "/api/v1/endpoints", None, ""), ("GET", "/api/v1/openapi.json", None, "")],
    ids=str,
)
@pytest.mark.parametrize("header", [None, "Bearer", "Bearer bw_wrong", "Basic YWRtaW46YWRtaW4="])
async def test_missing_or_wrong_token_gets_401(client, tokens, route, header):
    method, path, body, _ = route
    headers = {"Authorization": header} if header else {}
    if isinstance(body, bytes):
        response = await client.request(method, path, data=body, headers=headers)
    else:
        response = await client.request(method, path, json=body, headers=headers)
    assert response.status == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_viewer_can_read(client, tokens):
    for path in (
        "/api/v1/endpoints",
        "/api/v1/units",
        "/api/v1/units/D1",
        "/api/v1/openapi.json",
        "/api/v1/endpoints/export",
    ):
        response = await client.get(path, headers=bearer(tokens["viewer"]))
        assert response.status == 200, path


async def test_revoked_token_is_refused(client, tokens, conn):
    from bridgewatch.auth import revoke_token

    token_id = await conn.fetchval("SELECT id FROM api_token WHERE role = 'viewer'")
    assert (await client.get("/api/v1/units", headers=bearer(tokens["viewer"]))).status == 200
    await revoke_token(conn, token_id)
    assert (await client.get("/api/v1/units", headers=bearer(tokens["viewer"]))).status == 401


async def test_tokens_are_stored_only_as_hashes(conn, tokens):
    stored = await conn.fetch("SELECT * FROM api_token")
    dump = repr([dict(r) for r in stored])
    for token in tokens.values():
        assert token not in dump
        assert token[12:] not in dump
        assert hashlib.sha256(token.encode()).digest() in [r["token_hash"] for r in stored]


async def test_health_checks_need_no_token(client):
    assert (await client.get("/healthz")).status == 200
    ready = await client.get("/readyz")
    assert ready.status == 200 and (await ready.json())["database"] == "ok"
