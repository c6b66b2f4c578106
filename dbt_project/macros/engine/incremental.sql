{#
  Incremental marts: rebuild only the dates whose raw rows changed since the model last ran.

  raw.loads records, per load, the earliest date it inserted, updated or removed (changed_from).
  After each build of an incremental model, record_incremental_state() stores the newest
  raw.loads.loaded_at the model has seen (meta.incremental_state). On the next run,
  rebuild_from(systems) is the earliest changed_from of the loads of those upstream systems since
  then: the model deletes its rows from that date on and recomputes them, reading the look-back its
  rolling windows need before that date. With no recorded state (first build, --full-refresh, or a
  table built before this existed) the model is built whole.
#}

{#- meta.incremental_state, created if missing. DuckDB: the DDL as text (run as a hook, or
    prefixed to rebuild_from's query). Spark runs one statement per call, so its version runs them
    itself and returns nothing (dbt skips an empty hook); the table is partitioned by model so that
    record_incremental_state overwrites one model's row without reading the table. -#}
{% macro incremental_state_ddl() %}
    {{ return(adapter.dispatch('incremental_state_ddl')()) }}
{% endmacro %}

{% macro default__incremental_state_ddl() %}
    create schema if not exists meta;
    create table if not exists meta.incremental_state (
        model         varchar primary key,  -- the incremental model
        loads_through timestamptz,           -- newest raw.loads.loaded_at it has been built from
        built_at      timestamptz not null
    );
{% endmacro %}

{% macro spark__incremental_state_ddl() %}
    {%- if execute -%}
        {%- do run_query('create schema if not exists meta') -%}
        {%- do run_query(
            'create table if not exists meta.incremental_state '
            ~ '(loads_through timestamp, built_at timestamp, model string) using parquet partitioned by (model)'
        ) -%}
    {%- endif -%}
{% endmacro %}


{#- The date to rebuild from: none = not incremental (a fresh table); '0001-01-01' = no recorded
    state, rebuild every date; '9999-12-31' = nothing changed. -#}
{% macro rebuild_from(systems) %}
    {%- if not execute or this is none or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set query -%}
        {{ incremental_state_ddl() }}
        select
            (select count(*) from meta.incremental_state where model = '{{ this.identifier }}') as known,
            (
                select min(changed_from) from raw.loads
                where system in ({% for s in systems %}'{{ s }}'{% if not loop.last %}, {% endif %}{% endfor %})
                  and changed_from is not null
                  and loaded_at > (
                      select coalesce(max(loads_through), cast('0001-01-01 00:00:00' as timestamp))
                      from meta.incremental_state where model = '{{ this.identifier }}'
                  )
            ) as since
    {%- endset -%}
    {%- set row = run_query(query).rows[0] -%}
    {%- if row[0] == 0 -%}
        {{ return('0001-01-01') }}
    {%- endif -%}
    {{ return(row[1] | string if row[1] is not none else '9999-12-31') }}
{% endmacro %}


{#- pre_hook: delete the rows about to be recomputed (DuckDB). -#}
{% macro delete_rebuilt_dates(systems, date_column='date') %}
    {%- set since = rebuild_from(systems) -%}
    {%- if since is not none -%}
        delete from {{ this }} where {{ date_column }} >= cast('{{ since }}' as date)
    {%- endif -%}
{% endmacro %}


{#- post_hook: remember the newest load this build has seen. -#}
{% macro record_incremental_state() %}
    {{ return(adapter.dispatch('record_incremental_state')()) }}
{% endmacro %}

{% macro default__record_incremental_state() %}
    {{ incremental_state_ddl() }}
    delete from meta.incremental_state where model = '{{ this.identifier }}';
    insert into meta.incremental_state
    select '{{ this.identifier }}', (select max(loaded_at) from raw.loads), now();
{% endmacro %}

{% macro spark__record_incremental_state() %}
    {{ incremental_state_ddl() }}
    insert overwrite table meta.incremental_state partition (model = '{{ this.identifier }}')
    select (select max(loaded_at) from raw.loads), current_timestamp()
{% endmacro %}


{#- The configuration every model built this way shares (call it first in the model): an
    incremental table whose rows from rebuild_from(systems) on are deleted before the build and
    recomputed by it, and which records the loads it has seen after. A changed set of columns fails
    the build (dbt says so; `rotation run --full-refresh` rebuilds the table). -#}
{% macro incremental_by_loads(systems) %}
    {{ return(adapter.dispatch('incremental_by_loads')(systems)) }}
{% endmacro %}

{#- DuckDB: delete the rebuilt dates (pre-hook), append their recomputed rows. -#}
{% macro default__incremental_by_loads(systems) %}
    {{ config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_rebuilt_dates(" ~ systems ~ ") }}",
        post_hook="{{ record_incremental_state() }}",
    ) }}
{% endmacro %}

{#- Spark: Parquet tables take no DELETE; the table is partitioned by date and the recomputed dates'
    partitions are overwritten (insert_overwrite, dynamic partitions). A date whose rows all
    disappear keeps its old partition until a --full-refresh (rare: a removed trading day). Delta
    Lake or Iceberg would allow delete + append (or merge) on a cluster; their jars come from Maven,
    which these machines cannot reach, so they are not used here. -#}
{% macro spark__incremental_by_loads(systems) %}
    {{ config(
        materialized='incremental',
        incremental_strategy='insert_overwrite',
        file_format='parquet',
        partition_by=['date'],
        on_schema_change='fail',
        post_hook="{{ record_incremental_state() }}",
    ) }}
{% endmacro %}
