"""``arxiv-radar serve``: the feed server on uvicorn, with an optional built-in scheduler."""

from __future__ import annotations

import errno
import json
import logging
import os
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from arxiv_radar.cli.common import (
    ConfigOption,
    DbOption,
    DebugOption,
    err,
    load_context,
    out,
    state,
)
from arxiv_radar.errors import ConfigError, UsageError, require_extra

if TYPE_CHECKING:  # imported where used: every command starts without the web stack
    from arxiv_radar.config import Config

CONFIG_SCHEDULE = "config"

SERVE_MODULES = {
    "fastapi": "fastapi",
    "fastapi_offline": "fastapi-offline",
    "uvicorn": "uvicorn",
    "apscheduler": "apscheduler",
    "limits": "limits",
}
"""What ``serve`` imports (module -> package): the ``serve`` extra."""


def serve(
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (0.0.0.0: every interface).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", min=1, max=65535, help="Port.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            "--workers", "-w", min=1, max=64, help="Server processes (one per CPU core is good)."
        ),
    ] = 1,
    schedule: Annotated[
        str | None,
        typer.Option(
            "--schedule",
            help='Also run the daily job in this process on a cron schedule: "30 6 * * 1-5" '
            '(Monday to Friday at 06:30; cron\'s weekdays, 0 or 7 = Sunday), or "config" '
            "for publish.schedule.",
            show_default=False,
        ),
    ] = None,
    timezone: Annotated[
        str | None,
        typer.Option(
            "--timezone",
            help="Time zone of --schedule (default: publish.timezone).",
            show_default=False,
        ),
    ] = None,
    read_only: Annotated[
        bool,
        typer.Option("--read-only", help="Never write to the store: no /admin, no --schedule."),
    ] = False,
    rate_limit: Annotated[
        str,
        typer.Option(
            "--rate-limit",
            help="Requests each reader's token may make (per server process), as 120/minute, "
            "10/second or 5000/hour; beyond it, 429 with Retry-After.",
        ),
    ] = "120/minute",
    access_log: Annotated[
        bool, typer.Option("--access-log", help="Log every request (off: faster).")
    ] = False,
    config: ConfigOption = None,
    db: DbOption = None,
    debug: DebugOption = False,
) -> None:
    """Serve the feeds, the latest digest page and a JSON API from the store.

    Routes: / (the latest digest), /rss, /atom, /feed.json, /rss/<category>, /api/papers,
    /api/papers/<id>, /api/runs, /health, /docs (OpenAPI). Feeds and /api/papers take
    ?min_score=, ?type=, ?q= and ?limit=. Responses come from the store only (never arXiv
    or a model), with ETag, Last-Modified and gzip.

    Readers of a shared server (arxiv-radar users add NAME --profile P) get their
    profiles' feeds at secret URLs, /u/<feed token>/rss, /atom and /feed.json, and record
    feedback with their API token; the profiles they own leave the public routes.

    With ARXIV_RADAR_ADMIN_TOKEN set, POST /admin/refresh (Authorization: Bearer <token>)
    starts the daily run in the background, and /admin/users manages readers. --schedule
    runs it on a cron schedule inside the server; a day without an announcement publishes
    nothing.

    A port already in use, or a --host this machine does not have, stops serve before it
    starts (exit 2).

    Examples:

      arxiv-radar serve

      arxiv-radar serve --host 0.0.0.0 --port 8080 --workers 2

      arxiv-radar serve --schedule "30 6 * * 1-5" --timezone Europe/Berlin

      ARXIV_RADAR_ADMIN_TOKEN=$(openssl rand -hex 32) arxiv-radar serve --schedule config
    """
    require_extra("serve", "arxiv-radar serve", SERVE_MODULES)  # before anything is read
    ctx = load_context(config, db, debug)
    debug = state.debug  # also set by `arxiv-radar --debug serve`
    check_bind(host, port)  # before anything is printed or opened
    import uvicorn

    from arxiv_radar.server.readers import rate_limit as parse_rate_limit

    parse_rate_limit(rate_limit)  # a limit that cannot be read: exit 2 now

    from arxiv_radar.scheduler import DailyScheduler, RunController, pipeline_runner
    from arxiv_radar.server.admin import ADMIN_TOKEN_ENV
    from arxiv_radar.server.app import SERVE_ENV, create_app
    from arxiv_radar.store import Store

    for name in ("arxiv_radar.scheduler", "arxiv_radar.server"):
        logging.getLogger(name).setLevel(logging.DEBUG if debug else logging.INFO)
    expression = None
    if schedule is not None:
        if read_only:
            raise UsageError("--schedule runs the daily job, which writes: not with --read-only")
        expression = ctx.config.publish.schedule if schedule == CONFIG_SCHEDULE else schedule
    zone = timezone or ctx.config.publish.timezone
    admin = bool(os.environ.get(ADMIN_TOKEN_ENV, "").strip()) and not read_only
    # Open (and migrate) the store once here, so a wrong --db fails now, plainly.
    Store.open(ctx.store_url, migrate=not read_only, **ctx.store_options).close()
    if expression is not None or admin:
        _warn_if_runs_will_fail(ctx.config)

    controller = None
    scheduler = None
    if expression is not None:
        controller = RunController(pipeline_runner(ctx.config, ctx.store_url), label="run")
        scheduler = DailyScheduler(controller, expression, zone)
    label = f"{expression} ({zone})" if expression else None

    url = f"http://{host}:{port}"
    out.print(f"Serving arxiv-radar on [bold]{escape(url)}[/] (API docs: {escape(url)}/docs)")
    if admin:
        out.print("POST /admin/refresh is enabled (bearer token from ARXIV_RADAR_ADMIN_TOKEN).")
    options = {
        "host": host,
        "port": port,
        "access_log": access_log,
        "log_level": "debug" if debug else "info" if access_log else "warning",
        "proxy_headers": True,
        "server_header": False,
        "timeout_keep_alive": 5,
        "backlog": 2048,
    }
    try:
        if scheduler is not None:
            scheduler.start()  # logs the schedule and the next run time
        if workers == 1:
            app = create_app(
                ctx.config,
                ctx.store_url,
                read_only=read_only,
                controller=controller,
                schedule=label,
                rate_limit=rate_limit,
            )
            uvicorn.run(app, **options)  # type: ignore[arg-type]
        else:
            # Worker processes build their own app (uvicorn's factory) from these options;
            # the scheduler stays here, in the main process, so it runs once.
            os.environ[SERVE_ENV] = json.dumps(
                {
                    "config": str(Path(config).absolute()) if config else None,
                    "db": ctx.store_url,
                    "read_only": read_only,
                    "schedule": label,
                    "rate_limit": rate_limit,
                }
            )
            uvicorn.run(
                "arxiv_radar.server.app:app_from_env",
                factory=True,
                workers=workers,
                **options,  # type: ignore[arg-type]
            )
    finally:
        if scheduler is not None:
            scheduler.shutdown()


def check_bind(host: str, port: int) -> None:
    """Raise :class:`UsageError` (exit 2) when ``host:port`` cannot be listened on: a port in
    use, a privileged port, an address this machine does not have. The probe binds as uvicorn
    does (``SO_REUSEADDR``), then lets the port go again."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            if os.name != "nt":
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise UsageError(f"port {port} is in use: choose another --port") from None
        if error.errno == errno.EACCES:
            raise UsageError(
                f"port {port} needs privileges on this system: choose a --port above 1023"
            ) from None
        reason = error.strerror or str(error)
        raise UsageError(
            f"cannot listen on {host} port {port}: {reason}; check --host (127.0.0.1: this "
            "machine only, 0.0.0.0: every interface)"
        ) from None


def _warn_if_runs_will_fail(config: Config) -> None:
    """Say now, not at 06:30, that the summaries' provider lacks its key or endpoint."""
    from arxiv_radar.summarize.providers import resolve_provider

    if not config.summaries.enabled:
        return
    try:
        resolve_provider(config.summaries, os.environ)
    except ConfigError as error:
        err.print(
            f"[yellow]warning:[/] runs started by this server will fail: {escape(str(error))}"
        )
