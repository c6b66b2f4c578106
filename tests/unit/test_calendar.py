"""The exchange calendars (ingestion/calendar.py, over exchange_calendars) against known facts: yearly
NYSE day counts, holidays, observance rules, one-off closures, early closes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from exchange_calendars.errors import DateOutOfBounds

from ingestion.calendar import nyse_holidays, nyse_trading_days, session_close

D = dt.date


def is_open(day: dt.date) -> bool:
    return pd.Timestamp(day) in nyse_trading_days(day, day)


@pytest.mark.parametrize(
    ("year", "days"),
    [(2000, 252), (2001, 248), (2012, 250), (2020, 253), (2021, 252), (2022, 251), (2023, 250), (2024, 252)],
)
def test_trading_days_per_year(year: int, days: int) -> None:
    assert len(nyse_trading_days(D(year, 1, 1), D(year, 12, 31))) == days


def test_holidays_2024_are_exactly_the_published_list() -> None:
    assert sorted(nyse_holidays(D(2024, 1, 1), D(2024, 12, 31))) == [
        D(2024, 1, 1),  # New Year's Day
        D(2024, 1, 15),  # Martin Luther King Jr. Day
        D(2024, 2, 19),  # Washington's Birthday
        D(2024, 3, 29),  # Good Friday
        D(2024, 5, 27),  # Memorial Day
        D(2024, 6, 19),  # Juneteenth
        D(2024, 7, 4),  # Independence Day
        D(2024, 9, 2),  # Labor Day
        D(2024, 11, 28),  # Thanksgiving
        D(2024, 12, 25),  # Christmas
    ]


@pytest.mark.parametrize(
    ("day", "open_"),
    [
        (D(2022, 6, 20), False),  # Juneteenth on Sunday, observed Monday
        (D(2021, 6, 18), True),  # Juneteenth not yet an NYSE holiday in 2021
        (D(2023, 6, 19), False),
        (D(2021, 12, 31), True),  # New Year's Day 2022 on Saturday: not observed on Friday
        (D(2021, 12, 24), False),  # Christmas on Saturday, observed Friday
        (D(2022, 12, 26), False),  # Christmas on Sunday, observed Monday
        (D(2020, 7, 3), False),  # Independence Day on Saturday, observed Friday
        (D(2023, 1, 2), False),  # New Year's Day on Sunday, observed Monday
        (D(2017, 1, 2), False),
        (D(2024, 3, 29), False),  # Good Friday
        (D(2000, 4, 21), False),
        (D(2010, 4, 2), False),
        (D(2019, 4, 19), False),
        (D(1997, 1, 20), True),  # MLK Day became an NYSE holiday in 1998
        (D(1998, 1, 19), False),
        (D(2024, 11, 29), True),  # day after Thanksgiving: early close, still a trading day
        (D(2024, 12, 24), True),
        (D(2012, 10, 29), False),  # Hurricane Sandy
        (D(2012, 10, 30), False),
        (D(2012, 10, 31), True),
        (D(2001, 9, 10), True),
        (D(2001, 9, 11), False),
        (D(2001, 9, 14), False),
        (D(2001, 9, 17), True),
        (D(2004, 6, 11), False),  # Reagan
        (D(2007, 1, 2), False),  # Ford
        (D(2018, 12, 5), False),  # George H. W. Bush
        (D(2025, 1, 9), False),  # Carter
        (D(2024, 7, 5), True),
        (D(1977, 7, 14), False),  # New York City blackout
        (D(1980, 11, 4), False),  # presidential election day: a holiday until 1980
        (D(1985, 9, 27), False),  # Hurricane Gloria
        (D(1994, 4, 27), False),  # Nixon
    ],
)
def test_known_days(day: dt.date, open_: bool) -> None:
    assert is_open(day) is open_


# One-off full-day closures since 1998 outside the holiday rules (NYSE's published history).
ONE_OFF_CLOSURES = {
    D(2001, 9, 11): "September 11 attacks",
    D(2001, 9, 12): "September 11 attacks",
    D(2001, 9, 13): "September 11 attacks",
    D(2001, 9, 14): "September 11 attacks",
    D(2004, 6, 11): "national day of mourning for President Reagan",
    D(2007, 1, 2): "national day of mourning for President Ford",
    D(2012, 10, 29): "Hurricane Sandy",
    D(2012, 10, 30): "Hurricane Sandy",
    D(2018, 12, 5): "national day of mourning for President George H. W. Bush",
    D(2025, 1, 9): "national day of mourning for President Carter",
}


@pytest.mark.parametrize("day", sorted(ONE_OFF_CLOSURES))
def test_one_off_closures_are_holidays(day: dt.date) -> None:
    got = nyse_holidays(day - dt.timedelta(days=3), day + dt.timedelta(days=3))
    assert day in got, f"{day} ({ONE_OFF_CLOSURES[day]}): expected an NYSE holiday, got {sorted(got)}"


def test_carter_day_2025_is_the_only_closure_of_its_week() -> None:
    # 2025-01-09, a Thursday: a full-day closure for the national day of mourning; the rest of the
    # week (Monday 6th to Friday 10th) traded.
    days = nyse_trading_days(D(2025, 1, 6), D(2025, 1, 10))
    assert [f"{d:%Y-%m-%d}" for d in days] == ["2025-01-06", "2025-01-07", "2025-01-08", "2025-01-10"]


def test_one_off_closures_and_rules_give_the_holidays_of_1998_to_2026() -> None:
    """Every weekday holiday 1998-2026 is a regular holiday or a listed one-off closure: the count
    per year, recomputed here by the published rules (10 holidays from 2022 with Juneteenth, 9
    before, less those on a weekend not observed on a weekday: New Year's Day on a Saturday)."""
    for year in range(1998, 2027):
        got = nyse_holidays(D(year, 1, 1), D(year, 12, 31))
        rules = 10 if year >= 2022 else 9
        new_year_on_saturday = D(year, 1, 1).weekday() == 5
        expected = rules - new_year_on_saturday + sum(d.year == year for d in ONE_OFF_CLOSURES)
        assert len(got) == expected, f"{year}: expected {expected} NYSE holidays, got {sorted(got)}"


NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("code", "day", "close"),
    [
        ("XNYS", D(2024, 11, 29), dt.datetime(2024, 11, 29, 13, 0, tzinfo=NEW_YORK)),  # after Thanksgiving
        ("XNYS", D(2024, 12, 24), dt.datetime(2024, 12, 24, 13, 0, tzinfo=NEW_YORK)),  # Christmas Eve
        ("XNYS", D(2024, 7, 3), dt.datetime(2024, 7, 3, 13, 0, tzinfo=NEW_YORK)),  # before Independence Day
        ("XNYS", D(2024, 11, 27), dt.datetime(2024, 11, 27, 16, 0, tzinfo=NEW_YORK)),  # a regular day
        ("XNYS", D(2024, 11, 28), None),  # Thanksgiving
        ("XNYS", D(2025, 1, 9), None),  # Carter
        ("XLON", D(2024, 12, 24), dt.datetime(2024, 12, 24, 12, 30, tzinfo=LONDON)),
        ("XLON", D(2024, 12, 31), dt.datetime(2024, 12, 31, 12, 30, tzinfo=LONDON)),
        ("XLON", D(2024, 7, 16), dt.datetime(2024, 7, 16, 16, 30, tzinfo=LONDON)),  # BST
        ("XLON", D(2024, 12, 26), None),  # Boxing Day
        ("CMES", D(2024, 11, 28), dt.datetime(2024, 11, 28, 12, 0, tzinfo=ZoneInfo("America/Chicago"))),
        ("CMES", D(2024, 12, 25), None),
    ],
)
def test_session_close_per_date(code: str, day: dt.date, close: dt.datetime | None) -> None:
    got = session_close(code, day)
    assert got == close, f"{code} {day}: expected close {close}, got {got}"


