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
import shutil
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
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
# (dbt_project/profiles.yml). Measured by benchmarks/ (docs/performance.md).
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

# The storage format serving.duckdb is written in: DuckDB 1.0's (storage version 64), which every
# DuckDB from 0.10 to 1.5 reads (the PyPI duckdb 1.x, the duckdb CLI 1.5.6, BI drivers built on 1.x;
# docs/clients.md). DuckDB 2.0's own format, the build file's, is read by 2.0 and later only. A
# column that needs a newer format (e.g. VARIANT, v1.5.0) fails the publish with DuckDB's error
# naming that version. The build file (rotation.duckdb) stays in DuckDB's latest format.
SERVING_STORAGE_VERSION = "v1.0.0"
SERVING_STORAGE_TAG = "v1.0.0+"  # how DuckDB tags a database in that format (storage_version)
# serving.duckdb is read-only on disk (r--r--r--), so a client that forgets read_only cannot change
# it; the next publish still replaces it by a rename (install_serving_file).
SERVING_FILE_MODE = 0o444

# What a publish compares. A published table is split into parts: a table with a column ``date`` of
# type DATE by calendar year of that column (rows whose date is null form one part), any other table
# is one part. A part's fingerprint is its row count and the sum of DuckDB's 64-bit hash of every row
# (all columns): independent of row order, it counts duplicates, it adds up (a table's fingerprint is
# the sum of its parts'), and DuckDB computes it in one scan. Equal fingerprints are taken as equal
# content (a change that kept both the count and the 128-bit sum of hashes is a 64-bit collision).
PART_COLUMN = "date"
WHOLE = "all"
NULL_PART = "null"
# Stored with every fingerprint: fingerprints of another recipe or DuckDB version (whose hash may
# differ) are never compared; the publish then writes a fresh file.
FINGERPRINT_RECIPE = f"count,sum(hash(row)) duckdb {duckdb.__version__}"
# The previous serving file is reused only while at most this share of its blocks is free (space left
# by replaced parts, which DuckDB reuses for later writes); past it, a fresh file is written.
MAX_FREE_SHARE = 0.5


@dataclass(frozen=True)
class Fingerprint:
    rows: int
    hash_sum: int  # sum of hash(row) over the part's rows, a 128-bit integer

    def __add__(self, other: Fingerprint) -> Fingerprint:
        return Fingerprint(self.rows + other.rows, self.hash_sum + other.hash_sum)


@dataclass
class PublishResult:
    path: Path
    tables: dict[str, int]  # schema.table -> rows
    published_at: str
    # schema.table -> what this publish did: "kept" (equal to the previous publish, not touched),
    # "parts" (only its changed years rewritten), "copied" (written whole) or "removed"
    actions: dict[str, str] = field(default_factory=dict)
    parts: dict[str, list[str]] = field(default_factory=dict)  # schema.table -> parts rewritten
    # "incremental": the previous serving file copied and updated; "fresh": a new file, every table
    # copied (first publish, full=True, no usable fingerprints, or too much free space)
    mode: str = "fresh"
    fresh_reason: str = ""


def part_expression(part_column: str | None) -> str:
    """SQL of a row's part: its year as text, 'null', or 'all' for a table compared whole."""
    if part_column is None:
        return f"'{WHOLE}'"
    return f"coalesce(year(\"{part_column}\")::varchar, '{NULL_PART}')"


def part_filter(part_column: str | None, parts: Sequence[str]) -> str:
    """SQL predicate selecting the rows of ``parts``: date ranges (DuckDB skips row groups by their
    min/max date) or ``date is null``; every row for a table compared whole."""
    if part_column is None:
        return "true"
    terms = []
    for part in sorted(parts):
        if part == NULL_PART:
            terms.append(f'"{part_column}" is null')
        else:
            year = int(part)
            terms.append(
                f"(\"{part_column}\" >= date '{year:04d}-01-01' "
                f"and \"{part_column}\" < date '{year + 1:04d}-01-01')"
            )
    return " or ".join(terms) if terms else "false"


