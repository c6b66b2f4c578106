"""Analyst estimate snapshots and share counts from Yahoo Finance (yfinance ``Ticker``): their landing
format and its parser (``ingestion.estimates_fetch`` lands them).

Upstream keeps no history of estimates: each request returns today's consensus. The warehouse
builds the history itself, one snapshot per symbol and capture date (New York date of the capture).

**Landing format.** One JSON file per symbol and capture, ``<SYMBOL>_<YYYY-MM-DD>.json``, holding the
five yfinance tables exactly as the ``Ticker`` returned them (``DataFrame.to_json(orient="split")``:
index, columns, data) and the capture time::

    {"symbol": "AAPL", "captured_at": "2024-07-16T22:31:05+00:00",
     "tables": {"revenue_estimate": {"index": ["0q", "+1q", "0y", "+1y"], "columns": [...], "data": [...]},
                "earnings_estimate": ..., "eps_trend": ..., "eps_revisions": ..., "growth_estimates": ...}}

yfinance 1.7's frames (``yfinance/scrapers/analysis.py``) are indexed by ``period`` (``0q`` current
quarter, ``+1q`` next quarter, ``0y`` current fiscal year, ``+1y`` next fiscal year; growth_estimates
also ``+5y``/``-5y``, not kept here) with these columns:

- ``revenue_estimate``: avg, low, high, numberOfAnalysts, yearAgoRevenue, growth, currency;
- ``earnings_estimate``: avg, low, high, yearAgoEps, numberOfAnalysts, growth, currency;
- ``eps_trend``: current, 7daysAgo, 30daysAgo, 60daysAgo, 90daysAgo, currency;
- ``eps_revisions``: upLast7days, upLast30days, downLast30days, downLast7Days (sic), currency;
- ``growth_estimates``: stockTrend, industryTrend, sectorTrend, indexTrend.

A symbol upstream has no estimates for (ETFs, indices) comes back with empty frames, and so does a
failed request (yfinance hides the error): it is noted, and the gate fails unless the symbol is
optional (the ETF proxies). A live capture also re-reads every earlier live capture in landing, so
raw is rebuilt from landing each day. **Share counts** (``Ticker.get_shares_full``, a Series of shares outstanding indexed by
report time) land as ``<SYMBOL>.csv`` with columns ``timestamp,shares``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from ingestion.landing import (
    LandingBatch,
    UpstreamFileError,
    relative_to_home,
)
from ingestion.progress import Counter, Progress
from ingestion.schema import Column, names

log = logging.getLogger(__name__)

NEW_YORK = ZoneInfo("America/New_York")
PERIODS = ("0q", "+1q", "0y", "+1y")  # the periods kept: current/next quarter, current/next fiscal year
TABLES = ("revenue_estimate", "earnings_estimate", "eps_trend", "eps_revisions", "growth_estimates")

# yfinance column -> raw.estimate_snapshots column, per table (matched case-insensitively: yfinance
# writes downLast7Days next to downLast30days).
FIELDS: dict[str, dict[str, str]] = {
    "revenue_estimate": {
        "avg": "revenue_avg",
        "low": "revenue_low",
        "high": "revenue_high",
        "numberOfAnalysts": "revenue_analysts",
        "yearAgoRevenue": "revenue_year_ago",
        "growth": "revenue_growth",
    },
    "earnings_estimate": {
        "avg": "eps_avg",
        "low": "eps_low",
        "high": "eps_high",
        "numberOfAnalysts": "eps_analysts",
        "yearAgoEps": "eps_year_ago",
        "growth": "eps_growth",
    },
    "eps_trend": {
        "current": "eps_trend_current",
        "7daysAgo": "eps_trend_7d_ago",
        "30daysAgo": "eps_trend_30d_ago",
        "60daysAgo": "eps_trend_60d_ago",
        "90daysAgo": "eps_trend_90d_ago",
    },
    "eps_revisions": {
        "upLast7days": "eps_up_7d",
        "upLast30days": "eps_up_30d",
        "downLast7days": "eps_down_7d",
        "downLast30days": "eps_down_30d",
    },
    "growth_estimates": {"stockTrend": "growth_stock", "indexTrend": "growth_index"},
}
VALUE_COLUMNS = [column for fields in FIELDS.values() for column in fields.values()]
# The rows' columns, and the raw tables' (ingestion/sources/estimates.py, shares.py); the value
# columns are FIELDS' (tests/unit/test_estimates.py checks that they agree).
ESTIMATE_SCHEMA = (
    Column("symbol", "varchar", "Yahoo symbol (AAPL)", not_null=True),
    Column("capture_date", "date", "New York date of the capture (one snapshot a day)", not_null=True),
    Column("period", "varchar", "0q, +1q (current, next fiscal quarter), 0y, +1y (years)", not_null=True),
    Column("captured_at", "timestamptz", "when the snapshot was taken", not_null=True),
    Column("revenue_currency", "varchar", "currency of the revenue figures (USD)"),
    Column("revenue_avg", "double", "revenue_estimate: consensus (mean) revenue"),
    Column("revenue_low", "double"),
    Column("revenue_high", "double"),
    Column("revenue_analysts", "double", "numberOfAnalysts"),
    Column("revenue_year_ago", "double", "yearAgoRevenue: the same period a year earlier"),
    Column("revenue_growth", "double", "fraction: avg / year-ago - 1 as upstream sent it"),
    Column("eps_avg", "double", "earnings_estimate: consensus EPS"),
    Column("eps_low", "double"),
    Column("eps_high", "double"),
    Column("eps_analysts", "double"),
    Column("eps_year_ago", "double", "yearAgoEps"),
    Column("eps_growth", "double"),
    Column("eps_trend_current", "double", "eps_trend: consensus EPS now and 7/30/60/90 days ago"),
    Column("eps_trend_7d_ago", "double"),
    Column("eps_trend_30d_ago", "double"),
    Column("eps_trend_60d_ago", "double"),
    Column("eps_trend_90d_ago", "double"),
    Column("eps_up_7d", "double", "eps_revisions: analysts revising up/down in 7 and 30 days"),
    Column("eps_up_30d", "double"),
    Column("eps_down_7d", "double"),
    Column("eps_down_30d", "double"),
    Column("growth_stock", "double", "growth_estimates: stockTrend (fraction)"),
    Column("growth_index", "double", "growth_estimates: indexTrend (the S&P 500's, fraction)"),
)
ESTIMATE_COLUMNS = list(names(ESTIMATE_SCHEMA))
SHARES_SCHEMA = (
    Column("symbol", "varchar", "Yahoo symbol (AAPL)", not_null=True),
    Column("date", "date", "New York date of the count (last one reported that day)", not_null=True),
    Column("shares", "double", "shares outstanding (yfinance get_shares_full)", not_null=True),
)
SHARES_COLUMNS = list(names(SHARES_SCHEMA))


class EstimateFileError(UpstreamFileError):
    """An estimate snapshot or share-count landing file that cannot be read."""


def capture_date_of(captured_at: dt.datetime) -> dt.date:
    """The capture date of a snapshot: its New York calendar date (a capture after the close counts
    for that trading day)."""
    if captured_at.utcoffset() is None:
        raise ValueError(f"captured_at must be timezone-aware, got {captured_at!r}")
    return captured_at.astimezone(NEW_YORK).date()


# --- estimate snapshots: frames <-> landing file ---------------------------------------------------


Split = dict[str, list]  # a frame as DataFrame.to_dict(orient="split"): index, columns, data


def frame_split(frame: pd.DataFrame | None) -> Split:
    """A yfinance frame in the landing file's form (``to_json(orient="split")``; empty when None)."""
    if frame is None or frame.empty:
        return {"index": [], "columns": [], "data": []}
    return json.loads(frame.to_json(orient="split", double_precision=15))


