"""The daily run: fetch -> rank -> summarize -> publish, one :class:`RunReport` out.

:func:`run` holds the store's run lock for its whole length (a second run on the same store
stops at once), records itself in the store's ``runs`` table, and is idempotent per
announcement date: running it again for the same day fetches nothing new (conditional GET),
ranks the same papers to the same scores, makes no model call (the summary cache) and writes
the same outputs.

Outputs, under ``output``::

    README.md                    the digest (publish/markdown.py)
    feeds/rss.xml, atom.xml, feed.json, <category>.xml
    site/index.html, site/archive/<date>.html, site/data.json, site/assets/
    exports/digest.bib, exports/digest.json
    reports/run-<date>.json      this run's report

Everything is rendered before anything is written, and every file is written atomically
(a temporary file moved over the old one), so a run that fails leaves the last good outputs
as they were and exits non-zero. A day without an announcement (a weekend, an arXiv holiday)
ends with status ``empty``: nothing new is published. ``dry_run`` fetches and ranks but
makes no model call and writes no output.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from arxiv_radar import ingest
from arxiv_radar.arxiv.http import ArxivClient
from arxiv_radar.config import Config
from arxiv_radar.errors import ArxivRadarError
from arxiv_radar.models import Digest, Paper, RunReport, StageReport
from arxiv_radar.publish import exports, feeds, markdown, site
from arxiv_radar.publish.digest import make_digest, summaries_for
from arxiv_radar.publish.files import write_atomic
from arxiv_radar.publish.notify import NotifyResult
from arxiv_radar.rank.ranker import rank_day
from arxiv_radar.store import Store
from arxiv_radar.summarize.stage import SummarizeReport

__all__ = ["RunOptions", "output_paths", "run"]

logger = logging.getLogger(__name__)

Summarizer = Callable[[Sequence[Paper]], SummarizeReport]
Notifier = Callable[[Digest], NotifyResult]
StageName = Literal["fetch", "rank", "summarize", "publish", "notify"]


@dataclass(frozen=True)
class RunOptions:
    """What ``arxiv-radar run`` was asked to do.

    ``day``: the announcement date (default: today's listing). ``profile``: whose ranking is
    published (default: ``default``). ``catch_up``: fill missed days through the API
    first. ``now``: the clock (the demo runs on its own day).
    """

    output: Path
    day: dt.date | None = None
    profile: str | None = None
    summaries: bool = True
    dry_run: bool = False
    catch_up: bool = True
    now: dt.datetime | None = None


def output_paths(output: Path, day: dt.date, categories: Sequence[str]) -> dict[str, Path]:
    """Where each output of ``day`` goes under ``output`` (the layout in the module doc)."""
    paths = {
        "readme": output / "README.md",
        "rss": output / "feeds" / feeds.RSS_FILE,
        "atom": output / "feeds" / feeds.ATOM_FILE,
        "json_feed": output / "feeds" / feeds.JSON_FEED_FILE,
        "site": output / "site" / "index.html",
        "site_day": output / "site" / "archive" / f"{day.isoformat()}.html",
        "bibtex": output / "exports" / "digest.bib",
        "json": output / "exports" / "digest.json",
        "report": output / "reports" / f"run-{day.isoformat()}.json",
    }
    for category in dict.fromkeys(categories):
        paths[f"feed:{category}"] = output / "feeds" / feeds.category_file(category)
    return paths


class _Timer:
    """Times one stage and appends its :class:`StageReport` to the run's report."""

    def __init__(self, report: RunReport) -> None:
        self.report = report

    @contextmanager
    def stage(self, name: StageName) -> Iterator[StageReport]:
        stage = StageReport(name=name)
        began = time.monotonic()
        try:
            yield stage
        except BaseException as error:
            stage.status = "failed"
            stage.note = str(error)
            raise
        finally:
            stage.seconds = round(time.monotonic() - began, 3)
            self.report.stages.append(stage)


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
) -> RunReport:
    """Run the stages in order and return the report (see the module docstring).

    ``summarize`` makes the day's summaries (None: no summaries this run); ``notify``
    announces a newly published digest (never called for a dry run or a day already
    published). Errors propagate after the run is recorded as failed in the store and in
    ``report.errors``; outputs written by an earlier run are left untouched.
    """
    report = RunReport(started_at=_now(), profile=options.profile or "default")
    timer = _Timer(report)
    began = time.monotonic()
    with store.run_lock():
        run_id = store.start_run("run", options.day)
        try:
            _run_stages(config, store, client, options, report, timer, summarize, notify, progress)
        except (ArxivRadarError, OSError) as error:
            report.status = "failed"
            report.errors.append(str(error))
            raise
        finally:
            report.finished_at = _now()
            report.seconds = round(time.monotonic() - began, 3)
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
                _mark_published(store, report)
    return report


def _mark_published(store: Store, report: RunReport) -> None:
    """Remember the announcement date this run published (``run_dates("publish")``)."""
    if report.status == "ok":
        published = store.start_run("publish", report.announced_on)
        store.finish_run(published, "ok", counts={"papers": report.papers_shown})


