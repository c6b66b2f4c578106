"""``rotation`` command line: run the whole graph and print what was built and where.

    rotation run       materialize every asset on ROTATION_SOURCE, every partition (two runs: CFTC
                       report weeks, then prices and rates by month with dbt and publish), then
                       print the summary; --full-refresh rebuilds the incremental marts from scratch
    rotation summary   print the summary of the current serving.duckdb
    rotation sql "Q"   run one SQL query against serving.duckdb (read-only) and print the result

Runs are recorded in the Dagster instance at $DAGSTER_HOME (``make`` points it at .dagster_home/),
so they show in ``make ui`` too.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from warehouse import db
from warehouse.settings import REPO_ROOT, Settings, SettingsError


@dataclass
class CheckLine:
    asset: str
    check: str
    passed: bool
    description: str = ""


@dataclass
class RunReport:
    success: bool
    checks: list[CheckLine] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # step: error message


def execute(settings: Settings, full_refresh: bool = False) -> RunReport:
    """Run the full build (orchestration/runner.py) in this process; collect checks and failures."""
    from dagster import DagsterInstance

    from orchestration import runner
    from orchestration.definitions import build_definitions

    ensure_dagster_home()

    defs = build_definitions(settings)
    with DagsterInstance.get() as instance:
        build = runner.execute(defs, runner.full_build_plan(defs, full_refresh), instance)
        checks = [
            CheckLine(
                asset=e.asset_key.to_user_string(),
                check=e.check_name,
                passed=e.passed,
                description=e.description or "",
            )
            for result in build.results
            for e in result.get_asset_check_evaluations()
        ]
        failures = [f for result in build.results for f in step_failures(result)]
        return RunReport(success=build.success, checks=checks, failures=failures)


def step_failures(result) -> list[str]:
    """``step: message`` per failed step: the first error under Dagster's wrappers (e.g. the
    PriceFileError naming file and line, not the UnicodeDecodeError it was raised from)."""
    out = []
    for event in result.all_events:
        if not (event.is_step_failure and event.step_failure_data and event.step_failure_data.error):
            continue
        error = event.step_failure_data.error
        while error.cause is not None and (error.cls_name or "").startswith("Dagster"):
            error = error.cause
        out.append(f"{event.step_key}: {error.message.strip()}")
    return out


def ensure_dagster_home() -> Path:
    """$DAGSTER_HOME, defaulting to the project-local .dagster_home/ with the project's instance
    settings (what `make` sets up), so `rotation run` works without make too."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(REPO_ROOT / ".dagster_home")))
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copy(REPO_ROOT / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    return home


def mart_table(serving_db: Path) -> list[tuple[str, int, str, str]]:
    """(table, rows, first date, last date) for every published table."""
    out = []
    with db.connect(serving_db, read_only=True) as con:
        tables = con.execute(
            """
            select t.schema_name, t.table_name,
                   max(case when c.column_name in ('date', 'report_date', 'start_date') then c.column_name end)
            from duckdb_tables() t
            left join duckdb_columns() c
              on c.schema_name = t.schema_name and c.table_name = t.table_name
            where t.schema_name in ('marts', 'reference')
            group by 1, 2 order by 1 desc, 2
            """
        ).fetchall()
        for schema, table, date_col in tables:
            if date_col:
                rows, first, last = con.execute(
                    f'select count(*), min("{date_col}"), max("{date_col}") from "{schema}"."{table}"'
                ).fetchone()
            else:
                rows = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
                first = last = None
            out.append((f"{schema}.{table}", rows, str(first or "-"), str(last or "-")))
    return out


def serving_info(serving_db: Path) -> tuple[str, str, bool] | None:
    if not serving_db.exists():
        return None
    with db.connect(serving_db, read_only=True) as con:
        row = con.execute("select published_at, source, synthetic from meta.build_info").fetchone()
    return (str(row[0]), row[1], bool(row[2])) if row else None


def format_summary(settings: Settings, report: RunReport | None) -> str:
    lines: list[str] = []
    label = "sample (SYNTHETIC data, not market data)" if settings.synthetic else settings.source
    lines.append(f"source: {label}")
    if report is not None:
        lines.append(f"run: {'succeeded' if report.success else 'FAILED'}")
        passed = sum(c.passed for c in report.checks)
        lines.append(f"checks: {passed} passed, {len(report.checks) - passed} failed")
        for c in report.checks:
            mark = "PASS" if c.passed else "FAIL"
            detail = f": {c.description}" if c.description else ""
            lines.append(f"  {mark} {c.asset} {c.check}{detail}")
        for failure in report.failures:
            lines.append(f"  error in {failure}")
    info = serving_info(settings.serving_db)
    if info is None:
        lines.append(f"serving: {settings.serving_db} does not exist yet (no successful run)")
        return "\n".join(lines)
    published_at, source, synthetic = info
    if report is not None and not report.success:
        lines.append("serving.duckdb was NOT replaced; it still holds the last good publish:")
    lines.append(f"serving: {settings.serving_db}")
    lines.append(f"  published {published_at} from source {source}{' (SYNTHETIC)' if synthetic else ''}")
    rows = mart_table(settings.serving_db)
    width = max(len(r[0]) for r in rows) if rows else 10
    lines.append(f"  {'table':<{width}}  {'rows':>10}  {'first date':>10}  {'last date':>10}")
    for table, count, first, last in rows:
        lines.append(f"  {table:<{width}}  {count:>10,}  {first:>10}  {last:>10}")
    from warehouse.report import HTML_NAME  # matplotlib: imported only when a summary is printed

    report_html = settings.reports_dir / HTML_NAME
    if report_html.exists():
        lines.append(f"report: {report_html}")
    lines.append(
        'query it (read-only): rotation sql "select * from marts.rotation_daily order by date desc limit 5"'
    )
    return "\n".join(lines)


def run_sql(settings: Settings, query: str) -> int:
    import duckdb

    try:
        with db.connect(settings.serving_db, read_only=True) as con:
            result = con.sql(query)
            if result is not None:
                result.show(max_width=200, max_rows=100)
    except (duckdb.Error, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rotation", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="materialize the whole asset graph, then print the summary")
    run.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild the incremental marts from scratch (after changing a seed or a model's SQL)",
    )
    sub.add_parser("summary", help="print the summary of the current serving.duckdb")
    sql = sub.add_parser("sql", help="run one SQL query against serving.duckdb (read-only)")
    sql.add_argument("query")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.command == "summary":
        print(format_summary(settings, None))
        return 0
    if args.command == "sql":
        return run_sql(settings, args.query)
    report = execute(settings, full_refresh=args.full_refresh)
    print("\n" + "=" * 72)
    print(format_summary(settings, report))
    return 0 if report.success else 1


if __name__ == "__main__":
    sys.exit(main())
