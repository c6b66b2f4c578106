"""The quality gate: Great Expectations suites run as blocking asset checks on every raw table.

A failed blocking check stops every downstream asset (dbt models, serving) in the same run, so the
marts and the serving file keep the last good data. The failing rows stay in raw and are listed in
the check's metadata.
"""

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pandas as pd
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    MetadataValue,
    asset_check,
)

from expectations import loads as load_expectations
from expectations import prices as price_expectations
from expectations.runner import ValidationOutcome, validate
from ingestion.universe import load_universe
from orchestration.assets.ingestion import RAW_PRICES
from orchestration.resources import WRITER_POOL, WarehouseResource
from warehouse import db
from warehouse import raw as raw_tables


def outcome_metadata(outcome: ValidationOutcome) -> dict:
    lines = [f"**{outcome.summary()}**", ""]
    for failure in [*outcome.failed, *outcome.tolerated]:
        status = "FAILED" if failure in outcome.failed else "tolerated"
        lines.append(f"- {status} `{failure.expectation}` on `{failure.column}`: {failure.description}")
        if failure.unexpected_count is not None:
            lines.append(f"  - failing rows: {failure.unexpected_count}")
        if failure.observed not in (None, ""):
            lines.append(f"  - observed: {failure.observed}")
        for example in failure.examples:
            lines.append(f"  - e.g. `{json.dumps(example, default=str)}`")
    return {
        "suite": outcome.suite,
        "rows_validated": outcome.rows,
        "expectations_evaluated": outcome.evaluated,
        "expectations_failed": len(outcome.failed),
        "expectations_tolerated": len(outcome.tolerated),
        "failures": MetadataValue.md("\n".join(lines)),
        "failure_examples": MetadataValue.json(
            [
                {
                    "status": "failed" if f in outcome.failed else "tolerated",
                    "expectation": f.expectation,
                    "description": f.description,
                    "unexpected_count": f.unexpected_count,
                    "observed": f.observed,
                    "examples": f.examples,
                }
                for f in [*outcome.failed, *outcome.tolerated]
            ]
        ),
    }


@asset_check(
    asset=RAW_PRICES,
    name="great_expectations_gate",
    blocking=True,
    pool=WRITER_POOL,  # reads the build file: never while another step writes it
    description=(
        "Great Expectations suite for raw.prices (expectations/prices.py): keys not null, one row "
        "per symbol and date, prices > 0, high >= low, no future dates, every requested symbol "
        "present, no daily move beyond a factor of 3. Blocking: a failure stops dbt and publishing."
    ),
)
def raw_prices_gate(context: AssetCheckExecutionContext, warehouse: WarehouseResource) -> AssetCheckResult:
    settings = warehouse.settings()
    with db.connect(settings.build_db, read_only=True) as con:
        raw = con.execute("select * from raw.prices").df()
        load_items = raw_tables.latest_load_items(con, raw_tables.PRICES.system)
    raw["date"] = pd.to_datetime(raw["date"])
    quote_types = {i.symbol: i.quote_type for i in load_universe()}
    today = dt.datetime.now(ZoneInfo("America/New_York")).date()
    outcome = ValidationOutcome.combine(
        "raw_prices",
        [
            validate(
                "raw_prices",
                price_expectations.validation_frame(raw, quote_types),
                price_expectations.prices_suite(today),
                index_columns=price_expectations.INDEX_COLUMNS,
            ),
            validate(
                "raw_prices_latest_load",
                load_items,
                load_expectations.load_suite(),
                index_columns=load_expectations.INDEX_COLUMNS,
            ),
        ],
    )
    if not outcome.success:
        context.log.error(outcome.summary())
    return AssetCheckResult(
        passed=outcome.success,
        severity=AssetCheckSeverity.ERROR,
        description=outcome.summary(),
        metadata=outcome_metadata(outcome),
    )
