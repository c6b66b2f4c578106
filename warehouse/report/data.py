"""What the report reads from serving: the marts, the columns of each, and the frames they come as.

This is the only module of the report that names mart columns. :data:`READS` declares, mart by mart,
every column the report reads; tests/unit/test_report_contracts.py checks each one is a column of that
mart's dbt contract (``dbt_project/models/marts/<mart>.yml``), so renaming a mart column without
changing it here fails the tests, and :func:`read_table` fails with the mart, the column and the
contract file when serving lacks one. The charts and the page index the frames with the names defined
here (:class:`Daily`, :class:`Episodes`, :class:`Rotation`).

Units: fractions are fractions in the marts (0.05 = 5%); the report shows them as percents.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from warehouse import db

SCHEMA = "marts"
REPO = Path(__file__).resolve().parents[2]
# the marts' dbt YAML contracts: <mart>.yml with its `columns:`
MARTS_DIR = REPO / "dbt_project" / "models" / "marts"


class Daily:
    """Columns of marts.rotation_daily (one row per trading date)."""

    MART = "rotation_daily"
    DATE = "date"
    RUT_CLOSE = "rut_close"
    GSPC_CLOSE = "gspc_close"
    NDX_CLOSE = "ndx_close"
    # the spread pairs as column prefixes (^RUT − ^GSPC, ^RUT − ^NDX) and their horizons in trading days
    RUT_GSPC = "rut_gspc"
    RUT_NDX = "rut_ndx"
    PAIRS = (RUT_GSPC, RUT_NDX)
    HORIZONS = (5, 10, 21)
    # 63-day correlations of daily index returns with daily DGS2 changes
    RUT_DGS2_CORR = "rut_dgs2_corr_63d"
    GSPC_DGS2_CORR = "gspc_dgs2_corr_63d"
    NDX_DGS2_CORR = "ndx_dgs2_corr_63d"
    CORRELATIONS = (RUT_DGS2_CORR, GSPC_DGS2_CORR, NDX_DGS2_CORR)
    DGS2_LEVEL_PCT = "dgs2_level_pct"
    DGS2_CHANGE_BP = "dgs2_change_bp"
    NEXT_FOMC_DATE = "next_fomc_date"
    IMPLIED_CHANGE_BP = "implied_change_bp_next_fomc"
    CUT_PROBABILITY = "cut_probability_next_fomc"
    # the CFTC trader groups as column stems: Russell 2000 / Nasdaq-100 leveraged funds, asset managers
    RUT_LEV = "rut_lev"
    RUT_AM = "rut_am"
    NDX_LEV = "ndx_lev"
    NDX_AM = "ndx_am"
    POSITIONING = (RUT_LEV, RUT_AM, NDX_LEV, NDX_AM)
    # the CFTC report (its Tuesday) each market's positions come from
    RUT_REPORT_DATE = "rut_positioning_report_date"
    NDX_REPORT_DATE = "ndx_positioning_report_date"
    VIX_LEVEL = "vix_level"
    COPPER_GOLD_RATIO = "copper_gold_ratio"
    SMB_21D = "smb_21d"
    MEGACAP_MINUS_GSPC_21D = "megacap_minus_gspc_21d"
    HYG_RETURN_21D = "hyg_return_21d"
    HYG_MINUS_IEF_21D = "hyg_minus_ief_21d"
    RSP_MINUS_SPY_21D = "rsp_minus_spy_21d"
    MEGACAP_INDEX_WEIGHT = "megacap_index_weight"
    MEGACAP_SHARE_OF_YTD_RETURN = "megacap_share_of_index_ytd_total_return"
    MEGACAP_REVENUE_BREADTH = "megacap_next_year_revenue_breadth_30cd"

    @staticmethod
    def spread(pair: str, horizon: int) -> str:
        """The pair's ``horizon``-day return spread (a fraction)."""
        return f"{pair}_spread_{horizon}d"

    @staticmethod
    def spread_rank(pair: str, horizon: int) -> str:
        """Its rank among all spreads up to the date, 1 = largest."""
        return f"{pair}_spread_{horizon}d_rank_to_date"

    @staticmethod
    def spread_pctrank(pair: str, horizon: int) -> str:
        """Its point-in-time percentile (0..1) among all spreads up to the date."""
        return f"{pair}_spread_{horizon}d_pctrank_to_date"

    @staticmethod
    def is_record(pair: str, horizon: int) -> str:
        """True on a date whose spread is a new record."""
        return f"{pair}_is_record_{horizon}d"

    @staticmethod
    def net_share_oi(group: str) -> str:
        """The trader group's net position as a share of open interest (-1..1)."""
        return f"{group}_net_share_oi"

    @staticmethod
    def net_share_oi_pctrank(group: str) -> str:
        """Its percentile (0..1) within the group's last 156 weekly reports."""
        return f"{group}_net_share_oi_pctrank_156r"

    @classmethod
    def report_date(cls, group: str) -> str:
        """The CFTC report date column of the trader group's market (rut_… or ndx_…)."""
        return {"rut": cls.RUT_REPORT_DATE, "ndx": cls.NDX_REPORT_DATE}[group.split("_")[0]]

    @classmethod
    def columns(cls) -> tuple[str, ...]:
        return (
            cls.DATE,
            cls.RUT_CLOSE,
            cls.GSPC_CLOSE,
            cls.NDX_CLOSE,
            *(
                name
                for p in cls.PAIRS
                for h in cls.HORIZONS
                for name in (
                    cls.spread(p, h),
                    cls.spread_rank(p, h),
                    cls.spread_pctrank(p, h),
                    cls.is_record(p, h),
                )
            ),
            *cls.CORRELATIONS,
            cls.DGS2_LEVEL_PCT,
            cls.DGS2_CHANGE_BP,
            cls.NEXT_FOMC_DATE,
            cls.IMPLIED_CHANGE_BP,
            cls.CUT_PROBABILITY,
            *(name for g in cls.POSITIONING for name in (cls.net_share_oi(g), cls.net_share_oi_pctrank(g))),
            cls.RUT_REPORT_DATE,
            cls.NDX_REPORT_DATE,
            cls.VIX_LEVEL,
            cls.COPPER_GOLD_RATIO,
            cls.SMB_21D,
            cls.MEGACAP_MINUS_GSPC_21D,
            cls.HYG_RETURN_21D,
            cls.HYG_MINUS_IEF_21D,
            cls.RSP_MINUS_SPY_21D,
            cls.MEGACAP_INDEX_WEIGHT,
            cls.MEGACAP_SHARE_OF_YTD_RETURN,
            cls.MEGACAP_REVENUE_BREADTH,
        )


