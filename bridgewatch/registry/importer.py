"""Import and export of the registry file: validate every row first, then write all or nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg

from bridgewatch.errors import (
    BridgewatchError,
    ImportForbidden,
    ImportRejected,
    RowError,
    ValidationError,
)
from bridgewatch.registry import endpoints, units
from bridgewatch.registry.models import (
    ENDPOINT_FIELDS,
    Endpoint,
    clean_endpoint_fields,
    thresholds_text,
)
from bridgewatch.registry.table import (
    COLUMNS,
    EXTRA_COLUMNS,
    REQUIRED_COLUMNS,
    FileFormatError,
    column_for_header,
    read_table,
    write_csv,
    write_xlsx,
)
from bridgewatch.text import nfc

MAX_ROWS = 100_000


@dataclass(frozen=True)
class ImportRow:
    row: int
    unit_path: tuple[str, ...]
    fields: dict
    # The file's columns: an existing endpoint keeps its values of the others.
    columns: frozenset[str]
    # Code of the endpoint this one connects through (may be another row of the file).
    upstream: str | None = None


@dataclass(frozen=True)
class ImportResult:
    rows: int
    created: int
    updated: int
    units_created: int
    dry_run: bool

    def to_json(self) -> dict:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "units_created": self.units_created,
            "dry_run": self.dry_run,
        }


def parse_registry_file(data: bytes) -> list[ImportRow]:
    """Read and validate a whole file; ImportRejected lists every error by row and column."""
    try:
        headers, body = read_table(data)
    except FileFormatError as exc:
        raise ImportRejected([RowError(0, "file", str(exc))]) from None
    errors: list[RowError] = []
    columns: list[str | None] = []
    for header in headers:
        column = column_for_header(header) if header else None
        if header and column is None:
            errors.append(RowError(1, header, f"unknown column {header!r}"))
        elif column is not None and column in columns:
            errors.append(RowError(1, header, f"column {column!r} appears twice"))
        columns.append(column)
    for required in REQUIRED_COLUMNS:
        if required not in columns:
            errors.append(RowError(1, required, f"required column {required!r} is missing"))
    if errors:
        raise ImportRejected(errors)
    if not body:
        raise ImportRejected([RowError(0, "file", "the file has a header but no rows")])
    if len(body) > MAX_ROWS:
        raise ImportRejected([RowError(0, "file", f"more than {MAX_ROWS} rows")])

    present = frozenset(c for c in columns if c)
    rows: list[ImportRow] = []
    first_row_of: dict[str, int] = {}
    for number, cells in body:
        if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns) :]):
            errors.append(RowError(number, "file", "the row has more cells than the header"))
        record = {c: cells[i] if i < len(cells) else "" for i, c in enumerate(columns) if c}
        row_errors: list[RowError] = []
        fields: dict = {}
        for column, value in record.items():
            if column in ("unit_path", "upstream"):
                continue
            try:
                fields[column] = ENDPOINT_FIELDS[column](column, value)
            except ValidationError as exc:
                row_errors.append(RowError(number, column, exc.message))
        path = tuple(nfc(p) for p in record["unit_path"].split("/"))
        if not any(path):
            row_errors.append(RowError(number, "unit_path", "unit_path is required"))
        elif not all(path):
            row_errors.append(
                RowError(number, "unit_path", "unit_path has an empty unit name between '/'")
            )
        if not row_errors:
            try:
                fields = clean_endpoint_fields(fields, partial=False)
            except ValidationError as exc:
                row_errors.append(RowError(number, exc.field or "row", exc.message))
        code = fields.get("code")
        if code:
            if code in first_row_of:
                row_errors.append(
                    RowError(
                        number, "code", f"code {code!r} already used in row {first_row_of[code]}"
                    )
                )
            else:
                first_row_of[code] = number
        errors.extend(row_errors)
        if not row_errors:
            upstream = record.get("upstream", "").strip() or None
            rows.append(ImportRow(number, path, fields, present, upstream))
    if errors:
        raise ImportRejected(errors)
    return rows


class _DryRun(Exception):
    """Raised inside the import transaction to roll a dry run back."""


async def apply_import(
    conn: asyncpg.Connection,
    rows: list[ImportRow],
    *,
    authorize: Callable[[int], Awaitable[None]],
    dry_run: bool = False,
) -> ImportResult:
    """Write validated rows in one transaction: create missing units, upsert endpoints by code.

    `authorize(unit_id)` raises when the caller may not write in that unit. A dry run does the
    same work and rolls it back, so its counts are exactly what a real run would do.
    """
    result: ImportResult | None = None
    try:
        async with conn.transaction():
            unit_ids: dict[tuple[str, ...], int] = {}
            units_created = 0
            for row in rows:
                if row.unit_path not in unit_ids:
                    unit_id, created = await units.ensure_unit_path(conn, list(row.unit_path))
                    try:
                        await authorize(unit_id)
                    except BridgewatchError as exc:
                        raise ImportForbidden(
                            [RowError(row.row, "unit_path", exc.message)]
                        ) from None
                    unit_ids[row.unit_path] = unit_id
                    units_created += created
            # Another endpoint's code may sit in a unit the caller may not write: check it too.
            existing = await conn.fetch(
                "SELECT code, unit_id FROM endpoint WHERE code = ANY($1)",
                [r.fields["code"] for r in rows],
            )
            row_of = {r.fields["code"]: r.row for r in rows}
            for record in existing:
                try:
                    await authorize(record["unit_id"])
                except BridgewatchError as exc:
                    raise ImportForbidden(
                        [RowError(row_of[record["code"]], "code", exc.message)]
                    ) from None
            created, updated = await endpoints.upsert_endpoints(
                conn,
                [{**r.fields, "unit_id": unit_ids[r.unit_path]} for r in rows],
                columns=rows[0].columns if rows else None,
            )
            if rows and "upstream" in rows[0].columns:
                ids = {
                    e.code: e.id
                    for e in await endpoints.list_by_codes(conn, [r.fields["code"] for r in rows])
                }
                for row in rows:
                    try:
                        await endpoints.set_upstream(conn, ids[row.fields["code"]], row.upstream)
                    except ValidationError as exc:
                        raise ImportRejected([RowError(row.row, "upstream", exc.message)]) from None
            result = ImportResult(len(rows), created, updated, units_created, dry_run)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    assert result is not None
    return result


def export_rows(items: list[Endpoint]) -> list[dict]:
    """Endpoints as registry-file rows, in the import format."""
    rows = []
    for e in items:
        rows.append(
            {
                "code": e.code,
                "name": e.name,
                "unit_path": e.unit_path,
                "host": e.host,
                "icmp": "yes" if e.icmp else "no",
                "tcp_ports": " ".join(str(p) for p in e.tcp_ports),
                "sip_port": e.sip_port if e.sip_port is not None else "",
                "http_url": e.http_url,
                "contact_name": e.contact_name,
                "contact_phone": e.contact_phone,
                "equipment": e.equipment,
                "link_type": e.link_type,
                "hall_capacity": e.hall_capacity if e.hall_capacity is not None else "",
                "tags": " ".join(e.tags),
                "active": "yes" if e.active else "no",
                "notes": e.notes,
                "sip_transport": e.sip_transport,
                "address": e.address,
                "latitude": "" if e.latitude is None else repr(e.latitude),
                "longitude": "" if e.longitude is None else repr(e.longitude),
                "thresholds": thresholds_text(e.thresholds),
                "upstream": e.upstream_code or "",
            }
        )
    return rows


def export_registry(items: list[Endpoint], fmt: str) -> bytes:
    """The registry as CSV or XLSX bytes; import reads them back to the same registry."""
    rows = export_rows(items)
    columns = COLUMNS + EXTRA_COLUMNS
    if fmt == "csv":
        return write_csv(rows, columns)
    if fmt == "xlsx":
        return write_xlsx(rows, columns, title="endpoints")
    raise ValidationError("format", "format must be csv or xlsx")
