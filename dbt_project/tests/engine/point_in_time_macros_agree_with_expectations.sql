{{ config(tags=["structural"]) }}
-- The engine forms of asof_left_join() (macros/engine/joins.sql), window_product() and
-- window_quantile() (macros/engine/aggregates.sql) give the hand-computed values on both engines,
-- and so does the portable form of asof_left_join (what Spark runs) on DuckDB too.
-- Returns the rows that differ from `expected_*`: none passes.
with calendar as (
    select * from (
        values
            (date '2024-01-02', cast(null as date), cast(null as date)),
            (date '2024-01-03', date '2024-01-02', date '2024-01-03'),
            (date '2024-01-05', date '2024-01-03', date '2024-01-05'),
            (date '2024-01-08', date '2024-01-05', date '2024-01-05')
    ) as t (date, expected_before, expected_at_or_before)
),

observations as (
    select * from (
        values
            (date '2024-01-02', 1e0),
            (date '2024-01-03', 2e0),
            (date '2024-01-05', 4e0)
    ) as t (date, value)
),

before as (
    select calendar.date, calendar.expected_before, earlier.date as found
    from calendar
    {{ asof_left_join('calendar', 'calendar', ['date'], 'observations', 'earlier', 'date', '<', 'calendar.date') }}
),

at_or_before as (
    select calendar.date, calendar.expected_at_or_before, latest.date as found
    from calendar
    {{ asof_left_join('calendar', 'calendar', ['date'], 'observations', 'latest', 'date', '<=', 'calendar.date') }}
),

before_portable as (
    select calendar.date, calendar.expected_before, earlier.date as found
    from calendar
    {{ default__asof_left_join('calendar', 'calendar', ['date'], 'observations', 'earlier', 'date', '<', 'calendar.date') }}
),

at_or_before_portable as (
    select calendar.date, calendar.expected_at_or_before, latest.date as found
    from calendar
    {{ default__asof_left_join('calendar', 'calendar', ['date'], 'observations', 'latest', 'date', '<=', 'calendar.date') }}
),

aggregates as (
    select
        date,
        {{ window_product('value', 'over (order by date rows between unbounded preceding and current row)') }}
            as running_product,
        {{ window_quantile('value', 0.5) }} over (order by date rows between unbounded preceding and current row)
            as running_median
    from observations
),

expected_aggregates as (
    select * from (
        values
            (date '2024-01-02', 1e0, 1e0),
            (date '2024-01-03', 2e0, 1.5e0),
            (date '2024-01-05', 8e0, 2e0)
    ) as t (date, expected_product, expected_median)
)

select 'before' as check_name, date from before
where not (found = expected_before or (found is null and expected_before is null))
union all
select 'at_or_before', date from at_or_before
where not (found = expected_at_or_before or (found is null and expected_at_or_before is null))
union all
select 'before_portable', date from before_portable
where not (found = expected_before or (found is null and expected_before is null))
union all
select 'at_or_before_portable', date from at_or_before_portable
where not (found = expected_at_or_before or (found is null and expected_at_or_before is null))
union all
select 'aggregates', aggregates.date
from aggregates
inner join expected_aggregates on expected_aggregates.date = aggregates.date
where abs(running_product - expected_product) > 1e-12 or abs(running_median - expected_median) > 1e-12
