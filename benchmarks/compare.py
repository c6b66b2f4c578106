"""The references, timed in their own process (``python -m benchmarks.compare <build.duckdb>
<dbt project> <out.json>``), and their agreement with the marts the warehouse built.

Inputs are read from the build file once and their read time is reported apart: prices (adjusted
close where there is one, as ``int_prices__returns``) for ``relative_performance``; the aligned
observations of ``int_rate_sensitivity__aligned`` (return and rate change over the same interval)
for ``rate_sensitivity``. The references then compute from memory, so they are charged for
arithmetic only, while the warehouse's model times include reading raw through the views and
writing the table: the ratios are conservative for the warehouse.

Polars gets the same inputs as Polars frames (converted before its clock starts) and is timed the
same way; it runs on every core, as it does in a notebook.

Agreement: every mart row with an integer horizon (``ytd`` has no pandas counterpart here) is
matched to the pandas row and to the Polars row on its keys; every ``rate_sensitivity`` row to all
three references'. The largest absolute differences and any rows one side has and the other lacks
are reported.
"""

from __future__ import annotations

import csv
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.memory import RssSampler
from benchmarks.references import (
    from_polars,
    numpy_rolling_sensitivity,
    pandas_relative_performance,
    pandas_rolling_sensitivity,
    polars_relative_performance,
    polars_rolling_sensitivity,
    to_polars,
)

WINDOWS = (10, 21, 63, 126, 252)  # rate_sensitivity.sql's windows
MIN_MOVE_SHARE = 0.5  # rate_sensitivity.sql's var rate_sensitivity_min_move_share, its default


