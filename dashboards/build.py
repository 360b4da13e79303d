"""Writes the Grafana dashboards in this folder: `python dashboards/build.py`. Edit here, not the JSON.

Every dashboard has a `datasource` variable (Prometheus, by uid), a `session` and a `unit`
variable, and the selected session's start and end as annotations.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).parent
DS = {"type": "prometheus", "uid": "${datasource}"}
STATE_MAPPINGS = [
    {"type": "value", "options": {
        "0": {"text": "Sẵn sàng / ready", "color": "green", "index": 0},
        "1": {"text": "Suy giảm / degraded", "color": "orange", "index": 1},
        "2": {"text": "Không kết nối / unreachable", "color": "red", "index": 2},
        "3": {"text": "Chưa rõ / unknown", "color": "gray", "index": 3}}},
]  # fmt: skip


def variables(extra: list[dict] | None = None) -> dict:
    def query_var(name: str, label: str, query: str, *, multi: bool = False) -> dict:
        return {
            "name": name, "label": label, "type": "query", "datasource": DS,
            "query": {"query": query, "refId": f"{name}-var"}, "definition": query, "refresh": 2,
            "includeAll": multi, "multi": multi, "allValue": ".*" if multi else None, "sort": 1,
            "current": {"selected": True, "text": "All", "value": "$__all"} if multi else {},
        }  # fmt: skip

    return {"list": [
        {"name": "datasource", "label": "Prometheus", "type": "datasource", "query": "prometheus",
         "current": {}, "hide": 0, "refresh": 1},
        query_var("session", "Phiên họp / Session", "label_values(bridgewatch_session_phase, session)"),
        query_var("unit", "Đơn vị / Unit", "label_values(bridgewatch_endpoint_state, level2)", multi=True),
        *(extra or []),
    ]}  # fmt: skip


def annotations() -> dict:
    def one(name: str, metric: str, color: str) -> dict:
        return {"name": name, "datasource": DS, "enable": True, "iconColor": color, "useValueForTime": True,
                "expr": f'{metric}{{session="$session"}} * 1000', "step": "60s",
                "titleFormat": name, "textFormat": "{{title}}"}  # fmt: skip

    return {"list": [
        {"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"}, "enable": True, "hide": True,
         "iconColor": "rgba(0, 211, 255, 1)", "name": "Annotations & Alerts", "type": "dashboard"},
        one("Bắt đầu / Session start", "bridgewatch_session_start_timestamp_seconds", "green"),
        one("Kết thúc / Session end", "bridgewatch_session_end_timestamp_seconds", "red"),
    ]}  # fmt: skip


class Panels:
    def __init__(self) -> None:
        self.items: list[dict] = []
        self.x = self.y = 0

    def add(
        self,
        kind: str,
        title: str,
        targets: list[tuple[str, str]],
        *,
        w: int = 12,
        h: int = 8,
        unit: str | None = None,
        instant: bool = False,
        table: bool = False,
        extra: dict | None = None,
    ) -> None:
        if self.x + w > 24:
            self.x, self.y = 0, self.y + h
        panel = {
            "id": len(self.items) + 1, "type": kind, "title": title, "datasource": DS,
            "gridPos": {"x": self.x, "y": self.y, "w": w, "h": h},
            "targets": [{"refId": chr(65 + i), "datasource": DS, "expr": expr, "legendFormat": legend,
                         "instant": instant or table, "range": not (instant or table),
                         **({"format": "table"} if table else {})}
                        for i, (expr, legend) in enumerate(targets)],
            "fieldConfig": {"defaults": {**({"unit": unit} if unit else {})}, "overrides": []},
            "options": {},
        }  # fmt: skip
        if extra:
            for key, value in extra.items():
                if key == "defaults":
                    panel["fieldConfig"]["defaults"].update(value)
                else:
                    panel[key] = value
        self.items.append(panel)
        self.x += w


def dashboard(
    uid: str,
    title: str,
    panels: Panels,
    *,
    extra_vars: list[dict] | None = None,
    refresh: str = "10s",
) -> dict:
    return {
        "uid": uid, "title": title, "tags": ["bridgewatch"], "timezone": "browser", "schemaVersion": 39,
        "version": 1, "editable": True, "refresh": refresh, "time": {"from": "now-3h", "to": "now"},
        "templating": variables(extra_vars), "annotations": annotations(), "panels": panels.items,
    }  # fmt: skip


def readiness_overview() -> dict:
    p = Panels()
    for state, color in (
        ("ready", "green"),
        ("degraded", "orange"),
        ("unreachable", "red"),
        ("unknown", "gray"),
    ):
        p.add("stat", {"ready": "Sẵn sàng / Ready", "degraded": "Suy giảm / Degraded",
                       "unreachable": "Không kết nối / Unreachable", "unknown": "Chưa rõ / Unknown"}[state],
              [(f'sum(bridgewatch_endpoint_readiness{{state="{state}", level2=~"$unit"}})', state)], w=6, h=4,
              extra={"defaults": {"color": {"mode": "fixed", "fixedColor": color}}})  # fmt: skip
    p.add("bargauge", "Tỷ lệ sẵn sàng theo đơn vị / Ready share by unit",
          [('sum by (level2) (bridgewatch_endpoint_readiness{state="ready", level2=~"$unit"}) / count by (level2) (bridgewatch_endpoint_state{level2=~"$unit"})', "{{level2}}")],
          w=12, h=10, unit="percentunit", instant=True, extra={"defaults": {"min": 0, "max": 1}})  # fmt: skip
    p.add(
        "timeseries",
        "Điểm cầu theo trạng thái / Points by state",
        [('sum by (state) (bridgewatch_endpoint_readiness{level2=~"$unit"})', "{{state}}")],
        w=12,
        h=10,
    )
    p.add("table", "Điểm cầu chưa sẵn sàng và người phụ trách / Points not ready and whom to call",
          [('(bridgewatch_endpoint_state{level2=~"$unit"} > 0) * on (endpoint) group_left (contact_name, contact_phone) bridgewatch_endpoint_info', "")],
          w=24, h=12, table=True, extra={"defaults": {"mappings": STATE_MAPPINGS},
          "transformations": [{"id": "organize", "options": {"excludeByName": {"Time": True, "__name__": True}}}]})  # fmt: skip
    return dashboard(
        "bridgewatch-readiness", "bridgewatch · Sẵn sàng theo đơn vị / Readiness by unit", p
    )


def live_session() -> dict:
    p = Panels()
    member = 'on (endpoint) group_left () (bridgewatch_session_endpoint_state{session="$session", level2=~"$unit"} * 0 + 1)'
    p.add("timeseries", "Trạng thái điểm cầu theo thời gian / Points per state over time",
          [('bridgewatch_session_points{session="$session"}', "{{state}}")], w=12, h=9,
          extra={"defaults": {"custom": {"stacking": {"mode": "normal"}, "fillOpacity": 40}}})  # fmt: skip
    p.add(
        "stat",
        "Đại biểu dự kiến / Delegates expected",
        [('bridgewatch_session_expected_delegates{session="$session"}', "expected")],
        w=6,
        h=9,
    )
    p.add("stat", "Giai đoạn / Phase", [('bridgewatch_session_phase{session="$session"} == 1', "{{phase}}")], w=6, h=9,
          extra={"options": {"textMode": "name", "reduceOptions": {"calcs": ["lastNotNull"]}}})  # fmt: skip
    p.add("state-timeline", "Điểm cầu theo thời gian / Points over time",
          [('bridgewatch_session_endpoint_state{session="$session", level2=~"$unit"}', "{{endpoint}} {{name}}")],
          w=24, h=14, extra={"defaults": {"mappings": STATE_MAPPINGS, "color": {"mode": "thresholds"},
          "thresholds": {"mode": "absolute", "steps": [{"color": "green", "value": None}, {"color": "orange", "value": 1},
                                                        {"color": "red", "value": 2}, {"color": "gray", "value": 3}]}}})  # fmt: skip
    p.add(
        "timeseries",
        "Mất gói theo điểm / Loss per point",
        [(f'bridgewatch_endpoint_loss_ratio{{kind="icmp"}} * {member}', "{{endpoint}}")],
        w=8,
        h=9,
        unit="percentunit",
    )
    p.add(
        "timeseries",
        "Độ trễ theo điểm / Round trip per point",
        [(f'bridgewatch_endpoint_rtt_seconds{{kind="icmp"}} * {member}', "{{endpoint}}")],
        w=8,
        h=9,
        unit="s",
    )
    p.add(
        "timeseries",
        "MOS ước tính theo điểm / Estimated MOS per point",
        [(f"bridgewatch_endpoint_mos * {member}", "{{endpoint}}")],
        w=8,
        h=9,
        extra={"defaults": {"min": 1, "max": 4.5}},
    )
    p.add(
        "bargauge",
        "Đại biểu dự kiến theo đơn vị / Delegates expected (attendance is reported after the session)",
        [('bridgewatch_session_expected_delegates{session="$session"}', "expected")],
        w=24,
        h=6,
        instant=True,
    )
    return dashboard(
        "bridgewatch-session", "bridgewatch · Phiên họp trực tiếp / Live session", p, refresh="5s"
    )


def point_history() -> dict:
    p = Panels()
    endpoint_var = {"name": "endpoint", "label": "Điểm cầu / Point", "type": "query", "datasource": DS,
                    "query": {"query": 'label_values(bridgewatch_endpoint_info{level2=~"$unit"}, endpoint)', "refId": "endpoint-var"},
                    "definition": 'label_values(bridgewatch_endpoint_info{level2=~"$unit"}, endpoint)', "refresh": 2,
                    "includeAll": False, "multi": False, "sort": 1, "current": {}}  # fmt: skip
    p.add("table", "Điểm cầu / Point", [('bridgewatch_endpoint_info{endpoint="$endpoint"}', "")], w=24, h=4, table=True,
          extra={"transformations": [{"id": "organize", "options": {"excludeByName": {"Time": True, "__name__": True, "Value": True}}}]})  # fmt: skip
    p.add(
        "state-timeline",
        "Trạng thái / State",
        [('bridgewatch_endpoint_state{endpoint="$endpoint"}', "{{endpoint}}")],
        w=24,
        h=5,
        extra={"defaults": {"mappings": STATE_MAPPINGS}},
    )
    p.add(
        "timeseries",
        "Độ trễ / Round trip",
        [('bridgewatch_endpoint_rtt_seconds{endpoint="$endpoint"}', "{{kind}} {{port}}")],
        w=12,
        unit="s",
    )
    p.add(
        "timeseries",
        "Mất gói / Loss",
        [('bridgewatch_endpoint_loss_ratio{endpoint="$endpoint"}', "{{kind}}")],
        w=12,
        unit="percentunit",
    )
    p.add(
        "timeseries",
        "Jitter",
        [('bridgewatch_endpoint_jitter_seconds{endpoint="$endpoint"}', "jitter")],
        w=8,
        unit="s",
    )
    p.add(
        "timeseries",
        "MOS ước tính / Estimated MOS",
        [('bridgewatch_endpoint_mos{endpoint="$endpoint"}', "MOS")],
        w=8,
    )
    p.add("state-timeline", "Trả lời theo loại / Answers by probe", [('bridgewatch_endpoint_up{endpoint="$endpoint"}', "{{kind}} {{port}}")], w=8,
          extra={"defaults": {"mappings": [{"type": "value", "options": {"0": {"text": "down", "color": "red"}, "1": {"text": "up", "color": "green"}}}]}})  # fmt: skip
    return dashboard(
        "bridgewatch-point",
        "bridgewatch · Lịch sử điểm cầu / Point history",
        p,
        extra_vars=[endpoint_var],
        refresh="30s",
    )


def service_health() -> dict:
    p = Panels()
    p.add(
        "stat",
        "Từ lần quét cuối / Since the last sweep",
        [("time() - bridgewatch_last_sweep_timestamp_seconds", "age")],
        w=6,
        h=5,
        unit="s",
    )
    p.add(
        "stat",
        "Thời gian quét / Sweep duration",
        [("bridgewatch_sweep_duration_seconds", "duration")],
        w=6,
        h=5,
        unit="s",
    )
    p.add(
        "stat", "Hàng đợi ghi / Write buffer", [("bridgewatch_write_buffer_rows", "rows")], w=6, h=5
    )
    p.add(
        "stat",
        "Kết quả bị bỏ / Results dropped (1 h)",
        [("increase(bridgewatch_results_dropped_total[1h])", "dropped")],
        w=6,
        h=5,
    )
    p.add(
        "timeseries",
        "Đầu dò theo loại và kết quả / Probes by kind and result",
        [
            (
                "sum by (kind, result) (rate(bridgewatch_probes_total[$__rate_interval]))",
                "{{kind}} {{result}}",
            )
        ],
        w=12,
        unit="ops",
    )
    p.add("timeseries", "Lỗi cơ sở dữ liệu, cảnh báo / Database errors, alerts",
          [("rate(bridgewatch_database_errors_total[$__rate_interval])", "database errors"),
           ("rate(bridgewatch_results_written_total[$__rate_interval])", "rows written"),
           ("rate(bridgewatch_alerts_sent_total[$__rate_interval])", "alerts sent")], w=12)  # fmt: skip
    return dashboard(
        "bridgewatch-service", "bridgewatch · Tình trạng dịch vụ / Service health", p, refresh="30s"
    )


BOARDS = {
    "readiness-overview.json": readiness_overview,
    "live-session.json": live_session,
    "point-history.json": point_history,
    "service-health.json": service_health,
}

if __name__ == "__main__":
    for name, build in BOARDS.items():
        (HERE / name).write_text(
            json.dumps(build(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        print(f"wrote dashboards/{name}")
