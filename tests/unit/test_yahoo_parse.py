"""parse_price_file on small hand-written files: the three dialects, time parts, partial bars, errors."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd
import pytest

from ingestion.landing import LandedFile, LandingBatch, land_bytes
from ingestion.universe import SESSIONS
from ingestion.yahoo import PRICE_COLUMNS, PriceFileError, parse_price_file
from ingestion.yahoo_batch import parse_batch

NY = dt.timezone(dt.timedelta(hours=-4))  # New York in July (EDT)


def write(tmp_path: Path, name: str, text: str, newline: str = "\n") -> Path:
    path = tmp_path / name
    path.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return path


def dates(frame: pd.DataFrame) -> list[str]:
    return [f"{d:%Y-%m-%d}" for d in frame["date"]]


def error_of(path: Path, **kwargs: object) -> str:
    with pytest.raises(PriceFileError) as info:
        parse_price_file(path, **kwargs)
    message = str(info.value)
    assert path.name in message
    return message


AUTO = """Date,Close,High,Low,Open,Volume
2024-07-15,2100.5,2110.0,2090.0,2095.0,1000
2024-07-16,2263.67,2270.0,2200.0,2210.0,2000
"""


# --- dialects ------------------------------------------------------------------------------------


def test_auto_adjusted_dialect(tmp_path: Path) -> None:
    parsed = parse_price_file(write(tmp_path, "^RUT.csv", AUTO))
    frame = parsed.frame
    assert parsed.dialect == "auto_adjusted"
    assert list(frame.columns) == list(PRICE_COLUMNS)
    assert dates(frame) == ["2024-07-15", "2024-07-16"]
    assert frame["symbol"].tolist() == ["^RUT", "^RUT"]
    row = frame.iloc[1]
    assert (row["open"], row["high"], row["low"], row["close"], row["volume"]) == (
        2210.0,
        2270.0,
        2200.0,
        2263.67,
        2000.0,
    )
    assert math.isnan(row["adj_close"])
    assert frame["close_is_adjusted"].all()
    assert parsed.dropped == []


def test_dtypes(tmp_path: Path) -> None:
    frame = parse_price_file(write(tmp_path, "IWM.csv", AUTO)).frame
    assert pd.api.types.is_datetime64_dtype(frame["date"])
    assert frame["date"].dt.tz is None
    assert (frame["date"] == frame["date"].dt.normalize()).all()
    for column in ("open", "high", "low", "close", "adj_close", "volume"):
        assert frame[column].dtype == "float64", column
    assert frame["close_is_adjusted"].dtype == bool
    assert pd.api.types.is_string_dtype(frame["symbol"])


def test_column_order_does_not_matter(tmp_path: Path) -> None:
    shuffled = "Volume,Open,Date,Low,Close,High\n1000,2095.0,2024-07-15,2090.0,2100.5,2110.0\n"
    frame = parse_price_file(write(tmp_path, "X.csv", shuffled)).frame
    row = frame.iloc[0]
    assert (row["open"], row["high"], row["low"], row["close"], row["volume"]) == (
        2095.0,
        2110.0,
        2090.0,
        2100.5,
        1000.0,
    )


def test_close_only_dialect(tmp_path: Path) -> None:
    parsed = parse_price_file(write(tmp_path, "IJR.csv", "Date,Close\n2024-07-16,118.25\n"))
    assert parsed.dialect == "close_only"
    row = parsed.frame.iloc[0]
    assert row["close"] == 118.25 and bool(row["close_is_adjusted"])
    assert all(math.isnan(row[c]) for c in ("open", "high", "low", "adj_close", "volume"))


MULTI_ONE = """Price,Adj Close,Close,High,Low,Open,Volume
Ticker,^SPX,^SPX,^SPX,^SPX,^SPX,^SPX
Date,,,,,,
2024-07-15,5600.0,5631.22,5660.0,5590.0,5599.0,1000
2024-07-16,5660.0,5667.2,5670.0,5630.0,5640.0,2000
"""


def test_multi_header_single_ticker_uses_file_stem(tmp_path: Path) -> None:
    parsed = parse_price_file(write(tmp_path, "^GSPC.csv", MULTI_ONE))
    frame = parsed.frame
    assert parsed.dialect == "multi_header"
    assert frame["symbol"].tolist() == ["^GSPC", "^GSPC"]  # not ^SPX from the Ticker line
    assert frame.iloc[1]["close"] == 5667.2
    assert frame.iloc[1]["adj_close"] == 5660.0
    assert not frame["close_is_adjusted"].any()


def test_multi_header_single_ticker_symbol_argument_wins(tmp_path: Path) -> None:
    frame = parse_price_file(write(tmp_path, "prices.csv", MULTI_ONE), symbol="^GSPC").frame
    assert set(frame["symbol"]) == {"^GSPC"}


MULTI_MANY = """Price,Close,Close,Adj Close,Adj Close,High,High,Low,Low,Open,Open,Volume,Volume
Ticker,IWM,^RUT,IWM,^RUT,IWM,^RUT,IWM,^RUT,IWM,^RUT,IWM,^RUT
Date,,,,,,,,,,,,
2024-07-15,210.0,2100.0,209.0,2100.0,211.0,2110.0,208.0,2090.0,209.5,2095.0,100,1000
2024-07-16,222.06,2263.67,221.0,2263.67,223.0,2270.0,215.0,2200.0,216.0,2210.0,200,2000
2024-07-17,,2250.0,,2250.0,,2260.0,,2240.0,,2255.0,,3000
"""


def test_multi_header_several_tickers_gives_long_rows(tmp_path: Path) -> None:
    parsed = parse_price_file(write(tmp_path, "download_000.csv", MULTI_MANY))
    frame = parsed.frame
    assert parsed.dialect == "multi_header"
    iwm = frame[frame["symbol"] == "IWM"]
    rut = frame[frame["symbol"] == "^RUT"]
    assert dates(iwm) == ["2024-07-15", "2024-07-16"]  # the all-empty 07-17 row of IWM is dropped
    assert dates(rut) == ["2024-07-15", "2024-07-16", "2024-07-17"]
    assert iwm.iloc[1][["close", "adj_close", "open", "volume"]].tolist() == [222.06, 221.0, 216.0, 200.0]
    assert rut.iloc[1][["close", "high", "low"]].tolist() == [2263.67, 2270.0, 2200.0]
    assert len(parsed.dropped) == 1
    assert "IWM" in parsed.dropped[0] and "no data" in parsed.dropped[0]


def test_multi_header_several_tickers_refuses_a_symbol(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, "download_000.csv", MULTI_MANY), symbol="IWM")
    assert "several tickers" in message and "IWM, ^RUT" in message


def test_multi_header_without_adj_close(tmp_path: Path) -> None:
    text = "Price,Close,High,Low,Open,Volume\nTicker,A,A,A,A,A\nDate,,,,,\n2024-07-16,1,2,0.5,1.5,10\n"
    frame = parse_price_file(write(tmp_path, "A.csv", text)).frame
    assert frame.iloc[0]["close"] == 1.0
    assert math.isnan(frame.iloc[0]["adj_close"])


def test_crlf_bom_volume_as_float_and_empty_fields(tmp_path: Path) -> None:
    text = "\ufeffDate,Close,High,Low,Open,Volume\n2014-09-17,99.91,,99.9,99.91,1157.0\n"
    frame = parse_price_file(write(tmp_path, "ZQ=F.csv", text, newline="\r\n")).frame
    row = frame.iloc[0]
    assert row["volume"] == 1157.0 and row["close"] == 99.91
    assert math.isnan(row["high"])


def test_rows_are_sorted_by_date(tmp_path: Path) -> None:
    text = "Date,Close\n2024-07-16,2\n2024-07-15,1\n"
    frame = parse_price_file(write(tmp_path, "X.csv", text)).frame
    assert dates(frame) == ["2024-07-15", "2024-07-16"]
    assert frame["close"].tolist() == [1.0, 2.0]


# --- time parts ----------------------------------------------------------------------------------


def test_time_parts_keep_the_date_as_written(tmp_path: Path) -> None:
    text = (
        "Date,Close\n"
        "2024-07-12 00:00:00,1\n"
        "2024-07-15 00:00:00-04:00,2\n"
        "2024-07-16 23:00:00-04:00,3\n"  # 03:00 UTC on the 17th: still the 16th where it traded
        "2024-07-17T00:00:00+00:00,4\n"
    )
    parsed = parse_price_file(write(tmp_path, "X.csv", text))
    assert dates(parsed.frame) == ["2024-07-12", "2024-07-15", "2024-07-16", "2024-07-17"]
    assert parsed.dropped == []


def test_an_instant_with_an_offset_is_dated_in_the_instruments_zone_never_shifted_into_a_weekend(
    tmp_path: Path,
) -> None:
    """Friday's and Monday's closes (16:00 New York) written in Tokyo time fall on Saturday and
    Tuesday as written; the date rule converts them to the session's zone: Friday and Monday. ^FTSE's
    zone is London."""
    text = (
        "Date,Close\n"
        "2024-07-13 05:00:00+09:00,1\n"  # Fri 2024-07-12 16:00 New York
        "2024-07-16 05:00:00+0900,2\n"  # Mon 2024-07-15 16:00 New York
        "2024-07-16T20:00:00Z,3\n"  # Tue 16:00 New York
    )
    parsed = parse_price_file(write(tmp_path, "X.csv", text))
    assert dates(parsed.frame) == ["2024-07-12", "2024-07-15", "2024-07-16"]
    london = {"^FTSE": SESSIONS["london"]}
    ftse = parse_price_file(
        write(tmp_path, "^FTSE.csv", "Date,Close\n2024-07-12 23:30:00-04:00,1\n"), sessions=london
    )
    assert dates(ftse.frame) == ["2024-07-13"]  # 04:30 London on Saturday: left to the gate
    twice = "Date,Close\n2024-07-12 16:00:00-04:00,1\n2024-07-13 05:00:00+09:00,2\n"
    with pytest.raises(PriceFileError, match=r"duplicate date 2024-07-12 on lines 2 and 3"):
        parse_price_file(write(tmp_path, "Y.csv", twice))


# --- partial bars: captured before the session ended ---------------------------------------------


def partial_dates(frame: pd.DataFrame) -> list[str]:
    return dates(frame[frame["is_partial"]])


def test_without_capture_time_a_last_row_with_time_of_day_is_partial(tmp_path: Path) -> None:
    text = "Date,Close\n2024-07-15,1\n2024-07-16 09:30:00-04:00,2\n"
    parsed = parse_price_file(write(tmp_path, "X.csv", text))
    assert dates(parsed.frame) == ["2024-07-15", "2024-07-16"]  # kept, flagged
    assert partial_dates(parsed.frame) == ["2024-07-16"]
    assert parsed.dropped == []
    assert parsed.partial == [
        "X.csv line 3: 2024-07-16 partial (kept, flagged is_partial): time of day present and not "
        "midnight (no capture time: judged by what the bar shows)"
    ]


def test_time_of_day_on_an_earlier_row_is_a_close(tmp_path: Path) -> None:
    text = "Date,Close\n2024-07-15 09:30:00-04:00,1\n2024-07-16,2\n"
    parsed = parse_price_file(write(tmp_path, "X.csv", text))
    assert len(parsed.frame) == 2 and partial_dates(parsed.frame) == []


def test_without_capture_time_zero_volume_after_traded_days_is_partial(tmp_path: Path) -> None:
    text = AUTO + "2024-07-17,2250.0,2260.0,2240.0,2255.0,0\n"
    parsed = parse_price_file(write(tmp_path, "^RUT.csv", text))
    assert dates(parsed.frame) == ["2024-07-15", "2024-07-16", "2024-07-17"]
    assert partial_dates(parsed.frame) == ["2024-07-17"]
    assert parsed.partial[0].startswith(
        "^RUT.csv line 4: 2024-07-17 partial (kept, flagged is_partial): volume 0"
    )


def test_with_capture_time_zero_volume_after_the_close_is_a_close(tmp_path: Path) -> None:
    """The snapshot's ^RUT: Yahoo shows an index's volume as 0 for a while after the close. Captured
    at 16:34 New York, the bar is the day's close, whatever its volume."""
    text = AUTO + "2024-07-17,2250.0,2260.0,2240.0,2255.0,0\n"
    captured = dt.datetime(2024, 7, 17, 22, 34, tzinfo=dt.timezone(dt.timedelta(hours=2)))  # 16:34 NY
    parsed = parse_price_file(write(tmp_path, "^RUT.csv", text), captured_at=captured)
    assert dates(parsed.frame) == ["2024-07-15", "2024-07-16", "2024-07-17"]
    assert partial_dates(parsed.frame) == [] and parsed.partial == []


