"""The benchmark's references (issue 8) compute the marts' definitions: checked on hand-computed
cases, and the pandas reference against the numpy bound on random series; the Polars reference
(issue 17) against both, on the same cases and on several groups at once."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchmarks.references import (
    from_polars,
    numpy_rolling_sensitivity,
    pandas_relative_performance,
    pandas_rolling_sensitivity,
    polars_relative_performance,
    polars_rolling_sensitivity,
    to_polars,
)


def test_relative_performance_uses_the_pairs_common_calendar_and_full_windows():
    prices = pd.DataFrame(
        {
            "symbol": ["A", "A", "A", "A", "B", "B", "B"],
            "date": pd.to_datetime(
                ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"] * 1
                + ["2024-01-02", "2024-01-04", "2024-01-05"]
            ),
            "price": [100.0, 999.0, 110.0, 121.0, 50.0, 55.0, 50.0],
        }
    )
    got = pandas_relative_performance(prices, [("A", "B")], [1, 2])
    # common calendar: 01-02, 01-04, 01-05 (A's 01-03 has no B)
    one = got[got["horizon_days"] == 1].set_index("date")
    assert list(one.index) == list(pd.to_datetime(["2024-01-04", "2024-01-05"]))
    assert one.loc["2024-01-04", "numerator_return"] == pytest.approx(0.10)
    assert one.loc["2024-01-04", "denominator_return"] == pytest.approx(0.10)
    assert one.loc["2024-01-05", "return_spread"] == pytest.approx(0.10 - (50 / 55 - 1))
    two = got[got["horizon_days"] == 2]
    assert len(two) == 1
    assert two["return_spread"].iloc[0] == pytest.approx(0.21 - 0.0)


def test_sensitivity_on_a_hand_computed_window():
    x = pd.Series([0.01, 0.03, 0.02])
    y = pd.Series([1.0, 3.0, 2.0])  # x = y / 100 exactly: correlation 1, beta 0.01
    got = pandas_rolling_sensitivity(x, y, 3)
    assert got["correlation"].iloc[-1] == pytest.approx(1.0)
    assert got["beta"].iloc[-1] == pytest.approx(0.01)
    correlation, beta = numpy_rolling_sensitivity(x.to_numpy(), y.to_numpy(), 3)
    assert np.isnan(correlation[:2]).all()
    assert correlation[-1] == pytest.approx(1.0)
    assert beta[-1] == pytest.approx(0.01)


def test_a_window_where_the_rate_did_not_move_has_no_correlation():
    x = np.array([0.01, -0.02, 0.03, 0.01])
    y = np.array([0.0, 0.0, 0.0, 5.0])
    correlation, beta = numpy_rolling_sensitivity(x, y, 3)
    assert np.isnan(correlation[2]) and np.isnan(beta[2])
    assert np.isfinite(correlation[3])
    pandas = pandas_rolling_sensitivity(pd.Series(x), pd.Series(y), 3)
    assert pandas["correlation"].isna().iloc[2] and pandas["beta"].isna().iloc[2]


@pytest.mark.parametrize("window", [10, 63, 252])
def test_the_numpy_bound_agrees_with_pandas_on_random_series(window):
    rng = np.random.default_rng(8)
    n = 6_300  # 25 years of trading days
    y = rng.normal(0, 5, n).round()  # basis-point changes, many zeros
    x = 0.0004 + 0.001 * rng.standard_t(4, n) - 0.0002 * y
    correlation, beta = numpy_rolling_sensitivity(x, y, window)
    expected = pandas_rolling_sensitivity(pd.Series(x), pd.Series(y), window)
    np.testing.assert_allclose(correlation, expected["correlation"].to_numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(beta, expected["beta"].to_numpy(), rtol=1e-9, atol=1e-12)


def test_a_window_with_too_few_rate_moves_is_not_informative():
    """With the mart's share 0.5, a 4-day window needs 2 moves: one tick alone gives nothing, two do."""
    x = np.array([0.01, -0.02, 0.03, 0.01, 0.02])
    y = np.array([0.0, 0.0, 0.25, 0.0, -0.5])
    correlation, beta = numpy_rolling_sensitivity(x, y, 4, 0.5)
    assert np.isnan(correlation[3]) and np.isnan(beta[3])
    assert np.isfinite(correlation[4]) and np.isfinite(beta[4])
    pandas = pandas_rolling_sensitivity(pd.Series(x), pd.Series(y), 4, 0.5)
    assert pandas["correlation"].isna().iloc[3] and pandas["beta"].isna().iloc[3]
    assert pandas["correlation"].iloc[4] == pytest.approx(correlation[4])
    assert pandas["beta"].iloc[4] == pytest.approx(beta[4])


