"""The sample Fama-French daily factors: the world's equity factors in the library's live CSV dialect.

One row per NYSE trading day of the world (``world.dates``), values in percent as the library writes
them:

- ``RF``: the daily T-bill return, the world's effective short rate / 252 (three decimals);
- ``Mkt-RF``: the ^GSPC simple daily return (the world's market factor) minus ``RF``;
- ``SMB``: the ^RUT simple daily return minus the ^GSPC one (small minus large, from
  :func:`~ingestion.sample.world.index_levels`) plus a little seeded noise (the real factor is a
  portfolio spread, not an index spread);
- ``HML``: seeded noise whose size follows the market's stress (the world has no value factor).

The file imitates ``F-F_Research_Data_Factors_daily.CSV`` inside the library's zip: description lines,
the header ``,Mkt-RF,SMB,HML,RF``, right-aligned values (two decimals, ``RF`` three), a blank line and
a copyright footer, CRLF line endings. Same world, same bytes.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
import pandas as pd

from ingestion.french import FRENCH_FACTORS
from ingestion.landing import LandedFile, LandingBatch, land_bytes
from ingestion.progress import Counter, Progress
from ingestion.sample.processes import _rng
from ingestion.sample.world import TRADING_DAYS_PER_YEAR, SampleWorld, build_world, index_levels

# "ingestion.sample", like the other sample files.
log = logging.getLogger(__package__)

SAMPLE_FRENCH_FILE = "F-F_Research_Data_Factors_daily.CSV"
SAMPLE_FRENCH_FOOTER = " Copyright synthetic sample, not the Kenneth French data library"
# Daily noise (percent) added to the index spread for SMB, and the size of HML when stress = 1.
SMB_NOISE = 0.15
HML_VOL = 0.35


def sample_french_factors(world: SampleWorld) -> pd.DataFrame:
    """The four factors in percent on the world's trading days (columns FRENCH_FACTORS), unrounded."""
    levels = index_levels(world)
    returns = levels.pct_change().fillna(0.0) * 100.0
    rf = world.short_rate / TRADING_DAYS_PER_YEAR
    n = len(world.dates)
    smb_noise = SMB_NOISE * _rng(world.seed, "french", "smb").standard_normal(n)
    hml = HML_VOL * np.sqrt(world.stress.to_numpy()) * _rng(world.seed, "french", "hml").standard_normal(n)
    return pd.DataFrame(
        {
            "Mkt-RF": returns["^GSPC"] - rf,
            "SMB": returns["^RUT"] - returns["^GSPC"] + smb_noise,
            "HML": hml,
            "RF": rf,
        },
        index=world.dates,
    )


def _format_value(value: float, decimals: int) -> str:
    """Right-aligned in 8 characters like the library's file (never '-0.00')."""
    if not math.isfinite(value):
        raise ValueError(f"cannot write non-finite value {value!r}")
    text = f"{value:.{decimals}f}"
    if float(text) == 0.0:
        text = text.lstrip("-")
    return f"{text:>8}"


def render_french_csv(factors: pd.DataFrame, seed: int) -> bytes:
    """The bytes of the library's daily factors CSV (live dialect) for ``factors`` (index: dates)."""
    lines = [
        "This file was created by ingestion.sample.french from the synthetic sample world "
        f"(seed {seed}), not from CRSP.",
        "It imitates the daily Fama-French factors of the Kenneth French data library; values in percent,",
        "RF is the simple daily rate of the sample's effective short rate. Synthetic sample data: not market data.",
        "",
        "," + ",".join(FRENCH_FACTORS),
    ]
    dates = pd.DatetimeIndex(factors.index).strftime("%Y%m%d").tolist()
    values = factors.loc[:, list(FRENCH_FACTORS)].astype("float64").to_numpy()
    for day, row in zip(dates, values.tolist(), strict=True):
        cells = [_format_value(v, 3 if f == "RF" else 2) for f, v in zip(FRENCH_FACTORS, row, strict=True)]
        lines.append(",".join([day, *cells]))
    lines += ["", SAMPLE_FRENCH_FOOTER, ""]
    return "\r\n".join(lines).encode("ascii")


def land_sample_french(
    landing_root: Path, world: SampleWorld | None = None, progress: Progress | None = None
) -> LandingBatch:
    """Generate the sample daily factors file from ``world`` and land it as SAMPLE_FRENCH_FILE;
    ``progress`` receives one line (``french: 1/1 files landed (...)``)."""
    world = world if world is not None else build_world()
    content = render_french_csv(sample_french_factors(world), world.seed)
    path = land_bytes(content, landing_root, "french", "sample", SAMPLE_FRENCH_FILE)
    batch = LandingBatch(
        system="french",
        mode="sample",
        requested=FRENCH_FACTORS,
        files=[LandedFile(path, FRENCH_FACTORS, None)],
        synthetic=True,
        notes=[f"synthetic sample data (seed {world.seed}): not market data"],
    )
    log.info("landed the synthetic sample French factors file (seed %d)", world.seed)
    Counter("french", 1, "files", "landed", progress).advance(SAMPLE_FRENCH_FILE)
    return batch


__all__ = ["SAMPLE_FRENCH_FILE", "land_sample_french", "render_french_csv", "sample_french_factors"]
