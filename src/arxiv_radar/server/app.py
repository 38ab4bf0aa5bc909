"""The feed server: a FastAPI app serving the digest, feeds, site and API from the store.

``create_app(config, store_url)`` builds it with every collaborator injectable (an open
store, the clock, the runner ``/admin/refresh`` starts, the admin token), so tests, ``arxiv-
radar serve`` and the Vercel entry point share one factory. Nothing on the request path
calls arXiv or a model: every response is rendered from the store and cached per store
state (see :mod:`arxiv_radar.server.data` and :mod:`arxiv_radar.server.caching`).

``read_only=True`` never writes to the store (no schema migration on open, rankings are
computed in memory) and has no ``/admin`` routes and no ``/api/feedback`` (its pages show
no feedback buttons).

Errors map to statuses in one handler: a store that cannot be read is 503, a held run lock
409, bad input 400/422, an unknown day, paper or category 404.

``/docs`` (Swagger UI) and ``/redoc`` work without internet: their scripts, stylesheet and
icon come from the ``fastapi-offline`` package and are served by this app under
``/docs/assets/`` (a fixed list of names); ``/openapi.json`` is FastAPI's own.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from functools import cache
from importlib import resources
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse, JSONResponse, Response

from arxiv_radar import __version__
from arxiv_radar.config import Config, load_config
from arxiv_radar.errors import ArxivRadarError, StoreError, UsageError
from arxiv_radar.runtime import Runner
from arxiv_radar.scheduler import RunController, pipeline_runner
from arxiv_radar.server.admin import ADMIN_TOKEN_ENV, admin_routes
from arxiv_radar.server.caching import ResponseCache
from arxiv_radar.server.data import StoreData
from arxiv_radar.server.fastpath import CachedPaths
from arxiv_radar.server.feedback import FEEDBACK_API, feedback_routes
from arxiv_radar.server.guard import RequestGuard
from arxiv_radar.server.reader_api import reader_api_routes
from arxiv_radar.server.readers import (
    DEFAULT_RATE_LIMIT,
    ReaderDirectory,
    TokenLimiter,
    reader_routes,
)
from arxiv_radar.server.render import Renderer, plain_paths
from arxiv_radar.server.routes_api import api_routes
from arxiv_radar.server.routes_feeds import feed_routes
from arxiv_radar.server.schemas import Problem
from arxiv_radar.store import Store
from arxiv_radar.store.lock import RunLockedError

__all__ = ["SERVE_ENV", "app_from_env", "create_app"]

logger = logging.getLogger(__name__)

SERVE_ENV = "ARXIV_RADAR_SERVE"
"""How ``arxiv-radar serve`` hands its options to worker processes (see :func:`app_from_env`)."""

DESCRIPTION = """\
The papers arxiv-radar ranked, as feeds, a web page and JSON, served from its store.

