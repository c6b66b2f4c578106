"""Raw tables: one row per upstream fact, with provenance; idempotent loads and their bookkeeping.

Every raw table is described by a :class:`RawTable`, declared with its source (ingestion/sources/),
and loaded by :func:`load` in one transaction.
Each load is recorded in ``raw.loads`` (counts, landing files, notes) and ``raw.load_items`` (per
symbol or series: requested or not, rows delivered), which the quality gates read; the gates write
their verdict on each load's window into ``raw.load_validations`` (``gate_state``, and the policy
over them in ``warehouse/gate_state.py``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import NamedTuple, Protocol

import duckdb
import pandas as pd

from ingestion import sources
from ingestion.sources import RawTable
from warehouse import gate_state as gate_state_policy
from warehouse.memory import release_freed_memory

BOOKKEEPING_DDL = """
create schema if not exists raw;
create table if not exists raw.loads (
    load_id           varchar   not null,
    system            varchar   not null,  -- upstream system: yahoo | fred
    source            varchar   not null,  -- sample | snapshot | live
    loaded_at         timestamptz not null,
    synthetic         boolean   not null,
    landing_files     varchar[] not null,
    covered_from      date,                -- first day of the load's window (its partition range)
    rows_in_files     bigint    not null,
    rows_inserted     bigint    not null,
    rows_updated      bigint    not null,
    rows_unchanged    bigint    not null,
    rows_removed      bigint    not null,
    notes             varchar[] not null
);
-- Columns added after the first release: existing build files gain them on the next load.
alter table raw.loads add column if not exists covered_until date;   -- first day after the window
alter table raw.loads add column if not exists changed_from date;    -- earliest date inserted, updated
                                                                      -- or removed (null: no change)
alter table raw.loads add column if not exists window_sessions integer; -- NYSE sessions in the window
alter table raw.loads add column if not exists kept_from date;       -- rows before it were removed
                                                                      -- (ROTATION_START_DATE)
alter table raw.loads add column if not exists rows_withheld bigint default 0; -- rows upstream no longer
                                      -- delivered, kept in raw without a decision (raw.removed_rows)
