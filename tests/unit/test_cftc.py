"""CFTC Traders in Financial Futures: the real snapshot files against a plain pandas read, hand-written
broken files, batch deduplication and gap notes, the release-time rule and the live download with fake
``get`` objects (paging, retries, archives kept in landing)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import requests

from ingestion.cftc import (
    TFF_COLUMNS,
    CftcFileError,
    parse_tff_batch,
    parse_tff_file,
    release_time,
)
from ingestion.cftc_fetch import fetch_live_cftc, land_snapshot_cftc
from ingestion.errors import OFFLINE_FIX
from ingestion.landing import LandedFile, LandingBatch, UpstreamUnavailableError

CODES = ("239742", "209742", "13874A")
GROUPS = ("Dealer", "Asset_Mgr", "Lev_Money", "Other_Rept")
HEADER = [
    "Market_and_Exchange_Names",
    "As_of_Date_In_Form_YYMMDD",
    "Report_Date_as_YYYY-MM-DD",
    "CFTC_Contract_Market_Code",
    "Open_Interest_All",
    *[f"{g}_Positions_{s}_All" for g in GROUPS for s in ("Long", "Short", "Spread")],
    *[f"{g}_Positions_{s}_All" for g in ("Tot_Rept", "NonRept") for s in ("Long", "Short")],
    "Change_in_Open_Interest_All",
]
NAME = "RUSSELL E-MINI - CHICAGO MERCANTILE EXCHANGE"


def snapshot_files(snapshot_dir: Path) -> list[Path]:
    files = sorted((snapshot_dir / "cftc").glob("FinFut*.txt"))
    if not files:
        pytest.skip(f"no cftc/FinFut*.txt in {snapshot_dir}")
    return files


def row(day: str, code: str = "239742", oi: int = 1000, name: str = NAME, **override: str) -> list[str]:
    """One data row whose identities hold: groups 100 long / 50 short / 10 spread each."""
    values = {
        "Market_and_Exchange_Names": name,
        "As_of_Date_In_Form_YYMMDD": day.replace("-", "")[2:],
        "Report_Date_as_YYYY-MM-DD": day,
        "CFTC_Contract_Market_Code": code,
        "Open_Interest_All": f"  {oi}",
        **{f"{g}_Positions_Long_All": "   100" for g in GROUPS},
        **{f"{g}_Positions_Short_All": "    50" for g in GROUPS},
        **{f"{g}_Positions_Spread_All": "    10" for g in GROUPS},
        "Tot_Rept_Positions_Long_All": "   440",
        "Tot_Rept_Positions_Short_All": "   240",
        "NonRept_Positions_Long_All": f"   {oi - 440}",
        "NonRept_Positions_Short_All": f"   {oi - 240}",
        "Change_in_Open_Interest_All": "    -5",
    }
    values.update(override)
    return [values[h] for h in HEADER]


def tff_text(rows: list[list[str]], header: list[str] = HEADER) -> str:
    out = io.StringIO()
    lines = [",".join(f'"{h}"' for h in header)]
    for fields in rows:
        lines.append(",".join(f'"{f}"' if i == 0 else f for i, f in enumerate(fields)))
    out.write("\r\n".join(lines) + "\r\n")
    return out.getvalue()


def write(folder: Path, name: str, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(tff_text(rows, header))
    return path


def error_of(path: Path, **kwargs: Any) -> CftcFileError:
    with pytest.raises(CftcFileError) as info:
        parse_tff_file(path, **kwargs)
    assert path.name in str(info.value)
    assert info.value.path == path
    return info.value


def batch_of(*paths: Path) -> LandingBatch:
    return LandingBatch(
        system="cftc",
        mode="snapshot",
        requested=CODES,
        files=[LandedFile(path=p, symbols=()) for p in paths],
    )


# --- the real snapshot ---------------------------------------------------------------------------


def plain_read(path: Path) -> pd.DataFrame:
    """The file read the obvious pandas way, independent of the parser."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    frame.columns = [c.strip() for c in frame.columns]
    frame = frame.apply(lambda s: s.str.strip())
    return frame


