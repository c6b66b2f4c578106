"""DuckDB connections and the atomic publish of the serving file (raw loads: ``warehouse.raw``).

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
from dataclasses import dataclass
from pathlib import Path

import duckdb

log = logging.getLogger(__name__)


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
    except BaseException:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
        raise
    log.info("published %s tables to %s", len(tables), serving_db)
    return PublishResult(path=serving_db, tables=tables, published_at=published_at)
