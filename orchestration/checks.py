"""The quality gate: Great Expectations suites run as blocking asset checks on every raw table.

A failed blocking check stops every downstream asset (dbt models, serving) in the same run, so the
marts and the serving file keep the last good data. The failing rows stay in raw and are listed in
the check's metadata.

Each gate validates the latest load's window and every earlier window still standing that has not
passed it (failed, or never checked: warehouse/gate_state.py), and records each load's verdict in
``raw.load_validations``, with the data. The publish guard refuses while any window has not passed,
so rows whose gate failed are never published by a later run of another month.
"""

import datetime as dt
import json
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pandas as pd
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    asset_check,
)

from expectations import TABLE_SUITES
from expectations import loads as load_expectations
from expectations import prices as price_expectations
from expectations import rate_futures as rate_futures_expectations
from expectations.runner import Markdown, TableSuite, ValidationOutcome, validate
from ingestion.sources import SOURCES
from ingestion.universe import price_instruments
from orchestration.assets.ingestion import RAW_PRICES, asset_key
from orchestration.resources import WRITER_POOL, WarehouseResource
from warehouse import db, gate_state
from warehouse import raw as raw_tables


def outcome_metadata(outcome: ValidationOutcome) -> dict:
    lines = [f"**{outcome.summary()}**", ""]
    for failure in [*outcome.failed, *outcome.tolerated]:
        status = "FAILED" if failure in outcome.failed else "tolerated"
        lines.append(f"- {status} `{failure.expectation}` on `{failure.column}`: {failure.description}")
        if failure.unexpected_count is not None:
            lines.append(f"  - failing rows: {failure.unexpected_count}")
        if failure.observed not in (None, ""):
            lines.append(f"  - observed: {failure.observed}")
        for example in failure.examples:
            lines.append(f"  - e.g. `{json.dumps(example, default=str)}`")
    return {
        "suite": outcome.suite,
        "rows_validated": outcome.rows,
        "expectations_evaluated": outcome.evaluated,
        "expectations_failed": len(outcome.failed),
        "expectations_tolerated": len(outcome.tolerated),
        "failures": MetadataValue.md("\n".join(lines)),
        "failure_examples": MetadataValue.json(
            [
                {
                    "status": "failed" if f in outcome.failed else "tolerated",
                    "expectation": f.expectation,
                    "description": f.description,
                    "unexpected_count": f.unexpected_count,
                    "observed": f.observed,
                    "examples": f.examples,
                }
                for f in [*outcome.failed, *outcome.tolerated]
            ]
        ),
    }


def gate_result(
    context: AssetCheckExecutionContext, outcome: ValidationOutcome, metadata: dict | None = None
) -> AssetCheckResult:
    if not outcome.success:
        context.log.error(outcome.summary())
    elif outcome.tolerated:
        context.log.warning(outcome.summary())
    return AssetCheckResult(
        passed=outcome.success,
        severity=AssetCheckSeverity.ERROR,
        description=outcome.summary(),
        metadata={**outcome_metadata(outcome), **(metadata or {})},
    )


def read_raw(settings, table: raw_tables.RawTable, where: str = "true") -> pd.DataFrame:
    """A raw table's rows (``where``; dates as timestamps)."""
    with db.connect(settings.build_db, read_only=True) as con:
        frame = con.execute(
            f"select * exclude (source, landing_file, loaded_at) from {table.qualified} where {where}"
        ).df()
    frame[table.date] = pd.to_datetime(frame[table.date])
    return frame


def gate_plan(settings, table: raw_tables.RawTable, check: str) -> list[gate_state.GateWindow]:
    """The windows gate ``check`` of ``table`` validates now (warehouse/gate_state.py): the latest
    load's, then every earlier standing window whose verdict is failed or pending. Without any
    recorded load, one window over the whole table (nothing to give a verdict to)."""
    with db.connect(settings.build_db, read_only=True) as con:
        loads, verdicts = raw_tables.gate_state(con, table)
    return gate_state.gate_windows(loads, verdicts, check) or [
        gate_state.GateWindow(None, None, (), "no load recorded: the whole table")
    ]


def log_plan(context: AssetCheckExecutionContext, table: raw_tables.RawTable, plan) -> None:
    """One line per window the gate validates, and why (the latest load, or an earlier window whose
    gate failed or never ran: re-validated until it passes)."""
    for window in plan:
        log = context.log.info if window.reason == "the latest load" else context.log.warning
        log(f"{table.qualified} {window.label}: {window.reason}")


