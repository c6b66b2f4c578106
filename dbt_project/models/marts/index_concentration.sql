-- Mega-cap concentration of the S&P 500: each mega cap's weight in the index, its year-to-date
-- return and its contribution to the index's year-to-date return, and the group's share of it, on
-- two bases, each with members and index on the same one (docs/architecture.md "Concentration"):
--   * total return (`*_total_return`): members' dividend-adjusted closes (Adj Close, or a Close
--     upstream adjusted itself: auto-adjusted and close-only files); the index's total return is
--     SPY's dividend-adjusted close (an S&P 500 fund: the index's total return less its 0.09% a
--     year expense ratio). Every source has this basis.
--   * price (`*_price_return`): members' unadjusted closes and ^GSPC (a price index); null where
--     upstream sends a member only dividend-adjusted (the snapshot's close-only mega-cap files).
--
-- Method: a year's base is the last ^GSPC close of the year before. A name's start weight =
-- shares outstanding x its close on the base date / the index's estimated capitalization on that
-- date; its contribution on a date = start weight x its return since the base. For a cap-weighted
-- index whose members' shares stay put, the index's return is exactly the sum of these
-- contributions over all members; the errors are in the inputs (float adjustment, share changes
-- during the year, the capitalization estimate).
--   * weights: close as upstream sent it (market caps are prices; in the snapshot's close-only
--     mega-cap files the close is dividend-adjusted);
--   * shares: the latest count dated on or before base date + 45 days (a count from the year's first
--     filing stands for its start) and not older than 450 days before it; a count dated more than
--     var shares_count_stale_days (92: a quarter, companies report counts every quarter) before the
--     base is used but flagged `shares_count_is_stale`. Yahoo's share history (live) before the
--     seed shares_outstanding;
--   * index capitalization: seed index_capitalization's anchor x ^GSPC level ratio (latest anchor on
--     or before the base date, else the first).
{% set count_lead_days = var('shares_count_lead_days', 45) %}
{% set count_max_age_days = var('shares_count_max_age_days', 450) %}
{% set count_stale_days = var('shares_count_stale_days', 92) %}
{% set total_return_index = var('concentration_total_return_index', 'SPY') %}

with closes as (
    select
        symbol,
        date,
        close,
        -- total-return basis: dividend-adjusted close
        coalesce(adj_close, case when close_is_adjusted then close end) as total_return_close,
        -- price basis: a close upstream did not adjust for dividends
        case when not close_is_adjusted then close end as price_close
    from {{ ref('stg_yahoo__prices') }}
    where close is not null
        -- the closes this mart reads, not the universe's (materialized once, read by several CTEs)
        and (
            symbol in ('^GSPC', '{{ total_return_index }}')
            or symbol in (select symbol from {{ ref('instruments') }} where segment = 'mega_cap')
        )
),

megacaps as (
    select symbol from {{ ref('instruments') }} where segment = 'mega_cap'
),

gspc as (
    select date, close as level from closes where symbol = '^GSPC'
),

-- the index's total return: an S&P 500 fund's dividend-adjusted close
index_total_return as (
    select date, total_return_close as level from closes where symbol = '{{ total_return_index }}'
),

-- each year's base date: the last ^GSPC trading date of the year before
year_bases as (
    select cast(extract(year from date) as integer) + 1 as year, max(date) as base_date
    from gspc
    group by extract(year from date)
),

anchors as (
    select
        capitalization.as_of,
        capitalization.market_cap_usd,
        gspc.level as anchor_level,
        lead(capitalization.as_of) over (order by capitalization.as_of) as next_as_of,
        row_number() over (order by capitalization.as_of) as anchor_number
    from {{ ref('index_capitalization') }} as capitalization
    inner join gspc on gspc.date = capitalization.as_of
    where capitalization.symbol = '^GSPC'
),

index_bases as (
    select
        year_bases.year,
        year_bases.base_date,
        gspc.level as base_level,
        index_total_return.level as base_total_return_level,
        anchors.market_cap_usd * gspc.level / anchors.anchor_level as base_market_cap,
        anchors.as_of as cap_anchor_date
    from year_bases
    inner join gspc on gspc.date = year_bases.base_date
    left join index_total_return on index_total_return.date = year_bases.base_date
    inner join anchors
        on (year_bases.base_date >= anchors.as_of or anchors.anchor_number = 1)
        and (anchors.next_as_of is null or year_bases.base_date < anchors.next_as_of)
),

member_bases as (
    select
        megacaps.symbol,
        index_bases.year,
        index_bases.base_date,
        closes.close as base_close,
        closes.total_return_close as base_total_return_close,
        closes.price_close as base_price_close
    from megacaps
    inner join index_bases on true
    inner join closes on closes.symbol = megacaps.symbol and closes.date = index_bases.base_date
),

