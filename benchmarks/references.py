"""What the warehouse is measured against: the straightforward pandas an analyst would write in a
notebook, the Polars a performance-minded analyst writes today (lazy frames, window expressions
``.over`` the group keys, Polars' own ``rolling_*`` kernels on all cores), and a numpy cumulative-sum
computation of the same rolling windows as the arithmetic bound.

All three compute the marts' definitions, not their SQL:

- ``relative_performance``: on each pair's common calendar (dates both legs have a price), the
  N-row return of each leg, ``price_t / price_{t-N} - 1``, and the spread numerator − denominator;
  only full windows.
- ``rate_sensitivity``: over the last ``window`` aligned observations of a return series ``x`` and
  a rate-change series ``y`` (already aligned: each pair covers the same interval), the correlation
  and the beta ``cov(x, y) / var(y)``; only full windows; a window where ``y`` never moves has no
  correlation and no beta (null), one where ``x`` never moves no correlation; with
  ``min_move_share`` (the mart's var rate_sensitivity_min_move_share), a window where ``y`` moved
  (≠ 0) on fewer than ceil(share × window) observations has neither (not informative).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import polars as pl


def pandas_relative_performance(
    prices: pd.DataFrame, pairs: Iterable[tuple[str, str]], horizons: Sequence[int]
) -> pd.DataFrame:
    """``prices`` has columns symbol, date, price. One row per pair, horizon and date with a full
    window: numerator, denominator, horizon_days, date, numerator_return, denominator_return,
    return_spread."""
    wide = prices.pivot(index="date", columns="symbol", values="price").sort_index()
    frames = []
    for numerator, denominator in pairs:
        both = wide[[numerator, denominator]].dropna()
        for h in horizons:
            returns = both / both.shift(h) - 1
            frame = pd.DataFrame(
                {
                    "numerator": numerator,
                    "denominator": denominator,
                    "horizon_days": h,
                    "date": returns.index,
                    "numerator_return": returns[numerator].to_numpy(),
                    "denominator_return": returns[denominator].to_numpy(),
                }
            ).dropna(subset=["numerator_return", "denominator_return"])
            frame["return_spread"] = frame["numerator_return"] - frame["denominator_return"]
            frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def pandas_rolling_sensitivity(
    x: pd.Series, y: pd.Series, window: int, min_move_share: float = 0.0
) -> pd.DataFrame:
    """Rolling correlation and beta of ``x`` on ``y`` (aligned on the index), as a notebook would:
    pandas' rolling corr and cov. Columns correlation, beta; NaN where the window is not full, ``y``
    did not move, or moved on fewer than ceil(``min_move_share`` × window) observations."""
    rolling_x = x.rolling(window)
    var_y = y.rolling(window).var()
    # flat windows exactly (max == min), not by variance: a rolling variance of equal values is
    # rounding noise around zero, not zero
    flat_x = x.rolling(window).max() == x.rolling(window).min()
    flat_y = y.rolling(window).max() == y.rolling(window).min()
    few_moves = (y.notna() & y.ne(0)).rolling(window).sum() < _min_moves(min_move_share, window)
    correlation = rolling_x.corr(y).mask(flat_x | flat_y | few_moves)
    beta = (rolling_x.cov(y) / var_y).mask(flat_y | few_moves)
    return pd.DataFrame({"correlation": correlation, "beta": beta})


def _min_moves(min_move_share: float, window: int) -> int:
    """Rate moves a window needs: ceil(share × window), float noise aside (0.3 × 10 = 3)."""
    return math.ceil(min_move_share * window - 1e-9)


def numpy_rolling_sensitivity(
    x: np.ndarray, y: np.ndarray, window: int, min_move_share: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """The same rolling correlation and beta from five cumulative sums (x, y, x², y², xy): O(n) adds
    and one division per window whatever its length, the least arithmetic the statistic needs.
    Values are centred first, so the differences of cumulative sums keep their precision.
    Returns (correlation, beta), NaN where the window is not full, ``y`` did not move, or moved on
    fewer than ceil(``min_move_share`` × window) observations."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = len(x)
    correlation = np.full(n, np.nan)
    beta = np.full(n, np.nan)
    if n < window:
        return correlation, beta
    few_moves = windowed_count(y != 0, window) < _min_moves(min_move_share, window)
    x = x - x.mean()
    y = y - y.mean()

    def windowed(values: np.ndarray) -> np.ndarray:
        cumulative = np.concatenate(([0.0], np.cumsum(values)))
        return cumulative[window:] - cumulative[:-window]

    def flat(values: np.ndarray) -> np.ndarray:
        """Windows whose values are all equal, exactly: no change between neighbours inside them
        (their variance from cumulative sums is rounding noise, not zero)."""
        changes = np.concatenate(([0], np.cumsum(values[1:] != values[:-1])))
        return changes[window - 1 :] == changes[: n - window + 1]

    flat_x, flat_y = flat(x), flat(y)
    flat_y |= few_moves  # not informative: no correlation, no beta
    sx, sy = windowed(x), windowed(y)
    sxx, syy, sxy = windowed(x * x), windowed(y * y), windowed(x * y)
    cov = window * sxy - sx * sy
    var_x = window * sxx - sx * sx
    var_y = window * syy - sy * sy
    with np.errstate(divide="ignore", invalid="ignore"):
        correlation[window - 1 :] = np.where(flat_x | flat_y, np.nan, cov / np.sqrt(var_x * var_y))
        beta[window - 1 :] = np.where(flat_y, np.nan, cov / var_y)
    return correlation, beta


