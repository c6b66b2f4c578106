"""``rotation`` command line: run the whole graph and print what was built and where.

    rotation run       materialize every asset on ROTATION_SOURCE, every partition (two runs: CFTC
                       report months, then prices and rates by month with dbt and publish), then
                       print the summary; --full-refresh rebuilds the incremental marts from scratch
    rotation summary   print the summary of the current serving.duckdb
    rotation sql "Q"   run one SQL query against serving.duckdb (read-only) and print the result:
                       --format box (default) | csv | json | markdown, --output FILE

Runs are recorded in the Dagster instance at $DAGSTER_HOME, by default the warehouse's own
($ROTATION_HOME/dagster, as ``make`` sets it), so they show in ``make ui`` on the same ROTATION_HOME;
each run is tagged with the ROTATION_HOME it built and its source. ``rotation run`` executes the jobs in this process with Dagster's
default console logger, so the run's log (every step, the ingestion progress lines) streams to the
terminal (stderr) as it happens; the summary follows on stdout.

One writer per warehouse: ``rotation run`` holds $ROTATION_HOME/.writer.lock for the whole build
(warehouse/writer_lock.py) and refuses to start, one line naming the run that holds it, when another
run (CLI, UI or schedule) writes the same warehouse. Before its runs it clears runs whose process is
gone (killed runs left STARTED, holding the writer pool; orchestration/run_recovery.py), one
``note: cleared a dead run ...`` line each. SIGINT (Ctrl-C) or SIGTERM stops the build: the running
run is marked CANCELED, nothing unchecked is published, the lock and pool slot are released, and the
command ends with one ``error:`` line and exit code 130 (SIGINT) or 143 (SIGTERM).

A problem a person must act on ends the command with one line on stderr, ``error: <cause> — fix:
<what to do>``, and a non-zero exit code (2 for a wrong setting, 1 otherwise): a wrong
ROTATION_SOURCE or ROTATION_START_DATE, a snapshot directory that is missing or lacks yahoo/, a
warehouse file held by another process, serving.duckdb not built yet, and after a failed run the
failing step's own line (e.g. an upstream that could not be reached in live mode).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import threading
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from ingestion.errors import (
    FIX,
    HOME_FIX,
    STORAGE_PROBLEMS,
    SnapshotLayoutError,
    StorageError,
    cause_and_fix,
    require_snapshot_folder,
)
from ingestion.settings import REPO_ROOT, Settings, SettingsError
from warehouse import db, writer_lock
from warehouse.tables import table_stats


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
    report_seconds: float | None = None  # the report page's render time, when this run drew it


def execute(settings: Settings, full_refresh: bool = False) -> RunReport:
    """Run the full build (orchestration/runner.py) in this process; collect checks and failures.

    The caller holds the warehouse's writer lock (main). Runs left behind by a killed process are
    cleared first (one ``note:`` line each); SIGINT or SIGTERM cancels the build (RunCanceled)."""
    from dagster import DagsterInstance

    from orchestration import run_recovery, runner
    from orchestration.definitions import build_definitions

    ensure_dagster_home(settings)

    started = time.time()
    with DagsterInstance.get() as instance, stop_signals() as received:
        signum = None
        try:
            for line in run_recovery.clear_dead_runs(instance):
                print(f"note: {line}", file=sys.stderr, flush=True)
            defs = build_definitions(settings)
            build = runner.execute(
                defs,
                runner.full_build_plan(defs, full_refresh),
                instance,
                tags={run_recovery.PID_TAG: str(os.getpid())},  # with the jobs' run_tags
            )
        except StopSignal as stop:
            signum = stop.signum
        signum = signum or received()
        if signum is not None:
            reason = f"rotation run (PID {os.getpid()}) received {signal_name(signum)}"
            runs = run_recovery.cancel_interrupted_runs(instance, os.getpid(), started, reason)
            raise RunCanceled(signum, [r.run_id for r in runs], [r.job_name for r in runs])
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
        return RunReport(
            success=build.success,
            checks=checks,
            failures=failures,
            report_seconds=report_seconds(build.results),
        )


def report_seconds(results) -> float | None:
    """The render time the report asset recorded in its metadata (``render_seconds``), if it ran."""
    for result in results:
        for event in result.get_asset_materialization_events():
            if event.asset_key.to_user_string() == "reports/rotation_report":
                value = event.materialization.metadata.get("render_seconds")
                return None if value is None else float(value.value)
    return None


# Exit codes of a run stopped by a signal: 128 + the signal's number, as shells report it.
STOP_EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}


class StopSignal(BaseException):
    """SIGINT or SIGTERM arrived outside Dagster's own handling (between runs, while loading)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


