"""Where the warehouse lives and how it is written: settings, DuckDB connections, raw loads, publish."""
