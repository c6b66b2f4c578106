"""The dated rate futures contracts (ingestion/rate_contracts.py, seed rate_futures_contracts.csv):
the seed is what the rules give, contract names and dates follow the exchanges' rules (checked on
hand-picked contracts), and each mode asks for the contracts it has."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from ingestion import rate_contracts
from ingestion.landing import LandingBatch
from ingestion.rate_contracts import CONTRACTS_SEED, contracts_in_window, load_contracts
from ingestion.sources import prices
from ingestion.sources.base import LandingRequest
from ingestion.universe import SESSIONS, instrument_sessions, load_universe


def test_the_seed_is_what_the_rules_generate(capsys):
    assert rate_contracts.main(["--check"]) == 0, capsys.readouterr().out
    assert CONTRACTS_SEED.read_text(encoding="utf-8") == rate_contracts.render_seed(
        rate_contracts.generated_contracts()
    )


def test_a_changed_seed_is_reported(tmp_path, monkeypatch, capsys):
    changed = tmp_path / "rate_futures_contracts.csv"
    changed.write_text(CONTRACTS_SEED.read_text(encoding="utf-8").replace("2021-05-28", "2021-05-31"))
    monkeypatch.setattr(rate_contracts, "CONTRACTS_SEED", changed)
    assert rate_contracts.main(["--check"]) == 1
    assert "differs from the rules" in capsys.readouterr().out


def test_contracts_by_hand():
    """Yahoo's symbols and the contracts' dates, read off the exchanges' rules by hand."""
    with open(CONTRACTS_SEED, encoding="utf-8") as f:
        rows = {row["symbol"]: row for row in csv.DictReader(f)}
    # August 2024 fed funds: the calendar month; trades to its last business day (Friday the 30th)
    assert rows["ZQQ24.CBT"] == {
        "symbol": "ZQQ24.CBT",
        "root": "ZQ",
        "continuous_symbol": "ZQ=F",
        "contract_month": "2024-08-01",
        "reference_start": "2024-08-01",
        "reference_end": "2024-08-31",
        "last_trade_date": "2024-08-30",
        "first_date": "2024-01-01",
    }
    assert rows["ZQK21.CBT"]["last_trade_date"] == "2021-05-28"  # May 31, 2021 was Memorial Day
    # New Year's Day 2022 on a Saturday: the Fed was open on Friday, December 31, 2021
    assert rows["ZQZ21.CBT"]["last_trade_date"] == "2021-12-31"
    # September 2024 SOFR: IMM Wednesday 2024-09-18 to the day before the December IMM date
    assert rows["SR3U24.CME"]["reference_start"] == "2024-09-18"
    assert rows["SR3U24.CME"]["reference_end"] == "2024-12-17"
    assert rows["SR3U24.CME"]["last_trade_date"] == "2024-12-17"
    assert "SR3Q24.CME" not in rows  # quarterly months only
    zq = [s for s in rows if s.startswith("ZQ")]
    assert len(zq) == 28 * 12 and len(set(zq)) == len(zq)


def test_a_bad_seed_line_is_named(tmp_path):
    bad = tmp_path / "contracts.csv"
    bad.write_text(
        ",".join(rate_contracts.SEED_COLUMNS)
        + "\nZQQ24.CBT,ZQ,ZQ=F,2024-08-01,2024-08-01,2024-08-31,2024-13-30,2024-01-01\n"
    )
    with pytest.raises(ValueError, match=r"contracts.csv line 2: month must be in 1\.\.12"):
        load_contracts(bad)


def test_contracts_in_a_window_are_those_read_on_some_day_of_it():
    got = contracts_in_window(dt.date(2024, 7, 1), dt.date(2024, 8, 1))
    contracts = {c.symbol: c for c in load_contracts()}
    expected = {
        s
        for s, c in contracts.items()
        if any(c.first_date <= dt.date(2024, 7, d) <= c.last_trade_date for d in range(1, 32))
    }
    assert set(got) == expected
    assert {"ZQN24.CBT", "ZQF25.CBT", "SR3M24.CME", "SR3M25.CME"} <= set(got)
    assert "ZQM24.CBT" not in got and "ZQM25.CBT" not in got


def test_each_mode_asks_for_the_contracts_it_has():
    universe = [i.symbol for i in load_universe()]
    assert prices.symbols("snapshot") == universe
    sample = prices.symbols("sample")
    assert sample[: len(universe)] == universe
    sample_contracts = sample[len(universe) :]
    assert sample_contracts and all(s.startswith("ZQ") and s.endswith(".CBT") for s in sample_contracts)
    assert "ZQF00.CBT" in sample_contracts and "ZQZ24.CBT" in sample_contracts
    assert "ZQJ25.CBT" in sample_contracts  # read from 2024-09 on: the meetings of early 2025
    assert "ZQZ25.CBT" not in sample_contracts  # read from 2025-05: after the sample's last day
    assert set(prices.symbols("live")) == set(universe) | {c.symbol for c in load_contracts()}


def test_live_downloads_only_the_contracts_read_in_its_window(monkeypatch, tmp_path):
    asked = {}

    def fake_fetch(symbols, landing_root, *, start, end, progress=None):
        asked["symbols"] = list(symbols)
        return LandingBatch(system="yahoo", mode="live", requested=tuple(symbols))

    monkeypatch.setattr(prices.yahoo_fetch, "fetch_live", fake_fetch)
    request = LandingRequest(tmp_path, tmp_path, dt.date(2024, 7, 1), dt.date(2024, 8, 1))
    prices.land_live(prices.symbols("live"), request)
    universe = [i.symbol for i in load_universe()]
    window = contracts_in_window(dt.date(2024, 7, 1), dt.date(2024, 8, 1))
    assert asked["symbols"] == universe + [s for s in prices.symbols("live") if s in set(window)]


def test_dated_contracts_are_judged_by_the_cme_session():
    sessions = instrument_sessions()
    assert sessions["ZQQ24.CBT"] is SESSIONS["cme"]
    assert sessions["SR3U24.CME"] is SESSIONS["cme"]
    assert sessions["ZQ=F"] is SESSIONS["cme"]


def test_a_window_expects_a_contract_only_between_its_first_date_and_expiry():
    """raw.prices' gate asks every requested symbol to deliver rows in the load's window: an expired
    contract (asked for by the sample, or delivered by the previous live load) must not fail a later
    window, nor one not yet read an earlier window; a contract trading in the window is expected."""
    import duckdb

    from warehouse import raw

    con = duckdb.connect()
    raw.ensure_tables(con)
    asked = ["ZQN24.CBT", "ZQQ24.CBT", "ZQF25.CBT", "ZQF26.CBT", "SPY"]
    delivery = raw.Delivery(
        source="sample",
        synthetic=True,
        requested=asked,
        landing_files=[],
        start_date=dt.date(2024, 8, 1),
        end_date=dt.date(2024, 9, 1),
        window_sessions=22,
    )
    expected = raw.expected_in_window(con, prices.TABLE, delivery)
    # July 2024 expired before August; January 2026 is read from June 2025 on
    assert expected == {
        "SPY": True,
        "ZQF25.CBT": True,
        "ZQF26.CBT": False,
        "ZQN24.CBT": False,
        "ZQQ24.CBT": True,
    }
