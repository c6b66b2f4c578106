{#- Calendar days from `since` (the first date an incremental run rebuilds, macros/engine/incremental.sql)
    to the latest date the model's table holds: how long a tail of dates the run recomputes
    (negative: only dates after the table's end; none: the table is empty). Read when the model is
    compiled, before its pre-hook deletes the rebuilt dates. A macro so that dbt unit tests can
    set it (`overrides: macros: rebuilt_tail_days: ...`). -#}
{% macro rebuilt_tail_days(since, date_column='date') %}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set query -%}
        select {{ dbt.datediff("'" ~ since ~ "'", 'max(' ~ date_column ~ ')', 'day') }} from {{ this }}
    {%- endset -%}
    {{ return(run_query(query).columns[0].values()[0]) }}
{% endmacro %}
