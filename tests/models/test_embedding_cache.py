"""Embedders that remember vectors: same vectors, fewer model calls."""

import numpy as np

from rag.models.cache import CachedEmbedder, LruEmbedder


def test_remembered_texts_are_not_embedded_again_and_vectors_match(fake_embedder):
    cached = LruEmbedder(fake_embedder, size=10)
    first = cached.encode(["a b", "c d", "a b"])
    assert fake_embedder.texts_encoded == 2  # duplicates embedded once
    again = cached.encode(["c d", "e f"])
    assert fake_embedder.texts_encoded == 3  # only the new text
    assert np.array_equal(again[0], first[1])
    assert np.array_equal(again, fake_embedder.encode(["c d", "e f"]))


def test_least_recently_used_texts_are_forgotten_beyond_the_size(fake_embedder):
    cached = LruEmbedder(fake_embedder, size=2)
    cached.encode(["one"]), cached.encode(["two"]), cached.encode(["one"]), cached.encode(["three"])
    before = fake_embedder.texts_encoded
    cached.encode(["one", "three"])
    assert fake_embedder.texts_encoded == before      # both kept
    cached.encode(["two"])
    assert fake_embedder.texts_encoded == before + 1  # "two" was evicted


def test_size_zero_turns_the_memory_off(fake_embedder):
    cached = LruEmbedder(fake_embedder, size=0)
    cached.encode(["x"]), cached.encode(["x"])
    assert fake_embedder.texts_encoded == 2


def test_disk_cache_serves_a_new_process_without_embedding_again(fake_embedder, tmp_path):
    first = CachedEmbedder(fake_embedder, tmp_path).encode(["a b", "c d"])
    assert fake_embedder.texts_encoded == 2
    reopened = CachedEmbedder(fake_embedder, tmp_path)  # as a later run would
    again = reopened.encode(["c d", "a b", "e f"])
    assert fake_embedder.texts_encoded == 3  # only "e f" is new
    assert (reopened.hits, reopened.misses) == (2, 1)
    assert np.array_equal(again[:2], first[::-1])
