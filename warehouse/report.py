"""A static HTML report of the rotation marts, with PNG charts (pure rendering: read, draw, write).

:func:`render_report` reads three dbt marts from an open DuckDB connection
(``marts.rotation_daily``, ``marts.rotation_episodes``, ``marts.relative_rotation``) and writes

* ``<out_dir>/charts/<name>.png`` for each name in :data:`CHART_NAMES`, and
* ``<out_dir>/rotation_report.html``, a single self-contained file: the same PNGs are embedded as
  base64 ``data:`` URIs, so it can be mailed or opened offline.

Every file is written atomically (temporary file in the same directory, then ``os.replace``), so a
reader never sees a half-written report. Empty tables and all-null columns never crash the report: the
chart says "no data" and a warning is returned in :attr:`Report.warnings`. Charts are drawn on
``matplotlib.figure.Figure`` objects directly (no pyplot global state, no display).

Units: fractions are fractions in the marts (0.05 = 5%) and are shown as percents in the report.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch, Rectangle  # noqa: E402
from matplotlib.ticker import PercentFormatter  # noqa: E402

CHART_NAMES = (
    "relative_strength",
    "spread_percentile",
    "rate_correlation",
    "positioning",
    "relative_rotation",
)

HTML_NAME = "rotation_report.html"
RECENT_YEARS = 3  # the span of the time-series charts
CHARTS_DIR = "charts"

ROTATION_DAILY = "marts.rotation_daily"
ROTATION_EPISODES = "marts.rotation_episodes"
RELATIVE_ROTATION = "marts.relative_rotation"
TABLES = (ROTATION_DAILY, ROTATION_EPISODES, RELATIVE_ROTATION)

FIGSIZE = (11.0, 5.0)
DPI = 100
RRG_TAIL_POINTS = 10
EPISODE_PAIR = "^RUT/^GSPC"
EPISODE_HORIZON = "21d"
EPISODES_SHOWN = 10
NO_VALUE = "—"

# (column prefix, label) of the spread pairs, and their horizons in trading days
PAIRS = (("rut_gspc", "^RUT − ^GSPC"), ("rut_ndx", "^RUT − ^NDX"))
HORIZONS = (5, 10, 21)
# (column, label) of the 63-day correlations of daily index returns with daily DGS2 changes
CORRELATIONS = (
    ("rut_dgs2_corr_63d", "^RUT vs DGS2"),
    ("gspc_dgs2_corr_63d", "^GSPC vs DGS2"),
    ("ndx_dgs2_corr_63d", "^NDX vs DGS2"),
)
# (column stem, label) of the CFTC positioning series
POSITIONING = (
    ("rut_lev", "Russell 2000 leveraged funds"),
    ("rut_am", "Russell 2000 asset managers"),
    ("ndx_lev", "Nasdaq-100 leveraged funds"),
    ("ndx_am", "Nasdaq-100 asset managers"),
)

DAILY_COLUMNS: tuple[str, ...] = (
    "date",
    "rut_close",
    "gspc_close",
    "ndx_close",
    *(
        name
        for p, _ in PAIRS
        for h in HORIZONS
        for name in (
            f"{p}_spread_{h}d",
            f"{p}_spread_{h}d_rank_to_date",
            f"{p}_spread_{h}d_pctrank_to_date",
            f"{p}_is_record_{h}d",
        )
    ),
    *(c for c, _ in CORRELATIONS),
    "dgs2_level_pct",
    "dgs2_change_bp",
    "cut_probability_next_fomc",
    *(f"{s}_{suffix}" for s, _ in POSITIONING for suffix in ("net_share_oi", "net_share_oi_pctrank_156r")),
    "vix_level",
    "copper_gold_ratio",
    "smb_21d",
    "megacap_minus_gspc_21d",
    "hyg_return_21d",
    "megacap_index_weight",
    "megacap_share_of_index_ytd_total_return",
    "megacap_next_year_revenue_breadth_30cd",
)
EPISODE_COLUMNS = (
    "pair",
    "horizon",
    "direction",
    "start_date",
    "peak_date",
    "end_date",
    "trading_days",
    "peak_spread",
    "peak_rank_full_history",
    "is_ongoing",
    "dgs2_change_bp",
)
RRG_COLUMNS = ("date", "segment", "benchmark", "rs_ratio", "rs_momentum", "quadrant", "is_week_end")

CHART_TITLES = {
    "relative_strength": "Relative strength of small caps",
    "spread_percentile": "How extreme is the ^RUT − ^GSPC return spread?",
    "rate_correlation": "Rate sensitivity: correlation with the 2-year Treasury yield",
    "positioning": "Futures positioning (CFTC)",
    "relative_rotation": "Relative rotation graph (vs SPY, weekly)",
}
CHART_HOWTO = {
    "relative_strength": (
        "Each line is the ratio of ^RUT to a large-cap index, rebased to 100 at the first date shown (the last "
        "three years): a rising line means small caps outperform; green bands are 21-day episodes where ^RUT led ^GSPC, red "
        "bands episodes where it lagged."
    ),
    "spread_percentile": (
        "The point-in-time percentile of the 5-day and 21-day ^RUT − ^GSPC return spread among all "
        "spreads up to that date: above the dashed 99% line small caps are beating large caps by a "
        "historically rare margin, below 1% they trail by one; diamonds mark new 21-day records."
    ),
    "rate_correlation": (
        "The 63-day correlation of each index's daily returns with daily changes of the 2-year yield: "
        "below zero the index falls when yields rise (rate-sensitive), above zero it rises with them."
    ),
    "positioning": (
        "Where each trader group's net position (share of open interest) stands within its own last "
        "156 weeks: near 100% it is the most net long in three years, near 0% the most net short."
    ),
    "relative_rotation": (
        "Each segment's relative strength against SPY (x, 100 = in line) and its momentum (y, 100 = "
        "steady), with a tail of its last 10 weekly points; segments usually rotate clockwise: "
        "improving, leading, weakening, lagging."
    ),
}
QUADRANTS = (
    # (name, x0, y0 in axes coordinates, face colour, label position, alignment)
    ("leading", 0.5, 0.5, "#2ca02c", (0.98, 0.97), ("right", "top")),
    ("weakening", 0.5, 0.0, "#e08e0b", (0.98, 0.03), ("right", "bottom")),
    ("lagging", 0.0, 0.0, "#d62728", (0.02, 0.03), ("left", "bottom")),
    ("improving", 0.0, 0.5, "#1f77b4", (0.02, 0.97), ("left", "top")),
)


@dataclass(frozen=True)
class Report:
    """What :func:`render_report` wrote."""

    html_path: Path
    charts: dict[str, Path]  # chart name -> PNG path, in the order of CHART_NAMES
    as_of: dt.date | None  # max(date) of marts.rotation_daily; None when it is empty
    warnings: list[str]


# --- reading ------------------------------------------------------------------------------------------


def _read(con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str], order_by: str) -> pd.DataFrame:
    """Select ``columns`` of ``table``; a missing table or column becomes a clear ``ValueError``."""
    try:
        con.execute(f"select * from {table} limit 0")
    except duckdb.CatalogException as e:
        raise ValueError(
            f"table {table} does not exist: build the dbt marts first (dbt build) before rendering the report"
        ) from e
    present = {d[0] for d in con.description}
    missing = [c for c in columns if c not in present]
    if missing:
        raise ValueError(
            f"table {table} lacks columns the report needs: {', '.join(missing)}; rebuild the dbt marts"
        )
    select = ", ".join(f'"{c}"' for c in columns)
    return con.execute(f"select {select} from {table} order by {order_by}").df()


def _floats(s: pd.Series) -> np.ndarray:
    """A column as float64 with NaN for nulls (nullable Int/boolean dtypes included)."""
    return pd.to_numeric(s, errors="coerce").astype("float64").to_numpy()


def _flags(s: pd.Series) -> np.ndarray:
    """A boolean column as a plain bool array, null = False."""
    return s.astype("boolean").fillna(False).astype(bool).to_numpy()


def _dates(s: pd.Series) -> np.ndarray:
    return pd.to_datetime(s).to_numpy(dtype="datetime64[ns]")


def _to_date(value: object) -> dt.date | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


def rrg_tails(df: pd.DataFrame, points: int = RRG_TAIL_POINTS) -> pd.DataFrame:
    """The tail of each segment in a relative rotation graph: its last ``points`` week-end rows.

    Keeps rows with ``is_week_end`` true (null = false) and non-null ``rs_ratio``/``rs_momentum``, then
    the last ``points`` of them per segment; the result is sorted by segment, then date ascending (so
    the last row of each segment is its latest point) with a fresh index.
    """
    if df.empty:
        return df.iloc[0:0].reset_index(drop=True)
    keep = (
        _flags(df["is_week_end"]) & df["rs_ratio"].notna().to_numpy() & df["rs_momentum"].notna().to_numpy()
    )
    weekly = df.loc[keep].sort_values(["segment", "date"], kind="stable")
    return weekly.groupby("segment", sort=True).tail(points).reset_index(drop=True)


# --- charts -------------------------------------------------------------------------------------------


def _figure() -> tuple[Figure, Axes]:
    fig = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    ax.grid(True, color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    return fig, ax


def _no_data(ax: Axes, why: str = "no data") -> None:
    ax.text(0.5, 0.5, why, transform=ax.transAxes, ha="center", va="center", fontsize=16, color="#888888")
    ax.set_xticks([])
    ax.set_yticks([])


def _plot_lines(
    ax: Axes,
    chart: str,
    dates: np.ndarray,
    lines: Sequence[tuple[str, np.ndarray, dict]],
    warn: Callable[[str], None],
) -> bool:
    """Plot each ``(label, values, plot keywords)`` that has a value, warning for an all-null one;
    False (nothing drawn) when none has a value."""
    if not any(np.isfinite(y).any() for _, y, _ in lines):
        return False
    for label, y, style in lines:
        if np.isfinite(y).any():
            ax.plot(dates, y, label=label, **style)
        else:
            warn(f"{chart}: {label} is all null, line omitted")
    return True


def _date_axis(ax: Axes) -> None:
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_xlabel("date")


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=DPI)
    finally:
        fig.clear()
    return buf.getvalue()


def _rebased(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = numerator / denominator
    ratio[~np.isfinite(ratio) | (ratio <= 0)] = np.nan
    valid = np.flatnonzero(~np.isnan(ratio))
    return ratio if valid.size == 0 else ratio / ratio[valid[0]] * 100.0


def _chart_relative_strength(
    daily: pd.DataFrame, episodes: pd.DataFrame, warn: Callable[[str], None]
) -> bytes:
    fig, ax = _figure()
    ax.set_title(CHART_TITLES["relative_strength"])
    dates = _dates(daily["date"])
    series = [
        ("^RUT/^GSPC", _rebased(_floats(daily["rut_close"]), _floats(daily["gspc_close"])), "#1f77b4"),
        ("^RUT/^NDX", _rebased(_floats(daily["rut_close"]), _floats(daily["ndx_close"])), "#9467bd"),
    ]
    drawn = [(label, y, colour) for label, y, colour in series if np.isfinite(y).any()]
    for label, y, _ in series:
        if daily.size and not np.isfinite(y).any():
            warn(f"relative_strength: the {label} ratio has no valid closes, line omitted")
    if not drawn:
        warn("relative_strength: no valid index closes, chart shows 'no data'")
        _no_data(ax)
        return _png(fig)

    handles = [
        ax.plot(dates, y, color=colour, linewidth=1.2, label=f"{label} (rebased to 100)")[0]
        for label, y, colour in drawn
    ]
    ep = episodes[(episodes["pair"] == EPISODE_PAIR) & (episodes["horizon"] == EPISODE_HORIZON)]
    first_date, last_date = dates.min(), dates.max()
    shading = {
        "numerator_leads": ("#2ca02c", "^RUT led ^GSPC (21d episode)"),
        "numerator_lags": ("#d62728", "^RUT lagged ^GSPC (21d episode)"),
    }
    for direction, (colour, label) in shading.items():
        rows = ep[ep["direction"] == direction]
        spans = 0
        for start, end in zip(rows["start_date"], rows["end_date"], strict=True):
            if pd.isna(start):
                continue
            end = last_date if pd.isna(end) else np.datetime64(pd.Timestamp(end), "ns")
            if end < first_date:  # before the span shown
                continue
            start = max(np.datetime64(pd.Timestamp(start), "ns"), first_date)
            ax.axvspan(start, end, color=colour, alpha=0.15, linewidth=0)
            spans += 1
        if spans:
            handles.append(Patch(facecolor=colour, alpha=0.15, label=label))
    ax.axhline(100, color="#555555", linewidth=0.8, linestyle=":")
    ax.set_ylabel("ratio of closes, rebased (first date shown = 100)")
    _date_axis(ax)
    ax.legend(handles=handles, loc="upper left", fontsize=9, framealpha=0.9)
    return _png(fig)


def _chart_spread_percentile(daily: pd.DataFrame, warn: Callable[[str], None]) -> bytes:
    fig, ax = _figure()
    ax.set_title(CHART_TITLES["spread_percentile"])
    dates = _dates(daily["date"])
    lines = [
        (
            "5-day spread percentile",
            _floats(daily["rut_gspc_spread_5d_pctrank_to_date"]),
            {"color": "#aec7e8", "linewidth": 0.9},
        ),
        (
            "21-day spread percentile",
            _floats(daily["rut_gspc_spread_21d_pctrank_to_date"]),
            {"color": "#1f77b4", "linewidth": 1.3},
        ),
    ]
    if not _plot_lines(ax, "spread_percentile", dates, lines, warn):
        warn("spread_percentile: no ^RUT/^GSPC spread percentiles, chart shows 'no data'")
        _no_data(ax)
        return _png(fig)
    ax.axhline(0.99, color="#2ca02c", linestyle="--", linewidth=1, label="99% / 1%")
    ax.axhline(0.01, color="#d62728", linestyle="--", linewidth=1)
    records = _flags(daily["rut_gspc_is_record_21d"]) & np.isfinite(lines[1][1])
    if records.any():
        ax.plot(
            dates[records],
            lines[1][1][records],
            linestyle="none",
            marker="D",
            markersize=5,
            color="#ff7f0e",
            label="new 21-day record",
        )
    ax.set_ylim(-0.03, 1.03)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))
    ax.set_ylabel("point-in-time percentile (%)")
    _date_axis(ax)
    ax.legend(loc="lower left", fontsize=9, framealpha=0.9, ncols=2)
    return _png(fig)


def _chart_rate_correlation(daily: pd.DataFrame, warn: Callable[[str], None]) -> bytes:
    fig, ax = _figure()
    ax.set_title(CHART_TITLES["rate_correlation"])
    dates = _dates(daily["date"])
    colours = ("#d62728", "#1f77b4", "#9467bd")
    lines = [
        (label, _floats(daily[c]), {"color": colour, "linewidth": 1.1})
        for (c, label), colour in zip(CORRELATIONS, colours, strict=True)
    ]
    if not _plot_lines(ax, "rate_correlation", dates, lines, warn):
        warn("rate_correlation: all correlations are null, chart shows 'no data'")
        _no_data(ax)
        return _png(fig)
    ax.axhline(0, color="#333333", linewidth=0.9)
    ax.set_ylim(-1, 1)
    ax.set_ylabel("63-day correlation (−1 to 1)")
    _date_axis(ax)
    ax.legend(loc="lower left", fontsize=9, framealpha=0.9, ncols=3)
    return _png(fig)


def _chart_positioning(daily: pd.DataFrame, warn: Callable[[str], None]) -> bytes:
    fig, ax = _figure()
    ax.set_title(CHART_TITLES["positioning"])
    columns = [f"{stem}_net_share_oi_pctrank_156r" for stem, _ in POSITIONING]
    values = np.column_stack([_floats(daily[c]) for c in columns]) if len(daily) else np.empty((0, 4))
    known = np.flatnonzero(np.isfinite(values).any(axis=1))
    if not known.size:
        warn("positioning: no positioning percentiles, chart shows 'no data'")
        _no_data(ax)
        return _png(fig)
    # from the first to the last date with a value: a gap in the reports stays a gap in the lines
    rows = slice(known[0], known[-1] + 1)
    dates = _dates(daily["date"])[rows]
    styles = (("#d62728", "-"), ("#d62728", "--"), ("#1f77b4", "-"), ("#1f77b4", "--"))
    lines = [
        (
            label,
            values[rows, i],
            {"drawstyle": "steps-post", "color": colour, "linestyle": style, "linewidth": 1.1},
        )
        for i, ((_, label), (colour, style)) in enumerate(zip(POSITIONING, styles, strict=True))
    ]
    _plot_lines(ax, "positioning", dates, lines, warn)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))
    ax.set_ylabel("percentile of net share of open interest, 156 weeks (%)")
    _date_axis(ax)
    ax.legend(loc="upper left", fontsize=9, framealpha=0.9, ncols=2)
    return _png(fig)


def _chart_relative_rotation(rrg: pd.DataFrame, warn: Callable[[str], None]) -> bytes:
    fig, ax = _figure()
    ax.set_title(CHART_TITLES["relative_rotation"])
    tails = rrg_tails(rrg)
    if tails.empty:
        warn(
            "relative_rotation: no rows, chart shows 'no data'"
            if rrg.empty
            else "relative_rotation: no week-end rows with rs_ratio and rs_momentum, chart shows 'no data'"
        )
        _no_data(ax)
        return _png(fig)
    x, y = _floats(tails["rs_ratio"]), _floats(tails["rs_momentum"])
    # symmetric around 100 so that the quadrants split the plot in four equal parts
    dx = max(float(np.abs(x - 100).max()) * 1.15, 0.5)
    dy = max(float(np.abs(y - 100).max()) * 1.15, 0.5)
    ax.set_xlim(100 - dx, 100 + dx)
    ax.set_ylim(100 - dy, 100 + dy)
    for name, x0, y0, colour, (tx, ty), (ha, va) in QUADRANTS:
        ax.add_patch(
            Rectangle(
                (x0, y0),
                0.5,
                0.5,
                transform=ax.transAxes,
                facecolor=colour,
                alpha=0.07,
                edgecolor="none",
                zorder=0,
            )
        )
        ax.text(
            tx,
            ty,
            name,
            transform=ax.transAxes,
            ha=ha,
            va=va,
            fontsize=11,
            color=colour,
            fontweight="bold",
            alpha=0.8,
        )
    ax.axvline(100, color="#555555", linewidth=0.8)
    ax.axhline(100, color="#555555", linewidth=0.8)
    colours = matplotlib.colormaps["tab10"]
    for i, (segment, tail) in enumerate(tails.groupby("segment", sort=True)):
        colour = colours(i % 10)
        tx, ty = _floats(tail["rs_ratio"]), _floats(tail["rs_momentum"])
        label = (
            f"{segment} vs {tail['benchmark'].iloc[-1]}"
            if pd.notna(tail["benchmark"].iloc[-1])
            else str(segment)
        )
        ax.plot(tx, ty, color=colour, linewidth=1.1, marker="o", markersize=3, alpha=0.8, label=label)
        ax.plot(
            tx[-1:],
            ty[-1:],
            color=colour,
            marker="o",
            markersize=9,
            linestyle="none",
            markeredgecolor="white",
        )
        ax.annotate(
            str(segment),
            (tx[-1], ty[-1]),
            xytext=(6, 6),
            textcoords="offset points",
            fontsize=9,
            fontweight="bold",
            color=colour,
        )
    latest = _to_date(tails["date"].max())
    ax.set_xlabel("RS-ratio (relative strength vs benchmark, 100 = in line)")
    ax.set_ylabel("RS-momentum (100 = steady)")
    ax.legend(
        loc="center left",
        bbox_to_anchor=(1.01, 0.5),
        fontsize=9,
        title=f"last {RRG_TAIL_POINTS} weeks to {latest}",
        title_fontsize=9,
    )
    return _png(fig)


# --- HTML ---------------------------------------------------------------------------------------------


def _isnull(value: object) -> bool:
    return value is None or bool(pd.isna(value))


def _fmt(value: object, fmt: Callable[[float], str]) -> str:
    return NO_VALUE if _isnull(value) else fmt(float(value))  # type: ignore[arg-type]


def fmt_pct(value: object, decimals: int = 2, *, signed: bool = False) -> str:
    """A fraction as a percent: 0.0123 -> '1.23%' ('+1.23%' when signed); null -> '—'."""
    sign = "+" if signed else ""
    return _fmt(value, lambda v: f"{v * 100:{sign}.{decimals}f}%")


def fmt_num(value: object, spec: str) -> str:
    """A number with a format spec ('.2f', '+.1f', ...); null -> '—'."""
    return _fmt(value, lambda v: format(v, spec))


def fmt_int(value: object) -> str:
    return _fmt(value, lambda v: str(int(v)))


def fmt_date(value: object) -> str:
    d = _to_date(value)
    return NO_VALUE if d is None else d.isoformat()


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, numeric_from: int = 1) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="num">{html.escape(c)}</td>' if i >= numeric_from else f"<td>{html.escape(c)}</td>"
            for i, c in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _latest_reading(daily: pd.DataFrame) -> str:
    if daily.empty:
        return '<p class="empty">No rows in marts.rotation_daily.</p>'
    row = daily.iloc[-1]
    spreads = []
    for prefix, label in PAIRS:
        for h in HORIZONS:
            record = row[f"{prefix}_is_record_{h}d"]
            spreads.append(
                [
                    label,
                    f"{h}d",
                    fmt_pct(row[f"{prefix}_spread_{h}d"], signed=True),
                    fmt_pct(row[f"{prefix}_spread_{h}d_pctrank_to_date"], 1),
                    fmt_int(row[f"{prefix}_spread_{h}d_rank_to_date"]),
                    NO_VALUE if _isnull(record) else ("yes" if bool(record) else "no"),
                ]
            )
    spread_table = _table(
        [
            "Pair",
            "Horizon",
            "Return spread",
            "Percentile (point in time)",
            "Rank (1 = largest)",
            "New record",
        ],
        spreads,
        numeric_from=2,
    )
    others: list[list[str]] = [
        ["^RUT close", fmt_num(row["rut_close"], ",.2f")],
        ["^GSPC close", fmt_num(row["gspc_close"], ",.2f")],
        ["^NDX close", fmt_num(row["ndx_close"], ",.2f")],
        *([f"63-day correlation, {label}", fmt_num(row[c], "+.2f")] for c, label in CORRELATIONS),
        [
            "2-year Treasury yield (DGS2)",
            fmt_num(row["dgs2_level_pct"], ".2f") + ("" if _isnull(row["dgs2_level_pct"]) else "%"),
        ],
        [
            "DGS2 daily change",
            fmt_num(row["dgs2_change_bp"], "+.1f") + ("" if _isnull(row["dgs2_change_bp"]) else " bp"),
        ],
        ["Cut probability at the next FOMC", fmt_pct(row["cut_probability_next_fomc"], 1)],
    ]
    for stem, label in POSITIONING:
        others.append(
            [f"{label}: net share of open interest", fmt_pct(row[f"{stem}_net_share_oi"], 1, signed=True)]
        )
        others.append([f"{label}: 156-week percentile", fmt_pct(row[f"{stem}_net_share_oi_pctrank_156r"], 1)])
    others += [
        ["VIX", fmt_num(row["vix_level"], ".2f")],
        ["Copper/gold ratio", fmt_num(row["copper_gold_ratio"], ".4g")],
        ["SMB factor, 21 days", fmt_pct(row["smb_21d"], signed=True)],
        ["Megacap minus ^GSPC, 21 days", fmt_pct(row["megacap_minus_gspc_21d"], signed=True)],
        ["HYG return, 21 days", fmt_pct(row["hyg_return_21d"], signed=True)],
        ["Mega caps' weight in the S&P 500", fmt_pct(row["megacap_index_weight"], 1)],
        [
            "Mega caps' share of the S&P 500's year-to-date return",
            fmt_pct(row["megacap_share_of_index_ytd_total_return"], 1),
        ],
        [
            "Mega-cap next-year revenue revisions breadth, 30 days (-1..+1)",
            fmt_num(row["megacap_next_year_revenue_breadth_30cd"], "+.2f"),
        ],
    ]
    return (
        f"<p>Values of {html.escape(fmt_date(row['date']))}.</p>"
        + spread_table
        + _table(["Indicator", "Value"], others)
    )


def _episodes_html(episodes: pd.DataFrame) -> str:
    ep = episodes[(episodes["pair"] == EPISODE_PAIR) & (episodes["horizon"] == EPISODE_HORIZON)]
    parts = []
    for direction, heading in (
        ("numerator_leads", "^RUT leads ^GSPC"),
        ("numerator_lags", "^RUT lags ^GSPC"),
    ):
        rows = ep[ep["direction"] == direction].sort_values(
            ["peak_rank_full_history", "start_date"], na_position="last"
        )
        parts.append(f"<h3>{html.escape(heading)}</h3>")
        if rows.empty:
            parts.append('<p class="empty">No episodes.</p>')
            continue
        body = []
        for r in rows.head(EPISODES_SHOWN).itertuples(index=False):
            ongoing = not _isnull(r.is_ongoing) and bool(r.is_ongoing)
            body.append(
                [
                    fmt_int(r.peak_rank_full_history),
                    fmt_date(r.start_date),
                    fmt_date(r.peak_date),
                    fmt_date(r.end_date) + (" (ongoing)" if ongoing else ""),
                    fmt_int(r.trading_days),
                    fmt_pct(r.peak_spread, signed=True),
                    fmt_num(r.dgs2_change_bp, "+.1f"),
                ]
            )
        parts.append(
            _table(
                ["Rank", "Start", "Peak", "End", "Trading days", "Peak spread", "DGS2 change (bp)"],
                body,
                numeric_from=4,
            )
        )
    return "".join(parts)


CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #222; max-width: 1160px;
       margin: 1.5em auto; padding: 0 1em; line-height: 1.45; }
h1 { margin-bottom: 0.1em; }
.subtitle { color: #555; margin: 0; }
.asof { color: #555; margin-top: 0.2em; font-weight: 600; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; font-size: 0.92em; }
th, td { padding: 0.25em 0.7em; border-bottom: 1px solid #e3e3e3; text-align: left; }
th { background: #f4f4f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; height: auto; border: 1px solid #eee; }
.howto { color: #444; }
.empty { color: #888; font-style: italic; }
.warnings { color: #8a5a00; }
footer { margin-top: 2em; color: #777; font-size: 0.85em; border-top: 1px solid #ddd; padding-top: 0.5em; }
"""


