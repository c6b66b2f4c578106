"""The sample FRED files: the world's rates in the live endpoint's CSV dialect, one file per series.

Calendars follow the real series, simply: ``DGS2`` and ``DGS3MO`` (Treasury constant-maturity yields)
have one row per weekday with an empty value on weekdays the NYSE is closed (the real files leave
bond-market holidays empty); ``DFF`` (effective fed funds) has one row per calendar day, weekends and
holidays carrying the previous business day's rate. Values are written with two decimals, as FRED
publishes them.

The series landed are those of the rate_series seed (kind fred, not live-only), as in every mode: a
series added there is generated here too, so a sample build never lacks what the gate should require.
The world models DGS2, DGS3MO and DFF; any other series is a generic Treasury-like yield on the
weekday calendar: the world's short rate plus a term spread of its own and a slow random walk (its
own random stream, so adding a series changes no other file).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ingestion.landing import LandedFile, LandingBatch, land_bytes
from ingestion.progress import Counter, Progress
from ingestion.sample.processes import _ar1, _rng, _round, _t_shocks
from ingestion.sample.world import SAMPLE_END, SAMPLE_START, SampleWorld, build_world
from ingestion.universe import fred_series_ids

# "ingestion.sample", like the sample price files.
log = logging.getLogger(__package__)

# The series the sample world models; others of the seed are generic (generic_yield).
MODELLED_FRED_SERIES = ("DGS2", "DGS3MO", "DFF")
# A generic series: a term spread over the short rate drawn from this range (percentage points), and a
# random walk of this daily size (basis points) and persistence around it.
GENERIC_SPREAD_RANGE = (0.2, 1.5)
GENERIC_NOISE_BP = 3.0
GENERIC_NOISE_PERSISTENCE = 0.995


def _format_value(value: float) -> str:
    """Two decimals as FRED publishes them, '' for no value (never '-0.00')."""
    if math.isnan(value):
        return ""
    if not math.isfinite(value):
        raise ValueError(f"cannot write non-finite value {value!r}")
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def render_fred_csv(series_id: str, values: pd.Series) -> bytes:
    """The bytes of FRED's keyless CSV endpoint for one series: ``observation_date,<ID>`` then one
    ``YYYY-MM-DD,<value>`` row per date of ``values`` (index: dates), empty where the value is NaN."""
    dates = pd.DatetimeIndex(values.index).strftime("%Y-%m-%d").tolist()
    rows = [f"{d},{_format_value(v)}" for d, v in zip(dates, values.astype("float64").tolist(), strict=True)]
    return ("\n".join([f"observation_date,{series_id}", *rows]) + "\n").encode("ascii")


def generic_yield(world: SampleWorld, series_id: str) -> pd.Series:
    """A Treasury-like yield (percent, never below 0) on the world's trading days for a series the
    world does not model: short rate + the series' own term spread + a slow random walk."""
    rng = _rng(world.seed, "fred", "generic", series_id)
    spread = rng.uniform(*GENERIC_SPREAD_RANGE)
    walk = _ar1(GENERIC_NOISE_BP * _t_shocks(rng, len(world.short_rate)), GENERIC_NOISE_PERSISTENCE) / 100.0
    values = np.maximum(_round(world.short_rate.to_numpy() + spread + walk, 100), 0.0)
    return pd.Series(values, index=world.short_rate.index, name=series_id)


def sample_fred_series(world: SampleWorld, series_ids: Sequence[str] | None = None) -> dict[str, pd.Series]:
    """``series_ids`` (default: the seed's, as ``fred_series_ids("sample")``) on their FRED calendars,
    NaN where FRED leaves the value empty."""
    weekdays = pd.bdate_range(SAMPLE_START, SAMPLE_END).as_unit(world.dates.unit)
    calendar_days = pd.date_range(SAMPLE_START, SAMPLE_END, freq="D").as_unit(world.dates.unit)
    modelled = {
        "DGS2": lambda: world.two_year_yield.reindex(weekdays),
        "DGS3MO": lambda: world.three_month_yield.reindex(weekdays),
        "DFF": lambda: world.short_rate.reindex(calendar_days).ffill(),
    }
    ids = fred_series_ids("sample") if series_ids is None else series_ids
    return {s: modelled[s]() if s in modelled else generic_yield(world, s).reindex(weekdays) for s in ids}


def land_sample_fred(
    landing_root: Path,
    world: SampleWorld | None = None,
    progress: Progress | None = None,
    series_ids: Sequence[str] | None = None,
) -> LandingBatch:
    """Generate the sample FRED files of ``series_ids`` (default: the seed's) from ``world`` and land
    one file per series; ``progress`` receives a line per series (``fred: 1/3 series landed (DGS2,
    6,523 rows)``)."""
    world = world if world is not None else build_world()
    series = sample_fred_series(world, series_ids)
    batch = LandingBatch(
        system="fred",
        mode="sample",
        requested=tuple(series),
        synthetic=True,
        notes=[f"synthetic sample data (seed {world.seed}): not market data"],
    )
    counter = Counter("fred", len(series), "series", "landed", progress)
    for series_id, values in series.items():
        content = render_fred_csv(series_id, values)
        path = land_bytes(content, landing_root, "fred", "sample", f"{series_id}.csv")
        batch.files.append(LandedFile(path, (series_id,), None))
        counter.advance(series_id, rows=len(values))
    log.info("landed %d synthetic sample FRED files (seed %d)", len(batch.files), world.seed)
    return batch


__all__ = [
    "MODELLED_FRED_SERIES",
    "generic_yield",
    "land_sample_fred",
    "render_fred_csv",
    "sample_fred_series",
]
