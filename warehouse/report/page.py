"""The HTML page of the report: one self-contained file that works offline.

The page holds one inlined copy of plotly.js (from the plotly wheel, no network at view time), the
headline (the latest reading in words, each number linked to the mart column it comes from), the
interactive charts, the largest episodes, every latest value in tables, and the glossary of the mart
columns the headline cites (their dbt contract descriptions). A small script (:data:`SCRIPT`) keeps
every time-series chart on the same window and fits their y axes to the data shown.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import gzip
import html
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
import plotly.io as pio
from plotly.offline import get_plotlyjs

from warehouse.report.charts import CHART_HOWTO, CHART_TITLES
from warehouse.report.data import TABLES, Daily, Episodes, column_descriptions, table
from warehouse.report.formatting import (
    CORRELATION_LABELS,
    NO_VALUE,
    PAIR_LABELS,
    POSITIONING_LABELS,
    SYNTHETIC_MARK,
    fmt_date,
    fmt_flag,
    fmt_int,
    fmt_num,
    fmt_pct,
    fmt_pp,
    fmt_rank,
    isnull,
    ordinal,
    pair_label,
)

EPISODES_SHOWN = 10
UNSTABLE_SHARE = 2.0  # |share of the index's YTD return| above 200%: the index's return is near 0
# what a missing cut probability means (rotation_daily.cut_probability_next_fomc's contract)
CUT_PROBABILITY_NULL = (
    "no reading: the fed funds contract that prices the next FOMC meeting had no close that day (the "
    "deferred months are live-only: without them only a meeting in the front month's month, with at "
    "least 5 days after it, is priced)"
)
PLOTLY_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["lasso2d", "select2d"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}

CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #222; max-width: 1280px;
       margin: 0 auto 2em; padding: 0 1em; line-height: 1.45; }
h1 { margin: 0.6em 0 0.1em; }
h2 { margin-top: 1.6em; border-bottom: 1px solid #e5e5e5; padding-bottom: 0.15em; }
.subtitle { color: #555; margin: 0; }
.asof { color: #555; margin-top: 0.2em; font-weight: 600; }
.banner { position: sticky; top: 0; z-index: 10; background: #d62728; color: white; font-weight: 700;
          padding: 0.5em 1em; margin: 0 -1em; text-align: center; letter-spacing: 0.02em; }
.headline { background: #f7f9fc; border-left: 4px solid #1f77b4; padding: 0.6em 1.1em; font-size: 1.05em; }
.headline p { margin: 0.45em 0; }
.stale { color: #777; font-size: 0.85em; }
a.src { color: inherit; font-weight: 600; text-decoration: none; border-bottom: 1px dotted #1f77b4;
        font-variant-numeric: tabular-nums; white-space: nowrap; }
a.src:hover { background: #e8f0fa; }
nav { font-size: 0.92em; margin: 0.8em 0; }
nav a { margin-right: 1em; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; font-size: 0.92em; }
th, td { padding: 0.25em 0.7em; border-bottom: 1px solid #e3e3e3; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.howto { color: #444; max-width: 75em; }
.chart { border: 1px solid #eee; }
.empty { color: #888; font-style: italic; }
.warnings { color: #8a5a00; }
.glossary td:first-child { font-family: ui-monospace, monospace; white-space: nowrap; }
.glossary tr:target { background: #fff3c4; }
footer { margin-top: 2em; color: #777; font-size: 0.85em; border-top: 1px solid #ddd; padding-top: 0.5em; }
"""

