-- The Fama-French daily factors, one row per date, as fractions (the library publishes percent).

with source as (
    select * from {{ source('raw', 'french_factors') }}
),

pivoted as (
    select
        cast(date as date) as date,
        max(case when factor = 'Mkt-RF' then value end) / 100 as mkt_rf,
        max(case when factor = 'SMB' then value end) / 100 as smb,
        max(case when factor = 'HML' then value end) / 100 as hml,
        max(case when factor = 'RF' then value end) / 100 as rf,
        max(case when factor = 'RMW' then value end) / 100 as rmw,
        max(case when factor = 'CMA' then value end) / 100 as cma,
        max(case when factor = 'Mom' then value end) / 100 as mom,
        max(loaded_at) as loaded_at
    from source
    group by cast(date as date)
)

select * from pivoted
