"""The NYSE trading calendar: weekdays minus full-day market closures.

Pure functions, no data files and no network. The rules are the exchange's current ones (valid from
1998, when Martin Luther King Jr. Day became a market holiday; Juneteenth from 2022):

- New Year's Day, MLK Day (third Monday of January, from 1998), Washington's Birthday / Presidents'
  Day (third Monday of February), Good Friday, Memorial Day (last Monday of May), Juneteenth
  (June 19, from 2022), Independence Day, Labor Day (first Monday of September), Thanksgiving (fourth
  Thursday of November), Christmas.
- Observance: a holiday on a Saturday is observed on the Friday before, a holiday on a Sunday on the
  Monday after. Exception: New Year's Day on a Saturday is not observed (the NYSE stays open on
  December 31, the end of the accounting year).
- One-off closures (weather, national days of mourning, September 11) are listed in
  ``SPECIAL_CLOSURES``. Early closes (half days) are trading days and are not modelled.

Years before 1998 get the same fixed rules without MLK Day, which is close to but not exactly the
historical calendar (one-off closures before 1985 are not listed).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from dateutil.easter import easter

# MLK Day has been an NYSE holiday since 1998; Juneteenth since 2022.
MLK_DAY_FIRST_YEAR = 1998
JUNETEENTH_FIRST_YEAR = 2022

# Full-day closures outside the regular holiday rules, with the reason.
SPECIAL_CLOSURES: dict[dt.date, str] = {
    dt.date(1985, 9, 27): "Hurricane Gloria",
    dt.date(1994, 4, 27): "National day of mourning for President Nixon",
    dt.date(2001, 9, 11): "September 11 attacks",
    dt.date(2001, 9, 12): "September 11 attacks",
    dt.date(2001, 9, 13): "September 11 attacks",
    dt.date(2001, 9, 14): "September 11 attacks",
    dt.date(2004, 6, 11): "National day of mourning for President Reagan",
    dt.date(2007, 1, 2): "National day of mourning for President Ford",
    dt.date(2012, 10, 29): "Hurricane Sandy",
    dt.date(2012, 10, 30): "Hurricane Sandy",
    dt.date(2018, 12, 5): "National day of mourning for President George H. W. Bush",
    dt.date(2025, 1, 9): "National day of mourning for President Carter",
}

_MONDAY, _THURSDAY, _SATURDAY, _SUNDAY = 0, 3, 5, 6


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The ``n``-th (1-based) ``weekday`` (0 = Monday) of a month."""
    first = dt.date(year, month, 1)
    offset = (weekday - first.weekday()) % 7
    return first + dt.timedelta(days=offset + 7 * (n - 1))


def _last_weekday(year: int, month: int, weekday: int) -> dt.date:
    """The last ``weekday`` (0 = Monday) of a month."""
    next_month = dt.date(year + (month == 12), month % 12 + 1, 1)
    last = next_month - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: dt.date) -> dt.date:
    """Weekend observance: Saturday to the Friday before, Sunday to the Monday after."""
    if day.weekday() == _SATURDAY:
        return day - dt.timedelta(days=1)
    if day.weekday() == _SUNDAY:
        return day + dt.timedelta(days=1)
    return day


def _year_holidays(year: int) -> set[dt.date]:
    """Observed regular NYSE holidays of one calendar year (all fall inside that year)."""
    days: set[dt.date] = set()
    new_year = dt.date(year, 1, 1)
    if new_year.weekday() != _SATURDAY:  # Saturday: not observed on the Friday of the prior year
        days.add(_observed(new_year))
    if year >= MLK_DAY_FIRST_YEAR:
        days.add(_nth_weekday(year, 1, _MONDAY, 3))
    days.add(_nth_weekday(year, 2, _MONDAY, 3))  # Washington's Birthday
    days.add(easter(year) - dt.timedelta(days=2))  # Good Friday (Western Easter)
    days.add(_last_weekday(year, 5, _MONDAY))  # Memorial Day
    if year >= JUNETEENTH_FIRST_YEAR:
        days.add(_observed(dt.date(year, 6, 19)))
    days.add(_observed(dt.date(year, 7, 4)))  # Independence Day
    days.add(_nth_weekday(year, 9, _MONDAY, 1))  # Labor Day
    days.add(_nth_weekday(year, 11, _THURSDAY, 4))  # Thanksgiving
    days.add(_observed(dt.date(year, 12, 25)))  # Christmas
    return days


def nyse_holidays(start: dt.date, end: dt.date) -> set[dt.date]:
    """Weekdays from ``start`` to ``end`` (inclusive) on which the NYSE was or will be closed."""
    if start > end:
        return set()
    closed: set[dt.date] = set()
    for year in range(start.year, end.year + 1):
        closed |= _year_holidays(year)
    closed |= set(SPECIAL_CLOSURES)
    return {d for d in closed if start <= d <= end and d.weekday() < _SATURDAY}


def nyse_trading_days(start: dt.date, end: dt.date) -> pd.DatetimeIndex:
    """NYSE trading days from ``start`` to ``end`` inclusive (tz-naive midnight timestamps)."""
    weekdays = pd.bdate_range(start, end).as_unit("ns")
    closed = pd.DatetimeIndex(sorted(nyse_holidays(start, end))).as_unit("ns")
    return weekdays.difference(closed).rename("date")


# Which days are sessions of an instrument's session (ingestion.universe.SESSIONS), the rule of the
# price gate's "bars on sessions only", measured on the shared snapshot: Saturday is never a session;
# Sunday only for CME futures (Globex opens Sunday evening and Yahoo dates that bar a Sunday: every
# future of the snapshot has 2025-07-13); NYSE holidays are no session of the US cash market from
# NYSE_RULES_FROM (before, this calendar's rules are approximate: the snapshot's ^GSPC has 86 bars on
# pre-1971 "holidays"), but are of the futures (CME trades some US holidays: ES=F on Thanksgiving),
# of Cboe's volatility indices (^VIX on Labor Day 2025) and of London (^FTSE: 220 bars on US holidays).
NYSE_RULES_FROM = dt.date(MLK_DAY_FIRST_YEAR, 1, 1)
SUNDAY_SESSIONS = frozenset({"cme"})
NYSE_HOLIDAY_SESSIONS = frozenset({"us_cash"})


def on_session(dates: pd.Series, sessions: pd.Series) -> pd.Series:
    """Per row, whether ``dates`` (timestamps) is a session of ``sessions`` (session names of
    ingestion.universe.SESSIONS), by the rule above."""
    dates = pd.to_datetime(dates)
    weekday = dates.dt.dayofweek
    ok = (weekday < _SATURDAY) | ((weekday == _SUNDAY) & sessions.isin(SUNDAY_SESSIONS))
    if len(dates) and dates.notna().any():
        first = max(dates.min().date(), NYSE_RULES_FROM)
        closed = nyse_holidays(first, dates.max().date())
        if closed:
            holiday = dates.dt.normalize().isin(pd.DatetimeIndex(sorted(closed)))
            ok &= ~(holiday & sessions.isin(NYSE_HOLIDAY_SESSIONS))
    return ok


__all__ = ["SPECIAL_CLOSURES", "nyse_holidays", "nyse_trading_days", "on_session"]
