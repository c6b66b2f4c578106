"""The GX price suite on small hand-made frames, validated inside DuckDB as the gate does
(expectations/prices.py ``validate_frame``): each rule fails on the rows that break it."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from expectations import loads, prices
from expectations.runner import ValidationOutcome, validate
from ingestion.calendar import nyse_trading_days, on_session

TODAY = dt.date(2024, 12, 31)
QUOTES = {"A": "price", "B": "price", "Y": "yield"}


def raw(rows: list[dict]) -> pd.DataFrame:
    base = {"open": 10.0, "high": 11.0, "low": 9.0, "close": 10.0, "adj_close": 10.0, "volume": 100.0}
    df = pd.DataFrame([{**base, **r} for r in rows])
    df["date"] = pd.to_datetime(df["date"])
    return df


SESSIONS = {"A": "us_cash", "B": "us_cash", "Y": "us_cash"}


def run(df: pd.DataFrame, history: pd.DataFrame | None = None) -> ValidationOutcome:
    return prices.validate_frame(df, QUOTES, history, SESSIONS, TODAY)


def failed_descriptions(outcome: ValidationOutcome) -> list[str]:
    return [f.description for f in outcome.failed]


GOOD = [
    {"symbol": "A", "date": "2024-01-02"},
    {"symbol": "A", "date": "2024-01-03", "close": 10.5, "adj_close": 10.5},
    {"symbol": "B", "date": "2024-01-02"},
    {
        "symbol": "Y",
        "date": "2024-01-02",
        "open": 0.0,
        "high": 0.1,
        "low": -0.1,
        "close": -0.05,
        "adj_close": np.nan,
    },
]


def test_good_rows_pass_and_yields_may_be_negative():
    outcome = run(raw(GOOD))
    assert outcome.success, outcome.summary()
    assert outcome.evaluated == len(prices.prices_suite(TODAY))


@pytest.mark.parametrize(
    "bad_row, rule",
    [
        ({"symbol": "A", "date": "2024-01-04", "close": -1.0, "adj_close": -1.0}, "prices are > 0"),
        ({"symbol": "A", "date": "2024-01-02"}, "one row per symbol and date"),
        ({"symbol": "A", "date": "2025-01-02"}, "no future dates"),
        (
            {"symbol": "A", "date": "2024-01-04", "close": 1050.0, "adj_close": 1050.0, "high": 1100.0},
            "no daily move beyond a factor of 3",
        ),
        ({"symbol": "A", "date": "2024-01-04", "volume": -5.0}, "volume is >= 0"),
        ({"symbol": "A", "date": "2024-01-06"}, "bars on sessions only"),  # a Saturday
        ({"symbol": "B", "date": "2024-01-15"}, "bars on sessions only"),  # MLK Day, NYSE closed
        (
            {"symbol": "B", "date": "2024-01-03", "close": np.nan, "adj_close": np.nan},
            "every row has a close",
        ),
    ],
)
def test_each_rule_fails_on_its_bad_row_with_an_example(bad_row, rule):
    outcome = run(raw([*GOOD, bad_row]))
    assert not outcome.success
    failure = next(f for f in outcome.failed if f.description.startswith(rule))
    assert failure.unexpected_count >= 1
    assert any(e.get("symbol") == bad_row["symbol"] for e in failure.examples), failure.examples
    assert rule in outcome.summary()


def test_sessions_follow_each_instruments_session():
    """Saturday is never a session; Sunday only for CME futures (Yahoo dates Globex's Sunday-evening
    open a Sunday); NYSE holidays from 1998 are no session of the US cash market, but are of the
    futures, of Cboe's volatility indices and of London."""
    rows = [
        ("2024-01-06", "cme", False),  # Saturday
        ("2024-01-06", "london", False),
        ("2024-01-07", "cme", True),  # Sunday evening Globex bar
        ("2024-01-07", "us_cash", False),
        ("2024-01-07", "cboe_volatility", False),
        ("2024-07-04", "us_cash", False),  # Independence Day
        ("2024-07-04", "cme", True),
        ("2024-07-04", "london", True),
        ("2025-09-01", "cboe_volatility", True),  # Labor Day: the snapshot's ^VIX has a bar
        ("1968-05-30", "us_cash", True),  # before 1998 only weekends are judged
        ("2024-07-05", "us_cash", True),
    ]
    got = on_session(pd.Series(pd.to_datetime([r[0] for r in rows])), pd.Series([r[1] for r in rows]))
    assert got.tolist() == [r[2] for r in rows]


def test_inverted_high_low_is_tolerated_when_rare_and_blocks_when_systematic_in_one_symbol():
    sessions = nyse_trading_days(dt.date(2010, 1, 4), dt.date(2018, 12, 31))[:2000]
    many = [{"symbol": "A", "date": d.date().isoformat()} for d in sessions]
    rare = raw([*many[:-1], {**many[-1], "high": 8.0, "low": 9.0}])
    outcome = run(rare)
    assert outcome.success, outcome.summary()
    assert outcome.tolerated[0].description.startswith("high >= low")
    assert outcome.tolerated[0].examples[0]["symbol"] == "A"
    assert "tolerated" in outcome.summary()
    # one small symbol entirely inverted: under 0.1% of the table, but 100% of the symbol
    broken = [{"symbol": "B", "date": f"2024-01-0{d}", "high": 8.0, "low": 9.0} for d in range(2, 4)]
    outcome = run(raw([*many, *broken]))
    assert any(d.startswith("at most 0.1% of each symbol") for d in failed_descriptions(outcome))


def test_a_window_is_checked_against_the_history_before_it():
    """The gate validates only the latest load's window; the symbol's whole history still decides
    the share of inverted bars, and the window's first move is measured from the row before it."""
    window = raw([{"symbol": "A", "date": "2024-02-01"}, {"symbol": "A", "date": "2024-02-02"}])
    calm = pd.DataFrame(
        {"inverted_share": [0.0], "previous_basis": [9.5]}, index=pd.Index(["A"], name="symbol")
    )
    frame = prices.validation_frame(window, QUOTES, calm)
    assert frame["log_move"].tolist() == pytest.approx([abs(np.log(10.0 / 9.5)), 0.0])
    assert run(window, calm).success

    jumped = calm.assign(previous_basis=[100.0])  # the window starts 10x below the last loaded close
    outcome = run(window, jumped)
    assert any(d.startswith("no daily move beyond a factor of 3") for d in failed_descriptions(outcome))
    assert outcome.failed[0].examples[0] == {
        "symbol": "A",
        "date": "2024-02-01",
        "log_move": pytest.approx(np.log(10)),
    }

    inverted = calm.assign(inverted_share=[0.5])  # the history has a symbol-wide inversion
    outcome = run(window, inverted)
    assert any(d.startswith("at most 0.1% of each symbol") for d in failed_descriptions(outcome))

    first_load = calm.assign(previous_basis=[np.nan])  # nothing before the window: no move to check
    assert np.isnan(prices.validation_frame(window, QUOTES, first_load)["log_move"].iloc[0])


def test_every_requested_symbol_must_deliver_rows():
    items = pd.DataFrame(
        {"item": ["A", "B", "Z"], "requested": [True, True, False], "rows_delivered": [10, 0, 0]}
    )
    outcome = validate("load", items, loads.load_suite(), index_columns=loads.INDEX_COLUMNS)
    assert not outcome.success
    assert outcome.failed[0].examples == [{"item": "B", "rows_delivered": 0}]
