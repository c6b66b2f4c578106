"""Publish: the serving file BI tools and analysts read, swapped in atomically after a good build."""

from dagster import AssetExecutionContext, AssetKey, Failure, MaterializeResult, MetadataValue, asset
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from orchestration.assets.dbt import rotation_dbt_assets
from orchestration.checks import raw_prices_gate
from orchestration.resources import WarehouseResource
from warehouse import db

SERVING = AssetKey(["serving"])
PUBLISHED_KEYS = sorted(
    (key for key in rotation_dbt_assets.keys if key.path[0] in db.PUBLISHED_SCHEMAS),
    key=lambda k: k.to_user_string(),
)
# The quality gate and every dbt test: a publish never follows a failed one.
GUARDING_CHECKS = sorted(
    [*raw_prices_gate.check_keys, *rotation_dbt_assets.check_keys], key=lambda k: k.to_user_string()
)


@asset(
    key=SERVING,
    group_name="serving",
    deps=PUBLISHED_KEYS,
    kinds={"duckdb"},
    description=(
        "serving.duckdb: the marts and reference tables of the build file, copied into a new file and "
        "renamed over the old one. Runs only when everything upstream (the blocking quality gate, dbt "
        "models and tests) succeeded in the same run, so readers never see failed-check data; a failed "
        "run leaves the previous serving file in place. Open it read-only."
    ),
)
def serving(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    settings = warehouse.settings()
    failing = failed_checks(context)
    if failing:
        # In a whole-graph run a failed blocking check already stops this asset; this guards a
        # publish launched on its own (e.g. only `serving` selected in the UI) after a failed run.
        raise Failure(
            description=(
                f"not publishing: the latest evaluation of {len(failing)} check(s) failed: "
                f"{', '.join(failing)}. Fix the data and re-run the whole graph; serving.duckdb "
                "keeps the last good publish."
            )
        )
    with db.connect(settings.build_db, read_only=True) as con:
        load = db.latest_load(con, "yahoo") if _has_raw(con) else None
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


def failed_checks(context: AssetExecutionContext) -> list[str]:
    """Checks guarding the published tables whose latest recorded evaluation failed."""
    records = context.instance.event_log_storage.get_latest_asset_check_execution_by_key(GUARDING_CHECKS)
    return sorted(
        key.to_user_string()
        for key, record in records.items()
        if record.status == AssetCheckExecutionRecordStatus.FAILED
    )


def _has_raw(con) -> bool:
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'raw' and table_name = 'loads'"
        ).fetchone()[0]
    )
