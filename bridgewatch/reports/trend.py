"""The trend report over a date range: points failing again and again, time to restore,
attendance per unit over time, and where equipment is missing or short."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

import asyncpg
import jinja2

from bridgewatch.errors import ValidationError
from bridgewatch.reports.data import group_of
from bridgewatch.reports.text import number, percent, when

NON_STANDARD = ("webcam", "máy tính", "laptop", "điện thoại")

WORDS = {
    "vi": {"title": "Báo cáo xu hướng", "sessions": "Số phiên họp", "repeated": "Điểm cầu nhiều lần có sự cố",
           "code": "Mã", "point": "Điểm cầu", "unit": "Đơn vị", "problem_sessions": "Số phiên có sự cố",
           "mttr": "Thời gian khắc phục trung bình (phút)", "incidents": "Sự cố", "attendance": "Tỷ lệ tham dự theo đơn vị",
           "session": "Phiên họp", "date": "Ngày", "rate": "Tỷ lệ", "gaps": "Thiếu hụt thiết bị",
           "no_point": "Đơn vị chưa có điểm cầu", "equipment": "Điểm cầu thiếu hoặc dùng thiết bị không chuyên dụng",
           "small_halls": "Hội trường nhỏ hơn số đại biểu thường dự", "capacity": "Sức chứa", "usual": "Đại biểu thường dự",
           "none": "Không có", "overall_mttr": "Thời gian khắc phục trung bình chung"},
    "en": {"title": "Trend report", "sessions": "Sessions", "repeated": "Points with repeated problems",
           "code": "Code", "point": "Point", "unit": "Unit", "problem_sessions": "Sessions with problems",
           "mttr": "Mean time to restore (min)", "incidents": "Incidents", "attendance": "Attendance rate per unit",
           "session": "Session", "date": "Date", "rate": "Rate", "gaps": "Equipment gaps",
           "no_point": "Units with no point", "equipment": "Points with missing or non-standard equipment",
           "small_halls": "Halls smaller than their usual attendance", "capacity": "Capacity", "usual": "Usual attendance",
           "none": "None", "overall_mttr": "Overall mean time to restore"},
}  # fmt: skip


@dataclass
class Trend:
    since: datetime
    until: datetime
    sessions: list[asyncpg.Record]
    repeated: list[dict]
    attendance: list[dict]
    units_without_points: list[str]
    equipment_gaps: list[dict]
    small_halls: list[dict]
    overall_mttr_min: float | None


async def gather_trend(conn: asyncpg.Connection, since: datetime, until: datetime) -> Trend:
    if until <= since:
        raise ValidationError("to", "'to' must be after 'from'")
    sessions = await conn.fetch(
        """SELECT id, title, starts_at FROM session
           WHERE cancelled_at IS NULL AND starts_at >= $1 AND starts_at < $2 ORDER BY starts_at""",
        since,
        until,
    )
    ids = [s["id"] for s in sessions]
    # A problem in a session: not ready at its last pre-session check, or an alert incident.
    problems = await conn.fetch(
        """WITH last_check AS (
               SELECT DISTINCT ON (session_id) id, session_id FROM sweep
               WHERE session_id = ANY($1) AND slot LIKE 'T-%' ORDER BY session_id, started_at DESC),
           not_ready AS (
               SELECT c.session_id, r.endpoint_id FROM last_check c JOIN readiness_result r ON r.sweep_id = c.id
               WHERE r.state <> 'ready'),
           alerted AS (
               SELECT session_id, endpoint_id FROM alert_incident WHERE session_id = ANY($1) AND suppressed_by IS NULL)
           SELECT endpoint_id, count(DISTINCT session_id) AS sessions
           FROM (SELECT * FROM not_ready UNION SELECT * FROM alerted) p GROUP BY endpoint_id""",
        ids,
    )
    restore = await conn.fetch(
        """SELECT endpoint_id, count(*) AS incidents,
                  avg(extract(epoch FROM closed_at - opened_at)) / 60 AS minutes
           FROM alert_incident WHERE session_id = ANY($1) AND suppressed_by IS NULL AND closed_at IS NOT NULL
           GROUP BY endpoint_id""",
        ids,
    )
    overall = await conn.fetchval(
        """SELECT avg(extract(epoch FROM closed_at - opened_at)) / 60 FROM alert_incident
           WHERE session_id = ANY($1) AND suppressed_by IS NULL AND closed_at IS NOT NULL""",
        ids,
    )
    points = {
        r["id"]: r
        for r in await conn.fetch(
            """SELECT e.id, e.code, e.name, t.path, e.equipment, e.hall_capacity, e.active FROM endpoint e
               JOIN unit_tree t ON t.id = e.unit_id"""
        )
    }
    mttr = {r["endpoint_id"]: r for r in restore}
    repeated = [
        {"code": points[r["endpoint_id"]]["code"], "name": points[r["endpoint_id"]]["name"],
         "unit": group_of(points[r["endpoint_id"]]["path"]), "sessions": r["sessions"],
         "incidents": mttr[r["endpoint_id"]]["incidents"] if r["endpoint_id"] in mttr else 0,
         "mttr": float(mttr[r["endpoint_id"]]["minutes"]) if r["endpoint_id"] in mttr else None}
        for r in problems if r["sessions"] >= 2 and r["endpoint_id"] in points
    ]  # fmt: skip
    repeated.sort(key=lambda r: (-r["sessions"], r["code"]))
    per_unit = await conn.fetch(
        """SELECT p.session_id, t.path, sum(p.expected) AS expected, sum(a.present_at_start + a.late) AS present
           FROM session_point p JOIN attendance a USING (session_id, endpoint_id)
           JOIN endpoint e ON e.id = p.endpoint_id JOIN unit_tree t ON t.id = e.unit_id
           WHERE p.session_id = ANY($1) GROUP BY p.session_id, t.path""",
        ids,
    )
    starts = {s["id"]: s for s in sessions}
    grouped: dict[tuple[int, str], list[int]] = {}
    for r in per_unit:
        key = (r["session_id"], group_of(r["path"]))
        acc = grouped.setdefault(key, [0, 0])
        acc[0] += r["present"]
        acc[1] += r["expected"]
    attendance = [
        {"session": starts[sid]["title"], "date": starts[sid]["starts_at"], "unit": unit, "present": present,
         "expected": expected, "rate": present / expected if expected else None}
        for (sid, unit), (present, expected) in sorted(grouped.items(), key=lambda kv: (starts[kv[0][0]]["starts_at"], kv[0][1]))
    ]  # fmt: skip
    empty_units = await conn.fetch(
        """SELECT t.path FROM unit u JOIN unit_tree t ON t.id = u.id
           WHERE NOT EXISTS (SELECT 1 FROM unit c WHERE c.parent_id = u.id)
             AND NOT EXISTS (SELECT 1 FROM endpoint e WHERE e.unit_id = u.id AND e.active)
           ORDER BY t.path"""
    )
    gaps = [
        {
            "code": p["code"],
            "name": p["name"],
            "unit": group_of(p["path"]),
            "equipment": p["equipment"] or "–",
        }
        for p in points.values()
        if p["active"]
        and (not p["equipment"].strip() or any(w in p["equipment"].lower() for w in NON_STANDARD))
    ]
    gaps.sort(key=lambda g: (g["unit"], g["code"]))
    usual = await conn.fetch(
        """SELECT p.endpoint_id, avg(a.present_at_start + a.late) AS usual FROM attendance a
           JOIN session_point p USING (session_id, endpoint_id) WHERE a.session_id = ANY($1) GROUP BY p.endpoint_id""",
        ids,
    )
    small = [
        {"code": points[r["endpoint_id"]]["code"], "name": points[r["endpoint_id"]]["name"],
         "unit": group_of(points[r["endpoint_id"]]["path"]), "capacity": points[r["endpoint_id"]]["hall_capacity"],
         "usual": float(r["usual"])}
        for r in usual
        if r["endpoint_id"] in points and points[r["endpoint_id"]]["hall_capacity"] is not None
        and points[r["endpoint_id"]]["hall_capacity"] < float(r["usual"])
    ]  # fmt: skip
    return Trend(since, until, sessions, repeated, attendance, [r["path"] for r in empty_units], gaps, small,
                 float(overall) if overall is not None else None)  # fmt: skip


def tables(trend: Trend, lang: str, zone) -> list[tuple[str, list[str], list[list[str]]]]:
    w = WORDS[lang]
    return [
        (w["repeated"], [w["code"], w["point"], w["unit"], w["problem_sessions"], w["incidents"], w["mttr"]],
         [[r["code"], r["name"], r["unit"], number(r["sessions"], lang), number(r["incidents"], lang),
           number(r["mttr"], lang, 1) if r["mttr"] is not None else "–"] for r in trend.repeated]),
        (w["attendance"], [w["date"], w["session"], w["unit"], "present", "expected", w["rate"]],
         [[when(a["date"], zone), a["session"], a["unit"], number(a["present"], lang), number(a["expected"], lang),
           percent(a["rate"], lang)] for a in trend.attendance]),
        (w["no_point"], [w["unit"]], [[u] for u in trend.units_without_points]),
        (w["equipment"], [w["code"], w["point"], w["unit"], "equipment"],
         [[g["code"], g["name"], g["unit"], g["equipment"]] for g in trend.equipment_gaps]),
        (w["small_halls"], [w["code"], w["point"], w["unit"], w["capacity"], w["usual"]],
         [[s["code"], s["name"], s["unit"], number(s["capacity"], lang), number(s["usual"], lang, 1)] for s in trend.small_halls]),
    ]  # fmt: skip


TEMPLATE = jinja2.Environment(autoescape=True).from_string(
    """<!doctype html><html lang="{{ lang }}"><head><meta charset="utf-8"><title>{{ title }}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:14px/1.45 system-ui,"DejaVu Sans",Arial,sans-serif;max-width:1100px;margin:1.5rem auto;padding:0 1rem}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border:1px solid #cbd5e1;padding:.3rem .45rem;text-align:left}