def partition_column(con: duckdb.DuckDBPyConnection, database: str, schema: str, table: str) -> str | None:
    """``date`` when the table has a column of that name and type DATE, else None (one part)."""
    row = con.execute(
        """
        select column_name from duckdb_columns()
        where database_name = $db and schema_name = $schema and table_name = $table
          and column_name = $column and data_type = 'DATE'
        """,
        {"db": database, "schema": schema, "table": table, "column": PART_COLUMN},
    ).fetchone()
    return row[0] if row else None


def part_fingerprints(
    con: duckdb.DuckDBPyConnection, qualified: str, part_column: str | None
) -> dict[str, Fingerprint]:
    """``{part: Fingerprint}`` of the table ``qualified`` (its quoted name), in one scan. Every
    column, in table order, goes into one hash per row."""
    names = [row[0] for row in con.execute(f"describe {qualified}").fetchall()]
    row_hash = "hash(" + ", ".join('"' + n.replace('"', '""') + '"' for n in names) + ")"
    rows = con.execute(
        f"select {part_expression(part_column)} as part, count(*), sum({row_hash})::hugeint "
        f"from {qualified} group by all"
    ).fetchall()
    # an empty table has no parts (a constant part makes DuckDB return one row of count 0)
    return {part: Fingerprint(int(n), int(s)) for part, n, s in rows if n}


def published_fingerprints(
    con: duckdb.DuckDBPyConnection,
) -> dict[str, tuple[str | None, dict[str, Fingerprint]]] | None:
    """What the serving file open on ``con`` records of its own tables (meta.published_parts):
    ``{schema.table: (part column, {part: Fingerprint})}``; None when it records nothing usable
    (written before fingerprints, or by another recipe)."""
    exists = con.execute(
        "select count(*) from duckdb_tables() where database_name = current_database() "
        "and schema_name = 'meta' and table_name = 'published_parts'"
    ).fetchone()[0]
    if not exists:
        return None
    rows = con.execute(
        "select schema_name, table_name, part_column, part, rows, hash_sum, recipe from meta.published_parts"
    ).fetchall()
    if not rows or any(recipe != FINGERPRINT_RECIPE for *_, recipe in rows):
        return None
    out: dict[str, tuple[str | None, dict[str, Fingerprint]]] = {}
    for schema, table, part_column, part, n, hash_sum, _ in rows:
        parts = out.setdefault(f"{schema}.{table}", (part_column, {}))[1]
        if part is not None:  # null: the table was empty
            parts[part] = Fingerprint(n, int(hash_sum))
    return out


def free_share(con: duckdb.DuckDBPyConnection) -> float:
    """Share of the open database file's blocks that are free."""
    free, total = con.execute(
        "select free_blocks, total_blocks from pragma_database_size() where database_name = current_database()"
    ).fetchone()
    return free / total if total else 0.0


def publish(
    build_db: Path,
    serving_db: Path,
    *,
    build_info: dict,
    schemas: Sequence[str] = PUBLISHED_SCHEMAS,
    full: bool = False,
) -> PublishResult:
    """Publish the schemas ``schemas`` of the build file as a new serving file, renamed over the old
    one. Readers holding the old file keep reading it; new readers see the new one; nobody ever sees a
    half-written file or a mix of two builds. If anything fails, the old serving file is left untouched.

    The new file starts as a byte copy of the current serving file, which records the fingerprint of
    each part of each table it holds (meta.published_parts). Each table of the build is then
    fingerprinted part by part (one scan) and compared: equal in every part, the table is kept as it
    is; changed in some parts of a table split by year, those parts' rows are deleted and inserted
    from the build; otherwise (a new table, changed columns or constraints, a table compared whole) it
    is written whole with the build's DDL. Tables no longer in the build are dropped. The result holds
    exactly the build's rows, table for table, as a copy from scratch would. A fresh file, every table
    copied, is written when there is no serving file, ``full`` is set, it records no fingerprints of
    the current recipe, it is in another storage format than SERVING_STORAGE_VERSION, or more than
    MAX_FREE_SHARE of it is free space. The file is written in DuckDB's SERVING_STORAGE_VERSION format
    (DuckDB 1.x clients read it) and installed read-only on disk (install_serving_file).
    """
    serving_db = Path(serving_db)
    serving_db.parent.mkdir(parents=True, exist_ok=True)
    # Leftovers of a publish killed before its rename (one writer at a time: none is in use).
    for stale in serving_db.parent.glob(f".{serving_db.name}.*.tmp*"):
        stale.unlink(missing_ok=True)
    tmp = serving_db.with_name(f".{serving_db.name}.{uuid.uuid4().hex}.tmp")
    published_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    result = PublishResult(path=serving_db, tables={}, published_at=published_at)
    try:
        con, previous = _start_from_previous(serving_db, tmp, full, result)
        try:
            _publish_tables(con, build_db, schemas, previous, result)
            info = {**build_info, "published_at": published_at, "tables": result.tables}
            con.execute("create schema if not exists meta")
            con.execute("drop table if exists meta.build_info")
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
        install_serving_file(tmp, serving_db)
    except BaseException as e:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
        if isinstance(e, OSError | duckdb.Error) and (refused := storage_error(e, tmp)) is not None:
            raise refused from e  # the old serving file is untouched; say why in one line
        raise
    changed = {t: a for t, a in result.actions.items() if a != "kept"}
    log.info(
        "published %s tables to %s (%s): %s rewritten, %s kept",
        len(result.tables),
        serving_db,
        result.mode,
        len(changed),
        len(result.actions) - len(changed),
    )
    return result


