"""Expectations on a raw load's bookkeeping (``raw.load_items``): did upstream deliver what we asked?"""

from __future__ import annotations

INDEX_COLUMNS = ["item"]


def load_suite() -> list:
    """Every requested symbol or series delivered rows in the latest load (fresh GX objects)."""
    import great_expectations as gx

    return [
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="rows_delivered",
            min_value=1,
            row_condition="requested==True",
            condition_parser="pandas",
            description="every requested symbol or series is present: upstream delivered rows for it in the latest load",
        ),
    ]
