"""dbt models, seeds and tests as Dagster assets and asset checks, loaded from the prepared manifest."""

import os
import re
import shutil
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, AssetKey, Config, Failure
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets
from dagster_dbt.errors import DagsterDbtCliRuntimeError

from ingestion.errors import cause_and_fix
from ingestion.settings import Settings
from orchestration import raw_state
from orchestration.dbt_checks import describe_test
from orchestration.dbt_metadata import stats_reader, with_table_metadata
from orchestration.dbt_process import stream_stopping_dbt
from orchestration.dbt_project import ENGINE, dbt_project
from orchestration.resources import WRITER_POOL, WarehouseResource
from warehouse import db

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


def dbt_pool(engine: str) -> str | None:
    """The concurrency pool of the dbt step: DuckDB's single-writer slot when dbt writes the build
    file (duckdb); none on Spark, where dbt writes Spark's tables and reads the lake, and the step
    touches the build file only to export the lake (read-only, seconds, under the run's writer lock
    on ROTATION_HOME, which every run holds from its first step to its end)."""
    return WRITER_POOL if engine == "duckdb" else None


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=RotationTranslator(),
    pool=dbt_pool(ENGINE),
)
def rotation_dbt_assets(
    context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource, config: DbtBuildConfig
):
    settings = warehouse.settings()
    if settings.engine != ENGINE:
        raise Failure(description=engine_mismatch(settings.engine), allow_retries=False)
    # dbt reads the build file's absolute path (and Spark's folder and the lake's) from the
    # environment (dbt_project/profiles.yml).
    os.environ.update(settings.dbt_env())
    if settings.engine == "spark":
        export_lake(context, settings)
    args = ["build", *PRODUCTION_EXCLUDES, *(["--full-refresh"] if config.full_refresh else [])]
    # this call's own target folder, named as dagster-dbt names it, started from the warehouse's state
    # (or, for a warehouse without one yet, from the engine's prepared state)
    target = (
        Path(dbt_project.project_dir)
        / dbt_project.target_path
        / f"{context.op_execution_context.op.name}-{context.run.run_id[:7]}-{uuid.uuid4().hex[:7]}"
    )
    start_from_partial_parse(
        settings.dbt_state_dir, target, Path(dbt_project.project_dir) / dbt_project.target_path
    )
    invocation = dbt.cli(args, context=context, target_path=target)
    # rows and date window of every table built, read after dbt has released the build file; a
    # canceled run stops dbt and what it started (Spark's JVM) with the step (orchestration/dbt_process.py)
    try:
        yield from with_table_metadata(
            stream_stopping_dbt(invocation, settings.engine), invocation.manifest, stats_reader(settings)
        )
    except DagsterDbtCliRuntimeError as error:
        models = out_of_sync_models(str(error))
        if models:
            raise Failure(description=out_of_sync_message(models), allow_retries=False) from error
        raise
    keep_partial_parse(invocation.target_path, settings.dbt_state_dir)


# dbt's error when an incremental model's columns (this checkout) differ from its table in the build
# file (built by an earlier version of the models), with on_schema_change='fail'
OUT_OF_SYNC = re.compile(
    r"Compilation Error in model (\w+) \([^)]*\)\s+The source and target schemas on this incremental "
    r"model are out of sync"
)


def out_of_sync_models(message: str) -> list[str]:
    """The incremental models dbt refused to update because their columns changed."""
    return sorted(set(OUT_OF_SYNC.findall(message)))


def out_of_sync_message(models: list[str]) -> str:
    return cause_and_fix(
        f"the incremental model(s) {', '.join(models)} of the build file have other columns than this "
        "checkout's models (they were built by an earlier version), so dbt did not update them",
        "rebuild the marts from raw once: make full-refresh (rotation run --full-refresh); raw and the "
        "landing files keep every row, and serving.duckdb keeps its last good publish until then",
    )


def engine_mismatch(engine: str) -> str:
    return cause_and_fix(
        f"the warehouse settings say ROTATION_ENGINE={engine}, but this process loaded the dbt assets "
        f"(manifest, pool) for {ENGINE}",
        f"start the process (rotation run, dagster dev) with ROTATION_ENGINE={engine} set in its environment",
    )


def export_lake(context: AssetExecutionContext, settings: Settings) -> dict[str, int]:
    """Spark's preamble: the raw tables of the build file exported to the lake
    (warehouse/lake.py, ``<lake>/raw/<table>/month=YYYY-MM/``), which is all dbt on Spark reads.

    It runs here, in the dbt step, rather than as an asset of its own: the step already runs only
    after every raw asset's blocking gates passed (Dagster skips it otherwise), so the lake is
    exported exactly when dbt may read raw; and both engines keep one graph, the same asset keys
    and groups. Before exporting it checks, as the publish does, the verdicts recorded with the data:
    a window of any raw table that has not passed its gates (a dbt-only run after a failed load)
    or rows withheld without a removal decision stop the step, so Spark never reads data no gate
    has passed. The build file is opened read-only."""
    reasons = raw_state.ungated_reasons(settings)
    if reasons:
        raise Failure(
            description=raw_state.ungated_message(
                reasons,
                f"exporting raw to the lake {settings.lake_dir} for dbt on Spark",
                "the lake and serving.duckdb keep their last good data",
            ),
            allow_retries=False,
        )
    from warehouse import lake  # the spark engine's module; DuckDB builds never import it

    with db.connect(settings.build_db, read_only=True) as con:
        rows = lake.export_raw(con, settings.lake_dir)
    context.log.info(
        f"exported raw to the lake {settings.lake_dir} for dbt on Spark: "
        + ", ".join(f"{table} {n:,} rows" for table, n in sorted(rows.items()))
    )
    return rows


PARTIAL_PARSE = "partial_parse.msgpack"


def start_from_partial_parse(state_dir: Path, run_target: Path, prepared: Path | None = None) -> None:
    """Seed a dbt call's target folder with the warehouse's parse state, when it has one.

    dagster-dbt seeds a call's folder with the project's ``target/partial_parse.msgpack`` unless the
    folder already holds one; dbt then parses only files changed since that state. The state records
    the profile's connection values, the build file's path (ROTATION_BUILD_DB) among them, so it is
    kept per warehouse (Settings.dbt_state_dir): builds of two warehouses from one checkout (the sample
    and the snapshot, or tests side by side) would otherwise replace each other's state and each
    parse from scratch (2.6 s). A warehouse without a state yet starts from ``prepared``, the target
    folder ``make manifest`` prepared for this engine (dagster-dbt would copy ``target/``'s, DuckDB's,
    whose other profile target means a parse from scratch on Spark), or, without one, dagster-dbt's."""
    state = state_dir / PARTIAL_PARSE
    if not state.exists() and prepared is not None:
        state = prepared / PARTIAL_PARSE
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
