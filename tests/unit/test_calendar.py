"""The NYSE calendar against known facts: yearly day counts, holidays, observance rules, closures."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from ingestion.calendar import SPECIAL_CLOSURES, nyse_holidays, nyse_trading_days

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
    ],
)
def test_known_days(day: dt.date, open_: bool) -> None:
    assert is_open(day) is open_


def test_every_listed_special_closure_is_a_closed_weekday() -> None:
    for day in SPECIAL_CLOSURES:
        assert day.weekday() < 5, day
        assert day in nyse_holidays(day, day)


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
