"""arXiv's announcement calendar: which listing feeds carry papers, and which submissions.

Terms used in this project
--------------------------
*Announcement*: arXiv makes new submissions public Sunday to Thursday at 20:00
US Eastern time, never on Friday or Saturday (https://info.arxiv.org/help/availability.html).

*Listing day* (or announcement date): the date of the RSS listing feed that carries an
announcement. rss.arxiv.org builds each feed from the updates dated with the current
America/New_York date and switches feeds at ET midnight, so the papers announced on
the evening of day ``A`` appear in the feed dated ``A + 1``. Listing days are therefore
Monday to Friday::

    submissions received (ET)   announced (ET)   listing day (feed date)
    Thu 14:00 - Fri 14:00       Sun 20:00        Mon
    Fri 14:00 - Mon 14:00       Mon 20:00        Tue
    Mon 14:00 - Tue 14:00       Tue 20:00        Wed
    Tue 14:00 - Wed 14:00       Wed 20:00        Thu
    Wed 14:00 - Thu 14:00       Thu 20:00        Fri

Holidays
--------
arXiv lists the dates on which it does not announce ("deferred mailings", e.g.
Thanksgiving). A holiday on day ``H`` means there is no announcement on the evening
of ``H``, so the feed dated ``H + 1`` is empty and ``H + 1`` is *not* a listing day.
A holiday on a Friday or Saturday changes nothing (there is no announcement on those
evenings anyway); a Sunday holiday empties Monday's feed. For example Thanksgiving,
Thursday 2026-11-26: the feed of Thursday 26 still carries Wednesday's announcement,
the feed of Friday 27 is empty, and Monday 30 carries Sunday's announcement with the
submissions of Wednesday 14:00 to Friday 14:00.

The submissions a skipped announcement would have made public roll into the next
announcement: a submission window starts at the deadline of the last announcement that
really happened. This follows arXiv's standard schedule; arXiv sometimes moves
deadlines around holidays, which no public table records.

Holiday dates come from arXiv's availability page (arXiv/arxiv-docs,
``source/help/availability.md``). Years missing from :data:`ARXIV_HOLIDAYS` fall back
to the weekday rule alone: an unknown holiday then shows up as an "unexpected" empty
feed, which is reported, never fatal. Add a year when arXiv publishes its list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal
from zoneinfo import ZoneInfo

__all__ = [
    "ARXIV_HOLIDAYS",
    "DEADLINE",
    "ET",
    "ANNOUNCEMENT_TIME",
    "announcement_time",
    "classify_empty",
    "expected_latest_listing_day",
    "is_announcement_day",
    "is_holiday",
    "is_listing_day",
    "listing_days",
    "next_listing_day",
    "previous_listing_day",
    "submission_window",
]

ET = ZoneInfo("America/New_York")
"""arXiv's business time zone: every time in the schedule is US Eastern."""

ANNOUNCEMENT_TIME = dt.time(20, 0)
"""Announcements go out at 20:00 ET."""

DEADLINE = dt.time(14, 0)
"""Submissions received before 14:00 ET make that day's announcement."""

_D = dt.date


def _year(*days: dt.date) -> frozenset[dt.date]:
    return frozenset(days)


ARXIV_HOLIDAYS: Mapping[int, frozenset[dt.date]] = MappingProxyType(
    {
        # arxiv-docs commit 01871500, "2023 Holidays".
        2023: _year(
            _D(2023, 1, 16),
            _D(2023, 6, 14),
            _D(2023, 6, 19),
            _D(2023, 7, 4),
            _D(2023, 9, 4),
            _D(2023, 11, 23),
            _D(2023, 12, 25),
            _D(2023, 12, 27),
        ),
        # arxiv-docs commit 20e652c5.
        2024: _year(
            _D(2024, 1, 15),
            _D(2024, 5, 22),
            _D(2024, 6, 19),
            _D(2024, 7, 4),
            _D(2024, 9, 2),
            _D(2024, 10, 8),
            _D(2024, 11, 28),
            _D(2024, 12, 25),
            _D(2024, 12, 26),
            _D(2024, 12, 31),
        ),
        # arxiv-docs commit 95c71658.
        2025: _year(
            _D(2025, 1, 1),
            _D(2025, 1, 20),
            _D(2025, 6, 19),
            _D(2025, 7, 6),
            _D(2025, 9, 1),
            _D(2025, 11, 27),
            _D(2025, 12, 25),
            _D(2025, 12, 30),
        ),
        # arxiv-docs commit 8332d7e6.
        2026: _year(
            _D(2026, 1, 1),
            _D(2026, 1, 19),
            _D(2026, 6, 19),
            _D(2026, 7, 3),
            _D(2026, 9, 7),
            _D(2026, 11, 26),
            _D(2026, 12, 25),
            _D(2026, 12, 29),
            _D(2026, 12, 31),
        ),
    }
)
"""Days without an announcement, by year, as arXiv publishes them."""

