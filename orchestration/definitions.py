"""The one Dagster ``Definitions`` of the project: ``dagster dev -m orchestration.definitions``."""

from __future__ import annotations

from dagster import AssetSelection, Definitions, define_asset_job, in_process_executor

from orchestration.assets.dbt import rotation_dbt_assets
from orchestration.assets.ingestion import raw_cftc_tff, raw_fred_series, raw_prices
from orchestration.assets.serving import serving
from orchestration.checks import GATES
from orchestration.resources import WarehouseResource, dbt_resource
from warehouse.settings import Settings

# The whole graph: ingestion -> quality gate -> dbt (seeds, staging, intermediate, marts, tests) -> serving.
build_all = define_asset_job(
    "build_all",
    selection=AssetSelection.all(),
    description="Materialize the whole asset graph on ROTATION_SOURCE and publish serving.duckdb.",
)


def build_definitions(settings: Settings) -> Definitions:
    return Definitions(
        assets=[raw_prices, raw_fred_series, raw_cftc_tff, rotation_dbt_assets, serving],
        asset_checks=GATES,
        jobs=[build_all],
        resources={
            "warehouse": WarehouseResource.from_settings(settings),
            "dbt": dbt_resource(),
        },
        # One process, steps in order: DuckDB allows a single writer to the build file.
        executor=in_process_executor,
    )


defs = build_definitions(Settings.from_env())