def _prices_two_pairs() -> pd.DataFrame:
    """A and C against B; A misses a day B has, B misses a day A has."""
    dates = pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-08"])
    return pd.DataFrame(
        {
            "symbol": ["A"] * 4 + ["B"] * 4 + ["C"] * 5,
            "date": [*dates[[0, 1, 2, 4]], *dates[[0, 2, 3, 4]], *dates],
            "price": [100.0, 999.0, 110.0, 121.0, 50.0, 55.0, 60.0, 50.0, 10, 11, 12, 13, 14],
        }
    )


def test_polars_relative_performance_is_the_pandas_rows_exactly():
    prices = _prices_two_pairs()
    pairs, horizons = [("A", "B"), ("C", "B")], [1, 2]
    keys = ["numerator", "denominator", "horizon_days", "date"]
    expected = pandas_relative_performance(prices, pairs, horizons).sort_values(keys, ignore_index=True)
    got = from_polars(polars_relative_performance(to_polars(prices), pairs, horizons))
    got = got[list(expected.columns)].sort_values(keys, ignore_index=True)
    # A/B: common calendar 01-02, 01-04, 01-08 -> 2 rows at horizon 1, 1 at 2; C/B: 4 days -> 3 + 2
    assert len(got) == 8
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    a_b = got[(got["numerator"] == "A") & (got["horizon_days"] == 1)]
    assert list(a_b["date"]) == list(pd.to_datetime(["2024-01-04", "2024-01-08"]))


def _aligned_groups(n: int = 1_500) -> pd.DataFrame:
    rng = np.random.default_rng(17)
    frames = []
    for symbol, rate in [("A", "DGS2"), ("A", "DFF"), ("B", "DGS2")]:
        y = rng.normal(0, 5, n).round()
        y[200:260] = 0.0  # a stretch where the rate does not move: flat and uninformative windows
        x = 0.0004 + 0.001 * rng.standard_t(4, n) - 0.0002 * y
        x[700:720] = 0.0  # a stretch where the return does not move: no correlation, beta kept
        frames.append(
            pd.DataFrame(
                {
                    "symbol": symbol,
                    "rate_series": rate,
                    "date": pd.date_range("2000-01-03", periods=n),
                    "daily_return": x,
                    "change_bp": y,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize("share", [0.0, 0.5])
def test_polars_sensitivity_agrees_with_numpy_and_pandas_per_group(share):
    aligned = _aligned_groups()
    windows = [10, 63]
    got = from_polars(
        polars_rolling_sensitivity(to_polars(aligned), ["symbol", "rate_series"], windows, share)
    )
    for (symbol, rate), rows in aligned.groupby(["symbol", "rate_series"], sort=False):
        x, y = rows["daily_return"].to_numpy(), rows["change_bp"].to_numpy()
        for window in windows:
            mine = got[
                (got["symbol"] == symbol) & (got["rate_series"] == rate) & (got["window_days"] == window)
            ]
            # one row per full window, in date order
            assert list(mine["date"]) == list(rows["date"].iloc[window - 1 :])
            correlation, beta = numpy_rolling_sensitivity(x, y, window, share)
            np.testing.assert_allclose(mine["correlation"], correlation[window - 1 :], rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(mine["beta"], beta[window - 1 :], rtol=1e-9, atol=1e-12)
            expected = pandas_rolling_sensitivity(pd.Series(x), pd.Series(y), window, share).iloc[
                window - 1 :
            ]
            np.testing.assert_array_equal(mine["correlation"].isna(), expected["correlation"].isna())
            np.testing.assert_array_equal(mine["beta"].isna(), expected["beta"].isna())
    # the flat stretches did null something: the rules are exercised, not vacuous
    assert got["correlation"].isna().any() and got["beta"].isna().any()
    assert (got["correlation"].isna() & got["beta"].notna()).any()  # x flat, y moving


def test_polars_sensitivity_with_too_few_rate_moves_is_not_informative():
    """Share 0.5 over 4 days needs 2 moves: the window with one tick has nothing, two do."""
    aligned = pd.DataFrame(
        {
            "symbol": "A",
            "rate_series": "R",
            "date": pd.date_range("2024-01-01", periods=5),
            "daily_return": [0.01, -0.02, 0.03, 0.01, 0.02],
            "change_bp": [0.0, 0.0, 0.25, 0.0, -0.5],
        }
    )
    got = from_polars(polars_rolling_sensitivity(to_polars(aligned), ["symbol", "rate_series"], [4], 0.5))
    assert len(got) == 2
    assert np.isnan(got["correlation"].iloc[0]) and np.isnan(got["beta"].iloc[0])
    correlation, beta = numpy_rolling_sensitivity(
        aligned["daily_return"].to_numpy(), aligned["change_bp"].to_numpy(), 4, 0.5
    )
    assert got["correlation"].iloc[1] == pytest.approx(correlation[4])
    assert got["beta"].iloc[1] == pytest.approx(beta[4])
