"""Exchange calendars: a thin layer over the ``exchange_calendars`` library, one cached calendar object
per exchange, for every calendar the warehouse needs:

- ``XNYS`` (New York Stock Exchange): NYSE trading days and holidays (``nyse_trading_days``,
  ``nyse_holidays``), the NYSE part of the price gate's "bars on sessions only" (``on_session``), and
  the per-date close of the ``us_cash`` session (early closes such as 13:00 on the day after
  Thanksgiving and on Christmas Eve);
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


__all__ = [
    "exchange_calendar",
    "nyse_holidays",
    "nyse_trading_days",
    "on_session",
    "session_close",
]
