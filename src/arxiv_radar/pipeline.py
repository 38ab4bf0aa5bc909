"""The pipeline: the stages in order (fetch, rank, summarize, readers, publish, notify), one
RunReport out. ``readers`` ranks and summarizes the profiles readers own (a shared server's),
which the server shows at their feeds; it runs only when readers own profiles.

Long on purpose: each stage, its frozen result and the report built from them read together.

:func:`run` holds the store's run lock for its whole length (a second run on the same store
stops at once), records itself in the store's ``runs`` table, and is idempotent per
announcement date: running it again for the same day fetches nothing new (conditional GET),
ranks the same papers to the same scores, makes no model call (the summary and rerank
caches) and writes
the same outputs.

Each stage returns a frozen result (:class:`StageResult` and its kinds): its line in the
report, the warnings it raised and what it found. The :class:`RunReport` is assembled once
from them when the run ends, a failed run included. Publishing owns the output folder
(:mod:`arxiv_radar.publish.output`: its layout, the checks made before anything is fetched,
the atomic writes, the clean-up after a killed run): a run that fails leaves the last good
outputs as they were and exits non-zero.

A day without an announcement (a weekend, an arXiv holiday) ends with status ``empty``:
nothing new is published. ``dry_run`` fetches and ranks but makes no model call and writes
no output.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain, zip_longest
from pathlib import Path
from typing import Literal, Protocol, TypeVar

from arxiv_radar import ingest
from arxiv_radar.arxiv.http import ArxivClient
from arxiv_radar.config import Config, ProfileConfig
from arxiv_radar.errors import ArxivRadarError, StoreError
from arxiv_radar.fanout import Dispatched
from arxiv_radar.models import Digest, Paper, RunReport, StageReport
from arxiv_radar.publish import output
from arxiv_radar.publish.digest import make_digest, summaries_for
from arxiv_radar.publish.notify import NotifyResult
from arxiv_radar.publish.stored import publish_in_store
from arxiv_radar.rank.key import model_id
from arxiv_radar.rank.ranker import DayRanking, candidates_for_day, rank_day, ranking_target
from arxiv_radar.rank.rerank import Judge, NoJudge, is_reranked
from arxiv_radar.store import Store
from arxiv_radar.summarize.runner import Spent
from arxiv_radar.summarize.stage import SummarizeReport

__all__ = [
    "Embedded",
    "Fanout",
    "Fetched",
    "Notified",
    "PublishedStage",
    "Ranked",
    "RunOptions",
    "StageResult",
    "Summarized",
    "run",
]

logger = logging.getLogger(__name__)

Summarizer = Callable[[Sequence[Paper], Spent], SummarizeReport]
"""Summarizes papers; ``Spent``: what the run's LLM rerank spent of the same budget."""
Notifier = Callable[[Digest], NotifyResult]
LibrarySync = Callable[[ProfileConfig], tuple[str, ...]]
"""Brings a profile's Zotero library up to date; returns the warnings (runtime.sync_zotero)."""
StageName = Literal["fetch", "embed", "rank", "summarize", "readers", "publish", "notify"]


class Fanout(Protocol):
    """The work a run hands to workers (``[workers] broker``; :mod:`arxiv_radar.fanout`):
    each call returns once the store holds the results, or names what it lacks."""

    def embed(self, papers: Sequence[Paper], model_id: str) -> Dispatched: ...

    def rank(self, day: dt.date, profiles: Mapping[str, ProfileConfig]) -> Dispatched: ...

    def publish(self, day: dt.date, profiles: Mapping[str, ProfileConfig]) -> Dispatched: ...


Count = int | float | str | None


