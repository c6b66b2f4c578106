"""The sample Fama-French daily factors: the world's equity factors in the library's live CSV dialect.

One row per NYSE trading day of the world (``world.dates``), values in percent as the library writes
them:

- ``RF``: the daily T-bill return, the world's effective short rate / 252 (three decimals);
- ``Mkt-RF``: the ^GSPC simple daily return (the world's market factor) minus ``RF``;
- ``SMB``: the ^RUT simple daily return minus the ^GSPC one (small minus large, from
  :func:`~ingestion.sample.world.index_levels`) plus a little seeded noise (the real factor is a
  portfolio spread, not an index spread);
- ``HML``, ``RMW``, ``CMA``, ``Mom``: seeded noise whose size follows the market's stress (the world has
  no value, profitability, investment or momentum factor), momentum the most volatile as in the library.

Like the library, the factors come in three files (:data:`~ingestion.french.LIBRARY_FILES`): the three
factors, the five factors (2x3; its SMB is the three-factor SMB plus noise of its own, since the
five-factor SMB is another portfolio) and momentum. Each imitates the library's zip member:
description lines, the header, right-aligned values (two decimals, ``RF`` three), a blank line and a
copyright footer, CRLF line endings. Same world, same bytes.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
import pandas as pd

from ingestion.french import FRENCH_FACTORS, LIBRARY_FILES, LibraryFile
from ingestion.landing import LandedFile, LandingBatch, land_bytes
from ingestion.progress import Counter, Progress
from ingestion.sample.processes import _rng
from ingestion.sample.world import TRADING_DAYS_PER_YEAR, SampleWorld, build_world, index_levels

# "ingestion.sample", like the other sample files.
log = logging.getLogger(__package__)

SAMPLE_FRENCH_FILES = tuple(f"{f.name}.CSV" for f in LIBRARY_FILES)
SAMPLE_FRENCH_FOOTER = " Copyright synthetic sample, not the Kenneth French data library"
# Daily noise (percent) added to the index spread for SMB (and again for the five-factor SMB), and
# the size of the noise factors when stress = 1.
SMB_NOISE = 0.15
NOISE_VOL = {"HML": 0.35, "RMW": 0.25, "CMA": 0.2, "Mom": 0.6}


def sample_french_factors(world: SampleWorld) -> pd.DataFrame:
    """The seven factors in percent on the world's trading days (columns FRENCH_FACTORS), unrounded;
    ``SMB 2x3`` is the five-factor file's SMB."""
    levels = index_levels(world)
    returns = levels.pct_change().fillna(0.0) * 100.0
    rf = world.short_rate / TRADING_DAYS_PER_YEAR
    n = len(world.dates)
    scale = np.sqrt(world.stress.to_numpy())
    smb = (
        returns["^RUT"] - returns["^GSPC"] + SMB_NOISE * _rng(world.seed, "french", "smb").standard_normal(n)
    )
    noise = {
        factor: vol * scale * _rng(world.seed, "french", factor.lower()).standard_normal(n)
        for factor, vol in NOISE_VOL.items()
    }
    frame = pd.DataFrame({"Mkt-RF": returns["^GSPC"] - rf, "SMB": smb, **noise, "RF": rf}, index=world.dates)
    frame["SMB 2x3"] = smb + SMB_NOISE * _rng(world.seed, "french", "smb 2x3").standard_normal(n)
    return frame.loc[:, [*FRENCH_FACTORS, "SMB 2x3"]]


def _format_value(value: float, decimals: int) -> str:
    """Right-aligned in 8 characters like the library's file (never '-0.00')."""
    if not math.isfinite(value):
        raise ValueError(f"cannot write non-finite value {value!r}")
    text = f"{value:.{decimals}f}"
    if float(text) == 0.0:
        text = text.lstrip("-")
    return f"{text:>8}"


def render_french_csv(
    factors: pd.DataFrame, seed: int, library_file: LibraryFile = LIBRARY_FILES[0]
) -> bytes:
    """The bytes of ``library_file``'s daily CSV (live dialect) for ``factors`` (index: dates; columns
    as from :func:`sample_french_factors`)."""
    columns = ["SMB 2x3" if f == "SMB" and "RMW" in library_file.factors else f for f in library_file.factors]
    lines = [
        "This file was created by ingestion.sample.french from the synthetic sample world "
        f"(seed {seed}), not from CRSP.",
        f"It imitates the Kenneth French data library's {library_file.name}; values in percent,",
        "RF is the simple daily rate of the sample's effective short rate. Synthetic sample data: not market data.",
        "",
        library_file.header,
    ]
    dates = pd.DatetimeIndex(factors.index).strftime("%Y%m%d").tolist()
    values = factors.loc[:, columns].astype("float64").to_numpy()
    for day, row in zip(dates, values.tolist(), strict=True):
        cells = [
            _format_value(v, 3 if f == "RF" else 2) for f, v in zip(library_file.factors, row, strict=True)
        ]
        lines.append(",".join([day, *cells]))
    lines += ["", SAMPLE_FRENCH_FOOTER, ""]
    return "\r\n".join(lines).encode("ascii")


def sample_french_files(world: SampleWorld) -> dict[str, bytes]:
    """The bytes of every library file (SAMPLE_FRENCH_FILES) for ``world``."""
    factors = sample_french_factors(world)
    return {
        name: render_french_csv(factors, world.seed, library_file)
        for name, library_file in zip(SAMPLE_FRENCH_FILES, LIBRARY_FILES, strict=True)
    }


def land_sample_french(
    landing_root: Path, world: SampleWorld | None = None, progress: Progress | None = None
) -> LandingBatch:
    """Generate the sample's library files from ``world`` and land them as SAMPLE_FRENCH_FILES;
    ``progress`` receives a line per file (``french: 1/3 files landed (...)``)."""
    world = world if world is not None else build_world()
    counter = Counter("french", len(SAMPLE_FRENCH_FILES), "files", "landed", progress)
    files = []
    for (name, content), library_file in zip(sample_french_files(world).items(), LIBRARY_FILES, strict=True):
        files.append(
            LandedFile(land_bytes(content, landing_root, "french", "sample", name), library_file.home_of)
        )
        counter.advance(name)
    log.info("landed the synthetic sample French factors files (seed %d)", world.seed)
    return LandingBatch(
        system="french",
        mode="sample",
        requested=FRENCH_FACTORS,
        files=files,
        synthetic=True,
        notes=[f"synthetic sample data (seed {world.seed}): not market data"],
    )


__all__ = [
    "SAMPLE_FRENCH_FILES",
    "land_sample_french",
    "render_french_csv",
    "sample_french_factors",
    "sample_french_files",
]
