"""The sample analyst estimate snapshots: a year of daily captures of the mega caps' estimate tables.

Synthetic, built to behave like consensus estimates so that ``marts.revisions`` has something to
show:

- Captures on every NYSE day of CAPTURE_START..SAMPLE_END at 18:40 New York, except SCRIPTED_GAP (a
  week the capture "did not run"): the warehouse must report that gap, not fill it.
- Per symbol and period a latent revision level ``f``: company-wide revisions come on about a quarter
  of the days, their size following the trailing 21-day return of the world's market and tech
  factors (analysts chase prices) plus noise, and each period has smaller revisions of its own.
  Revenue estimates move with ``f``, EPS estimates with 1.5 ``f``.
- Fiscal years are calendar years here. The periods roll a month after a quarter or year ends (when
  the quarter is reported): ``0q`` is the quarter of (capture date - 30 days), ``0y`` its year.
  Year-ago figures are the reported level of the same period a year earlier, except for ``+1y``,
  whose year-ago figure is the current year's consensus (as on Yahoo); growth = avg / year-ago - 1.
- ``eps_trend``'s 7/30/60/90-days-ago fields are the same period's estimate that many calendar days
  earlier on the same path, and ``eps_revisions`` counts the up and down revision days of the last
  7 and 30 days: what Yahoo reports, so the mart's own-history changes can be checked against them.
- ETF proxies get no files: Yahoo has no estimates for ETFs (noted in the batch).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ingestion.estimates import NEW_YORK, PERIODS, render_snapshot, snapshot_file_name
from ingestion.landing import LandedFile, LandingBatch, land_bytes
from ingestion.progress import Counter, Progress
from ingestion.sample.processes import _rng
from ingestion.sample.world import SAMPLE_END, SAMPLE_SEED, SampleWorld, build_world
from ingestion.universe import megacap_symbols

log = logging.getLogger(__package__)

CAPTURE_START = dt.date(2024, 1, 2)
SCRIPTED_GAP = (dt.date(2024, 8, 12), dt.date(2024, 8, 16))  # no captures these days (inclusive)
CAPTURE_TIME = dt.time(18, 40)  # New York: after the close, like the daily schedule
REPORT_LAG_DAYS = 30  # a period rolls this many days after it ends

# (current-year revenue in USD, current-year EPS, yearly growth, analysts) in 2024: rough public
# scale so that the numbers read plausibly; the sample is synthetic all the same.
PROFILES = {
    "NVDA": (1.1e11, 2.8, 0.55, 42),
    "MSFT": (2.6e11, 12.5, 0.14, 48),
    "AAPL": (3.9e11, 6.7, 0.06, 40),
    "GOOGL": (3.4e11, 7.8, 0.12, 45),
    "AMZN": (6.3e11, 5.2, 0.10, 50),
    "META": (1.6e11, 21.5, 0.18, 44),
}
DEFAULT_PROFILE = (1.0e11, 5.0, 0.08, 30)
REVISION_DAY_PROBABILITY = 0.25
REVISION_NOISE = 0.003  # log size of a revision beyond the price-following part
PERIOD_REVISION_PROBABILITY = 0.15  # a revision of one period only
PERIOD_REVISION_NOISE = 0.002
PRICE_FOLLOWING = 0.02  # share of the trailing 21-day factor return a revision day adds
DISPERSION = {"0q": 0.03, "+1q": 0.05, "0y": 0.04, "+1y": 0.08}  # (high - avg) / avg
QUARTER_SHARE = (0.235, 0.245, 0.255, 0.265)  # a year's revenue and EPS by quarter
INDEX_TREND = 0.08  # growth_estimates' indexTrend, every period


def capture_days(world: SampleWorld) -> list[dt.date]:
    """The sample's capture dates: NYSE days from CAPTURE_START, without SCRIPTED_GAP."""
    first, last = SCRIPTED_GAP
    return [d.date() for d in world.dates if d.date() >= CAPTURE_START and not first <= d.date() <= last]


