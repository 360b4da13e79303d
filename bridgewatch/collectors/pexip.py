"""Pexip Infinity management API: one poll lists every connected point, then its media streams."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import aiohttp

from bridgewatch.collectors.base import CollectorSettings, MediaSample, auth_headers
from bridgewatch.registry.models import Endpoint

log = logging.getLogger(__name__)
PARTICIPANTS = "/api/admin/status/v1/participant/"
STREAMS = "/api/admin/status/v1/participant_media_stream/"


async def collect(
    points: list[Endpoint], http: aiohttp.ClientSession, settings: CollectorSettings
) -> list[MediaSample]:
    """Participants are matched to points by display name: the point's code or its name."""
    if not settings.pexip_url:
        return []
    auth = auth_headers(settings)
    by_name = {e.code: e for e in points} | {e.name: e for e in points}
    base = settings.pexip_url.rstrip("/")
    try:
        async with asyncio.timeout(settings.timeout):
            async with http.get(base + PARTICIPANTS, headers=auth) as response:
                participants = (await response.json())["objects"] if response.status == 200 else []
    except (aiohttp.ClientError, TimeoutError, OSError, ValueError, KeyError) as exc:
        log.warning("pexip participants: %s", exc)
        return []
    gate = asyncio.Semaphore(settings.concurrency)
    at = datetime.now(UTC)

    async def streams(participant: dict, endpoint: Endpoint) -> list[MediaSample]:
        async with gate:
            try:
                async with asyncio.timeout(settings.timeout):
                    async with http.get(
                        base + STREAMS, params={"participant": participant["id"]}, headers=auth
                    ) as response:
                        objects = (
                            (await response.json())["objects"] if response.status == 200 else []
                        )
            except (aiohttp.ClientError, TimeoutError, OSError, ValueError, KeyError):
                return []
        samples = []
        for stream in objects:
            kind = str(stream.get("stream_type", "")).lower()
            if kind in ("audio", "video"):
                loss = stream.get("rx_packet_loss")
                jitter = stream.get("rx_jitter")
                samples.append(MediaSample(endpoint.id, at, "pexip", kind, None if loss is None else float(loss),
                                           None if jitter is None else float(jitter)))  # fmt: skip
        return samples

    jobs = [
        streams(p, by_name[p.get("display_name")])
        for p in participants
        if p.get("display_name") in by_name
    ]
    return [s for result in await asyncio.gather(*jobs) for s in result]
