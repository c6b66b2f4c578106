-- Cboe implied volatility indices and the small-cap minus tech implied-vol spread, one row per series
-- and date: the level, its changes over N trading days and where the level (and its 5-day change)
-- sits among the series' values up to and including the date (point in time). Levels are closes:
-- a bar captured before 16:15 New York (raw.prices.is_partial) is not read.
{% set symbols = ['^VIX', '^VXN', '^RVX'] %}
{% set change_days = [1, 5, 21] %}

with levels as (
    select symbol as series, date, price as level
    from {{ ref('int_prices__returns') }}
    where symbol in ({% for symbol in symbols %}'{{ symbol }}'{{ ', ' if not loop.last }}{% endfor %})
),

-- small caps' implied volatility minus tech's, on the dates both have a close
spread as (
    select
        '^RVX-^VXN' as series,
        rvx.date,
        rvx.level - vxn.level as level
    from levels as rvx
    inner join levels as vxn on vxn.date = rvx.date and vxn.series = '^VXN'
    where rvx.series = '^RVX'
),

series_levels as (
    select series, date, level from levels
    union all
    select series, date, level from spread
),

-- changes over N rows of the series' own calendar
changed as (
    select
        series,
        date,
        level,
        {% for n in change_days %}
        level - lag(level, {{ n }}) over (partition by series order by date) as change_{{ n }}d{{ ',' if not loop.last }}
        {% endfor %}
    from series_levels
),

level_ranked as (
    {{ cume_dist_to_date_select('changed', ['series'], 'date', 'level', 'level_pctrank_to_date') }}
),

changes_5d as (
    select series, date, change_5d from changed where change_5d is not null
),

change_ranked as (
    {{ cume_dist_to_date_select('changes_5d', ['series'], 'date', 'change_5d', 'change_5d_pctrank_to_date') }}
)

select
    level_ranked.date,
    level_ranked.series,
    level_ranked.level,
    {% for n in change_days %}
    level_ranked.change_{{ n }}d,
    {% endfor %}
    level_ranked.level_pctrank_to_date,
    change_ranked.change_5d_pctrank_to_date
from level_ranked
left join change_ranked
    on change_ranked.series = level_ranked.series and change_ranked.date = level_ranked.date
order by level_ranked.series, level_ranked.date
