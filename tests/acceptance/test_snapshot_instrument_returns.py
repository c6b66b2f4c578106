"""Acceptance (issue 22): instrument_returns and the "largest since" dates of relative_performance on
the real snapshot, recomputed with plain pandas and numpy from the snapshot's CSV files.

The returns come from the files (tests/acceptance/test_snapshot_relative_performance.read_basis);
the point-in-time figures (running high, records, rank, last larger and smaller dates) are computed
here row by row by brute force over each series' earlier values, not with the warehouse's search.
Values equal within floating-point noise may order differently in SQL and pandas: a date or rank is
accepted between the answers with the value moved up and down by that noise.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from tests.acceptance.test_snapshot_relative_performance import (
    HORIZONS,
    expected_pair,
    rank_to_date_bounds,
    read_basis,
)

pytestmark = [pytest.mark.acceptance, pytest.mark.slow]

# a selection of the studied symbols (legs of the pairs): indices, ETFs of the new pairs, a mega cap
SYMBOLS = ["^RUT", "^GSPC", "NVDA", "IWM", "SCZ", "EFA", "IWO", "IWN", "MTUM"]
# the pairs whose "largest since" dates are recomputed
BEYOND_PAIRS = [("^RUT", "^GSPC"), ("SCZ", "EFA"), ("IWO", "IWN")]
TOL = 1e-12


def expected_symbol(snapshot_dir, symbol: str) -> pd.DataFrame:
    """Every horizon's return of one symbol on its own calendar, with YTD and the running high."""
    price = read_basis(snapshot_dir, symbol).sort_index()
    dates = pd.Series(price.index, index=price.index)
    frames = []
    for horizon, n in HORIZONS.items():
        frames.append(
            pd.DataFrame(
                {
                    "horizon": horizon,
                    "start_date": dates.shift(n),
                    "symbol_return": price / price.shift(n) - 1,
                }
            )
        )
    year = pd.Series(price.index.year, index=price.index)
    last_of_year = price.groupby(price.index.year).tail(1)
    prev_price = pd.Series(last_of_year.values, index=last_of_year.index.year + 1)
    prev_date = pd.Series(last_of_year.index, index=last_of_year.index.year + 1)
    ytd = price / year.map(prev_price) - 1
    frames.append(pd.DataFrame({"horizon": "ytd", "start_date": year.map(prev_date), "symbol_return": ytd}))
    out = pd.concat(frames).dropna(subset=["symbol_return"]).rename_axis("date").reset_index()
    out["symbol"] = symbol
    out["price"] = out["date"].map(price)
    out["ytd_return"] = out["date"].map(ytd)
    high = price.cummax()
    out["running_high"] = out["date"].map(high)
    out["drawdown_from_high"] = out["price"] / out["running_high"] - 1
    out["is_all_time_high"] = out["date"].map((price > high.shift(1)).fillna(False))
    return out


def beyond_bounds(dates: np.ndarray, values: np.ndarray, tol: float) -> dict[str, np.ndarray]:
    """Per row of one series in date order, by brute force over the earlier rows: the last earlier
    date with a value larger than v + tol (strictly larger for sure) and larger than v - tol (larger
    within noise), and the same for smaller; NaT where none."""
    nat = np.datetime64("NaT")
    out = {k: np.full(len(values), nat, dtype="datetime64[ns]") for k in ("lg_lo", "lg_hi", "sm_lo", "sm_hi")}
    for i in range(1, len(values)):
        earlier, v = values[:i], values[i]
        for key, mask in (
            ("lg_lo", earlier > v + tol),
            ("lg_hi", earlier > v - tol),
            ("sm_lo", earlier < v - tol),
            ("sm_hi", earlier < v + tol),
        ):
            hits = np.flatnonzero(mask)
            if len(hits):
                out[key][i] = dates[hits[-1]]
    return out


def beyond_problems(
    frame: pd.DataFrame, series: list[str], value: str, larger: str, smaller: str
) -> pd.DataFrame:
    """The rows whose warehouse dates (columns `larger`, `smaller`) lie outside the brute-force bounds:
    the date with a surely larger value at or before it, the date with a larger-within-noise value at
    or after it (the same for smaller); no date is right when no earlier value is surely larger."""
    bad = []
    for _, group in frame.sort_values("date").groupby(series):
        b = beyond_bounds(group["date"].to_numpy(dtype="datetime64[ns]"), group[value].to_numpy(), TOL)
        for got_column, lo, hi in ((larger, b["lg_lo"], b["lg_hi"]), (smaller, b["sm_lo"], b["sm_hi"])):
            got = pd.to_datetime(group[got_column]).to_numpy(dtype="datetime64[ns]")
            # none: right when no earlier value is surely beyond (an equal one within noise may be)
            ok = (np.isnat(got) & np.isnat(lo)) | (
                ~np.isnat(got) & (np.isnat(lo) | (got >= lo)) & ~np.isnat(hi) & (got <= hi)
            )
            bad.append(group[~ok].assign(wrong=got_column))
    return pd.concat(bad)


@pytest.fixture(scope="module")
def serving(snapshot_warehouse):
    settings, _ = snapshot_warehouse
    return settings.serving_db


def read_mart(serving_db, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(serving_db), read_only=True) as con:
        frame = con.execute(sql).df()
    # the date columns (not the ranks "_rank_to_date")
    for column in [c for c in frame.columns if c in ("date", "start_date") or c.startswith("last_")]:
        frame[column] = pd.to_datetime(frame[column])
    return frame


