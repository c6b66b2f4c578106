"""The targets the benchmark reports (issues 8 and 17), the ratios they are read from, and the
table that prints them with a met/missed column. Pure functions of measured figures, so the logic
is unit-tested on hand-made inputs (tests/unit/test_benchmark_targets.py); benchmarks/run.py feeds
them the figures of a run.

Rules:

- A target is a limit and a comparison: ``<=`` (at most: cold build, update, bound ratio, memory,
  ``make run``, ``make test``) or ``<`` (strictly faster than a reference: ratio below 1).
- A figure that was not measured is never made up: its row says "not measured" and why (the flag
  that measures it), and counts as neither met nor missed.
- Ratios are the warehouse's model time over a reference's time on the same rows; a missing or
  zero reference time gives no ratio (None), not an infinity.
"""

from __future__ import annotations

import operator
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

GB_MB = 1024.0


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    limit: float
    unit: str  # "s", "x", "MB"
    strict: bool = False  # True: below the limit ("<"); False: at most the limit ("<=")
    unmeasured: str = "not measured"  # what the row says when the figure is missing

    @property
    def compare(self) -> Callable[[float, float], bool]:
        return operator.lt if self.strict else operator.le

    @property
    def target_text(self) -> str:
        sign = "<" if self.strict else "<="
        if self.unit == "MB":
            return f"{sign} {self.limit / GB_MB:g} GB"
        if self.unit == "s" and self.limit >= 120:
            return f"{sign} {self.limit / 60:g} min"
        return f"{sign} {self.limit:g}{' s' if self.unit == 's' else 'x'}"


TARGETS: tuple[Target, ...] = (
    Target("cold_seconds", "cold build, whole run", 60.0, "s"),
    Target("update_seconds_after_startup", "one-day update, after start-up", 5.0, "s"),
    Target("rate_sensitivity_over_bound", "rate_sensitivity / numpy bound", 2.0, "x"),
    Target("relative_performance_over_pandas", "relative_performance / pandas", 1.0, "x", strict=True),
    Target("relative_performance_over_polars", "relative_performance / Polars", 1.0, "x", strict=True),
    Target("rate_sensitivity_over_pandas", "rate_sensitivity / pandas", 1.0, "x", strict=True),
    Target("rate_sensitivity_over_polars", "rate_sensitivity / Polars", 1.0, "x", strict=True),
    Target("peak_rss_mb", "peak resident memory", 2048.0, "MB"),
    Target(
        "make_run_seconds",
        "`make run` on the sample after install (median of runs)",
        30.0,
        "s",
        unmeasured="not measured (--skip-make-run)",
    ),
    Target(
        "make_test_seconds",
        "`make test` on a fresh clone, tests only",
        600.0,
        "s",
        unmeasured="not measured (--make-test)",
    ),
)


RATIO_KEYS = (
    "rate_sensitivity_over_bound",
    "relative_performance_over_pandas",
    "relative_performance_over_polars",
    "rate_sensitivity_over_pandas",
    "rate_sensitivity_over_polars",
)


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """``numerator / denominator``, or None when either is missing or the denominator is not positive."""
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def ratios(warehouse: dict[str, float | None], references: dict) -> dict[str, float | None]:
    """Warehouse model seconds (``warehouse``: relative_performance, rate_sensitivity) over each
    reference's seconds (benchmarks.compare's ``<reference>_<model>_seconds``); the numpy bound
    exists for rate_sensitivity only."""
    out = {}
    for model in ("relative_performance", "rate_sensitivity"):
        for reference in ("pandas", "polars", "numpy"):
            seconds = references.get(f"{reference}_{model}_seconds")
            if reference == "numpy":
                if model != "rate_sensitivity":
                    continue
                out[f"{model}_over_bound"] = ratio(warehouse.get(model), seconds)
            else:
                out[f"{model}_over_{reference}"] = ratio(warehouse.get(model), seconds)
    return out


def median(values: Sequence[float] | None) -> float | None:
    return statistics.median(values) if values else None


def measured(
    *,
    cold_seconds: float,
    update_seconds: float,
    update_startup_seconds: float,
    peak_rss_mb: float,
    model_ratios: dict[str, float | None],
    make_run_seconds: Sequence[float] | None = None,
    make_test_seconds: float | None = None,
) -> dict[str, float | None]:
    """The figure of every target (None: not measured), plus the update's share of the cold build
    (whole run over whole run, and after start-up over the cold build)."""
    after_startup = update_seconds - update_startup_seconds
    return {
        "cold_seconds": cold_seconds,
        "update_seconds_after_startup": after_startup,
        **{k: model_ratios.get(k) for k in RATIO_KEYS},
        "peak_rss_mb": peak_rss_mb,
        "make_run_seconds": median(make_run_seconds),
        "make_test_seconds": make_test_seconds,
    }


def update_share(update_seconds: float, update_startup_seconds: float, cold_seconds: float) -> dict:
    """The one-day update's share of the cold build: whole run over whole run, and after start-up."""
    return {
        "update_over_cold": ratio(update_seconds, cold_seconds),
        "update_after_startup_over_cold": ratio(update_seconds - update_startup_seconds, cold_seconds),
    }


def verdict(target: Target, value: float | None) -> str:
    if value is None:
        return target.unmeasured
    return "met" if target.compare(value, target.limit) else "missed"


def target_rows(figures: dict[str, float | None]) -> list[dict]:
    """One row per target: key, label, target (text), limit, comparison, measured, unit, verdict."""
    return [
        {
            "key": t.key,
            "label": t.label,
            "target": t.target_text,
            "limit": t.limit,
            "comparison": "<" if t.strict else "<=",
            "measured": figures.get(t.key),
            "unit": t.unit,
            "verdict": verdict(t, figures.get(t.key)),
        }
        for t in TARGETS
    ]


def _figure(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "x":
        return f"{value:,.2f}x"
    if unit == "MB":
        return f"{value / GB_MB:,.2f} GB"
    return f"{value:,.1f} s"


def format_targets(rows: list[dict], title: str = "TARGETS") -> str:
    width = max(len(r["label"]) for r in rows)
    lines = [title, f"  {'target':<{width}}  {'limit':>9}  {'measured':>10}  verdict"]
    for row in rows:
        lines.append(
            f"  {row['label']:<{width}}  {row['target']:>9}  {_figure(row['measured'], row['unit']):>10}  "
            f"{row['verdict'].upper() if row['verdict'] == 'missed' else row['verdict']}"
        )
    return "\n".join(lines)
