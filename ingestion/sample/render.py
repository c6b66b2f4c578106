"""The sample files: yfinance's CSV dialect, landed one content-addressed file per symbol."""

from __future__ import annotations

import datetime as dt
import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ingestion.landing import LandedFile, LandingBatch, land_bytes
from ingestion.progress import Counter, Progress
from ingestion.sample.instruments import sample_prices
from ingestion.sample.world import SAMPLE_SEED, build_world
from ingestion.universe import SESSIONS, Instrument

# "ingestion.sample", the logger's name from before the module became a package.
log = logging.getLogger(__package__)

# Column order of yfinance's download for one ticker with auto_adjust=False.
YAHOO_COLUMNS = ("Adj Close", "Close", "High", "Low", "Open", "Volume")


def _format_float(value: float) -> str:
    """Shortest round-trip decimal (platform independent), positional, '' for NaN like pandas."""
    if value != value:  # NaN
        return ""
    text = repr(value)
    if "e" in text or "inf" in text:
        if not np.isfinite(value):
            raise ValueError(f"cannot write non-finite value {value!r}")
        return np.format_float_positional(value, trim="0")
    return text


def render_yahoo_csv(symbol: str, frame: pd.DataFrame) -> bytes:
    """The bytes yfinance + pandas write for one ticker downloaded with auto_adjust=False.

    Three header lines (``Price,...`` / ``Ticker,<symbol>,...`` / ``Date,,,...``), then one row per
    date: ``YYYY-MM-DD`` and the six columns in yfinance's order, Volume as an integer.
    """
    missing = [c for c in YAHOO_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{symbol}: frame lacks columns {missing}; got {list(frame.columns)}")
    header = [
        "Price," + ",".join(YAHOO_COLUMNS),
        "Ticker," + ",".join([symbol] * len(YAHOO_COLUMNS)),
        "Date" + "," * len(YAHOO_COLUMNS),
    ]
    columns = [pd.DatetimeIndex(frame.index).strftime("%Y-%m-%d").tolist()]
    for name in YAHOO_COLUMNS[:-1]:
        columns.append([_format_float(v) for v in frame[name].to_numpy(dtype=np.float64).tolist()])
    columns.append([str(int(v)) for v in frame["Volume"].tolist()])
    rows = [",".join(cells) for cells in zip(*columns, strict=True)]
    return ("\n".join(header + rows) + "\n").encode("ascii")


def sample_captured_at(last_day: dt.date) -> dt.datetime:
    """When the sample's bars count as captured: the end of the latest session (of every session in
    ``ingestion.universe.SESSIONS``) on its last day, in UTC. Every generated bar is then a close."""
    return max(session.end_on(last_day) for session in SESSIONS.values()).astimezone(dt.UTC)


def land_sample_prices(
    universe: list[Instrument], landing_root: Path, seed: int = SAMPLE_SEED, progress: Progress | None = None
) -> LandingBatch:
    """Generate the sample Yahoo files for ``universe`` and land one file per symbol; ``progress``
    receives throttled lines (``prices: 12/29 symbols landed (AAPL, 6,289 rows)``). Each file is
    captured, as far as the partial-bar rule goes, when the latest session of the sample's last day
    has ended (``sample_captured_at``): the sample has no partial bars."""
    started = time.perf_counter()
    world = build_world(seed)
    frames = sample_prices(world, universe)
    captured_at = sample_captured_at(world.dates[-1].date())
    batch = LandingBatch(
        system="yahoo",
        mode="sample",
        requested=tuple(inst.symbol for inst in universe),
        synthetic=True,
        notes=[f"synthetic sample data (seed {seed}): not market data"],
    )
    counter = Counter("prices", len(universe), "symbols", "landed", progress)
    for inst in universe:
        content = render_yahoo_csv(inst.symbol, frames[inst.symbol])
        path = land_bytes(content, landing_root, "yahoo", "sample", f"{inst.symbol}.csv")
        batch.files.append(LandedFile(path, (inst.symbol,), captured_at))
        counter.advance(inst.symbol, rows=len(frames[inst.symbol]))
    log.info(
        "landed %d synthetic sample price files (seed %d) in %.2fs",
        len(batch.files),
        seed,
        time.perf_counter() - started,
    )
    return batch
