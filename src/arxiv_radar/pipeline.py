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
as they were and exits non-zero. An output folder that cannot be written is refused before
anything is fetched, an output path blocked by a folder before the first write, and the
temporary files a killed run left behind are removed by the next one (docs/reliability.md).

A day without an announcement (a weekend, an arXiv holiday) ends with status ``empty``:
nothing new is published. ``dry_run`` fetches and ranks but makes no model call and writes
no output.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from arxiv_radar import ingest
from arxiv_radar.arxiv.http import ArxivClient
from arxiv_radar.config import Config
from arxiv_radar.errors import UsageError
from arxiv_radar.models import Digest, Paper, RunReport, StageReport
from arxiv_radar.publish import exports, feeds, markdown, site
from arxiv_radar.publish.digest import make_digest, summaries_for
from arxiv_radar.publish.files import write_atomic
from arxiv_radar.publish.notify import NotifyResult
from arxiv_radar.publish.outputs import OwnedFiles
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
    if options.day is not None:
        ingest.check_announced(options.day, options.now)  # a future day: refused at once
    report = RunReport(started_at=_now(), profile=options.profile or "default")
    timer = _Timer(report)
    began = time.monotonic()
    with store.run_lock():
        interrupted = _close_interrupted_runs(store)
        if interrupted:
            report.warnings.append(
                f"{interrupted} earlier run(s) had been interrupted (killed or crashed) and are "
                "now recorded as failed; this run redoes what they left undone"
            )
        run_id = store.start_run("run", options.day)
        try:
            _run_stages(config, store, client, options, report, timer, summarize, notify, progress)
        except BaseException as error:  # Ctrl-C and bugs too: never recorded as a success
            report.status = "failed"
            report.errors.append(str(error) or type(error).__name__)
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
                _mark_published(store, report, options.output)
    return report


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


def _mark_published(store: Store, report: RunReport, output: Path) -> None:
    """Record the publication this run made (``store.published_days()`` then has its day)."""
    if report.status == "ok" and report.announced_on is not None:
        store.record_publication(
            report.announced_on,
            report.profile,
            output=str(output),
            output_resolved=str(output.resolve()),
            papers=report.papers_shown,
            files=[Path(os.path.relpath(name, output)).as_posix() for name in report.outputs],
        )


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

    check_output_folder(options.output)
    if not options.dry_run:  # before anything is fetched or paid for
        OwnedFiles(options.output).check(fixed_outputs(options.output), force=options.force)
    with timer.stage("fetch") as stage:
        if options.day is not None:
            fetched = ingest.fetch_date(
                config.arxiv,
                client,
                store,
                options.day,
                now=options.now,
                use_stored=not options.refresh,
            )
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
        report.warnings.extend(
            f"skipped a malformed feed item {item.identifier or '(no id)'}: {item.reason}"
            for item in fetched.skipped
        )
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
        notice=options.notice,
    )

    with timer.stage("publish") as stage:
        paths = output_paths(options.output, day, digest.categories)
        rendered = _render(config, digest, paths)
        site_files = site.render_site(digest, options.output / "site")
        contents: dict[Path, bytes | str] = {**dict(site_files.files), **rendered}
        if options.dry_run:
            stage.status = "skipped"
            stage.note = "dry run: nothing written"
            report.status = "dry-run"
            report.outputs = [str(path) for path in rendered] + [
                str(paths["site"]),
                str(paths["site_day"]),
            ]
            foreign = OwnedFiles(options.output).foreign(contents)
            if foreign and not options.force:
                report.warnings.append(
                    f"a real run would stop: {len(foreign)} file(s) in {options.output} were "
                    f"not written by arxiv-radar ({', '.join(str(p) for p in foreign[:3])}"
                    f"{', ...' if len(foreign) > 3 else ''}); pass --force to replace them"
                )
            return
        _check_targets(options.output, [*contents, paths["report"]])
        owned = OwnedFiles(options.output)
        owned.check([*contents, paths["report"]], force=options.force)
        removed = remove_stale_temporaries(options.output)
        if removed:
            report.warnings.append(
                f"removed {len(removed)} temporary file(s) an interrupted run left behind"
            )
        try:
            owned.begin(contents)
            for path, content in [*site_files.files, *rendered.items()]:
                write_atomic(path, content)
            owned.commit(contents)
        except OSError as error:
            raise _write_failed(options.output, error) from error
        report.outputs = [str(path) for path in rendered] + [str(p) for p, _ in site_files.files]
        stage.counts = {"files": len(report.outputs)}

    already = day in store.published_days()  # once per announcement day, whatever the profile
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
    try:
        report_json = {paths["report"]: report.model_dump_json(indent=2) + "\n"}
        owned.begin(report_json)
        write_atomic(paths["report"], report_json[paths["report"]])
        owned.commit(report_json)
    except OSError as error:
        raise _write_failed(options.output, error) from error
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


