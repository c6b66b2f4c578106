"""Acceptance: the whole graph on the real snapshot, checked against an independent pandas computation.

The expectations are computed here straight from the snapshot CSV files with plain pandas (reading
them the way SOURCES.md describes), not with the project's parsers or SQL.
"""

from __future__ import annotations

import bisect
import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import pytest

from orchestration.cli import mart_table
from tests.acceptance.conftest import read_yahoo_csv

pytestmark = [pytest.mark.acceptance, pytest.mark.slow]

PAIRS = [
    ("^RUT", "^GSPC"),
    ("^RUT", "^NDX"),
    ("IWM", "SPY"),
    ("IWM", "QQQ"),
    ("IJR", "SPY"),
    ("IWM", "IWB"),
    ("NVDA", "^GSPC"),
    ("MSFT", "^GSPC"),
    ("AAPL", "^GSPC"),
    ("GOOGL", "^GSPC"),
    ("AMZN", "^GSPC"),
    ("META", "^GSPC"),
    # issue 22: regions, styles and factors (^FTMC/^FTSE has no rows: ^FTMC is live only)
    ("SCZ", "EFA"),
    ("IWO", "IWN"),
    ("IJK", "SPY"),
    ("IJK", "IWM"),
    ("MTUM", "SPY"),
    ("QUAL", "SPY"),
]
HORIZONS = {"1d": 1, "5d": 5, "10d": 10, "21d": 21, "63d": 63, "126d": 126, "252d": 252}
START = dt.date(1980, 1, 1)


def read_basis(snapshot_dir, symbol: str) -> pd.Series:
    """Adjusted close where the file has one, close otherwise, indexed by date (independent reader)."""
    df = read_yahoo_csv(snapshot_dir, symbol)
    col = "Adj Close" if "Adj Close" in df.columns else "Close"
    s = pd.Series(df[col].astype(float).values, index=df["Date"], name=symbol)
    return s[s.index >= pd.Timestamp(START)]


def expected_pair(snapshot_dir, numerator: str, denominator: str) -> pd.DataFrame:
    both = pd.concat(
        [read_basis(snapshot_dir, numerator), read_basis(snapshot_dir, denominator)], axis=1, join="inner"
    ).sort_index()
    num, den = both[numerator], both[denominator]
    frames = []
    for horizon, n in HORIZONS.items():
        frames.append(
            pd.DataFrame(
                {
                    "horizon": horizon,
                    "numerator_return": num / num.shift(n) - 1,
                    "denominator_return": den / den.shift(n) - 1,
                }
            )
        )
    # ytd: from the last common close of the previous calendar year
    year = both.index.year
    last_of_year = both.groupby(year).tail(1)
    prev = last_of_year.copy()
    prev.index = prev.index.year + 1
    start_num = pd.Series(year, index=both.index).map(prev[numerator])
    start_den = pd.Series(year, index=both.index).map(prev[denominator])
    frames.append(
        pd.DataFrame(
            {
                "horizon": "ytd",
                "numerator_return": num / start_num - 1,
                "denominator_return": den / start_den - 1,
            }
        )
    )
    out = pd.concat(frames).dropna().rename_axis("date").reset_index()
    out["numerator"], out["denominator"] = numerator, denominator
    out["return_spread"] = out["numerator_return"] - out["denominator_return"]
    out["relative_return"] = (1 + out["numerator_return"]) / (1 + out["denominator_return"]) - 1
    return out


def add_history_columns(df: pd.DataFrame) -> pd.DataFrame:
    df = df.sort_values(["numerator", "denominator", "horizon", "date"]).copy()
    group = df.groupby(["numerator", "denominator", "horizon"])["return_spread"]
    df["prior_max_spread"] = group.transform(lambda s: s.cummax().shift(1))
    # point in time: rank among the spreads up to and including the date (1 = the largest so far)
    df["spread_rank_to_date"] = group.transform(
        lambda s: s.expanding().rank(ascending=False, method="min")
    ).astype(int)
    df["is_record"] = (df["return_spread"] > df["prior_max_spread"]).fillna(False)
    return df


@pytest.fixture(scope="module")
def snapshot_build(snapshot_warehouse):
    settings, run = snapshot_warehouse
    with duckdb.connect(str(settings.serving_db), read_only=True) as con:
        mart = con.execute("select * from marts.relative_performance").df()
    mart["date"] = pd.to_datetime(mart["date"])
    return settings, run, mart


def test_every_check_passed_on_real_data(snapshot_build):
    _, run, _ = snapshot_build
    assert all(run.checks.values()), {k: v for k, v in run.checks.items() if not v}


def test_relative_performance_matches_independent_pandas(snapshot_build, snapshot_dir):
    _, _, mart = snapshot_build
    expected = pd.concat([expected_pair(snapshot_dir, n, d) for n, d in PAIRS], ignore_index=True)
    keys = ["date", "numerator", "denominator", "horizon"]
    merged = expected.merge(mart, on=keys, how="outer", suffixes=("_exp", "_wh"), indicator=True)
    only_expected = merged[merged["_merge"] == "left_only"]
    only_warehouse = merged[merged["_merge"] == "right_only"]
    assert only_warehouse.empty, only_warehouse[keys].head()
    assert only_expected.empty, only_expected[keys].head()  # partial bars left out on both sides
    both = merged[merged["_merge"] == "both"]
    assert len(both) > 500_000
    for col in ["numerator_return", "denominator_return", "return_spread", "relative_return"]:
        np.testing.assert_allclose(both[f"{col}_exp"], both[f"{col}_wh"], rtol=1e-9, atol=1e-12, err_msg=col)


