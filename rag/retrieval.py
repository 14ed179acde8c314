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

    def retrieve(self, question: str, k: int | None = None, *,
                 sources: list[str] | None = None, date_from: str | None = None,
                 date_to: str | None = None) -> list[Hit]:
        """The ``k`` passages most similar to ``question``, best first.

        ``sources`` keeps only articles from those outlets; ``date_from`` /
        ``date_to`` (``YYYY-MM-DD``, inclusive) keep only articles dated in the
        range (undated articles are dropped when a range is given).
        """
        k = k or self.settings.top_k
        index = self.index
        keep = _article_filter(sources, date_from, date_to)
        query = self.embedder.encode([question])
        # With a filter, rank every passage so the k best matching ones are found.
        results = index.search(query, len(index.chunks) if keep else k)[0]
        hits = []
        for pos, score in results:
            article = index.articles[index.chunks[pos].article_id]
            if keep and not keep(article):
                continue
            hits.append(make_hit(article, index.chunks[pos], score, index.chunk_ids[pos]))
            if len(hits) == k:
                break
        return hits


def _article_filter(sources, date_from, date_to):
    """A predicate on articles, or ``None`` when nothing is filtered."""
    if not (sources or date_from or date_to):
        return None
    wanted = set(sources or ())

    def keep(article) -> bool:
        if wanted and article.source not in wanted:
            return False
        if date_from or date_to:
            day = (article.date or "")[:10]  # dates may carry a time
            if not day or date_from and day < date_from or date_to and day > date_to:
                return False
        return True
    return keep