create table if not exists raw.removed_rows (
    load_id           varchar   not null,  -- raw.loads.load_id: the load whose files no longer held the row
    table_name        varchar   not null,  -- the raw table (prices, fred_series, ...)
    item              varchar   not null,  -- its symbol, series id, contract code or factor
    date              date      not null,  -- its date (report_date, capture_date)
    key               varchar   not null,  -- further key columns (the estimate's period), '' if none
    decision          varchar   not null,  -- withheld: kept in raw, the removals gate fails until a
                                           -- later load delivers the row again or removes it;
                                           -- removed: deleted by decision (ROTATION_ALLOW_REMOVALS)
    row_json          json      not null,  -- the row as raw held it (values and provenance)
    resolved_by       varchar              -- withheld rows: the later load that delivered the row
                                           -- again, removed it or withheld it again (null: pending)
);
create table if not exists raw.load_items (
    load_id           varchar   not null,  -- raw.loads.load_id
    item              varchar   not null,  -- the symbol (yahoo) or series id (fred)
    requested         boolean   not null,  -- expected in this window: asked for, and the window has
                                           -- trading days not before the item's first date
    rows_delivered    bigint    not null   -- rows upstream delivered for it inside the window
);
-- The gates' verdicts, with the data (not only in Dagster's instance): one row per gate evaluation
-- of a load's window. A load's state for a gate is its latest row (none: pending). See
-- warehouse/gate_state.py for which windows a gate re-validates and when publishing is refused.
create table if not exists raw.load_validations (
    load_id           varchar   not null,  -- raw.loads.load_id whose window was validated
    system            varchar   not null,  -- raw.loads.system
    check_name        varchar   not null,  -- the gate: great_expectations_gate, rate_futures_gate
    status            varchar   not null,  -- passed | failed
    evaluated_at      timestamptz not null,
    run_id            varchar,             -- the Dagster run that evaluated it
    validated_window  varchar   not null,  -- the window validated (from..until, exclusive)
    reason            varchar   not null,  -- the latest load, or why an earlier window was re-validated
    summary           varchar   not null   -- the gate's one-line outcome for this window
);
"""


# The raw tables, each declared with its source (ingestion/sources/).
PRICES = sources.PRICES.table
FRED_SERIES = sources.FRED.table
CFTC_TFF = sources.CFTC.table
FRENCH_FACTORS = sources.FRENCH.table
ESTIMATE_SNAPSHOTS = sources.ESTIMATES.table
SHARES_OUTSTANDING = sources.SHARES.table
RAW_TABLES = tuple(source.table for source in sources.SOURCES)


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(BOOKKEEPING_DDL)
    for table in RAW_TABLES:
        con.execute(table.ddl)
        for column in table.added_columns:
            con.execute(f"alter table {table.qualified} add column if not exists {column}")


@dataclass
class LoadStats:
    load_id: str
    rows_in_files: int
    rows_inserted: int
    rows_updated: int
    rows_unchanged: int
    rows_removed: int
    items: int
    min_date: dt.date | None
    max_date: dt.date | None
    changed_from: dt.date | None = None
    notes: list[str] = field(default_factory=list)
    rows_withheld: int = 0  # rows upstream no longer delivered, kept in raw (see ``load``)

    def as_metadata(self) -> dict:
        out = asdict(self)
        out["min_date"] = str(self.min_date) if self.min_date else None
        out["max_date"] = str(self.max_date) if self.max_date else None
        out["changed_from"] = str(self.changed_from) if self.changed_from else None
        return out


class DuplicateRowsError(ValueError):
    """Two files of one batch delivered the same (item, date); nothing was loaded."""


@dataclass(frozen=True)
class Delivery:
    """What the caller knows about one delivery of a raw table's rows, for :func:`load`.

    The window is ``start_date`` up to (not including) ``end_date`` (open-ended when None): a
    Dagster partition or partition range. ``keep_from`` is ROTATION_START_DATE (None: ``start_date``):
    raw rows before it are removed. ``window_sessions``: NYSE sessions in the window (None: unknown,
    treated as some). ``allow_removals``: the items whose rows the files no longer hold may be
    deleted (``"*"``: every item; ROTATION_ALLOW_REMOVALS). The sequences are held as tuples and
    the removals allowed as a frozenset: a delivery, once described, does not change."""

    source: str  # sample | snapshot | live
    synthetic: bool
    requested: Sequence[str]  # the items asked for (held as a tuple)
    landing_files: Sequence[str]  # as recorded in raw.loads (held as a tuple)
    start_date: dt.date
    end_date: dt.date | None = None
    keep_from: dt.date | None = None
    window_sessions: int | None = None
    allow_removals: Collection[str] = frozenset()  # held as a frozenset

    def __post_init__(self) -> None:
        object.__setattr__(self, "requested", tuple(self.requested))
        object.__setattr__(self, "landing_files", tuple(self.landing_files))
        object.__setattr__(self, "allow_removals", frozenset(self.allow_removals))

    @property
    def kept_from(self) -> dt.date:
        """The first date raw keeps: ``keep_from``, else the window's start."""
        return self.keep_from or self.start_date


class StagesItself(Protocol):
    """A chunk of rows that inserts itself into the load's staging table (``yahoo_batch.BulkPrices``)."""

    def stage(
        self, con: duckdb.DuckDBPyConnection, table: str, start: dt.date, end: dt.date | None
    ) -> None: ...


Rows = pd.DataFrame | Iterable[pd.DataFrame | StagesItself]


class _Staged(NamedTuple):
    items: list[str]  # the items delivered, sorted
    rows: int


