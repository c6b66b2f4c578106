{#- A point-in-time join clause: for each row of `left_relation` (in the FROM as `left_alias`, one
    row per `left_key`), the row of `right_relation` (as `right_alias`) with the largest
    `right_column` satisfying `right_alias.right_column <operator> <left_expression>` (operator < or
    <=) and the equalities `equal` [(right column, left column)], or nulls. `right_column` is unique
    per `equal` key in `right_relation`.
    DuckDB: ASOF LEFT JOIN (one merge pass). Portable: the left and right rows in one sorted
    sequence per `equal` key (by the compared values; at a tie, right rows first for <=, last for
    <), the running maximum of the right values found at each left row, and the right row with that
    value joined back: a sort, not a range join (which is quadratic per key). -#}
{% macro asof_left_join(left_relation, left_alias, left_key, right_relation, right_alias, right_column, operator, left_expression, equal=[]) -%}
    {{ return(adapter.dispatch('asof_left_join')(left_relation, left_alias, left_key, right_relation, right_alias, right_column, operator, left_expression, equal)) }}
{%- endmacro %}

{% macro duckdb__asof_left_join(left_relation, left_alias, left_key, right_relation, right_alias, right_column, operator, left_expression, equal=[]) -%}
    asof left join {{ right_relation }} as {{ right_alias }}
        on {% for right, left in equal %}{{ right_alias }}.{{ right }} = {{ left_alias }}.{{ left }} and {% endfor -%}
        {{ right_alias }}.{{ right_column }} {{ operator }} {{ left_expression }}
{%- endmacro %}

{% macro default__asof_left_join(left_relation, left_alias, left_key, right_relation, right_alias, right_column, operator, left_expression, equal=[]) -%}
    {%- if operator not in ('<', '<=') -%}
        {{ exceptions.raise_compiler_error('asof_left_join: operator ' ~ operator ~ ' is not < or <=') }}
    {%- endif -%}
    {#- at equal values a right row comes before a left one for <=, after it for < -#}
    {%- set left_tie, right_tie = (1, 0) if operator == '<=' else (0, 1) -%}
    left join (
        select
            {% for key in left_key %}asof_found.asof_left_{{ key }},
            {% endfor -%}
            {{ right_alias }}.*
        from (
            select *
            from (
                select
                    *,
                    max(asof_right_value) over (
                        {% if equal %}partition by {% for pair in equal %}asof_equal_{{ loop.index }}{{ ', ' if not loop.last }}{% endfor %}{% endif %}
                        order by asof_sort, asof_tie
                        rows between unbounded preceding and current row
                    ) as asof_found_value
                from (
                    select
                        {% for right, left in equal %}{{ left_alias }}.{{ left }} as asof_equal_{{ loop.index }},
                        {% endfor -%}
                        {{ left_expression }} as asof_sort,
                        {{ left_tie }} as asof_tie,
                        {% for key in left_key %}{{ left_alias }}.{{ key }} as asof_left_{{ key }},
                        {% endfor -%}
                        null as asof_right_value
                    from {{ left_relation }} as {{ left_alias }}
                    union all
                    select
                        {% for right, left in equal %}{{ right_alias }}.{{ right }},
                        {% endfor -%}
                        {{ right_alias }}.{{ right_column }},
                        {{ right_tie }},
                        {% for key in left_key %}null,
                        {% endfor -%}
                        {{ right_alias }}.{{ right_column }}
                    from {{ right_relation }} as {{ right_alias }}
                ) as asof_rows
            ) as asof_running
            where asof_tie = {{ left_tie }} and asof_found_value is not null
        ) as asof_found
        inner join {{ right_relation }} as {{ right_alias }}
            on {% for right, left in equal %}{{ right_alias }}.{{ right }} = asof_found.asof_equal_{{ loop.index }} and {% endfor -%}
            {{ right_alias }}.{{ right_column }} = asof_found.asof_found_value
    ) as {{ right_alias }}
        on {% for key in left_key %}{{ right_alias }}.asof_left_{{ key }} = {{ left_alias }}.{{ key }}{{ ' and ' if not loop.last }}{% endfor %}
{%- endmacro %}