def test_with_capture_time_a_bar_with_volume_captured_in_the_morning_is_partial(tmp_path: Path) -> None:
    """The snapshot's close-only files captured at 10:09 New York: their last bar is that morning's."""
    text = "Date,Close\n2026-07-13,3.728\n2026-07-14,3.695\n"
    captured = dt.datetime.fromisoformat("2026-07-14T10:09:09-04:00")
    parsed = parse_price_file(write(tmp_path, "^IRX.csv", text), captured_at=captured)
    assert partial_dates(parsed.frame) == ["2026-07-14"]
    assert parsed.partial == [
        "^IRX.csv line 3: 2026-07-14 partial (kept, flagged is_partial): captured 2026-07-14 10:09 "
        "America/New_York, before the end of its us_cash session (2026-07-14 16:00)"
    ]


def test_zero_volume_everywhere_is_a_close(tmp_path: Path) -> None:
    text = "Date,Close,High,Low,Open,Volume\n2024-07-15,17,18,16,17,0\n2024-07-16,18,19,17,18,0\n"
    parsed = parse_price_file(write(tmp_path, "^VIX.csv", text))
    assert len(parsed.frame) == 2 and parsed.dropped == [] and parsed.partial == []


def test_zero_volume_before_the_last_row_is_a_close(tmp_path: Path) -> None:
    text = (
        "Date,Close,High,Low,Open,Volume\n2024-07-15,1,1,1,1,5\n2024-07-16,1,1,1,1,0\n2024-07-17,1,1,1,1,7\n"
    )
    assert not parse_price_file(write(tmp_path, "X.csv", text)).frame["is_partial"].any()