def load_items_of(settings, load_ids: list[str]) -> dict[str, pd.DataFrame]:
    with db.connect(settings.build_db, read_only=True) as con:
        return {load_id: raw_tables.load_items(con, load_id) for load_id in load_ids}


def record_verdicts(
    context: AssetCheckExecutionContext,
    settings,
    table: raw_tables.RawTable,
    check: str,
    verdicts: list[tuple[gate_state.GateWindow, gate_state.Load, ValidationOutcome]],
) -> None:
    """Write each load's verdict into raw.load_validations, with the data (a write connection: the
    gates run in the writer pool, one step at a time)."""
    records = [
        raw_tables.ValidationRecord(
            load.load_id, check, outcome.success, window.label, window.reason, outcome.summary()
        )
        for window, load, outcome in verdicts
    ]
    if records:
        with db.connect(settings.build_db) as con:
            raw_tables.record_validations(con, table, records, context.run.run_id)


def windows_metadata(
    verdicts: list[tuple[gate_state.GateWindow, gate_state.Load, ValidationOutcome]],
) -> dict:
    """``validated_window`` (each window and why) and ``windows`` (each window's verdict) for the
    check's metadata."""
    lines = ["| window | load | why | verdict |", "|---|---|---|---|"]
    for window, load, outcome in verdicts:
        verdict = "passed" if outcome.success else "FAILED: " + outcome.summary()
        lines.append(f"| {window.label} | {load.load_id[:8]} | {window.reason} | {verdict} |")
    seen: dict[str, str] = {}
    for window, _, _ in verdicts:
        seen.setdefault(window.label, window.reason)
    return {
        "validated_window": "; ".join(f"{label} (exclusive; {why})" for label, why in seen.items())
        or "the whole table (no load recorded)",
        "windows": MetadataValue.md("\n".join(lines) if verdicts else "no load recorded"),
    }


def partial_bars(settings, start: dt.date | None, end: dt.date | None) -> list[str]:
    """The partial bars of the window (``SYMBOL YYYY-MM-DD``), which the gate skips."""
    with db.connect(settings.build_db, read_only=True) as con:
        rows = con.execute(
            "select symbol, date from raw.prices where is_partial "
            "and ($start is null or date >= $start) and ($end is null or date < $end) order by date, symbol",
            {"start": start, "end": end},
        ).fetchall()
    return [f"{symbol} {day:%Y-%m-%d}" for symbol, day in rows]


def new_york_today() -> dt.date:
    return dt.datetime.now(ZoneInfo("America/New_York")).date()


def load_validation(name: str, load_items: pd.DataFrame) -> ValidationOutcome:
    return validate(
        name, load_items, load_expectations.load_suite(), index_columns=load_expectations.INDEX_COLUMNS
    )


GATE = "great_expectations_gate"
RATE_FUTURES_GATE = "rate_futures_gate"


def table_gate(
    context: AssetCheckExecutionContext,
    warehouse: WarehouseResource,
    table: raw_tables.RawTable,
    validation_frame: Callable[[pd.DataFrame], pd.DataFrame],
    suite: list,
    index_columns: list[str],
    metadata: Callable[[pd.DataFrame], dict] | None = None,
) -> AssetCheckResult:
    """The gate of a raw table: its suite on the whole table, plus "every requested item delivered
    rows" on the bookkeeping of the latest load (and of an earlier load no gate evaluated yet); each
    standing load not yet passed gets its verdict too (the table's rows, and its delivery in its
    first evaluation), written to raw.load_validations;
    ``metadata(frame)`` adds to the check's metadata."""
    settings = warehouse.settings()
    plan = gate_plan(settings, table, GATE)
    log_plan(context, table, plan)
    frame = read_raw(settings, table)
    name = f"raw_{table.name}"
    rows_outcome = validate(name, validation_frame(frame), suite, index_columns=index_columns)
    loads = [(window, load) for window in plan for load in window.loads]
    items = load_items_of(settings, [load.load_id for window, load in loads if window.check_delivery])
    verdicts, item_outcomes = [], []
    for window, load in loads:
        if not window.check_delivery:  # re-validated: its rows as they are now (gate_state.GateWindow)
            verdicts.append((window, load, rows_outcome))
            continue
        items_outcome = load_validation(f"{name}_load_{load.load_id[:8]}", items[load.load_id])
        item_outcomes.append(items_outcome)
        verdicts.append((window, load, ValidationOutcome.combine(name, [rows_outcome, items_outcome])))
    outcome = ValidationOutcome.combine(name, [rows_outcome, *item_outcomes])
    record_verdicts(context, settings, table, GATE, verdicts)
    extra = {
        key: MetadataValue.md(value) if isinstance(value, Markdown) else value
        for key, value in (metadata(frame) if metadata else {}).items()
    }
    return gate_result(context, outcome, {**windows_metadata(verdicts), **extra})