class Episodes:
    """Columns of marts.rotation_episodes (one row per pair × horizon × direction × episode), and the
    values of its keys the report selects."""

    MART = "rotation_episodes"
    PAIR = "pair"
    HORIZON = "horizon"
    DIRECTION = "direction"
    START_DATE = "start_date"
    PEAK_DATE = "peak_date"
    END_DATE = "end_date"
    TRADING_DAYS = "trading_days"
    PEAK_SPREAD = "peak_spread"
    PEAK_RANK = "peak_rank_full_history"
    IS_ONGOING = "is_ongoing"
    DGS2_CHANGE_BP = "dgs2_change_bp"
    # values: the horizon shaded, and the two directions (the pairs come from the mart's rows)
    HORIZON_21D = "21d"
    LEADS = "numerator_leads"
    LAGS = "numerator_lags"

    @classmethod
    def columns(cls) -> tuple[str, ...]:
        return (
            cls.PAIR,
            cls.HORIZON,
            cls.DIRECTION,
            cls.START_DATE,
            cls.PEAK_DATE,
            cls.END_DATE,
            cls.TRADING_DAYS,
            cls.PEAK_SPREAD,
            cls.PEAK_RANK,
            cls.IS_ONGOING,
            cls.DGS2_CHANGE_BP,
        )


