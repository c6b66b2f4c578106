"""Great Expectations' SQL path on DuckDB: a shim for one GX bug, applied narrowly and checked.

The cause. GX 1.24's ``SqlAlchemyExecutionEngine.execute_query`` runs a query inside
``with self.get_connection() as connection:`` and returns the SQLAlchemy ``CursorResult``; its callers
(``resolve_metric_bundle`` and others) call ``.fetchall()`` on it after the connection was released
to the pool. duckdb-engine's cursor (0.17) does not keep its pending result across that release: the
late ``fetchall()`` returns ``[]``, and every metric fails with ``IndexError`` on ``res[0]``, so
every expectation of a DuckDB SQL data source fails with an exception instead of a result.
Upstream: great_expectations issue #11579 ("IndexError in resolve_metric_bundle with duckdb"), PR
#11635 (a clearer error message only), PR #12084 (a native DuckDB execution engine, open).

The shim. :func:`install` replaces ``execute_query`` with the same body that fetches the rows while
the connection is still held (``result.freeze()()``: a buffered result with the same interface:
``fetchall``, ``scalar``, ``first``, iteration). It is idempotent and refuses to patch when GX's method
is not the one it was written against (:data:`PATCHED_SOURCE_SHA256`): a GX upgrade then fails
loudly in ``tests/unit/test_gx_duckdb.py`` instead of silently running an outdated patch. When the
unpatched engine stops losing rows (the test ``test_unpatched_engine_loses_rows`` then fails), the
shim can go.

Only the DuckDB SQL data sources of this project run through it (``validate_duckdb`` in
expectations/runner.py); every other dialect behaves the same with or without it (rows fetched a
little earlier).
"""

from __future__ import annotations

import hashlib
import inspect
import textwrap

# sha256 of the source of GX's SqlAlchemyExecutionEngine.execute_query this shim replaces
# (great-expectations 1.24.1). A different source means GX changed the method: re-read it, check
# whether the bug is still there (tests/unit/test_gx_duckdb.py), then update or drop the shim.
PATCHED_SOURCE_SHA256 = "077e3cae9dcf3e18e369a98bc4407cd7e3db72b3c7f538508c80b10763d8af4e"


class GXChangedError(RuntimeError):
    """GX's patched method is not the one the shim was written for."""


def _engine_class():
    from great_expectations.execution_engine import sqlalchemy_execution_engine

    return sqlalchemy_execution_engine.SqlAlchemyExecutionEngine


def original_source_sha256() -> str:
    """The sha256 of GX's own ``execute_query`` source (the original, also after :func:`install`)."""
    cls = _engine_class()
    method = getattr(cls.execute_query, "__gx_original__", cls.execute_query)
    source = textwrap.dedent(inspect.getsource(method))
    return hashlib.sha256(source.encode()).hexdigest()


def _execute_query(self, query):
    """``SqlAlchemyExecutionEngine.execute_query``, rows fetched while the connection is held
    (expectations/gx_duckdb.py: GX issue #11579)."""
    with self.get_connection() as connection:
        return self._execute_query_with_recovery(connection, query).freeze()()


def install() -> None:
    """Patch GX's ``execute_query`` once (idempotent); refuse when GX's method changed."""
    cls = _engine_class()
    if getattr(cls.execute_query, "__gx_original__", None) is not None:
        return
    found = original_source_sha256()
    if found != PATCHED_SOURCE_SHA256:
        raise GXChangedError(
            "great_expectations' SqlAlchemyExecutionEngine.execute_query is not the method "
            f"expectations/gx_duckdb.py patches (source sha256 {found[:12]}, expected "
            f"{PATCHED_SOURCE_SHA256[:12]}): GX was upgraded — fix: check whether GX issue #11579 "
            "is fixed (tests/unit/test_gx_duckdb.py), then update PATCHED_SOURCE_SHA256 or drop the shim"
        )
    _execute_query.__gx_original__ = cls.execute_query
    cls.execute_query = _execute_query


def uninstall() -> None:
    """Restore GX's own ``execute_query`` (tests that show the bug)."""
    cls = _engine_class()
    original = getattr(cls.execute_query, "__gx_original__", None)
    if original is not None:
        cls.execute_query = original
