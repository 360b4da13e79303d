"""Every route of the application, in one table (the OpenAPI document is checked against it)."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from bridgewatch.web import openapi
from bridgewatch.web.views import (
    board,
    endpoints,
    feedback,
    health,
    metrics,
    sessions,
    status,
    units,
)

STATIC = Path(__file__).parent / "static"


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/", health.index)
    app.router.add_get("/healthz", health.healthz)
    app.router.add_get("/readyz", health.readyz)
    app.router.add_get("/metrics", metrics.metrics)
    app.router.add_get("/api/v1/openapi.json", openapi.openapi_json)

    app.router.add_get("/api/v1/units", units.list_units)
    app.router.add_post("/api/v1/units", units.create_unit)
    app.router.add_get("/api/v1/units/{code}", units.get_unit)
    app.router.add_patch("/api/v1/units/{code}", units.update_unit)
    app.router.add_delete("/api/v1/units/{code}", units.delete_unit)

    app.router.add_get("/api/v1/endpoints", endpoints.list_endpoints)
    app.router.add_post("/api/v1/endpoints", endpoints.create_endpoint)
    app.router.add_post("/api/v1/endpoints/import", endpoints.import_endpoints)
    app.router.add_get("/api/v1/endpoints/export", endpoints.export_endpoints)
    app.router.add_get("/api/v1/endpoints/{code}", endpoints.get_endpoint)
    app.router.add_patch("/api/v1/endpoints/{code}", endpoints.update_endpoint)
    app.router.add_delete("/api/v1/endpoints/{code}", endpoints.delete_endpoint)
    app.router.add_get("/api/v1/endpoints/{code}/status", status.endpoint_status)
    app.router.add_get("/api/v1/endpoints/{code}/probes", status.endpoint_probes)
    app.router.add_post("/api/v1/endpoints/{code}/check", status.check_endpoint)

    app.router.add_get("/login", board.login_page)
    app.router.add_post("/login", board.login)
    app.router.add_post("/logout", board.logout)
    app.router.add_get("/board", board.sessions_page)
    app.router.add_get("/board/sessions/{id}", board.board_page)
    app.router.add_get("/board/sessions/{id}/data", board.board_data)
    app.router.add_get("/board/sessions/{id}/events", board.board_events)
    # The board's buttons and links reach the API's handlers with the login's principal.
    app.router.add_post("/board/sessions/{id}/check", sessions.check_session)
    app.router.add_get("/board/sessions/{id}/points/{code}", board.checklist_page)
    app.router.add_post("/board/sessions/{id}/points/{code}", board.checklist_page)
    app.router.add_get("/board/sessions/{id}/report", feedback.session_report)
    app.router.add_static("/static", STATIC)

    app.router.add_get("/api/v1/sessions", sessions.list_sessions)
    app.router.add_post("/api/v1/sessions", sessions.create_session)
    app.router.add_get("/api/v1/sessions/{id}", sessions.get_session)
    app.router.add_patch("/api/v1/sessions/{id}", sessions.update_session)
    app.router.add_delete("/api/v1/sessions/{id}", sessions.cancel_session)
    app.router.add_post("/api/v1/sessions/{id}/points", sessions.add_points)
    app.router.add_delete("/api/v1/sessions/{id}/points/{code}", sessions.remove_point)
    app.router.add_get("/api/v1/sessions/{id}/readiness", sessions.readiness)
    app.router.add_post("/api/v1/sessions/{id}/check", sessions.check_session)
    app.router.add_get("/api/v1/sessions/{id}/points/{code}/checklist", sessions.get_checklist)
    app.router.add_put("/api/v1/sessions/{id}/points/{code}/checklist", sessions.put_checklist)
    app.router.add_post("/api/v1/sessions/{id}/points/{code}/quality", feedback.submit_quality)
    app.router.add_get("/api/v1/sessions/{id}/quality", feedback.list_quality)
    app.router.add_put("/api/v1/sessions/{id}/points/{code}/attendance", feedback.put_attendance)
    app.router.add_get("/api/v1/sessions/{id}/attendance", feedback.list_attendance)
    app.router.add_get("/api/v1/sessions/{id}/report", feedback.session_report)
    app.router.add_get("/api/v1/reports/trend", feedback.trend_report)