@dataclass(frozen=True)
class RunOptions:
    """What ``arxiv-radar run`` was asked to do.

    ``day``: the announcement date (default: today's listing). ``profile``: whose ranking is
    published (default: ``default``). ``catch_up``: fill missed days through the API
    first. ``refresh``: fetch ``day`` again even when it is complete in the store (without it
    a stored day is republished with no request). ``now``: the clock (the demo runs on its
    own day). ``force``: replace files in
    ``output`` that arxiv-radar did not write (see :mod:`arxiv_radar.publish.outputs`).
    ``notice``: a paragraph the digest, the site and the README show above the papers.
    """

    output: Path
    day: dt.date | None = None
    profile: str | None = None
    summaries: bool = True
    dry_run: bool = False
    catch_up: bool = True
    refresh: bool = False
    now: dt.datetime | None = None
    force: bool = False
    notice: str | None = None


@dataclass(frozen=True, kw_only=True)
class StageResult:
    """What one stage gave the run: how it ended, what it counted, the warnings it raised."""

    name: StageName
    status: Literal["ok", "skipped"] = "ok"
    counts: Mapping[str, Count] = field(default_factory=dict)
    note: str | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Fetched(StageResult):
    """The fetch stage's result, with the first day it touched (None: none)."""

    first: ingest.DayReport | None = None


@dataclass(frozen=True, kw_only=True)
class Embedded(StageResult):
    """The embed stage's result (runs with workers only): the day's papers embedded by them."""


@dataclass(frozen=True, kw_only=True)
class Ranked(StageResult):
    """The rank stage's result: the profile's ranking of the day."""

    ranking: DayRanking


@dataclass(frozen=True, kw_only=True)
class Summarized(StageResult):
    """The summarize stage's result: what the summarizer did (None: it was not called)."""

    done: SummarizeReport | None = None


@dataclass(frozen=True, kw_only=True)
class PublishedStage(StageResult):
    """The publish stage's result: what :func:`arxiv_radar.publish.output.publish` did."""

    published: output.Published


@dataclass(frozen=True, kw_only=True)
class Notified(StageResult):
    """The notify stage's result."""


@dataclass(frozen=True, kw_only=True)
class ReadersRanked(StageResult):
    """The readers stage's result: the profiles readers own, ranked and summarized."""


R = TypeVar("R", bound=StageResult)


class _Stages:
    """The stages of one run as they end, in order: the frozen result of each and its
    :class:`StageReport` (timed; a stage that raised gets a ``failed`` one and no result)."""

    def __init__(self, before: Callable[[], None] = lambda: None) -> None:
        self.results: list[StageResult] = []
        self.reports: list[StageReport] = []
        self._before = before  # before each stage: the run still holds its lock

    def run(self, name: StageName, work: Callable[[], R]) -> R:
        began = time.monotonic()
        try:
            self._before()
            result = work()
        except BaseException as error:
            seconds = round(time.monotonic() - began, 3)
            self.reports.append(
                StageReport(name=name, status="failed", seconds=seconds, note=str(error))
            )
            raise
        self.results.append(result)
        self.reports.append(
            StageReport(
                name=name,
                status=result.status,
                seconds=round(time.monotonic() - began, 3),
                counts=dict(result.counts),
                note=result.note,
            )
        )
        return result

    def last(self, kind: type[R]) -> R | None:
        """The result of the stage of that kind, if it ended."""
        return next((r for r in reversed(self.results) if isinstance(r, kind)), None)

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(warning for result in self.results for warning in result.warnings)


