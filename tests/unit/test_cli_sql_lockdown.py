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


# --- output formats (issue 20) --------------------------------------------------------------------

RICH_QUERY = "select * from marts.rich order by k"


@pytest.fixture
def rich(home: Path) -> Path:
    """A mart whose values need care in every format: nulls, commas, quotes, a pipe, a newline,
    dates, timestamps with a zone, decimals, NaN."""
    with duckdb.connect(str(home / "serving.duckdb")) as con:
        con.execute(
            """
            create table marts.rich as select * from (values
                (1, 'plain', date '2024-01-02', timestamptz '2024-01-05 20:30:00+00', 1.25::decimal(10,2), 0.5::double, 10::bigint),
                (2, 'comma, "quote" | pipe', date '2024-01-03', null, -3.50::decimal(10,2), 'nan'::double, -2::bigint),
                (3, e'two\nlines', null, timestamptz '2024-01-06 00:00:00+00', null, null, null)
            ) t(k, label, day, seen_at, amount, share, n)
            """
        )
    return home


def expected_rows() -> tuple[list[str], list[tuple]]:
    """The query's result as DuckDB returns it (the rich fixture's file, read independently)."""
    import os

    with duckdb.connect(os.environ["ROTATION_HOME"] + "/serving.duckdb", read_only=True) as con:
        cursor = con.execute(RICH_QUERY)
        return [d[0] for d in cursor.description], cursor.fetchall()


def test_sql_csv_parses_and_equals_the_query_result(rich, capsys):
    import csv
    import io
    import math

    import pandas as pd

    assert cli.main(["sql", "--format", "csv", RICH_QUERY]) == 0
    out = capsys.readouterr().out
    columns, rows = expected_rows()
    parsed = list(csv.reader(io.StringIO(out)))
    assert parsed[0] == columns
    assert len(parsed) == len(rows) + 1
    frame = pd.read_csv(io.StringIO(out), parse_dates=["day", "seen_at"])
    assert list(frame.columns) == columns
    for (_, got), want in zip(frame.iterrows(), rows, strict=True):
        for column, value in zip(columns, want, strict=True):
            seen = got[column]
            if value is None or (isinstance(value, float) and math.isnan(value)):
                assert pd.isna(seen), (column, seen)
            elif column in ("day", "seen_at"):
                assert pd.Timestamp(seen) == pd.Timestamp(value), (column, seen, value)
            elif column == "amount":
                assert float(seen) == float(value)
            else:
                assert seen == value, (column, seen, value)


def test_sql_json_parses_to_one_object_per_row(rich, capsys):
    import datetime as dt
    import json
    import math

    assert cli.main(["sql", "-f", "json", RICH_QUERY]) == 0
    records = json.loads(capsys.readouterr().out)
    columns, rows = expected_rows()
    assert [list(r) for r in records] == [columns] * len(rows)

    def as_json(value):
        if isinstance(value, float) and math.isnan(value):
            return None
        if isinstance(value, dt.date):
            return value.isoformat()
        return float(value) if type(value).__name__ == "Decimal" else value

    assert records == [{c: as_json(v) for c, v in zip(columns, row, strict=True)} for row in rows]
    assert cli.main(["sql", "-f", "json", "select * from marts.rich where false"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_sql_markdown_has_a_header_row_and_a_row_per_result_row(rich, capsys):
    assert cli.main(["sql", "--format", "markdown", RICH_QUERY]) == 0
    lines = capsys.readouterr().out.splitlines()
    columns, rows = expected_rows()
    assert lines[0] == "| " + " | ".join(columns) + " |"
    assert lines[1] == "|---:|---|---|---|---:|---:|---:|", "numbers right-aligned"
    assert len(lines) == 2 + len(rows), "a newline in a value stays in its row"
    assert lines[3] == '| 2 | comma, "quote" \\| pipe | 2024-01-03 |  | -3.50 | nan | -2 |'


def test_sql_output_writes_the_file_and_prints_nothing(rich, capsys, tmp_path):
    target = tmp_path / "out.csv"
    assert cli.main(["sql", "--format", "csv", "--output", str(target), RICH_QUERY]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == f"wrote {target} (3 rows, csv)"
    assert cli.main(["sql", "--format", "csv", RICH_QUERY]) == 0
    assert target.read_text() == capsys.readouterr().out
    assert cli.main(["sql", "-o", str(tmp_path / "box.txt"), RICH_QUERY]) == 0
    assert "plain" in (tmp_path / "box.txt").read_text() and "┌" in (tmp_path / "box.txt").read_text()


def test_sql_output_never_names_a_warehouse_file(home, capsys):
    serving = home / "serving.duckdb"
    before = digest(serving)
    assert cli.main(["sql", "-f", "csv", "-o", str(serving), "select 1"]) == 2
    line = error_line(capsys)
    assert line.startswith(f"error: --output {serving} is a warehouse file"), line
    assert digest(serving) == before


def test_the_read_only_refusal_names_the_file_and_is_not_an_sql_error(home, capsys):
    assert cli.main(["sql", "insert into marts.rotation_daily values (date '2024-01-03', 2.0)"]) == 1
    line = error_line(capsys)
    assert f"{home / 'serving.duckdb'} is opened read-only" in line, line
    assert "this is not an SQL error to correct" in line and "correct the SQL;" not in line, line


def test_sql_help_lists_the_formats_and_examples(capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main(["sql", "--help"])
    assert stopped.value.code == 0
    text = capsys.readouterr().out
    assert "{box,csv,json,markdown}" in text and "--output FILE" in text
    assert "examples:" in text and 'rotation sql --format csv -o positioning.csv "select' in text
