"""Ingestion assets: upstream -> landing files -> raw tables. Bodies call the pure modules."""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from ingestion import sources, yahoo
from ingestion.landing import relative_to_home
from orchestration.resources import WRITER_POOL, WarehouseResource
from warehouse import db, raw

RAW_PRICES = AssetKey(["raw", "prices"])


@asset(
    key=RAW_PRICES,
    group_name="ingestion",
    pool=WRITER_POOL,
    kinds={"duckdb", "python"},
    description=(
        "Daily bars for every instrument of the universe (dbt_project/seeds/instruments.csv): "
        "fetched into immutable landing files by the configured source (sample, snapshot or live "
        "Yahoo Finance), parsed, and upserted into raw.prices with provenance. Reloading the same "
        "files changes nothing."
    ),
)
def raw_prices(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    settings = warehouse.settings()
    label = "SYNTHETIC sample data (not market data)" if settings.synthetic else settings.source
    context.log.info(f"prices from {label}: landing into {settings.landing_dir}")
    batch = sources.land_prices(
        settings.source,
        landing_dir=settings.landing_dir,
        snapshot_dir=settings.snapshot_dir,
        start_date=settings.start_date,
    )
    context.log.info(
        f"landed {len(batch.files)} files for {len(batch.requested)} requested symbols"
        + (f"; missing upstream: {', '.join(batch.missing)}" if batch.missing else "")
    )
    note_log = context.log.info if batch.synthetic else context.log.warning
    for note in batch.notes:
        note_log(note)
    frame, dropped = yahoo.parse_batch(batch, settings.start_date, settings.home)
    for note in dropped:
        context.log.info(note)
    context.log.info(f"parsed {len(frame):,} rows from {len(batch.files)} files; loading raw.prices")
    with db.connect(settings.build_db) as con:
        stats = raw.load(
            con,
            raw.PRICES,
            frame,
            source=settings.source,
            synthetic=batch.synthetic,
            requested=batch.requested,
            landing_files=[relative_to_home(f.path, settings.home) for f in batch.files],
            start_date=settings.start_date,
            notes=[*batch.notes, *dropped],
        )
        per_symbol = raw.coverage(con, raw.PRICES)
    context.log.info(
        f"raw.prices: {stats.rows_inserted:,} inserted, {stats.rows_updated:,} updated, "
        f"{stats.rows_unchanged:,} unchanged, {stats.rows_removed:,} removed"
    )
    return MaterializeResult(
        metadata={
            "source": settings.source,
            "synthetic": batch.synthetic,
            "dagster/row_count": int(per_symbol["rows"].sum()),
            "symbols": len(per_symbol),
            "first_date": str(stats.min_date),
            "last_date": str(stats.max_date),
            "rows_in_files": stats.rows_in_files,
            "rows_inserted": stats.rows_inserted,
            "rows_updated": stats.rows_updated,
            "rows_unchanged": stats.rows_unchanged,
            "rows_removed": stats.rows_removed,
            "missing_symbols": ", ".join(batch.missing) or "none",
            "landing_files": len(batch.files),
            "notes": MetadataValue.md("\n".join(f"- {n}" for n in [*batch.notes, *dropped]) or "none"),
            "per_symbol": MetadataValue.md(per_symbol.to_markdown(index=False)),
            "build_db": MetadataValue.path(str(settings.build_db)),
        }
    )
