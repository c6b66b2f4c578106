-- Roll days of continuous front-month futures (reference.instruments.roll_rule): the day the series
-- switched to the next contract, so its move that day is a roll, not a market move.

with prices as (
    select symbol, date from {{ ref('stg_yahoo__prices') }}
),

futures as (
    select symbol, roll_rule from {{ ref('instruments') }} where roll_rule <> 'none'
),

sequenced as (
    select
        futures.symbol,
        futures.roll_rule,
        prices.date,
        lag(prices.date) over (partition by futures.symbol order by prices.date) as previous_date,
        -- third Wednesday of the month (IMM date): first day + days to the first Wednesday + 14
        {{ dbt.dateadd(
            'day',
            "(3 - " ~ day_of_week(dbt.date_trunc('month', 'prices.date')) ~ " + 7) % 7 + 14",
            dbt.date_trunc('month', 'prices.date')
        ) }} as third_wednesday
    from futures
    inner join prices on prices.symbol = futures.symbol
),

final as (
    select
        symbol,
        date,
        coalesce(
            case roll_rule
                -- first trading day of a (roll) month
                when 'monthly' then extract(month from date) <> extract(month from previous_date)
                when 'quarterly_jan_apr_jul_oct'
                    then extract(month from date) <> extract(month from previous_date)
                    and extract(month from date) in (1, 4, 7, 10)
                -- first trading day on or after the IMM Wednesday of March, June, September, December
                when 'quarterly_imm'
                    then extract(month from date) in (3, 6, 9, 12)
                    and date >= third_wednesday
                    and previous_date < third_wednesday
                else false
            end,
            false
        ) as is_roll_day
    from sequenced
)

select * from final
