"""A post-session report in one format: html, pdf, xlsx or csv; Vietnamese or English."""

from __future__ import annotations

import base64
import csv
import io
from pathlib import Path

import jinja2

from bridgewatch.errors import ValidationError
from bridgewatch.reports import charts, tables
from bridgewatch.reports.data import ReportData
from bridgewatch.reports.text import LABELS, when

FORMATS = {
    "html": "text/html",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}


def render(data: ReportData, fmt: str, lang: str, zone) -> bytes:
    """CPU-heavy (charts, PDF): call it in a worker thread from async code."""
    if fmt not in FORMATS:
        raise ValidationError("format", f"format must be one of {', '.join(FORMATS)}")
    if lang not in LABELS:
        raise ValidationError("lang", "lang must be vi or en")
    return {"html": _html, "pdf": _pdf, "xlsx": _xlsx, "csv": _csv}[fmt](data, lang, zone)


def heading(data: ReportData, lang: str, zone) -> tuple[str, str]:
    t = LABELS[lang]
    s = data.session
    return (
        f"{t['title']}: {s.title}",
        f"{when(s.starts_at, zone)} – {when(s.ends_at, zone)} · {s.unit_path}",
    )


def _csv(data: ReportData, lang: str, zone) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(tables.point_header(lang, data))
    writer.writerows(tables.point_rows(data, lang))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _xlsx(data: ReportData, lang: str, zone) -> bytes:
    import openpyxl
    from openpyxl.styles import Font

    t = LABELS[lang]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = t["summary"][:31]
    title, subtitle = heading(data, lang, zone)
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([subtitle])
    sheet.append([])
    for label, value in tables.summary_rows(data, lang, zone):
        sheet.append([label, value])
    sheet.column_dimensions["A"].width = 48
    sheet.column_dimensions["B"].width = 24
    for name, header, rows in (
        (t["units"], tables.unit_header(lang), tables.unit_rows(data, lang)),
        (t["point"], tables.point_header(lang, data), tables.point_rows(data, lang)),
        (t["timeline"], tables.timeline_header(lang), tables.timeline_rows(data, lang, zone)),
    ):
        ws = book.create_sheet(name[:31])
        ws.append(header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(row)
        ws.freeze_panes = "A2"
        for index in range(1, len(header) + 1):
            ws.column_dimensions[openpyxl.utils.get_column_letter(index)].width = (
                14 if index > 3 else 28
            )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _html(data: ReportData, lang: str, zone) -> bytes:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("bridgewatch.reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    title, subtitle = heading(data, lang, zone)

    def svg(chart: bytes) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(chart).decode()

    html = environment.get_template("report.html").render(
        lang=lang, t=LABELS[lang], title=title, subtitle=subtitle,
        summary=tables.summary_rows(data, lang, zone),
        unit_header=tables.unit_header(lang), unit_rows=tables.unit_rows(data, lang),
        point_header=tables.point_header(lang, data), point_rows=tables.point_rows(data, lang),
        timeline_header=tables.timeline_header(lang), timeline_rows=tables.timeline_rows(data, lang, zone),
        charts=[svg(charts.readiness_over_time(data, lang, zone, "svg")), svg(charts.attendance_by_unit(data, lang, "svg")),
                svg(charts.quality_per_point(data, lang, "svg"))],
        generated=when(data.generated_at, zone),
    )  # fmt: skip
    return html.encode("utf-8")


def _font() -> tuple[str, str]:
    """DejaVu Sans (it has every Vietnamese letter), from matplotlib's own data folder."""
    import matplotlib
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(folder / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(folder / "DejaVuSans-Bold.ttf")))
    return "DejaVuSans", "DejaVuSans-Bold"


def _pdf(data: ReportData, lang: str, zone) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.platypus import (
        Image,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    regular, bold = _font()
    t = LABELS[lang]
    styles = {
        "title": ParagraphStyle("title", fontName=bold, fontSize=16, leading=20, spaceAfter=4),
        "sub": ParagraphStyle(
            "sub", fontName=regular, fontSize=9.5, leading=12, textColor=colors.HexColor("#4b5563")
        ),
        "h2": ParagraphStyle(
            "h2", fontName=bold, fontSize=12, leading=15, spaceBefore=10, spaceAfter=4
        ),
        "cell": ParagraphStyle("cell", fontName=regular, fontSize=7, leading=8.5),
    }

    def table(header: list[str], rows: list[list[str]], widths=None) -> Table:
        body = [[Paragraph(str(c), styles["cell"]) for c in row] for row in [header, *rows]]
        result = Table(body, colWidths=widths, repeatRows=1)
        result.setStyle(TableStyle([
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#cbd5e1")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]))  # fmt: skip
        return result

    def chart(png: bytes, width: float) -> Image:
        image = Image(io.BytesIO(png))
        image.drawWidth, image.drawHeight = width, width * image.imageHeight / image.imageWidth
        return image

    title, subtitle = heading(data, lang, zone)
    out = io.BytesIO()
    document = SimpleDocTemplate(out, pagesize=landscape(A4), leftMargin=1.2 * cm, rightMargin=1.2 * cm,
                                 topMargin=1.2 * cm, bottomMargin=1.2 * cm, title=title, author="bridgewatch")  # fmt: skip
    story = [Paragraph(title, styles["title"]), Paragraph(subtitle, styles["sub"]),
             Paragraph(f"{t['generated']}: {when(data.generated_at, zone)}", styles["sub"]),
             Paragraph(t["summary"], styles["h2"]),
             table([t["summary"], ""], [list(r) for r in tables.summary_rows(data, lang, zone)], [11 * cm, 6 * cm]),
             Spacer(1, 8), chart(charts.readiness_over_time(data, lang, zone, "png"), 22 * cm),
             Paragraph(t["units"], styles["h2"]), table(tables.unit_header(lang), tables.unit_rows(data, lang)),
             Spacer(1, 8), chart(charts.attendance_by_unit(data, lang, "png"), 18 * cm), PageBreak(),
             Paragraph(t["point"], styles["h2"]), table(tables.point_header(lang, data), tables.point_rows(data, lang)),
             Spacer(1, 8), chart(charts.quality_per_point(data, lang, "png"), 22 * cm),
             Paragraph(t["timeline"], styles["h2"]),
             table(tables.timeline_header(lang), tables.timeline_rows(data, lang, zone)) if data.timeline
             else Paragraph(t["none"], styles["sub"])]  # fmt: skip
    document.build(story)
    return out.getvalue()