th{background:#e8eef5}h2{font-size:1.1rem;border-bottom:2px solid #0f3d68;margin-top:1.5rem}</style></head><body>
<h1>{{ title }}</h1><p>{{ period }} · {{ sessions_label }}: {{ sessions }} · {{ mttr_label }}: {{ mttr }}</p>
{% for name, header, rows in tables %}<h2>{{ name }}</h2>
{% if rows %}<table><tr>{% for h in header %}<th>{{ h }}</th>{% endfor %}</tr>
{% for row in rows %}<tr>{% for c in row %}<td>{{ c }}</td>{% endfor %}</tr>{% endfor %}</table>{% else %}<p>{{ none }}</p>{% endif %}
{% endfor %}</body></html>"""
)


def render_trend(trend: Trend, fmt: str, lang: str, zone) -> bytes:
    if lang not in WORDS:
        raise ValidationError("lang", "lang must be vi or en")
    w = WORDS[lang]
    parts = tables(trend, lang, zone)
    if fmt == "html":
        mttr = (
            "–"
            if trend.overall_mttr_min is None
            else f"{number(trend.overall_mttr_min, lang, 1)} min"
        )
        return TEMPLATE.render(
            lang=lang, title=w["title"], period=f"{when(trend.since, zone)} – {when(trend.until, zone)}",
            sessions_label=w["sessions"], sessions=len(trend.sessions), mttr_label=w["overall_mttr"], mttr=mttr,
            tables=parts, none=w["none"],
        ).encode()  # fmt: skip
    if fmt == "csv":
        out = io.StringIO(newline="")
        writer = csv.writer(out, lineterminator="\r\n")
        for name, header, rows in parts:
            writer.writerow([name])
            writer.writerow(header)
            writer.writerows(rows)
            writer.writerow([])
        return ("\ufeff" + out.getvalue()).encode()
    if fmt == "xlsx":
        import openpyxl

        book = openpyxl.Workbook()
        book.remove(book.active)
        for index, (name, header, rows) in enumerate(parts, start=1):
            sheet = book.create_sheet(f"{index} {name}"[:31])
            sheet.append(header)
            for row in rows:
                sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    raise ValidationError("format", "format must be html, csv or xlsx")
