"""The seeds ingestion reads (instruments, rate series): they load, and bad rows say file and line."""

from __future__ import annotations

import pytest

from ingestion.universe import (
    INSTRUMENTS_SEED,
    RATE_SERIES_SEED,
    fred_series_ids,
    load_rate_series,
    load_universe,
)


def test_the_seeds_load_and_agree():
    symbols = {i.symbol for i in load_universe()}
    series = load_rate_series()
    for r in series:
        if r.kind != "fred":
            assert r.upstream_id in symbols, f"{r.rate_series} reads {r.upstream_id}, not in instruments"
    rolling = {i.symbol for i in load_universe() if i.roll_rule != "none"}
    assert {r.upstream_id for r in series if r.kind == "futures_implied"} <= rolling, (
        "implied rates need roll days"
    )


def test_fred_series_by_source():
    assert fred_series_ids("snapshot") == fred_series_ids("sample") == ["DGS2", "DGS3MO", "DFF"]
    assert fred_series_ids("live") == ["DGS2", "DGS3MO", "DFF", "EFFR", "SOFR"]


def test_a_bad_roll_rule_names_file_and_line(tmp_path):
    bad = tmp_path / "instruments.csv"
    lines = INSTRUMENTS_SEED.read_text().splitlines()
    bad.write_text("\n".join([lines[0], lines[1].rsplit(",", 1)[0] + ",weekly", *lines[2:]]) + "\n")
    with pytest.raises(ValueError, match=r"instruments.csv line 2: roll_rule must be one of .* got 'weekly'"):
        load_universe(bad)


def test_a_bad_rate_kind_names_file_and_line(tmp_path):
    bad = tmp_path / "rate_series.csv"
    lines = RATE_SERIES_SEED.read_text().splitlines()
    bad.write_text("\n".join([lines[0], lines[1].replace(",fred,", ",bond,"), *lines[2:]]) + "\n")
    with pytest.raises(ValueError, match=r"rate_series.csv line 2: kind must be one of .* got 'bond'"):
        load_rate_series(bad)
