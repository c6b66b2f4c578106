{{ config(tags=["structural"]) }}
-- Marts store NULL for "undefined" on every engine (docs/architecture.md "Two engines"):
-- nan_to_null() turns NaN into NULL (on Spark NaN = NaN is true, so `x <> x` never catches it) and
-- keeps numbers; safe_divide() is NULL for a zero denominator (DuckDB gives inf or NaN, Spark
-- NULL). Returns the cases that break either: none passes.
with given as (
    select cast('NaN' as double) as nan_value, 2e0 as number, 0e0 as zero
),

computed as (
    select
        {{ nan_to_null('nan_value') }} as nan_nulled,
        {{ nan_to_null('number') }} as number_kept,
        {{ safe_divide('number', 'zero') }} as number_over_zero,
        {{ safe_divide('zero', 'zero') }} as zero_over_zero,
        {{ safe_divide('number', 'number') }} as number_over_number
    from given
)

select *
from computed
where nan_nulled is not null
    or number_kept is null or number_kept <> 2
    or number_over_zero is not null
    or zero_over_zero is not null
    or number_over_number <> 1
