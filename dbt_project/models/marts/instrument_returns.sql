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
{% set reads_built = since is not none and since not in ('0001-01-01', '9999-12-31') %}
{#- as relative_performance: a tail of at most this many calendar days is compared with the built
    rows by a join (history x tail rows per series), a longer one by sorting the series -#}
{% set join_max_tail_days = 14 %}
{% set tail_days = rebuilt_tail_days(since) if reads_built else none %}
{% set count_by_join = tail_days is none or tail_days | int <= join_max_tail_days %}
{#- a long tail: "largest since" is searched over the built and rebuilt rows together -#}
{% set long_tail = reads_built and not count_by_join %}
{% set beyond_from = 'beyond' if long_tail else 'records' %}

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

{% if not long_tail %}
-- "largest since" among the rows computed in this run: each return's last earlier dates with a larger
-- and a smaller one (macros/previous_beyond.sql), the returns carried through
{{ previous_beyond_ctes('beyond', 'returns', series, 'date', 'symbol_return',
    carry=['horizon_days', 'start_date', 'start_price', 'price', 'symbol_return', 'running_high', 'prior_high']) }}
{% endif %}

-- point in time among the rows computed in this run
ranked as (
    {{ rank_to_date_select('returns' if long_tail else 'beyond', series, 'date', 'symbol_return', 'rank_among_rebuilt') }}
),

records as (
    select
        *,
        max(symbol_return) over (
            partition by symbol, horizon order by date rows between unbounded preceding and 1 preceding
        ) as prior_max_among_rebuilt,
        min(symbol_return) over (
            partition by symbol, horizon order by date rows between unbounded preceding and 1 preceding
        ) as prior_min_among_rebuilt
    from ranked
),

{% if reads_built %}
-- the rows already built, all dated before the rebuilt ones
built as (
    select symbol, horizon, date, symbol_return
    from {{ this }}
    where date < cast('{{ since }}' as date)
),

built_extremes as (
    select symbol, horizon, max(symbol_return) as max_return, min(symbol_return) as min_return
    from built
    group by symbol, horizon
),

{% if count_by_join %}
-- per rebuilt row: the built returns larger than its own (they rank above it) and the last built
-- dates with a larger and a smaller one
built_compared as (
    select
        returns.symbol,
        returns.horizon,
        returns.date,
        count(case when built.symbol_return > returns.symbol_return then 1 end) as larger_returns,
        max(case when built.symbol_return > returns.symbol_return then built.date end) as built_larger_date,
        max(case when built.symbol_return < returns.symbol_return then built.date end) as built_smaller_date
    from returns
    inner join built
        on built.symbol = returns.symbol
        and built.horizon = returns.horizon
    group by returns.symbol, returns.horizon, returns.date
),

{% else %}
-- (a long tail: the built and rebuilt returns of a series sorted in descending order, a rebuilt
-- return before equal built ones; the built rows before a rebuilt one are those larger than it)
built_and_rebuilt as (
    select symbol, horizon, date, symbol_return, 0 as is_built from returns
    union all
    select symbol, horizon, date, symbol_return, 1 as is_built from built
),

built_counted as (
    select symbol, horizon, date, larger_returns
    from (
        select
            symbol,
            horizon,
            date,
            is_built,
            count(case when is_built = 1 then 1 end) over (
                partition by symbol, horizon
                order by symbol_return desc, is_built
                rows between unbounded preceding and current row
            ) as larger_returns
        from built_and_rebuilt
    ) as running
    where is_built = 0
),

built_compared as (
    select
        symbol, horizon, date, larger_returns,
        cast(null as date) as built_larger_date,
        cast(null as date) as built_smaller_date
    from built_counted
),

-- "largest since" over the built and rebuilt rows together (the search is linear in them)
{{ previous_beyond_ctes('beyond', 'built_and_rebuilt', series, 'date', 'symbol_return') }}
{% endif %}
{% endif %}

point_in_time as (
    select
        records.*,
        {% if reads_built %}
        -- the larger (smaller) of the two, either of which may be null (no earlier row)
        case
            when built_extremes.max_return is null then records.prior_max_among_rebuilt
            when records.prior_max_among_rebuilt is null then built_extremes.max_return
            when built_extremes.max_return > records.prior_max_among_rebuilt then built_extremes.max_return
            else records.prior_max_among_rebuilt
        end as prior_max_return,
        case
            when built_extremes.min_return is null then records.prior_min_among_rebuilt
            when records.prior_min_among_rebuilt is null then built_extremes.min_return
            when built_extremes.min_return < records.prior_min_among_rebuilt then built_extremes.min_return
            else records.prior_min_among_rebuilt
        end as prior_min_return,
        records.rank_among_rebuilt + coalesce(built_compared.larger_returns, 0) as return_rank_to_date,
        -- a rebuilt earlier date is later than every built one
        coalesce({{ beyond_from }}.last_larger_date, built_compared.built_larger_date) as last_larger_return_date,
        coalesce({{ beyond_from }}.last_smaller_date, built_compared.built_smaller_date) as last_smaller_return_date
        {% else %}
        records.prior_max_among_rebuilt as prior_max_return,
        records.prior_min_among_rebuilt as prior_min_return,
        records.rank_among_rebuilt as return_rank_to_date,
        records.last_larger_date as last_larger_return_date,
        records.last_smaller_date as last_smaller_return_date
        {% endif %}
    from records
    {% if long_tail %}
    left join beyond
        on beyond.symbol = records.symbol
        and beyond.horizon = records.horizon
        and beyond.date = records.date
    {% endif %}
    {% if reads_built %}
    left join built_extremes
        on built_extremes.symbol = records.symbol
        and built_extremes.horizon = records.horizon
    left join built_compared
        on built_compared.symbol = records.symbol
        and built_compared.horizon = records.horizon
        and built_compared.date = records.date
    {% endif %}
),

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
        prior_max_return,
        prior_min_return,
        coalesce(symbol_return > prior_max_return, false) as is_record,
        coalesce(symbol_return < prior_min_return, false) as is_record_low,
        return_rank_to_date,
        last_larger_return_date,
        last_smaller_return_date
    from point_in_time
)

select *{{ storage_partition_columns() }} from final