def test_zero_volume_looks_at_the_last_20_rows_only(tmp_path: Path) -> None:
    days = pd.bdate_range("2024-01-01", periods=42)
    volumes = [100] * 20 + [0] * 21 + [0]  # the 20 rows before the last have volume 0
    body = "".join(f"{d:%Y-%m-%d},1,1,1,1,{v}\n" for d, v in zip(days, volumes, strict=True))
    parsed = parse_price_file(write(tmp_path, "X.csv", "Date,Close,High,Low,Open,Volume\n" + body))
    assert len(parsed.frame) == 42 and not parsed.frame["is_partial"].any()


@pytest.mark.parametrize(
    ("captured_at", "partial"),
    [
        (dt.datetime(2024, 7, 16, 10, 0, tzinfo=NY), True),  # during the session
        (dt.datetime(2024, 7, 16, 15, 59, 59, tzinfo=NY), True),  # a second before the close
        (dt.datetime(2024, 7, 16, 19, 0, tzinfo=dt.UTC), True),  # 15:00 in New York
        (dt.datetime(2024, 7, 16, 16, 0, tzinfo=NY), False),  # the session has ended
        (dt.datetime(2024, 7, 16, 20, 0, tzinfo=dt.UTC), False),  # 16:00 New York (EDT = UTC-4)
        (dt.datetime(2024, 7, 17, 2, 0, tzinfo=dt.UTC), False),  # 22:00 New York on the 16th
        (dt.datetime(2024, 7, 17, 10, 0, tzinfo=NY), False),  # the next day
        (dt.datetime(2024, 7, 15, 18, 0, tzinfo=NY), True),  # the day before: a bar dated later
    ],
)
def test_a_us_cash_bar_captured_before_16_00_new_york_is_partial(
    tmp_path: Path, captured_at: dt.datetime, partial: bool
) -> None:
    parsed = parse_price_file(write(tmp_path, "^RUT.csv", AUTO), captured_at=captured_at)
    assert len(parsed.frame) == 2  # always kept
    assert partial_dates(parsed.frame) == (["2024-07-16"] if partial else [])
    if partial:
        assert parsed.partial[0].startswith("^RUT.csv line 3: 2024-07-16 partial (kept, flagged is_partial)")


