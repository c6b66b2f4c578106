-- The rotation dashboard: one row per ^GSPC trading date with every indicator as it was known at that
-- date's close (16:00 New York). Nothing in a row depends on a later date:
--   * prices and returns: closes up to the date;
--   * ranks and percentiles: over the spreads up to and including the date (never the whole history);
--   * FRED (DGS2): the latest observation dated BEFORE the date (FRED publishes a day's value the next
--     business day), so the 63-day correlations with DGS2 are those of the previous trading date;
--   * CFTC positioning: the latest report whose available_at is at or before the date's 16:00 close,
--     so a report released Friday 15:30 counts for that Friday's close, never earlier;
--     a report more than 35 days old (var positioning_max_staleness_days) is not shown: after the
--     data ends or while releases stop, the columns are null rather than stale;
--   * mega-cap concentration: closes of the date (index_concentration);
--   * analyst revisions breadth: the latest mega-cap capture day whose captures were all taken by the
--     date's 16:00 close (a capture after the close counts from the next trading date), if at most
--     var revisions_max_staleness_days (7) old: a gap in the captures leaves the columns null;
--   * Fama-French SMB: only months the library had published (var french_publication_lag_months,
--     default 2: month M counts from the first day of M+2; the library releases M during M+1, "the
--     July cut has data through July and was released in August", so the rule errs late).
{% set pairs = [('rut_gspc', '^RUT', '^GSPC'), ('rut_ndx', '^RUT', '^NDX')] %}
{#- small vs large caps in the US and outside it, side by side (spread, rank, record; no percentile) -#}
{% set side_pairs = [('iwm_spy', 'IWM', 'SPY'), ('scz_efa', 'SCZ', 'EFA')] %}
{% set horizons = [5, 10, 21] %}
{% set indices = [('rut', '^RUT'), ('gspc', '^GSPC'), ('ndx', '^NDX')] %}
{% set markets = [('rut', '239742'), ('ndx', '209742')] %}
{% set groups = [('am', 'asset_manager'), ('lev', 'leveraged_funds')] %}
{% set french_lag = var('french_publication_lag_months', 2) %}
{% set stale_days = var('rates_max_staleness_days', 10) %}
{% set positioning_stale_days = var('positioning_max_staleness_days', 35) %}
{% set revisions_stale_days = var('revisions_max_staleness_days', 7) %}

with prices as (
    select symbol, date, price from {{ ref('int_prices__returns') }}
    where symbol in ('^GSPC', '^RUT', '^NDX')
),

calendar as (
    select
        date,
        -- the close the row stands for, as an instant
        {{ local_time_on_date('date', 16, 'America/New_York') }} as close_at,
        -- first day of the earliest month whose Fama-French factors were NOT yet published
        {{ dbt.dateadd('month', 1 - french_lag, dbt.date_trunc('month', 'date')) }} as french_cutoff,
        -- factors older than this are stale: the rule expects a month more than that
        {{ dbt.dateadd('day', -1, dbt.dateadd('month', -french_lag, dbt.date_trunc('month', 'date'))) }}
            as french_stale_before
    from prices
    where symbol = '^GSPC'
),

spread_rows as (
    select
        date,
        numerator,
        denominator,
        horizon,
        horizon_days,
        return_spread,
        is_record,
        spread_rank_to_date as rank_to_date
    from {{ ref('relative_performance') }}
    where horizon_days in ({{ horizons | join(', ') }})
        and numerator = '^RUT' and denominator in ('^GSPC', '^NDX')
),

-- point in time: the rank and percentile among this pair's spreads up to and including the date
spreads as (
    {{ cume_dist_to_date_select('spread_rows', ['numerator', 'denominator', 'horizon'], 'date', 'return_spread', 'pctrank_to_date') }}
),

-- the US and international size pairs' spreads of a date, from relative_performance as built
side_spreads_by_date as (
    select
        date,
        {% for name, numerator, denominator in side_pairs %}{% for h in horizons %}
        {% for column, alias in [('return_spread', 'spread_' ~ h ~ 'd'), ('spread_rank_to_date', 'spread_' ~ h ~ 'd_rank_to_date'), ('is_record', 'is_record_' ~ h ~ 'd')] %}
        max(case when numerator = '{{ numerator }}' and denominator = '{{ denominator }}' and horizon_days = {{ h }}
            then {{ column }} end) as {{ name }}_{{ alias }}{{ ',' if not loop.last }}
        {% endfor %}{{ ',' if not loop.last }}
        {% endfor %}{{ ',' if not loop.last }}
        {% endfor %}
    from {{ ref('relative_performance') }}
    where horizon_days in ({{ horizons | join(', ') }})
        and ({% for name, numerator, denominator in side_pairs %}(numerator = '{{ numerator }}' and denominator = '{{ denominator }}'){{ ' or ' if not loop.last }}{% endfor %})
    group by date
),

-- the six spreads of a date side by side, in one pass: Spark computes a CTE again at each use, and
-- spreads (a self-join) joined once per pair and horizon was six times the work
spreads_by_date as (
    select
        date,
        {% for name, numerator, denominator in pairs %}{% for h in horizons %}
        {% for column, alias in [('return_spread', 'spread_' ~ h ~ 'd'), ('rank_to_date', 'spread_' ~ h ~ 'd_rank_to_date'), ('pctrank_to_date', 'spread_' ~ h ~ 'd_pctrank_to_date'), ('is_record', 'is_record_' ~ h ~ 'd')] %}
        max(case when denominator = '{{ denominator }}' and horizon_days = {{ h }} then {{ column }} end)
            as {{ name }}_{{ alias }}{{ ',' if not loop.last }}
        {% endfor %}{{ ',' if not loop.last }}
        {% endfor %}{{ ',' if not loop.last }}
        {% endfor %}
    from spreads
    group by date
),

dgs2_correlations as (
    select symbol, date, correlation
    from {{ ref('rate_sensitivity') }}
    where rate_series = 'DGS2' and window_days = 63
),

rates as (
    select rate_series, date, value, change_bp, cut_probability_next_fomc, implied_change_bp_next_fomc,
        next_fomc_date
    from {{ ref('front_end_rates') }}
    where rate_series in ('DGS2', 'ZQ=F_IMPLIED')
),

-- reports with a known release time only (null during shutdowns: never leaked into the past)
positioning as (
    select cftc_code, trader_group, report_date, available_at, net_share_oi, net_share_oi_pctrank_156r
    from {{ ref('positioning') }}
    where available_at is not null and trader_group in ('asset_manager', 'leveraged_funds')
),

cross_asset as (
    select * from {{ ref('int_cross_asset__daily') }}
),

smb_known as (
    select date, smb_nd from cross_asset where smb_nd is not null
),

concentration as (
    select
        date,
        max(group_weight) as megacap_index_weight,
        max(group_contribution_to_total_return) as megacap_ytd_contribution_to_total_return,
        max(group_share_of_index_total_return) as megacap_share_of_index_ytd_total_return,
        max(group_stale_share_counts) as megacap_stale_share_counts
    from {{ ref('index_concentration') }}
    group by date
),

-- next fiscal year (+1y): the forward estimates strategists watch
megacap_revisions as (
    select
        capture_date,
        max(captured_at) as known_at,
        max(megacap_revenue_breadth_30cd) as revenue_breadth_30cd,
        max(megacap_eps_breadth_30cd) as eps_breadth_30cd
    from {{ ref('revisions') }}
    where is_megacap and period = '+1y'
    group by capture_date
),

-- the point-in-time joins grouped: one per source with the series as an equality key (calendar rows
-- repeated per series), then one row per date again: on Spark each point-in-time join is a sort of
-- both sides, so fewer joins is less work (thirteen separate ones did not finish in ten minutes)
calendar_symbols as (
    {% for name, symbol in indices %}
    select date, '{{ symbol }}' as symbol from calendar{{ ' union all' if not loop.last }}
    {% endfor %}
),

correlations_by_date as (
    select
        calendar_symbols.date,
        {% for name, symbol in indices %}
        max(case when calendar_symbols.symbol = '{{ symbol }}' then corr.date end) as {{ name }}_as_of,
        max(case when calendar_symbols.symbol = '{{ symbol }}' then corr.correlation end) as {{ name }}_correlation{{ ',' if not loop.last }}
        {% endfor %}
    from calendar_symbols
    {{ asof_left_join(
        'calendar_symbols', 'calendar_symbols', ['date', 'symbol'], 'dgs2_correlations',
        'corr', 'date', '<', 'calendar_symbols.date', equal=[('symbol', 'symbol')]
    ) }}
    group by calendar_symbols.date
),

calendar_groups as (
    {% for market, code in markets %}{% for group, trader_group in groups %}
    select date, close_at, '{{ code }}' as cftc_code, '{{ trader_group }}' as trader_group from calendar
    {{ ' union all' if not loop.last }}
    {% endfor %}{{ ' union all' if not loop.last }}
    {% endfor %}
),

positioning_by_date as (
    select
        calendar_groups.date,
        {% for market, code in markets %}{% for group, trader_group in groups %}
        {% for column in ['report_date', 'net_share_oi', 'net_share_oi_pctrank_156r'] %}
        max(case when calendar_groups.cftc_code = '{{ code }}' and calendar_groups.trader_group = '{{ trader_group }}'
            then reports.{{ column }} end) as {{ market }}_{{ group }}_{{ column }}{{ ',' if not loop.last }}
        {% endfor %}{{ ',' if not loop.last }}
        {% endfor %}{{ ',' if not loop.last }}
        {% endfor %}
    from calendar_groups
    {{ asof_left_join(
        'calendar_groups', 'calendar_groups', ['date', 'cftc_code', 'trader_group'], 'positioning',
        'reports', 'available_at', '<=', 'calendar_groups.close_at',
        equal=[('cftc_code', 'cftc_code'), ('trader_group', 'trader_group')]
    ) }}
    group by calendar_groups.date
),

final as (
    select
        calendar.date,
        {% for name, symbol in indices %}
        {{ name }}_price.price as {{ name }}_close,
        {% endfor %}
        {% for name, numerator, denominator in pairs %}{% for h in horizons %}
        {% for alias in ['spread_' ~ h ~ 'd', 'spread_' ~ h ~ 'd_rank_to_date', 'spread_' ~ h ~ 'd_pctrank_to_date', 'is_record_' ~ h ~ 'd'] %}
        spreads_by_date.{{ name }}_{{ alias }},
        {% endfor %}{% endfor %}{% endfor %}
        {% for name, numerator, denominator in side_pairs %}{% for h in horizons %}
        {% for alias in ['spread_' ~ h ~ 'd', 'spread_' ~ h ~ 'd_rank_to_date', 'is_record_' ~ h ~ 'd'] %}
        side_spreads_by_date.{{ name }}_{{ alias }},
        {% endfor %}{% endfor %}{% endfor %}
        {% for name, symbol in indices %}
        case when correlations_by_date.{{ name }}_as_of >= {{ dbt.dateadd('day', -stale_days, 'calendar.date') }}
            then correlations_by_date.{{ name }}_correlation end as {{ name }}_dgs2_corr_63d,
        {% endfor %}
        case when correlations_by_date.rut_as_of >= {{ dbt.dateadd('day', -stale_days, 'calendar.date') }}
            then correlations_by_date.rut_as_of end as dgs2_corr_as_of,
        {% for column, alias in [('value', 'dgs2_level_pct'), ('change_bp', 'dgs2_change_bp'), ('date', 'dgs2_as_of')] %}
        case when dgs2.date >= {{ dbt.dateadd('day', -stale_days, 'calendar.date') }}
            then dgs2.{{ column }} end as {{ alias }},
        {% endfor %}
        fed_funds.next_fomc_date,
        fed_funds.implied_change_bp_next_fomc,
        fed_funds.cut_probability_next_fomc,
        {% for market, code in markets %}{% for group, trader_group in groups %}
        {% for column in ['net_share_oi', 'net_share_oi_pctrank_156r'] %}
        case when positioning_by_date.{{ market }}_{{ group }}_report_date >= {{ dbt.dateadd('day', -positioning_stale_days, 'calendar.date') }}
            then positioning_by_date.{{ market }}_{{ group }}_{{ column }} end as {{ market }}_{{ group }}_{{ column }},
        {% endfor %}{% endfor %}
        case when positioning_by_date.{{ market }}_lev_report_date >= {{ dbt.dateadd('day', -positioning_stale_days, 'calendar.date') }}
            then positioning_by_date.{{ market }}_lev_report_date end as {{ market }}_positioning_report_date,
        {% endfor %}
        cross_asset.copper_gold_ratio,
        cross_asset.copper_gold_change_nd as copper_gold_change_21d,
        cross_asset.hyg_return_nd as hyg_return_21d,
        cross_asset.hyg_minus_ief_nd as hyg_minus_ief_21d,
        cross_asset.vix_level,
        cross_asset.vix_change_5d,
        cross_asset.rsp_minus_spy_nd as rsp_minus_spy_21d,
        cross_asset.megacap_names,
        cross_asset.megacap_return_nd as megacap_return_21d,
        cross_asset.megacap_minus_gspc_nd as megacap_minus_gspc_21d,
        -- a month later than the rule expects is stale (the file stopped): null, not an old value
        case when smb.date >= calendar.french_stale_before then smb.smb_nd end as smb_21d,
        case when smb.date >= calendar.french_stale_before then smb.date end as smb_as_of,
        concentration.megacap_index_weight,
        concentration.megacap_ytd_contribution_to_total_return,
        concentration.megacap_share_of_index_ytd_total_return,
        concentration.megacap_stale_share_counts,
        {% for column, alias in [('revenue_breadth_30cd', 'megacap_next_year_revenue_breadth_30cd'), ('eps_breadth_30cd', 'megacap_next_year_eps_breadth_30cd'), ('capture_date', 'megacap_revisions_as_of')] %}
        case when revisions.capture_date >= {{ dbt.dateadd('day', -revisions_stale_days, 'calendar.date') }}
            then revisions.{{ column }} end as {{ alias }}{{ ',' if not loop.last }}
        {% endfor %}
    from calendar
    {% for name, symbol in indices %}
    left join prices as {{ name }}_price on {{ name }}_price.symbol = '{{ symbol }}' and {{ name }}_price.date = calendar.date
    {% endfor %}
    left join spreads_by_date on spreads_by_date.date = calendar.date
    left join side_spreads_by_date on side_spreads_by_date.date = calendar.date
    left join correlations_by_date on correlations_by_date.date = calendar.date
    {{ asof_left_join(
        'calendar', 'calendar', ['date'], "(select * from rates where rate_series = 'DGS2' and value is not null)",
        'dgs2', 'date', '<', 'calendar.date'
    ) }}
    left join rates as fed_funds on fed_funds.rate_series = 'ZQ=F_IMPLIED' and fed_funds.date = calendar.date
    left join positioning_by_date on positioning_by_date.date = calendar.date
    left join cross_asset on cross_asset.date = calendar.date
    {{ asof_left_join('calendar', 'calendar', ['date'], 'smb_known', 'smb', 'date', '<', 'calendar.french_cutoff') }}
    left join concentration on concentration.date = calendar.date
    {{ asof_left_join('calendar', 'calendar', ['date'], 'megacap_revisions', 'revisions', 'known_at', '<=', 'calendar.close_at') }}
)

select * from final
order by date
