"""The build pipeline: chunking overlapped with embedding gives exactly what
chunking then embedding one text at a time would give."""

import numpy as np
import pytest

from rag.index.builder import chunk_and_embed, chunk_articles, embedding_text
from rag.ingest.articles import Article
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
