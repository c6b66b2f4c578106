"""The quality gate of ``raw.cftc_tff``: weekly CFTC Traders in Financial Futures positions."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from expectations.runner import TableSuite

INDEX_COLUMNS = ["cftc_code", "report_date"]
GROUPS = ("dealer", "asset_mgr", "lev_money", "other_rept")
POSITIONS = [
    "open_interest",
    *(f"{g}_{side}" for g in GROUPS for side in ("long", "short", "spread")),
    "tot_rept_long",
    "tot_rept_short",
    "nonrept_long",
    "nonrept_short",
]

# Reports are weekly (a holiday can move one to Monday): a calendar week without a report is a gap.


def validation_frame(raw: pd.DataFrame) -> pd.DataFrame:
    """``raw.cftc_tff`` plus the derived columns the suite checks (each identity as a difference that
    must be 0, the smallest position on the row, calendar weeks since the market's previous report)."""
    df = raw.sort_values(INDEX_COLUMNS).reset_index(drop=True)
    df["min_position"] = df[POSITIONS].min(axis=1)
    df["oi_long_gap"] = df["tot_rept_long"] + df["nonrept_long"] - df["open_interest"]
    df["oi_short_gap"] = df["tot_rept_short"] + df["nonrept_short"] - df["open_interest"]
    df["groups_long_gap"] = df["tot_rept_long"] - sum(df[f"{g}_long"] + df[f"{g}_spread"] for g in GROUPS)
    monday = pd.to_datetime(df["report_date"]).dt.to_period("W-SUN").dt.start_time
    df["weeks_since_previous"] = (monday - monday.groupby(df["cftc_code"]).shift()).dt.days // 7
    return df


def cftc_suite(today: dt.date) -> list:
    import great_expectations as gx

    e = gx.expectations

    def zero(column: str, description: str):
        return e.ExpectColumnValuesToBeBetween(
            column=column, min_value=0, max_value=0, description=description
        )

    return [
        e.ExpectColumnValuesToNotBeNull(column="cftc_code", description="cftc_code is never null"),
        e.ExpectColumnValuesToNotBeNull(column="report_date", description="report_date is never null"),
        e.ExpectColumnValuesToNotBeNull(column="open_interest", description="open interest is never null"),
        e.ExpectCompoundColumnsToBeUnique(
            column_list=["report_date", "cftc_code"], description="one report per market and date"
        ),
        e.ExpectColumnValuesToBeBetween(column="min_position", min_value=0, description="positions are >= 0"),
        zero("oi_long_gap", "total reportable long + non-reportable long = open interest"),
        zero("oi_short_gap", "total reportable short + non-reportable short = open interest"),
        zero("groups_long_gap", "total reportable long = the four groups' long + spread"),
        e.ExpectColumnValuesToBeBetween(
            column="report_date",
            max_value=pd.Timestamp(today),
            description=f"no future report dates (after {today.isoformat()})",
        ),
        e.ExpectColumnValuesToBeBetween(
            column="weeks_since_previous",
            max_value=1,
            mostly=0.0,
            description="weekly cadence: calendar weeks without a report (reported)",
        ),
    ]


GATE = TableSuite(
    table="cftc_tff",
    suite=cftc_suite,
    index_columns=INDEX_COLUMNS,
    validation_frame=validation_frame,
    description=(
        "Great Expectations suite for raw.cftc_tff (expectations/cftc.py): one report per market and "
        "date, positions >= 0, total reportable + non-reportable = open interest (long and short), "
        "total reportable long = the four groups' long + spread, no future dates, every requested "
        "market present; gaps in the weekly cadence reported. Blocking."
    ),
)