@asset_check(
    asset=RAW_PRICES,
    name="great_expectations_gate",
    blocking=True,
    pool=WRITER_POOL,  # reads the build file: never while another step writes it
    description=(
        "Great Expectations suite for raw.prices (expectations/prices.py) on the rows of the latest "
        "load's window (the run's partitions) and of every earlier window whose gate failed or never "
        "ran (re-validated until it passes; verdicts in raw.load_validations): keys not null, "
        "one row per symbol and date, prices > 0, at most 0.1% of a symbol's bars (whole history) with "
        "high < low, no future dates, every requested symbol present, no daily move beyond a factor "
        "of 3 (the window's first row against the row before it), bars on sessions only (no Saturday; "
        "Sunday only for CME futures; no NYSE holiday from 1998 for US cash instruments). Partial bars (is_partial) are not "
        "validated and are listed in partial_bars. Blocking: a failure stops dbt and publishing."
    ),
)
def raw_prices_gate(context: AssetCheckExecutionContext, warehouse: WarehouseResource) -> AssetCheckResult:
    settings = warehouse.settings()
    universe = price_instruments()  # the seed's instruments and the dated rate futures contracts
    quote_types = {i.symbol: i.quote_type for i in universe}
    sessions = {i.symbol: i.session for i in universe}
    name = "raw_prices"
    suite_today = new_york_today()
    plan = gate_plan(settings, raw_tables.PRICES, GATE)
    log_plan(context, raw_tables.PRICES, plan)
    items = load_items_of(
        settings, [load.load_id for window in plan if window.check_delivery for load in window.loads]
    )
    rows_outcomes, item_outcomes, verdicts, partial = [], [], [], []
    for window in plan:
        context.log.info(f"validating raw.prices: {window.label} (exclusive; {window.reason})")
        rows_outcome = price_expectations.validate_window(
            settings.build_db, window.start, window.end, quote_types, sessions, suite_today
        )
        if window.reason != "the latest load":
            context.log.warning(f"raw.prices {window.label}: {rows_outcome.summary()}")
        rows_outcomes.append(rows_outcome)
        for load in window.loads:
            if not window.check_delivery:  # re-validated: its rows as they are now
                verdicts.append((window, load, rows_outcome))
                continue
            items_outcome = load_validation(f"{name}_load_{load.load_id[:8]}", items[load.load_id])
            item_outcomes.append(items_outcome)
            verdicts.append((window, load, ValidationOutcome.combine(name, [rows_outcome, items_outcome])))
        partial += partial_bars(settings, window.start, window.end)
    if partial:
        context.log.info(f"not validated: {len(partial)} partial bar(s) (is_partial): {', '.join(partial)}")
    outcome = ValidationOutcome.combine(name, [*rows_outcomes, *item_outcomes])
    outcome.rows = sum(o.rows for o in rows_outcomes)
    record_verdicts(context, settings, raw_tables.PRICES, GATE, verdicts)
    return gate_result(
        context,
        outcome,
        {
            **windows_metadata(verdicts),
            "partial_bars": MetadataValue.md(
                "\n".join(f"- {bar}" for bar in sorted(set(partial)))
                or "none (every bar of the window is a close)"
            ),
        },
    )


@asset_check(
    asset=RAW_PRICES,
    name="rate_futures_gate",
    blocking=True,
    pool=WRITER_POOL,
    description=(
        "Great Expectations suite for the rate futures and yield quotes in raw.prices "
        "(expectations/rate_futures.py): ZQ=F, SR3=F and their dated contracts (ZQQ24.CBT) within 80..101 "
        "(100 - rate), ZT=F within "
        "90..120, 2YY=F and ^IRX within -1..20 percent; gaps of more than 7 days reported; stale "
        "quotes of the futures (close repeated on a bar with volume 0) reported, their runs listed "
        "in stale_runs. Blocking."
    ),
)
def raw_prices_rate_futures_gate(
    context: AssetCheckExecutionContext, warehouse: WarehouseResource
) -> AssetCheckResult:
    settings = warehouse.settings()
    plan = gate_plan(settings, raw_tables.PRICES, RATE_FUTURES_GATE)
    log_plan(context, raw_tables.PRICES, plan)
    symbols = ", ".join(f"'{s}'" for s in rate_futures_expectations.all_ranges())
    prices = read_raw(settings, raw_tables.PRICES, where=f"symbol in ({symbols}) and not is_partial")
    frame = rate_futures_expectations.validation_frame(prices)
    # the rate quotes of every window at once: the verdict is each window's
    outcome = validate(
        "raw_prices_rate_futures",
        frame,
        rate_futures_expectations.rate_futures_suite(),
        index_columns=rate_futures_expectations.INDEX_COLUMNS,
    )
    verdicts = [(window, load, outcome) for window in plan for load in window.loads]
    record_verdicts(context, settings, raw_tables.PRICES, RATE_FUTURES_GATE, verdicts)
    return gate_result(context, outcome, {**windows_metadata(verdicts), **stale_run_metadata(frame)})


