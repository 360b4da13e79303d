"""The registry file format (CSV or XLSX): columns, header aliases, reading and writing cells."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable

from bridgewatch.text import fold

COLUMNS = (
    "code", "name", "unit_path", "host", "icmp", "tcp_ports", "sip_port", "http_url",
    "contact_name", "contact_phone", "equipment", "link_type", "hall_capacity", "tags", "active",
    "notes",
)  # fmt: skip
# Accepted on import and written on export after the canonical ones.
EXTRA_COLUMNS = ("sip_transport", "address", "latitude", "longitude", "thresholds", "upstream")
REQUIRED_COLUMNS = ("code", "name", "unit_path", "host")

# Vietnamese headers as provinces write them, compared without case or diacritics.
ALIASES = {
    "code": ("mã điểm cầu", "mã điểm", "mã"),
    "name": ("tên điểm cầu", "tên điểm", "tên"),
    "unit_path": ("đơn vị", "đường dẫn đơn vị", "unit"),
    "host": ("địa chỉ ip", "ip", "địa chỉ mạng"),
    "icmp": ("ping",),
    "tcp_ports": ("cổng tcp",),
    "sip_port": ("cổng sip",),
    "sip_transport": ("giao thức sip",),
    "http_url": ("địa chỉ web", "url"),
    "contact_name": ("người phụ trách", "cán bộ kỹ thuật", "người liên hệ"),
    "contact_phone": ("số điện thoại", "điện thoại", "sđt"),
    "equipment": ("thiết bị",),
    "link_type": ("loại đường truyền", "đường truyền"),
    "hall_capacity": ("sức chứa", "số chỗ ngồi"),
    "tags": ("nhãn",),
    "active": ("hoạt động", "đang hoạt động"),
    "notes": ("ghi chú",),
    "address": ("địa chỉ", "địa điểm"),
    "latitude": ("vĩ độ",),
    "longitude": ("kinh độ",),
    "thresholds": ("ngưỡng",),
    "upstream": ("kết nối qua", "điểm cầu cha"),
}
_HEADER_LOOKUP = {
    fold(name): column
    for column in COLUMNS + EXTRA_COLUMNS
    for name in (column, column.replace("_", " "), *ALIASES.get(column, ()))
}

XLSX_MAGIC = b"PK\x03\x04"


def column_for_header(header: str) -> str | None:
    return _HEADER_LOOKUP.get(fold(header).replace("_", " ")) or _HEADER_LOOKUP.get(fold(header))


def read_table(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Headers and (row number, cells) of a CSV or XLSX file; RowError on an unreadable file."""
    if data.startswith(XLSX_MAGIC):
        rows = _read_xlsx(data)
    else:
        rows = _read_csv(data)
    numbered = [
        (n, cells) for n, cells in enumerate(rows, start=1) if any(c.strip() for c in cells)
    ]
    if not numbered:
        raise FileFormatError("the file is empty")
    (_, header), *body = numbered
    return [h.strip() for h in header], body


def _read_csv(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileFormatError(
            f"the file is neither XLSX nor UTF-8 CSV (byte {exc.start} is not UTF-8); "
            "save it as 'CSV UTF-8' or XLSX"
        ) from None
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise FileFormatError(f"the CSV cannot be read: {exc}") from None


def _read_xlsx(data: bytes) -> list[list[str]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileFormatError(f"the XLSX file cannot be read: {exc}") from None
    try:
        sheet = book.worksheets[0]
        return [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class FileFormatError(ValueError):
    """The file as a whole cannot be read."""


def write_csv(rows: Iterable[dict], columns: tuple[str, ...]) -> bytes:
    """UTF-8 CSV with a BOM, so that Excel shows Vietnamese correctly."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def write_xlsx(rows: Iterable[dict], columns: tuple[str, ...], *, title: str) -> bytes:
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook(write_only=False)
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(list(columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        # Text cells only: codes like "007" and phone numbers keep their leading zeros.
        sheet.append([str(row.get(c, "")) for c in columns])
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].width = max(
            12, min(40, len(column) + 4)
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
