"""How the report shows values: numbers and units as text, and the names of the series.

Units, everywhere in the report: a return or a share is a percent (``%``); a difference of two returns
(a spread) is in percentage points (``pp``: +1.20 pp = 1.2% minus 0.0%); a change of a yield is in basis
points (``bp``); a rank says out of how many (``rank 3 of 6,210``). Fractions in the marts (0.05 = 5%)
are converted here; a null is shown as :data:`NO_VALUE`.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from warehouse.report.data import Daily, to_date

NO_VALUE = "—"
SYNTHETIC_MARK = "SYNTHETIC DATA"


def _symbols(pair: str) -> tuple[str, str]:
    """The two index symbols of a rotation_daily pair prefix: ``rut_gspc`` -> (``^RUT``, ``^GSPC``)."""
    numerator, denominator = pair.split("_", 1)
    return f"^{numerator.upper()}", f"^{denominator.upper()}"


def pair_label(pair: str) -> str:
    """A rotation_daily pair prefix as the marts label pairs: ``rut_gspc`` -> ``^RUT/^GSPC``."""
    return "/".join(_symbols(pair))


def spread_label(pair: str) -> str:
    """The pair's return spread: ``rut_gspc`` -> ``^RUT − ^GSPC``."""
    return " − ".join(_symbols(pair))


# the names of the series, as the charts' legends and the tables show them
PAIR_LABELS = {pair: spread_label(pair) for pair in Daily.PAIRS}
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


def fmt_pp(value: object, decimals: int = 2) -> str:
    """A spread of two returns (a fraction) in percentage points: 0.0123 -> '+1.23 pp'; null -> '—'."""
    return _fmt(value, lambda v: f"{v * 100:+.{decimals}f} pp")


def fmt_rank(rank: object, of: object) -> str:
    """'rank 3 of 6,210'; '—' when either is null."""
    if isnull(rank) or isnull(of):
        return NO_VALUE
    return f"rank {int(rank):,} of {int(of):,}"  # type: ignore[call-overload]


def ordinal(value: float) -> str:
    """1 -> '1st', 2 -> '2nd', 13 -> '13th', 99 -> '99th'."""
    n = int(round(value))
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


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
