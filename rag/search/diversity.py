"""Keeping the top k varied: near-duplicate passages and per-article caps.

The same wire story is often syndicated across outlets, and neighbouring
chunks of one article share their overlap sentences; without care they crowd
the few passages a reader (or the answerer) sees. A passage counts as a
near-duplicate of one already chosen when most of the shorter one's word
3-grams also occur in the other (containment, so a short tail chunk that
repeats its predecessor's overlap also counts).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable, Iterable, TypeVar

__all__ = ["shingles", "containment", "diversify"]

T = TypeVar("T")
_WORD = re.compile(r"\w+")


@lru_cache(maxsize=2048)
def shingles(text: str, n: int = 3) -> frozenset[tuple[str, ...]]:
    """The set of lower-cased word ``n``-grams of ``text`` (its words if shorter).
    The latest few thousand are remembered: every search compares its top
    passages, and the same passages come back for many questions."""
    words = _WORD.findall(text.lower())
    if len(words) < n:
        return frozenset([tuple(words)]) if words else frozenset()
    return frozenset(zip(*(words[i:] for i in range(n))))


def containment(a: frozenset, b: frozenset) -> float:
    """Share of the smaller shingle set that also occurs in the other (0..1)."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def diversify(ranked: Iterable[T], k: int, *, text: Callable[[T], str],
              group: Callable[[T], str], duplicate_above: float = 0.8,
              max_per_group: int = 0) -> list[T]:
    """The first ``k`` items of ``ranked`` that are not near-duplicates of an
    earlier choice (containment above ``duplicate_above``; ``>= 1`` turns the
    check off) and whose group (article) has fewer than ``max_per_group``
    chosen items (``0`` means no cap)."""
    chosen: list[T] = []
    kept: list[frozenset] = []                # shingles of each chosen passage
    per_group: dict[str, int] = {}
    for item in ranked:
        if len(chosen) >= k:
            break
        key = group(item)
        if max_per_group and per_group.get(key, 0) >= max_per_group:
            continue
        if duplicate_above < 1:
            grams = shingles(text(item))
            if any(containment(grams, other) > duplicate_above for other in kept):
                continue
            kept.append(grams)
        per_group[key] = per_group.get(key, 0) + 1
        chosen.append(item)
    return chosen