def _seed(project: Path, name: str) -> list[dict]:
    with open(project / "seeds" / f"{name}.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _groups(frame: pd.DataFrame, keys: list[str]):
    """(key values, row slice) per group of a frame sorted by ``keys``."""
    changed = np.zeros(len(frame), dtype=bool)
    if len(frame):
        changed[0] = True
    for key in keys:
        values = frame[key].to_numpy()
        changed[1:] |= values[1:] != values[:-1]
    starts = np.flatnonzero(changed)
    ends = np.r_[starts[1:], len(frame)]
    return [(tuple(frame[k].iat[s] for k in keys), slice(s, e)) for s, e in zip(starts, ends, strict=True)]


def sensitivity_pandas(aligned: pd.DataFrame) -> pd.DataFrame:
    frames = []
    for (symbol, rate), rows in aligned.groupby(["symbol", "rate_series"], sort=False):
        x = rows["daily_return"].reset_index(drop=True)
        y = rows["change_bp"].reset_index(drop=True)
        for window in WINDOWS:
            result = pandas_rolling_sensitivity(x, y, window, MIN_MOVE_SHARE)
            result["date"] = rows["date"].to_numpy()
            result["symbol"], result["rate_series"], result["window_days"] = symbol, rate, window
            frames.append(result.iloc[window - 1 :])
    return pd.concat(frames, ignore_index=True)


def sensitivity_numpy(aligned: pd.DataFrame) -> dict:
    """(correlation, beta) arrays per (symbol, rate_series, window) over the sorted aligned frame."""
    x_all = aligned["daily_return"].to_numpy()
    y_all = aligned["change_bp"].to_numpy()
    out = {}
    for (symbol, rate), rows in _groups(aligned, ["symbol", "rate_series"]):
        for window in WINDOWS:
            out[(symbol, rate, window)] = (
                rows,
                numpy_rolling_sensitivity(x_all[rows], y_all[rows], window, MIN_MOVE_SHARE),
            )
    return out


def _numpy_frame(aligned: pd.DataFrame, results: dict) -> pd.DataFrame:
    frames = []
    for (symbol, rate, window), (rows, (correlation, beta)) in results.items():
        dates = aligned["date"].to_numpy()[rows]
        frames.append(
            pd.DataFrame(
                {
                    "symbol": symbol,
                    "rate_series": rate,
                    "window_days": window,
                    "date": dates[window - 1 :],
                    "correlation": correlation[window - 1 :],
                    "beta": beta[window - 1 :],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def agreement(mart: pd.DataFrame, reference: pd.DataFrame, keys: list[str], values: list[str]) -> dict:
    """Rows matched on ``keys``; rows only one side has; the largest absolute difference per value
    column, and rows where one side is null and the other is not."""
    merged = mart.merge(reference, on=keys, how="outer", suffixes=("_mart", "_ref"), indicator=True)
    both = merged[merged["_merge"] == "both"]
    out = {
        "rows_mart": len(mart),
        "rows_reference": len(reference),
        "only_in_mart": int((merged["_merge"] == "left_only").sum()),
        "only_in_reference": int((merged["_merge"] == "right_only").sum()),
    }
    for column in values:
        a = both[f"{column}_mart"].astype("float64").to_numpy()
        b = both[f"{column}_ref"].astype("float64").to_numpy()
        out[f"{column}_null_mismatch"] = int((np.isnan(a) != np.isnan(b)).sum())
        diff = np.abs(a - b)
        out[f"{column}_max_abs_diff"] = float(np.nanmax(diff)) if np.isfinite(diff).any() else 0.0
    return out


def main(build_db: Path, project: Path, out: Path) -> int:
    import duckdb

    sampler = RssSampler().start()
    figures: dict = {}
    pairs = [(p["numerator"], p["denominator"]) for p in _seed(project, "pairs")]
    horizons = [int(h["trading_days"]) for h in _seed(project, "horizons") if h["trading_days"]]
    symbols = sorted({s for pair in pairs for s in pair})

    con = duckdb.connect(str(build_db), read_only=True)
    started = time.perf_counter()
    prices = con.execute(
        "select symbol, date, coalesce(adj_close, close) as price from raw.prices "
        "where symbol in (select unnest($1)) and coalesce(adj_close, close) is not null and not is_partial",
        [symbols],
    ).df()
    aligned = con.execute(
        "select symbol, rate_series, date, daily_return, change_bp "
        "from intermediate.int_rate_sensitivity__aligned order by symbol, rate_series, date"
    ).df()
    figures["read_inputs_seconds"] = time.perf_counter() - started
    figures["price_rows"], figures["aligned_rows"] = len(prices), len(aligned)

    started = time.perf_counter()
    relative = pandas_relative_performance(prices, pairs, horizons)
    figures["pandas_relative_performance_seconds"] = time.perf_counter() - started
    started = time.perf_counter()
    pandas_sensitivity = sensitivity_pandas(aligned)
    figures["pandas_rate_sensitivity_seconds"] = time.perf_counter() - started
    started = time.perf_counter()
    bound = sensitivity_numpy(aligned)
    figures["numpy_rate_sensitivity_seconds"] = time.perf_counter() - started
    numpy_sensitivity = _numpy_frame(aligned, bound)
    prices_polars, aligned_polars = to_polars(prices), to_polars(aligned)
    started = time.perf_counter()
    relative_polars = polars_relative_performance(prices_polars, pairs, horizons)
    figures["polars_relative_performance_seconds"] = time.perf_counter() - started
    started = time.perf_counter()
    sensitivity_polars = polars_rolling_sensitivity(
        aligned_polars, ["symbol", "rate_series"], WINDOWS, MIN_MOVE_SHARE
    )
    figures["polars_rate_sensitivity_seconds"] = time.perf_counter() - started
    relative_polars, sensitivity_polars = from_polars(relative_polars), from_polars(sensitivity_polars)

    mart_relative = con.execute(
        "select numerator, denominator, horizon_days, date, numerator_return, denominator_return, "
        "return_spread from marts.relative_performance where horizon <> 'ytd'"
    ).df()
    mart_sensitivity = con.execute(
        "select symbol, rate_series, window_days, date, correlation, beta from marts.rate_sensitivity"
    ).df()
    con.close()
    for frame in (
        relative,
        relative_polars,
        mart_relative,
        pandas_sensitivity,
        numpy_sensitivity,
        sensitivity_polars,
        mart_sensitivity,
    ):
        frame["date"] = pd.to_datetime(frame["date"])
    figures["relative_performance_vs_pandas"] = agreement(
        mart_relative,
        relative,
        ["numerator", "denominator", "horizon_days", "date"],
        ["numerator_return", "denominator_return", "return_spread"],
    )
    figures["relative_performance_vs_polars"] = agreement(
        mart_relative,
        relative_polars[list(relative.columns)],
        ["numerator", "denominator", "horizon_days", "date"],
        ["numerator_return", "denominator_return", "return_spread"],
    )
    keys = ["symbol", "rate_series", "window_days", "date"]
    figures["rate_sensitivity_vs_pandas"] = agreement(
        mart_sensitivity, pandas_sensitivity, keys, ["correlation", "beta"]
    )
    figures["rate_sensitivity_vs_numpy"] = agreement(
        mart_sensitivity, numpy_sensitivity, keys, ["correlation", "beta"]
    )
    figures["rate_sensitivity_vs_polars"] = agreement(
        mart_sensitivity, sensitivity_polars[[*keys, "correlation", "beta"]], keys, ["correlation", "beta"]
    )
    sampler.stop()
    figures["peak_rss"] = sampler.peak()
    out.write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])))
