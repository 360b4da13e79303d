"""Typed settings: defaults < config file (TOML) < BRIDGEWATCH_* environment variables."""

from __future__ import annotations

import dataclasses
import os
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bridgewatch.errors import ValidationError

ENV_PREFIX = "BRIDGEWATCH_"


@dataclass(frozen=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 8080


@dataclass(frozen=True)
class DatabaseSettings:
    # Empty: start the embedded PostgreSQL in `data_dir`.
    url: str = ""
    pool_min_size: int = 1
    pool_max_size: int = 10
    # Seconds to wait for a connection or a statement before giving up.
    timeout: float = 10.0


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path(".bridgewatch")
    timezone: str = "Asia/Ho_Chi_Minh"
    log_level: str = "INFO"
    server: ServerSettings = field(default_factory=ServerSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def load_settings(
    path: Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, object] | None = None,
) -> Settings:
    """Build settings from defaults, an optional TOML file, the environment and CLI overrides.

    `overrides` are dotted keys (`"server.port"`) set by command-line flags; they win over all.
    """
    raw: dict[str, object] = {}
    if path is not None:
        try:
            raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ValidationError("config", f"config file not found: {path}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ValidationError(
                "config", f"config file {path} is not valid TOML: {exc}"
            ) from None
    env = os.environ if environ is None else environ
    _apply_environment(raw, env)
    for dotted, value in (overrides or {}).items():
        if value is None:
            continue
        *parents, leaf = dotted.split(".")
        target = raw
        for name in parents:
            target = target.setdefault(name, {})  # type: ignore[assignment]
        target[leaf] = value  # type: ignore[index]
    settings = _build(Settings, raw, "")
    _check(settings)
    return settings


def _apply_environment(raw: dict, env: Mapping[str, str]) -> None:
    """BRIDGEWATCH_KEY sets a top-level key; BRIDGEWATCH_SECTION_KEY a key in a section."""
    for name, hint in typing.get_type_hints(Settings).items():
        if dataclasses.is_dataclass(hint):
            for sub in dataclasses.fields(hint):
                variable = f"{ENV_PREFIX}{name}_{sub.name}".upper()
                if variable in env:
                    raw.setdefault(name, {})[sub.name] = env[variable]
        else:
            variable = f"{ENV_PREFIX}{name}".upper()
            if variable in env:
                raw[name] = env[variable]


def _build(cls: type, raw: object, prefix: str):
    if not isinstance(raw, dict):
        raise ValidationError(prefix.rstrip("."), "must be a table of settings")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    for key in raw:
        if key not in known:
            raise ValidationError(f"{prefix}{key}", f"unknown setting '{prefix}{key}'")
    values = {}
    for f in dataclasses.fields(cls):
        if f.name not in raw:
            continue
        key = f"{prefix}{f.name}"
        hint = hints[f.name]
        if dataclasses.is_dataclass(hint):
            values[f.name] = _build(hint, raw[f.name], f"{key}.")
        else:
            values[f.name] = _coerce(key, hint, raw[f.name])
    return cls(**values)


def _coerce(key: str, hint: object, value: object) -> object:
    """Convert a file or environment value to the field's type, naming the key on failure."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
    try:
        if hint is bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError(value)
        if hint is int:
            if isinstance(value, bool):
                raise ValueError(value)
            return int(value)  # type: ignore[arg-type]
        if hint is float:
            return float(value)  # type: ignore[arg-type]
        if hint is Path:
            return Path(str(value))
        if hint is str:
            if not isinstance(value, str | int | float):
                raise ValueError(value)
            return str(value)
    except (TypeError, ValueError):
        name = getattr(hint, "__name__", str(hint))
        raise ValidationError(key, f"setting '{key}' must be a {name}, got {value!r}") from None
    return value


def _check(settings: Settings) -> None:
    if not 0 < settings.server.port < 65536:
        raise ValidationError("server.port", "setting 'server.port' must be between 1 and 65535")
    if settings.database.pool_min_size < 1:
        raise ValidationError("database.pool_min_size", "must be at least 1")
    if settings.database.pool_max_size < settings.database.pool_min_size:
        raise ValidationError("database.pool_max_size", "must be at least database.pool_min_size")
    if settings.database.timeout <= 0:
        raise ValidationError("database.timeout", "must be a positive number of seconds")
    try:
        ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError("timezone", f"unknown time zone {settings.timezone!r}") from None
    if settings.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ValidationError("log_level", "must be one of DEBUG, INFO, WARNING, ERROR")
