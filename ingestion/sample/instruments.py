"""Daily bars of every instrument, derived from the :class:`~ingestion.sample.world.SampleWorld`.

One model per kind of instrument (index, tracker ETF, index future, factor model, ^VIX, rate
instruments) gives the close; income accrual, Adj Close, Open/High/Low and Volume follow.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ingestion.rate_contracts import Contract, contract_symbol, load_contracts
from ingestion.sample.processes import (
    _anchor_points,
    _ar1,
    _bridge,
    _garch,
    _interp,
    _ordinals,
    _positions,
    _rng,
    _round,
    _soft_floor,
    _step,
    _t_shocks,
)
from ingestion.sample.specs import (
    _QUARTERLY,
    BETA_JITTER,
    DEFAULT_GAP_NOISE,
    DEFAULT_START_LEVEL,
    EQUITY_FUTURE_BASIS,
    EQUITY_FUTURE_NOISE,
    EQUITY_FUTURE_NOISE_PERSISTENCE,
    FED_FUNDS_FORESIGHT_TAU_DAYS,
    FED_FUNDS_FUTURE_BASIS_BP,
    IDIO_MAX_MOVE,
    IDIO_STRESS_EXPONENT,
    INDEX_DIVIDEND_YIELD,
    NOTE_FUTURE_BASIS,
    NOTE_FUTURE_COUPON,
    NOTE_FUTURE_DURATION,
    RATE_FUTURE_NOISE_BP,
    RATE_FUTURE_NOISE_PERSISTENCE,
    SOFR_FUTURE_BASIS_BP,
    SOFR_OVER_BILLS_BP,
    TRACKING_NOISE,
    TRACKING_PERSISTENCE,
    TREASURY_ETF_DURATION,
    VIX_BASE,
    VIX_CEILING,
    VIX_CEILING_SHARPNESS,
    VIX_MARKET_LOADING,
    VIX_NOISE,
    VIX_NOISE_PERSISTENCE,
    VIX_VOL_PREMIUM,
    VOL_RATIO_ALPHA,
    VOLUME_NOISE,
    VOLUME_SURPRISE,
    YIELD_FUTURE_BASIS_BP,
    _Spec,
    _spec_for,
)
from ingestion.sample.world import (
    FED_FUNDS_PATH,
    GARCH_PARAMS,
    MARKET_VOL,
    SAMPLE_START,
    TECH_REGIME_KNOTS,
    TRADING_DAYS_PER_YEAR,
    SampleWorld,
    index_levels,
)
from ingestion.universe import Instrument


def _jittered_betas(spec: _Spec, rng: np.random.Generator) -> dict[str, float]:
    """The spec's factor loadings, equity loadings jittered by the seed (BETA_JITTER)."""
    out = {}
    for name, beta in spec.betas:
        jitter = rng.normal(0.0, BETA_JITTER) if name in ("market", "size", "tech") else 0.0
        out[name] = beta + jitter
    return out


def _years(dates: pd.DatetimeIndex) -> np.ndarray:
    return (_ordinals(dates) - _ordinals(dates[:1])[0]) / 365.25


def _month_keys(dates: pd.DatetimeIndex) -> np.ndarray:
    return (dates.year * 12 + dates.month - 1).to_numpy()


def _contract_basis(keys: np.ndarray, rng: np.random.Generator, size: float) -> np.ndarray:
    """One random basis per futures contract (``keys`` identify the front contract per day)."""
    unique, inverse = np.unique(keys, return_inverse=True)
    return rng.normal(0.0, size, len(unique))[inverse]