class RunCanceled(Exception):
    """The build was stopped by SIGINT or SIGTERM; its runs are marked CANCELED."""

    def __init__(self, signum: int, run_ids: list[str], jobs: list[str]):
        super().__init__(signum)
        self.signum = signum
        self.run_ids = run_ids
        self.jobs = jobs


def signal_name(signum: int) -> str:
    return "SIGINT (Ctrl-C)" if signum == signal.SIGINT else signal.Signals(signum).name


@contextmanager
def stop_signals():
    """SIGINT and SIGTERM stop the build: outside a run they raise StopSignal; inside one Dagster's
    own handler interrupts the running step and ends the run, and the signal's number is read back
    from the wakeup pipe (``received()``) so the caller knows the run was stopped, not failed."""
    if threading.current_thread() is not threading.main_thread():
        yield lambda: None
        return
    read_fd, write_fd = os.pipe()
    os.set_blocking(read_fd, False)
    os.set_blocking(write_fd, False)
    seen: list[int] = []

    def handler(signum, _frame):
        raise StopSignal(signum)

    def received() -> int | None:
        with suppress(BlockingIOError):
            seen.extend(os.read(read_fd, 512))
        return next((s for s in seen if s in STOP_EXIT_CODES), None)

    previous = {s: signal.signal(s, handler) for s in STOP_EXIT_CODES}
    previous_fd = signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
    try:
        yield received
    finally:
        signal.set_wakeup_fd(previous_fd)
        for s, h in previous.items():
            signal.signal(s, h)
        os.close(read_fd)
        os.close(write_fd)


def canceled_line(settings: Settings, canceled: RunCanceled) -> str:
    """The one line after a build stopped by a signal: which runs were canceled, what serving holds."""
    runs = ", ".join(
        f"{job} run {run_id[:8]}" for job, run_id in zip(canceled.jobs, canceled.run_ids, strict=True)
    )
    published = published_run(settings.serving_db)
    if published is not None and published in canceled.run_ids:
        serving = "serving.duckdb had already been published by it (its checks had passed)"
    else:
        serving = "it published nothing; serving.duckdb keeps its last good publish"
    return cause_and_fix(
        f"the run was stopped by {signal_name(canceled.signum)} and canceled "
        f"({f'{runs} marked CANCELED' if runs else 'no run had started'}; {serving})",
        "run again when ready (make run); the run loads and checks everything again",
    )


def published_run(serving_db: Path) -> str | None:
    """The Dagster run that published serving.duckdb (its meta.build_info), None if unknown."""
    if not serving_db.exists():
        return None
    try:
        with db.connect(serving_db, read_only=True) as con:
            row = con.execute("select dagster_run_id from meta.build_info").fetchone()
    except Exception:  # noqa: BLE001 - only a hint for the line
        return None
    return row[0] if row else None


def busy_line(error: writer_lock.WriterBusyError) -> str:
    return cause_and_fix(
        f"another run is writing the warehouse {error.home}: {error.holder.describe()}; this run did not start",
        "wait for it to finish (it is in the Dagster UI's Runs too), or stop it (Ctrl-C in its terminal, "
        f"kill {error.holder.pid or '<PID>'}, or Terminate in the UI), then run again",
    )


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
        out.append(f"{event.step_key}: {error_text(error.message, error.cls_name)}")
    return out