counts as (
    select
        member_bases.symbol,
        member_bases.year,
        shares.shares_outstanding,
        shares.as_of as shares_as_of,
        shares.shares_source,
        row_number() over (
            partition by member_bases.symbol, member_bases.year
            order by case when shares.shares_source = 'yahoo' then 0 else 1 end, shares.as_of desc
        ) as pick
    from member_bases
    inner join {{ ref('stg_yahoo__shares') }} as shares
        on shares.symbol = member_bases.symbol
        and shares.as_of <= {{ dbt.dateadd('day', count_lead_days, 'member_bases.base_date') }}
        and shares.as_of > {{ dbt.dateadd('day', -count_max_age_days, 'member_bases.base_date') }}
),

daily as (
    select
        closes.date,
        closes.symbol,
        index_bases.year,
        index_bases.base_date,
        counts.shares_outstanding,
        counts.shares_as_of,
        counts.shares_source,
        cast({{ dbt.datediff('counts.shares_as_of', 'index_bases.base_date', 'day') }} as bigint) as shares_count_age_days,
        index_bases.cap_anchor_date,
        counts.shares_outstanding * member_bases.base_close as start_market_cap,
        index_bases.base_market_cap as index_start_market_cap,
        counts.shares_outstanding * member_bases.base_close / index_bases.base_market_cap as start_weight,
        counts.shares_outstanding * closes.close as market_cap,
        index_bases.base_market_cap * gspc.level / index_bases.base_level as index_market_cap,
        closes.total_return_close / member_bases.base_total_return_close - 1 as ytd_total_return,
        index_total_return.level / index_bases.base_total_return_level - 1 as index_ytd_total_return,
        closes.price_close / member_bases.base_price_close - 1 as ytd_price_return,
        gspc.level / index_bases.base_level - 1 as index_ytd_price_return
    from closes
    inner join gspc on gspc.date = closes.date
    left join index_total_return on index_total_return.date = closes.date
    inner join index_bases on index_bases.year = extract(year from closes.date)
    inner join member_bases on member_bases.symbol = closes.symbol and member_bases.year = index_bases.year
    inner join counts on counts.symbol = closes.symbol and counts.year = index_bases.year and counts.pick = 1
),

contributions as (
    select
        *,
        market_cap / index_market_cap as weight,
        start_weight * ytd_total_return as contribution_to_total_return,
        start_weight * ytd_price_return as contribution_to_price_return
    from daily
),

final as (
    select
        date,
        symbol,
        year,
        base_date,
        cast(rank() over (partition by date order by market_cap desc) as bigint) as size_rank,
        shares_outstanding,
        shares_as_of,
        shares_source,
        shares_count_age_days,
        shares_count_age_days > {{ count_stale_days }} as shares_count_is_stale,
        market_cap,
        index_market_cap,
        cap_anchor_date,
        start_weight,
        weight,
        ytd_total_return,
        index_ytd_total_return,
        contribution_to_total_return,
        case when index_ytd_total_return <> 0
            then contribution_to_total_return / index_ytd_total_return end as share_of_index_total_return,
        ytd_price_return,
        index_ytd_price_return,
        contribution_to_price_return,
        case when index_ytd_price_return <> 0
            then contribution_to_price_return / index_ytd_price_return end as share_of_index_price_return,
        count(*) over (partition by date) as group_names,
        sum(weight) over (partition by date) as group_weight,
        -- a basis's group sum needs every name's return on that basis (else null, not a partial sum);
        -- the sums stay in this select, beside the rank's ordered window: in a CTE of their own they
        -- summed in scan order and differed in the last bits from one build to the next
        case when count(contribution_to_total_return) over (partition by date) = count(*) over (partition by date)
            then sum(contribution_to_total_return) over (partition by date) end
            as group_contribution_to_total_return,
        case when index_ytd_total_return <> 0
            and count(contribution_to_total_return) over (partition by date) = count(*) over (partition by date)
            then sum(contribution_to_total_return) over (partition by date) / index_ytd_total_return end
            as group_share_of_index_total_return,
        case when count(contribution_to_price_return) over (partition by date) = count(*) over (partition by date)
            then sum(contribution_to_price_return) over (partition by date) end
            as group_contribution_to_price_return,
        case when index_ytd_price_return <> 0
            and count(contribution_to_price_return) over (partition by date) = count(*) over (partition by date)
            then sum(contribution_to_price_return) over (partition by date) / index_ytd_price_return end
            as group_share_of_index_price_return,
        count(case when shares_count_age_days > {{ count_stale_days }} then 1 end) over (partition by date)
            as group_stale_share_counts
    from contributions
)

select * from final
