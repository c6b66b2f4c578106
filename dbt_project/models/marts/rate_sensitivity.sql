-- Rolling correlation and beta of daily returns against daily front-end rate changes.
-- Windows are the last window_days aligned dates (both sides have a bar over the same interval); a
-- row exists only once the window is full. observations counts the dates with a real rate change (a
-- stale quote is a missing observation, int_rates__daily); rate_moves those with a non-zero change.
-- A window is informative only with at least ceil(rate_sensitivity_min_move_share × window_days)
-- rate moves (default 0.5: half the window): a proxy that moved by one tick on one or two days of
-- ten says nothing about sensitivity, so correlation and beta are null there.
-- beta = return (fraction) per +1 bp of rate change.
--
-- Incremental (macros/incremental.sql): only dates from the earliest changed raw price or rate are
-- recomputed, reading the 251 aligned observations before it that the longest window needs; the
-- sign run of each series continues from the last row already built. `rotation run --full-refresh`
-- rebuilds it whole (needed after changing a seed or this SQL).
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_rebuilt_dates(['yahoo', 'fred']) }}",
        post_hook="{{ record_incremental_state() }}",
    )
}}
{% set windows = [10, 21, 63, 126, 252] %}
{% set min_move_share = var('rate_sensitivity_min_move_share', 0.5) %}
{% set since = rebuild_from(['yahoo', 'fred']) %}

with aligned as (
    select * from {{ ref('int_rate_sensitivity__aligned') }}
    {% if since is not none %}
    -- the dates to rebuild, and the look-back before them: the previous (longest window - 1)
    -- observations of each series
    qualify date >= '{{ since }}'::date
        or row_number() over (
            partition by symbol, rate_series, date >= '{{ since }}'::date order by date desc
        ) < {{ windows | max }}
    {% endif %}
),

-- Everything is computed per series and date with one column per window ("wide": 2.9M rows at 3000
-- tickers, against 14M rows of one row per window), so each window function sorts the series once;
-- the last step unpivots to one row per window.
wide as (
    select
        symbol,
        rate_series,
        date,
        row_number() over (partition by symbol, rate_series order by date) as position,
        {% for n in windows %}
        {% set min_moves = (min_move_share * n - 1e-9) | round(0, 'ceil') | int %}  {#- 0.3 × 10 is 3.0000000000000004 in floats #}
        count(change_bp) over w{{ n }} as observations_{{ n }},
        count(case when change_bp <> 0 then 1 end) over w{{ n }} as rate_moves_{{ n }},
        case when count(case when change_bp <> 0 then 1 end) over w{{ n }} >= {{ min_moves }} then
            {{ nan_to_null('corr(daily_return, change_bp) over w' ~ n) }}
        end as correlation_{{ n }},
        case when count(case when change_bp <> 0 then 1 end) over w{{ n }} >= {{ min_moves }} then
            {{ nan_to_null('regr_slope(daily_return, change_bp) over w' ~ n) }}
        end as beta_{{ n }}{{ ',' if not loop.last }}
        {% endfor %}
    from aligned
    window
        {% for n in windows %}
        w{{ n }} as (partition by symbol, rate_series order by date rows between {{ n - 1 }} preceding and current row){{ ',' if not loop.last }}
        {% endfor %}
),

-- the rows to write (the rebuilt dates), with each window's sign where the window is full
rebuilt as (
    select
        *,
        {% for n in windows %}
        case when position >= {{ n }} then coalesce(sign(correlation_{{ n }}), 0) end as sign_{{ n }}{{ ',' if not loop.last }}
        {% endfor %}
    from wide
    {% if since is not none %}
    where date >= '{{ since }}'::date
    {% endif %}
),

{% if since is not none %}
-- the last row already built before the rebuilt dates, per series and window: its sign run continues
-- (arg_max: a hash aggregate over the built rows, not a sort of them)
anchors as (
    select
        symbol,
        rate_series,
        {% for n in windows %}
        arg_max(correlation_sign, date) filter (where window_days = {{ n }}) as anchor_sign_{{ n }},
        arg_max(sign_since, date) filter (where window_days = {{ n }}) as anchor_since_{{ n }}{{ ',' if not loop.last }}
        {% endfor %}
    from {{ this }}
    where date < '{{ since }}'::date
    group by symbol, rate_series
),
{% endif %}

-- a sign run starts on a full window whose sign differs from the previous full window's (none: a
-- first window; on the first rebuilt date, the anchor's)
run_starts as (
    select
        rebuilt.*,
        {% for n in windows %}
        sign_{{ n }} is not null and sign_{{ n }} is distinct from coalesce(
            lag(sign_{{ n }}) over s,
            {% if since is not none %}
            case when row_number() over s = 1 then anchors.anchor_sign_{{ n }} end
            {% else %}
            null
            {% endif %}
        ) as starts_{{ n }},
        {% endfor %}
        {% for n in windows %}
        {{ 'anchors.anchor_since_' ~ n if since is not none else 'cast(null as date)' }} as anchor_since_{{ n }}{{ ',' if not loop.last }}
        {% endfor %}
    from rebuilt
    {% if since is not none %}
    left join anchors using (symbol, rate_series)
    {% endif %}
    window s as (partition by rebuilt.symbol, rebuilt.rate_series order by rebuilt.date)
),

-- Point in time: the first date of the current run of same-sign correlations
runs as (
    select
        *,
        {% for n in windows %}
        coalesce(
            max(case when starts_{{ n }} then date end) over (
                partition by symbol, rate_series order by date rows between unbounded preceding and current row
            ),
            anchor_since_{{ n }}
        ) as sign_since_{{ n }}{{ ',' if not loop.last }}
        {% endfor %}
    from run_starts
),

final as (
    {% for n in windows %}
    select
        date,
        symbol,
        rate_series,
        {{ n }} as window_days,
        observations_{{ n }} as observations,
        rate_moves_{{ n }} as rate_moves,
        correlation_{{ n }} as correlation,
        beta_{{ n }} as beta,
        cast(sign_{{ n }} as integer) as correlation_sign,
        sign_since_{{ n }} as sign_since
    from runs
    where sign_{{ n }} is not null
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

-- no final ORDER BY: sorting 14M rows at 3000 x 25 cost more than computing them (benchmarks/)
select * from final
