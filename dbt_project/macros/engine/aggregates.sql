{#- The product of `expression` over the window `over` (e.g. 'over w'). DuckDB has a product()
    aggregate; elsewhere it is exp(sum(ln(x)) over ...), which needs every factor > 0 (every caller
    multiplies growth factors 1 + r, r > -1) and agrees to ~1e-14 relative. -#}
{% macro window_product(expression, over) -%}
    {{ return(adapter.dispatch('window_product')(expression, over)) }}
{%- endmacro %}

{% macro default__window_product(expression, over) -%}
    exp(sum(ln({{ expression }})) {{ over }})
{%- endmacro %}

{% macro duckdb__window_product(expression, over) -%}
    product({{ expression }}) {{ over }}
{%- endmacro %}


{#- The continuous quantile `fraction` (linear interpolation between the two nearest values) of
    `expression`, usable as a windowed aggregate (call it followed by `over ...`). -#}
{% macro window_quantile(expression, fraction) -%}
    {{ return(adapter.dispatch('window_quantile')(expression, fraction)) }}
{%- endmacro %}

{% macro default__window_quantile(expression, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__window_quantile(expression, fraction) -%}
    quantile_cont({{ expression }}, {{ fraction }})
{%- endmacro %}

{% macro spark__window_quantile(expression, fraction) -%}
    percentile({{ expression }}, {{ fraction }})
{%- endmacro %}


{#- n / d, null where d is 0: DuckDB gives inf or NaN for a float divided by zero, Spark (dbt-spark
    turns ANSI mode off) NULL; with this both give NULL. -#}
{% macro safe_divide(numerator, denominator) -%}
    ({{ numerator }}) / nullif({{ denominator }}, 0)
{%- endmacro %}