@dataclass(frozen=True)
class _End:
    """How the stages ended, when none raised."""

    status: Literal["ok", "empty", "dry-run"]
    profile: str
    announced_on: dt.date | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Run:
    """One run's collaborators and options, as :func:`run` was given them."""

    config: Config
    store: Store
    client: ArxivClient
    options: RunOptions
    summarize: Summarizer | None
    notify: Notifier | None
    progress: ingest.Progress
    library: LibrarySync | None = None
    judge: Judge | NoJudge | None = None
    fanout: Fanout | None = None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def run(
    config: Config,
    store: Store,
    client: ArxivClient,
    options: RunOptions,
    *,
    summarize: Summarizer | None = None,
    notify: Notifier | None = None,
    progress: ingest.Progress = ingest._no_progress,
    library: LibrarySync | None = None,
    judge: Judge | NoJudge | None = None,
    fanout: Fanout | None = None,
) -> RunReport:
    """Run the stages in order and return the report (see the module docstring).

    ``summarize`` makes the day's summaries (None: no summaries this run); ``notify``
    announces a newly published digest (never called for a dry run or a day already
    published); ``library`` brings the profile's Zotero library up to date in the fetch
    stage; ``judge`` reranks the profile's top papers when its ``rerank`` is above 0
    (:class:`NoJudge`: why it cannot, said in the report); ``fanout`` hands the embedding
    of the day's papers and the readers' profiles (ranked, summarized by ``summarize``,
    published in the store) to workers (None: all in this process). Errors propagate after the run
    is recorded as failed in the store, with its error; outputs written by an earlier run
    are left untouched.
    """
    if options.day is not None:
        ingest.check_announced(options.day, options.now)  # a future day: refused at once
    started_at = _now()
    began = time.monotonic()
    requested = options.profile or "default"
    with store.run_lock() as confirm_lock:
        interrupted = _close_interrupted_runs(store)
        opening = (
            (
                f"{interrupted} earlier run(s) had been interrupted (killed or crashed) and are "
                "now recorded as failed; this run redoes what they left undone",
            )
            if interrupted
            else ()
        )
        stages = _Stages(before=confirm_lock)
        end: _End | None = None
        errors: tuple[str, ...] = ()
        report_file: tuple[Path, ...] = ()
        run_id = store.start_run("run", options.day)
        try:
            end = _run_stages(
                _Run(
                    config,
                    store,
                    client,
                    options,
                    summarize,
                    notify,
                    progress,
                    library,
                    judge,
                    fanout,
                ),
                stages,
            )
            publishing = stages.last(PublishedStage)
            if publishing is not None and not publishing.published.dry_run:
                finished_at = _now()
                saved = _assemble(
                    end,
                    stages,
                    opening,
                    started_at=started_at,
                    finished_at=finished_at,
                    seconds=round((finished_at - started_at).total_seconds(), 3),
                )
                path = publishing.published.report
                output.write_report(options.output, path, saved.model_dump_json(indent=2) + "\n")
                report_file = (path,)
        except BaseException as error:  # Ctrl-C and bugs too: never recorded as a success
            errors = (str(error) or type(error).__name__,)
            raise
        finally:
            report = _assemble(
                None if errors else end,
                stages,
                opening,
                started_at=started_at,
                finished_at=_now(),
                seconds=round(time.monotonic() - began, 3),
                errors=errors,
                profile=requested,
                report_file=report_file,
            )
            store.finish_run(
                run_id,
                "failed" if report.status == "failed" else "ok",
                counts={
                    "papers_announced": report.papers_announced,
                    "papers_shown": report.papers_shown,
                    "summary_calls": report.summary_calls,
                },
                errors=report.errors,
            )
            if report.status != "failed" and report.announced_on is not None:
                _mark_published(store, report, options.output)
    return report