WINTER = """Date,Close,High,Low,Open,Volume
2026-02-20,6923.25,6931.5,6847.25,6874.25,1286455
2026-02-23,6858.0,6930.25,6832.75,6918.0,1399664
"""


@pytest.mark.parametrize(
    ("session", "captured_at", "partial"),
    [
        # The snapshot's CME futures, captured 16:29-16:37 New York: the session ends at 17:00.
        ("cme", "2026-02-23T22:31:18+01:00", True),
        ("cme", "2026-02-23T16:59:59-05:00", True),
        ("cme", "2026-02-23T17:00:00-05:00", False),
        ("cme", "2026-02-23T22:00:00+00:00", False),  # 17:00 New York in winter (EST = UTC-5)
        # The same capture time ends the US cash session (16:00) and the Cboe one (16:15).
        ("us_cash", "2026-02-23T22:31:18+01:00", False),
        ("cboe_volatility", "2026-02-23T16:14:00-05:00", True),
        ("cboe_volatility", "2026-02-23T16:15:00-05:00", False),
        # London closes at 16:30 London time (GMT in February): the snapshot's ^FTSE was captured at
        # 21:34 London, after it; a capture at 16:00 London (11:00 New York) is partial.
        ("london", "2026-02-23T22:34:21+01:00", False),
        ("london", "2026-02-23T16:29:00+00:00", True),
        ("london", "2026-02-23T11:00:00-05:00", True),
    ],
)
def test_the_session_of_the_instrument_decides(
    tmp_path: Path, session: str, captured_at: str, partial: bool
) -> None:
    from ingestion.universe import SESSIONS

    parsed = parse_price_file(
        write(tmp_path, "X.csv", WINTER),
        captured_at=dt.datetime.fromisoformat(captured_at),
        sessions={"X": SESSIONS[session]},
    )
    assert partial_dates(parsed.frame) == (["2026-02-23"] if partial else [])


