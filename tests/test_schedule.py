"""The schedule: cron parsed as cron reads it (not as APScheduler does), in words, as a
trigger, and as a GitHub Actions cron; validating a configuration never loads APScheduler."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import zoneinfo

import pytest
from apscheduler.triggers.cron import CronTrigger

from arxiv_radar.errors import UsageError
from arxiv_radar.schedule import (
    cron_trigger,
    cron_weekdays,
    describe_schedule,
    next_fire_times,
    parse_cron,
    workflow_cron,
)

SUNDAY = dt.datetime(2026, 4, 26, 12, 0, tzinfo=dt.UTC)  # a known Sunday noon
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def fires(expression: str, count: int = 10, timezone: str = "UTC") -> list[dt.datetime]:
    return next_fire_times(cron_trigger(expression, timezone), SUNDAY, count)


def weekdays(expression: str, count: int = 14) -> list[str]:
    return [DAYS[moment.weekday()] for moment in fires(expression, count)]


# -- parsing -----------------------------------------------------------------------------------


def test_parse_gives_what_each_field_selects() -> None:
    cron = parse_cron("*/15 6,18 1-31/10 JAN-mar 1-5")
    assert cron.fields == ("*/15", "6,18", "1-31/10", "JAN-mar", "1-5")
    assert cron.minutes == (0, 15, 30, 45)
    assert cron.hours == (6, 18)
    assert cron.days == (1, 11, 21, 31)
    assert cron.months == (1, 2, 3)
    assert cron.weekdays == (1, 2, 3, 4, 5)
    assert cron.either_day and not cron.is_macro


def test_a_star_is_none_and_sunday_is_zero() -> None:
    cron = parse_cron("30 6 * * 7,sun,5-7")
    assert (cron.days, cron.months) == (None, None)
    assert cron.weekdays == (0, 5, 6)
    assert not cron.either_day


def test_macros_are_their_five_fields() -> None:
    cron = parse_cron(" @Weekly ")
    assert cron.is_macro and cron.text == "0 0 * * 0" and cron.weekdays == (0,)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("30 6 * *", "4 fields"),
        ("30 6 * * 1-5 2026", "6 fields"),
        ("@reboot", "1 fields"),
        ("30 6 * * 8", "'8' is not a weekday"),
        ("30 6 * * funday", "'funday' is not a weekday"),
        ("30 6 * * 5-1", "range '5-1' runs backwards"),
        ("30 6 * * */0", "step '0' is not a positive number"),
        ("30 6 * * 1,,2", "'' is not a weekday"),
        ("61 6 * * *", "the minute field '61' .* '61' is not a minute"),
        ("30 25 * * *", "the hour field '25' .* '25' is not an hour"),
        ("30 6 32 * *", "'32' is not a day of the month"),
        ("30 6 0 * *", "'0' is not a day of the month"),
        ("30 6 * 13 *", "'13' is not a month"),
        ("30 6 * * mon", None),
        ("30 mon * * *", "'mon' is not an hour"),
        ("*/60 6 * * *", "step 60 is larger than the range it steps through"),
        ("30 6 last * *", "'last' is not a day of the month"),
    ],
)
def test_bad_schedules_are_usage_errors(expression: str, message: str | None) -> None:
    if message is None:  # a control: the same shape, valid
        assert parse_cron(expression).weekdays == (1,)
        return
    with pytest.raises(UsageError, match=message) as info:
        parse_cron(expression)
    assert "does not parse" in str(info.value)
    assert info.value.exit_code == 2


def test_the_trigger_refuses_what_the_parser_refuses() -> None:
    with pytest.raises(UsageError, match="'8' is not a weekday") as info:
        cron_trigger("30 6 * * 8")
    assert info.value.exit_code == 2


def test_unknown_time_zone() -> None:
    with pytest.raises(UsageError, match="unknown time zone 'Mars/Olympus'"):
        cron_trigger("30 6 * * 1-5", "Mars/Olympus")


# -- weekdays as cron reads them ----------------------------------------------------------------


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


def test_a_bad_weekday_field_says_why() -> None:
    with pytest.raises(UsageError, match="the weekday field '9' of the schedule does not parse"):
        cron_weekdays("9")


# -- the trigger ----------------------------------------------------------------------------


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


def test_steps_over_month_names_keep_their_step() -> None:
    # January, March and May; APScheduler reading "jan-jun/2" itself dropped the step.
    times = fires("0 0 1 jan-jun/2 *", 4)
    assert [t.strftime("%Y-%m-%d") for t in times] == [
        "2026-05-01",
        "2027-01-01",
        "2027-03-01",
        "2027-05-01",
    ]


def test_minutes_hours_and_steps() -> None:
    assert [t.strftime("%H:%M") for t in fires("5/20 13-14 * * *", 6)] == [
        "13:05",
        "13:25",
        "13:45",
        "14:05",
        "14:25",
        "14:45",
    ]


def test_time_zones_and_macros() -> None:
    berlin = fires("30 6 * * 1-5", 1, "Europe/Berlin")[0]
    assert berlin.utcoffset() == dt.timedelta(hours=2) and berlin.hour == 6
    assert berlin.tzinfo == zoneinfo.ZoneInfo("Europe/Berlin")
    assert [t.strftime("%a %H:%M") for t in fires("@daily", 2)] == ["Mon 00:00", "Tue 00:00"]
    assert fires("@weekly", 1)[0].strftime("%a %m-%d %H:%M") == "Sun 05-03 00:00"
    assert fires("*/15 * * * *", 3)[-1] == SUNDAY + dt.timedelta(minutes=30)


# -- in words ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cron", "timezone", "expected"),
    [
        ("30 6 * * 1-5", "UTC", "Runs at 06:30 UTC, Monday to Friday"),
        ("0 12 * * *", "UTC", "Runs at 12:00 UTC, every day"),
        (
            "0 8 * * mon,wed,fri",
            "Europe/Berlin",
            "Runs at 08:00 (Europe/Berlin time), on Monday, Wednesday and Friday",
        ),
        ("0 9 * * 0,6", "UTC", "Runs at 09:00 UTC, on Saturday and Sunday"),
        ("0 9 * * 7", "UTC", "Runs at 09:00 UTC, on Sunday"),
        ("0 9 * * 0-6", "UTC", "Runs at 09:00 UTC, every day"),
        ("0 9 * * 5-7", "UTC", "Runs at 09:00 UTC, Friday to Sunday"),
        ("0 6,18 * * *", "UTC", "Runs at 06:00 and 18:00 UTC, every day"),
        ("*/15 * * * *", "UTC", "Runs every 15 minutes, every day"),
        ("5 * * * *", "UTC", "Runs every hour at minute 5, every day"),
        ("0 0 1,15 * *", "UTC", "Runs at 00:00 UTC, on days 1 and 15 of the month"),
        ("30 6 * 1,7 *", "UTC", "Runs at 06:30 UTC, every day in January and July"),
        ("5 4 1 * 1", "UTC", 'Runs on the cron schedule "5 4 1 * 1" (UTC)'),
        ("*/5 1-23 * * *", "Asia/Tokyo", 'Runs on the cron schedule "*/5 1-23 * * *" (Asia/Tokyo)'),
        ("61 6 * * *", "UTC", 'Runs on the cron schedule "61 6 * * *" (UTC)'),
        ("@daily", "UTC", 'Runs on the cron schedule "@daily" (UTC)'),
        ("30  6 * *", "UTC", 'Runs on the cron schedule "30 6 * *" (UTC)'),
    ],
)
def test_describe_schedule(cron: str, timezone: str, expected: str) -> None:
    assert describe_schedule(cron, timezone) == expected


# -- GitHub Actions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        ("30 6 * * 1-5", "30 6 * * 1-5"),
        ("0 7 * * MON-FRI", "0 7 * * MON-FRI"),  # as written
        ("@daily", "0 0 * * *"),  # GitHub reads five fields only
        ("@Weekly", "0 0 * * 0"),
    ],
)
def test_workflow_cron(schedule: str, expected: str) -> None:
    assert workflow_cron(schedule) == expected


def test_workflow_cron_refuses_what_does_not_parse() -> None:
    with pytest.raises(UsageError, match="does not parse"):
        workflow_cron("30 6 * * 9")


# -- what validating a configuration loads ------------------------------------------------------


def test_validating_a_schedule_loads_neither_apscheduler_nor_the_scheduler() -> None:
    code = (
        "import sys\n"
        "from arxiv_radar.config import PublishConfig\n"
        "PublishConfig(schedule='0 7 * * mon-fri')\n"
        "try:\n"
        "    PublishConfig(schedule='0 7 * * 9')\n"
        "except Exception as error:\n"
        "    print(type(error).__name__)\n"
        "loaded = [m for m in sys.modules if m.startswith(('apscheduler', 'arxiv_radar.sch'))]\n"
        "print(sorted(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    lines = result.stdout.splitlines()
    assert lines[-1] == "['arxiv_radar.schedule']"
    assert lines[0] == "ValidationError"
