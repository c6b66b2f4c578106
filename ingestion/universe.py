"""The instrument universe: one seed file read by both ingestion and dbt."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
INSTRUMENTS_SEED = REPO_ROOT / "dbt_project" / "seeds" / "instruments.csv"

QUOTE_TYPES = ("price", "yield")


@dataclass(frozen=True)
class Instrument:
    """One row of ``dbt_project/seeds/instruments.csv``."""

    symbol: str  # Yahoo symbol: ^RUT, IWM, ZQ=F
    name: str
    segment: str  # small_cap, large_cap, large_cap_tech, mega_cap, ...
    asset_class: str  # equity_index, etf, equity, index_future, rate_future, ...
    quote_type: str  # "price" (must be > 0) or "yield" (percent; may be zero or negative)
    first_date: dt.date  # first date upstream has data (approximate)


def load_universe(path: Path = INSTRUMENTS_SEED) -> list[Instrument]:
    """Read the instrument seed; errors name the file, line and problem."""
    expected = ["symbol", "name", "segment", "asset_class", "quote_type", "first_date"]
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != expected:
            raise ValueError(f"{path}: expected header {expected}, got {reader.fieldnames}")
        out: list[Instrument] = []
        seen: set[str] = set()
        for line, row in enumerate(reader, start=2):
            if row["symbol"] in seen:
                raise ValueError(f"{path} line {line}: duplicate symbol {row['symbol']!r}")
            if row["quote_type"] not in QUOTE_TYPES:
                raise ValueError(
                    f"{path} line {line}: quote_type must be one of {QUOTE_TYPES}, got {row['quote_type']!r}"
                )
            try:
                first = dt.date.fromisoformat(row["first_date"])
            except ValueError as e:
                raise ValueError(f"{path} line {line}: first_date {row['first_date']!r}: {e}") from e
            seen.add(row["symbol"])
            out.append(
                Instrument(
                    symbol=row["symbol"],
                    name=row["name"],
                    segment=row["segment"],
                    asset_class=row["asset_class"],
                    quote_type=row["quote_type"],
                    first_date=first,
                )
            )
    if not out:
        raise ValueError(f"{path}: no instruments")
    return out