def test_london_in_summer_uses_british_summer_time(tmp_path: Path) -> None:
    from ingestion.universe import SESSIONS

    text = "Date,Close\n2024-07-15,8100\n2024-07-16,8164.9\n"
    london = {"^FTSE": SESSIONS["london"]}
    before = dt.datetime(2024, 7, 16, 15, 29, tzinfo=dt.UTC)  # 16:29 BST
    after = dt.datetime(2024, 7, 16, 15, 30, tzinfo=dt.UTC)  # 16:30 BST
    path = write(tmp_path, "^FTSE.csv", text)
    assert partial_dates(parse_price_file(path, captured_at=before, sessions=london).frame) == ["2024-07-16"]
    assert partial_dates(parse_price_file(path, captured_at=after, sessions=london).frame) == []


THANKSGIVING_WEEK = """Date,Close,High,Low,Open,Volume
2024-11-26,2400.0,2410.0,2390.0,2395.0,1000
2024-11-27,2420.0,2430.0,2400.0,2405.0,1000
2024-11-29,2430.0,2440.0,2410.0,2415.0,1000
"""
EST = dt.timezone(dt.timedelta(hours=-5))  # New York in November (EST)


@pytest.mark.parametrize(
    ("session", "captured_at", "partial"),
    [
        # 2024-11-29, the day after Thanksgiving: the NYSE closed at 13:00 New York.
        ("us_cash", dt.datetime(2024, 11, 29, 14, 0, tzinfo=EST), []),
        ("us_cash", dt.datetime(2024, 11, 29, 13, 0, tzinfo=EST), []),
        ("us_cash", dt.datetime(2024, 11, 29, 12, 59, tzinfo=EST), ["2024-11-29"]),
        # A regular day (Wednesday 27th): 14:00 is before the 16:00 close.
        ("us_cash", dt.datetime(2024, 11, 27, 14, 0, tzinfo=EST), ["2024-11-27"]),
        # CME (CMES): 12:00 Chicago on the day after Thanksgiving, 13:00 New York.
        ("cme", dt.datetime(2024, 11, 29, 13, 30, tzinfo=EST), []),
        ("cme", dt.datetime(2024, 11, 29, 12, 30, tzinfo=EST), ["2024-11-29"]),
        # Cboe's volatility indices have no library calendar: 16:15 every day, a capture at 14:00 on
        # an early-close day stays partial (the cautious side).
        ("cboe_volatility", dt.datetime(2024, 11, 29, 14, 0, tzinfo=EST), ["2024-11-29"]),
    ],
)
def test_an_early_close_ends_the_session_early(
    tmp_path: Path, session: str, captured_at: dt.datetime, partial: list[str]
) -> None:
    text = THANKSGIVING_WEEK if captured_at.day == 29 else THANKSGIVING_WEEK.rsplit("2024-11-29", 1)[0]
    parsed = parse_price_file(
        write(tmp_path, "X.csv", text), captured_at=captured_at, sessions={"X": SESSIONS[session]}
    )
    assert partial_dates(parsed.frame) == partial, f"{session} captured {captured_at}"


