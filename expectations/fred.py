"""The quality gate of ``raw.fred_series``: FRED daily rates in percent."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from expectations.runner import TableSuite

INDEX_COLUMNS = ["series_id", "date"]

# Percent. Front-end US rates stayed within this range since 1954 (the 2-year peaked near 17% in 1981);
# a value outside is a unit or parsing problem (a rate sent as a fraction, or in basis points).
MIN_RATE, MAX_RATE = -1.0, 25.0

# Calendar days between two published values of a series before the gap is reported: a weekend plus
# a holiday is 4, a long holiday bridge 5; FRED series rarely go longer without a value.
MAX_GAP_DAYS = 7


def validation_frame(raw: pd.DataFrame) -> pd.DataFrame:
    """``raw.fred_series`` plus ``gap_days``: calendar days since the series' previous value (on rows
    with a value)."""
    df = raw.sort_values(INDEX_COLUMNS).reset_index(drop=True)
    dates = pd.to_datetime(df["date"])
    with_value = df["value"].notna()
    # the last earlier date that had a value, per series
    previous = pd.to_datetime(
        dates.where(with_value).groupby(df["series_id"]).transform(lambda s: s.ffill().shift())
    )  # datetimes also when the table is empty
    df["gap_days"] = (dates - previous).dt.days.where(with_value)
    return df


def fred_suite(today: dt.date) -> list:
    import great_expectations as gx

    e = gx.expectations
    return [
        e.ExpectColumnValuesToNotBeNull(column="series_id", description="series_id is never null"),
        e.ExpectColumnValuesToNotBeNull(column="date", description="date is never null"),
        e.ExpectCompoundColumnsToBeUnique(
            column_list=["series_id", "date"], description="one row per series and date"
        ),
        e.ExpectColumnValuesToBeBetween(
            column="value",
            min_value=MIN_RATE,
            max_value=MAX_RATE,
            description=f"rates are in percent, between {MIN_RATE} and {MAX_RATE} (nulls are allowed: no value that day)",
        ),
        e.ExpectColumnValuesToBeBetween(
            column="date",
            max_value=pd.Timestamp(today),
            description=f"no future dates (after {today.isoformat()})",
        ),
        e.ExpectColumnValuesToBeBetween(
            column="gap_days",
            max_value=MAX_GAP_DAYS,
            mostly=0.0,  # reported, not blocking: real series have long holiday gaps now and then
            description=f"gaps of more than {MAX_GAP_DAYS} calendar days without a value (reported)",
        ),
    ]


GATE = TableSuite(
    table="fred_series",
    suite=fred_suite,
    index_columns=INDEX_COLUMNS,
    validation_frame=validation_frame,
    description=(
        "Great Expectations suite for raw.fred_series (expectations/fred.py): keys not null, one row "
        "per series and date, values in percent within -1..25 (nulls allowed: FRED had no value), "
        "no future dates, every requested series present; gaps of more than 7 days reported. "
        "Blocking: a failure stops dbt and publishing."
    ),
)