def _start_from_previous(serving_db: Path, tmp: Path, full: bool, result: PublishResult):
    """Open ``tmp`` as a byte copy of the current serving file when it can be updated in place, else
    as an empty file; return the connection and the previous fingerprints (None when fresh)."""
    reason = "full publish requested" if full else "no serving file yet"
    if not full and serving_db.exists():
        shutil.copyfile(serving_db, tmp)  # in-kernel copy; ext4 has no reflink
        try:
            con = _connect_new_serving(tmp)
        except duckdb.Error as e:
            if "not a valid DuckDB database" not in str(e):
                raise
            reason = "the serving file is not a DuckDB database"
        else:
            previous = published_fingerprints(con)
            share = free_share(con)
            storage = storage_version(con)
            if previous is not None and share <= MAX_FREE_SHARE and storage == SERVING_STORAGE_TAG:
                result.mode = "incremental"
                return con, previous
            if storage != SERVING_STORAGE_TAG:
                reason = (
                    f"the serving file is in DuckDB storage format {storage}, not {SERVING_STORAGE_VERSION} "
                    "(what DuckDB 1.x clients read)"
                )
            elif previous is None:
                reason = "the serving file records no fingerprints of this recipe"
            else:
                reason = f"{share:.0%} of the serving file is free space (> {MAX_FREE_SHARE:.0%}): compacting"
            con.close()
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
    result.mode, result.fresh_reason = "fresh", reason
    return _connect_new_serving(tmp), {}


def _connect_new_serving(tmp: Path) -> duckdb.DuckDBPyConnection:
    """The connection a publish writes ``tmp`` with. A new file is created in the storage format
    SERVING_STORAGE_VERSION; an existing one (the copy of the current serving file) keeps its own,
    which the caller checks (storage_version)."""
    # under the memory limit of every connection: a fresh publish sorts each table by year, which
    # then spills instead of holding the largest mart in memory (2.6 GB at 3000 x 25)
    return duckdb.connect(
        str(tmp),
        config={"memory_limit": MEMORY_LIMIT, "storage_compatibility_version": SERVING_STORAGE_VERSION},
    )


def storage_version(con: duckdb.DuckDBPyConnection) -> str:
    """The DuckDB storage format of the database open on ``con`` as DuckDB tags it (``v1.0.0+``:
    readable by DuckDB 1.0 and later; ``v2.0.0+``: by 2.0 and later only)."""
    row = con.execute(
        "select tags['storage_version'] from duckdb_databases() where database_name = current_database()"
    ).fetchone()
    return (row[0] if row else None) or "unknown"


def install_serving_file(tmp: Path, serving_db: Path) -> None:
    """Make the finished ``tmp`` the serving file: read-only on disk (SERVING_FILE_MODE), then renamed
    over the current one in one step (a rename replaces a read-only file: it needs only the
    directory to be writable). Every publish ends here, whatever built ``tmp``."""
    os.chmod(tmp, SERVING_FILE_MODE)
    os.replace(tmp, serving_db)


