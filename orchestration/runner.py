"""Run jobs in this process: the full build (``rotation run``) and single partitions or ranges.

A full build is two runs, each covering every partition of its assets in one run (DuckDB has one
writer, so no backfill fans out into parallel runs): ``ingest_positioning`` over every report month,
then ``prices_and_rates`` over every month, which also builds dbt and publishes. A failed first run
stops the build: serving keeps its last good publish.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dagster import DagsterInstance, Definitions, ExecuteInProcessResult

from orchestration import partitions


@dataclass(frozen=True)
class PlannedRun:
    job: str
    partition_keys: list[str] | None = None  # None: an unpartitioned job
    full_refresh: bool = False

    @property
    def tags(self) -> dict[str, str]:
        return partitions.partition_range_tags(self.partition_keys) if self.partition_keys else {}

    @property
    def run_config(self) -> dict:
        if self.job == "ingest_positioning":
            return {}
        return {"ops": {"rotation_dbt_assets": {"config": {"full_refresh": self.full_refresh}}}}


@dataclass
class BuildResult:
    results: list[ExecuteInProcessResult] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return bool(self.results) and all(r.success for r in self.results)


def full_build_plan(defs: Definitions, full_refresh: bool = False) -> list[PlannedRun]:
    report_months = defs.resolve_job_def("ingest_positioning").partitions_def.get_partition_keys()
    months = defs.resolve_job_def("prices_and_rates").partitions_def.get_partition_keys()
    return [
        PlannedRun("ingest_positioning", report_months),
        PlannedRun("prices_and_rates", months, full_refresh=full_refresh),
    ]


def execute(
    defs: Definitions, plan: list[PlannedRun], instance: DagsterInstance, tags: dict[str, str] | None = None
) -> BuildResult:
    """Run each planned run in order (with ``tags`` besides its own); stop after the first that fails."""
    out = BuildResult()
    for planned in plan:
        job = defs.resolve_job_def(planned.job)
        result = job.execute_in_process(
            instance=instance,
            tags={**planned.tags, **(tags or {})},
            run_config=planned.run_config,
            raise_on_error=False,
        )
        out.results.append(result)
        if not result.success:
            break
    return out
