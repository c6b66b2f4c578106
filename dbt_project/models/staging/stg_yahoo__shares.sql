-- Shares outstanding of the mega caps: Yahoo's share history (live) and the seed's counts near year
-- starts (every mode), one row per symbol, date and origin.

with live as (
    select symbol, cast(date as date) as as_of, shares as shares_outstanding, 'yahoo' as shares_source
    from {{ source('raw', 'shares_outstanding') }}
),

seed as (
    select symbol, as_of, shares_outstanding, 'seed' as shares_source
    from {{ ref('shares_outstanding') }}
)

select * from live
union all
select * from seed
