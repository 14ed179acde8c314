"""Fill an embedding cache for ``rag eval news --cache DIR`` from an index already built.

``rag eval news`` builds a scratch index of news-dev; with ``--cache DIR`` it takes the
passages' vectors from DIR (``rag.models.cache``: keyed by the model's name and the exact
text embedded). Embedding news-dev's ~14,500 passages costs ~1,000 CPU seconds; an index of
the same articles built with the same settings and model already holds those vectors, so
this writes them into DIR and the evaluation re-embeds only the questions and the few
passages the index does not hold (news-dev: 22 of 14,505, those of the 22 articles a
build drops as duplicates of others, which the evaluation keeps)
(docs/performance.md, "Question-time encodes on int8"):

    python benchmarks/experiments/eval_cache.py INDEX_DIR CACHE_DIR
    rag eval news ../shared/eval/news-dev --cache CACHE_DIR --json

A passage chunked differently, or embedded under another header, is simply a miss there.
"""
import json
import sys
from pathlib import Path

import numpy as np

from rag.index.builder import embedding_text
from rag.index.store import StoredIndex, live_version
from rag.index.vectors import index_vectors
from rag.models.cache import CachedEmbedder


class IndexVectors:
    """Stands in for the index's model: the vectors the index holds for its texts."""

    def __init__(self, name: str, vectors: dict[str, np.ndarray]):
        self.name, self.dim, self._vectors = name, len(next(iter(vectors.values()))), vectors

    def encode(self, texts, *, progress: bool = False) -> np.ndarray:
        return np.vstack([self._vectors[t] for t in texts])


def main(argv: list[str]) -> None:
    if len(argv) != 2:
        raise SystemExit(__doc__)
    index_dir, cache_dir = Path(argv[0]), Path(argv[1])
    model = json.loads((live_version(index_dir) / "manifest.json").read_text())["model"]
    index = StoredIndex.load(index_dir)
    vectors, ids = index_vectors(index.faiss_index)
    by_id = dict(zip(ids.tolist(), vectors))
    texts = {embedding_text(index.articles[c.article_id], c): by_id[cid]
             for c, cid in zip(index.chunks, index.chunk_ids)}
    cache_dir.mkdir(parents=True, exist_ok=True)
    CachedEmbedder(IndexVectors(model, texts), cache_dir=cache_dir).encode(list(texts))
    print(f"{len(texts)} passage vectors of {model} written to {cache_dir}")


if __name__ == "__main__":
    main(sys.argv[1:])
