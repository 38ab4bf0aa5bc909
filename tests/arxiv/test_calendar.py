"""arXiv's announcement calendar: listing days, holidays and submission windows."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arxiv_radar.arxiv import calendar
from arxiv_radar.arxiv.calendar import (
    ARXIV_HOLIDAYS,
    ET,
    announcement_time,
    classify_empty,
    expected_latest_listing_day,
    is_holiday,
    is_listing_day,
    listing_days,
    next_listing_day,
    previous_listing_day,
    submission_window,
)

D = dt.date
UTC = dt.UTC


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def et(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ET)


# -- the fixture's week: Monday 2026-04-27 -------------------------------------------------


def test_week_of_the_real_feed() -> None:
    assert listing_days(D(2026, 4, 25), D(2026, 5, 3)) == [
        D(2026, 4, 27),
        D(2026, 4, 28),
        D(2026, 4, 29),
        D(2026, 4, 30),
        D(2026, 5, 1),
    ]
    assert not is_listing_day(D(2026, 4, 25))  # Saturday
    assert not is_listing_day(D(2026, 4, 26))  # Sunday
    assert is_listing_day(D(2026, 4, 27))  # Monday: Sunday's announcement


@pytest.mark.parametrize(
    ("listing_day", "start", "end"),
    [
        # Monday listing (Sunday 20:00): Thursday 14:00 - Friday 14:00 EDT (UTC-4).
        (D(2026, 4, 27), utc(2026, 4, 23, 18), utc(2026, 4, 24, 18)),
        # Tuesday listing (Monday 20:00): Friday 14:00 - Monday 14:00.
        (D(2026, 4, 28), utc(2026, 4, 24, 18), utc(2026, 4, 27, 18)),
        (D(2026, 4, 29), utc(2026, 4, 27, 18), utc(2026, 4, 28, 18)),
        (D(2026, 4, 30), utc(2026, 4, 28, 18), utc(2026, 4, 29, 18)),
        # Friday listing (Thursday 20:00): Wednesday 14:00 - Thursday 14:00.
        (D(2026, 5, 1), utc(2026, 4, 29, 18), utc(2026, 4, 30, 18)),
    ],
)
def test_submission_windows_of_a_normal_week(
    listing_day: dt.date, start: dt.datetime, end: dt.datetime
) -> None:
    assert submission_window(listing_day) == (start, end)


def test_windows_are_in_utc_and_at_14_eastern() -> None:
    start, end = submission_window(D(2026, 4, 28))
    assert start.utcoffset() == end.utcoffset() == dt.timedelta(0)
    assert start.astimezone(ET).replace(tzinfo=None) == dt.datetime(2026, 4, 24, 14, 0)
    assert end.astimezone(ET).replace(tzinfo=None) == dt.datetime(2026, 4, 27, 14, 0)


def test_windows_across_the_change_to_daylight_time() -> None:
    # Clocks go forward on Sunday 2026-03-08: EST (UTC-5) before, EDT (UTC-4) after.
    assert submission_window(D(2026, 3, 9)) == (utc(2026, 3, 5, 19), utc(2026, 3, 6, 19))
    assert submission_window(D(2026, 3, 10)) == (utc(2026, 3, 6, 19), utc(2026, 3, 9, 18))


def test_announcement_time_is_20_eastern_the_evening_before() -> None:
    assert announcement_time(D(2026, 4, 27)) == utc(2026, 4, 27, 0)  # Sunday 20:00 EDT
    assert announcement_time(D(2026, 11, 30)) == utc(2026, 11, 30, 1)  # Sunday 20:00 EST
    with pytest.raises(ValueError):
        announcement_time(D(2026, 4, 25))


# -- Thanksgiving 2026: Thursday 26 November -------------------------------------------------


def test_thanksgiving_week() -> None:
    assert is_holiday(D(2026, 11, 26))
    assert listing_days(D(2026, 11, 21), D(2026, 12, 5)) == [
        D(2026, 11, 23),
        D(2026, 11, 24),
        D(2026, 11, 25),
        D(2026, 11, 26),  # Wednesday's announcement
        # Friday 27 is empty: no announcement on Thanksgiving evening.
        D(2026, 11, 30),
        D(2026, 12, 1),
        D(2026, 12, 2),
        D(2026, 12, 3),
        D(2026, 12, 4),
    ]
    assert not is_listing_day(D(2026, 11, 27))
    assert next_listing_day(D(2026, 11, 26)) == D(2026, 11, 30)
    assert previous_listing_day(D(2026, 11, 30)) == D(2026, 11, 26)
    assert previous_listing_day(D(2026, 11, 27)) == D(2026, 11, 26)


def test_thanksgiving_submissions_roll_into_sunday() -> None:
    # EST (UTC-5). Thursday's submissions join Friday's in Sunday's announcement.
    assert submission_window(D(2026, 11, 26)) == (utc(2026, 11, 24, 19), utc(2026, 11, 25, 19))
    assert submission_window(D(2026, 11, 30)) == (utc(2026, 11, 25, 19), utc(2026, 11, 27, 19))
    assert submission_window(D(2026, 12, 1)) == (utc(2026, 11, 27, 19), utc(2026, 11, 30, 19))
    with pytest.raises(ValueError, match="not an arXiv listing day"):
        submission_window(D(2026, 11, 27))


def test_empty_feeds_around_thanksgiving() -> None:
    assert classify_empty(D(2026, 11, 27)) == "no-announcement"  # after the holiday
    assert classify_empty(D(2026, 11, 28)) == "no-announcement"  # Saturday
    assert classify_empty(D(2026, 11, 26)) == "unexpected"  # a listing day
    assert classify_empty(D(2026, 11, 30)) == "unexpected"


def test_expected_feed_during_thanksgiving_weekend() -> None:
    assert expected_latest_listing_day(et(2026, 11, 26, 23, 59)) == D(2026, 11, 26)
    assert expected_latest_listing_day(et(2026, 11, 27, 10, 0)) == D(2026, 11, 26)
    assert expected_latest_listing_day(et(2026, 11, 29, 23, 59)) == D(2026, 11, 26)
    assert expected_latest_listing_day(et(2026, 11, 30, 0, 0, 1)) == D(2026, 11, 30)


# -- Christmas and New Year 2026 -------------------------------------------------------------


def test_christmas_and_new_year() -> None:
    # Holidays Fri 25 (nothing changes), Tue 29 (Wed 30 empty), Thu 31 (Fri 1 Jan empty).
    assert listing_days(D(2026, 12, 19), D(2027, 1, 10)) == [
        D(2026, 12, 21),
        D(2026, 12, 22),
        D(2026, 12, 23),
        D(2026, 12, 24),
        D(2026, 12, 25),  # Thursday 24's announcement: the Friday holiday changes nothing
        D(2026, 12, 28),
        D(2026, 12, 29),
        D(2026, 12, 31),
        D(2027, 1, 4),
        D(2027, 1, 5),
        D(2027, 1, 6),
        D(2027, 1, 7),
        D(2027, 1, 8),
    ]
    assert classify_empty(D(2026, 12, 30)) == "no-announcement"
    assert classify_empty(D(2027, 1, 1)) == "no-announcement"
    assert classify_empty(D(2026, 12, 25)) == "unexpected"


def test_christmas_windows_skip_the_holidays() -> None:
    assert submission_window(D(2026, 12, 28)) == (utc(2026, 12, 24, 19), utc(2026, 12, 25, 19))
    assert submission_window(D(2026, 12, 31)) == (utc(2026, 12, 28, 19), utc(2026, 12, 30, 19))
    assert submission_window(D(2027, 1, 4)) == (utc(2026, 12, 30, 19), utc(2027, 1, 1, 19))


def test_sunday_holiday_empties_monday() -> None:
    # 2025-07-06 is a Sunday on arXiv's list: no Sunday announcement.
    assert not is_listing_day(D(2025, 7, 7))
    assert classify_empty(D(2025, 7, 7)) == "no-announcement"
    assert submission_window(D(2025, 7, 8)) == (utc(2025, 7, 3, 18), utc(2025, 7, 7, 18))


@pytest.mark.parametrize(
    ("holiday", "empty_feed"),
    [
        (D(2024, 11, 28), D(2024, 11, 29)),
        (D(2024, 12, 31), D(2025, 1, 1)),
        (D(2025, 1, 20), D(2025, 1, 21)),
        (D(2026, 1, 19), D(2026, 1, 20)),
        (D(2026, 9, 7), D(2026, 9, 8)),
        (D(2023, 11, 23), D(2023, 11, 24)),
    ],
)
def test_a_holiday_empties_the_next_days_feed(holiday: dt.date, empty_feed: dt.date) -> None:
    assert is_holiday(holiday)
    assert is_listing_day(holiday)  # it carries the evening before's announcement
    assert not is_listing_day(empty_feed)


def test_unknown_years_follow_the_weekday_rule() -> None:
    assert 2027 not in ARXIV_HOLIDAYS
    # Thanksgiving 2027 is Thursday 25 November; without a published list it is a normal day.
    assert not is_holiday(D(2027, 11, 25))
    assert is_listing_day(D(2027, 11, 26))
    assert classify_empty(D(2027, 11, 26)) == "unexpected"


def test_holiday_table_matches_the_published_dates() -> None:
    assert sorted(ARXIV_HOLIDAYS[2026]) == [
        D(2026, 1, 1),
        D(2026, 1, 19),
        D(2026, 6, 19),
        D(2026, 7, 3),
        D(2026, 9, 7),
        D(2026, 11, 26),
        D(2026, 12, 25),
        D(2026, 12, 29),
        D(2026, 12, 31),
    ]
    assert len(ARXIV_HOLIDAYS[2025]) == 8 and len(ARXIV_HOLIDAYS[2024]) == 10
    for year, days in ARXIV_HOLIDAYS.items():
        assert {day.year for day in days} == {year}


# -- the live feed ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (utc(2026, 4, 27, 4, 0), D(2026, 4, 27)),  # Monday 00:00 EDT: the new feed is live
        (utc(2026, 4, 27, 3, 59), D(2026, 4, 24)),  # Sunday 23:59 EDT: Friday's feed
        (utc(2026, 4, 25, 12, 0), D(2026, 4, 24)),  # Saturday
        (utc(2026, 4, 29, 1, 0), D(2026, 4, 28)),  # Tuesday 21:00 EDT, announced, not in RSS yet
        (et(2026, 4, 29, 12, 0), D(2026, 4, 29)),
        (dt.datetime(2026, 4, 29, 18, tzinfo=dt.timezone(dt.timedelta(hours=8))), D(2026, 4, 29)),
    ],
)
def test_expected_latest_listing_day(now: dt.datetime, expected: dt.date) -> None:
    assert expected_latest_listing_day(now) == expected


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="time-zone-aware"):
        expected_latest_listing_day(dt.datetime(2026, 4, 27, 12))


def test_weekend_empty_feed_is_normal() -> None:
    assert classify_empty(D(2026, 4, 25)) == "no-announcement"
    assert classify_empty(D(2026, 4, 26)) == "no-announcement"
    assert classify_empty(D(2026, 4, 27)) == "unexpected"


def test_previous_and_next_are_strict() -> None:
    assert previous_listing_day(D(2026, 4, 28)) == D(2026, 4, 27)
    assert next_listing_day(D(2026, 4, 27)) == D(2026, 4, 28)
    assert previous_listing_day(D(2026, 4, 27)) == D(2026, 4, 24)
    assert next_listing_day(D(2026, 5, 1)) == D(2026, 5, 4)


def test_listing_days_of_an_empty_or_reversed_range() -> None:
    assert listing_days(D(2026, 4, 25), D(2026, 4, 26)) == []
    assert listing_days(D(2026, 4, 28), D(2026, 4, 27)) == []
    assert listing_days(D(2026, 4, 27), D(2026, 4, 27)) == [D(2026, 4, 27)]


# -- properties over many years ----------------------------------------------------------------

DAYS = st.dates(min_value=D(2022, 1, 1), max_value=D(2029, 12, 31))


@given(DAYS)
def test_listing_days_are_weekdays_after_an_announcement(day: dt.date) -> None:
    if is_listing_day(day):
        assert day.weekday() < 5
        assert not is_holiday(day - dt.timedelta(days=1))
    else:
        assert day.weekday() >= 5 or is_holiday(day - dt.timedelta(days=1))


@given(DAYS)
def test_windows_tile_time_without_gaps(day: dt.date) -> None:
    listing = next_listing_day(day)
    start, end = submission_window(listing)
    following_start, following_end = submission_window(next_listing_day(listing))
    assert start < end
    assert end == following_start  # consecutive windows touch exactly
    assert end < following_end
    assert end.astimezone(ET).time() == dt.time(14, 0)
    assert end.astimezone(ET).weekday() < 5
    assert end < announcement_time(listing)


@given(DAYS)
def test_previous_next_and_range_agree(day: dt.date) -> None:
    before, after = previous_listing_day(day), next_listing_day(day)
    assert before < day < after
    assert listing_days(before, after)[0] == before
    assert listing_days(before, after)[-1] == after
    inside = listing_days(before + dt.timedelta(days=1), after - dt.timedelta(days=1))
    assert inside == ([day] if is_listing_day(day) else [])


@given(st.datetimes(min_value=dt.datetime(2022, 1, 1), max_value=dt.datetime(2029, 12, 31)))
def test_expected_feed_is_the_last_listing_day_up_to_now(moment: dt.datetime) -> None:
    now = moment.replace(tzinfo=UTC)
    expected = expected_latest_listing_day(now)
    today = now.astimezone(ET).date()
    assert is_listing_day(expected)
    assert expected <= today
    assert listing_days(expected, today) == [expected]


def test_module_exports_its_time_zone() -> None:
    assert calendar.ET.key == "America/New_York"