class _Removals(NamedTuple):
    withheld: int  # rows the files no longer hold, kept in raw without a decision
    removed: int  # rows deleted: by decision, of another source, or before keep_from
    first_removed: dt.date | None


class _Upsert(NamedTuple):
    inserted: int  # rows inserted, new or in place of a changed row
    updated: int  # changed rows deleted (and inserted again)
    first_updated: dt.date | None
    first_new: dt.date | None


def load(
    con: duckdb.DuckDBPyConnection,
    table: RawTable,
    rows: Rows,
    delivery: Delivery,
    *,
    notes: Iterable[str] = (),
) -> LoadStats:
    """Upsert parsed rows into ``table`` in one transaction and record the load.

    ``rows`` is one frame or an iterable of chunks (e.g. ``yahoo_batch.PriceChunks``), staged one at a time
    (:func:`stage`); rows outside ``delivery``'s window are not loaded. The same (item, date) twice
    among them raises ``DuplicateRowsError`` and loads nothing (:func:`check_duplicates`). The load
    is authoritative for the items (symbols, series) it delivered, inside its window: identical rows
    stay untouched (``loaded_at`` included, so reloading the same files changes nothing), changed
    rows are replaced (:func:`upsert`). Items this load did not deliver keep their rows: earlier
    good data stays served. A warehouse holds one source at a time: rows from another source (e.g.
    sample rows when loading the snapshot) and rows before ``keep_from`` are removed and counted;
    rows of a delivered item that the files no longer hold go by the removal rule
    (:func:`apply_removal_rule`). ``notes`` is read once the rows are in (a chunked parse's notes
    fill as its chunks are read). The load is recorded in raw.loads and raw.load_items
    (:func:`record_load`) with the items its window expects (:func:`expected_in_window`).
    """
    ensure_tables(con)
    expected = expected_in_window(con, table, delivery)
    load_id, loaded_at = uuid.uuid4().hex, dt.datetime.now(dt.UTC)
    stage(con, table, rows, delivery.start_date, delivery.end_date)
    con.begin()
    try:
        check_duplicates(con, table)
        staged = staged_summary(con, table)
        notes = list(notes)  # read after the rows: a chunked parse adds its notes as it goes
        removals = apply_removal_rule(con, table, delivery, load_id, staged.items)
        upserted = upsert(con, table, delivery.source, loaded_at)
        stats = _tally(load_id, staged, removals, upserted, notes)
        record_load(con, table, delivery, stats, loaded_at, expected)
        con.execute("drop table incoming")
        con.commit()
    except BaseException:
        con.rollback()
        raise
    stats.min_date, stats.max_date = con.execute(
        f"select min({table.date}), max({table.date}) from {table.qualified}"
    ).fetchone()
    return stats


def expected_in_window(
    con: duckdb.DuckDBPyConnection, table: RawTable, delivery: Delivery
) -> dict[str, bool]:
    """The items the load reports on in raw.load_items, each with whether its window expects it
    (``requested``: an expected item that delivers nothing fails the gate).

    The items are those asked for, plus those the previous load of the same system and source
    delivered (a file that disappears upstream shows as delivering 0 rows instead of silently
    serving its old rows). They are expected only where the window has trading days
    (``window_sessions``, None = unknown, treated as some) and the item is not known to start after
    the window (a backfill of 2010 does not expect SOFR futures), nor outside the dates the table
    knows it exists (``RawTable.item_dates``: a dated futures contract before it is read or after it
    expired): a window without trading days succeeds with zero rows."""
    asked = set(delivery.requested) | set(previously_delivered(con, table.system, delivery.source))
    expected = (
        expected_items(con, table, asked, delivery.end_date) if delivery.window_sessions != 0 else set()
    )
    # items that exist only between known dates (an expired futures contract) outside the window
    dates = table.item_dates() if table.item_dates is not None else {}
    expected = {
        name
        for name in expected
        if name not in dates
        or (
            dates[name][1] >= delivery.start_date
            and (delivery.end_date is None or dates[name][0] < delivery.end_date)
        )
    }
    return {name: name in expected for name in sorted(asked)}