def test_london_closes_at_12_30_on_new_years_eve(tmp_path: Path) -> None:
    text = "Date,Close\n2024-12-30,8100\n2024-12-31,8121.0\n"
    london = {"^FTSE": SESSIONS["london"]}
    path = write(tmp_path, "^FTSE.csv", text)
    before = dt.datetime(2024, 12, 31, 12, 29, tzinfo=dt.UTC)  # GMT in December
    after = dt.datetime(2024, 12, 31, 12, 30, tzinfo=dt.UTC)
    assert partial_dates(parse_price_file(path, captured_at=before, sessions=london).frame) == ["2024-12-31"]
    assert partial_dates(parse_price_file(path, captured_at=after, sessions=london).frame) == []


@pytest.mark.parametrize(
    ("session", "early"),
    [
        # The exchanges' published early closes of 2024: NYSE 13:00, LSE 12:30.
        (
            "us_cash",
            {dt.date(2024, 7, 3): "13:00", dt.date(2024, 11, 29): "13:00", dt.date(2024, 12, 24): "13:00"},
        ),
        ("london", {dt.date(2024, 12, 24): "12:30", dt.date(2024, 12, 31): "12:30"}),
    ],
)
def test_session_ends_are_the_regular_end_but_on_early_closes(session: str, early: dict) -> None:
    """Every weekday of 2024: the session ends at its regular local time (``ends``, the library's
    regular close) except on the year's early closes; never later."""
    s = SESSIONS[session]
    for day in pd.bdate_range("2024-01-01", "2024-12-31").date:
        got = f"{s.end_on(day).astimezone(s.tz):%H:%M}"
        expected = early.get(day, f"{s.ends:%H:%M}")
        assert got == expected, f"{session} {day}: expected the session to end at {expected}, got {got}"


def test_a_bar_dated_after_the_day_following_its_capture_is_an_error(tmp_path: Path) -> None:
    """A capture cannot hold a bar of a later session: a corrupt date would otherwise be flagged
    partial and hide from the gate's no-future-dates rule."""
    text = "Date,Close\n2024-07-15,1\n2024-07-16,2\n2099-01-02,3\n"
    path = write(tmp_path, "X.csv", text)
    captured = dt.datetime(2024, 7, 16, 18, 0, tzinfo=NY)
    message = error_of(path, captured_at=captured)
    assert "X.csv line 4: bar dated 2099-01-02 but the file was captured 2024-07-16 18:00" in message
    assert "expected dates up to 2024-07-17" in message


def test_captured_at_must_be_timezone_aware(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_price_file(write(tmp_path, "X.csv", AUTO), captured_at=dt.datetime(2024, 7, 16, 10))


def test_partial_rule_applies_per_ticker_in_a_multi_ticker_file(tmp_path: Path) -> None:
    captured = dt.datetime(2024, 7, 17, 11, 0, tzinfo=NY)
    parsed = parse_price_file(write(tmp_path, "download_000.csv", MULTI_MANY), captured_at=captured)
    frame = parsed.frame
    # IWM's last bar (07-16) is a close; ^RUT's 07-17 bar was captured during the session
    assert dates(frame[frame["symbol"] == "IWM"]) == ["2024-07-15", "2024-07-16"]
    assert dates(frame[frame["symbol"] == "^RUT"]) == ["2024-07-15", "2024-07-16", "2024-07-17"]
    assert partial_dates(frame) == ["2024-07-17"] and frame.loc[frame["is_partial"], "symbol"].tolist() == [
        "^RUT"
    ]
    assert any(n.startswith("download_000.csv line 6: ^RUT 2024-07-17 partial") for n in parsed.partial)


# --- errors --------------------------------------------------------------------------------------


def test_empty_file(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, "IWM.csv", ""))
    assert "line 1" in message and "empty file (0 bytes)" in message


def test_header_only(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, "IWM.csv", "Date,Close,High,Low,Open,Volume\n"))
    assert "IWM.csv line 2" in message and "no data rows" in message


