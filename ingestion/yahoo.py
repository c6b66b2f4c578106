"""Yahoo Finance prices: parse the landed upstream files into rows (``ingestion.yahoo_fetch`` lands them).

Three CSV dialects are read, detected from the header (never from the file name); column order does
not matter:

- ``auto_adjusted``: ``Date,Close,High,Low,Open,Volume`` (yfinance ``auto_adjust=True``: no Adj Close,
  Close is already adjusted).
- ``multi_header``: ``Price,Adj Close,Close,...`` / ``Ticker,^NDX,...`` / ``Date,,,...`` (what
  ``yf.download(..., auto_adjust=False, group_by="column", multi_level_index=True).to_csv()`` writes,
  for one ticker or several).
- ``close_only``: ``Date,Close`` (adjusted close).

Parsing returns long rows (one per symbol and date) with the columns ``PRICE_COLUMNS``. Errors name the
file, the physical line, what was expected and what came. Nothing here validates prices: that is the
quality gate's job.

A landing batch of many files is read by ``ingestion.yahoo_batch``: the clean files by DuckDB's CSV
reader, every other file by ``parse_price_file`` here, the one statement of the rules above and the
one that explains a problem.

Dates: a bar's date is its exchange-local trading date. A date alone, or a timestamp at midnight
(``2024-06-14``, ``2024-06-14 00:00:00-04:00`` as yfinance writes it, ``2024-06-14T00:00:00Z`` as
vendors label a day in UTC), is a date label: taken as written. A timestamp with a time of day and a
UTC offset is an instant: converted to the zone of the instrument's session
(``ingestion.universe.SESSIONS``: New York, London for ^FTSE) and dated there, so
``2024-06-15 05:00:00+09:00`` (Friday's 16:00 New York close written in Tokyo time) is 2024-06-14,
never shifted across midnight into a weekend. A time of day without an offset is taken as written
(exchange-local). Two rows on one date after converting are a PriceFileError naming both lines; a
date that is no session of its instrument is left to the gate (bars on sessions only).

A bar is a close only if it was captured after its session ended (``is_partial``): with the file's
capture time (live: when it was downloaded; snapshot: ``captured_at.csv``; sample: generated as if
captured after its last day), a bar dated D is partial when the capture came before the end of D's
session in the instrument's zone (``ingestion.universe.SESSIONS``: us_cash 16:00 New York,
cboe_volatility 16:15 New York, cme 17:00 New York, london 16:30 London; earlier on the exchange's
early closes, per date from exchange_calendars: 13:00 New York on the day after Thanksgiving, 12:00
Chicago at CME, 12:30 London on Christmas Eve; none for Cboe's indices). Without a capture time the
last bar is judged by what it shows (``_heuristic_reason``: a time of day, or volume 0 after traded
days). Partial bars are kept, flagged, with a note each; no model reads them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ingestion.landing import (
    UpstreamFileError,
)
from ingestion.schema import Column, names
from ingestion.universe import DEFAULT_SESSION, SESSIONS, Session

log = logging.getLogger(__name__)

# The rows' columns, and raw.prices' (ingestion/sources/prices.py).
PRICE_SCHEMA = (
    Column("symbol", "varchar", "Yahoo symbol (^RUT, IWM, ZQ=F)", not_null=True),
    Column("date", "date", "exchange-local trading date", not_null=True),
    Column("open", "double"),
    Column("high", "double"),
    Column("low", "double"),
    Column("close", "double", "Close as upstream sent it"),
    Column("adj_close", "double", "Adj Close where upstream sent one"),
    Column("volume", "double"),
    Column(
        "close_is_adjusted", "boolean", "upstream's Close is itself adjusted (auto_adjust)", not_null=True
    ),
    Column(
        "is_partial",
        "boolean",
        "captured before its session ended (not a close): kept for inspection, excluded from staging and the gate",
        not_null=True,
        default="false",
    ),
)
PRICE_COLUMNS = names(PRICE_SCHEMA)
VALUE_COLUMNS = ("open", "high", "low", "close", "adj_close", "volume")

# Upstream field name -> our column name.
FIELDS = {
    "Adj Close": "adj_close",
    "Close": "close",
    "High": "high",
    "Low": "low",
    "Open": "open",
    "Volume": "volume",
}
OHLCV = ("Close", "High", "Low", "Open", "Volume")
EXPECTED_HEADERS = (
    "'Date,Close,High,Low,Open,Volume' (auto-adjusted), "
    "'Price,Adj Close,Close,High,Low,Open,Volume' + 'Ticker,...' + 'Date,,...' (multi-header) "
    "or 'Date,Close' (close only), in any column order"
)

NO_CAPTURE_TIMES_NOTE = (
    "the snapshot has no capture times ({path} not found): each file's last bar is judged by the "
    "heuristic (a time of day, or volume 0 after traded days, makes it partial), which is wrong both "
    "ways on real data; add captured_at.csv (docs/data-quality.md, partial bars) to decide by the session end"
)
VOLUME_LOOKBACK = 20  # the heuristic's volume-0 rule: the last bar against this many before it

_DATE_RE = re.compile(
    r"(\d{4}-\d{2}-\d{2})"
    r"(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?"
)


class PriceFileError(UpstreamFileError):
    """A price file that cannot be read: names the file, the line where known and the problem."""


@dataclass
class ParsedPrices:
    """One parsed price file."""

    path: Path
    dialect: str  # "auto_adjusted" | "multi_header" | "close_only"
    # Columns PRICE_COLUMNS: date datetime64[us] (exchange-local date: the date rule), values float64 (NaN
    # where absent), symbol str, close_is_adjusted bool, is_partial bool (captured before its session
    # ended: not a close; see the module docstring).
    frame: pd.DataFrame
    dropped: list[str] = field(default_factory=list)  # one note per dropped row or group of rows
    partial: list[str] = field(default_factory=list)  # one note per bar kept with is_partial true


# --------------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileLayout:
    """Where each (ticker, field) lives in a data row."""

    dialect: str
    header_lines: int
    n_fields: int
    date_index: int
    columns: dict[tuple[str, str], int]  # (ticker, upstream field) -> field index; ticker "" if one
    tickers: tuple[str, ...]  # tickers as written in the file ("" for single-line headers)


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    if not raw:
        raise PriceFileError(path, "empty file (0 bytes); expected a header line and data rows", line=1)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise PriceFileError(path, f"not UTF-8 text ({e}); expected a CSV file") from e


def _read_rows(text: str) -> list[tuple[int, list[str]]]:
    """Non-blank CSV rows with their 1-based physical line numbers."""
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    start = 1
    for fields in reader:
        if fields and any(f.strip() for f in fields):
            rows.append((start, [f.strip() for f in fields]))
        start = reader.line_num + 1
    return rows


def _header_problem(path: Path, got: list[str], line: int = 1) -> PriceFileError:
    return PriceFileError(
        path, f"unknown header; expected {EXPECTED_HEADERS}, got {','.join(got)!r}", line=line
    )


def _check_unique(path: Path, names: Sequence[Any], line: int, got: list[str]) -> None:
    seen: set[Any] = set()
    for name in names:
        if name in seen:
            raise PriceFileError(
                path, f"column {name!r} appears twice in the header; got {','.join(got)!r}", line
            )
        seen.add(name)


def _single_header_layout(path: Path, header: list[str]) -> FileLayout:
    names = set(header)
    _check_unique(path, header, 1, header)
    allowed = {"Date", *OHLCV}
    if not names <= allowed or not names & {"Date", "Close"}:
        raise _header_problem(path, header)
    if names & {"High", "Low", "Open", "Volume"}:
        dialect, required = "auto_adjusted", ("Date", *OHLCV)
    else:
        dialect, required = "close_only", ("Date", "Close")
    missing = [c for c in required if c not in names]
    if missing:
        raise PriceFileError(
            path,
            f"missing required column(s) {', '.join(missing)}; the {dialect} dialect requires "
            f"{','.join(required)}, got {','.join(header)!r}",
            line=1,
        )
    columns = {("", name): i for i, name in enumerate(header) if name != "Date"}
    return FileLayout(dialect, 1, len(header), header.index("Date"), columns, ("",))


def _multi_header_layout(path: Path, rows: list[tuple[int, list[str]]]) -> FileLayout:
    (l1, prices), *rest = rows[:3]
    if len(rest) < 2 or rest[0][1][0] != "Ticker" or rest[1][1][0] != "Date":
        got = " / ".join(",".join(r) for _, r in rows[:3])
        raise PriceFileError(
            path,
            "incomplete multi-line header; expected 'Price,...' then 'Ticker,...' then 'Date,,...', "
            f"got {got!r}",
            line=l1,
        )
    (l2, tickers), (l3, dates) = rest
    for line, row in ((l2, tickers), (l3, dates)):
        if len(row) != len(prices):
            raise PriceFileError(
                path,
                f"header line has {len(row)} fields; expected {len(prices)} like the 'Price' line",
                line,
            )
    if any(dates[1:]):
        raise PriceFileError(path, f"expected 'Date' followed by empty fields, got {','.join(dates)!r}", l3)
    unknown = [p for p in prices[1:] if p not in FIELDS]
    if unknown:
        raise PriceFileError(
            path,
            f"unknown price field(s) {', '.join(unknown)}; expected {', '.join(FIELDS)}, "
            f"got {','.join(prices)!r}",
            line=l1,
        )
    if not all(tickers[1:]):
        raise PriceFileError(path, f"empty ticker in the 'Ticker' line; got {','.join(tickers)!r}", line=l2)
    pairs = list(zip(tickers[1:], prices[1:], strict=True))
    _check_unique(path, pairs, l1, prices)
    distinct = tuple(dict.fromkeys(tickers[1:]))
    for ticker in distinct:
        missing = [f for f in OHLCV if (ticker, f) not in pairs]
        if missing:
            raise PriceFileError(
                path,
                f"missing required column(s) {', '.join(missing)} for ticker {ticker}; required "
                f"{', '.join(OHLCV)} (Adj Close optional), got {','.join(prices)!r}",
                line=l1,
            )
    columns = {pair: i for i, pair in enumerate(pairs, start=1)}
    return FileLayout("multi_header", 3, len(prices), 0, columns, distinct)


def file_layout(path: Path, rows: list[tuple[int, list[str]]]) -> FileLayout:
    header = rows[0][1]
    if header[0] == "Price":
        return _multi_header_layout(path, rows)
    return _single_header_layout(path, header)


def _parse_dates(
    path: Path, values: list[str], lines: list[int]
) -> tuple[list[dt.date], list[bool], list[dt.datetime | None]]:
    """Calendar dates as written (first 10 characters), per row whether a time of day other than
    midnight is present, and the instant of a timestamp written with a UTC offset (else None; the
    date rule in the module docstring converts it to the instrument's zone)."""
    dates: list[dt.date] = []
    timed: list[bool] = []
    instants: list[dt.datetime | None] = []
    for value, line in zip(values, lines, strict=True):
        match = _DATE_RE.fullmatch(value)
        try:
            if match is None:
                raise ValueError("not YYYY-MM-DD[ HH:MM[:SS][+HH:MM]]")
            dates.append(dt.date.fromisoformat(match.group(1)))
        except ValueError as e:
            raise PriceFileError(
                path,
                f"unparseable date {value!r} ({e}); expected YYYY-MM-DD, optionally with a time",
                line,
            ) from None
        timed.append(any(int(g or 0) for g in match.group(2, 3, 4)))
        instant = None
        if match.group(5):
            offset = match.group(5)
            if offset != "Z" and ":" not in offset:
                offset = f"{offset[:3]}:{offset[3:]}"
            base = value[: match.start(5)].replace("T", " ")
            try:
                instant = dt.datetime.fromisoformat(base + ("+00:00" if offset == "Z" else offset))
            except ValueError as e:
                raise PriceFileError(
                    path, f"unparseable timestamp {value!r} ({e}); expected an ISO 8601 time and offset", line
                ) from None
        instants.append(instant)
    return dates, timed, instants


def _parse_numbers(path: Path, column: str, values: list[str], lines: list[int]) -> np.ndarray:
    """Floats, NaN for empty fields; a non-number names the column, value and line."""
    try:
        return np.array([v or "nan" for v in values], dtype=np.str_).astype(np.float64)
    except ValueError:
        pass  # find the culprit, value by value
    out = np.empty(len(values), dtype=np.float64)
    for k, (value, line) in enumerate(zip(values, lines, strict=True)):
        try:
            out[k] = float(value or "nan")
        except ValueError:
            raise PriceFileError(
                path, f"column {column}: expected a number or an empty field, got {value!r}", line
            ) from None
    return out


def _check_duplicate_dates(path: Path, dates: list[dt.date], lines: list[int]) -> None:
    first_line: dict[dt.date, int] = {}
    for day, line in zip(dates, lines, strict=True):
        if day in first_line:
            raise PriceFileError(
                path,
                f"duplicate date {day} on lines {first_line[day]} and {line}; expected one row per date",
                line,
            )
        first_line[day] = line


def _heuristic_reason(last: pd.Series, previous_volumes: pd.Series) -> str | None:
    """Without a capture time: why the last bar looks partial, or None. Known to be wrong both ways
    (Yahoo shows an index's volume as 0 for a while after the close), hence capture times."""
    if last["_timed"]:
        return "time of day present and not midnight"
    recent = previous_volumes.tail(VOLUME_LOOKBACK).dropna()
    if last["volume"] == 0 and len(recent) and recent.median() > 0:
        return "volume 0 after non-zero volumes"
    return None


def _partial(
    path: Path, frame: pd.DataFrame, label: str, captured_at: dt.datetime | None, session: Session
) -> tuple[np.ndarray, list[str]]:
    """Which rows are partial bars, and one note for each.

    With ``captured_at``: a bar dated D is partial when ``captured_at`` is before the end of D's
    session (``session.end_on(D)``, early closes included): the bar of the capture day until the
    session ends, and a bar of the next day (a session that opened the evening before, as CME Globex
    does at 18:00 New York).
    A bar dated later than that cannot have been captured: a PriceFileError naming its line (left
    to the flag, a corrupt date would hide from the gate's no-future-dates rule). Without a capture
    time: the last bar, if ``_heuristic_reason`` finds one."""
    partial = np.zeros(len(frame), dtype=bool)
    notes: list[str] = []
    if not len(frame):
        return partial, notes
    if captured_at is not None:
        local = captured_at.astimezone(session.tz)
        latest = local.date() + dt.timedelta(days=1)
        dates = frame["date"].to_numpy(dtype="datetime64[D]")
        for k in np.flatnonzero(dates >= np.datetime64(local.date())):
            day = dates[k].item()
            if day > latest:
                raise PriceFileError(
                    path,
                    f"{label}bar dated {day} but the file was captured {local:%Y-%m-%d %H:%M} "
                    f"{session.zone}; expected dates up to {latest} (the capture day, or the next "
                    "for a session that opened the evening before)",
                    int(frame["_line"].iloc[k]),
                )
            ends = session.end_on(day)
            if captured_at < ends:
                partial[k] = True
                notes.append(
                    f"{path.name} line {frame['_line'].iloc[k]}: {label}{day} partial (kept, flagged "
                    f"is_partial): captured {local:%Y-%m-%d %H:%M} {session.zone}, before the end of "
                    f"its {session.name} session ({ends:%Y-%m-%d %H:%M})"
                )
        return partial, notes
    last = frame.iloc[-1]
    reason = _heuristic_reason(last, frame["volume"].iloc[:-1])
    if reason is not None:
        partial[-1] = True
        notes.append(
            f"{path.name} line {last['_line']}: {label}{last['date']:%Y-%m-%d} partial (kept, flagged "
            f"is_partial): {reason} (no capture time: judged by what the bar shows)"
        )
    return partial, notes


def _drop_unusable(path: Path, frame: pd.DataFrame, label: str) -> tuple[pd.DataFrame, list[str]]:
    """Drop rows without any value, with one note."""
    notes: list[str] = []
    no_data = frame[list(VALUE_COLUMNS)].isna().all(axis=1)
    if no_data.any():
        days = frame.loc[no_data, "date"]
        notes.append(
            f"{path.name}: {label}{int(no_data.sum())} of {len(frame)} row(s) dropped: no data "
            f"(all values empty; {days.min():%Y-%m-%d}..{days.max():%Y-%m-%d})"
        )
        frame = frame[~no_data]
    return frame, notes


def empty_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "symbol": pd.Series([], dtype="str"),
            "date": pd.Series([], dtype="datetime64[us]"),
            **{c: pd.Series([], dtype="float64") for c in VALUE_COLUMNS},
            "close_is_adjusted": pd.Series([], dtype="bool"),
            "is_partial": pd.Series([], dtype="bool"),
        }
    )