def stage(
    con: duckdb.DuckDBPyConnection, table: RawTable, rows: Rows, start: dt.date, end: dt.date | None
) -> None:
    """Put the rows dated in [``start``, ``end``) into the temporary table ``incoming``, in raw's
    column types, one chunk at a time.

    Each chunk is appended and let go, so memory holds one chunk at a time. A chunk that is not a
    frame inserts its rows itself: ``chunk.stage(con, "incoming", start, end)`` (``yahoo_batch.BulkPrices``:
    DuckDB's CSV reader, no pandas round trip). This runs before the load's transaction: each
    chunk's insert commits on its own, so DuckDB can spill the rows to disk past its memory limit
    (rows appended inside an open transaction stay in memory until it commits). Nothing of raw
    changes here; a failure while filling leaves only the temporary table, gone with the
    connection."""
    columns = [*_key_columns(table), *table.values, "landing_file"]
    types = dict(
        con.execute(
            "select column_name, data_type from duckdb_columns() where schema_name = 'raw' and table_name = ?",
            [table.name],
        ).fetchall()
    )
    con.execute(
        "create or replace temp table incoming (" + ", ".join(f"{c} {types[c]}" for c in columns) + ")"
    )
    casts = ", ".join(f"cast({c} as {types[c]}) as {c}" for c in columns)  # raw's types
    for chunk in [rows] if isinstance(rows, pd.DataFrame) else rows:
        if not isinstance(
            chunk, pd.DataFrame
        ):  # a reader that inserts its rows itself (yahoo_batch.BulkPrices)
            chunk.stage(con, "incoming", start, end)
            release_freed_memory()
            continue
        in_window = (chunk[table.date] >= pd.Timestamp(start)) & (
            chunk[table.date] < pd.Timestamp(end) if end else True
        )
        con.register("incoming_df", chunk.loc[in_window, columns])
        con.execute(f"insert into incoming select {casts} from incoming_df")
        con.unregister("incoming_df")
        del chunk, in_window
        release_freed_memory()


def check_duplicates(con: duckdb.DuckDBPyConnection, table: RawTable) -> None:
    """Raise ``DuplicateRowsError`` when two staged rows share a key (item, date, *keys), naming
    the first such key and the files that delivered it."""
    key_columns = _key_columns(table)
    key_list = ", ".join(key_columns)
    duplicate = con.execute(
        f"select {key_list} from incoming group by all having count(*) > 1 order by min(rowid) limit 1"
    ).fetchone()
    if not duplicate:
        return
    value, when, *rest = duplicate
    files = [
        row[0]
        for row in con.execute(
            "select landing_file from incoming where "
            + " and ".join(f"{c} = ?" for c in key_columns)
            + " order by rowid",
            list(duplicate),
        ).fetchall()
    ]
    what = " ".join([str(value), f"{when:%Y-%m-%d}", *map(str, rest)])
    raise DuplicateRowsError(
        f"{what} comes from {' and '.join(files)}; expected each ({key_list}) from one file of the batch"
    )


def staged_summary(con: duckdb.DuckDBPyConnection, table: RawTable) -> _Staged:
    """What the staged rows deliver: their items (sorted) and how many rows."""
    items = [
        row[0] for row in con.execute(f"select distinct {table.item} from incoming order by 1").fetchall()
    ]
    return _Staged(items, con.execute("select count(*) from incoming").fetchone()[0])


