"""The scale benchmark: generate a universe, build the warehouse on it cold, apply a one-day update,
run the references, and print one table of stages, the ratios and the targets (also as JSON).

    python -m benchmarks [--tickers 3000] [--years 25] [--mart-tickers 100] [--workdir .bench]
                         [--engine spark]

With ``--engine spark`` the marts stage (every model rebuilt from the raw tables, then the publish) is
also run once on DuckDB and once on a local Spark session, and the Spark/DuckDB ratio printed and
recorded (``spark`` in results.json). Spark on one 2-core machine is expected to be slower: use a
small scale (``--tickers 30 --years 3``); the point is that the same graph runs on an engine that
scales out (docs/spark.md).

Every measured run is its own process (benchmarks/stages.py, benchmarks/compare.py), so start-up
and peak resident memory (the process and its dbt subprocess, sampled every 100 ms) are its own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks import targets
from benchmarks.scale import Scale, generate, prepare_project

REPO_ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MB = 1024 * 1024

# The targets at 3000 x 25 on 2 cores are benchmarks/targets.py's (a benchmark reports them; tests
# never assert time).


def say(line: str) -> None:
    print(line, flush=True)


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory = int(Path("/proc/meminfo").read_text().split()[1]) * 1024
    except OSError:
        memory = 0
    import dagster
    import dbt.version
    import duckdb
    import pandas

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(memory / 1024**3, 1),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "dagster": dagster.__version__,
        "dbt_core": dbt.version.__version__,
        "pandas": pandas.__version__,
    }


def bench_env(work: Path, scale: Scale, project: Path, snapshot: Path) -> dict:
    return {
        **os.environ,
        "ROTATION_SOURCE": "snapshot",
        "ROTATION_SNAPSHOT_DIR": str(snapshot),
        "ROTATION_HOME": str(work / "home"),
        "ROTATION_START_DATE": scale.start_date.isoformat(),
        "ROTATION_DBT_PROJECT_DIR": str(project),
        "DAGSTER_HOME": str(work / "dagster_home"),
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "GX_ANALYTICS_ENABLED": "false",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


def timed(command: list[str], env: dict, cwd: Path, log: Path) -> float:
    """Run ``command`` with its output into ``log``; its wall seconds; a clear error if it fails."""
    started = time.perf_counter()
    with open(log, "w") as out:
        code = subprocess.run(command, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT).returncode
    seconds = time.perf_counter() - started
    if code != 0:
        tail = "\n".join(log.read_text().splitlines()[-30:])
        raise SystemExit(
            f"benchmark step failed (exit {code}): {' '.join(command)}\nlog {log}, last lines:\n{tail}"
        )
    return seconds


@dataclass
class Measured:
    """One measured run: its wall seconds (process start to exit), what benchmarks.stages wrote, and
    its table rows."""

    wall: float
    stage: dict
    table: list[dict]


def fresh_dagster_home(path: Path) -> Path:
    """An empty Dagster home with the project's instance settings."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    shutil.copy(REPO_ROOT / "orchestration" / "dagster.yaml", path / "dagster.yaml")
    return path


def measure(
    kind: str, env: dict, work: Path, build_db: Path, *extra: str, name: str | None = None
) -> Measured:
    """Run ``benchmarks.stages <kind>`` in its own process and read back what it measured (into
    ``<name>.json`` and ``<name>.log``, ``name`` defaulting to ``kind``)."""
    name = name or kind
    out = work / f"{name}.json"
    wall = timed(
        [sys.executable, "-m", "benchmarks.stages", kind, str(out), *extra],
        env,
        REPO_ROOT,
        work / f"{name}.log",
    )
    stage = json.loads(out.read_text())
    return Measured(wall, stage, stage_rows(stage, build_db))