def test_multi_header_only(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, "^NDX.csv", "\n".join(MULTI_ONE.splitlines()[:3]) + "\n"))
    assert "^NDX.csv line 4" in message and "no data rows" in message


def test_unknown_header(tmp_path: Path) -> None:
    text = "Date,Open,High,Low,Close,Adj Close,Volume\n2024-07-16,1,2,0.5,1.5,1.5,10\n"
    message = error_of(write(tmp_path, "OLD.csv", text))
    assert "OLD.csv line 1" in message and "unknown header" in message
    assert "Date,Close,High,Low,Open,Volume" in message  # what was expected
    assert "Date,Open,High,Low,Close,Adj Close,Volume" in message  # what came


def test_unknown_header_of_another_kind_of_file(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, "DGS2.csv", "observation_date,DGS2\n2024-07-16,4.43\n"))
    assert "line 1" in message and "unknown header" in message and "observation_date,DGS2" in message


def test_missing_required_column(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, "SPY.csv", "Date,Close,High,Low,Open\n2024-07-16,1,2,0.5,1.5\n"))
    assert "SPY.csv line 1" in message and "missing required column(s) Volume" in message
    assert "Date,Close,High,Low,Open,Volume" in message and "'Date,Close,High,Low,Open'" in message


def test_missing_date_column(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, "SPY.csv", "Close,High,Low,Open,Volume\n1,2,0.5,1.5,10\n"))
    assert "line 1" in message and "missing required column(s) Date" in message


def test_multi_header_missing_required_column(tmp_path: Path) -> None:
    text = "Price,Close,High,Low,Open\nTicker,A,A,A,A\nDate,,,,\n2024-07-16,1,2,0.5,1.5\n"
    message = error_of(write(tmp_path, "A.csv", text))
    assert "A.csv line 1" in message and "Volume" in message and "ticker A" in message


def test_multi_header_incomplete(tmp_path: Path) -> None:
    text = "Price,Close,High,Low,Open,Volume\n2024-07-16,1,2,0.5,1.5,10\n"
    message = error_of(write(tmp_path, "A.csv", text))
    assert "A.csv line 1" in message and "Ticker" in message


def test_duplicate_header_column(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, "A.csv", "Date,Close,Close\n2024-07-16,1,1\n"))
    assert "line 1" in message and "twice" in message


def test_text_in_a_number_column(tmp_path: Path) -> None:
    text = AUTO + "2024-07-17,2250.0,n/a,2240.0,2255.0,3000\n"
    message = error_of(write(tmp_path, "^RUT.csv", text))
    assert "^RUT.csv line 4" in message and "column High" in message and "'n/a'" in message


def test_text_in_a_number_column_of_a_multi_header_file(tmp_path: Path) -> None:
    text = MULTI_ONE.replace("5667.2", "null")
    message = error_of(write(tmp_path, "^GSPC.csv", text))
    assert "^GSPC.csv line 5" in message and "column Close" in message and "'null'" in message


def test_unparseable_date(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, "X.csv", "Date,Close\n2024-07-15,1\n07/16/2024,2\n"))
    assert "X.csv line 3" in message and "unparseable date '07/16/2024'" in message


def test_impossible_date(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, "X.csv", "Date,Close\n2024-02-30,1\n"))
    assert "X.csv line 2" in message and "'2024-02-30'" in message


def test_duplicate_date(tmp_path: Path) -> None:
    text = "Date,Close\n2024-07-15,1\n2024-07-16,2\n2024-07-16 00:00:00,2\n"
    message = error_of(write(tmp_path, "X.csv", text))
    assert "X.csv line 4" in message and "duplicate date 2024-07-16 on lines 3 and 4" in message


def test_ragged_row(tmp_path: Path) -> None:
    text = AUTO + "2024-07-17,2250.0,2260.0,2240.0,2255.0,3000,99\n"
    message = error_of(write(tmp_path, "^RUT.csv", text))
    assert "^RUT.csv line 4" in message and "expected 6 fields" in message and "got 7" in message


def test_truncated_last_row(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, "^RUT.csv", AUTO + "2024-07-17,2250.0,22"))
    assert "^RUT.csv line 4" in message and "got 3" in message and "truncated" in message


def test_blank_lines_do_not_shift_line_numbers(tmp_path: Path) -> None:
    text = "Date,Close\n\n2024-07-15,1\n\n2024-07-16,x\n"
    message = error_of(write(tmp_path, "X.csv", text, newline="\r\n"))
    assert "X.csv line 5" in message


