{{ config(tags=["structural"]) }}
-- The portable and the DuckDB implementations of rank_to_date_select (macros/engine/rank_to_date.sql) give
-- the same rank on hand-made rows with ties, a later larger value, a value equal to an earlier one
-- and two partitions, and that rank is the expected one (1 + earlier-or-same-day larger values).
-- Returns the rows where either differs from `expected`: none passes. Tagged structural: it checks
-- the SQL, not the data, so CI runs it (tests/integration/test_dbt_ci_tests.py), builds do not.
with given as (
    select * from (
        values
            ('a', date '2024-01-01', 1.0, 1),
            ('a', date '2024-01-02', -0.5, 2),
            ('a', date '2024-01-03', 2.0, 1),
            ('a', date '2024-01-04', 1.0, 2),
            ('a', date '2024-01-05', 0.0, 4),
            ('a', date '2024-01-08', 1.0, 2),
            ('a', date '2024-01-09', 3.0, 1),
            ('b', date '2024-01-02', 5.0, 1),
            ('b', date '2024-01-03', 5.0, 1),
            ('b', date '2024-01-04', 4.0, 3)
    ) as t (series, date, value, expected)
),

portable as (
    {{ default__rank_to_date_select('given', ['series'], 'date', 'value', 'rank_to_date') }}
),

engine as (
    {{ rank_to_date_select('given', ['series'], 'date', 'value', 'rank_to_date') }}
)

select given.*, portable.rank_to_date as portable_rank, engine.rank_to_date as engine_rank
from given
left join portable on portable.series = given.series and portable.date = given.date
left join engine on engine.series = given.series and engine.date = given.date
where portable.rank_to_date is distinct from given.expected
    or engine.rank_to_date is distinct from given.expected
