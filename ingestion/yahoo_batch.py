"""Yahoo price files in batches, as ``raw.load`` reads them (``ingestion.yahoo`` parses one file).

Batches (``PriceChunks``): the clean files (``_bulk_pattern``: the rule in one place) are read by
DuckDB's CSV reader straight into the load's staging table (``BulkPrices``); every other file by
``ingestion.yahoo.parse_price_file``, the one statement of the format's rules and the one that
explains a problem. The bulk reader only decides that a file needs no explaining.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ingestion.landing import LandedFile, LandingBatch, combine_parsed, relative_to_home
from ingestion.progress import Counter, Progress
from ingestion.universe import DEFAULT_SESSION, SESSIONS, Session, instrument_sessions
from ingestion.yahoo import (
    FIELDS,
    VALUE_COLUMNS,
    FileLayout,
    PriceFileError,
    empty_frame,
    file_layout,
    parse_price_file,
)

log = logging.getLogger(__name__)

FILES_PER_CHUNK = 100  # files the parser reads before handing their rows to the load
BULK_FILES_PER_STATEMENT = 500  # files one DuckDB read covers: ~3 million rows of 25-year files

# The bulk reader's one rule, "clean": a data line is a date written YYYY-MM-DD (year 0001-9999)
# where the header has Date and a plain decimal number or nothing in every other field, with the
# header's field count, no quote, no blank field around a value. A clean file is a single-ticker
# file whose header the parser's layout accepts on its first lines, whose every data line is clean
# and whose dates are calendar dates, one row per date, each row with a value, and whose latest bar
# the partial-bar rule cannot flag (``_bars_final``). Whatever is not clean is read by
# ``parse_price_file``, which accepts it or names the problem (file, line, value): the parser stays
# the one statement of every rule, the bulk reader only decides that a file needs no explaining.
_BULK_NUMBER = r"(-?\d+(\.\d+)?([eE][+-]?\d+)?)?"
_BULK_DATE = r"([1-9]\d{3}|0[1-9]\d{2}|00[1-9]\d|000[1-9])-\d{2}-\d{2}"


def _bulk_pattern(layout: FileLayout) -> str:
    """The clean data line of ``layout`` (RE2, matched against the whole line)."""
    return ",".join(_BULK_DATE if i == layout.date_index else _BULK_NUMBER for i in range(layout.n_fields))


def _bulk_layout(path: Path) -> FileLayout | None:
    """The layout of a file the bulk reader may take: one ticker, header lines that are the file's
    first lines and that the parser's layout accepts. None sends the file to the parser."""
    try:
        with path.open("rb") as f:
            head = [f.readline() for _ in range(3)]
        lines = [
            line.decode("utf-8-sig" if i == 0 else "utf-8").rstrip("\r\n") for i, line in enumerate(head)
        ]
        rows = [
            (i + 1, [v.strip() for v in next(csv.reader([line]))]) for i, line in enumerate(lines) if line
        ]
        layout = file_layout(path, rows) if rows else None
    except (OSError, UnicodeDecodeError, csv.Error, StopIteration, PriceFileError, IndexError):
        return None
    if layout is None or len(layout.tickers) != 1 or len(rows) < layout.header_lines:
        return None
    if [line for line, _ in rows[: layout.header_lines]] != list(range(1, layout.header_lines + 1)):
        return None  # a blank line inside the header: physical lines and header lines differ
    return layout


def _bars_final(
    last_day: dt.date, last_volume: float | None, captured_at: dt.datetime | None, session: Session
) -> bool:
    """True when ``_partial`` can flag no bar of a file whose latest bar (no time of day) is dated
    ``last_day`` with volume ``last_volume``: with a capture time, captured at or after the end of
    that bar's session (sessions end later on later days, so every earlier bar ended too, and no bar
    is dated after the capture); without one, a last volume the heuristic does not read as partial
    (anything but 0). Otherwise the parser decides, with its notes."""
    if captured_at is not None:
        return captured_at >= session.end_on(last_day)
    return last_volume is None or last_volume != 0


