"""Registry records and the validation of everything that enters the registry."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from bridgewatch.errors import ValidationError
from bridgewatch.text import nfc

UNIT_KINDS = ("province", "district", "commune", "department", "agency", "other")
# "tslcd": the government's dedicated data network (mạng truyền số liệu chuyên dùng).
LINK_TYPES = ("tslcd", "internet", "vpn", "mpls", "4g", "satellite", "lan", "other")
SIP_TRANSPORTS = ("udp", "tcp")

CODE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
HOSTNAME_RE = re.compile(
    r"(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)
PHONE_RE = re.compile(r"\+?[0-9][0-9 .()-]{5,24}")
TAG_RE = re.compile(r"[^\s,;]{1,40}")
TRUE_WORDS = {"1", "true", "yes", "y", "có", "co", "x"}
FALSE_WORDS = {"0", "false", "no", "n", "không", "khong", ""}


@dataclass(frozen=True)
class Unit:
    id: int
    code: str
    name: str
    kind: str
    parent_code: str | None
    path: str
    depth: int

    def to_json(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "kind": self.kind,
            "parent": self.parent_code,
            "path": self.path,
            "depth": self.depth,
        }


@dataclass(frozen=True)
class Endpoint:
    id: int
    code: str
    name: str
    unit_id: int
    unit_code: str
    unit_path: str
    host: str
    address: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    equipment: str = ""
    link_type: str = ""
    hall_capacity: int | None = None
    icmp: bool = True
    tcp_ports: tuple[int, ...] = ()
    sip_port: int | None = None
    sip_transport: str = "udp"
    http_url: str = ""
    tags: tuple[str, ...] = ()
    active: bool = True
    notes: str = ""
    latitude: float | None = None
    longitude: float | None = None
    thresholds: dict = field(default_factory=dict, hash=False)
    upstream_code: str | None = None
    created_at: datetime | None = field(default=None, compare=False)
    updated_at: datetime | None = field(default=None, compare=False)

    def to_json(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "unit": self.unit_code,
            "unit_path": self.unit_path,
            "host": self.host,
            "address": self.address,
            "contact_name": self.contact_name,
            "contact_phone": self.contact_phone,
            "equipment": self.equipment,
            "link_type": self.link_type,
            "hall_capacity": self.hall_capacity,
            "icmp": self.icmp,
            "tcp_ports": list(self.tcp_ports),
            "sip_port": self.sip_port,
            "sip_transport": self.sip_transport,
            "http_url": self.http_url,
            "tags": list(self.tags),
            "active": self.active,
            "notes": self.notes,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "thresholds": self.thresholds,
            "upstream": self.upstream_code,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
        }


# --- field cleaners: accept JSON values or spreadsheet text, return the stored form ---


def _text(limit: int, *, required: bool = False) -> Callable[[str, object], str]:
    def clean(name: str, value: object) -> str:
        if value is None:
            value = ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise ValidationError(name, f"{name} must be text")
        text = nfc(str(value))
        if required and not text:
            raise ValidationError(name, f"{name} is required")
        if len(text) > limit:
            raise ValidationError(name, f"{name} is longer than {limit} characters")
        return text

    return clean


def clean_code(name: str, value: object) -> str:
    code = _text(64, required=True)(name, value)
    if not CODE_RE.fullmatch(code):
        raise ValidationError(
            name, f"{name} {code!r} may hold only letters, digits, '.', '_' and '-' (max 64)"
        )
    return code


def clean_bool(name: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise ValidationError(
        name, f"{name} must be yes/no, true/false, 1/0 or có/không, got {value!r}"
    )


def _int(name: str, value: object, low: int, high: int, what: str) -> int:
    if isinstance(value, bool):
        raise ValidationError(name, f"{name} must be {what}")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(".0"):  # spreadsheets turn 5060 into "5060.0"
            text = text[:-2]
        if not re.fullmatch(r"[+-]?\d+", text):
            raise ValidationError(name, f"{name} must be {what}, got {value!r}")
        value = int(text)
    if not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(name, f"{name} must be {what}, got {value!r}")
    return value


def clean_port(name: str, value: object) -> int:
    return _int(name, value, 1, 65535, "a port number from 1 to 65535")


def clean_optional_port(name: str, value: object) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return clean_port(name, value)


def clean_capacity(name: str, value: object) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _int(name, value, 0, 1_000_000, "a whole number of seats, 0 or more")


def _items(name: str, value: object) -> list:
    if value is None:
        return []
    if isinstance(value, str):
        return [p for p in re.split(r"[\s,;]+", value.strip()) if p]
    if isinstance(value, list | tuple):
        return list(value)
    raise ValidationError(name, f"{name} must be a list or text separated by spaces or commas")


def clean_ports(name: str, value: object) -> tuple[int, ...]:
    ports: list[int] = []
    for item in _items(name, value):
        port = clean_port(name, item)
        if port not in ports:
            ports.append(port)
    return tuple(ports)


def clean_tags(name: str, value: object) -> tuple[str, ...]:
    tags: list[str] = []
    for item in _items(name, value):
        if not isinstance(item, str) or not TAG_RE.fullmatch(nfc(item)):
            raise ValidationError(
                name, f"{name}: {item!r} is not a tag (1-40 characters, no spaces)"
            )
        tag = nfc(item).lower()
        if tag not in tags:
            tags.append(tag)
    return tuple(tags)


def clean_host(name: str, value: object) -> str:
    host = _text(253, required=True)(name, value)
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if re.fullmatch(r"[\d.]+", host) or not HOSTNAME_RE.fullmatch(host):
        raise ValidationError(name, f"{name} {host!r} is neither an IP address nor a host name")
    return host.lower()


def clean_url(name: str, value: object) -> str:
    url = _text(2000)(name, value)
    if not url:
        return ""
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise ValidationError(name, f"{name} {url!r} has a bad port") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(name, f"{name} {url!r} must be an http:// or https:// address")
    return url


def clean_phone(name: str, value: object) -> str:
    phone = _text(32)(name, value)
    if phone and not PHONE_RE.fullmatch(phone):
        raise ValidationError(name, f"{name} {phone!r} is not a phone number")
    return phone


def _choice(choices: tuple[str, ...], *, blank: bool) -> Callable[[str, object], str]:
    def clean(name: str, value: object) -> str:
        word = _text(40)(name, value).lower()
        if (blank and not word) or word in choices:
            return word
        raise ValidationError(name, f"{name} must be one of {', '.join(choices)}; got {value!r}")

    return clean


def _coordinate(limit: float) -> Callable[[str, object], float | None]:
    def clean(name: str, value: object) -> float | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            number = float(str(value).replace(",", ".")) if isinstance(value, str) else value
        except ValueError:
            number = None
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise ValidationError(name, f"{name} must be a number, got {value!r}")
        if not -limit <= number <= limit:
            raise ValidationError(name, f"{name} must be between -{limit:g} and {limit:g}")
        return float(number)

    return clean


# Kept here rather than imported from readiness: the registry stands left of the probes.
THRESHOLD_NAMES = (
    "max_loss_pct",
    "max_rtt_ms",
    "max_jitter_ms",
    "min_mos",
    "min_cert_days",
    "max_age_s",
)


def clean_thresholds(name: str, value: object) -> dict:
    """Per-endpoint readiness overrides: a JSON object, or text "max_loss_pct=8; max_rtt_ms=400"."""
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        pairs = {}
        for item in re.split(r"[\s,;]+", value.strip()):
            key, sep, number = item.partition("=")
            if not sep:
                raise ValidationError(name, f"{name}: {item!r} is not name=number")
            pairs[key] = number
        value = pairs
    if not isinstance(value, dict):
        raise ValidationError(name, f"{name} must be an object of threshold names and numbers")
    cleaned = {}
    for key, number in value.items():
        if key not in THRESHOLD_NAMES:
            raise ValidationError(
                name, f"{name}: unknown threshold {key!r} (known: {', '.join(THRESHOLD_NAMES)})"
            )
        try:
            if isinstance(number, bool):
                raise ValueError
            cleaned[key] = float(number)
        except (TypeError, ValueError):
            raise ValidationError(name, f"{name}: {key} must be a number, got {number!r}") from None
        if cleaned[key] < 0:
            raise ValidationError(name, f"{name}: {key} must not be negative")
    return cleaned


def thresholds_text(thresholds: dict) -> str:
    return "; ".join(f"{k}={v:g}" for k, v in thresholds.items())


ENDPOINT_FIELDS: dict[str, Callable[[str, object], object]] = {
    "code": clean_code,
    "name": _text(200, required=True),
    "host": clean_host,
    "address": _text(500),
    "contact_name": _text(200),
    "contact_phone": clean_phone,
    "equipment": _text(200),
    "link_type": _choice(LINK_TYPES, blank=True),
    "hall_capacity": clean_capacity,
    "icmp": clean_bool,
    "tcp_ports": clean_ports,
    "sip_port": clean_optional_port,
    "sip_transport": _choice(SIP_TRANSPORTS, blank=False),
    "http_url": clean_url,
    "tags": clean_tags,
    "active": clean_bool,
    "notes": _text(4000),
    "latitude": _coordinate(90),
    "longitude": _coordinate(180),
    "thresholds": clean_thresholds,
}
ENDPOINT_DEFAULTS: dict[str, object] = {
    "address": "",
    "contact_name": "",
    "contact_phone": "",
    "equipment": "",
    "link_type": "",
    "hall_capacity": None,
    "icmp": True,
    "tcp_ports": (),
    "sip_port": None,
    "sip_transport": "udp",
    "http_url": "",
    "tags": (),
    "active": True,
    "notes": "",
    "latitude": None,
    "longitude": None,
    "thresholds": {},
}
REQUIRED_ENDPOINT_FIELDS = ("code", "name", "host")


def clean_endpoint_fields(data: Mapping[str, object], *, partial: bool) -> dict[str, object]:
    """Validate endpoint fields (not the unit); raise ValidationError naming the first bad field.

    With `partial` (an update) only the given fields are returned; otherwise missing optional
    fields get their defaults and missing required ones are errors.
    """
    cleaned: dict[str, object] = {}
    for key, cleaner in ENDPOINT_FIELDS.items():
        if key in data:
            cleaned[key] = cleaner(key, data[key])
        elif not partial:
            if key in REQUIRED_ENDPOINT_FIELDS:
                raise ValidationError(key, f"{key} is required")
            cleaned[key] = ENDPOINT_DEFAULTS[key]
    if (cleaned.get("sip_transport") == "tcp") and cleaned.get("sip_port") is None and not partial:
        raise ValidationError("sip_port", "sip_port is required when sip_transport is tcp")
    return cleaned


def clean_unit_fields(data: Mapping[str, object], *, partial: bool) -> dict[str, object]:
    """Validate unit fields (code, name, kind); the parent is resolved by the caller."""
    cleaners = {
        "code": clean_code,
        "name": _text(200, required=True),
        "kind": _choice(UNIT_KINDS, blank=False),
    }
    cleaned: dict[str, object] = {}
    for key, cleaner in cleaners.items():
        if key in data:
            cleaned[key] = cleaner(key, data[key])
        elif not partial:
            raise ValidationError(key, f"{key} is required")
    if "/" in str(cleaned.get("name", "")):
        raise ValidationError("name", "a unit name may not contain '/' (it separates unit paths)")
    return cleaned


def guess_unit_kind(name: str, depth: int) -> str:
    """Kind of a unit created by an import, from the Vietnamese name's first word."""
    lowered = name.lower()
    prefixes = (
        (("tỉnh", "thành phố trực thuộc"), "province"),
        (("huyện", "thị xã", "quận", "thành phố", "thành ủy", "huyện ủy"), "district"),
        (("xã", "phường", "thị trấn", "đặc khu"), "commune"),
        (("sở", "ban", "văn phòng", "ủy ban", "công an", "bộ chỉ huy"), "department"),
    )
    for words, kind in prefixes:
        if lowered.startswith(words):
            return "province" if depth == 0 and kind == "district" else kind
    return "province" if depth == 0 else "other"