def test_every_snapshot_file_matches_a_plain_pandas_read(snapshot_dir: Path) -> None:
    for path in snapshot_files(snapshot_dir):
        parsed = parse_tff_file(path, codes=CODES)
        plain = plain_read(path)
        plain = plain[plain["CFTC_Contract_Market_Code"].isin(CODES)]
        assert list(parsed.columns) == list(TFF_COLUMNS)
        assert len(parsed) == len(plain) > 0, path.name
        for code in CODES:
            assert (parsed["cftc_code"] == code).sum() == (plain["CFTC_Contract_Market_Code"] == code).sum()
        merged = parsed.merge(
            plain.assign(
                report_date=pd.to_datetime(plain["Report_Date_as_YYYY-MM-DD"]).astype("datetime64[us]"),
                cftc_code=plain["CFTC_Contract_Market_Code"],
            ),
            on=["report_date", "cftc_code"],
            how="inner",
            validate="one_to_one",
        )
        assert len(merged) == len(parsed)
        for ours, theirs in [
            ("open_interest", "Open_Interest_All"),
            ("lev_money_short", "Lev_Money_Positions_Short_All"),
            ("asset_mgr_long", "Asset_Mgr_Positions_Long_All"),
            ("nonrept_short", "NonRept_Positions_Short_All"),
        ]:
            np.testing.assert_array_equal(merged[ours].to_numpy(), merged[theirs].astype(float).to_numpy())
        assert (merged["market_name"] == merged["Market_and_Exchange_Names"]).all()
        # The report's identities hold on every real row.
        assert (parsed["tot_rept_long"] + parsed["nonrept_long"] == parsed["open_interest"]).all()
        assert (parsed["tot_rept_short"] + parsed["nonrept_short"] == parsed["open_interest"]).all()
        groups = sum(
            parsed[f"{g}_long"] + parsed[f"{g}_spread"]
            for g in ("dealer", "asset_mgr", "lev_money", "other_rept")
        )
        assert (groups == parsed["tot_rept_long"]).all()


def test_snapshot_published_values_and_types(snapshot_dir: Path) -> None:
    path = snapshot_dir / "cftc" / "FinFut24_thru_2024-07-23.txt"
    if not path.exists():
        pytest.skip(f"{path} absent")
    parsed = parse_tff_file(path, codes=["239742"])
    assert str(parsed["report_date"].dtype) == "datetime64[us]"
    assert parsed["available_at"].dt.tz is not None
    assert parsed["open_interest"].dtype == "float64"
    russell = parsed.set_index("report_date")
    assert russell.loc[pd.Timestamp("2024-07-16"), "open_interest"] == 488061
    assert russell.loc[pd.Timestamp("2024-07-16"), "market_name"] == NAME
    assert russell.loc[pd.Timestamp("2024-07-16"), "available_at"] == pd.Timestamp(
        "2024-07-19 15:30", tz="America/New_York"
    )
    assert [f"{d:%Y-%m-%d}" for d in parsed["report_date"].iloc[-4:]] == [
        "2024-07-02",
        "2024-07-09",
        "2024-07-16",
        "2024-07-23",
    ]
    everything = parse_tff_file(path)
    assert "13874A" in set(everything["cftc_code"]) and len(everything) > 1000


def test_snapshot_batch_keeps_codes_across_name_changes_and_reports_gaps(
    snapshot_dir: Path, tmp_path: Path
) -> None:
    snapshot_files(snapshot_dir)
    batch = land_snapshot_cftc(snapshot_dir, CODES, tmp_path / "landing")
    assert batch.requested == CODES and all(f.symbols == () for f in batch.files)
    for landed in batch.files:
        assert landed.path.read_bytes() == (snapshot_dir / "cftc" / landed.path.name).read_bytes()
    frame, notes = parse_tff_batch(batch, dt.date(2017, 1, 1), tmp_path, CODES)
    assert not frame.duplicated(["report_date", "cftc_code"]).any()
    russell = frame[frame["cftc_code"] == "239742"]
    names = set(russell["market_name"])
    assert any("E-MINI RUSSELL 2000" in n for n in names) and NAME in names
    assert "239742: no reports between 2023-10-10 and 2024-01-02 (11 weeks missing)" in notes
    assert any(n.startswith("239742: no reports between 2020-11-24 and 2021-01-05") for n in notes)
    # A report moved to Monday by a Tuesday holiday is not a gap.
    assert not any("2023-07-03 and 2023-07-11" in n for n in notes)
    assert frame["landing_file"].str.startswith("landing/cftc/snapshot/").all()


