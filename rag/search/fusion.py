"""Combining ranked lists from several retrievers into one score per passage.

Two ways, both over ``{item: score}`` maps from each retriever:

* :func:`reciprocal_rank_fusion` (RRF): ``sum 1 / (k + rank)``; ignores the
  scores themselves, so it needs no calibration but throws away how *much*
  better the first result is than the tenth.
* :func:`convex_fusion`: each list's scores min-max normalised to 0..1 over
  its candidates, then a weighted sum. An item missing from a list gets that
  list's floor (0). On our dev sets this beats RRF (docs/retrieval.md),
  because a BM25 score far above the rest is strong evidence RRF
  cannot see.
"""

from __future__ import annotations

from typing import Hashable, Mapping, Sequence, TypeVar

__all__ = ["min_max", "convex_fusion", "reciprocal_rank_fusion"]

K = TypeVar("K", bound=Hashable)


def min_max(scores: Mapping[K, float]) -> dict[K, float]:
    """Scores rescaled to 0..1 (all 1.0 when every score is the same)."""
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    if high <= low:
        return {key: 1.0 for key in scores}
    return {key: (value - low) / (high - low) for key, value in scores.items()}


def convex_fusion(lists: Sequence[Mapping[K, float]], weights: Sequence[float]) -> dict[K, float]:
    """``sum_i weight_i * min_max(list_i)[item]``, missing items scoring 0."""
    fused: dict[K, float] = {}
    for scores, weight in zip(lists, weights):
        for key, value in min_max(scores).items():
            fused[key] = fused.get(key, 0.0) + weight * value
    return fused


def reciprocal_rank_fusion(lists: Sequence[Mapping[K, float]], k: int = 60) -> dict[K, float]:
    """``sum_i 1 / (k + rank_i(item))`` with ranks from 1, best score first."""
    fused: dict[K, float] = {}
    for scores in lists:
        ranked = sorted(scores, key=lambda key: -scores[key])
        for rank, key in enumerate(ranked, 1):
            fused[key] = fused.get(key, 0.0) + 1.0 / (k + rank)
    return fused
