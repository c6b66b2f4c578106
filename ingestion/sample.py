"""Deterministic synthetic upstream files for the ``sample`` source mode.

The sample mode lets the whole pipeline run on a fresh machine with no network. Everything here is
**synthetic** (labelled so wherever it shows), but it is built to behave like markets so that charts
and indicators look plausible:

- One shared latent state, the :class:`SampleWorld`, holds the trading calendar (NYSE days
  2000-01-03..2024-12-31), daily log returns of latent factors and the front-end rates. Later sample
  sources (FRED rates, CFTC positioning) are generated from the same world, so they agree with prices.
- Factors: ``market`` (= the S&P 500's daily log return), ``size`` (small caps beyond their market
  beta), ``tech`` (the Nasdaq-100 beyond its market beta), ``commodity``, ``gold`` and ``credit``, each
  a GJR-GARCH(1,1) process with Student-t(4) shocks scaled by a deterministic *stress* multiplier that
  peaks in known crises (2000-02, 2008-10, 2011-08, 2020-03, ...). ``rates`` is the daily shock to the
  2-year yield in basis points; ``size`` loads negatively on it (strongly from mid-2023).
- The three indices are exact functions of the factors (^GSPC = market, ^RUT = 1.15 market + size,
  ^NDX = 1.15 market + tech) and are pinned to approximate historical levels at turning points by a
  Brownian-bridge drift correction, so the long-run shape (2000-02 and 2008 bear markets, the 2020
  crash, ...) is recognisable while the daily noise is random.
- Scripted episodes: the July 2024 small-cap rotation (2024-07-10..16) and the November 2016
  post-election rotation are injected as exact daily factor values and rate shocks.
- Instruments: ETFs track their index (ratio, expense drag, tracking noise, dividends that make Adj
  Close < Close historically); futures are the index times a cost-of-carry factor with per-contract
  basis, so continuous front-month series jump on roll days; single stocks, commodities and credit are
  factor loadings plus GARCH idiosyncratic noise, bridged to approximate historical levels; ^VIX is a
  mean-reverting level driven by the market's conditional volatility; rate instruments are functions of
  the world's rates.

Determinism: every random stream is derived from ``(seed, name)`` with SHA-256, never from the order
of the universe, and output floats are rounded to a price grid and written with ``repr`` (shortest
round-trip, platform independent). Bytes are identical across runs with the same NumPy version;
transcendental functions (exp/log) can differ by one unit in the last place between CPU types, which
could in rare cases move a value across a rounding boundary.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ingestion.calendar import nyse_trading_days
from ingestion.landing import LandedFile, LandingBatch, land_bytes
from ingestion.universe import Instrument

log = logging.getLogger(__name__)

SAMPLE_START = dt.date(2000, 1, 3)
SAMPLE_END = dt.date(2024, 12, 31)
SAMPLE_SEED = 20240716

# Column order of yfinance's download for one ticker with auto_adjust=False.
YAHOO_COLUMNS = ("Adj Close", "Close", "High", "Low", "Open", "Volume")

Knots = tuple[tuple[str, float], ...]  # (ISO date, value) points, interpolated between trading days

# --------------------------------------------------------------------------------------------------
# Model parameters
# --------------------------------------------------------------------------------------------------

# Degrees of freedom of the Student-t shocks: 4 gives the fat tails of daily equity returns.
T_DF = 4.0
# Standardised shocks are clipped at this many standard deviations, so no single draw is absurd.
MAX_SHOCK = 7.0
# GARCH conditional variance (in units of the unconditional variance) never exceeds this.
GARCH_MAX_VARIANCE = 4.0

# Daily volatility of the market factor (the S&P 500) when stress = 1.
MARKET_VOL = 0.0105
# Daily volatility of the size factor (small caps beyond their market beta) when stress = 1.
SIZE_VOL = 0.0050
# Daily volatility of the tech factor (Nasdaq-100 beyond its market beta) when stress = 1.
TECH_VOL = 0.0050
# Daily volatilities of the commodity (copper), gold and credit factors when stress = 1.
COMMODITY_VOL = 0.0120
GOLD_VOL = 0.0095
CREDIT_VOL = 0.0012
# How strongly each factor's volatility follows the market stress multiplier (exponent on stress).
STRESS_EXPONENT = {
    "market": 1.0,
    "size": 0.35,
    "tech": 0.6,
    "commodity": 0.6,
    "gold": 0.3,
    "credit": 1.4,
}
# GJR-GARCH(1,1) parameters per factor (alpha, leverage gamma, beta): the market's negative shocks
# raise volatility more than positive ones, which is what makes ^VIX spike in sell-offs.
GARCH_PARAMS = {
    "market": (0.02, 0.10, 0.91),
    "size": (0.04, 0.0, 0.93),
    "tech": (0.05, 0.04, 0.91),
    "commodity": (0.05, 0.0, 0.93),
    "gold": (0.05, 0.0, 0.93),
    "credit": (0.06, 0.06, 0.90),
    "idio": (0.05, 0.0, 0.93),
    "rates": (0.06, 0.0, 0.92),
}
# The market's daily log return is soft-clipped at this size (tanh), a circuit-breaker-like cap.
MARKET_MAX_MOVE = 0.14

# Market stress multiplier on volatility: calm ~0.5 (2017), crises 2-3.6 (2008-10, 2020-03).
STRESS_KNOTS: Knots = (
    ("2000-01-03", 1.2), ("2000-03-10", 1.3), ("2000-04-14", 1.9), ("2000-06-30", 1.3),
    ("2000-12-29", 1.45), ("2001-04-04", 1.7), ("2001-06-29", 1.15), ("2001-09-10", 1.25),
    ("2001-09-17", 1.7), ("2001-10-31", 1.4), ("2002-03-28", 1.05), ("2002-07-24", 2.3),
    ("2002-10-10", 2.0), ("2003-03-31", 1.1), ("2003-07-31", 0.85), ("2004-06-30", 0.7),
    ("2006-12-29", 0.6), ("2007-02-26", 0.6), ("2007-02-27", 1.5), ("2007-04-30", 0.75),
    ("2007-07-20", 0.85), ("2007-08-16", 1.6), ("2008-01-22", 1.7), ("2008-05-30", 1.1),
    ("2008-09-12", 1.4), ("2008-10-10", 2.9), ("2008-11-20", 2.8), ("2009-01-30", 2.0),
    ("2009-03-09", 2.1), ("2009-06-30", 1.3), ("2010-04-23", 0.8), ("2010-05-06", 2.0),
    ("2010-07-30", 1.1), ("2011-07-29", 0.85), ("2011-08-08", 2.6), ("2011-11-30", 1.5),
    ("2012-03-30", 0.8), ("2014-06-30", 0.6), ("2014-10-15", 1.1), ("2015-06-30", 0.7),
    ("2015-08-24", 1.9), ("2015-10-30", 0.9), ("2016-02-11", 1.2), ("2016-04-29", 0.75),
    ("2017-06-30", 0.5), ("2018-01-26", 0.55), ("2018-02-05", 1.9), ("2018-03-30", 1.2),
    ("2018-09-28", 0.7), ("2018-12-24", 1.9), ("2019-01-31", 1.1), ("2019-12-31", 0.7),
    ("2020-02-20", 0.8), ("2020-03-16", 3.6), ("2020-04-30", 2.2), ("2020-07-31", 1.3),
    ("2021-06-30", 0.8), ("2021-12-31", 1.0), ("2022-03-08", 1.5), ("2022-06-16", 1.7),
    ("2022-10-12", 1.6), ("2023-03-13", 1.2), ("2023-07-31", 0.75), ("2024-03-28", 0.7),
    ("2024-07-31", 0.9), ("2024-08-05", 1.9), ("2024-09-30", 0.9), ("2024-12-31", 1.0),
)  # fmt: skip
# Extra volatility of the tech factor: the dot-com bubble and bust made the Nasdaq-100 wild.
TECH_REGIME_KNOTS: Knots = (
    ("2000-01-03", 2.2), ("2000-04-14", 3.0), ("2001-06-29", 2.5), ("2002-10-10", 2.0),
    ("2003-12-31", 1.1), ("2005-06-30", 0.9), ("2019-12-31", 1.0), ("2020-06-30", 1.4),
    ("2022-06-30", 1.4), ("2024-12-31", 1.2),
)  # fmt: skip

# Index definitions: daily log return = beta x market + the named factor (^GSPC is the market
# factor itself); the first anchor below is the level on 2000-01-03.
INDEX_MARKET_BETA = {"^GSPC": 1.0, "^RUT": 1.15, "^NDX": 1.15}
INDEX_FACTOR = {"^GSPC": "market", "^RUT": "size", "^NDX": "tech"}
# Approximate historical closes at turning points; the synthetic indices pass through them exactly.
INDEX_ANCHORS: dict[str, Knots] = {
    "^GSPC": (
        ("2000-01-03", 1455.22), ("2000-03-24", 1527.46), ("2000-09-01", 1520.77),
        ("2001-04-04", 1103.25), ("2001-05-21", 1312.83), ("2001-09-21", 965.80),
        ("2002-01-04", 1172.51), ("2002-07-23", 797.70), ("2002-08-22", 962.70),
        ("2002-10-09", 776.76), ("2003-03-11", 800.73), ("2004-12-31", 1211.92),
        ("2006-05-05", 1325.76), ("2006-06-13", 1223.69), ("2007-02-20", 1459.68),
        ("2007-10-09", 1565.15), ("2008-03-10", 1273.37), ("2008-05-19", 1426.63),
        ("2008-09-12", 1251.70), ("2008-11-20", 752.44), ("2009-01-06", 934.70),
        ("2009-03-09", 676.53), ("2010-04-23", 1217.28), ("2010-07-02", 1022.58),
        ("2011-04-29", 1363.61), ("2011-10-03", 1099.23), ("2012-04-02", 1419.04),
        ("2012-06-01", 1278.04), ("2013-12-31", 1848.36), ("2015-05-21", 2130.82),
        ("2016-02-11", 1829.08), ("2016-06-27", 2000.54), ("2017-12-29", 2673.61),
        ("2018-01-26", 2872.87), ("2018-02-08", 2581.00), ("2018-09-20", 2930.75),
        ("2018-12-24", 2351.10), ("2019-12-31", 3230.78), ("2020-02-19", 3386.15),
        ("2020-03-23", 2237.40), ("2020-09-02", 3580.84), ("2020-12-31", 3756.07),
        ("2021-12-31", 4766.18), ("2022-06-16", 3666.77), ("2022-08-16", 4305.20),
        ("2022-10-12", 3577.03), ("2023-07-31", 4588.96), ("2023-10-27", 4117.37),
        ("2023-12-29", 4769.83), ("2024-03-28", 5254.35), ("2024-06-28", 5460.48),
        ("2024-12-06", 6090.27), ("2024-12-31", 5881.63),
    ),
    "^RUT": (
        ("2000-01-03", 496.42), ("2000-12-20", 443.80), ("2001-05-22", 517.23),
        ("2001-09-21", 378.89), ("2002-04-16", 522.95), ("2002-10-09", 327.04),
        ("2004-12-31", 651.57), ("2006-05-05", 781.83), ("2006-07-21", 671.94),
        ("2007-07-13", 855.77), ("2008-03-10", 643.97), ("2008-06-05", 763.27),
        ("2008-09-12", 720.26), ("2008-11-20", 385.31), ("2009-03-09", 343.26),
        ("2010-04-23", 741.92), ("2010-07-06", 590.03), ("2011-04-29", 865.29),
        ("2011-10-03", 609.49), ("2012-03-26", 846.13), ("2013-12-31", 1163.64),
        ("2015-06-23", 1295.80), ("2016-02-11", 953.72), ("2016-06-27", 1089.65),
        ("2017-12-29", 1535.51), ("2018-08-31", 1740.75), ("2018-12-24", 1266.92),
        ("2019-12-31", 1668.47), ("2020-03-18", 991.16), ("2020-12-31", 1974.86),
        ("2021-03-15", 2360.17), ("2021-11-08", 2442.74), ("2022-06-16", 1649.84),
        ("2022-12-30", 1761.25), ("2023-07-31", 2003.18), ("2023-10-27", 1636.94),
        ("2023-12-29", 2027.07), ("2024-03-28", 2124.55), ("2024-06-28", 2047.69),
        ("2024-11-25", 2442.03), ("2024-12-31", 2230.16),
    ),
    "^NDX": (
        ("2000-01-03", 3790.55), ("2000-03-27", 4704.73), ("2000-05-23", 3023.42),
        ("2000-09-01", 4099.30), ("2001-04-04", 1370.75), ("2001-09-21", 1126.95),
        ("2002-10-07", 804.64), ("2003-12-31", 1467.92), ("2004-08-12", 1304.43),
        ("2006-05-05", 1713.84), ("2007-10-31", 2238.98), ("2008-11-20", 1036.51),
        ("2009-03-09", 1043.87), ("2011-04-29", 2404.08), ("2011-10-03", 2085.04),
        ("2012-12-31", 2660.93), ("2014-12-31", 4236.28), ("2016-02-11", 3962.22),
        ("2017-12-29", 6396.42), ("2018-08-29", 7660.18), ("2018-12-24", 5899.35),
        ("2019-12-31", 8733.07), ("2020-02-19", 9718.73), ("2020-03-16", 7020.38),
        ("2020-12-31", 12888.28), ("2021-11-19", 16573.34), ("2022-06-16", 11127.57),
        ("2022-12-28", 10679.34), ("2023-07-31", 15757.00), ("2023-12-29", 16825.93),
        ("2024-03-28", 18254.69), ("2024-06-28", 19682.87), ("2024-12-16", 22096.66),
        ("2024-12-31", 21012.17),
    ),
}  # fmt: skip


@dataclass(frozen=True)
class _Episode:
    """A scripted day: exact factor log returns (None = random) and 2-year shock in bp."""

    day: str
    market: float | None
    size: float | None
    tech: float | None
    rates_bp: float | None


# Scripted days. July 2024: CPI surprise on 07-11 starts the sharpest small-cap rotation of the
# sample (^RUT ~+10 pp over ^GSPC in 5 days, ^NDX down, 2-year yield -26 bp). November 2016: the
# post-election "reflation" rotation (~+8 pp in 10 days with *rising* yields). Plus a few of the
# largest real market moves, so crashes look like crashes.
EPISODES: tuple[_Episode, ...] = (
    _Episode("2001-09-17", -0.050, None, None, -12.0),
    _Episode("2008-10-13", 0.109, None, None, None),
    _Episode("2008-10-15", -0.094, None, None, None),
    _Episode("2008-10-28", 0.102, None, None, None),
    _Episode("2008-12-01", -0.093, None, None, -15.0),
    _Episode("2016-11-09", 0.011, 0.019, -0.003, 6.0),
    _Episode("2016-11-10", 0.002, 0.012, -0.018, 4.0),
    _Episode("2016-11-11", -0.001, 0.024, 0.003, 0.0),
    _Episode("2016-11-14", 0.000, 0.014, -0.009, 6.0),
    _Episode("2016-11-15", 0.007, -0.002, 0.003, 3.0),
    _Episode("2016-11-16", -0.002, -0.004, 0.008, -1.0),
    _Episode("2016-11-17", 0.005, 0.003, 0.001, 4.0),
    _Episode("2016-11-18", -0.002, 0.002, -0.001, 2.0),
    _Episode("2016-11-21", 0.007, 0.004, 0.001, 0.0),
    _Episode("2016-11-22", 0.002, 0.001, 0.001, -1.0),
    _Episode("2020-03-12", -0.100, None, None, None),
    _Episode("2020-03-16", -0.128, None, None, -8.0),
    _Episode("2020-03-24", 0.090, None, None, None),
    _Episode("2024-07-10", 0.010, 0.002, 0.000, -4.0),
    _Episode("2024-07-11", -0.009, 0.045, -0.012, -12.0),
    _Episode("2024-07-12", 0.006, 0.005, -0.002, -4.0),
    _Episode("2024-07-15", 0.003, 0.013, -0.002, -2.0),
    _Episode("2024-07-16", 0.006, 0.029, -0.006, -4.0),
    _Episode("2024-08-05", -0.031, -0.004, -0.010, -6.0),
)

# --- rates -----------------------------------------------------------------------------------------

# Effective fed funds rate (percent) from each date on: the FOMC's decisions 2000-2024. Entries after
# SAMPLE_END are what markets expected next; they only shape expectations (the 2-year yield).
FED_FUNDS_PATH: Knots = (
    ("2000-01-03", 5.50), ("2000-02-02", 5.75), ("2000-03-21", 6.00), ("2000-05-16", 6.50),
    ("2001-01-03", 6.00), ("2001-01-31", 5.50), ("2001-03-20", 5.00), ("2001-04-18", 4.50),
    ("2001-05-15", 4.00), ("2001-06-27", 3.75), ("2001-08-21", 3.50), ("2001-09-17", 3.00),
    ("2001-10-02", 2.50), ("2001-11-06", 2.00), ("2001-12-11", 1.75), ("2002-11-06", 1.25),
    ("2003-06-25", 1.00), ("2004-06-30", 1.25), ("2004-08-10", 1.50), ("2004-09-21", 1.75),
    ("2004-11-10", 2.00), ("2004-12-14", 2.25), ("2005-02-02", 2.50), ("2005-03-22", 2.75),
    ("2005-05-03", 3.00), ("2005-06-30", 3.25), ("2005-08-09", 3.50), ("2005-09-20", 3.75),
    ("2005-11-01", 4.00), ("2005-12-13", 4.25), ("2006-01-31", 4.50), ("2006-03-28", 4.75),
    ("2006-05-10", 5.00), ("2006-06-29", 5.25), ("2007-09-18", 4.75), ("2007-10-31", 4.50),
    ("2007-12-11", 4.25), ("2008-01-22", 3.50), ("2008-01-30", 3.00), ("2008-03-18", 2.25),
    ("2008-04-30", 2.00), ("2008-10-08", 1.50), ("2008-10-29", 1.00), ("2008-12-16", 0.13),
    ("2015-12-17", 0.37), ("2016-12-15", 0.66), ("2017-03-16", 0.91),
    ("2017-06-15", 1.16), ("2017-12-14", 1.42), ("2018-03-22", 1.68), ("2018-06-14", 1.91),
    ("2018-09-27", 2.18), ("2018-12-20", 2.40), ("2019-08-01", 2.13), ("2019-09-19", 1.90),
    ("2019-10-31", 1.55), ("2020-03-04", 1.10), ("2020-03-16", 0.09), ("2020-04-01", 0.05),
    ("2021-06-17", 0.08), ("2022-03-17", 0.33), ("2022-05-05", 0.83), ("2022-06-16", 1.58),
    ("2022-07-28", 2.33), ("2022-09-22", 3.08), ("2022-11-03", 3.83), ("2022-12-15", 4.33),
    ("2023-02-02", 4.58), ("2023-03-23", 4.83), ("2023-05-04", 5.08), ("2023-07-27", 5.33),
    ("2024-09-19", 4.83), ("2024-11-08", 4.58), ("2024-12-19", 4.33),
    ("2025-06-18", 4.08), ("2025-09-17", 3.83), ("2025-12-10", 3.58), ("2026-06-17", 3.33),
)  # fmt: skip
# Daily noise of the effective rate around the policy path (bp) and its AR(1) persistence: a few bp
# before the floor system of 2008-12-16 (zero lower bound, interest on reserves), a fraction after.
FLOOR_SYSTEM_START = dt.date(2008, 12, 16)
SHORT_RATE_NOISE_BP = 3.0
FLOOR_SYSTEM_NOISE_BP = 0.6
SHORT_RATE_MINIMUM = 0.03  # the effective rate printed at least 3-4 bp even at the zero bound
SHORT_RATE_PERSISTENCE = 0.6
# Expectations: the market's expected rate h days ahead moves toward the future policy path with
# weight exp(-h / tau): it sees the next few months well and the far future only partly.
TWO_YEAR_HORIZON = 504  # trading days averaged by the 2-year yield
TWO_YEAR_FORESIGHT_TAU = 180.0
THREE_MONTH_HORIZON = 63
THREE_MONTH_FORESIGHT_TAU = 60.0
# Term premium / expectation bias of the 2-year yield over the expected policy path (percent).
TWO_YEAR_PREMIUM_KNOTS: Knots = (
    ("2000-01-03", 0.35), ("2001-06-29", 0.3), ("2002-06-28", 0.8), ("2004-06-30", 0.3),
    ("2006-06-30", 0.0), ("2008-06-30", 0.0), ("2009-06-30", 0.4), ("2011-06-30", 0.2),
    ("2013-12-31", 0.3), ("2015-06-30", 0.55), ("2016-06-30", 0.5), ("2017-06-30", 0.45),
    ("2018-06-29", 0.6), ("2018-12-31", 0.2), ("2019-12-31", -0.1), ("2020-12-31", 0.0),
    ("2021-06-30", -0.15), ("2022-06-30", 0.3), ("2023-03-31", -0.1), ("2023-09-29", -0.2),
    ("2024-06-28", -0.25), ("2024-12-31", -0.1),
)  # fmt: skip
# Daily 2-year shock size (bp): base + level term * sqrt(expected rate), times a regime multiplier
# (1.5 bp near zero rates, ~5 bp at 6%, ~8-10 bp in 2008 and 2022-23), times GARCH clustering.
RATE_SHOCK_BASE_BP = 0.8
RATE_SHOCK_LEVEL_BP = 1.7
RATE_REGIME_KNOTS: Knots = (
    ("2000-01-03", 1.0), ("2001-01-02", 1.8), ("2002-12-31", 1.6), ("2003-12-31", 1.3),
    ("2004-12-31", 1.0), ("2006-12-29", 1.0), ("2007-08-01", 1.6), ("2008-03-17", 2.4),
    ("2008-12-31", 2.2), ("2009-12-31", 1.3), ("2010-12-31", 1.0), ("2021-12-31", 1.1),
    ("2022-03-31", 1.9), ("2023-03-31", 2.2), ("2023-12-29", 1.8), ("2024-12-31", 1.4),
)  # fmt: skip
# Persistence of the 2-year yield's deviation from expectations (half-life ~ 170 trading days).
TWO_YEAR_DEVIATION_PERSISTENCE = 0.996
# Yields never go below these soft floors (percent): the zero lower bound.
TWO_YEAR_FLOOR = 0.08
THREE_MONTH_FLOOR = 0.0
TEN_YEAR_FLOOR = 0.4
# 3-month bill yield minus expected fed funds (percent): bills traded below fed funds before 2008 and
# above them in 2023-24 (bond-equivalent yield of scarce bills).
BILL_SPREAD_KNOTS: Knots = (
    ("2000-01-03", -0.25), ("2008-06-30", -0.4), ("2008-12-31", -0.1), ("2015-12-31", -0.05),
    ("2021-12-31", 0.0), ("2022-12-30", 0.12), ("2024-12-31", 0.12),
)  # fmt: skip
# Daily noise of the 3-month yield (bp) and its AR(1) persistence.
BILL_NOISE_BP = 2.0
BILL_NOISE_PERSISTENCE = 0.9
# 10-year minus 2-year slope (percent) along history; the 10-year adds its own daily noise (bp).
SLOPE_KNOTS: Knots = (
    ("2000-01-03", 0.2), ("2000-06-30", -0.3), ("2001-06-29", 1.0), ("2002-06-28", 2.2),
    ("2003-06-30", 2.4), ("2004-06-30", 2.0), ("2005-06-30", 0.3), ("2006-06-30", 0.0),
    ("2007-06-29", 0.1), ("2007-12-31", 0.9), ("2008-06-30", 1.5), ("2009-06-30", 2.6),
    ("2011-06-30", 2.6), ("2012-06-29", 1.4), ("2013-06-28", 2.1), ("2014-01-02", 2.6),
    ("2015-06-30", 1.7), ("2016-06-30", 0.9), ("2017-06-30", 0.9), ("2018-06-29", 0.4),
    ("2019-08-30", 0.0), ("2020-06-30", 0.5), ("2021-03-31", 1.5), ("2021-12-31", 0.8),
    ("2022-06-30", 0.0), ("2022-12-30", -0.6), ("2023-06-30", -1.0), ("2023-10-31", -0.2),
    ("2024-06-28", -0.4), ("2024-12-31", 0.3),
)  # fmt: skip
SLOPE_NOISE_BP = 3.5
SLOPE_NOISE_PERSISTENCE = 0.995
# Loadings of factor returns on the 2-year shock (log return per bp). Small caps suffer when the
# 2-year rises, strongly from mid-2023; stocks rose with yields before 2022 and fell with them after.
RATE_LOADING_KNOTS: dict[str, Knots] = {
    "size": (
        ("2000-01-03", -0.0001),
        ("2021-12-31", -0.0001),
        ("2022-06-30", -0.0002),
        ("2023-05-31", -0.0002),
        ("2023-07-31", -0.00055),
        ("2024-12-31", -0.00055),
    ),
    "market": (
        ("2000-01-03", 0.0002),
        ("2021-06-30", 0.0002),
        ("2022-03-31", -0.0004),
        ("2023-12-29", -0.0003),
        ("2024-12-31", -0.0002),
    ),
    "tech": (("2000-01-03", 0.0), ("2021-12-31", 0.0), ("2022-03-31", -0.0003), ("2024-12-31", -0.0002)),
    "gold": (("2000-01-03", -0.0004), ("2024-12-31", -0.0004)),
}

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
# Annualisation of daily volatility.
TRADING_DAYS_PER_YEAR = 252

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
}
# Default idiosyncratic daily volatility by asset class.
ASSET_CLASS_IDIO_VOL = {"etf": 0.002, "equity": 0.018, "equity_index": 0.001}
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
FED_FUNDS_FUTURE_BASIS_BP = 1.5
SOFR_FUTURE_BASIS_BP = 2.5
SOFR_OVER_BILLS_BP = 3.0  # SOFR futures trade a few bp above the bill curve on average
YIELD_FUTURE_BASIS_BP = 1.0
# Rate futures: per-contract basis in bp of yield (ZT: price points), daily AR(1) noise in bp.
RATE_FUTURE_NOISE_BP = 0.5
RATE_FUTURE_NOISE_PERSISTENCE = 0.8
# IEF: duration ~7.5 years on the 10-year yield, income paid monthly at the 10-year yield.
TREASURY_ETF_DURATION = 7.5


@dataclass(frozen=True)
class _Spec:
    """How one instrument is generated (see the module docstring for the models)."""

    # "index" | "tracker" | "equity_future" | "factor" | "vix" | "treasury_etf" |
    # "fed_funds_future" | "sofr_future" | "note_future" | "yield_future" | "bill_yield"
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


# --------------------------------------------------------------------------------------------------
# The world
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SampleWorld:
    """The shared latent state of the synthetic market; every sample source derives from it."""

    dates: pd.DatetimeIndex  # NYSE trading days SAMPLE_START..SAMPLE_END
    # Daily log returns of the latent factors (first row 0): market (= ^GSPC), size (^RUT beyond
    # 1.15 x market: small minus large), tech (^NDX beyond 1.15 x market), commodity, gold, credit;
    # plus ``rates``: the day's shock to the 2-year yield in basis points.
    factors: pd.DataFrame
    short_rate: pd.Series  # effective fed funds rate, percent
    two_year_yield: pd.Series  # percent
    three_month_yield: pd.Series  # percent (bond-equivalent; >= 0)
    ten_year_yield: pd.Series  # percent
    stress: pd.Series  # the deterministic volatility multiplier of the market (1 = normal)
    market_vol: pd.Series  # the market's volatility forecast for the next day, annualised fraction
    seed: int


def _rng(seed: int, *labels: str) -> np.random.Generator:
    """An independent random stream for ``labels``: never depends on the order of other draws."""
    digest = hashlib.sha256("/".join(labels).encode("utf-8")).digest()
    return np.random.default_rng([seed, int.from_bytes(digest[:8], "little")])


def _t_shocks(rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
    """Student-t(T_DF) draws scaled to unit variance, clipped at MAX_SHOCK."""
    z = rng.standard_t(T_DF, size=size) / np.sqrt(T_DF / (T_DF - 2.0))
    return np.clip(z, -MAX_SHOCK, MAX_SHOCK)


def _ordinals(dates: pd.DatetimeIndex) -> np.ndarray:
    return np.array([d.toordinal() for d in dates.date], dtype=np.float64)


def _interp(dates: pd.DatetimeIndex, knots: Knots, *, log: bool = False) -> np.ndarray:
    """Piecewise-linear (or log-linear) interpolation of dated knots; flat beyond the ends."""
    x = np.array([dt.date.fromisoformat(d).toordinal() for d, _ in knots], dtype=np.float64)
    y = np.array([v for _, v in knots], dtype=np.float64)
    if log:
        return np.exp(np.interp(_ordinals(dates), x, np.log(y)))
    return np.interp(_ordinals(dates), x, y)


def _step(dates: pd.DatetimeIndex, knots: Knots) -> np.ndarray:
    """Step function: the value of the last knot on or before each date."""
    x = np.array([dt.date.fromisoformat(d).toordinal() for d, _ in knots], dtype=np.float64)
    y = np.array([v for _, v in knots], dtype=np.float64)
    idx = np.searchsorted(x, _ordinals(dates), side="right") - 1
    return y[np.clip(idx, 0, len(y) - 1)]


def _positions(dates: pd.DatetimeIndex, days: Sequence[str]) -> np.ndarray:
    """Index of the first trading day on or after each ISO date."""
    return dates.searchsorted(pd.DatetimeIndex(list(days)).as_unit(dates.unit), side="left")


def _soft_floor(x: np.ndarray, floor: float, softness: float) -> np.ndarray:
    """``floor + softness * log(1 + exp((x - floor) / softness))``: ~x above, never below floor."""
    return floor + softness * np.logaddexp(0.0, (x - floor) / softness)


def _ar1(innovations: np.ndarray, phi: float) -> np.ndarray:
    """x[t] = phi * x[t-1] + e[t] (x[-1] = 0), for a 1-D series."""
    out = []
    prev = 0.0
    for e in innovations.tolist():
        prev = phi * prev + e
        out.append(prev)
    return np.array(out, dtype=np.float64)


def _garch(
    z: np.ndarray,
    scale: np.ndarray,
    params: tuple[np.ndarray, np.ndarray, np.ndarray],
    *,
    exog: np.ndarray | None = None,
    override: np.ndarray | None = None,
    max_move: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """GJR-GARCH(1,1) returns, column by column, with unit unconditional variance per column.

    r[t] = scale[t] * sqrt(h[t]) * z[t] + exog[t], soft-clipped at ``max_move`` and replaced by
    ``override[t]`` where that is not NaN; h[t+1] = omega + (alpha + gamma * [u < 0]) * u^2 +
    beta * h[t] with u = r[t] / scale[t]. Returns (r, forecast volatility for t+1).
    """
    n, k = z.shape
    exog = np.zeros((n, k)) if exog is None else exog
    override = np.full((n, k), np.nan) if override is None else override
    returns = np.empty((n, k))
    next_vol = np.empty((n, k))
    for j in range(k):  # plain floats: much faster than tiny NumPy arrays in a day loop
        alpha, gamma, beta = float(params[0][j]), float(params[1][j]), float(params[2][j])
        omega = 1.0 - alpha - gamma / 2.0 - beta
        cap = math.inf if max_move is None else float(max_move[j])
        h = 1.0
        rs, vols = [], []
        for zt, st, xt, ot in zip(
            z[:, j].tolist(),
            scale[:, j].tolist(),
            exog[:, j].tolist(),
            override[:, j].tolist(),
            strict=True,
        ):
            if ot == ot:  # scripted day (not NaN)
                r = ot
            else:
                r = st * math.sqrt(h) * zt + xt
                if cap < math.inf:
                    r = cap * math.tanh(r / cap)
            u = r / st
            h = omega + (alpha + (gamma if u < 0.0 else 0.0)) * u * u + beta * h
            h = min(h, GARCH_MAX_VARIANCE)
            rs.append(r)
            vols.append(st * math.sqrt(h))
        returns[:, j] = rs
        next_vol[:, j] = vols
    return returns, next_vol


def _bridge(returns: np.ndarray, anchors: list[tuple[int, float]], adjustable: np.ndarray) -> np.ndarray:
    """Add a constant drift per segment so that the log level passes through every anchor.

    ``returns[t]`` moves the log level from t-1 to t; anchors are (position, log level), sorted,
    the first one the starting point. Only ``adjustable`` days get the drift (scripted days keep
    their exact values). Returns after the last anchor are left alone.
    """
    out = returns.copy()
    for (p0, a0), (p1, a1) in zip(anchors[:-1], anchors[1:], strict=True):
        days = np.arange(p0 + 1, p1 + 1)
        free = days[adjustable[days]]
        if len(free) == 0:
            raise ValueError(f"anchors at positions {p0} and {p1} leave no day to adjust")
        out[free] += ((a1 - a0) - out[days].sum()) / len(free)
    return out


def _anchor_points(dates: pd.DatetimeIndex, knots: Knots, start: int = 0) -> list[tuple[int, float]]:
    """Anchors as (position, log level), keeping those on or after ``start`` (one per position)."""
    pos = _positions(dates, [d for d, _ in knots])
    points: dict[int, float] = {}
    for p, (_, level) in zip(pos, knots, strict=True):
        if start <= p < len(dates):
            points[int(p)] = float(np.log(level))
    return sorted(points.items())


def _expected_average(path: np.ndarray, future: np.ndarray, horizon: int, tau: float) -> np.ndarray:
    """Market expectation of the average rate over the next ``horizon`` days.

    ``future`` continues ``path`` beyond its last day (at least ``horizon`` values). The expected
    rate h days ahead is r[t] + exp(-h / tau) * (r[t+h] - r[t]): partial foresight of the policy path.
    """
    full = np.concatenate([path, future])
    windows = np.lib.stride_tricks.sliding_window_view(full[1:], horizon)[: len(path)]
    weights = np.exp(-np.arange(1, horizon + 1) / tau)
    return path + ((windows - path[:, None]) * weights).sum(axis=1) / horizon


def _policy_path(dates: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    """The fed funds policy path on the trading days and on 600 business days after them."""
    beyond = pd.bdate_range(dates[-1] + pd.Timedelta(days=1), periods=600).as_unit(dates.unit)
    return _step(dates, FED_FUNDS_PATH), _step(beyond, FED_FUNDS_PATH)


def _round(x: np.ndarray, grid: int) -> np.ndarray:
    """Round to multiples of 1/grid; the division keeps the nearest double to the decimal value."""
    return np.rint(np.asarray(x, dtype=np.float64) * grid) / grid


def build_world(seed: int = SAMPLE_SEED) -> SampleWorld:
    """Generate the latent state: factors and rates on NYSE days SAMPLE_START..SAMPLE_END."""
    dates = nyse_trading_days(SAMPLE_START, SAMPLE_END)
    n = len(dates)
    episode_pos = _positions(dates, [e.day for e in EPISODES])

    # --- policy rate and its noisy effective fixing -------------------------------------------
    policy, policy_beyond = _policy_path(dates)
    rng = _rng(seed, "world", "short_rate")
    noise_bp = np.where(dates.date < FLOOR_SYSTEM_START, SHORT_RATE_NOISE_BP, FLOOR_SYSTEM_NOISE_BP)
    fixing_noise = _ar1(noise_bp * _t_shocks(rng, n), SHORT_RATE_PERSISTENCE)
    short_rate = np.maximum(_round(policy + fixing_noise / 100.0, 100), SHORT_RATE_MINIMUM)

    # --- 2-year: expected policy path + premium + a persistent deviation driven by rate shocks --
    expected_2y = _expected_average(policy, policy_beyond, TWO_YEAR_HORIZON, TWO_YEAR_FORESIGHT_TAU)
    shock_scale = (
        RATE_SHOCK_BASE_BP + RATE_SHOCK_LEVEL_BP * np.sqrt(np.maximum(expected_2y, 0.0))
    ) * _interp(dates, RATE_REGIME_KNOTS)
    rate_override = np.full((n, 1), np.nan)
    for e, p in zip(EPISODES, episode_pos, strict=True):
        if e.rates_bp is not None:
            rate_override[p, 0] = e.rates_bp
    rng = _rng(seed, "world", "rates")
    rate_shock, _ = _garch(
        _t_shocks(rng, (n, 1)),
        shock_scale[:, None],
        tuple(np.array([v]) for v in GARCH_PARAMS["rates"]),  # type: ignore[arg-type]
        override=rate_override,
    )
    rate_shock = rate_shock[:, 0]
    rate_shock[0] = 0.0
    deviation = _ar1(rate_shock, TWO_YEAR_DEVIATION_PERSISTENCE) / 100.0
    two_year_raw = expected_2y + _interp(dates, TWO_YEAR_PREMIUM_KNOTS) + deviation
    two_year = _round(_soft_floor(two_year_raw, TWO_YEAR_FLOOR, 0.08), 100)

    # --- 10-year: 2-year + slope + its own persistent noise -----------------------------------
    rng = _rng(seed, "world", "slope")
    slope_noise = _ar1(SLOPE_NOISE_BP * _t_shocks(rng, n), SLOPE_NOISE_PERSISTENCE) / 100.0
    ten_year_raw = two_year_raw + _interp(dates, SLOPE_KNOTS) + slope_noise
    ten_year = _round(_soft_floor(ten_year_raw, TEN_YEAR_FLOOR, 0.15), 100)

    # --- 3-month bill: near-term expected policy rate + bill spread + noise ---------------------
    expected_3m = _expected_average(policy, policy_beyond, THREE_MONTH_HORIZON, THREE_MONTH_FORESIGHT_TAU)
    rng = _rng(seed, "world", "bills")
    bill_noise = _ar1(BILL_NOISE_BP * _t_shocks(rng, n), BILL_NOISE_PERSISTENCE) / 100.0
    bill_raw = expected_3m + _interp(dates, BILL_SPREAD_KNOTS) + bill_noise
    three_month = np.maximum(_round(_soft_floor(bill_raw, THREE_MONTH_FLOOR, 0.03), 100), 0.0)

    # --- equity and cross-asset factors ---------------------------------------------------------
    names = ["market", "size", "tech", "commodity", "gold", "credit"]
    base_vol = {
        "market": MARKET_VOL,
        "size": SIZE_VOL,
        "tech": TECH_VOL,
        "commodity": COMMODITY_VOL,
        "gold": GOLD_VOL,
        "credit": CREDIT_VOL,
    }
    stress = _interp(dates, STRESS_KNOTS, log=True)
    tech_regime = _interp(dates, TECH_REGIME_KNOTS, log=True)
    scale = np.column_stack(
        [base_vol[f] * stress ** STRESS_EXPONENT[f] * (tech_regime if f == "tech" else 1.0) for f in names]
    )
    exog = np.column_stack(
        [
            _interp(dates, RATE_LOADING_KNOTS[f]) * rate_shock if f in RATE_LOADING_KNOTS else np.zeros(n)
            for f in names
        ]
    )
    override = np.full((n, len(names)), np.nan)
    for e, p in zip(EPISODES, episode_pos, strict=True):
        for j, value in enumerate((e.market, e.size, e.tech)):
            if value is not None:
                override[p, j] = value
    params = tuple(np.array([GARCH_PARAMS[f][i] for f in names]) for i in range(3))
    max_move = np.array([MARKET_MAX_MOVE] + [1.0] * (len(names) - 1))
    rng = _rng(seed, "world", "factors")
    raw, next_vol = _garch(
        _t_shocks(rng, (n, len(names))),
        scale,
        params,  # type: ignore[arg-type]
        exog=exog,
        override=override,
        max_move=max_move,
    )
    raw[0] = 0.0

    # --- pin the indices to their historical turning points -------------------------------------
    market = _bridge(raw[:, 0], _anchor_points(dates, INDEX_ANCHORS["^GSPC"]), np.isnan(override[:, 0]))
    factors = {"market": market}
    for symbol in ("^RUT", "^NDX"):
        j = names.index(INDEX_FACTOR[symbol])
        beta = INDEX_MARKET_BETA[symbol]
        index_returns = _bridge(
            beta * market + raw[:, j],
            _anchor_points(dates, INDEX_ANCHORS[symbol]),
            np.isnan(override[:, j]),
        )
        factors[INDEX_FACTOR[symbol]] = index_returns - beta * market
    for j, name in enumerate(names):
        factors.setdefault(name, raw[:, j])
    factors["rates"] = rate_shock

    def series(values: np.ndarray, name: str) -> pd.Series:
        return pd.Series(values, index=dates, name=name)

    return SampleWorld(
        dates=dates,
        factors=pd.DataFrame({k: factors[k] for k in [*names, "rates"]}, index=dates),
        short_rate=series(short_rate, "short_rate"),
        two_year_yield=series(two_year, "two_year_yield"),
        three_month_yield=series(three_month, "three_month_yield"),
        ten_year_yield=series(ten_year, "ten_year_yield"),
        stress=series(stress, "stress"),
        market_vol=series(next_vol[:, 0] * np.sqrt(TRADING_DAYS_PER_YEAR), "market_vol"),
        seed=seed,
    )


def index_levels(world: SampleWorld) -> pd.DataFrame:
    """Closing levels of ^GSPC, ^RUT and ^NDX implied by the world's factors (unrounded)."""
    out = {}
    for symbol, beta in INDEX_MARKET_BETA.items():
        factor = INDEX_FACTOR[symbol]
        returns = world.factors["market"].to_numpy()
        if factor != "market":
            returns = beta * returns + world.factors[factor].to_numpy()
        start = INDEX_ANCHORS[symbol][0][1]
        out[symbol] = start * np.exp(np.cumsum(returns))
    return pd.DataFrame(out, index=world.dates)