# Keeps every time-series chart on one window (a preset or a zoom on one moves them all) and fits each
# y axis listed in layout.meta.fit_y to the data inside that window (plotly alone keeps the y range of
# the whole history, which flattens a 1-month view).
SCRIPT = r"""
(function () {
  "use strict";
  function toMs(v) {
    if (typeof v === "number") return v;
    var s = String(v);
    if (s.length <= 10) s += "T00:00:00";
    return Date.parse(s.replace(" ", "T") + "Z");
  }
  var xCache = new WeakMap();
  function xms(trace) {
    var x = trace.x;
    if (!x) return [];
    var ms = xCache.get(x);
    if (!ms) { ms = Array.from(x, toMs); xCache.set(x, ms); }
    return ms;
  }
  function timeCharts() {
    return Array.prototype.filter.call(document.querySelectorAll(".js-plotly-plot"), function (gd) {
      return gd.layout && gd.layout.meta && gd.layout.meta.time_series;
    });
  }
  function fitY(gd) {
    var meta = gd.layout.meta || {}, axes = meta.fit_y || [], update = {};
    var xr = gd.layout.xaxis && gd.layout.xaxis.range;
    if (!xr) return update;
    var x0 = toMs(xr[0]), x1 = toMs(xr[1]);
    axes.forEach(function (ax) {
      var id = "y" + ax.slice(5), lo = Infinity, hi = -Infinity;
      // _fullData: the traces as drawn, with plotly's base64 arrays decoded (gd.data keeps them encoded)
      (gd._fullData || gd.data).forEach(function (t) {
        if ((t.yaxis || "y") !== id || t.visible !== true || !t.y || !t.x) return;
        var xs = xms(t), ys = t.y;
        for (var i = 0; i < ys.length; i++) {
          var y = ys[i];
          if (y === null || !isFinite(y) || xs[i] < x0 || xs[i] > x1) continue;
          if (y < lo) lo = y;
          if (y > hi) hi = y;
        }
      });
      if (!isFinite(lo)) return;
      if ((gd.layout[ax] || {}).type === "log") { lo = Math.log10(lo); hi = Math.log10(hi); }
      var pad = (hi - lo) * 0.07 || Math.abs(hi) * 0.05 || 0.5;
      update[ax + ".range"] = [lo - pad, hi + pad];
    });
    return update;
  }
  // the last-value tags of one axis pushed apart where they would overlap (at least 18 px between
  // them); annotation positions on a log axis are already in log units, as l2p takes them
  function spreadTags(gd) {
    var full = gd._fullLayout, groups = {}, update = {};
    (full.annotations || []).forEach(function (a, i) {
      if (!a.visible || String(a.name || "").indexOf("last: ") !== 0) return;
      var axis = full["yaxis" + a.yref.slice(1)];
      if (!axis) return;
      (groups[a.yref] = groups[a.yref] || []).push({ i: i, px: axis.l2p(a.y), shift: a.yshift || 0 });
    });
    Object.keys(groups).forEach(function (ref) {
      var tags = groups[ref].sort(function (a, b) { return a.px - b.px; });
      var placed = [];
      tags.forEach(function (t, k) {
        var px = t.px;
        if (k > 0 && px - placed[k - 1] < 18) px = placed[k - 1] + 18;
        placed.push(px);
        var shift = -(px - t.px);  // yshift is upward, pixels grow downward
        if (shift !== t.shift) update["annotations[" + t.i + "].yshift"] = shift;
      });
    });
    if (!Object.keys(update).length || gd._spreadingTags) return Promise.resolve();
    gd._spreadingTags = true;
    return Plotly.relayout(gd, update).then(
      function () { gd._spreadingTags = false; },
      function () { gd._spreadingTags = false; }
    );
  }
  var busy = false;
  function apply(source) {
    if (busy) return;
    busy = true;
    var range = source.layout.xaxis.range.slice();
    var pending = timeCharts().map(function (gd) {
      var update = {};
      if (gd !== source) { update["xaxis.range"] = range; update["xaxis.autorange"] = false; }
      gd.layout.xaxis.range = gd === source ? gd.layout.xaxis.range : range;
      Object.assign(update, fitY(gd));
      return Plotly.relayout(gd, update).then(function () { return spreadTags(gd); });
    });
    Promise.all(pending).then(function () { busy = false; }, function () { busy = false; });
  }
  function watch(gd) {
    gd.on("plotly_relayout", function (ev) {
      if (busy) return;
      var keys = Object.keys(ev || {});
      if (keys.some(function (k) { return /^xaxis\d*\.(range|autorange)/.test(k); })) apply(gd);
    });
    gd.on("plotly_update", function () { if (!busy) apply(gd); });
    gd.on("plotly_afterplot", function () { if (!busy) spreadTags(gd); });
  }
  // plotly.js is in the page gzipped (base64): the browser inflates it (DecompressionStream) and runs it
  function inflate(packed) {
    var bytes = Uint8Array.from(atob(packed.trim()), function (c) { return c.charCodeAt(0); });
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text();
  }
  var plotlyReady = (function () {
    var packed = document.getElementById("plotly-js-gz");
    if (!packed) return Promise.resolve();
    return inflate(packed.textContent).then(function (code) {
      var script = document.createElement("script");
      script.text = code;
      document.head.appendChild(script);
    });
  })();
  var pending = [];
  // a figure is in the page as the id of its packed JSON (gzipped, base64), or as the figure itself
  function figure(fig) {
    if (typeof fig !== "string") return Promise.resolve(fig);
    return inflate(document.getElementById(fig).textContent).then(JSON.parse);
  }
  // a figure whose traces name a calendar (dates_ref) instead of carrying their dates gets them back
  function plot(id, fig, config) {
    var done = Promise.all([plotlyReady, figure(fig)]).then(function (ready) { return draw(id, ready[1], config); });
    pending.push(done);
    return done;
  }
  function draw(id, fig, config) {
    var calendars = window.rotationReport.calendars || {};
    function restore(trace) {
      if (trace.dates_ref) { trace.x = calendars[trace.dates_ref]; delete trace.dates_ref; }
    }
    (fig.data || []).forEach(restore);
    (fig.frames || []).forEach(function (f) { (f.data || []).forEach(restore); });
    return Plotly.newPlot(id, fig.data, fig.layout, config).then(function (gd) {
      return fig.frames && fig.frames.length ? Plotly.addFrames(gd, fig.frames).then(function () { return gd; }) : gd;
    });
  }
  window.rotationReport = { fitY: fitY, timeCharts: timeCharts, plot: plot, calendars: {} };
  window.addEventListener("load", function () {
    plotlyReady.then(function () { return Promise.all(pending); }).then(function () {
      var charts = timeCharts();
      charts.forEach(watch);
      return Promise.all(charts.map(function (gd) {
        return Plotly.relayout(gd, fitY(gd)).then(function () { return spreadTags(gd); });
      }));
    }).then(function () {
      document.body.setAttribute("data-report-ready", "true");
    }, function (err) {
      document.body.setAttribute("data-report-ready", "error");
      console.error(err);
    });
  });
})();
"""


