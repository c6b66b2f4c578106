"""Parquet files of every mart, for tools without a DuckDB driver, exported from serving.duckdb."""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from orchestration.assets.serving import SERVING
from orchestration.resources import WarehouseResource
from warehouse import db

PARQUET = AssetKey(["serving", "parquet"])


@asset(
    key=PARQUET,
    group_name="serving",
    deps=[SERVING],
    kinds={"parquet"},
    description=(
        "One Parquet file per mart in $ROTATION_HOME/parquet (<mart>.parquet, zstd), for tools without a "
        "DuckDB driver. Exported from serving.duckdb (read-only) after each publish, so the files hold "
        "exactly what was published; each file is written under a temporary name and renamed over the "
        "old one, and files of marts that no longer exist are removed."
    ),
)
def parquet(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    settings = warehouse.settings()
    files = db.export_parquet(settings.serving_db, settings.parquet_dir)
    context.log.info(f"exported {len(files)} marts to {settings.parquet_dir}")
    table = "\n".join(
        [
            "| file | rows |",
            "|---|---:|",
            *(f"| {path.name} | {rows:,} |" for path, rows in files.values()),
        ]
    )
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(settings.parquet_dir)),
            "files": MetadataValue.md(table),
            "dagster/row_count": sum(rows for _, rows in files.values()),
        }
    )
