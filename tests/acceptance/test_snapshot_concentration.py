"""Acceptance: marts.index_concentration on the real snapshot against an independent pandas computation.

The closes come straight from the snapshot CSV files (read the way SOURCES.md describes), the share
counts and the index capitalization anchor from the same seed files the warehouse uses ("from the
same weights"); the year bases, share-count choice and age, weights and contributions on both bases
(total return: adjusted closes and SPY's; price: unadjusted closes and ^GSPC) are computed here with
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


STALE_DAYS = 92  # a share count dated more than a quarter before the year's base is stale


def read_closes(snapshot_dir, symbol: str) -> tuple[pd.Series, pd.Series | None]:
    """(total-return close, price close) of a snapshot Yahoo file, as data/README.md describes the
    dialects: a file with an ``Adj Close`` column (three-line header) has the unadjusted Close and the
    dividend-adjusted Adj Close; in the other dialects (auto-adjusted, close-only) Close itself is
    adjusted and there is no unadjusted close."""
    df = read_yahoo_csv(snapshot_dir, symbol).set_index("Date")
    if "Adj Close" in df.columns:
        return df["Adj Close"].astype(float).dropna(), df["Close"].astype(float).dropna()
    return df["Close"].astype(float).dropna(), None


def expected_concentration(snapshot_dir) -> pd.DataFrame:
    _, gspc = read_closes(snapshot_dir, "^GSPC")  # a price index: its Adj Close is its Close
    spy_total, _ = read_closes(snapshot_dir, "SPY")
    total = {}
    price = {}
    for s in MEGACAPS:
        total[s], price[s] = read_closes(snapshot_dir, s)
    # market caps use the close as sent: the unadjusted one where the file has it
    as_sent = {s: price[s] if price[s] is not None else total[s] for s in MEGACAPS}
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
            if counts.empty or base not in as_sent[symbol].index:
                continue
            chosen = counts.sort_values("as_of").iloc[-1]
            start_weight = chosen["shares_outstanding"] * as_sent[symbol][base] / cap
            on = days.intersection(as_sent[symbol].index)
            ytd_total = total[symbol].reindex(on) / total[symbol][base] - 1
            index_total = spy_total.reindex(on) / spy_total[base] - 1
            if price[symbol] is None:
                ytd_price = pd.Series(float("nan"), index=on)
            else:
                ytd_price = price[symbol].reindex(on) / price[symbol][base] - 1
            age = (base - chosen["as_of"]).days
            rows.append(
                pd.DataFrame(
                    {
                        "date": on,
                        "symbol": symbol,
                        "start_weight": start_weight,
                        "shares_count_age_days": age,
                        "shares_count_is_stale": age > STALE_DAYS,
                        "ytd_total_return": ytd_total.to_numpy(),
                        "index_ytd_total_return": index_total.to_numpy(),
                        "contribution_to_total_return": start_weight * ytd_total.to_numpy(),
                        "ytd_price_return": ytd_price.to_numpy(),
                        "index_ytd_price_return": (gspc[on] / gspc[base] - 1).to_numpy(),
                        "contribution_to_price_return": start_weight * ytd_price.to_numpy(),
                        # the old mixed basis: the close as sent over ^GSPC's price return
                        "mixed_contribution": start_weight
                        * (as_sent[symbol][on] / as_sent[symbol][base] - 1),
                    }
                )
            )
    out = pd.concat(rows, ignore_index=True)
    by_date = out.groupby("date")
    for basis in ("total", "price"):
        # a group sum needs every name's return on the basis (min_count: all of them)
        group = by_date[f"contribution_to_{basis}_return"].transform(
            lambda x: x.sum(min_count=len(x)) if x.notna().all() else float("nan")
        )
        out[f"group_share_of_index_{basis}_return"] = group / out[f"index_ytd_{basis}_return"]
    out["mixed_group_share"] = by_date["mixed_contribution"].transform("sum") / out["index_ytd_price_return"]
    out["group_stale_share_counts"] = by_date["shares_count_is_stale"].transform("sum")
    return out


@pytest.fixture(scope="module")
def mart(snapshot_warehouse) -> pd.DataFrame:
    settings, _ = snapshot_warehouse
    with duckdb.connect(str(settings.serving_db), read_only=True) as con:
        df = con.execute("select * from marts.index_concentration").df()
    df["date"] = pd.to_datetime(df["date"])
    return df


def test_year_to_date_contributions_match_pandas_on_both_bases(mart, snapshot_dir):
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
        "ytd_total_return",
        "index_ytd_total_return",
        "contribution_to_total_return",
        "group_share_of_index_total_return",
        "ytd_price_return",
        "index_ytd_price_return",
        "contribution_to_price_return",
        "group_share_of_index_price_return",
    ]:
        pd.testing.assert_series_equal(
            merged[column].astype(float),
            merged[f"{column}_pandas"].astype(float),
            check_names=False,
            rtol=1e-9,
            atol=1e-12,
            obj=column,
        )


def test_members_and_index_share_one_basis(mart, snapshot_dir):
    """The total-return share is not the mixed one (adjusted members over ^GSPC's price return) the
    mart used to publish, on every date where the two differ in the files."""
    expected = expected_concentration(snapshot_dir)
    day = expected[expected["date"] == pd.Timestamp("2024-07-19")].iloc[0]
    got = mart[mart["date"] == pd.Timestamp("2024-07-19")].iloc[0]
    assert got["group_share_of_index_total_return"] == pytest.approx(day["group_share_of_index_total_return"])
    assert abs(day["mixed_group_share"] - day["group_share_of_index_total_return"]) > 0.01, (
        "the files no longer show the mixed basis apart from the total-return one on 2024-07-19"
    )
    assert got["group_share_of_index_total_return"] != pytest.approx(day["mixed_group_share"], abs=0.01)


def test_stale_share_counts_are_flagged(mart, snapshot_dir):
    expected = expected_concentration(snapshot_dir)
    merged = expected.merge(mart, on=["date", "symbol"], suffixes=("_pandas", ""))
    assert len(merged) == len(expected)
    for column in ["shares_count_age_days", "shares_count_is_stale", "group_stale_share_counts"]:
        assert (merged[column] == merged[f"{column}_pandas"]).all(), merged.loc[
            merged[column] != merged[f"{column}_pandas"], ["date", "symbol", column, f"{column}_pandas"]
        ]
    assert merged["shares_count_age_days"].max() <= 450
    stale_years = sorted(merged.loc[merged["shares_count_is_stale"], "date"].dt.year.unique())
    expected_years = sorted(expected.loc[expected["shares_count_is_stale"], "date"].dt.year.unique())
    assert stale_years == expected_years and stale_years, "the seed's latest counts make some year stale"


def test_the_six_names_weigh_what_public_figures_say(mart):
    """A sanity check of the seed and the method, not of the arithmetic: at the start of 2024 the
    six names weighed about 27% of the S&P 500 (S&P's published weights: Apple ~7%, Microsoft ~7%,
    Amazon ~3.4%, Nvidia ~3%, Alphabet ~3.8% over both classes, Meta ~2%)."""
    first = mart[mart["date"] == mart[mart["year"] == 2024]["date"].min()]
    weights = first.set_index("symbol")["start_weight"]
    assert 0.24 < weights.sum() < 0.30, weights.to_dict()
    assert 0.06 < weights["AAPL"] < 0.08 and 0.06 < weights["MSFT"] < 0.08, weights.to_dict()


def test_rotation_daily_reads_the_total_return_basis(snapshot_warehouse, snapshot_dir):
    """rotation_daily's mega-cap share of the index's return and its stale-count tally are the
    group's total-return figures of each date, recomputed with pandas."""
    settings, _ = snapshot_warehouse
    with duckdb.connect(str(settings.serving_db), read_only=True) as con:
        daily = con.execute(
            "select date, megacap_share_of_index_ytd_total_return, megacap_stale_share_counts "
            "from marts.rotation_daily where megacap_index_weight is not null"
        ).df()
    daily["date"] = pd.to_datetime(daily["date"])
    expected = (
        expected_concentration(snapshot_dir)
        .groupby("date")[["group_share_of_index_total_return", "group_stale_share_counts"]]
        .first()
        .reset_index()
    )
    merged = expected.merge(daily, on="date", how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"].head()
    pd.testing.assert_series_equal(
        merged["megacap_share_of_index_ytd_total_return"].astype(float),
        merged["group_share_of_index_total_return"].astype(float),
        check_names=False,
        rtol=1e-9,
        atol=1e-12,
    )
    assert (merged["megacap_stale_share_counts"] == merged["group_stale_share_counts"]).all()