def test_instrument_returns_match_independent_pandas(serving, snapshot_dir):
    """Every row of the selected symbols: the same rows as pandas' windows on each symbol's own
    calendar, the same returns, YTD, running high, drawdown and all-time-high flag."""
    symbols = ", ".join(f"'{s}'" for s in SYMBOLS)
    mart = read_mart(serving, f"select * from marts.instrument_returns where symbol in ({symbols})")
    expected = pd.concat([expected_symbol(snapshot_dir, s) for s in SYMBOLS], ignore_index=True)
    keys = ["date", "symbol", "horizon"]
    merged = expected.merge(mart, on=keys, how="outer", suffixes=("_exp", "_wh"), indicator=True)
    assert merged.query("_merge == 'right_only'").empty, merged.query("_merge == 'right_only'")[keys].head()
    assert merged.query("_merge == 'left_only'").empty, merged.query("_merge == 'left_only'")[keys].head()
    assert len(merged) > 200_000, f"expected the selected symbols' full histories, got {len(merged)} rows"
    assert (merged["start_date_exp"] == merged["start_date_wh"]).all(), "start dates differ"
    for column in ["symbol_return", "price", "running_high", "drawdown_from_high", "ytd_return"]:
        np.testing.assert_allclose(
            merged[f"{column}_exp"].astype(float),
            merged[f"{column}_wh"].astype(float),
            rtol=1e-9,
            atol=1e-12,
            err_msg=f"instrument_returns.{column} against pandas",
        )
    wrong = merged[merged["is_all_time_high_exp"].astype(bool) != merged["is_all_time_high_wh"].astype(bool)]
    assert wrong.empty, wrong[keys + ["price_wh", "running_high_wh"]].head()


def test_instrument_returns_rank_records_and_largest_since(serving, snapshot_dir):
    """return_rank_to_date, is_record(_low) and the last larger / smaller dates, point in time, by
    brute force over each series' earlier returns (pandas' own returns)."""
    symbols = ", ".join(f"'{s}'" for s in SYMBOLS)
    mart = read_mart(
        serving,
        "select date, symbol, horizon, symbol_return, return_rank_to_date, is_record, is_record_low, "
        "last_larger_return_date, last_smaller_return_date "
        f"from marts.instrument_returns where symbol in ({symbols})",
    )
    expected = pd.concat([expected_symbol(snapshot_dir, s) for s in SYMBOLS], ignore_index=True)
    keys = ["date", "symbol", "horizon"]
    merged = expected[keys + ["symbol_return"]].merge(mart, on=keys, suffixes=("", "_wh"))
    assert len(merged) == len(mart)
    bad_rank = []
    for _, group in merged.sort_values("date").groupby(["symbol", "horizon"]):
        values = group["symbol_return"].to_numpy()
        lowest, highest = rank_to_date_bounds(values, TOL)
        r = group["return_rank_to_date"].to_numpy()
        bad_rank.append(group[(r < lowest) | (r > highest)])
        prior_max = pd.Series(values).cummax().shift(1).to_numpy()
        prior_min = pd.Series(values).cummin().shift(1).to_numpy()
        record = group["is_record"].to_numpy()
        low = group["is_record_low"].to_numpy()
        sure_record, sure_low = values > prior_max + TOL, values < prior_min - TOL
        maybe_record, maybe_low = values > prior_max - TOL, values < prior_min + TOL
        bad_rank.append(group[(sure_record & ~record) | (record & ~maybe_record)])
        bad_rank.append(group[(sure_low & ~low) | (low & ~maybe_low)])
    bad_rank = pd.concat(bad_rank)
    assert bad_rank.empty, bad_rank.head()
    bad = beyond_problems(
        merged, ["symbol", "horizon"], "symbol_return", "last_larger_return_date", "last_smaller_return_date"
    )
    assert bad.empty, bad[
        keys + ["symbol_return", "last_larger_return_date", "last_smaller_return_date", "wrong"]
    ].head()
    # the search reaches far back: some answers lie more than ten years (2,500 rows: beyond the
    # 256-row blocks) earlier, e.g. ^GSPC's 1-day gain of 2020-03-24, the largest since October 2008
    gaps = (merged["date"] - merged["last_larger_return_date"]).dt.days
    assert gaps.max() > 3650, f"expected answers over a decade back, the largest gap is {gaps.max()} days"


def test_relative_performance_largest_since_matches_brute_force(serving, snapshot_dir):
    """last_larger_spread_date and last_smaller_spread_date of relative_performance for three pairs
    and every horizon, by brute force over pandas' spreads."""
    where = " or ".join(f"(numerator = '{n}' and denominator = '{d}')" for n, d in BEYOND_PAIRS)
    mart = read_mart(
        serving,
        "select date, numerator, denominator, horizon, last_larger_spread_date, last_smaller_spread_date "
        f"from marts.relative_performance where {where}",
    )
    expected = pd.concat([expected_pair(snapshot_dir, n, d) for n, d in BEYOND_PAIRS], ignore_index=True)
    keys = ["date", "numerator", "denominator", "horizon"]
    merged = expected[keys + ["return_spread"]].merge(mart, on=keys)
    assert len(merged) == len(mart) > 50_000
    bad = beyond_problems(
        merged,
        ["numerator", "denominator", "horizon"],
        "return_spread",
        "last_larger_spread_date",
        "last_smaller_spread_date",
    )
    assert bad.empty, bad[keys + ["return_spread", "last_larger_spread_date", "wrong"]].head()
