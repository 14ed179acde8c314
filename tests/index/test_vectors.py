"""The vector index type follows the collection size, and approximate search
agrees with exact search."""

import faiss
import numpy as np
from rag_bench.scale import synthetic_queries, synthetic_vectors

from rag.engine import Engine
from rag.index import store
from rag.index.vectors import (
    QuantisedSearch,
    VectorIndexPolicy,
    build_vector_index,
    index_type,
    index_vectors,
    needs_rebuild,
    search_vectors,
)
from rag.settings import Settings

SMALL = VectorIndexPolicy(flat_max=500, nprobe=16)


def _exact(vectors, queries, k):
    return faiss.knn(queries, vectors, k, metric=faiss.METRIC_INNER_PRODUCT)[1]


def test_small_collections_get_exact_search_with_identical_results():
    vectors = synthetic_vectors(500, 64, seed=5)
    queries = synthetic_queries(vectors, 20)
    index = build_vector_index(vectors, np.arange(500), SMALL)
    assert index_type(index) == "flat"
    np.testing.assert_array_equal(search_vectors(index, queries, 10)[1],
                                  _exact(vectors, queries, 10))


def test_collections_above_the_threshold_get_ivf_that_agrees_with_exact_search():
    vectors = synthetic_vectors(4000, 64, seed=5)
    queries = synthetic_queries(vectors, 50)
    ids = np.arange(4000) * 7 + 3   # chunk ids need not be positions
    index = build_vector_index(vectors, ids, SMALL)
    assert index_type(index) == "ivf-sq8"
    found = search_vectors(index, queries, 10)[1]
    exact = ids[_exact(vectors, queries, 10)]
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, exact)])
    assert recall >= 0.9
    assert np.mean(found[:, 0] == exact[:, 0]) >= 0.9


def test_every_vector_of_an_ivf_index_can_be_recovered_for_a_rebuild():
    vectors = synthetic_vectors(2000, 64, seed=6)
    ids = np.arange(2000) + 100
    recovered, recovered_ids = index_vectors(build_vector_index(vectors, ids, SMALL))
    order = np.argsort(recovered_ids)
    np.testing.assert_array_equal(recovered_ids[order], ids)
    assert np.abs(recovered[order] - vectors).max() < 0.02   # 8-bit quantisation error


def test_rebuild_is_needed_when_the_collection_crosses_the_threshold_or_outgrows_ivf():
    flat = build_vector_index(synthetic_vectors(400, 32), np.arange(400), SMALL)
    assert not needs_rebuild(flat, 450, SMALL)
    assert needs_rebuild(flat, 501, SMALL)
    ivf = build_vector_index(synthetic_vectors(2000, 32), np.arange(2000), SMALL)
    assert not needs_rebuild(ivf, 2500, SMALL)
    assert needs_rebuild(ivf, 400, SMALL)
    assert needs_rebuild(ivf, 100_000, SMALL)


def test_the_8_bit_search_of_a_flat_index_returns_the_exact_ids_scores_and_order():
    vectors = synthetic_vectors(6000, 64, seed=7)
    queries = synthetic_queries(vectors, 40)
    ids = np.arange(6000) * 3 + 11
    index = build_vector_index(vectors, ids, VectorIndexPolicy(flat_max=10_000))
    exact_scores, exact_ids = search_vectors(index, queries, 20)
    scores, found = QuantisedSearch(index).search(queries, 20)
    np.testing.assert_array_equal(found, exact_ids)
    np.testing.assert_allclose(scores, exact_scores, rtol=1e-5, atol=1e-6)
    # Much of the index, or more than it holds (a filtered search): the flat search's own.
    for k in (1000, 7000):
        np.testing.assert_array_equal(QuantisedSearch(index).search(queries[:2], k)[1],
                                      search_vectors(index, queries[:2], k)[1])


def test_the_8_bit_search_scores_a_question_as_the_flat_index_does_to_the_bit():
    vectors = synthetic_vectors(6000, 384, seed=5)
    index = build_vector_index(vectors, np.arange(6000), VectorIndexPolicy(flat_max=10_000))
    quantised = QuantisedSearch(index)
    for query in synthetic_queries(vectors, 10):      # one at a time, as a question searches
        exact_scores, exact_ids = search_vectors(index, query[None], 50)
        scores, found = quantised.search(query[None], 50)
        np.testing.assert_array_equal(scores, exact_scores)
        np.testing.assert_array_equal(found, exact_ids)


def test_the_8_bit_search_orders_equal_scores_as_the_flat_index_does():
    # Eighths: every inner product is exact, so many passages score exactly alike.
    rng = np.random.default_rng(0)
    vectors = (rng.integers(-4, 5, (6000, 64)) / 8).astype(np.float32)
    vectors[[10, 900, 3000, 4500, 5990]] = vectors[7]          # duplicated passages
    queries = np.vstack([vectors[7], rng.integers(-4, 5, (30, 64)) / 8]).astype(np.float32)
    index = build_vector_index(vectors, np.arange(6000) * 3 + 11,
                               VectorIndexPolicy(flat_max=10_000))
    quantised = QuantisedSearch(index)
    for query in queries:
        exact_scores, exact_ids = search_vectors(index, query[None], 21)
        scores, found = quantised.search(query[None], 20)
        np.testing.assert_array_equal(scores, exact_scores[:, :20])
        if exact_scores[0, 19] > exact_scores[0, 20]:      # the 20 kept are not a choice
            np.testing.assert_array_equal(found, exact_ids[:, :20])
    for k in (2, 3, 6):                         # the duplicates at the k-th place too
        np.testing.assert_array_equal(quantised.search(vectors[7:8], k)[1],
                                      search_vectors(index, vectors[7:8], k)[1])