def test_error_carries_path_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "X.csv", "Date,Close\n2024-07-15,abc\n")
    with pytest.raises(PriceFileError) as info:
        parse_price_file(path)
    assert info.value.path == path and info.value.line == 2
    assert isinstance(info.value, ValueError)


# --- parse_batch ---------------------------------------------------------------------------------


def test_parse_batch_rejects_the_same_symbol_and_date_from_two_files(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    a = land_bytes(b"Date,Close\n2024-07-16,1\n", landing, "yahoo", "snapshot", "IWM.csv")
    b = land_bytes(b"Date,Close\n2024-07-15,1\n2024-07-16,2\n", landing, "yahoo", "snapshot", "IWM.csv")
    batch = LandingBatch(
        system="yahoo",
        mode="snapshot",
        requested=("IWM",),
        files=[LandedFile(a, ("IWM",)), LandedFile(b, ("IWM",))],
    )
    with pytest.raises(ValueError) as info:
        parse_batch(batch, dt.date(2000, 1, 1), home=tmp_path)
    message = str(info.value)
    assert "IWM 2024-07-16" in message
    assert str(a.relative_to(tmp_path)) in message and str(b.relative_to(tmp_path)) in message
    assert isinstance(info.value, PriceFileError)


def test_parse_batch_filters_dates_names_symbols_and_records_the_file(tmp_path: Path) -> None:
    landing = tmp_path / "home" / "landing"
    spx = land_bytes(MULTI_ONE.encode(), landing, "yahoo", "snapshot", "prices.csv")
    rut = land_bytes((AUTO + "2024-07-17,1,1,1,1,0\n").encode(), landing, "yahoo", "snapshot", "^RUT.csv")
    batch = LandingBatch(
        system="yahoo",
        mode="snapshot",
        requested=("^GSPC", "^RUT"),
        files=[LandedFile(spx, ("^GSPC",)), LandedFile(rut, ("^RUT",))],
    )

    frame, notes = parse_batch(batch, dt.date(2024, 7, 16), home=tmp_path / "home")

    assert list(frame.columns) == [*PRICE_COLUMNS, "landing_file"]
    assert frame[["symbol", "date", "is_partial"]].astype(str).values.tolist() == [
        ["^GSPC", "2024-07-16", "False"],
        ["^RUT", "2024-07-16", "False"],
        ["^RUT", "2024-07-17", "True"],  # no capture time: volume 0 after traded days
    ]
    assert frame["landing_file"].tolist() == [
        str(spx.relative_to(tmp_path / "home")),
        str(rut.relative_to(tmp_path / "home")),
        str(rut.relative_to(tmp_path / "home")),
    ]
    assert len(notes) == 1 and notes[0].startswith("^RUT.csv line 4: 2024-07-17 partial")


def test_parse_batch_reports_throttled_progress(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    files = [
        LandedFile(write(tmp_path, f"S{i}.csv", "Date,Close\n2024-07-16,1\n"), (f"S{i}",)) for i in range(45)
    ]
    batch = LandingBatch(system="yahoo", mode="snapshot", requested=(), files=files)
    lines: list[str] = []
    frame, _ = parse_batch(batch, dt.date(2000, 1, 1), home=tmp_path, progress=lines.append)
    assert len(frame) == 45
    assert len(lines) == 15  # every 3rd of 45 files: at most 20 lines
    assert lines[0] == "prices: 3/45 files parsed (S2.csv, 1 row; 3 rows so far)"
    assert lines[-1] == "prices: 45/45 files parsed (S44.csv, 1 row; 45 rows in all)"
    with caplog.at_level("INFO", logger="ingestion.progress"):  # no callback: the module's logger
        parse_batch(batch, dt.date(2000, 1, 1), home=tmp_path)
    assert [r.getMessage() for r in caplog.records] == lines


def test_parse_batch_of_no_files(tmp_path: Path) -> None:
    batch = LandingBatch(system="yahoo", mode="snapshot", requested=())
    frame, notes = parse_batch(batch, dt.date(2000, 1, 1), home=tmp_path)
    assert frame.empty and notes == []
    assert list(frame.columns) == [*PRICE_COLUMNS, "landing_file"]