# --------------------------------------------------------------------------------------------------
# Instruments
# --------------------------------------------------------------------------------------------------


def _spec_for(instrument: Instrument) -> _Spec:
    """The instrument's own spec, or a default from its segment and asset class."""
    if instrument.symbol in SPECS:
        return SPECS[instrument.symbol]
    start = max(SAMPLE_START, instrument.first_date).isoformat()
    volume = ((start, 1e6),)
    betas = tuple(SEGMENT_BETAS.get(instrument.segment, {"market": 1.0}).items())
    if instrument.quote_type == "price":
        if instrument.asset_class in ("equity_index", "etf", "equity", "commodity_future"):
            idio = ASSET_CLASS_IDIO_VOL.get(instrument.asset_class, 0.01)
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


def _jittered_betas(spec: _Spec, rng: np.random.Generator) -> dict[str, float]:
    """The spec's factor loadings, equity loadings jittered by the seed (BETA_JITTER)."""
    out = {}
    for name, beta in spec.betas:
        jitter = rng.normal(0.0, BETA_JITTER) if name in ("market", "size", "tech") else 0.0
        out[name] = beta + jitter
    return out


def _years(dates: pd.DatetimeIndex) -> np.ndarray:
    return (_ordinals(dates) - _ordinals(dates[:1])[0]) / 365.25


