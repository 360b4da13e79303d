"""SIP OPTIONS, the standard SIP "ping", over UDP (one shared socket) or TCP.

Any final response proves the signalling stack is alive: many devices answer 404 or 484 to an
OPTIONS they cannot route, so "200 only" would report false downs. 2xx (or a configured list)
is healthy, 503 is degraded (overloaded or in maintenance), other final codes are alive, and no
answer after the retransmissions is down.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import socket
import time

from bridgewatch.probes.base import (
    DEGRADED,
    DOWN,
    UP,
    ProbeResult,
    ProbeSettings,
    Target,
    elapsed_ms,
    now,
    resolve,
)

RECEIVE_BUFFER = 4 << 20
SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)
_STATUS = re.compile(rb"^SIP/2\.0 (\d{3}) ?([^\r\n]*)")
_CALL_ID = re.compile(rb"^(?:Call-ID|i)[ \t]*:[ \t]*(\S+)", re.IGNORECASE | re.MULTILINE)


def options_request(
    *,
    host: str,
    port: int,
    transport: str,
    local: tuple[str, int],
    call_id: str,
    branch: str,
    user_agent: str,
) -> bytes:
    """A well-formed OPTIONS (RFC 3261 §11): Via with a z9hG4bK branch, Call-ID, CSeq, Max-Forwards."""
    local_host, local_port = local
    tag = os.urandom(4).hex()
    return (
        f"OPTIONS sip:{host}:{port};transport={transport} SIP/2.0\r\n"
        f"Via: SIP/2.0/{transport.upper()} {local_host}:{local_port};branch=z9hG4bK{branch};rport\r\n"
        f"Max-Forwards: 70\r\n"
        f"From: <sip:bridgewatch@{local_host}>;tag={tag}\r\n"
        f"To: <sip:{host}:{port}>\r\n"
        f"Call-ID: {call_id}\r\n"
        f"CSeq: 1 OPTIONS\r\n"
        f"Contact: <sip:bridgewatch@{local_host}:{local_port};transport={transport}>\r\n"
        f"Accept: application/sdp\r\n"
        f"User-Agent: {user_agent}\r\n"
        f"Content-Length: 0\r\n\r\n"
    ).encode()


def parse_status(data: bytes) -> tuple[int, str] | None:
    match = _STATUS.match(data)
    if not match:
        return None
    return int(match[1]), match[2].decode("utf-8", "replace").strip()


def classify(code: int, reason: str, healthy: tuple[int, ...]) -> tuple[str, str]:
    """Status and detail for a final SIP response code."""
    if (code in healthy) if healthy else 200 <= code < 300:
        return UP, f"{code} {reason}".strip()
    if code == 503:
        return DEGRADED, f"{code} {reason or 'Service Unavailable'}: overloaded or in maintenance"
    return UP, f"{code} {reason}: signalling alive".strip()


class SipUdpEngine:
    """The process's SIP UDP socket; responses are matched to requests by Call-ID."""

    def __init__(self) -> None:
        self._transport: asyncio.DatagramTransport | None = None
        self._waiting: dict[bytes, asyncio.Future] = {}
        self._prefix = os.urandom(6).hex()
        self._counter = 0
        self.local: tuple[str, int] = ("0.0.0.0", 0)

    async def open(self) -> None:
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for option in (SO_RCVBUFFORCE, socket.SO_RCVBUF):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, option, RECEIVE_BUFFER)
                break
        sock.bind(("0.0.0.0", 0))
        sock.setblocking(False)
        self._transport, _ = await loop.create_datagram_endpoint(lambda: _Receiver(self), sock=sock)
        self.local = sock.getsockname()

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def _deliver(self, data: bytes) -> None:
        match = _CALL_ID.search(data)
        if match is None:
            return
        future = self._waiting.get(match[1])
        status = parse_status(data)
        if future is not None and status is not None and status[0] >= 200 and not future.done():
            future.set_result(status)

    async def options(
        self, address: str, port: int, settings: ProbeSettings
    ) -> tuple[tuple[int, str] | None, float | None, int]:
        """Send OPTIONS, retransmitting (T1 doubling) until a final answer or the timeout.

        Returns (status, rtt from the first send, how many times the request was sent).
        """
        assert self._transport is not None
        self._counter += 1
        call_id = f"{self._prefix}-{self._counter}@bridgewatch"
        local = ("127.0.0.1" if address.startswith("127.") else self.local[0], self.local[1])
        request = options_request(
            host=address,
            port=port,
            transport="udp",
            local=local,
            call_id=call_id,
            branch=f"{self._prefix}{self._counter:x}",
            user_agent=settings.user_agent,
        )
        future = asyncio.get_running_loop().create_future()
        key = call_id.encode()
        self._waiting[key] = future
        start = time.perf_counter()
        deadline = start + settings.timeout
        interval = settings.sip_retransmit
        sends = 0
        try:
            while True:
                wait = min(interval, deadline - time.perf_counter())
                if wait <= 0:
                    return None, None, sends
                self._transport.sendto(request, (address, port))
                sends += 1
                done, _ = await asyncio.wait([future], timeout=wait)
                if done:
                    return future.result(), elapsed_ms(start), sends
                interval *= 2
        finally:
            self._waiting.pop(key, None)


