-- Analyst estimate snapshots, one row per symbol, capture date and period, typed; the mega caps
-- flagged. Values as upstream sent them (revenue in revenue_currency, EPS per share, growth fractions).

with source as (
    select * from {{ source('raw', 'estimate_snapshots') }}
),

instruments as (
    select symbol, segment from {{ ref('instruments') }}
),

final as (
    select
        source.symbol,
        cast(source.capture_date as date) as capture_date,
        source.period,
        source.captured_at,
        coalesce(instruments.segment = 'mega_cap', false) as is_megacap,
        source.revenue_currency,
        source.revenue_avg,
        source.revenue_low,
        source.revenue_high,
        source.revenue_analysts,
        source.revenue_year_ago,
        source.revenue_growth,
        source.eps_avg,
        source.eps_low,
        source.eps_high,
        source.eps_analysts,
        source.eps_year_ago,
        source.eps_growth,
        source.eps_trend_current,
        source.eps_trend_7d_ago,
        source.eps_trend_30d_ago,
        source.eps_trend_60d_ago,
        source.eps_trend_90d_ago,
        source.eps_up_7d,
        source.eps_up_30d,
        source.eps_down_7d,
        source.eps_down_30d,
        source.loaded_at
    from source
    left join instruments on instruments.symbol = source.symbol
)

select * from final
