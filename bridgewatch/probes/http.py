"""HTTP(S) status page of a codec or MCU: status code, time, and days left on its TLS certificate."""

from __future__ import annotations

import asyncio
import re
import ssl
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

from bridgewatch.probes.base import (
    DEGRADED,
    DOWN,
    UP,
    ProbeResult,
    ProbeSettings,
    Target,
    elapsed_ms,
    now,
)


def _der_item(data: bytes, offset: int) -> tuple[int, int, int]:
    """(tag, start of content, end of content) of the DER item at `offset`."""
    tag = data[offset]
    length = data[offset + 1]
    offset += 2
    if length & 0x80:
        size = length & 0x7F
        length = int.from_bytes(data[offset : offset + size], "big")
        offset += size
    return tag, offset, offset + length


def certificate_not_after(der: bytes) -> datetime:
    """notAfter of an X.509 certificate in DER, without a crypto library."""
    _, start, _ = _der_item(der, 0)  # Certificate
    _, position, _ = _der_item(der, start)  # TBSCertificate: walk its fields
    tag, _, end = _der_item(der, position)
    if tag == 0xA0:  # explicit version
        position = end
    for _field in ("serialNumber", "signature", "issuer"):
        position = _der_item(der, position)[2]
    _, content, _ = _der_item(der, position)  # validity
    _, _, first_end = _der_item(der, content)  # notBefore
    tag, time_start, time_end = _der_item(der, first_end)  # notAfter
    text = der[time_start:time_end].decode()
    pattern = "%y%m%d%H%M%S%z" if tag == 0x17 else "%Y%m%d%H%M%S%z"
    return datetime.strptime(text.replace("Z", "+0000"), pattern).astimezone(UTC)


class HttpEngine:
    """The TLS context shared by HTTP probes, and a bound on connections open at once."""

    def __init__(self, settings: ProbeSettings, *, limit: int = 200) -> None:
        self.context = ssl.create_default_context()
        if not settings.http_verify_tls:
            # Codec web UIs mostly have self-signed certificates: measure, do not judge trust.
            self.context.check_hostname = False
            self.context.verify_mode = ssl.CERT_NONE
        self.user_agent = settings.user_agent
        self.slots = asyncio.Semaphore(limit)

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None


async def fetch_status(
    url: str, engine: HttpEngine, timeout: float
) -> tuple[int, float, float | None]:
    """GET `url` and read only the status line: (code, ms to the status line, cert days left).

    Plain asyncio streams rather than an HTTP client: a probe needs the status and the peer
    certificate of the very connection that answered, nothing more.
    """
    parts = urlsplit(url)
    secure = parts.scheme == "https"
    port = parts.port or (443 if secure else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host_header = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
    writer = None
    async with engine.slots:
        start = time.perf_counter()
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(
                    parts.hostname, port, ssl=engine.context if secure else None,
                    server_hostname=parts.hostname if secure else None,
                )  # fmt: skip
                cert_days = None
                if secure:
                    ssl_object = writer.get_extra_info("ssl_object")
                    der = ssl_object.getpeercert(binary_form=True) if ssl_object else None
                    if der:
                        left = certificate_not_after(der) - datetime.now(UTC)
                        cert_days = round(left.total_seconds() / 86400, 2)
                writer.write(
                    f"GET {path} HTTP/1.1\r\nHost: {host_header}\r\nUser-Agent: {engine.user_agent}\r\n"
                    f"Accept: */*\r\nConnection: close\r\n\r\n".encode()
                )
                line = await reader.readline()
        finally:
            if writer is not None:
                writer.close()
    match = re.match(rb"HTTP/\d(?:\.\d)? (\d{3})", line)
    if not match:
        raise ValueError("not an HTTP response")
    return int(match[1]), elapsed_ms(start), cert_days


async def probe_http(target: Target, engine: HttpEngine, settings: ProbeSettings) -> ProbeResult:
    """GET the status page: 2xx/3xx and 401/403 (a login page) mean up; other 4xx and 5xx degraded."""
    try:
        code, rtt, cert_days = await fetch_status(target.http_url, engine, settings.timeout)
    except TimeoutError:
        return ProbeResult(target.endpoint_id, "http", DOWN, now(), detail="timeout")
    except ConnectionRefusedError:
        return ProbeResult(target.endpoint_id, "http", DOWN, now(), detail="connection refused")
    except ssl.SSLError as exc:
        return ProbeResult(
            target.endpoint_id, "http", DOWN, now(), detail=f"TLS: {exc.reason or exc}"
        )
    except (OSError, ValueError, IndexError) as exc:
        return ProbeResult(
            target.endpoint_id, "http", DOWN, now(), detail=str(exc) or type(exc).__name__
        )
    status = UP if code < 400 or code in (401, 403) else DEGRADED
    return ProbeResult(
        target.endpoint_id,
        "http",
        status,
        now(),
        rtt_ms=rtt,
        code=code,
        cert_days=cert_days,
        detail=f"HTTP {code}",
    )


async def probe(target: Target, context) -> list[ProbeResult]:
    return [await probe_http(target, context.http, context.settings)]
