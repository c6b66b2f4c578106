{#- Schemas are named exactly as configured (staging, intermediate, marts, reference), without the
    target-schema prefix dbt adds by default: analysts and BI tools query marts.<table>. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
