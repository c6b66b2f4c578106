"""DuckDB connections and the atomic publish of the serving file (raw loads: ``warehouse.raw``).

DuckDB allows one writing process or many reading ones. Dagster is the only writer of the build file
(``rotation.duckdb``); dbt writes it as Dagster's subprocess. Everyone else reads ``serving.duckdb``,
which is only ever replaced whole by a rename (see :func:`publish`); tools without a DuckDB driver
read its marts as Parquet files, each replaced whole the same way (see :func:`export_parquet`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingestion.errors import cause_and_fix, storage_error

log = logging.getLogger(__name__)


class WarehouseLockedError(RuntimeError):
    """A warehouse file is held by another process: one line naming the file, the process (PID and
    command line where known) and what to do."""


class WarehouseMissingError(FileNotFoundError):
    """A warehouse file to be read does not exist yet, or is not a DuckDB database (nothing a reader
    can use): one line naming it and saying to build first."""


_LOCK_HOLDER = re.compile(r"held in (?P<exe>.+?) \(PID (?P<pid>\d+)\)")


def lock_holder(error: BaseException) -> str:
    """``PID 123: python3.11 -m orchestration.cli run`` from DuckDB's lock error (the command line
    from /proc where readable), or DuckDB's own words when it names no process."""
    text = " ".join(str(error).split())
    match = _LOCK_HOLDER.search(text)
    if match is None:
        return text
    pid = match["pid"]
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        command = " ".join(Path(a).name if i == 0 else a for i, a in enumerate(raw.decode().split("\0")) if a)
    except (OSError, UnicodeDecodeError):
        command = ""
    command = " ".join(command.split()) or Path(match["exe"]).name
    return f"PID {pid}: {command[:100]}{'...' if len(command) > 100 else ''}"


def locked_message(path: Path, error: BaseException, *, read_only: bool) -> str:
    holder = lock_holder(error)
    if read_only:
        return cause_and_fix(
            f"{path} is held for writing by another process ({holder})",
            "close that session or wait for it to finish, then run again; open warehouse files "
            "read-only (duckdb.connect(path, read_only=True)) so they never block",
        )
    return cause_and_fix(
        f"{path} is locked by another process ({holder})",
        "wait for that run to finish or close that process (a Dagster run, a dbt, notebook or DuckDB "
        "session on the build file), then run again; BI tools read serving.duckdb, read-only",
    )


def missing_message(path: Path) -> str:
    return cause_and_fix(
        f"{path} does not exist yet (nothing has been built or published in this ROTATION_HOME)",
        "build the warehouse first: run `make run` (or .venv/bin/rotation run), or point ROTATION_HOME "
        "at a built warehouse",
    )


def not_a_database_message(path: Path) -> str:
    return cause_and_fix(
        f"{path} is not a DuckDB database (it exists but DuckDB cannot read it: overwritten, truncated "
        "or not written by this project)",
        "move it away and run `make run` to publish it again (serving.duckdb is rebuilt from the build "
        "file), or point ROTATION_HOME at a built warehouse",
    )


# DuckDB's own default is 80% of RAM, which a build of thousands of tickers takes and keeps; with a
# limit, large sorts and joins spill to <file>.tmp/ instead. dbt's connection has the same limit
# (dbt_project/profiles.yml). Measured by benchmarks/ (README "Performance").
MEMORY_LIMIT = "1GB"

# DuckDB's own lock-down for connections that run SQL a person typed (`rotation sql`): no file,
# network or extension access (no ATTACH, COPY TO/FROM, read_csv, httpfs, INSTALL/LOAD, EXPORT), no
# extension auto-install or auto-load, and the settings locked so the query cannot turn any of it
# back on. With read_only=True the serving file itself cannot be changed either.
QUERY_LOCKDOWN = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "allow_persistent_secrets": False,
    "lock_configuration": True,
}


