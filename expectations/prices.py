"""The quality gate of ``raw.prices``: what must hold before any model is built on it."""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

import duckdb
import pandas as pd

from expectations.runner import ValidationOutcome, validate_duckdb
from ingestion.calendar import on_session
from ingestion.universe import DEFAULT_SESSION, SESSIONS
from warehouse import db

# A daily move of a price instrument beyond a factor of 3 (|log return| > ln 3 ≈ 1.10) is taken as
# broken data (a unit change, a missing split adjustment, a typo), not a market move. The largest real
# moves in the snapshot are far below it: ^VIX +115% on 2018-02-05 (|log| 0.77), AAPL -52% on
# 2000-09-29 (0.73), MSFT 1987-10-19 (0.36). A 100x unit jump is |log| 4.6.
MAX_ABS_LOG_MOVE = math.log(3)

# Yahoo's history has isolated bars whose intraday range is inverted (the snapshot's GC=F 2009-11-23:
# high 1163.0, low 1164.3). No mart reads high or low, so such bars are reported (as tolerated
# exceptions in the check's metadata) without blocking. A symbol with more than 0.1% of its bars
# inverted (e.g. swapped columns in one file) blocks.
MAX_INVERTED_SHARE = 0.001

INDEX_COLUMNS = ["symbol", "date"]


PRICE_COLUMNS = ("open", "high", "low", "close", "adj_close")


def validation_table(
    con: duckdb.DuckDBPyConnection,
    target: str,
    window: str,
    history: str | None,
    quote_types: Mapping[str, str],
    sessions: Mapping[str, str] | None = None,
    params: Mapping[str, object] | None = None,
) -> int:
    """Create ``target`` in ``con``: the ``window`` rows plus the derived columns the suite checks,
    computed by DuckDB; returns its row count. Sorted by symbol and date (GX's examples come in
    that order).

    ``window`` is a relation (or parenthesized query, with ``params``) of ``raw.prices``' checked
    columns (symbol, date, open, high, low, close, adj_close, volume): the rows of one window (the
    latest load's, or an earlier one re-validated), or a whole table. ``history`` (or None) is a
    relation of (symbol, inverted_share, previous_basis): the share of the symbol's bars inverted
    over its whole history and its returns basis on the last row before the window (what the
    window's first move is measured from). NaN in the price columns counts as missing (null).

    - ``quote_type``: from the instrument seed (``price`` or ``yield``; unknown symbols are ``price``);
      yields (``^IRX``, ``2YY=F``) may be zero or negative and are exempt from positivity and moves.
    - ``min_price``: the smallest of open/high/low/close/adj_close on the row (nulls ignored).
    - ``inverted_share``: the share of the symbol's bars (with both high and low) where high < low:
      ``history``'s, or without it the window's.
    - ``log_move``: |log| change of the returns basis (adj_close, else close) against the symbol's
      previous row (the window's first row: ``history``'s previous_basis); null where either is
      missing or not positive.
    - ``date_number``: the date as the integer YYYYMMDD (the future-dates rule compares numbers).
    - ``on_session``: 1 when the date is a session of the symbol's session (``sessions``: symbol ->
      instruments.csv session; unknown symbols ``DEFAULT_SESSION``). One rule, in Python
      (ingestion/calendar.py ``on_session``), evaluated over the window's distinct dates for each
      session (a few thousand pairs) and joined.
    """
    params = dict(params or {})
    sessions = dict(sessions or {})
    clean = ", ".join(
        f"case when isnan({c}) then null else {c} end as {c}" for c in (*PRICE_COLUMNS, "volume")
    )
    con.execute(
        f"create or replace temp table _gate_window as select symbol, date::date as date, {clean} from {window} w",
        _used(params, window),
    )
    dates = pd.Series(
        pd.to_datetime(
            con.execute("select distinct date from _gate_window where date is not null").df()["date"]
        )
    )
    names = sorted({*SESSIONS, *sessions.values(), DEFAULT_SESSION})
    calendar = pd.DataFrame(
        {
            "session": [n for n in names for _ in range(len(dates))],
            "date": pd.concat([dates] * len(names), ignore_index=True) if names else dates,
            "on_session": pd.concat(
                [on_session(dates, pd.Series([n] * len(dates))).astype("int64") for n in names],
                ignore_index=True,
            ),
        }
    )
    instruments = pd.DataFrame(
        {
            "symbol": pd.Series(sorted({*quote_types, *sessions}), dtype="str"),
        }
    )
    instruments["quote_type"] = instruments["symbol"].map(dict(quote_types)).fillna("price")
    instruments["session"] = instruments["symbol"].map(sessions).fillna(DEFAULT_SESSION)
    con.register("_gate_calendar", calendar)
    con.register("_gate_instruments", instruments)
    if history is None:
        history = (
            "(select symbol, avg(case when high is not null and low is not null then (high < low)::int "
            "end) as inverted_share, null::double as previous_basis from _gate_window group by symbol)"
        )
    con.execute(
        f"create or replace temp table _gate_history as select symbol, inverted_share, previous_basis "
        f"from {history} h",
        _used(params, history),
    )
    con.execute(
        f"""
        create or replace table {target} as
        with ordered as (
            select
                *,
                coalesce(adj_close, close) as _basis,
                lag(coalesce(adj_close, close)) over (partition by symbol order by date) as _previous,
                row_number() over (partition by symbol order by date) = 1 as _first
            from _gate_window
        ),
        moved as (
            select
                o.*,
                h.inverted_share,
                case when o._first then h.previous_basis else o._previous end as _from
            from ordered o
            left join _gate_history h on h.symbol = o.symbol
        )
        select
            m.symbol, m.date, m.open, m.high, m.low, m.close, m.adj_close, m.volume,
            coalesce(i.quote_type, 'price') as quote_type,
            least(m.open, m.high, m.low, m.close, m.adj_close) as min_price,
            m.inverted_share::double as inverted_share,
            case when m._basis > 0 and m._from > 0 then abs(ln(m._basis / m._from)) end as log_move,
            (year(m.date) * 10000 + month(m.date) * 100 + day(m.date))::bigint as date_number,
            coalesce(c.on_session, 0)::bigint as on_session
        from moved m
        left join _gate_instruments i on i.symbol = m.symbol
        left join _gate_calendar c
            on c.session = coalesce(i.session, '{DEFAULT_SESSION}') and c.date = m.date
        order by m.symbol, m.date
        """
    )
    con.unregister("_gate_calendar")
    con.unregister("_gate_instruments")
    con.execute("drop table _gate_window; drop table _gate_history")
    return con.execute(f"select count(*) from {target}").fetchone()[0]