@dataclass
class Sources:
    """The mart columns the headline cites, in the order cited (the glossary lists them)."""

    cited: list[tuple[str, str]] = field(default_factory=list)

    def link(self, mart: str, column: str, text: str) -> str:
        """``text`` linked to the glossary row of ``mart.column`` (and titled with it)."""
        if (mart, column) not in self.cited:
            self.cited.append((mart, column))
        return (
            f'<a class="src" href="#{anchor(mart, column)}" title="{html.escape(table(mart))}.{html.escape(column)}">'
            f"{html.escape(text)}</a>"
        )


def anchor(mart: str, column: str) -> str:
    return f"src-{mart}-{column}"


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


def _count_to_date(daily: pd.DataFrame, column: str) -> int:
    """N of "rank k of N" on the last row: the column's non-null values up to it."""
    return int(daily[column].notna().sum())


def reading(daily: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series, str]:
    """The rows up to the latest reading (the last date with the first pair's 21-day spread), the
    reading (each column's latest value up to it) and its date."""
    last_valid = daily[Daily.spread(Daily.PAIRS[0], 21)].last_valid_index()
    daily = daily.loc[: last_valid if last_valid is not None else daily.index[-1]]
    return daily, daily.ffill().iloc[-1], fmt_date(daily[Daily.DATE].iloc[-1])


