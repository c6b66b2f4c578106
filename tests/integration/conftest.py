"""Helpers to run the whole asset graph in a temporary ROTATION_HOME."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import subprocess
import sys
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance

from ingestion.settings import DBT_PROJECT_DIR, Settings
from orchestration.cli import report_seconds, step_failures


@dataclass
class GraphRun:
    success: bool
    checks: dict[str, bool]  # "asset_key:check_name" -> passed
    check_descriptions: dict[str, str]  # "asset_key:check_name" -> the check's description
    failures: list[str]  # step failure messages
    materialized: set[str]  # asset keys materialized in the run
    metadata: dict[str, dict]  # asset key -> metadata of its last materialization in the run
    check_metadata: dict[str, dict] = field(default_factory=dict)  # "asset_key:check_name" -> metadata
    run_ids: list[str] = field(default_factory=list)  # the Dagster runs, in order
    report_seconds: float | None = None  # what `rotation run`'s summary prints as the report's render time


def run_graph(
    settings: Settings,
    instance: DagsterInstance | None = None,
    selection: list[str] | None = None,
    plan: list | None = None,
) -> GraphRun:
    """The full build for ``settings`` (``rotation run``: every partition), or a selection of
    unpartitioned assets (``"schema/name"`` keys), or a given plan of runs
    (orchestration.runner.PlannedRun), with the given Dagster instance or an ephemeral one."""
    from dagster import AssetKey, AssetSelection, materialize

    from orchestration import runner
    from orchestration.definitions import build_definitions

    defs = build_definitions(settings)
    with nullcontext(instance) if instance is not None else DagsterInstance.ephemeral() as inst:
        if selection:
            results = [
                materialize(
                    [*defs.assets, *defs.asset_checks],
                    selection=AssetSelection.assets(*(AssetKey(k.split("/")) for k in selection)),
                    resources=defs.resources,
                    instance=inst,
                    raise_on_error=False,
                )
            ]
        else:
            results = runner.execute(defs, plan or runner.full_build_plan(defs), inst).results
        evaluations = [e for r in results for e in r.get_asset_check_evaluations()]
        return GraphRun(
            success=all(r.success for r in results),
            checks={f"{e.asset_key.to_user_string()}:{e.check_name}": e.passed for e in evaluations},
            check_descriptions={
                f"{e.asset_key.to_user_string()}:{e.check_name}": e.description or "" for e in evaluations
            },
            failures=[f for r in results for f in step_failures(r)],
            materialized={
                e.asset_key.to_user_string() for r in results for e in r.get_asset_materialization_events()
            },
            metadata={
                e.asset_key.to_user_string(): e.materialization.metadata
                for r in results
                for e in r.get_asset_materialization_events()
            },
            check_metadata={
                f"{e.asset_key.to_user_string()}:{e.check_name}": dict(e.metadata) for e in evaluations
            },
            run_ids=[r.run_id for r in results],
            report_seconds=report_seconds(results),
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


def run_dbt_by_hand(
    settings: Settings, args: list[str], tmp_path: Path
) -> tuple[subprocess.CompletedProcess, Path]:
    """dbt as `make dbt` runs it (the venv's dbt, from inside dbt_project/, on the build file of
    ``settings``), with target and log paths under ``tmp_path`` so the shared dbt_project/target
    (Dagster's manifest, partial-parse state) is untouched. Returns the result and the target path."""
    target = tmp_path / "target"
    env = {
        **os.environ,
        **settings.dbt_env(),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_NO_PARTIAL_PARSE": "true",
    }
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            *args,
            "--target-path",
            str(target),
            "--log-path",
            str(tmp_path / "logs"),
        ],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return result, target


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


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory) -> tuple[Settings, GraphRun]:
    """One whole-graph build on the generated sample, shared by every test that only reads it
    (a test that changes the warehouse builds its own)."""
    settings = make_settings(tmp_path_factory.mktemp("sample_home"), "sample")
    return settings, run_graph(settings)


@pytest.fixture
def built_sample_home(sample_warehouse, tmp_path) -> Settings:
    """A private copy of the shared sample warehouse (landing files, build and serving files), for a
    test that changes it: as if `make run` had just succeeded there, without building it again."""
    settings, _ = sample_warehouse
    home = tmp_path / "home"
    shutil.copytree(settings.home, home)
    return make_settings(home, "sample")
