"""The mega caps' share-count history from Yahoo into raw.shares_outstanding (live only).

The sample and the snapshot have no share history: the marts use dbt_project/seeds/shares_outstanding.csv
(counts at year starts, with their public source), and those modes land nothing, with a note saying so."""

from __future__ import annotations

from collections.abc import Sequence

from ingestion import estimates, estimates_fetch
from ingestion.landing import LandingBatch
from ingestion.sources.base import LandingRequest, RawTable, Source
from ingestion.universe import megacap_symbols

TABLE = RawTable(
    name="shares_outstanding",
    system="yahoo_shares",
    item="symbol",
    columns=estimates.SHARES_SCHEMA,
)


def no_history(mode: str) -> LandingBatch:
    return LandingBatch(
        system="yahoo_shares",
        mode=mode,
        requested=(),
        notes=[f"{mode} has no share-count history: the concentration marts use the seed "
               "shares_outstanding.csv (shares at year starts, public filings)"],
        synthetic=mode == "sample",
    )  # fmt: skip


def land_live(ids: Sequence[str], request: LandingRequest) -> LandingBatch:
    return estimates_fetch.fetch_live_shares(
        list(ids), request.landing_dir, start=request.start_date, progress=request.progress
    )


SOURCE = Source(
    table=TABLE,
    requested=lambda mode: megacap_symbols(),
    landers={
        "sample": lambda ids, request: no_history("sample"),
        "snapshot": lambda ids, request: no_history("snapshot"),
        "live": land_live,
    },
    parse=estimates.parse_shares_batch,
    partitions=None,
    description=(
        "Shares outstanding of the mega caps over time (yfinance Ticker.get_shares_full), live only: "
        "the sample and the snapshot have no share history, and the concentration marts then use the "
        "seed shares_outstanding.csv (counts at year starts from public filings). Not partitioned."
    ),
)
