"""The instrument universe: one seed file read by both ingestion and dbt."""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from ingestion.calendar import session_close
from ingestion.settings import DBT_PROJECT_DIR

SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
INSTRUMENTS_SEED = SEEDS_DIR / "instruments.csv"

# What a symbol or series id may look like before it reaches a file path, a URL or SQL: Yahoo symbols
# (^RUT, ZQ=F, BRK-B, BF.B), FRED ids (DGS2, T10Y2Y). No path separators, no "..", no spaces or
# quotes: configuration cannot traverse paths or inject into queries and requests.
SYMBOL_RE = re.compile(r"[A-Za-z0-9^][A-Za-z0-9^=._-]{0,23}")
SERIES_ID_RE = re.compile(r"[A-Z0-9][A-Z0-9_]{0,29}")


def check_identifier(value: str, pattern: re.Pattern, what: str, where: str) -> str:
    """``value`` if it matches ``pattern`` in full and has no "..", else a ValueError naming it."""
    if not pattern.fullmatch(value) or ".." in value:
        raise ValueError(
            f"{where}: {what} {value!r} is not allowed; expected letters, digits and ^ = . _ - "
            f"(pattern {pattern.pattern}, no '..')"
        )
    return value


QUOTE_TYPES = ("price", "yield")
# When a continuous front-month future switches contracts (its first trading day of a roll month);
# "none" for everything that is not a continuous future (and for futures no mart reads yet).
ROLL_RULES = ("none", "monthly", "quarterly_jan_apr_jul_oct", "quarterly_imm")


@dataclass(frozen=True)
class Session:
    """When an instrument's trading day ends: a bar dated D is final once the clock has passed the end
    of D's session (``end_on``). A bar captured earlier (on D, or dated after its capture day) is
    partial."""

    name: str  # the instruments seed's session value
    ends: dt.time  # local end of a regular session (the last print of the day's bar)
    zone: str  # IANA time zone of ``ends``
    description: str
    # The exchange_calendars code whose per-date closes apply (ingestion/calendar.py), None where the
    # library has no calendar of the market.
    calendar: str | None = None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    def end_on(self, day: dt.date) -> dt.datetime:
        """The instant the session of ``day`` ends (tz-aware, in ``zone``): ``ends`` on that day, or the
        exchange's earlier close when the calendar has one that day (an early close: 13:00 New York
        on the day after Thanksgiving). The earlier of the two, never the later: for XNYS and XLON the
        library's regular close is ``ends`` itself (a unit test holds them equal), and CMES's regular
        close, 17:00 Chicago, is where its day is cut (Globex reopens then), an hour after the last
        print of the day's bar. A day that is no session of the calendar ends at ``ends``."""
        regular = dt.datetime.combine(day, self.ends, tzinfo=self.tz)
        if self.calendar is None:
            return regular
        close = session_close(self.calendar, day)
        return regular if close is None or close >= regular else close.astimezone(self.tz)


# The sessions of instruments.csv (column session). Regular end times are the exchanges' own; early
# closes come per date from exchange_calendars (``calendar``); daylight saving is the zone's
# (zoneinfo), so 16:00 New York is 21:00 UTC in winter and 20:00 UTC in summer.
SESSIONS: dict[str, Session] = {
    s.name: s
    for s in (
        Session(
            "us_cash",
            dt.time(16, 0),
            "America/New_York",
            "US cash market close (NYSE, Nasdaq; S&P, Russell and Nasdaq indices; ETFs, stocks, ^IRX)",
            calendar="XNYS",
        ),
        # A hand rule, without early closes: exchange_calendars has no calendar of Cboe's index
        # calculation (its XCBF is the Cboe Futures Exchange, VIX futures, another market).
        Session(
            "cboe_volatility",
            dt.time(16, 15),
            "America/New_York",
            "Cboe volatility indices (^VIX, ^VXN): calculated until 16:15 New York time",
        ),
        Session(
            "cme",
            dt.time(17, 0),
            "America/New_York",
            "CME Globex daily session end, 17:00 New York (16:00 Chicago): every =F future",
            calendar="CMES",
        ),
        Session(
            "london",
            dt.time(16, 30),
            "Europe/London",
            "London Stock Exchange close (^FTSE)",
            calendar="XLON",
        ),
    )
}
# A symbol outside the instruments seed (a hand-made file, a multi-ticker download of other symbols)
# is judged by this session.
DEFAULT_SESSION = "us_cash"


