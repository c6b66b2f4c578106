{#
  "Largest since" and "smallest since", point in time (docs/architecture.md "Largest since").

  previous_beyond_ctes(prefix, relation, partition_by, date_column, value_column, carry) emits CTE
  definitions (each followed by a comma, to place inside a model's WITH) ending in `<prefix>` with
  one row per row of `relation` whose value is not null: the partition columns, `date_column`, the
  columns named in `carry` (so that a model reads its rows from `<prefix>` without joining back),
      last_larger_date   the latest EARLIER date of the same partition whose value was strictly
                         larger (null when none: the value is the largest so far, ties included);
      last_smaller_date  the same for strictly smaller ("worst since").
  `relation` holds one row per partition and date. Only rows of `relation` are compared: a model
  that computes part of a series passes the rest of it in too (or merges a second answer, as the
  incremental marts do for their built rows).

  The answer is the previous greater (smaller) element of the series in date order. A self-join
  with `earlier.value > current.value` would compare every pair of rows of a series (quadratic: 40M
  pairs for one 25-year series of one horizon); instead, an exact search in a tree of running
  extremes, every step an equality join that reads at most `fanout` rows:
    1. row r = the row number of the series in date order. The 15 previous rows (fanout − 1) are
       checked with lags: the first strictly larger one is the answer (most rows end here).
    2. If none is, the answer is further back, or there is none (a new high: the search below finds
       no block). The rows are grouped in blocks of
       16, 256, 4096 rows (levels 1..3; block = floor(r / 16^level)) and each block's maximum and
       minimum is one row of a small table. The last earlier sibling block (same parent block one
       level up, the top level: any earlier block) whose maximum is larger is found at the lowest
       level that has one: everything between it and the row is no larger (the lower levels had no
       such sibling, and the lags covered the row's own 16-block).
    3. From that block down: the last child block (16 children) whose maximum is larger, level by
       level, ends on the row: its date is the answer.
  Inside, a series is a number (its rank among the distinct partition values) and a row its row
  number, so
  every join and grouping is on two integers. Each search reads at most 15 sibling blocks per level
  and each step down 16 children, so the work
  is linear in the rows (times a constant of at most a few hundred for the rows that need the
  search, and those are a minority); no row is compared with the whole history. The smaller answer
  is the same search with minima. Standard SQL only (row_number, lag, running max/min, group by,
  equality joins): the same on DuckDB and Spark.
#}
{% macro previous_beyond_ctes(prefix, relation, partition_by, date_column, value_column, carry=[], fanout=16, levels=3) -%}
{%- set keys = partition_by -%}
{%- set key_list = keys | join(', ') -%}
{%- set qualified_window = 'partition by series.pit_series order by rows_in.' ~ date_column -%}
{%- set level_key = 1099511627776 -%}
-- each series a number (a join with the few distinct series: cheaper than a rank over every row)
{{ prefix }}_series as (
    select {{ key_list }}, row_number() over (order by {{ key_list }}) as pit_series
    from (select distinct {{ key_list }} from {{ relation }}) as distinct_series
),

-- (the lags computed once, as columns, then read by both searches)
{{ prefix }}_near as {{ materialized_cte() }} (
    select
        {{ key_list }},
        {{ date_column }},
        {% for column in carry %}{{ column }},
        {% endfor %}
        pit_date,
        pit_value,
        pit_series,
        pit_row,
        {% for level in range(1, levels + 1) %}
        cast(floor(pit_row / {{ fanout ** level }}) as bigint) as pit_block_{{ level }},
        {% endfor %}
        {% for direction, op in [('larger', '>'), ('smaller', '<')] %}
        case
            {% for lag in range(1, fanout) %}
            when pit_value_{{ lag }} {{ op }} pit_value then pit_date_{{ lag }}
            {% endfor %}
        end as pit_near_{{ direction }}{{ ',' if not loop.last }}
        {% endfor %}
    from (
        select
            {% for key in keys %}rows_in.{{ key }}, {% endfor %}
            rows_in.{{ date_column }},
            {% for column in carry %}rows_in.{{ column }},
            {% endfor %}
            rows_in.{{ date_column }} as pit_date,
            rows_in.{{ value_column }} as pit_value,
            series.pit_series,
            row_number() over ({{ qualified_window }}) - 1 as pit_row,
            {% for lag in range(1, fanout) %}
            lag(rows_in.{{ value_column }}, {{ lag }}) over ({{ qualified_window }}) as pit_value_{{ lag }},
            lag(rows_in.{{ date_column }}, {{ lag }}) over ({{ qualified_window }}) as pit_date_{{ lag }}{{ ',' if not loop.last }}
            {% endfor %}
        from {{ relation }} as rows_in
        inner join {{ prefix }}_series as series
            on {% for key in keys %}series.{{ key }} = rows_in.{{ key }}{{ ' and ' if not loop.last }}{% endfor %}
        where rows_in.{{ value_column }} is not null
    ) as lagged
),

-- level 0: the rows themselves; level L: blocks of fanout^L rows with their extremes and parent
{{ prefix }}_blocks_0 as (
    select pit_series, pit_row as pit_block, pit_block_1 as pit_parent, pit_value as pit_max,
        pit_value as pit_min, pit_date
    from {{ prefix }}_near
),

{% for level in range(1, levels + 1) %}
{{ prefix }}_blocks_{{ level }} as (
    select
        pit_series,
        pit_block_{{ level }} as pit_block,
        {{ ('pit_block_' ~ (level + 1)) if level < levels else '0' }} as pit_parent,
        max(pit_value) as pit_max,
        min(pit_value) as pit_min
    from {{ prefix }}_near
    group by pit_series, pit_block_{{ level }}{{ (', pit_block_' ~ (level + 1)) if level < levels }}
),

{% endfor %}
-- the rows whose answer is beyond the lags: direction 1 looks for larger, -1 for smaller
{{ prefix }}_queries as (
    select
        near.pit_series, near.pit_row, near.pit_value, directions.pit_direction,
        {% for level in range(1, levels + 1) %}near.pit_block_{{ level }}, {% endfor %}0 as pit_block_{{ levels + 1 }}
    from {{ prefix }}_near as near
    cross join (select 1 as pit_direction union all select -1 as pit_direction) as directions
    where near.pit_row >= {{ fanout }}
        and ((directions.pit_direction = 1 and near.pit_near_larger is null)
            or (directions.pit_direction = -1 and near.pit_near_smaller is null))
),

-- each level's earlier sibling blocks holding a value beyond the row's
{{ prefix }}_hits as (
    {% for level in range(1, levels + 1) %}
    select
        queries.pit_series, queries.pit_row, queries.pit_value, queries.pit_direction,
        ({{ levels + 1 - level }}) * {{ level_key }} + blocks.pit_block as pit_key
    from {{ prefix }}_queries as queries
    inner join {{ prefix }}_blocks_{{ level }} as blocks
        on blocks.pit_series = queries.pit_series and blocks.pit_parent = queries.pit_block_{{ level + 1 }}
    where blocks.pit_block < queries.pit_block_{{ level }}
        and ((queries.pit_direction = 1 and blocks.pit_max > queries.pit_value)
            or (queries.pit_direction = -1 and blocks.pit_min < queries.pit_value))
    {{ 'union all' if not loop.last }}
    {% endfor %}
),

-- the lowest level with such a sibling, and its last one (the key orders by level, then block)
{{ prefix }}_found as (
    select
        pit_series, pit_row, pit_value, pit_direction,
        {{ levels + 1 }} - cast(floor(max(pit_key) / {{ level_key }}) as bigint) as pit_level,
        max(pit_key) - cast(floor(max(pit_key) / {{ level_key }}) as bigint) * {{ level_key }} as pit_block
    from {{ prefix }}_hits
    group by pit_series, pit_row, pit_value, pit_direction
),

-- down from the found block, one level per step: its last child block holding a value beyond
{% for level in range(levels - 1, -1, -1) %}
{{ prefix }}_down_{{ level }} as (
    select
        above.pit_series, above.pit_row, above.pit_value, above.pit_direction,
        max(child.pit_block) as pit_block{% if level == 0 %},
        max(child.pit_date) as pit_answer{% endif %}
    from (
        select pit_series, pit_row, pit_value, pit_direction, pit_block
        from {{ prefix }}_found where pit_level = {{ level + 1 }}
        {% if level + 1 < levels %}
        union all
        select pit_series, pit_row, pit_value, pit_direction, pit_block
        from {{ prefix }}_down_{{ level + 1 }}
        {% endif %}
    ) as above
    inner join {{ prefix }}_blocks_{{ level }} as child
        on child.pit_series = above.pit_series and child.pit_parent = above.pit_block
    where (above.pit_direction = 1 and child.pit_max > above.pit_value)
        or (above.pit_direction = -1 and child.pit_min < above.pit_value)
    group by above.pit_series, above.pit_row, above.pit_value, above.pit_direction
),

{% endfor %}
{{ prefix }}_far as (
    select
        pit_series, pit_row,
        max(case when pit_direction = 1 then pit_answer end) as pit_far_larger,
        max(case when pit_direction = -1 then pit_answer end) as pit_far_smaller
    from {{ prefix }}_down_0
    group by pit_series, pit_row
),

{{ prefix }} as (
    select
        {% for key in keys %}near.{{ key }}, {% endfor %}
        near.{{ date_column }},
        {% for column in carry %}near.{{ column }},
        {% endfor %}
        coalesce(near.pit_near_larger, far.pit_far_larger) as last_larger_date,
        coalesce(near.pit_near_smaller, far.pit_far_smaller) as last_smaller_date
    from {{ prefix }}_near as near
    left join {{ prefix }}_far as far
        on far.pit_series = near.pit_series and far.pit_row = near.pit_row
),
{%- endmacro %}
