"""ICMP echo bursts over one shared socket per process, replies matched by a sequence in the payload.

One raw socket for every probe (not one per probe): every raw ICMP socket receives a copy of every
ICMP packet on the host, so per-probe sockets overflow under load. Without CAP_NET_RAW the kernel's
unprivileged ping socket is used where `net.ipv4.ping_group_range` allows it; otherwise ICMP is
reported "unavailable", never "down".
"""

from __future__ import annotations

import array
import asyncio
import contextlib
import logging
import os
import socket
import struct
import time

from bridgewatch.probes.base import (
    DOWN,
    UNAVAILABLE,
    UP,
    ProbeResult,
    ProbeSettings,
    Target,
    now,
    resolve,
)

log = logging.getLogger(__name__)

ECHO_REQUEST, ECHO_REPLY = 8, 0
RECEIVE_BUFFER = 4 << 20
SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)
SOL_RAW, ICMP_FILTER = 255, 1
_HEADER = struct.Struct("!BBHHH")
_PAYLOAD = struct.Struct("!8sI")


def checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071), summed in native order and stored the same way."""
    if len(data) % 2:
        data += b"\0"
    total = sum(array.array("H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


class _Burst:
    """The replies of one burst, filled in by the socket's reader."""

    __slots__ = ("sent", "rtts", "remaining", "done")

    def __init__(self, loop: asyncio.AbstractEventLoop, count: int) -> None:
        self.sent = [0.0] * count
        self.rtts: list[float | None] = [None] * count
        self.remaining = count
        self.done = loop.create_future()

    def arrived(self, index: int, at: float) -> None:
        if self.rtts[index] is None:
            self.rtts[index] = (at - self.sent[index]) * 1000
            self.lost(index)

    def lost(self, index: int) -> None:
        self.remaining -= 1
        if self.remaining == 0 and not self.done.done():
            self.done.set_result(None)


class IcmpEngine:
    """The process's ICMP socket: sends echo requests and wakes the waiter of each reply."""

    def __init__(self) -> None:
        self.cookie = os.urandom(8)
        self.identifier = int.from_bytes(os.urandom(2), "big")
        self.mode: str | None = None  # "raw", "dgram" or None (unavailable)
        self.reason = ""
        self._sock: socket.socket | None = None
        self._sequence = 0
        self._pending: dict[int, tuple[_Burst, int, str]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self.replies_unmatched = 0

    def open(self) -> None:
        self._loop = asyncio.get_running_loop()
        try:
            sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
            self.mode = "raw"
            # Let the kernel drop every ICMP type but echo reply before it reaches us.
            with contextlib.suppress(OSError):
                sock.setsockopt(
                    SOL_RAW, ICMP_FILTER, struct.pack("I", ~(1 << ECHO_REPLY) & 0xFFFFFFFF)
                )
        except PermissionError:
            try:
                sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP)
                self.mode = "dgram"
            except OSError:
                self.mode = None
                self.reason = "ICMP needs root or CAP_NET_RAW (or net.ipv4.ping_group_range)"
                log.warning("ICMP probes unavailable: %s", self.reason)
                return
        for option in (SO_RCVBUFFORCE, socket.SO_RCVBUF):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, option, RECEIVE_BUFFER)
                break
        sock.setblocking(False)
        self._sock = sock
        self._loop.add_reader(sock.fileno(), self._on_readable)
        if self.mode == "dgram":
            log.info("ICMP via unprivileged ping socket (no CAP_NET_RAW)")

    def close(self) -> None:
        if self._sock is not None and self._loop is not None:
            self._loop.remove_reader(self._sock.fileno())
            self._sock.close()
            self._sock = None
        self._pending.clear()

    @property
    def available(self) -> bool:
        return self._sock is not None

    def _packet(self, sequence: int) -> bytes:
        payload = _PAYLOAD.pack(self.cookie, sequence)
        header = _HEADER.pack(ECHO_REQUEST, 0, 0, self.identifier, sequence & 0xFFFF)
        total = checksum(header + payload)
        return header[:2] + struct.pack("=H", total) + header[4:] + payload

    async def burst(
        self, address: str, count: int, interval: float, timeout: float
    ) -> list[float | None]:
        """`count` echo requests `interval` apart; each reply's round trip in ms, None if lost.

        One future per burst, not per echo: the reply handler fills the slots and wakes the
        burst when the last reply is in, which keeps the CPU cost per echo small.
        """
        assert self._sock is not None and self._loop is not None
        burst = _Burst(self._loop, count)
        sequences = []
        try:
            for index in range(count):
                if index:
                    await asyncio.sleep(interval)
                self._sequence = (self._sequence + 1) & 0xFFFFFFFF
                sequence = self._sequence
                sequences.append(sequence)
                self._pending[sequence] = (burst, index, address)
                burst.sent[index] = time.perf_counter()
                packet = self._packet(sequence)
                try:
                    self._sock.sendto(packet, (address, 0))
                except BlockingIOError:
                    await self._loop.sock_sendto(self._sock, packet, (address, 0))
                except OSError:
                    burst.lost(index)
            if burst.remaining:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(timeout):
                        await burst.done
        finally:
            for sequence in sequences:
                self._pending.pop(sequence, None)
        return burst.rtts

    def _on_readable(self) -> None:
        sock = self._sock
        if sock is None:
            return
        arrived = time.perf_counter()
        while True:
            try:
                data, (source, _) = sock.recvfrom(2048)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            offset = (data[0] & 0x0F) * 4 if self.mode == "raw" else 0
            if len(data) < offset + 8 + _PAYLOAD.size or data[offset] != ECHO_REPLY:
                continue
            cookie, sequence = _PAYLOAD.unpack_from(data, offset + 8)
            if cookie != self.cookie:
                continue  # another program's ping
            waiting = self._pending.pop(sequence, None)
            if waiting is None or waiting[2] != source:
                self.replies_unmatched += 1
                continue
            waiting[0].arrived(waiting[1], arrived)


