-- Front-end rates in percent with daily changes in basis points, and the fed funds futures' implied
-- probability of a 25 bp cut at the next FOMC meeting (FedWatch-style, front month only).

with rates as (
    select * from {{ ref('int_rates__daily') }}
),

series as (
    select rate_series, name, kind from {{ ref('rate_series') }}
),

-- Scheduled meetings only: they are known in advance, an unscheduled decision is not (point in time).
meetings as (
    select meeting_date from {{ ref('fomc_meetings') }} where scheduled
),

calendar_start as (
    select min(meeting_date) as first_meeting from meetings
),

fed_funds_futures as (
    select date, value as implied_average_rate from rates where rate_series = 'ZQ=F_IMPLIED'
),

next_meeting as (
    select fed_funds_futures.date, min(meetings.meeting_date) as next_fomc_date
    from fed_funds_futures
    inner join calendar_start on fed_funds_futures.date >= calendar_start.first_meeting
    inner join meetings on meetings.meeting_date > fed_funds_futures.date
    group by fed_funds_futures.date
),

-- The effective rate known before the trading date: FRED publishes DFF the next morning.
effective_candidates as (
    select
        fed_funds_futures.date,
        effective.value as effective_rate,
        row_number() over (partition by fed_funds_futures.date order by effective.date desc) as recency
    from fed_funds_futures
    inner join rates as effective
        on effective.rate_series = 'DFF'
        and effective.date < fed_funds_futures.date
        and effective.date >= {{ dbt.dateadd('day', -10, 'fed_funds_futures.date') }}
),

fedwatch_inputs as (
    select
        fed_funds_futures.date,
        fed_funds_futures.implied_average_rate,
        next_meeting.next_fomc_date,
        effective_candidates.effective_rate,
        extract(day from {{ dbt.last_day('fed_funds_futures.date', 'month') }}) as days_in_month,
        extract(day from next_meeting.next_fomc_date) as days_before_change,
        extract(year from next_meeting.next_fomc_date) = extract(year from fed_funds_futures.date)
            and extract(month from next_meeting.next_fomc_date) = extract(month from fed_funds_futures.date)
            as meeting_this_month
    from fed_funds_futures
    left join next_meeting on next_meeting.date = fed_funds_futures.date
    left join effective_candidates
        on effective_candidates.date = fed_funds_futures.date
        and effective_candidates.recency = 1
),

fedwatch as (
    select
        date,
        next_fomc_date,
        -- The front-month contract settles on the month's average rate: days 1..d at the pre-meeting
        -- rate, days d+1..N at the post-meeting rate. Solved for the post-meeting rate only when the
        -- meeting is in the contract month with at least 5 days after it (else the front month says
        -- little or nothing about it).
        case
            when meeting_this_month and days_in_month - days_before_change >= 5
                then (
                    (implied_average_rate * days_in_month - effective_rate * days_before_change)
                    / (days_in_month - days_before_change)
                    - effective_rate
                ) * 100
        end as implied_change_bp
    from fedwatch_inputs
),

final as (
    select
        rates.date,
        rates.rate_series,
        series.name,
        series.kind,
        rates.value,
        rates.previous_date,
        rates.change_bp,
        rates.is_roll_day,
        rates.is_stale,
        fedwatch.next_fomc_date,
        fedwatch.implied_change_bp as implied_change_bp_next_fomc,
        case
            when fedwatch.implied_change_bp is not null
                then least(greatest(-fedwatch.implied_change_bp / 25, 0), 1)
        end as cut_probability_next_fomc
    from rates
    inner join series on series.rate_series = rates.rate_series
    left join fedwatch on rates.rate_series = 'ZQ=F_IMPLIED' and fedwatch.date = rates.date
)

select * from final
order by rate_series, date
