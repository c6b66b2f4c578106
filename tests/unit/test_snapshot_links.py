"""A snapshot is the files under its directory (ingestion/landing.py require_inside_snapshot).

A file that resolves outside the snapshot directory (a symbolic link to /etc/passwd, or to any file
elsewhere) is refused before it is read, in every source folder and for captured_at.csv: one
SnapshotLinkError naming the file and where it points, never a line of its content, and nothing
landed. A link that stays inside the snapshot is followed. Files of a name a source does not read are
noted by name (never silently ignored)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from ingestion import cftc_fetch, estimates_fetch, fred_fetch, french_fetch, yahoo_batch, yahoo_fetch
from ingestion.errors import FIX
from ingestion.landing import SnapshotLinkError

SECRET = "root:x:0:0:SECRET-CONTENT-LINE"

PRICE_CSV = "Date,Open,High,Low,Close,Adj Close,Volume\n2024-01-02,1,1,1,1,1,100\n"


def lands(kind: str) -> Callable[[Path, Path], object]:
    return {
        "yahoo": lambda snap, landing: yahoo_fetch.land_snapshot(snap, ["IWM", "QQQ"], landing),
        "fred": lambda snap, landing: fred_fetch.land_snapshot_fred(snap, ["DGS2"], landing),
        "cftc": lambda snap, landing: cftc_fetch.land_snapshot_cftc(snap, ["13874A"], landing),
        "french": lambda snap, landing: french_fetch.land_snapshot_french(snap, landing),
        "estimates": lambda snap, landing: estimates_fetch.land_snapshot_estimates(snap, ["AAPL"], landing),
    }[kind]


# the file of each source that is made a link, and a sibling that is a plain file
LINKED = {
    "yahoo": ("yahoo/IWM.csv", "yahoo/QQQ.csv"),
    "fred": ("fred/DGS2.csv", None),
    "cftc": ("cftc/FinFut24.txt", "cftc/FinFut23.txt"),
    "french": ("french/F-F_Research_Data_Factors_daily.CSV", None),
    "estimates": ("estimates/AAPL_2024-07-16.json", None),
    "captured_at": ("captured_at.csv", "yahoo/IWM.csv"),
}


def snapshot_with_link(tmp_path: Path, linked: str, plain: str | None) -> tuple[Path, Path]:
    snap = tmp_path / "snap"
    (snap / "yahoo").mkdir(parents=True)
    outside = tmp_path / "outside" / "passwd"
    outside.parent.mkdir()
    outside.write_text(SECRET + "\n")
    for name in (plain, "yahoo/QQQ.csv"):
        if name:
            (snap / name).parent.mkdir(parents=True, exist_ok=True)
            (snap / name).write_text(PRICE_CSV)
    (snap / linked).parent.mkdir(parents=True, exist_ok=True)
    (snap / linked).symlink_to(outside)
    return snap, outside


@pytest.mark.parametrize("kind", list(LINKED))
def test_a_link_out_of_the_snapshot_is_refused_naming_file_and_target(tmp_path, kind, caplog):
    linked, plain = LINKED[kind]
    snap, outside = snapshot_with_link(tmp_path, linked, plain)
    landing = tmp_path / "landing"
    with pytest.raises(SnapshotLinkError) as raised:
        lands("yahoo" if kind == "captured_at" else kind)(snap, landing)
    message = str(raised.value)
    assert len(message.splitlines()) == 1 and message.count(FIX) == 1, message
    assert f"snapshot file {linked} in ROTATION_SNAPSHOT_DIR={snap} points to {outside.resolve()}" in message
    assert "outside the snapshot directory" in message and "it was not read" in message
    assert "SECRET" not in message and "SECRET" not in caplog.text
    landed = [p for p in landing.rglob("*") if p.is_file()] if landing.exists() else []
    assert not any(SECRET in p.read_text(errors="replace") for p in landed), "the host file was landed"


def test_a_link_inside_the_snapshot_is_followed(tmp_path):
    snap = tmp_path / "snap"
    (snap / "yahoo" / "kept").mkdir(parents=True)
    (snap / "yahoo" / "kept" / "IWM-2024.csv").write_text(PRICE_CSV)
    (snap / "yahoo" / "IWM.csv").symlink_to(Path("kept") / "IWM-2024.csv")
    batch = yahoo_fetch.land_snapshot(snap, ["IWM"], tmp_path / "landing")
    assert [f.path.read_text() for f in batch.files] == [PRICE_CSV]


def test_a_linked_snapshot_directory_is_the_snapshot(tmp_path):
    """ROTATION_SNAPSHOT_DIR itself may be a link (a mounted or shared copy): files are judged
    against where it resolves."""
    real = tmp_path / "real"
    (real / "yahoo").mkdir(parents=True)
    (real / "yahoo" / "IWM.csv").write_text(PRICE_CSV)
    (tmp_path / "snap").symlink_to(real)
    batch = yahoo_fetch.land_snapshot(tmp_path / "snap", ["IWM"], tmp_path / "landing")
    assert len(batch.files) == 1


# unknown files are noted by name -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "plain", "stray"),
    [
        ("yahoo", "yahoo/IWM.csv", "yahoo/IWM.csv.bak"),
        ("fred", "fred/DGS2.csv", "fred/DGS2.txt"),
        ("cftc", "cftc/FinFut24.txt", "cftc/FinFutures24.csv"),
        ("cftc", "cftc/FinFut24.txt", "cftc/annual_2025.txt"),
        ("estimates", "estimates/AAPL_2024-07-16.json", "estimates/AAPL_2024-07-16.json.part"),
    ],
)
def test_a_file_of_an_unknown_name_is_noted_not_ignored(tmp_path, kind, plain, stray):
    snap = tmp_path / "snap"
    (snap / "yahoo").mkdir(parents=True)
    (snap / "yahoo" / "QQQ.csv").write_text(PRICE_CSV)
    for name in (plain, stray):
        (snap / name).parent.mkdir(parents=True, exist_ok=True)
        (snap / name).write_text(PRICE_CSV)
    batch = lands(kind)(snap, tmp_path / "landing")
    stray_name = Path(stray).name
    noted = [n for n in batch.notes if stray_name in n]
    assert noted and noted[0].startswith(f"skipped {stray_name} in {snap / Path(stray).parent}: not "), (
        batch.notes
    )
    assert "so not read" in noted[0]


def test_estimate_captures_of_other_symbols_are_noted(tmp_path):
    (tmp_path / "snap" / "estimates").mkdir(parents=True)
    for name in ("AAPL_2024-07-16.json", "ZZZZ_2024-07-16.json"):
        (tmp_path / "snap" / "estimates" / name).write_text("{}")
    batch = estimates_fetch.land_snapshot_estimates(tmp_path / "snap", ["AAPL"], tmp_path / "landing")
    assert any(n.startswith("skipped the captures of ZZZZ in ") for n in batch.notes), batch.notes
    assert batch.covers == (dt.date(2024, 7, 16), dt.date(2024, 7, 17))


def test_the_ingestion_step_fails_at_once_with_the_links_line(tmp_path):
    from dagster import Failure, build_asset_context

    from ingestion import sources
    from ingestion.settings import Settings
    from orchestration.assets.ingestion import ingest
    from warehouse import raw

    snap, outside = snapshot_with_link(tmp_path, "yahoo/IWM.csv", None)
    settings = Settings.from_env(
        {
            "ROTATION_SOURCE": "snapshot",
            "ROTATION_SNAPSHOT_DIR": str(snap),
            "ROTATION_HOME": str(tmp_path / "h"),
        }
    )
    with build_asset_context() as context, pytest.raises(Failure) as failed:
        ingest(context, settings, raw.PRICES, sources.PRICES.land, yahoo_batch.parse_batch)
    assert failed.value.allow_retries is False
    assert failed.value.description.startswith(f"snapshot file yahoo/IWM.csv in ROTATION_SNAPSHOT_DIR={snap}")
    assert "SECRET" not in failed.value.description
