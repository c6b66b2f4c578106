-- Returns of both legs of each pair over every horizon, ending on each common date.
-- Fixed horizons start `trading_days` rows earlier on the pair's common calendar; ytd starts at the
-- pair's last common date of the previous calendar year. A window that would start before the
-- pair's first common date has no row.

with aligned as (
    select * from {{ ref('int_pairs__aligned') }}
),

horizons as (
    select horizon, trading_days from {{ ref('horizons') }}
),

year_ends as (
    select numerator, denominator, calendar_year, max(pair_row) as last_row
    from aligned
    group by numerator, denominator, calendar_year
),

window_ends as (
    select
        aligned.numerator,
        aligned.denominator,
        aligned.date,
        aligned.numerator_price,
        aligned.denominator_price,
        horizons.horizon,
        horizons.trading_days as horizon_days,
        case
            when horizons.trading_days is not null then aligned.pair_row - horizons.trading_days
            else year_ends.last_row
        end as start_row
    from aligned
    cross join horizons
    left join year_ends
        on year_ends.numerator = aligned.numerator
        and year_ends.denominator = aligned.denominator
        and year_ends.calendar_year = aligned.calendar_year - 1
),

final as (
    select
        window_ends.numerator,
        window_ends.denominator,
        window_ends.horizon,
        window_ends.horizon_days,
        window_start.date as start_date,
        window_ends.date,
        window_ends.numerator_price / window_start.numerator_price - 1 as numerator_return,
        window_ends.denominator_price / window_start.denominator_price - 1 as denominator_return
    from window_ends
    inner join aligned as window_start
        on window_start.numerator = window_ends.numerator
        and window_start.denominator = window_ends.denominator
        and window_start.pair_row = window_ends.start_row
)

select * from final
