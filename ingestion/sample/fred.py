"""The sample FRED files: the world's rates in the live endpoint's CSV dialect, one file per series.

Calendars follow the real series, simply: ``DGS2`` and ``DGS3MO`` (Treasury constant-maturity yields)
have one row per weekday with an empty value on weekdays the NYSE is closed (the real files leave
bond-market holidays empty); ``DFF`` (effective fed funds) has one row per calendar day, weekends and
holidays carrying the previous business day's rate. Values are written with two decimals, as FRED
publishes them.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import pandas as pd

from ingestion.landing import LandedFile, LandingBatch, land_bytes
from ingestion.progress import Counter, Progress
from ingestion.sample.world import SAMPLE_END, SAMPLE_START, SampleWorld, build_world

# "ingestion.sample", like the sample price files.
log = logging.getLogger(__package__)

SAMPLE_FRED_SERIES = ("DGS2", "DGS3MO", "DFF")


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


def sample_fred_series(world: SampleWorld) -> dict[str, pd.Series]:
    """The three series on their FRED calendars (NaN where FRED leaves the value empty)."""
    weekdays = pd.bdate_range(SAMPLE_START, SAMPLE_END).as_unit(world.dates.unit)
    calendar_days = pd.date_range(SAMPLE_START, SAMPLE_END, freq="D").as_unit(world.dates.unit)
    return {
        "DGS2": world.two_year_yield.reindex(weekdays),
        "DGS3MO": world.three_month_yield.reindex(weekdays),
        "DFF": world.short_rate.reindex(calendar_days).ffill(),
    }


def land_sample_fred(
    landing_root: Path, world: SampleWorld | None = None, progress: Progress | None = None
) -> LandingBatch:
    """Generate the sample FRED files (DGS2, DGS3MO, DFF) from ``world`` and land one file per series;
    ``progress`` receives a line per series (``fred: 1/3 series landed (DGS2, 6,523 rows)``)."""
    world = world if world is not None else build_world()
    series = sample_fred_series(world)
    batch = LandingBatch(
        system="fred",
        mode="sample",
        requested=SAMPLE_FRED_SERIES,
        synthetic=True,
        notes=[f"synthetic sample data (seed {world.seed}): not market data"],
    )
    counter = Counter("fred", len(SAMPLE_FRED_SERIES), "series", "landed", progress)
    for series_id in SAMPLE_FRED_SERIES:
        content = render_fred_csv(series_id, series[series_id])
        path = land_bytes(content, landing_root, "fred", "sample", f"{series_id}.csv")
        batch.files.append(LandedFile(path, (series_id,), None))
        counter.advance(series_id, rows=len(series[series_id]))
    log.info("landed %d synthetic sample FRED files (seed %d)", len(batch.files), world.seed)
    return batch


__all__ = ["SAMPLE_FRED_SERIES", "land_sample_fred", "render_fred_csv", "sample_fred_series"]
