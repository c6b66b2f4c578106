"""The charts of the report: interactive plotly figures drawn from the frames of
:mod:`warehouse.report.data`.

Every time-series figure covers the whole history: its top axis carries the range presets
(:data:`RANGE_PRESETS`), its last values are tagged at the right edge, its legend sits above the plot
(never on the data), and the page's script (:mod:`warehouse.report.page`) fits the y axes named in
``layout.meta["fit_y"]`` to the window shown and keeps every chart on the same window. Values are
shown in the units of :mod:`warehouse.report.formatting`: spreads of returns in percentage points
(pp), returns and shares in %, yield changes in bp, ranks as "rank k of N".

Empty frames and all-null columns never crash a chart: it says "no data" and a warning is passed to
``warn``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from warehouse.report.data import (
    Daily,
    Episodes,
    Events,
    Performance,
    Rotation,
    dates,
    flags,
    floats,
    pair_prefix,
    to_date,
)
from warehouse.report.formatting import (
    CORRELATION_LABELS,
    POSITIONING_LABELS,
    SYNTHETIC_MARK,
    pair_label,
    spread_label,
)

CHART_NAMES = (
    "small_vs_large",
    "pair_explorer",
    "rates",
    "positioning",
    "cross_asset",
    "concentration",
    "relative_rotation",
)
RRG_TAIL_POINTS = 10  # weekly points in a tail
RRG_FRAMES = 156  # the weeks the rotation graph can step through (three years)
HORIZON_DEFAULT = 21  # the spread horizon shown first; the others are a button away
PERCENTILE_LINES = (0.99, 0.01)

CHART_TITLES = {
    "small_vs_large": "Small caps vs large caps vs tech",
    "pair_explorer": "Any pair: return spreads of every pair in marts.relative_performance",
    "rates": "Rates: the 2-year yield, rate sensitivity and the next FOMC",
    "positioning": "Futures positioning (CFTC), one panel per trader group",
    "cross_asset": "Cross-asset confirmation",
    "concentration": "Concentration: the mega caps",
    "relative_rotation": "Relative rotation graph (weekly, vs the benchmark)",
}
CHART_HOWTO = {
    "small_vs_large": (
        "Top: the ratio of ^RUT to each large-cap index (log scale, 100 at the first date of the "
        "history): a rising line means small caps outperform. Middle: the return spread over the "
        "horizon chosen with the buttons, in percentage points (pp: ^RUT's return minus the other "
        "index's). Bottom: where that spread stands among all spreads up to each date (point-in-time "
        "percentile); above the 99% line small caps lead by a historically rare margin, below 1% they "
        "trail by one. Green bands are episodes where ^RUT led ^GSPC over 21 days, red bands where it "
        "lagged (marts.rotation_episodes)."
    ),
    "pair_explorer": (
        "Pick any pair the warehouse measures: the return spread of the numerator over the "
        "denominator over 21 trading days, in percentage points; the tooltip gives its rank among all "
        "the pair's spreads up to that date (rank 1 = the largest so far). Shaded: the pair's 21-day "
        "episodes where rotation_episodes has them."
    ),
    "rates": (
        "The 2-year Treasury yield (percent), the 63-day correlation of each index's daily returns with "
        "daily changes of the 2-year yield (below zero the index falls when yields rise), and the "
        "probability of a 25 bp cut at the next FOMC implied by fed funds futures. Dotted lines mark "
        "FOMC meetings; diamonds at the foot of the yield panel mark CPI releases (hover: the month "
        "reported), for the dates marts.event_calendar has. The cut probability is missing where no "
        "fed funds contract prices the next meeting (marts.front_end_rates says when)."
    ),
    "positioning": (
        "Each trader group's net position in its E-mini futures as a share of open interest (%): above "
        "zero net long. Each step is a weekly CFTC report, drawn from the Friday it was released (the "
        "dots); the tooltip gives the report's date and its percentile within the group's last 156 "
        "reports."
    ),
    "cross_asset": (
        "Do other markets confirm a small-cap rotation? Copper/gold (growth vs safety) rising, credit "
        "(HYG) beating Treasuries (IEF), the equal-weight S&P 500 beating the cap-weighted one, and "
        "Fama-French small-minus-big positive all point the same way as small caps leading; the VIX "
        "is the risk appetite behind it."
    ),
    "concentration": (
        "How much the mega caps (NVDA MSFT AAPL GOOGL AMZN META) carry the S&P 500: their weight in "
        "the index, their share of its year-to-date total return, their 21-day return against the "
        "index (pp) and the breadth of their revenue revisions (−1 = all cut, +1 = all raised)."
    ),
    "relative_rotation": (
        "Each segment's relative strength against the benchmark (x, RS-ratio, 100 = in line with its "
        "recent trend) and its momentum (y, RS-momentum, 100 = steady), with a tail of its last 10 "
        "weekly points; segments usually rotate clockwise: improving → leading → weakening → lagging. "
        "Step through the last three years of weeks with the slider or press play."
    ),
}
RANGE_PRESETS = (
    {"count": 1, "label": "1M", "step": "month", "stepmode": "backward"},
    {"count": 3, "label": "3M", "step": "month", "stepmode": "backward"},
    {"count": 1, "label": "YTD", "step": "year", "stepmode": "todate"},
    {"count": 1, "label": "1Y", "step": "year", "stepmode": "backward"},
    {"count": 5, "label": "5Y", "step": "year", "stepmode": "backward"},
    {"step": "all", "label": "All"},
)
DEFAULT_WINDOW_YEARS = 1  # the window a chart opens on (the "1Y" preset); "All" is one click away

GREEN, RED, BLUE, PURPLE, ORANGE, GREY = "#2ca02c", "#d62728", "#1f77b4", "#9467bd", "#ff7f0e", "#555555"
PAIR_COLOURS = (BLUE, PURPLE, ORANGE, GREEN, RED, "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f")
QUADRANTS = (
    # name, x side, y side (+1 = above 100), colour
    ("leading", 1, 1, GREEN),
    ("weakening", 1, -1, ORANGE),
    ("lagging", -1, -1, RED),
    ("improving", -1, 1, BLUE),
)
EPISODE_COLOURS = {Episodes.LEADS: GREEN, Episodes.LAGS: RED}
FONT = "-apple-system, Segoe UI, Helvetica, Arial, sans-serif"


@dataclass(frozen=True)
class Drawn:
    """The charts as plotly figure dicts, and the calendars (name -> ISO dates) that traces with an
    ``dates_ref`` instead of an ``x`` take their dates from."""

    figures: dict[str, dict]
    calendars: dict[str, list[str]]


@dataclass(frozen=True)
class Line:
    """A time series to draw: its name, values, colour, unit for the tooltip and tag, and extras."""

    name: str
    y: np.ndarray
    colour: str
    fmt: str  # d3 format of the value in the tooltip and the last-value tag, e.g. "+.2f"
    suffix: str = ""  # unit after the value: " pp", "%", " bp", ""
    shape: str = "linear"  # "hv" for weekly steps
    dash: str = "solid"
    width: float = 1.4
    customdata: np.ndarray | None = None
    extra_hover: str = ""  # more of the tooltip, in plotly's template syntax over customdata


def draw(
    daily: pd.DataFrame,
    episodes: pd.DataFrame,
    rotation: pd.DataFrame,
    performance: pd.DataFrame,
    warn: Callable[[str], None],
    *,
    cpi_releases: pd.DataFrame | None = None,
    synthetic: bool = False,
) -> Drawn:
    """The figure of each chart as a plotly figure dict, in the order of :data:`CHART_NAMES`, and the
    date calendars their traces refer to. ``cpi_releases`` (event_calendar's CPI rows) are marked on
    the rates chart."""
    figures = {
        "small_vs_large": _small_vs_large(daily, episodes, warn),
        "pair_explorer": _pair_explorer(performance, episodes, warn),
        "rates": _rates(daily, warn, cpi_releases),
        "positioning": _positioning(daily, warn),
        "cross_asset": _cross_asset(daily, warn),
        "concentration": _concentration(daily, warn),
        "relative_rotation": _relative_rotation(rotation, warn),
    }
    assert tuple(figures) == CHART_NAMES
    calendars = {
        "daily": _iso(dates(daily[Daily.DATE])),
        "pairs": _iso(np.unique(dates(performance[Performance.DATE]))),
    }
    for fig in figures.values():
        share_calendars(fig, calendars)
    for name, fig in figures.items():
        fig["layout"]["meta"] = {**fig["layout"].get("meta", {}), "chart": name}
        if synthetic:
            _mark_synthetic(fig)
    return Drawn(figures, calendars)


# --- helpers -------------------------------------------------------------------------------------------


def _cpi_in_window(cpi_releases: pd.DataFrame | None, daily: pd.DataFrame) -> list[tuple[str, str]]:
    """(release date, "Jun 2024") of each CPI release within the daily mart's dates."""
    if cpi_releases is None or cpi_releases.empty or daily.empty:
        return []
    first, last = to_date(daily[Daily.DATE].min()), to_date(daily[Daily.DATE].max())
    out = []
    for released, month in zip(cpi_releases[Events.DATE], cpi_releases[Events.REFERENCE_DATE], strict=True):
        day = to_date(released)
        if day is not None and first <= day <= last:
            ref = to_date(month)
            out.append((day.isoformat(), ref.strftime("%b %Y") if ref else "month unknown"))
    return out


def share_calendars(fig: dict, calendars: dict[str, list[str]]) -> None:
    """Replace each trace's dates that equal a calendar by the calendar's name (``dates_ref``): the page
    writes every calendar once and puts it back before plotting (a trace's dates are most of its size)."""
    for trace in fig.get("data", []):
        x = trace.get("x")
        if not isinstance(x, list | tuple) or not x:
            continue
        for name, calendar in calendars.items():
            if (
                len(x) == len(calendar)
                and x[0] == calendar[0]
                and x[-1] == calendar[-1]
                and list(x) == calendar
            ):
                del trace["x"]
                trace["dates_ref"] = name
                break
    fig.setdefault("layout", {}).setdefault("meta", {})["calendars"] = sorted(
        {t["dates_ref"] for t in fig.get("data", []) if "dates_ref" in t}
    )


def rrg_tails(df: pd.DataFrame, points: int = RRG_TAIL_POINTS) -> pd.DataFrame:
    """The tail of each segment in a relative rotation graph: its last ``points`` week-end rows.

    Keeps rows with ``is_week_end`` true (null = false) and non-null ``rs_ratio``/``rs_momentum``, then
    the last ``points`` of them per segment; the result is sorted by segment, then date ascending (so
    the last row of each segment is its latest point) with a fresh index.
    """
    weekly = rrg_weekly(df)
    return weekly.groupby(Rotation.SEGMENT, sort=True).tail(points).reset_index(drop=True)


def rrg_weekly(df: pd.DataFrame) -> pd.DataFrame:
    """The week-end rows with both coordinates, sorted by segment and date."""
    if df.empty:
        return df.iloc[0:0].reset_index(drop=True)
    keep = (
        flags(df[Rotation.IS_WEEK_END])
        & df[Rotation.RS_RATIO].notna().to_numpy()
        & df[Rotation.RS_MOMENTUM].notna().to_numpy()
    )
    return df.loc[keep].sort_values([Rotation.SEGMENT, Rotation.DATE], kind="stable").reset_index(drop=True)


def compact_ranks(ranks: np.ndarray) -> np.ndarray:
    """Ranks (and their N) for a tooltip in 2 bytes each when they fit (0 where null: no point is
    drawn there, so no tooltip reads it), else float32."""
    finite = np.isfinite(ranks)
    if not finite.any() or np.nanmax(ranks) < 65535:
        return np.where(finite, ranks, 0).astype("uint16")
    return ranks.astype("float32")


def rank_of_n(ranks: np.ndarray, values: np.ndarray) -> np.ndarray:
    """N for "rank k of N": how many non-null values there are up to and including each row."""
    return np.cumsum(np.isfinite(values)).astype("float64")


def _iso(x: np.ndarray) -> list[str]:
    return [str(d)[:10] for d in np.asarray(x, dtype="datetime64[D]")]


def _ann(fig: go.Figure, **annotation: object) -> None:
    """An annotation kept aside as a plain dict and added at :func:`_finish` (plotly's add_annotation
    copies every annotation already there: quadratic, seconds for a chart with many)."""
    fig._pending_annotations = [*getattr(fig, "_pending_annotations", []), annotation]


def _shape(fig: go.Figure, **shape: object) -> None:
    """A shape kept aside as a plain dict, added at :func:`_finish` (see :func:`_ann`)."""
    fig._pending_shapes = [*getattr(fig, "_pending_shapes", []), shape]


def _pending_annotations(fig: go.Figure) -> list[dict]:
    return getattr(fig, "_pending_annotations", [])


@functools.cache
def _template() -> dict:
    """plotly's "plotly_white" template as a dict, built once (set through update_layout, plotly builds
    and validates it again for every figure)."""
    return pio.templates["plotly_white"].to_plotly_json()


def _dates_later(fig: go.Figure, x: list[str]) -> None:
    """The dates of the trace about to be added, set at :func:`_finish` (plotly validates a list of
    strings item by item and copies it on every change: most of a chart's drawing time)."""
    fig._pending_x = {**getattr(fig, "_pending_x", {}), len(fig.data): x}


def _finish(fig: go.Figure) -> dict:
    """The figure as a plain dict with the dates, annotations and shapes kept aside put in."""
    d = fig.to_dict()
    d["layout"]["template"] = _template()
    for i, x in getattr(fig, "_pending_x", {}).items():
        d["data"][i]["x"] = x
    layout = d.setdefault("layout", {})
    layout["annotations"] = list(layout.get("annotations", [])) + _pending_annotations(fig)
    layout["shapes"] = list(layout.get("shapes", [])) + getattr(fig, "_pending_shapes", [])
    return d


def _hl(
    fig: go.Figure, row: int, y: float, *, colour: str = GREY, width: float = 0.8, dash: str = "solid"
) -> None:
    """A horizontal line across subplot ``row`` at ``y``."""
    _shape(
        fig,
        type="line",
        xref=_axis_ref(fig, row, "x") + " domain",
        x0=0,
        x1=1,
        yref=_axis_ref(fig, row),
        y0=y,
        y1=y,
        line={"color": colour, "width": width, "dash": dash},
        layer="below",
    )


def _no_data(fig: go.Figure, why: str = "no data") -> dict:
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(height=260, meta={"no_data": True})
    d = fig.to_dict()
    d["layout"]["annotations"] = [
        {
            "text": why,
            "x": 0.5,
            "y": 0.5,
            "xref": "paper",
            "yref": "paper",
            "showarrow": False,
            "font": {"size": 22, "color": "#888"},
        }
    ]
    return d


def _base_layout(fig: go.Figure, *, height: int, fit_y: Sequence[str]) -> None:
    fig.update_layout(
        height=height,
        font={"family": FONT, "size": 12},
        margin={"l": 70, "r": 90, "t": 70, "b": 40},
        hovermode="x unified",
        hoverlabel={"namelength": -1},
        # the legend above the plot, never on the data
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.06, "xanchor": "right", "x": 1.0},
        meta={"fit_y": list(fit_y), "time_series": True},
        uirevision="keep",
    )


