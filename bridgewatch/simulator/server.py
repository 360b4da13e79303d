"""Serves simulated points: H.323 and SIP TCP listeners, a SIP UDP responder, an HTTP status page."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field

from bridgewatch.errors import ValidationError
from bridgewatch.simulator.protocols import HttpStatus, SipTcp, SipUdp

log = logging.getLogger(__name__)

LOOPBACK = ipaddress.ip_network("127.0.0.0/8")
H323_PORT, SIP_PORT, HTTP_PORT = 1720, 5060, 80
FIRST_ADDRESS = ipaddress.ip_address("127.100.0.1")


@dataclass(eq=False)
class SimulatedPoint:
    host: str
    fault: str | None = None
    tcp_ports: tuple[int, ...] = (H323_PORT, SIP_PORT)
    sip_port: int | None = SIP_PORT
    http_port: int | None = HTTP_PORT
    delay: float = 0.0
    loss: float = 0.0
    # "cisco": the status page also answers xAPI GET /status.xml; people: room analytics head-count.
    codec: str | None = None
    people: int | None = None
    # (loss %, jitter ms) of its calls, when not the fault's usual figures.
    media: tuple[float, float] | None = None
    sip_requests: int = 0
    up: bool = True
    servers: list = field(default_factory=list)

    def __post_init__(self) -> None:
        if ipaddress.ip_address(self.host) not in LOOPBACK:
            raise ValidationError(
                "host", f"simulated points live on 127.0.0.0/8 only, not {self.host}"
            )
        if self.fault == "slow" and not self.delay:
            self.delay = 0.4
        if self.fault == "lossy" and not self.loss:
            self.loss = 0.4

    @property
    def sip_code(self) -> int:
        return {"sip-503": 503, "sip-404": 404}.get(self.fault or "", 200)


def loopback_addresses(count: int, first: ipaddress.IPv4Address = FIRST_ADDRESS) -> Iterator[str]:
    """`count` distinct loopback addresses, skipping .0 and .255 (which some tools refuse)."""
    address = first
    produced = 0
    while produced < count:
        if address not in LOOPBACK:
            raise ValidationError("count", "not enough loopback addresses")
        if address.packed[3] not in (0, 255):
            yield str(address)
            produced += 1
        address += 1


class Simulator:
    """Starts every point's listeners; `flapping` points go down and up every `flap_period` s."""

    def __init__(self, points: list[SimulatedPoint], *, flap_period: float = 5.0) -> None:
        self.points = points
        self.flap_period = flap_period
        self._flapper: asyncio.Task | None = None

    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    async def start(self) -> None:
        # Bounded fan-out: opening tens of thousands of listeners at once gains nothing.
        semaphore = asyncio.Semaphore(256)

        async def start_one(point: SimulatedPoint) -> None:
            async with semaphore:
                if point.fault != "down":
                    await self.bring_up(point)
                else:
                    point.up = False

        await asyncio.gather(*(start_one(p) for p in self.points))
        if any(p.fault == "flapping" for p in self.points):
            self._flapper = asyncio.create_task(self._flap())

    async def stop(self) -> None:
        if self._flapper is not None:
            self._flapper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flapper
        for point in self.points:
            self.take_down(point)

    async def bring_up(self, point: SimulatedPoint) -> None:
        """Open the point's listeners (what a working codec has)."""
        loop = asyncio.get_running_loop()
        for port in point.tcp_ports:
            if point.fault == "no-sip" and port == point.sip_port:
                continue
            server = await loop.create_server(
                lambda: SipTcp(point), point.host, port, reuse_address=True, backlog=64
            )
            point.servers.append(server)
        if point.sip_port and point.fault != "no-sip":
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((point.host, point.sip_port))
            transport, _ = await loop.create_datagram_endpoint(lambda: SipUdp(point), sock=sock)
            point.servers.append(transport)
        if point.http_port:
            server = await loop.create_server(
                lambda: HttpStatus(point),
                point.host,
                point.http_port,
                reuse_address=True,
                backlog=64,
            )
            point.servers.append(server)
        point.up = True

    def take_down(self, point: SimulatedPoint) -> None:
        """Close the point's listeners: connections are refused, SIP goes silent."""
        for server in point.servers:
            server.close()
        point.servers.clear()
        point.up = False

    def point(self, host: str) -> SimulatedPoint:
        return next(p for p in self.points if p.host == host)

    async def set_fault(self, host: str, fault: str | None) -> None:
        """Change a point's fault while running (the demo and tests take points down this way)."""
        point = self.point(host)
        self.take_down(point)
        point.fault = fault
        point.delay = 0.4 if fault == "slow" else 0.0
        point.loss = 0.4 if fault == "lossy" else 0.0
        if fault != "down":
            await self.bring_up(point)

    async def _flap(self) -> None:
        flapping = [p for p in self.points if p.fault == "flapping"]
        while True:
            await asyncio.sleep(self.flap_period)
            for point in flapping:
                if point.up:
                    self.take_down(point)
                else:
                    with contextlib.suppress(OSError):
                        await self.bring_up(point)
