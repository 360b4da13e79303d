"""TCP connect time per configured port (H.323 1720, SIP 5060/5061, ...): proves a listener."""

from __future__ import annotations

import asyncio
import errno
import socket
import time

from bridgewatch.probes.base import (
    DOWN,
    UP,
    ProbeResult,
    ProbeSettings,
    Target,
    elapsed_ms,
    now,
    resolve,
)


async def connect_time(address: str, port: int, timeout: float) -> tuple[float | None, str]:
    """Milliseconds to complete a TCP handshake, or None and why not."""
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    start = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            await loop.sock_connect(sock, (address, port))
        return elapsed_ms(start), "connected"
    except TimeoutError:
        return None, "timeout"
    except ConnectionRefusedError:
        return None, "connection refused"
    except OSError as exc:
        return None, errno.errorcode.get(exc.errno or 0, str(exc)).lower()
    finally:
        sock.close()


async def probe_tcp(target: Target, settings: ProbeSettings) -> list[ProbeResult]:
    """One result per port, probed one after another so a point gets one connection at a time."""
    address = await resolve(target.host, settings.timeout)
    results = []
    for port in target.tcp_ports:
        if address is None:
            results.append(
                ProbeResult(
                    target.endpoint_id,
                    "tcp",
                    DOWN,
                    now(),
                    port=port,
                    detail="host name does not resolve",
                )
            )
            continue
        rtt, detail = await connect_time(address, port, settings.timeout)
        results.append(
            ProbeResult(
                target.endpoint_id,
                "tcp",
                UP if rtt is not None else DOWN,
                now(),
                rtt_ms=rtt,
                port=port,
                detail=detail,
            )
        )
    return results


async def probe(target: Target, context) -> list[ProbeResult]:
    return await probe_tcp(target, context.settings)
