"""CFTC Traders in Financial Futures reports of the markets of cftc_markets.csv into raw.cftc_tff."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from ingestion import cftc, cftc_fetch, sample
from ingestion.landing import LandingBatch
from ingestion.progress import Progress
from ingestion.sources.base import LandingRequest, RawTable, Source
from ingestion.universe import cftc_codes

TABLE = RawTable(
    name="cftc_tff",
    system="cftc",
    item="cftc_code",
    date="report_date",
    columns=cftc.TFF_SCHEMA,
)


def land_sample(ids: Sequence[str], request: LandingRequest) -> LandingBatch:
    return sample.land_sample_cftc(request.landing_dir, progress=request.progress, codes=ids)


def land_snapshot(ids: Sequence[str], request: LandingRequest) -> LandingBatch:
    return cftc_fetch.land_snapshot_cftc(
        request.snapshot_dir, list(ids), request.landing_dir, progress=request.progress
    )


def land_live(ids: Sequence[str], request: LandingRequest) -> LandingBatch:
    last_day = (
        request.end_date - dt.timedelta(days=1) if request.end_date else None
    )  # the API's end is inclusive
    return cftc_fetch.fetch_live_cftc(
        list(ids), request.landing_dir, start=request.start_date, end=last_day, progress=request.progress
    )


def parse(batch: LandingBatch, start_date: dt.date, home: Path, progress: Progress | None = None):
    """Parse a CFTC batch, keeping the markets of cftc_markets.csv (deduplicated, gaps noted)."""
    return cftc.parse_tff_batch(batch, start_date, home, cftc_codes(), progress=progress)


SOURCE = Source(
    table=TABLE,
    requested=lambda mode: cftc_codes(),  # matched on contract code: names change over the years
    landers={"sample": land_sample, "snapshot": land_snapshot, "live": land_live},
    parse=parse,
    partitions="report_months",
    description=(
        "CFTC Traders in Financial Futures (futures only), weekly positions as of Tuesday of the "
        "markets in dbt_project/seeds/cftc_markets.csv (Russell 2000, Nasdaq-100, S&P 500 E-minis), "
        "matched on contract code: landed by the configured source (sample, snapshot FinFut*.txt, or "
        "the CFTC's reporting API and yearly archives), deduplicated across overlapping files, with "
        "the release time of every report, upserted into raw.cftc_tff. Gaps are noted. "
        "Partitioned by month of the report date."
    ),
)
