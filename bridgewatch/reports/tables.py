"""The report's tables as rows of text, shared by every format (so every format shows the same)."""

from __future__ import annotations

from bridgewatch.reports.data import ReportData
from bridgewatch.reports.text import LABELS, category, number, percent, when


def summary_rows(data: ReportData, lang: str, zone) -> list[tuple[str, str]]:
    t = LABELS[lang]
    rows = [
        (t["points"], number(len(data.points), lang)),
        (t["connected"], f"{number(data.connected, lang)} / {number(len(data.points), lang)}"),
    ]
    for check in data.checks:
        rows.append((f"{t['ready_at']} {check['slot']} ({when(check['started_at'], zone)})",
                     f"{number(check['ready'], lang)} / {number(len(data.points), lang)}"))  # fmt: skip
    if data.shares:
        rows.append(
            (t["share"], " / ".join(percent(data.shares[k], lang) for k in ("good", "ok", "bad")))
        )
    rows.append((t["incidents"], number(len(data.timeline), lang)))
    reported = sum(1 for p in data.points if p.attendance["reported"])
    rows.append((t["delegates_expected"], number(data.expected, lang)))
    rows.append(
        (t["attendance_reported"], f"{number(reported, lang)} / {number(len(data.points), lang)}")
    )
    rows.append(
        (t["delegates"], f"{number(data.present, lang)} / {number(data.expected_reported, lang)}")
    )
    rows.append((t["rate"], percent(data.rate, lang)))
    return rows


def unit_header(lang: str) -> list[str]:
    t = LABELS[lang]
    return [
        t["unit"],
        t["points"],
        f"{t['ready_at']} {t['at_check']}",
        t["present"],
        t["expected"],
        t["rate"],
        t["incidents"],
    ]


def unit_rows(data: ReportData, lang: str) -> list[list[str]]:
    checked = bool(data.checks)
    return [
        [u.name, number(u.points, lang), f"{number(u.ready_last_check, lang)} / {number(u.points, lang)}" if checked else "–",
         number(u.present, lang) if u.reported else "–", number(u.expected, lang) if u.reported else "–",
         percent(u.rate, lang), number(u.incidents, lang)]
        for u in data.units
    ]  # fmt: skip


def point_header(lang: str, data: ReportData) -> list[str]:
    t = LABELS[lang]
    slots = [c["slot"] for c in data.checks]
    return [t["code"], t["point"], t["unit"], *slots, t["live_ready"], t["audio"], t["video"], t["incidents"],
            t["expected"], t["present"], t["late"], t["left_early"], t["absent"], t["rate"], t["head_count"], t["flags"]]  # fmt: skip


def point_rows(data: ReportData, lang: str) -> list[list[str]]:
    t = LABELS[lang]
    slots = [c["slot"] for c in data.checks]
    rows = []
    for p in data.points:
        a = p.attendance
        flags = ", ".join(t[f] for f in a["flags"])
        rows.append([
            p.code, p.name, p.group, *[t.get(p.at_checks.get(s, "unknown"), "–") for s in slots],
            percent(p.live_ready_share, lang), number(p.audio, lang, 1) if p.audio else "–",
            number(p.video, lang, 1) if p.video else "–", number(p.incidents, lang), number(p.expected, lang),
            number(a["present"], lang) if a["reported"] else "–", number(a.get("late"), lang) if a["reported"] else "–",
            number(a.get("left_early"), lang) if a["reported"] else "–", number(a.get("absent"), lang) if a["reported"] else "–",
            percent(a["rate"], lang), number(p.head_count, lang), flags,
        ])  # fmt: skip
    return rows


def timeline_header(lang: str) -> list[str]:
    t = LABELS[lang]
    return [t["at"], t["code"], t["point"], t["category"], t["duration"]]


def timeline_rows(data: ReportData, lang: str, zone) -> list[list[str]]:
    t = LABELS[lang]
    return [
        [when(i["at"], zone), i["code"], i["name"], f"{category(i['category'], lang)} ({t[i['kind']]})",
         f"{number(i['duration_s'] / 60, lang, 1)} {t['minutes']}"]
        for i in data.timeline
    ]  # fmt: skip
