"""The shared latent state of the synthetic market: calendar, stress, factors and rates.

:func:`build_world` generates the :class:`SampleWorld` (see the package docstring for the models);
:func:`index_levels` turns its factors into the levels of ^GSPC, ^RUT and ^NDX.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ingestion.calendar import nyse_trading_days
from ingestion.sample.processes import (
    Knots,
    _anchor_points,
    _ar1,
    _bridge,
    _garch,
    _interp,
    _positions,
    _rng,
    _round,
    _soft_floor,
    _step,
    _t_shocks,
)

SAMPLE_START = dt.date(2000, 1, 3)
SAMPLE_END = dt.date(2024, 12, 31)
SAMPLE_SEED = 20240716

# --------------------------------------------------------------------------------------------------
# Model parameters
# --------------------------------------------------------------------------------------------------

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

# Annualisation of daily volatility.
TRADING_DAYS_PER_YEAR = 252


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