def apply_removal_rule(
    con: duckdb.DuckDBPyConnection, table: RawTable, delivery: Delivery, load_id: str, delivered: list[str]
) -> _Removals:
    """Remove from raw the rows this load no longer serves, and keep in ``raw.removed_rows`` those
    the files no longer hold.

    Rows of another source or before ``keep_from`` go by configuration (changing those settings is
    the decision). A row of a ``delivered`` item inside the window that the staged rows no longer
    hold (a day missing, a file cut short, a row of empty values dropped, a code the parser no
    longer matches) is removed only by decision: when ``allow_removals`` names the item (or holds
    ``"*"``) the row is deleted and kept in ``raw.removed_rows`` (decision ``removed``, the row as
    JSON); otherwise it stays in raw, is recorded there as ``withheld`` (pending) and counted, and
    the removals gate (orchestration/checks.py) fails until a later load delivers the row again or
    removes it by decision. On an empty raw table (a first load) there is nothing to remove, and the
    statements are skipped."""
    item, day, raw = table.item, table.date, table.qualified
    if not con.execute(f"select exists (select 1 from {raw})").fetchone()[0]:
        # a first load: no need to match every incoming row (19M at scale: 5 s over the four
        # statements below) against an empty table to find that nothing is removed
        return _Removals(withheld=0, removed=0, first_removed=None)
    # Rows of another source or before keep_from go by configuration (the settings changed).
    configured = f"p.source <> $source or p.{day} < $keep_from"
    # Rows of a delivered item in the window that the files no longer hold: the removal rule.
    undelivered = f"""
        not ({configured})
        and list_contains($delivered, p.{item})
        and p.{day} >= $start and ($end is null or p.{day} < $end)
        and not exists (select 1 from incoming i where {_same_key(table)})
    """
    may_remove = f"(list_contains($allowed, '*') or list_contains($allowed, p.{item}))"
    params = {
        "source": delivery.source,
        "keep_from": delivery.kept_from,
        "start": delivery.start_date,
        "end": delivery.end_date,
        "delivered": delivered,
        "allowed": sorted(delivery.allow_removals),
    }
    key_text = f"concat_ws('|', '', {', '.join(f'p.{k}' for k in table.keys)})" if table.keys else "''"
    archived = f"""
        insert into raw.removed_rows
        select $load_id, $table_name, p.{item}, p.{day}, {key_text}, $decision, to_json(p), null
        from {raw} p where {undelivered} and {{which}} {may_remove}
    """
    archive_params = {**params, "load_id": load_id, "table_name": table.name}
    withheld = con.execute(
        archived.format(which="not"), {**archive_params, "decision": "withheld"}
    ).fetchone()[0]
    con.execute(archived.format(which=""), {**archive_params, "decision": "removed"})
    stale = f"({configured}) or ({undelivered} and {may_remove})"
    first_removed = con.execute(f"select min({day}) from {raw} p where {stale}", params).fetchone()[0]
    removed = con.execute(f"delete from {raw} p where {stale}", params).fetchone()[0]
    return _Removals(withheld, removed, first_removed)


def upsert(con: duckdb.DuckDBPyConnection, table: RawTable, source: str, loaded_at: dt.datetime) -> _Upsert:
    """Replace the rows of raw whose values the staged rows change and insert the new ones (with
    ``source`` and ``loaded_at``); identical rows stay untouched, ``loaded_at`` included."""
    day, raw, same_key = table.date, table.qualified, _same_key(table)
    changed = " or ".join(f"p.{c} is distinct from i.{c}" for c in table.values)
    first_updated = con.execute(
        f"select min(i.{day}) from incoming i join {raw} p on {same_key} where {changed}"
    ).fetchone()[0]
    updated = con.execute(
        f"delete from {raw} p using incoming i where {same_key} and ({changed})"
    ).fetchone()[0]
    first_new = con.execute(
        f"select min(i.{day}) from incoming i where not exists (select 1 from {raw} p where {same_key})"
    ).fetchone()[0]
    inserted = con.execute(
        f"""
        insert into {raw} by name
        select i.*, $source as source, $loaded_at as loaded_at
        from incoming i
        where not exists (select 1 from {raw} p where {same_key})
        """,
        {"source": source, "loaded_at": loaded_at},
    ).fetchone()[0]
    return _Upsert(inserted, updated, first_updated, first_new)


