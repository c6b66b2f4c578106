"""The lineage reads left to right: serving's edges come from the marts, not from every seed."""

from __future__ import annotations

from dagster import AssetKey

from ingestion.settings import Settings
from orchestration.definitions import build_definitions


def test_serving_depends_on_the_marts_and_reaches_every_seed_through_them(tmp_path):
    graph = build_definitions(Settings.from_env({"ROTATION_HOME": str(tmp_path)})).resolve_asset_graph()
    serving = AssetKey(["serving"])
    parents = graph.get(serving).parent_keys
    assert parents and {key.path[0] for key in parents} == {"marts"}, sorted(parents)
    ancestors = graph.upstream_key_iterator(serving)
    seeds = {key for key in graph.get_all_asset_keys() if key.path[0] == "reference"}
    assert seeds and seeds <= set(ancestors), sorted(seeds - set(ancestors))
