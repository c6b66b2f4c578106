"""The price gate's verdicts computed inside DuckDB agree with an independent pandas computation.

A hand-made window breaks each rule once or twice: a x50 price (two moves beyond a factor of 3),
a Saturday bar, an NYSE holiday of a US cash instrument, a duplicate, a future date, a non-positive
price, a symbol whose bars are systematically inverted, a rare inverted bar. The failing rows of
every rule (counts and the (symbol, date) of each example) must be the ones pandas finds, with the
rule's meaning re-derived here from docs/data-quality.md ("The gates"), not from expectations/prices.py.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from expectations import prices

TODAY = dt.date(2024, 12, 31)
QUOTES = {"A": "price", "B": "price", "F": "price", "Y": "yield"}
SESSIONS = {"A": "us_cash", "B": "us_cash", "F": "cme", "Y": "us_cash"}
MLK_DAY_2024 = dt.date(2024, 1, 15)  # an NYSE holiday


def window() -> pd.DataFrame:
    base = {"open": 10.0, "high": 11.0, "low": 9.0, "close": 10.0, "adj_close": 10.0, "volume": 100.0}
    rows = [
        ("A", "2024-01-02", {}),
        ("A", "2024-01-03", {"close": 10.5, "adj_close": 10.5}),
        ("A", "2024-01-04", {"close": 525.0, "adj_close": 525.0, "high": 530.0}),  # x50
        ("A", "2024-01-05", {"close": 10.5, "adj_close": 10.5}),  # and back
        ("A", "2024-01-06", {}),  # a Saturday
        ("A", "2024-01-08", {}),
        ("A", "2024-01-08", {}),  # a duplicate
        ("A", "2024-01-15", {}),  # MLK Day
        ("A", "2025-01-02", {}),  # after TODAY
        ("B", "2024-01-02", {"low": -1.0}),  # a non-positive price
        ("B", "2024-01-03", {"high": 8.0}),  # inverted: 1 of B's 1000 bars below
        ("F", "2024-01-07", {}),  # Sunday: a session of CME futures
        ("F", "2024-01-08", {"high": 8.0}),  # inverted, one of two bars of F
        ("Y", "2024-01-02", {"open": 0.05, "high": 0.06, "low": -0.01, "close": 0.05, "adj_close": None}),
        ("Y", "2024-01-03", {"open": 5.0, "high": 5.0, "low": 5.0, "close": 5.0, "adj_close": None}),
    ]
    df = pd.DataFrame([{"symbol": s, "date": d, **base, **r} for s, d, r in rows])
    df["date"] = pd.to_datetime(df["date"])
    return df


def history() -> pd.DataFrame:
    """B has 1,000 bars of history, one inverted (0.1%: within the tolerance); A's last close 10."""
    return pd.DataFrame(
        {"inverted_share": [0.0, 0.001, np.nan, 0.0], "previous_basis": [10.0, 10.0, np.nan, np.nan]},
        index=pd.Index(["A", "B", "F", "Y"], name="symbol"),
    )


def expected_failures(df: pd.DataFrame, hist: pd.DataFrame) -> dict[str, list[tuple[str, str]]]:
    """Each rule's failing (symbol, date) rows (sorted, a duplicate twice), computed with pandas
    from the rules' words."""
    df = df.sort_values(["symbol", "date"], kind="stable").reset_index(drop=True)
    key = list(zip(df["symbol"], df["date"].dt.strftime("%Y-%m-%d"), strict=True))
    price = df["symbol"].map(QUOTES).eq("price")
    out: dict[str, pd.Series] = {}
    out["prices are > 0"] = price & (df[["open", "high", "low", "close", "adj_close"]].min(axis=1) <= 0)
    out["one row per symbol and date"] = df.duplicated(["symbol", "date"], keep=False)
    out["no future dates"] = df["date"].dt.date > TODAY
    weekday = df["date"].dt.dayofweek
    session = df["symbol"].map(SESSIONS)
    out["bars on sessions only"] = (
        (weekday == 5)
        | ((weekday == 6) & (session != "cme"))
        | ((df["date"].dt.date == MLK_DAY_2024) & (session == "us_cash"))
    )
    basis = df["adj_close"].fillna(df["close"])
    previous = basis.groupby(df["symbol"]).shift()
    first = ~df["symbol"].duplicated()
    previous[first] = df.loc[first, "symbol"].map(hist["previous_basis"])
    move = (basis / previous).apply(lambda r: abs(math.log(r)) if r > 0 else np.nan)
    out["no daily move beyond a factor of 3"] = price & (move > math.log(3))
    # the share of inverted bars is the symbol's whole history's: B's history (0.1%) plus this
    # window's one inverted bar stays at 0.1% given; F's window alone (1 of 2) is 50%
    share = df["symbol"].map({"A": 0.0, "B": 0.001, "F": 0.5, "Y": 0.0})
    out["at most 0.1% of each symbol's bars have high < low"] = share > 0.001
    return {rule: sorted(key[i] for i in np.flatnonzero(rows.to_numpy())) for rule, rows in out.items()}


def test_the_sql_gate_finds_the_failing_rows_pandas_finds():
    df, hist = window(), history()
    # F has no history: the gate's history is the whole table's, so F's share is its window's
    hist.loc["F", "inverted_share"] = 0.5
    outcome = prices.validate_frame(df, QUOTES, hist, SESSIONS, TODAY)
    expected = {rule: rows for rule, rows in expected_failures(df, hist).items() if rows}
    got = {
        next(rule for rule in expected if f.description.startswith(rule)): f
        for f in outcome.failed
        if any(f.description.startswith(rule) for rule in expected)
    }
    assert not outcome.success
    assert len(outcome.failed) == len(expected), outcome.summary()
    assert set(got) == set(expected), outcome.summary()
    for rule, rows in expected.items():
        failure = got[rule]
        assert failure.unexpected_count == len(rows), (rule, failure)
        assert sorted((e["symbol"], e["date"]) for e in failure.examples) == rows, (rule, failure.examples)
    # the rare inversions are reported, not blocking: B's and F's inverted bars
    [tolerated] = outcome.tolerated
    assert tolerated.description.startswith("high >= low")
    assert {(e["symbol"], e["date"]) for e in tolerated.examples} == {
        ("B", "2024-01-03"),
        ("F", "2024-01-08"),
    }
    assert outcome.rows == len(df)


def test_the_move_from_the_history_before_the_window_is_checked():
    """A's window starts at 10 after a last close of 10 (no move); with a last close of 0.1 the
    first row is a x100 move, found by the SQL gate as by pandas."""
    df = window()
    df = df[df["symbol"] == "A"].iloc[:2]
    hist = history()
    assert prices.validate_frame(df, QUOTES, hist, SESSIONS, TODAY).success
    hist.loc["A", "previous_basis"] = 0.1
    outcome = prices.validate_frame(df, QUOTES, hist, SESSIONS, TODAY)
    [failure] = outcome.failed
    assert expected_failures(df, hist)["no daily move beyond a factor of 3"] == [("A", "2024-01-02")]
    assert failure.examples == [
        {"symbol": "A", "date": "2024-01-02", "log_move": pytest.approx(math.log(100))}
    ]
