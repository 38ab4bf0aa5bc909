"""``/admin``: start the daily run in the background, and manage readers, behind a token.

``POST /admin/refresh`` starts the daily run; ``GET``/``POST /admin/users``,
``POST /admin/users/{name}/tokens`` and ``DELETE /admin/users/{name}`` list, add, re-key and
remove the readers of a shared server (:mod:`arxiv_radar.server.readers`), as
``arxiv-radar users`` does.

The routes exist only when a token is configured (``ARXIV_RADAR_ADMIN_TOKEN``) and the app
is not read-only; otherwise they are absent (404). A request without ``Authorization:
Bearer <token>`` is 401, a wrong token 403 (compared in constant time). A run already
going (in this process, or in any process holding the store's run lock) is 409.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from arxiv_radar.scheduler import RunController
from arxiv_radar.server.data import StoreData
from arxiv_radar.server.schemas import (
    Problem,
    RefreshOut,
    UserIn,
    UserOut,
    UsersOut,
    UserTokensOut,
)
from arxiv_radar.store import Reader, ReaderTokens
from arxiv_radar.store.lock import RunLockedError
from arxiv_radar.store.readers import ProfileOwnedError, ReaderExistsError

__all__ = ["ADMIN_TOKEN_ENV", "admin_routes"]

ADMIN_TOKEN_ENV = "ARXIV_RADAR_ADMIN_TOKEN"
_bearer = HTTPBearer(auto_error=False, description=f"The token in {ADMIN_TOKEN_ENV}.")
_NO_STORE = {"Cache-Control": "no-store"}
UserName = Annotated[str, Path(max_length=64, description="The reader's name.")]
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

    _user_routes(router, data)
    return router


def _user_routes(router: APIRouter, data: StoreData) -> None:
    """``/admin/users``: the readers of this server, as ``arxiv-radar users`` manages them."""
    conflict: dict[int | str, dict[str, object]] = {
        409: {"model": Problem, "description": "The name or a profile is taken."}
    }
    missing: dict[int | str, dict[str, object]] = {
        404: {"model": Problem, "description": "No such reader."}
    }

    def tokens_out(tokens: ReaderTokens, profiles: list[str]) -> UserTokensOut:
        return UserTokensOut(
            name=tokens.name,
            profiles=profiles,
            api_token=tokens.api_token,
            feed_token=tokens.feed_token,
            feeds=tokens.feeds,
        )

    @router.get("/users", response_model=UsersOut, responses=_ERRORS)
    def list_users(response: Response) -> UsersOut:
        """Every reader of this server and the profiles they own."""
        response.headers.update(_NO_STORE)
        return UsersOut(users=[_user_out(reader) for reader in data.store.readers()])

    @router.post(
        "/users",
        status_code=201,
        response_model=UserTokensOut,
        responses={**_ERRORS, **conflict, 422: {"model": Problem}},
    )
    def add_user(body: UserIn, response: Response) -> UserTokensOut:
        """Add a reader owning some of the configuration's profiles; their tokens are in the
        answer, and nowhere else ever again."""
        response.headers.update(_NO_STORE)
        unknown = [name for name in body.profiles if name not in data.config.profiles]
        if unknown:
            raise HTTPException(
                422, f"no profile {', '.join(unknown)} in the configuration", _NO_STORE
            )
        try:
            tokens = data.store.add_reader(body.name, body.profiles)
        except (ReaderExistsError, ProfileOwnedError) as taken:
            raise HTTPException(409, str(taken), _NO_STORE) from None
        return tokens_out(tokens, list(dict.fromkeys(body.profiles)))

    @router.post(
        "/users/{name}/tokens", response_model=UserTokensOut, responses={**_ERRORS, **missing}
    )
    def new_tokens(name: UserName, response: Response) -> UserTokensOut:
        """Give a reader new tokens: the old API token and feed URLs stop working."""
        response.headers.update(_NO_STORE)
        tokens = data.store.new_reader_tokens(name)
        if tokens is None:
            raise HTTPException(404, f"no reader '{name}'", _NO_STORE)
        readers = data.store.readers(name)
        return tokens_out(tokens, list(readers[0].profiles) if readers else [])

    @router.delete(
        "/users/{name}", status_code=204, response_class=Response, responses={**_ERRORS, **missing}
    )
    def remove_user(name: UserName) -> Response:
        """Remove a reader: their tokens stop working and their profiles are public again
        (their feedback stays with the profiles)."""
        if not data.store.remove_reader(name):
            raise HTTPException(404, f"no reader '{name}'", _NO_STORE)
        return Response(status_code=204, headers=_NO_STORE)


def _user_out(reader: Reader) -> UserOut:
    return UserOut(
        name=reader.name,
        profiles=list(reader.profiles),
        created_at=reader.created_at,
        updated_at=reader.updated_at,
    )


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