def stale_run_metadata(frame: pd.DataFrame) -> dict:
    """The rate futures' runs of stale quotes (tolerated: the marts treat them as missing)."""
    runs = rate_futures_expectations.stale_runs(frame)
    return {
        "stale_quotes": int((frame["stale_run_bars"] > 0).sum()),
        "stale_runs": MetadataValue.md("\n".join(f"- {r}" for r in runs) or "none"),
    }


def table_gate_check(declared: TableSuite):
    """The blocking ``great_expectations_gate`` of the raw table a suite module declares."""
    [table] = [t for t in raw_tables.RAW_TABLES if t.name == declared.table]

    @asset_check(
        asset=AssetKey(["raw", table.name]),
        name=GATE,
        blocking=True,
        pool=WRITER_POOL,  # reads the build file: never while another step writes it
        description=declared.description,
    )
    def _gate(context: AssetCheckExecutionContext, warehouse: WarehouseResource) -> AssetCheckResult:
        return table_gate(
            context,
            warehouse,
            table,
            declared.validation_frame,
            declared.suite(new_york_today()),
            declared.index_columns,
            declared.metadata,
        )

    _gate.__name__ = f"raw_{table.name}_gate"
    return _gate


def removals_outcome(settings, table: raw_tables.RawTable) -> ValidationOutcome:
    """The removal rule on ``table``: no row a load no longer delivered is pending (kept in raw
    without a decision; warehouse/raw.py ``load``)."""
    with db.connect(settings.build_db, read_only=True) as con:
        pending = raw_tables.pending_removals(con, table)
    pending["date"] = pd.to_datetime(pending["date"])
    return validate(
        f"raw_{table.name}_removals",
        pending[["item", "date", "key", "decision", "load_id"]],
        load_expectations.removals_suite(table.name),
        index_columns=["item", "date", "key"],
    )


def removals_gate(table: raw_tables.RawTable, asset_key):
    """The removals gate of one raw table (the same rule for every raw table)."""

    @asset_check(
        asset=asset_key,
        name="removals_gate",
        blocking=True,
        pool=WRITER_POOL,
        description=(
            f"Removal rule on {table.qualified}: a row a load no longer delivers (a day missing, a "
            "file cut short, a code no longer matched) is removed only by decision. Without one the "
            "load keeps it in raw and lists it in raw.removed_rows as withheld; this check fails "
            "while any is pending: fix the file and run the window again, or accept the removal "
            f"with ROTATION_ALLOW_REMOVALS={table.name} (or {table.name}:<{table.item}>) and run it "
            "again (the removed rows stay in raw.removed_rows). Blocking."
        ),
    )
    def _gate(context: AssetCheckExecutionContext, warehouse: WarehouseResource) -> AssetCheckResult:
        outcome = removals_outcome(warehouse.settings(), table)
        return gate_result(context, outcome)

    _gate.__name__ = f"raw_{table.name}_removals_gate"
    return _gate


REMOVAL_GATES = [removals_gate(table, AssetKey(["raw", table.name])) for table in raw_tables.RAW_TABLES]


# The gates that judge a load's window and record their verdicts in raw.load_validations.
WINDOW_GATES = [
    raw_prices_gate,
    raw_prices_rate_futures_gate,
    *(table_gate_check(declared) for declared in TABLE_SUITES),
]
GATES = [*WINDOW_GATES, *REMOVAL_GATES]


def gates_by_table() -> dict[raw_tables.RawTable, list[str]]:
    """Each raw table and the names of its window gates (every one must pass on every window; the
    removals gate judges raw.removed_rows instead, not a window)."""
    tables = {asset_key(source): source.table for source in SOURCES}
    out: dict[raw_tables.RawTable, list[str]] = {}
    for gate in WINDOW_GATES:
        for key in gate.check_keys:
            out.setdefault(tables[key.asset_key], []).append(key.name)
    return out