def error_text(message: str, cls_name: str | None) -> str:
    """An error's message without Dagster's ``module.Class:`` prefix: a ``Failure``'s description or
    a ``<cause> — fix: ...`` line as is, any other error as ``Class: message``."""
    message = message.strip()
    head, sep, rest = message.partition(": ")
    if not sep or not cls_name or head.split(".")[-1] != cls_name:
        return message
    return rest if cls_name == "Failure" or FIX in rest else f"{cls_name}: {rest}"


MAX_CAUSE = 500  # characters of a failing step's error quoted in the last line


def failure_line(report: RunReport) -> str:
    """The one line after a failed run: the first failing step's own ``<cause> — fix: ...`` where it
    has one; else that step's error as the cause with a generic fix; else (failed checks only) which
    checks failed and where to look."""
    for failure in report.failures:
        message = failure.partition(": ")[2]
        if FIX in message:
            return message
    withheld = [
        c.asset.removeprefix("raw/") for c in report.checks if not c.passed and c.check == "removals_gate"
    ]
    if withheld:  # the removal rule (warehouse/raw.py load): rows kept, a decision wanted
        return cause_and_fix(
            f"a load no longer delivered rows that raw held ({', '.join(withheld)}): they were kept, not "
            "removed, and are listed in raw.removed_rows (decision 'withheld')",
            "fix the file and run again; or, if upstream really dropped them, run again with "
            f"ROTATION_ALLOW_REMOVALS={withheld[0]} (or {withheld[0]}:<item>) once; serving.duckdb keeps "
            "its last good publish",
        )
    if report.failures:  # the failing step's own error is the cause, even without a fix of its own
        step, _, message = report.failures[0].partition(": ")
        if len(message) > MAX_CAUSE:
            message = f"{message[:MAX_CAUSE]}..."
        return cause_and_fix(
            f"step {step} failed: {message or 'no error message'}",
            "correct that cause (the run's log above has the details), then run again; serving.duckdb "
            "keeps its last good publish",
        )
    failed = [f"{c.asset} {c.check}" for c in report.checks if not c.passed]
    where = f"{len(failed)} check(s) failed, first {failed[0]}" if failed else "a step failed"
    return cause_and_fix(
        f"the run failed ({where}; details above)",
        "correct the cause shown above, then run again; serving.duckdb keeps its last good publish",
    )


def preflight(settings: Settings) -> None:
    """What makes a full build fail at once, checked before any run starts: a snapshot directory
    without yahoo/, a build file another process holds (SnapshotLayoutError, WarehouseLockedError)."""
    if settings.source == "snapshot":
        require_snapshot_folder(settings.snapshot_dir)
    if settings.build_db.exists():
        try:
            with db.connect(settings.build_db):
                pass
        except StorageError as e:  # e.g. a build file this user may not write
            raise SettingsError(str(e)) from e


def require_writable_home(home: Path) -> None:
    """SettingsError (one line) when a run could not write ROTATION_HOME: created if missing, then a
    file written and removed there. A read-only, unwritable or full home fails here, before any run,
    instead of as a traceback in the middle of one."""
    import tempfile

    try:
        home.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=home, prefix=".rotation-write-check."):
            pass
    except OSError as e:
        problem, fix = STORAGE_PROBLEMS.get(
            e.errno or 0, (f"cannot be written ({e.strerror or e})", f"make it writable {HOME_FIX}")
        )
        raise SettingsError(
            cause_and_fix(
                f"ROTATION_HOME={home} is not writable: it {problem} (a run writes landing/, "
                "rotation.duckdb and serving.duckdb there)",
                fix,
            )
        ) from e


