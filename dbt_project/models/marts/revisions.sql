-- Analyst revisions from the warehouse's own history of estimate snapshots: per capture date, symbol
-- and period, the consensus and its change over 7, 30, 60 and 90 days, upstream's own trailing EPS
-- fields beside them, and the mega caps' revisions breadth.
--   * an N-day change compares with the latest capture on or before capture_date - N days, if that
--     capture is at most var revisions_base_tolerance_days (7) older; otherwise (a gap in the
--     history) the change is null: gaps are shown, never filled;
--   * a period label moves to the next quarter or year once the last one is reported. The fixed
--     actuals tell which period a label meant: the 0q row's year-ago figure (the same quarter a year
--     earlier, reported) for 0q and +1q, the 0y row's (the last fiscal year, reported) for 0y and
--     +1y; revenue's, else EPS's. (+1y's own year-ago figure is the current year's consensus on
--     Yahoo, so it moves with every 0y revision and cannot serve.) Where that key differs by more
--     than 1% from the base capture's, or either is null, the change is null;
--   * changes are relative: (now - then) / |then|;
--   * breadth (mega caps, per capture date and period): (names revised up - names revised down) /
--     names with a change, over 30 days; from -1 (all down) to +1 (all up).
-- "The latest capture on or before a date" per symbol and period is a point-in-time join
-- (macros/engine/joins.sql: DuckDB's ASOF JOIN, one pass; elsewhere a portable form).
{% set windows = [7, 30, 60, 90] %}
{% set tolerance = var('revisions_base_tolerance_days', 7) %}

with estimates as (
    select * from {{ ref('stg_yahoo__estimates') }}
),

-- per symbol and capture: the reported year-ago figures that identify the current quarter and year
period_keys as (
    select
        symbol,
        capture_date,
        max(case when period = '0q' then coalesce(revenue_year_ago, eps_year_ago) end) as quarter_key,
        max(case when period = '0y' then coalesce(revenue_year_ago, eps_year_ago) end) as year_key
    from estimates
    group by symbol, capture_date
),

snapshots as (
    select
        estimates.*,
        case when estimates.period in ('0q', '+1q') then period_keys.quarter_key else period_keys.year_key end
            as period_key
    from estimates
    left join period_keys
        on period_keys.symbol = estimates.symbol and period_keys.capture_date = estimates.capture_date
),

sequenced as (
    select
        *,
        lag(capture_date) over (partition by symbol, period order by capture_date) as previous_capture_date
    from snapshots
),

{% for n in windows %}
base_{{ n }} as (
    select
        s.symbol,
        s.capture_date,
        s.period,
        b.capture_date >= {{ dbt.dateadd('day', -(n + tolerance), 's.capture_date') }}
            and abs(s.period_key - b.period_key) <= 0.01 * abs(b.period_key) as comparable,
        (s.revenue_avg - b.revenue_avg) / nullif(abs(b.revenue_avg), 0) as revenue_change,
        (s.eps_avg - b.eps_avg) / nullif(abs(b.eps_avg), 0) as eps_change
    from snapshots as s
    {{ asof_left_join(
        'snapshots', 's', ['symbol', 'capture_date', 'period'], 'snapshots', 'b', 'capture_date', '<=',
        dbt.dateadd('day', -n, 's.capture_date'), equal=[('symbol', 'symbol'), ('period', 'period')]
    ) }}
),
{% endfor %}

changes as (
    select
        s.capture_date,
        s.symbol,
        s.period,
        s.is_megacap,
        s.captured_at,
        s.previous_capture_date,
        cast({{ dbt.datediff('s.previous_capture_date', 's.capture_date', 'day') }} as bigint) as days_since_previous_capture,
        s.revenue_avg,
        s.revenue_low,
        s.revenue_high,
        s.revenue_analysts,
        s.revenue_growth,
        s.eps_avg,
        s.eps_low,
        s.eps_high,
        s.eps_analysts,
        s.eps_growth,
        {% for n in windows %}
        case when base_{{ n }}.comparable then base_{{ n }}.revenue_change end as revenue_change_{{ n }}cd,
        {% endfor %}
        {% for n in windows %}
        case when base_{{ n }}.comparable then base_{{ n }}.eps_change end as eps_change_{{ n }}cd,
        {% endfor %}
        {% for n in windows %}
        (s.eps_trend_current - s.eps_trend_{{ n }}d_ago) / nullif(abs(s.eps_trend_{{ n }}d_ago), 0)
            as eps_trend_change_{{ n }}cd,
        {% endfor %}
        s.eps_up_7d as eps_up_7cd,
        s.eps_down_7d as eps_down_7cd,
        s.eps_up_30d as eps_up_30cd,
        s.eps_down_30d as eps_down_30cd
    from sequenced as s
    {% for n in windows %}
    left join base_{{ n }}
        on base_{{ n }}.symbol = s.symbol
        and base_{{ n }}.capture_date = s.capture_date
        and base_{{ n }}.period = s.period
    {% endfor %}
),

breadth as (
    select
        capture_date,
        period,
        count(revenue_change_30cd) as megacap_names_revenue_30cd,
        cast(sum(sign(revenue_change_30cd)) as double) / nullif(count(revenue_change_30cd), 0)
            as megacap_revenue_breadth_30cd,
        cast(sum(sign(eps_change_30cd)) as double) / nullif(count(eps_change_30cd), 0)
            as megacap_eps_breadth_30cd
    from changes
    where is_megacap
    group by capture_date, period
),

final as (
    select
        changes.*,
        breadth.megacap_names_revenue_30cd,
        breadth.megacap_revenue_breadth_30cd,
        breadth.megacap_eps_breadth_30cd
    from changes
    left join breadth on breadth.capture_date = changes.capture_date and breadth.period = changes.period
)

select * from final
