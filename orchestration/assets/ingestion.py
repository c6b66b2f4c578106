"""Ingestion assets: upstream -> landing files -> raw tables. Bodies call the pure modules."""

import itertools
import socket
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import requests
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    BackfillPolicy,
    Backoff,
    BetaWarning,
    Failure,
    Jitter,
    MaterializeResult,
    MetadataValue,
    RetryPolicy,
    TimeWindowPartitionsDefinition,
    asset,
)

from ingestion import estimates, fred, french, sources, yahoo
from ingestion.downloads import not_transient, unreachable_at_once
from ingestion.errors import (
    UPSTREAMS,
    SnapshotLayoutError,
    StorageError,
    network_error_message,
    storage_error,
)
from ingestion.landing import LandingBatch, UpstreamFileError, UpstreamUnavailableError, relative_to_home
from orchestration import partitions
from orchestration.resources import WRITER_POOL, WarehouseResource
from warehouse import db, raw
from warehouse.settings import Settings

RAW_PRICES = AssetKey(["raw", "prices"])
RAW_FRED_SERIES = AssetKey(["raw", "fred_series"])
RAW_CFTC_TFF = AssetKey(["raw", "cftc_tff"])
RAW_FRENCH_FACTORS = AssetKey(["raw", "french_factors"])
RAW_ESTIMATE_SNAPSHOTS = AssetKey(["raw", "estimate_snapshots"])
RAW_SHARES_OUTSTANDING = AssetKey(["raw", "shares_outstanding"])

# BackfillPolicy is "beta" in Dagster 1.13; its single-run behaviour is what this project relies on.
warnings.filterwarnings("ignore", message="Parameter `backfill_policy`", category=BetaWarning)

# Live fetches already retry each request with backoff (ingestion.downloads.with_retries); when a
# source stays down through those, the whole step is tried again a few minutes later. Bad files are
# not retried, nor is what waiting does not mend (a host that does not resolve, a refused TLS
# certificate: UpstreamUnreachableError, ingestion.downloads.not_transient), which fails the step at
# once. Which layer retries what, and what both retry on purpose: ingestion/downloads.py's docstring.
LIVE_RETRY = RetryPolicy(max_retries=3, delay=120, backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS)

# Connection trouble that escaped a live fetcher's own retries (requests' ConnectionError and Timeout
# are OSErrors, and so are a refused connection, a DNS failure and a socket timeout).
NETWORK_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    ConnectionError,
    TimeoutError,
    socket.gaierror,
)


