-- Dated market events, one row per event: CPI releases (reference.cpi_releases), FOMC decisions
-- (reference.fomc_meetings) and CFTC Traders in Financial Futures releases (the report dates in
-- raw.cftc_tff with their release time, available_at). So "the close before the CPI print" is a
-- join on event_date, not a hand-typed date. Each row says where it comes from (source).
-- CFTC releases whose time the rule cannot know (government shutdowns and their catch-up:
-- available_at is null) are left out rather than guessed.

-- days after a report date on which its release can fall (Friday = +3 for a Tuesday report, up to
-- Tuesday of the next week when holidays move it)
{% set release_offsets = range(0, 11) %}

with cpi as (
    select
        release_date as event_date,
        'cpi_release' as event_type,
        {{ local_time_on_date('release_date', 8, 'America/New_York') }} + interval 30 minute as event_at,
        reference_month as reference_date,
        true as scheduled,
        'BLS Consumer Price Index for the reference month, 08:30 New York time' as description,
        source
    from {{ ref('cpi_releases') }}
),

fomc as (
    select
        meeting_date as event_date,
        'fomc_decision' as event_type,
        -- no time in the seed (14:00 New York for scheduled statements since 2013, other times before
        -- and for unscheduled decisions): a null of the instant type
        case when 1 = 0 then {{ local_time_on_date('meeting_date', 14, 'America/New_York') }} end as event_at,
        cast(null as date) as reference_date,
        scheduled,
        coalesce(note, 'FOMC decision (scheduled meeting, second day)') as description,
        'reference.fomc_meetings (Federal Reserve meeting calendars)' as source
    from {{ ref('fomc_meetings') }}
),

cftc_reports as (
    select report_date, min(available_at) as available_at
    from {{ ref('stg_cftc__tff') }}
    where available_at is not null
    group by report_date
),

offsets as (
    {% for offset in release_offsets %}
    select {{ offset }} as days_after{{ ' union all' if not loop.last }}
    {% endfor %}
),

-- the New York date of the release: the day whose 15:30 New York is available_at (engine-neutral:
-- no cast of an instant to a date, which depends on the session's time zone)
cftc as (
    select
        {{ dbt.dateadd('day', 'offsets.days_after', 'cftc_reports.report_date') }} as event_date,
        'cftc_tff_release' as event_type,
        cftc_reports.available_at as event_at,
        cftc_reports.report_date as reference_date,
        true as scheduled,
        'CFTC Traders in Financial Futures report (positions as of reference_date)' as description,
        'raw.cftc_tff report dates; release time by the CFTC schedule rule (ingestion/calendar.py cftc_release_time)'
            as source
    from cftc_reports
    inner join offsets
        on {{ local_time_on_date(dbt.dateadd('day', 'offsets.days_after', 'cftc_reports.report_date'), 15, 'America/New_York') }}
            + interval 30 minute = cftc_reports.available_at
),

final as (
    select * from cpi
    union all
    select * from fomc
    union all
    select * from cftc
)

select
    cast(event_date as date) as event_date,
    event_type,
    event_at,
    reference_date,
    scheduled,
    description,
    source
from final
order by event_date, event_type
