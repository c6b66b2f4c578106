"""Exchange calendars: a thin layer over the ``exchange_calendars`` library, one cached calendar object
per exchange, for every calendar the warehouse needs:

- ``XNYS`` (New York Stock Exchange): NYSE trading days and holidays (``nyse_trading_days``,
  ``nyse_holidays``), the NYSE part of the price gate's "bars on sessions only" (``on_session``), and
  the per-date close of the ``us_cash`` session (early closes such as 13:00 on the day after
  Thanksgiving and on Christmas Eve);
- the CFTC's release schedule of its weekly positions (``cftc_release_time``): US federal holidays
  and shutdowns, the point-in-time rule of raw.cftc_tff.available_at;
- ``CMES`` (CME Globex) and ``XLON`` (London Stock Exchange): the per-date early closes of the ``cme``
  and ``london`` sessions (``session_close``, read by ``ingestion.universe.Session.end_on``).

No data files and no network: the library computes holidays, one-off closures (weather, national days
of mourning, September 11) and early closes from its own rules and lists.

Range: every calendar is built from ``CALENDAR_START`` to ``CALENDAR_END``; a date outside raises the
library's ``DateOutOfBounds``. The library's XNYS is right from 1970 (checked against the NYSE's rules
and closures; identical to this module's former hand rules over 1998-2026). Before 1970 it keeps
its one-off closures (1933 bank holiday, 1968 paperwork crisis, ...) but loses its regular holidays:
exchange_calendars 4.13.2 hands its holiday rules to pandas' ``CustomBusinessDay(calendar=...)``,
which asks them for holidays from pandas' default ``AbstractHolidayCalendar.start_date``, 1970-01-01.
Nothing the warehouse decides reads NYSE holidays that early: the gate applies them from
``NYSE_RULES_FROM`` (1998), and a window's session count only asks whether it has any.
"""

from __future__ import annotations

import datetime as dt
import functools

import exchange_calendars as xcals
import pandas as pd
from pandas.tseries.holiday import USFederalHolidayCalendar

# Wide enough for any date a source delivers (^GSPC from 1927) and any partition or test in the future.
CALENDAR_START = dt.date(1900, 1, 1)
CALENDAR_END = dt.date(2100, 12, 31)

NYSE = "XNYS"

_SATURDAY, _SUNDAY = 5, 6


@functools.cache
def exchange_calendar(code: str) -> xcals.ExchangeCalendar:
    """The library's calendar ``code`` (``XNYS``, ``CMES``, ``XLON``), built once per process over
    ``CALENDAR_START``..``CALENDAR_END``."""
    return xcals.get_calendar(code, start=CALENDAR_START.isoformat(), end=CALENDAR_END.isoformat())


def session_close(code: str, day: dt.date) -> dt.datetime | None:
    """When the session of ``day`` on exchange ``code`` closed or will close (tz-aware, UTC; early
    closes included), or None when ``day`` is no session of that exchange (a weekend, a holiday)."""
    calendar = exchange_calendar(code)
    label = pd.Timestamp(day)
    if not calendar.is_session(label):
        return None
    return calendar.session_close(label).to_pydatetime()


def nyse_holidays(start: dt.date, end: dt.date) -> set[dt.date]:
    """Weekdays from ``start`` to ``end`` (inclusive) on which the NYSE was or will be closed."""
    if start > end:
        return set()
    weekdays = pd.bdate_range(start, end)
    return set(weekdays.difference(_nyse_sessions(start, end)).date)


def nyse_trading_days(start: dt.date, end: dt.date) -> pd.DatetimeIndex:
    """NYSE trading days from ``start`` to ``end`` inclusive (tz-naive midnight timestamps)."""
    if start > end:
        return pd.DatetimeIndex([], dtype="datetime64[ns]", name="date")
    return _nyse_sessions(start, end).as_unit("ns").rename("date")


def _nyse_sessions(start: dt.date, end: dt.date) -> pd.DatetimeIndex:
    sessions = exchange_calendar(NYSE).sessions_in_range(pd.Timestamp(start), pd.Timestamp(end))
    return pd.DatetimeIndex(sessions, freq=None)