def stage_rows(stage: dict, build_db: Path) -> list[dict]:
    """Table rows of one measured run: start-up, each Dagster step (raw loads split into landing,
    parsing and loading), each dbt model, seeds and tests summed."""
    rows = [{"stage": "start-up (imports, definitions)", "seconds": stage["startup_seconds"]}]
    model_rows = _model_rows(build_db)
    for step in sorted(stage["steps"], key=lambda s: s["start"]):
        meta = step["metadata"]
        row = {"stage": step["step"], "seconds": step["seconds"], "peak_rss": step["peak_rss"]}
        raw = next((m for k, m in meta.items() if k.startswith("raw/") and "rows_in_files" in m), None)
        checks = [m for k, m in meta.items() if k.startswith("check:") and "rows_validated" in m]
        if raw is not None:
            row["rows"] = raw["rows_in_files"]
            rows.append(row)
            for part in ("landing", "parsing", "loading"):
                rows.append(
                    {
                        "stage": f"  {part}",
                        "seconds": raw.get(f"seconds_{part}"),
                        "rows": raw["rows_in_files"],
                    }
                )
            continue
        if checks:
            row["rows"] = sum(m["rows_validated"] for m in checks)
            row["stage"] = f"gate {step['step']}"
        elif "serving" in meta:
            row["rows"] = meta["serving"].get("dagster/row_count")
        rows.append(row)
        if step["step"].startswith("rotation_dbt_assets"):
            nodes = [n for n in stage["dbt_nodes"] if step["start"] <= n["start"] <= step["end"] + 1]
            for kind in ("seed", "test", "unit_test"):
                of_kind = [n for n in nodes if n["node"].startswith(kind + ".")]
                if of_kind:
                    rows.append(
                        {
                            "stage": f"  dbt {kind}s ({len(of_kind)})",
                            "seconds": sum(n["seconds"] for n in of_kind),
                            "peak_rss": max((n["peak_rss"] or 0) for n in of_kind),
                        }
                    )
            for node in sorted(
                (n for n in nodes if n["node"].startswith("model.")), key=lambda n: -n["seconds"]
            ):
                name = node["node"].split(".")[-1]
                rows.append(
                    {
                        "stage": f"  dbt {name}",
                        "seconds": node["seconds"],
                        "rows": model_rows.get(name),
                        "peak_rss": node["peak_rss"],
                    }
                )
    return rows


def _model_rows(build_db: Path) -> dict[str, int]:
    """Rows of every table the dbt models built (views have none of their own)."""
    import duckdb

    with duckdb.connect(str(build_db), read_only=True) as con:
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where schema_name in ('marts', 'intermediate')"
        ).fetchall()
        return {
            table: con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
            for schema, table in tables
        }


def format_table(title: str, rows: list[dict]) -> str:
    lines = [title, f"  {'stage':<46} {'seconds':>9} {'rows':>13} {'rows/s':>12} {'peak RSS MB':>12}"]
    for row in rows:
        seconds, count, rss = row.get("seconds"), row.get("rows"), row.get("peak_rss")
        rate = count / seconds if count and seconds else None
        lines.append(
            f"  {row['stage']:<46} {_num(seconds, '.2f'):>9} {_num(count, ',.0f'):>13} "
            f"{_num(rate, ',.0f'):>12} {_num(rss / MB if rss else None, ',.0f'):>12}"
        )
    return "\n".join(lines)


