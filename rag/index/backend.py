"""Where an index lives: the backend seam between the index layer and search.

Two backends hold the same index:

* ``embedded`` (the default): the versioned directory of FAISS and BM25 files
  (:mod:`rag.index.store`, :mod:`rag.index.lexical`), searched in process;
* ``milvus``: a Milvus collection (:mod:`rag.index.milvus`), searched by a
  milvus-lite file, a Milvus server or cluster, or Zilliz Cloud.

A backend proposes *candidates* only: the ``n`` best passages by dense
(cosine) score, by BM25, and the best articles by BM25, each with the source
and date filters applied where the data lives. Everything after that (fusion,
article relevance, recency, reranking, de-duplication and the per-article
cap) is done once, for both, by :class:`rag.search.retriever.Retriever`, so
both return the same hits for the same scores.

:func:`make_index` gives the writer (build, add, remove, status) and
:func:`open_searchable` the reader of the backend chosen by ``settings.backend``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Mapping, Protocol, Sequence

import numpy as np

from ..ingest.articles import Article
from ..ingest.chunking import Chunk
from ..text.dates import given_day, parse_day
from .lexical import BM25_FILE, LexicalIndexes, top_positions
from .searchable import searchable_text
from .sentences import SENTENCES_FILE, stored_sentence_vectors
from .store import StoredIndex, expected_config, rebuild_command

__all__ = ["Filters", "Passage", "Searchable", "EmbeddedSearchable", "make_index",
           "open_searchable", "index_exists", "count_days"]

@dataclass(frozen=True)
class Filters:
    """Which articles may answer: by source (any of, case-insensitive) and by
    date range (inclusive; ISO strings or dates; articles without a date are
    left out when a range is given). A malformed date is a ``ValueError``."""

    sources: tuple[str, ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def __post_init__(self):
        # One source may be given as a plain string (not its letters).
        sources = (self.sources,) if isinstance(self.sources, str) else self.sources
        object.__setattr__(self, "sources", tuple(sources or ()))
        object.__setattr__(self, "date_from", given_day(self.date_from, "date_from"))
        object.__setattr__(self, "date_to", given_day(self.date_to, "date_to"))
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError(f"date_from {self.date_from} is after date_to {self.date_to}: "
                             "no article can match; swap them")

    def __bool__(self) -> bool:
        return bool(self.sources or self.date_from or self.date_to)

    def allows(self, article) -> bool:
        if self.sources and (article.source or "").lower() not in \
                {s.lower() for s in self.sources}:
            return False
        if self.date_from or self.date_to:
            day = parse_day(article.date)
            if day is None or (self.date_from and day < self.date_from) \
                    or (self.date_to and day > self.date_to):
                return False
        return True


@dataclass(frozen=True)
class Passage:
    """One indexed passage: its chunk id, its article (whose ``text`` may be
    empty when the backend does not hold it beside the passage) and the chunk."""

    chunk_id: int
    article: Article
    chunk: Chunk

    @property
    def searchable(self) -> str:
        """The text the passage is embedded and BM25-indexed under."""
        return searchable_text(self.article, self.chunk.text)


class Searchable(Protocol):
    """A loaded index, as the retriever searches it. Passages are named by
    chunk id; equal scores rank the lower chunk id first."""

    #: Passages in the index.
    size: int
    #: The newest publication day of any article (``None``: no article has a date).
    newest_day: dt.date | None

    def dense(self, vector: np.ndarray, n: int, filters: Filters) -> dict[int, float]:
        """Chunk id -> cosine similarity of the ``n`` passages nearest ``vector``."""

    def bm25(self, question: str, n: int, filters: Filters) -> dict[int, float]:
        """Chunk id -> BM25 score of the ``n`` best passages (positive scores only)."""

    def bm25_articles(self, question: str, n: int, filters: Filters) -> dict[str, float]:
        """Article id -> BM25 score of the ``n`` best whole articles."""

    def passages(self, ids: Iterable[int]) -> dict[int, Passage]:
        """The passages of these chunk ids (those a search above returned)."""

    def article_days(self, article_ids: Iterable[str]) -> Mapping[str, dt.date | None]:
        """Publication day of (at least) these articles."""

    def day_counts(self) -> Mapping[dt.date, int] | None:
        """How many articles each day has; ``None`` when :meth:`article_days`
        already maps every article (so the retriever may count them itself)."""

    def article(self, article_id: str) -> Article | None:
        """The full article (its ``text`` is what citation offsets point into)."""

    def articles(self) -> Iterable[Article]:
        """Every article (metadata; ``text`` may be empty), for the chat's catalog."""

    def sentence_vectors(self, texts: Sequence[str]) -> dict:
        """Text -> vector, for those of ``texts`` whose vectors the index keeps
        (sentences of its passages, :mod:`rag.index.sentences`); may be empty."""

    def warm_up(self) -> None: ...


