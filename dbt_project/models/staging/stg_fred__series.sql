with source as (
    select * from {{ source('raw', 'fred_series') }}
),

renamed as (
    select
        cast(series_id as {{ dbt.type_string() }}) as series_id,
        cast(date as date) as date,
        cast(value as double) as value,
        cast(source as {{ dbt.type_string() }}) as source,
        cast(landing_file as {{ dbt.type_string() }}) as landing_file,
        loaded_at
    from source
)

select * from renamed