def _assemble(
    end: _End | None,
    stages: _Stages,
    opening: tuple[str, ...],
    *,
    started_at: dt.datetime,
    finished_at: dt.datetime,
    seconds: float,
    errors: tuple[str, ...] = (),
    profile: str = "default",
    report_file: tuple[Path, ...] = (),
) -> RunReport:
    """The run's report, from the results of its stages (``end`` None: the run failed)."""
    ranked = stages.last(Ranked)
    summarized = stages.last(Summarized)
    done = summarized.done if summarized is not None else None
    reranked = ranked.ranking.rerank if ranked is not None else None  # its calls count too
    publishing = stages.last(PublishedStage)
    files = (*publishing.published.files, *report_file) if publishing is not None else ()
    return RunReport(
        status="failed" if end is None else end.status,
        announced_on=None if end is None else end.announced_on,
        profile=profile if end is None else end.profile,
        started_at=started_at,
        finished_at=finished_at,
        seconds=seconds,
        papers_announced=ranked.ranking.considered if ranked is not None else 0,
        papers_matched=ranked.ranking.kept if ranked is not None else 0,
        papers_shown=len(ranked.ranking.ranked) if ranked is not None else 0,
        summaries_made=done.succeeded if done is not None else 0,
        summary_calls=done.calls if done is not None else 0,
        summary_cache_hits=done.cache_hits if done is not None else 0,
        summary_failures=done.failures if done is not None else 0,
        tokens_in=(done.tokens_in if done else 0) + (reranked.tokens_in if reranked else 0),
        tokens_out=(done.tokens_out if done else 0) + (reranked.tokens_out if reranked else 0),
        cost=round((done.cost if done else 0.0) + (reranked.cost if reranked else 0.0), 6),
        currency=(done.currency if done else None) or (reranked.currency if reranked else None),
        stages=tuple(stages.reports),
        outputs=tuple(str(path) for path in files),
        warnings=(*opening, *stages.warnings, *(end.warnings if end is not None else ())),
        errors=errors,
    )


INTERRUPTED = "interrupted: the process ended before the run finished (killed or crashed)"


def _close_interrupted_runs(store: Store) -> int:
    """Record runs a killed process left ``running`` as failed (called under the run lock,
    so no other run is alive), with the catch-ups they had started; return how many."""
    recent = store.recent_runs(200)
    stale = [r for r in recent if r.kind == "run" and r.status == "running"]
    if not stale:
        return 0
    since = min(r.started_at for r in stale)
    for record in recent:
        orphan = record.kind == ingest.CATCH_UP_RUN and record.started_at >= since
        if record.status == "running" and (record in stale or orphan):
            store.finish_run(record.id, "failed", errors=[INTERRUPTED])
    return len(stale)


def _mark_published(store: Store, report: RunReport, folder: Path) -> None:
    """Record the publication this run made (``store.published_days()`` then has its day)."""
    if report.status == "ok" and report.announced_on is not None:
        store.record_publication(
            report.announced_on,
            report.profile,
            output=str(folder),
            output_resolved=str(folder.resolve()),
            papers=report.papers_shown,
            files=[Path(os.path.relpath(name, folder)).as_posix() for name in report.outputs],
        )


def _profile(config: Config, requested: str) -> tuple[str, ProfileConfig]:
    """The profile a run publishes, by name (an unknown name picks the default one)."""
    named = config.named_profile(requested if requested in config.profiles else None)
    return named.name, named.settings


def _run_stages(ctx: _Run, stages: _Stages) -> _End:
    """The stages in order, each recorded in ``stages``; how they ended."""
    options, store = ctx.options, ctx.store
    profile_name, profile = _profile(ctx.config, options.profile or "default")
    # before anything is fetched or paid for
    output.preflight(options.output, force=options.force, dry_run=options.dry_run)
    first = stages.run("fetch", lambda: _fetch(ctx, profile)).first
    day = options.day
    if day is None and first is not None and first.status != "no-announcement":
        day = first.announced_on or store.latest_announcement_date()
    if first is not None and first.status == "no-announcement" and options.day is None:
        nothing = "no announcement today (a weekend or an arXiv holiday): nothing new to publish"
        return _End("empty", profile_name, warnings=(nothing,))
    if day is None:
        day = store.latest_announcement_date()
    if day is None or not store.papers_announced_on(day):
        nothing = f"no papers stored for {day or 'any day'}: nothing to publish"
        return _End("empty", profile_name, announced_on=day, warnings=(nothing,))
    announced_on = day
    owned = list(
        dict.fromkeys(
            name
            for reader in store.readers()
            for name in reader.profiles
            if name in ctx.config.profiles and name != profile_name
        )
    )
    if ctx.fanout is not None and not options.dry_run:
        fanout = ctx.fanout
        wanted = {profile_name: profile, **{name: ctx.config.profiles[name] for name in owned}}
        stages.run("embed", lambda: _embed(ctx, fanout, wanted, announced_on))

    ranking = stages.run("rank", lambda: _rank(ctx, profile_name, profile, announced_on)).ranking
    summarized = stages.run("summarize", lambda: _summarize(ctx, ranking))
    if owned:
        spent = _spent(ranking, summarized)
        stages.run("readers", lambda: _readers(ctx, owned, announced_on, spent))
    digest = make_digest(
        ctx.config,
        announced_on=announced_on,
        ranked=ranking.ranked,
        summaries=summaries_for(store, ranking.ranked),
        profile=profile_name,
        papers_announced=ranking.considered,
        papers_matched=ranking.kept,
        generated_at=_now(),
        notice=options.notice,
    )
    stages.run("publish", lambda: _publish(ctx, digest))
    if options.dry_run:
        return _End("dry-run", profile_name, announced_on=announced_on)
    # once per day, whatever the profile (readers' profiles are published in the store only)
    already = announced_on in store.published_days(exclude=owned)
    stages.run("notify", lambda: _notify(ctx, digest, already=already))
    return _End("ok", profile_name, announced_on=announced_on)


