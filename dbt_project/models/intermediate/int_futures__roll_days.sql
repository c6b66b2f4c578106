-- Roll days of continuous front-month futures (reference.instruments.roll_rule): the first trading
-- day of a roll month, when the series switched to the next contract and its move is a roll.

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
        lag(prices.date) over (partition by futures.symbol order by prices.date) as previous_date
    from futures
    inner join prices on prices.symbol = futures.symbol
),

final as (
    select
        symbol,
        date,
        coalesce(
            extract(month from date) <> extract(month from previous_date)
            and case roll_rule
                when 'monthly' then true
                when 'quarterly_mar_jun_sep_dec' then extract(month from date) in (3, 6, 9, 12)
                when 'quarterly_jan_apr_jul_oct' then extract(month from date) in (1, 4, 7, 10)
                else false
            end,
            false
        ) as is_roll_day
    from sequenced
)

select * from final
