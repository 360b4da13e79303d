"""User-facing error types, mapped to HTTP statuses in one middleware and to exit codes in the CLI."""

from __future__ import annotations

from dataclasses import dataclass


class BridgewatchError(Exception):
    """Base of every error a user can cause; carries a stable code and an HTTP status."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def to_json(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "field": self.field}}


class ValidationError(BridgewatchError, ValueError):
    """Bad input: names the field it is about."""

    code = "invalid"
    status = 400

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message, field=field)


class NotFound(BridgewatchError, LookupError):
    code = "not_found"
    status = 404


class Conflict(BridgewatchError):
    code = "conflict"
    status = 409


class Unauthorized(BridgewatchError):
    code = "unauthorized"
    status = 401


class Forbidden(BridgewatchError, PermissionError):
    code = "forbidden"
    status = 403


@dataclass(frozen=True)
class RowError:
    """One problem in one row of an imported file.

    Rows are numbered as a spreadsheet shows them: the header is row 1. Row 0 is the whole file.
    """

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.row == 0:
            return f"file: {self.message}"
        return f"row {self.row}, column {self.column}: {self.message}"


class ImportRejected(BridgewatchError):
    """A whole import file rejected; lists every row error found."""

    code = "import_rejected"
    status = 422

    def __init__(self, errors: list[RowError]) -> None:
        first = errors[0] if errors else None
        super().__init__(
            f"file rejected: {len(errors)} error(s); nothing was written",
            field=first.column if first else None,
        )
        self.errors = errors

    def to_json(self) -> dict:
        body = super().to_json()
        body["error"]["rows"] = [
            {"row": e.row, "column": e.column, "message": e.message} for e in self.errors
        ]
        return body


class ImportForbidden(ImportRejected, PermissionError):
    """A file whose rows reach outside what the caller may write; nothing was written."""

    code = "forbidden"
    status = 403
