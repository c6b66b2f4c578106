{#- Before any model runs (on-run-start): the raw tables the models read, registered over the lake
    warehouse/lake.py writes (<ROTATION_LAKE_DIR>/raw/<table>/month=YYYY-MM/*.parquet) as external
    Parquet tables, re-registered on every run so a new export's columns and months are seen.
    Only Spark reads the lake: DuckDB reads raw.* in its build file, so its version does nothing. -#}
{% macro register_raw_lake() %}
    {{ return(adapter.dispatch('register_raw_lake')()) }}
{% endmacro %}

{% macro default__register_raw_lake() %}
{% endmacro %}

{% macro spark__register_raw_lake() %}
    {%- if execute -%}
        {%- set lake = env_var('ROTATION_LAKE_DIR', '../warehouse/lake') -%}
        {#- the raw sources, and raw.loads (read by macros/engine/incremental.sql) -#}
        {%- set tables = ['loads'] -%}
        {%- for source in graph.sources.values() if source.source_name == 'raw' -%}
            {%- do tables.append(source.name) -%}
        {%- endfor -%}
        {%- do run_query('create schema if not exists raw') -%}
        {%- for table in tables | unique -%}
            {%- do run_query('drop table if exists raw.' ~ table) -%}
            {%- do run_query("create table raw." ~ table ~ " using parquet location '" ~ lake ~ "/raw/" ~ table ~ "'") -%}
            {%- if 'month' in run_query('describe table raw.' ~ table).columns[0].values() -%}
                {%- do run_query('msck repair table raw.' ~ table) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}
