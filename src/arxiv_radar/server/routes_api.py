"""The JSON API: ``/api/papers``, ``/api/papers/{arxiv_id}``, ``/api/runs``, ``/health``.

Papers are answered from the response cache (ETag, gzip, 304) like the feeds; runs and
health are read live and never cached (``Cache-Control: no-store``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query
from starlette.requests import Request
from starlette.responses import Response

from arxiv_radar.arxiv.ids import InvalidArxivId, parse_arxiv_id
from arxiv_radar.errors import StoreError
from arxiv_radar.models import SummaryStatus
from arxiv_radar.schemas import (
    AnnouncementOut,
    DigestPaperOut,
    ExplanationOut,
    MatchOut,
    PaperOut,
    RunOut,
    SummaryOut,
    iso_utc,
)
from arxiv_radar.server.caching import CachedBody
from arxiv_radar.server.data import StoreState
from arxiv_radar.server.filters import FeedFilters, MinScore, Search, Types, filter_digest
from arxiv_radar.server.render import JSON, Renderer, get_and_head
from arxiv_radar.server.schemas import HealthOut, PaperDetail, PapersPage, Problem, RunsOut

__all__ = ["api_routes"]

MAX_PAGE = 200
MAX_OFFSET = 100_000
NO_STORE = {"Cache-Control": "no-store"}
_EPOCH = dt.datetime(1991, 8, 14, tzinfo=dt.UTC)  # arXiv's first day: a fixed, old date


def _json(model: type[Any], description: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {"model": model, "description": description},
        304: {"description": "Not modified (the client's ETag or date is current)."},
        404: {"model": Problem, "description": "No such day or paper in the store."},
    }


def api_routes(
    renderer: Renderer,
    *,
    clock: Callable[[], dt.datetime],
    read_only: bool,
    schedule: str | None,
    stale_after: dt.timedelta,
) -> APIRouter:
    """The API routes over ``renderer``'s store."""
    router = APIRouter(prefix="")
    data = renderer.data

    @get_and_head(
        router,
        "/api/papers",
        tags=["api"],
        responses=_json(PapersPage, "One page of the day's ranked papers."),
        response_class=Response,
    )
    async def papers(
        request: Request,
        date: Annotated[
            dt.date | None, Query(description="Announcement day (default: the latest).")
        ] = None,
        category: Annotated[
            str | None, Query(max_length=32, description="Only papers listed in this category.")
        ] = None,
        min_score: MinScore = None,
        types: Types = None,
        q: Search = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Papers per page.")] = 50,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Papers to skip.")] = 0,
    ) -> Response:
        """The day's ranked papers (its digest), best first, with explanations and summaries."""
        filters = FeedFilters(min_score, tuple(types or ()), q or "", None, category)

        def make(state: StoreState) -> CachedBody:
            view = renderer.view(state, date)
            digest = filter_digest(view.digest, filters)
            page = digest.entries[offset : offset + limit]
            total = len(digest.entries)
            document = PapersPage(
                announced_on=view.digest.announced_on,
                profile=view.digest.profile,
                generated_at=iso_utc(view.digest.generated_at),
                counts={
                    "announced": view.digest.papers_announced,
                    "matched": view.digest.papers_matched,
                    "shown": len(view.digest.entries),
                },
                total=total,
                offset=offset,
                limit=limit,
                next_offset=offset + limit if offset + limit < total else None,
                papers=[DigestPaperOut.of_entry(entry) for entry in page],
            )
            return _cached(document, view.last_modified, renderer.cache_control)

        key = ("papers", date, filters.key, limit, offset)
        return await renderer.answer(request, key, make)

    @get_and_head(
        router,
        "/api/papers/{arxiv_id:path}",
        tags=["api"],
        responses=_json(PaperDetail, "One paper, its announcements and its ranking."),
        response_class=Response,
    )
    async def paper(
        request: Request,
        arxiv_id: Annotated[str, Path(max_length=64, examples=["2604.21935", "hep-th/9901001v2"])],
    ) -> Response:
        """One paper by arXiv id (any version; old-style ids such as ``hep-th/9901001``)."""
        try:
            base = parse_arxiv_id(arxiv_id).base
        except InvalidArxivId as error:
            raise HTTPException(404, str(error)) from None

        def make(state: StoreState) -> CachedBody:
            document, modified = _paper_detail(renderer, state, base)
            return _cached(document, modified, renderer.cache_control)

        return await renderer.answer(request, ("paper", base), make)

    @router.get("/api/runs", tags=["api"], response_model=RunsOut)
    def runs(
        response: Response,
        limit: Annotated[int, Query(ge=1, le=100, description="How many, newest first.")] = 20,
    ) -> RunsOut:
        """The latest recorded runs (daily runs, fetches, catch-ups), newest first."""
        response.headers.update(NO_STORE)
        return RunsOut(runs=[RunOut.of(record) for record in data.store.recent_runs(limit)])

    @router.get(
        "/health",
        tags=["api"],
        response_model=HealthOut,
        responses={503: {"model": HealthOut, "description": "The store cannot be read."}},
    )
    def health(response: Response) -> HealthOut:
        """Whether the store answers, the latest day and how old the last successful run is."""
        response.headers.update(NO_STORE)
        try:
            store = data.store
            store.ping()
            latest = store.latest_announcement_date()
            last = next((r for r in store.recent_runs(50) if r.status == "ok"), None)
        except StoreError as error:
            response.status_code = 503
            return HealthOut(
                status="unavailable",
                store=str(error),
                latest_announcement=None,
                last_successful_run=None,
                last_run_age_seconds=None,
                read_only=read_only,
                scheduler=schedule,
            )
        age = None
        status: Literal["ok", "stale"] = "ok"
        if last is not None:
            ended = last.finished_at or last.started_at
            age = round((clock() - ended).total_seconds(), 3)
            if age > stale_after.total_seconds():
                status = "stale"
        return HealthOut(
            status=status,
            store="ok",
            latest_announcement=latest,
            last_successful_run=RunOut.of(last) if last else None,
            last_run_age_seconds=age,
            read_only=read_only,
            scheduler=schedule,
        )

    return router