def render_snapshot(symbol: str, captured_at: dt.datetime, tables: dict[str, Split]) -> bytes:
    """The landing file of one capture: the tables (split form) with the capture time."""
    capture_date_of(captured_at)  # tz-aware or an error
    empty: Split = {"index": [], "columns": [], "data": []}
    body = {
        "symbol": symbol,
        "captured_at": captured_at.astimezone(dt.UTC).isoformat(),
        "tables": {name: tables.get(name) or empty for name in TABLES},
    }
    return (json.dumps(body, separators=(",", ":")) + "\n").encode("utf-8")


def snapshot_file_name(symbol: str, captured_at: dt.datetime) -> str:
    return f"{symbol}_{capture_date_of(captured_at):%Y-%m-%d}.json"


def snapshot_symbol(path: Path) -> str:
    """The symbol in a snapshot file's name (``AAPL_2024-07-16.json``)."""
    return Path(path).stem.rsplit("_", 1)[0]


def snapshot_date(path: Path) -> dt.date:
    """The capture date in a snapshot file's name (``AAPL_2024-07-16.json``)."""
    try:
        return dt.date.fromisoformat(Path(path).stem.rsplit("_", 1)[1])
    except (IndexError, ValueError):
        raise EstimateFileError(path, "expected a name <SYMBOL>_<YYYY-MM-DD>.json") from None


