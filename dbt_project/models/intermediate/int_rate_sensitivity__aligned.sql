-- Daily equity returns paired with daily rate changes over the same interval: a pair counts only when
-- both the return and the rate change run from the same previous date to the same date, so a day one
-- side skipped (a bond-market holiday, a futures-only session) is left out rather than forward-filled.
-- Relative series (^RUT-^GSPC) are the difference of both legs' returns over the same interval.
-- Futures roll days are left out (the contract switch is no market move). A stale rate quote and the
-- bar after it (int_rates__daily.is_stale) stay in, with a null change_bp: a missing observation
-- that takes its place in a window of aligned dates but is not counted or used in it.

with series as (
    select series, numerator, denominator from {{ ref('sensitivity_series') }}
),

-- The daily returns of the series' symbols only: int_prices__returns' prices (its basis rule), with
-- its return (price over the previous row's price, per symbol in date order) taken again after
-- keeping those symbols, so the sort per symbol runs over a few series, not the whole universe
-- (19M price rows at 3000 tickers); a per-symbol window gives the same values on fewer symbols.
returns as (
    select symbol, date, previous_date, daily_return
    from (
        select
            symbol,
            date,
            lag(date) over by_symbol as previous_date,
            price / lag(price) over by_symbol - 1 as daily_return
        from {{ ref('int_prices__returns') }}
        where symbol in (
            select numerator from series
            union all
            select denominator from series where denominator is not null
        )
        window by_symbol as (partition by symbol order by date)
    ) as series_returns
    where daily_return is not null
),

equity as (
    select series.series, returns.date, returns.previous_date, returns.daily_return
    from series
    inner join returns on returns.symbol = series.numerator
    where series.denominator is null

    union all

    -- a relative series: both legs' returns over the same interval, numerator minus denominator
    -- (grouped by series and interval rather than joined on dates, which let the planner pair
    -- every symbol's dates with every other's first)
    select series, date, previous_date, sum(leg_sign * daily_return) as daily_return
    from (
        select series.series, 1.0 as leg_sign, returns.date, returns.previous_date, returns.daily_return
        from series
        inner join returns on returns.symbol = series.numerator
        where series.denominator is not null

        union all

        select series.series, -1.0 as leg_sign, returns.date, returns.previous_date, returns.daily_return
        from series
        inner join returns on returns.symbol = series.denominator
        where series.denominator is not null
    ) as legs
    group by series, date, previous_date
    having count(*) = 2
),

rates as (
    select rates.rate_series, rates.date, rates.previous_date, rates.change_bp
    from {{ ref('int_rates__daily') }} as rates
    inner join {{ ref('rate_series') }} as rate_series on rate_series.rate_series = rates.rate_series
    where rate_series.for_sensitivity and not rates.is_roll_day and rates.previous_date is not null
),

final as (
    select
        equity.series as symbol,
        rates.rate_series,
        equity.date,
        equity.daily_return,
        rates.change_bp
    from equity
    inner join rates
        on rates.date = equity.date
        and rates.previous_date = equity.previous_date
)

select * from final
