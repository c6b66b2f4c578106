"""Analyst estimate snapshots of the mega caps and ETF proxies into raw.estimate_snapshots.

Today's capture (live), the generated capture history (sample), or the captures a snapshot folder
kept. The batch covers its capture dates only, so a load never touches other days; live re-reads its
earlier captures from landing, so the history survives a warehouse switched to another source and back."""

from __future__ import annotations

from collections.abc import Sequence

from ingestion import estimates, estimates_fetch, sample
from ingestion.landing import LandingBatch
from ingestion.sources.base import LandingRequest, RawTable, Source
from ingestion.universe import estimate_symbols, megacap_symbols

TABLE = RawTable(
    name="estimate_snapshots",
    system="yahoo_estimates",
    item="symbol",
    date="capture_date",
    keys=("period",),
    columns=estimates.ESTIMATE_SCHEMA,
)


def land_sample(ids: Sequence[str], request: LandingRequest) -> LandingBatch:
    return sample.land_sample_estimates(list(ids), request.landing_dir, progress=request.progress)


def land_snapshot(ids: Sequence[str], request: LandingRequest) -> LandingBatch:
    return estimates_fetch.land_snapshot_estimates(
        request.snapshot_dir, list(ids), request.landing_dir, progress=request.progress
    )


def land_live(ids: Sequence[str], request: LandingRequest) -> LandingBatch:
    optional = [s for s in ids if s not in megacap_symbols()]  # ETFs: Yahoo has none today
    return estimates_fetch.fetch_live_estimates(
        list(ids), request.landing_dir, optional=optional, progress=request.progress
    )


SOURCE = Source(
    table=TABLE,
    requested=lambda mode: estimate_symbols(),
    landers={"sample": land_sample, "snapshot": land_snapshot, "live": land_live},
    parse=estimates.parse_estimates_batch,
    partitions=None,  # a capture is of the day it runs
    description=(
        "Analyst estimate snapshots (yfinance Ticker revenue_estimate, earnings_estimate, eps_trend, "
        "eps_revisions, growth_estimates) of the mega caps and the small/large-cap ETF proxies, one row "
        "per symbol, capture date and period (0q, +1q, 0y, +1y). Upstream keeps no history: each run "
        "captures today's consensus (live), and the warehouse keeps every capture date (append-only; "
        "capturing again the same day replaces that day). The sample generates a year of captures; a "
        "snapshot folder lands the captures it holds (estimates/), none if it has no such folder. Not "
        "partitioned: a capture is of the day it runs."
    ),
)
