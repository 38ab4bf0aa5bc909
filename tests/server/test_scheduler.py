"""The built-in scheduler: cron's weekdays (not APScheduler's), and runs that never crash it."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import zoneinfo

import pytest
from apscheduler.triggers.cron import CronTrigger

from arxiv_radar.errors import ArxivHTTPError, UsageError
from arxiv_radar.models import RunReport
from arxiv_radar.scheduler import (
    DailyScheduler,
    RunController,
    Runner,
    cron_trigger,
    cron_weekdays,
    next_fire_times,
)
from arxiv_radar.store.lock import RunLockedError

SUNDAY = dt.datetime(2026, 4, 26, 12, 0, tzinfo=dt.UTC)  # a known Sunday noon
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def fires(expression: str, count: int = 10, timezone: str = "UTC") -> list[dt.datetime]:
    return next_fire_times(cron_trigger(expression, timezone), SUNDAY, count)


def weekdays(expression: str, count: int = 14) -> list[str]:
    return [DAYS[moment.weekday()] for moment in fires(expression, count)]


def test_weekdays_1_to_5_are_monday_to_friday() -> None:
    times = fires("30 6 * * 1-5", 10)
    assert [t.strftime("%a %Y-%m-%d %H:%M") for t in times[:6]] == [
        "Mon 2026-04-27 06:30",
        "Tue 2026-04-28 06:30",
        "Wed 2026-04-29 06:30",
        "Thu 2026-04-30 06:30",
        "Fri 2026-05-01 06:30",
        "Mon 2026-05-04 06:30",
    ]
    assert {DAYS[t.weekday()] for t in times} == {"Mon", "Tue", "Wed", "Thu", "Fri"}
    # APScheduler's own from_crontab reads the same text as Tuesday to Saturday:
    theirs = next_fire_times(CronTrigger.from_crontab("30 6 * * 1-5", "UTC"), SUNDAY, 5)
    assert [DAYS[t.weekday()] for t in theirs] == ["Tue", "Wed", "Thu", "Fri", "Sat"]


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("1-5", "mon,tue,wed,thu,fri"),
        ("0", "sun"),
        ("7", "sun"),
        ("sun", "sun"),
        ("SAT,sun", "sat,sun"),
        ("mon-fri", "mon,tue,wed,thu,fri"),
        ("1,3,5", "mon,wed,fri"),
        ("*/2", "tue,thu,sat,sun"),
        ("1-5/2", "mon,wed,fri"),
        ("5-7", "fri,sat,sun"),
        ("1/3", "mon,thu,sun"),
        ("*", "*"),
        ("0-6", "*"),
        ("0-7", "*"),
        ("6,0", "sat,sun"),
    ],
)
def test_weekday_fields_keep_crons_meaning(field: str, expected: str) -> None:
    assert cron_weekdays(field) == expected


def test_weekday_examples_fire_on_those_days() -> None:
    assert set(weekdays("0 9 * * 0")) == {"Sun"}
    assert set(weekdays("0 9 * * 7")) == {"Sun"}
    assert set(weekdays("0 9 * * sat,sun")) == {"Sat", "Sun"}
    assert set(weekdays("0 9 * * */2")) == {"Sun", "Tue", "Thu", "Sat"}
    assert len(set(weekdays("0 9 * * *"))) == 7


def test_day_of_month_or_weekday_as_cron_does() -> None:
    # cron: the 1st of the month OR any Monday (APScheduler alone would need both).
    times = fires("0 8 1 * 1", 6)
    assert [t.strftime("%a %m-%d") for t in times] == [
        "Mon 04-27",
        "Fri 05-01",
        "Mon 05-04",
        "Mon 05-11",
        "Mon 05-18",
        "Mon 05-25",
    ]
    assert [t.day for t in fires("0 8 1 * *", 2)] == [1, 1]  # a star weekday: days only


def test_time_zones_and_macros() -> None:
    berlin = fires("30 6 * * 1-5", 1, "Europe/Berlin")[0]
    assert berlin.utcoffset() == dt.timedelta(hours=2) and berlin.hour == 6
    assert berlin.tzinfo == zoneinfo.ZoneInfo("Europe/Berlin")
    assert [t.strftime("%a %H:%M") for t in fires("@daily", 2)] == ["Mon 00:00", "Tue 00:00"]
    assert fires("@weekly", 1)[0].strftime("%a %m-%d %H:%M") == "Sun 05-03 00:00"
    assert fires("*/15 * * * *", 3)[-1] == SUNDAY + dt.timedelta(minutes=30)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("30 6 * *", "4 fields"),
        ("30 6 * * 1-5 2026", "6 fields"),
        ("30 6 * * 8", "'8' is not a weekday"),
        ("30 6 * * funday", "'funday' is not a weekday"),
        ("30 6 * * 5-1", "runs backwards"),
        ("30 6 * * */0", "step '0'"),
        ("30 6 * * 1,,2", "'' is not a weekday"),
        ("61 6 * * *", "does not parse"),
        ("30 25 * * *", "does not parse"),
        ("30 6 32 * *", "does not parse"),
    ],
)
def test_bad_schedules_are_usage_errors(expression: str, message: str) -> None:
    with pytest.raises(UsageError, match=message) as info:
        cron_trigger(expression)
    assert info.value.exit_code == 2


def test_unknown_time_zone() -> None:
    with pytest.raises(UsageError, match="unknown time zone 'Mars/Olympus'"):
        cron_trigger("30 6 * * 1-5", "Mars/Olympus")


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