def _cached(document: PapersPage | PaperDetail, modified: dt.datetime, control: str) -> CachedBody:
    body = document.model_dump_json(by_alias=True).encode("utf-8")
    return CachedBody.make(body, JSON, last_modified=modified, cache_control=control)


def _paper_detail(
    renderer: Renderer, state: StoreState, arxiv_id: str
) -> tuple[PaperDetail, dt.datetime]:
    """One paper: ranked on its latest announcement day, with its summary if it has one."""
    store = renderer.data.store
    stored = store.get_paper(arxiv_id)
    if stored is None:
        raise HTTPException(404, f"no paper {arxiv_id} in the store")
    days = [announcement.announced_on for announcement in stored.announcements]
    day = max(days) if days else None
    view = renderer.data.day_view(state, day) if day is not None else None
    entry = None
    if view is not None:
        entry = next((e for e in view.digest.entries if e.ranked.paper.arxiv_id == arxiv_id), None)
    fields: dict[str, Any]
    if entry is not None and view is not None:
        fields = DigestPaperOut.of_entry(entry).model_dump()
        modified = view.last_modified
    else:
        # Not in the day's digest: no rank; its score and summary when the store has them.
        explanation = view.ranking.explanations.get(arxiv_id) if view else None
        summary = store.latest_summaries([arxiv_id]).get(arxiv_id)
        if summary is not None and (
            summary.key.version != stored.paper.version or summary.status == SummaryStatus.FAILED
        ):
            summary = None
        types = [a.announce_type for a in stored.announcements if a.announced_on == day]
        kind = min(types, key=lambda t: t.priority) if types else None
        fields = {
            **PaperOut.fields_of(stored.paper),
            "rank": None,
            "announce_type": kind.value if kind else None,
            "score": explanation.total if explanation else None,
            "matches": [MatchOut.of(m) for m in explanation.matches] if explanation else [],
            "explanation": ExplanationOut.of(explanation) if explanation else None,
            "summary": SummaryOut.of(summary),
        }
        modified = view.last_modified if view else stored.first_seen_at or _EPOCH
    announcements = sorted(stored.announcements, key=lambda a: (a.announced_on, a.feed))
    fields["announced_on"] = day
    fields["announcements"] = [
        AnnouncementOut(
            announced_on=a.announced_on,
            announce_type=a.announce_type.value,
            version=a.version,
            feed=a.feed,
        )
        for a in announcements
    ]
    return PaperDetail.model_validate(fields), modified
