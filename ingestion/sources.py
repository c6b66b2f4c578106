"""The three source modes: how this run's upstream files get into landing. Parsing after that is shared."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ingestion import cftc, estimates, fred, french, sample, yahoo
from ingestion.landing import LandingBatch
from ingestion.progress import Progress
from ingestion.universe import cftc_codes, estimate_symbols, fred_series_ids, load_universe, megacap_symbols


def land_prices(
    source: str,
    *,
    landing_dir: Path,
    snapshot_dir: Path,
    start_date: dt.date,
    end_date: dt.date | None = None,
    progress: Progress | None = None,
) -> LandingBatch:
    """Land the universe's price files: generated (``sample``), copied from ``snapshot_dir``
    (``snapshot``) or downloaded from Yahoo Finance (``live``). ``live`` asks upstream for
    ``start_date`` up to ``end_date`` (exclusive); sample and snapshot files are whole histories,
    cut to the window when loaded. ``progress`` receives throttled progress lines (every mode)."""
    universe = load_universe()
    if source == "sample":
        return sample.land_sample_prices(universe, landing_dir, progress=progress)
    symbols = [i.symbol for i in universe]
    if source == "snapshot":
        return yahoo.land_snapshot(snapshot_dir, symbols, landing_dir, progress=progress)
    if source == "live":
        return yahoo.fetch_live(symbols, landing_dir, start=start_date, end=end_date, progress=progress)
    raise ValueError(f"unknown source {source!r}; expected sample, snapshot or live")


def land_fred(
    source: str,
    *,
    landing_dir: Path,
    snapshot_dir: Path,
    start_date: dt.date,
    end_date: dt.date | None = None,
    progress: Progress | None = None,
) -> LandingBatch:
    """Land the FRED series of ``dbt_project/seeds/rate_series.csv`` (kind fred)."""
    series = fred_series_ids(source)
    if source == "sample":
        return sample.land_sample_fred(landing_dir, progress=progress, series_ids=series)
    if source == "snapshot":
        return fred.land_snapshot_fred(snapshot_dir, series, landing_dir, progress=progress)
    if source == "live":
        return fred.fetch_live_fred(series, landing_dir, start=start_date, end=end_date, progress=progress)
    raise ValueError(f"unknown source {source!r}; expected sample, snapshot or live")


def land_cftc(
    source: str,
    *,
    landing_dir: Path,
    snapshot_dir: Path,
    start_date: dt.date,
    end_date: dt.date | None = None,
    progress: Progress | None = None,
) -> LandingBatch:
    """Land CFTC Traders in Financial Futures reports for the markets of cftc_markets.csv."""
    codes = cftc_codes()
    if source == "sample":
        return sample.land_sample_cftc(landing_dir, progress=progress)
    if source == "snapshot":
        return cftc.land_snapshot_cftc(snapshot_dir, codes, landing_dir, progress=progress)
    if source == "live":
        last_day = end_date - dt.timedelta(days=1) if end_date else None  # the API's end is inclusive
        return cftc.fetch_live_cftc(codes, landing_dir, start=start_date, end=last_day, progress=progress)
    raise ValueError(f"unknown source {source!r}; expected sample, snapshot or live")


def land_french(
    source: str,
    *,
    landing_dir: Path,
    snapshot_dir: Path,
    start_date: dt.date,
    end_date: dt.date | None = None,
    progress: Progress | None = None,
) -> LandingBatch:
    """Land the Fama-French daily factors (Kenneth French data library). Upstream publishes each
    factor set (three factors, five factors, momentum) as one file with the whole history, so every
    mode lands them whole; the load cuts them to the window."""
    if source == "sample":
        return sample.land_sample_french(landing_dir, progress=progress)
    if source == "snapshot":
        return french.land_snapshot_french(snapshot_dir, landing_dir, progress=progress)
    if source == "live":
        return french.fetch_live_french(landing_dir, progress=progress)
    raise ValueError(f"unknown source {source!r}; expected sample, snapshot or live")


def land_estimates(
    source: str,
    *,
    landing_dir: Path,
    snapshot_dir: Path,
    start_date: dt.date,
    end_date: dt.date | None = None,
    progress: Progress | None = None,
) -> LandingBatch:
    """Land analyst estimate snapshots of the mega caps and ETF proxies: today's capture (``live``),
    the generated capture history (``sample``), or the captures a snapshot folder kept. The batch
    covers its capture dates only, so a load never touches other days; live re-reads its earlier
    captures from landing, so the history survives a warehouse switched to another source and back."""
    symbols = estimate_symbols()
    if source == "sample":
        return sample.land_sample_estimates(symbols, landing_dir, progress=progress)
    if source == "snapshot":
        return estimates.land_snapshot_estimates(snapshot_dir, symbols, landing_dir, progress=progress)
    if source == "live":
        optional = [s for s in symbols if s not in megacap_symbols()]  # ETFs: Yahoo has none today
        return estimates.fetch_live_estimates(symbols, landing_dir, optional=optional, progress=progress)
    raise ValueError(f"unknown source {source!r}; expected sample, snapshot or live")


def land_shares(
    source: str,
    *,
    landing_dir: Path,
    snapshot_dir: Path,
    start_date: dt.date,
    end_date: dt.date | None = None,
    progress: Progress | None = None,
) -> LandingBatch:
    """Land the mega caps' share-count history from Yahoo (``live`` only). The sample and the
    snapshot have no share history: the marts use dbt_project/seeds/shares_outstanding.csv (counts at
    year starts, with their public source), and this lands nothing, with a note saying so."""
    symbols = megacap_symbols()
    if source in ("sample", "snapshot"):
        return LandingBatch(
            system="yahoo_shares",
            mode=source,
            requested=(),
            notes=[f"{source} has no share-count history: the concentration marts use the seed "
                   "shares_outstanding.csv (shares at year starts, public filings)"],
            synthetic=source == "sample",
        )  # fmt: skip
    if source == "live":
        return estimates.fetch_live_shares(symbols, landing_dir, start=start_date, progress=progress)
    raise ValueError(f"unknown source {source!r}; expected sample, snapshot or live")


def parse_cftc(batch: LandingBatch, start_date: dt.date, home: Path, progress: Progress | None = None):
    """Parse a CFTC batch, keeping the markets of cftc_markets.csv (deduplicated, gaps noted)."""
    return cftc.parse_tff_batch(batch, start_date, home, cftc_codes(), progress=progress)
