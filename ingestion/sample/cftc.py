"""The sample CFTC files: weekly Traders in Financial Futures (futures only), one file per year.

The files use the real ``FinFutYY.txt`` dialect: CRLF lines, a quoted header, the market name quoted,
the report date both as ``YYMMDD`` and ``YYYY-MM-DD``, the contract market code unquoted (a string:
``13874A``) and positions as integers. Only the position columns the pipeline reads are written (the
first 21 columns of the real layout minus the CFTC market/region/commodity codes); rows are grouped by
market, newest report first, as the CFTC lists them.

One report per Tuesday from 2006-06-13 (the first TFF report) to SAMPLE_END, holidays included (the
CFTC dates its reports by the Tuesday regardless; the positions use the last NYSE close on or before
it). Per market and week:

- open interest: a dated level (Russell ~470k, Nasdaq-100 ~250k, S&P 500 ~2.3-2.6M contracts) times
  a slow AR(1) deviation, soft-bounded to +-12 %;
- leveraged funds' net position (share of open interest) = a dated base + a loading on the trailing
  13-week performance of the market's factor (``size`` for the Russell, ``tech`` for the Nasdaq-100,
  ``market`` for the S&P 500) + AR(1) noise, reached by partial adjustment (half the gap per week):
  shorts build while small caps lag and are covered in rotations (the July 2024 one included);
- asset managers roughly mirror them (-0.8 x the leveraged net plus their own base and noise); other
  reportables and non-reportables hold small noisy nets; dealers, the intermediaries, take the rest;
- gross positions are slowly varying shares of open interest, never below half the net plus a floor.

Identities hold exactly on every row (integers): total reportable long = the four groups' long +
spread, total reportable short = short + spread, and total reportable + non-reportable = open
interest on both sides; every position is >= 0.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ingestion.cftc import FIRST_REPORT
from ingestion.landing import LandedFile, LandingBatch, land_bytes
from ingestion.progress import Counter, Progress
from ingestion.sample.processes import Knots, _interp, _rng
from ingestion.sample.world import SAMPLE_END, SampleWorld, build_world
from ingestion.universe import cftc_codes

# "ingestion.sample", like the other sample files.
log = logging.getLogger(__package__)


# The first Traders in Financial Futures report.
CFTC_START = FIRST_REPORT

CFTC_COLUMNS = (
    "Market_and_Exchange_Names",
    "As_of_Date_In_Form_YYMMDD",
    "Report_Date_as_YYYY-MM-DD",
    "CFTC_Contract_Market_Code",
    "Open_Interest_All",
    "Dealer_Positions_Long_All",
    "Dealer_Positions_Short_All",
    "Dealer_Positions_Spread_All",
    "Asset_Mgr_Positions_Long_All",
    "Asset_Mgr_Positions_Short_All",
    "Asset_Mgr_Positions_Spread_All",
    "Lev_Money_Positions_Long_All",
    "Lev_Money_Positions_Short_All",
    "Lev_Money_Positions_Spread_All",
    "Other_Rept_Positions_Long_All",
    "Other_Rept_Positions_Short_All",
    "Other_Rept_Positions_Spread_All",
    "Tot_Rept_Positions_Long_All",
    "Tot_Rept_Positions_Short_All",
    "NonRept_Positions_Long_All",
    "NonRept_Positions_Short_All",
)

# Reportable groups in the column order; dealers take the residual net.
GROUPS = ("Dealer", "Asset_Mgr", "Lev_Money", "Other_Rept")

# Trading days in the trailing window of the leveraged funds' performance signal (13 weeks).
TRAILING_DAYS = 63
# Share of the gap to the target net position closed each week (partial adjustment).
ADJUSTMENT_SPEED = 0.5
# Asset managers' net position per unit of the leveraged funds' net (the rough mirror).
ASSET_MGR_MIRROR = -0.8
# Every gross position is at least this share of open interest beyond half the group's net.
MIN_GROSS_SHARE = 0.01
# Open interest: AR(1) persistence, weekly innovation (log) and soft bound of the log deviation.
OI_PERSISTENCE = 0.97
OI_INNOVATION = 0.015
OI_BOUND = 0.12
# Gross and spread shares: AR(1) persistence and weekly innovation of their log deviation.
SHARE_PERSISTENCE = 0.95
SHARE_INNOVATION = 0.02
# Net noise (share of open interest): AR(1) persistence and weekly innovation.
NET_PERSISTENCE = 0.85
NET_INNOVATION = 0.012
SMALL_NET_INNOVATION = 0.004


@dataclass(frozen=True)
class _Market:
    code: str
    names: tuple[tuple[int, str], ...]  # (first report year, name), sorted
    factor: str  # the world factor whose trailing performance leveraged funds chase
    oi_knots: Knots  # open interest level (contracts)
    lev_base: Knots  # leveraged funds' base net (share of open interest)
    lev_loading: float  # net share per unit of trailing log performance
    asset_mgr_base: float  # asset managers' own net share beyond the mirror
    other_net: float  # other reportables' mean net share
    nonrept_net: float  # non-reportables' mean net share
    gross: dict[str, float]  # (long + short) / 2 per group and "NonRept", share of open interest
    spread: dict[str, float]  # spread per group, share of open interest

    def name(self, year: int) -> str:
        return [name for first, name in self.names if first <= year][-1]


MARKETS: tuple[_Market, ...] = (
    _Market(
        code="239742",
        names=(
            (2006, "E-MINI RUSSELL 2000 INDEX - CHICAGO MERCANTILE EXCHANGE"),
            (2023, "RUSSELL E-MINI - CHICAGO MERCANTILE EXCHANGE"),
        ),
        factor="size",
        oi_knots=(("2006-06-13", 460e3), ("2014-12-31", 480e3), ("2018-12-31", 500e3), ("2024-12-31", 480e3)),
        lev_base=(
            ("2006-06-13", -0.03), ("2012-12-31", 0.0), ("2016-12-30", 0.03), ("2018-06-29", 0.0),
            ("2019-06-28", -0.05), ("2021-06-30", -0.10), ("2022-12-30", -0.10), ("2023-06-30", -0.06),
            ("2024-06-28", -0.10), ("2024-12-31", -0.08),
        ),  # fmt: skip
        lev_loading=1.5,
        asset_mgr_base=0.02,
        other_net=-0.02,
        nonrept_net=0.01,
        gross={"Dealer": 0.17, "Asset_Mgr": 0.40, "Lev_Money": 0.21, "Other_Rept": 0.045, "NonRept": 0.045},
        spread={"Dealer": 0.02, "Asset_Mgr": 0.09, "Lev_Money": 0.015, "Other_Rept": 0.001},
    ),
    _Market(
        code="209742",
        names=((2006, "NASDAQ MINI - CHICAGO MERCANTILE EXCHANGE"),),
        factor="tech",
        oi_knots=(("2006-06-13", 250e3), ("2017-12-29", 265e3), ("2019-12-31", 225e3), ("2024-12-31", 265e3)),
        lev_base=(("2006-06-13", 0.0), ("2017-12-29", 0.05), ("2019-06-28", -0.05), ("2024-12-31", -0.12)),
        lev_loading=1.0,
        asset_mgr_base=0.05,
        other_net=-0.04,
        nonrept_net=-0.01,
        gross={"Dealer": 0.20, "Asset_Mgr": 0.22, "Lev_Money": 0.24, "Other_Rept": 0.05, "NonRept": 0.15},
        spread={"Dealer": 0.02, "Asset_Mgr": 0.025, "Lev_Money": 0.02, "Other_Rept": 0.002},
    ),
    _Market(
        code="13874A",
        names=((2006, "E-MINI S&P 500 - CHICAGO MERCANTILE EXCHANGE"),),
        factor="market",
        oi_knots=(("2006-06-13", 2.3e6), ("2017-12-29", 2.6e6), ("2021-12-31", 2.5e6), ("2024-12-31", 2.25e6)),
        lev_base=(("2006-06-13", -0.02), ("2017-12-29", -0.06), ("2022-12-30", -0.12), ("2024-12-31", -0.14)),
        lev_loading=0.8,
        asset_mgr_base=0.25,
        other_net=-0.03,
        nonrept_net=0.01,
        gross={"Dealer": 0.17, "Asset_Mgr": 0.36, "Lev_Money": 0.14, "Other_Rept": 0.065, "NonRept": 0.105},
        spread={"Dealer": 0.03, "Asset_Mgr": 0.11, "Lev_Money": 0.03, "Other_Rept": 0.004},
    ),
)  # fmt: skip
# The markets the sample models; another market of the seed cftc_markets.csv is a generic one.
MODELLED_CFTC_CODES = tuple(m.code for m in MARKETS)


def generic_market(code: str) -> _Market:
    """A market of the seed the sample does not model: open interest near 300,000 contracts,
    leveraged funds chasing the market's trailing performance from a flat base, group shares between
    those of the modelled markets; its own random streams (by code), so it changes no other market."""
    return _Market(
        code=code,
        names=((CFTC_START.year, f"SAMPLE MARKET {code} - SAMPLE EXCHANGE"),),
        factor="market",
        oi_knots=((CFTC_START.isoformat(), 300e3), (SAMPLE_END.isoformat(), 300e3)),
        lev_base=((CFTC_START.isoformat(), 0.0), (SAMPLE_END.isoformat(), 0.0)),
        lev_loading=1.0,
        asset_mgr_base=0.1,
        other_net=-0.03,
        nonrept_net=0.0,
        gross={"Dealer": 0.18, "Asset_Mgr": 0.33, "Lev_Money": 0.2, "Other_Rept": 0.05, "NonRept": 0.1},
        spread={"Dealer": 0.02, "Asset_Mgr": 0.07, "Lev_Money": 0.02, "Other_Rept": 0.002},
    )


def markets_of(codes: Sequence[str]) -> list[_Market]:
    """The markets of ``codes``, in that order: the modelled ones, and generic ones for the rest."""
    modelled = {m.code: m for m in MARKETS}
    return [modelled.get(code) or generic_market(code) for code in codes]


def report_dates(start: dt.date = CFTC_START, end: dt.date = SAMPLE_END) -> pd.DatetimeIndex:
    """Every Tuesday from ``start`` to ``end`` (holidays included: the CFTC dates reports by Tuesday)."""
    return pd.date_range(start, end, freq="W-TUE")


def _ar1_weekly(rng: np.random.Generator, n: int, phi: float, sigma: float) -> np.ndarray:
    """A stationary AR(1) path (started from its stationary distribution) of Gaussian innovations."""
    shocks = rng.standard_normal(n) * sigma
    out = np.empty(n)
    prev = rng.standard_normal() * sigma / np.sqrt(1.0 - phi * phi)
    for i, e in enumerate(shocks.tolist()):
        prev = phi * prev + e
        out[i] = prev
    return out


def _trailing_performance(world: SampleWorld, factor: str, dates: pd.DatetimeIndex) -> np.ndarray:
    """Log performance of ``factor`` over the TRAILING_DAYS trading days up to each date's last close."""
    level = np.cumsum(world.factors[factor].to_numpy())
    pos = world.dates.searchsorted(dates.as_unit(world.dates.unit), side="right") - 1
    if pos.min() < TRAILING_DAYS:
        raise ValueError(f"the world starts too late for a {TRAILING_DAYS}-day trailing window")
    return level[pos] - level[pos - TRAILING_DAYS]


