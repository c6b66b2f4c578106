# rotation-warehouse. The two commands of the README: `make run` and `make test` (the others: docs/operating.md).
# Both create .venv from the locked set on first use, so they work on a fresh clone.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
INSTALLED := $(VENV)/.installed
# What builds the dbt models: duckdb (default) or spark (docs/spark.md). Each engine has its own
# manifest (orchestration/dbt_project.py): target/ for DuckDB, target/spark/ for Spark; both are
# prepared, so either engine runs without a new parse and tests compare the two.
export ROTATION_ENGINE ?= duckdb
MANIFEST := dbt_project/target/manifest.json
SPARK_MANIFEST := dbt_project/target/spark/manifest.json
DBT_FILES := $(shell find dbt_project -path dbt_project/target -prune -o -type f \( -name '*.sql' -o -name '*.yml' -o -name '*.csv' \) -print)

# The warehouse (ROTATION_HOME) and, beside it, the Dagster instance that describes it (its runs and
# materializations): `make run` and `make ui` on one ROTATION_HOME share its history.
ROTATION_HOME ?= $(CURDIR)/warehouse
export DAGSTER_HOME ?= $(abspath $(ROTATION_HOME))/dagster
export PATH := $(BIN):$(PATH)
export GX_ANALYTICS_ENABLED := false
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
# One planned event per asset for a run over a range of partitions, not one per partition (docs/performance.md).
export DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS ?= true

.PHONY: help install manifest run full-refresh summary test test-fast lint format ui dbt audit lock clean
.PHONY: docs marts-doc browser bench run-spark

help:
	@echo "make run      build the whole warehouse on ROTATION_SOURCE (default: sample) and print a summary"
	@echo "make run-spark  the same with the marts built on a local Spark session (ROTATION_ENGINE=spark make run; docs/spark.md)"
	@echo "make test     run the test suite (unit, integration on sample, acceptance on the real snapshot)"
	@echo "make ui       Dagster UI on http://127.0.0.1:3000 for the warehouse at ROTATION_HOME (its instance \$$ROTATION_HOME/dagster)"
	@echo "make full-refresh  the whole build with the incremental marts rebuilt from scratch"
	@echo "make summary  print what serving.duckdb holds"
	@echo "make dbt ARGS='build --select rate_sensitivity'  run dbt by hand on the build file"
	@echo "make docs     dbt docs as one offline HTML file: \$$ROTATION_HOME/docs/index.html (needs a built warehouse)"
	@echo "make marts-doc  regenerate docs/marts.md from the marts' dbt YAML"
	@echo "make browser  install Debian's chromium for the UI test when missing (make test does this)"
	@echo "make bench    scale benchmark: 3000 tickers x 25 years cold build, one-day update, pandas and numpy references (BENCH_ARGS='--tickers 300')"
	@echo "make lint     ruff check and format check"
	@echo "make lock     re-resolve requirements.lock from pyproject.toml's pins"
	@echo "make audit    pip-audit over requirements.lock (needs PyPI's JSON API or OSV: not reachable offline)"
	@echo "make clean    remove .venv and dbt target/ (not the warehouse files nor their Dagster history)"