def test_the_8_bit_search_of_an_index_changed_in_place_is_the_exact_search():
    vectors = synthetic_vectors(6000, 64, seed=7)
    queries = synthetic_queries(vectors, 5)
    index = build_vector_index(vectors, np.arange(6000), VectorIndexPolicy(flat_max=10_000))
    quantised = QuantisedSearch(index)
    index.remove_ids(np.asarray(search_vectors(index, queries, 3)[1]).ravel())
    assert not quantised.current
    for query in queries:
        np.testing.assert_array_equal(quantised.search(query[None], 10)[1],
                                      search_vectors(index, query[None], 10)[1])


def _mayors(tmp_path, fake_embedder, write_articles) -> Engine:
    """An engine over twelve one-sentence stories, built."""
    folder = write_articles({f"s{i}.txt": f"Story {i}\n\nThe mayor of town{i} spoke."
                             for i in range(12)})
    engine = Engine(Settings().replace(articles_dir=folder, index_dir=tmp_path / "i"),
                    fake_embedder)
    engine.build(progress=False)
    return engine


def test_a_large_flat_index_is_searched_through_its_8_bit_copy_and_a_replaced_one_anew(
        tmp_path, fake_embedder, write_articles, monkeypatch):
    engine = _mayors(tmp_path, fake_embedder, write_articles)
    stored = engine.retriever.index
    before = [h.article_id for h in engine.retrieve("mayor of town3", k=5)]
    assert stored._quantised() is None      # small: the flat index itself
    monkeypatch.setattr(store, "QUANTISED_SEARCH_FROM", 5)
    stored.faiss_index = faiss.clone_index(stored.faiss_index)
    assert isinstance(stored._quantised(), QuantisedSearch)
    assert [h.article_id for h in engine.retrieve("mayor of town3", k=5)] == before


def test_a_large_flat_index_gets_its_8_bit_copy_when_opened_and_a_question_searches_it(
        tmp_path, fake_embedder, write_articles, monkeypatch):
    engine = _mayors(tmp_path, fake_embedder, write_articles)
    monkeypatch.setattr(store, "QUANTISED_SEARCH_FROM", 5)
    engine.retriever.reload()
    stored = engine.retriever.index
    quantised = stored.quantised_search[1]      # made before any search
    assert isinstance(quantised, QuantisedSearch)
    asked = []

    class Spy:                                  # the copy, noting each search
        def search(self, queries, k):
            asked.append(k)
            return copy.search(queries, k)

    copy, quantised.copy = quantised.copy, Spy()
    query = fake_embedder.encode(["The mayor of town3 spoke."])
    scores, ids = search_vectors(stored.faiss_index, query, 1)
    assert stored.search(query, 1) == [[(stored.position[ids[0][0]], float(scores[0][0]))]]
    assert asked == [2]                          # twice the one asked for


def test_build_picks_ivf_above_the_configured_threshold_and_search_still_finds_articles(
        tmp_path, fake_embedder, write_articles):
    stories = {f"story{i:03d}.txt": f"Story {i}\n\nThe mayor of town{i} opened bridge{i} "
               f"on day{i}. Residents of town{i} celebrated." for i in range(120)}
    folder = write_articles(stories)
    exact = Engine(Settings().replace(articles_dir=folder, index_dir=tmp_path / "exact"),
                   fake_embedder)
    approx = Engine(Settings().replace(articles_dir=folder, index_dir=tmp_path / "approx",
                                       flat_index_max=50, ivf_nprobe=1000), fake_embedder)
    exact.build(progress=False)
    approx.build(progress=False)
    assert index_type(exact.retriever.index.faiss_index) == "flat"
    assert index_type(approx.retriever.index.faiss_index) == "ivf-sq8"
    for i in (3, 47, 101):
        question = f"bridge{i} town{i}"
        assert approx.retrieve(question, k=1)[0].article_id == f"story{i:03d}"
        # The fake embedder gives dozens of stories near-equal scores below the
        # first; SQ8 quantisation reorders those near-ties once hybrid retrieval
        # fetches 100 candidates, so only the first hit is compared exactly.
        got = [h.article_id for h in approx.retrieve(question, k=3)]
        want = [h.article_id for h in exact.retrieve(question, k=3)]
        assert got[0] == want[0] and len(got) == len(want) == 3


def test_incremental_build_that_crosses_the_threshold_retrains_as_ivf(
        tmp_path, fake_embedder, write_articles):
    def story(i):
        return f"Story {i}\n\nThe mayor of town{i} opened bridge{i}. Residents of town{i} cheered."

    folder = write_articles({f"s{i:03d}.txt": story(i) for i in range(40)})
    engine = Engine(Settings().replace(articles_dir=folder, index_dir=tmp_path / "idx",
                                       flat_index_max=50, ivf_nprobe=1000), fake_embedder)
    engine.build(progress=False)
    assert index_type(engine.retriever.index.faiss_index) == "flat"
    write_articles({f"s{i:03d}.txt": story(i) for i in range(40, 120)})
    summary = engine.build(progress=False)
    assert summary.chunks_embedded == 80          # still incremental
    assert index_type(engine.retriever.index.faiss_index) == "ivf-sq8"
    for i in (5, 39, 77, 119):
        assert engine.retrieve(f"bridge{i} town{i}", k=1)[0].article_id == f"s{i:03d}"
