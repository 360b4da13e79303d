"""Cisco CE/RoomOS codecs: xAPI `GET /status.xml` (Basic auth) — media channel NetStat, people count."""

from __future__ import annotations

import asyncio
import logging
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from urllib.parse import urljoin

import aiohttp

from bridgewatch.collectors.base import CollectorSettings, MediaSample, auth_headers
from bridgewatch.registry.models import Endpoint

log = logging.getLogger(__name__)


def applies(endpoint: Endpoint) -> bool:
    return bool(endpoint.http_url) and endpoint.equipment.lower().startswith("cisco")


def parse_status(endpoint_id: int, xml: bytes, at: datetime) -> list[MediaSample]:
    """Incoming audio and video channels: loss of the last interval (%), jitter; people in the room."""
    root = ET.fromstring(xml)
    people = root.findtext(".//RoomAnalytics/PeopleCount/Current")
    people_count = (
        int(people)
        if people and people.strip().lstrip("-").isdigit() and int(people) >= 0
        else None
    )
    samples = []
    for channel in root.iterfind(".//MediaChannels/Call/Channel"):
        kind = (channel.findtext("Type") or "").lower()
        if (
            kind not in ("audio", "video")
            or (channel.findtext("Direction") or "").lower() != "incoming"
        ):
            continue
        net = channel.find(".//NetStat")
        if net is None:
            continue
        lost = float(net.findtext("LastIntervalLost") or 0)
        received = float(net.findtext("LastIntervalReceived") or 0)
        loss = round(100 * lost / (lost + received), 2) if lost + received else None
        jitter = net.findtext("Jitter")
        samples.append(
            MediaSample(
                endpoint_id,
                at,
                "cisco",
                kind,
                loss,
                float(jitter) if jitter else None,
                people_count,
            )
        )
    if not samples and people_count is not None:
        samples.append(MediaSample(endpoint_id, at, "cisco", "room", None, None, people_count))
    return samples


async def collect(
    points: list[Endpoint], http: aiohttp.ClientSession, settings: CollectorSettings
) -> list[MediaSample]:
    """Poll every Cisco codec among the points, at most `concurrency` at once."""
    gate = asyncio.Semaphore(settings.concurrency)
    auth = auth_headers(settings)

    async def one(endpoint: Endpoint) -> list[MediaSample]:
        async with gate:
            try:
                async with asyncio.timeout(settings.timeout):
                    async with http.get(
                        urljoin(endpoint.http_url, "/status.xml"), headers=auth
                    ) as response:
                        if response.status != 200:
                            return []
                        body = await response.read()
                return parse_status(endpoint.id, body, datetime.now(UTC))
            except (aiohttp.ClientError, TimeoutError, OSError, ET.ParseError, ValueError) as exc:
                log.debug("cisco status of %s: %s", endpoint.code, exc)
                return []

    results = await asyncio.gather(*(one(e) for e in points if applies(e)))
    return [s for samples in results for s in samples]
