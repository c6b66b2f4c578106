"""DuckDB connections, idempotent raw loads and the atomic publish of the serving file.

DuckDB allows one writing process or many reading ones. Dagster is the only writer of the build file
(``rotation.duckdb``); dbt writes it as Dagster's subprocess. Everyone else reads ``serving.duckdb``,
which is only ever replaced whole by a rename (see :func:`publish`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

log = logging.getLogger(__name__)

RAW_DDL = """
create schema if not exists raw;
create table if not exists raw.prices (
    symbol            varchar   not null,  -- Yahoo symbol (^RUT, IWM, ZQ=F)
    date              date      not null,  -- exchange-local trading date
    open              double,
    high              double,
    low               double,
    close             double,              -- Close as upstream sent it
    adj_close         double,              -- Adj Close where upstream sent one
    volume            double,
    close_is_adjusted boolean   not null,  -- true when upstream's Close is itself adjusted (auto_adjust)
    source            varchar   not null,  -- sample | snapshot | live
    landing_file      varchar   not null,  -- path relative to ROTATION_HOME
    loaded_at         timestamptz not null
);
create table if not exists raw.loads (
    load_id           varchar   not null,
    system            varchar   not null,  -- upstream system: yahoo
    source            varchar   not null,  -- sample | snapshot | live
    loaded_at         timestamptz not null,
    synthetic         boolean   not null,
    landing_files     varchar[] not null,
    covered_from      date,
    rows_in_files     bigint    not null,
    rows_inserted     bigint    not null,
    rows_updated      bigint    not null,
    rows_unchanged    bigint    not null,
    rows_removed      bigint    not null,
    notes             varchar[] not null
);
create table if not exists raw.load_symbols (
    load_id           varchar   not null,  -- raw.loads.load_id
    symbol            varchar   not null,
    requested         boolean   not null,  -- the load asked upstream for it
    rows_delivered    bigint    not null   -- rows upstream delivered for it (from start_date on)
);
"""

PRICE_VALUE_COLUMNS = ("open", "high", "low", "close", "adj_close", "volume", "close_is_adjusted")


class WarehouseLockedError(RuntimeError):
    """The build file is held by another process."""


@contextmanager
def connect(path: Path, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open a DuckDB file and always close it; a lock conflict becomes a clear error."""
    path = Path(path)
    if read_only and not path.exists():
        raise FileNotFoundError(f"{path} does not exist yet: build the warehouse first (make run)")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as e:
        if "lock" in str(e).lower():
            raise WarehouseLockedError(
                f"{path} is locked by another process ({e}). Only one writer may open the build "
                "file: wait for the running job to finish, or read serving.duckdb instead"
            ) from e
        raise
    try:
        yield con
    finally:
        con.close()


@dataclass
class LoadStats:
    load_id: str
    rows_in_files: int
    rows_inserted: int
    rows_updated: int
    rows_unchanged: int
    rows_removed: int
    symbols: int
    min_date: dt.date | None
    max_date: dt.date | None
    notes: list[str] = field(default_factory=list)

    def as_metadata(self) -> dict:
        out = asdict(self)
        out["min_date"] = str(self.min_date) if self.min_date else None
        out["max_date"] = str(self.max_date) if self.max_date else None
        return out


