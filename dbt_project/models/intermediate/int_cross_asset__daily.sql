-- The cross-asset block of a rotation: does the rest of the market confirm what small versus large
-- caps show? One row per ^GSPC trading date. Every value uses closes up to that date only.
-- Windows count each instrument's own trading rows (var cross_asset_window_days, default 21).
{% set n = var('cross_asset_window_days', 21) %}

{% set symbols = ['^GSPC', 'HG=F', 'GC=F', 'HYG', 'IEF', '^VIX', 'RSP', 'SPY'] %}

-- the instruments this block reads, and only those: the windows below then sort their rows, not the
-- universe's
with returns as (
    select symbol, date, price, daily_return from {{ ref('int_prices__returns') }}
    where symbol in ({% for symbol in symbols %}'{{ symbol }}'{{ ', ' if not loop.last }}{% endfor %})
),

calendar as (
    select date from returns where symbol = '^GSPC'
),

-- price n rows back on the instrument's own calendar: the n-day return
windowed as (
    select
        symbol,
        date,
        price,
        price / lag(price, {{ n }}) over (partition by symbol order by date) - 1 as return_nd,
        price - lag(price, 5) over (partition by symbol order by date) as change_5d
    from returns
),

copper_gold as (
    select
        copper.date,
        copper.price / gold.price as copper_gold_ratio
    from windowed as copper
    inner join windowed as gold on gold.date = copper.date and gold.symbol = 'GC=F'
    where copper.symbol = 'HG=F'
),

copper_gold_windowed as (
    select
        date,
        copper_gold_ratio,
        copper_gold_ratio / lag(copper_gold_ratio, {{ n }}) over (order by date) - 1 as copper_gold_change_nd
    from copper_gold
),

megacap_windowed as (
    select
        date,
        basket_names,
        -- compounded over the last n basket days
        case when count(*) over w = {{ n }} then {{ window_product('1 + basket_return', 'over w') }} - 1 end
            as basket_return_nd
    from {{ ref('int_megacap__basket') }}
    window w as (order by date rows between {{ n - 1 }} preceding and current row)
),

smb as (
    select
        date,
        case
            when count(smb) over w = {{ n }} then {{ window_product('1 + smb', 'over w') }} - 1
        end as smb_nd
    from {{ ref('stg_french__factors') }}
    window w as (order by date rows between {{ n - 1 }} preceding and current row)
),

final as (
    select
        calendar.date,
        copper_gold_windowed.copper_gold_ratio,
        copper_gold_windowed.copper_gold_change_nd,
        hyg.return_nd as hyg_return_nd,
        hyg.return_nd - ief.return_nd as hyg_minus_ief_nd,
        vix.price as vix_level,
        vix.change_5d as vix_change_5d,
        rsp.return_nd - spy.return_nd as rsp_minus_spy_nd,
        megacap_windowed.basket_names as megacap_names,
        megacap_windowed.basket_return_nd as megacap_return_nd,
        megacap_windowed.basket_return_nd - gspc.return_nd as megacap_minus_gspc_nd,
        smb.smb_nd
    from calendar
    left join windowed as gspc on gspc.symbol = '^GSPC' and gspc.date = calendar.date
    left join copper_gold_windowed on copper_gold_windowed.date = calendar.date
    left join windowed as hyg on hyg.symbol = 'HYG' and hyg.date = calendar.date
    left join windowed as ief on ief.symbol = 'IEF' and ief.date = calendar.date
    left join windowed as vix on vix.symbol = '^VIX' and vix.date = calendar.date
    left join windowed as rsp on rsp.symbol = 'RSP' and rsp.date = calendar.date
    left join windowed as spy on spy.symbol = 'SPY' and spy.date = calendar.date
    left join megacap_windowed on megacap_windowed.date = calendar.date
    left join smb on smb.date = calendar.date
)

select * from final
