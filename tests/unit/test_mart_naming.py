"""The marts' column vocabulary (docs/architecture.md "Naming"), checked on the marts' YAML contracts.

Windows end in what they count (`_21d` trading days, `_30cd` calendar days, `_1w` calendar weeks,
`_156r` reports); ranks and percentile ranks say what they rank among (`_to_date`, a window,
`_full_history`); `pctile`/`percentile` are not column words.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

MARTS = Path(__file__).resolve().parents[2] / "dbt_project" / "models" / "marts"

WINDOW = re.compile(r"^(\d+)(d|cd|w|r)$")
# what the description of a column with each window unit must say it counts
UNIT_WORDS = {"d": "trading", "cd": "calendar day", "w": "calendar week", "r": "report"}
UNIT_NAMES = {"d": "trading days", "cd": "calendar days", "w": "calendar weeks", "r": "reports"}
# what the description of a rank must say about the rows it ranks among
AMONG_WORDS = {"to_date": "up to and including", "full_history": "whole history", "window": "trailing"}
# ranks across the rows of one date (cross-sectional): point in time by construction, no window
CROSS_SECTIONAL_RANKS = {"size_rank"}


def mart_columns() -> list[tuple[str, str, str]]:
    out = []
    for path in sorted(MARTS.glob("*.yml")):
        for model in yaml.safe_load(path.read_text(encoding="utf-8")).get("models") or []:
            for column in model.get("columns") or []:
                out.append((model["name"], column["name"], column.get("description") or ""))
    return out


def naming_problems(name: str, description: str) -> list[str]:
    """What is wrong with one column name under the vocabulary (empty when nothing)."""
    problems = []
    tokens = name.split("_")
    if "pctile" in tokens or "percentile" in tokens:
        problems.append("`pctile`/`percentile`: a percentile rank is `pctrank`")
    for token in tokens:
        if re.fullmatch(r"\d+[a-z]+", token) and not WINDOW.match(token):
            problems.append(f"window {token!r}: the unit must be d, cd, w or r")
    for word in ("rank", "pctrank"):
        if word in tokens and name not in CROSS_SECTIONAL_RANKS:
            rest = tokens[len(tokens) - tokens[::-1].index(word) :]
            if rest in (["to", "date"], ["full", "history"]):
                among = "_".join(rest)
            elif len(rest) == 1 and WINDOW.match(rest[0]):
                among = "window"
            else:
                problems.append(f"{word} without what it ranks among (_to_date, a window or _full_history)")
                continue
            if AMONG_WORDS[among] not in description.lower():
                problems.append(f"{word} over {among}: the description must say '{AMONG_WORDS[among]}'")
    windows = [WINDOW.match(t) for t in tokens if WINDOW.match(t)]
    if windows and not description:
        problems.append("a window column without a description")
    for match in windows:
        word = UNIT_WORDS[match.group(2)]
        if word not in description.lower():
            problems.append(
                f"suffix {match.group(0)} counts {UNIT_NAMES[match.group(2)]}, the description does not say so"
            )
    return problems


@pytest.mark.parametrize(
    ("name", "description", "expected"),
    [
        (
            "rut_gspc_spread_rank_5d",
            "5 trading days, among the spreads up to and including the date",
            "trailing",
        ),
        ("rut_gspc_spread_pctile_5d", "", "pctile"),
        ("net_share_oi_percentile_156w", "trailing 156 reports", "pctile"),
        ("cot_index_156w", "over the trailing 156 reports", "counts calendar weeks"),
        ("spread_rank", "rank over the whole history", "rank without"),
        ("rut_gspc_spread_5d_rank_to_date", "5 trading days, over the last 5 days", "up to and including"),
        ("revenue_change_30d", "against the capture 30 calendar days earlier", "counts trading days"),
        ("vix_change_5d", "change over 5 trading days", None),
        ("rut_gspc_spread_5d_rank_to_date", "5 trading days, up to and including the date", None),
        ("net_share_oi_pctrank_156r", "trailing 156 reports", None),
        ("spread_rank_full_history", "over the whole history", None),
        ("size_rank", "", None),
        ("net_change_1w", "the previous calendar week's report", None),
    ],
)
def test_the_rules_catch_the_old_names(name, description, expected):
    problems = naming_problems(name, description)
    if expected is None:
        assert problems == []
    else:
        assert any(expected in p for p in problems), problems


def test_every_mart_column_follows_the_vocabulary():
    columns = mart_columns()
    assert len(columns) > 150
    bad = {
        f"{model}.{name}": naming_problems(name, d) for model, name, d in columns if naming_problems(name, d)
    }
    assert not bad, 'mart columns off the vocabulary (docs/architecture.md "Naming"):\n' + "\n".join(
        f"  {k}: {'; '.join(v)}" for k, v in bad.items()
    )