def load_prices(
    con: duckdb.DuckDBPyConnection,
    frame: pd.DataFrame,
    *,
    source: str,
    synthetic: bool,
    requested: Sequence[str],
    landing_files: Sequence[str],
    start_date: dt.date,
    notes: Sequence[str] = (),
) -> LoadStats:
    """Upsert parsed prices into ``raw.prices`` in one transaction; record the load in ``raw.loads``.

    The load is authoritative for the symbols it delivered, from ``start_date`` on: their rows that
    are identical stay untouched (``loaded_at`` included, so reloading the same files changes
    nothing), changed rows are replaced, rows upstream no longer sends are removed. Rows of symbols
    this load did not deliver (missing upstream) stay as they were: earlier good data stays served.
    A warehouse holds one source at a time: rows from another source (e.g. sample rows when loading
    the snapshot) and rows before ``start_date`` are removed, and the removal is counted.

    Symbols the previous load of the same source delivered count as requested again, so a file that
    disappears upstream shows as delivering 0 rows (and fails the gate) instead of silently serving
    its old rows.
    """
    con.execute(RAW_DDL)
    requested = sorted(set(requested) | set(previously_delivered(con, "yahoo", source)))
    load_id = uuid.uuid4().hex
    loaded_at = dt.datetime.now(dt.UTC)
    delivered = sorted(set(frame["symbol"])) if len(frame) else []
    incoming = frame[["symbol", "date", *PRICE_VALUE_COLUMNS, "landing_file"]].copy()
    con.begin()
    try:
        con.register("incoming_df", incoming)
        con.execute(
            """
            create or replace temp table incoming as
            select symbol::varchar as symbol, date::date as date,
                   open::double as open, high::double as high, low::double as low,
                   close::double as close, adj_close::double as adj_close,
                   volume::double as volume, close_is_adjusted::boolean as close_is_adjusted,
                   landing_file::varchar as landing_file
            from incoming_df
            """
        )
        con.unregister("incoming_df")
        changed = " or ".join(f"p.{c} is distinct from i.{c}" for c in PRICE_VALUE_COLUMNS)
        removed = con.execute(
            """
            delete from raw.prices p
            where p.source <> $source
               or p.date < $start
               or (list_contains($delivered, p.symbol)
                   and not exists (select 1 from incoming i
                                   where i.symbol = p.symbol and i.date = p.date))
            """,
            {"source": source, "start": start_date, "delivered": delivered},
        ).fetchone()[0]
        updated = con.execute(
            f"""
            delete from raw.prices p using incoming i
            where p.symbol = i.symbol and p.date = i.date and ({changed})
            """
        ).fetchone()[0]
        inserted_total = con.execute(
            """
            insert into raw.prices
            select i.symbol, i.date, i.open, i.high, i.low, i.close, i.adj_close, i.volume,
                   i.close_is_adjusted, $source, i.landing_file, $loaded_at
            from incoming i
            where not exists (select 1 from raw.prices p
                              where p.symbol = i.symbol and p.date = i.date)
            """,
            {"source": source, "loaded_at": loaded_at},
        ).fetchone()[0]
        con.execute(
            """
            insert into raw.loads values ($load_id, 'yahoo', $source, $loaded_at, $synthetic,
                $files, $start, $rows, $inserted, $updated, $unchanged, $removed, $notes)
            """,
            {
                "load_id": load_id,
                "source": source,
                "loaded_at": loaded_at,
                "synthetic": synthetic,
                "files": list(landing_files),
                "start": start_date,
                "rows": len(incoming),
                "inserted": inserted_total - updated,
                "updated": updated,
                "unchanged": len(incoming) - inserted_total,
                "removed": removed,
                "notes": list(notes),
            },
        )
        per_symbol = con.execute("select symbol, count(*) from incoming group by symbol").fetchall()
        delivered_rows = dict(per_symbol)
        con.executemany(
            "insert into raw.load_symbols values (?, ?, ?, ?)",
            [
                [load_id, symbol, symbol in set(requested), delivered_rows.get(symbol, 0)]
                for symbol in sorted(set(requested) | set(delivered_rows))
            ],
        )
        con.execute("drop table incoming")
        con.commit()
    except BaseException:
        con.rollback()
        raise
    min_date, max_date = con.execute("select min(date), max(date) from raw.prices").fetchone()
    return LoadStats(
        load_id=load_id,
        rows_in_files=len(incoming),
        rows_inserted=inserted_total - updated,
        rows_updated=updated,
        rows_unchanged=len(incoming) - inserted_total,
        rows_removed=removed,
        symbols=len(delivered),
        min_date=min_date,
        max_date=max_date,
        notes=list(notes),
    )