def _fetch(ctx: _Run, profile: ProfileConfig) -> Fetched:
    options = ctx.options
    if options.day is not None:
        fetched = ingest.fetch_date(
            ctx.config.arxiv,
            ctx.client,
            ctx.store,
            options.day,
            now=options.now,
            use_stored=not options.refresh,
        )
    else:
        fetched = ingest.fetch_latest(
            ctx.config.arxiv,
            ctx.client,
            ctx.store,
            now=options.now,
            catch_up=options.catch_up,
            progress=ctx.progress,
        )
    # seed papers the store lacks, looked up by id (semantic ranking embeds them)
    wanted = list(dict.fromkeys(profile.seed_papers))
    stored = ctx.store.get_papers(wanted) if profile.mode in ("semantic", "hybrid") else {}
    seeds = [arxiv_id for arxiv_id in wanted if arxiv_id not in stored]
    if seeds and profile.mode in ("semantic", "hybrid"):
        seeded = ingest.backfill_ids(ctx.config.arxiv, ctx.client, ctx.store, seeds)
        fetched.requests += seeded.requests
        fetched.warnings.extend(seeded.warnings)
    if ctx.library is not None:  # the Zotero library, downloaded when it changed
        fetched.warnings.extend(ctx.library(profile))
    first = fetched.days[0] if fetched.days else None
    return Fetched(
        name="fetch",
        counts={
            "requests": fetched.requests,
            "days": len(fetched.days),
            "papers": sum(day.papers for day in fetched.days),
            "new_papers": fetched.counts.papers_inserted,
            "status": first.status if first else None,
        },
        warnings=(
            *fetched.warnings,
            *(
                f"skipped a malformed feed item {item.identifier or '(no id)'}: {item.reason}"
                for item in fetched.skipped
            ),
        ),
        first=first,
    )


def _embed(
    ctx: _Run, fanout: Fanout, profiles: Mapping[str, ProfileConfig], day: dt.date
) -> Embedded:
    """Have the workers embed the day's papers, when a profile to rank needs vectors."""
    candidates = candidates_for_day(ctx.store, day)
    base = ctx.config.folder
    semantic = [
        name
        for name, profile in profiles.items()
        if ranking_target(ctx.store, name, profile, candidates, base=base).semantic
    ]
    if not semantic or not candidates:
        note = "no profile ranks by meaning" if not semantic else "no papers"
        return Embedded(name="embed", status="skipped", note=note)
    sent = fanout.embed([c.paper for c in candidates], model_id(None))
    warnings = (
        (
            f"the workers did not embed {len(sent.missing)} paper versions within "
            f"[workers] task_timeout ({ctx.config.workers.task_timeout:.0f} s): this run "
            "embeds them itself",
        )
        if sent.missing
        else ()
    )
    return Embedded(
        name="embed",
        counts={"papers": len(candidates), "tasks": sent.tasks, "missing": len(sent.missing)},
        warnings=warnings,
    )


