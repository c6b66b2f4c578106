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
        "The marts as Parquet in $ROTATION_HOME/parquet (zstd), for tools without a DuckDB driver: "
        "<mart>.parquet, and for the two large marts (relative_performance, rate_sensitivity) one file "
        "per year, <mart>/<year>.parquet. Exported from serving.duckdb (read-only) after each publish, "
        "so the files hold exactly what was published; only files whose rows changed are written "
        "(each carries the fingerprint of its rows), each under a temporary name renamed over the old "
        "one; files of marts or years that no longer exist are removed."
    ),
)
def parquet(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    settings = warehouse.settings()
    marts = db.export_parquet(settings.serving_db, settings.parquet_dir)
    written = [path for mart in marts.values() for path in mart.written]
    kept = [path for mart in marts.values() for path in mart.kept]
    context.log.info(
        f"exported {len(marts)} marts to {settings.parquet_dir}: {len(written)} files written, {len(kept)} kept"
    )

    def shown(mart: db.ParquetMart) -> str:
        name = mart.path.name + ("/" if mart.path.is_dir() else "")
        if mart.path.is_dir():
            years = ", ".join(p.stem for p in mart.written) or "none"
            return f"| {name} | {mart.rows:,} | rewrote {years} of {len(mart.written) + len(mart.kept)} |"
        return f"| {name} | {mart.rows:,} | {'rewritten' if mart.written else 'kept'} |"

    table = "\n".join(["| file | rows | export |", "|---|---:|---|", *(shown(m) for m in marts.values())])

    def relative(paths: list) -> list[str]:
        return sorted(str(p.relative_to(settings.parquet_dir)) for p in paths)

    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(settings.parquet_dir)),
            "files": MetadataValue.md(table),
            "files_written": MetadataValue.json(relative(written)),
            "files_kept": MetadataValue.json(relative(kept)),
            "dagster/row_count": sum(mart.rows for mart in marts.values()),
        }
    )
