{{ config(tags=["structural"]) }}
-- day_of_week() (macros/engine/dates.sql) is 0 on a Sunday and 6 on a Saturday on every engine:
-- Spark's own extract(dow) says 1 and 7, which put every IMM roll day a day early
-- (int_futures__roll_days). Returns the dates where it differs from `expected`: none passes.
with given as (
    select * from (
        values
            (date '2024-07-07', 0),
            (date '2024-07-08', 1),
            (date '2024-07-10', 3),
            (date '2024-07-13', 6),
            (date '2000-01-01', 6),
            (date '2024-02-29', 4)
    ) as t (day, expected)
)

select day, expected, {{ day_of_week('day') }} as computed
from given
where {{ day_of_week('day') }} <> expected
