{{ config(tags=["structural"]) }}
-- previous_beyond_ctes (macros/previous_beyond.sql) against the quadratic definition: for two series
-- of 5,000 dated rows (more than the 4,096 rows of a top-level block, so every level of the search
-- and the descent is used), the last earlier date with a strictly larger and a strictly smaller
-- value equals a self-join's max(earlier date) under that condition. Series a: pseudo-random values
-- with many ties (1,009 distinct values); series b: a triangle wave (long climbs and falls, so the
-- answers lie thousands of rows back). Returns the rows that differ: none passes. Tagged
-- structural (the SQL, not the data): CI runs it (tests/integration/test_dbt_ci_tests.py).
with digits as (
    select * from (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as t (d)
),

numbers as (
    select ones.d + 10 * tens.d + 100 * hundreds.d + 1000 * thousands.d as n
    from digits as ones
    cross join digits as tens
    cross join digits as hundreds
    cross join digits as thousands
    where thousands.d < 5
),

given as (
    select 'a' as series, {{ dbt.dateadd('day', 'n', "cast('2000-01-01' as date)") }} as date,
        cast(mod(n * 7919, 1009) as double) as value
    from numbers
    union all
    select 'b' as series, {{ dbt.dateadd('day', 'n', "cast('2000-01-01' as date)") }} as date,
        cast(abs(mod(n, 1800) - 900) + mod(n, 7) as double) as value
    from numbers
),

{{ previous_beyond_ctes('beyond', 'given', ['series'], 'date', 'value') }}

expected as (
    select
        current_row.series,
        current_row.date,
        max(case when earlier.value > current_row.value then earlier.date end) as last_larger_date,
        max(case when earlier.value < current_row.value then earlier.date end) as last_smaller_date
    from given as current_row
    left join given as earlier
        on earlier.series = current_row.series and earlier.date < current_row.date
    group by current_row.series, current_row.date
)

select expected.*, beyond.last_larger_date as got_larger, beyond.last_smaller_date as got_smaller
from expected
left join beyond on beyond.series = expected.series and beyond.date = expected.date
where beyond.date is null
    or beyond.last_larger_date is distinct from expected.last_larger_date
    or beyond.last_smaller_date is distinct from expected.last_smaller_date
