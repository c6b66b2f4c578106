"""What a table holds, in two numbers and a window: rows, and the first and last date of its date column.

Read by `rotation summary` (the published tables) and by the dbt step (each model it materialized), so
a table is dated by the same column everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

# The column a table is dated by, in order of preference: a table with a `date` (one row per day) is
# dated by it even when it also has an interval's `start_date` (relative_performance has both).
DATE_COLUMNS = ("date", "report_date", "capture_date", "event_date", "start_date")


def date_column(columns: Sequence[str]) -> str | None:
    """The column a table is dated by: the first of DATE_COLUMNS it has, else None."""
    return next((c for c in DATE_COLUMNS if c in columns), None)


@dataclass(frozen=True)
class TableStats:
    rows: int
    date_column: str | None  # None: the table has no date column; first and last are None
    first: object = None  # a date (or None when the table is empty or undated)
    last: object = None

    def metadata(self) -> dict[str, object]:
        """As Dagster asset metadata: the row count (``dagster/row_count``, shown in the catalog) and
        the date window."""
        out: dict[str, object] = {"dagster/row_count": self.rows}
        if self.date_column:
            out["date_column"] = self.date_column
            out["first_date"] = str(self.first) if self.first is not None else "-"
            out["last_date"] = str(self.last) if self.last is not None else "-"
        return out


def table_stats(con: duckdb.DuckDBPyConnection, relation: str, columns: Sequence[str]) -> TableStats:
    """Rows and date window of ``relation`` (a quoted table name, or a DuckDB table function such as
    ``read_parquet(...)``) whose columns are ``columns``, in one scan."""
    column = date_column(columns)
    if column is None:
        return TableStats(con.execute(f"select count(*) from {relation}").fetchone()[0], None)
    rows, first, last = con.execute(
        f'select count(*), min("{column}"), max("{column}") from {relation}'
    ).fetchone()
    return TableStats(rows, column, first, last)