class _Receiver(asyncio.DatagramProtocol):
    def __init__(self, engine: SipUdpEngine) -> None:
        self.engine = engine

    def datagram_received(self, data: bytes, addr) -> None:
        self.engine._deliver(data)

    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable for an earlier datagram: the retransmissions and timeout decide.
        pass


async def options_tcp(
    address: str, port: int, settings: ProbeSettings
) -> tuple[tuple[int, str] | None, float | None, str]:
    """OPTIONS over a fresh TCP connection; (status, rtt, detail)."""
    start = time.perf_counter()
    writer = None
    try:
        async with asyncio.timeout(settings.timeout):
            reader, writer = await asyncio.open_connection(address, port)
            local = writer.get_extra_info("sockname")
            suffix = os.urandom(6).hex()
            writer.write(
                options_request(
                    host=address,
                    port=port,
                    transport="tcp",
                    local=local,
                    call_id=f"{suffix}@bridgewatch",
                    branch=suffix,
                    user_agent=settings.user_agent,
                )
            )
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                status = parse_status(head)
                if status is None:
                    return None, None, "not a SIP response"
                length = re.search(rb"^(?:Content-Length|l)[ \t]*:[ \t]*(\d+)", head, re.I | re.M)
                if length and int(length[1]):
                    await reader.readexactly(int(length[1]))
                if status[0] >= 200:
                    return status, elapsed_ms(start), ""
    except TimeoutError:
        return None, None, "no answer"
    except ConnectionRefusedError:
        return None, None, "connection refused"
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
        return None, None, type(exc).__name__
    finally:
        if writer is not None:
            writer.close()


async def probe_sip(target: Target, engine: SipUdpEngine, settings: ProbeSettings) -> ProbeResult:
    port = target.sip_port or 5060
    address = await resolve(target.host, settings.timeout)
    if address is None:
        return ProbeResult(
            target.endpoint_id, "sip", DOWN, now(), port=port, detail="host name does not resolve"
        )
    sends = 1
    if target.sip_transport == "tcp":
        status, rtt, why = await options_tcp(address, port, settings)
    else:
        status, rtt, sends = await engine.options(address, port, settings)
        why = f"no answer to OPTIONS after {sends} sends"
    if status is None:
        return ProbeResult(
            target.endpoint_id, "sip", DOWN, now(), port=port, loss_pct=100.0, detail=why
        )
    verdict, detail = classify(status[0], status[1], settings.sip_healthy_codes)
    # Retransmissions answered late mean requests (or answers) were lost on the way.
    loss = round(100 * (sends - 1) / sends, 2)
    if sends > 1:
        detail += f" (after {sends} sends)"
    return ProbeResult(
        target.endpoint_id,
        "sip",
        verdict,
        now(),
        rtt_ms=rtt,
        loss_pct=loss,
        port=port,
        code=status[0],
        detail=detail,
    )


async def probe(target: Target, context) -> list[ProbeResult]:
    return [await probe_sip(target, context.sip, context.settings)]