def test_land_snapshot_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        land_snapshot_cftc(tmp_path / "nowhere", CODES, tmp_path / "landing")
    with pytest.raises(FileNotFoundError, match="no cftc/ folder"):
        land_snapshot_cftc(tmp_path, CODES, tmp_path / "landing")
    (tmp_path / "cftc").mkdir()
    with pytest.raises(FileNotFoundError, match="no FinFut"):
        land_snapshot_cftc(tmp_path, CODES, tmp_path / "landing")


# --- hand-written files --------------------------------------------------------------------------


def test_handmade_file_parses_codes_as_strings(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "FinFut24.txt",
        [
            row("2024-07-16"),
            row("2024-07-16", code="13874A", name=" E-MINI S&P 500 "),
            row("2024-07-16", code="090741"),
        ],
    )
    frame = parse_tff_file(path)
    assert list(frame["cftc_code"]) == ["090741", "13874A", "239742"]
    assert frame.loc[frame["cftc_code"] == "13874A", "market_name"].item() == "E-MINI S&P 500"
    assert frame["lev_money_spread"].tolist() == [10.0, 10.0, 10.0]
    only = parse_tff_file(path, codes=["090741"])
    assert list(only["cftc_code"]) == ["090741"]
    assert parse_tff_file(path, codes=["999999"]).empty


def test_a_code_written_as_a_number_is_normalized_and_a_broken_code_is_an_error(tmp_path: Path) -> None:
    """The contract-code rule: ``239742.0`` (a spreadsheet's float) is the Russell's 239742 and
    ``90741`` is 090741 (leading zero restored): never silently dropped as another market. A code
    that is no code at all names the file, line and value."""
    path = write(
        tmp_path,
        "FinFut24.txt",
        [row("2024-07-09"), row("2024-07-16", code="239742.0"), row("2024-07-16", code="90741.00")],
    )
    frame = parse_tff_file(path, codes=["239742", "090741"])
    assert list(zip(frame["cftc_code"], frame["report_date"].dt.strftime("%Y-%m-%d"), strict=True)) == [
        ("090741", "2024-07-16"),
        ("239742", "2024-07-09"),
        ("239742", "2024-07-16"),
    ]
    broken = write(tmp_path / "b", "FinFut24.txt", [row("2024-07-09"), row("2024-07-16", code="2.39742E+05")])
    error = error_of(broken, codes=["239742"])
    assert (
        error.line == 3 and "'2.39742E+05'" in error.problem and "CFTC_Contract_Market_Code" in error.problem
    )


def test_empty_position_is_nan(tmp_path: Path) -> None:
    path = write(tmp_path, "FinFut24.txt", [row("2024-07-16", Dealer_Positions_Spread_All="      ")])
    frame = parse_tff_file(path)
    assert np.isnan(frame["dealer_spread"].item())


def test_renamed_column_is_an_error(tmp_path: Path) -> None:
    header = [h if h != "Lev_Money_Positions_Short_All" else "LevMoney_Short" for h in HEADER]
    path = write(tmp_path, "FinFut24.txt", [row("2024-07-16")], header=header)
    error = error_of(path)
    assert "Lev_Money_Positions_Short_All" in error.problem
    assert f"got {len(HEADER)} column(s)" in error.problem
    assert error.line == 1


def test_text_in_a_number_is_an_error_with_line_and_value(tmp_path: Path) -> None:
    path = write(tmp_path, "FinFut24.txt", [row("2024-07-09"), row("2024-07-16", Open_Interest_All="n/a")])
    error = error_of(path)
    assert error.line == 3 and "'n/a'" in error.problem and "Open_Interest_All" in error.problem
    # Rows of other markets are not read.
    assert len(parse_tff_file(path, codes=["13874A"])) == 0


def test_duplicate_week_is_an_error_naming_both_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "FinFut24.txt", [row("2024-07-16"), row("2024-07-09"), row("2024-07-16")])
    error = error_of(path)
    assert "lines 2 and 4" in error.problem and error.line == 4


@pytest.mark.parametrize("content", [b"", b"\r\n\r\n"])
def test_empty_file_is_an_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "FinFut24.txt"
    path.write_bytes(content)
    assert "empty" in error_of(path).problem


def test_header_only_file_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "FinFut24.txt", [])
    assert "no data rows" in error_of(path).problem


def test_bad_date_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "FinFut24.txt", [row("16/07/2024")])
    error = error_of(path)
    assert error.line == 2 and "16/07/2024" in error.problem


