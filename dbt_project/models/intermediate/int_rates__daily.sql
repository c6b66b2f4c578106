-- Every front-end rate series in percent on its own calendar: FRED series as published, Yahoo yield
-- quotes as quoted, futures-implied rates as 100 - price. Days without a value are left out (never
-- zero, never forward-filled). change_bp is the change since the series' previous value, in basis
-- points, and is null on roll days of continuous futures (the jump is a contract switch).
--
-- Stale quotes: a bar of a rate future (reference.instruments.asset_class 'rate_future': ZQ=F,
-- SR3=F, ZT=F, 2YY=F) with volume 0 whose close equals the previous bar's close is a frozen quote
-- repeated without a trade (2YY=F repeats one for weeks), not a zero change. It is a missing
-- observation: the row is kept (is_stale, the value as quoted) but its change_bp is null, and so is
-- the change of the first bar after it (that move spans the whole stale run, not one interval).
-- Only futures report a traded volume: ^IRX is an index (Yahoo gives it volume 0 on every bar, or
-- no volume in close-only files) and FRED has none, so a repeated value there cannot be told from
-- an unchanged market and counts as a zero change.

with rate_series as (
    select rate_series, kind, upstream_id from {{ ref('rate_series') }}
),

fred as (
    select series_id, date, value from {{ ref('stg_fred__series') }} where value is not null
),

traded as (
    select symbol from {{ ref('instruments') }} where asset_class = 'rate_future'
),

yahoo as (
    select
        prices.symbol,
        prices.date,
        prices.close,
        coalesce(
            traded.symbol is not null
            and prices.volume = 0
            and prices.close = lag(prices.close) over (partition by prices.symbol order by prices.date),
            false
        ) as is_stale
    from {{ ref('stg_yahoo__prices') }} as prices
    left join traded on traded.symbol = prices.symbol
    where prices.close is not null
      -- only the rate series' own symbols: the lag (a sort per symbol) then runs over a few series,
      -- not over every price of the universe (19M rows at 3000 tickers)
      and prices.symbol in (
          select upstream_id from rate_series where kind in ('yield_quote', 'futures_implied')
      )
),

roll_days as (
    select symbol, date, is_roll_day from {{ ref('int_futures__roll_days') }}
),

levels as (
    select rate_series.rate_series, fred.date, fred.value, false as is_roll_day, false as is_stale
    from rate_series
    inner join fred on fred.series_id = rate_series.upstream_id
    where rate_series.kind = 'fred'

    union all

    select
        rate_series.rate_series,
        yahoo.date,
        case when rate_series.kind = 'futures_implied' then 100 - yahoo.close else yahoo.close end as value,
        coalesce(roll_days.is_roll_day, false) as is_roll_day,
        yahoo.is_stale
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
        lag(date) over by_date as previous_date,
        case
            when is_roll_day or is_stale or lag(is_stale) over by_date then null
            else (value - lag(value) over by_date) * 100
        end as change_bp,
        is_roll_day,
        is_stale
    from levels
    window by_date as (partition by rate_series order by date)
)

select * from final
