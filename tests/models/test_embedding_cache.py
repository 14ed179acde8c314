"""The vector cache: the model's own vectors, fewer model calls."""

import numpy as np

from rag.models.cache import CachedEmbedder


def test_remembered_texts_are_not_embedded_again_and_vectors_match(fake_embedder):
    cached = CachedEmbedder(fake_embedder, size=10)
    first = cached.encode(["a b", "c d", "a b"])
    assert fake_embedder.texts_encoded == 2  # duplicates embedded once
    again = cached.encode(["c d", "e f"])
    assert fake_embedder.texts_encoded == 3  # only the new text
    assert np.array_equal(again[0], first[1])
    assert np.array_equal(again, fake_embedder.encode(["c d", "e f"]))


def test_least_recently_used_texts_are_forgotten_beyond_the_size(fake_embedder):
    cached = CachedEmbedder(fake_embedder, size=2)
    cached.encode(["one"]), cached.encode(["two"]), cached.encode(["one"]), cached.encode(["three"])
    before = fake_embedder.texts_encoded
    cached.encode(["one", "three"])
    assert fake_embedder.texts_encoded == before      # both kept
    cached.encode(["two"])
    assert fake_embedder.texts_encoded == before + 1  # "two" was evicted


def test_size_zero_turns_the_memory_off(fake_embedder):
    cached = CachedEmbedder(fake_embedder, size=0)
    cached.encode(["x"]), cached.encode(["x"])
    assert fake_embedder.texts_encoded == 2 and cached.in_memory == 0


def test_disk_cache_serves_a_new_process_without_embedding_again(fake_embedder, tmp_path):
    first = CachedEmbedder(fake_embedder, cache_dir=tmp_path).encode(["a b", "c d"])
    assert fake_embedder.texts_encoded == 2
    reopened = CachedEmbedder(fake_embedder, cache_dir=tmp_path)  # as a later run would
    again = reopened.encode(["c d", "a b", "e f"])
    assert fake_embedder.texts_encoded == 3  # only "e f" is new
    assert (reopened.hits, reopened.misses) == (2, 1)
    assert np.array_equal(again[:2], first[::-1])


def test_memory_and_disk_together_keep_fresh_vectors_on_disk_and_serve_the_models_vectors(
        fake_embedder, tmp_path):
    CachedEmbedder(fake_embedder, cache_dir=tmp_path).encode(["a b"])
    both = CachedEmbedder(fake_embedder, size=10, cache_dir=tmp_path)
    first = both.encode(["a b", "c d"])
    assert fake_embedder.texts_encoded == 2 and both.in_memory == 2  # "a b" came from disk
    CachedEmbedder(fake_embedder, cache_dir=tmp_path).encode(["c d"])
    assert fake_embedder.texts_encoded == 2                      # "c d" was written there
    assert np.array_equal(first, fake_embedder.encode(["a b", "c d"]))


def test_a_build_through_the_cache_batches_by_the_models_token_counts(fake_embedder):
    from rag.models.embedding import batches_longest_first

    class Counting(type(fake_embedder)):
        def token_counts(self, texts):          # "7 7" reads as seven tokens, "aaaaaaaaa" one
            return [int(t.split()[0]) if t[0].isdigit() else 1 for t in texts]

    texts = ["aaaaaaaaaaaa", "7 7", "2 x", "3 yy"]
    cached = CachedEmbedder(Counting())
    assert batches_longest_first(cached, texts, 2) == [[1, 3], [2, 0]]
    assert CachedEmbedder(fake_embedder).token_counts is None     # by characters then