def rank_to_date_bounds(spreads: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Per row of one series in date order, the lowest and highest rank among the spreads up to and
    including it that floating-point noise allows: 1 + (number larger than s + tol) and
    1 + (number larger than s - tol)."""
    seen: list[float] = []
    lowest, highest = np.empty(len(spreads), dtype=int), np.empty(len(spreads), dtype=int)
    for i, s in enumerate(spreads):
        bisect.insort(seen, s)
        lowest[i] = 1 + len(seen) - bisect.bisect_right(seen, s + tol)
        highest[i] = 1 + len(seen) - bisect.bisect_right(seen, s - tol)
    return lowest, highest


def test_records_and_ranks_match_independent_pandas(snapshot_build, snapshot_dir):
    """prior_max_spread, is_record and spread_rank_to_date (point in time) over the rows the
    warehouse holds."""
    _, _, mart = snapshot_build
    keys = ["date", "numerator", "denominator", "horizon"]
    expected = pd.concat([expected_pair(snapshot_dir, n, d) for n, d in PAIRS], ignore_index=True)
    expected = expected.merge(mart[keys], on=keys)  # the same rows as the warehouse
    expected = add_history_columns(expected)
    merged = expected.merge(mart, on=keys, suffixes=("_exp", "_wh"))
    assert len(merged) == len(mart)
    np.testing.assert_allclose(
        merged["prior_max_spread_exp"].astype(float),
        merged["prior_max_spread_wh"].astype(float),
        rtol=1e-9,
        atol=1e-12,
    )
    assert (merged["is_record_exp"] == merged["is_record_wh"]).all()
    # Ranks: the warehouse's rank r of a spread s must lie between 1 + (number of the pair and
    # horizon's spreads up to the date larger than s + tol) and 1 + (number larger than s - tol):
    # only spreads equal within floating-point noise (tol) may order differently in SQL and pandas.
    tol = 1e-12
    bad = []
    for _, group in merged.sort_values("date").groupby(["numerator", "denominator", "horizon"]):
        lowest, highest = rank_to_date_bounds(group["return_spread_exp"].to_numpy(), tol)
        r = group["spread_rank_to_date_wh"].to_numpy()
        bad.append(group[(r < lowest) | (r > highest)])
    bad = pd.concat(bad)
    assert bad.empty, bad[
        keys + ["return_spread_wh", "spread_rank_to_date_wh", "spread_rank_to_date_exp"]
    ].head()
    # and where no noise is near, exactly pandas' expanding rank
    exact = merged["spread_rank_to_date_exp"] == merged["spread_rank_to_date_wh"]
    assert exact.mean() > 0.999, merged.loc[~exact, keys].head()


def test_the_analyst_question_of_the_readme(snapshot_build, snapshot_dir):
    """'What was the Russell 2000's 5-day return against the S&P 500 on 2024-07-16, and when was
    the last larger one?' answered with one SQL query on serving.duckdb, checked against pandas."""
    settings, _, _ = snapshot_build
    with duckdb.connect(str(settings.serving_db), read_only=True) as con:
        row = con.execute(
            """
            select d.numerator_return, d.denominator_return, d.return_spread, d.spread_rank_to_date,
                   (select max(e.date) from marts.relative_performance e
                     where e.pair = d.pair and e.horizon = d.horizon
                       and e.date < d.date and e.return_spread > d.return_spread) as last_larger
            from marts.relative_performance d
            where d.pair = '^RUT/^GSPC' and d.horizon = '5d' and d.date = date '2024-07-16'
            """
        ).fetchone()
    rut, spx = read_basis(snapshot_dir, "^RUT"), read_basis(snapshot_dir, "^GSPC")
    both = pd.concat([rut, spx], axis=1, join="inner").sort_index()
    five = both / both.shift(5) - 1
    spread = five["^RUT"] - five["^GSPC"]
    on_day = spread.loc["2024-07-16"]
    earlier = spread[(spread.index < "2024-07-16") & (spread > on_day)]
    assert row[0] == pytest.approx(five.loc["2024-07-16", "^RUT"], rel=1e-9)
    assert row[2] == pytest.approx(on_day, rel=1e-9)
    assert on_day > 0.08, "the July 2024 small-cap rotation"
    if earlier.empty:  # a record: no earlier window was larger
        assert row[4] is None
    else:
        assert pd.Timestamp(row[4]) == earlier.index.max()
    # point in time: 1 + the windows up to that day with a larger spread
    assert row[3] == 1 + int((spread[spread.index <= "2024-07-16"] > on_day).sum())
    # the whole-history rank of docs/using-the-marts.md, ranked in the query: 1 + all windows with a larger spread
    with duckdb.connect(str(settings.serving_db), read_only=True) as con:
        full_history = con.execute(
            """
            select date, return_spread,
                   rank() over (order by return_spread desc) as spread_rank_full_history
            from marts.relative_performance
            where pair = '^RUT/^GSPC' and horizon = '5d'
            qualify date = date '2024-07-16'
            """
        ).fetchone()
    assert full_history[2] == 1 + int((spread.dropna() > on_day).sum())


def test_rotation_summary_dates_the_mart_by_its_date(snapshot_build, snapshot_dir):
    """`rotation summary` shows relative_performance's first date as the first date with a return
    window in the files, not the start of the earliest window (start_date)."""
    settings, _, _ = snapshot_build
    expected = pd.concat([expected_pair(snapshot_dir, n, d) for n, d in PAIRS], ignore_index=True)
    line = next(row for row in mart_table(settings.serving_db) if row[0] == "marts.relative_performance")
    assert line[2] == str(expected["date"].min().date()), line
