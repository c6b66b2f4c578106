"""Yahoo Finance daily bars of the universe (dbt_project/seeds/instruments.csv) into raw.prices."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from ingestion import sample, yahoo, yahoo_batch, yahoo_fetch
from ingestion.landing import LandingBatch
from ingestion.rate_contracts import contract_dates, contract_instruments, contracts_in_window, load_contracts
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
    # a dated rate futures contract is expected only from its first date to its last trading day
    item_dates=contract_dates,
)


def symbols(mode: str) -> list[str]:
    """Every instrument of the universe, in every mode; plus the dated rate futures contracts
    (dbt_project/seeds/rate_futures_contracts.csv, ingestion.rate_contracts) where the mode has
    them: live asks for those of its window (``land_live``), the sample generates the fed funds
    contracts of its years, the snapshot has none (live-only upstream; nothing is asked for)."""
    universe = [i.symbol for i in load_universe()]
    if mode == "snapshot":
        return universe
    if mode == "sample":
        window = set(contracts_in_window(sample.SAMPLE_START, sample.SAMPLE_END + dt.timedelta(days=1)))
        return universe + [
            c.symbol for c in load_contracts() if c.root in SAMPLE_STRIPS and c.symbol in window
        ]
    return universe + [c.symbol for c in load_contracts()]


# The strips the sample generates: the fed funds contracts (priced from the sample's fed funds path,
# ZQ=F being the current month's one). The sample's SR3=F follows its bill curve, not a strip of
# dated SOFR contracts, so it has none.
SAMPLE_STRIPS = ("ZQ",)


def land_sample(ids: Sequence[str], request: LandingRequest) -> LandingBatch:
    wanted = set(ids)
    universe = [i for i in [*load_universe(), *contract_instruments()] if i.symbol in wanted]
    return sample.land_sample_prices(universe, request.landing_dir, progress=request.progress)


def land_snapshot(ids: Sequence[str], request: LandingRequest) -> LandingBatch:
    return yahoo_fetch.land_snapshot(
        request.snapshot_dir, list(ids), request.landing_dir, progress=request.progress
    )


def land_live(ids: Sequence[str], request: LandingRequest) -> LandingBatch:
    """Yahoo from ``start_date`` up to ``end_date`` (exclusive); sample and snapshot files are whole
    histories, cut to the window when loaded. Dated rate futures contracts are asked for only when
    read in the window (``contracts_in_window``): a run of this month does not download 25 years
    of expired months."""
    contracts = {c.symbol for c in load_contracts()}
    in_window = set(contracts_in_window(request.start_date, request.end_date))
    wanted = [s for s in ids if s not in contracts or s in in_window]
    return yahoo_fetch.fetch_live(
        wanted,
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
