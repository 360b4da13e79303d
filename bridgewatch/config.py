"""Typed settings: defaults < config file (TOML) < BRIDGEWATCH_* environment variables."""

from __future__ import annotations

import dataclasses
import os
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bridgewatch.errors import ValidationError
from bridgewatch.probes.base import ProbeSettings
from bridgewatch.readiness import THRESHOLD_FIELDS, Thresholds

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
class ProbesSettings(ProbeSettings):
    """Probe behaviour plus how a sweep paces them."""

    # Probes in flight at once, over the whole process.
    concurrency: int = 2000
    # Probe starts per second: spreads a sweep so that no burst floods the links.
    rate: float = 25000.0
    # Open HTTP connections at once.
    http_concurrency: int = 200


@dataclass(frozen=True)
class ReadinessSettings(Thresholds):
    """Default thresholds, and overrides per tag: [readiness.tags.xa] max_loss_pct = 8."""

    tags: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ResultsSettings:
    # Rows kept in memory while the database is away; what does not fit is counted as dropped.
    buffer_rows: int = 1_000_000
    # Rows per COPY, and the longest a row waits before it is written.
    batch_rows: int = 20_000
    flush_interval: float = 0.5


@dataclass(frozen=True)
class SessionsSettings:
    # Readiness sweeps this many seconds before a session starts (60, 30 and 10 minutes).
    pre_check_offsets_s: tuple[int, ...] = (3600, 1800, 600)
    # During the session, a sweep every this many seconds.
    live_interval_s: int = 30
    # How often each instance re-reads the sessions (changes made through other instances).
    resync_s: int = 30
    # Name of this instance in sweep claims; empty: host name and process id.
    instance: str = ""

    @property
    def first_offset(self) -> timedelta:
        """How long before its start a session enters its readiness window."""
        return timedelta(seconds=max(self.pre_check_offsets_s))


@dataclass(frozen=True)
class AlertsSettings:
    # Generic webhook: a JSON POST per problem and per recovery. Empty: no alerts are sent.
    webhook_url: str = ""
    # Sent as "Authorization: Bearer ..." when set (keep it in BRIDGEWATCH_ALERTS_WEBHOOK_TOKEN).
    webhook_token: str = ""
    timeout: float = 5.0
    # Attempts per message, waiting backoff, 2*backoff, 4*backoff... seconds between them.
    attempts: int = 5
    backoff: float = 1.0


@dataclass(frozen=True)
class CollectorsSettings:
    # Basic-auth account for codec xAPI (Cisco) and the MCU's management API (Pexip).
    username: str = ""
    password: str = ""
    timeout: float = 5.0
    # Codec requests at once.
    concurrency: int = 50
    # Pexip Infinity management node, e.g. "https://mcu.example.vn"; empty: no MCU polling.
    pexip_url: str = ""


@dataclass(frozen=True)
class MetricsSettings:
    # When true, /metrics needs "Authorization: Bearer TOKEN" (any role), as the API does.
    require_token: bool = False


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path(".bridgewatch")
    timezone: str = "Asia/Ho_Chi_Minh"
    log_level: str = "INFO"
    server: ServerSettings = field(default_factory=ServerSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    probes: ProbesSettings = field(default_factory=ProbesSettings)
    readiness: ReadinessSettings = field(default_factory=ReadinessSettings)
    results: ResultsSettings = field(default_factory=ResultsSettings)
    sessions: SessionsSettings = field(default_factory=SessionsSettings)
    alerts: AlertsSettings = field(default_factory=AlertsSettings)
    metrics: MetricsSettings = field(default_factory=MetricsSettings)
    collectors: CollectorsSettings = field(default_factory=CollectorsSettings)

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
        if typing.get_origin(hint) is tuple:
            items = value.replace(",", " ").split() if isinstance(value, str) else value
            if not isinstance(items, list | tuple):
                raise ValueError(value)
            return tuple(int(item) for item in items)
        if hint is dict:
            return _tag_thresholds(key, value)
        if hint is str:
            if not isinstance(value, str | int | float):
                raise ValueError(value)
            return str(value)
    except ValidationError:
        raise
    except (TypeError, ValueError):
        name = getattr(hint, "__name__", str(hint))
        raise ValidationError(key, f"setting '{key}' must be a {name}, got {value!r}") from None
    return value


def _tag_thresholds(key: str, value: object) -> dict:
    """[readiness.tags.TAG] tables: each key a threshold name, each value a number."""
    if not isinstance(value, dict):
        raise ValueError(value)
    result = {}
    for tag, overrides in value.items():
        if not isinstance(overrides, dict):
            raise ValidationError(f"{key}.{tag}", f"'{key}.{tag}' must be a table of thresholds")
        for name, number in overrides.items():
            if name not in THRESHOLD_FIELDS:
                raise ValidationError(f"{key}.{tag}.{name}", f"unknown threshold '{name}'")
            if isinstance(number, bool) or not isinstance(number, int | float):
                raise ValidationError(
                    f"{key}.{tag}.{name}", f"'{key}.{tag}.{name}' must be a number"
                )
        result[str(tag).lower()] = dict(overrides)
    return result


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
    probes = settings.probes
    for name in ("timeout", "icmp_interval", "sip_retransmit", "rate"):
        if getattr(probes, name) <= 0:
            raise ValidationError(f"probes.{name}", f"'probes.{name}' must be positive")
    for name in ("icmp_count", "concurrency", "http_concurrency"):
        if getattr(probes, name) < 1:
            raise ValidationError(f"probes.{name}", f"'probes.{name}' must be at least 1")
    if (
        settings.results.buffer_rows < settings.results.batch_rows
        or settings.results.batch_rows < 1
    ):
        raise ValidationError(
            "results.buffer_rows",
            "'results.buffer_rows' must be at least 'results.batch_rows' (>= 1)",
        )
    if not settings.sessions.pre_check_offsets_s or min(settings.sessions.pre_check_offsets_s) <= 0:
        raise ValidationError(
            "sessions.pre_check_offsets_s", "'sessions.pre_check_offsets_s' needs positive seconds"
        )
    for name in ("live_interval_s", "resync_s"):
        if getattr(settings.sessions, name) < 1:
            raise ValidationError(f"sessions.{name}", f"'sessions.{name}' must be at least 1")
    if settings.alerts.webhook_url and not settings.alerts.webhook_url.startswith(
        ("http://", "https://")
    ):
        raise ValidationError(
            "alerts.webhook_url", "'alerts.webhook_url' must be an http:// or https:// address"
        )
    if settings.alerts.attempts < 1 or settings.alerts.timeout <= 0 or settings.alerts.backoff < 0:
        raise ValidationError(
            "alerts.attempts", "'alerts' needs attempts >= 1, timeout > 0, backoff >= 0"
        )
    if settings.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ValidationError("log_level", "must be one of DEBUG, INFO, WARNING, ERROR")
