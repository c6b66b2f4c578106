"""marts.factor_returns computes the fixed-length horizons of reference.horizons (its SQL lists them
for its windows; the seed names them): the two must agree."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

DBT = Path(__file__).resolve().parents[2] / "dbt_project"


def test_the_model_computes_every_fixed_length_horizon_of_the_seed():
    sql = (DBT / "models" / "marts" / "factor_returns.sql").read_text(encoding="utf-8")
    match = re.search(r"set horizon_days = \[([\d,\s]+)\]", sql)
    assert match, "factor_returns.sql: expected `{% set horizon_days = [...] %}`"
    in_model = sorted(int(n) for n in match.group(1).split(","))
    seed = pd.read_csv(DBT / "seeds" / "horizons.csv")
    in_seed = sorted(int(n) for n in seed["trading_days"].dropna())
    assert in_model == in_seed, f"factor_returns.sql horizons {in_model}, reference.horizons {in_seed}"
