{#
  "Largest since" and "smallest since", point in time (docs/architecture.md "Largest since").

  previous_beyond_ctes(prefix, relation, partition_by, date_column, value_column) emits CTE
  definitions (each followed by a comma, to place inside a model's WITH) ending in `<prefix>` with
  one row per row of `relation` whose value is not null: the partition columns, `date_column`, and
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
  Each search reads at most 15 sibling blocks per level and each step down 16 children, so the work
  is linear in the rows (times a constant of at most a few hundred for the rows that need the
  search, and those are a minority); no row is compared with the whole history. The smaller answer
  is the same search with minima. Standard SQL only (row_number, lag, running max/min, group by,
  equality joins): the same on DuckDB and Spark.
#}
{% macro previous_beyond_ctes(prefix, relation, partition_by, date_column, value_column, fanout=16, levels=3) -%}
{%- set keys = partition_by -%}
{%- set key_list = keys | join(', ') -%}
{%- set window = 'partition by ' ~ key_list ~ ' order by pit_date' -%}
{%- set level_key = 1099511627776 -%}
{{ prefix }}_base as (
    select
        {{ key_list }},
        {{ date_column }} as pit_date,
        {{ value_column }} as pit_value
    from {{ relation }}
    where {{ value_column }} is not null
),

-- (the lags computed once, as columns, then read by both searches)
{{ prefix }}_near as {{ materialized_cte() }} (
    select
        {{ key_list }},
        pit_date,
        pit_value,
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
            *,
            row_number() over ({{ window }}) - 1 as pit_row,
            {% for lag in range(1, fanout) %}
            lag(pit_value, {{ lag }}) over ({{ window }}) as pit_value_{{ lag }},
            lag(pit_date, {{ lag }}) over ({{ window }}) as pit_date_{{ lag }}{{ ',' if not loop.last }}
            {% endfor %}
        from {{ prefix }}_base
    ) as lagged
),

-- level 0: the rows themselves; level L: blocks of fanout^L rows with their extremes and parent
{{ prefix }}_blocks_0 as (
    select {{ key_list }}, pit_row as pit_block, pit_block_1 as pit_parent, pit_value as pit_max,
        pit_value as pit_min, pit_date
    from {{ prefix }}_near
),

{% for level in range(1, levels + 1) %}
{{ prefix }}_blocks_{{ level }} as (
    select
        {{ key_list }},
        pit_block_{{ level }} as pit_block,
        {{ ('pit_block_' ~ (level + 1)) if level < levels else '0' }} as pit_parent,
        max(pit_value) as pit_max,
        min(pit_value) as pit_min
    from {{ prefix }}_near
    group by {{ key_list }}, pit_block_{{ level }}{{ (', pit_block_' ~ (level + 1)) if level < levels }}
),

{% endfor %}
-- the rows whose answer is beyond the lags: direction 1 looks for larger, -1 for smaller
{{ prefix }}_queries as (
    select
        {% for key in keys %}near.{{ key }}, {% endfor %}near.pit_date, near.pit_value, directions.pit_direction,
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
        {% for key in keys %}queries.{{ key }}, {% endfor %}queries.pit_date, queries.pit_value, queries.pit_direction,
        ({{ levels + 1 - level }}) * {{ level_key }} + blocks.pit_block as pit_key
    from {{ prefix }}_queries as queries
    inner join {{ prefix }}_blocks_{{ level }} as blocks
        on {% for key in keys %}blocks.{{ key }} = queries.{{ key }} and {% endfor %}blocks.pit_parent = queries.pit_block_{{ level + 1 }}
    where blocks.pit_block < queries.pit_block_{{ level }}
        and ((queries.pit_direction = 1 and blocks.pit_max > queries.pit_value)
            or (queries.pit_direction = -1 and blocks.pit_min < queries.pit_value))
    {{ 'union all' if not loop.last }}
    {% endfor %}
),

-- the lowest level with such a sibling, and its last one (the key orders by level, then block)
{{ prefix }}_found as (
    select
        {{ key_list }}, pit_date, pit_value, pit_direction,
        {{ levels + 1 }} - cast(floor(max(pit_key) / {{ level_key }}) as bigint) as pit_level,
        max(pit_key) - cast(floor(max(pit_key) / {{ level_key }}) as bigint) * {{ level_key }} as pit_block
    from {{ prefix }}_hits
    group by {{ key_list }}, pit_date, pit_value, pit_direction
),

-- down from the found block, one level per step: its last child block holding a value beyond
{% for level in range(levels - 1, -1, -1) %}
{{ prefix }}_down_{{ level }} as (
    select
        {% for key in keys %}above.{{ key }}, {% endfor %}above.pit_date, above.pit_value, above.pit_direction,
        max(child.pit_block) as pit_block{% if level == 0 %},
        max(child.pit_date) as pit_answer{% endif %}
    from (
        select {{ key_list }}, pit_date, pit_value, pit_direction, pit_block
        from {{ prefix }}_found where pit_level = {{ level + 1 }}
        {% if level + 1 < levels %}
        union all
        select {{ key_list }}, pit_date, pit_value, pit_direction, pit_block
        from {{ prefix }}_down_{{ level + 1 }}
        {% endif %}
    ) as above
    inner join {{ prefix }}_blocks_{{ level }} as child
        on {% for key in keys %}child.{{ key }} = above.{{ key }} and {% endfor %}child.pit_parent = above.pit_block
    where (above.pit_direction = 1 and child.pit_max > above.pit_value)
        or (above.pit_direction = -1 and child.pit_min < above.pit_value)
    group by {% for key in keys %}above.{{ key }}, {% endfor %}above.pit_date, above.pit_value, above.pit_direction
),

{% endfor %}
{{ prefix }}_far as (
    select
        {{ key_list }}, pit_date,
        max(case when pit_direction = 1 then pit_answer end) as pit_far_larger,
        max(case when pit_direction = -1 then pit_answer end) as pit_far_smaller
    from {{ prefix }}_down_0
    group by {{ key_list }}, pit_date
),

{{ prefix }} as (
    select
        {% for key in keys %}near.{{ key }}, {% endfor %}
        near.pit_date as {{ date_column }},
        coalesce(near.pit_near_larger, far.pit_far_larger) as last_larger_date,
        coalesce(near.pit_near_smaller, far.pit_far_smaller) as last_smaller_date
    from {{ prefix }}_near as near
    left join {{ prefix }}_far as far
        on {% for key in keys %}far.{{ key }} = near.{{ key }} and {% endfor %}far.pit_date = near.pit_date
),
{%- endmacro %}
