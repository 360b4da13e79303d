import pytest

from bridgewatch.registry import endpoints, units
from bridgewatch.registry.endpoints import EndpointFilter
from tests.conftest import make_tree
from tests.registry.test_units import add_endpoint


@pytest.fixture
async def points(conn):
    await make_tree(conn)
    await add_endpoint(conn, "BK-TU", "P", name="Hội trường Tỉnh ủy Bắc Kạn")
    await add_endpoint(
        conn, "CD-01", "D1", name="Hội trường Huyện ủy Chợ Đồn", contact_name="Đinh Văn Đạt"
    )
    await add_endpoint(
        conn, "BB-01", "D2", name="Hội trường Huyện ủy Ba Bể", equipment="Polycom Group 500"
    )
    await add_endpoint(conn, "DL-01", "C3", name="Đảng ủy xã Địa Linh", tags="xa 4g")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("cho don", ["CD-01"]),
        ("Chợ Đồn", ["CD-01"]),
        ("CHO ĐON", ["CD-01"]),
        ("bac kan", ["BB-01", "BK-TU", "CD-01", "DL-01"]),  # every point in the province
        ("ba be", ["BB-01", "DL-01"]),  # the district's unit name reaches its communes
        ("dia linh", ["DL-01"]),
        ("dinh van dat", ["CD-01"]),  # contact name, with đ folded
        ("polycom", ["BB-01"]),
        ("hoi truong huyen uy", ["BB-01", "CD-01"]),
        ("4g", ["DL-01"]),
        ("bk-tu", ["BK-TU"]),
        ("khong co", []),
        ("%", []),  # LIKE wildcards in the query are not wildcards
    ],
)
async def test_search_ignores_case_and_diacritics(conn, points, query, expected):
    items, total = await endpoints.list_endpoints(conn, EndpointFilter(q=query), limit=100)
    assert sorted(e.code for e in items) == expected
    assert total == len(expected)


async def test_names_are_stored_nfc(conn, points):
    await add_endpoint(conn, "NFD-1", "C1", name="Xa\u0303 Ba\u0300nh Tra\u0323ch")
    stored = await conn.fetchval("SELECT name FROM endpoint WHERE code = 'NFD-1'")
    assert stored == "Xã Bành Trạch"
    assert stored.encode() == "Xã Bành Trạch".encode()


async def test_unit_search_ignores_diacritics(conn, points):
    found = await units.list_units(conn, q="cho don")
    assert [u.code for u in found] == ["D1"]
