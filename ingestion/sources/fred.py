"""FRED daily rates of dbt_project/seeds/rate_series.csv (kind fred) into raw.fred_series."""

from __future__ import annotations

from collections.abc import Sequence

from ingestion import fred, fred_fetch, sample
from ingestion.landing import LandingBatch
from ingestion.sources.base import LandingRequest, RawTable, Source
from ingestion.universe import fred_series_ids

TABLE = RawTable(
    name="fred_series",
    system="fred",
    item="series_id",
    columns=fred.FRED_SCHEMA,
)


def land_sample(ids: Sequence[str], request: LandingRequest) -> LandingBatch:
    return sample.land_sample_fred(request.landing_dir, progress=request.progress, series_ids=ids)


def land_snapshot(ids: Sequence[str], request: LandingRequest) -> LandingBatch:
    return fred_fetch.land_snapshot_fred(
        request.snapshot_dir, list(ids), request.landing_dir, progress=request.progress
    )


def land_live(ids: Sequence[str], request: LandingRequest) -> LandingBatch:
    return fred_fetch.fetch_live_fred(
        list(ids),
        request.landing_dir,
        start=request.start_date,
        end=request.end_date,
        progress=request.progress,
    )


SOURCE = Source(
    table=TABLE,
    requested=fred_series_ids,  # the seed's series; the live-only ones in live mode only
    landers={"sample": land_sample, "snapshot": land_snapshot, "live": land_live},
    parse=fred.parse_fred_batch,
    partitions="months",
    description=(
        "FRED daily rates of dbt_project/seeds/rate_series.csv (kind fred: DGS2, DGS3MO, DFF; EFFR "
        "and SOFR in live mode), in percent as published: fetched into landing by the configured "
        "source (sample, snapshot or FRED's keyless CSV endpoint), parsed, and upserted into "
        "raw.fred_series. Days FRED publishes without a value stay as rows with a null value. "
        "Partitioned by month."
    ),
)
