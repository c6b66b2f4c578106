"""fetch_live with fake yfinance downloads: batching, retries, missing symbols, landing round trip."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from yfinance.exceptions import YFRateLimitError

from ingestion.errors import OFFLINE_FIX
from ingestion.landing import UpstreamUnavailableError
from ingestion.yahoo import parse_price_file
from ingestion.yahoo_batch import parse_batch
from ingestion.yahoo_fetch import fetch_live

FIELDS = ["Adj Close", "Close", "High", "Low", "Open", "Volume"]
DAYS = pd.DatetimeIndex(["2024-07-12", "2024-07-15", "2024-07-16"], name="Date")
START = dt.date(2024, 7, 12)
AFTER_CLOSE = dt.datetime(2024, 7, 17, 1, 0, tzinfo=dt.UTC)  # 21:00 New York on the 16th


def yf_frame(symbols: list[str], all_nan: tuple[str, ...] = ()) -> pd.DataFrame:
    """What yf.download(auto_adjust=False, group_by="column", multi_level_index=True) returns."""
    columns = pd.MultiIndex.from_product([FIELDS, symbols], names=["Price", "Ticker"])
    rng = np.random.default_rng(len(symbols))
    values = rng.uniform(50, 5000, size=(len(DAYS), len(columns)))
    frame = pd.DataFrame(values, index=DAYS, columns=columns)
    frame.loc[:, frame.columns.get_level_values(0) == "Volume"] = np.round(
        rng.uniform(1e5, 1e9, size=(len(DAYS), len(symbols)))
    )
    for symbol in all_nan:
        frame.loc[:, frame.columns.get_level_values(1) == symbol] = np.nan
    return frame


class FakeDownload:
    """Records every call; answers each with the next scripted response (frame, None or exception)."""

    def __init__(self, *responses: pd.DataFrame | BaseException | None | Callable[[list[str]], Any]):
        self.responses = list(responses)
        self.calls: list[dict[str, Any]] = []

    def __call__(self, **kwargs: Any) -> pd.DataFrame | None:
        self.calls.append(kwargs)
        response = self.responses.pop(0) if len(self.responses) > 1 else self.responses[0]
        if isinstance(response, BaseException):
            raise response
        if callable(response):
            return response(kwargs["tickers"])
        return response


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def fetch(tmp_path: Path, symbols: list[str], download: FakeDownload, **kwargs: Any):
    kwargs.setdefault("sleep", Sleeps())
    kwargs.setdefault("now", lambda: AFTER_CLOSE)
    return fetch_live(symbols, tmp_path / "landing", start=START, download=download, **kwargs)


def long_values(frame: pd.DataFrame, symbol: str) -> pd.DataFrame:
    """The upstream frame's values of one symbol under our column names."""
    names = {"Adj Close": "adj_close", "Close": "close", "High": "high", "Low": "low", "Open": "open"}
    out = pd.DataFrame({ours: frame[(theirs, symbol)].to_numpy() for theirs, ours in names.items()})
    out["volume"] = frame[("Volume", symbol)].to_numpy()
    return out


def test_three_symbols_round_trip_through_landing(tmp_path: Path) -> None:
    symbols = ["^RUT", "IWM", "^GSPC"]
    upstream = yf_frame(symbols)
    download = FakeDownload(upstream)

    batch = fetch(tmp_path, symbols, download)

    assert (batch.system, batch.mode, batch.requested) == ("yahoo", "live", tuple(symbols))
    assert batch.missing == [] and batch.notes == []
    assert len(batch.files) == 1
    landed = batch.files[0]
    assert landed.path.name == "download_20240717T010000Z_000.csv"
    assert landed.path.is_relative_to(tmp_path / "landing" / "yahoo" / "live")
    assert landed.symbols == tuple(symbols)
    assert landed.captured_at == AFTER_CLOSE
    assert landed.path.read_bytes() == upstream.to_csv().encode()  # as upstream sent it

    frame, notes = parse_batch(batch, START, home=tmp_path)
    assert notes == []
    assert sorted(set(frame["symbol"])) == sorted(symbols)
    assert frame["landing_file"].str.startswith("landing/yahoo/live/").all()
    assert not frame["close_is_adjusted"].any()
    for symbol in symbols:
        rows = frame[frame["symbol"] == symbol].reset_index(drop=True)
        assert (rows["date"].to_numpy() == DAYS.to_numpy()).all()
        expected = long_values(upstream, symbol)
        pd.testing.assert_frame_equal(rows[expected.columns], expected)  # exact: floats round-trip