PATH_START = CAPTURE_START - dt.timedelta(days=120)  # first calendar day of the revision paths


def revision_paths(world: SampleWorld, symbols: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per symbol and period (columns ``(symbol, period)``), on every calendar day from PATH_START to
    SAMPLE_END: the latent level ``f`` (log; 0 on the first day) and the sign of that day's revision
    (+1, -1, 0)."""
    days = pd.date_range(pd.Timestamp(PATH_START), pd.Timestamp(SAMPLE_END))
    momentum = (
        (world.factors["market"] + world.factors["tech"]).rolling(21).sum().reindex(days, method="ffill")
    )
    levels, signs = {}, {}
    for symbol in symbols:
        rng = _rng(world.seed, "estimates", symbol)
        revises = rng.random(len(days)) < REVISION_DAY_PROBABILITY
        shared = np.where(
            revises,
            PRICE_FOLLOWING * momentum.fillna(0.0).to_numpy()
            + REVISION_NOISE * rng.standard_normal(len(days)),
            0.0,
        )
        for period in PERIODS:
            own_rng = _rng(world.seed, "estimates", symbol, period)
            own = np.where(
                own_rng.random(len(days)) < PERIOD_REVISION_PROBABILITY,
                PERIOD_REVISION_NOISE * own_rng.standard_normal(len(days)),
                0.0,
            )
            step = shared + own
            step[0] = 0.0
            levels[(symbol, period)] = np.cumsum(step)
            signs[(symbol, period)] = np.sign(step)
    return pd.DataFrame(levels, index=days), pd.DataFrame(signs, index=days)


def _period(day: dt.date, label: str) -> tuple[int, int | None]:
    """(fiscal year, quarter or None) a period label stands for on ``day``."""
    reported = day - dt.timedelta(days=REPORT_LAG_DAYS)
    year, quarter = reported.year, (reported.month - 1) // 3 + 1
    if label == "0y":
        return year, None
    if label == "+1y":
        return year + 1, None
    if label == "+1q":
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return year, quarter


def _base(symbol: str, year: int, quarter: int | None) -> tuple[float, float]:
    """Unrevised (revenue, EPS) of a fiscal year or quarter."""
    revenue, eps, growth, _ = PROFILES.get(symbol, DEFAULT_PROFILE)
    scale = (1 + growth) ** (year - 2024)
    share = QUARTER_SHARE[quarter - 1] if quarter else 1.0
    return revenue * scale * share, eps * scale * share


def snapshot_tables(
    symbol: str, day: dt.date, levels: dict[str, np.ndarray], signs: dict[str, np.ndarray]
) -> dict[str, dict]:
    """The five tables of one capture, in the landing file's split form (``levels`` and ``signs``:
    the symbol's paths per period, one value per calendar day from PATH_START)."""
    *_, analysts = PROFILES.get(symbol, DEFAULT_PROFILE)
    today = (day - PATH_START).days

    revenue_rows, eps_rows, trend_rows, revision_rows, growth_rows = [], [], [], [], []
    current_year: tuple[float, float] = (0.0, 0.0)  # the 0y consensus: +1y's year-ago figure
    for label in PERIODS:
        path = levels[label]

        def at(offset: int, path: np.ndarray = path) -> float:
            return float(path[today - offset])

        year, quarter = _period(day, label)
        revenue, eps = _base(symbol, year, quarter)
        year_ago = _base(symbol, year - 1, quarter)
        year_ago_revenue, year_ago_eps = round(year_ago[0], -5), round(year_ago[1], 4)
        width = DISPERSION[label]
        avg_revenue = round(revenue * np.exp(at(0)), -5)
        eps_now = round(eps * np.exp(1.5 * at(0)), 4)
        if label == "0y":
            current_year = (avg_revenue, eps_now)
        elif label == "+1y":
            year_ago_revenue, year_ago_eps = current_year
        n = analysts - (8 if quarter else 0) + (-4 if label.startswith("+") else 0)
        revenue_rows.append([avg_revenue, round(avg_revenue * (1 - width), -5), round(avg_revenue * (1 + width), -5),
                             n, year_ago_revenue, round(avg_revenue / year_ago_revenue - 1, 4), "USD"])  # fmt: skip
        eps_growth = round(eps_now / year_ago_eps - 1, 4)
        eps_rows.append([eps_now, round(eps_now * (1 - 1.5 * width), 4), round(eps_now * (1 + 1.5 * width), 4),
                         round(year_ago_eps, 4), n, eps_growth, "USD"])  # fmt: skip
        trend_rows.append([eps_now, *(round(eps * np.exp(1.5 * at(k)), 4) for k in (7, 30, 60, 90)), "USD"])
        window, last7 = signs[label][today - 29 : today + 1], signs[label][today - 6 : today + 1]
        revision_rows.append([int((last7 > 0).sum()), int((window > 0).sum()), int((window < 0).sum()),
                              int((last7 < 0).sum()), "USD"])  # fmt: skip
        growth_rows.append([eps_growth, None, None, INDEX_TREND])

    def split(columns: list[str], rows: list[list]) -> dict:
        return {"index": list(PERIODS), "columns": columns, "data": rows}

    return {
        "revenue_estimate": split(["avg", "low", "high", "numberOfAnalysts", "yearAgoRevenue", "growth", "currency"], revenue_rows),
        "earnings_estimate": split(["avg", "low", "high", "yearAgoEps", "numberOfAnalysts", "growth", "currency"], eps_rows),
        "eps_trend": split(["current", "7daysAgo", "30daysAgo", "60daysAgo", "90daysAgo", "currency"], trend_rows),
        "eps_revisions": split(["upLast7days", "upLast30days", "downLast30days", "downLast7Days", "currency"], revision_rows),
        "growth_estimates": split(["stockTrend", "industryTrend", "sectorTrend", "indexTrend"], growth_rows),
    }  # fmt: skip


def land_sample_estimates(
    symbols: Sequence[str], landing_root: Path, seed: int = SAMPLE_SEED, progress: Progress | None = None
) -> LandingBatch:
    """Generate and land the sample's capture history for the mega caps among ``symbols``."""
    world = build_world(seed)
    megacaps = set(megacap_symbols())
    wanted = [s for s in symbols if s in megacaps]
    others = [s for s in symbols if s not in megacaps]
    days = capture_days(world)
    levels, signs = revision_paths(world, wanted)
    notes = [f"synthetic sample data (seed {seed}): not analyst estimates"]
    if others:
        notes.append(
            f"no analyst estimates for {', '.join(others)} (Yahoo has none for ETFs): none generated"
        )
    first, last = SCRIPTED_GAP
    notes.append(f"sample captures skip {first}..{last} on purpose: the gap is reported, not filled")
    batch = LandingBatch(
        system="yahoo_estimates", mode="sample", requested=tuple(wanted), synthetic=True, notes=notes,
        covers=(days[0], days[-1] + dt.timedelta(days=1)),
    )  # fmt: skip
    counter = Counter("estimates", len(wanted), "symbols", "landed", progress)
    for symbol in wanted:
        paths = {period: levels[(symbol, period)].to_numpy() for period in PERIODS}
        revisions = {period: signs[(symbol, period)].to_numpy() for period in PERIODS}
        for day in days:
            captured_at = dt.datetime.combine(day, CAPTURE_TIME, tzinfo=NEW_YORK)
            tables = snapshot_tables(symbol, day, paths, revisions)
            content = render_snapshot(symbol, captured_at, tables)
            path = land_bytes(
                content, landing_root, "yahoo_estimates", "sample", snapshot_file_name(symbol, captured_at)
            )
            batch.files.append(LandedFile(path, (symbol,), captured_at))
        counter.advance(symbol, rows=len(days) * len(PERIODS))
    return batch
