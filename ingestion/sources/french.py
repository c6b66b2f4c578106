"""The Fama-French daily factors (Kenneth French data library) into raw.french_factors.

Upstream publishes each factor set (three factors, five factors, momentum) as one file with the whole
history, so every mode lands them whole and the load cuts them to the window; the files decide which
factors there are (each recognised by its header), so nothing is requested by id."""

from __future__ import annotations

from collections.abc import Sequence

from ingestion import french, french_fetch, sample
from ingestion.landing import LandingBatch
from ingestion.sources.base import LandingRequest, RawTable, Source, nothing_requested

TABLE = RawTable(
    name="french_factors",
    system="french",
    item="factor",
    columns=french.FRENCH_SCHEMA,
)


def land_sample(ids: Sequence[str], request: LandingRequest) -> LandingBatch:
    return sample.land_sample_french(request.landing_dir, progress=request.progress)


def land_snapshot(ids: Sequence[str], request: LandingRequest) -> LandingBatch:
    return french_fetch.land_snapshot_french(
        request.snapshot_dir, request.landing_dir, progress=request.progress
    )


def land_live(ids: Sequence[str], request: LandingRequest) -> LandingBatch:
    return french_fetch.fetch_live_french(request.landing_dir, progress=request.progress)


SOURCE = Source(
    table=TABLE,
    requested=nothing_requested,
    landers={"sample": land_sample, "snapshot": land_snapshot, "live": land_live},
    parse=french.parse_french_batch,
    partitions="months",
    description=(
        "Fama-French daily factors (Mkt-RF, SMB, HML, RF, RMW, CMA, Mom; percent) from the Kenneth French "
        "data library: landed by the configured source (sample, snapshot french/, or the library's daily "
        "zips), each file recognised by its header (unknown layouts skipped with a note), each factor "
        "taken whole from its own file, parsed, and upserted into raw.french_factors, one row per factor "
        "and date. SMB, small minus big, confirms a size rotation across the whole market; Mom and RMW "
        "show a momentum unwind and a rally of low quality. Partitioned by month."
    ),
)
