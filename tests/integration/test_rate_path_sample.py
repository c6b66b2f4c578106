"""The rate path on the generated sample (issue 22): with the deferred fed funds contracts, the next
three FOMC meetings are priced on most days, and the prices agree with the sample's fed funds path.

Shares and expectations are computed here from the serving file and the sample's own FED_FUNDS_PATH
with pandas, not read from the mart's columns as their own expectation."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import pytest

from ingestion.sample.world import FED_FUNDS_PATH

pytestmark = pytest.mark.slow

# Before the issue only the front month priced the next meeting: null on about 80% of days.
FRONT_ONLY_NULL_SHARE = 0.8


@pytest.fixture(scope="module")
def fedwatch(sample_warehouse) -> pd.DataFrame:
    settings, run = sample_warehouse
    assert run.success, run.failures
    with duckdb.connect(str(settings.serving_db), read_only=True) as con:
        frame = con.execute(
            "select date, next_fomc_date, second_fomc_date, third_fomc_date, implied_change_bp_next_fomc, "
            "implied_change_bp_second_fomc, implied_change_bp_third_fomc, cut_probability_next_fomc, "
            "cut_probability_second_fomc, cut_probability_third_fomc "
            "from marts.front_end_rates where rate_series = 'ZQ=F_IMPLIED'"
        ).df()
        meetings = con.execute(
            "select meeting_date from reference.fomc_meetings where scheduled order by meeting_date"
        ).df()
    frame["date"] = pd.to_datetime(frame["date"])
    first_meeting = pd.Timestamp(meetings["meeting_date"].min())
    return frame[frame["date"] >= first_meeting].reset_index(drop=True)


def test_the_next_meeting_is_priced_on_far_more_days_than_the_front_month_allowed(fedwatch):
    assert len(fedwatch) > 6000, len(fedwatch)
    for k in ("next", "second", "third"):
        share = fedwatch[f"cut_probability_{k}_fomc"].isna().mean()
        assert share < 0.05, f"cut_probability_{k}_fomc: null on {share:.1%} of ZQ=F dates, expected < 5%"
    assert fedwatch["cut_probability_next_fomc"].isna().mean() < FRONT_ONLY_NULL_SHARE / 10


def test_a_meeting_with_a_large_move_is_priced_in_its_direction(fedwatch):
    """The sample's path: a 50 bp cut from 2024-09-19 (the meeting of 2024-09-18). In July 2024 it
    is the second meeting ahead and priced as a cut; the meeting of July 31 (no move) is not."""
    levels = dict((dt.date.fromisoformat(d), v) for d, v in FED_FUNDS_PATH)
    move = (levels[dt.date(2024, 9, 19)] - levels[dt.date(2023, 7, 27)]) * 100
    assert move == pytest.approx(-50)
    july = fedwatch[(fedwatch["date"] >= "2024-07-01") & (fedwatch["date"] <= "2024-07-30")]
    assert (pd.to_datetime(july["second_fomc_date"]) == pd.Timestamp("2024-09-18")).all()
    assert (july["implied_change_bp_second_fomc"] < -20).all(), july[
        "implied_change_bp_second_fomc"
    ].describe()
    assert (july["cut_probability_second_fomc"] > 0.8).all()
    assert july["implied_change_bp_next_fomc"].abs().max() < 10


def test_priced_moves_follow_the_path_over_all_meetings(fedwatch):
    """Per date and meeting, the move priced against the path's actual move at that meeting (the new
    rate from the day after it): they agree in sign where the path moved by 25 bp or more, and a
    meeting one month ahead is priced closer to its move than one four months ahead."""
    knots = pd.to_datetime([d for d, _ in FED_FUNDS_PATH]).to_numpy()
    levels = np.array([v for _, v in FED_FUNDS_PATH])

    def actual(meeting: pd.Series) -> np.ndarray:
        """The path's move (bp) at each meeting: the rate from the day after it minus the rate on it."""
        day = pd.to_datetime(meeting).to_numpy()
        on = levels[np.searchsorted(knots, day, side="right") - 1]
        after = levels[np.searchsorted(knots, day + np.timedelta64(1, "D"), side="right") - 1]
        return (after - on) * 100

    rows = []
    for k in ("next", "second", "third"):
        part = fedwatch[["date", f"{k}_fomc_date", f"implied_change_bp_{k}_fomc"]].dropna()
        part.columns = ["date", "meeting", "priced"]
        part["actual"] = actual(part["meeting"])
        part["days_ahead"] = (pd.to_datetime(part["meeting"]) - part["date"]).dt.days
        rows.append(part)
    both = pd.concat(rows, ignore_index=True)
    moved = both[both["actual"].abs() >= 25]
    assert len(moved) > 1500  # (date, meeting) pairs; about 2,000 on the sample
    assert ((moved["priced"] * moved["actual"]) > 0).mean() > 0.95
    share = moved["priced"] / moved["actual"]
    near, far = share[moved["days_ahead"] <= 30].median(), share[moved["days_ahead"] > 100].median()
    assert 0.7 < near < 1.2 and 0.2 < far < near, (near, far)
