"""The quality gate of ``raw.prices``: what must hold before any model is built on it."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ingestion.calendar import on_session
from ingestion.universe import DEFAULT_SESSION

# A daily move of a price instrument beyond a factor of 3 (|log return| > ln 3 ≈ 1.10) is taken as
# broken data (a unit change, a missing split adjustment, a typo), not a market move. The largest real
# moves in the snapshot are far below it: ^VIX +115% on 2018-02-05 (|log| 0.77), AAPL -52% on
# 2000-09-29 (0.73), MSFT 1987-10-19 (0.36). A 100x unit jump is |log| 4.6.
MAX_ABS_LOG_MOVE = math.log(3)

# Yahoo's history has isolated bars whose intraday range is inverted (the snapshot's GC=F 2009-11-23:
# high 1163.0, low 1164.3). No mart reads high or low, so such bars are reported (as tolerated
# exceptions in the check's metadata) without blocking. A symbol with more than 0.1% of its bars
# inverted (e.g. swapped columns in one file) blocks.
MAX_INVERTED_SHARE = 0.001

INDEX_COLUMNS = ["symbol", "date"]


def empty_prices() -> pd.DataFrame:
    """``raw.prices``' checked columns without rows (a window with nothing loaded)."""
    return pd.DataFrame(
        {
            "symbol": pd.Series([], dtype="str"),
            "date": pd.Series([], dtype="datetime64[us]"),
            **{
                c: pd.Series([], dtype="float64")
                for c in ("open", "high", "low", "close", "adj_close", "volume")
            },
        }
    )


def validation_frame(
    raw: pd.DataFrame,
    quote_types: Mapping[str, str],
    history: pd.DataFrame | None = None,
    sessions: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """``raw.prices`` rows plus the derived columns the suite checks.

    - ``quote_type``: from the instrument seed (``price`` or ``yield``; unknown symbols are ``price``);
      yields (``^IRX``, ``2YY=F``) may be zero or negative and are exempt from positivity and moves.
    - ``min_price``: the smallest of open/high/low/close/adj_close on the row.
    - ``inverted_share``: the share of the symbol's bars (with both high and low) where high < low.
    - ``log_move``: |log| change of the returns basis (adj_close, else close) against the symbol's
      previous row.
    - ``date_number``: the date as the integer YYYYMMDD (the future-dates rule compares numbers:
      GX compares datetimes one Python call per row, most of the gate's time on millions of rows).
    - ``on_session``: 1 when the date is a session of the symbol's session (``sessions``: symbol ->
      instruments.csv session; unknown symbols ``DEFAULT_SESSION``), rule in ingestion/calendar.py.

    ``raw`` is the whole table, or only the rows of one window (the latest load's, or an earlier one
    re-validated) with ``history`` (index symbol): ``inverted_share`` over the symbol's whole
    history and ``previous_basis``, its returns basis on the last row before the window (what the
    window's first move is measured from).
    """
    df = raw.copy()
    df["quote_type"] = df["symbol"].map(dict(quote_types)).fillna("price")
    df["min_price"] = df[["open", "high", "low", "close", "adj_close"]].min(axis=1, skipna=True)
    basis = df["adj_close"].fillna(df["close"])
    if history is None:
        inverted = (df["high"] < df["low"]).where(df["high"].notna() & df["low"].notna())
        df["inverted_share"] = inverted.astype(float).groupby(df["symbol"]).transform("mean")
    else:
        df["inverted_share"] = df["symbol"].map(history["inverted_share"]).astype(float)
    df = df.assign(_basis=basis).sort_values(INDEX_COLUMNS)
    previous = df.groupby("symbol")["_basis"].shift()
    if history is not None:
        first = previous.index.isin(df.groupby("symbol").head(1).index)
        previous = previous.mask(first, df["symbol"].map(history["previous_basis"]).astype(float))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (df["_basis"] / previous).where((df["_basis"] > 0) & (previous > 0))
        df["log_move"] = np.abs(np.log(ratio))
    dates = pd.to_datetime(df["date"])
    df["date_number"] = (dates.dt.year * 10000 + dates.dt.month * 100 + dates.dt.day).astype("int64")
    session = df["symbol"].map(dict(sessions or {})).fillna(DEFAULT_SESSION)
    df["on_session"] = on_session(dates, session).astype("int64")
    return df.drop(columns="_basis").reset_index(drop=True)


def prices_suite(today: dt.date) -> list:
    """The row-level expectations for ``raw.prices`` (fresh GX objects each call)."""
    import great_expectations as gx

    e = gx.expectations
    price_rows = {"row_condition": 'quote_type=="price"', "condition_parser": "pandas"}
    return [
        e.ExpectColumnValuesToNotBeNull(column="symbol", description="symbol is never null"),
        e.ExpectColumnValuesToNotBeNull(column="date", description="date is never null"),
        e.ExpectColumnValuesToNotBeNull(
            column="close", description="every row has a close (the returns basis)"
        ),
        e.ExpectCompoundColumnsToBeUnique(
            column_list=["symbol", "date"], description="one row per symbol and date"
        ),
        e.ExpectColumnValuesToBeBetween(
            column="min_price",
            min_value=0,
            strict_min=True,
            description="prices are > 0 (open, high, low, close, adj_close of price instruments)",
            **price_rows,
        ),
        e.ExpectColumnValuesToBeBetween(
            column="volume", min_value=0, description="volume is >= 0 where present"
        ),
        e.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="high",
            column_B="low",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            mostly=0.0,  # reported row by row; what blocks is the per-symbol share below
            description="high >= low where both are present (rare exceptions reported, not blocking)",
        ),
        e.ExpectColumnValuesToBeBetween(
            column="inverted_share",
            max_value=MAX_INVERTED_SHARE,
            description=f"at most {MAX_INVERTED_SHARE:.1%} of each symbol's bars have high < low",
        ),
        e.ExpectColumnValuesToBeBetween(
            column="date_number",
            max_value=today.year * 10000 + today.month * 100 + today.day,
            description=f"no future dates (after {today.isoformat()})",
        ),
        e.ExpectColumnValuesToBeBetween(
            column="on_session",
            min_value=1,
            description=(
                "bars on sessions only: no Saturday; Sunday only for CME futures; no NYSE holiday "
                "(from 1998) for the US cash market (rule in ingestion/calendar.py on_session)"
            ),
        ),
        e.ExpectColumnValuesToBeBetween(
            column="log_move",
            max_value=MAX_ABS_LOG_MOVE,
            description="no daily move beyond a factor of 3 (|log return| <= ln 3) for price instruments",
            **price_rows,
        ),
    ]