def _run_stages(
    config: Config,
    store: Store,
    client: ArxivClient,
    options: RunOptions,
    report: RunReport,
    timer: _Timer,
    summarize: Summarizer | None,
    notify: Notifier | None,
    progress: ingest.Progress,
) -> None:
    profile_name = report.profile if report.profile in config.profiles else None
    profile = config.profile(profile_name)
    if profile_name is None:
        report.profile = next(name for name, value in config.profiles.items() if value is profile)

    with timer.stage("fetch") as stage:
        if options.day is not None:
            fetched = ingest.fetch_date(config.arxiv, client, store, options.day, now=options.now)
        else:
            fetched = ingest.fetch_latest(
                config.arxiv,
                client,
                store,
                now=options.now,
                catch_up=options.catch_up,
                progress=progress,
            )
        report.warnings.extend(fetched.warnings)
        first = fetched.days[0] if fetched.days else None
        stage.counts = {
            "requests": fetched.requests,
            "days": len(fetched.days),
            "papers": sum(day.papers for day in fetched.days),
            "new_papers": fetched.counts.papers_inserted,
            "status": first.status if first else None,
        }
    day = options.day
    if day is None and first is not None and first.status != "no-announcement":
        day = first.announced_on or store.latest_announcement_date()
    if first is not None and first.status == "no-announcement" and options.day is None:
        report.status = "empty"
        report.warnings.append(
            "no announcement today (a weekend or an arXiv holiday): nothing new to publish"
        )
        return
    if day is None:
        day = store.latest_announcement_date()
    if day is None or not store.papers_announced_on(day):
        report.status = "empty"
        report.announced_on = day
        report.warnings.append(f"no papers stored for {day or 'any day'}: nothing to publish")
        return
    report.announced_on = day

    with timer.stage("rank") as stage:
        ranking = rank_day(store, report.profile, profile, day=day)
        report.papers_announced = ranking.considered
        report.papers_matched = ranking.kept
        report.papers_shown = len(ranking.ranked)
        stage.counts = {
            "considered": ranking.considered,
            "kept": ranking.kept,
            "shown": len(ranking.ranked),
            "mode": ranking.mode,
        }

    with timer.stage("summarize") as stage:
        wanted = [item.paper for item in ranking.ranked[: config.summaries.max_papers]]
        if summarize is None or options.dry_run or not wanted:
            stage.status = "skipped"
            stage.note = (
                "dry run: no model called"
                if options.dry_run
                else "summaries are off"
                if summarize is None
                else "no ranked papers"
            )
        else:
            done = summarize(wanted)
            _count_summaries(report, stage, done)

    digest = make_digest(
        config,
        announced_on=day,
        ranked=ranking.ranked,
        summaries=summaries_for(store, ranking.ranked),
        profile=report.profile,
        papers_announced=ranking.considered,
        papers_matched=ranking.kept,
        generated_at=_now(),
    )

    with timer.stage("publish") as stage:
        paths = output_paths(options.output, day, digest.categories)
        rendered = _render(config, digest, paths)
        if options.dry_run:
            stage.status = "skipped"
            stage.note = "dry run: nothing written"
            report.status = "dry-run"
            report.outputs = [str(path) for path in rendered] + [
                str(paths["site"]),
                str(paths["site_day"]),
            ]
            return
        written = site.write_site(digest, options.output / "site")
        for path, content in rendered.items():
            write_atomic(path, content)
        report.outputs = [str(path) for path in rendered] + [str(p) for p in written.written]
        stage.counts = {"files": len(report.outputs)}

    already = day in store.run_dates("publish")
    with timer.stage("notify") as stage:
        if notify is None or not config.publish.notify or already:
            stage.status = "skipped"
            stage.note = "already announced" if already else "no notification URLs"
        else:
            result = notify(digest)
            stage.counts = {"sent": len(result.succeeded), "failed": len(result.failed)}
            for failure in result.failed:
                report.warnings.append(f"notification to {failure.target} failed: {failure.error}")

    report.finished_at = _now()
    report.seconds = round((report.finished_at - report.started_at).total_seconds(), 3)
    write_atomic(paths["report"], report.model_dump_json(indent=2) + "\n")
    report.outputs.append(str(paths["report"]))


def _count_summaries(report: RunReport, stage: StageReport, done: SummarizeReport) -> None:
    report.summaries_made = done.succeeded
    report.summary_calls = done.calls
    report.summary_cache_hits = done.cache_hits
    report.summary_failures = done.failures
    report.tokens_in = done.tokens_in
    report.tokens_out = done.tokens_out
    report.cost = round(done.cost, 6)
    report.currency = done.currency
    stage.counts = {
        "provider": done.provider,
        "papers": done.papers,
        "calls": done.calls,
        "cache_hits": done.cache_hits,
        "failures": done.failures,
        "skipped": done.skipped,
        "tokens_in": done.tokens_in,
        "tokens_out": done.tokens_out,
        "cost": round(done.cost, 6),
    }
    for item in done.outcomes:
        if item.status == "failed":
            report.warnings.append(f"summary of {item.arxiv_id} failed: {item.error}")
    if done.budget_reason:
        report.warnings.append(
            f"summary budget reached ({done.budget_reason}): {done.skipped} papers left for "
            "the next run"
        )


def _render(config: Config, digest: Digest, paths: dict[str, Path]) -> dict[Path, bytes | str]:
    """Every output but the site, rendered in memory: a failure here writes nothing."""
    rendered: dict[Path, bytes | str] = {
        paths["readme"]: markdown.render_readme(
            digest, template=config.publish.template, abstract_chars=config.publish.abstract_chars
        ),
        paths["rss"]: feeds.render_rss(digest),
        paths["atom"]: feeds.render_atom(digest),
        paths["json_feed"]: feeds.render_json_feed(digest),
        paths["bibtex"]: exports.render_bibtex(digest),
        paths["json"]: exports.render_json(digest),
    }
    for category in dict.fromkeys(digest.categories):
        rendered[paths[f"feed:{category}"]] = feeds.render_rss(digest, category=category)
    return rendered
