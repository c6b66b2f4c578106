"""The quality gate of the rate futures and yield quotes in ``raw.prices`` (ZQ=F, SR3=F, ZT=F, 2YY=F,
^IRX): each stays in the range its quote convention allows, and gaps are reported."""

from __future__ import annotations

import pandas as pd

INDEX_COLUMNS = ["symbol", "date"]

# Close ranges by symbol. Fed funds and SOFR futures are quoted 100 - rate: 80..101 is a rate between
# -1% and 20%. The 2-year note future is a price near par (98.6..110.8 in 2000-2026). 2YY=F and ^IRX
# are quoted in percent. A value outside is a unit or contract-mapping problem, not a market move.
CLOSE_RANGES: dict[str, tuple[float, float]] = {
    "ZQ=F": (80.0, 101.0),
    "SR3=F": (80.0, 101.0),
    "ZT=F": (90.0, 120.0),
    "2YY=F": (-1.0, 20.0),
    "^IRX": (-1.0, 20.0),
}

# Calendar days between two bars of a symbol before the gap is reported.
MAX_GAP_DAYS = 7


def validation_frame(prices: pd.DataFrame) -> pd.DataFrame:
    """The rate rows of ``raw.prices`` with ``in_range`` (close within its symbol's range) and
    ``gap_days`` (calendar days since the symbol's previous bar)."""
    df = prices[prices["symbol"].isin(CLOSE_RANGES)].sort_values(INDEX_COLUMNS).reset_index(drop=True)
    low = df["symbol"].map({s: r[0] for s, r in CLOSE_RANGES.items()})
    high = df["symbol"].map({s: r[1] for s, r in CLOSE_RANGES.items()})
    df["in_range"] = df["close"].between(low, high)
    dates = pd.to_datetime(df["date"])
    df["gap_days"] = (dates - dates.groupby(df["symbol"]).shift()).dt.days
    return df


def rate_futures_suite() -> list:
    import great_expectations as gx

    e = gx.expectations
    ranges = ", ".join(f"{s} {lo:g}..{hi:g}" for s, (lo, hi) in CLOSE_RANGES.items())
    return [
        e.ExpectColumnValuesToBeInSet(
            column="in_range",
            value_set=[True],
            description=f"closes within their quote convention ({ranges})",
        ),
        e.ExpectColumnValuesToBeBetween(
            column="gap_days",
            max_value=MAX_GAP_DAYS,
            mostly=0.0,
            description=f"gaps of more than {MAX_GAP_DAYS} calendar days between bars (reported)",
        ),
    ]
