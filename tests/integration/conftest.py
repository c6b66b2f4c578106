"""Helpers to run the whole asset graph in a temporary ROTATION_HOME."""

from __future__ import annotations

import datetime as dt
import hashlib
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance

from orchestration.cli import step_failures
from warehouse.settings import Settings


@dataclass
class GraphRun:
    success: bool
    checks: dict[str, bool]  # "asset_key:check_name" -> passed
    check_descriptions: dict[str, str]  # "asset_key:check_name" -> the check's description
    failures: list[str]  # step failure messages
    materialized: set[str]  # asset keys materialized in the run


def run_graph(
    settings: Settings, instance: DagsterInstance | None = None, selection: list[str] | None = None
) -> GraphRun:
    """Execute the build_all job for ``settings`` (or a selection of its assets, as
    ``"schema/name"`` keys) with the given Dagster instance, or an ephemeral one."""
    from dagster import AssetKey, AssetSelection, materialize

    from orchestration.definitions import build_definitions

    defs = build_definitions(settings)
    with nullcontext(instance) if instance is not None else DagsterInstance.ephemeral() as inst:
        if selection:
            result = materialize(
                [*defs.assets, *defs.asset_checks],
                selection=AssetSelection.assets(*(AssetKey(k.split("/")) for k in selection)),
                resources=defs.resources,
                instance=inst,
                raise_on_error=False,
            )
        else:
            job = defs.resolve_job_def("build_all")
            result = job.execute_in_process(instance=inst, raise_on_error=False)
        return GraphRun(
            success=result.success,
            checks={
                f"{e.asset_key.to_user_string()}:{e.check_name}": e.passed
                for e in result.get_asset_check_evaluations()
            },
            check_descriptions={
                f"{e.asset_key.to_user_string()}:{e.check_name}": e.description or ""
                for e in result.get_asset_check_evaluations()
            },
            failures=step_failures(result),
            materialized={e.asset_key.to_user_string() for e in result.get_asset_materialization_events()},
        )


def make_settings(
    home: Path, source: str, snapshot_dir: Path | None = None, start: str | None = None
) -> Settings:
    env = {"ROTATION_SOURCE": source, "ROTATION_HOME": str(home)}
    if snapshot_dir is not None:
        env["ROTATION_SNAPSHOT_DIR"] = str(snapshot_dir)
    if start is not None:
        env["ROTATION_START_DATE"] = start
    return Settings.from_env(env)


def table_checksums(db_file: Path, schemas: tuple[str, ...] = ("marts", "reference")) -> dict[str, str]:
    """A content fingerprint per table (row count and an order-independent sum of row hashes)."""
    out = {}
    with duckdb.connect(str(db_file), read_only=True) as con:
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where list_contains(?, schema_name)",
            [list(schemas)],
        ).fetchall()
        for schema, table in sorted(tables):
            count, digest = con.execute(
                f'select count(*), sum(hash(t))::hugeint from "{schema}"."{table}" as t'
            ).fetchone()
            out[f"{schema}.{table}"] = f"{count}:{digest}"
    return out


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def today() -> dt.date:
    return dt.date.today()