def _layout_key(layout: FileLayout) -> tuple:
    fields = [""] * layout.n_fields
    for (_, upstream), i in layout.columns.items():
        fields[i] = upstream
    fields[layout.date_index] = "Date"
    return (layout.dialect, layout.header_lines, tuple(fields))


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass
class BulkPrices:
    """Clean price files (see ``_bulk_pattern``) for DuckDB's CSV reader: ``stage`` reads them, all
    files of one layout in one statement, and inserts their rows straight into a load's staging
    table; the files it finds not clean are left in ``fallback`` for the parser. ``staged`` holds
    (file name, rows in the window) of every file it inserted; ``seconds`` the time spent."""

    files: list[tuple[LandedFile, FileLayout]]
    home: Path
    sessions: Mapping[str, Session]
    advance: Callable[[str, int, int], None] = lambda name, count, rows: None
    fallback: list[LandedFile] = field(default_factory=list)
    staged: list[tuple[str, int]] = field(default_factory=list)
    seconds: float = 0.0

    def stage(self, con: Any, table: str, start: dt.date, end: dt.date | None = None) -> None:
        """Insert into ``table`` (PRICE_COLUMNS + ``landing_file``, by name) the rows dated in
        [start, end) of every clean file. Runs outside any transaction the caller holds: each
        statement commits, so DuckDB may spill the rows to disk."""
        started = time.perf_counter()
        groups: dict[tuple, list[tuple[LandedFile, FileLayout]]] = {}
        for landed, layout in self.files:
            groups.setdefault(_layout_key(layout), []).append((landed, layout))
        for group in groups.values():
            for i in range(0, len(group), BULK_FILES_PER_STATEMENT):
                self._stage_files(con, table, group[i : i + BULK_FILES_PER_STATEMENT], start, end)
        self.seconds += time.perf_counter() - started

    def _stage_files(
        self,
        con: Any,
        table: str,
        files: list[tuple[LandedFile, FileLayout]],
        start: dt.date,
        end: dt.date | None,
    ) -> None:
        import duckdb  # the parser alone needs no database

        layout = files[0][1]
        by_path = {str(landed.path): landed for landed, _ in files}
        try:
            clean = self._clean_files(con, layout, list(by_path))
            checks = self._read_typed(con, layout, list(clean)) if clean else {}
        except duckdb.Error as error:  # a file DuckDB cannot open at all: the parser will say why
            log.info("yahoo bulk reader: %d file(s) left to the parser (%s)", len(files), error)
            for leftover in ("bulk_prices", "bulk_price_rejects", "bulk_price_scans"):
                con.execute(f"drop table if exists {leftover}")
            self.fallback.extend(landed for landed, _ in files)
            return
        good: list[tuple[str, str, str]] = []  # (path, symbol, landing file)
        for path, landed in by_path.items():
            symbol = landed.symbols[0] if len(landed.symbols) == 1 else landed.path.stem
            session = self.sessions.get(symbol) or SESSIONS[DEFAULT_SESSION]
            check = checks.get(path)
            if (
                check is None
                or check["rows"] != clean[path]
                or check["days"] != check["rows"]
                or check["empty_rows"]
                or not _bars_final(check["last_day"], check["last_volume"], landed.captured_at, session)
            ):
                self.fallback.append(landed)
                continue
            good.append((path, symbol, relative_to_home(landed.path, self.home)))
        if good:
            values = ", ".join(f"({_sql_text(p)}, {_sql_text(s)}, {_sql_text(f)})" for p, s, f in good)
            con.execute(
                f"""
                insert into {table} by name
                select m.symbol, b.date, b.open, b.high, b.low, b.close, b.adj_close, b.volume,
                       $adjusted as close_is_adjusted, false as is_partial, m.landing_file
                from bulk_prices b join (values {values}) m(path, symbol, landing_file) on b.path = m.path
                where b.date >= $start and ($end is null or b.date < $end)
                """,
                {"adjusted": layout.dialect != "multi_header", "start": start, "end": end},
            )
            in_window = dict(
                con.execute(
                    "select path, count(*) filter (where date >= $start and ($end is null or date < $end)) "
                    "from bulk_prices group by path",
                    {"start": start, "end": end},
                ).fetchall()
            )
            for path, _, _ in good:
                name = by_path[path].path.name
                self.staged.append((name, in_window.get(path, 0)))
                self.advance(name, 1, in_window.get(path, 0))
        con.execute("drop table if exists bulk_prices")

    @staticmethod
    def _clean_files(con: Any, layout: FileLayout, paths: list[str]) -> dict[str, int]:
        """Data lines per file whose every line is clean (a file with none is not in the answer)."""
        # One column per line: a tab, or a line DuckDB cannot take (invalid UTF-8), is a rejected
        # line, which makes its file not clean.
        rows = con.execute(
            f"""
            select filename, count(*), bool_and(regexp_full_match(line, $pattern))
            from read_csv($paths, delim='\t', quote='', escape='', header=false,
                          skip={layout.header_lines}, columns={{'line': 'VARCHAR'}}, auto_detect=false,
                          filename=true, ignore_errors=true, store_rejects=true,
                          rejects_table='bulk_price_rejects', rejects_scan='bulk_price_scans')
            group by filename
            """,
            {"paths": paths, "pattern": _bulk_pattern(layout)},
        ).fetchall()
        rejected = _rejected_files(con)
        return {path: n for path, n, ok in rows if ok and path not in rejected}

    @staticmethod
    def _read_typed(con: Any, layout: FileLayout, paths: list[str]) -> dict[str, dict[str, Any]]:
        """Read the clean files with explicit types into ``bulk_prices``; per file: rows, distinct
        dates, rows without any value, the latest date and its volume. A file with a rejected line
        (a date that is no calendar day, 2024-02-30) is left out."""
        names = [f"c{i}" for i in range(layout.n_fields)]
        types = ", ".join(
            f"'{n}': '{'DATE' if i == layout.date_index else 'DOUBLE'}'" for i, n in enumerate(names)
        )
        where = {upstream: f"c{i}" for (_, upstream), i in layout.columns.items()}
        values = ", ".join(
            f"{where.get(upstream, 'null::double')} as {col}" for upstream, col in FIELDS.items()
        )
        con.execute(
            f"""
            create or replace temp table bulk_prices as
            select filename as path, c{layout.date_index} as date, {values}
            from read_csv($paths, delim=',', quote='', escape='', header=false, skip={layout.header_lines},
                          columns={{{types}}}, auto_detect=false, filename=true, ignore_errors=true,
                          store_rejects=true, rejects_table='bulk_price_rejects',
                          rejects_scan='bulk_price_scans')
            """,
            {"paths": paths},
        )
        rejected = _rejected_files(con)
        empty = " and ".join(f"{c} is null" for c in VALUE_COLUMNS)
        checks = {}
        for path, rows, days, empty_rows, last_day, last_volume in con.execute(
            f"""
            select path, count(*), count(distinct date), count(*) filter (where {empty}),
                   max(date), arg_max(volume, date)
            from bulk_prices group by path
            """
        ).fetchall():
            if path not in rejected:
                checks[path] = {
                    "rows": rows,
                    "days": days,
                    "empty_rows": empty_rows,
                    "last_day": last_day,
                    "last_volume": last_volume,
                }
        return checks


