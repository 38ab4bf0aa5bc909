"""The schedule: cron parse, describe, trigger, and the cron of a GitHub Actions workflow.

One home for the daily schedule (``publish.schedule``, ``serve --schedule``), a standard
five-field cron expression (minute, hour, day of the month, month, weekday) or a macro such as
``@daily``:

- :func:`parse_cron` reads and validates it as cron does (weekdays 0-7, 0 and 7 being Sunday;
  names ``sun``-``sat`` and ``jan``-``dec``; ``*``, lists, ranges and steps), or raises
  :class:`~arxiv_radar.errors.UsageError` saying which field is wrong and why;
- :func:`describe_schedule` says it in words, as the README digest shows it (``Runs at 06:30
  UTC, Monday to Friday``);
- :func:`cron_trigger` builds the APScheduler 3.x trigger the built-in scheduler fires on.
  APScheduler's own ``CronTrigger.from_crontab`` numbers weekdays from Monday = 0 (so ``1-5``
  would be Tuesday to Saturday) and needs both the day of the month and the weekday to match;
  this trigger keeps cron's meaning of both. APScheduler is imported there only, so validating
  a configuration never loads it;
- :func:`workflow_cron` is the cron written into a GitHub Actions workflow, which GitHub reads
  in UTC and only as five fields.

Parsing keeps the limits APScheduler set when it parsed these fields itself: a step may not
exceed its field's range (``*/90`` in the minute field is refused), a range may not run
backwards. APScheduler's own extensions (``last`` as a day) are not cron and are refused; a
step over month names (``jan-jun/2``) keeps its step, which APScheduler dropped.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from arxiv_radar.errors import UsageError

if TYPE_CHECKING:
    from apscheduler.triggers.base import BaseTrigger

__all__ = [
    "MACROS",
    "WEEKDAY_NAMES",
    "Cron",
    "cron_trigger",
    "cron_weekdays",
    "describe_schedule",
    "next_fire_times",
    "parse_cron",
    "time_zone",
    "workflow_cron",
]

MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
"""The macros cron understands, as the five fields they stand for."""

WEEKDAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
"""Cron's weekday names, by cron's numbers (Sunday = 0; 7 is Sunday again)."""

_DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
_MONTHS = (
    *("January", "February", "March", "April", "May", "June", "July", "August"),
    *("September", "October", "November", "December"),
)
_MONTH_NAMES = {name[:3].lower(): number for number, name in enumerate(_MONTHS, start=1)}
_WEEKDAY_NUMBERS = {name: number for number, name in enumerate(WEEKDAY_NAMES)}


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    low: int
    high: int
    names: dict[str, int]
    what: str  # "a minute (0-59)"
    # A step larger than the field's range is refused, as APScheduler always refused it;
    # the weekday field was converted before APScheduler saw it, so any step goes there.
    step_within_range: bool = True


_FIELDS = (
    _Field("minute", 0, 59, {}, "a minute (0-59)"),
    _Field("hour", 0, 23, {}, "an hour (0-23)"),
    _Field("day", 1, 31, {}, "a day of the month (1-31)"),
    _Field("month", 1, 12, _MONTH_NAMES, "a month (1-12 or jan-dec)"),
    _Field(
        "weekday",
        0,
        7,
        _WEEKDAY_NUMBERS,
        "a weekday (0-7, 0 and 7 are Sunday, or sun-sat)",
        step_within_range=False,
    ),
)


@dataclass(frozen=True, slots=True)
class Cron:
    """A parsed cron expression.

    ``expression`` is the text as given, ``fields`` its five fields (a macro written out).
    Each value tuple holds what its field selects, sorted, or is None for a plain ``*``;
    ``weekdays`` are cron's numbers with Sunday as 0 (never 7).
    """

    expression: str
    fields: tuple[str, str, str, str, str]
    minutes: tuple[int, ...] | None
    hours: tuple[int, ...] | None
    days: tuple[int, ...] | None
    months: tuple[int, ...] | None
    weekdays: tuple[int, ...] | None

    @property
    def is_macro(self) -> bool:
        """Whether the expression was a macro such as ``@daily``."""
        return self.expression.strip().lower() in MACROS

    @property
    def text(self) -> str:
        """The five fields, separated by one space."""
        return " ".join(self.fields)

    @property
    def either_day(self) -> bool:
        """Whether cron fires when *either* the day of the month or the weekday matches:
        both fields are restricted (neither starts with ``*``)."""
        return not (self.fields[2].startswith("*") or self.fields[4].startswith("*"))


def parse_cron(expression: str) -> Cron:
    """Parse a standard cron expression (five fields, or a macro such as ``@daily``).

    Raises :class:`UsageError` (exit 2) naming the field that is wrong and why.
    """
    text = MACROS.get(expression.strip().lower(), expression)
    parts = text.split()
    if len(parts) != 5:
        raise UsageError(
            f"the schedule '{expression}' does not parse: it has {len(parts)} fields, cron "
            'has five (minute hour day month weekday), e.g. "30 6 * * 1-5"'
        )
    fields = (parts[0], parts[1], parts[2], parts[3], parts[4])
    values = [_values(field, spec, expression) for field, spec in zip(fields, _FIELDS, strict=True)]
    weekdays = values[4]
    return Cron(
        expression=expression,
        fields=fields,
        minutes=values[0],
        hours=values[1],
        days=values[2],
        months=values[3],
        weekdays=None if weekdays is None else tuple(sorted({day % 7 for day in weekdays})),
    )


def _values(field: str, spec: _Field, expression: str | None) -> tuple[int, ...] | None:
    """What one field selects, None for ``*``."""
    if field == "*":
        return None
    schedule = f"the schedule '{expression}'" if expression is not None else "the schedule"

    def bad(why: str) -> UsageError:
        return UsageError(f"the {spec.name} field '{field}' of {schedule} does not parse: {why}")

    def number(text: str) -> int:
        if text in spec.names:
            return spec.names[text]
        if text.isdigit() and spec.low <= int(text) <= spec.high:
            return int(text)
        raise bad(f"'{text}' is not {spec.what}")

    selected: set[int] = set()
    for part in field.lower().split(","):
        body, slash, step_text = part.partition("/")
        step = 1
        if slash:
            if not step_text.isdigit() or int(step_text) < 1:
                raise bad(f"step '{step_text}' is not a positive number")
            step = int(step_text)
        if body == "*":
            start, end = spec.low, spec.high
        elif "-" in body:
            first, _, last = body.partition("-")
            start, end = number(first), number(last)
            if start > end:
                raise bad(f"range '{body}' runs backwards")
        else:
            start = number(body)
            end = spec.high if slash else start  # "5/15": from 5 on, every 15th
        if slash and spec.step_within_range and step > end - start:
            raise bad(f"step {step} is larger than the range it steps through ({end - start})")
        selected.update(range(start, end + 1, step))
    return tuple(sorted(selected))


def cron_weekdays(field: str) -> str:
    """A cron weekday field as APScheduler 3.x's ``day_of_week`` (names, so never ambiguous).

    ``1-5`` -> ``mon,tue,wed,thu,fri``; ``0``, ``7`` and ``sun`` -> ``sun``; ``*/2`` ->
    ``sun,tue,thu,sat``; ``*`` -> ``*``. Raises :class:`UsageError` for anything else.
    """
    days = _values(field, _FIELDS[4], None)
    return _day_of_week(None if days is None else {day % 7 for day in days})


def _day_of_week(days: Iterable[int] | None) -> str:
    week = set(range(7)) if days is None else set(days)
    if len(week) == 7:
        return "*"
    return ",".join(WEEKDAY_NAMES[day] for day in sorted(week, key=lambda day: (day + 6) % 7))


# -- the built-in scheduler's trigger ---------------------------------------------------------


def time_zone(timezone: str | dt.tzinfo) -> dt.tzinfo:
    """An IANA time zone name as a tzinfo; :class:`UsageError` for an unknown name."""
    if isinstance(timezone, dt.tzinfo):
        return timezone
    try:
        return zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"unknown time zone '{timezone}': use an IANA name such as Europe/Berlin"
        ) from None


def cron_trigger(expression: str, timezone: str | dt.tzinfo = "UTC") -> BaseTrigger:
    """The APScheduler trigger of a standard cron expression, read as cron reads it.

    Five fields: minute, hour, day of month, month, day of week (or a macro such as
    ``@daily``), in ``timezone`` (an IANA name). Raises :class:`UsageError` when the
    expression or the time zone is wrong.
    """
    from apscheduler.triggers.combining import OrTrigger
    from apscheduler.triggers.cron import CronTrigger

    cron = parse_cron(expression)
    zone = time_zone(timezone)
    minute, hour, day, month = (
        _listed(values) for values in (cron.minutes, cron.hours, cron.days, cron.months)
    )
    day_of_week = _day_of_week(cron.weekdays)
    try:
        if not cron.either_day:
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
    except ValueError as error:  # pragma: no cover - parse_cron refuses what APScheduler would
        raise UsageError(f"the schedule '{expression}' does not parse: {error}") from None


def _listed(values: tuple[int, ...] | None) -> str:
    return "*" if values is None else ",".join(str(value) for value in values)


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


# -- GitHub Actions --------------------------------------------------------------------------


def workflow_cron(expression: str) -> str:
    """The cron of a GitHub Actions ``schedule`` trigger for this schedule.

    GitHub reads exactly five fields, in UTC: a macro is written out (``@daily`` ->
    ``0 0 * * *``), any other expression is kept as written. Hours are not shifted from
    another time zone (a daylight-saving zone has no single UTC cron): the caller warns
    when ``publish.timezone`` is not UTC. Raises :class:`UsageError` when it does not parse.
    """
    cron = parse_cron(expression)
    return cron.text if cron.is_macro else expression


# -- in words --------------------------------------------------------------------------------


def describe_schedule(cron: str, timezone: str = "UTC") -> str:
    """A cron expression in words: ``Runs at 06:30 UTC, Monday to Friday``.

    Standard cron meaning (weekdays 0-7, 0 and 7 being Sunday; names such as ``mon-fri``).
    Common forms are described; any other (a macro, one that restricts both the day of the
    month and the weekday, more than six times a day, one that does not parse) is given as
    it is: ``Runs on the cron schedule "..." (UTC)``.
    """
    fields = cron.split()
    fallback = f'Runs on the cron schedule "{" ".join(fields)}" ({timezone})'
    if len(fields) != 5:
        return fallback
    try:
        parsed = parse_cron(cron)
    except UsageError:
        return fallback
    when = _describe_time(parsed, timezone)
    days = _describe_days(parsed)
    if when is None or days is None:
        return fallback
    return f"Runs {when}{days}"


def _describe_time(cron: Cron, timezone: str) -> str | None:
    minutes, hours = cron.minutes, cron.hours
    zone = " UTC" if timezone == "UTC" else f" ({timezone} time)"
    if hours is None:
        if minutes is None:
            return "every minute"
        step = minutes[1] - minutes[0] if len(minutes) > 1 else 0
        if step and minutes == tuple(range(0, 60, step)):
            return f"every {step} minutes"
        return f"every hour at minute {_join(str(m) for m in minutes)}"
    if minutes is None:
        return None
    times = [f"{h:02d}:{m:02d}" for h in hours for m in minutes]
    if len(times) > 6:
        return None
    return f"at {_join(times)}{zone}"


def _describe_days(cron: Cron) -> str | None:
    days, months, weekdays = cron.days, cron.months, cron.weekdays
    if days is not None and weekdays is not None:
        return None  # cron's "either" rule: say it as it is
    in_months = f" in {_join(_MONTHS[m - 1] for m in months)}" if months else ""
    if days is not None:
        plural = "s" if len(days) > 1 else ""
        return f", on day{plural} {_join(str(d) for d in days)} of the month{in_months}"
    week = sorted(weekdays or range(7), key=lambda d: (d - 1) % 7)
    if len(week) == 7:
        return f", every day{in_months}"
    order = [(d - 1) % 7 for d in week]
    if len(week) >= 3 and order == list(range(order[0], order[0] + len(week))):
        return f", {_DAYS[week[0]]} to {_DAYS[week[-1]]}{in_months}"
    return f", on {_join(_DAYS[d] for d in week)}{in_months}"


def _join(words: Iterable[str]) -> str:
    items = list(words)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
