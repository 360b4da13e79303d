import io

import openpyxl
import pytest

from bridgewatch.errors import Forbidden, ImportRejected
from bridgewatch.registry import endpoints, importer, units
from bridgewatch.registry.demo import demo_registry_file, load_demo_province
from bridgewatch.registry.endpoints import EndpointFilter

HEADER = "code,name,unit_path,host,icmp,tcp_ports,sip_port,http_url,contact_name,contact_phone,equipment,link_type,hall_capacity,tags,active,notes"
GOOD_ROW = "CD-01,Hội trường Huyện ủy Chợ Đồn,Tỉnh Bắc Kạn / Huyện Chợ Đồn,127.20.4.1,yes,1720 5060,5060,http://127.20.4.1/,Hà Văn Sơn,0912 345 678,Cisco Room Kit,tslcd,120,huyen,yes,"


async def _anyone(unit_id: int) -> None:
    return None


async def import_bytes(conn, data: bytes, **kw):
    return await importer.apply_import(
        conn, importer.parse_registry_file(data), authorize=_anyone, **kw
    )


def csv_bytes(*lines: str, bom: bool = False) -> bytes:
    text = "\n".join(lines) + "\n"
    return (("\ufeff" if bom else "") + text).encode()


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def count(conn) -> tuple[int, int]:
    return (
        await conn.fetchval("SELECT count(*) FROM endpoint"),
        await conn.fetchval("SELECT count(*) FROM unit"),
    )


async def test_valid_csv_creates_units_and_endpoints(conn):
    result = await import_bytes(
        conn,
        csv_bytes(
            HEADER, GOOD_ROW, GOOD_ROW.replace("CD-01", "CD-02").replace("127.20.4.1", "127.20.4.2")
        ),
    )
    assert (result.rows, result.created, result.updated, result.units_created) == (2, 2, 0, 2)
    e = await endpoints.get_endpoint(conn, "CD-01")
    assert e.unit_path == "Tỉnh Bắc Kạn / Huyện Chợ Đồn"
    assert e.tcp_ports == (1720, 5060) and e.sip_port == 5060 and e.hall_capacity == 120
    assert e.contact_phone == "0912 345 678" and e.tags == ("huyen",) and e.active is True


async def test_semicolon_bom_and_vietnamese_headers(conn):
    header = "Mã điểm cầu;Tên điểm cầu;Đơn vị;Địa chỉ IP;Người phụ trách;Số điện thoại;Sức chứa;Hoạt động;Cổng SIP;Giao thức SIP"
    row = "X-01;Đảng ủy xã Nam Mẫu;Tỉnh Bắc Kạn / Huyện Ba Bể / Xã Nam Mẫu;10.1.2.3;Ma Thị Lan;0983 111 222;40;có;5061;tcp"
    result = await import_bytes(conn, csv_bytes(header, row, bom=True))
    assert result.created == 1
    e = await endpoints.get_endpoint(conn, "X-01")
    assert (e.contact_name, e.hall_capacity, e.active) == ("Ma Thị Lan", 40, True)
    assert (e.sip_port, e.sip_transport) == (5061, "tcp")
    assert (await units.get_unit_by_id(conn, e.unit_id)).kind == "commune"


async def test_reimport_updates_by_code(conn):
    await import_bytes(conn, csv_bytes(HEADER, GOOD_ROW))
    result = await import_bytes(
        conn, csv_bytes(HEADER, GOOD_ROW.replace("Hà Văn Sơn", "Nông Thị Mai"))
    )
    assert (result.created, result.updated, result.units_created) == (0, 1, 0)
    assert (await endpoints.get_endpoint(conn, "CD-01")).contact_name == "Nông Thị Mai"
    assert await count(conn) == (1, 2)


async def test_dry_run_counts_but_writes_nothing(conn):
    result = await import_bytes(conn, csv_bytes(HEADER, GOOD_ROW), dry_run=True)
    assert (result.created, result.units_created, result.dry_run) == (1, 2, True)
    assert await count(conn) == (0, 0)


