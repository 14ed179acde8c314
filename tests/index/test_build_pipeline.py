"""The build pipeline: chunking overlapped with embedding gives exactly what
chunking then embedding one text at a time would give."""

import numpy as np
import pytest

from rag.index.builder import chunk_and_embed, chunk_articles, embedding_text
from rag.ingest.articles import Article
from rag.models.embedding import batches_longest_first, encode_longest_first
from rag.settings import Settings


def _articles(n):
    return [Article(id=f"a{i}", title=f"Title {i}",
                    text=" ".join(f"Sentence {j} of article {i} about topic{i % 7}." * (1 + j % 3)
                                  for j in range(5 + i % 40)))
            for i in range(n)]


def test_overlapped_chunking_and_embedding_keeps_chunk_order_and_pairs_each_vector_with_its_chunk(
        fake_embedder):
    settings = Settings().replace(chunk_tokens=40, chunk_overlap_tokens=10, embed_batch_size=4)
    articles = _articles(60)   # several waves of 32 * 4 chunks
    chunks, vectors = chunk_and_embed(fake_embedder, articles, settings)
    assert chunks == chunk_articles(articles, settings)
    by_id = {a.id: a for a in articles}
    expected = np.vstack([fake_embedder.encode([embedding_text(by_id[c.article_id], c)])
                          for c in chunks])
    np.testing.assert_allclose(vectors, expected, atol=1e-6)


def test_batches_hold_texts_of_similar_length(fake_embedder):
    seen = []

    class Recording(type(fake_embedder)):
        def encode(self, texts, *, progress=False):
            seen.append([len(t) for t in texts])
            return super().encode(texts)

    settings = Settings().replace(chunk_tokens=40, chunk_overlap_tokens=10, embed_batch_size=8)
    chunks, _ = chunk_and_embed(Recording(), _articles(12), settings)
    assert len(chunks) < 32 * 8 and len(seen) > 3          # one wave, several batches
    flat = [n for batch in seen for n in batch]
    assert flat == sorted(flat, reverse=True)              # longest first, neighbours together


def test_a_chunking_error_reaches_the_caller(fake_embedder):
    settings = Settings().replace(chunk_tokens=40, chunk_overlap_tokens=50)  # invalid
    with pytest.raises(ValueError, match="overlap"):
        chunk_and_embed(fake_embedder, _articles(3), settings)


def test_batches_are_grouped_by_the_models_tokens_not_characters(fake_embedder):
    """Digits and names cost more tokens per character than prose: a batch
    ordered by characters would pad short prose to a long run of figures."""
    seen = []

    class Tokens(type(fake_embedder)):
        def token_counts(self, texts):
            return [len(t.split()) for t in texts]    # one token a word

        def encode(self, texts, *, progress=False):
            seen.append(list(texts))
            return super().encode(texts)

    texts = ["1 2 3 4 5 6", "a long sentence of many characters", "x y z", "four words right here"]
    vectors = encode_longest_first(Tokens(), texts, 2)
    assert seen == [["1 2 3 4 5 6", "a long sentence of many characters"],
                    ["four words right here", "x y z"]]
    np.testing.assert_allclose(vectors, fake_embedder.encode(texts), atol=1e-6)


def test_an_embedder_that_cannot_count_tokens_is_ordered_by_characters(fake_embedder):
    assert batches_longest_first(fake_embedder, ["ab", "abcd", "a"], 2) == [[1, 0], [2]]


def test_a_batch_of_long_texts_holds_fewer_of_them():
    class Tokens:
        def token_counts(self, texts):
            return [len(t.split()) for t in texts]

    texts = ["w " * 200, "w " * 100, "w " * 30, "w " * 20, "w", "w"]
    # at most 2 texts and 2 * TOKENS_PER_TEXT = 128 tokens a batch (one text at least)
    assert batches_longest_first(Tokens(), texts, 2) == [[0], [1], [2, 3], [4, 5]]


def test_the_build_progress_bar_gets_its_total_once_everything_is_chunked(fake_embedder,
                                                                          capsys):
    settings = Settings().replace(chunk_tokens=40, chunk_overlap_tokens=10, embed_batch_size=4)
    chunks, _ = chunk_and_embed(fake_embedder, _articles(60), settings, progress=True)
    bar = capsys.readouterr().err.replace("\r", "\n").strip().splitlines()[-1]
    assert f"{len(chunks)}/{len(chunks)}" in bar     # done/total, so an ETA while it runs


def test_nothing_to_embed_shows_no_progress_bar(fake_embedder, capsys):
    chunk_and_embed(fake_embedder, [], Settings(), progress=True)
    assert capsys.readouterr().err == ""