def test_legacy_date_column_is_accepted(tmp_path: Path) -> None:
    header = [h if h != "Report_Date_as_YYYY-MM-DD" else "Report_Date_as_MM_DD_YYYY" for h in HEADER]
    rows = [
        row("2017-01-03", **{"Report_Date_as_YYYY-MM-DD": "01/03/2017 00:00:00"}),
        row("2017-01-10", **{"Report_Date_as_YYYY-MM-DD": "1/10/2017"}),
    ]
    frame = parse_tff_file(write(tmp_path, "FinFut17.txt", rows, header=header))
    assert [f"{d:%Y-%m-%d}" for d in frame["report_date"]] == ["2017-01-03", "2017-01-10"]


def test_socrata_csv_with_lower_case_names_and_timestamps(tmp_path: Path) -> None:
    header = [h.lower().replace("-", "_") for h in HEADER]
    rows = [row("2024-07-16", **{"Report_Date_as_YYYY-MM-DD": "2024-07-16T00:00:00.000"})]
    text = tff_text(rows, header).replace('"', "")
    path = tmp_path / "socrata.csv"
    path.write_text(text)
    frame = parse_tff_file(path, codes=["239742"])
    assert frame["report_date"].item() == pd.Timestamp("2024-07-16")
    assert frame["open_interest"].item() == 1000.0


def test_zip_archive_is_read(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("FinFutYY.txt", tff_text([row("2023-07-11"), row("2023-07-18")]))
    path = tmp_path / "fut_fin_txt_2023.zip"
    path.write_bytes(buffer.getvalue())
    assert len(parse_tff_file(path, codes=["239742"])) == 2


# --- batches: overlap and gaps --------------------------------------------------------------------


def test_overlapping_identical_files_keep_the_later_one(tmp_path: Path) -> None:
    first = write(
        tmp_path, "FinFut23.txt", [row("2023-10-03"), row("2023-10-10"), row("2023-10-10", code="13874A")]
    )
    later = write(tmp_path, "FinFut23_thru_2023-10-17.txt", [row("2023-10-10"), row("2023-10-17")])
    frame, notes = parse_tff_batch(batch_of(later, first), dt.date(2023, 1, 1), tmp_path, ["239742"])
    assert [f"{d:%Y-%m-%d}" for d in frame["report_date"]] == ["2023-10-03", "2023-10-10", "2023-10-17"]
    assert frame.loc[frame["report_date"] == "2023-10-10", "landing_file"].item() == later.name
    assert any("identical" in n and "FinFut23.txt" in n and "kept those of FinFut23_thru" in n for n in notes)
    assert not any("no reports between" in n for n in notes)
    assert "209742: no reports in the batch" not in notes  # only the codes asked for


def test_conflicting_values_name_both_files(tmp_path: Path) -> None:
    first = write(tmp_path, "FinFut23.txt", [row("2023-10-10")])
    later = write(tmp_path, "FinFut23b.txt", [row("2023-10-10", oi=1001)])
    with pytest.raises(CftcFileError) as info:
        parse_tff_batch(batch_of(first, later), dt.date(2023, 1, 1), tmp_path, CODES)
    message = str(info.value)
    assert "FinFut23.txt" in message and "FinFut23b.txt" in message and "open_interest" in message


def test_gap_notes_and_start_date(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "FinFut23.txt",
        [row("2023-09-26"), row("2023-10-03"), row("2023-10-10"), row("2024-01-02"), row("2024-01-09")],
    )
    frame, notes = parse_tff_batch(batch_of(path), dt.date(2023, 10, 1), tmp_path, ["239742", "209742"])
    assert len(frame) == 4
    assert "239742: no reports between 2023-10-10 and 2024-01-02 (11 weeks missing)" in notes
    assert "209742: no reports in the batch" in notes


def test_empty_batch(tmp_path: Path) -> None:
    frame, notes = parse_tff_batch(batch_of(), dt.date(2023, 1, 1), tmp_path, ["239742"])
    assert frame.empty and list(frame.columns) == [*TFF_COLUMNS, "landing_file"]


# --- release time --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("report", "released"),
    [
        ("2024-07-16", "2024-07-19 15:30"),  # ordinary week
        ("2024-07-02", "2024-07-08 15:30"),  # Independence Day on Thursday
        ("2023-11-21", "2023-11-27 15:30"),  # Thanksgiving
        ("2024-06-18", "2024-06-24 15:30"),  # Juneteenth on Wednesday
        ("2020-11-10", "2020-11-16 15:30"),  # Veterans Day on Wednesday
        ("2023-12-19", "2023-12-22 15:30"),  # Christmas is the next Monday: not in the window
        ("2024-09-03", "2024-09-06 15:30"),  # Labor Day Monday before the report: not in the window
        ("2026-07-07", "2026-07-10 15:30"),
        ("2026-06-30", "2026-07-06 15:30"),  # July 4 2026 is a Saturday, observed Friday July 3
        ("2018-12-04", "2018-12-10 15:30"),  # national day of mourning (Wednesday 2018-12-05)
        ("2023-10-10", "2023-10-13 15:30"),  # Columbus Day the Monday before
    ],
)
def test_release_time(report: str, released: str) -> None:
    got = release_time(dt.date.fromisoformat(report))
    assert got == pd.Timestamp(released, tz="America/New_York")
    assert str(got.tz) == "America/New_York"