def ingest(
    context: AssetExecutionContext,
    settings: Settings,
    table: raw.RawTable,
    land: Callable[..., LandingBatch],
    parse: Callable,
) -> MaterializeResult:
    """Land this run's upstream files, parse them, load the raw table for the run's window (its
    partition or partition range); log progress, return metadata.

    Progress lines of landing and parsing (``prices: 12/29 symbols landed (...)``, throttled to about
    20 per stage) go to the run's log. Errors a person must act on fail the step with one line
    ``<cause> — fix: <what to do>``: a bad file or a snapshot folder that is not there (not
    retried), an upstream that cannot be reached (retried by the live retry policy)."""
    label = "SYNTHETIC sample data (not market data)" if settings.synthetic else settings.source
    window = partitions.run_window(context, settings)
    context.log.info(f"{table.qualified} from {label}, window {window}: landing into {settings.landing_dir}")
    started = time.perf_counter()  # landing, parsing and loading times go into the metadata
    try:
        batch = land(
            settings.source,
            landing_dir=settings.landing_dir,
            snapshot_dir=settings.snapshot_dir,
            start_date=window.start,
            end_date=window.end,
            progress=context.log.info,
        )
        landed = time.perf_counter()
        if batch.covers:  # the source decides the dates (estimate captures): load exactly those
            window = partitions.batch_window(max(batch.covers[0], settings.start_date), batch.covers[1])
            context.log.info(f"the batch covers {window}")
        rows, dropped = parse(batch, window.start, settings.home, progress=context.log.info)
        parsed = time.perf_counter()
        context.log.info(
            f"landed {len(batch.files)} files for {len(batch.requested)} requested {table.item}s"
            + (f"; missing upstream: {', '.join(batch.missing)}" if batch.missing else "")
            + f"; loading {table.qualified}"
        )
        with db.connect(settings.build_db) as con:
            stats = raw.load(
                con,
                table,
                rows,  # a frame, or chunks parsed as the load reads them (yahoo.PriceChunks)
                source=settings.source,
                synthetic=batch.synthetic,
                requested=batch.requested,
                landing_files=[relative_to_home(f.path, settings.home) for f in batch.files],
                start_date=window.start,
                end_date=window.end,
                keep_from=settings.start_date,
                window_sessions=window.sessions,
                notes=itertools.chain(batch.notes, dropped),  # read after the rows
                allow_removals=settings.removals_allowed(table.name),
            )
            per_item = raw.coverage(con, table)
    except UpstreamUnavailableError as error:
        if not error.transient:  # e.g. a host that does not resolve: waiting does not mend it
            raise Failure(description=str(error), allow_retries=False) from error
        raise  # transient: the live retry policy tries the step again
    except NETWORK_ERRORS as error:
        if settings.source != "live":
            raise
        if not_transient(error):
            upstream = UPSTREAMS.get(table.system, table.system)
            raise Failure(
                description=str(
                    unreachable_at_once(upstream[0].upper() + upstream[1:], table.qualified, error)
                ),
                allow_retries=False,
            ) from error
        # transient too, and the same one line as an upstream unreachable after its retries
        raise UpstreamUnavailableError(network_error_message(table.system, error)) from error
    except SnapshotLayoutError as error:
        raise Failure(description=str(error), allow_retries=False) from error
    except (UpstreamFileError, raw.DuplicateRowsError) as error:
        raise Failure(
            description=(
                f"{table.qualified} ({settings.source}): {error}. Nothing was loaded; raw and serving keep "
                "the last good data. Fix or remove the file named (landing files are kept for "
                "inspection), then materialize this partition again."
            ),
            allow_retries=False,
        ) from error
    except (OSError, duckdb.Error) as error:
        # landing or the build file refused a write (read-only, unwritable, full): one line, no retry
        refused = error if isinstance(error, StorageError) else storage_error(error, settings.home)
        if refused is None:
            raise
        raise Failure(description=str(refused), allow_retries=False) from error
    note_log = context.log.info if batch.synthetic else context.log.warning
    for note in batch.notes:
        note_log(note)
    for note in dropped:
        context.log.info(note)
    loaded = time.perf_counter()
    # a chunked parse ran inside the load: its own parsing time moves from loading to parsing
    parse_seconds = getattr(rows, "seconds", parsed - landed)
    context.log.info(
        f"{table.qualified} {window.label}: {stats.rows_in_files:,} rows in the window, "
        f"{stats.rows_inserted:,} inserted, {stats.rows_updated:,} updated, "
        f"{stats.rows_unchanged:,} unchanged, {stats.rows_removed:,} removed"
    )
    if stats.rows_withheld:
        context.log.warning(
            f"{table.qualified}: {stats.rows_withheld:,} row(s) the files no longer hold were kept "
            "(withheld, listed in raw.removed_rows); the removals gate fails until the files deliver "
            f"them again or ROTATION_ALLOW_REMOVALS names {table.name} (or {table.name}:<{table.item}>)"
        )
    return MaterializeResult(
        metadata={
            "source": settings.source,
            "synthetic": batch.synthetic,
            "window": str(window),
            "dagster/row_count": int(per_item["rows"].sum()),
            f"{table.item}s": len(per_item),
            "first_date": str(stats.min_date),
            "last_date": str(stats.max_date),
            "rows_in_files": stats.rows_in_files,
            "rows_inserted": stats.rows_inserted,
            "rows_updated": stats.rows_updated,
            "rows_unchanged": stats.rows_unchanged,
            "rows_removed": stats.rows_removed,
            "rows_withheld": stats.rows_withheld,
            "changed_from": str(stats.changed_from) if stats.changed_from else "no change",
            "missing_upstream": ", ".join(batch.missing) or "none",
            "landing_files": len(batch.files),
            "notes": MetadataValue.md("\n".join(f"- {n}" for n in [*batch.notes, *dropped]) or "none"),
            f"per_{table.item}": MetadataValue.md(per_item.to_markdown(index=False)),
            "build_db": MetadataValue.path(str(settings.build_db)),
            "seconds_landing": round(landed - started, 3),
            "seconds_parsing": round(parse_seconds, 3),
            "seconds_loading": round(loaded - landed - parse_seconds, 3),
        }
    )


@dataclass(frozen=True)
class IngestionSpec:
    """One raw asset: its key, table, partitioning, how its source lands and parses, what it is."""

    key: AssetKey
    table: raw.RawTable
    partitions: Callable[[Settings], TimeWindowPartitionsDefinition] | None  # None: unpartitioned
    land: Callable[..., LandingBatch]
    parse: Callable
    description: str


