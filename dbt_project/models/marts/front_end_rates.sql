-- Front-end rates in percent with daily changes in basis points, and the fed funds futures' implied
-- move and probability of a 25 bp cut at each of the next three FOMC meetings (FedWatch-style: the
-- front month ZQ=F and the deferred dated contracts of int_rates__futures_strip, chained meeting by
-- meeting).

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

-- The deferred months: dated fed funds contracts (ZQQ24.CBT), live-only upstream. Empty on the
-- shared snapshot, where only the front month prices a meeting.
deferred_months as (
    select date, contract_month, implied_rate
    from {{ ref('int_rates__futures_strip') }}
    where root = 'ZQ'
),

-- The next four scheduled meetings after each date: three are priced, the fourth only says whether
-- the month after the third is free of meetings.
upcoming as (
    select
        fed_funds_futures.date,
        meetings.meeting_date,
        row_number() over (
            partition by fed_funds_futures.date order by meetings.meeting_date
        ) as meeting_number
    from fed_funds_futures
    inner join calendar_start on fed_funds_futures.date >= calendar_start.first_meeting
    inner join meetings
        on meetings.meeting_date > fed_funds_futures.date
        and meetings.meeting_date <= {{ dbt.dateadd('day', 300, 'fed_funds_futures.date') }}
),

meeting_months as (
    select
        date,
        meeting_number,
        meeting_date,
        cast({{ dbt.date_trunc('month', 'meeting_date') }} as date) as meeting_month,
        cast(extract(day from {{ dbt.last_day('meeting_date', 'month') }}) as integer) as days_in_month,
        cast(extract(day from meeting_date) as integer) as meeting_day
    from upcoming
    where meeting_number <= 4
),

-- Which contract prices each meeting: its own month's, unless fewer than 5 days of the month follow
-- the meeting (then the month's average says little about the new rate): the next month's, whose
-- whole average is the post-meeting rate as long as that month holds no meeting itself.
pricing as (
    select
        this.date,
        this.meeting_number,
        this.meeting_date,
        this.days_in_month,
        this.meeting_day,
        case when this.days_in_month - this.meeting_day < 5 then 1 else 0 end as late_in_month,
        case
            when this.days_in_month - this.meeting_day >= 5 then this.meeting_month
            when following.meeting_month is null
                or following.meeting_month <> cast({{ dbt.dateadd('month', 1, 'this.meeting_month') }} as date)
                then cast({{ dbt.dateadd('month', 1, 'this.meeting_month') }} as date)
        end as priced_month
    from meeting_months as this
    left join meeting_months as following
        on following.date = this.date
        and following.meeting_number = this.meeting_number + 1
    where this.meeting_number <= 3
),

-- The priced month's implied average: the front contract (ZQ=F, the current month's contract by its
-- monthly roll) for the current month, the dated contract for a later month; null when that
-- contract has no close on the date (never carried forward).
priced as (
    select
        pricing.date,
        pricing.meeting_number,
        pricing.meeting_date,
        pricing.days_in_month,
        pricing.meeting_day,
        pricing.late_in_month,
        case
            when pricing.priced_month = cast({{ dbt.date_trunc('month', 'pricing.date') }} as date)
                then fed_funds_futures.implied_average_rate
            else deferred_months.implied_rate
        end as month_average
    from pricing
    inner join fed_funds_futures on fed_funds_futures.date = pricing.date
    left join deferred_months
        on deferred_months.date = pricing.date
        and deferred_months.contract_month = pricing.priced_month
),

by_date as (
    select
        date,
        {%- for k in [1, 2, 3] %}
        max(case when meeting_number = {{ k }} then meeting_date end) as meeting_date_{{ k }},
        max(case when meeting_number = {{ k }} then month_average end) as average_{{ k }},
        max(case when meeting_number = {{ k }} then late_in_month end) as late_{{ k }},
        max(case when meeting_number = {{ k }} then days_in_month end) as days_{{ k }},
        max(case when meeting_number = {{ k }} then meeting_day end) as day_{{ k }}{{ "," if not loop.last }}
        {%- endfor %}
    from priced
    group by date
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

-- The chain, meeting by meeting: the rate before meeting 1 is the latest published effective rate,
-- before meeting k the rate after meeting k − 1. A meeting priced on its own month (N days, meeting
-- on day d, new rate from day d + 1): r_after = (average·N − r_before·d) / (N − d); priced on the
-- next month: r_after = that month's average.
{%- for k in [1, 2, 3] %}
chain_{{ k }} as (
    select
        {%- if k == 1 %}
        by_date.*,
        effective_candidates.effective_rate as before_1,
        {%- else %}
        chain_{{ k - 1 }}.*,
        chain_{{ k - 1 }}.after_{{ k - 1 }} as before_{{ k }},
        {%- endif %}
        case
            when late_{{ k }} = 1 then average_{{ k }}
            else (average_{{ k }} * days_{{ k }} - {{ "effective_candidates.effective_rate" if k == 1 else "chain_" ~ (k - 1) ~ ".after_" ~ (k - 1) }} * day_{{ k }})
                / (days_{{ k }} - day_{{ k }})
        end as after_{{ k }}
    {%- if k == 1 %}
    from by_date
    left join effective_candidates
        on effective_candidates.date = by_date.date
        and effective_candidates.recency = 1
    {%- else %}
    from chain_{{ k - 1 }}
    {%- endif %}
),
{%- endfor %}

fedwatch as (
    select
        date,
        meeting_date_1 as next_fomc_date,
        (after_1 - before_1) * 100 as implied_change_bp_1,
        meeting_date_2 as second_fomc_date,
        (after_2 - before_2) * 100 as implied_change_bp_2,
        meeting_date_3 as third_fomc_date,
        (after_3 - before_3) * 100 as implied_change_bp_3
    from chain_3
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
        fedwatch.implied_change_bp_1 as implied_change_bp_next_fomc,
        {{ cut_probability('fedwatch.implied_change_bp_1') }} as cut_probability_next_fomc,
        fedwatch.second_fomc_date,
        fedwatch.implied_change_bp_2 as implied_change_bp_second_fomc,
        {{ cut_probability('fedwatch.implied_change_bp_2') }} as cut_probability_second_fomc,
        fedwatch.third_fomc_date,
        fedwatch.implied_change_bp_3 as implied_change_bp_third_fomc,
        {{ cut_probability('fedwatch.implied_change_bp_3') }} as cut_probability_third_fomc
    from rates
    inner join series on series.rate_series = rates.rate_series
    left join fedwatch on rates.rate_series = 'ZQ=F_IMPLIED' and fedwatch.date = rates.date
)

select * from final
order by rate_series, date
