"""``/api/feedback``: a reader's 👍/👎 from a served page, behind the profile's token.

``arxiv-radar feedback-token`` makes a profile's token and the store keeps only its SHA-256
(``feedback_tokens``). ``POST /api/feedback`` records a judgement exactly as ``arxiv-radar
feedback`` does; ``GET /api/feedback`` gives the profile's judgements, so the page can show
which buttons are pressed. Both need ``Authorization: Bearer <token>``: the profile's token, or
the API token of the reader who owns it (:mod:`arxiv_radar.server.readers`; their first
profile is the default). None is 401, a token that is not the profile's 403 (the hashes
compared in constant time). A paper the store
does not hold is 404, a malformed body or arXiv id 422. Answers are never cached
(``Cache-Control: no-store``); recording feedback changes no served page (the pages are the
same for everyone: ``assets/feedback.js`` adds the buttons in the reader's browser).

The routes exist unless the app is read-only.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.responses import Response

from arxiv_radar.arxiv.ids import InvalidArxivId, normalize_arxiv_id
from arxiv_radar.server.data import StoreData
from arxiv_radar.server.readers import ReaderDirectory, TokenLimiter, chosen_profile
from arxiv_radar.server.schemas import Problem
from arxiv_radar.store.feedback import token_hash

__all__ = ["FEEDBACK_API", "FeedbackIn", "FeedbackOut", "FeedbackState", "feedback_routes"]

FEEDBACK_API = "api/feedback"
"""The endpoint's path from the site's root: what served pages post to."""
Judgement = Literal["up", "down", "clear"]
_VALUES: dict[str, int | None] = {"up": 1, "down": -1, "clear": None}
_NAMES: dict[int, Literal["up", "down"]] = {1: "up", -1: "down"}
_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="FeedbackToken",
    description=(
        "The profile's token, printed by `arxiv-radar feedback-token`, or the API token of "
        "the reader who owns the profile (`arxiv-radar users add`)."
    ),
)
_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": Problem, "description": "No bearer token."},
    403: {"model": Problem, "description": "Not the profile's feedback token."},
    404: {"model": Problem, "description": "No such paper in the store, or no such profile."},
}
_NO_STORE = {"Cache-Control": "no-store"}


class FeedbackIn(BaseModel):
    """A judgement of a paper for a profile."""

    model_config = ConfigDict(extra="forbid")

    arxiv_id: str = Field(
        max_length=64,
        description="Any form of the id: 2604.21935, arXiv:2604.21935v2, hep-th/9901001.",
        examples=["2604.21935"],
    )
    judgement: Judgement = Field(
        description="up: more like this. down: less like this. clear: forget it."
    )
    profile: str | None = Field(
        default=None, max_length=64, description="Default: the profile the server serves."
    )

    @field_validator("arxiv_id")
    @classmethod
    def _arxiv_id(cls, value: str) -> str:
        try:
            return normalize_arxiv_id(value)
        except InvalidArxivId as error:
            raise ValueError(str(error)) from None


class FeedbackOut(BaseModel):
    """What was recorded, and how many papers the profile now has marked up and down."""

    model_config = ConfigDict(extra="forbid")

    profile: str
    arxiv_id: str = Field(description="The paper's id without version.")
    judgement: Judgement
    up: int
    down: int


class FeedbackState(BaseModel):
    """Every paper the profile has a judgement of."""

    model_config = ConfigDict(extra="forbid")

    profile: str
    judgements: dict[str, Literal["up", "down"]] = Field(
        description="arXiv id (without version) -> up or down."
    )


def _token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The bearer token of the request, or 401."""
    if credentials is None:
        raise HTTPException(
            401,
            "send Authorization: Bearer <token> (arxiv-radar feedback-token makes one)",
            {"WWW-Authenticate": "Bearer", **_NO_STORE},
        )
    return credentials.credentials


Token = Annotated[str, Depends(_token)]


def feedback_routes(
    data: StoreData, readers: ReaderDirectory | None = None, limiter: TokenLimiter | None = None
) -> APIRouter:
    """``GET`` and ``POST /api/feedback`` over ``data``'s store; with ``readers``, a reader's
    API token is good for the profiles they own (counted by ``limiter``)."""
    router = APIRouter(tags=["feedback"])

    def authorized(profile: str | None, token: str) -> str:
        """The profile ``token`` is good for, or 403 / 404 (429: a reader past their limit)."""
        reader = readers.by_api_token(token) if readers is not None else None
        if reader is not None:
            if limiter is not None:
                limiter.check("api:" + token_hash(token))
            owned = chosen_profile(reader, profile, data.config.profiles)
            if owned is None:
                raise HTTPException(
                    403, f"profile '{profile}' is not one of yours (GET /api/me)", _NO_STORE
                )
            return owned
        name = profile or data.profile
        if not data.store.feedback_token_matches(name, token):
            raise HTTPException(
                403,
                f"this is not the feedback token of profile '{name}' "
                "(arxiv-radar feedback-token makes a new one)",
                _NO_STORE,
            )
        if name not in data.config.profiles:
            raise HTTPException(404, f"no profile '{name}' in the configuration", _NO_STORE)
        return name

    @router.post("/api/feedback", response_model=FeedbackOut, responses=_ERRORS)
    def record_feedback(body: FeedbackIn, token: Token, response: Response) -> FeedbackOut:
        """Record a judgement of a paper, as `arxiv-radar feedback ID up|down|clear` does:
        the profile's next ranking learns from it."""
        response.headers.update(_NO_STORE)
        name = authorized(body.profile, token)
        store = data.store
        if store.get_paper(body.arxiv_id) is None:
            raise HTTPException(404, f"no paper {body.arxiv_id} in the store", _NO_STORE)
        store.record_feedback(name, body.arxiv_id, _VALUES[body.judgement])
        judged = store.feedback(name)
        ups = sum(1 for value in judged.values() if value > 0)
        return FeedbackOut(
            profile=name,
            arxiv_id=body.arxiv_id,
            judgement=body.judgement,
            up=ups,
            down=len(judged) - ups,
        )

    @router.get("/api/feedback", response_model=FeedbackState, responses=_ERRORS)
    def read_feedback(
        token: Token,
        response: Response,
        profile: Annotated[
            str | None,
            Query(max_length=64, description="Default: the profile the server serves."),
        ] = None,
    ) -> FeedbackState:
        """The profile's judgements: which papers are marked up or down."""
        response.headers.update(_NO_STORE)
        name = authorized(profile, token)
        judged = data.store.feedback(name)
        return FeedbackState(
            profile=name,
            judgements={arxiv_id: _NAMES[value] for arxiv_id, value in judged.items()},
        )

    return router
