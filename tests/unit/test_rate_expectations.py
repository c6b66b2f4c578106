"""The FRED and rate-futures gates on small hand-made frames."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from expectations import fred, rate_futures
from expectations.runner import validate

TODAY = dt.date(2024, 12, 31)


def fred_frame(rows):
    df = pd.DataFrame(rows, columns=["series_id", "date", "value"])
    df["date"] = pd.to_datetime(df["date"])
    return df


def run_fred(df):
    return validate(
        "fred", fred.validation_frame(df), fred.fred_suite(TODAY), index_columns=fred.INDEX_COLUMNS
    )


GOOD = [("DGS2", "2024-07-15", 4.45), ("DGS2", "2024-07-16", 4.43), ("DGS2", "2024-07-17", np.nan)]


def test_missing_values_are_allowed_and_good_rows_pass():
    outcome = run_fred(fred_frame(GOOD))
    assert outcome.success, outcome.summary()


def test_a_rate_in_basis_points_or_a_duplicate_day_blocks():
    outcome = run_fred(fred_frame([*GOOD, ("DGS2", "2024-07-18", 443.0), ("DGS2", "2024-07-16", 4.43)]))
    failed = {f.description.split(" ")[0] for f in outcome.failed}
    assert not outcome.success
    assert {"rates", "one"} <= failed
    example = next(f for f in outcome.failed if f.description.startswith("rates")).examples[0]
    assert example["series_id"] == "DGS2" and example["value"] == 443.0


def test_gaps_are_reported_not_blocking():
    outcome = run_fred(fred_frame([("DGS3MO", "2024-01-02", 5.0), ("DGS3MO", "2024-01-20", 5.1)]))
    assert outcome.success
    gap = outcome.tolerated[0]
    assert gap.description.startswith("gaps of more than 7")
    assert gap.examples[0]["gap_days"] == 18


def prices(rows):
    df = pd.DataFrame(rows, columns=["symbol", "date", "close"])
    df["date"] = pd.to_datetime(df["date"])
    return df


def run_futures(df):
    return validate(
        "futures",
        rate_futures.validation_frame(df),
        rate_futures.rate_futures_suite(),
        index_columns=rate_futures.INDEX_COLUMNS,
    )


def test_rate_futures_within_their_quote_conventions_pass_and_other_symbols_are_ignored():
    df = prices(
        [
            ("ZQ=F", "2024-07-16", 94.67),
            ("ZT=F", "2024-07-16", 102.1),
            ("^IRX", "2024-07-16", 5.2),
            ("IWM", "2024-07-16", 1e9),
        ]
    )
    assert run_futures(df).success


def test_a_fed_funds_future_quoted_as_a_rate_blocks():
    outcome = run_futures(prices([("ZQ=F", "2024-07-15", 94.67), ("ZQ=F", "2024-07-16", 5.33)]))
    assert not outcome.success
    assert outcome.failed[0].examples[0]["symbol"] == "ZQ=F"


def bars(rows):
    df = pd.DataFrame(rows, columns=["symbol", "date", "close", "volume"])
    df["date"] = pd.to_datetime(df["date"])
    return df


STALE_2YY = [
    ("2YY=F", "2026-01-29", 3.486, 0),  # a new settlement without a trade: a real quote
    ("2YY=F", "2026-01-30", 3.448, 4),
    ("2YY=F", "2026-02-02", 3.448, 0),  # stale run of three
    ("2YY=F", "2026-02-03", 3.448, 0),
    ("2YY=F", "2026-02-04", 3.448, 0),
    ("2YY=F", "2026-02-05", 3.448, 2),  # a trade at the same price: a real zero change
    ("2YY=F", "2026-02-06", 3.45, 0),
    ("2YY=F", "2026-02-09", 3.45, 0),  # stale run of one
    ("ZQ=F", "2026-02-05", 96.365, 0),
    ("ZQ=F", "2026-02-06", 96.365, 0),  # stale run of one, on another symbol
    ("^IRX", "2026-02-05", 3.6, 0),  # an index: volume 0 on every bar, never stale
    ("^IRX", "2026-02-06", 3.6, 0),
    ("IWM", "2026-02-05", 220.0, 0),  # not a rate symbol
    ("IWM", "2026-02-06", 220.0, 0),
]


def test_stale_quotes_of_futures_are_reported_with_their_runs_not_blocking():
    frame = rate_futures.validation_frame(bars(STALE_2YY))
    outcome = validate(
        "futures", frame, rate_futures.rate_futures_suite(), index_columns=rate_futures.INDEX_COLUMNS
    )
    assert outcome.success, outcome.summary()
    stale = next(f for f in outcome.tolerated if f.description.startswith("stale quotes"))
    assert stale.unexpected_count == 5
    assert {(e["symbol"], e["date"], e["stale_run_bars"]) for e in stale.examples} == {
        ("2YY=F", "2026-02-02", 1),
        ("2YY=F", "2026-02-03", 2),
        ("2YY=F", "2026-02-04", 3),
        ("2YY=F", "2026-02-09", 1),
        ("ZQ=F", "2026-02-06", 1),
    }
    assert "stale quotes" in outcome.summary()
    assert rate_futures.stale_runs(frame) == [
        "2YY=F 2026-02-02..2026-02-04: 3 bars",
        "2YY=F 2026-02-09..2026-02-09: 1 bar",
        "ZQ=F 2026-02-06..2026-02-06: 1 bar",
    ]


def test_without_volume_nothing_is_stale():
    frame = rate_futures.validation_frame(
        prices([("ZQ=F", "2024-07-15", 94.67), ("ZQ=F", "2024-07-16", 94.67)])
    )
    assert frame["stale_run_bars"].eq(0).all()
    assert rate_futures.stale_runs(frame) == []


def test_a_dated_fed_funds_contract_quoted_as_a_rate_blocks_and_its_stale_quotes_are_reported():
    """The dated contracts (ZQU24.CBT) are held to their front month's convention, and a frozen quote
    of one is a stale quote as the front month's is."""
    good = prices([("ZQU24.CBT", "2024-07-15", 94.83), ("ZQU24.CBT", "2024-07-16", 94.84)])
    assert run_futures(good).success
    outcome = run_futures(prices([("ZQU24.CBT", "2024-07-15", 94.83), ("ZQU24.CBT", "2024-07-16", 5.17)]))
    assert not outcome.success
    assert outcome.failed[0].examples[0]["symbol"] == "ZQU24.CBT"
    frame = rate_futures.validation_frame(
        bars([("ZQU24.CBT", "2024-07-15", 94.83, 10), ("ZQU24.CBT", "2024-07-16", 94.83, 0)])
    )
    assert rate_futures.stale_runs(frame) == ["ZQU24.CBT 2024-07-16..2024-07-16: 1 bar"]