def _rank(ctx: _Run, name: str, profile: ProfileConfig, day: dt.date) -> Ranked:
    judge = ctx.judge if isinstance(ctx.judge, Judge) and not ctx.options.dry_run else None
    ranking = rank_day(ctx.store, name, profile, day=day, base=ctx.config.folder, judge=judge)
    counts: dict[str, Count] = {
        "considered": ranking.considered,
        "kept": ranking.kept,
        "shown": len(ranking.ranked),
        "mode": ranking.mode,
    }
    warnings: tuple[str, ...] = ()
    done = ranking.rerank
    if done is not None:
        counts.update(
            rerank_calls=done.calls,
            rerank_cache_hits=done.cache_hits,
            rerank_failures=done.failures,
            rerank_skipped=done.skipped,
            rerank_tokens_in=done.tokens_in,
            rerank_tokens_out=done.tokens_out,
        )
        warnings = done.warnings()
    elif profile.rerank and not is_reranked(ranking.ranked, profile.rerank):
        why = (
            "dry run: no model is called"
            if ctx.options.dry_run
            else ctx.judge.reason
            if isinstance(ctx.judge, NoJudge)
            else "no LLM was given to this run"
        )
        warnings = (f"rerank = {profile.rerank}: the ranking is not reranked, because {why}",)
    return Ranked(name="rank", counts=counts, warnings=warnings, ranking=ranking)


def _summarize(ctx: _Run, ranking: DayRanking) -> Summarized:
    wanted = [item.paper for item in ranking.ranked[: ctx.config.summaries.max_papers]]
    if ctx.summarize is None or ctx.options.dry_run or not wanted:
        note = (
            "dry run: no model called"
            if ctx.options.dry_run
            else "summaries are off"
            if ctx.summarize is None
            else "no ranked papers"
        )
        return Summarized(name="summarize", status="skipped", note=note)
    done = ctx.summarize(wanted, ranking.rerank.spent if ranking.rerank else Spent())
    failed = tuple(
        f"summary of {item.arxiv_id} failed: {item.error}"
        for item in done.outcomes
        if item.status == "failed"
    )
    budget = (
        (
            f"summary budget reached ({done.budget_reason}): {done.skipped} papers left for "
            "the next run",
        )
        if done.budget_reason
        else ()
    )
    return Summarized(
        name="summarize",
        counts={
            "provider": done.provider,
            "papers": done.papers,
            "calls": done.calls,
            "cache_hits": done.cache_hits,
            "failures": done.failures,
            "skipped": done.skipped,
            "tokens_in": done.tokens_in,
            "tokens_out": done.tokens_out,
            "cost": round(done.cost, 6),
        },
        warnings=(*failed, *budget),
        done=done,
    )


def _spent(ranking: DayRanking, summarized: Summarized) -> Spent:
    """What the run has spent so far (its rerank and summaries), against its budget."""
    spent = ranking.rerank.spent if ranking.rerank else Spent()
    done = summarized.done
    return spent + Spent(done.tokens_in + done.tokens_out, done.cost) if done else spent