def _tally(
    load_id: str, staged: _Staged, removals: _Removals, upserted: _Upsert, notes: list[str]
) -> LoadStats:
    """The load's counts (an updated row is deleted and inserted again: the rows inserted anew are
    the inserts less the updates, the staged rows not inserted are unchanged) and ``changed_from``,
    the earliest date removed, updated or inserted. The dates in raw come after the commit."""
    changes = (removals.first_removed, upserted.first_updated, upserted.first_new)
    return LoadStats(
        load_id=load_id,
        rows_in_files=staged.rows,
        rows_inserted=upserted.inserted - upserted.updated,
        rows_updated=upserted.updated,
        rows_unchanged=staged.rows - upserted.inserted,
        rows_removed=removals.removed,
        items=len(staged.items),
        min_date=None,
        max_date=None,
        changed_from=min((d for d in changes if d), default=None),
        notes=notes,
        rows_withheld=removals.withheld,
    )


def record_load(
    con: duckdb.DuckDBPyConnection,
    table: RawTable,
    delivery: Delivery,
    stats: LoadStats,
    loaded_at: dt.datetime,
    expected: dict[str, bool],
) -> None:
    """Record the load in raw.loads (window, counts, landing files, notes) and raw.load_items (per
    item of ``expected`` or of the staged rows: expected or not, rows delivered), and mark resolved
    the pending withheld rows it settles (:func:`resolve_withheld`)."""
    per_item = dict(
        con.execute(f"select {table.item}, count(*) from incoming group by {table.item}").fetchall()
    )
    con.execute(
        """
        insert into raw.loads by name select
            $load_id as load_id, $system as system, $source as source, $loaded_at as loaded_at,
            $synthetic as synthetic, $files as landing_files, $start as covered_from,
            $end as covered_until, $changed_from as changed_from, $sessions as window_sessions,
            $keep_from as kept_from,
            $rows as rows_in_files, $inserted as rows_inserted, $updated as rows_updated,
            $unchanged as rows_unchanged, $removed as rows_removed, $notes as notes,
            $withheld as rows_withheld
        """,
        {
            "load_id": stats.load_id,
            "system": table.system,
            "source": delivery.source,
            "loaded_at": loaded_at,
            "synthetic": delivery.synthetic,
            "files": list(delivery.landing_files),
            "start": delivery.start_date,
            "end": delivery.end_date,
            "changed_from": stats.changed_from,
            "sessions": delivery.window_sessions,
            "keep_from": delivery.kept_from,
            "rows": stats.rows_in_files,
            "inserted": stats.rows_inserted,
            "updated": stats.rows_updated,
            "unchanged": stats.rows_unchanged,
            "removed": stats.rows_removed,
            "notes": stats.notes,
            "withheld": stats.rows_withheld,
        },
    )
    items = [
        [stats.load_id, name, expected.get(name, False), per_item.get(name, 0)]
        for name in sorted(set(expected) | set(per_item))
    ]
    if items:
        con.executemany("insert into raw.load_items values (?, ?, ?, ?)", items)
    resolve_withheld(con, table, stats.load_id)


def _key_columns(table: RawTable) -> list[str]:
    return [table.item, table.date, *table.keys]


def _same_key(table: RawTable) -> str:
    """SQL: raw's row ``p`` and the staged row ``i`` have the same key."""
    return " and ".join(f"p.{c} = i.{c}" for c in _key_columns(table))


