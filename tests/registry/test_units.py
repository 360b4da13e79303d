import pytest

from bridgewatch.errors import Conflict, ValidationError
from bridgewatch.registry import endpoints, units
from bridgewatch.registry.endpoints import EndpointFilter
from bridgewatch.registry.models import clean_endpoint_fields
from tests.conftest import make_tree


async def add_endpoint(conn, code: str, unit_code: str, **extra):
    unit = await units.get_unit(conn, unit_code)
    fields = clean_endpoint_fields(
        {"code": code, "name": code, "host": "127.0.0.1", **extra}, partial=False
    )
    return await endpoints.insert_endpoint(conn, {**fields, "unit_id": unit.id})


async def test_tree_of_any_depth_has_paths_and_depths(conn):
    await make_tree(conn)
    parent = (await units.get_unit(conn, "C1")).id
    for depth in range(3, 8):  # hamlets below communes, deeper than any fixed scheme
        parent = (
            await units.create_unit(
                conn, code=f"L{depth}", name=f"Thôn {depth}", kind="other", parent_id=parent
            )
        ).id
    deepest = await units.get_unit(conn, "L7")
    assert deepest.depth == 7
    assert deepest.path.startswith("Tỉnh Bắc Kạn / Huyện Chợ Đồn / Xã Bằng Lãng / Thôn 3")
    listed = [u.code for u in await units.list_units(conn)]
    assert listed.index("P") < listed.index("D1") < listed.index("C1") < listed.index("L7")


async def test_subtree_filter_includes_descendants_only(conn):
    await make_tree(conn)
    for code, unit in (
        ("E-P", "P"),
        ("E-D1", "D1"),
        ("E-C1", "C1"),
        ("E-C2", "C2"),
        ("E-C3", "C3"),
    ):
        await add_endpoint(conn, code, unit)
    d1 = await units.get_unit(conn, "D1")
    items, total = await endpoints.list_endpoints(conn, EndpointFilter(unit_id=d1.id), limit=100)
    assert sorted(e.code for e in items) == ["E-C1", "E-C2", "E-D1"] and total == 3
    c3 = await units.get_unit(conn, "C3")
    items, _ = await endpoints.list_endpoints(conn, EndpointFilter(unit_id=c3.id), limit=100)
    assert [e.code for e in items] == ["E-C3"]
    sub = [u.code for u in await units.list_units(conn, under=d1.id)]
    assert sub == ["D1", "C1", "C2"]


async def test_tag_and_active_filters_and_pagination(conn):
    await make_tree(conn)
    for i in range(7):
        await add_endpoint(conn, f"E{i}", "C1", tags="xa" if i % 2 else "huyen", active=i != 3)
    _, total = await endpoints.list_endpoints(conn, EndpointFilter(tag="xa"), limit=100)
    assert total == 3
    items, total = await endpoints.list_endpoints(conn, EndpointFilter(active=False), limit=100)
    assert [e.code for e in items] == ["E3"] and total == 1
    page, total = await endpoints.list_endpoints(conn, EndpointFilter(), limit=3, offset=3)
    assert [e.code for e in page] == ["E3", "E4", "E5"] and total == 7


async def test_unit_cannot_move_under_its_own_subtree(conn):
    await make_tree(conn)
    d1 = await units.get_unit(conn, "D1")
    c1 = await units.get_unit(conn, "C1")
    with pytest.raises(ValidationError) as info:
        await units.update_unit(conn, d1, name=d1.name, kind=d1.kind, parent_id=c1.id)
    assert info.value.field == "parent"


async def test_sibling_names_are_unique_but_cousins_may_share(conn):
    await make_tree(conn)
    d1 = await units.get_unit(conn, "D1")
    d2 = await units.get_unit(conn, "D2")
    with pytest.raises(Conflict):
        await units.create_unit(
            conn, code="X", name="Xã Bằng Lãng", kind="commune", parent_id=d1.id
        )
    await units.create_unit(conn, code="X", name="Xã Bằng Lãng", kind="commune", parent_id=d2.id)


async def test_delete_refuses_unit_with_children_or_endpoints(conn):
    await make_tree(conn)
    with pytest.raises(Conflict, match="sub-units"):
        await units.delete_unit(conn, await units.get_unit(conn, "D1"))
    await add_endpoint(conn, "E1", "C1")
    with pytest.raises(Conflict, match="endpoints"):
        await units.delete_unit(conn, await units.get_unit(conn, "C1"))
    await units.delete_unit(conn, await units.get_unit(conn, "C2"))
    assert "C2" not in [u.code for u in await units.list_units(conn)]


async def test_ensure_unit_path_creates_missing_units_with_kinds(conn):
    unit_id, created = await units.ensure_unit_path(conn, ["Tỉnh Thái Nguyên", "Xã Chợ Mới"])
    assert created == 2
    again, created_again = await units.ensure_unit_path(conn, ["Tỉnh Thái Nguyên", "Xã Chợ Mới"])
    assert (again, created_again) == (unit_id, 0)
    unit = await units.get_unit_by_id(conn, unit_id)
    assert (
        unit.kind == "commune"
        and unit.code == "xa-cho-moi"
        and unit.parent_code == "tinh-thai-nguyen"
    )