class EmbeddedSearchable:
    """The embedded backend's reader: one loaded index version (FAISS + BM25)."""

    def __init__(self, index: StoredIndex, lexical: LexicalIndexes):
        self.index = index
        self.lexical = lexical
        self.size = len(index.chunks)
        self._days = {aid: parse_day(a.date) for aid, a in index.articles.items()}
        self.newest_day = max((d for d in self._days.values() if d is not None), default=None)

    @classmethod
    def load(cls, settings, embedder) -> "EmbeddedSearchable":
        expect = expected_config(settings, embedder.name, embedder.dim)
        index = StoredIndex.load(settings.index_dir, expect,
                                 version_files=(BM25_FILE, stored_sentence_vectors),
                                 rebuild=rebuild_command(settings))
        lexical = index.extras.get(BM25_FILE.name)
        if lexical is None:  # an index saved before BM25 was kept with it
            lexical = LexicalIndexes.build(index.articles.values(), index.chunks)
        index.prepare_search()
        return cls(index, lexical)

    def sentence_vectors(self, texts: Sequence[str]) -> dict:
        stored = self.index.extras.get(SENTENCES_FILE)   # none in an index saved before them
        return stored.lookup(texts) if stored is not None else {}

    def _allowed_articles(self, filters: Filters) -> set[str]:
        return {aid for aid, article in self.index.articles.items() if filters.allows(article)}

    def _allowed(self, filters: Filters) -> np.ndarray | None:
        """Which passages (by position) the filters allow; ``None``: all."""
        if not filters:
            return None
        ok = self._allowed_articles(filters)
        return np.fromiter((c.article_id in ok for c in self.index.chunks), dtype=bool,
                           count=len(self.index.chunks))

    def dense(self, vector: np.ndarray, n: int, filters: Filters) -> dict[int, float]:
        allowed = self._allowed(filters)
        # With a filter, search everything and keep the allowed (exact, and
        # cheap at the collection sizes a newsroom index holds).
        wanted = self.size if allowed is not None else n
        results = self.index.search(np.asarray(vector).reshape(1, -1), wanted)[0]
        if allowed is not None:
            results = [(pos, score) for pos, score in results if allowed[pos]]
        ids = self.index.chunk_ids
        return {ids[pos]: score for pos, score in results[:n]}

    def bm25(self, question: str, n: int, filters: Filters) -> dict[int, float]:
        allowed = self._allowed(filters)
        scores = self.lexical.passages.scores(question)
        if allowed is not None:
            scores = np.where(allowed, scores, 0)
        ids = self.index.chunk_ids
        return {ids[int(pos)]: float(scores[pos]) for pos in top_positions(scores, n)}

    def bm25_articles(self, question: str, n: int, filters: Filters) -> dict[str, float]:
        lexical = self.lexical
        scores = lexical.articles.scores(question)
        if filters:
            ok = self._allowed_articles(filters)
            scores = np.where([aid in ok for aid in lexical.article_ids], scores, 0)
        return {lexical.article_ids[pos]: float(scores[pos]) for pos in top_positions(scores, n)}

    def passages(self, ids: Iterable[int]) -> dict[int, Passage]:
        index = self.index
        out = {}
        for cid in ids:
            chunk = index.chunks[index.position[cid]]
            out[cid] = Passage(cid, index.articles[chunk.article_id], chunk)
        return out

    def article_days(self, article_ids=()) -> Mapping[str, dt.date | None]:
        return self._days

    def day_counts(self) -> None:
        return None

    def article(self, article_id: str) -> Article | None:
        return self.index.articles.get(article_id)

    def articles(self) -> Iterable[Article]:
        return self.index.articles.values()

    def warm_up(self) -> None:
        self.lexical.warm_up()


# ---------------------------------------------------------------------- factories
def make_index(settings, embedder=None):
    """The writer of ``settings.backend``: an :class:`~rag.index.builder.Index`."""
    if settings.backend == "milvus":
        from .milvus import MilvusIndex

        return MilvusIndex(settings, embedder)
    from .builder import Index

    return Index(settings, embedder)


def open_searchable(settings, embedder) -> Searchable:
    """The reader of ``settings.backend``, its manifest checked against the
    settings (raises :class:`~rag.index.store.IndexError_` with what to do)."""
    if settings.backend == "milvus":
        from .milvus import MilvusSearchable

        return MilvusSearchable.open(settings, embedder)
    return EmbeddedSearchable.load(settings, embedder)


def index_exists(settings) -> bool:
    """Whether the backend holds an index yet (the chat builds one when not)."""
    if settings.backend == "milvus":
        from .milvus import collection_exists

        return collection_exists(settings)
    from .store import current_version_name

    return current_version_name(settings.index_dir) is not None


def count_days(days: Iterable[dt.date | None]) -> dict[dt.date, int]:
    """Articles per publication day (undated ones left out)."""
    return dict(Counter(d for d in days if d is not None))
