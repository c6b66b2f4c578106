{#- FedWatch-style probability of a 25 bp cut from an implied change in bp (negative = cut):
    −change / 25 clipped to [0, 1]; null when the change is null. -#}
{% macro cut_probability(implied_change_bp) -%}
    case
        when {{ implied_change_bp }} is not null
            then least(greatest(-{{ implied_change_bp }} / 25, 0), 1)
    end
{%- endmacro %}