@dataclass(frozen=True)
class Instrument:
    """One row of ``dbt_project/seeds/instruments.csv``."""

    symbol: str  # Yahoo symbol: ^RUT, IWM, ZQ=F
    name: str
    segment: str  # small_cap, large_cap, large_cap_tech, mega_cap, ...
    asset_class: str  # equity_index, etf, equity, index_future, rate_future, ...
    quote_type: str  # "price" (must be > 0) or "yield" (percent; may be zero or negative)
    first_date: dt.date  # first date upstream has data (approximate)
    roll_rule: str = "none"  # see ROLL_RULES
    session: str = DEFAULT_SESSION  # see SESSIONS: when a bar of the instrument is final


def load_universe(path: Path = INSTRUMENTS_SEED) -> list[Instrument]:
    """Read the instrument seed; errors name the file, line and problem."""
    expected = [
        "symbol",
        "name",
        "segment",
        "asset_class",
        "quote_type",
        "first_date",
        "roll_rule",
        "session",
    ]
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != expected:
            raise ValueError(f"{path}: expected header {expected}, got {reader.fieldnames}")
        out: list[Instrument] = []
        seen: set[str] = set()
        for line, row in enumerate(reader, start=2):
            check_identifier(row["symbol"], SYMBOL_RE, "symbol", f"{path} line {line}")
            if row["symbol"] in seen:
                raise ValueError(f"{path} line {line}: duplicate symbol {row['symbol']!r}")
            if row["quote_type"] not in QUOTE_TYPES:
                raise ValueError(
                    f"{path} line {line}: quote_type must be one of {QUOTE_TYPES}, got {row['quote_type']!r}"
                )
            if row["roll_rule"] not in ROLL_RULES:
                raise ValueError(
                    f"{path} line {line}: roll_rule must be one of {ROLL_RULES}, got {row['roll_rule']!r}"
                )
            if row["session"] not in SESSIONS:
                raise ValueError(
                    f"{path} line {line}: session must be one of {tuple(SESSIONS)}, got {row['session']!r}"
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
                    roll_rule=row["roll_rule"],
                    session=row["session"],
                )
            )
    if not out:
        raise ValueError(f"{path}: no instruments")
    return out


def instrument_sessions(universe: list[Instrument] | None = None) -> dict[str, Session]:
    """Symbol -> the session that decides when its bars are final (instruments.csv column session;
    by default with the dated rate futures contracts of ingestion.rate_contracts, on the cme session)."""
    return {i.symbol: SESSIONS[i.session] for i in universe or price_instruments()}


def price_instruments() -> list[Instrument]:
    """Every symbol raw.prices may hold: the instrument seed and the dated rate futures contracts
    (dbt_project/seeds/rate_futures_contracts.csv), which are not listed one by one in the seed."""
    from ingestion.rate_contracts import contract_instruments  # imports this module

    return [*load_universe(), *contract_instruments()]


RATE_SERIES_SEED = SEEDS_DIR / "rate_series.csv"
RATE_KINDS = ("fred", "yield_quote", "futures_implied")


@dataclass(frozen=True)
class RateSeries:
    """One row of ``dbt_project/seeds/rate_series.csv``: a front-end rate the warehouse tracks."""

    rate_series: str  # DGS2, ZQ=F_IMPLIED
    name: str
    kind: str  # fred | yield_quote (a Yahoo symbol quoted in percent) | futures_implied (100 - price)
    upstream_id: str  # FRED series id or Yahoo symbol (whose roll_rule, if a future, applies)
    live_only: bool  # only the live source has it (the snapshot and sample do not)
    for_sensitivity: bool  # used as a rate in marts.rate_sensitivity


