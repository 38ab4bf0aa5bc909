"""``/admin/refresh``: start the daily run in the background, behind a bearer token.

The routes exist only when a token is configured (``ARXIV_RADAR_ADMIN_TOKEN``) and the app
is not read-only; otherwise they are absent (404). A request without ``Authorization:
Bearer <token>`` is 401, a wrong token 403 (compared in constant time). A run already
going (in this process, or in any process holding the store's run lock) is 409.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from arxiv_radar.scheduler import RunController
from arxiv_radar.server.data import StoreData
from arxiv_radar.server.schemas import Problem, RefreshOut
from arxiv_radar.store.lock import RunLockedError

__all__ = ["ADMIN_TOKEN_ENV", "admin_routes"]

ADMIN_TOKEN_ENV = "ARXIV_RADAR_ADMIN_TOKEN"
_bearer = HTTPBearer(auto_error=False, description=f"The token in {ADMIN_TOKEN_ENV}.")
_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": Problem, "description": "No bearer token."},
    403: {"model": Problem, "description": "A wrong token."},
}


def admin_routes(token: str, controller: RunController, data: StoreData) -> APIRouter:
    """The admin routes, guarded by ``token``."""
    expected = token.encode("utf-8")

    def authorized(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> None:
        if credentials is None:
            raise HTTPException(
                401, "send Authorization: Bearer <token>", {"WWW-Authenticate": "Bearer"}
            )
        if not hmac.compare_digest(credentials.credentials.encode("utf-8"), expected):
            raise HTTPException(403, "wrong token")

    router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(authorized)])

    @router.post(
        "/refresh",
        status_code=202,
        response_model=RefreshOut,
        responses={**_ERRORS, 409: {"model": Problem, "description": "A run is going."}},
    )
    async def refresh() -> JSONResponse:
        """Start the daily run (fetch, rank, summarize, publish) in the background."""
        if controller.running:
            raise HTTPException(409, "a run started by this server is still going")
        try:
            await run_in_threadpool(_probe_lock, data)
        except RunLockedError as locked:
            raise HTTPException(409, str(locked)) from None
        if not controller.start():
            raise HTTPException(409, "a run started by this server is still going")
        return JSONResponse(
            _status(controller, "run started: see GET /admin/refresh and /api/runs"), 202
        )

    @router.get("/refresh", response_model=RefreshOut, responses=_ERRORS)
    async def refresh_status() -> JSONResponse:
        """Whether a run started here is going, and how the last one ended."""
        return JSONResponse(_status(controller, None))

    return router


def _probe_lock(data: StoreData) -> None:
    """Raise :class:`RunLockedError` when another process holds the store's run lock."""
    with data.store.run_lock():
        pass


def _status(controller: RunController, message: str | None) -> dict[str, object]:
    state = controller.state
    running = controller.running
    report = state.report if not running else None
    if message is None:
        message = (
            "a run is going"
            if running
            else "no run started yet"
            if state.finished_at is None
            else "the last run ended"
        )
    return RefreshOut(
        running=running,
        message=message,
        started_at=state.started_at,
        finished_at=None if running else state.finished_at,
        status=report.status if report else ("failed" if state.error else None),
        announced_on=report.announced_on if report else None,
        error=None if running else state.error,
    ).model_dump(mode="json")