@pytest.mark.parametrize("report", ["2018-12-24", "2018-12-31", "2019-01-22", "2019-02-19", "2025-10-07"])
def test_release_time_is_unknown_during_a_shutdown_and_its_catch_up(report: str) -> None:
    """No release date that would leak positions into the past: the CFTC published nothing during
    the 2018-19 and 2025 lapses and caught up for weeks afterwards. The last report released before
    the 2018 lapse keeps its date."""
    assert release_time(dt.date.fromisoformat(report)) is None
    assert release_time(dt.date(2018, 12, 18)) == pd.Timestamp("2018-12-21 15:30", tz="America/New_York")


def test_release_moves_to_tuesday_when_monday_is_a_holiday(monkeypatch: pytest.MonkeyPatch) -> None:
    # No real week has holidays both in Wed..Fri and on the next Monday; check the rule with a stub.
    import ingestion.calendar as calendar

    class Calendar:
        def holidays(self, start: Any, end: Any) -> pd.DatetimeIndex:
            return pd.DatetimeIndex(["2024-07-04", "2024-07-08"])

    monkeypatch.setattr(calendar, "USFederalHolidayCalendar", Calendar)
    calendar._federal_holidays.cache_clear()  # holidays are computed once per year
    try:
        assert release_time(dt.date(2024, 7, 2)) == pd.Timestamp("2024-07-09 15:30", tz="America/New_York")
    finally:
        calendar._federal_holidays.cache_clear()


def test_release_time_rejects_weekend() -> None:
    with pytest.raises(ValueError, match="Saturday"):
        release_time(dt.date(2024, 7, 20))


# --- live download with fakes --------------------------------------------------------------------


class Response:
    def __init__(self, status_code: int, content: bytes = b"") -> None:
        self.status_code = status_code
        self.content = content
        self.text = content.decode("utf-8", errors="replace")


def socrata_page(days: list[str], code: str = "239742") -> bytes:
    header = [h.lower().replace("-", "_") for h in HEADER]
    rows = [row(d, code=code, **{"Report_Date_as_YYYY-MM-DD": f"{d}T00:00:00.000"}) for d in days]
    return tff_text(rows, header).encode()


def archive(days: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("FinFut23.txt", tff_text([row(d) for d in days]))
    return buffer.getvalue()


class FakeGet:
    """Answers from a list per URL (the last one repeats); records every call."""

    def __init__(self, answers: dict[str, list[Any]]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, dict[str, Any] | None]] = []

    def __call__(self, url: str, params: dict[str, Any] | None = None, timeout: float | None = None) -> Any:
        assert timeout is not None
        self.calls.append((url, params))
        key = next(k for k in self.answers if url.endswith(k))
        queue = self.answers[key]
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, BaseException):
            raise answer
        return answer