def load_rate_series(path: Path = RATE_SERIES_SEED) -> list[RateSeries]:
    """Read the rate-series seed; errors name the file, line and problem."""
    expected = ["rate_series", "name", "kind", "upstream_id", "live_only", "for_sensitivity"]
    booleans = {"true": True, "false": False}
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != expected:
            raise ValueError(f"{path}: expected header {expected}, got {reader.fieldnames}")
        out: list[RateSeries] = []
        for line, row in enumerate(reader, start=2):
            if row["kind"] not in RATE_KINDS:
                raise ValueError(f"{path} line {line}: kind must be one of {RATE_KINDS}, got {row['kind']!r}")
            if row["kind"] == "fred":
                check_identifier(row["upstream_id"], SERIES_ID_RE, "FRED series id", f"{path} line {line}")
            else:
                check_identifier(row["upstream_id"], SYMBOL_RE, "symbol", f"{path} line {line}")
            for column in ("live_only", "for_sensitivity"):
                if row[column] not in booleans:
                    raise ValueError(
                        f"{path} line {line}: {column} must be true or false, got {row[column]!r}"
                    )
            out.append(
                RateSeries(
                    rate_series=row["rate_series"],
                    name=row["name"],
                    kind=row["kind"],
                    upstream_id=row["upstream_id"],
                    live_only=booleans[row["live_only"]],
                    for_sensitivity=booleans[row["for_sensitivity"]],
                )
            )
    return out


def fred_series_ids(source: str, path: Path = RATE_SERIES_SEED) -> list[str]:
    """The FRED series a source provides: all of them live, the others without the live-only ones."""
    return [
        r.upstream_id
        for r in load_rate_series(path)
        if r.kind == "fred" and (source == "live" or not r.live_only)
    ]


CFTC_MARKETS_SEED = SEEDS_DIR / "cftc_markets.csv"


def cftc_codes(path: Path = CFTC_MARKETS_SEED) -> list[str]:
    """The CFTC contract market codes the warehouse loads (``dbt_project/seeds/cftc_markets.csv``).
    Codes are strings (13874A); markets are matched on code because names change over the years."""
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if not reader.fieldnames or "cftc_code" not in reader.fieldnames:
            raise ValueError(f"{path}: expected a cftc_code column, got {reader.fieldnames}")
        codes = [row["cftc_code"].strip() for row in reader]
    if not codes or len(set(codes)) != len(codes):
        raise ValueError(f"{path}: expected unique, non-empty cftc_code values, got {codes}")
    return codes


MEGA_CAP_SEGMENT = "mega_cap"
# ETF proxies whose estimates are asked for too: Yahoo has none for ETFs today, and the fetch notes
# that rather than failing, so they count as soon as upstream starts sending them.
ESTIMATE_PROXY_SEGMENTS = ("small_cap", "large_cap", "large_cap_tech")


def megacap_symbols(universe: list[Instrument] | None = None) -> list[str]:
    """The mega caps (segment mega_cap of instruments.csv): concentration and revisions breadth."""
    return [i.symbol for i in universe or load_universe() if i.segment == MEGA_CAP_SEGMENT]


def estimate_symbols(universe: list[Instrument] | None = None) -> list[str]:
    """Symbols whose analyst estimates are captured: the mega caps, then the small- and large-cap
    ETF proxies (IWM, IJR, SPY, IWB, QQQ)."""
    universe = universe or load_universe()
    proxies = [i.symbol for i in universe if i.asset_class == "etf" and i.segment in ESTIMATE_PROXY_SEGMENTS]
    return [*megacap_symbols(universe), *proxies]
