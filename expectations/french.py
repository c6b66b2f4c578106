"""Expectations on ``raw.french_factors``: the Fama-French daily factors (percent)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from expectations.runner import TableSuite
from ingestion.french import FRENCH_FACTORS

INDEX_COLUMNS = ["factor", "date"]
FACTORS = list(FRENCH_FACTORS)

# A daily factor return beyond this many percent is a unit error (a fraction written as percent
# times 100, or a price): the largest real daily Mkt-RF, on 1987-10-19, is -17.44, the largest Mom
# move -18.5 (the library's momentum file, 202511 vintage).
MAX_ABS_DAILY = 25.0
# The risk-free rate per day, in percent: 0.06 is about 16% a year (1981's highest was ~0.06).
MAX_RF_DAILY = 0.1


def french_suite(today: dt.date) -> list:
    import great_expectations as gx

    e = gx.expectations
    return [
        e.ExpectColumnValuesToNotBeNull(column="factor", description="factor is never null"),
        e.ExpectColumnValuesToNotBeNull(column="date", description="date is never null"),
        e.ExpectColumnValuesToBeInSet(
            column="factor", value_set=FACTORS, description=f"factors are {', '.join(FACTORS)}"
        ),
        e.ExpectCompoundColumnsToBeUnique(
            column_list=INDEX_COLUMNS, description="one row per factor and date"
        ),
        e.ExpectColumnValuesToBeBetween(
            column="value",
            min_value=-MAX_ABS_DAILY,
            max_value=MAX_ABS_DAILY,
            description=f"daily returns in percent, within ±{MAX_ABS_DAILY} (nulls are allowed: missing)",
        ),
        e.ExpectColumnValuesToBeBetween(
            column="value",
            min_value=-0.01,
            max_value=MAX_RF_DAILY,
            row_condition='factor=="RF"',
            condition_parser="pandas",
            description=f"the daily risk-free rate RF is in percent per day, between -0.01 and {MAX_RF_DAILY}",
        ),
        e.ExpectColumnValuesToBeBetween(
            column="date",
            max_value=pd.Timestamp(today),
            description=f"no future dates (after {today.isoformat()})",
        ),
    ]


GATE = TableSuite(
    table="french_factors",
    suite=french_suite,
    index_columns=INDEX_COLUMNS,
    description=(
        "Great Expectations suite for raw.french_factors (expectations/french.py): keys not null, the "
        "seven known factors only, one row per factor and date, daily returns in percent within ±25, RF "
        "within -0.01..0.1 percent a day, no future dates, every factor present. Blocking."
    ),
)