def headline(daily: pd.DataFrame, episodes: pd.DataFrame, sources: Sources) -> str:
    """The latest reading in words, each number linked to its mart column.

    The reading is of the last date with the first pair's 21-day spread (the last row of the mart can
    be a date whose closes are not all in yet); a value null on that date is its latest earlier one,
    marked with its date."""
    if daily.empty:
        return '<p class="empty">No rows in marts.rotation_daily: nothing to report.</p>'
    daily, row, reading_date = reading(daily)
    m = Daily.MART

    def v(column: str, text: str) -> str:
        found = daily[column].last_valid_index()
        when = fmt_date(daily.loc[found, Daily.DATE]) if found is not None else reading_date
        stale = f' <span class="stale">(as of {html.escape(when)})</span>' if when != reading_date else ""
        return sources.link(m, column, text) + stale

    parts: list[str] = []
    # 1. small vs large vs tech
    h = 21
    sentences = []
    for i, pair in enumerate(Daily.PAIRS):
        spread, rank = row[Daily.spread(pair, h)], row[Daily.spread_rank(pair, h)]
        pct = row[Daily.spread_pctrank(pair, h)]
        numerator, denominator = pair_label(pair).split("/")
        if isnull(spread):
            sentences.append(f"The {h}-day {numerator} − {denominator} spread has no value.")
            continue
        verb = "led" if float(spread) >= 0 else "trailed"
        record = (
            " — a new record"
            if not isnull(row[Daily.is_record(pair, h)]) and bool(row[Daily.is_record(pair, h)])
            else ""
        )
        rank_text = fmt_rank(rank, _count_to_date(daily, Daily.spread(pair, h)))
        pct_text = NO_VALUE if isnull(pct) else f"{ordinal(float(pct) * 100)} percentile"
        subject = (
            f"small caps ({numerator}) {verb} {denominator}"
            if i == 0
            else f"against {denominator} they {verb}"
        )
        sentences.append(
            f"{subject[0].upper() + subject[1:]} by {v(Daily.spread(pair, h), fmt_pp(spread))} over {h} trading days: "
            f"{v(Daily.spread_rank(pair, h), rank_text)} of its history to date "
            f"({v(Daily.spread_pctrank(pair, h), pct_text)}){record}."
        )
    ongoing = episodes[
        (episodes[Episodes.HORIZON] == Episodes.HORIZON_21D)
        & episodes[Episodes.IS_ONGOING].astype("boolean").fillna(False)
    ]
    for ep in ongoing.to_dict("records"):
        lead = ep[Episodes.DIRECTION] == Episodes.LEADS
        numerator, denominator = str(ep[Episodes.PAIR]).split("/")
        sentences.append(
            f"An episode where {numerator} {'leads' if lead else 'lags'} {denominator} by a historically rare "
            f"margin has run since {sources.link(Episodes.MART, Episodes.START_DATE, fmt_date(ep[Episodes.START_DATE]))}"
            f" (peak {sources.link(Episodes.MART, Episodes.PEAK_SPREAD, fmt_pp(ep[Episodes.PEAK_SPREAD]))})."
        )
    parts.append(" ".join(sentences))
    # 2. rates
    level, change = row[Daily.DGS2_LEVEL_PCT], row[Daily.DGS2_CHANGE_BP]
    corr = [row[c] for c in Daily.CORRELATIONS]
    rates = (
        f"The 2-year Treasury yield is {v(Daily.DGS2_LEVEL_PCT, fmt_num(level, '.2f') + ('' if isnull(level) else '%'))} "
        f"({v(Daily.DGS2_CHANGE_BP, fmt_num(change, '+.1f') + ('' if isnull(change) else ' bp'))} on the day); over 63 days, "
        f"daily returns correlate with its changes at {v(Daily.CORRELATIONS[0], fmt_num(corr[0], '+.2f'))} for ^RUT, "
        f"{v(Daily.CORRELATIONS[1], fmt_num(corr[1], '+.2f'))} for ^GSPC and "
        f"{v(Daily.CORRELATIONS[2], fmt_num(corr[2], '+.2f'))} for ^NDX."
    )
    cut, meeting = row[Daily.CUT_PROBABILITY], row[Daily.NEXT_FOMC_DATE]
    meeting_text = v(Daily.NEXT_FOMC_DATE, fmt_date(meeting))
    if isnull(cut):
        rates += (
            f" Cut probability at the next FOMC ({meeting_text}): {v(Daily.CUT_PROBABILITY, NO_VALUE)} "
            f"({html.escape(CUT_PROBABILITY_NULL)})."
        )
    else:
        rates += (
            f" Fed funds futures price a {v(Daily.CUT_PROBABILITY, fmt_pct(cut, 0))} probability of a 25 bp cut "
            f"at the FOMC meeting of {meeting_text}."
        )
    parts.append(rates)
    # 3. positioning
    pos = []
    for group in Daily.POSITIONING:
        share, pct = row[Daily.net_share_oi(group)], row[Daily.net_share_oi_pctrank(group)]
        pct_text = NO_VALUE if isnull(pct) else f"{ordinal(float(pct) * 100)} percentile of 156 reports"
        pos.append(
            f"{html.escape(POSITIONING_LABELS[group])} {v(Daily.net_share_oi(group), fmt_pct(share, 1, signed=True))} "
            f"({v(Daily.net_share_oi_pctrank(group), pct_text)})"
        )
    reports = sorted({fmt_date(row[Daily.RUT_REPORT_DATE]), fmt_date(row[Daily.NDX_REPORT_DATE])})
    parts.append(
        "Net futures positions, as a share of open interest: "
        + "; ".join(pos)
        + f" (CFTC reports of {v(Daily.RUT_REPORT_DATE, reports[0])}"
        + (f" and {v(Daily.NDX_REPORT_DATE, reports[1])}" if len(reports) > 1 else "")
        + ")."
    )
    # 4. cross-asset, 5. concentration
    cg = row[Daily.COPPER_GOLD_RATIO]
    parts.append(
        f"Cross-asset: copper/gold {v(Daily.COPPER_GOLD_RATIO, fmt_num(None if isnull(cg) else float(cg) * 1000, '.3f'))} "
        "(× 1000, $ per lb ÷ $ per troy oz); over 21 days HYG − IEF "
        f"{v(Daily.HYG_MINUS_IEF_21D, fmt_pp(row[Daily.HYG_MINUS_IEF_21D]))}, RSP − SPY "
        f"{v(Daily.RSP_MINUS_SPY_21D, fmt_pp(row[Daily.RSP_MINUS_SPY_21D]))}, SMB "
        f"{v(Daily.SMB_21D, fmt_pp(row[Daily.SMB_21D]))}; VIX {v(Daily.VIX_LEVEL, fmt_num(row[Daily.VIX_LEVEL], '.2f'))}."
    )
    share_ytd = row[Daily.MEGACAP_SHARE_OF_YTD_RETURN]
    # a share of a year-to-date return near 0 is a ratio of two small numbers (its contract says so)
    unstable = (
        " (the index is nearly flat this year, so that share is unstable)"
        if not isnull(share_ytd) and abs(float(share_ytd)) > UNSTABLE_SHARE
        else ""
    )
    parts.append(
        f"Concentration: the mega caps weigh {v(Daily.MEGACAP_INDEX_WEIGHT, fmt_pct(row[Daily.MEGACAP_INDEX_WEIGHT], 1))} "
        f"of the S&amp;P 500, gave {v(Daily.MEGACAP_SHARE_OF_YTD_RETURN, fmt_pct(share_ytd, 1))} "
        f"of its year-to-date total return{unstable} and returned "
        f"{v(Daily.MEGACAP_MINUS_GSPC_21D, fmt_pp(row[Daily.MEGACAP_MINUS_GSPC_21D]))} against ^GSPC over 21 days."
    )
    return (
        f'<div class="headline" id="headline"><p><b>Latest reading, {sources.link(m, Daily.DATE, reading_date)}.</b> '
        + "</p><p>".join(parts)
        + "</p></div>"
    )


