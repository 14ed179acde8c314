"""Fusing ranked lists: min-max normalisation, convex fusion, RRF."""

import pytest

from rag.search.fusion import convex_fusion, min_max, reciprocal_rank_fusion


def test_min_max_maps_best_to_one_and_worst_to_zero():
    assert min_max({"a": 3.0, "b": 1.0, "c": 2.0}) == {"a": 1.0, "b": 0.0, "c": 0.5}
    assert min_max({"a": 7.0, "b": 7.0}) == {"a": 1.0, "b": 1.0}
    assert min_max({}) == {}


def test_convex_fusion_weights_normalised_scores_and_missing_items_get_zero():
    dense = {"a": 0.9, "b": 0.5, "c": 0.7}          # -> a 1, b 0, c 0.5
    bm25 = {"b": 12.0, "d": 4.0, "a": 8.0}          # -> b 1, d 0, a 0.5
    fused = convex_fusion([dense, bm25], [0.6, 0.4])
    assert fused == pytest.approx({"a": 0.6 + 0.2, "b": 0.4, "c": 0.3, "d": 0.0})
    assert max(fused, key=fused.get) == "a"


def test_rrf_sums_reciprocal_ranks():
    fused = reciprocal_rank_fusion([{"a": 3, "b": 2, "c": 1}, {"b": 9, "c": 5}], k=60)
    assert fused == pytest.approx({"a": 1 / 61, "b": 1 / 62 + 1 / 61, "c": 1 / 63 + 1 / 62})
    assert sorted(fused, key=lambda x: -fused[x]) == ["b", "c", "a"]