def _publish_tables(
    con, build_db: Path, schemas: Sequence[str], previous: dict, result: PublishResult
) -> None:
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
    current = {
        f"{schema}.{table}": sql
        for schema, table, sql in con.execute(
            """
            select schema_name, table_name, sql from duckdb_tables()
            where database_name = current_database() and list_contains($schemas, schema_name)
            """,
            {"schemas": list(schemas)},
        ).fetchall()
    }
    fingerprints: list[tuple] = []
    for schema, table, create_sql in rows:
        name = f"{schema}.{table}"
        target = f'"{schema}"."{table}"'
        part_column = partition_column(con, "build", schema, table)
        new = part_fingerprints(con, f"build.{target}", part_column)
        old_column, old = previous.get(name, (None, None))
        comparable = old is not None and current.get(name) == create_sql and old_column == part_column
        changed = sorted(p for p in set(new) | set(old or {}) if not comparable or new.get(p) != old.get(p))
        if comparable and not changed:
            result.actions[name] = "kept"
        elif comparable and part_column is not None and set(changed) != set(new) | set(old):
            where = part_filter(part_column, changed)
            con.execute(f"delete from {target} where {where}")
            con.execute(f"insert into {target} select * from build.{target} where {where}")
            result.actions[name], result.parts[name] = "parts", changed
        else:
            con.execute(f"drop table if exists {target}")
            con.execute(f'create schema if not exists "{schema}"')
            con.execute(create_sql)  # same columns, types and constraints as the build file
            # by year, so each year's rows fill their own row groups: replacing a year later rewrites
            # those row groups only (not every row group that holds a few of its rows)
            order = f' order by "{part_column}"' if part_column else ""
            con.execute(f"insert into {target} select * from build.{target}{order}")
            result.actions[name] = "copied"
        result.tables[name] = sum(fp.rows for fp in new.values())
        fingerprints += [
            (schema, table, part_column, part, fp.rows, str(fp.hash_sum), FINGERPRINT_RECIPE)
            for part, fp in sorted(new.items())
        ] or [(schema, table, part_column, None, 0, "0", FINGERPRINT_RECIPE)]  # empty: no parts
    for name in sorted(set(current) - set(result.tables)):
        schema, table = name.split(".", 1)
        con.execute(f'drop table "{schema}"."{table}"')
        result.actions[name] = "removed"
    con.execute("detach build")
    con.execute("create schema if not exists meta")
    con.execute("drop table if exists meta.published_parts")
    con.execute(
        """
        create table meta.published_parts (
            schema_name varchar not null, table_name varchar not null,
            part_column varchar,          -- 'date' when split by year, null when compared whole
            part varchar,                 -- a year, 'null' (rows without a date), 'all'; null: empty
            rows bigint not null,
            hash_sum varchar not null,    -- sum of hash(row), a 128-bit integer in decimal
            recipe varchar not null       -- FINGERPRINT_RECIPE: how it was computed
        )
        """
    )
    if fingerprints:
        con.executemany("insert into meta.published_parts values (?, ?, ?, ?, ?, ?, ?)", fingerprints)


PARQUET_SCHEMA = "marts"
_TABLE_NAME = re.compile(r"[A-Za-z0-9_]+")  # a mart's name becomes a file name: nothing else gets through
# The marts that grow with the universe (millions of rows) and change daily only in their newest
# dates: written as one file per calendar year of ``date``, <mart>/<year>.parquet, so a new day
# rewrites one year's file. Every other mart is one file, <mart>.parquet.
PARQUET_BY_YEAR = ("instrument_returns", "rate_sensitivity", "relative_performance")
# Written into each file's key-value metadata: the fingerprint of the rows it holds and how it was
# written. A file whose metadata equals what it would be written with now is kept as it is.
PARQUET_FORMAT = "zstd, rows ordered by all columns"
PARQUET_KEY = "rotation_fingerprint"
# Also in each file's key-value metadata: where its rows come from, from the serving file's
# meta.build_info, so a file copied away still says whether it is synthetic (the generated sample).
# Part of the stamp too: a file of another source is written again even when its rows are equal.
PARQUET_SOURCE_KEY = "rotation_source"  # sample, snapshot or live ("unknown" without build_info)
PARQUET_SYNTHETIC_KEY = "rotation_synthetic"  # "true" for the generated sample, else "false"
PARQUET_NOTE_KEY = "rotation_note"  # a sentence for people; on synthetic data only
SYNTHETIC_NOTE = "SYNTHETIC data generated by the rotation-warehouse sample source, not market data"


