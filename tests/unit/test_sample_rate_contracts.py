"""The sample's dated fed funds contracts (ingestion/sample/instruments.py): ZQ=F is the current
month's contract, each contract trades from its first_date to its last trading day, and a contract
prices its month's average of the sample's fed funds path (FED_FUNDS_PATH): exactly at expiry up to
its basis and noise, and partly (partial foresight) months ahead. Expectations are computed here from
the path and the seed with pandas."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from ingestion.rate_contracts import contract_instruments, load_contracts
from ingestion.sample import build_world, sample_prices
from ingestion.sample.world import FED_FUNDS_PATH
from ingestion.sources import prices
from ingestion.universe import load_universe


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    wanted = {s for s in prices.symbols("sample") if s.startswith("ZQ")}
    instruments = [i for i in [*load_universe(), *contract_instruments()] if i.symbol in wanted]
    return sample_prices(build_world(), instruments)


def daily_path(start: str, end: str) -> pd.Series:
    days = pd.date_range(start, end)
    knots = pd.Series([v for _, v in FED_FUNDS_PATH], index=pd.to_datetime([d for d, _ in FED_FUNDS_PATH]))
    return knots.reindex(knots.index.union(days)).ffill().reindex(days)


def test_the_front_month_is_the_current_months_contract(frames):
    front = frames["ZQ=F"]["Close"]
    codes = "FGHJKMNQUVXZ"
    for day, close in front.items():
        symbol = f"ZQ{codes[day.month - 1]}{day.year % 100:02d}.CBT"
        assert frames[symbol].loc[day, "Close"] == close, f"{day.date()}: ZQ=F {close} vs {symbol}"


def test_each_contract_trades_from_its_first_date_to_its_last_trading_day(frames):
    contracts = {c.symbol: c for c in load_contracts()}
    dated = [s for s in frames if s != "ZQ=F"]
    assert len(dated) > 290
    for symbol in dated:
        c, index = contracts[symbol], frames[symbol].index
        assert index[0].date() >= c.first_date and index[-1].date() <= c.last_trade_date, symbol
        if c.last_trade_date < dt.date(2024, 12, 31) and c.first_date > dt.date(2000, 1, 3):
            # NYSE sessions: the first and last bars within a few days of the contract's window
            assert (index[0].date() - c.first_date).days <= 4, symbol
            assert (c.last_trade_date - index[-1].date()).days <= 4, symbol
        assert (frames[symbol]["Volume"] > 0).all(), f"{symbol}: a zero volume would read as a stale quote"


def test_a_contract_prices_its_months_average_of_the_path(frames):
    contracts = {c.symbol: c for c in load_contracts()}
    at_expiry, ahead = [], []
    for symbol, frame in frames.items():
        if symbol == "ZQ=F":
            continue
        c = contracts[symbol]
        average = daily_path(str(c.reference_start), str(c.reference_end)).mean()
        before = daily_path(str(c.first_date), str(c.first_date)).iloc[0]
        implied = 100 - frame["Close"]
        if c.last_trade_date <= dt.date(2024, 12, 31):  # expired within the sample: its last bar
            at_expiry.append(implied.iloc[-1] - average)
        first = implied.iloc[0]
        if abs(average - before) >= 0.2:
            # the share of the coming move priced on the first day read: partial, in its direction
            ahead.append((first - before) / (average - before))
    at_expiry = pd.Series(at_expiry).abs()
    assert len(at_expiry) > 290
    assert at_expiry.max() < 0.1 and at_expiry.median() < 0.02, at_expiry.describe()
    ahead = pd.Series(ahead)
    assert len(ahead) > 20
    assert 0.15 < ahead.median() < 0.8, ahead.describe()
