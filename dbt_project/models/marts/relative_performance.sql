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
-- dates with a larger and a smaller spread. `rotation run --full-refresh` rebuilds it
-- whole (needed after changing the pairs or horizons seeds or this SQL).
{{ incremental_by_loads(['yahoo']) }}
{% set since = rebuild_from(['yahoo']) %}
{% set series = ['numerator', 'denominator', 'horizon'] %}
{#- no built rows to compare with: a fresh table, no recorded state (everything is rebuilt) or
    nothing changed (nothing is rebuilt) -#}
{% set reads_built = since is not none and since not in ('0001-01-01', '9999-12-31') %}
{#- a tail of at most this many calendar days (about 10 trading days) is counted by the join: the
    join costs history × tail rows per series, the sort history × log(history), so the join is
    several times cheaper for a few days and several times dearer for a month or more -#}
{% set join_max_tail_days = 14 %}
{% set tail_days = rebuilt_tail_days(since) if reads_built else none %}
{% set count_by_join = tail_days is none or tail_days | int <= join_max_tail_days %}
{#- a long tail: "largest since" is searched over the built and rebuilt rows together -#}
{% set long_tail = reads_built and not count_by_join %}
{% set beyond_from = 'beyond' if long_tail else 'records' %}

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

{% if not long_tail %}
-- "largest since" among the rows computed in this run: each spread's last earlier dates with a larger
-- and a smaller one (macros/previous_beyond.sql), the spreads carried through
{{ previous_beyond_ctes('beyond', 'spreads', series, 'date', 'return_spread',
    carry=['horizon_days', 'start_date', 'numerator_return', 'denominator_return', 'return_spread', 'relative_return']) }}
{% endif %}

-- Point in time among the rows computed in this run: the rank of the spread among the series'
-- spreads up to and including the date, and the largest spread on an earlier date
ranked as (
    {{ rank_to_date_select('spreads' if long_tail else 'beyond', series, 'date', 'return_spread', 'rank_among_rebuilt') }}
),

records as (
    select
        *,
        max(return_spread) over (
            partition by numerator, denominator, horizon
            order by date
            rows between unbounded preceding and 1 preceding
        ) as prior_max_among_rebuilt
    from ranked
),

{% if reads_built %}
-- The rows already built, all dated before the rebuilt ones
built as (
    select numerator, denominator, horizon, date, return_spread
    from {{ this }}
    where date < cast('{{ since }}' as date)
),

built_max as (
    select numerator, denominator, horizon, max(return_spread) as max_spread
    from built
    group by numerator, denominator, horizon
),

-- per rebuilt row, the built spreads larger than its own (they rank above it) and the last built
-- dates with a larger and a smaller spread
{% if count_by_join %}
built_larger as (
    select
        spreads.numerator,
        spreads.denominator,
        spreads.horizon,
        spreads.date,
        count(case when built.return_spread > spreads.return_spread then 1 end) as larger_spreads,
        max(case when built.return_spread > spreads.return_spread then built.date end) as built_larger_date,
        max(case when built.return_spread < spreads.return_spread then built.date end) as built_smaller_date
    from spreads
    inner join built
        on built.numerator = spreads.numerator
        and built.denominator = spreads.denominator
        and built.horizon = spreads.horizon
    group by spreads.numerator, spreads.denominator, spreads.horizon, spreads.date
),

{% else %}
-- (sorted: the rebuilt and built spreads of a series in descending order, a rebuilt spread before
-- equal built ones; the built rows before a rebuilt one are those larger than it)
built_and_rebuilt as (
    select numerator, denominator, horizon, date, return_spread, 0 as is_built from spreads
    union all
    select numerator, denominator, horizon, date, return_spread, 1 as is_built from built
),

built_larger as (
    select
        numerator, denominator, horizon, date, larger_spreads,
        cast(null as date) as built_larger_date,
        cast(null as date) as built_smaller_date
    from (
        select
            numerator,
            denominator,
            horizon,
            date,
            is_built,
            count(case when is_built = 1 then 1 end) over (
                partition by numerator, denominator, horizon
                order by return_spread desc, is_built
                rows between unbounded preceding and current row
            ) as larger_spreads
        from built_and_rebuilt
    ) as running
    where is_built = 0
),

-- "largest since" over the built and rebuilt spreads together (the search is linear in them)
{{ previous_beyond_ctes('beyond', 'built_and_rebuilt', series, 'date', 'return_spread') }}
{% endif %}
{% endif %}

point_in_time as (
    select
        records.*,
        {% if reads_built %}
        -- the larger of the two, either of which may be null (no earlier row)
        case
            when built_max.max_spread is null then records.prior_max_among_rebuilt
            when records.prior_max_among_rebuilt is null then built_max.max_spread
            when built_max.max_spread > records.prior_max_among_rebuilt then built_max.max_spread
            else records.prior_max_among_rebuilt
        end as prior_max_spread,
        records.rank_among_rebuilt + coalesce(built_larger.larger_spreads, 0) as spread_rank_to_date,
        -- a rebuilt earlier date is later than every built one
        coalesce({{ beyond_from }}.last_larger_date, built_larger.built_larger_date) as last_larger_spread_date,
        coalesce({{ beyond_from }}.last_smaller_date, built_larger.built_smaller_date) as last_smaller_spread_date
        {% else %}
        records.prior_max_among_rebuilt as prior_max_spread,
        records.rank_among_rebuilt as spread_rank_to_date,
        records.last_larger_date as last_larger_spread_date,
        records.last_smaller_date as last_smaller_spread_date
        {% endif %}
    from records
    {% if long_tail %}
    left join beyond
        on beyond.numerator = records.numerator
        and beyond.denominator = records.denominator
        and beyond.horizon = records.horizon
        and beyond.date = records.date
    {% endif %}
    {% if reads_built %}
    left join built_max
        on built_max.numerator = records.numerator
        and built_max.denominator = records.denominator
        and built_max.horizon = records.horizon
    left join built_larger
        on built_larger.numerator = records.numerator
        and built_larger.denominator = records.denominator
        and built_larger.horizon = records.horizon
        and built_larger.date = records.date
    {% endif %}
),

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
        prior_max_spread,
        coalesce(return_spread > prior_max_spread, false) as is_record,
        spread_rank_to_date,
        last_larger_spread_date,
        last_smaller_spread_date
    from point_in_time
)

select *{{ storage_partition_columns() }} from final
