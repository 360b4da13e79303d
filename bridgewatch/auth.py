"""API tokens (stored as SHA-256 only), roles and unit scope, and the audit trail of writes."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from bridgewatch.errors import Forbidden, NotFound, ValidationError
from bridgewatch.registry import units

ROLES = ("admin", "operator", "viewer")
TOKEN_PREFIX = "bw_"


@dataclass(frozen=True)
class Principal:
    """Who is calling: a token's name, role and (for operators) the unit subtree it may write."""

    token_id: int | None
    name: str
    role: str
    unit_id: int | None = None
    unit_code: str | None = None

    @property
    def actor(self) -> str:
        return f"token:{self.name}" if self.token_id is not None else self.name

    def require_admin(self) -> None:
        if self.role != "admin":
            raise Forbidden(f"role {self.role!r} may not do this; an admin token is needed")

    def require_writer(self) -> None:
        """Admins and operators may write (operators within their unit, checked per row)."""
        if self.role not in ("admin", "operator"):
            raise Forbidden(f"role {self.role!r} is read-only")

    async def require_unit_write(self, conn: asyncpg.Connection, unit_id: int) -> None:
        """Admins write anywhere; operators only inside their unit's subtree; viewers nowhere."""
        if self.role == "admin":
            return
        if self.role == "operator" and self.unit_id is not None:
            if await units.is_within(conn, unit_id, self.unit_id):
                return
            raise Forbidden(
                f"operator token {self.name!r} may only write inside unit {self.unit_code!r}",
                field="unit",
            )
        raise Forbidden(f"role {self.role!r} is read-only")


# The CLI acts with the machine's authority: whoever can run it can read the data folder.
CLI_PRINCIPAL = Principal(token_id=None, name="cli", role="admin")


@dataclass(frozen=True)
class TokenInfo:
    id: int
    name: str
    role: str
    unit_code: str | None
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def hash_token(token: str) -> bytes:
    # Tokens are 256 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(token.encode()).digest()


async def create_token(
    conn: asyncpg.Connection, *, name: str, role: str, unit_code: str | None
) -> tuple[str, TokenInfo]:
    """Create a token; return the secret (shown once, never stored) and its record."""
    name = name.strip()
    if not name:
        raise ValidationError("name", "a token needs a name")
    if role not in ROLES:
        raise ValidationError("role", f"role must be one of {', '.join(ROLES)}")
    unit_id = None
    if unit_code:
        unit_id = (await units.get_unit(conn, unit_code)).id
    if role == "operator" and unit_id is None:
        raise ValidationError("unit", "an operator token needs --unit: the subtree it may write")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id = await conn.fetchval(
        """INSERT INTO api_token (name, role, unit_id, token_hash, prefix)
           VALUES ($1, $2, $3, $4, $5) RETURNING id""",
        name,
        role,
        unit_id,
        hash_token(token),
        token[:10],
    )
    return token, await _get_token(conn, token_id)


TOKEN_SELECT = """
SELECT k.id, k.name, k.role, u.code AS unit_code, k.prefix, k.created_at, k.last_used_at,
       k.revoked_at
FROM api_token k LEFT JOIN unit u ON u.id = k.unit_id
"""


async def _get_token(conn: asyncpg.Connection, token_id: int) -> TokenInfo:
    return TokenInfo(**dict(await conn.fetchrow(TOKEN_SELECT + "WHERE k.id = $1", token_id)))


async def list_tokens(conn: asyncpg.Connection) -> list[TokenInfo]:
    return [TokenInfo(**dict(r)) for r in await conn.fetch(TOKEN_SELECT + "ORDER BY k.id")]


async def revoke_token(conn: asyncpg.Connection, token_id: int) -> TokenInfo:
    done = await conn.fetchval(
        "UPDATE api_token SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING id",
        token_id,
    )
    if done is None:
        raise NotFound(f"no token with id {token_id}", field="id")
    return await _get_token(conn, token_id)


async def authenticate(conn: asyncpg.Connection, token: str) -> Principal | None:
    """The principal for a bearer token, or None when it is unknown or revoked."""
    row = await conn.fetchrow(
        """UPDATE api_token k SET last_used_at = now()
           FROM api_token k2 LEFT JOIN unit u ON u.id = k2.unit_id
           WHERE k.id = k2.id AND k.token_hash = $1 AND k.revoked_at IS NULL
           RETURNING k.id, k.name, k.role, k.unit_id, u.code AS unit_code""",
        hash_token(token),
    )
    if row is None:
        return None
    return Principal(
        token_id=row["id"],
        name=row["name"],
        role=row["role"],
        unit_id=row["unit_id"],
        unit_code=row["unit_code"],
    )


async def audit(
    conn: asyncpg.Connection,
    principal: Principal,
    action: str,
    obj: str,
    detail: dict | None = None,
) -> None:
    """Record a write: who, what, on which object."""
    await conn.execute(
        "INSERT INTO audit_log (actor, action, object, detail) VALUES ($1, $2, $3, $4)",
        principal.actor,
        action,
        obj,
        detail or {},
    )


# --- web logins (the board's pages): a cookie holding a random id, bound to an API token ---

LOGIN_HOURS = 12


async def create_login(conn: asyncpg.Connection, principal: Principal) -> tuple[str, str]:
    """A new login for a token's holder: (cookie value, CSRF token). Only the id's hash is kept."""
    login_id = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    await conn.execute(
        """INSERT INTO web_login (id_hash, token_id, expires_at, csrf)
           VALUES ($1, $2, now() + make_interval(hours => $3), $4)""",
        hash_token(login_id),
        principal.token_id,
        LOGIN_HOURS,
        csrf,
    )
    await conn.execute("DELETE FROM web_login WHERE expires_at < now()")
    return login_id, csrf


async def login_principal(conn: asyncpg.Connection, login_id: str) -> tuple[Principal, str] | None:
    """The principal and CSRF token of a live login whose token is not revoked."""
    row = await conn.fetchrow(
        """SELECT k.id, k.name, k.role, k.unit_id, u.code AS unit_code, w.csrf
           FROM web_login w JOIN api_token k ON k.id = w.token_id LEFT JOIN unit u ON u.id = k.unit_id
           WHERE w.id_hash = $1 AND w.expires_at > now() AND k.revoked_at IS NULL""",
        hash_token(login_id),
    )
    if row is None:
        return None
    principal = Principal(row["id"], row["name"], row["role"], row["unit_id"], row["unit_code"])
    return principal, row["csrf"]


async def end_login(conn: asyncpg.Connection, login_id: str) -> None:
    await conn.execute("DELETE FROM web_login WHERE id_hash = $1", hash_token(login_id))