def _rejected_files(con: Any) -> set[str]:
    """Files with a line DuckDB's reader rejected in the latest read (then the tables are dropped)."""
    files = {
        row[0]
        for row in con.execute(
            "select distinct s.file_path from bulk_price_rejects r "
            "join bulk_price_scans s using (scan_id, file_id)"
        ).fetchall()
    }
    con.execute("drop table if exists bulk_price_rejects")
    con.execute("drop table if exists bulk_price_scans")
    return files


def _parse_files(
    files: list[LandedFile], start: pd.Timestamp, home: Path, sessions: Mapping[str, Session]
) -> tuple[pd.DataFrame, list[str], list[tuple[str, int]]]:
    """One chunk for the parser: its files' rows concatenated, their notes, (file name, rows) per file."""
    frames, notes, done = [], [], []
    for landed in files:
        symbol = landed.symbols[0] if len(landed.symbols) == 1 else None
        parsed = parse_price_file(
            landed.path, symbol=symbol, captured_at=landed.captured_at, sessions=sessions
        )
        frame = parsed.frame[parsed.frame["date"] >= start].copy()
        frame["landing_file"] = pd.Series(
            [relative_to_home(landed.path, home)] * len(frame), index=frame.index, dtype="str"
        )
        frames.append(frame)
        notes.extend(parsed.dropped)
        if frame["is_partial"].any():  # partial bars are the latest: noted when in the window
            notes.extend(parsed.partial)
        done.append((landed.path.name, len(frame)))
    return pd.concat(frames, ignore_index=True), notes, done


