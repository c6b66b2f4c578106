"""One measured run of the warehouse, in its own process (``python -m benchmarks.stages``), so its
start-up and peak memory are its own. The caller sets the ROTATION_* environment and DAGSTER_HOME.

- ``cold``: the full build of ``rotation run`` (CFTC weeks, then prices and rates with dbt, publish,
  Parquet and report) on an empty ROTATION_HOME;
- ``update``: the daily job, ``prices_and_rates`` for the month partition of the new day;
- ``marts``: the marts stage alone, ``marts_and_serving`` with every model rebuilt (full refresh) from
  the raw tables as they are, on the engine of ROTATION_ENGINE (``--engine spark``: once on each).

Writes JSON: start-up seconds, total seconds, overall peak RSS, and per step (Dagster steps from the
run's event log, dbt nodes from dbt's run_results.json) start, seconds, peak RSS and metadata.
"""

from __future__ import annotations

import time

STARTED = time.time()

import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from benchmarks.memory import RssSampler  # noqa: E402

SAMPLER = RssSampler().start()


def _metadata_values(metadata) -> dict:
    out = {}
    for key, value in (metadata or {}).items():
        raw = getattr(value, "value", value)
        if isinstance(raw, int | float | str | bool):
            out[key] = raw
    return out


def step_records(instance, run_id: str) -> list[dict]:
    """Each step of the run: key, start, seconds, and the metadata it reported (materializations,
    check evaluations)."""
    starts: dict[str, float] = {}
    steps: dict[str, dict] = {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or entry.step_key is None:
            continue
        kind = event.event_type_value
        if kind == "STEP_START":
            starts[entry.step_key] = entry.timestamp
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE"):
            start = starts.get(entry.step_key, entry.timestamp)
            record = steps.setdefault(entry.step_key, {"step": entry.step_key, "metadata": {}})
            record.update(
                start=start, end=entry.timestamp, seconds=entry.timestamp - start, ok=kind == "STEP_SUCCESS"
            )
        elif kind == "ASSET_MATERIALIZATION":
            record = steps.setdefault(entry.step_key, {"step": entry.step_key, "metadata": {}})
            materialization = entry.asset_materialization
            record["metadata"][materialization.asset_key.to_user_string()] = _metadata_values(
                materialization.metadata
            )
        elif kind == "ASSET_CHECK_EVALUATION":
            record = steps.setdefault(entry.step_key, {"step": entry.step_key, "metadata": {}})
            evaluation = event.event_specific_data
            record["metadata"][f"check:{evaluation.check_name}"] = {
                "passed": evaluation.passed,
                **_metadata_values(evaluation.metadata),
            }
    return [s for s in steps.values() if "seconds" in s]


def dbt_nodes(target_dir: Path, run_id: str) -> list[dict]:
    """Every node of the run's dbt invocations (run_results.json in its unique folder under the
    engine's target folder: target/ or target/spark/)."""
    out = []
    for results in sorted(target_dir.glob(f"*-{run_id[:7]}-*/run_results.json")):
        for node in json.loads(results.read_text())["results"]:
            execute = next((t for t in node.get("timing", []) if t["name"] == "execute"), None)
            if execute is None or not execute.get("started_at"):
                continue
            start = _epoch(execute["started_at"])
            out.append(
                {
                    "node": node["unique_id"],
                    "status": node["status"],
                    "start": start,
                    "end": _epoch(execute["completed_at"]),
                    "seconds": node["execution_time"],
                }
            )
    return out


def _epoch(iso: str) -> float:
    import datetime as dt

    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).replace(tzinfo=dt.UTC).timestamp()


def main(kind: str, out: Path, partition: str | None = None) -> int:
    from dagster import DagsterInstance

    from orchestration import runner
    from orchestration.dbt_project import dbt_project
    from orchestration.definitions import defs

    ready = time.time()
    with DagsterInstance.get() as instance:
        if kind == "cold":
            plan = runner.full_build_plan(defs)
        elif kind == "update":
            plan = [runner.PlannedRun("prices_and_rates", [partition])]
        elif kind == "marts":
            plan = [runner.PlannedRun("marts_and_serving", full_refresh=True)]
        else:
            raise SystemExit(f"unknown stage {kind!r}; expected cold, update or marts")
        build = runner.execute(defs, plan, instance)
        steps, nodes = [], []
        for result in build.results:
            steps += step_records(instance, result.run_id)
            nodes += dbt_nodes(Path(dbt_project.project_dir) / dbt_project.target_path, result.run_id)
    finished = time.time()
    SAMPLER.stop()
    for record in [*steps, *nodes]:
        record["peak_rss"] = SAMPLER.peak(record["start"], record["end"])
    out.write_text(
        json.dumps(
            {
                "stage": kind,
                "success": build.success,
                "startup_seconds": ready - STARTED,
                "seconds": finished - STARTED,
                "peak_rss": SAMPLER.peak(),
                "steps": steps,
                "dbt_nodes": nodes,
            },
            indent=1,
            default=str,
        )
    )
    return 0 if build.success else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], Path(sys.argv[2]), *(sys.argv[3:4])))
