"""Dagster resources: the warehouse settings and the dbt CLI."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from dagster import ConfigurableResource
from dagster_dbt import DbtCliResource

from orchestration.dbt_project import DBT_EXECUTABLE, dbt_project
from warehouse.settings import Settings

# Everything that writes the build file shares this pool; the instance limits it to one slot
# (orchestration/dagster.yaml), because DuckDB allows a single writing process.
WRITER_POOL = "rotation_duckdb_writer"


class WarehouseResource(ConfigurableResource):
    """Where the warehouse lives and which source feeds it (read from ROTATION_* by Settings)."""

    source: str
    home: str
    snapshot_dir: str
    start_date: str
    allow_removals: str = ""  # ROTATION_ALLOW_REMOVALS, comma separated

    @classmethod
    def from_settings(cls, settings: Settings) -> WarehouseResource:
        return cls(
            source=settings.source,
            home=str(settings.home),
            snapshot_dir=str(settings.snapshot_dir),
            start_date=settings.start_date.isoformat(),
            allow_removals=",".join(settings.allow_removals),
        )

    def settings(self) -> Settings:
        return Settings(
            source=self.source,
            home=Path(self.home),
            snapshot_dir=Path(self.snapshot_dir),
            start_date=dt.date.fromisoformat(self.start_date),
            allow_removals=tuple(e for e in self.allow_removals.split(",") if e),
        )


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)
