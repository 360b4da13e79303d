"""/metrics: Prometheus text built from the latest state, not from the database, and cheaply.

Per-endpoint lines are rendered when a sweep updates the endpoint (so a scrape of 10,000 points
joins ready strings instead of formatting 60,000 samples); per-session and service lines are
few and rendered at scrape time.

Labels of per-point series: `endpoint` (code), `name`, `unit_path` (unit names from the root,
" / " between them: works for trees of any depth) and `level2` (the name of the second level —
district, department or, since 2025, commune — or of the root for points at the root), for
grouping in dashboards. `bridgewatch_endpoint_info` adds the unit's code, the technician and the
equipment; join on `endpoint`.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime, timedelta

from bridgewatch import __version__
from bridgewatch.monitor import Monitor
from bridgewatch.readiness import STATES
from bridgewatch.registry.models import Endpoint
from bridgewatch.state import EndpointStatus

STATE_VALUE = {"ready": 0, "degraded": 1, "unreachable": 2, "unknown": 3}
PHASES = ("scheduled", "checking", "live", "ended", "cancelled")

ENDPOINT_FAMILIES = {
    "bridgewatch_endpoint_info": (
        "gauge",
        "A bridge point, its unit and its technician (value 1).",
    ),
    "bridgewatch_endpoint_readiness": (
        "gauge",
        "1 for the point's current readiness state, 0 for the others.",
    ),
    "bridgewatch_endpoint_state": (
        "gauge",
        "Readiness as a number: 0 ready, 1 degraded, 2 unreachable, 3 unknown.",
    ),
    "bridgewatch_endpoint_up": (
        "gauge",
        "1 when the last probe of this kind (and port) got an answer.",
    ),
    "bridgewatch_endpoint_rtt_seconds": (
        "gauge",
        "Round trip of the last probe (ICMP: mean of the burst).",
    ),
    "bridgewatch_endpoint_jitter_seconds": (
        "gauge",
        "ICMP jitter: mean change between consecutive replies.",
    ),
    "bridgewatch_endpoint_loss_ratio": (
        "gauge",
        "Share of ICMP echoes (or SIP requests) lost, 0-1.",
    ),
    "bridgewatch_endpoint_mos": ("gauge", "Estimated network MOS (E-model, ITU-T G.107), 1-4.5."),
    "bridgewatch_endpoint_last_check_timestamp_seconds": (
        "gauge",
        "When the point was last probed.",
    ),
}


def escape(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def labels(**values: object) -> str:
    return "{" + ",".join(f'{k}="{escape(v)}"' for k, v in values.items()) + "}"


def _number(value: float) -> str:
    return repr(float(value))


class MetricsCache:
    """Keeps each point's lines per family, re-rendered when the point's state is updated.

    Each family's page text is joined once and kept until one of its points changes, so a
    scrape between sweeps costs little more than copying bytes.
    """

    def __init__(self, monitor: Monitor) -> None:
        self.monitor = monitor
        # Encoded once per update: a scrape only copies bytes.
        self.lines: dict[str, dict[int, bytes]] = {family: {} for family in ENDPOINT_FAMILIES}
        self._joined: dict[str, bytes] = {}
        # Each point's labels and state value, ready to paste into per-session lines at scrape time.
        self.member_tail: dict[int, str] = {}
        self.state_of: dict[int, str] = {}
        self.probes = Counter()
        monitor.state.watchers.add(self.update)

    def update(self, status: EndpointStatus) -> None:
        endpoint = self.monitor.endpoints.get(status.endpoint_id)
        if endpoint is None:
            return
        for result in status.results:
            self.probes[(result.kind, result.status)] += 1
        rendered = render_endpoint(endpoint, status)
        for family, lines in self.lines.items():
            text = rendered.get(family)
            if text is None:
                if lines.pop(endpoint.id, None) is not None:
                    self._joined.pop(family, None)
            elif lines.get(endpoint.id) != text:
                lines[endpoint.id] = text
                self._joined.pop(family, None)
        state = status.readiness.state
        self.state_of[endpoint.id] = state
        self.member_tail[endpoint.id] = (
            f"{labels(**point_labels(endpoint))[1:]} {STATE_VALUE[state]}\n"
        )

    def family(self, name: str) -> bytes:
        joined = self._joined.get(name)
        if joined is None:
            joined = self._joined[name] = b"".join(self.lines[name].values())
        return joined

    def forget(self, keep: set[int]) -> None:
        for store in (*self.lines.values(), self.member_tail, self.state_of):
            for endpoint_id in list(store):
                if endpoint_id not in keep:
                    del store[endpoint_id]
        self._joined.clear()


def point_labels(endpoint: Endpoint) -> dict[str, str]:
    names = endpoint.unit_path.split(" / ")
    return {
        "endpoint": endpoint.code,
        "name": endpoint.name,
        "unit_path": endpoint.unit_path,
        "level2": names[1] if len(names) > 1 else names[0],
    }


def render_endpoint(endpoint: Endpoint, status: EndpointStatus) -> dict[str, bytes]:
    base = point_labels(endpoint)
    out: dict[str, list[str]] = {family: [] for family in ENDPOINT_FAMILIES}
    info = {**base, "unit": endpoint.unit_code, "contact_name": endpoint.contact_name,
            "contact_phone": endpoint.contact_phone, "equipment": endpoint.equipment}  # fmt: skip
    out["bridgewatch_endpoint_info"].append(f"bridgewatch_endpoint_info{labels(**info)} 1")
    state = status.readiness.state
    for s in STATES:
        out["bridgewatch_endpoint_readiness"].append(
            f"bridgewatch_endpoint_readiness{labels(**base, state=s)} {1 if s == state else 0}"
        )
    out["bridgewatch_endpoint_state"].append(
        f"bridgewatch_endpoint_state{labels(**base)} {STATE_VALUE[state]}"
    )
    for r in status.results:
        if r.status == "unavailable":
            continue
        probe = labels(**base, kind=r.kind, port=r.port or "")
        out["bridgewatch_endpoint_up"].append(
            f"bridgewatch_endpoint_up{probe} {1 if r.status in ('up', 'degraded') else 0}"
        )
        if r.rtt_ms is not None:
            out["bridgewatch_endpoint_rtt_seconds"].append(
                f"bridgewatch_endpoint_rtt_seconds{probe} {_number(r.rtt_ms / 1000)}"
            )
        if r.kind == "icmp" and r.jitter_ms is not None:
            out["bridgewatch_endpoint_jitter_seconds"].append(
                f"bridgewatch_endpoint_jitter_seconds{labels(**base)} {_number(r.jitter_ms / 1000)}"
            )
        if r.kind in ("icmp", "sip") and r.loss_pct is not None:
            out["bridgewatch_endpoint_loss_ratio"].append(
                f"bridgewatch_endpoint_loss_ratio{labels(**base, kind=r.kind)} {_number(r.loss_pct / 100)}"
            )
    if status.readiness.mos is not None:
        out["bridgewatch_endpoint_mos"].append(
            f"bridgewatch_endpoint_mos{labels(**base)} {_number(status.readiness.mos)}"
        )
    out["bridgewatch_endpoint_last_check_timestamp_seconds"].append(
        f"bridgewatch_endpoint_last_check_timestamp_seconds{labels(**base)} {_number(status.checked_at.timestamp())}"
    )
    return {family: ("\n".join(lines) + "\n").encode() for family, lines in out.items() if lines}


def _family(name: str, kind: str, help_text: str, lines: list[str] | bytes) -> bytes:
    body = lines if isinstance(lines, bytes) else "".join(line + "\n" for line in lines).encode()
    return f"# HELP {name} {help_text}\n# TYPE {name} {kind}\n".encode() + body


def render(
    cache: MetricsCache, sessions: dict, *, first_offset: timedelta, now: datetime, webhook=None,
    present: dict | None = None,
) -> bytes:  # fmt: skip
    """The whole exposition; cheap: joins the cached per-point text, formats the rest."""
    parts = [_family("bridgewatch_build_info", "gauge", "bridgewatch's version (value 1).",
                     [f'bridgewatch_build_info{{version="{__version__}"}} 1'])]  # fmt: skip
    for family, (kind, help_text) in ENDPOINT_FAMILIES.items():
        parts.append(_family(family, kind, help_text, cache.family(family)))
    parts.append(
        _sessions(cache, sessions, first_offset=first_offset, now=now, present=present or {})
    )
    parts.append(_service(cache, webhook))
    return b"".join(parts)


def _sessions(
    cache: MetricsCache, sessions: dict, *, first_offset: timedelta, now: datetime, present: dict
) -> bytes:
    points, expected, reported, phase, starts, ends, members = [], [], [], [], [], [], []
    for session, ids in sessions.values():
        tag = {"session": session.id, "title": session.title}
        states = [cache.state_of.get(i, "unknown") for i in ids]
        counts = Counter(states)
        prefix = f'bridgewatch_session_endpoint_state{{session="{session.id}",'
        members.append(
            "".join(prefix + cache.member_tail[i] for i in ids if i in cache.member_tail)
        )
        points.extend(
            f"bridgewatch_session_points{labels(**tag, state=s)} {counts[s]}" for s in STATES
        )
        expected.append(f"bridgewatch_session_expected_delegates{labels(**tag)} {session.expected}")
        reported.append(
            f"bridgewatch_session_present_delegates{labels(**tag)} {present.get(session.id, 0)}"
        )
        current = session.phase(now, first_offset)
        phase.extend(
            f"bridgewatch_session_phase{labels(**tag, phase=p)} {1 if p == current else 0}"
            for p in PHASES
        )
        starts.append(
            f"bridgewatch_session_start_timestamp_seconds{labels(**tag)} {_number(session.starts_at.timestamp())}"
        )
        ends.append(
            f"bridgewatch_session_end_timestamp_seconds{labels(**tag)} {_number(session.ends_at.timestamp())}"
        )
    return b"".join((
        _family("bridgewatch_session_points", "gauge", "Points of a session per readiness state.", points),
        _family("bridgewatch_session_endpoint_state", "gauge", "Readiness of each point of a session: 0 ready, 1 degraded, 2 unreachable, 3 unknown.", "".join(members).encode()),
        _family("bridgewatch_session_expected_delegates", "gauge", "Delegates expected, summed over the session's points.", expected),
        _family("bridgewatch_session_present_delegates", "gauge", "Delegates reported present (at the start or late), summed over the session's points.", reported),
        _family("bridgewatch_session_phase", "gauge", "1 for the session's current phase.", phase),
        _family("bridgewatch_session_start_timestamp_seconds", "gauge", "When the session starts.", starts),
        _family("bridgewatch_session_end_timestamp_seconds", "gauge", "When the session ends.", ends),
    ))  # fmt: skip


def _service(cache: MetricsCache, webhook) -> bytes:
    monitor = cache.monitor
    writer = monitor.writer.stats
    last = monitor.last_sweep
    probes = [
        f"bridgewatch_probes_total{labels(kind=k, result=r)} {n}"
        for (k, r), n in sorted(cache.probes.items())
    ]
    parts = [
        _family("bridgewatch_probes_total", "counter", "Probe results by kind and result.", probes),
        _family("bridgewatch_sweeps_total", "counter", "Sweeps run by this process.", [f"bridgewatch_sweeps_total {monitor.sweeps}"]),
        _family("bridgewatch_sweep_duration_seconds", "gauge", "Wall time of the last sweep.",
                [f"bridgewatch_sweep_duration_seconds {_number(last.stats.duration)}"] if last else []),
        _family("bridgewatch_last_sweep_timestamp_seconds", "gauge", "When the last sweep finished.",
                [f"bridgewatch_last_sweep_timestamp_seconds {_number(last.finished_at.timestamp())}"] if last else []),
        _family("bridgewatch_write_buffer_rows", "gauge", "Results waiting to be written to the database.",
                [f"bridgewatch_write_buffer_rows {monitor.writer.pending}"]),
        _family("bridgewatch_results_written_total", "counter", "Result rows written to the database.", [f"bridgewatch_results_written_total {writer.written}"]),
        _family("bridgewatch_results_dropped_total", "counter", "Result rows dropped because the buffer was full.", [f"bridgewatch_results_dropped_total {writer.dropped}"]),
        _family("bridgewatch_database_errors_total", "counter", "Failed attempts to write results.", [f"bridgewatch_database_errors_total {writer.errors}"]),
    ]  # fmt: skip
    if webhook is not None:
        parts.append(
            _family(
                "bridgewatch_alerts_sent_total",
                "counter",
                "Alerts delivered to the webhook.",
                [f"bridgewatch_alerts_sent_total {webhook.sent}"],
            )
        )
        parts.append(
            _family(
                "bridgewatch_alerts_failed_total",
                "counter",
                "Alerts given up on.",
                [f"bridgewatch_alerts_failed_total {webhook.failed}"],
            )
        )
    parts.append(
        _family(
            "bridgewatch_scrape_timestamp_seconds",
            "gauge",
            "When this page was rendered.",
            [f"bridgewatch_scrape_timestamp_seconds {_number(time.time())}"],
        )
    )
    return b"".join(parts)
