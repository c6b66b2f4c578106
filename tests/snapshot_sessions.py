"""Which bars of the real snapshot's Yahoo files are partial, worked out for the tests independently
of the project's code: capture times read from ``captured_at.csv`` with pandas, and each market's
session end written down here from the exchanges' own hours (not from ingestion/universe.py or the
instruments seed).

A bar dated D is partial when its file was captured before D's session ended, in the session's zone.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

US_CASH = ("America/New_York", dt.time(16, 0))  # NYSE / Nasdaq close
CBOE_VOLATILITY = ("America/New_York", dt.time(16, 15))  # ^VIX, ^VXN: calculated until 16:15
CME = ("America/New_York", dt.time(17, 0))  # CME Globex daily session end (16:00 Chicago)
LONDON = ("Europe/London", dt.time(16, 30))  # London Stock Exchange close


def session_of(symbol: str) -> tuple[str, dt.time]:
    """(time zone, local end of the session) of a Yahoo symbol, by what the symbol is."""
    if symbol.endswith("=F"):
        return CME
    if symbol == "^FTSE":
        return LONDON
    if symbol in ("^VIX", "^VXN"):
        return CBOE_VOLATILITY
    return US_CASH


def capture_times(snapshot_dir: Path) -> dict[str, pd.Timestamp]:
    """Symbol -> tz-aware capture time of ``yahoo/<symbol>.csv``, from captured_at.csv."""
    table = pd.read_csv(Path(snapshot_dir) / "captured_at.csv")
    yahoo = table[table["file"].str.startswith("yahoo/")]
    return {Path(f).stem: pd.Timestamp(t) for f, t in zip(yahoo["file"], yahoo["captured_at"], strict=True)}


def partial_dates(snapshot_dir: Path, symbol: str, dates: pd.Series) -> set[pd.Timestamp]:
    """The dates (of ``dates``, the file's) whose bar was captured before its session ended."""
    times = capture_times(snapshot_dir)
    if symbol not in times:
        return set()
    zone, ends = session_of(symbol)
    captured = times[symbol]
    capture_day = captured.tz_convert(zone).date()
    out = set()
    for day in pd.to_datetime(dates):
        if day.date() >= capture_day:
            end = pd.Timestamp(dt.datetime.combine(day.date(), ends)).tz_localize(zone)
            if captured < end:
                out.add(pd.Timestamp(day.date()))
    return out
