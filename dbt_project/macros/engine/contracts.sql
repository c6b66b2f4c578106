{#- Spark: not_null constraints of an enforced contract. dbt-spark applies them only to Delta tables
    (ALTER ... SET NOT NULL, which Parquet tables refuse) and otherwise skips them silently; here the
    built table is checked instead, and the build fails naming the column and the count of nulls.
    (DuckDB enforces them in its CREATE TABLE.) -#}
{% macro spark__persist_constraints(relation, model) %}
    {%- set contract_config = config.get('contract') -%}
    {%- if not (contract_config and contract_config.enforced) -%}
        {{ return('') }}
    {%- endif -%}
    {%- if config.get('file_format', 'delta') == 'delta' -%}
        {% do alter_table_add_constraints(relation, model.constraints) %}
        {% do alter_column_set_constraints(relation, model.columns) %}
        {{ return('') }}
    {%- endif -%}
    {%- for name, column in model.columns.items() -%}
        {%- for constraint in column.constraints if constraint.type == 'not_null' -%}
            {%- set nulls = run_query('select count(*) from ' ~ relation ~ ' where ' ~ name ~ ' is null').columns[0].values()[0] -%}
            {%- if nulls > 0 -%}
                {{ exceptions.raise_compiler_error(
                    relation ~ '.' ~ name ~ ': not_null constraint of the contract violated by ' ~ nulls ~ ' rows (expected none)'
                ) }}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
{% endmacro %}
