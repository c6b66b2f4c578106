-- Daily returns of every price instrument on its own trading calendar.
-- Returns basis: adjusted close where upstream sent one, close otherwise (for auto-adjusted and
-- close-only upstream files the close is itself adjusted; for indices adjusted = close).
-- Yield instruments (quote_type = 'yield', e.g. ^IRX) have no returns and are left out.

with prices as (
    select * from {{ ref('stg_yahoo__prices') }}
),

instruments as (
    select symbol, quote_type from {{ ref('instruments') }}
),

basis as (
    select
        prices.symbol,
        prices.date,
        coalesce(prices.adj_close, prices.close) as price,
        case
            when prices.adj_close is not null then 'adj_close'
            when prices.close_is_adjusted then 'close_adjusted_upstream'
            else 'close'
        end as price_basis
    from prices
    inner join instruments on instruments.symbol = prices.symbol
    where instruments.quote_type = 'price'
      and coalesce(prices.adj_close, prices.close) is not null
),

final as (
    select
        symbol,
        date,
        price,
        price_basis,
        lag(date) over (partition by symbol order by date) as previous_date,
        price / lag(price) over (partition by symbol order by date) - 1 as daily_return
    from basis
)

select * from final
