"""Run a list of GX expectations in an ephemeral context, on a DataFrame (:func:`validate`) or inside
DuckDB (:func:`validate_duckdb`: GX's SQL path, its metrics computed by DuckDB); return plain results."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # no network here; never phone home

log = logging.getLogger(__name__)

MAX_EXAMPLES = 10


class Markdown(str):
    """Metadata text to show as Markdown (Dagster code turns it into MetadataValue.md)."""


def as_it_is(frame: pd.DataFrame) -> pd.DataFrame:
    return frame


@dataclass(frozen=True)
class TableSuite:
    """The gate of a raw table whose suite runs on the table read whole into a frame, declared beside
    its suite: orchestration/checks.py makes the blocking asset check ``great_expectations_gate`` of
    ``raw.<table>`` from it (with the load bookkeeping every gate shares). The price gates, which
    validate inside DuckDB by window, are written out there."""

    table: str  # the raw table (warehouse/raw.py RAW_TABLES), e.g. "fred_series"
    suite: Callable[[Any], list]  # today (New York) -> the expectations
    index_columns: list[str]  # the columns that name a failing row in its examples
    description: str  # the check's description in Dagster: what the suite checks
    validation_frame: Callable[[pd.DataFrame], pd.DataFrame] = as_it_is  # the table -> what is validated
    metadata: Callable[[pd.DataFrame], dict] | None = None  # the table -> more of the check's metadata


@dataclass
class FailedExpectation:
    expectation: str  # GX type, e.g. expect_column_values_to_be_between
    description: str  # what the rule means, in words
    column: str | None
    unexpected_count: int | None
    examples: list[dict[str, Any]] = field(default_factory=list)  # failing rows (key columns + value)
    observed: Any = None  # observed value for aggregate expectations (e.g. missing symbols)


@dataclass
class ValidationOutcome:
    suite: str
    success: bool
    rows: int
    evaluated: int
    successful: int
    failed: list[FailedExpectation] = field(default_factory=list)
    # Expectations that passed within their ``mostly`` tolerance but still found failing rows:
    # reported, not blocking.
    tolerated: list[FailedExpectation] = field(default_factory=list)

    @classmethod
    def combine(cls, suite: str, outcomes: list[ValidationOutcome]) -> ValidationOutcome:
        """One outcome for several validations of the same gate (e.g. rows and load)."""
        return cls(
            suite=suite,
            success=all(o.success for o in outcomes),
            rows=outcomes[0].rows,  # the table's rows; later outcomes validate bookkeeping
            evaluated=sum(o.evaluated for o in outcomes),
            successful=sum(o.successful for o in outcomes),
            failed=[f for o in outcomes for f in o.failed],
            tolerated=[f for o in outcomes for f in o.tolerated],
        )

    def summary(self) -> str:
        tolerated = (
            f" ({len(self.tolerated)} tolerated with exceptions: {'; '.join(map(_failure_text, self.tolerated))})"
            if self.tolerated
            else ""
        )
        if self.success:
            passed = "the expectation" if self.evaluated == 1 else f"all {self.evaluated} expectations"
            return f"{self.suite}: {passed} passed on {self.rows:,} rows{tolerated}"
        return (
            f"{self.suite}: {len(self.failed)} of {self.evaluated} expectations failed on {self.rows:,} rows: "
            + "; ".join(map(_failure_text, self.failed))
            + tolerated
        )


def _failure_text(f: FailedExpectation) -> str:
    count = f.unexpected_count if f.unexpected_count is not None else "failed"
    example = f", e.g. {_example_text(f.examples[0])}" if f.examples else ""
    observed = f", observed {f.observed}" if f.observed not in (None, "") else ""
    return f"{f.description or f.expectation} ({count}{example}{observed})"


def _example_text(example: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in example.items())


def _plain(value: Any) -> Any:
    """numpy / pandas scalars to JSON-friendly Python values."""
    if hasattr(value, "item"):
        try:
            return value.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and value != value:
        return None
    return value


def validate(
    suite_name: str,
    frame: pd.DataFrame,
    expectations: list,
    *,
    index_columns: list[str],
) -> ValidationOutcome:
    """Validate ``frame`` against ``expectations`` (fresh ``gx.expectations.*`` objects).

    Failing rows are identified by ``index_columns`` (e.g. symbol and date) in the examples.
    """
    context = _context()
    asset = context.data_sources.add_pandas("rotation").add_dataframe_asset(suite_name)
    batch_definition = asset.add_batch_definition_whole_dataframe("whole_table")
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    return _outcome(suite_name, _run(context, batch, suite_name, expectations, index_columns), len(frame))


def validate_duckdb(
    suite_name: str,
    database: Path,
    query: str,
    expectations: list,
    *,
    index_columns: list[str],
    rows: int,
) -> ValidationOutcome:
    """Validate the rows of ``query`` (SQL over the DuckDB file ``database``) against
    ``expectations``: GX's SQL data source, every metric a query DuckDB runs (no row reaches
    Python but the failing rows' examples). ``rows`` is the query's row count (for the summary).

    GX opens ``database`` read-only through duckdb-engine (its own DuckDB instance and config):
    pass a file no other connection of this process holds (a scratch file, not the build file:
    DuckDB refuses a second instance of a file with a different config). GX's engine is disposed
    before returning, so the file is free again. Needs the shim of expectations/gx_duckdb.py.
    """
    from expectations import gx_duckdb
    from warehouse.db import MEMORY_LIMIT

    gx_duckdb.install()
    context = _context()
    source = context.data_sources.add_sql(
        "rotation",
        connection_string=f"duckdb:///{Path(database).resolve()}",
        kwargs={"connect_args": {"read_only": True, "config": {"memory_limit": MEMORY_LIMIT}}},
    )
    try:
        asset = source.add_query_asset(suite_name, query=query)
        batch = asset.add_batch_definition_whole_table("whole_table").get_batch()
        result = _run(context, batch, suite_name, expectations, index_columns)
    finally:
        source.get_execution_engine().engine.dispose()
        source.get_engine().dispose()
    return _outcome(suite_name, result, rows)


def _context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def _run(context, batch, suite_name: str, expectations: list, index_columns: list[str]):
    import great_expectations as gx

    suite = context.suites.add(gx.ExpectationSuite(name=suite_name, expectations=expectations))
    return batch.validate(
        suite,
        result_format={
            "result_format": "COMPLETE",
            "unexpected_index_column_names": index_columns,
            "partial_unexpected_count": MAX_EXAMPLES,
        },
    )


def _exception_message(info: dict | None) -> str | None:
    """The first error GX caught: ``exception_info`` is one error, or (SQL path) one per metric."""
    if not info:
        return None
    if info.get("raised_exception") or info.get("exception_message"):
        return info.get("exception_message")
    for value in info.values():
        if isinstance(value, dict) and value.get("raised_exception"):
            return value.get("exception_message") or "raised an exception"
    return None


def _outcome(suite_name: str, result, rows: int) -> ValidationOutcome:
    failed: list[FailedExpectation] = []
    tolerated: list[FailedExpectation] = []
    for r in result.results:
        if r.success and not (r.result or {}).get("unexpected_count"):
            continue
        config = r.expectation_config
        kwargs = config.kwargs
        res = dict(r.result or {})
        examples = [
            {k: _plain(v) for k, v in row.items()}
            # the failing rows' index columns and value; GX's SQL path gives none for compound
            # uniqueness, whose failing values are the key columns themselves (unexpected_list)
            for row in (res.get("unexpected_index_list") or res.get("unexpected_list") or [])[:MAX_EXAMPLES]
            if isinstance(row, dict)
        ]
        observed = res.get("observed_value")
        if res.get("partial_missing_list"):
            observed = {"missing": [_plain(v) for v in res["partial_missing_list"]]}
        exception = _exception_message(r.exception_info)
        (tolerated if r.success else failed).append(
            FailedExpectation(
                expectation=config.type,
                description=config.description or "",
                column=kwargs.get("column") or kwargs.get("column_A") or kwargs.get("column_list"),
                unexpected_count=res.get("unexpected_count"),
                examples=examples,
                observed=_plain(observed) if not isinstance(observed, dict) else observed,
            )
        )
        if exception and not r.success:
            failed[-1].observed = f"error: {exception}"
    stats = result.statistics
    outcome = ValidationOutcome(
        suite=suite_name,
        success=bool(result.success),
        rows=rows,
        evaluated=int(stats["evaluated_expectations"]),
        successful=int(stats["successful_expectations"]),
        failed=failed,
        tolerated=tolerated,
    )
    log.debug(outcome.summary())
    return outcome