# The window of raw.prices (the build file attached as ``build``) and its symbols' history: the
# gate validates closes only (partial bars are listed, not validated).
WINDOW_SQL = (
    "(select symbol, date, open, high, low, close, adj_close, volume from build.raw.prices "
    "where not is_partial and ($start is null or date >= $start) and ($end is null or date < $end))"
)
HISTORY_SQL = """(
    select
        symbol,
        avg(case when high is not null and low is not null then (high < low)::int end) as inverted_share,
        arg_max(coalesce(adj_close, close), date) filter (where date < $start) as previous_basis
    from build.raw.prices
    where not is_partial
    group by symbol
)"""


def validate_prices(
    fill: Callable[[duckdb.DuckDBPyConnection], tuple[str, str | None, Mapping[str, object]]],
    quote_types: Mapping[str, str],
    sessions: Mapping[str, str] | None,
    today: dt.date,
) -> ValidationOutcome:
    """The suite validated inside DuckDB: ``fill(con)`` makes the sources readable in a scratch
    DuckDB file (attaches the build file, or registers frames) and returns the window relation, the
    history relation (or None) and the query parameters; the window's validation table is
    materialized there (:func:`validation_table`) and GX's SQL data source validates it, so GX's
    many metric queries scan a plain table. The scratch file (a temporary directory) is GX's
    alone: DuckDB opens a file once per process and configuration, and the build file stays
    with the step's own connections."""
    with tempfile.TemporaryDirectory(prefix="rotation-gate-") as tmp:
        path = Path(tmp) / "gate.duckdb"
        with db.connect(path) as con:
            window, history, params = fill(con)
            rows = validation_table(con, "prices", window, history, quote_types, sessions, params)
            con.execute("detach database if exists build")
        return validate_duckdb(
            "raw_prices",
            path,
            "select * from prices",
            prices_suite(today),
            index_columns=INDEX_COLUMNS,
            rows=rows,
        )


def validate_window(
    build_db: Path,
    start: dt.date | None,
    end: dt.date | None,
    quote_types: Mapping[str, str],
    sessions: Mapping[str, str] | None,
    today: dt.date,
) -> ValidationOutcome:
    """The gate on ``raw.prices``' window ``start`` .. ``end`` (exclusive; None: unbounded) of the
    build file ``build_db``, attached read-only, with its symbols' whole history."""

    return validate_prices(_attach(build_db, start, end), quote_types, sessions, today)


