-- Closes only: a partial bar (raw.prices.is_partial, captured before its session ended) stays in raw
-- for inspection and is left out here, so no model reads it (rule in ingestion/yahoo.py).
with source as (
    select * from {{ source('raw', 'prices') }}
    where not coalesce(is_partial, false)
),

renamed as (
    select
        cast(symbol as {{ dbt.type_string() }}) as symbol,
        cast(date as date) as date,
        cast(open as double) as open,
        cast(high as double) as high,
        cast(low as double) as low,
        cast(close as double) as close,
        cast(adj_close as double) as adj_close,
        cast(volume as bigint) as volume,
        cast(close_is_adjusted as boolean) as close_is_adjusted,
        cast(source as {{ dbt.type_string() }}) as source,
        cast(landing_file as {{ dbt.type_string() }}) as landing_file,
        loaded_at
    from source
)

select * from renamed
