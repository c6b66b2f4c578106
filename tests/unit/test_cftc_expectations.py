"""The CFTC gate on small hand-made reports: identities, non-negative positions, one report a week."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from expectations import cftc
from expectations.runner import validate

TODAY = dt.date(2024, 12, 31)


def report(date: str, **changes) -> dict:
    row = {
        "report_date": date,
        "cftc_code": "239742",
        "dealer_long": 10.0,
        "dealer_short": 20.0,
        "dealer_spread": 1.0,
        "asset_mgr_long": 30.0,
        "asset_mgr_short": 10.0,
        "asset_mgr_spread": 2.0,
        "lev_money_long": 5.0,
        "lev_money_short": 25.0,
        "lev_money_spread": 3.0,
        "other_rept_long": 4.0,
        "other_rept_short": 1.0,
        "other_rept_spread": 0.0,
    }
    row["tot_rept_long"] = 10 + 1 + 30 + 2 + 5 + 3 + 4 + 0  # 55
    row["tot_rept_short"] = 20 + 1 + 10 + 2 + 25 + 3 + 1 + 0  # 62
    row["open_interest"] = 70.0
    row["nonrept_long"] = 70.0 - row["tot_rept_long"]
    row["nonrept_short"] = 70.0 - row["tot_rept_short"]
    row.update(changes)
    return row


def run(rows):
    df = pd.DataFrame(rows)
    df["report_date"] = pd.to_datetime(df["report_date"])
    return validate(
        "cftc", cftc.validation_frame(df), cftc.cftc_suite(TODAY), index_columns=cftc.INDEX_COLUMNS
    )


def failed(outcome):
    return [f.description for f in outcome.failed]


def test_consistent_weekly_reports_pass():
    outcome = run([report("2024-07-09"), report("2024-07-16")])
    assert outcome.success, outcome.summary()


def test_a_broken_open_interest_identity_blocks_with_the_report_as_example():
    outcome = run([report("2024-07-09"), report("2024-07-16", nonrept_long=99.0)])
    assert "total reportable long + non-reportable long = open interest" in failed(outcome)
    example = next(f for f in outcome.failed if f.description.startswith("total reportable long +")).examples[
        0
    ]
    assert example["cftc_code"] == "239742" and example["report_date"].startswith("2024-07-16")


def test_groups_not_adding_up_to_total_reportable_blocks():
    outcome = run([report("2024-07-16", lev_money_long=6.0)])
    assert "total reportable long = the four groups' long + spread" in failed(outcome)


def test_negative_positions_and_duplicate_weeks_block():
    outcome = run([report("2024-07-16", dealer_short=-1.0), report("2024-07-16")])
    assert {"positions are >= 0", "one report per market and date"} <= set(failed(outcome))


def test_a_missing_week_is_reported_not_blocking():
    outcome = run([report("2024-07-02"), report("2024-07-16")])
    assert outcome.success
    assert outcome.tolerated[0].examples[0]["weeks_since_previous"] == 2


def test_a_report_moved_to_monday_by_a_holiday_is_not_a_gap():
    outcome = run([report("2023-07-03"), report("2023-07-11"), report("2023-07-18")])
    assert outcome.success and not outcome.tolerated
