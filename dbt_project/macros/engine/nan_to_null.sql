{#- Statistical aggregates return NaN where a window has no variance on DuckDB (NULL on most other
    engines). Marts store NULL for "undefined", so analysts filter with `is null` everywhere. -#}
{% macro nan_to_null(expression) -%}
    {{ return(adapter.dispatch('nan_to_null')(expression)) }}
{%- endmacro %}

{% macro default__nan_to_null(expression) -%}
    case when {{ expression }} <> {{ expression }} then null else {{ expression }} end
{%- endmacro %}

{% macro duckdb__nan_to_null(expression) -%}
    case when isnan({{ expression }}) then null else {{ expression }} end
{%- endmacro %}

{#- Spark: NaN = NaN is true there (and NaN sorts above every number), so `x <> x` never holds;
    isnan() names it. -#}
{% macro spark__nan_to_null(expression) -%}
    case when isnan({{ expression }}) then null else {{ expression }} end
{%- endmacro %}