def test_a_date_outside_the_calendars_range_is_an_error() -> None:
    with pytest.raises(
        DateOutOfBounds, match="1899-12-01.*cannot be earlier than the first session of calendar 'XNYS'"
    ):
        nyse_trading_days(D(1899, 12, 1), D(1900, 1, 31))


def test_holidays_are_weekdays_inside_the_range() -> None:
    start, end = D(1990, 1, 1), D(2030, 12, 31)
    holidays = nyse_holidays(start, end)
    assert all(start <= d <= end and d.weekday() < 5 for d in holidays)
    assert nyse_holidays(D(2024, 7, 5), D(2024, 12, 24)) == {D(2024, 9, 2), D(2024, 11, 28)}
    assert nyse_holidays(D(2024, 12, 31), D(2024, 1, 1)) == set()


def test_no_new_years_observance_leaks_into_the_previous_year() -> None:
    # 2011-01-01 and 2022-01-01 fell on Saturdays: 2010-12-31 and 2021-12-31 were trading days.
    assert D(2010, 12, 31) not in nyse_holidays(D(2010, 12, 1), D(2011, 1, 31))
    assert D(2021, 12, 31) not in nyse_holidays(D(2021, 12, 1), D(2022, 1, 31))


def test_trading_days_index() -> None:
    days = nyse_trading_days(D(2024, 1, 1), D(2024, 12, 31))
    assert isinstance(days, pd.DatetimeIndex)
    assert days.is_monotonic_increasing and days.is_unique
    assert days.tz is None
    assert (days == days.normalize()).all()
    assert (days.dayofweek < 5).all()
    assert days[0] == pd.Timestamp("2024-01-02") and days[-1] == pd.Timestamp("2024-12-31")
    assert not set(days.date) & nyse_holidays(D(2024, 1, 1), D(2024, 12, 31))


def test_trading_days_of_a_single_closed_day_is_empty() -> None:
    assert len(nyse_trading_days(D(2024, 12, 25), D(2024, 12, 25))) == 0
    assert len(nyse_trading_days(D(2024, 12, 28), D(2024, 12, 29))) == 0  # weekend


def test_sample_range_day_count() -> None:
    # 2000-01-03..2024-12-31: 25 years of NYSE sessions.
    assert len(nyse_trading_days(D(2000, 1, 3), D(2024, 12, 31))) == 6289
