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

fixed_windows as (
    select
        window_end.numerator,
        window_end.denominator,
        horizons.horizon,
        horizons.trading_days as horizon_days,
        window_start.date as start_date,
        window_end.date,
        window_start.numerator_price as numerator_start_price,
        window_end.numerator_price as numerator_end_price,
        window_start.denominator_price as denominator_start_price,
        window_end.denominator_price as denominator_end_price
    from aligned as window_end
    inner join horizons on horizons.trading_days is not null
    inner join aligned as window_start
        on window_start.numerator = window_end.numerator
        and window_start.denominator = window_end.denominator
        and window_start.pair_row = window_end.pair_row - horizons.trading_days
),

year_ends as (
    select numerator, denominator, calendar_year, max(pair_row) as last_row
    from aligned
    group by numerator, denominator, calendar_year
),

ytd_windows as (
    select
        window_end.numerator,
        window_end.denominator,
        horizons.horizon,
        horizons.trading_days as horizon_days,
        window_start.date as start_date,
        window_end.date,
        window_start.numerator_price as numerator_start_price,
        window_end.numerator_price as numerator_end_price,
        window_start.denominator_price as denominator_start_price,
        window_end.denominator_price as denominator_end_price
    from aligned as window_end
    inner join horizons on horizons.horizon = 'ytd'
    inner join year_ends
        on year_ends.numerator = window_end.numerator
        and year_ends.denominator = window_end.denominator
        and year_ends.calendar_year = window_end.calendar_year - 1
    inner join aligned as window_start
        on window_start.numerator = window_end.numerator
        and window_start.denominator = window_end.denominator
        and window_start.pair_row = year_ends.last_row
),

windows as (
    select * from fixed_windows
    union all
    select * from ytd_windows
),

final as (
    select
        numerator,
        denominator,
        horizon,
        horizon_days,
        start_date,
        date,
        numerator_end_price / numerator_start_price - 1 as numerator_return,
        denominator_end_price / denominator_start_price - 1 as denominator_return
    from windows
)

select * from final
