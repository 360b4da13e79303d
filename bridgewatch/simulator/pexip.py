"""A simulated Pexip Infinity management node: participants and their media streams."""

from __future__ import annotations

from aiohttp import web

from bridgewatch.simulator.protocols import media_figures

PARTICIPANTS = web.AppKey("participants", dict)


async def participants(request: web.Request) -> web.Response:
    objects = [
        {
            "id": pid,
            "display_name": name,
            "call_quality": "1_good",
            "protocol": "sip",
            "has_media": True,
        }
        for pid, (name, _) in request.app[PARTICIPANTS].items()
    ]
    return web.json_response({"meta": {"total_count": len(objects)}, "objects": objects})


async def media_streams(request: web.Request) -> web.Response:
    found = request.app[PARTICIPANTS].get(request.query.get("participant", ""))
    if found is None:
        return web.json_response({"meta": {"total_count": 0}, "objects": []})
    loss, jitter = media_figures(found[1])
    objects = [
        {"stream_type": kind, "rx_packet_loss": loss, "rx_jitter": jitter, "rx_fps": 25 if kind == "video" else None,
         "rx_resolution": "1280x720" if kind == "video" else None, "rx_bitrate": 1536 if kind == "video" else 64}
        for kind in ("audio", "video")
    ]  # fmt: skip
    return web.json_response({"meta": {"total_count": 2}, "objects": objects})


def pexip_app(people: list[tuple[str, str | None]]) -> web.Application:
    """`people`: (display name, fault) of each connected participant."""
    app = web.Application()
    app[PARTICIPANTS] = {f"p-{i}": item for i, item in enumerate(people)}
    app.router.add_get("/api/admin/status/v1/participant/", participants)
    app.router.add_get("/api/admin/status/v1/participant_media_stream/", media_streams)
    return app
