"""The bad-input matrix: each kind of broken upstream data ends in a clear error or a failed blocking
check naming the problem; landing and raw keep what arrived; serving.duckdb is unchanged.

One good build of a small real snapshot (copied into tmp) is made once; each case copies that
warehouse, breaks one upstream file, and runs the whole graph again.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from tests.integration.conftest import file_digest, make_settings, run_graph

pytestmark = pytest.mark.slow

SYMBOLS = ["^RUT", "^GSPC", "^NDX", "IWM", "SPY", "QQQ"]
START = "2017-01-01"


@pytest.fixture(scope="module")
def good(tmp_path_factory, snapshot_dir):
    root = tmp_path_factory.mktemp("matrix")
    snap = root / "snapshot"
    (snap / "yahoo").mkdir(parents=True)
    for symbol in SYMBOLS:
        shutil.copy(snapshot_dir / "yahoo" / f"{symbol}.csv", snap / "yahoo")
    shutil.copytree(snapshot_dir / "fred", snap / "fred")
    shutil.copytree(snapshot_dir / "cftc", snap / "cftc")
    shutil.copytree(snapshot_dir / "french", snap / "french")
    settings = make_settings(root / "home", "snapshot", snap, start=START)
    run = run_graph(settings)
    assert run.success, run.failures
    return root


def lines_of(path: Path) -> list[str]:
    return path.read_text().splitlines()


def write(path: Path, lines: list[str]) -> None:
    path.write_text("\n".join(lines) + "\n")


def truncate_last_row(snap: Path) -> None:
    path = snap / "yahoo" / "IWM.csv"
    lines = lines_of(path)
    write(path, [*lines[:-1], lines[-1][:15]])


def wrong_header(snap: Path) -> None:
    path = snap / "yahoo" / "SPY.csv"
    write(path, ["Datum,Schluss,Hoch,Tief,Eroeffnung,Volumen", *lines_of(path)[1:]])


def renamed_cftc_column(snap: Path) -> None:
    path = sorted((snap / "cftc").glob("FinFut24*.txt"))[0]
    path.write_text(path.read_text().replace('"Open_Interest_All"', '"Open_Int_All"', 1))


def text_in_fred_number(snap: Path) -> None:
    path = snap / "fred" / "DGS2.csv"
    lines = lines_of(path)
    lines[-5] = lines[-5].split(",")[0] + ",4.4x"
    write(path, lines)


def duplicate_date(snap: Path) -> None:
    path = snap / "yahoo" / "QQQ.csv"
    lines = lines_of(path)
    write(path, [*lines, lines[-1]])


def negative_price(snap: Path) -> None:
    path = snap / "yahoo" / "SPY.csv"
    lines = lines_of(path)
    fields = lines[-10].split(",")
    fields[1] = "-" + fields[1]
    lines[-10] = ",".join(fields)
    write(path, lines)


def unit_jump(snap: Path) -> None:
    """The last 100 IWM bars in cents instead of dollars."""
    path = snap / "yahoo" / "IWM.csv"
    lines = lines_of(path)
    for i in range(len(lines) - 100, len(lines)):
        d, *values = lines[i].split(",")
        lines[i] = ",".join([d, *(str(float(v) * 100) for v in values[:4]), values[4]])
    write(path, lines)


def future_date(snap: Path) -> None:
    path = snap / "yahoo" / "QQQ.csv"
    lines = lines_of(path)
    write(path, [*lines, "2099-01-02," + ",".join(lines[-1].split(",")[1:])])


def empty_download(snap: Path) -> None:
    path = snap / "yahoo" / "^NDX.csv"
    write(path, lines_of(path)[:3])


def cftc_identity_broken(snap: Path) -> None:
    """Non-reportable long of the Russell on one week no longer adds up to open interest."""
    path = sorted((snap / "cftc").glob("FinFut24*.txt"))[0]
    lines = lines_of(path)
    header = [h.strip('"') for h in lines[0].split('","')]
    column = header.index("NonRept_Positions_Long_All")
    for i, line in enumerate(lines):
        if ",239742," in line and "2024-07-16" in line:
            fields = line.split(",")
            # market names are quoted and contain no commas in these files
            fields[column] = str(int(fields[column]) + 1000)
            lines[i] = ",".join(fields)
            break
    else:
        raise AssertionError("no Russell row for 2024-07-16")
    write(path, lines)


def fred_in_basis_points(snap: Path) -> None:
    path = snap / "fred" / "DGS3MO.csv"
    lines = lines_of(path)
    day = lines[-3].split(",")[0]
    lines[-3] = f"{day},543"
    write(path, lines)


def encoding_garbage(snap: Path) -> None:
    path = snap / "yahoo" / "^RUT.csv"
    path.write_bytes(path.read_bytes()[:5000] + b"\xff\xfe\x00garbage\x80\x81\n")


# case -> (break one file, "error" or the failing check, words the message must contain)
CASES: dict[str, tuple[Callable[[Path], None], str, list[str]]] = {
    "truncated file": (truncate_last_row, "error", ["IWM.csv line", "fields"]),
    "wrong header": (wrong_header, "error", ["SPY.csv line 1", "unknown header"]),
    "renamed column": (renamed_cftc_column, "error", ["FinFut24", "Open_Interest_All"]),
    "text in a number": (text_in_fred_number, "error", ["DGS2.csv line", "4.4x"]),
    "duplicate key": (duplicate_date, "error", ["QQQ.csv", "duplicate date"]),
    "negative price": (negative_price, "raw/prices:great_expectations_gate", ["prices are > 0"]),
    "100x unit jump": (unit_jump, "raw/prices:great_expectations_gate", ["factor of 3"]),
    "future date": (future_date, "raw/prices:great_expectations_gate", ["no future dates"]),
    "empty download": (empty_download, "error", ["^NDX.csv", "no data rows"]),
    "CFTC identity broken": (
        cftc_identity_broken,
        "raw/cftc_tff:great_expectations_gate",
        ["non-reportable long"],
    ),
    "FRED value in basis points": (
        fred_in_basis_points,
        "raw/fred_series:great_expectations_gate",
        ["percent"],
    ),
    "encoding garbage": (encoding_garbage, "error", ["^RUT.csv", "UTF-8"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_stopped_and_serving_is_unchanged(good, tmp_path, case):
    breaker, outcome, words = CASES[case]
    shutil.copytree(good / "snapshot", tmp_path / "snapshot")
    shutil.copytree(good / "home", tmp_path / "home")
    settings = make_settings(tmp_path / "home", "snapshot", tmp_path / "snapshot", start=START)
    serving_before = file_digest(settings.serving_db)
    landing_before = set(settings.landing_dir.rglob("*.*"))
    breaker(tmp_path / "snapshot")

    run = run_graph(settings)

    assert not run.success, f"{case}: the run succeeded"
    if outcome == "error":
        message = "\n".join(run.failures)
    else:
        assert run.checks.get(outcome) is False, f"{case}: {outcome} did not fail ({run.checks})"
        message = run.check_descriptions.get(outcome, "")
    for word in words:
        assert word in message, f"{case}: {word!r} not in {message[:500]!r}"
    assert file_digest(settings.serving_db) == serving_before, f"{case}: serving.duckdb changed"
    assert landing_before <= set(settings.landing_dir.rglob("*.*")), f"{case}: a landing file vanished"
    assert "marts/relative_performance" not in run.materialized


def test_fred_dot_values_are_missing_never_zero(good, tmp_path):
    """FRED marks a day without a value with '.': not bad input but a missing value. The run
    succeeds, raw keeps the days as nulls, and the mart neither shows a zero rate nor a change across
    the hole (the next change runs from the last published value)."""
    shutil.copytree(good / "snapshot", tmp_path / "snapshot")
    shutil.copytree(good / "home", tmp_path / "home")
    path = tmp_path / "snapshot" / "fred" / "DGS2.csv"
    lines = lines_of(path)
    dotted = [line.split(",")[0] for line in lines[-6:-1]]
    for i in range(len(lines) - 6, len(lines) - 1):
        lines[i] = lines[i].split(",")[0] + ",."
    write(path, lines)
    last_day, last_value = lines[-1].split(",")
    before_day, before_value = lines[-7].split(",")
    settings = make_settings(tmp_path / "home", "snapshot", tmp_path / "snapshot", start=START)

    run = run_graph(settings)

    assert run.success, run.failures
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        raw_values = con.execute(
            "select date::varchar, value from raw.fred_series where series_id = 'DGS2' and list_contains(?, date::varchar)",
            [dotted],
        ).fetchall()
    assert sorted(raw_values) == [(d, None) for d in sorted(dotted)]
    with duckdb.connect(str(settings.serving_db), read_only=True) as con:
        mart = con.execute(
            "select date::varchar, value, change_bp from marts.front_end_rates "
            "where rate_series = 'DGS2' and date >= ? order by date",
            [before_day],
        ).fetchall()
    # the dotted days are absent; the change on the next published day runs from the last value
    assert [m[0] for m in mart] == [before_day, last_day]
    assert mart[1][2] == pytest.approx((float(last_value) - float(before_value)) * 100)
