"""The JSON API as a client sees it: CRUD, filters, pagination, import/export, errors."""

import pytest

from tests.conftest import bearer

POINT = {
    "code": "CD-01",
    "name": "Hội trường Huyện ủy Chợ Đồn",
    "unit": "D1",
    "host": "127.20.4.1",
    "tcp_ports": [1720, 5060],
    "sip_port": 5060,
    "contact_name": "Hà Văn Sơn",
    "contact_phone": "0912 345 678",
    "hall_capacity": 120,
    "tags": ["huyen"],
}


@pytest.fixture
def admin(tokens):
    return bearer(tokens["admin"])


async def test_endpoint_crud(client, admin):
    created = await client.post("/api/v1/endpoints", json=POINT, headers=admin)
    assert created.status == 201
    body = await created.json()
    assert body["unit_path"] == "Tỉnh Bắc Kạn / Huyện Chợ Đồn"
    assert body["tcp_ports"] == [1720, 5060] and body["icmp"] is True
    assert "Hội trường" in await created.text()  # readable UTF-8, not \u escapes

    patched = await client.patch(
        "/api/v1/endpoints/CD-01", json={"hall_capacity": 150, "unit": "C1"}, headers=admin
    )
    assert patched.status == 200
    body = await patched.json()
    assert (
        body["hall_capacity"] == 150
        and body["unit"] == "C1"
        and body["contact_name"] == "Hà Văn Sơn"
    )

    read = await client.get("/api/v1/endpoints/CD-01", headers=admin)
    assert (await read.json())["hall_capacity"] == 150

    assert (await client.delete("/api/v1/endpoints/CD-01", headers=admin)).status == 204
    assert (await client.get("/api/v1/endpoints/CD-01", headers=admin)).status == 404


async def test_list_filters_search_and_pages(client, admin):
    for i, unit in enumerate(["C1", "C1", "C2", "C3", "D2"]):
        point = {
            **POINT,
            "code": f"E{i}",
            "unit": unit,
            "name": f"Điểm cầu số {i}",
            "active": i != 2,
        }
        assert (await client.post("/api/v1/endpoints", json=point, headers=admin)).status == 201
    listing = await (await client.get("/api/v1/endpoints?unit=D1", headers=admin)).json()
    assert (
        sorted(e["code"] for e in listing["items"]) == ["E0", "E1", "E2"] and listing["total"] == 3
    )
    listing = await (
        await client.get("/api/v1/endpoints?unit=D1&active=false", headers=admin)
    ).json()
    assert [e["code"] for e in listing["items"]] == ["E2"]
    listing = await (
        await client.get("/api/v1/endpoints?q=DIEM%20CAU%20SO%203", headers=admin)
    ).json()
    assert [e["code"] for e in listing["items"]] == ["E3"]
    page = await (await client.get("/api/v1/endpoints?limit=2&offset=2", headers=admin)).json()
    assert len(page["items"]) == 2 and page["total"] == 5


async def test_unit_crud_and_tree(client, admin):
    created = await client.post(
        "/api/v1/units",
        json={"code": "C9", "name": "Xã Nam Cường", "kind": "commune", "parent": "D1"},
        headers=admin,
    )
    assert created.status == 201
    assert (await created.json())["path"] == "Tỉnh Bắc Kạn / Huyện Chợ Đồn / Xã Nam Cường"
    moved = await client.patch("/api/v1/units/C9", json={"parent": "D2"}, headers=admin)
    assert (await moved.json())["path"] == "Tỉnh Bắc Kạn / Huyện Ba Bể / Xã Nam Cường"
    tree = await (await client.get("/api/v1/units?unit=D2", headers=admin)).json()
    codes = [u["code"] for u in tree["items"]]
    assert codes[0] == "D2" and sorted(codes[1:]) == ["C3", "C9"]
    assert (await client.delete("/api/v1/units/D1", headers=admin)).status == 409
    assert (await client.delete("/api/v1/units/C9", headers=admin)).status == 204


async def test_import_and_export_over_http(client, admin):
    csv = "code;name;unit_path;host\nX-1;Điểm X;Tỉnh Bắc Kạn / Huyện Chợ Đồn;127.0.0.5\n".encode()
    dry = await client.post("/api/v1/endpoints/import?dry_run=true", data=csv, headers=admin)
    assert dry.status == 200 and (await dry.json())["created"] == 1
    assert (await (await client.get("/api/v1/endpoints", headers=admin)).json())["total"] == 0
    real = await client.post("/api/v1/endpoints/import", data=csv, headers=admin)
    assert real.status == 201 and (await real.json()) == {
        "rows": 1,
        "created": 1,
        "updated": 0,
        "units_created": 0,
        "dry_run": False,
    }
    exported = await client.get("/api/v1/endpoints/export?format=csv", headers=admin)
    assert exported.headers["Content-Type"].startswith("text/csv")
    text = (await exported.read()).decode("utf-8-sig")
    assert "X-1,Điểm X,Tỉnh Bắc Kạn / Huyện Chợ Đồn,127.0.0.5" in text
    xlsx = await client.get("/api/v1/endpoints/export?format=xlsx", headers=admin)
    assert (await xlsx.read()).startswith(b"PK")


async def test_multipart_import(client, admin):
    import aiohttp

    form = aiohttp.FormData()
    form.add_field("file", b"code,name,unit_path,host\nM-1,M,Tinh,127.0.0.6\n", filename="p.csv")
    response = await client.post("/api/v1/endpoints/import", data=form, headers=admin)
    assert response.status == 201, await response.text()


