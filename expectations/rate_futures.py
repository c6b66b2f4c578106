"""The quality gate of the rate futures and yield quotes in ``raw.prices`` (ZQ=F, SR3=F, ZT=F, 2YY=F,
^IRX, and the dated fed funds and SOFR contracts): each stays in the range its quote convention allows; gaps and stale quotes are reported."""

from __future__ import annotations

import pandas as pd

from ingestion.rate_contracts import load_contracts

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

# The dated contracts of the fed funds and SOFR strips (dbt_project/seeds/rate_futures_contracts.csv:
# ZQQ24.CBT, SR3U24.CME) quote as their continuous front month does, and are traded futures too.
CONTRACT_RANGES: dict[str, tuple[float, float]] = {
    c.symbol: CLOSE_RANGES[c.continuous_symbol] for c in load_contracts()
}


def all_ranges() -> dict[str, tuple[float, float]]:
    """Every symbol the gate reads, with its close range: the named ones and the dated contracts."""
    return {**CLOSE_RANGES, **CONTRACT_RANGES}


# Calendar days between two bars of a symbol before the gap is reported.
MAX_GAP_DAYS = 7

# The futures (reference.instruments.asset_class rate_future), whose volume counts traded contracts.
# On these a bar with volume 0 repeating the previous close is a stale quote: a frozen price repeated
# without a trade (the snapshot's 2YY=F repeats one for up to 16 sessions in 2025-26), a missing
# observation, not a zero change (int_rates__daily nulls its change). Reported, not blocking: the
# marts handle it. ^IRX is an index: Yahoo gives it volume 0 on every bar (or no volume in close-only
# files), so volume says nothing about its quotes and it is never stale.
TRADED = ("ZQ=F", "SR3=F", "ZT=F", "2YY=F")


def validation_frame(prices: pd.DataFrame) -> pd.DataFrame:
    """The rate rows of ``raw.prices`` with ``in_range`` (close within its symbol's range),
    ``gap_days`` (calendar days since the symbol's previous bar) and ``stale_run_bars`` (on a stale
    quote of a future in ``TRADED``, the bars of its run of stale quotes so far, 1 on the first; 0 on
    any other bar). Without a ``volume`` column (close-only rows) nothing is stale."""
    ranges = all_ranges()
    df = prices[prices["symbol"].isin(ranges)].sort_values(INDEX_COLUMNS).reset_index(drop=True)
    low = df["symbol"].map({s: r[0] for s, r in ranges.items()})
    high = df["symbol"].map({s: r[1] for s, r in ranges.items()})
    df["in_range"] = df["close"].between(low, high)
    dates = pd.to_datetime(df["date"])
    df["gap_days"] = (dates - dates.groupby(df["symbol"]).shift()).dt.days
    volume = df["volume"] if "volume" in df.columns else pd.Series(float("nan"), index=df.index)
    stale = (
        df["symbol"].isin([*TRADED, *CONTRACT_RANGES])
        & volume.eq(0)
        & df["close"].eq(df.groupby("symbol")["close"].shift())
    )
    run = (stale != stale.groupby(df["symbol"]).shift()).cumsum()
    df["stale_run_bars"] = stale.astype("int64").groupby(run).cumsum()
    return df


def stale_runs(frame: pd.DataFrame) -> list[str]:
    """Each run of stale quotes in a ``validation_frame``, as "SYMBOL first..last: N bars" (the
    symbol's last real quote is the bar before ``first``), by symbol and date."""
    stale = frame[frame["stale_run_bars"] > 0]
    starts = stale[stale["stale_run_bars"] == 1].index
    runs = []
    for start in starts:
        end = start
        while end + 1 in stale.index and frame.at[end + 1, "stale_run_bars"] > 1:
            end += 1
        first, last = (pd.Timestamp(frame.at[i, "date"]).date().isoformat() for i in (start, end))
        n = end - start + 1
        runs.append(f"{frame.at[start, 'symbol']} {first}..{last}: {n} bar{'s' if n > 1 else ''}")
    return runs


def rate_futures_suite() -> list:
    import great_expectations as gx

    e = gx.expectations
    ranges = ", ".join(f"{s} {lo:g}..{hi:g}" for s, (lo, hi) in CLOSE_RANGES.items())
    return [
        e.ExpectColumnValuesToBeInSet(
            column="in_range",
            value_set=[True],
            description=(
                f"closes within their quote convention ({ranges}; each dated contract of "
                "reference.rate_futures_contracts as its continuous front month)"
            ),
        ),
        e.ExpectColumnValuesToBeBetween(
            column="gap_days",
            max_value=MAX_GAP_DAYS,
            mostly=0.0,
            description=f"gaps of more than {MAX_GAP_DAYS} calendar days between bars (reported)",
        ),
        e.ExpectColumnValuesToBeBetween(
            column="stale_run_bars",
            max_value=0,
            mostly=0.0,
            description=(
                f"stale quotes: a close of {', '.join(TRADED)} or a dated contract repeated on a bar with volume 0 "
                "(a missing observation, no change in the marts; reported, runs in stale_runs)"
            ),
        ),
    ]
