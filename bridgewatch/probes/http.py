"""HTTP(S) status page of a codec or MCU: status code, time, and days left on its TLS certificate."""

from __future__ import annotations

import asyncio
import ssl
import time
from datetime import UTC, datetime

import aiohttp

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
    """One client session for every HTTP probe (its connector bounds open connections)."""

    def __init__(self, settings: ProbeSettings, *, limit: int = 200) -> None:
        self._settings = settings
        self._limit = limit
        self.session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        context = ssl.create_default_context()
        if not self._settings.http_verify_tls:
            # Codec web UIs mostly have self-signed certificates: measure, do not judge trust.
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self._limit, ssl=context, force_close=True),
            headers={"User-Agent": self._settings.user_agent},
        )

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()
            self.session = None


async def probe_http(target: Target, engine: HttpEngine, settings: ProbeSettings) -> ProbeResult:
    """GET the status page: 2xx/3xx and 401/403 (a login page) mean up; 5xx degraded."""
    assert engine.session is not None
    start = time.perf_counter()
    cert_days = None
    try:
        async with asyncio.timeout(settings.timeout):
            async with engine.session.get(target.http_url, allow_redirects=False) as response:
                rtt = elapsed_ms(start)
                if response.url.scheme == "https" and response.connection is not None:
                    ssl_object = response.connection.transport.get_extra_info("ssl_object")
                    der = ssl_object.getpeercert(binary_form=True) if ssl_object else None
                    if der:
                        left = certificate_not_after(der) - datetime.now(UTC)
                        cert_days = round(left.total_seconds() / 86400, 2)
                code = response.status
                await response.read()
    except TimeoutError:
        return ProbeResult(target.endpoint_id, "http", DOWN, now(), detail="timeout")
    except aiohttp.ClientConnectorError as exc:
        reason = (
            "connection refused"
            if isinstance(exc.os_error, ConnectionRefusedError)
            else str(exc.os_error)
        )
        return ProbeResult(target.endpoint_id, "http", DOWN, now(), detail=reason)
    except (aiohttp.ClientError, ssl.SSLError, OSError, ValueError) as exc:
        return ProbeResult(target.endpoint_id, "http", DOWN, now(), detail=type(exc).__name__)
    if code >= 500:
        status, detail = DEGRADED, f"HTTP {code}"
    elif code < 400 or code in (401, 403):
        status, detail = UP, f"HTTP {code}"
    else:
        status, detail = DEGRADED, f"HTTP {code}"
    return ProbeResult(
        target.endpoint_id,
        "http",
        status,
        now(),
        rtt_ms=rtt,
        code=code,
        cert_days=cert_days,
        detail=detail,
    )


async def probe(target: Target, context) -> list[ProbeResult]:
    return [await probe_http(target, context.http, context.settings)]