def ensure_dagster_home(settings: Settings) -> Path:
    """$DAGSTER_HOME, defaulting to the warehouse's own instance (``settings.dagster_home``, what
    `make` sets too) with the project's instance settings, so `rotation run` works without make."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(settings.dagster_home)))
    # A run over a range of partitions records one ASSET_MATERIALIZATION_PLANNED event per asset
    # (with the range) instead of one per partition: a full build plans ~1,100 fewer events (7 ms
    # each). Dagster's price: a failed range run leaves its partitions "missing", not "failed", in
    # the UI (the run itself shows as failed). The Makefile exports the same for `make ui`.
    os.environ.setdefault("DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS", "true")
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
            select t.schema_name, t.table_name, list(c.column_name order by c.column_index)
            from duckdb_tables() t
            left join duckdb_columns() c
              on c.schema_name = t.schema_name and c.table_name = t.table_name
            where t.schema_name in ('marts', 'reference')
            group by 1, 2 order by 1 desc, 2
            """
        ).fetchall()
        for schema, table, columns in tables:
            stats = table_stats(con, f'"{schema}"."{table}"', columns)
            out.append((f"{schema}.{table}", stats.rows, str(stats.first or "-"), str(stats.last or "-")))
    return out


def print_error(message: str) -> None:
    print(f"error: {' '.join(message.split())}", file=sys.stderr)


def serving_info(serving_db: Path) -> tuple[str, str, bool] | None:
    if not serving_db.exists():
        return None
    import duckdb

    with db.connect(serving_db, read_only=True) as con:
        try:
            row = con.execute("select published_at, source, synthetic from meta.build_info").fetchone()
        except duckdb.CatalogException:
            raise db.WarehouseMissingError(
                cause_and_fix(
                    f"{serving_db} was not published by this project (it has no meta.build_info)",
                    "run `make run` to publish serving.duckdb, or point ROTATION_HOME at a built warehouse",
                )
            ) from None
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
    from warehouse.report import HTML_NAME  # plotly, matplotlib: imported only when a summary is printed

    report_html = settings.reports_dir / HTML_NAME
    if report_html.exists():
        rendered = (
            f", rendered in {report.report_seconds:.1f} s"
            if report is not None and report.report_seconds is not None
            else ""
        )
        lines.append(
            f"report: {report_html} ({report_html.stat().st_size / 1e6:.1f} MB{rendered}, one file, works offline)"
        )
    if any(settings.parquet_dir.glob("*.parquet")):
        lines.append(f"parquet (a file per mart; by year for the two large marts): {settings.parquet_dir}")
    lines.append(
        'query it (read-only): rotation sql "select * from marts.rotation_daily order by date desc limit 5"'
    )
    return "\n".join(lines)


# What DuckDB says when a query tries to change the serving file or reach past it: the read-only
# attach, the lock-down of warehouse.db.QUERY_LOCKDOWN (files, network, extensions, settings).
READ_ONLY_REFUSALS = (
    "read-only mode",
    "disabled by configuration",
    "disabled through configuration",
    "configuration has been locked",
)


def refused_by_lockdown(error: Exception) -> bool:
    """Whether DuckDB refused a query because `rotation sql` is read-only and locked down (not
    because the SQL is wrong)."""
    import duckdb

    text = str(error)
    return isinstance(error, duckdb.PermissionException) or any(r in text for r in READ_ONLY_REFUSALS)


def duckdb_words(error: Exception) -> str:
    """DuckDB's words up to its LINE 1/caret excerpt (which needs its own lines), on one line."""
    lines = []
    for line in str(error).splitlines():
        if not line.strip() or line.startswith("LINE "):
            break
        lines.append(line.strip())
    return " ".join(lines) or type(error).__name__


