"""The HTML page of the report: the latest reading, the largest episodes and the charts, in one
self-contained file (the PNGs are embedded as base64 ``data:`` URIs, so it can be mailed or opened
offline)."""

from __future__ import annotations

import base64
import datetime as dt
import html
from collections.abc import Sequence

import pandas as pd

from warehouse.report.charts import CHART_HOWTO, CHART_TITLES, DPI, FIGSIZE
from warehouse.report.data import TABLES, Daily, Episodes
from warehouse.report.formatting import (
    CORRELATION_LABELS,
    PAIR_LABELS,
    POSITIONING_LABELS,
    fmt_date,
    fmt_flag,
    fmt_int,
    fmt_num,
    fmt_pct,
    isnull,
)

EPISODES_SHOWN = 10

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


def latest_reading(daily: pd.DataFrame) -> str:
    """The tables of the last row of marts.rotation_daily: the spreads, then the other indicators."""
    if daily.empty:
        return '<p class="empty">No rows in marts.rotation_daily.</p>'
    row = daily.iloc[-1]
    spreads = [
        [
            PAIR_LABELS[pair],
            f"{h}d",
            fmt_pct(row[Daily.spread(pair, h)], signed=True),
            fmt_pct(row[Daily.spread_pctrank(pair, h)], 1),
            fmt_int(row[Daily.spread_rank(pair, h)]),
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
        ["Cut probability at the next FOMC", fmt_pct(row[Daily.CUT_PROBABILITY], 1)],
    ]
    for group in Daily.POSITIONING:
        label = POSITIONING_LABELS[group]
        others.append(
            [f"{label}: net share of open interest", fmt_pct(row[Daily.net_share_oi(group)], 1, signed=True)]
        )
        others.append([f"{label}: 156-week percentile", fmt_pct(row[Daily.net_share_oi_pctrank(group)], 1)])
    others += [
        ["VIX", fmt_num(row[Daily.VIX_LEVEL], ".2f")],
        ["Copper/gold ratio", fmt_num(row[Daily.COPPER_GOLD_RATIO], ".4g")],
        ["SMB factor, 21 days", fmt_pct(row[Daily.SMB_21D], signed=True)],
        ["Megacap minus ^GSPC, 21 days", fmt_pct(row[Daily.MEGACAP_MINUS_GSPC_21D], signed=True)],
        ["HYG return, 21 days", fmt_pct(row[Daily.HYG_RETURN_21D], signed=True)],
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
        f"<p>Values of {html.escape(fmt_date(row[Daily.DATE]))}.</p>"
        + spread_table
        + _table(["Indicator", "Value"], others)
    )


def episodes_html(episodes: pd.DataFrame) -> str:
    """The largest 21-day ^RUT/^GSPC episodes of marts.rotation_episodes, a table per direction."""
    ep = episodes[
        (episodes[Episodes.PAIR] == Episodes.RUT_GSPC) & (episodes[Episodes.HORIZON] == Episodes.HORIZON_21D)
    ]
    parts = []
    for direction, heading in ((Episodes.LEADS, "^RUT leads ^GSPC"), (Episodes.LAGS, "^RUT lags ^GSPC")):
        rows = ep[ep[Episodes.DIRECTION] == direction].sort_values(
            [Episodes.PEAK_RANK, Episodes.START_DATE], na_position="last"
        )
        parts.append(f"<h3>{html.escape(heading)}</h3>")
        if rows.empty:
            parts.append('<p class="empty">No episodes.</p>')
            continue
        body = []
        for r in rows.head(EPISODES_SHOWN).to_dict("records"):
            ongoing = not isnull(r[Episodes.IS_ONGOING]) and bool(r[Episodes.IS_ONGOING])
            body.append(
                [
                    fmt_int(r[Episodes.PEAK_RANK]),
                    fmt_date(r[Episodes.START_DATE]),
                    fmt_date(r[Episodes.PEAK_DATE]),
                    fmt_date(r[Episodes.END_DATE]) + (" (ongoing)" if ongoing else ""),
                    fmt_int(r[Episodes.TRADING_DAYS]),
                    fmt_pct(r[Episodes.PEAK_SPREAD], signed=True),
                    fmt_num(r[Episodes.DGS2_CHANGE_BP], "+.1f"),
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


def page(
    *,
    subtitle: str,
    as_of: dt.date | None,
    latest: str,
    episodes: str,
    pngs: dict[str, bytes],
    warnings: Sequence[str],
    generated: dt.datetime,
) -> str:
    """The whole HTML document, the charts ``pngs`` embedded in their order."""
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
