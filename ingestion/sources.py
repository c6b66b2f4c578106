"""The three source modes: how this run's price files get into landing. Parsing after that is shared."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ingestion import sample, yahoo
from ingestion.landing import LandingBatch
from ingestion.universe import load_universe


def land_prices(source: str, *, landing_dir: Path, snapshot_dir: Path, start_date: dt.date) -> LandingBatch:
    """Land the universe's price files: generated (``sample``), copied from ``snapshot_dir``
    (``snapshot``) or downloaded from Yahoo Finance (``live``)."""
    universe = load_universe()
    if source == "sample":
        return sample.land_sample_prices(universe, landing_dir)
    symbols = [i.symbol for i in universe]
    if source == "snapshot":
        return yahoo.land_snapshot(snapshot_dir, symbols, landing_dir)
    if source == "live":
        return yahoo.fetch_live(symbols, landing_dir, start=start_date)
    raise ValueError(f"unknown source {source!r}; expected sample, snapshot or live")