def resolve_withheld(con: duckdb.DuckDBPyConnection, table: RawTable, load_id: str) -> None:
    """Mark resolved (by ``load_id``) the pending withheld rows of ``table`` that this load delivered
    again (they are in ``incoming``), that are no longer in raw (removed by decision or by
    configuration), or that this load withheld again (its own new entry stays pending)."""
    keys = "".join(f" and coalesce(i.{k}::varchar, '') = r.key_part_{n}" for n, k in enumerate(table.keys))
    parts = "".join(
        f", coalesce(split_part(key, '|', {n + 2}), '') as key_part_{n}" for n in range(len(table.keys))
    )
    same = f"i.{table.item} = r.item and i.{table.date} = r.date{keys}"
    con.execute(
        f"""
        update raw.removed_rows set resolved_by = $load_id
        where rowid in (
            select r.entry from (select *, rowid as entry{parts} from raw.removed_rows) r
            where r.table_name = $table_name and r.decision = 'withheld' and r.resolved_by is null
              and r.load_id <> $load_id
              and (exists (select 1 from incoming i where {same})
                   or not exists (select 1 from {table.qualified} i where {same})
                   or exists (select 1 from raw.removed_rows n
                              where n.load_id = $load_id and n.table_name = r.table_name
                                and n.item = r.item and n.date = r.date and n.key = r.key))
        )
        """,
        {"load_id": load_id, "table_name": table.name},
    )


def pending_removals(con: duckdb.DuckDBPyConnection, table: RawTable) -> pd.DataFrame:
    """The rows of ``table`` a load no longer delivered and kept without a decision (pending)."""
    exists = con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'raw' and table_name = 'removed_rows'"
    ).fetchone()[0]
    if not exists:  # a build file no load has touched since the table came: nothing pending
        con = duckdb.connect()
        con.execute(BOOKKEEPING_DDL)
    return con.execute(
        """
        select r.item, r.date, r.key, r.decision, r.load_id, l.loaded_at, l.landing_files
        from raw.removed_rows r join raw.loads l using (load_id)
        where r.table_name = ? and r.decision = 'withheld' and r.resolved_by is null
        order by r.item, r.date, r.key
        """,
        [table.name],
    ).df()


def expected_items(
    con: duckdb.DuckDBPyConnection, table: RawTable, items: set[str], end_date: dt.date | None
) -> set[str]:
    """``items`` without those whose rows in ``table`` all fall on or after ``end_date``: a window
    before an item's history (a backfill of 2010 for SOFR futures) does not expect it."""
    if end_date is None or not items:
        return set(items)
    later = {
        r[0]
        for r in con.execute(
            f"""
            select {table.item} from {table.qualified}
            where list_contains($items, {table.item})
            group by {table.item} having min({table.date}) >= $end
            """,
            {"items": sorted(items), "end": end_date},
        ).fetchall()
    }
    return set(items) - later


def latest_load(con: duckdb.DuckDBPyConnection, system: str) -> dict | None:
    """The most recent row of ``raw.loads`` for a system, as a dict (None before the first load)."""
    exists = con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'raw' and table_name = 'loads'"
    ).fetchone()[0]
    if not exists:
        return None
    cur = con.execute("select * from raw.loads where system = ? order by loaded_at desc limit 1", [system])
    row = cur.fetchone()
    if row is None:
        return None
    return dict(zip([d[0] for d in cur.description], row, strict=True))


def previously_delivered(con: duckdb.DuckDBPyConnection, system: str, source: str) -> list[str]:
    """Items with rows in the latest load of ``system`` from ``source``."""
    return [
        r[0]
        for r in con.execute(
            """
            select item from raw.load_items
            where rows_delivered > 0 and load_id = (
                select load_id from raw.loads where system = ? and source = ?
                order by loaded_at desc limit 1)
            order by item
            """,
            [system, source],
        ).fetchall()
    ]


def latest_window(con: duckdb.DuckDBPyConnection, system: str) -> tuple[dt.date, dt.date | None] | None:
    """(covered_from, covered_until) of the most recent load of ``system``; None before any load."""
    return con.execute(
        "select covered_from, covered_until from raw.loads where system = ? order by loaded_at desc limit 1",
        [system],
    ).fetchone()