@dataclass
class ParquetMart:
    path: Path  # <mart>.parquet, or the directory <mart>/ of yearly files
    rows: int
    written: list[Path] = field(default_factory=list)  # files (re)written by this export
    kept: list[Path] = field(default_factory=list)  # files already holding exactly these rows


def parquet_stamp(fp: Fingerprint, labels: dict[str, str] | None = None) -> str:
    labelled = "".join(f"; {k} {v}" for k, v in sorted((labels or {}).items()))
    return f"{PARQUET_FORMAT}; rows {fp.rows}; hash sum {fp.hash_sum}; {FINGERPRINT_RECIPE}{labelled}"


def parquet_labels(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The key-value metadata that says where the rows come from: source and synthetic (and a note
    on synthetic data), from meta.build_info of the serving file open on ``con``."""
    exists = con.execute(
        "select count(*) from duckdb_tables() where database_name = current_database() "
        "and schema_name = 'meta' and table_name = 'build_info'"
    ).fetchone()[0]
    row = con.execute("select source, synthetic from meta.build_info").fetchone() if exists else None
    source, synthetic = (row[0] or "unknown", bool(row[1])) if row else ("unknown", False)
    labels = {PARQUET_SOURCE_KEY: source, PARQUET_SYNTHETIC_KEY: "true" if synthetic else "false"}
    if synthetic:
        labels[PARQUET_NOTE_KEY] = SYNTHETIC_NOTE
    return labels


def _parquet_stamp_of(con: duckdb.DuckDBPyConnection, path: Path) -> str | None:
    """The fingerprint a Parquet file says it holds, or None (no file, unreadable, no stamp)."""
    if not path.is_file():
        return None
    try:
        row = con.execute(
            "select value from parquet_kv_metadata($p) where key::varchar = $k",
            {"p": str(path), "k": PARQUET_KEY},
        ).fetchone()
    except duckdb.Error:
        return None  # truncated or not Parquet: written again
    # the bytes as written (a cast to varchar would escape some characters, e.g. ' as \x27)
    return row[0].decode("utf-8", errors="replace") if row else None


def export_parquet(
    serving_db: Path, out_dir: Path, *, schema: str = PARQUET_SCHEMA, by_year: Sequence[str] = PARQUET_BY_YEAR
) -> dict[str, ParquetMart]:
    """Write every table of ``schema`` in the serving file to Parquet (zstd) in ``out_dir``: the marts
    of ``by_year`` (when they have a DATE column ``date``) as ``<mart>/<year>.parquet`` (rows with a
    null date in ``<mart>/null.parquet``; a mart without rows leaves its directory empty), every other
    one as ``<mart>.parquet``. Return ``{table: ParquetMart}``.

    Only files whose rows changed are written: each file carries in its key-value metadata the
    fingerprint (row count and hash sum, as the publish computes them) of the rows it holds; a file
    whose fingerprint equals that of its rows in the serving file (meta.published_parts, or computed
    when the file records none) is kept untouched. Each file's key-value metadata also says where its
    rows come from (PARQUET_SOURCE_KEY, PARQUET_SYNTHETIC_KEY, and PARQUET_NOTE_KEY on the synthetic
    sample), from meta.build_info. Each file is written under a temporary name in its
    directory and renamed over the old one, so a reader sees the previous file or the new one, never
    half a file. Rows are sorted by all columns left to right (a mart's leading columns are its key,
    mostly the date first). Files of tables or years that no longer exist (and the single file of a
    mart now written by year), and temporary files of an export killed before its rename, are removed.
    The serving file is opened read-only. Nothing is written when the schema has no tables or a table
    name is not a plain identifier.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # Leftovers of an export killed before its rename (one export at a time: none is in use).
    for stale in [*out_dir.glob(".*.parquet.*.tmp"), *out_dir.glob("*/.*.parquet.*.tmp")]:
        stale.unlink(missing_ok=True)
    exported: dict[str, ParquetMart] = {}
    with connect(serving_db, read_only=True) as con:
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from duckdb_tables() where database_name = current_database() "
                "and schema_name = $schema order by table_name",
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
        recorded = published_fingerprints(con) or {}
        labels = parquet_labels(con)
        current_db = con.execute("select current_database()").fetchone()[0]
        for table in tables:
            part_column = partition_column(con, current_db, schema, table)
            column, parts = recorded.get(f"{schema}.{table}", (None, None))
            if parts is None or column != part_column:
                parts = part_fingerprints(con, f'"{schema}"."{table}"', part_column)
            if table in by_year and part_column is not None:
                mart = ParquetMart(out_dir / table, sum(fp.rows for fp in parts.values()))
                mart.path.mkdir(exist_ok=True)
                files = {
                    mart.path / f"{part}.parquet": (part_filter(part_column, [part]), fp)
                    for part, fp in parts.items()
                }
            else:
                whole = sum(parts.values(), Fingerprint(0, 0))
                mart = ParquetMart(out_dir / f"{table}.parquet", whole.rows)
                files = {mart.path: ("true", whole)}
            for path, (where, fp) in sorted(files.items()):
                stamp = parquet_stamp(fp, labels)
                if _parquet_stamp_of(con, path) == stamp:
                    mart.kept.append(path)
                    continue
                _write_parquet(
                    con, f'select * from "{schema}"."{table}" where {where} order by all', path, stamp, labels
                )
                mart.written.append(path)
            if mart.path.is_dir():
                for old in mart.path.glob("*.parquet"):
                    if old not in files:
                        old.unlink(missing_ok=True)
                        log.info("removed %s: %s.%s has no rows in that year any more", old, schema, table)
            exported[table] = mart
    _remove_stale_parquet(out_dir, exported, schema)
    written = sum(len(m.written) for m in exported.values())
    kept = sum(len(m.kept) for m in exported.values())
    log.info(
        "exported %s tables of %s to %s: %s files written, %s kept",
        len(exported),
        schema,
        out_dir,
        written,
        kept,
    )
    return exported


def _write_parquet(
    con: duckdb.DuckDBPyConnection, query: str, path: Path, stamp: str, labels: dict[str, str] | None = None
) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    quoted = str(tmp).replace("'", "''")  # COPY TO takes no parameters: quote the path
    metadata = {PARQUET_KEY: stamp, **(labels or {})}
    kv = ", ".join(f"{key}: '{value.replace(chr(39), chr(39) * 2)}'" for key, value in metadata.items())
    try:
        con.execute(f"copy ({query}) to '{quoted}' (format parquet, compression zstd, kv_metadata {{{kv}}})")
        os.replace(tmp, path)
    except BaseException as e:
        tmp.unlink(missing_ok=True)
        if isinstance(e, OSError | duckdb.Error) and (refused := storage_error(e, tmp)) is not None:
            raise refused from e
        raise


def _remove_stale_parquet(out_dir: Path, exported: dict[str, ParquetMart], schema: str) -> None:
    """Files of marts that no longer exist, and a mart's other layout (its single file once it is
    written by year, its yearly directory once it is one file)."""
    keep = {m.path for m in exported.values()}
    for old in out_dir.glob("*.parquet"):
        if old not in keep:
            old.unlink(missing_ok=True)
            log.info("removed %s: %s.%s is no longer exported as this file", old, schema, old.stem)
    for folder in out_dir.iterdir():
        if folder.is_dir() and folder not in keep and _TABLE_NAME.fullmatch(folder.name):
            for old in folder.glob("*.parquet"):
                old.unlink(missing_ok=True)
            if not any(folder.iterdir()):
                folder.rmdir()
                log.info("removed %s/: %s.%s is no longer exported by year", folder, schema, folder.name)
