-- Rolling correlation and beta of daily returns against daily front-end rate changes.
-- Windows count aligned observations (dates where both sides moved over the same interval); a value
-- exists only once the window is full. beta = return (fraction) per +1 bp of rate change.
{% set windows = [10, 21, 63, 126, 252] %}

with aligned as (
    select * from {{ ref('int_rate_sensitivity__aligned') }}
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
        *,
        coalesce(sign(correlation), 0) as correlation_sign
    from windowed
    where observations = window_days
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
        min(date) over (partition by symbol, rate_series, window_days, sign_run) as sign_since
    from runs
)

select * from final
order by symbol, rate_series, window_days, date
