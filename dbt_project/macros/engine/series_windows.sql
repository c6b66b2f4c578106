{#-
  Window functions that walk each series in date order: running aggregates (cumulative sums,
  counts, maxima) and lags.

  Portable form (default__): every window names its series and order,
      over (partition by series_id order by date [rows between unbounded preceding and current row]),
  and the rows come in any order.

  DuckDB form: a partitioned running aggregate is computed with a segment tree, about 0.4 s per
  aggregate per million rows (rate_sensitivity has sixteen of them), while a window with an empty
  OVER () (or OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)) runs as DuckDB's streaming
  window, in one pass over its input in the input's order (0.04 s). So the rows are sorted once by
  series and date (series_ordered) and every window runs over the whole sorted input. DuckDB
  documents that SELECT, WHERE, window functions with an empty OVER and subqueries or CTEs made of
  them keep the order of their input (duckdb.org/docs/2.0/sql/dialect/order_preservation, with the
  default preserve_insertion_order = true): the chain from the sort to the last running window must
  stay made of those (no join, no GROUP BY in between).
  Over the whole sorted input a lag may reach into the previous series and a running aggregate
  carries on across series, so the model's formulas are written for both forms: a lag is used only
  where the series at that lag is the same (guards on series_id), a windowed sum is a difference of
  two running sums of the same series, and a running maximum of dates per series goes through
  running_series_max_date.

  Set the var series_windows_portable: true to run the portable form on DuckDB (the unit tests of
  rate_sensitivity run both).
-#}

{#- The relation `relation`, its rows in (partition_by, order_by) order where the engine's windows
    need it; to use in FROM. -#}
{% macro series_ordered(relation, partition_by, order_by) -%}
    {{ return(adapter.dispatch('series_ordered')(relation, partition_by, order_by)) }}
{%- endmacro %}

{% macro default__series_ordered(relation, partition_by, order_by) -%}
    {{ relation }}
{%- endmacro %}

{% macro duckdb__series_ordered(relation, partition_by, order_by) -%}
    {%- if var('series_windows_portable', false) -%}
        {{ default__series_ordered(relation, partition_by, order_by) }}
    {%- else -%}
        (select * from {{ relation }} order by {{ (partition_by + order_by) | join(', ') }})
    {%- endif -%}
{%- endmacro %}


{#- The OVER clause of a window over each series in order; running=true: the frame from the
    series' first row to the current one (running aggregates). -#}
{% macro series_over(partition_by, order_by, running=false) -%}
    {{ return(adapter.dispatch('series_over')(partition_by, order_by, running)) }}
{%- endmacro %}

{% macro default__series_over(partition_by, order_by, running=false) -%}
    over (
        partition by {{ partition_by | join(', ') }} order by {{ order_by | join(', ') }}
        {%- if running %} rows between unbounded preceding and current row{% endif %}
    )
{%- endmacro %}

{% macro duckdb__series_over(partition_by, order_by, running=false) -%}
    {%- if var('series_windows_portable', false) -%}
        {{ default__series_over(partition_by, order_by, running) }}
    {%- else -%}
        over ({% if running %}rows between unbounded preceding and current row{% endif %})
    {%- endif -%}
{%- endmacro %}


{#- The latest date up to the current row of the series at which `condition` held (null if none):
    a running maximum per series. series_id is a positive integer. -#}
{% macro running_series_max_date(condition, date_column, series_column, partition_by, order_by) -%}
    {{ return(adapter.dispatch('running_series_max_date')(condition, date_column, series_column, partition_by, order_by)) }}
{%- endmacro %}

{% macro default__running_series_max_date(condition, date_column, series_column, partition_by, order_by) -%}
    max(case when {{ condition }} then {{ date_column }} end) {{ default__series_over(partition_by, order_by, running=true) }}
{%- endmacro %}

{#- Over the whole sorted input the running maximum would carry the previous series' date: the
    maximum is taken of series_id × 100000 + days since 1900 (increasing in series-then-date order),
    and kept only where its series is the current one. -#}
{% macro duckdb__running_series_max_date(condition, date_column, series_column, partition_by, order_by) -%}
    {%- if var('series_windows_portable', false) -%}
        {{ default__running_series_max_date(condition, date_column, series_column, partition_by, order_by) }}
    {%- else -%}
        {%- set key -%}
            max(case when {{ condition }} then {{ series_column }} * 100000 + ({{ date_column }} - date '1900-01-01') end)
            over (rows between unbounded preceding and current row)
        {%- endset -%}
        case when {{ key }} // 100000 = {{ series_column }} then date '1900-01-01' + cast({{ key }} % 100000 as integer) end
    {%- endif -%}
{%- endmacro %}


{#- The keyword that asks the engine to compute a CTE once when it is read several times (placed
    between `name as` and its parenthesis): MATERIALIZED on DuckDB; nothing on Spark, whose SQL has
    no such hint (it may compute the CTE at each use). -#}
{% macro materialized_cte() -%}
    {{ return(adapter.dispatch('materialized_cte')()) }}
{%- endmacro %}

{% macro default__materialized_cte() -%}{%- endmacro %}

{% macro duckdb__materialized_cte() -%}materialized{%- endmacro %}