SPECS = (
    IngestionSpec(
        RAW_PRICES,
        raw.PRICES,
        partitions.months,
        sources.land_prices,
        yahoo.parse_batch_chunks,
        "Daily bars for every instrument of the universe (dbt_project/seeds/instruments.csv), rate "
        "futures and yield quotes included: fetched into immutable landing files by the configured "
        "source (sample, snapshot or live Yahoo Finance), parsed, and upserted into raw.prices with "
        "provenance. Partitioned by month: a run loads its months and replaces exactly their rows; "
        "reloading the same files changes nothing.",
    ),
    IngestionSpec(
        RAW_FRED_SERIES,
        raw.FRED_SERIES,
        partitions.months,
        sources.land_fred,
        fred.parse_fred_batch,
        "FRED daily rates of dbt_project/seeds/rate_series.csv (kind fred: DGS2, DGS3MO, DFF; EFFR "
        "and SOFR in live mode), in percent as published: fetched into landing by the configured "
        "source (sample, snapshot or FRED's keyless CSV endpoint), parsed, and upserted into "
        "raw.fred_series. Days FRED publishes without a value stay as rows with a null value. "
        "Partitioned by month.",
    ),
    IngestionSpec(
        RAW_CFTC_TFF,
        raw.CFTC_TFF,
        partitions.report_months,
        sources.land_cftc,
        sources.parse_cftc,
        "CFTC Traders in Financial Futures (futures only), weekly positions as of Tuesday of the "
        "markets in dbt_project/seeds/cftc_markets.csv (Russell 2000, Nasdaq-100, S&P 500 E-minis), "
        "matched on contract code: landed by the configured source (sample, snapshot FinFut*.txt, or "
        "the CFTC's reporting API and yearly archives), deduplicated across overlapping files, with "
        "the release time of every report, upserted into raw.cftc_tff. Gaps are noted. "
        "Partitioned by month of the report date.",
    ),
    IngestionSpec(
        RAW_FRENCH_FACTORS,
        raw.FRENCH_FACTORS,
        partitions.months,
        sources.land_french,
        french.parse_french_batch,
        "Fama-French daily factors (Mkt-RF, SMB, HML, RF, RMW, CMA, Mom; percent) from the Kenneth French "
        "data library: landed by the configured source (sample, snapshot french/, or the library's daily "
        "zips), each file recognised by its header (unknown layouts skipped with a note), each factor "
        "taken whole from its own file, parsed, and upserted into raw.french_factors, one row per factor "
        "and date. SMB, small minus big, confirms a size rotation across the whole market; Mom and RMW "
        "show a momentum unwind and a rally of low quality. Partitioned by month.",
    ),
    IngestionSpec(
        RAW_ESTIMATE_SNAPSHOTS,
        raw.ESTIMATE_SNAPSHOTS,
        None,
        sources.land_estimates,
        estimates.parse_estimates_batch,
        "Analyst estimate snapshots (yfinance Ticker revenue_estimate, earnings_estimate, eps_trend, "
        "eps_revisions, growth_estimates) of the mega caps and the small/large-cap ETF proxies, one row "
        "per symbol, capture date and period (0q, +1q, 0y, +1y). Upstream keeps no history: each run "
        "captures today's consensus (live), and the warehouse keeps every capture date (append-only; "
        "capturing again the same day replaces that day). The sample generates a year of captures; a "
        "snapshot folder lands the captures it holds (estimates/), none if it has no such folder. Not "
        "partitioned: a capture is of the day it runs.",
    ),
    IngestionSpec(
        RAW_SHARES_OUTSTANDING,
        raw.SHARES_OUTSTANDING,
        None,
        sources.land_shares,
        estimates.parse_shares_batch,
        "Shares outstanding of the mega caps over time (yfinance Ticker.get_shares_full), live only: "
        "the sample and the snapshot have no share history, and the concentration marts then use the "
        "seed shares_outstanding.csv (counts at year starts from public filings). Not partitioned.",
    ),
)


def ingestion_asset(spec: IngestionSpec, settings: Settings) -> AssetsDefinition:
    """The raw asset of ``spec``, partitioned for ``settings``; retried only when fetching live."""

    @asset(
        key=spec.key,
        partitions_def=spec.partitions(settings) if spec.partitions else None,
        group_name="ingestion",
        pool=WRITER_POOL,
        backfill_policy=BackfillPolicy.single_run(),
        retry_policy=LIVE_RETRY if settings.source == "live" else None,
        kinds={"duckdb", "python"},
        description=spec.description,
    )
    def _ingest(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
        return ingest(context, warehouse.settings(), spec.table, spec.land, spec.parse)

    return _ingest


def ingestion_assets(settings: Settings) -> list[AssetsDefinition]:
    """The raw assets, partitioned for ``settings`` (see orchestration/partitions.py)."""
    return [ingestion_asset(spec, settings) for spec in SPECS]