def _num(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickers", type=int, default=3000, help="synthetic tickers added to the universe")
    parser.add_argument("--years", type=int, default=25, help="years of history, 1..25 (the sample world's)")
    parser.add_argument(
        "--mart-tickers",
        type=int,
        default=100,
        help="synthetic tickers that also enter relative_performance (vs ^GSPC) and rate_sensitivity",
    )
    parser.add_argument(
        "--workdir", type=Path, default=REPO_ROOT / ".bench", help="files, warehouse, results"
    )
    parser.add_argument(
        "--skip-make-run", action="store_true", help="do not time `rotation run` on the default sample"
    )
    parser.add_argument(
        "--make-run-repeats",
        type=int,
        default=5,
        help="runs of `rotation run` on the sample (the median is reported)",
    )
    parser.add_argument(
        "--engine",
        choices=("duckdb", "spark"),
        default="duckdb",
        help="spark: also time the marts stage on DuckDB and on a local Spark session and print the ratio "
        "(use a small scale, e.g. --tickers 30 --years 3)",
    )
    parser.add_argument(
        "--make-test",
        action="store_true",
        help="also time `make test` on a fresh clone of the committed HEAD (after its `make install`; long)",
    )
    args = parser.parse_args(argv)
    scale = Scale(args.tickers, args.years, min(args.mart_tickers, args.tickers))
    work = (args.workdir / scale.label).resolve()
    work.mkdir(parents=True, exist_ok=True)
    say(
        f"benchmark {scale.label}: {scale.tickers} synthetic tickers + the repository's universe, "
        f"{scale.years} years from {scale.start_date}, {scale.mart_tickers} of them in the marts; in {work}"
    )

    generated = generate(scale, work / "upstream", progress=say)
    project = prepare_project(scale, work)
    shutil.rmtree(work / "home", ignore_errors=True)
    fresh_dagster_home(work / "dagster_home")
    env = bench_env(work, scale, project, generated.files)
    say("prepare: dbt parse of the benchmark project (once per project change, as `make manifest`)")
    prepare_seconds = timed(
        [str(BIN / "dbt"), "parse", "--quiet", "--profiles-dir", "."], env, project, work / "parse.log"
    )
    if args.engine == "spark":  # Spark's manifest, where orchestration/dbt_project.py looks for it
        timed(
            [str(BIN / "dbt"), "parse", "--quiet", "--profiles-dir", ".", "--target", "spark"]
            + ["--target-path", "target/spark"],
            env,
            project,
            work / "parse_spark.log",
        )
    build_db = work / "home" / "rotation.duckdb"

    say(f"cold: full build on {generated.price_rows:,} price rows (log {work / 'cold.log'})")
    cold = measure("cold", env, work, build_db)

    say(f"update: one new day, {generated.new_day} (log {work / 'update.log'})")
    update_env = {**env, "ROTATION_SNAPSHOT_DIR": str(generated.update)}
    update = measure("update", update_env, work, build_db, generated.new_day.replace(day=1).isoformat())

    say("references: pandas and the numpy bound, and their agreement with the marts")
    compare_json = work / "compare.json"
    timed(
        [sys.executable, "-m", "benchmarks.compare", str(build_db), str(project), str(compare_json)],
        env,
        REPO_ROOT,
        work / "compare.log",
    )
    compare = json.loads(compare_json.read_text())

    spark = spark_stage(env, work, build_db) if args.engine == "spark" else None

    make_run = None
    if not args.skip_make_run:
        make_run = []
        for attempt in range(1, args.make_run_repeats + 1):
            say(
                f"make run {attempt}/{args.make_run_repeats}: `rotation run` on the default sample in a fresh ROTATION_HOME"
            )
            sample_home = work / "sample_run"
            shutil.rmtree(sample_home, ignore_errors=True)
            fresh_dagster_home(sample_home / "dagster_home")
            sample_env = {k: v for k, v in os.environ.items() if not k.startswith("ROTATION_")}
            sample_env.update(
                ROTATION_HOME=str(sample_home / "home"),
                DAGSTER_HOME=str(sample_home / "dagster_home"),
                PATH=env["PATH"],
                GX_ANALYTICS_ENABLED="false",
            )
            make_run.append(
                timed([str(BIN / "rotation"), "run"], sample_env, REPO_ROOT, work / "make_run.log")
            )

    make_test = time_make_test(work) if args.make_test else None

    results = summarize(scale, generated, prepare_seconds, cold, update, compare, make_run, make_test)
    if spark is not None:
        results["spark"] = spark
    out = work / "results.json"
    out.write_text(json.dumps(results, indent=1, default=str))
    say(f"\nresults as JSON: {out}")
    return 0


def spark_stage(env: dict, work: Path, build_db: Path) -> dict:
    """The marts stage (``marts_and_serving``, every model rebuilt) on DuckDB, then on a local Spark
    session (ROTATION_ENGINE=spark: the lake export, dbt-spark, the publish from Spark's Parquet),
    from the same raw tables; print both and the Spark/DuckDB ratios; return them for results.json."""
    say(f"marts on DuckDB: marts_and_serving, full refresh (log {work / 'marts_duckdb.log'})")
    duck = measure("marts", {**env, "ROTATION_ENGINE": "duckdb"}, work, build_db, name="marts_duckdb")
    say(f"marts on Spark: the same on a local Spark session (log {work / 'marts_spark.log'})")
    spark = measure("marts", {**env, "ROTATION_ENGINE": "spark"}, work, build_db, name="marts_spark")
    result = spark_ratios(duck, spark)
    say("")
    say(format_table(f"MARTS ON DUCKDB (whole run {duck.wall:.1f}s)", duck.table))
    say("")
    say(format_table(f"MARTS ON SPARK (whole run {spark.wall:.1f}s)", spark.table))
    say("")
    say(
        f"SPARK/DUCKDB: whole marts run {result['wall_ratio']:.1f}x ({spark.wall:.1f}s / {duck.wall:.1f}s); "
        f"dbt step {_num(result['dbt_ratio'], '.1f')}x ({_num(result['spark_dbt_seconds'], '.1f')}s / "
        f"{_num(result['duckdb_dbt_seconds'], '.1f')}s); serving {_num(result['serving_ratio'], '.1f')}x "
        "(local[2] on this machine: Spark's start-up and per-query overhead, not its scale-out)"
    )
    if not result["success"]:
        say(
            "the marts stage did not run end to end (a failed run, or serving skipped): see "
            f"{work / 'marts_duckdb.log'} and {work / 'marts_spark.log'}"
        )
    return result


def spark_ratios(duck: Measured, spark: Measured) -> dict:
    """Spark's seconds over DuckDB's for the whole marts run, the dbt step (with the lake export on
    Spark) and the publish, and per model."""

    def step_seconds(measured: Measured, prefix: str) -> float | None:
        steps = [s["seconds"] for s in measured.stage["steps"] if s["step"].startswith(prefix)]
        return sum(steps) if steps else None

    def ratio(a, b):
        return a / b if a is not None and b else None

    duck_dbt, spark_dbt = (
        step_seconds(duck, "rotation_dbt_assets"),
        step_seconds(spark, "rotation_dbt_assets"),
    )
    duck_serving, spark_serving = step_seconds(duck, "serving"), step_seconds(spark, "serving")
    models = sorted(
        {
            n["node"].split(".")[-1]
            for n in [*duck.stage["dbt_nodes"], *spark.stage["dbt_nodes"]]
            if n["node"].startswith("model.")
        }
    )
    return {
        "duckdb_wall_seconds": duck.wall,
        "spark_wall_seconds": spark.wall,
        "wall_ratio": ratio(spark.wall, duck.wall),
        "duckdb_dbt_seconds": duck_dbt,
        "spark_dbt_seconds": spark_dbt,
        "dbt_ratio": ratio(spark_dbt, duck_dbt),
        "duckdb_serving_seconds": duck_serving,
        "spark_serving_seconds": spark_serving,
        "serving_ratio": ratio(spark_serving, duck_serving),
        # a run whose publish was skipped (its step absent) still ends "successful" in Dagster: the
        # stage did not run end to end
        "success": bool(duck.stage["success"] and spark.stage["success"])
        and duck_serving is not None
        and spark_serving is not None,
        "models": {
            m: {
                "duckdb_seconds": _dbt_model_seconds(duck.stage, m),
                "spark_seconds": _dbt_model_seconds(spark.stage, m),
                "ratio": ratio(_dbt_model_seconds(spark.stage, m), _dbt_model_seconds(duck.stage, m)),
            }
            for m in models
        },
        "duckdb_table": duck.table,
        "spark_table": spark.table,
    }


def time_make_test(work: Path) -> float:
    """``make test`` on a fresh clone of the committed HEAD in a temporary folder beside a link to
    this checkout's ``../shared`` (so the acceptance tests find the snapshot as in CI); ``make
    install`` first, not timed; the tests' wall seconds. Uncommitted changes are not in the clone."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="make-test-", dir=work) as folder:
        root = Path(folder)
        shared = (REPO_ROOT.parent / "shared").resolve()
        if shared.exists():
            (root / "shared").symlink_to(shared)
        clone = root / "repo"
        subprocess.run(["git", "clone", "--quiet", str(REPO_ROOT), str(clone)], check=True)
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("ROTATION_", "DAGSTER_", "VIRTUAL_ENV"))
        }
        say(f"make test: make install in a fresh clone ({clone}), not timed")
        timed(["make", "install"], env, clone, work / "make_test_install.log")
        say(f"make test: the tests (log {work / 'make_test.log'})")
        return timed(["make", "test"], env, clone, work / "make_test.log")


def _dbt_model_seconds(stage: dict, name: str) -> float | None:
    return next((n["seconds"] for n in stage["dbt_nodes"] if n["node"].endswith(f".{name}")), None)


def summarize(
    scale,
    generated,
    prepare_seconds,
    cold: Measured,
    update: Measured,
    compare: dict,
    make_run: list[float] | None,
    make_test: float | None = None,
) -> dict:
    say("")
    title = f"COLD BUILD ({scale.label}: {generated.price_rows:,} price rows; whole run {cold.wall:.1f}s)"
    say(format_table(title, cold.table))
    say("")
    say(format_table(f"ONE-DAY UPDATE ({generated.new_day}; whole run {update.wall:.1f}s)", update.table))
    rs_warehouse = _dbt_model_seconds(cold.stage, "rate_sensitivity")
    rp_warehouse = _dbt_model_seconds(cold.stage, "relative_performance")
    ratios = targets.ratios({"relative_performance": rp_warehouse, "rate_sensitivity": rs_warehouse}, compare)
    say("")
    say(f"REFERENCES (inputs read from the build file in {compare['read_inputs_seconds']:.2f}s, not charged)")
    for model, warehouse_seconds in (
        ("relative_performance", rp_warehouse),
        ("rate_sensitivity", rs_warehouse),
    ):
        refs = [r for r in ("pandas", "polars", "numpy") if f"{r}_{model}_seconds" in compare]
        say(
            f"  {model + ':':<22} warehouse {_num(warehouse_seconds, '.2f')}s, "
            + ", ".join(f"{r} {compare[f'{r}_{model}_seconds']:.2f}s" for r in refs)
            + " -> "
            + ", ".join(
                f"warehouse/{'bound' if r == 'numpy' else r} "
                + _num(ratios.get(f"{model}_over_{'bound' if r == 'numpy' else r}"), ".2f")
                for r in refs
            )
        )
    agree = True
    for name in sorted(k for k in compare if "_vs_" in k):
        figures = compare[name]
        diffs = {k: v for k, v in figures.items() if k.endswith("max_abs_diff")}
        mismatches = (
            figures["only_in_mart"]
            + figures["only_in_reference"]
            + sum(v for k, v in figures.items() if k.endswith("null_mismatch"))
        )
        ok = mismatches == 0 and all(v <= 1e-9 for v in diffs.values())
        agree &= ok
        say(
            f"  agreement {name}: {'OK' if ok else 'DIFFERS'}: {figures['rows_mart']:,} mart rows, "
            f"{mismatches} unmatched or null-mismatched; max |diff| "
            + ", ".join(f"{k.removesuffix('_max_abs_diff')} {v:.1e}" for k, v in diffs.items())
        )
    peak = max(cold.stage["peak_rss"], update.stage["peak_rss"]) / MB
    figures = targets.measured(
        cold_seconds=cold.wall,
        update_seconds=update.wall,
        update_startup_seconds=update.stage["startup_seconds"],
        peak_rss_mb=peak,
        model_ratios=ratios,
        make_run_seconds=make_run,
        make_test_seconds=make_test,
    )
    rows = targets.target_rows(figures)
    say("")
    say(
        targets.format_targets(
            rows,
            "TARGETS"
            + ("" if scale.label == "3000x25" else f" (set for 3000x25; this run is {scale.label})"),
        )
    )
    share = targets.update_share(update.wall, update.stage["startup_seconds"], cold.wall)
    say(
        f"  the update is {share['update_over_cold']:.1%} of the cold build "
        f"({share['update_after_startup_over_cold']:.1%} after start-up)"
        + (f"; make run runs: {', '.join(f'{s:.1f}' for s in make_run)} s" if make_run else "")
    )
    say(
        f"  (update start-up {update.stage['startup_seconds']:.1f}s; dbt parse of the project {prepare_seconds:.1f}s, "
        f"once per project change; generating the files {generated.seconds:.1f}s, not part of the warehouse)"
    )
    return {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "scale": {**scale.__dict__, "price_rows": generated.price_rows, "file_bytes": generated.bytes},
        "generate_seconds": generated.seconds,
        "prepare_seconds": prepare_seconds,
        "cold": {"wall_seconds": cold.wall, **cold.stage, "table": cold.table},
        "update": {"wall_seconds": update.wall, **update.stage, "table": update.table},
        "references": compare,
        "ratios": ratios,
        "agreement": agree,
        "update_share": share,
        "make_run_seconds": make_run,
        "make_test_seconds": make_test,
        "targets": {row["key"]: row for row in rows},
    }