def window_frame(
    build_db: Path,
    start: dt.date | None,
    end: dt.date | None,
    quote_types: Mapping[str, str],
    sessions: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The validation table :func:`validate_window` validates, as a frame (to look at it)."""
    with duckdb.connect() as con:
        window, history, params = _attach(build_db, start, end)(con)
        validation_table(con, "prices", window, history, quote_types, sessions, params)
        return con.execute("select * from prices").df()


def _attach(build_db: Path, start: dt.date | None, end: dt.date | None):
    def fill(con: duckdb.DuckDBPyConnection):
        con.execute(f"attach '{_sql_string(Path(build_db))}' as build (read_only)")
        return WINDOW_SQL, HISTORY_SQL, {"start": start, "end": end}

    return fill


def validate_frame(
    raw: pd.DataFrame,
    quote_types: Mapping[str, str],
    history: pd.DataFrame | None,
    sessions: Mapping[str, str] | None,
    today: dt.date,
) -> ValidationOutcome:
    """The gate on rows given as a frame (``raw.prices``' checked columns) and an optional
    ``history`` frame (index symbol; inverted_share, previous_basis): the same SQL path."""

    def fill(con: duckdb.DuckDBPyConnection):
        con.register("_gate_raw", raw)
        if history is None:
            return "_gate_raw", None, {}
        con.register("_gate_history_frame", history.rename_axis("symbol").reset_index())
        return "_gate_raw", "_gate_history_frame", {}

    return validate_prices(fill, quote_types, sessions, today)


def validation_frame(
    raw: pd.DataFrame,
    quote_types: Mapping[str, str],
    history: pd.DataFrame | None = None,
    sessions: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """:func:`validation_table` on frames, returned as a frame (to look at the derived columns)."""
    with duckdb.connect() as con:
        con.register("_gate_raw", raw)
        source = None
        if history is not None:
            con.register("_gate_history_frame", history.rename_axis("symbol").reset_index())
            source = "_gate_history_frame"
        validation_table(con, "prices", "_gate_raw", source, quote_types, sessions)
        return con.execute("select * from prices").df()


def _used(params: Mapping[str, object], sql: str) -> dict[str, object]:
    """The parameters ``sql`` names (DuckDB refuses named parameters a statement does not use)."""
    return {k: v for k, v in params.items() if f"${k}" in sql}


def _sql_string(path: Path) -> str:
    return str(path).replace("'", "''")


def prices_suite(today: dt.date) -> list:
    """The row-level expectations for ``raw.prices`` (fresh GX objects each call)."""
    import great_expectations as gx
    from great_expectations.expectations.row_conditions import Column

    e = gx.expectations
    # GX's condition objects: translated to SQL (and to pandas) by GX itself
    price_rows = {"row_condition": Column("quote_type") == "price"}
    return [
        e.ExpectColumnValuesToNotBeNull(column="symbol", description="symbol is never null"),
        e.ExpectColumnValuesToNotBeNull(column="date", description="date is never null"),
        e.ExpectColumnValuesToNotBeNull(
            column="close", description="every row has a close (the returns basis)"
        ),
        e.ExpectCompoundColumnsToBeUnique(
            column_list=["symbol", "date"], description="one row per symbol and date"
        ),
        e.ExpectColumnValuesToBeBetween(
            column="min_price",
            min_value=0,
            strict_min=True,
            description="prices are > 0 (open, high, low, close, adj_close of price instruments)",
            **price_rows,
        ),
        e.ExpectColumnValuesToBeBetween(
            column="volume", min_value=0, description="volume is >= 0 where present"
        ),
        e.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="high",
            column_B="low",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            mostly=0.0,  # reported row by row; what blocks is the per-symbol share below
            description="high >= low where both are present (rare exceptions reported, not blocking)",
        ),
        e.ExpectColumnValuesToBeBetween(
            column="inverted_share",
            max_value=MAX_INVERTED_SHARE,
            description=f"at most {MAX_INVERTED_SHARE:.1%} of each symbol's bars have high < low",
        ),
        e.ExpectColumnValuesToBeBetween(
            column="date_number",
            max_value=today.year * 10000 + today.month * 100 + today.day,
            description=f"no future dates (after {today.isoformat()})",
        ),
        e.ExpectColumnValuesToBeBetween(
            column="on_session",
            min_value=1,
            description=(
                "bars on sessions only: no Saturday; Sunday only for CME futures; no NYSE holiday "
                "(from 1998) for the US cash market (rule in ingestion/calendar.py on_session)"
            ),
        ),
        e.ExpectColumnValuesToBeBetween(
            column="log_move",
            max_value=MAX_ABS_LOG_MOVE,
            description="no daily move beyond a factor of 3 (|log return| <= ln 3) for price instruments",
            **price_rows,
        ),
    ]
