"""The synthetic CFTC TFF sample: determinism, file format, identities, cadence, names and positioning.

Every check reads the landed files back with plain pandas, independently of the generator's internals.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pandas as pd
import pytest

from ingestion.cftc import parse_tff_batch
from ingestion.sample import MODELLED_CFTC_CODES, SampleWorld, build_world, land_sample_cftc
from ingestion.universe import CFTC_MARKETS_SEED, cftc_codes

RUSSELL, NASDAQ, SP500 = "239742", "209742", "13874A"
GROUPS = ("Dealer", "Asset_Mgr", "Lev_Money", "Other_Rept")
REQUIRED_COLUMNS = [
    "Market_and_Exchange_Names",
    "As_of_Date_In_Form_YYMMDD",
    "Report_Date_as_YYYY-MM-DD",
    "CFTC_Contract_Market_Code",
    "Open_Interest_All",
    *[f"{g}_Positions_{side}_All" for g in GROUPS for side in ("Long", "Short", "Spread")],
    "Tot_Rept_Positions_Long_All",
    "Tot_Rept_Positions_Short_All",
    "NonRept_Positions_Long_All",
    "NonRept_Positions_Short_All",
]
POSITION_COLUMNS = REQUIRED_COLUMNS[4:]


@pytest.fixture(scope="module")
def world() -> SampleWorld:
    return build_world()


@pytest.fixture(scope="module")
def landed(world: SampleWorld, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    batch = land_sample_cftc(tmp_path_factory.mktemp("landing"), world)
    return [f.path for f in batch.files]


@pytest.fixture(scope="module")
def reports(landed: list[Path]) -> pd.DataFrame:
    frames = [pd.read_csv(path, dtype={"CFTC_Contract_Market_Code": str}) for path in landed]
    frame = pd.concat(frames, ignore_index=True)
    frame["date"] = pd.to_datetime(frame["Report_Date_as_YYYY-MM-DD"], format="%Y-%m-%d")
    return frame


def market(reports: pd.DataFrame, code: str) -> pd.DataFrame:
    return reports[reports["CFTC_Contract_Market_Code"] == code].set_index("date").sort_index()


def test_batch_and_files(world: SampleWorld, tmp_path: Path) -> None:
    batch = land_sample_cftc(tmp_path, world)
    assert (batch.system, batch.mode, batch.synthetic) == ("cftc", "sample", True)
    # the seed's markets, read here from the seed itself; the sample models each of today's
    seed = pd.read_csv(CFTC_MARKETS_SEED, dtype=str)
    assert batch.requested == tuple(seed["cftc_code"]) == MODELLED_CFTC_CODES == (RUSSELL, NASDAQ, SP500)
    assert batch.missing == []
    assert batch.notes == [f"synthetic sample data (seed {world.seed}): not market data"]
    names = [f.path.name for f in batch.files]
    assert names == [f"FinFut{y % 100:02d}.txt" for y in range(2006, 2025)]
    for f in batch.files:
        assert f.symbols == () and f.captured_at is None
        assert f.path.is_relative_to(tmp_path / "cftc" / "sample")


def test_bytes_are_deterministic(world: SampleWorld, tmp_path: Path) -> None:
    started = time.perf_counter()
    first = land_sample_cftc(tmp_path / "a", world)
    elapsed = time.perf_counter() - started
    second = land_sample_cftc(tmp_path / "b", build_world(world.seed))
    assert [f.path.read_bytes() for f in first.files] == [f.path.read_bytes() for f in second.files]
    assert elapsed < 2.0, f"generation took {elapsed:.2f}s"


def test_real_file_dialect(landed: list[Path]) -> None:
    text = landed[-1].read_bytes().decode("ascii")
    lines = text.split("\r\n")
    assert lines[-1] == "" and "\n" not in text.replace("\r\n", "")
    header = [c.strip('"') for c in lines[0].split(",")]
    assert header[: len(REQUIRED_COLUMNS)] == REQUIRED_COLUMNS
    assert all(c.startswith('"') and c.endswith('"') for c in lines[0].split(","))
    first = lines[1].split(",")
    assert first[0].startswith('"') and first[0].endswith('"')
    assert first[1:4] == ["241231", "2024-12-31", RUSSELL]
    assert all(cell.isdigit() for cell in first[4 : len(REQUIRED_COLUMNS)])
    early = landed[0].read_text().splitlines()[1].split(",")
    assert early[1] == "061226"  # YYMMDD keeps its leading zero


def test_identities_on_every_row(reports: pd.DataFrame) -> None:
    assert len(reports) == 3 * len(pd.date_range("2006-06-13", "2024-12-31", freq="W-TUE"))
    positions = reports[POSITION_COLUMNS]
    assert all(pd.api.types.is_integer_dtype(t) for t in positions.dtypes)
    assert (positions >= 0).all().all()
    long_sum = sum(reports[f"{g}_Positions_Long_All"] + reports[f"{g}_Positions_Spread_All"] for g in GROUPS)
    short_sum = sum(
        reports[f"{g}_Positions_Short_All"] + reports[f"{g}_Positions_Spread_All"] for g in GROUPS
    )
    assert (reports["Tot_Rept_Positions_Long_All"] == long_sum).all()
    assert (reports["Tot_Rept_Positions_Short_All"] == short_sum).all()
    oi = reports["Open_Interest_All"]
    assert (reports["Tot_Rept_Positions_Long_All"] + reports["NonRept_Positions_Long_All"] == oi).all()
    assert (reports["Tot_Rept_Positions_Short_All"] + reports["NonRept_Positions_Short_All"] == oi).all()


def test_weekly_tuesday_cadence(reports: pd.DataFrame) -> None:
    for code in MODELLED_CFTC_CODES:
        dates = market(reports, code).index
        assert dates.is_unique
        assert (dates.dayofweek == 1).all()
        assert dates[0] == pd.Timestamp("2006-06-13") and dates[-1] == pd.Timestamp("2024-12-31")
        assert (dates.to_series().diff().dropna() == pd.Timedelta(days=7)).all()
    # Tuesdays the NYSE is closed still have a report (2018-12-25, 2007-01-02).
    assert {pd.Timestamp("2018-12-25"), pd.Timestamp("2007-01-02")} <= set(market(reports, RUSSELL).index)
    # Each file holds exactly its year's reports; YYMMDD agrees with the ISO date.
    yymmdd = reports["As_of_Date_In_Form_YYMMDD"].astype(int)
    assert (yymmdd == reports["date"].dt.strftime("%y%m%d").astype(int)).all()


def test_code_and_name_mapping(reports: pd.DataFrame) -> None:
    names = reports.groupby(["CFTC_Contract_Market_Code", reports["date"].dt.year])[
        "Market_and_Exchange_Names"
    ]
    by_year = names.unique().apply(list).to_dict()
    for year in range(2006, 2025):
        old = year <= 2022
        assert by_year[(RUSSELL, year)] == [
            "E-MINI RUSSELL 2000 INDEX - CHICAGO MERCANTILE EXCHANGE"
            if old
            else "RUSSELL E-MINI - CHICAGO MERCANTILE EXCHANGE"
        ]
        assert by_year[(NASDAQ, year)] == ["NASDAQ MINI - CHICAGO MERCANTILE EXCHANGE"]
        assert by_year[(SP500, year)] == ["E-MINI S&P 500 - CHICAGO MERCANTILE EXCHANGE"]
    assert set(reports["CFTC_Contract_Market_Code"]) == set(MODELLED_CFTC_CODES)


@pytest.mark.parametrize(
    ("code", "low", "high"), [(RUSSELL, 380e3, 580e3), (NASDAQ, 180e3, 320e3), (SP500, 1.8e6, 3.2e6)]
)
def test_open_interest_is_realistic_and_slow(
    reports: pd.DataFrame, code: str, low: float, high: float
) -> None:
    oi = market(reports, code)["Open_Interest_All"]
    assert low <= oi.min() and oi.max() <= high
    assert oi.pct_change().abs().max() < 0.08


def lev_net(reports: pd.DataFrame, code: str) -> pd.Series:
    m = market(reports, code)
    return m["Lev_Money_Positions_Long_All"] - m["Lev_Money_Positions_Short_All"]


def test_leveraged_funds_short_russell_then_cover_in_july_2024(reports: pd.DataFrame) -> None:
    net = lev_net(reports, RUSSELL)
    oi = market(reports, RUSSELL)["Open_Interest_All"]
    before, after = net[dt.datetime(2024, 7, 9)], net[dt.datetime(2024, 7, 30)]
    assert before < -0.1 * oi[dt.datetime(2024, 7, 9)], "heavily net short before the rotation"
    assert after > before + 0.05 * oi[dt.datetime(2024, 7, 30)], "shorts covered after the rotation"
    assert net[dt.datetime(2024, 7, 16)] > before


def test_leveraged_funds_follow_size_and_asset_managers_mirror(
    world: SampleWorld, reports: pd.DataFrame
) -> None:
    m = market(reports, RUSSELL)
    net = lev_net(reports, RUSSELL) / m["Open_Interest_All"]
    size = world.factors["size"].cumsum()
    trailing = (size - size.shift(63)).reindex(m.index, method="ffill")
    # Changes over a quarter: the net position moves with the size factor's trailing performance.
    assert net.diff(13).corr(trailing.diff(13)) > 0.5
    am = (m["Asset_Mgr_Positions_Long_All"] - m["Asset_Mgr_Positions_Short_All"]) / m["Open_Interest_All"]
    assert am.corr(net) < -0.6


def test_a_market_added_to_the_seed_is_generated_by_the_sample(world: SampleWorld, tmp_path: Path) -> None:
    # one seed row is all a new market takes: the sample lands a generic market for it
    codes = [*cftc_codes(), "12460+"]
    batch = land_sample_cftc(tmp_path / "with", world, codes=codes)
    assert batch.requested == tuple(codes)
    frame, _ = parse_tff_batch(batch, dt.date(2006, 1, 1), tmp_path, codes)
    added = frame[frame["cftc_code"] == "12460+"]
    assert len(added) == len(frame[frame["cftc_code"] == RUSSELL]) > 900  # every weekly report
    assert (added["open_interest"] > 0).all()
    groups = ("dealer", "asset_mgr", "lev_money", "other_rept")
    reportable_long = sum(added[f"{g}_long"] + added[f"{g}_spread"] for g in groups)
    assert (reportable_long == added["tot_rept_long"]).all()  # the identities the CFTC gate checks
    assert (added["tot_rept_long"] + added["nonrept_long"] == added["open_interest"]).all()
    # the modelled markets' rows are the same with or without it
    alone = land_sample_cftc(tmp_path / "without", world, codes=codes[:-1])
    without, _ = parse_tff_batch(alone, dt.date(2006, 1, 1), tmp_path, codes)
    kept = frame[frame["cftc_code"] != "12460+"].drop(columns="landing_file").reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, without.drop(columns="landing_file").reset_index(drop=True))
