"""The report's charts (matplotlib, no display): readiness over time, attendance by unit, quality per point."""

from __future__ import annotations

import io

from bridgewatch.reports.data import ReportData
from bridgewatch.reports.text import LABELS

COLORS = {"ready": "#1b7f3b", "degraded": "#b36b00", "unreachable": "#c62828", "unknown": "#6b7280"}


def _figure(width: float = 8, height: float = 3.2):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=110)
    return figure, figure.add_subplot(1, 1, 1)


def _save(figure, fmt: str) -> bytes:
    out = io.BytesIO()
    figure.tight_layout()
    figure.savefig(out, format=fmt)
    return out.getvalue()


def readiness_over_time(data: ReportData, lang: str, zone, fmt: str) -> bytes:
    t = LABELS[lang]
    figure, ax = _figure()
    sweeps = data.checks + data.live
    labels = [
        s["slot"]
        if s["slot"].startswith("T-")
        else s["started_at"].astimezone(zone).strftime("%H:%M:%S")
        for s in sweeps
    ]
    bottom = [0] * len(sweeps)
    for state in ("ready", "degraded", "unreachable", "unknown"):
        values = [s[state] for s in sweeps]
        ax.bar(range(len(sweeps)), values, bottom=bottom, color=COLORS[state], label=t[state])
        bottom = [a + b for a, b in zip(bottom, values, strict=True)]
    ax.set_xticks(range(len(sweeps)), labels, rotation=60, fontsize=7)
    ax.set_title(t["chart_readiness"])
    ax.legend(fontsize=7, loc="lower right")
    return _save(figure, fmt)


def attendance_by_unit(data: ReportData, lang: str, fmt: str) -> bytes:
    t = LABELS[lang]
    figure, ax = _figure(height=max(2.5, 0.32 * len(data.units) + 1))
    names = [u.name for u in data.units]
    ax.barh(names, [u.expected for u in data.units], color="#cbd5e1", label=t["expected"])
    ax.barh(names, [u.present for u in data.units], color="#0f3d68", label=t["present"], height=0.5)
    ax.invert_yaxis()
    ax.tick_params(labelsize=7)
    ax.set_title(t["chart_attendance"])
    ax.legend(fontsize=7)
    return _save(figure, fmt)


def quality_per_point(data: ReportData, lang: str, fmt: str) -> bytes:
    t = LABELS[lang]
    rated = [p for p in data.points if p.audio is not None][:60]
    figure, ax = _figure(height=3.4)
    xs = range(len(rated))
    ax.bar(
        [x - 0.2 for x in xs],
        [p.audio for p in rated],
        width=0.4,
        color="#0f3d68",
        label=t["audio"],
    )
    ax.bar(
        [x + 0.2 for x in xs],
        [p.video for p in rated],
        width=0.4,
        color="#7c3aed",
        label=t["video"],
    )
    ax.set_xticks(list(xs), [p.code for p in rated], rotation=70, fontsize=6)
    ax.set_ylim(0, 5.2)
    ax.set_title(t["chart_quality"])
    ax.legend(fontsize=7)
    return _save(figure, fmt)