def _equity_future_schedule(dates: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    """Front quarterly contract per day and its years to expiry.

    Contracts expire on the third Friday of March, June, September and December; the continuous
    series rolls to the next contract 8 calendar days before expiry (the customary roll Thursday).
    """
    expiries = []
    for year in range(dates[0].year, dates[-1].year + 2):
        for month in _QUARTERLY:
            first = dt.date(year, month, 1)
            expiries.append(first + dt.timedelta(days=(4 - first.weekday()) % 7 + 14))
    expiry_ord = np.array([e.toordinal() for e in expiries], dtype=np.float64)
    days = _ordinals(dates)
    front = np.searchsorted(expiry_ord - 8, days, side="right")
    return front, (expiry_ord[front] - days) / 365.0


@dataclass(frozen=True)
class _Context:
    """What every instrument model gets: the world, index levels, its spec, stream and first row."""

    world: SampleWorld
    levels: pd.DataFrame  # ^GSPC, ^RUT, ^NDX closes implied by the factors
    symbol: str
    spec: _Spec
    rng: np.random.Generator
    start: int  # position of the instrument's first trading day in world.dates

    @property
    def n(self) -> int:
        return len(self.world.dates)


def _index_model(c: _Context) -> np.ndarray:
    """^GSPC, ^RUT, ^NDX: exact functions of the factors."""
    return c.levels[c.symbol].to_numpy()


def _tracker_model(c: _Context) -> np.ndarray:
    """ETF on an index of the universe: index x ratio, minus expense drag, plus tracking noise."""
    assert c.spec.tracks is not None
    noise = _ar1(TRACKING_NOISE * c.rng.standard_normal(c.n), TRACKING_PERSISTENCE)
    years = _years(c.world.dates)
    drag = -c.spec.expense * (years - years[c.start])
    return c.levels[c.spec.tracks].to_numpy() * c.spec.ratio * np.exp(drag + noise)


def _equity_future_model(c: _Context) -> np.ndarray:
    """Continuous front-month index future: index x exp((rate - dividend yield) x time to expiry).

    On roll days the time to expiry jumps by a quarter and the contract basis changes: the roll jump.
    """
    assert c.spec.tracks is not None
    front, tau = _equity_future_schedule(c.world.dates)
    carry = (c.world.short_rate.to_numpy() / 100.0 - INDEX_DIVIDEND_YIELD[c.spec.tracks]) * tau
    basis = _contract_basis(front, c.rng, EQUITY_FUTURE_BASIS)
    noise = _ar1(EQUITY_FUTURE_NOISE * c.rng.standard_normal(c.n), EQUITY_FUTURE_NOISE_PERSISTENCE)
    return c.levels[c.spec.tracks].to_numpy() * np.exp(carry + basis + noise)


def _factor_model(c: _Context) -> np.ndarray:
    """Factor loadings (jittered by the seed) + GARCH idiosyncratic noise, bridged to the anchors."""
    world, spec, n = c.world, c.spec, c.n
    betas = _jittered_betas(spec, c.rng)
    stress = world.stress.to_numpy()
    if betas.get("tech", 0.0) > 0.5:  # mega caps: idiosyncratic risk was wild in 2000-02 too
        stress = stress * _interp(world.dates, TECH_REGIME_KNOTS, log=True) ** 0.5
    idio, _ = _garch(
        _t_shocks(c.rng, (n, 1)),
        (spec.idio_vol * stress**IDIO_STRESS_EXPONENT)[:, None],
        tuple(np.array([v]) for v in GARCH_PARAMS["idio"]),  # type: ignore[arg-type]
        max_move=np.array([IDIO_MAX_MOVE]),
    )
    returns = idio[:, 0] + sum(b * world.factors[f].to_numpy() for f, b in betas.items())
    anchors = _anchor_points(world.dates, spec.anchors, c.start)
    if not anchors or anchors[0][0] != c.start:
        level = spec.start_level if spec.start_level is not None else DEFAULT_START_LEVEL
        anchors = [(c.start, math.log(level)), *anchors]
    bridged = _bridge(returns, anchors, np.ones(n, dtype=bool))
    log_level = np.full(n, np.nan)
    log_level[c.start :] = anchors[0][1] + np.cumsum(bridged[c.start :]) - bridged[c.start]
    return np.exp(log_level)


def _vix_model(c: _Context) -> np.ndarray:
    """A Cboe volatility index from its index's forecast volatility, same-day moves and noise: ^VIX on
    the market's GARCH forecast; an index of another index (spec.tracks: ^VXN on ^NDX, ^RVX on ^RUT)
    on that forecast scaled by how much more volatile its index has been than the market lately (a
    slow ratio, so it jumps with ^VIX, not more), reacting to its own index's moves: it runs above
    ^VIX where that index is more volatile."""
    world = c.world
    forecast = world.market_vol.to_numpy()  # annualised, known at each close for the next day
    market = world.factors["market"].to_numpy()
    prior_daily = np.concatenate([[MARKET_VOL], forecast[:-1]]) / math.sqrt(TRADING_DAYS_PER_YEAR)
    moves = market
    if c.spec.tracks is not None:
        level = c.levels[c.spec.tracks].to_numpy()
        moves = np.diff(np.log(level), prepend=np.log(level[:1]))

        def slow(x: np.ndarray) -> np.ndarray:
            squares = x**2
            squares[0] = squares[: 3 * 21].mean()  # start from the first quarter's average
            return pd.Series(squares).ewm(alpha=VOL_RATIO_ALPHA, adjust=False).mean().to_numpy()

        ratio = np.clip(np.sqrt(slow(moves) / np.maximum(slow(market), 1e-12)), 0.5, 3.0)
        forecast = forecast * ratio
        prior_daily = prior_daily * np.concatenate([[1.0], ratio[:-1]])
    surprise = moves / prior_daily
    noise = _ar1(
        VIX_NOISE * c.rng.standard_normal(c.n) - VIX_MARKET_LOADING * surprise, VIX_NOISE_PERSISTENCE
    )
    raw = np.hypot(VIX_BASE, VIX_VOL_PREMIUM * 100.0 * forecast) * np.exp(noise)
    p = VIX_CEILING_SHARPNESS
    return _soft_floor(raw / (1.0 + (raw / VIX_CEILING) ** p) ** (1.0 / p), c.spec.vol_floor, 0.8)


def _treasury_etf_model(c: _Context) -> np.ndarray:
    """IEF: price moves by -duration x change in the 10-year yield (income is added separately)."""
    ten = c.world.ten_year_yield.to_numpy()
    noise = _ar1(TRACKING_NOISE * c.rng.standard_normal(c.n), TRACKING_PERSISTENCE)
    level = c.spec.start_level if c.spec.start_level is not None else DEFAULT_START_LEVEL
    return level * np.exp(-TREASURY_ETF_DURATION * (ten - ten[c.start]) / 100.0 + noise)


def _rate_noise(c: _Context) -> np.ndarray:
    return _ar1(RATE_FUTURE_NOISE_BP * c.rng.standard_normal(c.n), RATE_FUTURE_NOISE_PERSISTENCE)


@functools.cache
def _fed_funds_contracts() -> dict[str, Contract]:
    """The dated fed funds contracts of the contracts seed, by symbol."""
    return {c.symbol: c for c in load_contracts() if c.root == "ZQ"}


def fed_funds_contract_rate(world: SampleWorld, contract: Contract) -> np.ndarray:
    """Implied rate (100 - price) of a dated fed funds contract on every world date: NaN before its
    ``first_date`` and after its ``last_trade_date``.

    On day t the contract prices the average, over the calendar days s of its month, of the rate
    expected for s. The path is FED_FUNDS_PATH, each of whose changes (a new rate from date d_j) the
    market prices on day t with probability exp(-(d_j - t) / tau) (tau FED_FUNDS_FORESIGHT_TAU_DAYS):
    E_t[r(s)] = r(t) + sum over t < d_j <= s of exp(-(d_j - t) / tau) x (change j), and r(s) for days
    already passed (s <= t). The expected path moves monotonically toward each change, so the
    FedWatch chain recovers, meeting by meeting, the priced share of each move. Plus the contract's
    own basis and an AR(1) daily noise, from a stream of the contract's symbol: ZQ=F, the current
    month's contract, reads the same values.
    """
    dates = world.dates
    trading = (dates >= pd.Timestamp(contract.first_date)) & (dates <= pd.Timestamp(contract.last_trade_date))
    out = np.full(len(dates), np.nan)
    if not trading.any():
        return out
    days = pd.date_range(contract.reference_start, contract.reference_end)
    on = dates[trading]
    t = _ordinals(on)
    change_days = np.array(
        [dt.date.fromisoformat(d).toordinal() for d, _ in FED_FUNDS_PATH], dtype=np.float64
    )
    changes = np.diff(np.array([v for _, v in FED_FUNDS_PATH]), prepend=FED_FUNDS_PATH[0][1])
    ahead = change_days[:, None] - t[None, :]  # changes x trading days
    priced = np.where(ahead > 0, np.exp(-np.maximum(ahead, 0.0) / FED_FUNDS_FORESIGHT_TAU_DAYS), 0.0)
    cumulative = np.cumsum(priced * changes[:, None], axis=0)  # priced moves up to change j
    s = _ordinals(days)
    last_change = np.searchsorted(change_days, s, side="right") - 1  # last change on or before s
    expected_ahead = _step(on, FED_FUNDS_PATH)[None, :] + np.where(
        last_change[:, None] >= 0, cumulative[np.maximum(last_change, 0)], 0.0
    )
    expected = np.where(s[:, None] <= t[None, :], _step(days, FED_FUNDS_PATH)[:, None], expected_ahead)
    rng = _rng(world.seed, "contract", contract.symbol)
    basis = rng.normal(0.0, FED_FUNDS_FUTURE_BASIS_BP)
    noise = _ar1(RATE_FUTURE_NOISE_BP * rng.standard_normal(len(on)), RATE_FUTURE_NOISE_PERSISTENCE)
    out[trading] = _soft_floor(expected.mean(axis=0) + (basis + noise) / 100.0, 0.0, 0.02)
    return out


def _fed_funds_contract_model(c: _Context) -> np.ndarray:
    """A dated fed funds contract (ZQQ24.CBT): 100 - its implied rate (fed_funds_contract_rate)."""
    contract = _fed_funds_contracts().get(c.symbol)
    if contract is None:
        raise ValueError(
            f"sample: {c.symbol!r} is not a fed funds contract of the rate_futures_contracts seed"
        )
    return 100.0 - fed_funds_contract_rate(c.world, contract)


def _fed_funds_future_model(c: _Context) -> np.ndarray:
    """ZQ=F: the current month's dated contract (the monthly roll: a new contract each month start)."""
    dates = c.world.dates
    out = np.full(len(dates), np.nan)
    contracts = _fed_funds_contracts()
    for month, in_month in pd.Series(np.arange(len(dates)), index=dates).groupby(dates.to_period("M")):
        symbol = contract_symbol("ZQ", month.to_timestamp().date())
        if symbol not in contracts:
            raise ValueError(
                f"sample: ZQ=F needs the contract {symbol!r}, not in the rate_futures_contracts seed"
            )
        positions = in_month.to_numpy()
        out[positions] = 100.0 - fed_funds_contract_rate(c.world, contracts[symbol])[positions]
    return out


def _imm_contract_keys(dates: pd.DatetimeIndex) -> np.ndarray:
    """Per day, the number of IMM dates (third Wednesday of Mar/Jun/Sep/Dec) on or before it: the key
    of the front quarterly SOFR contract, which changes on each IMM Wednesday."""
    imm = []
    for year in range(dates[0].year - 1, dates[-1].year + 2):
        for month in (3, 6, 9, 12):
            first = dt.date(year, month, 1)
            imm.append(first + dt.timedelta(days=(2 - first.weekday()) % 7 + 14))
    return np.searchsorted(np.array([d.toordinal() for d in imm]), _ordinals(dates), side="right")


def _sofr_future_model(c: _Context) -> np.ndarray:
    """SR3=F: 100 - 3-month rate; quarterly contracts, rolled on the IMM Wednesday (third Wednesday)
    of March, June, September and December (roll_rule quarterly_imm in the instrument seed)."""
    noise = _rate_noise(c)
    basis = _contract_basis(_imm_contract_keys(c.world.dates), c.rng, SOFR_FUTURE_BASIS_BP)
    implied = c.world.three_month_yield.to_numpy() + (SOFR_OVER_BILLS_BP + basis + noise) / 100.0
    return 100.0 - _soft_floor(implied, 0.0, 0.02)


def _note_future_model(c: _Context) -> np.ndarray:
    """ZT=F: 100 + duration x (6% coupon - 2-year yield); the Mar/Jun/Sep/Dec contract stays in front
    to its month's end, so the series rolls on the first trading day of Jan/Apr/Jul/Oct."""
    dates = c.world.dates
    noise = _rate_noise(c)
    keys = dates.year.to_numpy() * 4 + (dates.month.to_numpy() - 1) // 3
    basis = _contract_basis(keys, c.rng, NOTE_FUTURE_BASIS)
    fair = 100.0 + NOTE_FUTURE_DURATION * (NOTE_FUTURE_COUPON - c.world.two_year_yield.to_numpy())
    return fair + basis + noise * NOTE_FUTURE_DURATION / 100.0


def _yield_future_model(c: _Context) -> np.ndarray:
    """2YY=F: the 2-year yield in percent; monthly contracts, rolled at each month start."""
    noise = _rate_noise(c)
    basis = _contract_basis(_month_keys(c.world.dates), c.rng, YIELD_FUTURE_BASIS_BP)
    return c.world.two_year_yield.to_numpy() + (basis + noise) / 100.0


def _bill_yield_model(c: _Context) -> np.ndarray:
    """^IRX: the world's 3-month yield, percent."""
    return c.world.three_month_yield.to_numpy().copy()


_MODELS = {
    "index": _index_model,
    "tracker": _tracker_model,
    "equity_future": _equity_future_model,
    "factor": _factor_model,
    "vix": _vix_model,
    "treasury_etf": _treasury_etf_model,
    "fed_funds_future": _fed_funds_future_model,
    "fed_funds_contract": _fed_funds_contract_model,
    "sofr_future": _sofr_future_model,
    "note_future": _note_future_model,
    "yield_future": _yield_future_model,
    "bill_yield": _bill_yield_model,
}


def _model_base(world: SampleWorld, symbol: str, spec: _Spec, start: int, levels: pd.DataFrame) -> np.ndarray:
    """The instrument's price (ex accrued income) or yield on every world date."""
    if spec.model not in _MODELS:
        raise ValueError(
            f"sample: unknown model {spec.model!r} for {symbol!r}; expected one of {sorted(_MODELS)}"
        )
    rng = _rng(world.seed, "instrument", symbol, spec.model)
    return _MODELS[spec.model](_Context(world, levels, symbol, spec, rng, start))


def _income_rate(world: SampleWorld, spec: _Spec) -> np.ndarray | None:
    """Annual income yield per day (None = no distributions)."""
    if spec.model == "treasury_etf":
        return world.ten_year_yield.to_numpy() / 100.0 - spec.expense
    if spec.dividend_yield <= 0.0:
        return None
    rate = np.full(len(world.dates), spec.dividend_yield)
    if spec.dividend_start is not None:
        rate[world.dates < pd.Timestamp(spec.dividend_start)] = 0.0
    return rate


def _accrual(
    dates: pd.DatetimeIndex, start: int, months: tuple[int, ...], rate: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Accrued income share of the price and the adjustment factor of each ex-date.

    Income accrues daily at ``rate``; on an ex-date (first trading day on or after the 20th of a
    quarterly month, or the first trading day of each month for monthly payers) the accrued amount
    is paid out and the price drops by it. Yahoo's adjustment factor for that dividend is
    1 - dividend / previous close = 1 / (1 + accrued share the day before).
    """
    n = len(dates)
    ex_day = 1 if len(months) == 12 else 20
    targets = [
        dt.date(year, month, ex_day).isoformat()
        for year in range(dates[0].year, dates[-1].year + 1)
        for month in months
    ]
    ex = np.zeros(n, dtype=bool)
    pos = _positions(dates, targets)
    ex[pos[pos < n]] = True
    gaps = np.diff(_ordinals(dates), prepend=_ordinals(dates)[0]) / 365.0
    accrued = np.zeros(n)
    factor = np.ones(n)
    a = 0.0
    for t in range(start + 1, n):
        if ex[t]:
            if a > 0.0:
                factor[t] = 1.0 / (1.0 + a)
            a = 0.0
        else:
            a += rate[t] * gaps[t]
        accrued[t] = a
    return accrued, factor


def _ewm_vol(changes: np.ndarray, minimum: float) -> np.ndarray:
    """Exponentially weighted volatility of daily changes (RiskMetrics-like), at least ``minimum``."""
    if len(changes) == 0:
        return changes
    seed = np.sqrt(np.mean(changes[: min(len(changes), 21)] ** 2))
    var = pd.Series(changes**2).ewm(alpha=0.06, adjust=False).mean().to_numpy()
    var = 0.5 * var + 0.5 * np.concatenate([[seed**2], var[:-1]])
    return np.maximum(np.sqrt(var), minimum)


def _ohlc(
    close: np.ndarray,
    rng: np.random.Generator,
    spec: _Spec,
    *,
    yields: bool,
    floor: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Open, High, Low and a vol-scaled |move| (for volume) consistent with the closes.

    Prices are handled in log(price - floor), yields in percent. Open = previous close + a share of
    the day's move + noise; High/Low extend beyond max/min(Open, Close) by a random multiple of the
    recent volatility. Monotone transforms keep Low <= min(Open, Close) <= max <= High.
    """
    n = len(close)
    y = close.copy() if yields else np.log(close - floor)
    change = np.diff(y, prepend=y[:1])
    vol = _ewm_vol(change, 0.002 if yields else 0.0005)
    gap = spec.gap_weight * change + DEFAULT_GAP_NOISE * vol * rng.standard_normal(n)
    open_y = np.concatenate([y[:1], y[:-1]]) + gap
    top = np.maximum(open_y, y) + spec.range_scale * vol * np.abs(rng.standard_normal(n))
    bottom = np.minimum(open_y, y) - spec.range_scale * vol * np.abs(rng.standard_normal(n))
    surprise = np.abs(change) / vol
    if yields:
        return np.maximum(open_y, 0.0), top, np.maximum(bottom, 0.0), surprise
    return floor + np.exp(open_y), floor + np.exp(top), floor + np.exp(bottom), surprise


def _volume(
    dates: pd.DatetimeIndex, spec: _Spec, surprise: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Daily volume: a level along history, lognormal noise, more on large moves; 0 if no knots."""
    if not spec.volume:
        return np.zeros(len(dates), dtype=np.int64)
    level = _interp(dates, spec.volume, log=True)
    boost = VOLUME_SURPRISE * np.clip(surprise - 0.8, -0.8, 4.0)
    volume = level * np.exp(VOLUME_NOISE * rng.standard_normal(len(dates)) + boost)
    return np.maximum(np.rint(volume), 1).astype(np.int64)


def _instrument_frame(world: SampleWorld, instrument: Instrument, levels: pd.DataFrame) -> pd.DataFrame:
    """One symbol's daily bars from its first date on, in yfinance's column order."""
    spec = _spec_for(instrument)
    dates = world.dates
    start = int(dates.searchsorted(pd.Timestamp(max(SAMPLE_START, instrument.first_date))))
    base = _model_base(world, instrument.symbol, spec, min(start, len(dates) - 1), levels)
    # a dated contract stops trading at expiry: its bars end where its model has no value
    stop = len(dates) - int(np.argmax(~np.isnan(base[::-1]))) if np.isnan(base[-1]) else len(dates)
    dates = dates[:stop]
    base = base[:stop]
    yields = instrument.quote_type == "yield"

    income = _income_rate(world, spec)
    if income is not None:
        accrued, factor = _accrual(dates, start, spec.dividend_months or _QUARTERLY, income)
        base = base * (1.0 + accrued)
    else:
        factor = np.ones(len(dates))

    window = dates[start:]
    close = _round(base[start:], spec.grid)
    floor = spec.vol_floor - 0.25 if spec.model == "vix" else 0.0
    rng = _rng(world.seed, "instrument", instrument.symbol, "bars")
    open_, high, low, surprise = _ohlc(close, rng, spec, yields=yields, floor=floor)
    # Adj Close = Close x product of the adjustment factors of later ex-dates (1 on the last day).
    later = np.append(np.cumprod(factor[start:][::-1])[::-1][1:], 1.0) if len(window) else factor[:0]
    adj_close = _round(close * later, 1_000_000) if income is not None else close
    frame = pd.DataFrame(
        {
            "Adj Close": adj_close,
            "Close": close,
            "High": _round(high, spec.grid),
            "Low": _round(low, spec.grid),
            "Open": _round(open_, spec.grid),
            "Volume": _volume(window, spec, surprise, rng),
        },
        index=window.rename("Date"),
    )
    return frame


def sample_prices(world: SampleWorld, universe: list[Instrument]) -> dict[str, pd.DataFrame]:
    """Daily bars (Adj Close, Close, High, Low, Open, Volume) for every instrument of the universe."""
    levels = index_levels(world)
    return {inst.symbol: _instrument_frame(world, inst, levels) for inst in universe}
