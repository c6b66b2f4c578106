-- Rolling correlation and beta of daily returns against daily front-end rate changes.
-- Windows are the last window_days aligned dates (both sides have a bar over the same interval); a
-- row exists only once the window is full. observations counts the dates with a real rate change (a
-- stale quote is a missing observation, int_rates__daily); rate_moves those with a non-zero change.
-- A window is informative only with at least ceil(rate_sensitivity_min_move_share × window_days)
-- rate moves (default 0.5: half the window): a proxy that moved by one tick on one or two days of
-- ten says nothing about sensitivity, so correlation and beta are null there.
-- beta = return (fraction) per +1 bp of rate change.
--
-- Running sums: along each series in date order, running sums of x (return), y (rate change, bp),
-- x², y², xy and running counts over its observations give every window's sums as the difference
-- of the running sums at the window's two ends (lag by window_days), whatever the window's length
-- (the arithmetic of the numpy bound in benchmarks/references.py). Then, n = observations,
--   cov = n·Σxy − Σx·Σy, var_x = n·Σx² − (Σx)², var_y = n·Σy² − (Σy)²
--   correlation = cov / sqrt(var_x · var_y), beta = cov / var_y.
-- The window passes go through macros/engine/series_windows.sql: portable partitioned windows, or on
-- DuckDB one sort by series and date and streaming windows over the sorted rows (the reason is
-- there); the formulas below hold for both (a lag is used only within its series).
-- Float sums never decide whether a side varied: over a window where it does not, they leave
-- rounding noise (~1e-20), not 0. Flatness is decided on exact integer counts instead: a series'
-- observations are numbered (observation_index), each one that differs from the previous observation
-- is a change, and a window is flat when it holds no change between two of its own observations:
-- no change in it at all, or a single one on its first observation (that change is against an
-- observation before the window). A flat rate side has no correlation and no beta; a flat return
-- side has no correlation and a beta of exactly 0 (no covariance).
-- Precision: a difference of two running sums would carry the rounding of the whole prefix (about
-- 1e-16 × prefix length / window length, relative), so each term is split (see terms below) into a
-- part whose running sums are exact and a small rest; benchmarks/rate_sensitivity_check.py compares
-- the result with DuckDB's windowed corr and regr_slope (7e-16 on the snapshot).
--
-- Incremental (macros/engine/incremental.sql): only dates from the earliest changed raw price or rate are
-- recomputed, reading the 251 aligned observations before it that the longest window needs (the
-- running sums start there: a window's sums only need the rows inside it); the sign run of each
-- series continues from its row on the last aligned date before the rebuilt ones.
-- `rotation run --full-refresh` rebuilds it whole (needed after changing a seed or this SQL).
{{ incremental_by_loads(['yahoo', 'fred']) }}
{% set windows = [10, 21, 63, 126, 252] %}
{#- Running sums: each term splits into a coarse part on a binary grid (a multiple of 2^-k, k per
    term below), whose running sums are exact while they stay under 2^(53-k), and the remainder
    below the grid, whose running sums carry rounding of at most about 1e-16 × rows × 2^-k. A window's
    sums are then as precise as summing its own rows: the growth of the running sums with the
    series no longer shows (a plain running sum of x² over 25 years leaves ~1e-12 in a quiet 10-day
    window). Grids: exact up to 8e6 for returns, 1.3e5 for squared returns, 1.3e8 bp for rate
    changes, 2e9 bp² for their squares, 3e7 for the products: sums over millions of rows. #}
{% set terms = {
    'x': ('x_value', 1073741824),
    'y': ('y_value', 67108864),
    'xx': ('x_value * x_value', 68719476736),
    'yy': ('y_value * y_value', 4194304),
    'xy': ('x_value * y_value', 268435456),
} %}
{% set counts = ['observations', 'moves', 'return_changes', 'rate_changes'] %}
{% set series = ['series_id'] %}
{% set by_date = ['date'] %}
{% set min_move_share = var('rate_sensitivity_min_move_share', 0.5) %}
{% set since = rebuild_from(['yahoo', 'fred']) %}
{% set lookback_calendar_days = 550 %}

with source as (
    select symbol, rate_series, date, daily_return, change_bp
    from {{ ref('int_rate_sensitivity__aligned') }}
),

aligned as (
    {% if since is none or since == '0001-01-01' %}
    select * from source
    {% elif since == '9999-12-31' %}
    -- nothing changed: nothing to rebuild, nothing to read
    select * from source where 1 = 0
    {% else %}
    {% set lookback_rows = windows | max - 1 %}
    {% set recent_from = (modules.datetime.date.fromisoformat(since) - modules.datetime.timedelta(days=lookback_calendar_days)).isoformat() %}
    -- the dates to rebuild, and the look-back before them: the previous (longest window - 1) aligned
    -- rows of each series. They are looked for among the rows of the last {{ lookback_calendar_days }}
    -- calendar days (a year has about 250 sessions), and among all earlier rows only for a series
    -- with fewer rows than that there (a series with gaps): numbering the recent rows costs what a
    -- day's rebuild needs, numbering all of them what a full build does.
    select symbol, rate_series, date, daily_return, change_bp
    from (
        select
            *,
            row_number() over (
                partition by symbol, rate_series, date >= cast('{{ since }}' as date) order by date desc
            ) as rows_back
        from (
            select * from source where date >= cast('{{ recent_from }}' as date)
            union all
            select source.*
            from source
            inner join (
                select symbol, rate_series
                from source
                where date < cast('{{ since }}' as date)
                group by symbol, rate_series
                having count(case when date >= cast('{{ recent_from }}' as date) then 1 end) < {{ lookback_rows }}
            ) as gapped
                on gapped.symbol = source.symbol and gapped.rate_series = source.rate_series
            where source.date < cast('{{ recent_from }}' as date)
        ) as candidates
    ) as numbered
    where date >= cast('{{ since }}' as date) or rows_back <= {{ lookback_rows }}
    {% endif %}
),

-- an integer key per series (sorting and comparing it is cheaper than two strings)
series_ids as (
    select symbol, rate_series, row_number() over (order by symbol, rate_series) as series_id
    from (select distinct symbol, rate_series from aligned) as pairs
),

{% if since is not none %}
-- the row on the last aligned date before the rebuilt dates, per series and window: its sign run
-- continues (a join on that date reads only those rows of the table)
anchor_dates as (
    select symbol, rate_series, max(date) as date
    from aligned
    where date < cast('{{ since }}' as date)
    group by symbol, rate_series
),

anchors as (
    select
        built.symbol,
        built.rate_series,
        {% for n in windows %}
        max(case when built.window_days = {{ n }} then built.correlation_sign end) as anchor_sign_{{ n }},
        max(case when built.window_days = {{ n }} then built.sign_since end) as anchor_since_{{ n }}{{ ',' if not loop.last }}
        {% endfor %}
    from {{ this }} as built
    inner join anchor_dates
        on anchor_dates.symbol = built.symbol
        and anchor_dates.rate_series = built.rate_series
        and anchor_dates.date = built.date
    group by built.symbol, built.rate_series
),
{% endif %}

numbered as (
    select
        series_ids.series_id,
        aligned.date,
        aligned.daily_return,
        aligned.change_bp,
        case when aligned.change_bp is null then 1 else 0 end as missing
        {% if since is not none %}
        {% for n in windows %}
        , anchors.anchor_sign_{{ n }}, anchors.anchor_since_{{ n }}
        {% endfor %}
        {% endif %}
    from aligned
    inner join series_ids
        on series_ids.symbol = aligned.symbol and series_ids.rate_series = aligned.rate_series
    {% if since is not none %}
    left join anchors on anchors.symbol = aligned.symbol and anchors.rate_series = aligned.rate_series
    {% endif %}
),

-- The observations of each series (dates with a rate change) in date order, missing ones after
-- them: each observation's number (observation_index, increasing with the date) and whether its
-- return or rate change differs from the previous observation's (a missing one is skipped)
observations as (
    select
        *,
        case when missing = 0 then count(change_bp) {{ series_over(series + ['missing'], by_date, running=true) }} end
            as observation_index,
        {% for side, column in [('return', 'daily_return'), ('rate', 'change_bp')] %}
        case
            when missing = 0
                and lag(series_id) {{ series_over(series + ['missing'], by_date) }} = series_id
                and lag(missing) {{ series_over(series + ['missing'], by_date) }} = 0
                and {{ column }} <> lag({{ column }}) {{ series_over(series + ['missing'], by_date) }}
            then 1
        end as {{ side }}_change{{ ',' if not loop.last }}
        {% endfor %}
    from {{ series_ordered('numbered', series + ['missing'], by_date) }} as rows_by_observation
),

-- Running sums (coarse and fine part of each term, see terms) and counts along each series in date
-- order; a missing observation adds nothing
running as (
    select
        series_id,
        date,
        {% if since is not none %}
        {% for n in windows %}
        anchor_sign_{{ n }},
        anchor_since_{{ n }},
        {% endfor %}
        {% endif %}
        {% for t in terms %}
        sum(coarse_{{ t }}) {{ series_over(series, by_date, running=true) }} as run_coarse_{{ t }},
        sum(fine_{{ t }}) {{ series_over(series, by_date, running=true) }} as run_fine_{{ t }},
        {% endfor %}
        count(change_bp) {{ series_over(series, by_date, running=true) }} as run_observations,
        count(case when change_bp <> 0 then 1 end) {{ series_over(series, by_date, running=true) }} as run_moves,
        count(return_change) {{ series_over(series, by_date, running=true) }} as run_return_changes,
        count(rate_change) {{ series_over(series, by_date, running=true) }} as run_rate_changes,
        -- the number of each side's latest change
        max(case when return_change = 1 then observation_index end) {{ series_over(series, by_date, running=true) }}
            as last_return_change,
        max(case when rate_change = 1 then observation_index end) {{ series_over(series, by_date, running=true) }}
            as last_rate_change
    from (
        select
            *,
            {% for t, (expression, scale) in terms.items() %}
            floor(({{ expression }}) * {{ scale }}e0) / {{ scale }}e0 as coarse_{{ t }},
            ({{ expression }}) - floor(({{ expression }}) * {{ scale }}e0) / {{ scale }}e0 as fine_{{ t }}{{ ',' if not loop.last }}
            {% endfor %}
        from (
            select
                *,
                case when change_bp is not null then daily_return else 0.0 end as x_value,
                coalesce(change_bp, 0.0) as y_value
            from {{ series_ordered('observations', series, by_date) }} as rows_by_date
        ) as values_by_date
    ) as terms_by_date
),

-- Per window: its sums and counts as differences of the running ones at its two ends; full when its
-- first row (window_days - 1 rows back) belongs to the same series
windowed as (
    select
        series_id,
        date,
        {% if since is not none %}
        {% for n in windows %}
        anchor_sign_{{ n }},
        anchor_since_{{ n }},
        {% endfor %}
        {% endif %}
        last_return_change,
        last_rate_change,
        {% for n in windows %}
        coalesce(lag(series_id, {{ n - 1 }}) {{ series_over(series, by_date) }} = series_id, false) as full_{{ n }},
        {% for t in terms %}
        (run_coarse_{{ t }} - coalesce(lag(run_coarse_{{ t }}, {{ n }}) {{ series_over(series, by_date) }}, 0.0))
            + (run_fine_{{ t }} - coalesce(lag(run_fine_{{ t }}, {{ n }}) {{ series_over(series, by_date) }}, 0.0))
            as sum_{{ t }}_{{ n }},
        {% endfor %}
        {% for c in counts %}
        run_{{ c }} - coalesce(lag(run_{{ c }}, {{ n }}) {{ series_over(series, by_date) }}, 0) as {{ c }}_{{ n }},
        {% endfor %}
        -- the number of the window's first observation
        coalesce(lag(run_observations, {{ n }}) {{ series_over(series, by_date) }}, 0) + 1
            as first_observation_{{ n }}{{ ',' if not loop.last }}
        {% endfor %}
    from running
),

-- Flat sides from the exact counts (no change between two observations of the window: none at all,
-- or one on its first observation, against an observation before the window), and the moments
moments as (
    select
        *,
        {% for n in windows %}
        {% set min_moves = (min_move_share * n - 1e-9) | round(0, 'ceil') | int %}  {#- 0.3 × 10 is 3.0000000000000004 in floats #}
        moves_{{ n }} < {{ min_moves }} as few_moves_{{ n }},
        return_changes_{{ n }} = 0
            or (return_changes_{{ n }} = 1 and last_return_change = first_observation_{{ n }}) as flat_return_{{ n }},
        rate_changes_{{ n }} = 0
            or (rate_changes_{{ n }} = 1 and last_rate_change = first_observation_{{ n }}) as flat_rate_{{ n }},
        observations_{{ n }} * sum_xy_{{ n }} - sum_x_{{ n }} * sum_y_{{ n }} as cov_{{ n }},
        observations_{{ n }} * sum_xx_{{ n }} - sum_x_{{ n }} * sum_x_{{ n }} as var_x_{{ n }},
        observations_{{ n }} * sum_yy_{{ n }} - sum_y_{{ n }} * sum_y_{{ n }} as var_y_{{ n }}{{ ',' if not loop.last }}
        {% endfor %}
    from windowed
),

-- Each full window's correlation, beta and sign on the dates to write. A flat rate side or too few
-- rate moves: neither; a flat return side: no correlation, and a beta of exactly 0 (no covariance;
-- the sums' rounding noise is not one)
statistics as (
    select
        series_id,
        date,
        {% for n in windows %}
        {% if since is not none %}
        anchor_sign_{{ n }},
        anchor_since_{{ n }},
        {% endif %}
        full_{{ n }}{% if since is not none %} and date >= cast('{{ since }}' as date){% endif %} as written_{{ n }},
        observations_{{ n }},
        moves_{{ n }} as rate_moves_{{ n }},
        case
            when few_moves_{{ n }} or flat_rate_{{ n }} or flat_return_{{ n }} then null
            when var_x_{{ n }} > 0 and var_y_{{ n }} > 0 then cov_{{ n }} / sqrt(var_x_{{ n }} * var_y_{{ n }})
        end as correlation_{{ n }},
        case
            when few_moves_{{ n }} or flat_rate_{{ n }} then null
            when flat_return_{{ n }} then 0.0
            when var_y_{{ n }} > 0 then cov_{{ n }} / var_y_{{ n }}
        end as beta_{{ n }}{{ ',' if not loop.last }}
        {% endfor %}
    from moments
),

signed as (
    select
        *,
        {% for n in windows %}
        case when written_{{ n }} then coalesce(sign(correlation_{{ n }}), 0) end as sign_{{ n }}{{ ',' if not loop.last }}
        {% endfor %}
    from statistics
),

-- a sign run starts on a written window whose sign differs from the previous row's (none: a first
-- full window; on the first rebuilt date, the anchor's)
run_starts as (
    select
        *,
        {% for n in windows %}
        sign_{{ n }} is not null and sign_{{ n }} is distinct from coalesce(
            case
                when lag(series_id) {{ series_over(series, by_date) }} = series_id
                then lag(sign_{{ n }}) {{ series_over(series, by_date) }}
            end,
            {{ 'anchor_sign_' ~ n if since is not none else 'null' }}
        ) as starts_{{ n }}{{ ',' if not loop.last }}
        {% endfor %}
    from signed
),

-- Point in time: the first date of the current run of same-sign correlations
runs as (
    select
        *,
        {% for n in windows %}
        coalesce(
            {{ running_series_max_date('starts_' ~ n, 'date', 'series_id', series, by_date) }},
            {{ 'anchor_since_' ~ n if since is not none else 'null' }}
        ) as sign_since_{{ n }}{{ ',' if not loop.last }}
        {% endfor %}
    from run_starts
),

named as (
    select series_ids.symbol, series_ids.rate_series, runs.*
    from runs
    inner join series_ids on series_ids.series_id = runs.series_id
),

final as (
    {% for n in windows %}
    select
        date,
        symbol,
        rate_series,
        {{ n }} as window_days,
        observations_{{ n }} as observations,
        rate_moves_{{ n }} as rate_moves,
        correlation_{{ n }} as correlation,
        beta_{{ n }} as beta,
        cast(sign_{{ n }} as integer) as correlation_sign,
        sign_since_{{ n }} as sign_since
    from named
    where sign_{{ n }} is not null
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

-- no final ORDER BY: sorting 14M rows at 3000 x 25 cost more than computing them (benchmarks/)
select * from final
