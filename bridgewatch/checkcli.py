"""`bridgewatch check`: a sweep now, with a progress bar, then a table grouped by unit."""

from __future__ import annotations

import json
import sys
import time
from itertools import groupby

from bridgewatch.monitor import SweepReport
from bridgewatch.readiness import READY, STATES

STATE_WORDS = {
    "vi": {
        "ready": "sẵn sàng",
        "degraded": "suy giảm",
        "unreachable": "không kết nối",
        "unknown": "chưa rõ",
    },
    "en": {
        "ready": "ready",
        "degraded": "degraded",
        "unreachable": "unreachable",
        "unknown": "unknown",
    },
}
HEADERS = {
    "vi": ("Mã", "Trạng thái", "RTT ms", "Mất gói", "MOS", "Điện thoại", "Lý do"),
    "en": ("Code", "State", "RTT ms", "Loss", "MOS", "Phone", "Reason"),
}


class ProgressBar:
    """A one-line bar on standard error, redrawn at most ten times a second."""

    def __init__(self, stream=sys.stderr, width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self._last = 0.0
        self.tty = stream.isatty()

    def __call__(self, done: int, total: int) -> None:
        moment = time.monotonic()
        if done < total and moment - self._last < (0.1 if self.tty else 2.0):
            return
        self._last = moment
        filled = int(self.width * done / max(total, 1))
        line = f"[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} probes"
        self.stream.write(("\r" + line) if self.tty else line + "\n")
        if done >= total and self.tty:
            self.stream.write("\n")
        self.stream.flush()


def report_json(report: SweepReport) -> list[dict]:
    rows = []
    for endpoint, status in report.statuses:
        rows.append(
            {
                "code": endpoint.code,
                "name": endpoint.name,
                "unit": endpoint.unit_code,
                "unit_path": endpoint.unit_path,
                "contact_name": endpoint.contact_name,
                "contact_phone": endpoint.contact_phone,
                **status.to_json(),
            }
        )
    rows.sort(key=lambda r: (r["unit_path"], r["code"]))
    return rows


def _figure(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def report_table(report: SweepReport, lang: str) -> str:
    words = STATE_WORDS[lang]
    header = HEADERS[lang]
    lines = []
    ordered = sorted(report.statuses, key=lambda item: (item[0].unit_path, item[0].code))
    for unit_path, group in groupby(ordered, key=lambda item: item[0].unit_path):
        group = list(group)
        ready = sum(1 for _, s in group if s.readiness.state == READY)
        lines.append(f"\n{unit_path}  ({ready}/{len(group)} {words['ready']})")
        lines.append(
            f"  {header[0]:<14} {header[1]:<14} {header[2]:>8} {header[3]:>8} {header[4]:>5}  {header[5]:<14} {header[6]}"
        )
        for endpoint, status in group:
            icmp = status.result("icmp")
            rtt = icmp.rtt_ms if icmp else None
            loss = f"{icmp.loss_pct:g}%" if icmp and icmp.loss_pct is not None else "-"
            reason = (
                ""
                if status.readiness.state == READY
                else (status.readiness.reason_vi if lang == "vi" else status.readiness.reason_en)
            )
            lines.append(
                f"  {endpoint.code:<14} {words[status.readiness.state]:<14} {_figure(rtt):>8} {loss:>8} "
                f"{_figure(status.readiness.mos, 2):>5}  {endpoint.contact_phone or '-':<14} {reason}"
            )
    counts = report.counts()
    total = sum(counts.values())
    summary = ", ".join(f"{counts[s]} {words[s]}" for s in STATES if counts[s])
    took = f"{report.stats.duration:.1f}s"
    lines.append(
        f"\n{total} {'điểm cầu' if lang == 'vi' else 'points'}: {summary or '-'} ({report.stats.probes} probes, {took})"
    )
    return "\n".join(lines).lstrip("\n")


def print_report(report: SweepReport, *, as_json: bool, lang: str) -> None:
    if as_json:
        print(json.dumps(report_json(report), ensure_ascii=False, indent=1))
    else:
        print(report_table(report, lang))
