"""Acceptance: marts.positioning on the real snapshot against an independent pandas computation
from the CFTC text files (read here with plain pandas, deduplicated on report date and code)."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

pytestmark = [pytest.mark.acceptance, pytest.mark.slow]

MARKETS = {"239742": "Russell 2000 E-mini", "209742": "Nasdaq-100 E-mini", "13874A": "S&P 500 E-mini"}
GROUPS = {
    "dealer": "Dealer",
    "asset_manager": "Asset_Mgr",
    "leveraged_funds": "Lev_Money",
    "other_reportables": "Other_Rept",
}
WINDOW = 156


def read_reports(snapshot_dir) -> pd.DataFrame:
    frames = []
    for path in sorted((snapshot_dir / "cftc").glob("FinFut*.txt")):
        df = pd.read_csv(path, dtype={"CFTC_Contract_Market_Code": str}, skipinitialspace=True)
        df["code"] = df["CFTC_Contract_Market_Code"].str.strip()
        frames.append(df[df["code"].isin(MARKETS)])
    reports = pd.concat(frames).drop_duplicates(["Report_Date_as_YYYY-MM-DD", "code"], keep="last")
    reports["report_date"] = pd.to_datetime(reports["Report_Date_as_YYYY-MM-DD"])
    return reports.sort_values(["code", "report_date"])


def expected_positioning(snapshot_dir) -> pd.DataFrame:
    reports = read_reports(snapshot_dir)
    rows = []
    for group, prefix in GROUPS.items():
        rows.append(
            pd.DataFrame(
                {
                    "report_date": reports["report_date"],
                    "market": reports["code"].map(MARKETS),
                    "trader_group": group,
                    "long": reports[f"{prefix}_Positions_Long_All"].astype(float),
                    "short": reports[f"{prefix}_Positions_Short_All"].astype(float),
                    "open_interest": reports["Open_Interest_All"].astype(float),
                }
            )
        )
    rows.append(
        pd.DataFrame(
            {
                "report_date": reports["report_date"],
                "market": reports["code"].map(MARKETS),
                "trader_group": "nonreportable",
                "long": reports["NonRept_Positions_Long_All"].astype(float),
                "short": reports["NonRept_Positions_Short_All"].astype(float),
                "open_interest": reports["Open_Interest_All"].astype(float),
            }
        )
    )
    df = pd.concat(rows).sort_values(["market", "trader_group", "report_date"]).reset_index(drop=True)
    df["net"] = df["long"] - df["short"]
    df["share"] = df["net"] / df["open_interest"]
    out = []
    for _, g in df.groupby(["market", "trader_group"]):
        g = g.copy()
        monday = g["report_date"].dt.to_period("W-SUN").dt.start_time  # Monday-to-Sunday weeks
        consecutive = (monday - monday.shift()) == pd.Timedelta(days=7)
        g["net_change_1w"] = (g["net"] - g["net"].shift()).where(consecutive)
        values = g["share"].to_numpy()
        pct, z, cot = [], [], []
        for i in range(len(values)):
            if i + 1 < WINDOW:
                pct.append(np.nan), z.append(np.nan), cot.append(np.nan)
                continue
            w = values[i + 1 - WINDOW : i + 1]
            pct.append((w <= values[i]).mean())
            z.append((values[i] - w.mean()) / w.std(ddof=1))
            cot.append((values[i] - w.min()) / (w.max() - w.min()))
        g["percentile"], g["zscore"], g["cot"] = pct, z, cot
        out.append(g)
    return pd.concat(out)


@pytest.fixture(scope="module")
def mart(snapshot_warehouse):
    settings, _ = snapshot_warehouse
    with duckdb.connect(str(settings.serving_db), read_only=True) as con:
        df = con.execute("select * from marts.positioning").df()
    df["report_date"] = pd.to_datetime(df["report_date"])
    return df


def test_positioning_matches_independent_pandas(mart, snapshot_dir):
    expected = expected_positioning(snapshot_dir)
    keys = ["report_date", "market", "trader_group"]
    merged = expected.merge(mart, on=keys, how="outer", indicator=True, suffixes=("_exp", "_wh"))
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"][keys].head()
    assert len(merged) > 5_000
    np.testing.assert_allclose(merged["net_exp"], merged["net_wh"])
    np.testing.assert_allclose(merged["share"], merged["net_share_oi"], rtol=1e-12)
    for exp, wh in [
        ("net_change_1w_exp", "net_change_1w_wh"),
        ("percentile", "net_share_oi_pctrank_156r"),
        ("zscore", "net_share_oi_zscore_156r"),
        ("cot", "cot_index_156r"),
    ]:
        a, b = merged[exp].astype(float), merged[wh].astype(float)
        assert (a.isna() == b.isna()).all(), f"{wh}: null where pandas has a value or vice versa"
        np.testing.assert_allclose(b[a.notna()], a[a.notna()], rtol=1e-9, atol=1e-12, err_msg=wh)


def test_release_time_follows_the_schedule(mart):
    rut = mart[(mart["market"] == "Russell 2000 E-mini") & (mart["trader_group"] == "leveraged_funds")]
    released = rut.set_index("report_date")["available_at"]
    # 2024-07-02: July 4 (Thursday) delayed the release to Monday 2024-07-08 15:30 New York time
    assert pd.Timestamp(released.loc["2024-07-02"]).tz_convert("America/New_York") == pd.Timestamp(
        "2024-07-08 15:30", tz="America/New_York"
    )
    assert pd.Timestamp(released.loc["2024-07-16"]).tz_convert("America/New_York") == pd.Timestamp(
        "2024-07-19 15:30", tz="America/New_York"
    )


def test_the_analyst_question_of_positioning(snapshot_warehouse):
    """'Were leveraged funds short the Russell before the 2024-07-16 report, how extreme was it in its
    3-year range, and when could a trader have known?' in one query."""
    settings, _ = snapshot_warehouse
    with duckdb.connect(str(settings.serving_db), read_only=True) as con:
        row = con.execute(
            """
            select report_date, net, net_share_oi, net_share_oi_pctrank_156r, cot_index_156r, available_at
            from marts.positioning
            where market = 'Russell 2000 E-mini' and trader_group = 'leveraged_funds'
              and available_at <= timestamptz '2024-07-16 16:00:00-04:00'
            order by report_date desc limit 1
            """
        ).fetchone()
    assert str(row[0])[:10] == "2024-07-09"
    assert row[1] < 0, "leveraged funds were net short the Russell"
    assert row[3] is not None and 0 <= row[3] <= 1
