"""dbt models, seeds and tests as Dagster assets and asset checks, loaded from the prepared manifest."""

import os
from collections.abc import Mapping
from typing import Any

from dagster import AssetExecutionContext, AssetKey, Config
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from orchestration.dbt_project import dbt_project
from orchestration.resources import WRITER_POOL, WarehouseResource


class RotationTranslator(DagsterDbtTranslator):
    """Asset keys ``<schema>/<name>`` (marts/relative_performance) and groups named after schemas.

    Sources keep the asset key given in their ``meta.dagster.asset_key`` (raw/prices), so the graph
    runs in one piece from the ingestion assets into dbt.
    """

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot"):
            return AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot"):
            return dbt_resource_props["schema"]
        return super().get_group_name(dbt_resource_props)


class DbtBuildConfig(Config):
    """Run config of the dbt step (``ops: {rotation_dbt_assets: {config: {full_refresh: true}}}``)."""

    full_refresh: bool = False  # rebuild incremental marts from scratch instead of the changed dates


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=RotationTranslator(),
    pool=WRITER_POOL,
)
def rotation_dbt_assets(
    context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource, config: DbtBuildConfig
):
    # dbt reads the build file's absolute path from the environment (dbt_project/profiles.yml).
    os.environ.update(warehouse.settings().dbt_env())
    args = ["build", *(["--full-refresh"] if config.full_refresh else [])]
    yield from dbt.cli(args, context=context).stream()
