"""How the report shows values: numbers and units as text, and the names of the series.

Fractions in the marts (0.05 = 5%) are shown as percents; a null is shown as :data:`NO_VALUE`.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from warehouse.report.data import Daily, to_date

NO_VALUE = "—"

# the names of the series, as the charts' legends and the tables show them
PAIR_LABELS = {Daily.RUT_GSPC: "^RUT − ^GSPC", Daily.RUT_NDX: "^RUT − ^NDX"}
CORRELATION_LABELS = {
    Daily.RUT_DGS2_CORR: "^RUT vs DGS2",
    Daily.GSPC_DGS2_CORR: "^GSPC vs DGS2",
    Daily.NDX_DGS2_CORR: "^NDX vs DGS2",
}
POSITIONING_LABELS = {
    Daily.RUT_LEV: "Russell 2000 leveraged funds",
    Daily.RUT_AM: "Russell 2000 asset managers",
    Daily.NDX_LEV: "Nasdaq-100 leveraged funds",
    Daily.NDX_AM: "Nasdaq-100 asset managers",
}


def isnull(value: object) -> bool:
    return value is None or bool(pd.isna(value))


def _fmt(value: object, fmt: Callable[[float], str]) -> str:
    return NO_VALUE if isnull(value) else fmt(float(value))  # type: ignore[arg-type]


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
    d = to_date(value)
    return NO_VALUE if d is None else d.isoformat()


def fmt_flag(value: object) -> str:
    """A boolean as 'yes' / 'no'; null -> '—'."""
    return NO_VALUE if isnull(value) else ("yes" if bool(value) else "no")
