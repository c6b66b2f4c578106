"""Rows whose gate failed are never published by a later run of another month, nor by a publish that
loaded nothing: every loaded window must have passed its gates (verdicts in raw.load_validations)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, AssetSelection, DagsterInstance, materialize

from orchestration import checks
from orchestration.runner import PlannedRun
from tests.integration.conftest import file_digest, run_graph, table_checksums
from warehouse import gate_state, raw

pytestmark = pytest.mark.slow

PRICE_GATE = "raw/prices:great_expectations_gate"
FRED_GATE = "raw/fred_series:great_expectations_gate"
JUNE = "2024-06-01..2024-07-01"


def landed(settings, system: str, name: str) -> Path:
    [path] = sorted((settings.landing_dir / system / "sample").glob(f"*/{name}"))
    return path


def multiply_day(path: Path, day: str, factor: float) -> None:
    """Every price of ``day`` in a landed Yahoo CSV times ``factor`` (volume untouched)."""
    lines = path.read_text().splitlines()
    for i, line in enumerate(lines):
        if line.startswith(day + ","):
            date, *prices, volume = line.split(",")
            lines[i] = ",".join([date, *(str(float(p) * factor) for p in prices), volume])
            break
    else:
        raise AssertionError(f"{day} not in {path}")
    path.write_text("\n".join(lines) + "\n")


def set_value(path: Path, day: str, value: str) -> None:
    """A landed FRED CSV (``date,value``) with ``value`` on ``day``."""
    lines = path.read_text().splitlines()
    [i] = [n for n, line in enumerate(lines) if line.startswith(day + ",")]
    lines[i] = f"{day},{value}"
    path.write_text("\n".join(lines) + "\n")


def latest_verdicts(settings, table: raw.RawTable) -> dict[str, list[gate_state.OpenWindow]]:
    """The windows of ``table`` that have not passed each of its gates."""
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        loads, verdicts = raw.gate_state(con, table)
    return gate_state.open_windows(loads, verdicts, checks.gates_by_table()[table])


def verdict_rows(settings, where: str) -> list[tuple]:
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        return con.execute(
            "select l.covered_from::varchar, v.check_name, v.status from raw.load_validations v "
            f"join raw.loads l using (load_id) where {where} order by v.evaluated_at, l.covered_from"
        ).fetchall()


def test_a_failed_month_blocks_every_later_run_until_it_passes(built_sample_home):
    """SPY's 2024-06-03 prices times 50: June's gate fails. A run of December alone re-validates
    June, fails again and publishes nothing; once the file is fixed and June reloaded, it publishes
    and June is marked passed."""
    settings = built_sample_home
    spy = landed(settings, "yahoo", "SPY.csv")
    good_spy = spy.read_bytes()
    multiply_day(spy, "2024-06-03", 50)
    served, served_file = table_checksums(settings.serving_db), file_digest(settings.serving_db)
    instance = DagsterInstance.ephemeral()

    positioning = run_graph(settings, instance, plan=[PlannedRun("ingest_positioning", ["2024-06-01"])])
    assert positioning.success, positioning.failures  # every gate has an evaluation in this instance
    june = run_graph(settings, instance, plan=[PlannedRun("prices_and_rates", ["2024-06-01"])])
    assert not june.success
    assert june.checks[PRICE_GATE] is False
    assert "serving" not in june.materialized

    december = run_graph(settings, instance, plan=[PlannedRun("prices_and_rates", ["2024-12-01"])])
    assert not december.success, "a run of December must not publish June's failed rows"
    assert december.checks[PRICE_GATE] is False, december.check_descriptions[PRICE_GATE]
    assert "serving" not in december.materialized
    assert table_checksums(settings.serving_db) == served and file_digest(settings.serving_db) == served_file
    # the failing window is visible: in the check's metadata and in raw.load_validations
    validated = december.check_metadata[PRICE_GATE]["validated_window"].value
    assert "2024-12-01..2025-01-01 (exclusive; the latest load)" in validated
    assert f"{JUNE} (exclusive; re-validated: its gate failed at" in validated
    assert "log_move" in december.check_descriptions[PRICE_GATE]
    # each window its own verdict: December's rows passed, June failed again
    assert verdict_rows(settings, "v.system = 'yahoo' and v.check_name = 'great_expectations_gate'")[-2:] == [
        ("2024-06-01", "great_expectations_gate", "failed"),
        ("2024-12-01", "great_expectations_gate", "passed"),
    ]
    [price_window] = latest_verdicts(settings, raw.PRICES)
    assert (price_window.load.window_label, price_window.check_name, price_window.status) == (
        JUNE,
        "great_expectations_gate",
        "failed",
    )

    # the file fixed, June reloaded: it passes, publishes, and no window is left open
    spy.write_bytes(good_spy)
    fixed = run_graph(settings, instance, plan=[PlannedRun("prices_and_rates", ["2024-06-01"])])
    assert fixed.success, fixed.failures
    assert "serving" in fixed.materialized and file_digest(settings.serving_db) != served_file
    assert fixed.check_metadata[PRICE_GATE]["validated_window"].value == (
        "2024-06-01..2024-07-01 (exclusive; the latest load)"
    )
    for table in raw.RAW_TABLES:
        assert latest_verdicts(settings, table) == [], table.name
    assert verdict_rows(settings, "v.system = 'yahoo' and v.check_name = 'great_expectations_gate'")[-1] == (
        "2024-06-01",
        "great_expectations_gate",
        "passed",
    )


def test_a_publish_that_loaded_nothing_refuses_a_window_no_gate_passed(built_sample_home):
    """June's prices and FRED rates loaded with bad rows by a run whose gates never ran in this
    Dagster instance (loads materialized alone elsewhere, or a crash before the checks): the
    instance's own records say every gate passed, but a publish launched alone (dbt + serving)
    refuses, naming each window; the next run's gates validate them late, and fail."""
    settings = built_sample_home
    instance = DagsterInstance.ephemeral()
    for plan in (
        PlannedRun("ingest_positioning", ["2024-12-01"]),
        PlannedRun("prices_and_rates", ["2024-12-01"]),
    ):
        run = run_graph(settings, instance, plan=[plan])
        assert run.success, run.failures
    served = table_checksums(settings.serving_db)

    multiply_day(landed(settings, "yahoo", "SPY.csv"), "2024-06-03", 50)
    set_value(landed(settings, "fred", "DGS2.csv"), "2024-06-04", "99.0")  # percent: beyond -1..25
    from orchestration.definitions import build_definitions

    defs = build_definitions(settings)
    with DagsterInstance.ephemeral() as elsewhere:  # another DAGSTER_HOME: the warehouse is the same
        lone = materialize(
            [*defs.assets, *defs.asset_checks],
            selection=AssetSelection.assets(
                AssetKey(["raw", "prices"]), AssetKey(["raw", "fred_series"])
            ).without_checks(),
            resources=defs.resources,
            instance=elsewhere,
            partition_key="2024-06-01",
            raise_on_error=False,
        )
    assert lone.success and not lone.get_asset_check_evaluations()

    publish = run_graph(settings, instance, plan=[PlannedRun("marts_and_serving")])
    assert not publish.success and "serving" not in publish.materialized
    [refusal] = [f for f in publish.failures if "not publishing" in f]
    assert f"raw.prices window {JUNE}" in refusal and "never ran on it (pending)" in refusal, refusal
    assert f"raw.fred_series window {JUNE}" in refusal, refusal
    assert " — fix: fix those windows' rows" in refusal and "then reload those windows" in refusal
    assert table_checksums(settings.serving_db) == served

    december = run_graph(settings, instance, plan=[PlannedRun("prices_and_rates", ["2024-12-01"])])
    assert december.checks[PRICE_GATE] is False and december.checks[FRED_GATE] is False
    assert f"{JUNE} (exclusive; validated late: its gate never ran (pending))" in (
        december.check_metadata[FRED_GATE]["validated_window"].value
    )
    assert table_checksums(settings.serving_db) == served
