"""Analyst estimate snapshots of the mega caps and ETF proxies into raw.estimate_snapshots.

Today's capture (live), the generated capture history (sample), or the captures a snapshot folder
kept. The batch covers its capture dates only, so a load never touches other days; live re-reads its
earlier captures from landing, so the history survives a warehouse switched to another source and back."""

from __future__ import annotations

from collections.abc import Sequence

from ingestion import estimates, sample
from ingestion.landing import LandingBatch
from ingestion.sources.base import LandingRequest, RawTable, Source
from ingestion.universe import estimate_symbols, megacap_symbols

TABLE = RawTable(
    name="estimate_snapshots",
    system="yahoo_estimates",
    item="symbol",
    date="capture_date",
    keys=("period",),
    values=(
        "captured_at",
        "revenue_currency",
        "revenue_avg",
        "revenue_low",
        "revenue_high",
        "revenue_analysts",
        "revenue_year_ago",
        "revenue_growth",
        "eps_avg",
        "eps_low",
        "eps_high",
        "eps_analysts",
        "eps_year_ago",
        "eps_growth",
        "eps_trend_current",
        "eps_trend_7d_ago",
        "eps_trend_30d_ago",
        "eps_trend_60d_ago",
        "eps_trend_90d_ago",
        "eps_up_7d",
        "eps_up_30d",
        "eps_down_7d",
        "eps_down_30d",
        "growth_stock",
        "growth_index",
    ),  # fmt: skip
    columns_ddl="""
    symbol            varchar   not null,  -- Yahoo symbol (AAPL)
    capture_date      date      not null,  -- New York date of the capture (one snapshot a day)
    period            varchar   not null,  -- 0q, +1q (current, next fiscal quarter), 0y, +1y (years)
    captured_at       timestamptz not null, -- when the snapshot was taken
    revenue_currency  varchar,             -- currency of the revenue figures (USD)
    revenue_avg       double,              -- revenue_estimate: consensus (mean) revenue
    revenue_low       double,
    revenue_high      double,
    revenue_analysts  double,              -- numberOfAnalysts
    revenue_year_ago  double,              -- yearAgoRevenue: the same period a year earlier
    revenue_growth    double,              -- fraction: avg / year-ago - 1 as upstream sent it
    eps_avg           double,              -- earnings_estimate: consensus EPS
    eps_low           double,
    eps_high          double,
    eps_analysts      double,
    eps_year_ago      double,              -- yearAgoEps
    eps_growth        double,
    eps_trend_current double,              -- eps_trend: consensus EPS now and 7/30/60/90 days ago
    eps_trend_7d_ago  double,
    eps_trend_30d_ago double,
    eps_trend_60d_ago double,
    eps_trend_90d_ago double,
    eps_up_7d         double,              -- eps_revisions: analysts revising up/down in 7 and 30 days
    eps_up_30d        double,
    eps_down_7d       double,
    eps_down_30d      double,
    growth_stock      double,              -- growth_estimates: stockTrend (fraction)
    growth_index      double               -- growth_estimates: indexTrend (the S&P 500's, fraction)""",
)


def land_sample(ids: Sequence[str], request: LandingRequest) -> LandingBatch:
    return sample.land_sample_estimates(list(ids), request.landing_dir, progress=request.progress)


def land_snapshot(ids: Sequence[str], request: LandingRequest) -> LandingBatch:
    return estimates.land_snapshot_estimates(
        request.snapshot_dir, list(ids), request.landing_dir, progress=request.progress
    )


def land_live(ids: Sequence[str], request: LandingRequest) -> LandingBatch:
    optional = [s for s in ids if s not in megacap_symbols()]  # ETFs: Yahoo has none today
    return estimates.fetch_live_estimates(
        list(ids), request.landing_dir, optional=optional, progress=request.progress
    )


SOURCE = Source(
    table=TABLE,
    requested=lambda mode: estimate_symbols(),
    landers={"sample": land_sample, "snapshot": land_snapshot, "live": land_live},
    parse=estimates.parse_estimates_batch,
    partitions=None,  # a capture is of the day it runs
    description=(
        "Analyst estimate snapshots (yfinance Ticker revenue_estimate, earnings_estimate, eps_trend, "
        "eps_revisions, growth_estimates) of the mega caps and the small/large-cap ETF proxies, one row "
        "per symbol, capture date and period (0q, +1q, 0y, +1y). Upstream keeps no history: each run "
        "captures today's consensus (live), and the warehouse keeps every capture date (append-only; "
        "capturing again the same day replaces that day). The sample generates a year of captures; a "
        "snapshot folder lands the captures it holds (estimates/), none if it has no such folder. Not "
        "partitioned: a capture is of the day it runs."
    ),
)