# `rotation sql --format`: box is DuckDB's own table (what a person reads; the first 100 rows), the
# others write every row for another program: csv (a header row, RFC 4180 quoting, an empty field
# for null), json (an array of objects, one per row, one row per line; dates and times ISO 8601,
# decimals as numbers, NaN and infinities as null), markdown (a GitHub table, numbers right-aligned).
SQL_FORMATS = ("box", "csv", "json", "markdown")
BOX_MAX_ROWS = 100
SQL_DESCRIPTION = """\
Run one SQL query against serving.duckdb ($ROTATION_HOME/serving.duckdb) and print the result.

The file is opened read-only and locked down: the query can read the published tables (schemas marts
and reference, meta.build_info) and nothing else; a statement that writes, attaches, copies, reads a
file or URL, loads an extension or changes a setting is refused with one line. Tables and columns:
docs/marts.md; example questions: docs/questions.md."""
SQL_EXAMPLES = """\
examples:
  rotation sql "select * from marts.rotation_daily order by date desc limit 5"
  rotation sql --format csv -o positioning.csv "select * from marts.positioning"
  rotation sql --format json "select pair, max(date) as last from marts.relative_performance group by pair"
  rotation sql --format markdown "select * from marts.rotation_episodes order by start_date desc limit 10"
  rotation sql "describe marts.positioning"         # a mart's columns and types
  rotation sql "select * from meta.build_info"      # when and from which source it was published"""
NUMERIC_TYPES = {
    "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
    "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "DECIMAL",
}  # fmt: skip


def json_value(value):
    """A DuckDB value as JSON: ISO 8601 dates and times, decimals as numbers, NaN and infinities as
    null, lists and structs as arrays and objects, anything else as its text."""
    import datetime as dt
    import math
    from decimal import Decimal

    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return json_value(float(value))
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    return str(value)


def text_value(value) -> str:
    """A DuckDB value in a CSV or Markdown cell: empty for null, ISO 8601 for dates and times."""
    import datetime as dt

    if value is None:
        return ""
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    return str(value)


def render_result(relation, fmt: str) -> tuple[str, int | None]:
    """The result of ``relation`` in ``fmt`` (SQL_FORMATS), as the text to print or write, and its
    number of rows (None for box, which shows at most BOX_MAX_ROWS)."""
    import contextlib
    import csv
    import io
    import json

    if fmt == "box":
        out = io.StringIO()
        with contextlib.redirect_stdout(out):  # DuckDB prints its box through Python's stdout
            relation.show(max_width=200, max_rows=BOX_MAX_ROWS)
        return out.getvalue(), None
    columns = list(relation.columns)
    types = [str(t).split("(")[0].upper() for t in relation.types]
    rows = relation.fetchall()
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([text_value(v) for v in row] for row in rows)
        return out.getvalue(), len(rows)
    if fmt == "json":
        records = [
            json.dumps(
                {c: json_value(v) for c, v in zip(columns, row, strict=True)},
                ensure_ascii=False,
                allow_nan=False,
            )
            for row in rows
        ]
        return "[\n" + ",\n".join(records) + ("\n" if records else "") + "]\n", len(rows)

    def cell(value) -> str:
        return " ".join(text_value(value).split()).replace("|", "\\|")

    lines = [
        "| " + " | ".join(cell(c) for c in columns) + " |",
        "|" + "|".join("---:" if t in NUMERIC_TYPES else "---" for t in types) + "|",
        *("| " + " | ".join(cell(v) for v in row) + " |" for row in rows),
    ]
    return "\n".join(lines) + "\n", len(rows)


