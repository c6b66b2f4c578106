"""An incremental mart whose columns changed since the build file was built (a new version of the
models) fails dbt with on_schema_change='fail'; the dbt step turns dbt's message into one line that
names the models and says to rebuild them (orchestration/assets/dbt.py)."""

from __future__ import annotations

from orchestration.assets.dbt import out_of_sync_message, out_of_sync_models

# dbt-duckdb 1.11's error events for such a model, as dagster-dbt puts them in its error's message
DBT_ERROR = """The dbt CLI process with command `dbt build --target build` failed with exit code `1`.
Errors parsed from dbt logs:
Failure in model relative_performance (models/marts/relative_performance.sql)
Compilation Error in model relative_performance (models/marts/relative_performance.sql)

              The source and target schemas on this incremental model are out of sync!
              They can be reconciled in several ways:
                - Re-run the incremental model with `full_refresh: True` to update the target schema.
Compilation Error in model instrument_returns (models/marts/instrument_returns.sql)
  The source and target schemas on this incremental model are out of sync!
Compilation Error in model rotation_daily (models/marts/rotation_daily.sql)
  Binder Error: Referenced column "x" not found
"""


def test_the_models_out_of_sync_are_named_and_no_other():
    assert out_of_sync_models(DBT_ERROR) == ["instrument_returns", "relative_performance"]
    assert out_of_sync_models("Compilation Error in model rotation_daily (x.sql)\n  Binder Error") == []


def test_the_message_says_what_happened_and_how_to_rebuild():
    message = out_of_sync_message(["relative_performance"])
    assert "relative_performance" in message and "earlier version" in message
    assert "make full-refresh" in message and "serving.duckdb keeps its last good publish" in message
