"""The benchmark's target table, ratios and JSON (benchmarks/targets.py, benchmarks/run.summarize) on
hand-made figures: every target is printed with its limit and a verdict, ratios divide the
warehouse's model time by each reference's, and a figure not measured is never made up."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import pytest

from benchmarks import run, targets

COMPARE = {
    "read_inputs_seconds": 1.0,
    "pandas_relative_performance_seconds": 2.0,
    "polars_relative_performance_seconds": 0.5,
    "pandas_rate_sensitivity_seconds": 10.0,
    "polars_rate_sensitivity_seconds": 4.0,
    "numpy_rate_sensitivity_seconds": 0.8,
}


def test_ratios_divide_the_warehouse_by_each_reference():
    got = targets.ratios({"relative_performance": 1.0, "rate_sensitivity": 8.0}, COMPARE)
    assert got == {
        "relative_performance_over_pandas": 0.5,
        "relative_performance_over_polars": 2.0,
        "rate_sensitivity_over_pandas": 0.8,
        "rate_sensitivity_over_polars": 2.0,
        "rate_sensitivity_over_bound": 10.0,
    }


def test_a_missing_or_zero_reference_gives_no_ratio():
    got = targets.ratios(
        {"relative_performance": 1.0, "rate_sensitivity": None}, {"pandas_relative_performance_seconds": 0.0}
    )
    assert set(got.values()) == {None}


def _figures(**overrides):
    figures = targets.measured(
        cold_seconds=60.0,
        update_seconds=9.0,
        update_startup_seconds=3.0,
        peak_rss_mb=1800.0,
        model_ratios=targets.ratios({"relative_performance": 1.0, "rate_sensitivity": 1.6}, COMPARE),
        make_run_seconds=[40.0, 20.0, 25.0, 90.0, 28.0],
    )
    return {**figures, **overrides}


def test_every_target_has_a_row_with_its_limit_and_verdict():
    rows = {r["key"]: r for r in targets.target_rows(_figures())}
    assert list(rows) == [t.key for t in targets.TARGETS]
    assert len(rows) == 10
    verdicts = {k: r["verdict"] for k, r in rows.items()}
    assert verdicts == {
        "cold_seconds": "met",  # 60 <= 60: "at most" includes the limit
        "update_seconds_after_startup": "missed",  # 9 - 3 = 6 > 5
        "rate_sensitivity_over_bound": "met",  # 1.6 / 0.8 = 2 <= 2
        "relative_performance_over_pandas": "met",  # 0.5 < 1
        "relative_performance_over_polars": "missed",  # 2 is not < 1
        "rate_sensitivity_over_pandas": "met",  # 0.16 < 1
        "rate_sensitivity_over_polars": "met",  # 0.4 < 1
        "peak_rss_mb": "met",
        "make_run_seconds": "met",  # the median of five runs, 28 s, not the mean (40.6 s)
        "make_test_seconds": "not measured (--make-test)",
    }
    assert rows["make_run_seconds"]["measured"] == 28.0
    assert rows["update_seconds_after_startup"]["measured"] == 6.0


def test_a_ratio_of_exactly_one_misses_a_strictly_faster_target():
    rows = {r["key"]: r for r in targets.target_rows(_figures(rate_sensitivity_over_pandas=1.0))}
    assert rows["rate_sensitivity_over_pandas"]["verdict"] == "missed"
    assert rows["rate_sensitivity_over_pandas"]["comparison"] == "<"


def test_the_printed_table_has_every_row_and_never_a_figure_for_what_was_not_measured():
    rows = targets.target_rows(_figures(make_run_seconds=None))
    table = targets.format_targets(rows).splitlines()
    assert len(table) == 2 + len(targets.TARGETS)
    line = {r["key"]: table[2 + i] for i, r in enumerate(rows)}
    assert "<= 60 s" in line["cold_seconds"] and line["cold_seconds"].endswith("met")
    assert "<= 2 GB" in line["peak_rss_mb"] and "1.76 GB" in line["peak_rss_mb"]
    assert "<= 10 min" in line["make_test_seconds"]
    assert line["make_test_seconds"].endswith("-  not measured (--make-test)")
    assert line["make_run_seconds"].endswith("-  not measured (--skip-make-run)")
    assert "< 1x" in line["relative_performance_over_polars"] and line[
        "relative_performance_over_polars"
    ].endswith("MISSED")


def test_the_update_share_of_the_cold_build():
    assert targets.update_share(9.0, 3.0, 60.0) == {
        "update_over_cold": 0.15,
        "update_after_startup_over_cold": 0.1,
    }


def test_summarize_prints_the_targets_and_writes_them_with_the_ratios(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(run, "machine", lambda: {"cpu": "test"})
    stage = {
        "startup_seconds": 3.0,
        "peak_rss": 1800 * run.MB,
        "dbt_nodes": [
            {"node": "model.rotation.relative_performance", "seconds": 1.0},
            {"node": "model.rotation.rate_sensitivity", "seconds": 1.6},
        ],
    }
    cold = run.Measured(60.0, stage, [])
    update = run.Measured(9.0, {**stage, "peak_rss": 100 * run.MB}, [])
    agreement = {
        "rows_mart": 3,
        "only_in_mart": 0,
        "only_in_reference": 0,
        "x_null_mismatch": 0,
        "x_max_abs_diff": 0.0,
    }
    compare = {
        **COMPARE,
        "relative_performance_vs_polars": agreement,
        "rate_sensitivity_vs_pandas": agreement,
    }
    generated = SimpleNamespace(price_rows=10, new_day=dt.date(2024, 12, 31), seconds=0.0, bytes=1)
    scale = SimpleNamespace(label="3x1", __dict__={"tickers": 3})
    results = run.summarize(scale, generated, 1.0, cold, update, compare, [30.0, 31.0, 29.0], None)
    out = capsys.readouterr().out
    for target in targets.TARGETS:
        assert target.label in out
    assert "agreement relative_performance_vs_polars: OK" in out
    assert "polars 0.50s" in out and "warehouse/polars 2.00" in out
    written = json.loads(json.dumps(results, default=str))
    assert written["ratios"]["rate_sensitivity_over_bound"] == pytest.approx(2.0)
    assert written["targets"]["make_run_seconds"]["measured"] == 30.0
    assert written["targets"]["make_test_seconds"] == {
        **written["targets"]["make_test_seconds"],
        "measured": None,
        "verdict": "not measured (--make-test)",
    }
    assert written["update_share"]["update_over_cold"] == pytest.approx(0.15)
    assert written["make_run_seconds"] == [30.0, 31.0, 29.0]