def _round_int(x: np.ndarray) -> np.ndarray:
    return np.rint(x).astype(np.int64)


def sample_cftc_positions(world: SampleWorld, market: _Market, dates: pd.DatetimeIndex) -> pd.DataFrame:
    """One market's weekly positions (the integer columns of CFTC_COLUMNS), indexed by report date."""
    n = len(dates)

    def rng(*labels: str) -> np.random.Generator:
        return _rng(world.seed, "cftc", market.code, *labels)

    # Open interest target (the realised one differs by at most the dealers' floor adjustment).
    deviation = _ar1_weekly(rng("open_interest"), n, OI_PERSISTENCE, OI_INNOVATION)
    target_oi = _interp(dates, market.oi_knots, log=True) * np.exp(OI_BOUND * np.tanh(deviation / OI_BOUND))

    # Net shares: leveraged funds chase trailing performance with partial adjustment.
    performance = _trailing_performance(world, market.factor, dates)
    lev_noise = _ar1_weekly(rng("lev_money"), n, NET_PERSISTENCE, NET_INNOVATION)
    lev_target = _interp(dates, market.lev_base) + market.lev_loading * performance + lev_noise
    lev_net = np.empty(n)
    prev = float(lev_target[0])
    for i, target in enumerate(lev_target.tolist()):
        prev += ADJUSTMENT_SPEED * (target - prev)
        lev_net[i] = prev
    net = {
        "Lev_Money": lev_net,
        "Asset_Mgr": market.asset_mgr_base
        + ASSET_MGR_MIRROR * lev_net
        + _ar1_weekly(rng("asset_mgr"), n, NET_PERSISTENCE, NET_INNOVATION),
        "Other_Rept": market.other_net
        + _ar1_weekly(rng("other_rept"), n, NET_PERSISTENCE, SMALL_NET_INNOVATION),
        "NonRept": market.nonrept_net + _ar1_weekly(rng("nonrept"), n, NET_PERSISTENCE, SMALL_NET_INNOVATION),
    }

    def share(base: float, *labels: str) -> np.ndarray:
        return base * np.exp(_ar1_weekly(rng(*labels), n, SHARE_PERSISTENCE, SHARE_INNOVATION))

    spread = {g: _round_int(target_oi * share(market.spread[g], "spread", g)) for g in GROUPS}

    # Integer nets; the dealers' is the residual, so longs and shorts sum to the same open interest.
    net_int = {g: _round_int(target_oi * v) for g, v in net.items()}
    net_int["Dealer"] = -sum(net_int.values())

    # Gross (long + short) / 2: slowly varying shares, the dealers' the remainder of open interest.
    gross: dict[str, np.ndarray] = {}
    for g in ("Asset_Mgr", "Lev_Money", "Other_Rept", "NonRept"):
        gross[g] = target_oi * share(market.gross[g], "gross", g)
    gross["Dealer"] = target_oi - sum(gross.values()) - sum(spread.values())
    columns: dict[str, np.ndarray] = {}
    for g in (*GROUPS, "NonRept"):
        floor = np.abs(net_int[g]) / 2.0 + MIN_GROSS_SHARE * target_oi
        short = _round_int(np.maximum(gross[g], floor) - net_int[g] / 2.0)
        prefix = f"{g}_Positions"
        columns[f"{prefix}_Long_All"] = short + net_int[g]
        columns[f"{prefix}_Short_All"] = short
        if g != "NonRept":
            columns[f"{prefix}_Spread_All"] = spread[g]

    tot_long = sum(columns[f"{g}_Positions_Long_All"] + spread[g] for g in GROUPS)
    tot_short = sum(columns[f"{g}_Positions_Short_All"] + spread[g] for g in GROUPS)
    columns["Tot_Rept_Positions_Long_All"] = tot_long
    columns["Tot_Rept_Positions_Short_All"] = tot_short
    columns["Open_Interest_All"] = tot_long + columns["NonRept_Positions_Long_All"]
    frame = pd.DataFrame({c: columns[c] for c in CFTC_COLUMNS[4:]}, index=dates)
    frame.index.name = "report_date"

    # Cheap guards: the construction guarantees these, a parameter change must not break them.
    oi = frame["Open_Interest_All"].to_numpy()
    if (
        not np.array_equal(oi, tot_short + columns["NonRept_Positions_Short_All"])
        or (frame.to_numpy() < 0).any()
    ):
        raise AssertionError(f"CFTC sample identities violated for {market.code}")
    return frame


