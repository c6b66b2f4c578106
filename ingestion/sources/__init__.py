"""Every upstream source, declared once: one module each (prices, fred, cftc, french, estimates,
shares), holding its raw table (columns, key, the values compared on reload), what it requests in
each mode (from the seeds), how each mode lands it (sample, snapshot, live), its parser, its
partitioning and its description (ingestion/sources/base.py ``Source``).

Orchestration makes one ingestion asset per source (orchestration/assets/ingestion.py), the warehouse
one raw table (warehouse/raw.py), and each source's gate is declared beside its suite
(expectations.TABLE_SUITES). docs/architecture.md "Adding a source" walks through it.
"""

from ingestion.sources import cftc, estimates, fred, french, prices, shares
from ingestion.sources.base import MODES, LandingRequest, RawTable, Source

PRICES = prices.SOURCE
FRED = fred.SOURCE
CFTC = cftc.SOURCE
FRENCH = french.SOURCE
ESTIMATES = estimates.SOURCE
SHARES = shares.SOURCE
SOURCES = (PRICES, FRED, CFTC, FRENCH, ESTIMATES, SHARES)

__all__ = [
    "CFTC", "ESTIMATES", "FRED", "FRENCH", "MODES", "PRICES", "SHARES", "SOURCES",
    "LandingRequest", "RawTable", "Source",
]  # fmt: skip
