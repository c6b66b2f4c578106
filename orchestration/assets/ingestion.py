"""Ingestion assets: upstream -> landing files -> raw tables. Bodies call the pure modules."""

from collections.abc import Callable

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from ingestion import fred, sources, yahoo
from ingestion.landing import LandingBatch, relative_to_home
from orchestration.resources import WRITER_POOL, WarehouseResource
from warehouse import db, raw
from warehouse.settings import Settings

RAW_PRICES = AssetKey(["raw", "prices"])
RAW_FRED_SERIES = AssetKey(["raw", "fred_series"])
RAW_CFTC_TFF = AssetKey(["raw", "cftc_tff"])


def ingest(
    context: AssetExecutionContext,
    settings: Settings,
    table: raw.RawTable,
    land: Callable[..., LandingBatch],
    parse: Callable,
) -> MaterializeResult:
    """Land this run's upstream files, parse them, load the raw table; log progress, return metadata."""
    label = "SYNTHETIC sample data (not market data)" if settings.synthetic else settings.source
    context.log.info(f"{table.qualified} from {label}: landing into {settings.landing_dir}")
    batch = land(
        settings.source,
        landing_dir=settings.landing_dir,
        snapshot_dir=settings.snapshot_dir,
        start_date=settings.start_date,
    )
    context.log.info(
        f"landed {len(batch.files)} files for {len(batch.requested)} requested {table.item}s"
        + (f"; missing upstream: {', '.join(batch.missing)}" if batch.missing else "")
    )
    note_log = context.log.info if batch.synthetic else context.log.warning
    for note in batch.notes:
        note_log(note)
    frame, dropped = parse(batch, settings.start_date, settings.home)
    for note in dropped:
        context.log.info(note)
    context.log.info(f"parsed {len(frame):,} rows from {len(batch.files)} files; loading {table.qualified}")
    with db.connect(settings.build_db) as con:
        stats = raw.load(
            con,
            table,
            frame,
            source=settings.source,
            synthetic=batch.synthetic,
            requested=batch.requested,
            landing_files=[relative_to_home(f.path, settings.home) for f in batch.files],
            start_date=settings.start_date,
            notes=[*batch.notes, *dropped],
        )
        per_item = raw.coverage(con, table)
    context.log.info(
        f"{table.qualified}: {stats.rows_inserted:,} inserted, {stats.rows_updated:,} updated, "
        f"{stats.rows_unchanged:,} unchanged, {stats.rows_removed:,} removed"
    )
    return MaterializeResult(
        metadata={
            "source": settings.source,
            "synthetic": batch.synthetic,
            "dagster/row_count": int(per_item["rows"].sum()),
            f"{table.item}s": len(per_item),
            "first_date": str(stats.min_date),
            "last_date": str(stats.max_date),
            "rows_in_files": stats.rows_in_files,
            "rows_inserted": stats.rows_inserted,
            "rows_updated": stats.rows_updated,
            "rows_unchanged": stats.rows_unchanged,
            "rows_removed": stats.rows_removed,
            "missing_upstream": ", ".join(batch.missing) or "none",
            "landing_files": len(batch.files),
            "notes": MetadataValue.md("\n".join(f"- {n}" for n in [*batch.notes, *dropped]) or "none"),
            f"per_{table.item}": MetadataValue.md(per_item.to_markdown(index=False)),
            "build_db": MetadataValue.path(str(settings.build_db)),
        }
    )


@asset(
    key=RAW_PRICES,
    group_name="ingestion",
    pool=WRITER_POOL,
    kinds={"duckdb", "python"},
    description=(
        "Daily bars for every instrument of the universe (dbt_project/seeds/instruments.csv), rate "
        "futures and yield quotes included: fetched into immutable landing files by the configured "
        "source (sample, snapshot or live Yahoo Finance), parsed, and upserted into raw.prices with "
        "provenance. Reloading the same files changes nothing."
    ),
)
def raw_prices(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    return ingest(context, warehouse.settings(), raw.PRICES, sources.land_prices, yahoo.parse_batch)


@asset(
    key=RAW_FRED_SERIES,
    group_name="ingestion",
    pool=WRITER_POOL,
    kinds={"duckdb", "python"},
    description=(
        "FRED daily rates of dbt_project/seeds/rate_series.csv (kind fred: DGS2, DGS3MO, DFF; EFFR "
        "and SOFR in live mode), in percent as published: fetched into landing by the configured "
        "source (sample, snapshot or FRED's keyless CSV endpoint), parsed, and upserted into "
        "raw.fred_series. Days FRED publishes without a value stay as rows with a null value."
    ),
)
def raw_fred_series(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    return ingest(context, warehouse.settings(), raw.FRED_SERIES, sources.land_fred, fred.parse_fred_batch)


@asset(
    key=RAW_CFTC_TFF,
    group_name="ingestion",
    pool=WRITER_POOL,
    kinds={"duckdb", "python"},
    description=(
        "CFTC Traders in Financial Futures (futures only), weekly positions as of Tuesday of the "
        "markets in dbt_project/seeds/cftc_markets.csv (Russell 2000, Nasdaq-100, S&P 500 E-minis), "
        "matched on contract code: landed by the configured source (sample, snapshot FinFut*.txt, or "
        "the CFTC's reporting API and yearly archives), deduplicated across overlapping files, with "
        "the release time of every report, upserted into raw.cftc_tff. Gaps are noted."
    ),
)
def raw_cftc_tff(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    return ingest(context, warehouse.settings(), raw.CFTC_TFF, sources.land_cftc, sources.parse_cftc)