class Rotation:
    """Columns of marts.relative_rotation (one row per date × segment)."""

    MART = "relative_rotation"
    DATE = "date"
    SEGMENT = "segment"
    BENCHMARK = "benchmark"
    RS_RATIO = "rs_ratio"
    RS_MOMENTUM = "rs_momentum"
    IS_WEEK_END = "is_week_end"

    @classmethod
    def columns(cls) -> tuple[str, ...]:
        return (cls.DATE, cls.SEGMENT, cls.BENCHMARK, cls.RS_RATIO, cls.RS_MOMENTUM, cls.IS_WEEK_END)


class Performance:
    """Columns of marts.relative_performance (one row per date × pair × horizon): the pair explorer's
    spreads, every pair the mart holds at :data:`HORIZON`."""

    MART = "relative_performance"
    DATE = "date"
    PAIR = "pair"
    HORIZON = "horizon"
    RETURN_SPREAD = "return_spread"
    SPREAD_RANK = "spread_rank_to_date"
    # the horizon the explorer shows (one of the mart's accepted values)
    HORIZON_SHOWN = "21d"

    @classmethod
    def columns(cls) -> tuple[str, ...]:
        return (cls.DATE, cls.PAIR, cls.HORIZON, cls.RETURN_SPREAD, cls.SPREAD_RANK)


class Events:
    """Columns of marts.event_calendar (one row per event): the CPI releases the rates chart marks
    (FOMC meetings come from rotation_daily's next meeting, CFTC releases from positioning's dates)."""

    MART = "event_calendar"
    DATE = "event_date"
    TYPE = "event_type"
    REFERENCE_DATE = "reference_date"  # the month a CPI release reports on
    CPI = "cpi_release"  # one of the mart's accepted event types

    @classmethod
    def columns(cls) -> tuple[str, ...]:
        return (cls.DATE, cls.TYPE, cls.REFERENCE_DATE)


def pair_prefix(pair: str) -> str:
    """The rotation_daily column prefix of a marts' pair label: ``^RUT/^GSPC`` -> ``rut_gspc``."""
    return pair.replace("^", "").replace("/", "_").replace("=", "").lower()


# mart -> the columns the report reads from it (in this order), and how its rows are ordered
READS: Mapping[str, tuple[str, ...]] = {
    Daily.MART: Daily.columns(),
    Episodes.MART: Episodes.columns(),
    Rotation.MART: Rotation.columns(),
    Performance.MART: Performance.columns(),
    Events.MART: Events.columns(),
}
ORDER_BY: Mapping[str, tuple[str, ...]] = {
    Daily.MART: (Daily.DATE,),
    Episodes.MART: (Episodes.START_DATE,),
    Rotation.MART: (Rotation.SEGMENT, Rotation.DATE),
    Performance.MART: (Performance.PAIR, Performance.DATE),
    Events.MART: (Events.DATE,),
}
# mart -> (column, value): only the rows where the column equals the value are read
WHERE: Mapping[str, tuple[str, str]] = {
    Performance.MART: (Performance.HORIZON, Performance.HORIZON_SHOWN),
    Events.MART: (Events.TYPE, Events.CPI),
}
TABLES = tuple(f"{SCHEMA}.{mart}" for mart in READS)


def table(mart: str) -> str:
    """The mart as serving names it: ``marts.<mart>``."""
    return f"{SCHEMA}.{mart}"


def contract_path(mart: str) -> Path:
    """The mart's dbt YAML contract, which declares its columns."""
    return MARTS_DIR / f"{mart}.yml"


def _contract_name(mart: str) -> str:
    return contract_path(mart).relative_to(REPO).as_posix()


def _database(con: duckdb.DuckDBPyConnection) -> str:
    """Where ``con`` reads from, for an error message: the database file, or "an in-memory database"."""
    row = con.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchone()
    return "an in-memory database" if row is None or row[0] is None else str(row[0])


