with source as (
    select * from {{ source('raw', 'fred_series') }}
),

renamed as (
    select
        cast(series_id as varchar) as series_id,
        cast(date as date) as date,
        cast(value as double) as value,
        cast(source as varchar) as source,
        cast(landing_file as varchar) as landing_file,
        loaded_at
    from source
)

select * from renamed
