"""Publish: the serving file BI tools and analysts read, swapped in atomically after a good build."""

import json
from pathlib import Path

from dagster import (
    AssetCheckKey,
    AssetExecutionContext,
    AssetKey,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)
from dagster._core.storage.asset_check_execution_record import COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES

from ingestion.errors import cause_and_fix
from orchestration import checks
from orchestration.assets.dbt import rotation_dbt_assets
from orchestration.dbt_project import dbt_project
from orchestration.publish_guard import CheckState, GatedAsset, publish_blockers
from orchestration.raw_state import unpassed_windows, withheld_rows
from orchestration.resources import WRITER_POOL, WarehouseResource
from warehouse import db, gate_state, raw, spark_marts

SERVING = AssetKey(["serving"])
PUBLISHED_KEYS = sorted(
    (key for key in rotation_dbt_assets.keys if key.path[0] in db.PUBLISHED_SCHEMAS),
    key=lambda k: k.to_user_string(),
)
# The lineage edges into serving: the marts only. The reference seeds it also publishes are upstream
# of every mart already; an edge from each seed (far left) would cross the whole graph.
SERVING_DEPS = [key for key in PUBLISHED_KEYS if key.path[0] == "marts"]
# What must have passed before a publish: the blocking gate of each raw asset, and every dbt test.
GATES: dict[AssetKey, list[AssetCheckKey]] = {}
for _gate in checks.GATES:
    for _key in _gate.check_keys:
        GATES.setdefault(_key.asset_key, []).append(_key)
FINISHED_CHECKS = set(COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES)
DBT_TESTS = sorted(rotation_dbt_assets.check_keys, key=lambda k: k.to_user_string())


