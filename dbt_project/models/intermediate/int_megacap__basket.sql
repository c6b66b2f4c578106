-- An equal-weighted basket of the mega caps (instruments with segment mega_cap: NVDA MSFT AAPL GOOGL
-- AMZN META), rebalanced daily: its daily return is the mean daily return of the names that traded,
-- and its level compounds those returns from 1.0 (on the day before its first return).
-- basket_members is the size of the basket's definition (every instrument with segment mega_cap):
-- a date with fewer names than that (before META's 2012 listing, a name's missing bar) is an
-- incomplete basket, and marts that publish the basket as a segment leave it out.

with returns as (
    select returns.date, returns.daily_return
    from {{ ref('int_prices__returns') }} as returns
    inner join {{ ref('instruments') }} as instruments on instruments.symbol = returns.symbol
    where instruments.segment = 'mega_cap' and returns.daily_return is not null
),

daily as (
    select date, avg(daily_return) as basket_return, count(*) as basket_names
    from returns
    group by date
),

members as (
    select count(*) as basket_members from {{ ref('instruments') }} where segment = 'mega_cap'
),

final as (
    select
        date,
        basket_names,
        members.basket_members,
        basket_return,
        {{ window_product('1 + basket_return', 'over (order by date rows between unbounded preceding and current row)') }}
            as basket_level
    from daily
    cross join members
)

select * from final