def _time_axes(fig: go.Figure, x: np.ndarray, rows: int) -> None:
    """Date axes shared by the rows, the range presets on the top one, opened on the last year."""
    end = pd.Timestamp(x.max()) if len(x) else pd.Timestamp.today()
    start = max(pd.Timestamp(x.min()), end - pd.DateOffset(years=DEFAULT_WINDOW_YEARS)) if len(x) else end
    fig.update_xaxes(
        type="date",
        range=[start.strftime("%Y-%m-%d"), (end + pd.Timedelta(days=2)).strftime("%Y-%m-%d")],
        showspikes=True,
        spikemode="across",
        spikethickness=1,
        spikecolor="#999",
        spikedash="dot",
    )
    fig.update_xaxes(
        rangeselector={
            "buttons": list(RANGE_PRESETS),
            "x": 0.0,
            "y": 1.0,
            "yanchor": "bottom",
            "bgcolor": "#f0f0f0",
            "activecolor": "#c8d6e5",
        },
        row=1,
        col=1,
    )
    for row in range(2, rows + 1):
        fig.update_xaxes(matches="x", row=row, col=1)


def _axis_ref(fig: go.Figure, row: int, letter: str = "y") -> str:
    """The y (or x) axis of subplot ``row`` as a trace/annotation reference: "y", "y2", …"""
    subplot = fig.get_subplot(row, 1)
    ref = (subplot.yaxis if letter == "y" else subplot.xaxis).plotly_name  # "yaxis", "yaxis2"
    return letter + ref[len("xaxis") :]