BAD_FILES = {
    "empty file": (b"", "file"),
    "header only": (csv_bytes(HEADER), "file"),
    "not utf-8": (
        HEADER.encode() + "\nCD-01,Chợ Đồn".encode("cp1258", errors="replace") + b"\xff\xfe\n",
        "file",
    ),
    "broken xlsx": (b"PK\x03\x04garbage", "file"),
    "unknown column": (csv_bytes(HEADER + ",colour", GOOD_ROW + ",red"), "colour"),
    "missing required column": (csv_bytes("code,name,unit_path", "A,B,C"), "host"),
    "duplicate column": (
        csv_bytes("code,name,unit_path,host,Mã điểm cầu", "A,B,C,1.2.3.4,A"),
        "Mã điểm cầu",
    ),
    "bad ip": (csv_bytes(HEADER, GOOD_ROW.replace("127.20.4.1,yes", "300.1.1.1,yes")), "host"),
    "bad host name": (
        csv_bytes(HEADER, GOOD_ROW.replace("127.20.4.1,yes", "codec_01.local,yes")),
        "host",
    ),
    "bad port": (csv_bytes(HEADER, GOOD_ROW.replace("1720 5060", "1720 99999")), "tcp_ports"),
    "bad sip port": (csv_bytes(HEADER, GOOD_ROW.replace(",5060,http", ",sip,http")), "sip_port"),
    "bad yes/no": (csv_bytes(HEADER, GOOD_ROW.replace(",yes,1720", ",maybe,1720")), "icmp"),
    "unknown link type": (
        csv_bytes(HEADER, GOOD_ROW.replace(",tslcd,", ",carrier-pigeon,")),
        "link_type",
    ),
    "negative capacity": (csv_bytes(HEADER, GOOD_ROW.replace(",120,", ",-5,")), "hall_capacity"),
    "missing name": (
        csv_bytes(HEADER, GOOD_ROW.replace("Hội trường Huyện ủy Chợ Đồn", "")),
        "name",
    ),
    "missing code": (csv_bytes(HEADER, GOOD_ROW.replace("CD-01", "", 1)), "code"),
    "bad code": (csv_bytes(HEADER, GOOD_ROW.replace("CD-01", "CD 01", 1)), "code"),
    "empty unit in path": (
        csv_bytes(HEADER, GOOD_ROW.replace("Tỉnh Bắc Kạn / Huyện", "Tỉnh Bắc Kạn //Huyện")),
        "unit_path",
    ),
    "bad url": (
        csv_bytes(HEADER, GOOD_ROW.replace("http://127.20.4.1/", "ftp://127.20.4.1/")),
        "http_url",
    ),
    "bad phone": (csv_bytes(HEADER, GOOD_ROW.replace("0912 345 678", "call me")), "contact_phone"),
    "extra cells": (csv_bytes(HEADER, GOOD_ROW + ",surprise"), "file"),
    "xlsx bad port": (
        xlsx_bytes([HEADER.split(","), GOOD_ROW.replace("1720 5060", "abc").split(",")]),
        "tcp_ports",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
async def test_bad_file_is_rejected_whole_and_writes_nothing(conn, case):
    data, column = BAD_FILES[case]
    await import_bytes(conn, csv_bytes(HEADER, GOOD_ROW.replace("CD-01", "KEEP")))
    before = await count(conn)
    # A good row first: the bad row must take it down with it.
    with pytest.raises(ImportRejected) as info:
        await import_bytes(conn, data)
    assert info.value.errors, case
    assert info.value.errors[0].column == column, info.value.errors
    assert await count(conn) == before


async def test_every_error_is_listed_with_row_and_column(conn):
    data = csv_bytes(
        HEADER,
        GOOD_ROW,
        GOOD_ROW.replace("127.20.4.1,yes", "999.0.0.1,yes").replace(",120,", ",many,"),
        GOOD_ROW,  # duplicate code of row 2
    )
    with pytest.raises(ImportRejected) as info:
        await import_bytes(conn, data)
    found = {(e.row, e.column) for e in info.value.errors}
    assert {(3, "host"), (3, "hall_capacity"), (4, "code"), (3, "code")} <= found
    assert any("row 2" in e.message for e in info.value.errors if e.row == 4)
    assert await count(conn) == (0, 0)


async def test_operator_outside_scope_rejects_whole_import(conn):
    await import_bytes(conn, csv_bytes(HEADER, GOOD_ROW))
    allowed = (await units.get_unit(conn, "huyen-cho-don")).id

    async def only_cho_don(unit_id: int) -> None:
        if not await units.is_within(conn, unit_id, allowed):
            raise Forbidden("outside", field="unit")

    other = GOOD_ROW.replace("CD-01", "BB-01").replace("Huyện Chợ Đồn", "Huyện Ba Bể")
    before = await count(conn)
    with pytest.raises(ImportRejected) as info:
        await importer.apply_import(
            conn,
            importer.parse_registry_file(csv_bytes(HEADER, GOOD_ROW, other)),
            authorize=only_cho_don,
        )
    assert info.value.errors[0].row == 3
    assert await count(conn) == before


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
async def test_export_then_import_round_trips(conn, fmt):
    await load_demo_province(conn)
    before, _ = await endpoints.list_endpoints(conn, EndpointFilter(), limit=None)
    await conn.execute(
        "UPDATE endpoint SET latitude = 22.15, longitude = 105.83, sip_port = NULL WHERE code = 'BK-TU'"
    )
    before, _ = await endpoints.list_endpoints(conn, EndpointFilter(), limit=None)
    data = importer.export_registry(before, fmt)
    await conn.execute("DELETE FROM endpoint")
    await conn.execute("DELETE FROM unit")
    result = await import_bytes(conn, data)
    assert result.created == len(before) == 128
    after, _ = await endpoints.list_endpoints(conn, EndpointFilter(), limit=None)

    def comparable(e):
        d = e.to_json()
        for volatile in ("created_at", "updated_at"):
            d.pop(volatile)
        d.pop("unit")  # units are re-created from paths; their codes are derived the same way
        return d

    assert [comparable(e) for e in after] == [comparable(e) for e in before]


async def test_demo_province_has_128_points_and_8_districts(conn):
    result = await load_demo_province(conn)
    assert result.created == 128
    districts = await conn.fetchval("SELECT count(*) FROM unit WHERE kind = 'district'")
    assert districts == 8
    assert await load_demo_province(conn) is None  # not loaded twice
    assert b"Ch\xe1\xbb\xa3 \xc4\x90\xe1\xbb\x93n" in demo_registry_file()  # "Chợ Đồn" in UTF-8
