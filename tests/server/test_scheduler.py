"""The built-in scheduler: runs that never crash it, fired on the schedule (the cron itself is
tested in tests/test_schedule.py)."""

from __future__ import annotations

import datetime as dt
import logging
import threading

import pytest

from arxiv_radar.errors import ArxivHTTPError, UsageError
from arxiv_radar.models import RunReport
from arxiv_radar.scheduler import DailyScheduler, RunController, Runner
from arxiv_radar.store.lock import RunLockedError

SUNDAY = dt.datetime(2026, 4, 26, 12, 0, tzinfo=dt.UTC)  # a known Sunday noon


def report(status: str = "ok") -> RunReport:
    return RunReport(
        status=status,  # type: ignore[arg-type]
        started_at=SUNDAY,
        announced_on=dt.date(2026, 4, 27) if status == "ok" else None,
        papers_announced=207,
        papers_shown=50,
        warnings=["no announcement today"] if status == "empty" else [],
    )


def failing(error: Exception) -> Runner:
    def run() -> RunReport:
        raise error

    return run


@pytest.mark.parametrize(
    ("runner", "level", "logged", "status"),
    [
        (lambda: report("ok"), logging.INFO, "run for 2026-04-27: ok; 207 papers announced", "ok"),
        (lambda: report("empty"), logging.INFO, "no announcement to publish", "empty"),
        (failing(ArxivHTTPError("arXiv answered 503")), logging.ERROR, "failed: arXiv", None),
        (failing(RunLockedError("another arxiv-radar run")), logging.WARNING, "skipped", None),
        (failing(RuntimeError("a bug")), logging.ERROR, "failed unexpectedly", None),
    ],
)
def test_every_outcome_is_logged_and_none_raises(
    caplog: pytest.LogCaptureFixture, runner: Runner, level: int, logged: str, status: str | None
) -> None:
    controller = RunController(runner, label="run")
    with caplog.at_level(logging.INFO, logger="arxiv_radar.scheduler"):
        state = controller.run()
    assert state is not None and not state.running and not controller.running
    assert (state.report.status if state.report else None) == status
    assert (state.error is None) == (status is not None)
    assert any(r.levelno == level and logged in r.getMessage() for r in caplog.records), [
        r.getMessage() for r in caplog.records
    ]


def test_one_run_at_a_time(caplog: pytest.LogCaptureFixture) -> None:
    release, began = threading.Event(), threading.Event()

    def slow() -> RunReport:
        began.set()
        assert release.wait(10)
        return report()

    controller = RunController(slow)
    assert controller.start()
    assert began.wait(10)
    assert controller.start() is False
    with caplog.at_level(logging.WARNING, logger="arxiv_radar.scheduler"):
        assert controller.run() is None
    assert "another run is still going" in caplog.text
    release.set()
    controller.join(10)
    assert controller.state.report is not None and controller.state.report.status == "ok"


def test_the_scheduler_fires_the_run() -> None:
    done = threading.Event()
    reports: list[RunReport] = []

    def run() -> RunReport:
        reports.append(report())
        done.set()
        return reports[-1]

    scheduler = DailyScheduler(RunController(run), "30 6 * * 1-5", "UTC")
    scheduler.start()
    try:
        next_time = scheduler.next_run_time
        assert next_time is not None and next_time.weekday() < 5
        assert (next_time.hour, next_time.minute) == (6, 30)
        job = scheduler._scheduler.get_job("arxiv-radar-daily-run")
        job.modify(next_run_time=dt.datetime.now(dt.UTC))  # due now
        assert done.wait(10)
    finally:
        scheduler.shutdown()
    assert len(reports) == 1


def test_a_bad_schedule_stops_before_starting() -> None:
    with pytest.raises(UsageError):
        DailyScheduler(RunController(lambda: report()), "30 6 * * 9")
