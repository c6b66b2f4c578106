"""Acceptance: front_end_rates' FOMC pricing on the real snapshot, against pandas on the raw files.

The snapshot has no dated fed funds contracts (live-only upstream), so only the front month ZQ=F
prices a meeting: the next meeting when it falls in the current month with at least 5 days after it,
from the last DFF published before the date; the second and third meetings never. Computed here from
yahoo/ZQ=F.csv, fred/DFF.csv and the FOMC seed with plain pandas."""

from __future__ import annotations

import calendar

import duckdb
import pandas as pd
import pytest

from ingestion.universe import SEEDS_DIR
from tests.acceptance.conftest import read_yahoo_csv
from tests.acceptance.test_snapshot_rates import read_fred

pytestmark = [pytest.mark.acceptance, pytest.mark.slow]


def expected_next_meeting(snapshot_dir) -> pd.DataFrame:
    bars = read_yahoo_csv(snapshot_dir, "ZQ=F")[["Date", "Close"]].dropna()
    dff = read_fred(snapshot_dir, "DFF")
    seed = pd.read_csv(SEEDS_DIR / "fomc_meetings.csv", parse_dates=["meeting_date"])
    meetings = seed.loc[seed["scheduled"].astype(str).str.lower() == "true", "meeting_date"].sort_values()
    rows = []
    for day, close in zip(bars["Date"], bars["Close"].astype(float), strict=True):
        if day < meetings.iloc[0]:
            continue
        meeting = meetings[meetings > day].iloc[0] if (meetings > day).any() else None
        known = dff[(dff.index < day) & (dff.index >= day - pd.Timedelta(days=10))]
        change = None
        if meeting is not None and (meeting.year, meeting.month) == (day.year, day.month) and not known.empty:
            n = calendar.monthrange(day.year, day.month)[1]
            d = meeting.day
            if n - d >= 5:
                before = known.iloc[-1]
                change = (((100 - close) * n - before * d) / (n - d) - before) * 100
        rows.append({"date": day, "meeting": meeting, "change": change})
    return pd.DataFrame(rows)


def test_only_the_front_month_prices_a_meeting_on_the_snapshot(snapshot_warehouse, snapshot_dir):
    settings, _ = snapshot_warehouse
    with duckdb.connect(str(settings.serving_db), read_only=True) as con:
        mart = con.execute(
            "select date, next_fomc_date, implied_change_bp_next_fomc, cut_probability_next_fomc, "
            "second_fomc_date, implied_change_bp_second_fomc, cut_probability_second_fomc, "
            "implied_change_bp_third_fomc, cut_probability_third_fomc "
            "from marts.front_end_rates where rate_series = 'ZQ=F_IMPLIED' and next_fomc_date is not null"
        ).df()
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        contracts = con.execute("select count(*) from intermediate.int_rates__futures_strip").fetchone()[0]
    assert contracts == 0, f"{contracts} dated contract closes on the snapshot, which has none"
    mart["date"] = pd.to_datetime(mart["date"])
    expected = expected_next_meeting(snapshot_dir)
    merged = expected.merge(mart, on="date", how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), merged.loc[
        merged["_merge"] != "both", ["date", "_merge"]
    ].head()
    assert (pd.to_datetime(merged["next_fomc_date"]) == merged["meeting"]).all()
    priced = merged["change"].notna()
    assert 0.1 < priced.mean() < 0.3, priced.mean()  # about one day in five
    assert merged.loc[~priced, "implied_change_bp_next_fomc"].isna().all()
    got = merged.loc[priced, "implied_change_bp_next_fomc"].astype(float)
    pd.testing.assert_series_equal(
        got, merged.loc[priced, "change"].astype(float), check_names=False, rtol=1e-9
    )
    clipped = (-merged.loc[priced, "change"].astype(float) / 25).clip(0, 1)
    pd.testing.assert_series_equal(
        merged.loc[priced, "cut_probability_next_fomc"].astype(float), clipped, check_names=False, rtol=1e-9
    )
    for column in (
        "implied_change_bp_second_fomc",
        "cut_probability_second_fomc",
        "implied_change_bp_third_fomc",
        "cut_probability_third_fomc",
    ):
        assert mart[column].isna().all(), f"{column}: values on the snapshot, which has no dated contracts"
    assert mart["second_fomc_date"].notna().mean() > 0.99  # the dates are known, the prices are not
