"""A BI tool reading serving.duckdb in a loop while a full build runs: never an error, never a mix.

The reader runs in its own process (as a BI tool would), opens the serving file read-only for each
query batch, and checks that the row counts it sees equal the counts recorded in the same file's
meta.build_info: one consistent published version per read.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import duckdb
import pytest

from tests.integration.conftest import run_graph

pytestmark = pytest.mark.slow

READER = textwrap.dedent(
    """
    import json, sys, time
    import duckdb

    path, out, stop = sys.argv[1], sys.argv[2], sys.argv[3]
    reads, errors = [], []
    import os

    def done():
        # The stop file names the new publish: read until it has been seen (a publish can land
        # between two reads of a slow machine), at most 30 s after the build ended.
        if not os.path.exists(stop):
            return False
        wanted = open(stop).read().strip()
        seen = bool(reads) and reads[-1]["published_at"] == wanted
        return seen or time.time() - os.path.getmtime(stop) > 30

    while not done():
        try:
            with duckdb.connect(path, read_only=True) as con:
                published_at, details = con.execute(
                    "select published_at::varchar, details::varchar from meta.build_info").fetchone()
                expected = json.loads(details)["tables"]
                seen = {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in expected}
                # an analyst's query: the latest 21-day spread of each pair against its record
                answers = con.execute(
                    "select pair, arg_max(return_spread, date), max(return_spread) "
                    "from marts.relative_performance where horizon = '21d' group by pair"
                ).fetchall()
            reads.append(
                {"published_at": published_at, "consistent": seen == expected and len(answers) > 0}
            )
        except Exception as e:  # every error is a failure of the serving contract
            errors.append(f"{type(e).__name__}: {e}")
        time.sleep(0.05)
    json.dump({"reads": reads, "errors": errors}, open(out, "w"))
    """
)


def test_reader_never_sees_an_error_or_a_half_published_file(tmp_path, built_sample_home):
    settings = built_sample_home
    out, stop = tmp_path / "reads.json", tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(settings.serving_db), str(out), str(stop)],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        second = run_graph(settings)  # a full build and publish while the reader reads
    finally:
        stop.write_text(published_at(settings.serving_db))
        _, stderr = reader.communicate(timeout=120)
    assert second.success, second.failures
    result = json.loads(out.read_text())
    assert result["errors"] == [], result["errors"][:3]
    assert len(result["reads"]) > 20, f"the reader only managed {len(result['reads'])} reads"
    assert all(r["consistent"] for r in result["reads"])
    versions = {r["published_at"] for r in result["reads"]}
    print(
        f"reader: {len(result['reads'])} reads, {len(result['errors'])} errors, versions {sorted(versions)}"
    )
    assert len(versions) == 2, f"expected reads of the old and the new publish, saw {versions}"


def published_at(serving_db) -> str:
    with duckdb.connect(str(serving_db), read_only=True) as con:
        return con.execute("select published_at::varchar from meta.build_info").fetchone()[0]
