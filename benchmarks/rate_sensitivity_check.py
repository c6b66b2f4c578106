"""``marts.rate_sensitivity`` (running sums) against DuckDB's windowed ``corr`` and ``regr_slope``
(``python -m benchmarks.rate_sensitivity_check <build.duckdb> [min_move_share]``).

The mart computes every window's sums as differences of running sums over the whole series; this
recomputes the same windows from ``intermediate.int_rate_sensitivity__aligned`` with the windowed
aggregates the mart used before (one-pass moments per window frame, no running sums) and the same
rules (observations, rate moves, informative windows), then reports:

- rows one side has and the other lacks, and rows whose observations, rate_moves or null pattern
  of correlation or beta differ (all must be 0: the flat-window rule is exact);
- the largest difference relative to each statistic's scale: for a correlation its absolute
  difference (it lies in [−1, 1]), for a beta ``|new − old|`` over the beta a perfect correlation
  would have in the same window (sd(return) / sd(rate change) = beta / correlation). A value near
  0 is the difference of nearly equal sums in both methods and has no relative precision in either
  (a correlation of 1e-5 is known to about 1e-16 / 1e-5); so the plain relative difference
  ``|new − old| / |old|`` is reported too, over all values and over those at least 1e-3 of the
  column's largest, for information.

Used on the snapshot build and the benchmark build; prints a JSON summary and exits 1 when a count
or a null differs or a difference exceeds 1e-12 of its scale.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import duckdb
import numpy as np

WINDOWS = (10, 21, 63, 126, 252)
TOLERANCE = 1e-12


def reference_sql(min_move_share: float) -> str:
    parts = []
    for n in WINDOWS:
        moves = math.ceil(min_move_share * n - 1e-9)
        frame = (
            f"(partition by symbol, rate_series order by date rows between {n - 1} preceding and current row)"
        )
        parts.append(
            f"""
            select symbol, rate_series, date, {n} as window_days, position,
                count(change_bp) over {frame} as observations,
                count(case when change_bp <> 0 then 1 end) over {frame} as rate_moves,
                case when count(case when change_bp <> 0 then 1 end) over {frame} >= {moves} then
                    corr(daily_return, change_bp) over {frame} end as correlation,
                case when count(case when change_bp <> 0 then 1 end) over {frame} >= {moves} then
                    regr_slope(daily_return, change_bp) over {frame} end as beta
            from numbered"""
        )
    return (
        "with numbered as (select *, row_number() over (partition by symbol, rate_series order by date)"
        " as position from intermediate.int_rate_sensitivity__aligned), "
        "windows as (" + " union all ".join(parts) + ") "
        "select symbol, rate_series, date, window_days, observations, rate_moves, "
        "case when isnan(correlation) then null else correlation end as correlation, "
        "case when isnan(beta) then null else beta end as beta "
        "from windows where position >= window_days"
    )


def compare(build_db: Path, min_move_share: float = 0.5) -> dict:
    con = duckdb.connect(str(build_db), read_only=True)
    keys = "symbol, rate_series, date, window_days"
    con.execute(f"create temp table old as {reference_sql(min_move_share)}")
    con.execute(
        "create temp table new as select symbol, rate_series, date, window_days, observations, rate_moves, "
        "correlation, beta from marts.rate_sensitivity"
    )
    counts = con.execute(
        f"""
        select
            (select count(*) from new) as rows_new,
            (select count(*) from old) as rows_old,
            (select count(*) from new anti join old using ({keys})) as only_new,
            (select count(*) from old anti join new using ({keys})) as only_old,
            count(*) filter (where new.observations <> old.observations or new.rate_moves <> old.rate_moves)
                as count_mismatch,
            count(*) filter (where (new.correlation is null) <> (old.correlation is null)) as correlation_null_mismatch,
            count(*) filter (where (new.beta is null) <> (old.beta is null)) as beta_null_mismatch
        from new join old using ({keys})
        """
    ).fetchone()
    names = [
        "rows_new",
        "rows_old",
        "only_new",
        "only_old",
        "count_mismatch",
        "correlation_null_mismatch",
        "beta_null_mismatch",
    ]
    out: dict = dict(zip(names, (int(v) for v in counts), strict=True))
    new_c, old_c, new_b, old_b = (
        np.asarray(a, dtype=float)
        for a in con.execute(
            f"select new.correlation, old.correlation, new.beta, old.beta from new join old using ({keys}) "
            "where new.beta is not null and old.beta is not null"
        )
        .fetchnumpy()
        .values()
    )
    has_c = ~np.isnan(old_c) & ~np.isnan(new_c)
    # the scale of each statistic: 1 for a correlation (it lies in [-1, 1]); for a beta, the beta of
    # a perfect correlation over the same window, sd(return) / sd(rate change) = beta / correlation
    nonzero = has_c & (old_c != 0)
    scale = {"correlation": np.ones(int(has_c.sum())), "beta": np.abs(old_b[nonzero] / old_c[nonzero])}
    pairs = {
        "correlation": (new_c[has_c], old_c[has_c]),
        "beta_scaled": (new_b[nonzero], old_b[nonzero]),
        "beta": (new_b, old_b),
    }
    for column, (new, old) in pairs.items():
        diff = np.abs(new - old)
        name = column.removesuffix("_scaled")
        if column == "beta_scaled":
            out["beta_max_diff_over_scale"] = float((diff / scale["beta"]).max()) if len(diff) else 0.0
            continue
        out[f"{name}_values"] = len(old)
        out[f"{name}_max_abs_diff"] = float(diff.max()) if len(diff) else 0.0
        if name == "correlation":
            out["correlation_max_diff_over_scale"] = out["correlation_max_abs_diff"]
        sized = np.abs(old) >= 1e-3 * np.abs(old).max() if len(old) else np.zeros(0, dtype=bool)
        relative = diff[sized] / np.abs(old[sized])
        out[f"{name}_max_rel_diff_above_1e-3_of_max"] = float(relative.max()) if len(relative) else 0.0
        nonzero_old = old != 0
        out[f"{name}_max_rel_diff_any"] = (
            float((diff[nonzero_old] / np.abs(old[nonzero_old])).max()) if nonzero_old.any() else 0.0
        )
    con.close()
    return out


def main(argv: list[str]) -> int:
    build_db = Path(argv[1])
    share = float(argv[2]) if len(argv) > 2 else 0.5
    out = compare(build_db, share)
    print(json.dumps(out, indent=1))
    exact = ("only_new", "only_old", "count_mismatch", "correlation_null_mismatch", "beta_null_mismatch")
    ok = all(out[k] == 0 for k in exact) and all(
        out[f"{c}_max_diff_over_scale"] <= TOLERANCE for c in ("correlation", "beta")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
