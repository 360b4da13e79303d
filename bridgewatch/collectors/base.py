"""The collector interface, media samples and per-window quality classes (Pexip's cut-offs)."""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

import aiohttp

from bridgewatch.quality import estimate
from bridgewatch.registry.models import Endpoint


@dataclass(frozen=True)
class MediaSample:
    """What one poll says of one stream of one point (loss in %, jitter in ms)."""

    endpoint_id: int
    at: datetime
    source: str
    stream: str
    loss_pct: float | None
    jitter_ms: float | None
    people_count: int | None = None

    @property
    def window_class(self) -> str | None:
        return window_class(self.loss_pct)

    @property
    def mos(self) -> float | None:
        if self.loss_pct is None:
            return None
        return estimate(0.0, self.jitter_ms or 0.0, self.loss_pct).mos


def window_class(loss_pct: float | None) -> str | None:
    """Pexip's per-window class: < 1% good, < 3% ok, < 10% bad, otherwise terrible."""
    if loss_pct is None:
        return None
    if loss_pct < 1:
        return "good"
    if loss_pct < 3:
        return "ok"
    if loss_pct < 10:
        return "bad"
    return "terrible"


def current_class(last_windows: list[str]) -> str | None:
    """A call's class now: the most frequent of its last three windows (the latest on a tie)."""
    recent = [w for w in last_windows[-3:] if w]
    if not recent:
        return None
    counts = Counter(recent)
    best = max(counts.values())
    return next(w for w in reversed(recent) if counts[w] == best)


@dataclass(frozen=True)
class CollectorSettings:
    username: str
    password: str
    timeout: float
    concurrency: int
    pexip_url: str


def auth_headers(settings: CollectorSettings) -> dict[str, str]:
    """HTTP Basic credentials, as both Cisco xAPI and the Pexip management API want them."""
    if not settings.username:
        return {}
    token = base64.b64encode(f"{settings.username}:{settings.password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


# A collector: the points of a session, a shared HTTP session, settings -> samples.
Collector = Callable[
    [list[Endpoint], aiohttp.ClientSession, CollectorSettings], Awaitable[list[MediaSample]]
]