def latest_load_items(con: duckdb.DuckDBPyConnection, system: str) -> pd.DataFrame:
    """Per item of the most recent load of ``system``: requested or not, rows delivered."""
    return con.execute(
        """
        select item, requested, rows_delivered
        from raw.load_items
        where load_id = (select load_id from raw.loads where system = ? order by loaded_at desc limit 1)
        order by item
        """,
        [system],
    ).df()


def gate_state(
    con: duckdb.DuckDBPyConnection, table: RawTable
) -> tuple[list[gate_state_policy.Load], list[gate_state_policy.Verdict]]:
    """The loads of ``table`` and the gates' verdicts on them (for warehouse/gate_state.py). A build
    file from before the verdicts were recorded has none: its loads are pending."""
    tables = {
        r[0]
        for r in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'raw' "
            "and table_name in ('loads', 'load_validations')"
        ).fetchall()
    }
    if "loads" not in tables:
        return [], []
    kept = con.execute(
        "select count(*) from duckdb_columns() where schema_name = 'raw' and table_name = 'loads' "
        "and column_name = 'kept_from'"
    ).fetchone()[0]
    loads = [
        gate_state_policy.Load(load_id, table.qualified, source, _utc(loaded_at), start, end, kept_from)
        for load_id, source, loaded_at, start, end, kept_from in con.execute(
            "select load_id, source, loaded_at, covered_from, covered_until, "
            + ("kept_from" if kept else "null")
            + " from raw.loads where system = ? order by loaded_at",
            [table.system],
        ).fetchall()
    ]
    if "load_validations" not in tables:
        return loads, []
    verdicts = [
        gate_state_policy.Verdict(load_id, check, status, _utc(at), run_id)
        for load_id, check, status, at, run_id in con.execute(
            "select load_id, check_name, status, evaluated_at, run_id from raw.load_validations "
            "where system = ? order by evaluated_at",
            [table.system],
        ).fetchall()
    ]
    return loads, verdicts


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC) if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class ValidationRecord:
    """A gate's verdict on one load's window, to insert into ``raw.load_validations``."""

    load_id: str
    check_name: str
    passed: bool
    validated_window: str
    reason: str
    summary: str


def record_validations(
    con: duckdb.DuckDBPyConnection, table: RawTable, records: Sequence[ValidationRecord], run_id: str | None
) -> None:
    """Insert the verdicts of one gate evaluation (one transaction, one ``evaluated_at``)."""
    con.execute(BOOKKEEPING_DDL)
    evaluated_at = dt.datetime.now(dt.UTC)
    rows = [
        [
            r.load_id,
            table.system,
            r.check_name,
            gate_state_policy.PASSED if r.passed else gate_state_policy.FAILED,
            evaluated_at,
            run_id,
            r.validated_window,
            r.reason,
            r.summary,
        ]
        for r in records
    ]
    if rows:
        con.begin()
        try:
            con.executemany("insert into raw.load_validations values (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            con.commit()
        except BaseException:
            con.rollback()
            raise


def load_items(con: duckdb.DuckDBPyConnection, load_id: str) -> pd.DataFrame:
    """Per item of one load: requested or not, rows delivered."""
    return con.execute(
        "select item, requested, rows_delivered from raw.load_items where load_id = ? order by item",
        [load_id],
    ).df()


def table_of(system: str) -> RawTable:
    return next(t for t in RAW_TABLES if t.system == system)


def coverage(con: duckdb.DuckDBPyConnection, table: RawTable) -> pd.DataFrame:
    """Rows and date range per item of a raw table."""
    return con.execute(
        f"""
        select {table.item}, count(*) as rows, count(*) filter (where {table.values[0]} is not null)
               as rows_with_value, min({table.date}) as first_date, max({table.date}) as last_date
        from {table.qualified} group by {table.item} order by {table.item}
        """
    ).df()
