"""Publish: the serving file BI tools and analysts read, swapped in atomically after a good build."""

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

from orchestration import checks
from orchestration.assets.dbt import rotation_dbt_assets
from orchestration.publish_guard import CheckState, GatedAsset, publish_blockers
from orchestration.resources import WRITER_POOL, WarehouseResource
from warehouse import db, raw

SERVING = AssetKey(["serving"])
PUBLISHED_KEYS = sorted(
    (key for key in rotation_dbt_assets.keys if key.path[0] in db.PUBLISHED_SCHEMAS),
    key=lambda k: k.to_user_string(),
)
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
    deps=PUBLISHED_KEYS,
    pool=WRITER_POOL,  # reads the build file: never while another step writes it
    kinds={"duckdb"},
    description=(
        "serving.duckdb: the marts and reference tables of the build file, copied into a new file and "
        "renamed over the old one. Runs only when everything upstream (the blocking quality gate, dbt "
        "models and tests) succeeded, so readers never see failed-check data; a failed run leaves the "
        "previous serving file in place. Open it read-only."
    ),
)
def serving(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    settings = warehouse.settings()
    reasons = blockers(context)
    if reasons:
        raise Failure(
            description=(
                "not publishing: " + "; ".join(reasons) + ". Re-run the whole graph (make run, or "
                "Materialize all in the UI); serving.duckdb keeps the last good publish."
            )
        )
    with db.connect(settings.build_db, read_only=True) as con:
        load = raw.latest_load(con, raw.PRICES.system)
    result = db.publish(
        settings.build_db,
        settings.serving_db,
        build_info={
            "source": settings.source,
            "synthetic": settings.synthetic,
            "start_date": settings.start_date.isoformat(),
            "dagster_run_id": context.run_id,
            "prices_load_id": load["load_id"] if load else None,
        },
    )
    table = "\n".join(
        ["| table | rows |", "|---|---:|", *(f"| {t} | {n:,} |" for t, n in result.tables.items())]
    )
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(result.path)),
            "published_at": result.published_at,
            "source": settings.source,
            "synthetic": settings.synthetic,
            "tables": MetadataValue.md(table),
            "dagster/row_count": sum(result.tables.values()),
        }
    )


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


def blockers(context: AssetExecutionContext) -> list[str]:
    """Adapter from the Dagster instance's records to the pure publish policy."""
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
    return publish_blockers(gated, check_states(context, DBT_TESTS))
