-- Every front-end rate series in percent on its own calendar: FRED series as published, Yahoo yield
-- quotes as quoted, futures-implied rates as 100 - price. Days without a value are left out (never
-- zero, never forward-filled). change_bp is the change since the series' previous value, in basis
-- points, and is null on roll days of continuous futures (the jump is a contract switch).

with rate_series as (
    select rate_series, kind, upstream_id, roll_rule from {{ ref('rate_series') }}
),

fred as (
    select series_id, date, value from {{ ref('stg_fred__series') }} where value is not null
),

yahoo as (
    select symbol, date, close from {{ ref('stg_yahoo__prices') }} where close is not null
),

levels as (
    select rate_series.rate_series, rate_series.roll_rule, fred.date, fred.value
    from rate_series
    inner join fred on fred.series_id = rate_series.upstream_id
    where rate_series.kind = 'fred'

    union all

    select
        rate_series.rate_series,
        rate_series.roll_rule,
        yahoo.date,
        case when rate_series.kind = 'futures_implied' then 100 - yahoo.close else yahoo.close end as value
    from rate_series
    inner join yahoo on yahoo.symbol = rate_series.upstream_id
    where rate_series.kind in ('yield_quote', 'futures_implied')
),

sequenced as (
    select
        rate_series,
        roll_rule,
        date,
        value,
        lag(date) over (partition by rate_series order by date) as previous_date,
        lag(value) over (partition by rate_series order by date) as previous_value
    from levels
),

flagged as (
    select
        *,
        -- The first trading day of a roll month: the continuous series switched contracts.
        coalesce(
            extract(month from date) <> extract(month from previous_date)
            and case roll_rule
                when 'monthly' then true
                when 'quarterly_mar_jun_sep_dec' then extract(month from date) in (3, 6, 9, 12)
                when 'quarterly_jan_apr_jul_oct' then extract(month from date) in (1, 4, 7, 10)
                else false
            end,
            false
        ) as is_roll_day
    from sequenced
),

final as (
    select
        rate_series,
        date,
        value,
        previous_date,
        case when is_roll_day then null else (value - previous_value) * 100 end as change_bp,
        is_roll_day
    from flagged
)

select * from final
