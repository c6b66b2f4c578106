-- Relative rotation (RRG-style) of size and style segments against a benchmark, trailing windows only.
-- Method (the JdK RS-Ratio/RS-Momentum formulas are proprietary; this is an open, documented
-- approximation with the same reading):
--   RS           = segment close / benchmark close, on dates both trade
--   RS-Ratio     = 100 × RS / mean(RS over the last var rrg_ratio_window rows, this one included)
--                  (> 100: the segment's relative strength is above its recent trend)
--   RS-Momentum  = 100 × RS-Ratio / RS-Ratio var rrg_momentum_days rows earlier
--                  (> 100: the RS-Ratio is rising)
--   quadrant     = leading (ratio ≥ 100, momentum ≥ 100), weakening (ratio ≥ 100, momentum < 100),
--                  lagging (both < 100), improving (ratio < 100, momentum ≥ 100)
-- Segments rotate clockwise: improving → leading → weakening → lagging.
-- members: the names in the segment on the date (1 for a fund or index; MEGACAP: the mega caps with a
-- return). A segment is published only on dates it has every member of its definition: MEGACAP
-- only where the basket holds all instruments with segment mega_cap (int_megacap__basket.
-- basket_members), so its history starts when the last of them lists, never with a partial basket.
{% set benchmark = var('rrg_benchmark', 'SPY') %}
{% set segments = var('rrg_segments', ['IWM', 'IJR', 'IJK', 'IWB', 'QQQ', 'MEGACAP']) %}
{% set ratio_window = var('rrg_ratio_window', 63) %}
{% set momentum_days = var('rrg_momentum_days', 10) %}

with prices as (
    select symbol as segment, date, price, 1 as members
    from {{ ref('int_prices__returns') }}
    where symbol in ({% for segment in segments %}'{{ segment }}', {% endfor %}'{{ benchmark }}')
    union all
    -- the equal-weighted mega-cap basket as a price series, on the dates it is complete
    select 'MEGACAP' as segment, date, basket_level as price, basket_names as members
    from {{ ref('int_megacap__basket') }}
    where {{ 'true' if 'MEGACAP' in segments else 'false' }}
      and basket_names >= basket_members
),

relative_strength as (
    select
        segment_prices.segment,
        segment_prices.date,
        segment_prices.members,
        segment_prices.price / benchmark_prices.price as rs
    from prices as segment_prices
    inner join prices as benchmark_prices
        on benchmark_prices.segment = '{{ benchmark }}' and benchmark_prices.date = segment_prices.date
    where segment_prices.segment <> '{{ benchmark }}'
),

ratio as (
    select
        *,
        case
            when count(rs) over recent = {{ ratio_window }} then 100 * rs / avg(rs) over recent
        end as rs_ratio
    from relative_strength
    window recent as (
        partition by segment order by date rows between {{ ratio_window - 1 }} preceding and current row
    )
),

momentum as (
    select
        *,
        100 * rs_ratio / lag(rs_ratio, {{ momentum_days }}) over (partition by segment order by date)
            as rs_momentum
    from ratio
),

final as (
    select
        date,
        segment,
        '{{ benchmark }}' as benchmark,
        cast(members as bigint) as members,
        rs,
        rs_ratio,
        rs_momentum,
        case
            when rs_ratio >= 100 and rs_momentum >= 100 then 'leading'
            when rs_ratio >= 100 and rs_momentum < 100 then 'weakening'
            when rs_ratio < 100 and rs_momentum < 100 then 'lagging'
            when rs_ratio < 100 and rs_momentum >= 100 then 'improving'
        end as quadrant,
        date = max(date) over (partition by segment, {{ dbt.date_trunc('week', 'date') }}) as is_week_end
    from momentum
)

select * from final
order by segment, date