def _add_lines(
    fig: go.Figure,
    row: int,
    x: list[str],
    lines: Sequence[Line],
    chart: str,
    warn: Callable[[str], None],
    *,
    log: bool = False,
) -> bool:
    """Each line with values as a trace of subplot ``row`` with its last-value tag; False when none.
    ``log``: the row's y axis is logarithmic (plotly places annotations there in log10 units)."""
    drawn = False
    for line in lines:
        finite = np.isfinite(line.y)
        if not finite.any():
            warn(f"{chart}: {line.name} is all null, line omitted")
            continue
        drawn = True
        y = np.where(finite, line.y, np.nan)
        custom = line.customdata
        if custom is not None and custom.dtype.kind == "f":
            custom = custom.astype("float32")  # 4 bytes a value in the page, enough for a tooltip
        _dates_later(fig, x)
        fig.add_trace(
            go.Scatter(
                y=y.astype("float32"),
                name=line.name,
                mode="lines",
                line={"color": line.colour, "width": line.width, "shape": line.shape, "dash": line.dash},
                customdata=custom,
                hovertemplate=f"%{{y:{line.fmt}}}{line.suffix}{line.extra_hover}<extra>{line.name}</extra>",
                connectgaps=False,
            ),
            row=row,
            col=1,
        )
        last = int(np.flatnonzero(finite)[-1])
        # a value older than the last date says its date: the tag sits at the right edge all the same
        stale = x[last][5:] if last < len(x) - 1 else ""
        _last_value_tag(fig, row, float(y[last]), line, log=log, date=stale)
    return drawn


def _last_value_tag(
    fig: go.Figure, row: int, value: float, line: Line, *, log: bool = False, date: str = ""
) -> None:
    """The latest value in a box of the line's colour at the right edge of the plot, TradingView-style
    (with its month-day when it is older than the chart's last date)."""
    text = _d3(value, line.fmt) + line.suffix + (f" ({date})" if date else "")
    _ann(
        fig,
        x=1.0,
        xref="paper",
        xanchor="left",
        y=float(np.log10(value)) if log and value > 0 else value,
        yref=_axis_ref(fig, row),
        text=text,
        showarrow=False,
        font={"color": "white", "size": 11},
        bgcolor=line.colour,
        borderpad=2,
        name=f"last: {line.name}",
    )


def _d3(value: float, fmt: str) -> str:
    """Python's rendering of a d3 format spec used in the tooltips ("+.2f", ".1%", ",.0f", ".3s")."""
    return format(value, fmt.replace("s", "g"))


def _shade_episodes(fig: go.Figure, episodes: pd.DataFrame, pair: str, last_date: str | None) -> int:
    """Bands for the 21-day episodes of ``pair`` (green: the numerator led, red: it lagged); their count."""
    return len(_episode_shapes(episodes, pair, last_date, fig))