def latest_reading(daily: pd.DataFrame) -> str:
    """The tables of the last row of marts.rotation_daily: the spreads, then the other indicators."""
    if daily.empty:
        return '<p class="empty">No rows in marts.rotation_daily.</p>'
    daily, row, reading_date = reading(daily)
    spreads = [
        [
            PAIR_LABELS[pair],
            f"{h}d",
            fmt_pp(row[Daily.spread(pair, h)]),
            fmt_pct(row[Daily.spread_pctrank(pair, h)], 1),
            fmt_rank(row[Daily.spread_rank(pair, h)], _count_to_date(daily, Daily.spread(pair, h))),
            fmt_flag(row[Daily.is_record(pair, h)]),
        ]
        for pair in Daily.PAIRS
        for h in Daily.HORIZONS
    ]
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
    dgs2_level, dgs2_change = row[Daily.DGS2_LEVEL_PCT], row[Daily.DGS2_CHANGE_BP]
    cut = row[Daily.CUT_PROBABILITY]
    cg = row[Daily.COPPER_GOLD_RATIO]
    others: list[list[str]] = [
        ["^RUT close", fmt_num(row[Daily.RUT_CLOSE], ",.2f")],
        ["^GSPC close", fmt_num(row[Daily.GSPC_CLOSE], ",.2f")],
        ["^NDX close", fmt_num(row[Daily.NDX_CLOSE], ",.2f")],
        *(
            [f"63-day correlation, {CORRELATION_LABELS[c]}", fmt_num(row[c], "+.2f")]
            for c in Daily.CORRELATIONS
        ),
        ["2-year Treasury yield (DGS2)", fmt_num(dgs2_level, ".2f") + ("" if isnull(dgs2_level) else "%")],
        ["DGS2 daily change", fmt_num(dgs2_change, "+.1f") + ("" if isnull(dgs2_change) else " bp")],
        ["Next FOMC meeting", fmt_date(row[Daily.NEXT_FOMC_DATE])],
        [
            "Cut probability at the next FOMC",
            fmt_pct(cut, 1) if not isnull(cut) else f"{NO_VALUE} ({CUT_PROBABILITY_NULL})",
        ],
    ]
    for group in Daily.POSITIONING:
        label = POSITIONING_LABELS[group]
        others.append(
            [f"{label}: net share of open interest", fmt_pct(row[Daily.net_share_oi(group)], 1, signed=True)]
        )
        others.append([f"{label}: 156-report percentile", fmt_pct(row[Daily.net_share_oi_pctrank(group)], 1)])
    others += [
        ["VIX (index points)", fmt_num(row[Daily.VIX_LEVEL], ".2f")],
        [
            "Copper/gold ratio × 1000 ($ per lb ÷ $ per troy oz)",
            fmt_num(None if isnull(cg) else float(cg) * 1000, ".3f"),
        ],
        ["SMB factor, 21 days", fmt_pp(row[Daily.SMB_21D])],
        ["Megacap minus ^GSPC, 21 days", fmt_pp(row[Daily.MEGACAP_MINUS_GSPC_21D])],
        ["HYG return, 21 days", fmt_pct(row[Daily.HYG_RETURN_21D], signed=True)],
        ["HYG minus IEF, 21 days", fmt_pp(row[Daily.HYG_MINUS_IEF_21D])],
        ["RSP minus SPY, 21 days", fmt_pp(row[Daily.RSP_MINUS_SPY_21D])],
        ["Mega caps' weight in the S&P 500", fmt_pct(row[Daily.MEGACAP_INDEX_WEIGHT], 1)],
        [
            "Mega caps' share of the S&P 500's year-to-date return",
            fmt_pct(row[Daily.MEGACAP_SHARE_OF_YTD_RETURN], 1),
        ],
        [
            "Mega-cap next-year revenue revisions breadth, 30 days (-1..+1)",
            fmt_num(row[Daily.MEGACAP_REVENUE_BREADTH], "+.2f"),
        ],
    ]
    return (
        f"<p>The reading of {html.escape(reading_date)}: a value the mart does not have on that date is its "
        "latest earlier one (the headline gives its date).</p>"
        + spread_table
        + _table(["Indicator", "Value"], others)
    )


