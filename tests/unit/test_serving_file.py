"""serving.duckdb as clients other than this project find it (issue 20): in a storage format DuckDB
1.x reads (the header's storage version 64 to 68), read-only on disk (r--r--r--), and still replaced
atomically by the next publish, by a failed one not at all. The DuckDB 1.x client itself opens the
published sample warehouse in tests/integration/test_bi_paths.py.

Small build files made by hand, published with warehouse.db.publish; fast."""

from __future__ import annotations

import os
import stat

import duckdb
import pytest

from tests.serving_clients import READABLE_BY_1X, header_storage_version, write_attempt
from warehouse import db


def make_build(path, rows: int = 3) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists marts")
        con.execute(
            "create or replace table marts.m as "
            f"select date '2024-01-01' + i::int as date, i * 1.5 as v from range({rows}) r(i)"
        )


def rows(path) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("select count(*) from marts.m").fetchone()[0]


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_serving_file_is_in_a_storage_format_duckdb_1x_reads(tmp_path):
    build, serving = tmp_path / "rotation.duckdb", tmp_path / "serving.duckdb"
    make_build(build)
    assert header_storage_version(build) not in READABLE_BY_1X, (
        "the build file stays on DuckDB's latest format"
    )
    assert db.publish(build, serving, build_info={}).mode == "fresh"
    assert header_storage_version(serving) in READABLE_BY_1X
    make_build(build, rows=5)
    assert db.publish(build, serving, build_info={}).mode == "incremental"
    assert header_storage_version(serving) in READABLE_BY_1X, "an incremental publish keeps the format"
    assert rows(serving) == 5
    with duckdb.connect(str(serving), read_only=True) as con:
        assert db.storage_version(con) == db.SERVING_STORAGE_TAG


def published_in_latest_format(build, serving) -> None:
    """A serving file as the publish before this change left it: same tables and fingerprints,
    DuckDB 2.0's own storage format."""
    db.publish(build, serving, build_info={})
    latest = serving.with_name("latest.duckdb")
    with duckdb.connect(str(latest)) as con:
        con.execute(f"attach '{serving}' as old (read_only)")
        con.execute("copy from database old to latest")
    os.replace(latest, serving)


def test_a_serving_file_in_the_latest_format_is_replaced_by_a_fresh_one(tmp_path):
    """A serving file published before this change is in DuckDB 2.0's format, which cannot be lowered
    in place: the next publish writes a fresh file in the old format, and says why."""
    build, serving = tmp_path / "rotation.duckdb", tmp_path / "serving.duckdb"
    make_build(build)
    published_in_latest_format(build, serving)
    assert header_storage_version(serving) not in READABLE_BY_1X
    result = db.publish(build, serving, build_info={})
    assert result.mode == "fresh"
    assert result.fresh_reason.startswith("the serving file is in DuckDB storage format v2"), (
        result.fresh_reason
    )
    assert header_storage_version(serving) in READABLE_BY_1X
    assert db.publish(build, serving, build_info={}).mode == "incremental"


def test_the_serving_file_is_read_only_on_disk_and_still_replaced_by_the_next_publish(tmp_path):
    build, serving = tmp_path / "rotation.duckdb", tmp_path / "serving.duckdb"
    make_build(build)
    db.publish(build, serving, build_info={})
    assert mode(serving) == 0o444, oct(mode(serving))
    first = serving.stat().st_ino
    make_build(build, rows=7)
    db.publish(build, serving, build_info={})
    assert serving.stat().st_ino != first, "replaced by a rename, not written in place"
    assert (mode(serving), rows(serving)) == (0o444, 7)
    assert db.publish(build, serving, build_info={}, full=True).mode == "fresh"
    assert mode(serving) == 0o444
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rotation.duckdb", "serving.duckdb"]


def test_a_client_that_forgets_read_only_cannot_write_the_serving_file(tmp_path):
    build, serving = tmp_path / "rotation.duckdb", tmp_path / "serving.duckdb"
    make_build(build)
    db.publish(build, serving, build_info={})
    before = serving.read_bytes()
    attempt = write_attempt(serving)
    if attempt is None:
        pytest.skip("running as root without setpriv: root writes any file whatever its mode")
    assert attempt.returncode != 0 and "WROTE" not in attempt.stdout, attempt.stdout
    assert "Permission denied" in attempt.stderr, attempt.stderr
    assert serving.read_bytes() == before
    with duckdb.connect(str(serving), read_only=True) as con:
        assert con.execute("select count(*) from marts.m").fetchone()[0] == 3


def test_a_failed_or_killed_publish_leaves_the_read_only_file_as_it_was(tmp_path, monkeypatch):
    build, serving = tmp_path / "rotation.duckdb", tmp_path / "serving.duckdb"
    make_build(build)
    db.publish(build, serving, build_info={})
    before = serving.read_bytes()
    # killed between making its file read-only and the rename: a read-only leftover
    leftover = tmp_path / ".serving.duckdb.0123abcd.tmp"
    leftover.write_bytes(b"half a file")
    leftover.chmod(0o444)

    def rename_fails(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(db.os, "replace", rename_fails)
    make_build(build, rows=9)
    with pytest.raises(Exception, match="space"):
        db.publish(build, serving, build_info={})
    monkeypatch.undo()
    assert serving.read_bytes() == before and mode(serving) == 0o444
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rotation.duckdb", "serving.duckdb"]
    db.publish(build, serving, build_info={})
    assert (rows(serving), mode(serving)) == (9, 0o444)
