-- Rotation episodes: stretches when a pair's N-day return spread was beyond the extremes of its own
-- history as known at the time. A trading date is flagged when the spread exceeds the 99th percentile
-- (numerator_leads) or falls below the 1st percentile (numerator_lags) of the pair's spreads on all
-- EARLIER dates, once at least var episode_min_history earlier spreads exist (no look-ahead: a later
-- crash never changes whether an earlier date was extreme). Flagged dates of one direction that are
-- at most var episode_merge_gap_days trading days apart form one episode.
-- Context columns come from rotation_daily at the episode's first and last date (point in time).
{% set pairs = [('^RUT', '^GSPC'), ('^RUT', '^NDX')] %}
{% set horizons = [5, 10, 21] %}
{% set min_history = var('episode_min_history', 252) %}
{% set gap = var('episode_merge_gap_days', 5) %}
{% set context = [
    'dgs2_level_pct', 'rut_dgs2_corr_63d',
    'rut_lev_net_share_oi', 'rut_am_net_share_oi', 'ndx_lev_net_share_oi', 'ndx_am_net_share_oi',
] %}

with spreads as (
    select
        numerator,
        denominator,
        pair,
        horizon,
        horizon_days,
        date,
        start_date as window_start_date,
        return_spread,
        row_number() over pair_dates as day_number,
        count(return_spread) over earlier as earlier_spreads,
        {{ window_quantile('return_spread', 0.99) }} over earlier as upper_threshold,
        {{ window_quantile('return_spread', 0.01) }} over earlier as lower_threshold
    from {{ ref('relative_performance') }}
    where horizon_days in ({{ horizons | join(', ') }})
        and ({% for numerator, denominator in pairs %}
            (numerator = '{{ numerator }}' and denominator = '{{ denominator }}'){{ ' or' if not loop.last }}
        {% endfor %})
    window
        pair_dates as (partition by numerator, denominator, horizon order by date),
        earlier as (
            partition by numerator, denominator, horizon order by date
            rows between unbounded preceding and 1 preceding
        )
),

latest as (
    select numerator, denominator, horizon, max(day_number) as last_day_number
    from spreads
    group by numerator, denominator, horizon
),

flagged as (
    select
        *,
        case
            when return_spread > upper_threshold then 'numerator_leads'
            when return_spread < lower_threshold then 'numerator_lags'
        end as direction
    from spreads
    where earlier_spreads >= {{ min_history }}
),

-- a flagged date starts a new episode unless the previous flagged date of the same direction is
-- at most `gap` trading dates earlier
starts as (
    select
        *,
        case
            when day_number - lag(day_number) over same_direction <= {{ gap }} then 0 else 1
        end as is_start
    from flagged
    where direction is not null
    window same_direction as (partition by numerator, denominator, horizon, direction order by date)
),

numbered as (
    select
        *,
        cast(sum(is_start) over (
            partition by numerator, denominator, horizon, direction order by date
            rows between unbounded preceding and current row
        ) as integer) as episode_number
    from starts
),

episodes as (
    select
        numerator,
        denominator,
        pair,
        horizon,
        horizon_days,
        direction,
        episode_number,
        min(date) as start_date,
        max(date) as end_date,
        case when direction = 'numerator_leads' then max_by(date, return_spread)
            else min_by(date, return_spread) end as peak_date,
        case when direction = 'numerator_leads' then max(return_spread)
            else min(return_spread) end as peak_spread,
        min_by(window_start_date, date) as window_start_date,
        min_by(case when direction = 'numerator_leads' then upper_threshold else lower_threshold end, date)
            as threshold_at_start,
        cast(max(day_number) - min(day_number) + 1 as integer) as trading_days,
        cast(count(*) as integer) as flagged_days,
        max(day_number) as end_day_number
    from numbered
    group by numerator, denominator, pair, horizon, horizon_days, direction, episode_number
),

-- only the pairs' symbols: the filter reaches the view's scan (a join on symbol would not, and the
-- view's returns of a whole universe cost seconds)
prices as (
    select symbol, date, price from {{ ref('int_prices__returns') }}
    where symbol in ({% for symbol in pairs | map('list') | sum(start=[]) | unique %}'{{ symbol }}'{{ ', ' if not loop.last }}{% endfor %})
),

daily as (
    select date, {{ context | join(', ') }} from {{ ref('rotation_daily') }}
),

final as (
    select
        episodes.pair,
        episodes.numerator,
        episodes.denominator,
        episodes.horizon,
        episodes.horizon_days,
        episodes.direction,
        episodes.episode_number,
        episodes.start_date,
        episodes.peak_date,
        episodes.end_date,
        episodes.trading_days,
        episodes.flagged_days,
        episodes.threshold_at_start,
        episodes.peak_spread,
        cast(rank() over (
            partition by episodes.numerator, episodes.denominator, episodes.horizon, episodes.direction
            order by abs(episodes.peak_spread) desc
        ) as bigint) as peak_rank_full_history,
        latest.last_day_number - episodes.end_day_number < {{ gap }} as is_ongoing,
        episodes.window_start_date,
        numerator_end.price / numerator_start.price - 1 as numerator_return,
        denominator_end.price / denominator_start.price - 1 as denominator_return,
        {% for column in context %}
        at_start.{{ column }} as {{ column }}_start,
        at_end.{{ column }} as {{ column }}_end,
        {% endfor %}
        -- levels have 2 decimals: round off the float noise of the difference (11.0, not 10.99999999999994)
        round((at_end.dgs2_level_pct - at_start.dgs2_level_pct) * 100, 6) as dgs2_change_bp
    from episodes
    inner join latest
        on latest.numerator = episodes.numerator
        and latest.denominator = episodes.denominator
        and latest.horizon = episodes.horizon
    left join prices as numerator_start
        on numerator_start.symbol = episodes.numerator and numerator_start.date = episodes.window_start_date
    left join prices as numerator_end
        on numerator_end.symbol = episodes.numerator and numerator_end.date = episodes.end_date
    left join prices as denominator_start
        on denominator_start.symbol = episodes.denominator and denominator_start.date = episodes.window_start_date
    left join prices as denominator_end
        on denominator_end.symbol = episodes.denominator and denominator_end.date = episodes.end_date
    left join daily as at_start on at_start.date = episodes.start_date
    left join daily as at_end on at_end.date = episodes.end_date
)

select * from final
order by pair, horizon, direction, start_date
