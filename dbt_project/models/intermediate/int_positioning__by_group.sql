-- One row per report, market and trader group: long, short and spread in contracts, and the net.
{% set groups = ['dealer', 'asset_manager', 'leveraged_funds', 'other_reportables'] %}

with reports as (
    select * from {{ ref('stg_cftc__tff') }}
),

by_group as (
    {% for group in groups %}
    select
        report_date, cftc_code, available_at, open_interest,
        '{{ group }}' as trader_group,
        {{ group }}_long as long,
        {{ group }}_short as short,
        {{ group }}_spread as spread
    from reports
    union all
    {% endfor %}
    select
        report_date, cftc_code, available_at, open_interest,
        'nonreportable' as trader_group,
        nonreportable_long as long,
        nonreportable_short as short,
        cast(null as double) as spread
    from reports
),

final as (
    select
        *,
        long - short as net
    from by_group
)

select * from final
