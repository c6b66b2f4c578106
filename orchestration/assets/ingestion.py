"""Ingestion assets: upstream -> landing files -> raw tables. Bodies call the pure modules."""

import itertools
import socket
import time
import warnings
from collections.abc import Callable

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

from ingestion.downloads import not_transient, unreachable_at_once
from ingestion.errors import (
    UPSTREAMS,
    SnapshotLayoutError,
    StorageError,
    network_error_message,
    storage_error,
)
from ingestion.landing import LandingBatch, UpstreamFileError, UpstreamUnavailableError, relative_to_home
from ingestion.settings import Settings
from ingestion.sources import PRICES, SOURCES, Source
from orchestration import partitions
from orchestration.resources import WRITER_POOL, WarehouseResource
from warehouse import db, raw

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
            delivery = raw.Delivery(
                source=settings.source,
                synthetic=batch.synthetic,
                requested=batch.requested,
                landing_files=[relative_to_home(f.path, settings.home) for f in batch.files],
                start_date=window.start,
                end_date=window.end,
                keep_from=settings.start_date,
                window_sessions=window.sessions,
                allow_removals=settings.removals_allowed(table.name),
            )
            stats = raw.load(
                con,
                table,
                rows,  # a frame, or chunks parsed as the load reads them (yahoo_batch.PriceChunks)
                delivery,
                notes=itertools.chain(batch.notes, dropped),  # read after the rows
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


PARTITIONS: dict[str | None, Callable[[Settings], TimeWindowPartitionsDefinition] | None] = {
    "months": partitions.months,
    "report_months": partitions.report_months,
    None: None,  # unpartitioned
}


def asset_key(source: Source) -> AssetKey:
    return AssetKey(["raw", source.table.name])


RAW_PRICES = asset_key(PRICES)  # the price gates are written out (orchestration/checks.py)


# The ingestion assets of each job (orchestration/definitions.py): the CFTC's, by month of report
# date, load in `positioning`; every other source (by month, or unpartitioned) in `prices_and_rates`.
BY_REPORT_MONTH = [asset_key(s) for s in SOURCES if s.partitions == "report_months"]
BY_MONTH_OR_NONE = [asset_key(s) for s in SOURCES if s.partitions != "report_months"]


def ingestion_asset(source: Source, settings: Settings) -> AssetsDefinition:
    """The raw asset of ``source``, partitioned for ``settings``; retried only when fetching live."""
    partitions_def = PARTITIONS[source.partitions]

    @asset(
        key=asset_key(source),
        partitions_def=partitions_def(settings) if partitions_def else None,
        group_name="ingestion",
        pool=WRITER_POOL,
        backfill_policy=BackfillPolicy.single_run(),
        retry_policy=LIVE_RETRY if settings.source == "live" else None,
        kinds={"duckdb", "python"},
        description=source.description,
    )
    def _ingest(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
        return ingest(context, warehouse.settings(), source.table, source.land, source.parse)

    return _ingest


def ingestion_assets(settings: Settings) -> list[AssetsDefinition]:
    """The raw assets, partitioned for ``settings`` (see orchestration/partitions.py)."""
    return [ingestion_asset(source, settings) for source in SOURCES]
