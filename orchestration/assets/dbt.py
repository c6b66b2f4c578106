"""dbt models, seeds and tests as Dagster assets and asset checks, loaded from the prepared manifest."""

import os
import shutil
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, AssetKey, Config
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from orchestration.dbt_checks import describe_test
from orchestration.dbt_metadata import read_from_build_file, with_table_metadata
from orchestration.dbt_project import dbt_project
from orchestration.resources import WRITER_POOL, WarehouseResource

# What a build leaves to CI (tests/integration/test_dbt_ci_tests.py runs it on the sample): dbt's
# unit tests, which check the SQL's logic on fixed inputs, and the data tests tagged "structural",
# uniqueness of views that every mart built on them checks again (and the quality gate checks on
# raw), whose queries recompute the view over all of raw.prices: 20 s a build at 3000 tickers; and
# tests of a macro's SQL on hand-made rows (dbt_project/tests/rank_to_date_implementations_agree.sql).
STRUCTURAL = "structural"
PRODUCTION_EXCLUDES = ["--exclude-resource-type", "unit_test", "--exclude", f"tag:{STRUCTURAL}"]


class RotationTranslator(DagsterDbtTranslator):
    """Asset keys ``<schema>/<name>`` (marts/relative_performance) and groups named after schemas.

    Sources keep the asset key given in their ``meta.dagster.asset_key`` (raw/prices), so the graph
    runs in one piece from the ingestion assets into dbt.
    """

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot"):
            return AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project):
        """dbt tests are asset checks, except those builds leave to CI (tag ``structural``, see
        PRODUCTION_EXCLUDES): a check no build evaluates would stay "planned" and hold publishing."""
        node = manifest["nodes"].get(unique_id, {})
        if STRUCTURAL in node.get("tags", []):
            return None
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        # what the test checks, in words, on the check's page (dagster-dbt leaves it empty)
        return spec._replace(description=describe_test(node)) if spec is not None and node else spec

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
    settings = warehouse.settings()
    # dbt reads the build file's absolute path from the environment (dbt_project/profiles.yml).
    os.environ.update(settings.dbt_env())
    args = ["build", *PRODUCTION_EXCLUDES, *(["--full-refresh"] if config.full_refresh else [])]
    # this call's own target folder, named as dagster-dbt names it, started from the warehouse's state
    target = (
        Path(dbt_project.project_dir)
        / "target"
        / f"{context.op_execution_context.op.name}-{context.run.run_id[:7]}-{uuid.uuid4().hex[:7]}"
    )
    start_from_partial_parse(settings.dbt_state_dir, target)
    invocation = dbt.cli(args, context=context, target_path=target)
    # rows and date window of every table built, read after dbt has released the build file
    yield from with_table_metadata(
        invocation.stream(), invocation.manifest, read_from_build_file(settings.build_db)
    )
    keep_partial_parse(invocation.target_path, settings.dbt_state_dir)


PARTIAL_PARSE = "partial_parse.msgpack"


def start_from_partial_parse(state_dir: Path, run_target: Path) -> None:
    """Seed a dbt call's target folder with the warehouse's parse state, when it has one.

    dagster-dbt seeds a call's folder with the project's ``target/partial_parse.msgpack`` unless the
    folder already holds one; dbt then parses only files changed since that state. The state records
    the profile's connection values, the build file's path (ROTATION_BUILD_DB) among them, so it is
    kept per warehouse (Settings.dbt_state_dir): builds of two warehouses from one checkout (the sample
    and the snapshot, or tests side by side) would otherwise replace each other's state and each
    parse from scratch (2.6 s). A warehouse without a state yet starts from the project's, as before."""
    state = state_dir / PARTIAL_PARSE
    if state.exists():
        run_target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(state, run_target / PARTIAL_PARSE)


def keep_partial_parse(run_target: Path, state_dir: Path) -> None:
    """After a dbt call, leave its parse state where the warehouse's next call starts from
    (start_from_partial_parse). By rename, so a concurrent call reads one whole file or the other."""
    state = run_target / PARTIAL_PARSE
    if not state.exists():
        return
    state_dir.mkdir(parents=True, exist_ok=True)
    staged = state_dir / f".{PARTIAL_PARSE}.{uuid.uuid4().hex}"
    shutil.copyfile(state, staged)
    os.replace(staged, state_dir / PARTIAL_PARSE)