def episodes_html(episodes: pd.DataFrame) -> str:
    """The largest 21-day episodes of each pair of marts.rotation_episodes, a table per direction."""
    ep = episodes[episodes[Episodes.HORIZON] == Episodes.HORIZON_21D]
    pairs = sorted(ep[Episodes.PAIR].dropna().unique())
    if not pairs:
        return '<p class="empty">No 21-day episodes in marts.rotation_episodes.</p>'
    parts = []
    for pair in pairs:
        numerator, denominator = str(pair).split("/")
        for direction, verb in ((Episodes.LEADS, "leads"), (Episodes.LAGS, "lags")):
            rows = ep[(ep[Episodes.PAIR] == pair) & (ep[Episodes.DIRECTION] == direction)].sort_values(
                [Episodes.PEAK_RANK, Episodes.START_DATE], na_position="last"
            )
            parts.append(f"<h3>{html.escape(f'{numerator} {verb} {denominator} (21d)')}</h3>")
            if rows.empty:
                parts.append('<p class="empty">No episodes.</p>')
                continue
            body = []
            for r in rows.head(EPISODES_SHOWN).to_dict("records"):
                ongoing = not isnull(r[Episodes.IS_ONGOING]) and bool(r[Episodes.IS_ONGOING])
                body.append(
                    [
                        fmt_rank(r[Episodes.PEAK_RANK], len(rows)),
                        fmt_date(r[Episodes.START_DATE]),
                        fmt_date(r[Episodes.PEAK_DATE]),
                        fmt_date(r[Episodes.END_DATE]) + (" (ongoing)" if ongoing else ""),
                        fmt_int(r[Episodes.TRADING_DAYS]),
                        fmt_pp(r[Episodes.PEAK_SPREAD]),
                        fmt_num(r[Episodes.DGS2_CHANGE_BP], "+.1f")
                        + ("" if isnull(r[Episodes.DGS2_CHANGE_BP]) else " bp"),
                    ]
                )
            parts.append(
                _table(
                    ["Rank", "Start", "Peak", "End", "Trading days", "Peak spread", "2-year yield change"],
                    body,
                    numeric_from=4,
                )
            )
    return "".join(parts)


