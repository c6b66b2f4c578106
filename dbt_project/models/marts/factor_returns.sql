-- Fama-French factors as N-day returns with their percentile among the factor's history, and when
-- each value became known. One row per factor, horizon and date.
--   * N-day return: the daily factor returns of the factor's last N dates (its own calendar: dates
--     the factor has a value) compounded, prod(1 + r) - 1; null (no row) until N dates exist;
--   * point in time: the library publishes monthly with a lag ("the July cut has data through July
--     and was released in August"; a file built from CRSP month M ends on M's last trading day).
--     A value dated in month M counts as known from the first day of month M + lag
--     (var french_publication_lag_months, default 2, the rule rotation_daily uses: it errs late,
--     since the release day within M + 1 is not in the file);
--   * percentile: among the factor's N-day returns dated up to and including the row's date, each
--     of which was published no later than the row's own value: the percentile an analyst could
--     compute on known_at, never using a later date. Ranked on the return rounded to 1e-10 (a
--     hundred-millionth of a percent), so ties of equal inputs stay ties whatever order an engine
--     multiplies in.
{% set french_lag = var('french_publication_lag_months', 2) %}
{% set horizon_days = [1, 5, 10, 21, 63, 126, 252] %}
{% set factors = [('Mkt-RF', 'mkt_rf'), ('SMB', 'smb'), ('HML', 'hml'), ('RMW', 'rmw'), ('CMA', 'cma'), ('Mom', 'mom'), ('RF', 'rf')] %}

with staged as (
    select * from {{ ref('stg_french__factors') }}
),

daily as (
    {% for factor, column in factors %}
    select '{{ factor }}' as factor, date, {{ column }} as daily_return
    from staged
    where {{ column }} is not null
    {{ 'union all' if not loop.last }}
    {% endfor %}
),

windowed as (
    select
        factor,
        date,
        {% for n in horizon_days %}
        case when count(*) over w{{ n }} = {{ n }} then {{ window_product('1 + daily_return', 'over w' ~ n) }} - 1 end
            as return_{{ n }},
        min(date) over w{{ n }} as first_date_{{ n }}{{ ',' if not loop.last }}
        {% endfor %}
    from daily
    window
        {% for n in horizon_days %}
        w{{ n }} as (partition by factor order by date rows between {{ n - 1 }} preceding and current row){{ ',' if not loop.last }}
        {% endfor %}
),

-- the horizons of reference.horizons this model computes (tests/unit/test_factor_returns.py
-- checks every fixed-length horizon of the seed is in horizon_days)
horizons as (
    select horizon, trading_days from {{ ref('horizons') }}
    where trading_days in ({{ horizon_days | join(', ') }})
),

returns as (
    {% for n in horizon_days %}
    select
        windowed.factor,
        horizons.horizon,
        horizons.trading_days as horizon_days,
        windowed.date,
        windowed.first_date_{{ n }} as first_return_date,
        windowed.return_{{ n }} as factor_return,
        round(windowed.return_{{ n }}, 10) as return_for_rank
    from windowed
    inner join horizons on horizons.trading_days = {{ n }}
    where windowed.return_{{ n }} is not null
    {{ 'union all' if not loop.last }}
    {% endfor %}
),

ranked as (
    {{ cume_dist_to_date_select('returns', ['factor', 'horizon'], 'date', 'return_for_rank', 'factor_return_pctrank_to_date') }}
)

select
    date,
    factor,
    horizon,
    horizon_days,
    first_return_date,
    factor_return,
    factor_return_pctrank_to_date,
    cast({{ dbt.dateadd('month', 1, dbt.date_trunc('month', 'date')) }} as date) as published_in_month,
    cast({{ dbt.dateadd('month', french_lag, dbt.date_trunc('month', 'date')) }} as date) as known_at
from ranked
order by factor, horizon_days, date