@asset(
    key=SERVING,
    group_name="serving",
    deps=SERVING_DEPS,
    pool=WRITER_POOL,  # reads the build file: never while another step writes it
    kinds={"duckdb"},
    description=(
        "serving.duckdb: the marts and reference tables of the build (the build file on DuckDB; Spark's "
        "Parquet tables, typed as their contracts declare, on Spark), published into a new file "
        "(a copy of the current one where only the tables, or years of a table, whose content changed "
        "are rewritten; metadata says which) and renamed over the old one. Runs only when everything upstream (the blocking quality gate, dbt "
        "models and tests) succeeded, so readers never see failed-check data; a failed run leaves the "
        "previous serving file in place. Refuses while any loaded window of any raw table has not "
        "passed its gates (raw.load_validations), naming the windows, or while a load's rows are "
        "withheld without a removal decision (raw.removed_rows). Open it read-only."
    ),
)
def serving(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    settings = warehouse.settings()
    windows = unpassed_windows(settings)
    withheld = withheld_rows(settings)
    reasons = blockers(context, windows) + [
        f"{n:,} row(s) of raw.{name} withheld without a removal decision (raw.removed_rows)"
        for name, n in withheld.items()
    ]
    if reasons:
        fixes = []
        if windows:
            fixes.append(
                "fix those windows' rows (the gate's metadata and raw.load_validations name them; correct "
                "the upstream or landing file), then reload those windows (materialize their partitions, "
                "or make run)"
            )
        if withheld:
            fixes.append(
                "run the window again once its file delivers the withheld rows, or remove them by "
                f"decision with ROTATION_ALLOW_REMOVALS={next(iter(withheld))} (or <table>:<item>)"
            )
        if not fixes:
            fixes.append("re-run the whole graph (make run, or Materialize all in the UI)")
        fix = "; ".join(fixes) + "; serving.duckdb keeps the last good publish"
        raise Failure(description=cause_and_fix("not publishing: " + "; ".join(reasons), fix))
    with db.connect(settings.build_db, read_only=True) as con:
        load = raw.latest_load(con, raw.PRICES.system)
    build_info = {
        "source": settings.source,
        "synthetic": settings.synthetic,
        "start_date": settings.start_date.isoformat(),
        "engine": settings.engine,
        "dagster_run_id": context.run_id,
        "prices_load_id": load["load_id"] if load else None,
    }
    result = publish_from_engine(settings, build_info)
    return MaterializeResult(metadata=publish_metadata(result, settings))


def publish_from_engine(settings, build_info: dict, manifest_path: Path | None = None) -> db.PublishResult:
    """Publish serving.duckdb from where this engine built the marts: the build file (duckdb), or
    Spark's Parquet tables in its warehouse folder, read by DuckDB and typed as the manifest dbt
    built with declares them (spark: warehouse/spark_marts.py). Either way the same publish
    (db.publish: atomic rename, unchanged tables kept), the same tables and column types."""
    if settings.engine != "spark":
        return db.publish(settings.build_db, settings.serving_db, build_info=build_info)
    manifest = json.loads(Path(manifest_path or dbt_project.manifest_path).read_text())
    return spark_marts.publish(
        settings.spark_warehouse_dir,
        spark_marts.published_tables(manifest),
        settings.serving_db,
        build_info=build_info,
    )


def publish_metadata(result: db.PublishResult, settings) -> dict:
    """What the publish did with each table: kept (equal to the last publish), parts rewritten (the
    years), copied whole or removed; and how the file was made (incremental or fresh, and why)."""

    def action(name: str) -> str:
        if result.actions.get(name) == "parts":
            return "rewrote " + ", ".join(result.parts[name])
        return result.actions.get(name, "copied")

    table = "\n".join(
        [
            "| table | rows | publish |",
            "|---|---:|---|",
            *(f"| {t} | {n:,} | {action(t)} |" for t, n in result.tables.items()),
            *(f"| {t} | 0 | removed |" for t, a in result.actions.items() if a == "removed"),
        ]
    )
    rewritten = sorted(t for t, a in result.actions.items() if a != "kept")
    return {
        "path": MetadataValue.path(str(result.path)),
        "published_at": result.published_at,
        "source": settings.source,
        "synthetic": settings.synthetic,
        "mode": result.mode + (f" ({result.fresh_reason})" if result.fresh_reason else ""),
        "tables": MetadataValue.md(table),
        "tables_rewritten": MetadataValue.json(rewritten),
        "tables_kept": MetadataValue.json(sorted(t for t, a in result.actions.items() if a == "kept")),
        "dagster/row_count": sum(result.tables.values()),
    }


def check_states(context: AssetExecutionContext, keys: list[AssetCheckKey]) -> list[CheckState]:
    """The evaluation of each check that judges this publish: this run's own where this run planned
    the check, else the latest finished one (SUCCEEDED or FAILED). Another run's plan (a run queued
    in the UI, waiting for the writer lock, or killed before its checks ran) is no evidence either way."""
    storage = context.instance.event_log_storage
    records = storage.get_latest_asset_check_execution_by_key(keys)
    states = []
    for key in keys:
        record = records.get(key)
        if record is not None and record.run_id != context.run_id:
            record = own_or_finished(storage, key, context.run_id)
        states.append(
            CheckState(
                key=key.to_user_string(),
                status=record.status.value if record else None,
                evaluated_at=record.event.timestamp
                if record and record.event and record.status.value != "PLANNED"
                else None,
            )
        )
    return states


def own_or_finished(storage, key: AssetCheckKey, run_id: str):
    """This run's record of ``key`` if it has one among the latest, else the latest finished one."""
    for record in storage.get_asset_check_execution_history(key, limit=20):
        if record.run_id == run_id:
            return record
    finished = storage.get_asset_check_execution_history(key, limit=1, status=FINISHED_CHECKS)
    return finished[0] if finished else None


def blockers(context: AssetExecutionContext, windows: list[gate_state.OpenWindow]) -> list[str]:
    """Adapter from the build file's verdicts and the Dagster instance's records to the pure
    publish policy."""
    gated = []
    for asset_key, gates in GATES.items():
        event = context.instance.get_latest_materialization_event(asset_key)
        gated.append(
            GatedAsset(
                key=asset_key.to_user_string(),
                materialized_at=event.timestamp if event else None,
                gates=tuple(check_states(context, gates)),
            )
        )
    return publish_blockers(gated, check_states(context, DBT_TESTS), windows)