_SEARCH_LIMIT = 60  # days; far more than any run of holidays and weekends


def is_holiday(day: dt.date) -> bool:
    """True if arXiv announced no papers on the evening of ``day`` for a holiday."""
    return day in ARXIV_HOLIDAYS.get(day.year, frozenset())


def is_announcement_day(day: dt.date) -> bool:
    """True if arXiv announces papers at 20:00 ET on ``day`` (Sunday to Thursday)."""
    return day.weekday() not in (4, 5) and not is_holiday(day)


def is_listing_day(day: dt.date) -> bool:
    """True if the listing feed dated ``day`` carries an announcement."""
    return is_announcement_day(day - dt.timedelta(days=1))


def previous_listing_day(day: dt.date) -> dt.date:
    """The last listing day strictly before ``day``."""
    return _step(day, -1)


def next_listing_day(day: dt.date) -> dt.date:
    """The first listing day strictly after ``day``."""
    return _step(day, 1)


def listing_days(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every listing day from ``start`` to ``end``, both included, in order."""
    days: list[dt.date] = []
    day = start
    while day <= end:
        if is_listing_day(day):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def expected_latest_listing_day(now: dt.datetime) -> dt.date:
    """The date of the listing feed that should be live at ``now``.

    Feeds switch at ET midnight: this is the ET date of ``now`` when that is a listing
    day, else the listing day before it. ``now`` must carry a time zone.
    """
    today = _et_date(now)
    return today if is_listing_day(today) else previous_listing_day(today)


def announcement_time(listing_day: dt.date) -> dt.datetime:
    """When the announcement of ``listing_day`` went out: 20:00 ET the evening before (UTC)."""
    _require_listing_day(listing_day)
    evening = listing_day - dt.timedelta(days=1)
    return dt.datetime.combine(evening, ANNOUNCEMENT_TIME, tzinfo=ET).astimezone(dt.UTC)


def submission_window(listing_day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """``(start, end)`` in UTC of the submissions announced in ``listing_day``'s feed.

    The window runs from the 14:00 ET deadline of the previous announcement that took
    place to this announcement's deadline (start included, end excluded), e.g. a Monday
    listing (Sunday's announcement) covers Thursday 14:00 to Friday 14:00 ET and a
    Tuesday listing Friday 14:00 to Monday 14:00 ET. Raises ``ValueError`` for a day
    that carries no announcement.
    """
    _require_listing_day(listing_day)
    end = _deadline(listing_day - dt.timedelta(days=1))
    start = _deadline(previous_listing_day(listing_day) - dt.timedelta(days=1))
    return start, end


def classify_empty(day: dt.date) -> Literal["no-announcement", "unexpected"]:
    """What an empty feed dated ``day`` means.

    ``no-announcement`` on weekends and after holidays (a normal state);
    ``unexpected`` on a listing day (worth a warning: arXiv may be late or down, or it
    took a holiday this calendar does not know).
    """
    return "unexpected" if is_listing_day(day) else "no-announcement"


# -- internals -----------------------------------------------------------------------


def _step(day: dt.date, direction: int) -> dt.date:
    candidate = day
    for _ in range(_SEARCH_LIMIT):
        candidate += dt.timedelta(days=direction)
        if is_listing_day(candidate):
            return candidate
    raise ValueError(f"no arXiv listing day within {_SEARCH_LIMIT} days of {day}")


def _deadline(announcement_day: dt.date) -> dt.datetime:
    """14:00 ET on the last weekday up to ``announcement_day`` (Friday for a Sunday)."""
    weekday = announcement_day.weekday()
    cutoff_day = announcement_day - dt.timedelta(days=max(0, weekday - 4))
    return dt.datetime.combine(cutoff_day, DEADLINE, tzinfo=ET).astimezone(dt.UTC)


def _et_date(moment: dt.datetime) -> dt.date:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a time-zone-aware datetime is needed (e.g. datetime.now(UTC))")
    return moment.astimezone(ET).date()


def _require_listing_day(day: dt.date) -> None:
    if not is_listing_day(day):
        raise ValueError(f"{day} ({day:%A}) is not an arXiv listing day: it carries no papers")