@dataclass(frozen=True)
class Marts:
    """The frames the report is drawn from: the columns of :data:`READS`, ordered by :data:`ORDER_BY`."""

    daily: pd.DataFrame
    episodes: pd.DataFrame
    rotation: pd.DataFrame
    performance: pd.DataFrame
    cpi_releases: pd.DataFrame  # marts.event_calendar's CPI rows


def read_table(con: duckdb.DuckDBPyConnection, mart: str) -> pd.DataFrame:
    """The columns of ``mart`` listed in :data:`READS`, ordered by :data:`ORDER_BY`.

    A missing table, or a column of :data:`READS` the table lacks, is a ``ValueError`` naming the
    table, the columns, the contract file that should declare them and the database read.
    """
    name = table(mart)
    try:
        con.execute(f"select * from {name} limit 0")
    except duckdb.CatalogException as e:
        raise ValueError(
            f"table {name} does not exist in {_database(con)}: build the dbt marts first (dbt build) "
            f"before rendering the report (its contract: {_contract_name(mart)})"
        ) from e
    present = [d[0] for d in con.description]
    missing = [c for c in READS[mart] if c not in present]
    if missing:
        found = [
            f"{c} (closest present: {', '.join(close)})"
            if (close := difflib.get_close_matches(c, present, 3))
            else c
            for c in missing
        ]
        raise ValueError(
            f"table {name} in {_database(con)} lacks the column(s) {'; '.join(found)} that the report reads "
            f"(warehouse/report/data.py READS) and that its contract {_contract_name(mart)} declares: "
            "rebuild and publish the dbt marts, or, if the contract renamed the column, rename it in READS"
        )
    select = ", ".join(f'"{c}"' for c in READS[mart])
    order = ", ".join(ORDER_BY[mart])
    where, params = "", []
    if mart in WHERE:
        column, value = WHERE[mart]
        where, params = f' where "{column}" = ?', [value]
    return con.execute(f"select {select} from {name}{where} order by {order}", params).df()


def read(con: duckdb.DuckDBPyConnection) -> Marts:
    """The marts of the report from an open connection (serving's, or a test's)."""
    return Marts(
        daily=read_table(con, Daily.MART),
        episodes=read_table(con, Episodes.MART),
        rotation=read_table(con, Rotation.MART),
        performance=read_table(con, Performance.MART),
        cpi_releases=read_table(con, Events.MART),
    )


def read_serving(serving_db: Path) -> Marts:
    """The marts of the report from the serving file, opened read-only."""
    with db.connect(serving_db, read_only=True) as con:
        return read(con)


# --- columns as arrays (the marts' nullable dtypes made plain) ----------------------------------------


def floats(s: pd.Series) -> np.ndarray:
    """A column as float64 with NaN for nulls (nullable Int/boolean dtypes included)."""
    return pd.to_numeric(s, errors="coerce").astype("float64").to_numpy()


def flags(s: pd.Series) -> np.ndarray:
    """A boolean column as a plain bool array, null = False."""
    return s.astype("boolean").fillna(False).astype(bool).to_numpy()


def dates(s: pd.Series) -> np.ndarray:
    return pd.to_datetime(s).to_numpy(dtype="datetime64[ns]")


def to_date(value: object) -> dt.date | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


def column_descriptions(mart: str) -> dict[str, str]:
    """Each column's description in the mart's dbt YAML contract (empty when the file is absent, e.g.
    an installed package without the dbt project)."""
    path = contract_path(mart)
    if not path.is_file():
        return {}
    import yaml  # dbt's dependency; only the report's glossary needs it

    models = yaml.safe_load(path.read_text(encoding="utf-8")).get("models") or []
    for model in models:
        if model.get("name") == mart:
            return {
                c["name"]: " ".join(str(c.get("description") or "").split())
                for c in model.get("columns") or []
            }
    return {}
