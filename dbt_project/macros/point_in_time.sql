{#
  Where each value of a series stands among the series' values up to its date, for an incremental
  mart that recomputes only the dates from `since` on (relative_performance, instrument_returns).

  point_in_time_ctes(relation, series, value_column, since, carry) emits CTE definitions (each
  followed by a comma, to place inside a model's WITH) ending in `point_in_time`: every row of
  `relation` (one row per series and date, the dates this run computes) with
      pit_prior_max          the largest value on an earlier date (null: no earlier row)
      pit_prior_min          the smallest value on an earlier date
      pit_rank_to_date       1 + the number of earlier-or-same-date values larger than it (ties share)
      pit_last_larger_date   the last earlier date with a strictly larger value ("largest since";
                             null: none), macros/previous_beyond.sql
      pit_last_smaller_date  the same with a strictly smaller value ("worst since")
  and the columns of `relation` (those named in `carry` are carried through the search).

  The earlier values are the rows of `relation` and, when the run rebuilds a tail (`since` a date),
  the rows already built in the mart ({{ this }}: the series keys, date and `value_column` only), all
  dated before `since`. Those are compared two ways, by the tail's length:
    - a tail of at most `join_max_tail_days` calendar days (about 10 trading days; a daily run): a
      join of each rebuilt row with the series' built rows counts those larger and gives the last
      built dates with a larger and a smaller value (history × tail rows per series);
    - a longer tail: the built and rebuilt values of a series sorted in descending order, a rebuilt
      value before equal built ones (the built rows before a rebuilt one are those larger than it;
      history × log(history)), and the "largest since" search over both together.
  `since` none (a full build), '0001-01-01' or '9999-12-31' (everything or nothing rebuilt): only
  `relation` is read.
#}
{% macro point_in_time_ctes(relation, series, value_column, since, carry=[], join_max_tail_days=14) -%}
{%- set keys = series | join(', ') -%}
{#- no built rows to compare with: a fresh table, no recorded state (everything is rebuilt) or
    nothing changed (nothing is rebuilt) -#}
{%- set reads_built = since is not none and since not in ('0001-01-01', '9999-12-31') -%}
{%- set tail_days = rebuilt_tail_days(since) if reads_built else none -%}
{%- set count_by_join = tail_days is none or tail_days | int <= join_max_tail_days -%}
{#- a long tail: "largest since" is searched over the built and rebuilt rows together -#}
{%- set long_tail = reads_built and not count_by_join -%}
{%- set beyond_from = 'beyond' if long_tail else 'records' %}
{% if not long_tail %}
-- "largest since" among the rows computed in this run (macros/previous_beyond.sql)
{{ previous_beyond_ctes('beyond', relation, series, 'date', value_column, carry=carry) }}
{% endif %}

-- point in time among the rows computed in this run: the rank of the value among the series' values
-- up to and including the date, the largest and smallest value on an earlier date
ranked as (
    {{ rank_to_date_select(relation if long_tail else 'beyond', series, 'date', value_column, 'rank_among_rebuilt') }}
),

records as (
    select
        *,
        max({{ value_column }}) over (
            partition by {{ keys }} order by date rows between unbounded preceding and 1 preceding
        ) as prior_max_among_rebuilt,
        min({{ value_column }}) over (
            partition by {{ keys }} order by date rows between unbounded preceding and 1 preceding
        ) as prior_min_among_rebuilt
    from ranked
),

{% if reads_built %}
-- the rows already built, all dated before the rebuilt ones
built as (
    select {{ keys }}, date, {{ value_column }}
    from {{ this }}
    where date < cast('{{ since }}' as date)
),

built_extremes as (
    select {{ keys }}, max({{ value_column }}) as max_value, min({{ value_column }}) as min_value
    from built
    group by {{ keys }}
),

{% if count_by_join %}
-- per rebuilt row: the built values larger than its own (they rank above it) and the last built
-- dates with a larger and a smaller one
built_compared as (
    select
        {% for key in series %}rebuilt.{{ key }}, {% endfor %}rebuilt.date,
        count(case when built.{{ value_column }} > rebuilt.{{ value_column }} then 1 end) as larger_values,
        max(case when built.{{ value_column }} > rebuilt.{{ value_column }} then built.date end)
            as built_larger_date,
        max(case when built.{{ value_column }} < rebuilt.{{ value_column }} then built.date end)
            as built_smaller_date
    from {{ relation }} as rebuilt
    inner join built
        on {% for key in series %}built.{{ key }} = rebuilt.{{ key }}{{ ' and ' if not loop.last }}{% endfor %}
    group by {% for key in series %}rebuilt.{{ key }}, {% endfor %}rebuilt.date
),

{% else %}
-- (a long tail: the built and rebuilt values of a series sorted in descending order, a rebuilt
-- value before equal built ones; the built rows before a rebuilt one are those larger than it)
built_and_rebuilt as (
    select {{ keys }}, date, {{ value_column }}, 0 as is_built from {{ relation }}
    union all
    select {{ keys }}, date, {{ value_column }}, 1 as is_built from built
),

built_compared as (
    select
        {{ keys }}, date, larger_values,
        cast(null as date) as built_larger_date,
        cast(null as date) as built_smaller_date
    from (
        select
            {{ keys }},
            date,
            is_built,
            count(case when is_built = 1 then 1 end) over (
                partition by {{ keys }}
                order by {{ value_column }} desc, is_built
                rows between unbounded preceding and current row
            ) as larger_values
        from built_and_rebuilt
    ) as running
    where is_built = 0
),

-- "largest since" over the built and rebuilt values together (the search is linear in them)
{{ previous_beyond_ctes('beyond', 'built_and_rebuilt', series, 'date', value_column) }}
{% endif %}
{% endif %}

point_in_time as (
    select
        records.*,
        {% if reads_built %}
        -- the larger (smaller) of the two, either of which may be null (no earlier row)
        case
            when built_extremes.max_value is null then records.prior_max_among_rebuilt
            when records.prior_max_among_rebuilt is null then built_extremes.max_value
            when built_extremes.max_value > records.prior_max_among_rebuilt then built_extremes.max_value
            else records.prior_max_among_rebuilt
        end as pit_prior_max,
        case
            when built_extremes.min_value is null then records.prior_min_among_rebuilt
            when records.prior_min_among_rebuilt is null then built_extremes.min_value
            when built_extremes.min_value < records.prior_min_among_rebuilt then built_extremes.min_value
            else records.prior_min_among_rebuilt
        end as pit_prior_min,
        records.rank_among_rebuilt + coalesce(built_compared.larger_values, 0) as pit_rank_to_date,
        -- a rebuilt earlier date is later than every built one
        coalesce({{ beyond_from }}.last_larger_date, built_compared.built_larger_date) as pit_last_larger_date,
        coalesce({{ beyond_from }}.last_smaller_date, built_compared.built_smaller_date) as pit_last_smaller_date
        {% else %}
        records.prior_max_among_rebuilt as pit_prior_max,
        records.prior_min_among_rebuilt as pit_prior_min,
        records.rank_among_rebuilt as pit_rank_to_date,
        records.last_larger_date as pit_last_larger_date,
        records.last_smaller_date as pit_last_smaller_date
        {% endif %}
    from records
    {% if long_tail %}
    left join beyond
        on {% for key in series %}beyond.{{ key }} = records.{{ key }} and {% endfor %}beyond.date = records.date
    {% endif %}
    {% if reads_built %}
    left join built_extremes
        on {% for key in series %}built_extremes.{{ key }} = records.{{ key }}{{ ' and ' if not loop.last }}{% endfor %}
    left join built_compared
        on {% for key in series %}built_compared.{{ key }} = records.{{ key }} and {% endfor %}built_compared.date = records.date
    {% endif %}
),
{%- endmacro %}
