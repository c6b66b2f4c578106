"""Dagster resources: the warehouse settings and the dbt CLI."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

from dagster import ConfigurableResource, DagsterRunStatus, InitResourceContext
from dagster_dbt import DbtCliResource, DbtProject
from packaging.version import Version

from ingestion.settings import Settings
from orchestration.dbt_project import DBT_EXECUTABLE, dbt_project
from warehouse import writer_lock

# Everything that writes the build file shares this pool; the instance limits it to one slot
# (orchestration/dagster.yaml), because DuckDB allows a single writing process.
WRITER_POOL = "rotation_duckdb_writer"


class WarehouseResource(ConfigurableResource):
    """Where the warehouse lives and which source feeds it (read from ROTATION_* by Settings).

    Every run that uses it holds the warehouse's writer lock (warehouse/writer_lock.py) from the start
    of its steps to its end: a run launched from the UI or by a schedule while another run writes
    the same warehouse waits for it (its log says for whom, every 30 s) instead of interleaving with
    it. ``rotation run`` already holds the lock, so its runs go straight on. Then the run clears the
    runs whose process is gone (orchestration/run_recovery.py), so a killed run never wedges it.
    """

    source: str
    home: str
    snapshot_dir: str
    start_date: str
    allow_removals: str = ""  # ROTATION_ALLOW_REMOVALS, comma separated
    engine: str = "duckdb"  # ROTATION_ENGINE

    @classmethod
    def from_settings(cls, settings: Settings) -> WarehouseResource:
        return cls(
            source=settings.source,
            home=str(settings.home),
            snapshot_dir=str(settings.snapshot_dir),
            start_date=settings.start_date.isoformat(),
            allow_removals=",".join(settings.allow_removals),
            engine=settings.engine,
        )

    @contextmanager
    def yield_for_execution(self, context: InitResourceContext) -> Iterator[WarehouseResource]:
        from orchestration.run_recovery import clear_dead_runs

        home = Path(self.home)
        run = context.dagster_run
        instance = context.instance

        def on_wait(holder: writer_lock.Holder) -> None:
            context.log.info(
                f"waiting for {holder.describe()} to finish writing {home}; this run starts after it"
            )

        def canceled() -> bool:
            current = instance.get_run_by_id(run.run_id) if instance and run else None
            return current is not None and current.status in (
                DagsterRunStatus.CANCELING,
                DagsterRunStatus.CANCELED,
            )

        with writer_lock.hold(home, wait=True, on_wait=on_wait, should_stop=canceled):
            if run is not None:
                writer_lock.describe_run(home, run.run_id, run.job_name)
            if instance is not None:
                for line in clear_dead_runs(instance):
                    context.log.warning(line)
            yield self

    def settings(self) -> Settings:
        return Settings(
            source=self.source,
            home=Path(self.home),
            snapshot_dir=Path(self.snapshot_dir),
            start_date=dt.date.fromisoformat(self.start_date),
            allow_removals=tuple(e for e in self.allow_removals.split(",") if e),
            engine=self.engine,
        )


class RotationDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt resource, told dbt's version instead of asking for it.

    dagster-dbt learns the version by running ``dbt --version`` in a subprocess once per run (1.8 s:
    a Python start-up and dbt's imports), to tell dbt-core from the Fusion engine. Our dbt is the
    venv's own dbt-core (DBT_EXECUTABLE), whose version is its installed package's;
    tests/unit/test_dbt_resource.py checks that the two agree, so a dagster-dbt upgrade that
    renames or drops the attribute is caught there."""

    @cached_property
    def _cli_version(self) -> Version:
        return Version(importlib.metadata.version("dbt-core"))


def dbt_resource(project: DbtProject = dbt_project) -> DbtCliResource:
    """The dbt CLI on ``project`` (this process's engine's, orchestration/dbt_project.py): every
    call gets its profile target, ``--target build`` (DuckDB) or ``--target spark``."""
    return RotationDbtCliResource(project_dir=project, dbt_executable=DBT_EXECUTABLE)