async def probe_icmp(target: Target, engine: IcmpEngine, settings: ProbeSettings) -> ProbeResult:
    """A burst of `icmp_count` echoes `icmp_interval` apart: min/avg/max RTT, jitter and loss."""
    if not engine.available:
        return ProbeResult(target.endpoint_id, "icmp", UNAVAILABLE, now(), detail=engine.reason)
    address = await resolve(target.host, settings.timeout)
    if address is None:
        return ProbeResult(
            target.endpoint_id, "icmp", DOWN, now(), detail="host name does not resolve"
        )
    count = max(1, settings.icmp_count)
    rtts = await engine.burst(address, count, settings.icmp_interval, settings.timeout)
    return burst_result(target.endpoint_id, rtts)


def burst_result(endpoint_id: int, rtts: list[float | None]) -> ProbeResult:
    """Summarise a burst: min/avg/max RTT, jitter (mean change between consecutive replies), loss."""
    count = len(rtts)
    received = [r for r in rtts if r is not None]
    loss = round(100 * (count - len(received)) / count, 2)
    if not received:
        return ProbeResult(
            endpoint_id, "icmp", DOWN, now(), loss_pct=loss, detail=f"no reply to {count} pings"
        )
    jitter = (
        sum(abs(b - a) for a, b in zip(received, received[1:], strict=False)) / (len(received) - 1)
        if len(received) > 1
        else 0.0
    )
    return ProbeResult(
        endpoint_id,
        "icmp",
        UP,
        now(),
        rtt_ms=round(sum(received) / len(received), 3),
        rtt_min_ms=round(min(received), 3),
        rtt_max_ms=round(max(received), 3),
        jitter_ms=round(jitter, 3),
        loss_pct=loss,
        detail=f"{len(received)}/{count} replies",
    )


async def probe(target: Target, context) -> list[ProbeResult]:
    return [await probe_icmp(target, context.icmp, context.settings)]
