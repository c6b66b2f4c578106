-- N-day relative performance of each pair, with its rank and record among the pair's spreads up to
-- each date and the last earlier dates with a larger and a smaller spread ("largest since",
-- macros/previous_beyond.sql) (point in time: a row never changes once its date is built).
-- Units: every return is a fraction (0.115 = 11.5%).
--
-- Incremental (macros/engine/incremental.sql): only dates from the earliest changed raw price are
-- recomputed. A changed close moves the windows that start or end on it, all dated on or after it;
-- a new or removed common date shifts the later rows of the pair's calendar only. The record and the
-- rank of a rebuilt row also compare it with the rows already built before those dates: one
-- aggregate gives their largest spread, and a join on the pair's rows counts those larger than each
-- rebuilt spread (reading keys, date and return_spread only); the same join gives the last built
-- dates with a larger and a smaller spread (macros/point_in_time.sql, shared with instrument_returns).
-- `rotation run --full-refresh` rebuilds it
-- whole (needed after changing the pairs or horizons seeds or this SQL).
{{ incremental_by_loads(['yahoo']) }}
{% set since = rebuild_from(['yahoo']) %}
{% set series = ['numerator', 'denominator', 'horizon'] %}
with horizon_returns as (
    select * from {{ ref('int_pairs__horizon_returns') }}
    {% if since is not none %}
    where date >= cast('{{ since }}' as date)
    {% endif %}
),

-- computed once (DuckDB: materialized): the "largest since" search and a daily run's join with the
-- built rows both read it
spreads as {{ materialized_cte() }} (
    select
        numerator,
        denominator,
        horizon,
        horizon_days,
        start_date,
        date,
        numerator_return,
        denominator_return,
        numerator_return - denominator_return as return_spread,
        (1 + numerator_return) / (1 + denominator_return) - 1 as relative_return
    from horizon_returns
),

-- rank, record and "largest since" up to each date, among the rows computed in this run and the
-- rows already built before them (macros/point_in_time.sql)
{{ point_in_time_ctes('spreads', series, 'return_spread', since,
    carry=['horizon_days', 'start_date', 'numerator_return', 'denominator_return', 'return_spread', 'relative_return']) }}

final as (
    select
        date,
        numerator,
        denominator,
        {{ dbt.concat(['numerator', "'/'", 'denominator']) }} as pair,
        horizon,
        horizon_days,
        start_date,
        numerator_return,
        denominator_return,
        return_spread,
        relative_return,
        pit_prior_max as prior_max_spread,
        coalesce(return_spread > pit_prior_max, false) as is_record,
        pit_rank_to_date as spread_rank_to_date,
        pit_last_larger_date as last_larger_spread_date,
        pit_last_smaller_date as last_smaller_spread_date
    from point_in_time
)

select *{{ storage_partition_columns() }} from final
