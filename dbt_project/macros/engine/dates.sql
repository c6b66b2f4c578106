{#- Day of the week, 0 = Sunday .. 6 = Saturday (DuckDB's extract(dow)). Spark's extract(dow) and
    dayofweek() count 1 = Sunday .. 7 = Saturday: the same spelling gives every day one too high
    there, silently. -#}
{% macro day_of_week(date_expression) -%}
    {{ return(adapter.dispatch('day_of_week')(date_expression)) }}
{%- endmacro %}

{% macro default__day_of_week(date_expression) -%}
    cast(extract(dow from {{ date_expression }}) as integer)
{%- endmacro %}

{% macro spark__day_of_week(date_expression) -%}
    (dayofweek({{ date_expression }}) - 1)
{%- endmacro %}


{#- The instant (a UTC timestamp) of `hours` o'clock local time in `zone` on the date
    `date_expression`: the close of a trading day as an instant, comparable with the raw tables'
    timestamps (UTC instants on both engines). -#}
{% macro local_time_on_date(date_expression, hours, zone) -%}
    {{ return(adapter.dispatch('local_time_on_date')(date_expression, hours, zone)) }}
{%- endmacro %}

{% macro default__local_time_on_date(date_expression, hours, zone) -%}
    timezone('{{ zone }}', {{ date_expression }} + interval {{ hours }} hour)
{%- endmacro %}

{#- Spark: timestamps are instants shown in the session time zone (UTC, profiles.yml);
    to_utc_timestamp reads a wall-clock time in `zone` -#}
{% macro spark__local_time_on_date(date_expression, hours, zone) -%}
    to_utc_timestamp(cast({{ date_expression }} as timestamp) + interval {{ hours }} hours, '{{ zone }}')
{%- endmacro %}
