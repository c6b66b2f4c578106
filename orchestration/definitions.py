"""The one Dagster ``Definitions`` of the project: ``dagster dev -m orchestration.definitions``.

Jobs (one writer at a time: the instance runs one run at a time, every step that opens the build
file is in the ``rotation_duckdb_writer`` pool):

- ``prices_and_rates``: raw/prices, raw/fred_series and raw/french_factors for a month partition or range, then every
  dbt model and test, then serving, the Parquet export of the marts and the report. Scheduled every weekday
  after the US close.
- ``positioning``: raw/cftc_tff for a month partition (by report date) or range, then dbt, serving, Parquet and the report.
  Scheduled every Friday after the CFTC's release.
- ``ingest_positioning``: raw/cftc_tff alone (the first step of a full build).
- ``marts_and_serving``: dbt, serving, Parquet and the report only; with ``--full-refresh`` (see orchestration/cli.py)
  the incremental marts are rebuilt from scratch.

With ROTATION_ENGINE=spark the graph is the same: the dbt step first exports the gated raw tables to
the lake (Parquet), then builds on Spark, outside the writer pool; serving publishes from Spark's
Parquet marts (docs/spark.md).

A full build (``rotation run``, ``make run``) is two runs: ``ingest_positioning`` over every report
month, then ``prices_and_rates`` over every month (each one run: ``BackfillPolicy.single_run``).
"""

from __future__ import annotations

import datetime as dt

from dagster import (
    AssetSelection,
    Definitions,
    RunRequest,
    ScheduleEvaluationContext,
    define_asset_job,
    in_process_executor,
    schedule,
)

from ingestion.settings import Settings, SettingsError
from orchestration import partitions
from orchestration.assets.dbt import engine_mismatch, rotation_dbt_assets
from orchestration.assets.ingestion import BY_MONTH_OR_NONE, BY_REPORT_MONTH, ingestion_assets
from orchestration.assets.parquet import PARQUET, parquet
from orchestration.assets.report import REPORT, rotation_report
from orchestration.assets.serving import SERVING, serving
from orchestration.checks import GATES
from orchestration.dbt_project import ENGINE
from orchestration.resources import WarehouseResource, dbt_resource

TRANSFORM = AssetSelection.assets(rotation_dbt_assets) | AssetSelection.assets(SERVING, PARQUET, REPORT)


def run_tags(settings: Settings) -> dict[str, str]:
    """Tags on every run of these definitions (UI, schedule or ``rotation run``): which warehouse the run
    built and from what, so a Runs list shared by several warehouses (one DAGSTER_HOME for many
    ROTATION_HOMEs) still says which run built which."""
    return {"rotation/home": str(settings.home), "rotation/source": settings.source}


def build_jobs(tags: dict[str, str]) -> dict:
    """The four jobs, each carrying ``tags`` on its runs."""
    prices_and_rates = define_asset_job(
        "prices_and_rates",
        tags=tags,
        selection=AssetSelection.assets(*BY_MONTH_OR_NONE) | TRANSFORM,
        description=(
            "Load prices, FRED rates and the Fama-French factors for the selected months (one run for any range), "
            "capture today's analyst estimates and share counts (not partitioned), then build every "
            "dbt model and test, publish serving.duckdb if every blocking check passed, export the marts to "
            "Parquet and render the report."
        ),
    )
    positioning = define_asset_job(
        "positioning",
        tags=tags,
        selection=AssetSelection.assets(*BY_REPORT_MONTH) | TRANSFORM,
        description=(
            "Load CFTC positioning for the selected months of report dates (one run for any range), then build every "
            "dbt model and test, publish serving.duckdb if every blocking check passed, export the marts to "
            "Parquet and render the report."
        ),
    )
    ingest_positioning = define_asset_job(
        "ingest_positioning",
        tags=tags,
        selection=AssetSelection.assets(*BY_REPORT_MONTH),
        description="Load CFTC positioning for the selected months of report dates only (first step of a full build).",
    )
    marts_and_serving = define_asset_job(
        "marts_and_serving",
        tags=tags,
        selection=TRANSFORM,
        description=(
            "Build every dbt model and test from the raw tables as they are, then publish, export the marts to "
            "Parquet and render the report."
        ),
    )
    return {job.name: job for job in (prices_and_rates, positioning, ingest_positioning, marts_and_serving)}


def build_definitions(settings: Settings) -> Definitions:
    """The definitions for ``settings``. Its engine must be the one this process imported the dbt
    assets for (ROTATION_ENGINE at import: the manifest and the dbt step's pool); the assets, keys,
    groups and jobs are the same for both engines."""
    if settings.engine != ENGINE:
        raise SettingsError(engine_mismatch(settings.engine))
    months = partitions.months(settings)
    report_months = partitions.report_months(settings)
    jobs = build_jobs(run_tags(settings))

    @schedule(
        name="daily_after_us_close",
        job=jobs["prices_and_rates"],
        cron_schedule="30 18 * * 1-5",
        execution_timezone=partitions.NEW_YORK,
        description=(
            "Weekdays 18:30 New York time, after the US close and Yahoo's end-of-day bars: reloads the "
            "month in progress (and the previous month in the first days of a month, for late revisions)."
        ),
    )
    def daily_after_us_close(context: ScheduleEvaluationContext) -> RunRequest:
        day = context.scheduled_execution_time.date()
        keys = [
            partitions.partition_of(months, day - dt.timedelta(days=5)),
            partitions.partition_of(months, day),
        ]
        return RunRequest(
            run_key=f"prices_and_rates:{day}", tags=partitions.partition_range_tags(sorted(set(keys)))
        )

    @schedule(
        name="weekly_after_cftc_release",
        job=jobs["positioning"],
        cron_schedule="0 17 * * 5",
        execution_timezone=partitions.NEW_YORK,
        description=(
            "Fridays 17:00 New York time, after the CFTC's 15:30 release of Tuesday's positions: reloads "
            "the months of this week's report and the previous week's (a holiday week's report comes out a few days late)."
        ),
    )
    def weekly_after_cftc_release(context: ScheduleEvaluationContext) -> RunRequest:
        day = context.scheduled_execution_time.date()
        # the months of this week's report (Tuesday, day - 3) and last week's (day - 10)
        keys = sorted(
            {
                partitions.partition_of(report_months, day - dt.timedelta(days=10)),
                partitions.partition_of(report_months, day - dt.timedelta(days=3)),
            }
        )
        return RunRequest(run_key=f"positioning:{day}", tags=partitions.partition_range_tags(keys))

    return Definitions(
        assets=[*ingestion_assets(settings), rotation_dbt_assets, serving, parquet, rotation_report],
        asset_checks=GATES,
        jobs=list(jobs.values()),
        schedules=[daily_after_us_close, weekly_after_cftc_release],
        resources={
            "warehouse": WarehouseResource.from_settings(settings),
            "dbt": dbt_resource(),
        },
        # One process, steps in order: DuckDB allows a single writer to the build file.
        executor=in_process_executor,
    )


defs = build_definitions(Settings.from_env())
