"""`rotation sql` runs a person's SQL read-only and locked down (warehouse.db.QUERY_LOCKDOWN): it can
read the published tables and nothing else. Every way out (write serving, attach and change the build
file, copy over a file, read a file of the host, install an extension, turn a setting back on) is
refused with one line saying the warehouse is read-only to `rotation sql`, and changes nothing.
`rotation summary` on a serving file that is not a DuckDB database ends with one line too.

In process (``orchestration.cli.main``) on a hand-made ROTATION_HOME; fast."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from ingestion.errors import FIX
from orchestration import cli


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ROTATION_HOME with a small serving.duckdb (one mart, meta.build_info) and a build file."""
    for name in ("ROTATION_SOURCE", "ROTATION_SNAPSHOT_DIR", "ROTATION_START_DATE"):
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("ROTATION_HOME", str(home))
    for name in ("serving.duckdb", "rotation.duckdb"):
        con = duckdb.connect(str(home / name))
        con.execute("create schema marts")
        con.execute("create table marts.rotation_daily as select date '2024-01-02' as date, 1.5 as x")
        con.execute("create schema meta")
        con.execute(
            "create table meta.build_info as select now() as published_at, 'sample' as source, "
            "true as synthetic"
        )
        con.close()
    return home


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("error: ") and lines[0].count(FIX) == 1, lines[0]
    return lines[0]


def escapes(home: Path) -> list[str]:
    build = str(home / "rotation.duckdb")
    serving = str(home / "serving.duckdb")
    return [
        "drop table marts.rotation_daily",
        "create table marts.extra as select 1 as a",
        f"attach '{build}' as b (read_only false); drop table b.marts.rotation_daily",
        f"attach '{build}' as b",
        f"copy (select 1 as a) to '{serving}'",
        f"copy (select 1 as a) to '{home / 'elsewhere.csv'}'",
        "select * from read_csv('/etc/passwd')",
        f"export database '{home / 'export'}'",
        "install httpfs",
        "load httpfs",
        "select * from 'https://example.com/x.csv'",
        "set enable_external_access = true",
        "set lock_configuration = false",
    ]


@pytest.mark.parametrize("index", range(13))
def test_sql_cannot_change_or_leave_the_warehouse(home, capsys, index):
    query = escapes(home)[index]
    before = {p.name: digest(p) for p in home.iterdir()}
    assert cli.main(["sql", query]) == 1, query
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in captured.err, captured.err
    line = lines[0]
    assert line.startswith("error: the warehouse is read-only to `rotation sql`"), line
    assert "correct the SQL" not in line, line
    assert "root:" not in captured.out + captured.err, "a host file's content must never show"
    assert {p.name: digest(p) for p in home.iterdir()} == before, f"{query} changed ROTATION_HOME"
    assert cli.main(["summary"]) == 0, "serving must stay readable"


def test_sql_still_reads_the_published_tables(home, capsys):
    assert cli.main(["sql", "select count(*) as n, max(x) as top from marts.rotation_daily"]) == 0
    out = capsys.readouterr().out
    assert "1.5" in out


def test_wrong_sql_still_says_to_correct_it(home, capsys):
    assert cli.main(["sql", "select nope from marts.rotation_daily"]) == 1
    line = error_line(capsys)
    assert line.startswith("error: the query failed: Binder Error") and "correct the SQL" in line


@pytest.mark.parametrize("content", [b"not a database\n", b""], ids=["text", "empty"])
@pytest.mark.parametrize("command", [["summary"], ["sql", "select 1"]])
def test_a_serving_file_that_is_not_duckdb_ends_with_one_line(home, capsys, command, content):
    serving = home / "serving.duckdb"
    serving.write_bytes(content)
    assert cli.main(command) == 1
    line = error_line(capsys)
    assert line.startswith(f"error: {serving} is not a DuckDB database"), line
    assert "run `make run`" in line
    assert serving.read_bytes() == content
