"""The seeds ingestion reads (instruments, rate series): they load, and bad rows say file and line."""

from __future__ import annotations

import datetime as dt

import pytest

from ingestion.universe import (
    INSTRUMENTS_SEED,
    RATE_SERIES_SEED,
    SYMBOL_RE,
    check_identifier,
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


def replace_field(line: str, column: str, value: str) -> str:
    header = INSTRUMENTS_SEED.read_text().splitlines()[0].split(",")
    fields = line.split(",")
    fields[header.index(column)] = value
    return ",".join(fields)


def test_a_bad_roll_rule_names_file_and_line(tmp_path):
    bad = tmp_path / "instruments.csv"
    lines = INSTRUMENTS_SEED.read_text().splitlines()
    bad.write_text("\n".join([lines[0], replace_field(lines[1], "roll_rule", "weekly"), *lines[2:]]) + "\n")
    with pytest.raises(ValueError, match=r"instruments.csv line 2: roll_rule must be one of .* got 'weekly'"):
        load_universe(bad)


def test_a_bad_session_names_file_and_line(tmp_path):
    bad = tmp_path / "instruments.csv"
    lines = INSTRUMENTS_SEED.read_text().splitlines()
    bad.write_text("\n".join([lines[0], replace_field(lines[1], "session", "tokyo"), *lines[2:]]) + "\n")
    with pytest.raises(ValueError, match=r"instruments.csv line 2: session must be one of .* got 'tokyo'"):
        load_universe(bad)


def test_every_instrument_has_the_session_of_its_market():
    """CME futures end at 17:00 New York, ^FTSE and ^FTMC trade in London, the Cboe volatility indices are
    calculated until 16:15, everything else is US cash (16:00 New York)."""
    for i in load_universe():
        if i.symbol.endswith("=F"):
            expected = "cme"
        elif i.symbol in ("^FTSE", "^FTMC"):
            expected = "london"
        elif i.asset_class == "volatility_index":
            expected = "cboe_volatility"
        else:
            expected = "us_cash"
        assert i.session == expected, i.symbol


def test_session_ends_follow_daylight_saving():
    from ingestion.universe import SESSIONS

    assert SESSIONS["us_cash"].end_on(dt.date(2026, 2, 23)).astimezone(dt.UTC).hour == 21  # EST
    assert SESSIONS["us_cash"].end_on(dt.date(2024, 7, 16)).astimezone(dt.UTC).hour == 20  # EDT
    assert SESSIONS["cme"].end_on(dt.date(2026, 2, 23)).astimezone(dt.UTC).hour == 22
    london = SESSIONS["london"].end_on(dt.date(2024, 7, 16)).astimezone(dt.UTC)
    assert (london.hour, london.minute) == (15, 30)  # 16:30 BST


def test_a_bad_rate_kind_names_file_and_line(tmp_path):
    bad = tmp_path / "rate_series.csv"
    lines = RATE_SERIES_SEED.read_text().splitlines()
    bad.write_text("\n".join([lines[0], lines[1].replace(",fred,", ",bond,"), *lines[2:]]) + "\n")
    with pytest.raises(ValueError, match=r"rate_series.csv line 2: kind must be one of .* got 'bond'"):
        load_rate_series(bad)


@pytest.mark.parametrize("symbol", ["^RUT", "ZQ=F", "BRK-B", "BF.B", "2YY=F", "IWM"])
def test_real_symbols_are_allowed(symbol):
    assert check_identifier(symbol, SYMBOL_RE, "symbol", "here") == symbol


@pytest.mark.parametrize(
    "symbol",
    ["../../etc/passwd", "..", "A/B", "IWM'; drop table raw.prices; --", "A B", "", ".hidden", "A&b=1"],
)
def test_symbols_that_could_traverse_paths_or_inject_are_refused(tmp_path, symbol):
    bad = tmp_path / "instruments.csv"
    lines = INSTRUMENTS_SEED.read_text().splitlines()
    row = lines[1].split(",", 1)[1]
    bad.write_text("\n".join([lines[0], f'"{symbol}",{row}', *lines[2:]]) + "\n")
    with pytest.raises(ValueError, match=r"instruments.csv line 2: symbol .* is not allowed"):
        load_universe(bad)


def test_a_fred_series_id_with_a_path_is_refused(tmp_path):
    bad = tmp_path / "rate_series.csv"
    lines = RATE_SERIES_SEED.read_text().splitlines()
    first = lines[1].split(",")
    first[3] = "../DGS2"
    bad.write_text("\n".join([lines[0], ",".join(first), *lines[2:]]) + "\n")
    with pytest.raises(ValueError, match=r"rate_series.csv line 2: FRED series id '../DGS2' is not allowed"):
        load_rate_series(bad)


@pytest.mark.parametrize("name", ["../x.csv", "a/b.csv", "a\\b.csv", "..", ""])
def test_landing_refuses_names_that_leave_its_folder(tmp_path, name):
    from ingestion.landing import land_bytes

    with pytest.raises(ValueError, match="plain file name"):
        land_bytes(b"x", tmp_path, "yahoo", "live", name)


def test_rotation_dbt_project_dir_moves_the_seeds_ingestion_reads(tmp_path):
    import os
    import subprocess
    import sys

    code = (
        "from ingestion import universe; print(universe.INSTRUMENTS_SEED); print(universe.RATE_SERIES_SEED)"
    )
    env = {**os.environ, "ROTATION_DBT_PROJECT_DIR": str(tmp_path / "copy")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == [
        str(tmp_path / "copy" / "seeds" / "instruments.csv"),
        str(tmp_path / "copy" / "seeds" / "rate_series.csv"),
    ]
    unset = {k: v for k, v in os.environ.items() if k != "ROTATION_DBT_PROJECT_DIR"}
    out = subprocess.run([sys.executable, "-c", code], env=unset, capture_output=True, text=True, check=True)
    assert out.stdout.split()[0].endswith("dbt_project/seeds/instruments.csv")