# -- the output folder -----------------------------------------------------------------------

OUTPUT_FOLDERS = ("feeds", "site", "exports", "reports")
"""The folders under ``output`` a run writes into, with all their subfolders, beside ``output``
itself: where stale temporary files are looked for."""

_TEMPORARY = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$")
"""What :func:`~arxiv_radar.publish.files.write_atomic` names its temporary files."""

_FIX = (
    "choose another --output (or publish.output), or fix the folder: it must be a folder you "
    "can write to, with free space"
)


def check_output_folder(output: Path) -> None:
    """Raise :class:`UsageError` (exit 2) at once when ``output`` cannot be a writable folder:
    before anything is fetched or paid for."""
    existing = output
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        what = "is a file, not a folder" if existing == output else "cannot be created"
        if existing != output:
            what += f" ({existing} is a file, not a folder)"
        raise UsageError(f"the output folder {output} {what}: {_FIX}")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"the output folder {output} is not writable ({existing}): {_FIX}")


def fixed_outputs(output: Path) -> list[Path]:
    """The outputs whose names do not depend on the day: what is checked for ownership
    before anything is fetched."""
    return [
        output / "README.md",
        *(output / "feeds" / name for name in (feeds.RSS_FILE, feeds.ATOM_FILE)),
        output / "feeds" / feeds.JSON_FEED_FILE,
        output / "site" / "index.html",
        output / "site" / "data.json",
        output / "exports" / "digest.bib",
        output / "exports" / "digest.json",
    ]


def _check_targets(output: Path, targets: Sequence[Path]) -> None:
    """Refuse, before the first write, outputs that cannot be replaced by a file: a folder
    where a file goes, a file where a folder goes (so nothing is published half-way)."""
    check_output_folder(output)
    for target in targets:
        if target.is_dir():
            raise UsageError(
                f"cannot publish {target}: a folder is in the way of that output file; "
                f"move or delete it and run again (nothing was written)"
            )
        parent = target.parent
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        if not parent.is_dir():
            raise UsageError(
                f"cannot publish {target}: {parent} is a file where a folder should be; "
                f"move or delete it and run again (nothing was written)"
            )


def remove_stale_temporaries(output: Path) -> list[Path]:
    """Delete temporary files a killed writer left in the output folders; return them."""
    removed: list[Path] = []
    candidates = [
        *(output.iterdir() if output.is_dir() else ()),
        *(path for name in OUTPUT_FOLDERS for path in (output / name).rglob("*.tmp")),
    ]
    for path in candidates:
        if _TEMPORARY.match(path.name) and path.is_file() and not path.is_symlink():
            path.unlink(missing_ok=True)
            removed.append(path)
    if removed:
        logger.info("removed %d stale temporary files under %s", len(removed), output)
    return removed


def _write_failed(output: Path, error: OSError) -> UsageError:
    where = f" ({error.filename})" if error.filename else ""
    return UsageError(
        f"writing the outputs into {output} failed: {error.strerror or error}{where}. Each "
        "file is either the new or the previous version, never half-written; "
        f"{_FIX}, then run again."
    )
