"""The latest-state cache: each endpoint's last results and readiness, what the API and /metrics read."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bridgewatch.probes.base import ProbeResult
from bridgewatch.readiness import STATES, Readiness

log = logging.getLogger(__name__)


@dataclass
class EndpointStatus:
    endpoint_id: int
    code: str
    readiness: Readiness
    checked_at: datetime
    results: list[ProbeResult] = field(default_factory=list)
    changed_at: datetime | None = None

    def result(self, kind: str) -> ProbeResult | None:
        return next((r for r in self.results if r.kind == kind), None)

    def to_json(self) -> dict:
        return {
            "code": self.code,
            **self.readiness.to_json(),
            "checked_at": self.checked_at.isoformat(),
            "changed_at": self.changed_at.isoformat() if self.changed_at else None,
            "probes": [r.to_json() for r in self.results],
        }


class LatestState:
    """In-memory, per process; updated as each endpoint's sweep finishes."""

    def __init__(self) -> None:
        self._by_id: dict[int, EndpointStatus] = {}
        # Called on a change of state (old state, or None for a first result).
        self.listeners: list[Callable[[EndpointStatus, str | None], None]] = []
        # Called on every update (live pages).
        self.watchers: set[Callable[[EndpointStatus], None]] = set()

    def update(
        self,
        endpoint_id: int,
        code: str,
        results: list[ProbeResult],
        readiness: Readiness,
        at: datetime,
    ) -> EndpointStatus:
        previous = self._by_id.get(endpoint_id)
        old_state = previous.readiness.state if previous else None
        changed_at = previous.changed_at if previous and old_state == readiness.state else at
        status = EndpointStatus(endpoint_id, code, readiness, at, results, changed_at)
        self._by_id[endpoint_id] = status
        if old_state != readiness.state:
            if old_state is not None:
                log.info("%s: %s -> %s (%s)", code, old_state, readiness.state, readiness.reason_en)
            for listener in self.listeners:
                listener(status, old_state)
        for watcher in list(self.watchers):
            watcher(status)
        return status

    def get(self, endpoint_id: int) -> EndpointStatus | None:
        return self._by_id.get(endpoint_id)

    def all(self) -> list[EndpointStatus]:
        return list(self._by_id.values())

    def forget(self, keep: set[int]) -> None:
        """Drop endpoints that are no longer in the registry."""
        for endpoint_id in list(self._by_id):
            if endpoint_id not in keep:
                del self._by_id[endpoint_id]

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATES, 0)
        for status in self._by_id.values():
            counts[status.readiness.state] += 1
        return counts
