"""Dated (individual-month) short-rate futures contracts: the deferred fed funds and SOFR strip.

Yahoo quotes each listed contract month under its own symbol, ``<root><month code><yy>.<exchange>``:
``ZQQ24.CBT`` is the August 2024 30-day fed funds contract (CBOT), ``SR3U24.CME`` the 3-month SOFR
contract of September 2024 (CME), with the month codes F G H J K M N Q U V X Z for January..December.
The continuous ``ZQ=F`` and ``SR3=F`` of the instrument seed are the front contract of these strips.

The warehouse names deferred contracts by their dated symbol, as a rates desk does (a "second month"
changes meaning every month; "ZQQ24" does not): ``dbt_project/seeds/rate_futures_contracts.csv``
lists every contract with its reference period and last trading day, and is generated from the rules
below (``python -m ingestion.rate_contracts`` rewrites it; a unit test holds the file equal to the
rules). The contracts are live-only upstream: the shared snapshot has none, the sample generates
them (ingestion/sample/instruments.py) and ``live`` downloads those a run's window needs.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import sys
from dataclasses import dataclass
from pathlib import Path

from ingestion.universe import SEEDS_DIR, SYMBOL_RE, Instrument, check_identifier

CONTRACTS_SEED = SEEDS_DIR / "rate_futures_contracts.csv"

# Futures month codes, January..December.
MONTH_CODES = "FGHJKMNQUVXZ"


@dataclass(frozen=True)
class Strip:
    """A short-rate futures strip: how its dated contracts are named, listed and settled."""

    root: str  # CME Globex root: ZQ, SR3
    exchange: str  # Yahoo's exchange suffix: CBT (CBOT), CME
    continuous_symbol: str  # the instrument seed's continuous front month (ZQ=F, SR3=F)
    months: tuple[int, ...]  # contract months listed (every month, or Mar/Jun/Sep/Dec)
    first_month: dt.date  # first contract month the seed lists
    last_month: dt.date  # last contract month the seed lists
    # How many months before its contract month a contract is read (first_date in the seed): the
    # next three FOMC meetings need at most the sixth month ahead (ZQ); SR3 a year of the strip.
    months_read_ahead: int
    name: str  # readable name, completed by the contract month


STRIPS: dict[str, Strip] = {
    s.root: s
    for s in (
        Strip(
            "ZQ",
            "CBT",
            "ZQ=F",
            tuple(range(1, 13)),
            dt.date(2000, 1, 1),
            dt.date(2027, 12, 1),
            7,
            "30-Day Fed Funds futures",
        ),
        Strip(
            "SR3",
            "CME",
            "SR3=F",
            (3, 6, 9, 12),
            dt.date(2018, 6, 1),
            dt.date(2027, 12, 1),
            12,
            "3-Month SOFR futures",
        ),
    )
}

SEED_COLUMNS = [
    "symbol",
    "root",
    "continuous_symbol",
    "contract_month",
    "reference_start",
    "reference_end",
    "last_trade_date",
    "first_date",
]


@dataclass(frozen=True)
class Contract:
    """One row of ``rate_futures_contracts.csv``."""

    symbol: str  # ZQQ24.CBT
    root: str  # ZQ
    continuous_symbol: str  # ZQ=F
    contract_month: dt.date  # first day of the contract month
    reference_start: dt.date  # first day of the rate averaged (ZQ: the month; SR3: the IMM date)
    reference_end: dt.date  # last day of the rate averaged, inclusive
    last_trade_date: dt.date  # last US business day on or before reference_end: its last bar
    first_date: dt.date  # first day the warehouse reads it (Strip.months_read_ahead before its month)


def contract_symbol(root: str, month: dt.date) -> str:
    """``ZQQ24.CBT`` for root ZQ and August 2024: root, month code, two-digit year, exchange."""
    strip = STRIPS[root]
    return f"{root}{MONTH_CODES[month.month - 1]}{month.year % 100:02d}.{strip.exchange}"


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def third_wednesday(month: dt.date) -> dt.date:
    """The IMM date of ``month``: its third Wednesday."""
    first = month.replace(day=1)
    return first + dt.timedelta(days=(2 - first.weekday()) % 7 + 14)


def _business_day_on_or_before(day: dt.date) -> dt.date:
    """The latest US business day on or before ``day``: a weekday that is no Federal Reserve holiday
    (no fed funds rate or SOFR is published then, and CME's interest rate contracts do not expire;
    CME's Globex calendar counts holidays with a short session, such as Memorial Day, as sessions).
    The Fed's holidays are the federal ones, except that one falling on a Saturday is not observed
    on the Friday before: Friday December 31 (New Year's Day on a Saturday) is a business day."""
    from pandas.tseries.holiday import USFederalHolidayCalendar

    holidays = {
        d.date()
        for d in USFederalHolidayCalendar().holidays(day - dt.timedelta(days=14), day)
        if not (d.month == 12 and d.day == 31)
    }
    while day.weekday() >= 5 or day in holidays:
        day -= dt.timedelta(days=1)
    return day


def contracts_of(strip: Strip) -> list[Contract]:
    """Every contract of ``strip`` from its first to its last listed month.

    ZQ: averages the daily effective fed funds rate over the calendar month; trades to the month's
    last business day. SR3: compounds SOFR over the reference quarter from the contract month's IMM
    date to the IMM date three months later (exclusive); trades to the business day before that end.
    """
    out = []
    month = strip.first_month
    while month <= strip.last_month:
        if month.month in strip.months:
            if strip.root == "ZQ":
                start = month
                end = _add_months(month, 1) - dt.timedelta(days=1)
                last_trade = _business_day_on_or_before(end)
            else:
                start = third_wednesday(month)
                end = third_wednesday(_add_months(month, 3)) - dt.timedelta(days=1)
                last_trade = _business_day_on_or_before(end)
            out.append(
                Contract(
                    symbol=contract_symbol(strip.root, month),
                    root=strip.root,
                    continuous_symbol=strip.continuous_symbol,
                    contract_month=month,
                    reference_start=start,
                    reference_end=end,
                    last_trade_date=last_trade,
                    first_date=_add_months(month, -strip.months_read_ahead),
                )
            )
        month = _add_months(month, 1)
    return out


def generated_contracts() -> list[Contract]:
    """The seed's rows as the rules give them, strip by strip, oldest first."""
    return [c for strip in STRIPS.values() for c in contracts_of(strip)]


def render_seed(contracts: list[Contract]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SEED_COLUMNS)
    for c in contracts:
        writer.writerow([getattr(c, column) for column in SEED_COLUMNS])
    return out.getvalue()


def load_contracts(path: Path = CONTRACTS_SEED) -> list[Contract]:
    """Read the contracts seed; errors name the file, line and problem."""
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != SEED_COLUMNS:
            raise ValueError(f"{path}: expected header {SEED_COLUMNS}, got {reader.fieldnames}")
        out = []
        for line, row in enumerate(reader, start=2):
            where = f"{path} line {line}"
            check_identifier(row["symbol"], SYMBOL_RE, "symbol", where)
            if row["root"] not in STRIPS:
                raise ValueError(f"{where}: root must be one of {tuple(STRIPS)}, got {row['root']!r}")
            try:
                dates = {
                    k: dt.date.fromisoformat(row[k])
                    for k in (
                        "contract_month",
                        "reference_start",
                        "reference_end",
                        "last_trade_date",
                        "first_date",
                    )
                }
            except ValueError as e:
                raise ValueError(f"{where}: {e}") from e
            out.append(
                Contract(
                    symbol=row["symbol"],
                    root=row["root"],
                    continuous_symbol=row["continuous_symbol"],
                    **dates,
                )
            )
    return out


def contract_instruments(contracts: list[Contract] | None = None) -> list[Instrument]:
    """The dated contracts as instruments (prices, CME session, no roll: a dated contract never
    switches), for the price gate, the partial-bar rule and the sample generator."""
    out = []
    for c in contracts if contracts is not None else load_contracts():
        strip = STRIPS[c.root]
        out.append(
            Instrument(
                symbol=c.symbol,
                name=f"{strip.name}, {c.contract_month:%B %Y} contract",
                segment="front_end_rates",
                asset_class="rate_future",
                quote_type="price",
                first_date=c.first_date,
                roll_rule="none",
                session="cme",
            )
        )
    return out


@functools.cache
def contract_dates() -> dict[str, tuple[dt.date, dt.date]]:
    """Symbol -> (first date read, last trading day) of every contract of the seed: a load window
    outside them does not expect the contract (warehouse.raw.expected_in_window)."""
    return {c.symbol: (c.first_date, c.last_trade_date) for c in load_contracts()}


def contracts_in_window(
    start: dt.date, end: dt.date | None, contracts: list[Contract] | None = None
) -> list[str]:
    """Symbols of the contracts read on some day of ``start``..``end`` (exclusive; None = open):
    those whose ``first_date``..``last_trade_date`` overlaps the window. A live run asks Yahoo for
    these only, not for 25 years of expired months on every run."""
    return [
        c.symbol
        for c in (contracts if contracts is not None else load_contracts())
        if c.last_trade_date >= start and (end is None or c.first_date < end)
    ]


def main(argv: list[str] | None = None) -> int:
    """``python -m ingestion.rate_contracts`` rewrites the seed from the rules; ``--check`` only
    compares (exit 1 when the file differs)."""
    argv = sys.argv[1:] if argv is None else argv
    text = render_seed(generated_contracts())
    if "--check" in argv:
        same = CONTRACTS_SEED.exists() and CONTRACTS_SEED.read_text(encoding="utf-8") == text
        print(
            f"{CONTRACTS_SEED}: {'up to date' if same else 'differs from the rules; run python -m ingestion.rate_contracts'}"
        )
        return 0 if same else 1
    CONTRACTS_SEED.write_text(text, encoding="utf-8")
    print(f"wrote {CONTRACTS_SEED} ({text.count(chr(10)) - 1} contracts)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