def parse_price_file(
    path: Path,
    symbol: str | None = None,
    captured_at: dt.datetime | None = None,
    sessions: Mapping[str, Session] | None = None,
) -> ParsedPrices:
    """Parse one Yahoo price file (any of the three dialects) into long rows.

    ``symbol`` names the instrument of a single-ticker file (default: the file stem; the Ticker line of
    a multi-header file is ignored because it may spell the symbol differently, e.g. ^SPX for ^GSPC).
    A file with several tickers yields their own symbols and ``symbol`` must be None. ``captured_at``
    (tz-aware) is when the file was captured from upstream: a bar whose session had not ended by then
    is flagged ``is_partial`` (module docstring). ``sessions`` maps symbols to their session (a symbol
    not in it, or no mapping: ``DEFAULT_SESSION``, US cash).
    """
    path = Path(path)
    if captured_at is not None and captured_at.utcoffset() is None:
        raise ValueError(f"{path.name}: captured_at must be timezone-aware, got {captured_at!r}")
    text = _read_text(path)
    columns = _checked_columns(path, text)
    return _long_rows(path, columns, symbol, captured_at, sessions)


@dataclass(frozen=True)
class _Columns:
    """A price file's data rows, column by column."""

    layout: FileLayout
    lines: list[int]  # physical line number of each data row
    dates: list[dt.date] | np.ndarray  # calendar dates as written
    timed: list[bool] | np.ndarray  # a time of day other than midnight was written
    values: dict[tuple[str, str], np.ndarray]  # (ticker, upstream field) -> floats, NaN where empty
    instants: list[dt.datetime | None] | None = None  # timestamps written with a UTC offset (else None)


