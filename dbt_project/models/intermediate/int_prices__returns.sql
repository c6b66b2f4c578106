-- Daily returns of every price instrument on its own trading calendar.
-- Returns basis: adjusted close where upstream sent one, close otherwise (for auto-adjusted and
-- close-only upstream files the close is itself adjusted; for indices adjusted = close).
-- Yield instruments (quote_type = 'yield', e.g. ^IRX) have no returns and are left out.
--
-- A table, not a view: every mart reads part of it (a segment, a few symbols, the pairs), and a view
-- would sort the whole universe's prices for its window again in each of them (at 3000 tickers x 25
-- years, 19M rows, about 3 s each); a filter on a table reaches its scan. Incremental
-- (macros/engine/incremental.sql): only dates from the earliest changed raw price are recomputed, each
-- symbol's first rebuilt return against its last price before them. `rotation run --full-refresh`
-- rebuilds it whole (needed after changing the instruments seed or this SQL).
{{ incremental_by_loads(['yahoo']) }}
{% set since = rebuild_from(['yahoo']) %}

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

{% if since is none %}
rebuilt as (
    select * from basis
),
{% elif since == '9999-12-31' %}
-- nothing changed: nothing to rebuild, nothing to read
rebuilt as (
    select * from basis where 1 = 0
),
{% else %}
-- the dates to rebuild, and each symbol's last row before them (the previous price of its first
-- rebuilt return)
anchors as (
    select symbol, max(date) as date
    from basis
    where date < cast('{{ since }}' as date)
    group by symbol
),

rebuilt as (
    select * from basis where date >= cast('{{ since }}' as date)
    union all
    select basis.*
    from basis
    inner join anchors on anchors.symbol = basis.symbol and anchors.date = basis.date
),
{% endif %}

final as (
    select
        symbol,
        date,
        price,
        price_basis,
        lag(date) over (partition by symbol order by date) as previous_date,
        price / lag(price) over (partition by symbol order by date) - 1 as daily_return
    from rebuilt
)

select * from final
{% if since is not none %}
where date >= cast('{{ since }}' as date)
{% endif %}