def glossary(sources: Sources) -> str:
    """The mart columns the headline cites, each with its anchor and its contract's description."""
    descriptions: dict[str, dict[str, str]] = {}
    rows = []
    for mart, column in sources.cited:
        if mart not in descriptions:
            descriptions[mart] = column_descriptions(mart)
        rows.append(
            f'<tr id="{anchor(mart, column)}"><td>{html.escape(table(mart))}.{html.escape(column)}</td>'
            f"<td>{html.escape(descriptions[mart].get(column, ''))}</td></tr>"
        )
    return (
        '<table class="glossary"><thead><tr><th>Mart column</th><th>What it is (its dbt contract)</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _json(value: object) -> str:
    """JSON for inside a <script>: plotly's encoder (numpy, base64 arrays), with "</" escaped."""
    return pio.to_json(value, validate=False, remove_uids=False).replace("</", "<\\/")


def chart_html(name: str, fig: dict) -> str:
    """A chart's section: title, how to read it, and the figure (no plotly.js: the page has it once)."""
    e = html.escape
    height = fig.get("layout", {}).get("height", 450)
    div = (
        f'<div id="chart-{e(name)}" class="plotly-graph-div" style="height:{int(height)}px; width:100%;"></div>'
        f'<script id="figure-{e(name)}" type="application/octet-stream">{pack(_json(fig))}</script>'
        f'<script>rotationReport.plot("chart-{e(name)}", "figure-{e(name)}", {json.dumps(PLOTLY_CONFIG)});</script>'
    )
    note = ""
    if name == "small_vs_large":
        records = fig["layout"].get("meta", {}).get("records") or {}
        n = sum(records.values())
        note = (
            " Diamonds mark new records of a spread ("
            + ", ".join(f"{k}: {records[k]}" for k in records)
            + " in the whole history)."
            if n
            else " No spread set a new record in the whole history shown, so no diamonds are drawn."
        )
    return (
        f'<section id="{e(name)}"><h2>{e(CHART_TITLES[name])}</h2>'
        f'<p class="howto">{e(CHART_HOWTO[name] + note)}</p><div class="chart">{div}</div></section>'
    )


def page(
    *,
    subtitle: str,
    as_of: dt.date | None,
    headline_html: str,
    latest: str,
    episodes: str,
    glossary_html: str,
    figures: dict[str, dict],
    calendars: dict[str, list[str]],
    warnings: Sequence[str],
    generated: dt.datetime,
    synthetic: bool,
) -> str:
    """The whole HTML document: plotly.js inlined once, then the charts in their order."""
    e = html.escape
    charts = "\n".join(chart_html(name, fig) for name, fig in figures.items())
    nav = " ".join(f'<a href="#{e(name)}">{e(CHART_TITLES[name].split(":")[0])}</a>' for name in figures)
    warning_html = ""
    if warnings:
        items = "".join(f"<li>{e(w)}</li>" for w in warnings)
        warning_html = f'<section class="warnings"><h2>Warnings</h2><ul>{items}</ul></section>'
    banner = (
        f'<div class="banner" id="synthetic-banner">{e(SYNTHETIC_MARK)}: this report is drawn from the '
        "synthetic sample (ROTATION_SOURCE=sample), not from market data. Do not use its numbers.</div>\n"
        if synthetic
        else ""
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{'[SYNTHETIC] ' if synthetic else ''}Rotation report{e(' — ' + as_of.isoformat()) if as_of else ''}</title>"
        f"<style>{CSS}</style>\n"
        f'<script id="plotly-js-gz" type="application/octet-stream">{plotly_js_packed()}</script>\n'
        f"<script>{SCRIPT}</script>\n"
        f"<script>rotationReport.calendars = {_json(calendars)};</script></head><body"
        + (' data-synthetic="true"' if synthetic else "")
        + ">\n"
        + banner
        + "<h1>Rotation report</h1>\n"
        + (f'<p class="subtitle">{e(subtitle)}</p>\n' if subtitle else "")
        + f'<p class="asof">as of {e(as_of.isoformat() if as_of else "— (no data)")}</p>\n'
        + headline_html
        + f"\n<nav>{nav} <a href='#episodes'>Episodes</a> <a href='#latest'>All values</a> "
        "<a href='#sources'>Sources</a></nav>\n"
        + warning_html
        + charts
        + f'\n<section id="episodes"><h2>Largest episodes (21-day spreads)</h2>{episodes}</section>\n'
        + f'<section id="latest"><h2>Latest reading, every value</h2>{latest}</section>\n'
        + '<section id="sources"><h2>Where the headline numbers come from</h2>'
        + f"<p>Each number of the headline links here: the mart column it is read from.</p>{glossary_html}</section>"
        + f"\n<footer>Generated {e(generated.strftime('%Y-%m-%d %H:%M:%S'))} UTC from "
        + e(", ".join(TABLES))
        + ". Charts: plotly.js "
        + e(_plotly_version())
        + ", inlined (works offline).</footer>\n</body></html>\n"
    )


def pack(text: str) -> str:
    """``text`` gzipped and base64-encoded, for a ``<script type="application/octet-stream">`` block that
    the page's script inflates with the browser's DecompressionStream. A figure's JSON (dates as text,
    repeated labels and hover templates) packs to about a third of its size."""
    return base64.b64encode(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)).decode("ascii")


@functools.cache
def plotly_js_packed() -> str:
    """plotly.min.js from the plotly wheel, packed (:func:`pack`): 4.8 MB of JavaScript in 2 MB of page."""
    return pack(get_plotlyjs())


def _plotly_version() -> str:
    import plotly

    return json.dumps(plotly.__version__).strip('"')
