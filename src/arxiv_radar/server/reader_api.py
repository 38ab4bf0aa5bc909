"""A reader's API: ``GET /api/me``, and ``GET``/``PATCH /api/me/profiles/{profile}``.

Every route takes the reader's API token (``Authorization: Bearer``; 401 without one, 403
for a token that is no reader's, 429 past its rate limit) and answers about the holder's own
profiles only (another's is 403). The settings a reader may change are
:data:`~arxiv_radar.config.sections.READER_EDITABLE`; their changes are kept in the store
(``reader_profiles.settings``) and laid over the configuration's by every ranking of the
profile (the daily run, ``rank``, ``summarize``, and the ranking key the server reads by).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from arxiv_radar.config.sections import READER_EDITABLE, profile_with_edits
from arxiv_radar.server.readers import ReaderDirectory, TokenLimiter, chosen_profile
from arxiv_radar.server.schemas import Problem
from arxiv_radar.store import Reader
from arxiv_radar.store.feedback import token_hash

__all__ = ["MeOut", "ProfileSettingsOut", "api_reader", "reader_api_routes"]

_NO_STORE = {"Cache-Control": "no-store"}
ProfileName = Annotated[str, Path(max_length=64, description="One of your profiles.")]


class ProfileSettingsOut(BaseModel):
    """The settings of a reader's profile that they may change, and which they changed."""

    model_config = ConfigDict(extra="forbid")

    profile: str
    settings: dict[str, Any] = Field(description="The settings as the next ranking uses them.")
    changed: list[str] = Field(description="Those the reader changed (the rest: the config's).")


class MeOut(BaseModel):
    """The reader a token belongs to."""

    model_config = ConfigDict(extra="forbid")

    name: str
    profiles: list[str] = Field(description="The profiles this reader owns, the first the default.")


_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ReaderToken",
    description="A reader's API token, printed by `arxiv-radar users add`.",
)


def reader_api_routes(
    directory: ReaderDirectory, limiter: TokenLimiter, *, read_only: bool = False
) -> APIRouter:
    """``/api/me`` and ``/api/me/profiles/{profile}`` (no ``PATCH`` when ``read_only``)."""
    router = APIRouter()
    profiles = directory.data.config.profiles

    @router.get(
        "/api/me",
        response_model=MeOut,
        tags=["readers"],
        responses={
            401: {"model": Problem, "description": "No bearer token."},
            403: {"model": Problem, "description": "Not a reader's API token."},
            429: {"model": Problem, "description": "Too many requests with this token."},
        },
    )
    async def me(
        response: Response,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> MeOut:
        """Who the token's holder is, and which profiles they own."""
        response.headers.update(_NO_STORE)
        reader = await api_reader(directory, limiter, credentials)
        return MeOut(name=reader.name, profiles=list(reader.profiles))

    settings_errors: dict[int | str, dict[str, object]] = {
        401: {"model": Problem, "description": "No bearer token."},
        403: {"model": Problem, "description": "Not a reader's API token, or not their profile."},
        422: {"model": Problem, "description": "A setting a reader cannot change, or a bad value."},
        429: {"model": Problem, "description": "Too many requests with this token."},
    }

    def owned(reader: Reader, profile: str) -> str:
        name = chosen_profile(reader, profile, profiles)
        if name is None:
            raise HTTPException(403, f"profile '{profile}' is not one of yours", _NO_STORE)
        return name

    def settings_out(name: str) -> ProfileSettingsOut:
        store = directory.data.store
        edits = store.profile_edits(name).get(name, {})
        settings = profile_with_edits(profiles[name], edits) if edits else profiles[name]
        shown = settings.model_dump(mode="json", include=set(READER_EDITABLE))
        return ProfileSettingsOut(profile=name, settings=shown, changed=sorted(edits))

    @router.get(
        "/api/me/profiles/{profile}",
        response_model=ProfileSettingsOut,
        tags=["readers"],
        responses=settings_errors,
    )
    async def read_settings(
        profile: ProfileName,
        response: Response,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> ProfileSettingsOut:
        """The settings of one of your profiles that you may change, as they are now."""
        response.headers.update(_NO_STORE)
        reader = await api_reader(directory, limiter, credentials)
        return await run_in_threadpool(settings_out, owned(reader, profile))

    if read_only:
        return router

    @router.patch(
        "/api/me/profiles/{profile}",
        response_model=ProfileSettingsOut,
        tags=["readers"],
        responses=settings_errors,
    )
    async def change_settings(
        profile: ProfileName,
        body: dict[str, Any],
        response: Response,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> ProfileSettingsOut:
        """Change settings of one of your profiles: ``{"keywords": ["kv cache"],
        "interests": ["..."]}``; ``null`` takes a setting back to the configuration's. The
        next ranking of the profile (the next run) uses them; until then your feeds show the
        latest ranking."""
        response.headers.update(_NO_STORE)
        reader = await api_reader(directory, limiter, credentials)
        name = owned(reader, profile)

        def save() -> ProfileSettingsOut:
            store = directory.data.store
            edits = {**store.profile_edits(name).get(name, {}), **body}
            edits = {key: value for key, value in edits.items() if value is not None}
            try:
                profile_with_edits(profiles[name], edits)
            except (ValueError, ValidationError) as error:
                raise HTTPException(422, plain_errors(error), _NO_STORE) from None
            store.save_profile_edits(name, edits)
            return settings_out(name)

        return await run_in_threadpool(save)

    return router


def plain_errors(error: Exception) -> str:
    """A validation error as one line naming each setting and what is wrong with it."""
    if isinstance(error, ValidationError):
        return "; ".join(
            f"{'.'.join(str(part) for part in item['loc']) or 'settings'}: {item['msg']}"
            for item in error.errors()
        )
    return str(error)


async def api_reader(
    directory: ReaderDirectory,
    limiter: TokenLimiter,
    credentials: HTTPAuthorizationCredentials | None,
) -> Reader:
    """The reader whose API token the request carries: 401 without one, 403 for a token that
    is no reader's, 429 past the token's rate limit."""
    if credentials is None:
        raise HTTPException(
            401,
            "send Authorization: Bearer <token> (arxiv-radar users add prints one)",
            {"WWW-Authenticate": "Bearer", **_NO_STORE},
        )
    token = credentials.credentials
    limiter.check("api:" + token_hash(token))
    reader = await run_in_threadpool(directory.by_api_token, token)
    if reader is None:
        raise HTTPException(403, "this is not a reader's API token", _NO_STORE)
    return reader
