-- Each studied instrument's own N-day return on its own trading calendar, with where it stands in its
-- history up to each date: rank, record, the last earlier date with a larger (smaller) return
-- ("largest since"), the YTD return, the running high and the drawdown from it. Point in time: a row
-- never changes once its date is built. Units: returns are fractions (0.115 = 11.5%).
--
-- The instruments: every leg of a pair of the pairs seed (what the warehouse studies; the bench's
-- 3,000 synthetic tickers outside the pairs stay out, as in relative_performance).
--
-- Incremental as relative_performance (macros/engine/incremental.sql): only dates from the earliest
-- changed raw price are recomputed; their windows read the prices before them, and their rank, record
-- and "largest since" compare with the returns already built before those dates (read from this
-- table: keys, date and symbol_return). `rotation run --full-refresh` rebuilds it whole (needed after
-- changing the pairs, instruments or horizons seeds or this SQL).
{{ incremental_by_loads(['yahoo']) }}
{% set since = rebuild_from(['yahoo']) %}
{% set series = ['symbol', 'horizon'] %}
with symbols as (
    select numerator as symbol from {{ ref('pairs') }}
    union
    select denominator as symbol from {{ ref('pairs') }}
),

-- the whole history of the studied symbols: the windows of the rebuilt dates look back up to 252
-- rows and to the previous year's last close, the running high to the first price
prices as (
    select returns.symbol, returns.date, returns.price
    from {{ ref('int_prices__returns') }} as returns
    inner join symbols on symbols.symbol = returns.symbol
),

numbered as (
    select
        symbol,
        date,
        price,
        extract(year from date) as calendar_year,
        row_number() over (partition by symbol order by date) as symbol_row,
        max(price) over (partition by symbol order by date rows between unbounded preceding and current row)
            as running_high,
        max(price) over (partition by symbol order by date rows between unbounded preceding and 1 preceding)
            as prior_high
    from prices
),

year_ends as (
    select symbol, calendar_year, max(symbol_row) as last_row
    from numbered
    group by symbol, calendar_year
),

horizons as (
    select horizon, trading_days from {{ ref('horizons') }}
),

window_ends as (
    select
        numbered.symbol,
        numbered.date,
        numbered.price,
        numbered.running_high,
        numbered.prior_high,
        horizons.horizon,
        horizons.trading_days as horizon_days,
        case
            when horizons.trading_days is not null then numbered.symbol_row - horizons.trading_days
            else year_ends.last_row
        end as start_row
    from numbered
    cross join horizons
    left join year_ends
        on year_ends.symbol = numbered.symbol
        and year_ends.calendar_year = numbered.calendar_year - 1
    {% if since is not none %}
    where numbered.date >= cast('{{ since }}' as date)
    {% endif %}
),

-- a window that would start before the symbol's first price has no row
-- (computed once on DuckDB: the "largest since" search and a daily run's join with the built rows
-- both read it)
returns as {{ materialized_cte() }} (
    select
        window_ends.symbol,
        window_ends.horizon,
        window_ends.horizon_days,
        window_start.date as start_date,
        window_ends.date,
        window_start.price as start_price,
        window_ends.price,
        window_ends.price / window_start.price - 1 as symbol_return,
        window_ends.running_high,
        window_ends.prior_high
    from window_ends
    inner join numbered as window_start
        on window_start.symbol = window_ends.symbol
        and window_start.symbol_row = window_ends.start_row
),

-- rank, record and "largest since" up to each date, among the rows computed in this run and the
-- rows already built before them (macros/point_in_time.sql)
{{ point_in_time_ctes('returns', series, 'symbol_return', since,
    carry=['horizon_days', 'start_date', 'start_price', 'price', 'symbol_return', 'running_high', 'prior_high']) }}

final as (
    select
        date,
        symbol,
        horizon,
        horizon_days,
        start_date,
        start_price,
        price,
        symbol_return,
        max(case when horizon = 'ytd' then symbol_return end) over (partition by symbol, date) as ytd_return,
        running_high,
        price / running_high - 1 as drawdown_from_high,
        coalesce(price > prior_high, false) as is_all_time_high,
        pit_prior_max as prior_max_return,
        pit_prior_min as prior_min_return,
        coalesce(symbol_return > pit_prior_max, false) as is_record,
        coalesce(symbol_return < pit_prior_min, false) as is_record_low,
        pit_rank_to_date as return_rank_to_date,
        pit_last_larger_date as last_larger_return_date,
        pit_last_smaller_date as last_smaller_return_date
    from point_in_time
)

select *{{ storage_partition_columns() }} from final