def _readers(ctx: _Run, names: list[str], day: dt.date, spent: Spent) -> ReadersRanked:
    """Rank the day for each profile a reader owns, summarize its best papers and publish
    it in the store (the server serves it at the reader's feeds), within what is left of
    the budget. A profile that cannot be ranked is a warning; the others go on. With
    workers, they rank and publish (the summaries go to them through ``summarize``)."""
    totals = dict.fromkeys(("ranked", "summaries", "calls", "cache_hits", "failures"), 0)
    totals["profiles"] = len(names)
    warnings: list[str] = []
    profiles = {name: ctx.config.profiles[name] for name in names}
    if ctx.fanout is not None and not ctx.options.dry_run:
        sent = ctx.fanout.rank(day, profiles)
        totals["rank_tasks"] = sent.tasks
        if sent.missing:
            warnings.append(
                f"the workers did not rank {len(sent.missing)} profiles within [workers] "
                f"task_timeout: this run ranks them itself ({', '.join(sent.missing[:5])})"
            )
    best: list[list[Paper]] = []
    for name in names:
        try:
            ranking = rank_day(ctx.store, name, profiles[name], day=day, base=ctx.config.folder)
        except StoreError:
            raise
        except ArxivRadarError as error:
            warnings.append(f"profile {name} was not ranked: {error}")
            continue
        totals["ranked"] += 1
        best.append([item.paper for item in ranking.ranked[: ctx.config.summaries.max_papers]])
    # Each paper once, taken in turns (every profile's first, then every second...), so that
    # a budget reached part way leaves each profile its best papers summarized.
    wanted: dict[str, Paper] = {}
    for paper in chain.from_iterable(zip_longest(*best)):
        if paper is not None:
            wanted.setdefault(paper.arxiv_id, paper)
    totals["papers"] = len(wanted)
    if ctx.summarize is not None and not ctx.options.dry_run and wanted:
        done = ctx.summarize(list(wanted.values()), spent)
        totals["summaries"] = done.succeeded
        totals["calls"] = done.calls
        totals["cache_hits"] = done.cache_hits
        totals["failures"] = done.failures
        warnings += [
            f"summary of {item.arxiv_id} (readers' profiles) failed: {item.error}"
            for item in done.outcomes
            if item.status == "failed"
        ]
        if done.budget_reason:
            warnings.append(
                f"summary budget reached ({done.budget_reason}) in the readers' profiles: "
                f"{done.skipped} papers are left for the next run"
            )
    if not ctx.options.dry_run:
        totals["published"], more = _publish_readers(ctx, profiles, day)
        warnings += more
    return ReadersRanked(name="readers", counts=dict(totals), warnings=tuple(warnings))


def _publish_readers(
    ctx: _Run, profiles: Mapping[str, ProfileConfig], day: dt.date
) -> tuple[int, list[str]]:
    """Publish ``day`` in the store for each of ``profiles`` ranked: by the workers, else
    here; how many are published, and the warnings."""
    if ctx.fanout is not None:
        sent = ctx.fanout.publish(day, profiles)
        missing = (
            [
                f"{len(sent.missing)} readers' profiles were not published for {day} "
                f"({', '.join(sent.missing[:5])}): the next run publishes them"
            ]
            if sent.missing
            else []
        )
        return sent.done, missing
    base, candidates = ctx.config.folder, candidates_for_day(ctx.store, day)
    done = [
        publish_in_store(ctx.store, name, settings, day, base=base, candidates=candidates)
        for name, settings in profiles.items()
    ]
    return sum(1 for publication in done if publication is not None), []


def _publish(ctx: _Run, digest: Digest) -> PublishedStage:
    options = ctx.options
    published = output.publish(
        ctx.config.publish, digest, options.output, force=options.force, dry_run=options.dry_run
    )
    if published.dry_run:
        return PublishedStage(
            name="publish",
            status="skipped",
            note="dry run: nothing written",
            warnings=published.warnings,
            published=published,
        )
    return PublishedStage(
        name="publish",
        counts={"files": len(published.files)},
        warnings=published.warnings,
        published=published,
    )


def _notify(ctx: _Run, digest: Digest, *, already: bool) -> Notified:
    if ctx.notify is None or not ctx.config.publish.notify or already:
        note = "already announced" if already else "no notification URLs"
        return Notified(name="notify", status="skipped", note=note)
    result = ctx.notify(digest)
    return Notified(
        name="notify",
        counts={"sent": len(result.succeeded), "failed": len(result.failed)},
        warnings=tuple(
            f"notification to {failure.target} failed: {failure.error}" for failure in result.failed
        ),
    )
