"""The shared sockets every probe of a process uses, and the table of probe kinds."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bridgewatch.probes import http, icmp, sip, tcp
from bridgewatch.probes.base import ProbeResult, ProbeSettings, Target

# Adding a probe kind: a module with `async def probe(target, context) -> list[ProbeResult]`,
# and one line here.
PROBES: dict[str, Callable[[Target, ProbeContext], Awaitable[list[ProbeResult]]]] = {
    "icmp": icmp.probe,
    "tcp": tcp.probe,
    "sip": sip.probe,
    "http": http.probe,
}


class ProbeContext:
    """Opens the ICMP socket, the SIP UDP socket and the HTTP session once; closes them after."""

    def __init__(self, settings: ProbeSettings, *, http_limit: int = 200) -> None:
        self.settings = settings
        self.icmp = icmp.IcmpEngine()
        self.sip = sip.SipUdpEngine()
        self.http = http.HttpEngine(settings, limit=http_limit)

    async def __aenter__(self) -> ProbeContext:
        self.icmp.open()
        await self.sip.open()
        await self.http.open()
        return self

    async def __aexit__(self, *exc) -> None:
        self.icmp.close()
        self.sip.close()
        await self.http.close()
