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

Modules: :mod:`~ingestion.sample.processes` (random streams, knots, AR(1)/GARCH, bridging),
:mod:`~ingestion.sample.world` (:class:`SampleWorld`, :func:`build_world`),
:mod:`~ingestion.sample.specs` (per-instrument parameters, :data:`SPECS`),
:mod:`~ingestion.sample.instruments` (:func:`sample_prices`) and
:mod:`~ingestion.sample.render` (:func:`render_yahoo_csv`, :func:`land_sample_prices`).
"""

from __future__ import annotations

from ingestion.sample.cftc import MODELLED_CFTC_CODES, land_sample_cftc
from ingestion.sample.estimates import land_sample_estimates
from ingestion.sample.fred import MODELLED_FRED_SERIES, land_sample_fred
from ingestion.sample.french import SAMPLE_FRENCH_FILES, land_sample_french
from ingestion.sample.instruments import sample_prices
from ingestion.sample.render import YAHOO_COLUMNS, land_sample_prices, render_yahoo_csv
from ingestion.sample.specs import SPECS as SPECS  # named in the error for symbols without a model
from ingestion.sample.world import (
    SAMPLE_END,
    SAMPLE_SEED,
    SAMPLE_START,
    SampleWorld,
    build_world,
    index_levels,
)

__all__ = [
    "MODELLED_CFTC_CODES",
    "SAMPLE_END",
    "MODELLED_FRED_SERIES",
    "SAMPLE_FRENCH_FILES",
    "SAMPLE_SEED",
    "SAMPLE_START",
    "YAHOO_COLUMNS",
    "SampleWorld",
    "build_world",
    "index_levels",
    "land_sample_cftc",
    "land_sample_estimates",
    "land_sample_fred",
    "land_sample_french",
    "land_sample_prices",
    "render_yahoo_csv",
    "sample_prices",
]
