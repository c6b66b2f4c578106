with source as (
    select * from {{ source('raw', 'cftc_tff') }}
),

renamed as (
    select
        cast(report_date as date) as report_date,
        cast(cftc_code as {{ dbt.type_string() }}) as cftc_code,
        cast(market_name as {{ dbt.type_string() }}) as market_name,
        cast(open_interest as double) as open_interest,
        cast(dealer_long as double) as dealer_long,
        cast(dealer_short as double) as dealer_short,
        cast(dealer_spread as double) as dealer_spread,
        cast(asset_mgr_long as double) as asset_manager_long,
        cast(asset_mgr_short as double) as asset_manager_short,
        cast(asset_mgr_spread as double) as asset_manager_spread,
        cast(lev_money_long as double) as leveraged_funds_long,
        cast(lev_money_short as double) as leveraged_funds_short,
        cast(lev_money_spread as double) as leveraged_funds_spread,
        cast(other_rept_long as double) as other_reportables_long,
        cast(other_rept_short as double) as other_reportables_short,
        cast(other_rept_spread as double) as other_reportables_spread,
        cast(tot_rept_long as double) as total_reportable_long,
        cast(tot_rept_short as double) as total_reportable_short,
        cast(nonrept_long as double) as nonreportable_long,
        cast(nonrept_short as double) as nonreportable_short,
        available_at,
        cast(source as {{ dbt.type_string() }}) as source,
        cast(landing_file as {{ dbt.type_string() }}) as landing_file,
        loaded_at
    from source
)

select * from renamed
