"""Finding the passages that answer a question.

The :class:`Retriever` owns the loaded index; it loads lazily on first use
(or on :meth:`warm_up`) and can be told to :meth:`reload` after a rebuild.
"""

from __future__ import annotations

import threading

from .citations import Hit, make_hit
from .embedding import Embedder
from .settings import Settings
from .store import StoredIndex, expected_config

__all__ = ["Retriever"]


class Retriever:
    def __init__(self, settings: Settings, embedder: Embedder):
        self.settings = settings
        self.embedder = embedder
        self._index: StoredIndex | None = None
        self._lock = threading.Lock()

    @property
    def index(self) -> StoredIndex:
        if self._index is None:
            with self._lock:
                if self._index is None:
                    expect = expected_config(self.settings, self.embedder.name, self.embedder.dim)
                    self._index = StoredIndex.load(self.settings.index_dir, expect)
        return self._index

    def warm_up(self) -> None:
        self.index
        self.embedder.encode(["warm up"])

    def reload(self) -> None:
        """Forget the loaded index; the next query loads the live version."""
        with self._lock:
            self._index = None

    def retrieve(self, question: str, k: int | None = None) -> list[Hit]:
        """The ``k`` passages most similar to ``question``, best first."""
        k = k or self.settings.top_k
        index = self.index
        query = self.embedder.encode([question])
        results = index.search(query, k)[0]
        return [make_hit(index.articles[index.chunks[pos].article_id], index.chunks[pos], score,
                         index.chunk_ids[pos])
                for pos, score in results]