def run_sql(settings: Settings, query: str, fmt: str = "box", output: Path | None = None) -> int:
    """One query on serving.duckdb, read-only and locked down (warehouse.db.QUERY_LOCKDOWN): it can
    read the published tables, never change them, other files, the network, extensions or settings.
    The result in ``fmt`` (SQL_FORMATS) on stdout, or written to ``output``."""
    import duckdb

    if output is not None and output.resolve() in (
        settings.serving_db.resolve(),
        settings.build_db.resolve(),
    ):
        print_error(
            cause_and_fix(
                f"--output {output} is a warehouse file; `rotation sql` never writes the warehouse",
                "name another file for the result, e.g. --output result.csv",
            )
        )
        return 2
    with db.connect(settings.serving_db, read_only=True, locked_down=True) as con:
        try:
            result = con.sql(query)
            text, rows = render_result(result, fmt) if result is not None else ("", None)
        except duckdb.Error as e:
            if refused_by_lockdown(e):
                print_error(
                    cause_and_fix(
                        f"the warehouse is read-only to `rotation sql`: {settings.serving_db} is opened "
                        "read-only (and is read-only on disk), so the query can read its tables but not "
                        "change them, nor reach files, the network, extensions or settings "
                        f"(DuckDB: {duckdb_words(e)})",
                        "this is not an SQL error to correct: query the published tables with select "
                        "(schemas marts and reference); to change the warehouse, change its sources or "
                        "models and run `make run`; to export a result, use --format csv|json|markdown "
                        "--output FILE, or the Parquet files in $ROTATION_HOME/parquet",
                    )
                )
                return 1
            print_error(
                cause_and_fix(
                    f"the query failed: {duckdb_words(e)}",
                    "correct the SQL; the tables are in schemas marts and reference "
                    "(rotation summary lists them), e.g. select * from marts.rotation_daily limit 5",
                )
            )
            return 1
    if output is None:
        sys.stdout.write(text)
        return 0
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as e:
        print_error(
            cause_and_fix(
                f"cannot write --output {output}: {e.strerror or e}",
                "name a file in a folder you can write (the folder must exist)",
            )
        )
        return 1
    counted = "" if rows is None else f"{rows:,} rows, "
    print(f"wrote {output} ({counted}{fmt})", file=sys.stderr)
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
    sql = sub.add_parser(
        "sql",
        help="run one SQL query against serving.duckdb (read-only); --format csv|json|markdown, --output FILE",
        description=SQL_DESCRIPTION,
        epilog=SQL_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sql.add_argument("query", help="one SQL statement, quoted (e.g. select ... from marts.<mart>)")
    sql.add_argument(
        "--format",
        "-f",
        choices=SQL_FORMATS,
        default="box",
        help=f"box: DuckDB's table, first {BOX_MAX_ROWS} rows (default); csv: header row, empty field "
        "for null; json: an array of objects, one per row; markdown: a table (csv, json and markdown "
        "hold every row)",
    )
    sql.add_argument(
        "--output",
        "-o",
        metavar="FILE",
        type=Path,
        help="write the result to FILE (replaced if it exists) instead of printing it",
    )
    args = parser.parse_args(argv)
    if args.command == "run":
        return main_run(args)
    try:
        settings = Settings.from_env()
    except (SettingsError, SnapshotLayoutError) as e:
        print_error(str(e))
        return 2
    try:
        return command(settings, args)
    except (db.WarehouseLockedError, db.WarehouseMissingError) as e:
        print_error(str(e))
        return 1


def main_run(args: argparse.Namespace) -> int:
    """``rotation run``: hold the warehouse's writer lock for the whole build (refuse at once, one
    line, exit 1, if another run holds it), then preflight and build; a build stopped by SIGINT or
    SIGTERM ends with one line and exit code 130 or 143."""
    try:
        settings = Settings.from_env()
        require_writable_home(settings.home)  # before the lock, whose file lives there
        with writer_lock.hold(settings.home, wait=False):
            preflight(settings)
            return command(settings, args)
    except (SettingsError, SnapshotLayoutError) as e:
        print_error(str(e))
        return 2
    except writer_lock.WriterBusyError as e:
        print_error(busy_line(e))
        return 1
    except (db.WarehouseLockedError, db.WarehouseMissingError) as e:
        print_error(str(e))
        return 1
    except RunCanceled as e:
        sys.stdout.flush()
        print_error(canceled_line(settings, e))
        return STOP_EXIT_CODES[e.signum]


def command(settings: Settings, args: argparse.Namespace) -> int:
    if args.command == "summary":
        if not settings.serving_db.exists():
            raise db.WarehouseMissingError(db.missing_message(settings.serving_db))
        print(format_summary(settings, None))
        return 0
    if args.command == "sql":
        return run_sql(settings, args.query, args.format, args.output)
    report = execute(settings, full_refresh=args.full_refresh)
    print("\n" + "=" * 72)
    print(format_summary(settings, report))
    if report.success:
        return 0
    sys.stdout.flush()
    print_error(failure_line(report))
    return 1


if __name__ == "__main__":
    sys.exit(main())