@contextmanager
def connect(
    path: Path, *, read_only: bool = False, locked_down: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open a DuckDB file and always close it. A lock held by another process becomes a
    WarehouseLockedError, a missing file opened read-only, or one that is not a DuckDB database, a
    WarehouseMissingError, each one line ``<cause> — fix: <what to do>``. ``locked_down`` (read-only
    connections only) applies QUERY_LOCKDOWN: for SQL a person typed."""
    path = Path(path)
    if locked_down and not read_only:
        raise ValueError("a locked-down connection is read-only: pass read_only=True")
    if read_only and not path.exists():
        raise WarehouseMissingError(missing_message(path))
    config = {"memory_limit": MEMORY_LIMIT, **(QUERY_LOCKDOWN if locked_down else {})}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path), read_only=read_only, config=config)
    except (duckdb.IOException, OSError) as e:
        if "lock" in str(e).lower() and isinstance(e, duckdb.IOException):
            raise WarehouseLockedError(locked_message(path, e, read_only=read_only)) from e
        if "not a valid DuckDB database" in str(e):
            raise WarehouseMissingError(not_a_database_message(path)) from e
        if (refused := storage_error(e, path)) is not None:
            raise refused from e  # read-only, unwritable or full: one line, cause and fix
        raise
    try:
        yield con
    finally:
        con.close()


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
    # Leftovers of a publish killed before its rename (one writer at a time: none is in use).
    for stale in serving_db.parent.glob(f".{serving_db.name}.*.tmp*"):
        stale.unlink(missing_ok=True)
    tmp = serving_db.with_name(f".{serving_db.name}.{uuid.uuid4().hex}.tmp")
    published_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    tables: dict[str, int] = {}
    try:
        con = duckdb.connect(str(tmp))
        try:
            quoted = str(build_db).replace("'", "''")  # ATTACH takes no parameters: quote the path
            con.execute(f"attach '{quoted}' as build (read_only)")
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
    except BaseException as e:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
        if isinstance(e, OSError | duckdb.Error) and (refused := storage_error(e, tmp)) is not None:
            raise refused from e  # the old serving file is untouched; say why in one line
        raise
    log.info("published %s tables to %s", len(tables), serving_db)
    return PublishResult(path=serving_db, tables=tables, published_at=published_at)


PARQUET_SCHEMA = "marts"
_TABLE_NAME = re.compile(r"[A-Za-z0-9_]+")  # a mart's name becomes a file name: nothing else gets through


def export_parquet(
    serving_db: Path, out_dir: Path, *, schema: str = PARQUET_SCHEMA
) -> dict[str, tuple[Path, int]]:
    """Write every table of ``schema`` in the serving file to ``out_dir/<table>.parquet`` (zstd), and
    return ``{table: (path, rows)}``.

    Each file is written under a temporary name in ``out_dir`` and renamed over the old one, so a
    reader sees the previous file or the new one, never half a file. Rows are sorted by all columns
    left to right (a mart's leading columns are its key, mostly the date first), so an unchanged mart
    gives the same rows in the same order. Parquet files of tables that no longer exist, and temporary
    files of an export killed before its rename, are removed. The serving file is opened read-only.
    Nothing is written when the schema has no tables or a table name is not a plain identifier.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # Leftovers of an export killed before its rename (one export at a time: none is in use).
    for stale in out_dir.glob(".*.parquet.*.tmp"):
        stale.unlink(missing_ok=True)
    written: dict[str, tuple[Path, int]] = {}
    with connect(serving_db, read_only=True) as con:
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from duckdb_tables() where schema_name = $schema order by table_name",
                {"schema": schema},
            ).fetchall()
        ]
        if not tables:
            raise RuntimeError(f"{serving_db} has no tables in schema {schema}: nothing to export")
        unsafe = [table for table in tables if not _TABLE_NAME.fullmatch(table)]
        if unsafe:
            raise ValueError(
                f"{schema} tables {unsafe} are not plain names: refusing to use them as file names"
            )
        for table in tables:
            path = out_dir / f"{table}.parquet"
            tmp = out_dir / f".{table}.parquet.{uuid.uuid4().hex}.tmp"
            quoted = str(tmp).replace("'", "''")  # COPY TO takes no parameters: quote the path
            try:
                (rows,) = con.execute(
                    f'copy (select * from "{schema}"."{table}" order by all) '
                    f"to '{quoted}' (format parquet, compression zstd)"
                ).fetchone()
                os.replace(tmp, path)
            except BaseException as e:
                tmp.unlink(missing_ok=True)
                if isinstance(e, OSError | duckdb.Error) and (refused := storage_error(e, tmp)) is not None:
                    raise refused from e
                raise
            written[table] = (path, rows)
    for old in out_dir.glob("*.parquet"):
        if old.stem not in written:
            old.unlink(missing_ok=True)
            log.info("removed %s: %s.%s no longer exists", old, schema, old.stem)
    log.info("exported %s tables of %s to %s", len(written), schema, out_dir)
    return written
