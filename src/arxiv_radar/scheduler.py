"""The built-in scheduler: the daily run inside ``arxiv-radar serve``, on a cron schedule.

The cron expression (``"30 6 * * 1-5"``, Monday to Friday at 06:30, read as cron reads it)
becomes an APScheduler trigger in :mod:`arxiv_radar.schedule`. Two pieces, usable alone:

- :class:`RunController` runs the pipeline (a :data:`Runner`) one run at a time in this
  process, in the background or in the caller's thread, logs each outcome and remembers the
  last one. A failing run is logged, never raised into the server.
- :class:`DailyScheduler` fires a :class:`RunController` on a cron schedule in a background
  thread (APScheduler's ``BackgroundScheduler``), coalescing missed runs. APScheduler comes
  with the ``serve`` extra: without it a :class:`DailyScheduler` is refused with a
  :class:`~arxiv_radar.errors.MissingExtraError` naming ``pip install "arxiv-radar[serve]"``.

A day without an announcement (a weekend, an arXiv holiday) is the pipeline's ``empty``
status: logged as "nothing new", not as a failure.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from arxiv_radar import runtime
from arxiv_radar.errors import ArxivRadarError, require_extra
from arxiv_radar.models import RunReport
from arxiv_radar.runtime import Runner
from arxiv_radar.schedule import cron_trigger, time_zone
from arxiv_radar.store.lock import RunLockedError

if TYPE_CHECKING:
    import httpx
    from apscheduler.schedulers.background import BackgroundScheduler

    from arxiv_radar.config import Config

__all__ = [
    "DailyScheduler",
    "RunController",
    "RunState",
    "Runner",
    "pipeline_runner",
]

logger = logging.getLogger(__name__)

SCHEDULER_MODULES = {"apscheduler": "apscheduler"}
"""What :class:`DailyScheduler` imports (module -> package), from the ``serve`` extra."""


# -- running the pipeline in process -----------------------------------------------------------


def pipeline_runner(
    config: Config,
    store_url: str,
    *,
    output: Path | None = None,
    transport: httpx.BaseTransport | None = None,
    now: Callable[[], dt.datetime | None] | None = None,
    catch_up: bool = True,
    env: Mapping[str, str] | None = None,
) -> Runner:
    """The daily run as ``arxiv-radar run`` does it (same client, summaries, notifications):
    :func:`arxiv_radar.runtime.runner` with API keys from ``env`` (default: this process's
    environment), and no progress display.

    ``output`` defaults to ``publish.output``; ``transport`` replaces arXiv (the demo, tests);
    ``now`` is the pipeline's clock (None: the real time).
    """
    return runtime.runner(
        config,
        store_url,
        env=os.environ if env is None else env,
        output=output,
        transport=transport,
        clock=now,
        catch_up=catch_up,
    )


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
        require_extra("serve", "the built-in scheduler (serve --schedule)", SCHEDULER_MODULES)
        from apscheduler.schedulers.background import BackgroundScheduler

        self.expression = expression
        self.timezone = timezone
        self.trigger = cron_trigger(expression, timezone)
        self._controller = controller
        self._scheduler: BackgroundScheduler = BackgroundScheduler(timezone=time_zone(timezone))
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