def render_cftc_txt(rows: list[tuple[_Market, pd.Timestamp, list[int]]]) -> bytes:
    """The bytes of a ``FinFutYY.txt`` file: quoted header and names, CRLF lines, rows in given order."""
    lines = [",".join(f'"{c}"' for c in CFTC_COLUMNS)]
    for market, date, values in rows:
        cells = [
            f'"{market.name(date.year)}"',
            date.strftime("%y%m%d"),
            date.strftime("%Y-%m-%d"),
            market.code,
        ]
        cells.extend(str(v) for v in values)
        lines.append(",".join(cells))
    return ("\r\n".join(lines) + "\r\n").encode("ascii")


def sample_cftc_files(world: SampleWorld, codes: Sequence[str] | None = None) -> dict[str, bytes]:
    """File name -> bytes for every report year: the markets of ``codes`` (default: the seed's) in
    that order, newest report first."""
    markets = markets_of(cftc_codes() if codes is None else codes)
    dates = report_dates()
    frames = {m.code: sample_cftc_positions(world, m, dates) for m in markets}
    files: dict[str, bytes] = {}
    for year in sorted(set(dates.year)):
        rows: list[tuple[_Market, pd.Timestamp, list[int]]] = []
        for market in markets:
            frame = frames[market.code]
            frame = frame[frame.index.year == year].iloc[::-1]
            values = frame.to_numpy(dtype=np.int64).tolist()
            rows.extend((market, date, row) for date, row in zip(frame.index, values, strict=True))
        files[f"FinFut{year % 100:02d}.txt"] = render_cftc_txt(rows)
    return files


