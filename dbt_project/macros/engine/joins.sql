{#- A point-in-time join clause: for each row of `left_relation` (in the FROM as `left_alias`, one
    row per `left_key`), the row of `right_relation` (as `right_alias`) with the largest
    `right_column` satisfying `right_alias.right_column <operator> <left_expression>` (operator < or
    <=) and the equalities `equal` [(right column, left column)], or nulls. `right_column` is unique
    per `equal` key in `right_relation`.
    DuckDB: ASOF LEFT JOIN (one merge pass). Portable: the matching rows (a range join) ranked per
    left row, the latest kept; quadratic in the rows per key, fine at the sizes Spark is tested on
    here, and the place to put a sort-merge (union + last_value ignore nulls) version on a cluster. -#}
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
    left join (
        select *
        from (
            select
                {% for key in left_key %}{{ left_alias }}.{{ key }} as asof_left_{{ key }},
                {% endfor -%}
                {{ right_alias }}.*,
                row_number() over (
                    partition by {% for key in left_key %}{{ left_alias }}.{{ key }}{{ ', ' if not loop.last }}{% endfor %}
                    order by {{ right_alias }}.{{ right_column }} desc
                ) as asof_pick
            from {{ left_relation }} as {{ left_alias }}
            inner join {{ right_relation }} as {{ right_alias }}
                on {% for right, left in equal %}{{ right_alias }}.{{ right }} = {{ left_alias }}.{{ left }} and {% endfor -%}
                {{ right_alias }}.{{ right_column }} {{ operator }} {{ left_expression }}
        ) as asof_candidates
        where asof_pick = 1
    ) as {{ right_alias }}
        on {% for key in left_key %}{{ right_alias }}.asof_left_{{ key }} = {{ left_alias }}.{{ key }}{{ ' and ' if not loop.last }}{% endfor %}
{%- endmacro %}