def read_snapshot(path: Path) -> tuple[str, dt.datetime, dict[str, Split]]:
    """Symbol, capture time and tables (split form) of a landing file; an EstimateFileError names
    what is wrong."""
    path = Path(path)
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise EstimateFileError(
            path, f"expected a JSON estimate snapshot, got unreadable content ({e})"
        ) from e
    if not isinstance(body, dict):
        raise EstimateFileError(path, f"expected a JSON object, got {type(body).__name__}")
    missing = [k for k in ("symbol", "captured_at", "tables") if k not in body]
    if missing:
        raise EstimateFileError(
            path, f"expected keys symbol, captured_at and tables; missing {', '.join(missing)}"
        )
    try:
        captured_at = dt.datetime.fromisoformat(str(body["captured_at"]))
    except ValueError as e:
        raise EstimateFileError(
            path, f"captured_at: expected an ISO timestamp, got {body['captured_at']!r}"
        ) from e
    if captured_at.utcoffset() is None:
        raise EstimateFileError(path, f"captured_at: expected a timezone, got {body['captured_at']!r}")
    tables = body["tables"]
    for name, split in tables.items() if isinstance(tables, dict) else [("tables", tables)]:
        if not (
            isinstance(split, dict)
            and all(isinstance(split.get(k), list) for k in ("index", "columns", "data"))
            and len(split["data"]) == len(split["index"])
            and all(isinstance(r, list) and len(r) == len(split["columns"]) for r in split["data"])
        ):
            raise EstimateFileError(
                path, f"table {name}: expected index, columns and data of matching lengths"
            )
    return str(body["symbol"]), captured_at, tables


def parse_snapshot_tables(
    tables: dict[str, pd.DataFrame | Split], symbol: str, captured_at: dt.datetime, path: Path | None = None
) -> pd.DataFrame:
    """One row per period (0q, +1q, 0y, +1y) of one capture: ESTIMATE_COLUMNS.

    Pure: takes the yfinance frames (or their split form, as landed). Periods other than the four
    are ignored (growth_estimates' +5y, -5y); a period present in no table gives no row; a missing
    column is null. A value that is not a number (or null) raises EstimateFileError naming table,
    period and column."""
    return _estimates_frame(snapshot_records(tables, symbol, captured_at, path))


def _estimates_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    out = pd.DataFrame(records, columns=ESTIMATE_COLUMNS)
    out["capture_date"] = pd.to_datetime(out["capture_date"])
    out["captured_at"] = pd.to_datetime(out["captured_at"], utc=True)
    return out.astype({"symbol": "str", "period": "str", **{c: "float64" for c in VALUE_COLUMNS}})


def snapshot_records(
    tables: dict[str, pd.DataFrame | Split], symbol: str, captured_at: dt.datetime, path: Path | None = None
) -> list[dict[str, Any]]:
    """:func:`parse_snapshot_tables` as plain records (a batch builds one frame from all of them)."""
    where = Path(path) if path is not None else Path(f"{symbol} snapshot")
    capture_date = capture_date_of(captured_at)
    rows: dict[str, dict[str, Any]] = {}
    currency = None
    for name, fields in FIELDS.items():
        table = tables.get(name)
        split = frame_split(table) if isinstance(table, pd.DataFrame) or table is None else table
        position = {str(c).lower(): i for i, c in enumerate(split["columns"])}
        if name == "revenue_estimate" and "currency" in position:
            currency = next((r[position["currency"]] for r in split["data"] if r[position["currency"]]), None)
        periods = [str(p) for p in split["index"]]
        twice = sorted({p for p in periods if p in PERIODS and periods.count(p) > 1})
        if twice:
            raise EstimateFileError(where, f"{name}: expected each period once, got {', '.join(twice)} twice")
        for period, values in zip(split["index"], split["data"], strict=True):
            if str(period) not in PERIODS:
                continue
            row = rows.setdefault(str(period), {})
            for upstream, column in fields.items():
                if upstream.lower() in position:
                    row[column] = _number(
                        values[position[upstream.lower()]], where, f"{name} {period} {upstream}"
                    )
    return [
        {"symbol": symbol, "capture_date": capture_date, "period": period, "captured_at": captured_at,
         "revenue_currency": currency, **{c: values.get(c) for c in VALUE_COLUMNS}}
        for period in PERIODS
        if (values := rows.get(period)) is not None
    ]  # fmt: skip


def _number(value: Any, path: Path, what: str) -> float | None:
    if isinstance(value, dict) and "raw" in value:  # quoteSummary's {"raw": 0.12, "fmt": "12%"}
        value = value["raw"]
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise EstimateFileError(path, f"{what}: expected a number, got {value!r}")
    return float(value)


def empty_estimates() -> pd.DataFrame:
    return _estimates_frame([]).assign(landing_file=pd.Series([], dtype="str"))


