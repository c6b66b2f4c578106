"""Publish and Parquet export cost what changed, and are equal to a publish / export from scratch.

The rule (warehouse/db.py): a published table is compared part by part (by year of its DATE column
``date``, else whole) by fingerprint (row count + sum of row hashes). The incremental publish keeps
unchanged tables, rewrites the changed years of a table split by year, copies anything else whole.
Each test builds a small build file by hand, changes it as a day's run would, and checks the
incremental publish against a fresh one, table for table.
"""

from __future__ import annotations

import duckdb

from warehouse import db

YEARS = (2022, 2023, 2024)


def make_build(path) -> None:
    """marts.big (by year: date, symbol, value), marts.small (no date), marts.empty, reference.r."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts; create schema reference; create schema staging")
        con.execute("create table marts.big (date date, symbol varchar not null, v double)")
        con.execute(
            """
            insert into marts.big
            select d::date, s, round(sin(epoch(d) / 86400 + length(s)), 6)
            from range(date '2022-01-03', date '2025-01-01', interval 1 day) t(d),
                 (values ('A'), ('B')) s(s)
            where dayofweek(d) between 1 and 5
            """
        )
        con.execute("insert into marts.big values (null, 'A', 1.0)")  # a row without a date: its own part
        con.execute("create table marts.small (pair varchar, n integer)")
        con.execute("insert into marts.small values ('A/B', 1), ('A/B', 1)")  # duplicates count
        con.execute("create table marts.empty (date date, x integer)")
        con.execute("create table reference.r as select 1 as x")
        con.execute("create table staging.s as select 1 as x")


def change(path, sql: str) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute(sql)


def tables_of(path) -> dict[str, tuple[str, list]]:
    """Every published table: its DDL and its rows in order."""
    with duckdb.connect(str(path), read_only=True) as con:
        names = con.execute(
            "select schema_name, table_name, sql from duckdb_tables() "
            "where schema_name in ('marts', 'reference') order by all"
        ).fetchall()
        return {
            f"{s}.{t}": (sql, con.execute(f'select * from "{s}"."{t}" order by all').fetchall())
            for s, t, sql in names
        }


def parts_of(path) -> list:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("select * from meta.published_parts order by all").fetchall()


def assert_same_as_fresh(tmp_path, build, serving) -> None:
    fresh = tmp_path / "fresh.duckdb"
    fresh.unlink(missing_ok=True)
    db.publish(build, fresh, build_info={}, full=True)
    assert tables_of(serving) == tables_of(fresh), "the incremental publish differs from a fresh one"
    assert parts_of(serving) == parts_of(fresh)


def test_each_kind_of_change_rewrites_only_its_parts_and_equals_a_fresh_publish(tmp_path):
    build, serving = tmp_path / "rotation.duckdb", tmp_path / "serving.duckdb"
    make_build(build)
    first = db.publish(build, serving, build_info={})
    assert (first.mode, first.fresh_reason) == ("fresh", "no serving file yet")
    assert set(first.actions.values()) == {"copied"}

    steps = [
        # a new day at the end, and the newest day revised: only 2024 (as the daily run does)
        (
            "insert into marts.big values ('2024-12-31', 'C', 0.5); "
            "update marts.big set v = v + 1 where date = '2024-12-30'",
            {"marts.big": "parts"},
            {"marts.big": ["2024"]},
        ),
        # a late revision of an old day: only its year
        (
            "update marts.big set v = v * 2 where date = '2022-03-01' and symbol = 'A'",
            {"marts.big": "parts"},
            {"marts.big": ["2022"]},
        ),
        # a row moved from one year to another, and the undated row changed: three parts
        (
            "update marts.big set date = '2023-06-30' where date = '2022-06-30' and symbol = 'B'; "
            "update marts.big set v = 2.0 where date is null",
            {"marts.big": "parts"},
            {"marts.big": ["2022", "2023", "null"]},
        ),
        # a new symbol over the whole history: every part changed, the table copied whole
        (
            "insert into marts.big select date, 'NEW', v from marts.big where symbol = 'A'",
            {"marts.big": "copied"},
            {},
        ),
        # a table compared whole changes (a duplicate row removed: the count tells)
        ("delete from marts.small; insert into marts.small values ('A/B', 1)", {"marts.small": "copied"}, {}),
        # a column added (new DDL), a table gone, a new table, an empty table getting rows
        (
            "alter table reference.r add column y integer default 2; drop table marts.small; "
            "create table marts.fresh as select 1 as z; insert into marts.empty values ('2024-01-02', 1)",
            {
                "reference.r": "copied",
                "marts.small": "removed",
                "marts.fresh": "copied",
                "marts.empty": "copied",
            },
            {},
        ),
    ]
    for sql, expected, parts in steps:
        change(build, sql)
        result = db.publish(build, serving, build_info={})
        changed = {t: a for t, a in result.actions.items() if a != "kept"}
        assert result.mode == "incremental", sql
        assert (changed, result.parts) == (expected, parts), sql
        assert_same_as_fresh(tmp_path, build, serving)


def test_a_publish_of_an_unchanged_build_changes_no_table(tmp_path):
    build, serving = tmp_path / "rotation.duckdb", tmp_path / "serving.duckdb"
    make_build(build)
    db.publish(build, serving, build_info={"source": "sample"})
    with duckdb.connect(str(serving), read_only=True) as con:
        blocks = con.execute("select block_id from pragma_storage_info('marts.big') order by all").fetchall()
        first_at = con.execute("select published_at from meta.build_info").fetchone()[0]

    again = db.publish(build, serving, build_info={"source": "sample"})

    assert again.mode == "incremental"
    assert set(again.actions.values()) == {"kept"} and again.parts == {}
    assert again.tables == {t: len(rows) for t, (_, rows) in tables_of(build).items()}
    with duckdb.connect(str(serving), read_only=True) as con:
        same_blocks = con.execute(
            "select block_id from pragma_storage_info('marts.big') order by all"
        ).fetchall()
        source = con.execute("select source from meta.build_info").fetchone()[0]
    assert same_blocks == blocks, "a kept table's storage is not rewritten"
    assert source == "sample" and again.published_at >= str(first_at)[:10]
    assert_same_as_fresh(tmp_path, build, serving)


def test_a_serving_file_without_fingerprints_or_mostly_free_is_written_fresh(tmp_path, monkeypatch):
    build, serving = tmp_path / "rotation.duckdb", tmp_path / "serving.duckdb"
    make_build(build)
    db.publish(build, serving, build_info={})
    serving.chmod(0o644)  # published read-only: make it writable to change it by hand
    with duckdb.connect(str(serving)) as con:  # as a publish before fingerprints left it
        con.execute("drop table meta.published_parts")
    result = db.publish(build, serving, build_info={})
    assert (result.mode, result.fresh_reason) == (
        "fresh",
        "the serving file records no fingerprints of this recipe",
    )
    assert db.publish(build, serving, build_info={}).mode == "incremental"

    monkeypatch.setattr(db, "FINGERPRINT_RECIPE", "another recipe")  # e.g. another DuckDB version
    assert db.publish(build, serving, build_info={}).mode == "fresh"
    monkeypatch.undo()
    db.publish(build, serving, build_info={})

    monkeypatch.setattr(db, "MAX_FREE_SHARE", -1.0)  # any free share is too much: compact
    result = db.publish(build, serving, build_info={})
    assert result.mode == "fresh" and "free space" in result.fresh_reason
    monkeypatch.undo()
    assert db.publish(build, serving, build_info={}, full=True).fresh_reason == "full publish requested"
    assert_same_as_fresh(tmp_path, build, serving)


def test_repeated_daily_publishes_do_not_grow_the_file_without_bound(tmp_path):
    """Replaced years leave free blocks, which later publishes reuse; past MAX_FREE_SHARE the
    publish compacts. Twenty daily changes of one year keep the file within twice a fresh one."""
    build, serving = tmp_path / "rotation.duckdb", tmp_path / "serving.duckdb"
    make_build(build)
    change(build, "insert into marts.big select date + 1, symbol || 'x', v from marts.big, range(20)")
    db.publish(build, serving, build_info={})
    fresh_size = serving.stat().st_size
    for day in range(20):
        change(build, f"update marts.big set v = v + 1 where date = date '2024-12-02' + {day}")
        assert db.publish(build, serving, build_info={}).mode in ("incremental", "fresh")
    assert serving.stat().st_size <= 2 * fresh_size
    assert_same_as_fresh(tmp_path, build, serving)


# --- Parquet -------------------------------------------------------------------------------------


def parquet_rows(path) -> list:
    with duckdb.connect() as con:
        return con.execute("select * from read_parquet($p) order by all", {"p": str(path)}).fetchall()


def serving_rows(serving, sql: str) -> list:
    with duckdb.connect(str(serving), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_parquet_writes_the_large_marts_by_year_and_rewrites_only_changed_files(tmp_path):
    build, serving, out = tmp_path / "rotation.duckdb", tmp_path / "serving.duckdb", tmp_path / "parquet"
    make_build(build)
    db.publish(build, serving, build_info={})
    out.mkdir()
    (out / "big.parquet").write_bytes(b"the single file of the layout before")  # migrated away
    first = db.export_parquet(serving, out, by_year=("big", "small"))

    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == [
        "big",
        "big/2022.parquet",
        "big/2023.parquet",
        "big/2024.parquet",
        "big/null.parquet",
        "empty.parquet",  # no rows: one empty file, with its columns
        "small.parquet",  # no date column: one file even when asked by year
    ]
    assert first["big"].path == out / "big"
    assert first["big"].rows == len(serving_rows(serving, "select * from marts.big"))
    for year in YEARS:
        assert parquet_rows(out / "big" / f"{year}.parquet") == serving_rows(
            serving, f"select * from marts.big where year(date) = {year} order by all"
        )
    assert parquet_rows(out / "big" / "null.parquet") == [(None, "A", 1.0)]
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*.parquet")}

    change(build, "insert into marts.big values ('2024-12-31', 'C', 0.5)")
    db.publish(build, serving, build_info={})
    second = db.export_parquet(serving, out, by_year=("big", "small"))

    assert [p.name for m in second.values() for p in m.written] == ["2024.parquet"]
    changed = {p for p in out.rglob("*.parquet") if p.stat().st_mtime_ns != stamps.get(p)}
    assert changed == {out / "big" / "2024.parquet"}, "only the changed year's file is written"
    assert parquet_rows(out / "big" / "2024.parquet") == serving_rows(
        serving, "select * from marts.big where year(date) = 2024 order by all"
    )

    # a year that no longer has rows loses its file; a truncated file is written again
    change(build, "delete from marts.big where year(date) = 2022")
    db.publish(build, serving, build_info={})
    (out / "small.parquet").write_bytes(b"truncated")
    third = db.export_parquet(serving, out, by_year=("big", "small"))
    assert not (out / "big" / "2022.parquet").exists()
    assert [p.name for m in third.values() for p in m.written] == ["small.parquet"]
    assert parquet_rows(out / "small.parquet") == [("A/B", 1), ("A/B", 1)]

    # back to one file per mart: the yearly directory goes
    db.export_parquet(serving, out, by_year=())
    assert sorted(p.name for p in out.iterdir()) == ["big.parquet", "empty.parquet", "small.parquet"]
    assert parquet_rows(out / "big.parquet") == serving_rows(serving, "select * from marts.big order by all")


def test_parquet_of_a_serving_file_without_fingerprints_computes_them(tmp_path):
    """A serving file that records no fingerprints (written by hand, or before them): the export
    computes them from the tables, and still keeps files that hold the same rows."""
    serving, out = tmp_path / "serving.duckdb", tmp_path / "parquet"
    with duckdb.connect(str(serving)) as con:
        con.execute("create schema marts; create table marts.m as select 1 as x, 'a' as y")
    first = db.export_parquet(serving, out)
    again = db.export_parquet(serving, out)
    assert (first["m"].written, again["m"].kept) == ([out / "m.parquet"], [out / "m.parquet"])
    with duckdb.connect(str(serving)) as con:
        con.execute("update marts.m set y = 'b'")
    assert db.export_parquet(serving, out)["m"].written == [out / "m.parquet"]
    assert parquet_rows(out / "m.parquet") == [(1, "b")]


def test_a_copied_table_is_stored_by_year_so_a_changed_year_leaves_the_others_storage_alone(tmp_path):
    """A table split by year is copied in date order, so each year fills its own row groups; a later
    publish that replaces 2024 rewrites no row group holding only earlier years (in build order,
    every row group would hold some 2024 rows, and each would be rewritten)."""
    build, serving = tmp_path / "rotation.duckdb", tmp_path / "serving.duckdb"
    with duckdb.connect(str(build)) as con:
        con.execute("create schema marts")
        con.execute(  # three years in random order, several row groups (122,880 rows each)
            "create table marts.big as select date '2022-01-01' + (i % 1096)::int as date, i as v "
            "from range(600000) r(i) order by hash(i)"
        )

    def earlier_segments() -> set:
        with duckdb.connect(str(serving), read_only=True) as con:
            return set(
                con.execute(
                    "select row_group_id, block_id, block_offset from pragma_storage_info('marts.big') "
                    "where column_name = 'date' and segment_type = 'DATE' "
                    "and stats.max < date '2024-01-01'"
                ).fetchall()
            )

    db.publish(build, serving, build_info={})
    before = earlier_segments()
    assert before, "row groups holding only years before 2024"
    change(build, "update marts.big set v = -v where date = '2024-12-31'")
    result = db.publish(build, serving, build_info={})
    assert result.parts == {"marts.big": ["2024"]}
    assert earlier_segments() == before
    assert_same_as_fresh(tmp_path, build, serving)


def test_the_new_serving_file_is_written_under_the_memory_limit(tmp_path, monkeypatch):
    # a fresh publish sorts each table by year: without the limit DuckDB holds the largest mart in
    # memory instead of spilling (2.6 GB at 3000 x 25), past the 2 GB the warehouse keeps to
    build, serving = tmp_path / "build.duckdb", tmp_path / "serving.duckdb"
    make_build(build)
    opened = []
    connect = duckdb.connect

    def recording(database=":memory:", *args, **kwargs):
        if str(database).endswith(".tmp"):
            opened.append(kwargs.get("config", {}).get("memory_limit"))
        return connect(database, *args, **kwargs)

    monkeypatch.setattr(db.duckdb, "connect", recording)
    assert db.publish(build, serving, build_info={}).mode == "fresh"
    assert db.publish(build, serving, build_info={}).mode == "incremental"
    assert opened == [db.MEMORY_LIMIT, db.MEMORY_LIMIT]


def kv_metadata(path) -> dict[str, str]:
    with duckdb.connect() as con:
        return {
            k.decode(): v.decode()
            for k, v in con.execute(
                "select key, value from parquet_kv_metadata($p)", {"p": str(path)}
            ).fetchall()
        }


def test_parquet_files_say_whether_their_data_is_synthetic(tmp_path):
    """The sample's files carry source and synthetic in their key-value metadata, and a sentence
    saying so; a publish of another source with the same rows writes the files again, labelled."""
    build, serving, out = tmp_path / "rotation.duckdb", tmp_path / "serving.duckdb", tmp_path / "parquet"
    make_build(build)
    db.publish(build, serving, build_info={"source": "sample", "synthetic": True})
    first = db.export_parquet(serving, out)
    files = sorted(out.rglob("*.parquet"))
    assert files and all(kv_metadata(f)["rotation_synthetic"] == "true" for f in files)
    small = kv_metadata(out / "small.parquet")
    assert small["rotation_source"] == "sample"
    assert "SYNTHETIC" in small["rotation_note"] and "not market data" in small["rotation_note"]
    assert db.export_parquet(serving, out)["small"].kept == [out / "small.parquet"]

    db.publish(build, serving, build_info={"source": "snapshot", "synthetic": False})
    again = db.export_parquet(serving, out)
    assert again["small"].written == first["small"].written == [out / "small.parquet"]
    small = kv_metadata(out / "small.parquet")
    assert (small["rotation_source"], small["rotation_synthetic"]) == ("snapshot", "false")
    assert "rotation_note" not in small
    assert "rotation_fingerprint" in small
