"""Yahoo Finance daily bars of the universe (dbt_project/seeds/instruments.csv) into raw.prices."""

from __future__ import annotations

from collections.abc import Sequence

from ingestion import sample, yahoo, yahoo_batch, yahoo_fetch
from ingestion.landing import LandingBatch
from ingestion.sources.base import LandingRequest, RawTable, Source
from ingestion.universe import load_universe

TABLE = RawTable(
    name="prices",
    system="yahoo",
    item="symbol",
    # values (every column outside the key) include is_partial: a later capture of the same day that
    # is final replaces the partial row (an update), and reloading the same capture changes nothing
    columns=yahoo.PRICE_SCHEMA,
    added_columns=("is_partial boolean default false",),
)


def symbols(mode: str) -> list[str]:
    """Every instrument of the universe, in every mode."""
    return [i.symbol for i in load_universe()]


def land_sample(ids: Sequence[str], request: LandingRequest) -> LandingBatch:
    universe = [i for i in load_universe() if i.symbol in set(ids)]
    return sample.land_sample_prices(universe, request.landing_dir, progress=request.progress)


def land_snapshot(ids: Sequence[str], request: LandingRequest) -> LandingBatch:
    return yahoo_fetch.land_snapshot(
        request.snapshot_dir, list(ids), request.landing_dir, progress=request.progress
    )


def land_live(ids: Sequence[str], request: LandingRequest) -> LandingBatch:
    """Yahoo from ``start_date`` up to ``end_date`` (exclusive); sample and snapshot files are whole
    histories, cut to the window when loaded."""
    return yahoo_fetch.fetch_live(
        list(ids),
        request.landing_dir,
        start=request.start_date,
        end=request.end_date,
        progress=request.progress,
    )


SOURCE = Source(
    table=TABLE,
    requested=symbols,
    landers={"sample": land_sample, "snapshot": land_snapshot, "live": land_live},
    parse=yahoo_batch.parse_batch_chunks,
    partitions="months",
    description=(
        "Daily bars for every instrument of the universe (dbt_project/seeds/instruments.csv), rate "
        "futures and yield quotes included: fetched into immutable landing files by the configured "
        "source (sample, snapshot or live Yahoo Finance), parsed, and upserted into raw.prices with "
        "provenance. Partitioned by month: a run loads its months and replaces exactly their rows; "
        "reloading the same files changes nothing."
    ),
)