def windowed_count(flags: np.ndarray, window: int) -> np.ndarray:
    """How many of ``flags`` are true in each full window (one per window end)."""
    cumulative = np.concatenate(([0], np.cumsum(flags)))
    return cumulative[window:] - cumulative[:-window]


def polars_relative_performance(
    prices: pl.DataFrame, pairs: Iterable[tuple[str, str]], horizons: Sequence[int]
) -> pl.DataFrame:
    """The same rows as :func:`pandas_relative_performance` from a Polars frame (symbol, date,
    price): each pair's legs joined on the dates both have (the common calendar), every horizon's
    return ``price / price.shift(h) - 1`` over the pair, only full windows."""
    pairs_frame = pl.DataFrame(list(pairs), schema=["numerator", "denominator"], orient="row").lazy()
    legs = prices.lazy()
    both = (
        pairs_frame.join(legs.rename({"symbol": "numerator", "price": "p_num"}), on="numerator")
        .join(
            legs.rename({"symbol": "denominator", "price": "p_den"}),
            on=["denominator", "date"],
            how="inner",
        )
        .sort("numerator", "denominator", "date")
    )
    pair = ["numerator", "denominator"]
    frames = [
        both.select(
            "numerator",
            "denominator",
            pl.lit(h, dtype=pl.Int64).alias("horizon_days"),
            "date",
            (pl.col("p_num") / pl.col("p_num").shift(h).over(pair) - 1).alias("numerator_return"),
            (pl.col("p_den") / pl.col("p_den").shift(h).over(pair) - 1).alias("denominator_return"),
        )
        .drop_nulls(["numerator_return", "denominator_return"])
        .with_columns((pl.col("numerator_return") - pl.col("denominator_return")).alias("return_spread"))
        for h in horizons
    ]
    return pl.concat(frames).collect()


def polars_rolling_sensitivity(
    aligned: pl.DataFrame,
    keys: Sequence[str],
    windows: Sequence[int],
    min_move_share: float = 0.0,
    x: str = "daily_return",
    y: str = "change_bp",
) -> pl.DataFrame:
    """Rolling correlation and beta of column ``x`` on column ``y`` per group of ``keys`` (rows in
    date order within each group), for every window: Polars' ``rolling_corr``, ``rolling_cov`` and
    ``rolling_var``, with the same flat-window and rate-move rules as the pandas reference. One row
    per group, window and full window: the frame's columns, ``window_days``, correlation, beta."""
    xs, ys = pl.col(x), pl.col(y)
    over = list(keys)
    frames = []
    for window in windows:
        flat_x = xs.rolling_max(window) == xs.rolling_min(window)
        flat_y = ys.rolling_max(window) == ys.rolling_min(window)
        moves = (ys.is_not_null() & (ys != 0)).cast(pl.Int32).rolling_sum(window)
        uninformative = flat_y | (moves < _min_moves(min_move_share, window))
        correlation = (
            pl.when(flat_x | uninformative).then(None).otherwise(pl.rolling_corr(xs, ys, window_size=window))
        )
        beta = (
            pl.when(uninformative)
            .then(None)
            .otherwise(pl.rolling_cov(xs, ys, window_size=window) / ys.rolling_var(window))
        )
        frames.append(
            aligned.lazy()
            .with_columns(
                pl.lit(window, dtype=pl.Int64).alias("window_days"),
                correlation.over(over).alias("correlation"),
                beta.over(over).alias("beta"),
                (pl.int_range(pl.len()).over(over) >= window - 1).alias("_full"),
            )
            .filter("_full")
            .drop("_full")
        )
    return pl.concat(frames).collect()


def to_polars(frame: pd.DataFrame) -> pl.DataFrame:
    """A pandas frame as Polars, column by column through numpy (no pyarrow needed); NaN as null."""
    return pl.DataFrame({c: pl.Series(c, frame[c].to_numpy(), nan_to_null=True) for c in frame.columns})


def from_polars(frame: pl.DataFrame) -> pd.DataFrame:
    """A Polars frame as pandas through numpy (no pyarrow needed); null floats as NaN."""
    return pd.DataFrame({c: frame[c].to_numpy() for c in frame.columns})
