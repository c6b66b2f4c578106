-- Each pair's common calendar: the dates on which both numerator and denominator have a price.
-- Horizons count rows of this calendar, so both legs of a window always start and end on the same
-- dates (no forward-fill across one leg's holidays).

with pairs as (
    select numerator, denominator from {{ ref('pairs') }}
),

prices as (
    select symbol, date, price from {{ ref('int_prices__returns') }}
),

joined as (
    select
        pairs.numerator,
        pairs.denominator,
        num.date,
        num.price as numerator_price,
        den.price as denominator_price
    from pairs
    inner join prices as num on num.symbol = pairs.numerator
    inner join prices as den on den.symbol = pairs.denominator and den.date = num.date
),

final as (
    select
        numerator,
        denominator,
        date,
        extract(year from date) as calendar_year,
        row_number() over (partition by numerator, denominator order by date) as pair_row,
        numerator_price,
        denominator_price
    from joined
)

select * from final
