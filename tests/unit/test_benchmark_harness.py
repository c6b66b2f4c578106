"""The scale benchmark's parts on a tiny universe: generated files, the project copy, the memory
sampler, the agreement check and the stage table (the timed runs themselves are `make bench`)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from benchmarks import compare, run, scale
from benchmarks.memory import RssSampler, tree_rss
from ingestion import yahoo
from ingestion.french import LIBRARY_FILES
from ingestion.universe import INSTRUMENTS_SEED, load_universe


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    lines = []
    generated = scale.generate(scale.Scale(tickers=3, years=2, mart_tickers=2), out, progress=lines.append)
    return out, generated, lines


def test_generated_files_hold_the_universe_up_to_the_new_day_and_the_update_its_month(tiny):
    out, generated, _ = tiny
    universe = [i.symbol for i in load_universe()] + ["SC0001", "SC0002", "SC0003"]
    assert sorted(p.stem for p in (generated.files / "yahoo").glob("*.csv")) == sorted(universe)
    assert generated.new_day == dt.date(2024, 12, 31)
    cold = yahoo.parse_price_file(generated.files / "yahoo" / "SC0002.csv").frame
    update = yahoo.parse_price_file(generated.update / "yahoo" / "SC0002.csv").frame
    assert cold["date"].min() >= pd.Timestamp("2023-01-01") and cold["date"].max() < pd.Timestamp(
        "2024-12-31"
    )
    assert (update["date"].min(), update["date"].max()) == (
        pd.Timestamp("2024-12-02"),
        pd.Timestamp("2024-12-31"),
    )
    # the update's December rows are the cold file's December rows, plus the new day
    december = cold[cold["date"] >= pd.Timestamp("2024-12-01")].reset_index(drop=True)
    pd.testing.assert_frame_equal(update.iloc[:-1].reset_index(drop=True), december)
    rows = sum(len(yahoo.parse_price_file(p).frame) for p in (generated.files / "yahoo").glob("*.csv"))
    assert generated.price_rows == rows
    for folder in (generated.files, generated.update):
        assert {p.name for p in (folder / "fred").iterdir()} == {"DGS2.csv", "DGS3MO.csv", "DFF.csv"}
        assert len(list((folder / "french").iterdir())) == len(LIBRARY_FILES)
    assert any((generated.files / "cftc").glob("FinFut*.txt"))


def test_generated_files_are_reused_while_the_parameters_hold(tiny):
    out, generated, _ = tiny
    lines = []
    again = scale.generate(scale.Scale(tickers=3, years=2, mart_tickers=2), out, progress=lines.append)
    assert again.seconds == 0.0 and again.price_rows == generated.price_rows
    assert lines and lines[0].startswith("generate: reusing")


def test_scale_refuses_impossible_parameters():
    with pytest.raises(ValueError, match="years must be 1..25"):
        scale.Scale(tickers=10, years=30, mart_tickers=1)
    with pytest.raises(ValueError, match="mart_tickers"):
        scale.Scale(tickers=10, years=5, mart_tickers=11)


def test_the_project_copy_has_the_bigger_seeds_and_the_repository_keeps_its_own(tmp_path):
    before = INSTRUMENTS_SEED.read_text()
    project = scale.prepare_project(scale.Scale(tickers=4, years=1, mart_tickers=2), tmp_path)
    assert INSTRUMENTS_SEED.read_text() == before
    instruments = load_universe(project / "seeds" / "instruments.csv")
    assert [i.symbol for i in instruments][-4:] == ["SC0001", "SC0002", "SC0003", "SC0004"]
    with open(project / "seeds" / "pairs.csv", newline="") as f:
        pairs = [(r["numerator"], r["denominator"]) for r in csv.DictReader(f)]
    assert pairs[-2:] == [("SC0001", "^GSPC"), ("SC0002", "^GSPC")]
    with open(project / "seeds" / "sensitivity_series.csv", newline="") as f:
        series = [r["series"] for r in csv.DictReader(f)]
    assert series[-2:] == ["SC0001", "SC0002"]
    assert not (project / "target").exists(), "the copy starts without the repository's dbt state"


def test_the_sampler_counts_child_processes():
    child = subprocess.Popen(
        ["python3", "-c", "b = bytearray(200 * 1024 * 1024); import time; time.sleep(1.5)"]
    )
    try:
        time.sleep(0.8)
        with_child = tree_rss(os.getpid())
        alone = int(Path(f"/proc/{os.getpid()}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        assert with_child - alone > 150 * 1024 * 1024
    finally:
        child.wait()
    sampler = RssSampler(interval=0.01).start()
    time.sleep(0.1)
    sampler.stop()
    assert sampler.samples and sampler.peak() == max(r for _, r in sampler.samples)
    assert sampler.peak(start=time.time() + 60) is None


def test_agreement_counts_missing_rows_null_mismatches_and_the_largest_difference():
    keys = ["symbol", "date"]
    mart = pd.DataFrame({"symbol": ["A", "A", "B"], "date": [1, 2, 1], "value": [0.5, np.nan, 1.0]})
    reference = pd.DataFrame(
        {"symbol": ["A", "A", "C"], "date": [1, 2, 1], "value": [0.5 + 1e-12, 0.25, 2.0]}
    )
    figures = compare.agreement(mart, reference, keys, ["value"])
    assert figures["only_in_mart"] == 1 and figures["only_in_reference"] == 1
    assert figures["value_null_mismatch"] == 1
    assert figures["value_max_abs_diff"] == pytest.approx(1e-12, rel=1e-3)


def test_the_stage_table_splits_raw_loads_and_names_dbt_models(tmp_path):
    db = tmp_path / "b.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute(
            "create schema marts; create table marts.rate_sensitivity as select range as x from range(500)"
        )
    stage = json.loads(
        json.dumps(
            {
                "startup_seconds": 2.0,
                "steps": [
                    {
                        "step": "raw__prices",
                        "start": 0,
                        "end": 10,
                        "seconds": 10.0,
                        "peak_rss": 2**30,
                        "metadata": {
                            "raw/prices": {
                                "rows_in_files": 1000,
                                "seconds_landing": 1.0,
                                "seconds_parsing": 5.0,
                                "seconds_loading": 4.0,
                            }
                        },
                    },
                    {
                        "step": "rotation_dbt_assets",
                        "start": 10,
                        "end": 20,
                        "seconds": 10.0,
                        "peak_rss": None,
                        "metadata": {},
                    },
                ],
                "dbt_nodes": [
                    {
                        "node": "model.rotation.rate_sensitivity",
                        "start": 11,
                        "end": 15,
                        "seconds": 4.0,
                        "peak_rss": None,
                    },
                    {
                        "node": "test.rotation.unique_x",
                        "start": 15,
                        "end": 16,
                        "seconds": 1.0,
                        "peak_rss": 100,
                    },
                ],
            }
        )
    )
    rows = run.stage_rows(stage, db)
    names = [r["stage"] for r in rows]
    assert names == [
        "start-up (imports, definitions)",
        "raw__prices",
        "  landing",
        "  parsing",
        "  loading",
        "rotation_dbt_assets",
        "  dbt tests (1)",
        "  dbt rate_sensitivity",
    ]
    table = run.format_table("T", rows)
    prices_line = table.splitlines()[3].split()
    assert prices_line == ["raw__prices", "10.00", "1,000", "100", "1,024"]  # 100 rows/s, 1 GiB
    assert next(r for r in rows if r["stage"] == "  dbt rate_sensitivity")["rows"] == 500


def test_the_spark_stage_reports_spark_over_duckdb_for_the_run_the_dbt_step_and_each_model():
    def measured(wall, dbt, serving, model_seconds):
        return run.Measured(
            wall=wall,
            stage={
                "success": True,
                "steps": [
                    {"step": "rotation_dbt_assets", "seconds": dbt},
                    {"step": "serving", "seconds": serving},
                    {"step": "parquet", "seconds": 1.0},
                ],
                "dbt_nodes": [{"node": f"model.rotation.{m}", "seconds": s} for m, s in model_seconds.items()]
                + [{"node": "test.rotation.x", "seconds": 9.0}],
            },
            table=[],
        )

    duck = measured(20.0, 8.0, 2.0, {"rotation_daily": 0.5, "positioning": 0.2})
    spark = measured(100.0, 64.0, 3.0, {"rotation_daily": 5.0})
    ratios = run.spark_ratios(duck, spark)
    assert (ratios["wall_ratio"], ratios["dbt_ratio"], ratios["serving_ratio"]) == (5.0, 8.0, 1.5)
    assert ratios["models"]["rotation_daily"] == {"duckdb_seconds": 0.5, "spark_seconds": 5.0, "ratio": 10.0}
    # a model Spark did not run has no ratio, not a division error
    assert ratios["models"]["positioning"] == {"duckdb_seconds": 0.2, "spark_seconds": None, "ratio": None}
    assert set(ratios["models"]) == {"rotation_daily", "positioning"} and ratios["success"]
    # serving skipped on Spark (no step): no serving ratio, and the stage did not succeed
    skipped = measured(100.0, 64.0, 3.0, {"rotation_daily": 5.0})
    skipped.stage["steps"] = [s for s in skipped.stage["steps"] if s["step"] != "serving"]
    ratios = run.spark_ratios(duck, skipped)
    assert ratios["serving_ratio"] is None and not ratios["success"], ratios
