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


def removals_suite(table: str) -> list:
    """The removal rule, on the pending removals of one raw table (``raw.pending_removals``): every
    row listed must have been removed by decision; a ``withheld`` row (kept in raw, no decision) fails."""
    import great_expectations as gx

    return [
        gx.expectations.ExpectColumnValuesToBeInSet(
            column="decision",
            value_set=["removed"],
            description=(
                f"no row of raw.{table} removed without a decision: these rows are no longer in the files "
                "of the load that covered them and are kept in raw (raw.removed_rows, withheld) — fix: "
                "correct the landing file and run the window again, or accept the removal with "
                f"ROTATION_ALLOW_REMOVALS={table} (or {table}:<item>) and run it again"
            ),
        ),
    ]