def _episode_shapes(
    episodes: pd.DataFrame, pair: str, last_date: str | None, fig: go.Figure | None = None
) -> list[dict]:
    ep = episodes[(episodes[Episodes.PAIR] == pair) & (episodes[Episodes.HORIZON] == Episodes.HORIZON_21D)]
    shapes = []
    for row in ep.itertuples(index=False):
        start, end, direction = (
            getattr(row, Episodes.START_DATE),
            getattr(row, Episodes.END_DATE),
            getattr(row, Episodes.DIRECTION),
        )
        if pd.isna(start) or direction not in EPISODE_COLOURS:
            continue
        end_text = last_date if pd.isna(end) else str(to_date(end))
        if end_text is None:
            continue
        shape = {
            "type": "rect",
            "xref": "x",
            "yref": "paper",
            "x0": str(to_date(start)),
            "x1": end_text,
            "y0": 0,
            "y1": 1,
            "fillcolor": EPISODE_COLOURS[direction],
            "opacity": 0.13,
            "line": {"width": 0},
            "layer": "below",
        }
        shapes.append(shape)
        if fig is not None:
            _shape(fig, **shape)
    return shapes


def _mark_synthetic(fig: dict) -> None:
    """A watermark across the plot and a red tag in its corner: the data are the synthetic sample."""
    layout = fig["layout"]
    layout["annotations"] = [
        *layout.get("annotations", []),
        {
            "text": SYNTHETIC_MARK,
            "x": 0.5,
            "y": 0.5,
            "xref": "paper",
            "yref": "paper",
            "showarrow": False,
            "textangle": -18,
            "font": {"size": 54, "color": "rgba(214, 39, 40, 0.13)"},
            "name": "synthetic watermark",
        },
    ]
    # and the chart's title, top left, in red
    layout["title"] = {
        "text": f"<b>{SYNTHETIC_MARK}</b> · the synthetic sample, not market data",
        "font": {"size": 13, "color": RED},
        "x": 0.01,
        "xanchor": "left",
        "y": 0.995,
        "yanchor": "top",
    }
    margin = layout.setdefault("margin", {})
    margin["t"] = margin.get("t", 70) + 24
    layout["meta"] = {**layout.get("meta", {}), "synthetic": True}


def _hline(fig: go.Figure, row: int, y: float, colour: str, label: str) -> None:
    """A dashed reference line across subplot ``row`` labelled in its own colour (no legend entry)."""
    _hl(fig, row, y, colour=colour, width=1, dash="dash")
    _ann(
        fig,
        text=label,
        xref=_axis_ref(fig, row, "x") + " domain",
        x=0.0,
        xanchor="left",
        yref=_axis_ref(fig, row),
        y=y,
        yanchor="bottom",
        showarrow=False,
        font={"color": colour, "size": 11},
        bgcolor="rgba(255,255,255,0.8)",
    )


# --- the charts ----------------------------------------------------------------------------------------


