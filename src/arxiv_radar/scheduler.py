"""The built-in scheduler: the daily run inside ``arxiv-radar serve``, on a cron schedule.

Three pieces, usable alone:

- :func:`cron_trigger` turns a standard five-field cron expression (``"30 6 * * 1-5"``,
  Monday to Friday at 06:30) into an APScheduler 3.x trigger. APScheduler's own
  ``CronTrigger.from_crontab`` numbers weekdays from Monday = 0, so ``1-5`` would mean
  Tuesday to Saturday; here the weekday field keeps cron's meaning (Sunday = 0 or 7, names
  ``sun``-``sat``, ranges, lists and steps), and a schedule restricting both the day of the
  month and the weekday fires when *either* matches, as cron does.
- :class:`RunController` runs the pipeline (a :data:`Runner`) one run at a time in this
  process, in the background or in the caller's thread, logs each outcome and remembers the
  last one. A failing run is logged, never raised into the server.
- :class:`DailyScheduler` fires a :class:`RunController` on a cron schedule in a background
  thread (APScheduler's ``BackgroundScheduler``), coalescing missed runs.

A day without an announcement (a weekend, an arXiv holiday) is the pipeline's ``empty``
status: logged as "nothing new", not as a failure.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

from arxiv_radar.errors import ArxivRadarError, UsageError
from arxiv_radar.models import RunReport
from arxiv_radar.store.lock import RunLockedError

if TYPE_CHECKING:
    import httpx

    from arxiv_radar.config import Config

__all__ = [
    "DailyScheduler",
    "RunController",
    "RunState",
    "Runner",
    "cron_trigger",
    "cron_weekdays",
    "next_fire_times",
    "pipeline_runner",
]

logger = logging.getLogger(__name__)

Runner = Callable[[], RunReport]
"""One run of the pipeline, returning its report (raises on failure)."""

CRON_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
"""Cron's weekday names, by cron's numbers (Sunday = 0; 7 is Sunday again)."""

_MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}


# -- cron expressions --------------------------------------------------------------------------


def cron_weekdays(field: str) -> str:
    """A cron weekday field as APScheduler 3.x's ``day_of_week`` (names, so never ambiguous).

    ``1-5`` -> ``mon,tue,wed,thu,fri``; ``0``, ``7`` and ``sun`` -> ``sun``; ``*/2`` ->
    ``sun,tue,thu,sat``; ``*`` -> ``*``. Raises :class:`UsageError` for anything else.
    """
    days: set[int] = set()
    for part in field.lower().split(","):
        body, slash, step_text = part.partition("/")
        step = 1
        if slash:
            if not step_text.isdigit() or int(step_text) < 1:
                raise _bad_weekday(field, f"step '{step_text}' is not a positive number")
            step = int(step_text)
        if body == "*":
            start, end = 0, 7
        elif "-" in body:
            first, _, last = body.partition("-")
            start, end = _weekday(first, field), _weekday(last, field)
            if start > end:
                raise _bad_weekday(field, f"range '{body}' runs backwards")
        else:
            start = _weekday(body, field)
            end = 7 if slash else start  # "1/2": from Monday on, every second day
        days.update(day % 7 for day in range(start, end + 1, step))
    if len(days) == 7:
        return "*"
    return ",".join(CRON_WEEKDAYS[day] for day in sorted(days, key=lambda day: (day + 6) % 7))


def _weekday(text: str, field: str) -> int:
    if text.isdigit() and 0 <= int(text) <= 7:
        return int(text)
    if text in CRON_WEEKDAYS:
        return CRON_WEEKDAYS.index(text)
    raise _bad_weekday(field, f"'{text}' is not a weekday (0-7, 0 and 7 are Sunday, or sun-sat)")


def _bad_weekday(field: str, why: str) -> UsageError:
    return UsageError(f"the weekday field '{field}' of the schedule does not parse: {why}")


def cron_trigger(expression: str, timezone: str | dt.tzinfo = "UTC") -> BaseTrigger:
    """The APScheduler trigger of a standard cron expression, read as cron reads it.

    Five fields: minute, hour, day of month, month, day of week (or a macro such as
    ``@daily``), in ``timezone`` (an IANA name). Raises :class:`UsageError` when the
    expression or the time zone is wrong.
    """
    text = _MACROS.get(expression.strip().lower(), expression)
    fields = text.split()
    if len(fields) != 5:
        raise UsageError(
            f"the schedule '{expression}' does not parse: it has {len(fields)} fields, cron "
            'has five (minute hour day month weekday), e.g. "30 6 * * 1-5"'
        )
    zone = _zone(timezone)
    minute, hour, day, month, weekday = fields
    day_of_week = cron_weekdays(weekday)
    try:
        if day.startswith("*") or weekday.startswith("*"):
            return CronTrigger(
                minute=minute,
                hour=hour,
                day=day,
                month=month,
                day_of_week=day_of_week,
                timezone=zone,
            )
        # Both restricted: cron fires when either the day of the month or the weekday matches.
        return OrTrigger(
            [
                CronTrigger(minute=minute, hour=hour, day=day, month=month, timezone=zone),
                CronTrigger(
                    minute=minute, hour=hour, month=month, day_of_week=day_of_week, timezone=zone
                ),
            ]
        )
    except ValueError as error:
        raise UsageError(f"the schedule '{expression}' does not parse: {error}") from None


def _zone(timezone: str | dt.tzinfo) -> dt.tzinfo:
    if isinstance(timezone, dt.tzinfo):
        return timezone
    try:
        return zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"unknown time zone '{timezone}': use an IANA name such as Europe/Berlin"
        ) from None


def next_fire_times(trigger: BaseTrigger, after: dt.datetime, count: int) -> list[dt.datetime]:
    """The next ``count`` times ``trigger`` fires after ``after`` (an aware datetime)."""
    times: list[dt.datetime] = []
    previous: dt.datetime | None = None
    now = after
    for _ in range(count):
        fire = trigger.get_next_fire_time(previous, now)
        if fire is None:
            break
        times.append(fire)
        previous = fire
        now = fire + dt.timedelta(microseconds=1)
    return times


# -- running the pipeline in process -----------------------------------------------------------


def pipeline_runner(
    config: Config,
    store_url: str,
    *,
    output: Path | None = None,
    transport: httpx.BaseTransport | None = None,
    now: Callable[[], dt.datetime | None] | None = None,
    catch_up: bool = True,
) -> Runner:
    """The daily run as ``arxiv-radar run`` does it (same client, summaries, notifications).

    ``output`` defaults to ``publish.output``; ``transport`` replaces arXiv (the demo, tests);
    ``now`` is the pipeline's clock (None: the real time).
    """
    from arxiv_radar import pipeline
    from arxiv_radar.cli.common import Context
    from arxiv_radar.cli.run_commands import execute_run

    context = Context(config=config, store_url=store_url)
    folder = output if output is not None else Path(config.publish.output)

    def run() -> RunReport:
        options = pipeline.RunOptions(
            output=folder, catch_up=catch_up, now=now() if now is not None else None
        )
        return execute_run(context, options, summaries=True, transport=transport)

    return run


@dataclass(frozen=True)
class RunState:
    """What :class:`RunController` knows: whether a run is going, and how the last one ended."""

    running: bool
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    report: RunReport | None = None
    error: str | None = None


class RunController:
    """Runs the pipeline one run at a time in this process, and remembers the last outcome.

    Another process's run is kept out by the store's run lock (the run then fails with
    :class:`RunLockedError`, logged as skipped). Outcomes are logged; nothing is raised.
    """

    def __init__(
        self,
        runner: Runner,
        *,
        clock: Callable[[], dt.datetime] | None = None,
        label: str = "run",
    ) -> None:
        self._runner = runner
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._label = label
        self._busy = threading.Lock()
        self._state = RunState(running=False)
        self._thread: threading.Thread | None = None

    @property
    def state(self) -> RunState:
        return self._state

    @property
    def running(self) -> bool:
        return self._busy.locked()

    def start(self) -> bool:
        """Start a run in a background thread; False when one is already running here."""
        if not self._busy.acquire(blocking=False):
            return False
        self._thread = threading.Thread(
            target=self._run_holding_lock, name=f"arxiv-radar-{self._label}", daemon=True
        )
        self._thread.start()
        return True

    def run(self) -> RunState | None:
        """Run now in this thread; None (and a log line) when a run is already going here."""
        if not self._busy.acquire(blocking=False):
            logger.warning("%s skipped: another run is still going in this process", self._label)
            return None
        self._run_holding_lock()
        return self._state

    def join(self, timeout: float | None = None) -> None:
        """Wait for the background run started by :meth:`start` (tests, shutdown)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _run_holding_lock(self) -> None:
        started = self._clock()
        self._state = RunState(running=True, started_at=started, report=self._state.report)
        report: RunReport | None = None
        error: str | None = None
        try:
            report = self._runner()
            _log_report(self._label, report)
        except RunLockedError as locked:
            error = str(locked)
            logger.warning("%s skipped: %s", self._label, locked)
        except ArxivRadarError as failed:
            error = str(failed)
            logger.error("%s failed: %s", self._label, failed)
        except Exception as unexpected:  # a failing run never takes the server down
            error = f"{type(unexpected).__name__}: {unexpected}"
            logger.exception("%s failed unexpectedly", self._label)
        finally:
            self._state = RunState(
                running=False,
                started_at=started,
                finished_at=self._clock(),
                report=report,
                error=error,
            )
            self._busy.release()