def _checked_columns(path: Path, text: str) -> _Columns:
    """Any file, row by row: every problem is named with its line."""
    rows = _read_rows(text)
    if not rows:
        raise PriceFileError(path, "no header and no data rows (only blank lines)", line=1)
    layout = file_layout(path, rows)
    data = rows[layout.header_lines :]
    if not data:
        last_header_line = rows[layout.header_lines - 1][0]
        raise PriceFileError(
            path,
            "no data rows; expected data rows after the header, got end of file",
            line=last_header_line + 1,
        )
    for line, fields in data:
        if len(fields) != layout.n_fields:
            raise PriceFileError(
                path,
                f"expected {layout.n_fields} fields like the header, got {len(fields)} "
                f"(truncated or ragged row {','.join(fields)!r})",
                line,
            )

    lines = [line for line, _ in data]
    dates, timed, instants = _parse_dates(path, [f[layout.date_index] for _, f in data], lines)
    if not any(instants):
        _check_duplicate_dates(path, dates, lines)  # with offsets: after converting, per instrument
    values = {
        key: _parse_numbers(path, key[1], [f[i] for _, f in data], lines) for key, i in layout.columns.items()
    }
    return _Columns(layout, lines, dates, timed, values, instants if any(instants) else None)


def _local_dates(
    path: Path,
    dates: list[dt.date],
    timed: list[bool],
    instants: list[dt.datetime | None],
    lines: list[int],
    session: Session,
) -> pd.Series:
    """The date rule (module docstring): a timestamp with a time of day and an offset is dated in
    ``session``'s zone; dates and midnight labels stay as written. Two rows on one date after
    converting: a PriceFileError naming both lines."""
    local_dates = [
        instant.astimezone(session.tz).date() if instant is not None and was_timed else day
        for day, was_timed, instant in zip(dates, timed, instants, strict=True)
    ]
    _check_duplicate_dates(path, local_dates, lines)
    return pd.Series(np.array(local_dates, dtype="datetime64[D]"), dtype="datetime64[us]")


