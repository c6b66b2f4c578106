"""The quality gates of ``raw.estimate_snapshots`` (analyst estimates) and ``raw.shares_outstanding``."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from expectations.runner import Markdown, TableSuite
from ingestion.calendar import nyse_trading_days
from ingestion.estimates import PERIODS

INDEX_COLUMNS = ["symbol", "capture_date", "period"]
SHARES_INDEX_COLUMNS = ["symbol", "date"]
CURRENCIES = ["USD"]
# Consensus growth beyond these (fractions) is a unit error (percent written as a fraction).
MIN_GROWTH, MAX_GROWTH = -1.0, 20.0
# Shares outstanding of a listed company: fewer than 1 million or more than 100 billion is a unit
# error (thousands, or a market cap in the share column).
MIN_SHARES, MAX_SHARES = 1e6, 1e11


def validation_frame(raw: pd.DataFrame) -> pd.DataFrame:
    """``raw.estimate_snapshots`` plus what the suite checks: ``missed_sessions``, the NYSE sessions
    between a symbol's capture and its previous one (a gap in the history: reported, never filled),
    and the spread checks as differences (low - avg, avg - high: never positive)."""
    df = raw.sort_values(INDEX_COLUMNS).reset_index(drop=True)
    df["revenue_low_above_avg"] = df["revenue_low"] - df["revenue_avg"]
    df["revenue_avg_above_high"] = df["revenue_avg"] - df["revenue_high"]
    df["eps_low_above_avg"] = df["eps_low"] - df["eps_avg"]
    df["eps_avg_above_high"] = df["eps_avg"] - df["eps_high"]
    dates = pd.to_datetime(df["capture_date"])
    df["missed_sessions"] = pd.Series(np.nan, index=df.index, dtype="float64")
    if len(df):
        sessions = nyse_trading_days(dates.min().date(), dates.max().date())
        position = sessions.searchsorted(dates)
        previous = pd.Series(position).groupby([df["symbol"], df["period"]]).shift()
        df["missed_sessions"] = (pd.Series(position) - previous - 1).clip(lower=0)
    return df


def capture_gaps(raw: pd.DataFrame) -> list[str]:
    """Each symbol's runs of sessions without a capture, in words
    (``AAPL: 2024-08-12..2024-08-16, 5 session(s) without a capture``), from the 0y rows."""
    frame = validation_frame(raw[raw["period"] == "0y"])
    gaps = frame[frame["missed_sessions"] > 0]
    if gaps.empty:
        return []
    dates = pd.to_datetime(frame["capture_date"])
    sessions = nyse_trading_days(dates.min().date(), dates.max().date())
    out = []
    for row in gaps.itertuples():
        end = sessions.searchsorted(pd.Timestamp(row.capture_date))
        missed = sessions[end - int(row.missed_sessions) : end]
        out.append(
            f"{row.symbol}: {missed[0]:%Y-%m-%d}..{missed[-1]:%Y-%m-%d}, {len(missed)} session(s) without a capture"
        )
    return out


def estimates_suite(today: dt.date) -> list:
    import great_expectations as gx

    e = gx.expectations
    suite = [
        *(
            e.ExpectColumnValuesToNotBeNull(column=c, description=f"{c} is never null")
            for c in [*INDEX_COLUMNS, "captured_at"]
        ),
        e.ExpectCompoundColumnsToBeUnique(
            column_list=INDEX_COLUMNS, description="one row per symbol, capture date and period"
        ),
        e.ExpectColumnValuesToBeInSet(
            column="period", value_set=list(PERIODS), description=f"periods are {', '.join(PERIODS)}"
        ),
        e.ExpectColumnValuesToBeInSet(
            column="revenue_currency",
            value_set=CURRENCIES,
            description="revenue in USD (nulls allowed: no revenue table)",
        ),
        e.ExpectColumnValuesToBeBetween(
            column="revenue_avg", min_value=0, strict_min=True, description="revenue estimates are positive"
        ),
        *(
            e.ExpectColumnValuesToBeBetween(column=c, max_value=0, description=f"{what} (nulls allowed)")
            for c, what in [
                ("revenue_low_above_avg", "revenue low <= average"),
                ("revenue_avg_above_high", "revenue average <= high"),
                ("eps_low_above_avg", "EPS low <= average"),
                ("eps_avg_above_high", "EPS average <= high"),
            ]
        ),
        *(
            e.ExpectColumnValuesToBeBetween(column=c, min_value=0, description=f"{c} is a count >= 0")
            for c in [
                "revenue_analysts",
                "eps_analysts",
                "eps_up_7d",
                "eps_up_30d",
                "eps_down_7d",
                "eps_down_30d",
            ]
        ),
        *(
            e.ExpectColumnValuesToBeBetween(
                column=c,
                min_value=MIN_GROWTH,
                max_value=MAX_GROWTH,
                description=f"{c} is a fraction within {MIN_GROWTH}..{MAX_GROWTH} (not percent)",
            )
            for c in ["revenue_growth", "eps_growth", "growth_stock", "growth_index"]
        ),  # fmt: skip
        e.ExpectColumnValuesToBeBetween(
            column="capture_date",
            max_value=pd.Timestamp(today),
            description=f"no future capture dates (after {today})",
        ),
        e.ExpectColumnValuesToBeBetween(
            column="missed_sessions",
            max_value=0,
            mostly=0.0,  # reported, not blocking: a day the capture did not run is lost upstream for good
            description="NYSE sessions without a capture between two captures of a symbol (a gap: reported, never filled)",
        ),
    ]
    return suite


def shares_suite(today: dt.date) -> list:
    import great_expectations as gx

    e = gx.expectations
    return [
        *(e.ExpectColumnValuesToNotBeNull(column=c, description=f"{c} is never null") for c in [*SHARES_INDEX_COLUMNS, "shares"]),
        e.ExpectCompoundColumnsToBeUnique(column_list=SHARES_INDEX_COLUMNS, description="one count per symbol and date"),
        e.ExpectColumnValuesToBeBetween(
            column="shares", min_value=MIN_SHARES, max_value=MAX_SHARES,
            description=f"shares outstanding within {MIN_SHARES:.0e}..{MAX_SHARES:.0e} (not thousands, not dollars)",
        ),
        e.ExpectColumnValuesToBeBetween(column="date", max_value=pd.Timestamp(today), description=f"no future dates (after {today})"),
    ]  # fmt: skip


def capture_gap_metadata(estimates: pd.DataFrame) -> dict:
    """The check's count of capture dates and its list of capture gaps."""
    gaps = capture_gaps(estimates)
    return {
        "capture_dates": int(estimates["capture_date"].nunique()),
        "capture_gaps": Markdown("\n".join(f"- {g}" for g in gaps) or "none"),
    }


GATE = TableSuite(
    table="estimate_snapshots",
    suite=estimates_suite,
    index_columns=INDEX_COLUMNS,
    validation_frame=validation_frame,
    metadata=capture_gap_metadata,
    description=(
        "Great Expectations suite for raw.estimate_snapshots (expectations/estimates.py): keys not "
        "null, one row per symbol, capture date and period, periods 0q/+1q/0y/+1y, revenue in USD and "
        "positive, low <= average <= high, counts >= 0, growth as fractions, no future capture dates, "
        "every requested symbol present. Sessions without a capture are reported (capture_gaps), never "
        "filled. Blocking."
    ),
)

SHARES_GATE = TableSuite(
    table="shares_outstanding",
    suite=shares_suite,
    index_columns=SHARES_INDEX_COLUMNS,
    description=(
        "Great Expectations suite for raw.shares_outstanding (expectations/estimates.py): keys and "
        "counts not null, one count per symbol and date, counts within 1e6..1e11 shares, no future "
        "dates, every requested symbol present. Blocking."
    ),
)