# Which days are sessions of an instrument's session (ingestion.universe.SESSIONS), the rule of the
# price gate's "bars on sessions only", measured on the shared snapshot: Saturday is never a session;
# Sunday only for CME futures (Globex opens Sunday evening and Yahoo dates that bar a Sunday: every
# future of the snapshot has 2025-07-13); NYSE holidays are no session of the US cash market from
# NYSE_RULES_FROM, 1998, the first year of the current NYSE holiday set (MLK Day) (before, the rule is
# not applied: the former hand rules were approximate there, the snapshot's ^GSPC has 86 bars on their
# pre-1971 "holidays", and the library's XNYS lacks regular holidays before 1970, see above), but are
# of the futures (CME trades some US holidays: ES=F on Thanksgiving), of Cboe's volatility indices
# (^VIX on Labor Day 2025) and of London (^FTSE: 220 bars on US holidays).
NYSE_RULES_FROM = dt.date(1998, 1, 1)
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


# The CFTC's release schedule of the Traders in Financial Futures report: when positions became public.

CFTC_ZONE = "America/New_York"
RELEASE_HOUR, RELEASE_MINUTE = 15, 30

# Federal offices closed on days USFederalHolidayCalendar does not list (national days of mourning).
EXTRA_CLOSURES = (dt.date(2007, 1, 2), dt.date(2018, 12, 5), dt.date(2025, 1, 9))

# Lapses in federal appropriations: the CFTC published no reports and caught up on its own schedule
# afterwards. A report whose rule-based release falls in (or is delayed by) one of these has an
# unknown release time: cftc_release_time returns None rather than a date that would leak positions
# into the past. (start, end) inclusive; end = the day the government reopened.
SHUTDOWNS = (
    (dt.date(2013, 10, 1), dt.date(2013, 10, 17)),
    (dt.date(2018, 12, 22), dt.date(2019, 1, 25)),
    (dt.date(2025, 10, 1), dt.date(2025, 11, 12)),
)
# The catch-up after a shutdown lasted weeks (into March 2019 after the 2018-19 lapse): releases
# due within this many days after a shutdown ended are unknown too.
CATCH_UP_DAYS = 45


@functools.cache
def _federal_holidays(year: int) -> frozenset[dt.date]:
    """US federal holidays (observed) of a year, and the EXTRA_CLOSURES (computed once per year:
    the pandas calendar is slow, and a history has a thousand reports)."""
    days = USFederalHolidayCalendar().holidays(start=dt.date(year, 1, 1), end=dt.date(year, 12, 31))
    return frozenset(d.date() for d in days) | frozenset(EXTRA_CLOSURES)


def cftc_release_time(report_date: dt.date) -> pd.Timestamp | None:
    """When the TFF report with positions as of ``report_date`` became public (America/New_York), or
    None when that cannot be known from the rule (government shutdowns and their catch-up).

    Rule (the CFTC's usual schedule, not its published calendar): positions as of Tuesday are released
    on Friday of the same week at 15:30 America/New_York. When a US federal holiday
    (``pandas.tseries.holiday.USFederalHolidayCalendar``, observed dates: the CFTC is a federal
    agency, so its calendar is the government's, which exchange_calendars does not have) falls on
    any weekday from the report week's Wednesday through that Friday, the release moves to the next business day after
    Friday (Monday, or Tuesday when Monday is a holiday too) at 15:30. Reports dated another weekday
    (a Monday when Tuesday is a holiday) follow the same rule for their week. Examples: 2024-07-16 ->
    Fri 2024-07-19 15:30; 2024-07-02 -> Mon 2024-07-08 15:30 (Independence Day on Thursday);
    2023-11-21 -> Mon 2023-11-27 15:30 (Thanksgiving). Days of mourning (EXTRA_CLOSURES) count as
    holidays: 2018-12-04 -> Mon 2018-12-10.
    """
    day = pd.Timestamp(report_date).date()
    if day.weekday() > 4:
        raise ValueError(f"report date {day} is a {day:%A}; TFF reports are as of a weekday (Tuesday)")
    wednesday = day + dt.timedelta(days=2 - day.weekday())
    friday = day + dt.timedelta(days=4 - day.weekday())
    holidays = _federal_holidays(wednesday.year) | _federal_holidays(wednesday.year + 1)
    release = friday
    if any(wednesday + dt.timedelta(days=i) in holidays for i in range(3)):
        release = friday + dt.timedelta(days=1)
        while release.weekday() > 4 or release in holidays:
            release += dt.timedelta(days=1)
    for start, end in SHUTDOWNS:
        if start <= release <= end + dt.timedelta(days=CATCH_UP_DAYS):
            return None
    return pd.Timestamp(
        dt.datetime(release.year, release.month, release.day, RELEASE_HOUR, RELEASE_MINUTE)
    ).tz_localize(CFTC_ZONE)


__all__ = [
    "cftc_release_time",
    "exchange_calendar",
    "nyse_holidays",
    "nyse_trading_days",
    "on_session",
    "session_close",
]