def _html(
    *,
    subtitle: str,
    as_of: dt.date | None,
    latest: str,
    episodes: str,
    pngs: dict[str, bytes],
    warnings: Sequence[str],
    generated: dt.datetime,
) -> str:
    e = html.escape
    charts = []
    for name, png in pngs.items():
        data = base64.b64encode(png).decode("ascii")
        charts.append(
            f'<section id="{e(name)}"><h2>{e(CHART_TITLES[name])}</h2>'
            f'<p class="howto">{e(CHART_HOWTO[name])}</p>'
            f'<img src="data:image/png;base64,{data}" alt="{e(CHART_TITLES[name])}" width="{int(FIGSIZE[0] * DPI)}">'
            "</section>"
        )
    warning_html = ""
    if warnings:
        items = "".join(f"<li>{e(w)}</li>" for w in warnings)
        warning_html = f'<section class="warnings"><h2>Warnings</h2><ul>{items}</ul></section>'
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Rotation report{e(' — ' + as_of.isoformat()) if as_of else ''}</title>"
        f"<style>{CSS}</style></head><body>\n"
        "<h1>Rotation report</h1>\n"
        + (f'<p class="subtitle">{e(subtitle)}</p>\n' if subtitle else "")
        + f'<p class="asof">as of {e(as_of.isoformat() if as_of else "— (no data)")}</p>\n'
        + warning_html
        + f"<h2>Latest reading</h2>\n{latest}\n"
        + f"<h2>{e('Largest ^RUT/^GSPC episodes (21d)')}</h2>\n{episodes}\n"
        + "\n".join(charts)
        + f"\n<footer>Generated {e(generated.strftime('%Y-%m-%d %H:%M:%S'))} UTC from "
        + e(", ".join(TABLES))
        + ".</footer>\n</body></html>\n"
    )


