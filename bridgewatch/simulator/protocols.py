"""What a simulated codec says: SIP responses and a small HTTP status page."""

from __future__ import annotations

import asyncio
import json
import os
import random
import re

_HEADER = re.compile(
    rb"^(Via|v|From|f|To|t|Call-ID|i|CSeq)[ \t]*:[^\r\n]*\r\n", re.IGNORECASE | re.MULTILINE
)
REASONS = {200: "OK", 404: "Not Found", 503: "Service Unavailable"}


def sip_response(request: bytes, code: int) -> bytes | None:
    """A response to a SIP request echoing Via, From, To (with a tag), Call-ID and CSeq."""
    if not request.split(b"\r\n", 1)[0].endswith(b"SIP/2.0"):
        return None
    headers = []
    for match in _HEADER.finditer(request):
        line = match[0]
        if match[1].lower() in (b"to", b"t") and b";tag=" not in line:
            line = line[:-2] + b";tag=" + os.urandom(4).hex().encode() + b"\r\n"
        headers.append(line)
    if not any(h.split(b":", 1)[0].strip().lower() in (b"call-id", b"i") for h in headers):
        return None
    status = f"SIP/2.0 {code} {REASONS.get(code, 'Unknown')}\r\n".encode()
    extra = b"Allow: INVITE, ACK, CANCEL, OPTIONS, BYE\r\nServer: bridgewatch-sim\r\nContent-Length: 0\r\n\r\n"
    if code == 503:
        extra = b"Retry-After: 300\r\n" + extra
    return status + b"".join(headers) + extra


class SipUdp(asyncio.DatagramProtocol):
    def __init__(self, point) -> None:
        self.point = point
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:
        point = self.point
        point.sip_requests += 1
        if point.fault == "lossy" and random.random() < point.loss:
            return
        response = sip_response(data, point.sip_code)
        if response is None:
            return
        if point.delay:
            asyncio.get_running_loop().call_later(point.delay, self._send, response, addr)
        else:
            self._send(response, addr)

    def _send(self, response: bytes, addr) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.sendto(response, addr)


class _PointStream(asyncio.Protocol):
    """A connection to a simulated point: the point, what has arrived, and the transport."""

    def __init__(self, point) -> None:
        self.point = point
        self.buffer = b""
        self.transport = None

    def connection_made(self, transport) -> None:
        self.transport = transport


class SipTcp(_PointStream):
    """Answers each OPTIONS on a connection; also what the H.323 port's listener is."""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:
            request, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
            self.point.sip_requests += 1
            response = sip_response(request + b"\r\n\r\n", self.point.sip_code)
            if response is not None:
                if self.point.delay:
                    asyncio.get_running_loop().call_later(self.point.delay, self._send, response)
                else:
                    self._send(response)

    def _send(self, response: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(response)


class HttpStatus(_PointStream):
    """`GET /` returns the codec's status as JSON, like a codec's web API would."""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if b"\r\n\r\n" not in self.buffer:
            if len(self.buffer) > 16384:
                self.transport.close()
            return
        if self.point.delay:
            asyncio.get_running_loop().call_later(self.point.delay, self._respond)
        else:
            self._respond()

    def _respond(self) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        point = self.point
        code = 500 if point.fault == "http-500" else 200
        if self.buffer.startswith(b"GET /status.xml") and point.codec == "cisco":
            kind, body = "text/xml", cisco_status(point).encode()
        else:
            kind = "application/json"
            body = json.dumps(
                {
                    "system": "bridgewatch simulated codec",
                    "host": point.host,
                    "sip": point.sip_code,
                    "fault": point.fault,
                }
            ).encode()
        reason = "OK" if code == 200 else "Internal Server Error"
        self.transport.write(
            f"HTTP/1.1 {code} {reason}\r\nContent-Type: {kind}\r\nContent-Length: {len(body)}\r\n"
            f"Connection: close\r\n\r\n".encode()
            + body
        )
        self.transport.close()


def media_figures(fault: str | None) -> tuple[float, float]:
    """(loss %, jitter ms) a simulated point's calls show, by its fault."""
    return {"lossy": (6.0, 12.0), "slow": (1.5, 45.0), "flapping": (12.0, 20.0)}.get(
        fault or "", (0.2, 3.0)
    )


def cisco_status(point) -> str:
    """A Cisco xAPI status document with one call: incoming audio and video channels, people count."""
    loss, jitter = point.media or media_figures(point.fault)
    received = 1000
    lost = round(received * loss / (100 - loss))
    channels = "".join(
        f'<Channel item="{n}"><Type>{kind}</Type><Direction>incoming</Direction>'
        f"<NetStat><Bytes>512000</Bytes><ChannelRate>64000</ChannelRate><Jitter>{jitter:g}</Jitter>"
        f"<LastIntervalLost>{lost}</LastIntervalLost><LastIntervalReceived>{received}</LastIntervalReceived>"
        f"<Loss>{lost * 3}</Loss><MaxJitter>{jitter * 2:g}</MaxJitter><Packets>{received * 3}</Packets></NetStat></Channel>"
        for n, kind in ((1, "Audio"), (2, "Video"))
    )
    people = ""
    if point.people is not None:
        people = f"<RoomAnalytics><PeopleCount><Capacity>60</Capacity><Current>{point.people}</Current></PeopleCount></RoomAnalytics>"
    return (
        '<?xml version="1.0"?><Status><Call item="1"><Status>Connected</Status></Call>'
        f'<MediaChannels><Call item="1">{channels}</Call></MediaChannels>{people}'
        '<SIP><Registration item="1"><Status>Registered</Status></Registration></SIP></Status>'
    )
