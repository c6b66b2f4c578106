-- The dated short-rate futures strip (reference.rate_futures_contracts): per trading date and dated
-- contract, the implied rate 100 − close in percent, with the contract's reference period. The
-- deferred fed funds months (ZQ) price the FOMC meetings after the current month in front_end_rates;
-- SR3 contracts give the 3-month SOFR strip. Point in time as the continuous front month: the close
-- of date D (a final bar: partial bars never reach staging) is known at D's CME session end. A
-- contract has no row after its last trading day, and a day without its bar has no row (never
-- forward-filled). A stale quote (volume 0 repeating the previous close) keeps its value, as the
-- front month's level does, and is flagged.
--
-- Live-only upstream: on the shared snapshot and wherever no contract was loaded this is empty.

with contracts as (
    select symbol, root, contract_month, reference_start, reference_end, last_trade_date
    from {{ ref('rate_futures_contracts') }}
),

prices as (
    select
        symbol,
        date,
        close,
        coalesce(
            volume = 0 and close = lag(close) over (partition by symbol order by date),
            false
        ) as is_stale
    from {{ ref('stg_yahoo__prices') }}
    where close is not null
      and symbol in (select symbol from contracts)
),

final as (
    select
        prices.date,
        contracts.root,
        contracts.symbol,
        contracts.contract_month,
        contracts.reference_start,
        contracts.reference_end,
        100 - prices.close as implied_rate,
        prices.is_stale
    from prices
    inner join contracts
        on contracts.symbol = prices.symbol
        and prices.date <= contracts.last_trade_date
)

select * from final