# --- writing ------------------------------------------------------------------------------------------


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file next to ``path`` and rename it over ``path``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)  # a report is for reading: not mkstemp's owner-only 0600
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def render_report(
    con: duckdb.DuckDBPyConnection, out_dir: Path, *, subtitle: str = "", years: int = RECENT_YEARS
) -> Report:
    """Render the rotation report from the marts in ``con`` into ``out_dir``.

    The time-series charts show the last ``years`` years up to the latest date (the whole history is
    too dense to read day by day); the tables and the relative rotation graph are not cut.

    Raises ``ValueError`` when a mart table (or a column the report reads) is missing.
    """
    daily = _read(con, ROTATION_DAILY, DAILY_COLUMNS, "date")
    episodes = _read(con, ROTATION_EPISODES, EPISODE_COLUMNS, "start_date")
    rrg = _read(con, RELATIVE_ROTATION, RRG_COLUMNS, "segment, date")

    warnings: list[str] = []
    warn = warnings.append
    if daily.empty:
        warn(f"{ROTATION_DAILY} has no rows: the latest reading is empty")
    as_of = _to_date(daily["date"].max()) if not daily.empty else None

    recent = daily
    if as_of is not None:
        since = pd.Timestamp(as_of) - pd.DateOffset(years=years)
        recent = daily[pd.to_datetime(daily["date"]) > since].reset_index(drop=True)
    pngs: dict[str, bytes] = {
        "relative_strength": _chart_relative_strength(recent, episodes, warn),
        "spread_percentile": _chart_spread_percentile(recent, warn),
        "rate_correlation": _chart_rate_correlation(recent, warn),
        "positioning": _chart_positioning(recent, warn),
        "relative_rotation": _chart_relative_rotation(rrg, warn),
    }
    assert tuple(pngs) == CHART_NAMES

    out_dir = Path(out_dir)
    charts_dir = out_dir / CHARTS_DIR
    charts_dir.mkdir(parents=True, exist_ok=True)
    charts: dict[str, Path] = {}
    for name, png in pngs.items():
        charts[name] = charts_dir / f"{name}.png"
        _write_atomic(charts[name], png)

    page = _html(
        subtitle=subtitle,
        as_of=as_of,
        latest=_latest_reading(daily),
        episodes=_episodes_html(episodes),
        pngs=pngs,
        warnings=warnings,
        generated=dt.datetime.now(dt.UTC),
    )
    html_path = out_dir / HTML_NAME
    _write_atomic(html_path, page.encode("utf-8"))
    return Report(html_path=html_path, charts=charts, as_of=as_of, warnings=warnings)