def land_sample_cftc(
    landing_root: Path,
    world: SampleWorld | None = None,
    progress: Progress | None = None,
    codes: Sequence[str] | None = None,
) -> LandingBatch:
    """Generate the sample CFTC TFF files of the markets ``codes`` (default: the seed's) from ``world``
    and land one file per report year; ``progress`` receives throttled lines (``cftc: 3/19 files
    landed (FinFut08.txt)``)."""
    started = time.perf_counter()
    world = world if world is not None else build_world()
    codes = tuple(cftc_codes() if codes is None else codes)
    batch = LandingBatch(
        system="cftc",
        mode="sample",
        requested=codes,
        synthetic=True,
        notes=[f"synthetic sample data (seed {world.seed}): not market data"],
    )
    files = sample_cftc_files(world, codes)
    counter = Counter("cftc", len(files), "files", "landed", progress)
    for name, content in files.items():
        path = land_bytes(content, landing_root, "cftc", "sample", name)
        batch.files.append(LandedFile(path, (), None))
        counter.advance(name)
    log.info(
        "landed %d synthetic sample CFTC files (seed %d) in %.2fs",
        len(batch.files),
        world.seed,
        time.perf_counter() - started,
    )
    return batch


__all__ = [
    "CFTC_COLUMNS",
    "MODELLED_CFTC_CODES",
    "generic_market",
    "land_sample_cftc",
    "render_cftc_txt",
    "report_dates",
    "sample_cftc_files",
    "sample_cftc_positions",
]
