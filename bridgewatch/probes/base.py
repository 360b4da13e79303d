"""The probe interface: a target in, results out; failures are result values, never exceptions."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

# A probe's verdict on one thing it checked.
UP, DEGRADED, DOWN, UNAVAILABLE = "up", "degraded", "down", "unavailable"
STATUSES = (UP, DEGRADED, DOWN, UNAVAILABLE)
KINDS = ("icmp", "tcp", "sip", "http")


@dataclass(frozen=True, slots=True)
class Target:
    """What to probe for one endpoint (taken from the registry)."""

    endpoint_id: int
    code: str
    host: str
    icmp: bool = True
    tcp_ports: tuple[int, ...] = ()
    sip_port: int | None = None
    sip_transport: str = "udp"
    http_url: str = ""

    def kinds(self) -> list[str]:
        kinds = []
        if self.icmp:
            kinds.append("icmp")
        if self.tcp_ports:
            kinds.append("tcp")
        if self.sip_port:
            kinds.append("sip")
        if self.http_url:
            kinds.append("http")
        return kinds


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """One measurement. Times in milliseconds; `detail` says what happened in a few words."""

    endpoint_id: int
    kind: str
    status: str
    at: datetime
    rtt_ms: float | None = None
    rtt_min_ms: float | None = None
    rtt_max_ms: float | None = None
    jitter_ms: float | None = None
    loss_pct: float | None = None
    cert_days: float | None = None
    port: int | None = None
    code: int | None = None
    detail: str = ""

    def to_json(self) -> dict:
        return {
            "kind": self.kind,
            "status": self.status,
            "at": self.at.isoformat(),
            "rtt_ms": self.rtt_ms,
            "rtt_min_ms": self.rtt_min_ms,
            "rtt_max_ms": self.rtt_max_ms,
            "jitter_ms": self.jitter_ms,
            "loss_pct": self.loss_pct,
            "cert_days": self.cert_days,
            "port": self.port,
            "code": self.code,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class ProbeSettings:
    """How probes behave; every wait is bounded by `timeout`."""

    timeout: float = 2.0
    icmp_count: int = 5
    icmp_interval: float = 0.05
    sip_retransmit: float = 0.5
    # Final SIP codes that count as healthy; empty: any 2xx.
    sip_healthy_codes: tuple[int, ...] = ()
    http_verify_tls: bool = False
    user_agent: str = "bridgewatch"


def now() -> datetime:
    return datetime.now(UTC)


def elapsed_ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 3)


ProbeFunction = Callable[[Target, "object"], Awaitable[list[ProbeResult]]]


async def resolve(host: str, timeout: float) -> str | None:
    """IPv4 address of `host` (an address passes through); None when it does not resolve."""
    try:
        socket.inet_aton(host)
        if host.count(".") == 3:
            return host
    except OSError:
        pass
    loop = asyncio.get_running_loop()
    with contextlib.suppress(OSError, TimeoutError):
        async with asyncio.timeout(timeout):
            infos = await loop.getaddrinfo(
                host, None, family=socket.AF_INET, type=socket.SOCK_STREAM
            )
            if infos:
                return infos[0][4][0]
    return None