$(INSTALLED): requirements.lock pyproject.toml
	@test -x $(BIN)/python || { echo "creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	@$(BIN)/python -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else f"Python 3.11 required, got {sys.version}: install python3.11 or run make PYTHON=/path/to/python3.11")' \
		|| { rm -rf $(VENV); exit 1; }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

install: $(INSTALLED) $(MANIFEST) $(SPARK_MANIFEST) $(DAGSTER_HOME)/dagster.yaml

# The dbt manifests Dagster loads its dbt assets from: prepared here, never parsed at import; one per
# engine (dbt parse --target build, dbt parse --target spark: no Spark session starts).
$(MANIFEST): $(INSTALLED) $(DBT_FILES)
	ROTATION_ENGINE=duckdb $(BIN)/dagster-dbt project prepare-and-package --file orchestration/dbt_project.py
	@touch $@

$(SPARK_MANIFEST): $(INSTALLED) $(DBT_FILES)
	ROTATION_ENGINE=spark $(BIN)/dagster-dbt project prepare-and-package --file orchestration/dbt_project.py
	@touch $@

manifest: $(MANIFEST) $(SPARK_MANIFEST)

$(DAGSTER_HOME)/dagster.yaml: orchestration/dagster.yaml
	@mkdir -p $(DAGSTER_HOME)
	cp orchestration/dagster.yaml $@

run: install
	$(BIN)/rotation run

# The marts on a local Spark session (dbt-spark, method session, local[2]); ingestion, gates and
# serving as with DuckDB. Spark's files: $(ROTATION_HOME)/spark/ and the raw lake $(ROTATION_HOME)/lake/.
run-spark:
	$(MAKE) run ROTATION_ENGINE=spark

# The scale benchmark (benchmarks/run.py): prints the stage table, the ratios and the targets, writes
# .bench/<tickers>x<years>/results.json. BENCH_ARGS="--tickers 300 --years 10" for a quicker run.
BENCH_ARGS ?=
bench: install
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

full-refresh: install
	$(BIN)/rotation run --full-refresh

# dbt by hand, from inside dbt_project/ as Dagster runs it: a dbt run with another working directory
# (e.g. --project-dir dbt_project from here) leaves partial-parse state with paths that break the
# seeds of Dagster's next dbt call.
# With ROTATION_ENGINE=spark: on Spark (--target spark), Spark's files and the lake of $(ROTATION_HOME).
SPARK_DBT_ARGS := $(if $(filter spark,$(ROTATION_ENGINE)),--target spark --target-path target/spark)
dbt: install
	cd dbt_project && ROTATION_BUILD_DB=$(abspath $(ROTATION_HOME))/rotation.duckdb \
		ROTATION_SPARK_DIR=$(abspath $(ROTATION_HOME))/spark ROTATION_LAKE_DIR=$(abspath $(ROTATION_HOME))/lake \
		$(BIN)/dbt $(ARGS) --profiles-dir . $(SPARK_DBT_ARGS)

# dbt docs as one self-contained HTML file (manifest and catalog inlined, no network) from the build file
# of $(ROTATION_HOME), run from inside dbt_project/ like `make dbt`. tests/integration/test_docs_site.py
# reads DBT_DOCS from here and runs the same command (with its own --target-path).
DBT_DOCS := docs generate --static --profiles-dir .
docs: install
	@test -f $(abspath $(ROTATION_HOME))/rotation.duckdb || { echo "no build file $(abspath $(ROTATION_HOME))/rotation.duckdb: build the warehouse first (make run, same ROTATION_HOME)"; exit 1; }
	cd dbt_project && ROTATION_BUILD_DB=$(abspath $(ROTATION_HOME))/rotation.duckdb $(BIN)/dbt $(DBT_DOCS)
	@mkdir -p $(abspath $(ROTATION_HOME))/docs
	cp dbt_project/target/static_index.html $(abspath $(ROTATION_HOME))/docs/index.html
	@echo "dbt docs: $(abspath $(ROTATION_HOME))/docs/index.html (open it in a browser; works offline)"

# docs/marts.md from dbt_project/models/marts/*.yml (tests/unit/test_docs.py fails while they differ).
marts-doc: $(INSTALLED)
	$(BIN)/python docs/generate_marts_md.py

summary: install
	@$(BIN)/rotation summary

# Tests run in TEST_WORKERS processes (pytest-xdist; 0 = in this process), each test file whole on one
# worker, so a module's shared build is made once; each worker that needs the session's sample or
# snapshot build makes its own. Files are handed out in collection order (--no-loadscope-reorder):
# the Spark files (marker spark) first, so the longest files never start last (tests/conftest.py).
TEST_WORKERS ?= 2
XDIST := --dist loadfile --no-loadscope-reorder
test: install browser
	$(BIN)/python -m pytest -ra --durations=10 -n $(TEST_WORKERS) $(XDIST)

# Debian's chromium for the browser test of the Dagster UI (tests/integration/test_dagster_ui.py):
# Playwright drives it through executable_path; no browser is downloaded. Installed when missing and
# apt-get can run (root); otherwise that test is skipped with the reason.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian's chromium for the UI test"; \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null 2>&1 \
		|| echo "could not install chromium (apt-get as root): the Dagster UI test will be skipped"; }

test-fast: install
	$(BIN)/python -m pytest -ra -m "not slow and not acceptance" -n $(TEST_WORKERS) $(XDIST)

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(INSTALLED)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

ui: install
	$(BIN)/dagster dev -m orchestration.definitions -h 127.0.0.1 -p 3000

# Known vulnerabilities in the locked set. Runs in a separate venv (the audit tool is not part of
# the product) and needs a vulnerability service, which the offline CI here cannot reach; --strict
# makes a package it could not check an error, so an unreachable service never reads as clean.
audit:
	@test -x .venv-audit/bin/pip-audit || { $(PYTHON) -m venv .venv-audit && .venv-audit/bin/pip install --quiet pip-audit; }
	.venv-audit/bin/pip-audit --requirement requirements.lock --no-deps --disable-pip --strict --progress-spinner off

lock: $(INSTALLED)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	$(BIN)/python -m pip freeze --exclude-editable --disable-pip-version-check > requirements.lock
	@echo "requirements.lock: $$(wc -l < requirements.lock) packages"

clean:
	rm -rf $(VENV) .venv-audit dbt_project/target dbt_project/logs .dagster_home
