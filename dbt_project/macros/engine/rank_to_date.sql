{#
  Point-in-time rank ("_rank_to_date", docs/architecture.md "Naming"): for each row of `relation`,
  the rank of `value_column` (1 = the largest; ties share the smallest rank) among the rows of the
  same partition dated up to and including the row's date, i.e. 1 + the number of those rows with a
  strictly larger value. A row's rank never changes when later dates arrive. Returns a select of
  every column of `relation` plus `alias`. The partition must hold one row per date
  (relative_performance: one per pair, horizon and date). Nulls in `value_column` are not ranked
  against (no caller has any).
#}
{% macro rank_to_date_select(relation, partition_by, date_column, value_column, alias) -%}
    {{ return(adapter.dispatch('rank_to_date_select')(relation, partition_by, date_column, value_column, alias)) }}
{%- endmacro %}

{#- Portable: a self-join that counts, per row, the rows of its partition up to its date with a
    larger value (a join and GROUP BY rather than a correlated subquery, which some engines refuse
    with an inequality). Quadratic in the rows of a partition: an engine with a framed
    order-statistic window gets its own implementation, as DuckDB below. -#}
{% macro default__rank_to_date_select(relation, partition_by, date_column, value_column, alias) -%}
    select
        ranked_row.*,
        1 + larger.larger_values as {{ alias }}
    from {{ relation }} as ranked_row
    inner join (
        select
            {% for column in partition_by %}current_row.{{ column }}, {% endfor %}
            current_row.{{ date_column }},
            count(earlier.{{ date_column }}) as larger_values
        from {{ relation }} as current_row
        left join {{ relation }} as earlier
            on {% for column in partition_by %}earlier.{{ column }} = current_row.{{ column }} and {% endfor %}
                earlier.{{ date_column }} <= current_row.{{ date_column }}
                and earlier.{{ value_column }} > current_row.{{ value_column }}
        group by {% for column in partition_by %}current_row.{{ column }}, {% endfor %}current_row.{{ date_column }}
    ) as larger
        on {% for column in partition_by %}larger.{{ column }} = ranked_row.{{ column }} and {% endfor %}
            larger.{{ date_column }} = ranked_row.{{ date_column }}
{%- endmacro %}

{#- DuckDB: rank() with an ORDER BY argument ranks within the window frame (DuckDB >= 1.2, a
    merge-sort tree: n log n per partition). That is DuckDB-only syntax, hence this dispatched
    version; the frame is every row of the partition up to the current one in date order, so it is
    the same rank as the portable self-join above (tests/rank_to_date_implementations_agree.sql). -#}
{% macro duckdb__rank_to_date_select(relation, partition_by, date_column, value_column, alias) -%}
    select
        *,
        rank(order by {{ value_column }} desc) over (
            partition by {{ partition_by | join(', ') }}
            order by {{ date_column }}
            rows between unbounded preceding and current row
        ) as {{ alias }}
    from {{ relation }}
{%- endmacro %}


{#
  Point-in-time cumulative distribution ("_pctrank_to_date"): for each row of `relation`, the
  fraction of the rows of its partition dated up to and including its date whose `value_column` is
  at or below its own (its own included), i.e. cume_dist over the frame of the partition up to the
  current row in date order. Returns a select of every column of `relation` plus `alias`. One row
  per partition and date; no nulls in `value_column`.
#}
{% macro cume_dist_to_date_select(relation, partition_by, date_column, value_column, alias) -%}
    {{ return(adapter.dispatch('cume_dist_to_date_select')(relation, partition_by, date_column, value_column, alias)) }}
{%- endmacro %}

{#- Portable: a self-join counting the rows up to the date at or below the value (quadratic in the
    rows of a partition, as default__rank_to_date_select). -#}
{% macro default__cume_dist_to_date_select(relation, partition_by, date_column, value_column, alias) -%}
    select
        distributed_row.*,
        cast(at_or_below.at_or_below_values as double) / at_or_below.rows_to_date as {{ alias }}
    from {{ relation }} as distributed_row
    inner join (
        select
            {% for column in partition_by %}current_row.{{ column }}, {% endfor %}
            current_row.{{ date_column }},
            count(case when earlier.{{ value_column }} <= current_row.{{ value_column }} then 1 end) as at_or_below_values,
            count(*) as rows_to_date
        from {{ relation }} as current_row
        inner join {{ relation }} as earlier
            on {% for column in partition_by %}earlier.{{ column }} = current_row.{{ column }} and {% endfor %}
                earlier.{{ date_column }} <= current_row.{{ date_column }}
        group by {% for column in partition_by %}current_row.{{ column }}, {% endfor %}current_row.{{ date_column }}
    ) as at_or_below
        on {% for column in partition_by %}at_or_below.{{ column }} = distributed_row.{{ column }} and {% endfor %}
            at_or_below.{{ date_column }} = distributed_row.{{ date_column }}
{%- endmacro %}

{#- DuckDB: cume_dist with an ORDER BY argument within the window frame (DuckDB-only syntax). -#}
{% macro duckdb__cume_dist_to_date_select(relation, partition_by, date_column, value_column, alias) -%}
    select
        *,
        cume_dist(order by {{ value_column }}) over (
            partition by {{ partition_by | join(', ') }}
            order by {{ date_column }}
            rows between unbounded preceding and current row
        ) as {{ alias }}
    from {{ relation }}
{%- endmacro %}