@dataclass
class PriceChunks:
    """The rows of a landing batch for ``raw.load``, as they are read. First a ``BulkPrices`` with
    every file the bulk reader may take (``bulk``; the load has it insert the clean files' rows
    straight into its staging table), then frames of the parser, ``FILES_PER_CHUNK`` files at a
    time, for the other files and those the bulk reader found not clean: a universe of thousands of
    symbols never sits in memory whole. Frames have PRICE_COLUMNS + ``landing_file``; rows dated
    on or after ``start_date``. ``notes`` (dropped rows, partial bars: the parser's) and ``seconds``
    (time spent reading) fill as the chunks are read; the same (symbol, date) from two files is
    found by the load (``raw.DuplicateRowsError``). ``sessions``: each symbol's session (default:
    the instruments seed's)."""

    batch: LandingBatch
    start_date: dt.date
    home: Path
    progress: Progress | None = None
    files_per_chunk: int = FILES_PER_CHUNK
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    sessions: Mapping[str, Session] = field(default_factory=instrument_sessions)
    bulk: bool = True  # False: the parser reads every file (the reference the bulk path is tested on)

    def __iter__(self) -> Iterator[pd.DataFrame | BulkPrices]:
        start = pd.Timestamp(self.start_date)
        files = self.batch.files
        counter = Counter("prices", len(files), "files", "parsed", self.progress)
        to_parse = list(files)
        if self.bulk:
            started = time.perf_counter()
            layouts = [(landed, _bulk_layout(landed.path)) for landed in files]
            candidates = [(landed, layout) for landed, layout in layouts if layout is not None]
            self.seconds += time.perf_counter() - started
            if candidates:
                bulk = BulkPrices(
                    candidates,
                    self.home,
                    self.sessions,
                    advance=lambda name, count, rows: counter.advance(name, count=count, rows=rows),
                )
                yield bulk
                self.seconds += bulk.seconds
                taken = {id(landed) for landed, _ in candidates} - {id(landed) for landed in bulk.fallback}
                to_parse = [landed for landed in files if id(landed) not in taken]
        for i in range(0, len(to_parse), self.files_per_chunk):
            started = time.perf_counter()
            chunk, notes, done = _parse_files(
                to_parse[i : i + self.files_per_chunk], start, self.home, self.sessions
            )
            self.seconds += time.perf_counter() - started
            self.notes.extend(notes)
            for name, rows in done:
                counter.advance(name, rows=rows)
            yield chunk


def parse_batch_chunks(
    batch: LandingBatch, start_date: dt.date, home: Path, progress: Progress | None = None
) -> tuple[PriceChunks, list[str]]:
    """What the raw.prices asset loads: the batch's rows as chunks, and their notes (filled as the
    chunks are read). ``progress`` receives throttled lines (``prices: 12/29 files parsed (...)``)."""
    chunks = PriceChunks(batch, start_date, home, progress)
    return chunks, chunks.notes


_STAGING_DDL = (
    "symbol varchar, date date, open double, high double, low double, close double, adj_close double, "
    "volume double, close_is_adjusted boolean, is_partial boolean, landing_file varchar"
)


def bulk_frame(bulk: BulkPrices, start_date: dt.date) -> pd.DataFrame:
    """The rows ``bulk`` stages, as a frame like the parser's (outside a load: tests, parse_batch)."""
    import duckdb

    with duckdb.connect() as con:
        con.execute(f"create temp table staged ({_STAGING_DDL})")
        bulk.stage(con, "staged", start_date)
        frame = con.execute("select * from staged").df()
    frame["date"] = frame["date"].astype("datetime64[us]")
    for column in ("symbol", "landing_file"):
        frame[column] = frame[column].astype("str")
    return frame


def parse_batch(
    batch: LandingBatch,
    start_date: dt.date,
    home: Path,
    progress: Progress | None = None,
    *,
    bulk: bool = True,
) -> tuple[pd.DataFrame, list[str]]:
    """Every file of a landing batch as one frame: PRICE_COLUMNS + ``landing_file``, rows dated on
    or after ``start_date``, sorted by symbol and date; the same (symbol, date) from two files is an
    error. Returns it with every dropped-row note. ``bulk=False``: the parser reads every file."""
    chunks = PriceChunks(batch, start_date, home, progress, bulk=bulk)
    frames = [chunk if isinstance(chunk, pd.DataFrame) else bulk_frame(chunk, start_date) for chunk in chunks]
    return combine_parsed(frames, "symbol", empty_frame(), PriceFileError), chunks.notes