def _log_report(label: str, report: RunReport) -> None:
    if report.status == "empty":
        logger.info("%s: no announcement to publish (%s)", label, "; ".join(report.warnings))
        return
    logger.info(
        "%s for %s: %s; %d papers announced, %d shown, %d summaries (%d calls); %.1f s",
        label,
        report.announced_on,
        report.status,
        report.papers_announced,
        report.papers_shown,
        report.summaries_made,
        report.summary_calls,
        report.seconds,
    )
    for warning in report.warnings:
        logger.warning("%s: %s", label, warning)


class DailyScheduler:
    """Fires ``controller.run`` on a cron schedule, in a background thread.

    Missed fire times (the machine slept) are coalesced into one run, if no more than
    ``grace`` seconds late; a run still going when the next is due is not doubled.
    """

    def __init__(
        self,
        controller: RunController,
        expression: str,
        timezone: str = "UTC",
        *,
        grace: int = 3600,
    ) -> None:
        self.expression = expression
        self.timezone = timezone
        self.trigger = cron_trigger(expression, timezone)
        self._controller = controller
        self._scheduler = BackgroundScheduler(timezone=_zone(timezone))
        self._scheduler.add_job(
            controller.run,
            self.trigger,
            id="arxiv-radar-daily-run",
            name="arxiv-radar daily run",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=grace,
        )

    def start(self) -> None:
        self._scheduler.start()
        logger.info(
            "scheduler: '%s' (%s); next run at %s",
            self.expression,
            self.timezone,
            self.next_run_time,
        )

    @property
    def next_run_time(self) -> dt.datetime | None:
        job = self._scheduler.get_job("arxiv-radar-daily-run")
        return getattr(job, "next_run_time", None) if job is not None else None

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
