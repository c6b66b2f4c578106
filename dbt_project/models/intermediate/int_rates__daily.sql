-- Every front-end rate series in percent on its own calendar: FRED series as published, Yahoo yield
-- quotes as quoted, futures-implied rates as 100 - price. Days without a value are left out (never
-- zero, never forward-filled). change_bp is the change since the series' previous value, in basis
-- points, and is null on roll days of continuous futures (the jump is a contract switch).

with rate_series as (
    select rate_series, kind, upstream_id from {{ ref('rate_series') }}
),

fred as (
    select series_id, date, value from {{ ref('stg_fred__series') }} where value is not null
),

yahoo as (
    select symbol, date, close from {{ ref('stg_yahoo__prices') }} where close is not null
),

roll_days as (
    select symbol, date, is_roll_day from {{ ref('int_futures__roll_days') }}
),

levels as (
    select rate_series.rate_series, fred.date, fred.value, false as is_roll_day
    from rate_series
    inner join fred on fred.series_id = rate_series.upstream_id
    where rate_series.kind = 'fred'

    union all

    select
        rate_series.rate_series,
        yahoo.date,
        case when rate_series.kind = 'futures_implied' then 100 - yahoo.close else yahoo.close end as value,
        coalesce(roll_days.is_roll_day, false) as is_roll_day
    from rate_series
    inner join yahoo on yahoo.symbol = rate_series.upstream_id
    left join roll_days on roll_days.symbol = yahoo.symbol and roll_days.date = yahoo.date
    where rate_series.kind in ('yield_quote', 'futures_implied')
),

final as (
    select
        rate_series,
        date,
        value,
        lag(date) over (partition by rate_series order by date) as previous_date,
        case
            when is_roll_day then null
            else (value - lag(value) over (partition by rate_series order by date)) * 100
        end as change_bp,
        is_roll_day
    from levels
)

select * from final