async def test_import_rejection_lists_rows(client, admin):
    csv = b"code,name,unit_path,host\nA,a,P,1.2.3.4\nB,b,P,not a host\nA,c,P,1.2.3.5\n"
    response = await client.post("/api/v1/endpoints/import", data=csv, headers=admin)
    assert response.status == 422
    rows = (await response.json())["error"]["rows"]
    assert {"row": 3, "column": "host"} == {k: rows[0][k] for k in ("row", "column")}
    assert rows[1]["row"] == 4 and rows[1]["column"] == "code"


BAD_REQUESTS = [
    ("POST", "/api/v1/endpoints", b"{not json", 400, "body"),
    ("POST", "/api/v1/endpoints", b"[1, 2]", 400, "body"),
    ("POST", "/api/v1/endpoints", {**POINT, "host": "300.0.0.1"}, 400, "host"),
    ("POST", "/api/v1/endpoints", {**POINT, "tcp_ports": ["x"]}, 400, "tcp_ports"),
    ("POST", "/api/v1/endpoints", {**POINT, "tcp_ports": 1720}, 400, "tcp_ports"),
    ("POST", "/api/v1/endpoints", {**POINT, "hall_capacity": -1}, 400, "hall_capacity"),
    ("POST", "/api/v1/endpoints", {**POINT, "hall_capacity": True}, 400, "hall_capacity"),
    ("POST", "/api/v1/endpoints", {**POINT, "name": None}, 400, "name"),
    ("POST", "/api/v1/endpoints", {**POINT, "name": ["x"]}, 400, "name"),
    ("POST", "/api/v1/endpoints", {**POINT, "unit": None}, 400, "unit"),
    ("POST", "/api/v1/endpoints", {**POINT, "unit": "NOPE"}, 404, "unit"),
    ("POST", "/api/v1/endpoints", {**POINT, "colour": "red"}, 400, "colour"),
    ("POST", "/api/v1/endpoints", {**POINT, "latitude": 123}, 400, "latitude"),
    ("POST", "/api/v1/endpoints", {**POINT, "sip_transport": "sctp"}, 400, "sip_transport"),
    ("POST", "/api/v1/endpoints", {**POINT, "code": "a b"}, 400, "code"),
    ("POST", "/api/v1/endpoints", {**POINT, "tags": [1]}, 400, "tags"),
    ("POST", "/api/v1/endpoints", {k: v for k, v in POINT.items() if k != "host"}, 400, "host"),
    ("PATCH", "/api/v1/endpoints/NOPE", {"notes": "x"}, 404, "code"),
    ("PATCH", "/api/v1/endpoints/CD-01", {"code": "NEW"}, 400, "code"),
    (
        "PATCH",
        "/api/v1/endpoints/CD-01",
        {"sip_port": None, "sip_transport": "tcp"},
        400,
        "sip_port",
    ),
    ("GET", "/api/v1/endpoints?limit=0", None, 400, "limit"),
    ("GET", "/api/v1/endpoints?limit=abc", None, 400, "limit"),
    ("GET", "/api/v1/endpoints?offset=-1", None, 400, "offset"),
    ("GET", "/api/v1/endpoints?active=perhaps", None, 400, "active"),
    ("GET", "/api/v1/endpoints?unit=NOPE", None, 404, "unit"),
    ("GET", "/api/v1/endpoints/export?format=pdf", None, 400, "format"),
    ("POST", "/api/v1/units", {"code": "P", "name": "Dup", "kind": "province"}, 409, "code"),
    ("POST", "/api/v1/units", {"code": "Z", "name": "Z", "kind": "planet"}, 400, "kind"),
    ("POST", "/api/v1/units", {"code": "Z", "name": "A / B", "kind": "other"}, 400, "name"),
    (
        "POST",
        "/api/v1/units",
        {"code": "Z", "name": "Z", "kind": "other", "parent": 5},
        400,
        "parent",
    ),
    ("PATCH", "/api/v1/units/D1", {"parent": "C1"}, 400, "parent"),
    ("PATCH", "/api/v1/units/D1", {"name": "Huyện Ba Bể"}, 409, "name"),
    ("POST", "/api/v1/endpoints/import", b"", 400, "file"),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "field"),
    BAD_REQUESTS,
    ids=[f"{m} {p} {f}" for m, p, _, _, f in BAD_REQUESTS],
)
async def test_bad_input_gets_4xx_naming_the_field_and_changes_nothing(
    client, admin, conn, method, path, body, status, field
):
    assert (await client.post("/api/v1/endpoints", json=POINT, headers=admin)).status == 201
    snapshot = await conn.fetch("SELECT * FROM endpoint ORDER BY id")
    units_before = await conn.fetch("SELECT * FROM unit ORDER BY id")
    if isinstance(body, bytes):
        response = await client.request(
            method, path, data=body, headers={**admin, "Content-Type": "application/json"}
        )
    else:
        response = await client.request(method, path, json=body, headers=admin)
    assert response.status == status, await response.text()
    error = (await response.json())["error"]
    assert error["field"] == field and error["message"]
    assert await conn.fetch("SELECT * FROM endpoint ORDER BY id") == snapshot
    assert await conn.fetch("SELECT * FROM unit ORDER BY id") == units_before


async def test_unknown_api_route_is_json_404(client, admin):
    response = await client.get("/api/v1/nothing-here", headers=admin)
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "not_found"
