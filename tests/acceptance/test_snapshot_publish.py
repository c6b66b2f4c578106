"""On the real snapshot: the incremental publish and Parquet export equal a publish from scratch, and
rewrite only what changed.

The snapshot build's marts are changed the way a day's run changes them (the newest day, a late
revision of an old day, a new symbol), on a copy of the build file; after each change the publish
onto the snapshot's own serving file must equal a fresh publish, table for table, and name exactly
the years that changed. The newest year comes from the raw Yahoo file, read with pandas.
"""

from __future__ import annotations

import shutil

import duckdb

from tests.acceptance.conftest import read_yahoo_csv
from tests.integration.conftest import table_checksums
from warehouse import db


def changed_by(result: db.PublishResult) -> dict[str, str]:
    return {t: a for t, a in result.actions.items() if a != "kept"}


def years(path, sql: str) -> list[str]:
    with duckdb.connect(str(path), read_only=True) as con:
        return sorted(str(y) for (y,) in con.execute(sql).fetchall())


def test_snapshot_publish_follows_what_changed_and_equals_a_fresh_publish(
    snapshot_warehouse, snapshot_dir, tmp_path
):
    settings, _ = snapshot_warehouse
    build, serving, parquet = tmp_path / "rotation.duckdb", tmp_path / "serving.duckdb", tmp_path / "parquet"
    shutil.copyfile(settings.build_db, build)
    shutil.copyfile(settings.serving_db, serving)
    db.export_parquet(serving, parquet)

    def publish_and_compare(sql: str | None) -> tuple[db.PublishResult, list[str]]:
        if sql:
            with duckdb.connect(str(build)) as con:
                con.execute(sql)
        result = db.publish(build, serving, build_info={"source": "snapshot"})
        fresh = tmp_path / "fresh.duckdb"
        fresh.unlink(missing_ok=True)
        db.publish(build, fresh, build_info={"source": "snapshot"}, full=True)
        assert result.mode == "incremental"
        assert table_checksums(serving) == table_checksums(fresh) == table_checksums(build)
        exported = db.export_parquet(serving, parquet)
        written = sorted(str(p.relative_to(parquet)) for m in exported.values() for p in m.written)
        return result, written

    # the snapshot's own build, published again: nothing rewritten
    unchanged, written = publish_and_compare(None)
    assert changed_by(unchanged) == {} and written == []

    # the newest day of relative_performance changes: the newest year of the raw files, only
    newest = read_yahoo_csv(snapshot_dir, "^GSPC")["Date"].max()
    on_newest = f"select date from marts.relative_performance where date = '{newest.date()}'"
    assert years(build, on_newest), f"relative_performance has rows on {newest.date()}, ^GSPC's last close"
    day, written = publish_and_compare(
        f"update marts.relative_performance set horizon_days = horizon_days + 1 "
        f"where date = '{newest.date()}'"
    )
    assert changed_by(day) == {"marts.relative_performance": "parts"}
    assert day.parts == {"marts.relative_performance": [str(newest.year)]}
    assert written == [f"relative_performance/{newest.year}.parquet"]

    # a late revision of an old day of rate_sensitivity: its year only
    oldest = years(build, "select min(date) from marts.rate_sensitivity")[0][:4]
    old, written = publish_and_compare(
        "update marts.rate_sensitivity set observations = observations + 1 "
        "where date = (select min(date) from marts.rate_sensitivity)"
    )
    assert (changed_by(old), old.parts) == (
        {"marts.rate_sensitivity": "parts"},
        {"marts.rate_sensitivity": [oldest]},
    )
    assert written == [f"rate_sensitivity/{oldest}.parquet"]

    # a new symbol: one series' rows again under a new name, in every year that series has
    source = "(select min(symbol) from marts.rate_sensitivity)"
    spans = years(build, f"select distinct year(date) from marts.rate_sensitivity where symbol = {source}")
    every = years(build, "select distinct year(date) from marts.rate_sensitivity")
    new, written = publish_and_compare(
        f"insert into marts.rate_sensitivity select * replace ('NEW.SYMBOL' as symbol) "
        f"from marts.rate_sensitivity where symbol = {source}"
    )
    if spans == every:
        assert new.actions["marts.rate_sensitivity"] == "copied"
    else:
        assert new.parts == {"marts.rate_sensitivity": spans}
    assert written == [f"rate_sensitivity/{y}.parquet" for y in spans]
    assert changed_by(new).keys() == {"marts.rate_sensitivity"}