Nothing here calls arXiv or a model. Responses carry an ETag and Last-Modified (send them
back for a 304), Cache-Control, and are gzipped for clients that accept it. Feeds and
`/api/papers` take the filters `min_score`, `type` (repeatable), `q` and `limit`.
"""


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def create_app(
    config: Config,
    store_url: str | None = None,
    *,
    store: Store | None = None,
    read_only: bool = False,
    clock: Callable[[], dt.datetime] = _utc_now,
    runner: Runner | None = None,
    controller: RunController | None = None,
    admin_token: str | None = None,
    env: Mapping[str, str] | None = None,
    profile: str | None = None,
    cache_max_age: int = 300,
    state_ttl: float = 2.0,
    cache_ttl: float = 300.0,
    stale_after: dt.timedelta = dt.timedelta(days=4),
    schedule: str | None = None,
    rate_limit: str = DEFAULT_RATE_LIMIT,
) -> FastAPI:
    """The feed server's app.

    - ``config``: the configuration (categories, profile, title, ...).
    - ``store_url``: the store to serve (default ``config.store.url``), opened on first use
      and closed on shutdown; or ``store``: an open store (the caller closes it).
    - ``read_only``: never write to the store; no ``/admin`` routes, no ``/api/feedback``.
    - ``clock``: the time, for ``/health``'s age of the last run.
    - ``runner``: what ``POST /admin/refresh`` runs (default: the daily run as ``arxiv-radar
      run`` does it on this store); or ``controller``: a shared :class:`RunController`
      (the scheduler's, so the two never run at once).
    - ``admin_token``: the bearer token of ``/admin`` (default: ``ARXIV_RADAR_ADMIN_TOKEN``
      from ``env``, default ``os.environ``); without one there are no ``/admin`` routes.
    - ``profile``: whose ranking is served (default: ``default``).
    - ``cache_max_age``: the ``max-age`` of feeds and pages, in seconds.
    - ``state_ttl``: how often (seconds) the store is checked for a new run or new papers.
    - ``cache_ttl``: everything is rendered again at least this often (seconds), to show
      changes made without a run (``arxiv-radar summarize`` by hand).
    - ``stale_after``: ``/health`` says ``stale`` when the last successful run is older.
    - ``schedule``: shown by ``/health`` when this process runs a scheduler.
    - ``rate_limit``: requests each reader's token may make (``120/minute``; see
      :mod:`arxiv_radar.server.readers`); a limit that cannot be read is a ``UsageError``.
    """
    limiter = TokenLimiter(rate_limit)
    env = os.environ if env is None else env
    url = store_url or config.store.url

    def open_store() -> Store:
        return Store.open(url, read_only=read_only, **config.store.engine_options())

    data = StoreData(
        config,
        (lambda: store) if store is not None else open_store,
        profile=profile,
        state_ttl=state_ttl,
        cache_ttl=cache_ttl,
        owns_store=store is None,
    )
    renderer = Renderer(
        data,
        ResponseCache(),
        max_age=cache_max_age,
        feedback_api=None if read_only else FEEDBACK_API,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        data.close()

    app = FastAPI(
        title="arxiv-radar",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        responses={400: {"model": Problem, "description": "A malformed or oversized request."}},
        docs_url=None,  # served by _add_offline_docs, without a CDN
        redoc_url=None,
    )
    _add_offline_docs(app)
    app.state.data = data
    app.state.renderer = renderer
    app.include_router(feed_routes(renderer, config.arxiv.categories))
    app.include_router(
        api_routes(
            renderer,
            clock=clock,
            read_only=read_only,
            schedule=schedule,
            stale_after=stale_after,
        )
    )
    readers = ReaderDirectory(data, max_age=cache_max_age)
    app.state.readers = readers
    app.state.limiter = limiter
    app.include_router(reader_routes(readers, limiter))
    app.include_router(reader_api_routes(readers, limiter, read_only=read_only))
    if not read_only:
        app.include_router(feedback_routes(data, readers, limiter))
    token = admin_token if admin_token is not None else env.get(ADMIN_TOKEN_ENV, "")
    app.state.controller = None
    if token.strip() and not read_only:
        if controller is None:
            controller = RunController(
                runner or pipeline_runner(config, url), clock=clock, label="refresh"
            )
        app.state.controller = controller
        app.include_router(admin_routes(token.strip(), controller, data))
    _add_error_handlers(app)
    app.add_middleware(
        CachedPaths,
        renderer=renderer,
        paths=plain_paths(config.arxiv.categories),
        readers=readers,
        limiter=limiter,
    )
    app.add_middleware(RequestGuard)  # the outermost: checks every request first
    return app


DOCS_ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}
"""The files of the ``fastapi-offline`` package that ``/docs`` and ``/redoc`` load."""
_DOCS_ASSETS_URL = "/docs/assets/"


def _add_offline_docs(app: FastAPI) -> None:
    """``/docs``, its OAuth2 redirect page and ``/redoc``, all loading their scripts and
    styles from this app (``/docs/assets/...``) rather than from a CDN."""
    openapi_url = app.openapi_url or "/openapi.json"
    redirect_url = app.swagger_ui_oauth2_redirect_url or "/docs/oauth2-redirect"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=root + openapi_url,
            title=f"{app.title}: API",
            oauth2_redirect_url=root + redirect_url,
            swagger_js_url=f"{root}{_DOCS_ASSETS_URL}swagger-ui-bundle.js",
            swagger_css_url=f"{root}{_DOCS_ASSETS_URL}swagger-ui.css",
            swagger_favicon_url=f"{root}{_DOCS_ASSETS_URL}favicon.png",
            # Swagger UI would otherwise send the description to validator.swagger.io.
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get(redirect_url, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=root + openapi_url,
            title=f"{app.title}: API",
            redoc_js_url=f"{root}{_DOCS_ASSETS_URL}redoc.standalone.js",
            redoc_favicon_url=f"{root}{_DOCS_ASSETS_URL}favicon.png",
            with_google_fonts=False,
        )

    @app.get(_DOCS_ASSETS_URL + "{name}", include_in_schema=False)
    async def docs_asset(name: str) -> Response:
        if name not in DOCS_ASSETS:
            raise HTTPException(404, "no such file")
        return Response(
            _docs_asset(name),
            media_type=DOCS_ASSETS[name],
            headers={"Cache-Control": "public, max-age=86400"},
        )


@cache
def _docs_asset(name: str) -> bytes:
    return resources.files("fastapi_offline").joinpath("static", name).read_bytes()


def _status_of(error: ArxivRadarError) -> int:
    if isinstance(error, RunLockedError):
        return 409
    if isinstance(error, StoreError):
        return 503
    if isinstance(error, UsageError):
        return 400
    return 500


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ArxivRadarError)
    async def _radar_error(_: Request, error: ArxivRadarError) -> JSONResponse:
        status = _status_of(error)
        if status >= 500:
            logger.error("%s: %s", type(error).__name__, error)
        headers: dict[str, Any] = {"Cache-Control": "no-store"}
        if status == 503:
            headers["Retry-After"] = "30"
        return JSONResponse({"detail": str(error)}, status, headers=headers)


def app_from_env() -> FastAPI:
    """The app of ``arxiv-radar serve`` in a uvicorn worker process (``factory=True``).

    Its options come as JSON in ``ARXIV_RADAR_SERVE`` (set by ``arxiv-radar serve``):
    ``config`` (a file, or null for the usual search), ``db``, ``read_only``, ``schedule``,
    ``cache_max_age``, ``rate_limit``.
    """
    options = json.loads(os.environ.get(SERVE_ENV) or "{}")
    config = load_config(options.get("config"))
    return create_app(
        config,
        options.get("db"),
        read_only=bool(options.get("read_only", False)),
        schedule=options.get("schedule"),
        cache_max_age=int(options.get("cache_max_age", 300)),
        rate_limit=str(options.get("rate_limit") or DEFAULT_RATE_LIMIT),
    )
