-- CFTC positioning per market and trader group, with where the net position's share of open
-- interest sits in its trailing 156-report (3-year) range. Every statistic uses only reports up to
-- and including its own; available_at says when the report was public.
{% set window = var('positioning_window_reports', 156) %}

with groups as (
    select * from {{ ref('int_positioning__by_group') }}
),

markets as (
    select cftc_code, market from {{ ref('cftc_markets') }}
),

sequenced as (
    select
        groups.*,
        net / nullif(open_interest, 0) as net_share_oi,
        lag(report_date) over (partition by cftc_code, trader_group order by report_date) as previous_report_date,
        lag(net) over (partition by cftc_code, trader_group order by report_date) as previous_net,
        row_number() over (partition by cftc_code, trader_group order by report_date) as report_row
    from groups
),

windowed as (
    select
        *,
        count(net_share_oi) over w as window_reports,
        avg(net_share_oi) over w as window_mean,
        stddev_samp(net_share_oi) over w as window_stddev,
        min(net_share_oi) over w as window_min,
        max(net_share_oi) over w as window_max
    from sequenced
    window w as (
        partition by cftc_code, trader_group order by report_date
        rows between {{ window - 1 }} preceding and current row
    )
),

-- Fraction of the window's values at or below the current one (the current one included).
percentiles as (
    select
        current_report.cftc_code,
        current_report.trader_group,
        current_report.report_date,
        avg(case when earlier.net_share_oi <= current_report.net_share_oi then 1e0 else 0e0 end) as percentile
    from sequenced as current_report
    inner join sequenced as earlier
        on earlier.cftc_code = current_report.cftc_code
        and earlier.trader_group = current_report.trader_group
        and earlier.report_row between current_report.report_row - {{ window - 1 }} and current_report.report_row
    where earlier.net_share_oi is not null
    group by current_report.cftc_code, current_report.trader_group, current_report.report_date
),

final as (
    select
        windowed.report_date,
        markets.market,
        windowed.trader_group,
        windowed.cftc_code,
        windowed.available_at,
        windowed.long,
        windowed.short,
        windowed.spread,
        windowed.net,
        windowed.open_interest,
        windowed.net_share_oi,
        -- The previous report must be from the previous calendar week (a holiday can move a report
        -- to Monday, so consecutive reports are 6 to 8 days apart).
        case
            when {{ dbt.date_trunc('week', 'windowed.previous_report_date') }}
                = {{ dbt.dateadd('day', -7, dbt.date_trunc('week', 'windowed.report_date')) }}
                then windowed.net - windowed.previous_net
        end as net_change_1w,
        windowed.window_reports,
        case when windowed.window_reports = {{ window }} then percentiles.percentile end
            as net_share_oi_pctrank_156r,
        case
            when windowed.window_reports = {{ window }} and windowed.window_stddev > 0
                then (windowed.net_share_oi - windowed.window_mean) / windowed.window_stddev
        end as net_share_oi_zscore_156r,
        case
            when windowed.window_reports = {{ window }} and windowed.window_max > windowed.window_min
                then (windowed.net_share_oi - windowed.window_min) / (windowed.window_max - windowed.window_min)
        end as cot_index_156r
    from windowed
    inner join markets on markets.cftc_code = windowed.cftc_code
    left join percentiles
        on percentiles.cftc_code = windowed.cftc_code
        and percentiles.trader_group = windowed.trader_group
        and percentiles.report_date = windowed.report_date
)

select * from final
order by market, trader_group, report_date