def _long_rows(
    path: Path,
    columns: _Columns,
    symbol: str | None,
    captured_at: dt.datetime | None,
    sessions: Mapping[str, Session] | None = None,
) -> ParsedPrices:
    layout, lines, dates, timed, values = (
        columns.layout,
        columns.lines,
        columns.dates,
        columns.timed,
        columns.values,
    )
    multi = len(layout.tickers) > 1
    if multi and symbol is not None:
        raise PriceFileError(
            path,
            f"holds several tickers ({', '.join(layout.tickers)}) but symbol={symbol!r} was given; "
            "expected symbol=None for a multi-ticker file",
            line=2,
        )
    day_index = pd.Series(np.array(dates, dtype="datetime64[D]"), dtype="datetime64[us]")
    dropped: list[str] = []
    partial_notes: list[str] = []
    frames: list[pd.DataFrame] = []
    for ticker in layout.tickers:
        name = ticker if multi else (symbol if symbol is not None else path.stem)
        session = (sessions or {}).get(name) or SESSIONS[DEFAULT_SESSION]
        ticker_days = day_index
        if columns.instants is not None:  # the date rule: instants dated in the session's zone
            ticker_days = _local_dates(path, dates, timed, columns.instants, lines, session)
        frame = pd.DataFrame(
            {
                "symbol": pd.Series([name] * len(dates), dtype="str"),
                "date": ticker_days,
                **{
                    col: values.get((ticker, upstream), np.full(len(dates), np.nan))
                    for upstream, col in FIELDS.items()
                },
                "close_is_adjusted": layout.dialect != "multi_header",
                "_line": lines,
                "_timed": timed,
            }
        )
        if not frame["date"].is_monotonic_increasing:
            frame = frame.sort_values("date", kind="stable")
        label = f"{name} " if multi else ""
        frame, notes = _drop_unusable(path, frame, label)
        is_partial, partial = _partial(path, frame, label, captured_at, session)
        frames.append(frame.assign(is_partial=is_partial))
        dropped.extend(notes)
        partial_notes.extend(partial)

    out = (frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True))[list(PRICE_COLUMNS)]
    out = out.reset_index(drop=True)
    return ParsedPrices(path=path, dialect=layout.dialect, frame=out, dropped=dropped, partial=partial_notes)


# --------------------------------------------------------------------------------------------------
# Batches: DuckDB's CSV reader for the clean files, the parser for every other file
# --------------------------------------------------------------------------------------------------