def _rebased(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = numerator / denominator
    ratio[~np.isfinite(ratio) | (ratio <= 0)] = np.nan
    valid = np.flatnonzero(~np.isnan(ratio))
    return ratio if valid.size == 0 else ratio / ratio[valid[0]] * 100.0


def _rank_data(daily: pd.DataFrame, pair: str, h: int) -> np.ndarray:
    """customdata of a spread: [rank, N] per date ("rank k of N"; the percentile is its own trace)."""
    spread = floats(daily[Daily.spread(pair, h)])
    rank = floats(daily[Daily.spread_rank(pair, h)])
    return compact_ranks(np.column_stack([rank, rank_of_n(rank, spread)]))


RANK_HOVER = " · rank %{customdata[0]:,.0f} of %{customdata[1]:,.0f}"


def _small_vs_large(daily: pd.DataFrame, episodes: pd.DataFrame, warn: Callable[[str], None]) -> dict:
    chart = "small_vs_large"
    fig = make_subplots(
        rows=3,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.07,
        row_heights=[0.4, 0.3, 0.3],
        subplot_titles=(
            "^RUT relative to the large caps (ratio of closes, log scale, 100 = first date)",
            "Return spread, percentage points",
            "Point-in-time percentile of the spread among all spreads to date",
        ),
    )
    if daily.empty:
        warn(f"{chart}: no rows, chart shows 'no data'")
        return _no_data(fig)
    x_dates = dates(daily[Daily.DATE])
    x = _iso(x_dates)
    rut = floats(daily[Daily.RUT_CLOSE])
    colours = dict(zip(Daily.PAIRS, PAIR_COLOURS, strict=False))
    ratios = [
        Line(
            f"{pair_label(pair)} ratio",
            _rebased(rut, floats(daily[close])),
            colours[pair],
            ".1f",
        )
        for pair, close in ((Daily.RUT_GSPC, Daily.GSPC_CLOSE), (Daily.RUT_NDX, Daily.NDX_CLOSE))
    ]
    if not _add_lines(fig, 1, x, ratios, chart, warn, log=True):
        warn(f"{chart}: no valid index closes, the ratio panel is empty")
    # spreads and percentiles of every horizon; the buttons show one horizon at a time
    horizon_of_trace: list[int | None] = [None] * len(fig.data)
    records_total = {}
    for h in Daily.HORIZONS:
        for pair in Daily.PAIRS:
            custom = _rank_data(daily, pair, h)
            spread = floats(daily[Daily.spread(pair, h)]) * 100
            pct = floats(daily[Daily.spread_pctrank(pair, h)])
            before = len(fig.data)
            dash = "solid"
            _add_lines(
                fig,
                2,
                x,
                [
                    Line(
                        f"{spread_label(pair)}, {h}d",
                        spread,
                        colours[pair],
                        "+.2f",
                        " pp",
                        dash=dash,
                        customdata=custom,
                        extra_hover=RANK_HOVER,
                    )
                ],
                chart,
                warn,
            )
            _add_lines(
                fig,
                3,
                x,
                [Line(f"percentile of {spread_label(pair)}, {h}d", pct, colours[pair], ".1%", dash=dash)],
                chart,
                warn,
            )
            if len(fig.data) > before + 1:  # the percentile: same colour as its spread, one legend entry
                fig.data[-1].showlegend = False
            records = flags(daily[Daily.is_record(pair, h)]) & np.isfinite(pct)
            records_total[(pair, h)] = int(records.sum())
            if records.any():
                fig.add_trace(
                    go.Scatter(
                        x=[x[i] for i in np.flatnonzero(records)],
                        y=pct[records],
                        mode="markers",
                        marker={"symbol": "diamond", "size": 8, "color": colours[pair], "line": {"width": 1}},
                        name=f"new {h}-day record, {spread_label(pair)}",
                        hovertemplate=f"new record of the {h}-day spread<extra>{spread_label(pair)}</extra>",
                    ),
                    row=3,
                    col=1,
                )
            horizon_of_trace += [h] * (len(fig.data) - before)
    for y, colour, label in ((0.99, GREEN, "99th percentile"), (0.01, RED, "1st percentile")):
        _hline(fig, 3, y, colour, label)
    _hl(fig, 2, 0)
    fig.update_yaxes(type="log", row=1, col=1, title_text="ratio (log)")
    fig.update_yaxes(row=2, col=1, title_text="pp", ticksuffix=" pp")
    fig.update_yaxes(row=3, col=1, range=[-0.03, 1.03], tickformat=".0%", title_text="percentile")
    # the episodes of the first pair (small vs large caps), as rotation_episodes names it
    ep_pairs = [p for p in episodes[Episodes.PAIR].dropna().unique() if pair_prefix(p) == Daily.PAIRS[0]]
    n_bands = sum(_shade_episodes(fig, episodes, p, x[-1]) for p in ep_pairs)
    # the horizon buttons: which spread/percentile traces are visible; the tags follow
    base = len(fig.layout.annotations)  # the subplot titles come first
    tags = [a for a in _pending_annotations(fig) if str(a.get("name", "")).startswith("last: ")]

    def visible(h: int) -> list[bool]:
        return [th is None or th == h for th in horizon_of_trace]

    for t, th in zip(fig.data, horizon_of_trace, strict=True):
        t.visible = th is None or th == HORIZON_DEFAULT
    for a in tags:
        name = str(a["name"])[len("last: ") :]
        a["visible"] = not any(f", {h}d" in name for h in Daily.HORIZONS if h != HORIZON_DEFAULT)
    buttons = []
    for h in Daily.HORIZONS:
        tag_visibility = {
            f"annotations[{base + i}].visible": not any(
                f", {o}d" in str(a.get("name", "")) for o in Daily.HORIZONS if o != h
            )
            for i, a in enumerate(_pending_annotations(fig))
            if str(a.get("name", "")).startswith("last: ")
        }
        n_records = sum(records_total[(p, h)] for p in Daily.PAIRS)
        buttons.append(
            {
                "label": f"{h}-day spreads",
                "method": "update",
                "args": [{"visible": visible(h)}, {**tag_visibility, "meta.records": n_records}],
            }
        )
    fig.update_layout(
        updatemenus=[
            {
                "type": "buttons",
                "direction": "left",
                "buttons": buttons,
                "active": Daily.HORIZONS.index(HORIZON_DEFAULT),
                "x": 0.0,
                "y": -0.06,
                "xanchor": "left",
                "yanchor": "top",
                "showactive": True,
                "bgcolor": "#f0f0f0",
            }
        ]
    )
    _base_layout(fig, height=820, fit_y=["yaxis", "yaxis2"])
    fig.update_layout(margin={"b": 80})
    fig.update_layout(
        meta={**fig.layout.meta, "records": records_total_by_horizon(records_total), "episode_bands": n_bands}
    )
    _time_axes(fig, x_dates, 3)
    return _finish(fig)


def records_total_by_horizon(records: dict[tuple[str, int], int]) -> dict[str, int]:
    out: dict[str, int] = {}
    for (_, h), n in records.items():
        out[f"{h}d"] = out.get(f"{h}d", 0) + n
    return out


def _pair_explorer(performance: pd.DataFrame, episodes: pd.DataFrame, warn: Callable[[str], None]) -> dict:
    chart = "pair_explorer"
    fig = make_subplots(rows=1, cols=1)
    pairs = sorted(performance[Performance.PAIR].dropna().unique()) if not performance.empty else []
    if not pairs:
        warn(
            f"{chart}: marts.relative_performance has no {Performance.HORIZON_SHOWN} rows, chart shows 'no data'"
        )
        return _no_data(fig)
    # the rotation pair first when the mart has it, then the others in order
    first = next((p for p in pairs if p.upper().startswith("^RUT/")), pairs[0])
    pairs = [first] + [p for p in pairs if p != first]
    # every pair on one calendar (the union of their dates), so the page holds the dates once
    calendar = pd.DatetimeIndex(np.unique(dates(performance[Performance.DATE])))
    x = _iso(calendar.to_numpy())
    shapes_of: dict[str, list[dict]] = {}
    tags: list[int] = []
    for i, pair in enumerate(pairs):
        rows = performance[performance[Performance.PAIR] == pair]
        on = pd.DataFrame(
            {
                "spread": floats(rows[Performance.RETURN_SPREAD]) * 100,
                "rank": floats(rows[Performance.SPREAD_RANK]),
            },
            index=pd.DatetimeIndex(dates(rows[Performance.DATE])),
        )
        on["of"] = rank_of_n(on["rank"].to_numpy(), on["spread"].to_numpy())
        on = on[~on.index.duplicated()].reindex(calendar)
        spread = on["spread"].to_numpy()
        custom = compact_ranks(on[["rank", "of"]].to_numpy())
        colour = PAIR_COLOURS[i % len(PAIR_COLOURS)]
        before = len(_pending_annotations(fig))
        _dates_later(fig, x)
        fig.add_trace(
            go.Scatter(
                y=spread.astype("float32"),
                name=f"{pair}, {Performance.HORIZON_SHOWN}",
                mode="lines",
                connectgaps=True,  # a date of the union calendar the pair does not trade
                line={"color": colour, "width": 1.4},
                customdata=custom,
                visible=i == 0,
                hovertemplate="%{y:+.2f} pp · rank %{customdata[0]:,.0f} of %{customdata[1]:,.0f}"
                f"<extra>{pair}</extra>",
            )
        )
        finite = np.flatnonzero(np.isfinite(spread))
        if finite.size:
            _ann(
                fig,
                x=1.0,
                xref="paper",
                xanchor="left",
                y=float(spread[finite[-1]]),
                yref="y",
                text=f"{spread[finite[-1]]:+.2f} pp",
                showarrow=False,
                font={"color": "white", "size": 11},
                bgcolor=colour,
                borderpad=2,
                visible=i == 0,
                name=f"last: {pair}",
            )
        tags.append(before if finite.size else -1)
        shapes_of[pair] = _episode_shapes(episodes, pair, x[-1] if x else None)
    _hl(fig, 1, 0)
    zero_line = list(fig._pending_shapes)
    for shape in shapes_of[pairs[0]]:
        _shape(fig, **shape)
    buttons = []
    for i, pair in enumerate(pairs):
        layout_update: dict = {"shapes": zero_line + shapes_of[pair]}
        for j, tag in enumerate(tags):
            if tag >= 0:
                layout_update[f"annotations[{tag}].visible"] = i == j
        buttons.append(
            {
                "label": pair,
                "method": "update",
                "args": [{"visible": [j == i for j in range(len(pairs))]}, layout_update],
            }
        )
    fig.update_layout(
        updatemenus=[
            {
                "type": "dropdown",
                "buttons": buttons,
                "active": 0,
                "x": 0.0,
                "y": 1.22,
                "xanchor": "left",
                "yanchor": "bottom",
                "bgcolor": "#f8f8f8",
                "name": "pair menu",
            }
        ],
    )
    fig.update_yaxes(title_text=f"{Performance.HORIZON_SHOWN} return spread, pp", ticksuffix=" pp")
    _base_layout(fig, height=420, fit_y=["yaxis"])
    fig.update_layout(margin={"t": 110}, meta={**fig.layout.meta, "pairs": pairs})
    _time_axes(fig, calendar.to_numpy(), 1)
    return _finish(fig)


def _rates(
    daily: pd.DataFrame, warn: Callable[[str], None], cpi_releases: pd.DataFrame | None = None
) -> dict:
    chart = "rates"
    fig = make_subplots(
        rows=3,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.08,
        row_heights=[0.34, 0.38, 0.28],
        subplot_titles=(
            "2-year Treasury yield (DGS2), %",
            "63-day correlation of daily index returns with daily 2-year yield changes",
            "Probability of a 25 bp cut at the next FOMC (fed funds futures)",
        ),
    )
    if daily.empty:
        warn(f"{chart}: no rows, chart shows 'no data'")
        return _no_data(fig)
    xd = dates(daily[Daily.DATE])
    x = _iso(xd)
    change = floats(daily[Daily.DGS2_CHANGE_BP])
    _add_lines(
        fig,
        1,
        x,
        [
            Line(
                "2-year yield",
                floats(daily[Daily.DGS2_LEVEL_PCT]),
                BLUE,
                ".2f",
                "%",
                customdata=change,
                extra_hover=" (%{customdata:+.1f} bp on the day)",
            )
        ],
        chart,
        warn,
    )
    colours = (RED, BLUE, PURPLE)
    if not _add_lines(
        fig,
        2,
        x,
        [
            Line(CORRELATION_LABELS[c], floats(daily[c]), colour, "+.2f")
            for c, colour in zip(Daily.CORRELATIONS, colours, strict=True)
        ],
        chart,
        warn,
    ):
        warn(f"{chart}: all correlations are null, the correlation panel is empty")
    _hl(fig, 2, 0)
    implied = floats(daily[Daily.IMPLIED_CHANGE_BP])
    _add_lines(
        fig,
        3,
        x,
        [
            Line(
                "cut probability, next FOMC",
                floats(daily[Daily.CUT_PROBABILITY]),
                ORANGE,
                ".0%",
                shape="hv",
                customdata=implied,
                extra_hover=" (implied %{customdata:+.1f} bp at the next meeting: the triangles)",
            )
        ],
        chart,
        warn,
    )
    # the FOMC meetings: triangles on the probability panel's floor, a dotted line through every panel
    meetings = sorted({str(to_date(d)) for d in daily[Daily.NEXT_FOMC_DATE].dropna()})
    if meetings:
        fig.add_trace(
            go.Scatter(
                x=meetings,
                y=[0.0] * len(meetings),
                mode="markers",
                marker={"symbol": "triangle-up", "size": 9, "color": GREY},
                name="FOMC meeting",
                hovertemplate="FOMC meeting<extra></extra>",
            ),
            row=3,
            col=1,
        )
    for m in meetings:
        _shape(
            fig,
            type="line",
            xref="x",
            x0=m,
            x1=m,
            yref="paper",
            y0=0,
            y1=1,
            line={"color": "#c8c8c8", "width": 0.8, "dash": "dot"},
            layer="below",
        )
    # the CPI releases (event_calendar): diamonds on the yield panel's floor, each naming its month
    cpi = _cpi_in_window(cpi_releases, daily)
    if cpi:
        fig.add_trace(
            go.Scatter(
                x=[d for d, _ in cpi],
                y=[0.0] * len(cpi),
                mode="markers",
                marker={"symbol": "diamond", "size": 8, "color": "#8c564b"},
                name="CPI release",
                customdata=[month for _, month in cpi],
                hovertemplate="CPI release (%{customdata})<extra></extra>",
                yaxis="y4",
            ),
        )
        fig.update_layout(
            yaxis4={"overlaying": "y", "range": [0, 1], "visible": False, "fixedrange": True},
        )
    fig.update_yaxes(row=1, col=1, ticksuffix="%", title_text="%")
    fig.update_yaxes(row=2, col=1, title_text="correlation")
    fig.update_yaxes(row=3, col=1, range=[-0.03, 1.05], tickformat=".0%", title_text="probability")
    _base_layout(fig, height=720, fit_y=["yaxis", "yaxis2"])
    fig.update_layout(meta={**fig.layout.meta, "fomc_meetings": len(meetings), "cpi_releases": len(cpi)})
    _time_axes(fig, xd, 3)
    return _finish(fig)


def _positioning(daily: pd.DataFrame, warn: Callable[[str], None]) -> dict:
    chart = "positioning"
    groups = Daily.POSITIONING
    fig = make_subplots(
        rows=len(groups),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.05,
        subplot_titles=[f"{POSITIONING_LABELS[g]}: net position, % of open interest" for g in groups],
    )
    if daily.empty:
        warn(f"{chart}: no rows, chart shows 'no data'")
        return _no_data(fig)
    xd = dates(daily[Daily.DATE])
    x = _iso(xd)
    colours = (RED, "#ff9896", BLUE, "#aec7e8")
    any_drawn = False
    for row, (group, colour) in enumerate(zip(groups, colours, strict=True), start=1):
        share = floats(daily[Daily.net_share_oi(group)]) * 100
        pct = floats(daily[Daily.net_share_oi_pctrank(group)]) * 100
        report = daily[Daily.report_date(group)].map(lambda d: "" if pd.isna(d) else str(to_date(d)))
        report = report.to_numpy()
        drawn = _add_lines(
            fig,
            row,
            x,
            [
                Line(
                    POSITIONING_LABELS[group],
                    share,
                    colour if row % 2 else colours[row - 1],
                    "+.1f",
                    "%",
                    shape="hv",
                    customdata=pct,
                    extra_hover=" of open interest · percentile %{customdata:.0f} of 156 reports"
                    " (the release dots give each report's date)",
                )
            ],
            chart,
            warn,
        )
        any_drawn |= drawn
        # the release points: the first date each report counts
        changed = np.flatnonzero((report != "") & (report != np.roll(report, 1)))
        if drawn and changed.size:
            fig.add_trace(
                go.Scatter(
                    x=[x[i] for i in changed],
                    y=share[changed],
                    mode="markers",
                    marker={"size": 4, "color": colours[row - 1]},
                    name=f"CFTC release ({POSITIONING_LABELS[group]})",
                    customdata=report[changed],
                    hovertemplate="released: report of %{customdata}<extra></extra>",
                    showlegend=row == 1,
                    legendgroup="releases",
                ),
                row=row,
                col=1,
            )
        _hl(fig, row, 0)
        fig.update_yaxes(row=row, col=1, ticksuffix="%")
    if not any_drawn:
        warn(f"{chart}: no positioning, chart shows 'no data'")
        return _no_data(go.Figure())
    _base_layout(fig, height=860, fit_y=[f"yaxis{'' if r == 1 else r}" for r in range(1, len(groups) + 1)])
    fig.update_layout(showlegend=False)
    _time_axes(fig, xd, len(groups))
    return _finish(fig)


def _cross_asset(daily: pd.DataFrame, warn: Callable[[str], None]) -> dict:
    chart = "cross_asset"
    fig = make_subplots(
        rows=3,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.08,
        subplot_titles=(
            "Copper/gold: HG=F ($ per lb) ÷ GC=F ($ per troy oz), × 1000",
            "21-day return spreads, percentage points",
            "VIX, index points",
        ),
    )
    if daily.empty:
        warn(f"{chart}: no rows, chart shows 'no data'")
        return _no_data(fig)
    xd = dates(daily[Daily.DATE])
    x = _iso(xd)
    _add_lines(
        fig,
        1,
        x,
        [Line("copper/gold × 1000", floats(daily[Daily.COPPER_GOLD_RATIO]) * 1000, ORANGE, ".3f")],
        chart,
        warn,
    )
    spreads = [
        Line(
            "HYG − IEF (credit vs Treasuries)",
            floats(daily[Daily.HYG_MINUS_IEF_21D]) * 100,
            GREEN,
            "+.2f",
            " pp",
        ),
        Line(
            "RSP − SPY (equal vs cap weight)",
            floats(daily[Daily.RSP_MINUS_SPY_21D]) * 100,
            BLUE,
            "+.2f",
            " pp",
        ),
        Line("SMB (Fama-French small − big)", floats(daily[Daily.SMB_21D]) * 100, PURPLE, "+.2f", " pp"),
    ]
    _add_lines(fig, 2, x, spreads, chart, warn)
    _hl(fig, 2, 0)
    _add_lines(fig, 3, x, [Line("VIX", floats(daily[Daily.VIX_LEVEL]), RED, ".2f")], chart, warn)
    fig.update_yaxes(row=1, col=1, title_text="ratio × 1000")
    fig.update_yaxes(row=2, col=1, ticksuffix=" pp", title_text="pp")
    fig.update_yaxes(row=3, col=1, title_text="points")
    _base_layout(fig, height=720, fit_y=["yaxis", "yaxis2", "yaxis3"])
    _time_axes(fig, xd, 3)
    return _finish(fig)


SHARE_RANGE = (-100.0, 300.0)  # % shown of the mega caps' share of a year-to-date return (off-scale beyond)


def _empty_panel(fig: go.Figure, row: int, why: str) -> None:
    """Say so in a subplot that has nothing to draw (rather than an empty frame)."""
    _ann(
        fig,
        text=why,
        xref=_axis_ref(fig, row, "x") + " domain",
        yref=_axis_ref(fig, row) + " domain",
        x=0.5,
        y=0.5,
        showarrow=False,
        font={"size": 14, "color": "#888"},
    )


def _concentration(daily: pd.DataFrame, warn: Callable[[str], None]) -> dict:
    chart = "concentration"
    fig = make_subplots(
        rows=4,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.07,
        subplot_titles=(
            "The mega caps' weight in the S&P 500, %",
            "Their share of the S&P 500's year-to-date total return, % (off-scale beyond −100…300%: "
            "near a flat year it is a ratio of two small numbers; hover for the value)",
            "Mega-cap basket minus ^GSPC, 21-day return, percentage points",
            "Mega-cap next-year revenue revisions breadth, 30 days (−1 all cut … +1 all raised)",
        ),
    )
    if daily.empty:
        warn(f"{chart}: no rows, chart shows 'no data'")
        return _no_data(fig)
    xd = dates(daily[Daily.DATE])
    x = _iso(xd)
    rows = [
        Line("weight in the S&P 500", floats(daily[Daily.MEGACAP_INDEX_WEIGHT]) * 100, BLUE, ".1f", "%"),
        Line(
            "share of the S&P 500's YTD total return",
            floats(daily[Daily.MEGACAP_SHARE_OF_YTD_RETURN]) * 100,
            ORANGE,
            ".1f",
            "%",
        ),
        Line(
            "mega caps − ^GSPC, 21d", floats(daily[Daily.MEGACAP_MINUS_GSPC_21D]) * 100, PURPLE, "+.2f", " pp"
        ),
        Line("revenue revisions breadth", floats(daily[Daily.MEGACAP_REVENUE_BREADTH]), GREEN, "+.2f"),
    ]
    for row, line in enumerate(rows, start=1):
        if not _add_lines(fig, row, x, [line], chart, warn):
            _empty_panel(fig, row, f"no {line.name} in the marts")
    for row in (2, 3, 4):
        _hl(fig, row, 0)
    fig.update_yaxes(row=1, col=1, ticksuffix="%")
    fig.update_yaxes(row=2, col=1, ticksuffix="%", range=list(SHARE_RANGE))
    fig.update_yaxes(row=3, col=1, ticksuffix=" pp")
    fig.update_yaxes(row=4, col=1, range=[-1.05, 1.05])
    _base_layout(fig, height=860, fit_y=["yaxis", "yaxis3"])
    _time_axes(fig, xd, 4)
    return _finish(fig)


def _label_position(tx: np.ndarray, ty: np.ndarray) -> str:
    """Where a segment's label goes: ahead of its head, away from its tail (so the tail never hides it)."""
    if len(tx) < 2:
        return "top right"
    dx, dy = tx[-1] - tx[-2], ty[-1] - ty[-2]
    return f"{'top' if dy >= 0 else 'bottom'} {'right' if dx >= 0 else 'left'}"


def _relative_rotation(rotation: pd.DataFrame, warn: Callable[[str], None]) -> dict:
    fig = go.Figure()
    weekly = rrg_weekly(rotation)
    if weekly.empty:
        warn(
            "relative_rotation: no rows, chart shows 'no data'"
            if rotation.empty
            else f"relative_rotation: no week-end rows with {Rotation.RS_RATIO} and {Rotation.RS_MOMENTUM}, "
            "chart shows 'no data'"
        )
        return _no_data(fig)
    segments = sorted(weekly[Rotation.SEGMENT].unique())
    weekly = weekly.assign(_date=pd.to_datetime(weekly[Rotation.DATE]).dt.normalize())
    weeks = sorted(weekly["_date"].unique())[-RRG_FRAMES:]
    by_segment = {
        s: (
            weekly.loc[weekly[Rotation.SEGMENT] == s, "_date"].to_numpy(),
            floats(weekly.loc[weekly[Rotation.SEGMENT] == s, Rotation.RS_RATIO]),
            floats(weekly.loc[weekly[Rotation.SEGMENT] == s, Rotation.RS_MOMENTUM]),
        )
        for s in segments
    }
    benchmarks = {}
    for s in segments:
        b = weekly.loc[weekly[Rotation.SEGMENT] == s, Rotation.BENCHMARK].dropna()
        benchmarks[s] = str(b.iloc[-1]) if len(b) else ""
    shown = weekly[weekly["_date"] >= weeks[0] - pd.Timedelta(weeks=RRG_TAIL_POINTS)]
    xs, ys = floats(shown[Rotation.RS_RATIO]), floats(shown[Rotation.RS_MOMENTUM])
    dx = max(float(np.abs(xs - 100).max()) * 1.1, 0.5)
    dy = max(float(np.abs(ys - 100).max()) * 1.1, 0.5)

    def traces_at(week: np.datetime64) -> list[dict]:
        """Each segment's tail up to ``week`` as a plain trace dict (frames are many: no validation)."""
        out = []
        for i, s in enumerate(segments):
            d, rx, ry = by_segment[s]
            upto = np.flatnonzero(d <= week)[-RRG_TAIL_POINTS:]
            tx, ty = rx[upto], ry[upto]
            colour = PAIR_COLOURS[i % len(PAIR_COLOURS)]
            n = len(tx)
            label = f"{s} vs {benchmarks[s]}" if benchmarks[s] else s
            out.append(
                {
                    "type": "scatter",
                    "x": [round(float(v), 3) for v in tx],
                    "y": [round(float(v), 3) for v in ty],
                    "mode": "lines+markers+text",
                    "name": label,
                    "line": {"color": colour, "width": 1.6},
                    "marker": {
                        "color": colour,
                        "size": [5] * (n - 1) + [13] if n else [],
                        "line": {"color": "white", "width": 1},
                    },
                    "text": [""] * (n - 1) + [f"<b>{s}</b>"] if n else [],
                    "textposition": _label_position(tx, ty),
                    "textfont": {
                        "color": colour,
                        "size": 13,
                        "shadow": "0 0 3px white, 0 0 3px white, 0 0 2px white",
                    },
                    "customdata": _iso(d[upto]),
                    "hovertemplate": "week of %{customdata}<br>RS-ratio %{x:.2f} · RS-momentum %{y:.2f}"
                    f"<extra>{label}</extra>",
                    "cliponaxis": False,
                }
            )
        return out

    labels = [str(pd.Timestamp(w).date()) for w in weeks]
    for name, sx, sy, colour in QUADRANTS:
        _shape(
            fig,
            type="rect",
            x0=100,
            x1=100 + sx * dx * 2,
            y0=100,
            y1=100 + sy * dy * 2,
            fillcolor=colour,
            opacity=0.06,
            line={"width": 0},
            layer="below",
        )
        _ann(
            fig,
            x=100 + sx * dx * 0.97,
            y=100 + sy * dy * 0.97,
            text=f"<b>{name}</b>",
            showarrow=False,
            xanchor="right" if sx > 0 else "left",
            yanchor="top" if sy > 0 else "bottom",
            font={"color": colour, "size": 13},
            opacity=0.8,
        )
    _shape(
        fig,
        type="line",
        xref="x",
        x0=100,
        x1=100,
        yref="paper",
        y0=0,
        y1=1,
        line={"color": GREY, "width": 0.8},
    )
    _shape(
        fig,
        type="line",
        yref="y",
        y0=100,
        y1=100,
        xref="paper",
        x0=0,
        x1=1,
        line={"color": GREY, "width": 0.8},
    )
    steps = [
        {
            "label": label,
            "method": "animate",
            "args": [
                [label],
                {
                    "mode": "immediate",
                    "frame": {"duration": 0, "redraw": False},
                    "transition": {"duration": 0},
                },
            ],
        }
        for label in labels
    ]
    fig.update_layout(
        font={"family": FONT, "size": 12},
        height=720,
        margin={"l": 70, "r": 30, "t": 40, "b": 130},
        xaxis={
            "range": [100 - dx, 100 + dx],
            "title": "RS-ratio (100 = in line with its recent trend)",
            "zeroline": False,
        },
        yaxis={"range": [100 - dy, 100 + dy], "title": "RS-momentum (100 = steady)", "zeroline": False},
        hovermode="closest",
        legend={"orientation": "v", "x": 1.01, "xanchor": "left", "y": 1.0, "title": {"text": "segments"}},
        sliders=[
            {
                "active": len(labels) - 1,
                "steps": steps,
                "currentvalue": {"prefix": f"tail of {RRG_TAIL_POINTS} weeks to ", "font": {"size": 13}},
                "pad": {"t": 60},
                "len": 0.88,
                "x": 0.12,
                "name": "week",
            }
        ],
        updatemenus=[
            {
                "type": "buttons",
                "showactive": False,
                "direction": "left",
                "x": 0.0,
                "y": 0,
                "xanchor": "left",
                "yanchor": "top",
                "pad": {"t": 75},
                "buttons": [
                    {
                        "label": "▶ play",
                        "method": "animate",
                        "args": [
                            None,
                            {
                                "frame": {"duration": 250, "redraw": False},
                                "fromcurrent": True,
                                "transition": {"duration": 0},
                            },
                        ],
                    },
                    {
                        "label": "❚❚",
                        "method": "animate",
                        "args": [[None], {"frame": {"duration": 0, "redraw": False}, "mode": "immediate"}],
                    },
                ],
            }
        ],
        meta={"weeks": len(labels), "segments": segments, "last_week": labels[-1]},
    )
    d = _finish(fig)
    d["data"] = traces_at(weeks[-1])
    d["frames"] = [{"name": label, "data": traces_at(w)} for w, label in zip(weeks, labels, strict=True)]
    return d