def test_live_archives_and_paged_api(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    get = FakeGet(
        {
            "fut_fin_txt_2023.zip": [Response(200, archive(["2023-12-19", "2023-12-26"]))],
            "gpe5-46if.csv": [
                Response(200, socrata_page(["2024-01-02", "2024-01-09"])),
                Response(200, socrata_page(["2024-01-16"])),
            ],
        }
    )
    sleeps: list[float] = []
    batch = fetch_live_cftc(
        ["239742"],
        landing,
        start=dt.date(2023, 12, 1),
        end=dt.date(2024, 1, 31),
        get=get,
        sleep=sleeps.append,
        today=dt.date(2024, 2, 1),
        page_size=2,
    )
    assert sleeps == []
    names = [f.path.name for f in batch.files]
    assert names == [
        "fut_fin_txt_2023.zip",
        "socrata_2024-01-01_2024-01-31_000.csv",
        "socrata_2024-01-01_2024-01-31_001.csv",
    ]
    assert batch.files[1].path.read_bytes() == socrata_page(["2024-01-02", "2024-01-09"])
    api = [params for url, params in get.calls if url.endswith(".csv")]
    assert [p["$offset"] for p in api] == [0, 2] and api[0]["$limit"] == 2
    assert "cftc_contract_market_code in ('239742')" in api[0]["$where"]
    assert "between '2024-01-01T00:00:00' and '2024-01-31T00:00:00'" in api[0]["$where"]
    frame, notes = parse_tff_batch(batch, dt.date(2023, 12, 1), tmp_path, ["239742"])
    assert [f"{d:%Y-%m-%d}" for d in frame["report_date"]] == [
        "2023-12-19",
        "2023-12-26",
        "2024-01-02",
        "2024-01-09",
        "2024-01-16",
    ]
    assert notes == []

    # A rerun does not download the archive again.
    again = FakeGet({"gpe5-46if.csv": [Response(200, socrata_page(["2024-01-02"]))]})
    rerun = fetch_live_cftc(
        ["239742"],
        landing,
        start=dt.date(2023, 12, 1),
        end=dt.date(2024, 1, 31),
        get=again,
        today=dt.date(2024, 2, 1),
    )
    assert not any("fut_fin_txt" in url for url, _ in again.calls)
    assert rerun.files[0].path == batch.files[0].path
    assert any("already in landing" in n for n in rerun.notes)


def test_live_retries_then_succeeds(tmp_path: Path) -> None:
    get = FakeGet(
        {
            "gpe5-46if.csv": [
                requests.ConnectionError("reset"),
                Response(503),
                requests.Timeout("slow"),
                Response(200, socrata_page(["2024-07-16"])),
            ]
        }
    )
    sleeps: list[float] = []
    batch = fetch_live_cftc(
        ["239742"],
        tmp_path,
        start=dt.date(2024, 7, 1),
        get=get,
        sleep=sleeps.append,
        today=dt.date(2024, 7, 20),
    )
    assert sleeps == [2.0, 4.0, 8.0]
    assert len(batch.files) == 1 and batch.mode == "live" and batch.requested == ("239742",)


def test_live_unreachable_raises_with_offline_hint(tmp_path: Path) -> None:
    get = FakeGet({"gpe5-46if.csv": [Response(429)]})
    sleeps: list[float] = []
    with pytest.raises(UpstreamUnavailableError) as info:
        fetch_live_cftc(
            ["239742"],
            tmp_path,
            start=dt.date(2024, 7, 1),
            get=get,
            sleep=sleeps.append,
            today=dt.date(2024, 7, 20),
        )
    assert str(info.value).endswith(" — fix: " + OFFLINE_FIX)
    assert "HTTP 429" in str(info.value) and len(get.calls) == 4 and sleeps == [2.0, 4.0, 8.0]


def test_live_archive_404_and_html_are_notes(tmp_path: Path) -> None:
    get = FakeGet(
        {
            "fut_fin_txt_2022.zip": [Response(404)],
            "fut_fin_txt_2023.zip": [Response(200, b"<html>maintenance</html>")],
            "gpe5-46if.csv": [Response(200, socrata_page([]))],
        }
    )
    batch = fetch_live_cftc(
        ["239742"],
        tmp_path,
        start=dt.date(2022, 1, 1),
        end=dt.date(2024, 1, 31),
        get=get,
        today=dt.date(2024, 2, 1),
    )
    assert batch.files == []
    assert any("fut_fin_txt_2022.zip (HTTP 404" in n for n in batch.notes)
    assert any("fut_fin_txt_2023.zip (HTTP 200 but not a zip" in n for n in batch.notes)
    assert any("no reports" in n for n in batch.notes)
    assert not (tmp_path / "cftc").exists()


def test_live_rejects_codes_that_are_not_codes(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="letters and digits"):
        fetch_live_cftc(["239742') or (1=1"], tmp_path, start=dt.date(2024, 1, 1), get=FakeGet({}))
