"""The five charts of the report, drawn from the frames of :mod:`warehouse.report.data` as PNG bytes.

Charts are drawn on ``matplotlib.figure.Figure`` objects directly (no pyplot global state, no display).
Empty frames and all-null columns never crash a chart: it says "no data" and a warning is passed to
``warn``.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch, Rectangle  # noqa: E402
from matplotlib.ticker import PercentFormatter  # noqa: E402

from warehouse.report.data import Daily, Episodes, Rotation, dates, flags, floats, to_date  # noqa: E402
from warehouse.report.formatting import CORRELATION_LABELS, POSITIONING_LABELS  # noqa: E402

CHART_NAMES = (
    "relative_strength",
    "spread_percentile",
    "rate_correlation",
    "positioning",
    "relative_rotation",
)

FIGSIZE = (11.0, 5.0)
DPI = 100
RRG_TAIL_POINTS = 10

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


def draw(
    recent: pd.DataFrame, episodes: pd.DataFrame, rotation: pd.DataFrame, warn: Callable[[str], None]
) -> dict[str, bytes]:
    """The PNG of each chart, in the order of :data:`CHART_NAMES`: the time series from ``recent`` (the
    rows of marts.rotation_daily to show), the episodes shaded from ``episodes``, the relative rotation
    graph from ``rotation``."""
    pngs: dict[str, bytes] = {
        "relative_strength": _chart_relative_strength(recent, episodes, warn),
        "spread_percentile": _chart_spread_percentile(recent, warn),
        "rate_correlation": _chart_rate_correlation(recent, warn),
        "positioning": _chart_positioning(recent, warn),
        "relative_rotation": _chart_relative_rotation(rotation, warn),
    }
    assert tuple(pngs) == CHART_NAMES
    return pngs


def rrg_tails(df: pd.DataFrame, points: int = RRG_TAIL_POINTS) -> pd.DataFrame:
    """The tail of each segment in a relative rotation graph: its last ``points`` week-end rows.

    Keeps rows with ``is_week_end`` true (null = false) and non-null ``rs_ratio``/``rs_momentum``, then
    the last ``points`` of them per segment; the result is sorted by segment, then date ascending (so
    the last row of each segment is its latest point) with a fresh index.
    """
    if df.empty:
        return df.iloc[0:0].reset_index(drop=True)
    keep = (
        flags(df[Rotation.IS_WEEK_END])
        & df[Rotation.RS_RATIO].notna().to_numpy()
        & df[Rotation.RS_MOMENTUM].notna().to_numpy()
    )
    weekly = df.loc[keep].sort_values([Rotation.SEGMENT, Rotation.DATE], kind="stable")
    return weekly.groupby(Rotation.SEGMENT, sort=True).tail(points).reset_index(drop=True)


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
    x = dates(daily[Daily.DATE])
    rut = floats(daily[Daily.RUT_CLOSE])
    series = [
        ("^RUT/^GSPC", _rebased(rut, floats(daily[Daily.GSPC_CLOSE])), "#1f77b4"),
        ("^RUT/^NDX", _rebased(rut, floats(daily[Daily.NDX_CLOSE])), "#9467bd"),
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
        ax.plot(x, y, color=colour, linewidth=1.2, label=f"{label} (rebased to 100)")[0]
        for label, y, colour in drawn
    ]
    ep = episodes[
        (episodes[Episodes.PAIR] == Episodes.RUT_GSPC) & (episodes[Episodes.HORIZON] == Episodes.HORIZON_21D)
    ]
    first_date, last_date = x.min(), x.max()
    shading = {
        Episodes.LEADS: ("#2ca02c", "^RUT led ^GSPC (21d episode)"),
        Episodes.LAGS: ("#d62728", "^RUT lagged ^GSPC (21d episode)"),
    }
    for direction, (colour, label) in shading.items():
        rows = ep[ep[Episodes.DIRECTION] == direction]
        spans = 0
        for start, end in zip(rows[Episodes.START_DATE], rows[Episodes.END_DATE], strict=True):
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
    x = dates(daily[Daily.DATE])
    lines = [
        (
            "5-day spread percentile",
            floats(daily[Daily.spread_pctrank(Daily.RUT_GSPC, 5)]),
            {"color": "#aec7e8", "linewidth": 0.9},
        ),
        (
            "21-day spread percentile",
            floats(daily[Daily.spread_pctrank(Daily.RUT_GSPC, 21)]),
            {"color": "#1f77b4", "linewidth": 1.3},
        ),
    ]
    if not _plot_lines(ax, "spread_percentile", x, lines, warn):
        warn("spread_percentile: no ^RUT/^GSPC spread percentiles, chart shows 'no data'")
        _no_data(ax)
        return _png(fig)
    ax.axhline(0.99, color="#2ca02c", linestyle="--", linewidth=1, label="99% / 1%")
    ax.axhline(0.01, color="#d62728", linestyle="--", linewidth=1)
    records = flags(daily[Daily.is_record(Daily.RUT_GSPC, 21)]) & np.isfinite(lines[1][1])
    if records.any():
        ax.plot(
            x[records],
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
    x = dates(daily[Daily.DATE])
    colours = ("#d62728", "#1f77b4", "#9467bd")
    lines = [
        (CORRELATION_LABELS[c], floats(daily[c]), {"color": colour, "linewidth": 1.1})
        for c, colour in zip(Daily.CORRELATIONS, colours, strict=True)
    ]
    if not _plot_lines(ax, "rate_correlation", x, lines, warn):
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
    columns = [Daily.net_share_oi_pctrank(group) for group in Daily.POSITIONING]
    values = np.column_stack([floats(daily[c]) for c in columns]) if len(daily) else np.empty((0, 4))
    known = np.flatnonzero(np.isfinite(values).any(axis=1))
    if not known.size:
        warn("positioning: no positioning percentiles, chart shows 'no data'")
        _no_data(ax)
        return _png(fig)
    # from the first to the last date with a value: a gap in the reports stays a gap in the lines
    rows = slice(known[0], known[-1] + 1)
    x = dates(daily[Daily.DATE])[rows]
    styles = (("#d62728", "-"), ("#d62728", "--"), ("#1f77b4", "-"), ("#1f77b4", "--"))
    lines = [
        (
            POSITIONING_LABELS[group],
            values[rows, i],
            {"drawstyle": "steps-post", "color": colour, "linestyle": style, "linewidth": 1.1},
        )
        for i, (group, (colour, style)) in enumerate(zip(Daily.POSITIONING, styles, strict=True))
    ]
    _plot_lines(ax, "positioning", x, lines, warn)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))
    ax.set_ylabel("percentile of net share of open interest, 156 weeks (%)")
    _date_axis(ax)
    ax.legend(loc="upper left", fontsize=9, framealpha=0.9, ncols=2)
    return _png(fig)


def _chart_relative_rotation(rotation: pd.DataFrame, warn: Callable[[str], None]) -> bytes:
    fig, ax = _figure()
    ax.set_title(CHART_TITLES["relative_rotation"])
    tails = rrg_tails(rotation)
    if tails.empty:
        warn(
            "relative_rotation: no rows, chart shows 'no data'"
            if rotation.empty
            else f"relative_rotation: no week-end rows with {Rotation.RS_RATIO} and {Rotation.RS_MOMENTUM}, "
            "chart shows 'no data'"
        )
        _no_data(ax)
        return _png(fig)
    x, y = floats(tails[Rotation.RS_RATIO]), floats(tails[Rotation.RS_MOMENTUM])
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
    for i, (segment, tail) in enumerate(tails.groupby(Rotation.SEGMENT, sort=True)):
        colour = colours(i % 10)
        tx, ty = floats(tail[Rotation.RS_RATIO]), floats(tail[Rotation.RS_MOMENTUM])
        benchmark = tail[Rotation.BENCHMARK].iloc[-1]
        label = f"{segment} vs {benchmark}" if pd.notna(benchmark) else str(segment)
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
    latest = to_date(tails[Rotation.DATE].max())
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