def latest_load(con: duckdb.DuckDBPyConnection, system: str = "yahoo") -> dict | None:
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
    """Symbols with rows in the latest load of ``system`` from ``source``."""
    return [
        r[0]
        for r in con.execute(
            """
            select symbol from raw.load_symbols
            where rows_delivered > 0 and load_id = (
                select load_id from raw.loads where system = ? and source = ?
                order by loaded_at desc limit 1)
            order by symbol
            """,
            [system, source],
        ).fetchall()
    ]


def coverage(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Rows and date range per symbol of ``raw.prices``."""
    return con.execute(
        """
        select symbol, count(*) as rows, min(date) as first_date, max(date) as last_date
        from raw.prices group by symbol order by symbol
        """
    ).df()


def latest_load_symbols(con: duckdb.DuckDBPyConnection, system: str = "yahoo") -> pd.DataFrame:
    """Per symbol of the most recent load: requested or not, and how many rows upstream delivered."""
    return con.execute(
        """
        select s.symbol, s.requested, s.rows_delivered
        from raw.load_symbols s
        where s.load_id = (select load_id from raw.loads where system = ? order by loaded_at desc limit 1)
        order by s.symbol
        """,
        [system],
    ).df()


PUBLISHED_SCHEMAS = ("marts", "reference")


@dataclass
class PublishResult:
    path: Path
    tables: dict[str, int]  # schema.table -> rows
    published_at: str


def publish(
    build_db: Path,
    serving_db: Path,
    *,
    build_info: dict,
    schemas: Sequence[str] = PUBLISHED_SCHEMAS,
) -> PublishResult:
    """Copy the published schemas of the build file into a new serving file, then rename it over
    the old one. Readers holding the old file keep reading it; new readers see the new one; nobody
    ever sees a half-written file. If anything fails, the old serving file is left untouched.
    """
    serving_db = Path(serving_db)
    serving_db.parent.mkdir(parents=True, exist_ok=True)
    tmp = serving_db.with_name(f".{serving_db.name}.{uuid.uuid4().hex}.tmp")
    published_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    tables: dict[str, int] = {}
    try:
        con = duckdb.connect(str(tmp))
        try:
            con.execute(f"attach '{build_db}' as build (read_only)")
            rows = con.execute(
                """
                select schema_name, table_name, sql from duckdb_tables()
                where database_name = 'build' and list_contains($schemas, schema_name)
                order by schema_name, table_name
                """,
                {"schemas": list(schemas)},
            ).fetchall()
            if not any(schema == "marts" for schema, _, _ in rows):
                raise RuntimeError(f"{build_db} has no tables in schema marts: nothing to publish")
            for schema, table, create_sql in rows:
                con.execute(f'create schema if not exists "{schema}"')
                con.execute(create_sql)  # same columns, types and constraints as the build file
                con.execute(f'insert into "{schema}"."{table}" select * from build."{schema}"."{table}"')
                tables[f"{schema}.{table}"] = con.execute(
                    f'select count(*) from "{schema}"."{table}"'
                ).fetchone()[0]
            con.execute("detach build")
            info = {**build_info, "published_at": published_at, "tables": tables}
            con.execute("create schema if not exists meta")
            con.execute(
                """
                create table meta.build_info as
                select $published_at::timestamptz as published_at, $source as source,
                       $synthetic as synthetic, $details::json as details
                """,
                {
                    "published_at": published_at,
                    "source": build_info.get("source"),
                    "synthetic": bool(build_info.get("synthetic")),
                    "details": json.dumps(info, default=str),
                },
            )
            con.execute("checkpoint")
        finally:
            con.close()
        os.replace(tmp, serving_db)
    except BaseException:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
        raise
    log.info("published %s tables to %s", len(tables), serving_db)
    return PublishResult(path=serving_db, tables=tables, published_at=published_at)
