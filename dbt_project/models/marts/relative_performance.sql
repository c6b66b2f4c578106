-- N-day relative performance of each pair, ranked against the pair's whole history.
-- Units: every return is a fraction (0.115 = 11.5%).

with horizon_returns as (
    select * from {{ ref('int_pairs__horizon_returns') }}
),

spreads as (
    select
        *,
        numerator_return - denominator_return as return_spread,
        (1 + numerator_return) / (1 + denominator_return) - 1 as relative_return
    from horizon_returns
),

ranked as (
    select
        *,
        -- Point in time: the largest spread on any EARLIER date of the same pair and horizon.
        max(return_spread) over (
            partition by numerator, denominator, horizon
            order by date
            rows between unbounded preceding and 1 preceding
        ) as prior_max_spread,
        -- Whole history: 1 = the largest spread the warehouse holds for the pair and horizon.
        rank() over (
            partition by numerator, denominator, horizon
            order by return_spread desc
        ) as spread_rank_full_history
    from spreads
),

final as (
    select
        date,
        numerator,
        denominator,
        {{ dbt.concat(['numerator', "'/'", 'denominator']) }} as pair,
        horizon,
        horizon_days,
        start_date,
        numerator_return,
        denominator_return,
        return_spread,
        relative_return,
        prior_max_spread,
        coalesce(return_spread > prior_max_spread, false) as is_record,
        spread_rank_full_history
    from ranked
)

select * from final
