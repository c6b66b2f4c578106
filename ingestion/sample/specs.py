"""How each instrument of the universe is generated: model parameters and per-symbol specs.

:data:`SPECS` holds the seed universe's instruments (model, price grid, volume, betas, anchors,
income); :func:`_spec_for` falls back to defaults by segment and asset class for other symbols.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ingestion.sample.processes import Knots
from ingestion.sample.world import SAMPLE_START
from ingestion.universe import Instrument

# --- ^VIX ------------------------------------------------------------------------------------------

# ^VIX: core = sqrt(VIX_BASE^2 + (premium * annualised forecast vol of the market)^2), so it never
# falls to realised vol in calm years (~11-13) and tracks it in storms; times exp(AR(1) noise);
# then saturated smoothly below VIX_CEILING (the real ^VIX closed at most ~83, in 2008 and 2020)
# and kept above a soft floor.
VIX_BASE = 8.0
VIX_VOL_PREMIUM = 1.15
VIX_CEILING = 90.0
VIX_CEILING_SHARPNESS = 3.0
VIX_NOISE = 0.03  # daily innovation of the log noise
# Same-day reaction of log ^VIX to the market's move, per standard deviation of that move (a 1-sigma
# fall lifts ^VIX ~5% on top of the GARCH volatility forecast).
VIX_MARKET_LOADING = 0.04
VIX_NOISE_PERSISTENCE = 0.85
VIX_FLOOR = 9.3
# ^VXN, ^RVX: weight of a day in the slow average of their index's squared moves relative to the
# market's (about three months), which scales the market's volatility forecast to their index's
VOL_RATIO_ALPHA = 0.015

# --- instrument mechanics --------------------------------------------------------------------------

# Open = previous close moved by this share of the day's return (overnight gap) plus noise, for
# instruments that trade overnight or open on news; cash indices open at the previous close.
DEFAULT_GAP_WEIGHT = 0.3
DEFAULT_GAP_NOISE = 0.25  # in units of the daily volatility
# High/Low extend beyond max/min(Open, Close) by |N(0,1)| * this * daily volatility.
DEFAULT_RANGE_SCALE = 0.45
# Volume: lognormal day-to-day noise and extra volume on days with large moves.
VOLUME_NOISE = 0.25
VOLUME_SURPRISE = 0.35
# ETFs deviate from their index by an AR(1) tracking noise (daily innovation) of this size.
TRACKING_NOISE = 0.0004
TRACKING_PERSISTENCE = 0.9
# Random jitter (standard deviation) added to the default betas of each instrument, from the seed.
BETA_JITTER = 0.04
# Default factor betas by segment (market, size, tech) for instruments without their own spec.
SEGMENT_BETAS: dict[str, dict[str, float]] = {
    "small_cap": {"market": 1.08, "size": 0.9},
    "mid_cap": {"market": 1.05, "size": 0.45, "tech": 0.1},
    "large_cap": {"market": 1.0},
    "large_cap_tech": {"market": 1.1, "tech": 0.9},
    "large_cap_equal_weight": {"market": 1.0, "size": 0.35, "tech": -0.25},
    "mega_cap": {"market": 1.1, "size": -0.1, "tech": 1.0},
    "commodity": {"market": 0.3, "commodity": 1.0},
    "credit": {"market": 0.25, "credit": 1.0},
    "small_cap_growth": {"market": 1.1, "size": 0.9, "tech": 0.35},
    "small_cap_value": {"market": 1.05, "size": 0.85, "tech": -0.3},
    "factor_momentum": {"market": 1.0, "tech": 0.35},
    "factor_quality": {"market": 0.95, "size": -0.1, "tech": 0.2},
    # Markets outside the US: a lower US market beta and their own noise (SEGMENT_IDIO_VOL).
    "intl_developed": {"market": 0.8},
    "intl_small_cap": {"market": 0.8, "size": 0.3},
    "uk_large_cap": {"market": 0.7, "commodity": 0.1},
    # FTSE 250: domestic UK mid caps, more cyclical than the FTSE 100 and without its commodity weight.
    "uk_mid_cap": {"market": 0.75, "size": 0.35},
}
# Default idiosyncratic daily volatility by asset class.
ASSET_CLASS_IDIO_VOL = {"etf": 0.002, "equity": 0.018, "equity_index": 0.001}
# ...and by segment, where the segment's own market is not in the world (daily correlation with the
# S&P 500 of about 0.8 instead of the 0.99 of a US index ETF).
SEGMENT_IDIO_VOL = {
    "intl_developed": 0.006,
    "intl_small_cap": 0.007,
    "uk_large_cap": 0.007,
    "uk_mid_cap": 0.0075,
}
# Idiosyncratic volatility follows market stress with this exponent; its daily move is soft-capped.
IDIO_STRESS_EXPONENT = 0.6
IDIO_MAX_MOVE = 0.5
# Level on the first day of a factor-model instrument without anchors or its own start level.
DEFAULT_START_LEVEL = 50.0
# Equity index futures: dividend yield of the index (cost of carry = rate - dividend yield).
INDEX_DIVIDEND_YIELD = {"^GSPC": 0.018, "^RUT": 0.013, "^NDX": 0.008}
# Equity index futures: per-contract basis (log) and daily AR(1) noise around fair value.
EQUITY_FUTURE_BASIS = 0.0006
EQUITY_FUTURE_NOISE = 0.0002
EQUITY_FUTURE_NOISE_PERSISTENCE = 0.5
# CBOT 2-year note futures: 6% notional coupon and ~1.85 years of duration.
NOTE_FUTURE_COUPON = 6.0
NOTE_FUTURE_DURATION = 1.85
NOTE_FUTURE_BASIS = 0.05  # price points per contract
# Fed funds contracts: basis per contract (bp) against the expected average. Small, as on the real
# market: FedWatch's chain multiplies it (a meeting early in its month divides by the days after it).
FED_FUNDS_FUTURE_BASIS_BP = 0.5
SOFR_FUTURE_BASIS_BP = 2.5
SOFR_OVER_BILLS_BP = 3.0  # SOFR futures trade a few bp above the bill curve on average
YIELD_FUTURE_BASIS_BP = 1.0
# Rate futures: per-contract basis in bp of yield (ZT: price points), daily AR(1) noise in bp.
RATE_FUTURE_NOISE_BP = 0.5
RATE_FUTURE_NOISE_PERSISTENCE = 0.8
# Dated 30-day fed funds contracts (ZQQ24.CBT, ...; ingestion.rate_contracts): the implied rate of a
# month's contract is the market's expected average policy rate over that month, with partial
# foresight of FED_FUNDS_PATH: on day t each change of the path h calendar days ahead is priced
# with probability exp(-h / tau), so a cut two months out at about 70%, one a month out at about
# 85% (instruments.fed_funds_contract_rate). ZQ=F is the current month's contract (same basis and
# noise).
FED_FUNDS_FORESIGHT_TAU_DAYS = 180.0
# Deferred contracts trade a fraction of the front month's volume.
DEFERRED_FED_FUNDS_VOLUME_SHARE = 0.3
# IEF: duration ~7.5 years on the 10-year yield, income paid monthly at the 10-year yield.
TREASURY_ETF_DURATION = 7.5


@dataclass(frozen=True)
class _Spec:
    """How one instrument is generated (see the docstring of ingestion.sample for the models)."""

    # "index" | "tracker" | "equity_future" | "factor" | "vix" | "treasury_etf" |
    # "fed_funds_future" | "fed_funds_contract" | "sofr_future" | "note_future" | "yield_future" |
    # "bill_yield"
    model: str
    grid: int  # prices are rounded to multiples of 1/grid (100 = cents; 4 = quarter points)
    volume: Knots = ()  # typical daily volume along history; empty = volume 0
    tracks: str | None = None  # index followed by trackers and futures
    ratio: float = 1.0  # tracker price = index * ratio
    betas: tuple[tuple[str, float], ...] = ()  # factor loadings (factor model)
    idio_vol: float = 0.0  # idiosyncratic daily volatility at stress 1 (factor model)
    anchors: Knots = ()  # approximate historical closes the factor model passes through
    start_level: float | None = None  # level on the first day when there are no anchors
    dividend_yield: float = 0.0  # annual; paid as accrued income on ex-dates
    dividend_months: tuple[int, ...] = ()
    dividend_start: str | None = None
    expense: float = 0.0  # annual expense ratio drag of an ETF
    gap_weight: float = DEFAULT_GAP_WEIGHT
    range_scale: float = DEFAULT_RANGE_SCALE
    vol_floor: float = VIX_FLOOR  # volatility index ("vix" model): the level's soft floor


_QUARTERLY = (3, 6, 9, 12)
_MONTHLY = tuple(range(1, 13))

# Approximate historical closes (split-adjusted) that the factor-model instruments pass through.
PRICE_ANCHORS: dict[str, Knots] = {
    "NVDA": (
        ("2000-01-03", 0.0893), ("2000-03-07", 0.1589), ("2001-01-02", 0.1142), ("2002-01-04", 0.5313),
        ("2002-10-09", 0.0562), ("2004-08-12", 0.0769), ("2007-10-31", 0.81), ("2008-11-20", 0.1351),
        ("2011-04-29", 0.4579), ("2013-12-31", 0.3772), ("2015-12-31", 0.803), ("2018-10-01", 7.158),
        ("2018-12-24", 3.147), ("2020-03-16", 4.885), ("2021-11-29", 33.27), ("2022-10-13", 11.93),
        ("2023-12-29", 49.43), ("2024-06-18", 135.4), ("2024-12-31", 134.1),
    ),
    "MSFT": (
        ("2000-01-03", 35.44), ("2000-12-20", 12.62), ("2002-07-23", 13.08), ("2004-12-31", 18.33),
        ("2007-10-31", 26.19), ("2009-03-09", 11.09), ("2013-12-31", 30.9), ("2016-12-30", 55.66),
        ("2018-12-24", 87.68), ("2020-02-19", 177.5), ("2020-03-16", 128.4), ("2021-11-19", 330.5),
        ("2022-11-03", 207.7), ("2023-12-29", 368.9), ("2024-07-05", 460.3), ("2024-12-31", 416.6),
    ),
    "AAPL": (
        ("2000-01-03", 0.8377), ("2000-03-22", 1.079), ("2000-12-20", 0.2152), ("2003-04-17", 0.1964),
        ("2007-12-27", 5.944), ("2009-01-20", 2.341), ("2012-09-19", 21.11), ("2013-04-19", 11.86),
        ("2015-05-22", 29.57), ("2016-05-12", 20.57), ("2018-10-03", 54.87), ("2019-01-03", 33.74),
        ("2020-02-12", 78.99), ("2020-03-23", 54.16), ("2022-01-03", 177.9), ("2023-01-05", 122.9),
        ("2024-12-26", 257.4), ("2024-12-31", 248.8),
    ),
    "GOOGL": (
        ("2004-08-19", 2.489), ("2007-11-06", 18.4), ("2008-11-20", 6.438), ("2013-12-31", 27.8),
        ("2018-07-26", 63.71), ("2020-03-23", 52.24), ("2021-11-18", 148.5), ("2022-11-03", 82.7),
        ("2024-12-31", 188.3),
    ),
    "AMZN": (
        ("2000-01-03", 4.469), ("2001-09-28", 0.2985), ("2003-12-31", 2.631), ("2006-07-31", 1.344),
        ("2007-12-10", 4.651), ("2008-11-20", 1.752), ("2013-12-31", 19.94), ("2018-09-04", 102.0),
        ("2018-12-24", 67.2), ("2020-09-02", 176.6), ("2022-12-28", 81.82), ("2024-12-31", 219.4),
    ),
    "META": (
        ("2012-05-18", 37.9), ("2012-09-04", 17.58), ("2018-07-25", 215.6), ("2018-12-24", 123.0),
        ("2021-09-07", 378.9), ("2022-11-03", 88.14), ("2024-12-31", 582.6),
    ),
    "HG=F": (
        ("2000-08-30", 0.889), ("2001-11-07", 0.604), ("2003-12-31", 1.043), ("2006-05-11", 4.033),
        ("2008-07-02", 4.077), ("2008-12-24", 1.247), ("2011-02-14", 4.623), ("2016-01-15", 1.939),
        ("2020-03-19", 2.2), ("2021-05-10", 4.734), ("2022-07-14", 3.211), ("2024-05-20", 5.088),
        ("2024-12-31", 3.986),
    ),
    "GC=F": (
        ("2000-08-30", 277.0), ("2001-04-02", 255.6), ("2005-12-30", 517.1), ("2008-03-17", 1001.0),
        ("2008-10-24", 729.1), ("2011-09-02", 1874.0), ("2013-12-31", 1202.0), ("2015-12-17", 1051.0),
        ("2020-08-06", 2052.0), ("2022-09-27", 1627.0), ("2024-10-30", 2788.0), ("2024-12-31", 2629.0),
    ),
    "HYG": (
        ("2007-04-11", 100.5), ("2008-12-12", 62.0), ("2009-12-31", 86.3), ("2013-05-09", 95.5),
        ("2015-12-14", 77.5), ("2018-01-26", 88.0), ("2020-02-20", 88.4), ("2020-03-23", 68.5),
        ("2021-06-30", 88.6), ("2022-09-30", 71.5), ("2024-12-31", 78.6),
    ),
    "^FTSE": (
        ("2000-01-03", 6665.0), ("2003-03-12", 3287.0), ("2007-06-15", 6732.0), ("2009-03-03", 3512.0),
        ("2015-04-27", 7104.0), ("2020-03-23", 4994.0), ("2024-12-31", 8173.0),
    ),
    # FTSE 250 (approximate closes): live-only upstream, generated in the sample like ^FTSE.
    "^FTMC": (
        ("2000-01-03", 6280.0), ("2003-03-12", 3800.0), ("2007-06-01", 12000.0), ("2009-03-03", 5900.0),
        ("2015-04-15", 17700.0), ("2018-06-15", 21300.0), ("2020-03-19", 13800.0), ("2021-09-03", 24300.0),
        ("2022-09-28", 16900.0), ("2024-07-16", 20900.0), ("2024-12-31", 20500.0),
    ),
}  # fmt: skip

# Typical daily volume along history (shares or contracts; split-adjusted for stocks).
VOLUMES: dict[str, Knots] = {
    "^GSPC": (
        ("2000-01-03", 1.0e9), ("2008-10-15", 6.5e9), ("2013-06-28", 3.3e9), ("2017-06-30", 3.0e9),
        ("2020-03-16", 7.0e9), ("2024-12-31", 4.0e9),
    ),
    "^RUT": (("2000-01-03", 0.5e9), ("2008-10-15", 2.5e9), ("2024-12-31", 2.0e9)),
    "^NDX": (("2000-01-03", 1.5e9), ("2008-10-15", 2.5e9), ("2024-12-31", 6.0e9)),
    "IWM": (("2000-05-26", 0.2e6), ("2008-10-15", 90e6), ("2014-06-30", 35e6), ("2024-12-31", 30e6)),
    "SPY": (("2000-01-03", 8e6), ("2008-10-15", 350e6), ("2014-06-30", 100e6), ("2024-12-31", 55e6)),
    "QQQ": (("2000-01-03", 25e6), ("2008-10-15", 200e6), ("2014-06-30", 35e6), ("2024-12-31", 40e6)),
    "IWB": (("2000-05-19", 0.05e6), ("2008-10-15", 2e6), ("2024-12-31", 1.2e6)),
    "IJR": (("2000-05-26", 0.02e6), ("2008-10-15", 1.5e6), ("2024-12-31", 4e6)),
    "IJK": (("2000-07-28", 0.01e6), ("2008-10-15", 0.3e6), ("2024-12-31", 0.5e6)),
    "RSP": (("2003-05-01", 0.05e6), ("2008-10-15", 1e6), ("2024-12-31", 7e6)),
    "NVDA": (("2000-01-03", 300e6), ("2008-10-15", 900e6), ("2024-12-31", 250e6)),
    "MSFT": (("2000-01-03", 60e6), ("2008-10-15", 90e6), ("2024-12-31", 20e6)),
    "AAPL": (("2000-01-03", 500e6), ("2008-10-15", 900e6), ("2024-12-31", 50e6)),
    "GOOGL": (("2004-08-19", 800e6), ("2008-10-15", 300e6), ("2024-12-31", 25e6)),
    "AMZN": (("2000-01-03", 150e6), ("2008-10-15", 200e6), ("2024-12-31", 40e6)),
    "META": (("2012-05-18", 500e6), ("2013-06-28", 60e6), ("2024-12-31", 12e6)),
    "RTY=F": (("2017-07-10", 0.05e6), ("2024-12-31", 0.15e6)),
    "ES=F": (("2000-09-18", 0.3e6), ("2008-10-15", 3e6), ("2024-12-31", 1.5e6)),
    "NQ=F": (("2000-09-18", 0.05e6), ("2008-10-15", 0.5e6), ("2024-12-31", 0.5e6)),
    "HG=F": (("2000-08-30", 0.02e6), ("2024-12-31", 0.08e6)),
    "GC=F": (("2000-08-30", 0.03e6), ("2024-12-31", 0.2e6)),
    "HYG": (("2007-04-11", 0.05e6), ("2008-10-15", 1.5e6), ("2020-03-16", 60e6), ("2024-12-31", 35e6)),
    "IEF": (("2002-07-30", 0.05e6), ("2008-10-15", 1.5e6), ("2024-12-31", 8e6)),
    "ZQ=F": (
        ("2000-01-03", 20e3), ("2008-10-15", 60e3), ("2013-06-28", 10e3), ("2023-06-30", 300e3),
        ("2024-12-31", 250e3),
    ),
    "SR3=F": (("2018-05-07", 20e3), ("2024-12-31", 700e3)),
    "ZT=F": (("2000-06-02", 30e3), ("2024-12-31", 500e3)),
    "2YY=F": (("2021-08-13", 1e3), ("2024-12-31", 3e3)),
    "^FTSE": (("2000-01-03", 1.0e9), ("2024-12-31", 0.8e9)),
    "^FTMC": (("2000-01-03", 0.3e9), ("2024-12-31", 0.4e9)),
}  # fmt: skip


def _specs() -> dict[str, _Spec]:
    """Every instrument of the seed universe (unknown symbols fall back to segment defaults)."""
    q, m = _QUARTERLY, _MONTHLY
    index = {"grid": 100, "gap_weight": 0.02}
    specs = {
        # Indices: exact functions of the world's factors.
        "^GSPC": _Spec("index", **index),
        "^RUT": _Spec("index", **index),
        "^NDX": _Spec("index", **index),
        # ETFs that track an index in the universe.
        "IWM": _Spec(
            "tracker", 100, tracks="^RUT", ratio=0.1, dividend_yield=0.013, dividend_months=q, expense=0.0019
        ),
        "SPY": _Spec(
            "tracker",
            100,
            tracks="^GSPC",
            ratio=0.1,
            dividend_yield=0.018,
            dividend_months=q,
            expense=0.000945,
        ),
        "QQQ": _Spec(
            "tracker", 100, tracks="^NDX", ratio=0.025, dividend_yield=0.006, dividend_months=q, expense=0.002
        ),
        "IWB": _Spec(
            "tracker",
            100,
            tracks="^GSPC",
            ratio=0.0535,
            dividend_yield=0.016,
            dividend_months=q,
            expense=0.0015,
        ),
        # ETFs on indices outside the universe: factor loadings plus idiosyncratic noise.
        "IJR": _Spec(
            "factor",
            100,
            betas=(("market", 1.05), ("size", 0.9)),
            idio_vol=0.0022,
            start_level=23.0,
            dividend_yield=0.013,
            dividend_months=q,
        ),
        "IJK": _Spec(
            "factor",
            100,
            betas=(("market", 1.05), ("size", 0.4), ("tech", 0.15)),
            idio_vol=0.0025,
            start_level=27.0,
            dividend_yield=0.007,
            dividend_months=q,
        ),
        "RSP": _Spec(
            "factor",
            100,
            betas=(("market", 1.0), ("size", 0.35), ("tech", -0.25)),
            idio_vol=0.002,
            start_level=31.5,
            dividend_yield=0.016,
            dividend_months=q,
        ),
        # Mega caps: high tech beta and idiosyncratic volatility; split-adjusted prices (micro grid).
        "NVDA": _Spec(
            "factor",
            1_000_000,
            betas=(("market", 1.5), ("size", 0.1), ("tech", 1.5)),
            idio_vol=0.026,
            dividend_yield=0.004,
            dividend_months=q,
            dividend_start="2012-11-01",
        ),
        "MSFT": _Spec(
            "factor",
            1_000_000,
            betas=(("market", 1.0), ("size", -0.15), ("tech", 0.65)),
            idio_vol=0.014,
            dividend_yield=0.012,
            dividend_months=q,
            dividend_start="2003-02-01",
        ),
        "AAPL": _Spec(
            "factor",
            1_000_000,
            betas=(("market", 1.15), ("size", -0.1), ("tech", 0.8)),
            idio_vol=0.02,
            dividend_yield=0.012,
            dividend_months=q,
            dividend_start="2012-08-01",
        ),
        "GOOGL": _Spec(
            "factor",
            1_000_000,
            betas=(("market", 1.05), ("size", -0.15), ("tech", 0.75)),
            idio_vol=0.016,
            dividend_yield=0.0045,
            dividend_months=q,
            dividend_start="2024-06-01",
        ),
        "AMZN": _Spec(
            "factor", 1_000_000, betas=(("market", 1.25), ("size", -0.05), ("tech", 0.9)), idio_vol=0.024
        ),
        "META": _Spec(
            "factor",
            1_000_000,
            betas=(("market", 1.15), ("size", -0.1), ("tech", 0.9)),
            idio_vol=0.02,
            dividend_yield=0.0035,
            dividend_months=q,
            dividend_start="2024-02-01",
        ),
        # Equity index futures (tick 0.1 for RTY, 0.25 for ES and NQ).
        "RTY=F": _Spec("equity_future", 10, tracks="^RUT"),
        "ES=F": _Spec("equity_future", 4, tracks="^GSPC"),
        "NQ=F": _Spec("equity_future", 4, tracks="^NDX"),
        "^VIX": _Spec("vix", 100, gap_weight=0.5, range_scale=0.5),
        # Cboe's Nasdaq-100 and Russell 2000 volatility indices: the ^VIX model on their own index's
        # volatility (tracks), which runs above the S&P 500's, so they sit above ^VIX (^VXN's real
        # lows are near 10.5, ^RVX's near 12.5; both spike with ^VIX and on their own index's moves)
        "^VXN": _Spec("vix", 100, tracks="^NDX", gap_weight=0.5, range_scale=0.5, vol_floor=10.5),
        "^RVX": _Spec("vix", 100, tracks="^RUT", gap_weight=0.5, range_scale=0.5, vol_floor=12.5),
        # FTSE 100: the segment default (uk_large_cap), bridged to the index's levels (anchors).
        "^FTSE": _Spec(
            "factor",
            100,
            betas=tuple(SEGMENT_BETAS["uk_large_cap"].items()),
            idio_vol=SEGMENT_IDIO_VOL["uk_large_cap"],
            gap_weight=0.02,
        ),
        # FTSE 250 (live only upstream): the segment default (uk_mid_cap), bridged to its levels.
        "^FTMC": _Spec(
            "factor",
            100,
            betas=tuple(SEGMENT_BETAS["uk_mid_cap"].items()),
            idio_vol=SEGMENT_IDIO_VOL["uk_mid_cap"],
            gap_weight=0.02,
        ),
        # Cross-asset: copper (tick 0.0005), gold (0.1), high yield credit (monthly income).
        "HG=F": _Spec("factor", 2000, betas=(("market", 0.35), ("commodity", 1.0)), idio_vol=0.005),
        "GC=F": _Spec("factor", 10, betas=(("market", 0.0), ("gold", 1.0)), idio_vol=0.003),
        "HYG": _Spec(
            "factor",
            100,
            betas=(("market", 0.25), ("credit", 1.0), ("rates", -0.00015)),
            idio_vol=0.0015,
            dividend_yield=0.055,
            dividend_months=m,
            expense=0.0049,
        ),
        "IEF": _Spec("treasury_etf", 100, start_level=82.0, dividend_months=m, expense=0.0015),
        # Front-end rates (ZQ/SR3 half-tick 0.0025, ZT 1/128, yields 0.001).
        "ZQ=F": _Spec("fed_funds_future", 400, gap_weight=0.5, range_scale=0.3),
        "SR3=F": _Spec("sofr_future", 400, gap_weight=0.5, range_scale=0.4),
        "ZT=F": _Spec("note_future", 128, gap_weight=0.4),
        "2YY=F": _Spec("yield_future", 1000, gap_weight=0.4),
        "^IRX": _Spec("bill_yield", 1000, gap_weight=0.5, range_scale=0.3),
    }
    return {
        symbol: dataclasses.replace(
            spec, volume=VOLUMES.get(symbol, ()), anchors=PRICE_ANCHORS.get(symbol, ())
        )
        for symbol, spec in specs.items()
    }


SPECS: dict[str, _Spec] = _specs()


def _spec_for(instrument: Instrument) -> _Spec:
    """The instrument's own spec, or a default from its segment and asset class."""
    if instrument.symbol in SPECS:
        return SPECS[instrument.symbol]
    if instrument.symbol.startswith("ZQ") and instrument.symbol.endswith(".CBT"):
        # a dated fed funds contract: the front month's model and grid, a share of its volume
        front = SPECS["ZQ=F"]
        volume = tuple((day, v * DEFERRED_FED_FUNDS_VOLUME_SHARE) for day, v in front.volume)
        return dataclasses.replace(front, model="fed_funds_contract", volume=volume)
    start = max(SAMPLE_START, instrument.first_date).isoformat()
    # shares a day: an index's constituents trade about a billion (the FTSE 100 ~0.8e9), a fund or stock ~1e6
    volume = ((start, 1e9 if instrument.asset_class == "equity_index" else 1e6),)
    betas = tuple(SEGMENT_BETAS.get(instrument.segment, {"market": 1.0}).items())
    if instrument.quote_type == "price":
        if instrument.asset_class in ("equity_index", "etf", "equity", "commodity_future"):
            idio = SEGMENT_IDIO_VOL.get(
                instrument.segment, ASSET_CLASS_IDIO_VOL.get(instrument.asset_class, 0.01)
            )
            etf = instrument.asset_class == "etf"
            return _Spec(
                "factor",
                1_000_000 if instrument.asset_class == "equity" else 100,
                volume=volume,
                betas=betas,
                idio_vol=idio,
                dividend_yield=0.015 if etf else 0.0,
                dividend_months=_QUARTERLY if etf else (),
                gap_weight=0.02 if instrument.asset_class == "equity_index" else DEFAULT_GAP_WEIGHT,
            )
        if instrument.asset_class == "index_future":
            index = {"small_cap": "^RUT", "large_cap_tech": "^NDX"}.get(instrument.segment, "^GSPC")
            return _Spec("equity_future", 4, volume=volume, tracks=index)
        if instrument.asset_class == "volatility_index":
            return _Spec("vix", 100, gap_weight=0.5, range_scale=0.5)
    raise ValueError(
        f"sample: no model for {instrument.symbol!r} (asset_class {instrument.asset_class!r}, "
        f"quote_type {instrument.quote_type!r}); add it to ingestion.sample.SPECS"
    )
