"""Building blocks of the sample generator: seeded random streams, dated knots and the processes.

Student-t shocks, interpolation of dated knots onto trading days, AR(1) and GJR-GARCH(1,1)
processes, the Brownian-bridge drift that pins a path to anchor levels and rounding to a price
grid. Every random stream comes from :func:`_rng` (``(seed, labels)`` hashed with SHA-256).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

Knots = tuple[tuple[str, float], ...]  # (ISO date, value) points, interpolated between trading days

# Degrees of freedom of the Student-t shocks: 4 gives the fat tails of daily equity returns.
T_DF = 4.0
# Standardised shocks are clipped at this many standard deviations, so no single draw is absurd.
MAX_SHOCK = 7.0
# GARCH conditional variance (in units of the unconditional variance) never exceeds this.
GARCH_MAX_VARIANCE = 4.0


def _rng(seed: int, *labels: str) -> np.random.Generator:
    """An independent random stream for ``labels``: never depends on the order of other draws."""
    digest = hashlib.sha256("/".join(labels).encode("utf-8")).digest()
    return np.random.default_rng([seed, int.from_bytes(digest[:8], "little")])


def _t_shocks(rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
    """Student-t(T_DF) draws scaled to unit variance, clipped at MAX_SHOCK."""
    z = rng.standard_t(T_DF, size=size) / np.sqrt(T_DF / (T_DF - 2.0))
    return np.clip(z, -MAX_SHOCK, MAX_SHOCK)


def _ordinals(dates: pd.DatetimeIndex) -> np.ndarray:
    return np.array([d.toordinal() for d in dates.date], dtype=np.float64)


def _interp(dates: pd.DatetimeIndex, knots: Knots, *, log: bool = False) -> np.ndarray:
    """Piecewise-linear (or log-linear) interpolation of dated knots; flat beyond the ends."""
    x = np.array([dt.date.fromisoformat(d).toordinal() for d, _ in knots], dtype=np.float64)
    y = np.array([v for _, v in knots], dtype=np.float64)
    if log:
        return np.exp(np.interp(_ordinals(dates), x, np.log(y)))
    return np.interp(_ordinals(dates), x, y)


def _step(dates: pd.DatetimeIndex, knots: Knots) -> np.ndarray:
    """Step function: the value of the last knot on or before each date."""
    x = np.array([dt.date.fromisoformat(d).toordinal() for d, _ in knots], dtype=np.float64)
    y = np.array([v for _, v in knots], dtype=np.float64)
    idx = np.searchsorted(x, _ordinals(dates), side="right") - 1
    return y[np.clip(idx, 0, len(y) - 1)]


def _positions(dates: pd.DatetimeIndex, days: Sequence[str]) -> np.ndarray:
    """Index of the first trading day on or after each ISO date."""
    return dates.searchsorted(pd.DatetimeIndex(list(days)).as_unit(dates.unit), side="left")


def _soft_floor(x: np.ndarray, floor: float, softness: float) -> np.ndarray:
    """``floor + softness * log(1 + exp((x - floor) / softness))``: ~x above, never below floor."""
    return floor + softness * np.logaddexp(0.0, (x - floor) / softness)


def _ar1(innovations: np.ndarray, phi: float) -> np.ndarray:
    """x[t] = phi * x[t-1] + e[t] (x[-1] = 0), for a 1-D series."""
    out = []
    prev = 0.0
    for e in innovations.tolist():
        prev = phi * prev + e
        out.append(prev)
    return np.array(out, dtype=np.float64)


def _garch(
    z: np.ndarray,
    scale: np.ndarray,
    params: tuple[np.ndarray, np.ndarray, np.ndarray],
    *,
    exog: np.ndarray | None = None,
    override: np.ndarray | None = None,
    max_move: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """GJR-GARCH(1,1) returns, column by column, with unit unconditional variance per column.

    r[t] = scale[t] * sqrt(h[t]) * z[t] + exog[t], soft-clipped at ``max_move`` and replaced by
    ``override[t]`` where that is not NaN; h[t+1] = omega + (alpha + gamma * [u < 0]) * u^2 +
    beta * h[t] with u = r[t] / scale[t]. Returns (r, forecast volatility for t+1).
    """
    n, k = z.shape
    exog = np.zeros((n, k)) if exog is None else exog
    override = np.full((n, k), np.nan) if override is None else override
    returns = np.empty((n, k))
    next_vol = np.empty((n, k))
    for j in range(k):  # plain floats: much faster than tiny NumPy arrays in a day loop
        alpha, gamma, beta = float(params[0][j]), float(params[1][j]), float(params[2][j])
        omega = 1.0 - alpha - gamma / 2.0 - beta
        cap = math.inf if max_move is None else float(max_move[j])
        h = 1.0
        rs, vols = [], []
        for zt, st, xt, ot in zip(
            z[:, j].tolist(),
            scale[:, j].tolist(),
            exog[:, j].tolist(),
            override[:, j].tolist(),
            strict=True,
        ):
            if ot == ot:  # scripted day (not NaN)
                r = ot
            else:
                r = st * math.sqrt(h) * zt + xt
                if cap < math.inf:
                    r = cap * math.tanh(r / cap)
            u = r / st
            h = omega + (alpha + (gamma if u < 0.0 else 0.0)) * u * u + beta * h
            h = min(h, GARCH_MAX_VARIANCE)
            rs.append(r)
            vols.append(st * math.sqrt(h))
        returns[:, j] = rs
        next_vol[:, j] = vols
    return returns, next_vol


def _bridge(returns: np.ndarray, anchors: list[tuple[int, float]], adjustable: np.ndarray) -> np.ndarray:
    """Add a constant drift per segment so that the log level passes through every anchor.

    ``returns[t]`` moves the log level from t-1 to t; anchors are (position, log level), sorted,
    the first one the starting point. Only ``adjustable`` days get the drift (scripted days keep
    their exact values). Returns after the last anchor are left alone.
    """
    out = returns.copy()
    for (p0, a0), (p1, a1) in zip(anchors[:-1], anchors[1:], strict=True):
        days = np.arange(p0 + 1, p1 + 1)
        free = days[adjustable[days]]
        if len(free) == 0:
            raise ValueError(f"anchors at positions {p0} and {p1} leave no day to adjust")
        out[free] += ((a1 - a0) - out[days].sum()) / len(free)
    return out


def _anchor_points(dates: pd.DatetimeIndex, knots: Knots, start: int = 0) -> list[tuple[int, float]]:
    """Anchors as (position, log level), keeping those on or after ``start`` (one per position)."""
    pos = _positions(dates, [d for d, _ in knots])
    points: dict[int, float] = {}
    for p, (_, level) in zip(pos, knots, strict=True):
        if start <= p < len(dates):
            points[int(p)] = float(np.log(level))
    return sorted(points.items())


def _round(x: np.ndarray, grid: int) -> np.ndarray:
    """Round to multiples of 1/grid; the division keeps the nearest double to the decimal value."""
    return np.rint(np.asarray(x, dtype=np.float64) * grid) / grid