def _month_keys(dates: pd.DatetimeIndex) -> np.ndarray:
    return (dates.year * 12 + dates.month - 1).to_numpy()


def _contract_basis(keys: np.ndarray, rng: np.random.Generator, size: float) -> np.ndarray:
    """One random basis per futures contract (``keys`` identify the front contract per day)."""
    unique, inverse = np.unique(keys, return_inverse=True)
    return rng.normal(0.0, size, len(unique))[inverse]


def _equity_future_schedule(dates: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    """Front quarterly contract per day and its years to expiry.

    Contracts expire on the third Friday of March, June, September and December; the continuous
    series rolls to the next contract 8 calendar days before expiry (the customary roll Thursday).
    """
    expiries = []
    for year in range(dates[0].year, dates[-1].year + 2):
        for month in _QUARTERLY:
            first = dt.date(year, month, 1)
            expiries.append(first + dt.timedelta(days=(4 - first.weekday()) % 7 + 14))
    expiry_ord = np.array([e.toordinal() for e in expiries], dtype=np.float64)
    days = _ordinals(dates)
    front = np.searchsorted(expiry_ord - 8, days, side="right")
    return front, (expiry_ord[front] - days) / 365.0


@dataclass(frozen=True)
class _Context:
    """What every instrument model gets: the world, index levels, its spec, stream and first row."""

    world: SampleWorld
    levels: pd.DataFrame  # ^GSPC, ^RUT, ^NDX closes implied by the factors
    symbol: str
    spec: _Spec
    rng: np.random.Generator
    start: int  # position of the instrument's first trading day in world.dates

    @property
    def n(self) -> int:
        return len(self.world.dates)


def _index_model(c: _Context) -> np.ndarray:
    """^GSPC, ^RUT, ^NDX: exact functions of the factors."""
    return c.levels[c.symbol].to_numpy()


def _tracker_model(c: _Context) -> np.ndarray:
    """ETF on an index of the universe: index x ratio, minus expense drag, plus tracking noise."""
    assert c.spec.tracks is not None
    noise = _ar1(TRACKING_NOISE * c.rng.standard_normal(c.n), TRACKING_PERSISTENCE)
    years = _years(c.world.dates)
    drag = -c.spec.expense * (years - years[c.start])
    return c.levels[c.spec.tracks].to_numpy() * c.spec.ratio * np.exp(drag + noise)


def _equity_future_model(c: _Context) -> np.ndarray:
    """Continuous front-month index future: index x exp((rate - dividend yield) x time to expiry).

    On roll days the time to expiry jumps by a quarter and the contract basis changes: the roll jump.
    """
    assert c.spec.tracks is not None
    front, tau = _equity_future_schedule(c.world.dates)
    carry = (c.world.short_rate.to_numpy() / 100.0 - INDEX_DIVIDEND_YIELD[c.spec.tracks]) * tau
    basis = _contract_basis(front, c.rng, EQUITY_FUTURE_BASIS)
    noise = _ar1(EQUITY_FUTURE_NOISE * c.rng.standard_normal(c.n), EQUITY_FUTURE_NOISE_PERSISTENCE)
    return c.levels[c.spec.tracks].to_numpy() * np.exp(carry + basis + noise)


def _factor_model(c: _Context) -> np.ndarray:
    """Factor loadings (jittered by the seed) + GARCH idiosyncratic noise, bridged to the anchors."""
    world, spec, n = c.world, c.spec, c.n
    betas = _jittered_betas(spec, c.rng)
    stress = world.stress.to_numpy()
    if betas.get("tech", 0.0) > 0.5:  # mega caps: idiosyncratic risk was wild in 2000-02 too
        stress = stress * _interp(world.dates, TECH_REGIME_KNOTS, log=True) ** 0.5
    idio, _ = _garch(
        _t_shocks(c.rng, (n, 1)),
        (spec.idio_vol * stress**IDIO_STRESS_EXPONENT)[:, None],
        tuple(np.array([v]) for v in GARCH_PARAMS["idio"]),  # type: ignore[arg-type]
        max_move=np.array([IDIO_MAX_MOVE]),
    )
    returns = idio[:, 0] + sum(b * world.factors[f].to_numpy() for f, b in betas.items())
    anchors = _anchor_points(world.dates, spec.anchors, c.start)
    if not anchors or anchors[0][0] != c.start:
        level = spec.start_level if spec.start_level is not None else DEFAULT_START_LEVEL
        anchors = [(c.start, math.log(level)), *anchors]
    bridged = _bridge(returns, anchors, np.ones(n, dtype=bool))
    log_level = np.full(n, np.nan)
    log_level[c.start :] = anchors[0][1] + np.cumsum(bridged[c.start :]) - bridged[c.start]
    return np.exp(log_level)


def _vix_model(c: _Context) -> np.ndarray:
    """^VIX level from the market's forecast volatility, same-day market moves and noise."""
    world = c.world
    forecast = world.market_vol.to_numpy()  # annualised, known at each close for the next day
    prior_daily = np.concatenate([[MARKET_VOL], forecast[:-1]]) / math.sqrt(TRADING_DAYS_PER_YEAR)
    surprise = world.factors["market"].to_numpy() / prior_daily
    noise = _ar1(
        VIX_NOISE * c.rng.standard_normal(c.n) - VIX_MARKET_LOADING * surprise, VIX_NOISE_PERSISTENCE
    )
    raw = np.hypot(VIX_BASE, VIX_VOL_PREMIUM * 100.0 * forecast) * np.exp(noise)
    p = VIX_CEILING_SHARPNESS
    return _soft_floor(raw / (1.0 + (raw / VIX_CEILING) ** p) ** (1.0 / p), VIX_FLOOR, 0.8)


def _treasury_etf_model(c: _Context) -> np.ndarray:
    """IEF: price moves by -duration x change in the 10-year yield (income is added separately)."""
    ten = c.world.ten_year_yield.to_numpy()
    noise = _ar1(TRACKING_NOISE * c.rng.standard_normal(c.n), TRACKING_PERSISTENCE)
    level = c.spec.start_level if c.spec.start_level is not None else DEFAULT_START_LEVEL
    return level * np.exp(-TREASURY_ETF_DURATION * (ten - ten[c.start]) / 100.0 + noise)


def _rate_noise(c: _Context) -> np.ndarray:
    return _ar1(RATE_FUTURE_NOISE_BP * c.rng.standard_normal(c.n), RATE_FUTURE_NOISE_PERSISTENCE)


def _fed_funds_future_model(c: _Context) -> np.ndarray:
    """ZQ=F: 100 - the current month's average policy rate; rolls at each month start."""
    dates = c.world.dates
    noise = _rate_noise(c)
    months = _month_keys(dates)
    calendar = pd.date_range(dates[0].replace(day=1), dates[-1] + pd.offsets.MonthEnd(0))
    daily = pd.Series(_step(calendar, FED_FUNDS_PATH), index=calendar)
    implied = daily.groupby(calendar.year * 12 + calendar.month - 1).mean().reindex(months).to_numpy()
    basis = _contract_basis(months, c.rng, FED_FUNDS_FUTURE_BASIS_BP)
    return 100.0 - _soft_floor(implied + (basis + noise) / 100.0, 0.0, 0.02)


def _sofr_future_model(c: _Context) -> np.ndarray:
    """SR3=F: 100 - 3-month rate; rolls monthly to the contract whose period starts that month."""
    noise = _rate_noise(c)
    basis = _contract_basis(_month_keys(c.world.dates), c.rng, SOFR_FUTURE_BASIS_BP)
    implied = c.world.three_month_yield.to_numpy() + (SOFR_OVER_BILLS_BP + basis + noise) / 100.0
    return 100.0 - _soft_floor(implied, 0.0, 0.02)


def _note_future_model(c: _Context) -> np.ndarray:
    """ZT=F: 100 + duration x (6% coupon - 2-year yield); front = next Mar/Jun/Sep/Dec contract,
    rolled at the end of the month before delivery."""
    dates = c.world.dates
    noise = _rate_noise(c)
    quarter_month = (dates.month.to_numpy() // 3 + 1) * 3
    basis = _contract_basis(dates.year.to_numpy() * 12 + quarter_month, c.rng, NOTE_FUTURE_BASIS)
    fair = 100.0 + NOTE_FUTURE_DURATION * (NOTE_FUTURE_COUPON - c.world.two_year_yield.to_numpy())
    return fair + basis + noise * NOTE_FUTURE_DURATION / 100.0


def _yield_future_model(c: _Context) -> np.ndarray:
    """2YY=F: the 2-year yield in percent; quarterly contracts rolled at quarter starts."""
    dates = c.world.dates
    noise = _rate_noise(c)
    keys = dates.year.to_numpy() * 4 + (dates.month.to_numpy() - 1) // 3
    basis = _contract_basis(keys, c.rng, YIELD_FUTURE_BASIS_BP)
    return c.world.two_year_yield.to_numpy() + (basis + noise) / 100.0


def _bill_yield_model(c: _Context) -> np.ndarray:
    """^IRX: the world's 3-month yield, percent."""
    return c.world.three_month_yield.to_numpy().copy()


_MODELS = {
    "index": _index_model,
    "tracker": _tracker_model,
    "equity_future": _equity_future_model,
    "factor": _factor_model,
    "vix": _vix_model,
    "treasury_etf": _treasury_etf_model,
    "fed_funds_future": _fed_funds_future_model,
    "sofr_future": _sofr_future_model,
    "note_future": _note_future_model,
    "yield_future": _yield_future_model,
    "bill_yield": _bill_yield_model,
}


def _model_base(world: SampleWorld, symbol: str, spec: _Spec, start: int, levels: pd.DataFrame) -> np.ndarray:
    """The instrument's price (ex accrued income) or yield on every world date."""
    if spec.model not in _MODELS:
        raise ValueError(
            f"sample: unknown model {spec.model!r} for {symbol!r}; expected one of {sorted(_MODELS)}"
        )
    rng = _rng(world.seed, "instrument", symbol, spec.model)
    return _MODELS[spec.model](_Context(world, levels, symbol, spec, rng, start))


def _income_rate(world: SampleWorld, spec: _Spec) -> np.ndarray | None:
    """Annual income yield per day (None = no distributions)."""
    if spec.model == "treasury_etf":
        return world.ten_year_yield.to_numpy() / 100.0 - spec.expense
    if spec.dividend_yield <= 0.0:
        return None
    rate = np.full(len(world.dates), spec.dividend_yield)
    if spec.dividend_start is not None:
        rate[world.dates < pd.Timestamp(spec.dividend_start)] = 0.0
    return rate


def _accrual(
    dates: pd.DatetimeIndex, start: int, months: tuple[int, ...], rate: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Accrued income share of the price and the adjustment factor of each ex-date.

    Income accrues daily at ``rate``; on an ex-date (first trading day on or after the 20th of a
    quarterly month, or the first trading day of each month for monthly payers) the accrued amount
    is paid out and the price drops by it. Yahoo's adjustment factor for that dividend is
    1 - dividend / previous close = 1 / (1 + accrued share the day before).
    """
    n = len(dates)
    ex_day = 1 if len(months) == 12 else 20
    targets = [
        dt.date(year, month, ex_day).isoformat()
        for year in range(dates[0].year, dates[-1].year + 1)
        for month in months
    ]
    ex = np.zeros(n, dtype=bool)
    pos = _positions(dates, targets)
    ex[pos[pos < n]] = True
    gaps = np.diff(_ordinals(dates), prepend=_ordinals(dates)[0]) / 365.0
    accrued = np.zeros(n)
    factor = np.ones(n)
    a = 0.0
    for t in range(start + 1, n):
        if ex[t]:
            if a > 0.0:
                factor[t] = 1.0 / (1.0 + a)
            a = 0.0
        else:
            a += rate[t] * gaps[t]
        accrued[t] = a
    return accrued, factor


def _ewm_vol(changes: np.ndarray, minimum: float) -> np.ndarray:
    """Exponentially weighted volatility of daily changes (RiskMetrics-like), at least ``minimum``."""
    if len(changes) == 0:
        return changes
    seed = np.sqrt(np.mean(changes[: min(len(changes), 21)] ** 2))
    var = pd.Series(changes**2).ewm(alpha=0.06, adjust=False).mean().to_numpy()
    var = 0.5 * var + 0.5 * np.concatenate([[seed**2], var[:-1]])
    return np.maximum(np.sqrt(var), minimum)


def _ohlc(
    close: np.ndarray,
    rng: np.random.Generator,
    spec: _Spec,
    *,
    yields: bool,
    floor: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Open, High, Low and a vol-scaled |move| (for volume) consistent with the closes.

    Prices are handled in log(price - floor), yields in percent. Open = previous close + a share of
    the day's move + noise; High/Low extend beyond max/min(Open, Close) by a random multiple of the
    recent volatility. Monotone transforms keep Low <= min(Open, Close) <= max <= High.
    """
    n = len(close)
    y = close.copy() if yields else np.log(close - floor)
    change = np.diff(y, prepend=y[:1])
    vol = _ewm_vol(change, 0.002 if yields else 0.0005)
    gap = spec.gap_weight * change + DEFAULT_GAP_NOISE * vol * rng.standard_normal(n)
    open_y = np.concatenate([y[:1], y[:-1]]) + gap
    top = np.maximum(open_y, y) + spec.range_scale * vol * np.abs(rng.standard_normal(n))
    bottom = np.minimum(open_y, y) - spec.range_scale * vol * np.abs(rng.standard_normal(n))
    surprise = np.abs(change) / vol
    if yields:
        return np.maximum(open_y, 0.0), top, np.maximum(bottom, 0.0), surprise
    return floor + np.exp(open_y), floor + np.exp(top), floor + np.exp(bottom), surprise


def _volume(
    dates: pd.DatetimeIndex, spec: _Spec, surprise: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Daily volume: a level along history, lognormal noise, more on large moves; 0 if no knots."""
    if not spec.volume:
        return np.zeros(len(dates), dtype=np.int64)
    level = _interp(dates, spec.volume, log=True)
    boost = VOLUME_SURPRISE * np.clip(surprise - 0.8, -0.8, 4.0)
    volume = level * np.exp(VOLUME_NOISE * rng.standard_normal(len(dates)) + boost)
    return np.maximum(np.rint(volume), 1).astype(np.int64)


def _instrument_frame(world: SampleWorld, instrument: Instrument, levels: pd.DataFrame) -> pd.DataFrame:
    """One symbol's daily bars from its first date on, in yfinance's column order."""
    spec = _spec_for(instrument)
    dates = world.dates
    start = int(dates.searchsorted(pd.Timestamp(max(SAMPLE_START, instrument.first_date))))
    base = _model_base(world, instrument.symbol, spec, min(start, len(dates) - 1), levels)
    yields = instrument.quote_type == "yield"

    income = _income_rate(world, spec)
    if income is not None:
        accrued, factor = _accrual(dates, start, spec.dividend_months or _QUARTERLY, income)
        base = base * (1.0 + accrued)
    else:
        factor = np.ones(len(dates))

    window = dates[start:]
    close = _round(base[start:], spec.grid)
    floor = VIX_FLOOR - 0.25 if spec.model == "vix" else 0.0
    rng = _rng(world.seed, "instrument", instrument.symbol, "bars")
    open_, high, low, surprise = _ohlc(close, rng, spec, yields=yields, floor=floor)
    # Adj Close = Close x product of the adjustment factors of later ex-dates (1 on the last day).
    later = np.append(np.cumprod(factor[start:][::-1])[::-1][1:], 1.0) if len(window) else factor[:0]
    adj_close = _round(close * later, 1_000_000) if income is not None else close
    frame = pd.DataFrame(
        {
            "Adj Close": adj_close,
            "Close": close,
            "High": _round(high, spec.grid),
            "Low": _round(low, spec.grid),
            "Open": _round(open_, spec.grid),
            "Volume": _volume(window, spec, surprise, rng),
        },
        index=window.rename("Date"),
    )
    return frame


def sample_prices(world: SampleWorld, universe: list[Instrument]) -> dict[str, pd.DataFrame]:
    """Daily bars (Adj Close, Close, High, Low, Open, Volume) for every instrument of the universe."""
    levels = index_levels(world)
    return {inst.symbol: _instrument_frame(world, inst, levels) for inst in universe}


# --------------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------------


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


def land_sample_prices(
    universe: list[Instrument], landing_root: Path, seed: int = SAMPLE_SEED
) -> LandingBatch:
    """Generate the sample Yahoo files for ``universe`` and land one file per symbol."""
    started = time.perf_counter()
    world = build_world(seed)
    frames = sample_prices(world, universe)
    batch = LandingBatch(
        system="yahoo",
        mode="sample",
        requested=tuple(inst.symbol for inst in universe),
        synthetic=True,
        notes=[f"synthetic sample data (seed {seed}): not market data"],
    )
    for inst in universe:
        content = render_yahoo_csv(inst.symbol, frames[inst.symbol])
        path = land_bytes(content, landing_root, "yahoo", "sample", f"{inst.symbol}.csv")
        batch.files.append(LandedFile(path, (inst.symbol,), None))
    log.info(
        "landed %d synthetic sample price files (seed %d) in %.2fs",
        len(batch.files),
        seed,
        time.perf_counter() - started,
    )
    return batch


__all__ = [
    "SAMPLE_END",
    "SAMPLE_SEED",
    "SAMPLE_START",
    "YAHOO_COLUMNS",
    "SampleWorld",
    "build_world",
    "index_levels",
    "land_sample_prices",
    "render_yahoo_csv",
    "sample_prices",
]
