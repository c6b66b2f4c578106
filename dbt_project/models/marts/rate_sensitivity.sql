-- Rolling correlation and beta of daily returns against daily front-end rate changes.
-- Windows count aligned observations (dates where both sides moved over the same interval); a value
-- exists only once the window is full. beta = return (fraction) per +1 bp of rate change.
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

windowed as (
    {% for n in windows %}
    select
        symbol,
        rate_series,
        date,
        {{ n }} as window_days,
        count(*) over w as observations,
        {{ nan_to_null('corr(daily_return, change_bp) over w') }} as correlation,
        {{ nan_to_null('regr_slope(daily_return, change_bp) over w') }} as beta
    from aligned
    window w as (partition by symbol, rate_series order by date rows between {{ n - 1 }} preceding and current row)
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

full_windows as (
    select
        symbol,
        rate_series,
        date,
        window_days,
        observations,
        correlation,
        beta,
        coalesce(sign(correlation), 0) as correlation_sign,
        cast(null as date) as carried_since,
        false as is_anchor
    from windowed
    where observations = window_days
    {% if since is not none %}
        and date >= '{{ since }}'::date

    union all

    -- the last row already built before the rebuilt dates: its sign run continues
    select
        symbol, rate_series, date, window_days, observations, correlation, beta,
        correlation_sign, sign_since as carried_since, true as is_anchor
    from {{ this }}
    where date < '{{ since }}'::date
    qualify row_number() over (partition by symbol, rate_series, window_days order by date desc) = 1
    {% endif %}
),

runs as (
    select
        *,
        -- a new run starts whenever the sign differs from the previous full window's
        sum(case when correlation_sign = previous_sign then 0 else 1 end) over (
            partition by symbol, rate_series, window_days
            order by date
            rows between unbounded preceding and current row
        ) as sign_run
    from (
        select
            *,
            lag(correlation_sign) over (
                partition by symbol, rate_series, window_days order by date
            ) as previous_sign
        from full_windows
    ) as with_previous
),

final as (
    select
        date,
        symbol,
        rate_series,
        window_days,
        observations,
        correlation,
        beta,
        cast(correlation_sign as integer) as correlation_sign,
        -- Point in time: the first date of the current run of same-sign correlations.
        coalesce(
            min(carried_since) over (partition by symbol, rate_series, window_days, sign_run),
            min(date) over (partition by symbol, rate_series, window_days, sign_run)
        ) as sign_since,
        is_anchor
    from runs
)

select * exclude (is_anchor) from final
where not is_anchor
order by symbol, rate_series, window_days, date