def parse_estimates_batch(
    batch: LandingBatch, start_date: dt.date, home: Path, progress: Progress | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """Parse every snapshot file of a batch: ESTIMATE_COLUMNS + ``landing_file``, sorted by symbol,
    capture date and period; captures before ``start_date`` are dropped. Of two captures of a symbol
    on one day (a capture run twice), the later one counts and a note says so. Notes name the symbols
    whose files held no estimate (upstream has none for ETFs and indices). A file whose symbol or
    capture date differs from its name is an error: the name is what the load's bookkeeping trusts."""
    latest: dict[tuple[str, dt.date], tuple[dt.datetime, list[dict[str, Any]]]] = {}
    superseded = 0
    empty = []
    counter = Counter("estimates", len(batch.files), "files", "parsed", progress)
    for landed in batch.files:
        symbol, captured_at, tables = read_snapshot(landed.path)
        expected = snapshot_file_name(symbol, captured_at)
        if landed.path.name != expected:
            raise EstimateFileError(
                landed.path,
                f"expected the file of {symbol} captured {captured_at.isoformat()} to be named "
                f"{expected}, got {landed.path.name}",
            )
        found = snapshot_records(tables, symbol, captured_at, landed.path)
        if not found:
            empty.append(symbol)
        landing_file = relative_to_home(landed.path, home)
        kept = [{**r, "landing_file": landing_file} for r in found if r["capture_date"] >= start_date]
        key = (symbol, capture_date_of(captured_at))
        if key in latest:
            superseded += 1
            if latest[key][0] > captured_at:
                continue
        latest[key] = (captured_at, kept)
        counter.advance(landed.path.name, rows=len(kept))
    records = [r for _, kept in latest.values() for r in kept]
    notes = []
    if superseded:
        notes.append(f"{superseded} capture(s) replaced by a later capture of the same symbol and day")
    if empty:
        notes.append(
            f"no analyst estimates upstream for {', '.join(sorted(set(empty)))} (Yahoo has none for "
            "ETFs and indices); nothing loaded for them"
        )
    if not records:
        return empty_estimates(), notes
    out = _estimates_frame(records).assign(landing_file=[r["landing_file"] for r in records])
    return out.sort_values(["symbol", "capture_date", "period"], kind="stable").reset_index(drop=True), notes


# --- share counts ------------------------------------------------------------------------------------


def parse_shares_file(path: Path, symbol: str) -> pd.DataFrame:
    """``timestamp,shares`` (get_shares_full as landed) -> SHARES_COLUMNS, one row per New York date:
    the median of the counts reported that day (Yahoo's history has same-day duplicates that disagree,
    yfinance issue #1954). Timestamps without an offset are New York times."""
    try:
        frame = pd.read_csv(path, dtype={"timestamp": "str"})
    except (ValueError, pd.errors.ParserError) as e:
        raise EstimateFileError(path, f"expected a CSV timestamp,shares ({e})") from e
    if list(frame.columns) != ["timestamp", "shares"]:
        raise EstimateFileError(
            path, f"expected the header timestamp,shares, got {','.join(map(str, frame.columns))}"
        )
    text = frame["timestamp"].astype("str")
    aware = text.str.contains(r"(?:[+-]\d\d:?\d\d|Z)$", regex=True)
    stamps = pd.concat(
        [
            pd.to_datetime(text[aware], errors="coerce", utc=True).dt.tz_convert(NEW_YORK),
            pd.to_datetime(text[~aware], errors="coerce").dt.tz_localize(NEW_YORK),
        ]
    ).sort_index()
    shares = pd.to_numeric(frame["shares"], errors="coerce")
    bad = stamps.isna() | shares.isna()
    if bad.any():
        i = int(bad.idxmax())
        raise EstimateFileError(
            path, f"expected a timestamp and a share count, got {frame.iloc[i].tolist()!r}", line=i + 2
        )
    out = pd.DataFrame(
        {
            "symbol": symbol,
            "date": stamps.dt.tz_localize(None).dt.normalize(),
            "shares": shares.astype("float64"),
        }
    )
    return out.groupby(["symbol", "date"], as_index=False, sort=True)["shares"].median()


def parse_shares_batch(
    batch: LandingBatch, start_date: dt.date, home: Path, progress: Progress | None = None
) -> tuple[pd.DataFrame, list[str]]:
    frames = []
    for landed in batch.files:
        frame = parse_shares_file(landed.path, landed.symbols[0])
        frames.append(
            frame[frame["date"] >= pd.Timestamp(start_date)].assign(
                landing_file=relative_to_home(landed.path, home)
            )
        )
    if not frames:
        return pd.DataFrame({"symbol": pd.Series([], dtype="str"), "date": pd.Series([], dtype="datetime64[ns]"),
                             "shares": pd.Series([], dtype="float64"), "landing_file": pd.Series([], dtype="str")}), []  # fmt: skip
    return pd.concat(frames, ignore_index=True), []