def test_request_arguments(tmp_path: Path) -> None:
    download = FakeDownload(yf_frame(["IWM", "SPY"]))
    fetch(tmp_path, ["IWM", "SPY"], download, end=dt.date(2024, 7, 17))
    assert download.calls == [
        {
            "tickers": ["IWM", "SPY"],
            "start": "2024-07-12",
            "end": "2024-07-17",
            "auto_adjust": False,
            "actions": False,
            "group_by": "column",
            "multi_level_index": True,
            "progress": False,
            "threads": True,
        }
    ]


def test_symbol_with_all_nan_columns_is_missing(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    download = FakeDownload(yf_frame(["IWM", "RSP", "SPY"], all_nan=("RSP",)))
    with caplog.at_level(logging.WARNING, logger="ingestion.yahoo_fetch"):
        batch = fetch(tmp_path, ["IWM", "RSP", "SPY"], download)
    assert batch.missing == ["RSP"]
    assert len(batch.notes) == 1 and "RSP" in batch.notes[0]
    assert any("RSP" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert len(download.calls) == 1  # something came: no retry

    frame, notes = parse_batch(batch, START, home=tmp_path)
    assert set(frame["symbol"]) == {"IWM", "SPY"}
    assert len(notes) == 1 and "RSP" in notes[0] and "no data" in notes[0]


def test_symbol_absent_from_the_columns_is_missing(tmp_path: Path) -> None:
    batch = fetch(tmp_path, ["IWM", "SPY"], FakeDownload(yf_frame(["IWM"])))
    assert batch.missing == ["SPY"]
    assert batch.files[0].symbols == ("IWM",)
    frame, _ = parse_batch(batch, START, home=tmp_path)
    assert set(frame["symbol"]) == {"IWM"}


def test_rate_limit_twice_then_success(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The download goes through the one retry mechanism (ingestion.downloads.with_retries; which
    errors it retries is tested in test_retries.py): two retry lines, two waits, then the data."""
    download = FakeDownload(YFRateLimitError(), YFRateLimitError(), yf_frame(["IWM"]))
    sleeps = Sleeps()
    with caplog.at_level(logging.WARNING, logger="ingestion"):
        batch = fetch(tmp_path, ["IWM"], download, sleep=sleeps, base_delay=2.0)
    assert sleeps == [2.0, 4.0]
    assert len(download.calls) == 3
    assert batch.missing == [] and len(batch.files) == 1
    error = f"YFRateLimitError: {YFRateLimitError()}"
    assert [r.getMessage() for r in caplog.records if "; retry " in r.getMessage()] == [
        f"Yahoo prices of IWM: {error}; retry 1/3 in ~2 s",
        f"Yahoo prices of IWM: {error}; retry 2/3 in ~4 s",
    ]


def test_always_failing_raises_a_clear_error(tmp_path: Path) -> None:
    download = FakeDownload(ConnectionError("connection refused"))
    sleeps = Sleeps()
    with pytest.raises(UpstreamUnavailableError) as info:
        fetch(tmp_path, ["IWM"], download, sleep=sleeps, max_attempts=4, base_delay=0.5)
    message = str(info.value)
    assert "Yahoo Finance unreachable after 4 attempts" in message
    assert "ConnectionError: connection refused" in message
    assert message.endswith(" — fix: " + OFFLINE_FIX) and "\n" not in message
    assert len(download.calls) == 4
    assert sleeps == [0.5, 1.0, 2.0]
    assert not (tmp_path / "landing").exists()


@pytest.mark.parametrize("empty", [pd.DataFrame(), None, "all_nan"])
def test_empty_answer_is_retried_then_an_error(tmp_path: Path, empty: Any) -> None:
    response = yf_frame(["IWM"], all_nan=("IWM",)) if isinstance(empty, str) else empty
    download = FakeDownload(response)
    sleeps = Sleeps()
    with pytest.raises(UpstreamUnavailableError, match="no data for any of 1 symbols after 3 attempts"):
        fetch(tmp_path, ["IWM"], download, sleep=sleeps, max_attempts=3)
    assert len(download.calls) == 3
    assert sleeps == [2.0, 4.0]


def test_empty_answer_then_data(tmp_path: Path) -> None:
    download = FakeDownload(pd.DataFrame(), yf_frame(["IWM"]))
    batch = fetch(tmp_path, ["IWM"], download)
    assert len(download.calls) == 2 and batch.missing == []


def test_chunks(tmp_path: Path) -> None:
    download = FakeDownload(yf_frame)  # answers with exactly the tickers asked for
    batch = fetch(tmp_path, ["IWM", "SPY", "QQQ"], download, chunk_size=2)
    assert [c["tickers"] for c in download.calls] == [["IWM", "SPY"], ["QQQ"]]
    assert [f.path.name for f in batch.files] == [
        "download_20240717T010000Z_000.csv",
        "download_20240717T010000Z_001.csv",
    ]
    assert [f.symbols for f in batch.files] == [("IWM", "SPY"), ("QQQ",)]
    frame, _ = parse_batch(batch, START, home=tmp_path)
    assert frame.groupby("symbol").size().to_dict() == {"IWM": 3, "QQQ": 3, "SPY": 3}


def test_one_empty_chunk_makes_its_symbols_missing(tmp_path: Path) -> None:
    def answer(tickers: list[str]) -> pd.DataFrame:
        return pd.DataFrame() if "QQQ" in tickers else yf_frame(tickers)

    batch = fetch(tmp_path, ["IWM", "SPY", "QQQ"], FakeDownload(answer), chunk_size=2)
    assert batch.missing == ["QQQ"]
    assert [f.symbols for f in batch.files] == [("IWM", "SPY")]


def test_single_level_frame_for_one_symbol_is_converted(tmp_path: Path) -> None:
    upstream = yf_frame(["IWM"]).droplevel("Ticker", axis=1)
    batch = fetch(tmp_path, ["IWM"], FakeDownload(upstream))
    parsed = parse_price_file(batch.files[0].path)
    assert parsed.dialect == "multi_header"
    assert parsed.frame["close"].tolist() == upstream["Close"].tolist()


def test_single_level_frame_for_several_symbols_is_refused(tmp_path: Path) -> None:
    upstream = yf_frame(["IWM"]).droplevel("Ticker", axis=1)
    with pytest.raises(ValueError, match="single-level columns"):
        fetch(tmp_path, ["IWM", "SPY"], FakeDownload(upstream))


def test_bar_of_a_session_still_open_is_kept_flagged_partial(tmp_path: Path) -> None:
    during = dt.datetime(2024, 7, 16, 15, 0, tzinfo=dt.UTC)  # 11:00 New York
    batch = fetch(tmp_path, ["IWM", "SPY"], FakeDownload(yf_frame(["IWM", "SPY"])), now=lambda: during)
    frame, notes = parse_batch(batch, START, home=tmp_path)
    assert frame["date"].max() == pd.Timestamp("2024-07-16")  # kept in raw...
    partial = frame[frame["is_partial"]]
    assert sorted(partial["symbol"]) == ["IWM", "SPY"] and (partial["date"] == "2024-07-16").all()
    assert not frame.loc[frame["date"] < "2024-07-16", "is_partial"].any()  # ...flagged
    assert len(notes) == 2 and all(
        "partial (kept, flagged is_partial): captured 2024-07-16 11:00" in n for n in notes
    )


def test_a_future_captured_after_the_us_close_but_before_17_00_is_partial(tmp_path: Path) -> None:
    """The live download's capture time and the instrument's session (CME for =F futures)."""
    captured = dt.datetime(2024, 7, 16, 20, 30, tzinfo=dt.UTC)  # 16:30 New York
    batch = fetch(tmp_path, ["IWM", "ES=F"], FakeDownload(yf_frame(["IWM", "ES=F"])), now=lambda: captured)
    frame, _ = parse_batch(batch, START, home=tmp_path)
    assert frame.loc[frame["is_partial"], "symbol"].tolist() == ["ES=F"]


def test_landing_name_uses_utc(tmp_path: Path) -> None:
    new_york = dt.timezone(dt.timedelta(hours=-4))
    batch = fetch(
        tmp_path,
        ["IWM"],
        FakeDownload(yf_frame(["IWM"])),
        now=lambda: dt.datetime(2024, 7, 16, 21, 0, tzinfo=new_york),
    )
    assert re.fullmatch(r"download_20240717T010000Z_000\.csv", batch.files[0].path.name)
    assert batch.files[0].captured_at == AFTER_CLOSE


def test_rvx_that_yahoo_leaves_empty_is_reported_missing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """^RVX (Cboe Russell 2000 volatility; live only, and several public scripts note Yahoo sends
    nothing for it): an empty answer for it is named in the batch's missing symbols, its notes and a
    warning, and the others load (marts.implied_volatility then has no ^RVX rows)."""
    download = FakeDownload(yf_frame(["^VIX", "^VXN", "^RVX"], all_nan=("^RVX",)))
    with caplog.at_level(logging.WARNING, logger="ingestion.yahoo_fetch"):
        batch = fetch(tmp_path, ["^VIX", "^VXN", "^RVX"], download)
    assert batch.missing == ["^RVX"]
    assert batch.notes == ["missing from Yahoo Finance (no values in the download): ^RVX"]
    assert any("^RVX" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    frame, _ = parse_batch(batch, START, home=tmp_path)
    assert set(frame["symbol"]) == {"^VIX", "^VXN"}
