"""Acceptance: marts.index_concentration on the real snapshot against an independent pandas computation.

The closes come straight from the snapshot CSV files (read the way SOURCES.md describes), the share
counts and the index capitalization anchor from the same seed files the warehouse uses ("from the
same weights"); the year bases, share-count choice, weights and contributions are computed here with
plain pandas, not with the project's code.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from ingestion.universe import SEEDS_DIR
from tests.acceptance.conftest import read_yahoo_csv

pytestmark = [pytest.mark.acceptance, pytest.mark.slow]

MEGACAPS = ["NVDA", "MSFT", "AAPL", "GOOGL", "AMZN", "META"]


def read_close(snapshot_dir, symbol: str) -> pd.Series:
    df = read_yahoo_csv(snapshot_dir, symbol)
    return pd.Series(df["Close"].astype(float).to_numpy(), index=df["Date"], name=symbol).dropna()


def expected_concentration(snapshot_dir) -> pd.DataFrame:
    gspc = read_close(snapshot_dir, "^GSPC")
    closes = {s: read_close(snapshot_dir, s) for s in MEGACAPS}
    shares = pd.read_csv(SEEDS_DIR / "shares_outstanding.csv", parse_dates=["as_of"])
    anchor = pd.read_csv(SEEDS_DIR / "index_capitalization.csv", parse_dates=["as_of"]).iloc[0]
    assert len(pd.read_csv(SEEDS_DIR / "index_capitalization.csv")) == 1, "this test assumes one anchor"
    rows = []
    for year in range(gspc.index.year.min() + 1, gspc.index.year.max() + 1):
        base = gspc.index[gspc.index < pd.Timestamp(year, 1, 1)].max()
        cap = anchor["market_cap_usd"] * gspc[base] / gspc[anchor["as_of"]]
        days = gspc.index[gspc.index.year == year]
        for symbol in MEGACAPS:
            counts = shares[
                (shares["symbol"] == symbol)
                & (shares["as_of"] <= base + pd.Timedelta(days=45))
                & (shares["as_of"] > base - pd.Timedelta(days=450))
            ]
            if counts.empty or base not in closes[symbol].index:
                continue
            count = counts.sort_values("as_of").iloc[-1]["shares_outstanding"]
            start_weight = count * closes[symbol][base] / cap
            on = days.intersection(closes[symbol].index)
            ytd = closes[symbol][on] / closes[symbol][base] - 1
            rows.append(
                pd.DataFrame(
                    {
                        "date": on,
                        "symbol": symbol,
                        "start_weight": start_weight,
                        "ytd_return": ytd.to_numpy(),
                        "index_ytd_return": (gspc[on] / gspc[base] - 1).to_numpy(),
                        "contribution": start_weight * ytd.to_numpy(),
                    }
                )
            )
    out = pd.concat(rows, ignore_index=True)
    group = out.groupby("date")["contribution"].transform("sum")
    out["group_share_of_index_return"] = group / out["index_ytd_return"]
    return out


@pytest.fixture(scope="module")
def mart(snapshot_warehouse) -> pd.DataFrame:
    settings, _ = snapshot_warehouse
    with duckdb.connect(str(settings.serving_db), read_only=True) as con:
        df = con.execute("select * from marts.index_concentration").df()
    df["date"] = pd.to_datetime(df["date"])
    return df


def test_year_to_date_contributions_match_pandas(mart, snapshot_dir):
    expected = expected_concentration(snapshot_dir)
    assert sorted(expected["date"].dt.year.unique()) == [2022, 2023, 2024, 2025, 2026]
    names = expected.groupby(expected["date"].dt.year)["symbol"].nunique()
    assert (names == len(MEGACAPS)).all(), (
        f"every year needs a share count for each mega cap: {names.to_dict()}"
    )
    merged = expected.merge(
        mart, on=["date", "symbol"], how="outer", suffixes=("_pandas", ""), indicator=True
    )
    only = merged[merged["_merge"] != "both"]
    assert only.empty, f"rows in one and not the other:\n{only[['date', 'symbol', '_merge']].head(10)}"
    for column in [
        "start_weight",
        "ytd_return",
        "index_ytd_return",
        "contribution",
        "group_share_of_index_return",
    ]:
        pd.testing.assert_series_equal(
            merged[column], merged[f"{column}_pandas"], check_names=False, rtol=1e-9, atol=1e-12, obj=column
        )


def test_the_six_names_weigh_what_public_figures_say(mart):
    """A sanity check of the seed and the method, not of the arithmetic: at the start of 2024 the
    six names weighed about 27% of the S&P 500 (S&P's published weights: Apple ~7%, Microsoft ~7%,
    Amazon ~3.4%, Nvidia ~3%, Alphabet ~3.8% over both classes, Meta ~2%)."""
    first = mart[mart["date"] == mart[mart["year"] == 2024]["date"].min()]
    weights = first.set_index("symbol")["start_weight"]
    assert 0.24 < weights.sum() < 0.30, weights.to_dict()
    assert 0.06 < weights["AAPL"] < 0.08 and 0.06 < weights["MSFT"] < 0.08, weights.to_dict()
