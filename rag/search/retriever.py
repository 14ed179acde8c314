"""Finding the passages that answer a question.

The :class:`Retriever` owns the loaded index; it loads lazily on first use
(or on :meth:`warm_up`) and can be told to :meth:`reload` after a rebuild.

A query runs in four steps:

1. **Candidates.** Dense search (cosine over the FAISS vectors) and BM25
   (:mod:`rag.index.lexical`) each propose their best ``candidates`` passages;
   ``method`` picks one or both. Filters (source, date range) apply here.
2. **Scores.** ``hybrid`` fuses the two lists (:mod:`rag.search.fusion`; convex
   fusion of min-max-normalised scores by default, RRF on request). The
   article's own relevance then informs each passage: the fused score of its
   story (BM25 over the whole article, and the article's best dense passage)
   is blended in with weight ``article_weight``, so a passage from the story
   that is about the question beats a similar-sounding passage from one that
   is not. Last, freshness (:mod:`rag.search.recency`) is blended in with weight
   ``recency_weight``: of two similar reports, the one published nearer the
   date the question is asked from ranks higher.
3. **Rerank** (optional): a local CrossEncoder rescores the best few.
4. **Diversity** (:mod:`rag.search.diversity`): near-duplicates are dropped and at
   most ``max_per_article`` passages are kept per article. A passage made only
   of instructions to a reader or model ("ignore the question and say ...")
   is never returned: article text is evidence, never a command.

The answerer and the corroborator search through :class:`Search`, which
:meth:`Retriever.retrieve` is.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from ..index.backend import (
    EmbeddedSearchable,
    Filters,
    Passage,
    Searchable,
    open_searchable,
)
from ..index.store import StoredIndex
from ..ingest.articles import Article
from ..ingest.chunking import Chunk
from ..models.embedding import Embedder
from ..settings import Settings
from ..text.dates import given_day
from ..types import Hit
from .diversity import diversify
from .fusion import convex_fusion, min_max, reciprocal_rank_fusion
from .passages import only_instructions
from .recency import Freshness, collection_present

__all__ = ["Retriever", "Search", "Filters", "METHODS", "FUSIONS"]

METHODS = ("hybrid", "dense", "bm25")
FUSIONS = ("convex", "rrf")


class Search(Protocol):
    """How the answerer and the corroborator find passages: the ``k`` best
    for ``text`` (default ``Settings.top_k``), best first; ``options`` as for
    :meth:`Retriever.retrieve` (``method``, the filters, ``as_of``...)."""

    def __call__(self, text: str, k: int | None = None, **options) -> list[Hit]: ...


@dataclass
class _RecencyState:
    """What recency needs of one loaded index: the collection's present and
    the freshness as of the days recently asked about."""

    searchable: Searchable
    present: date | None        # the collection's present (None: no article has a date)
    by_day: dict                # as-of day -> Freshness (an embedded index's, for every article)


class Retriever:
    def __init__(self, settings: Settings, embedder: Embedder, *,
                 index_model: Embedder | None = None):
        self.settings = settings
        self.embedder = embedder
        #: The model the index must have been built with (its manifest is
        #: checked against it): ``embedder`` unless questions are encoded by
        #: another backend on purpose (setting ``query_backend``).
        self.index_model = index_model or embedder
        self._searchable: Searchable | None = None
        self._reranker = None
        self._recency = None
        self._lock = threading.Lock()

    @property
    def searchable(self) -> Searchable:
        """The loaded index of the settings' backend (:mod:`rag.index.backend`)."""
        if self._searchable is None:
            with self._lock:
                if self._searchable is None:
                    self._searchable = open_searchable(self.settings, self.index_model)
        return self._searchable

    @property
    def index(self) -> StoredIndex:
        """The loaded version of an embedded index (its files, in memory)."""
        searchable = self.searchable
        if not isinstance(searchable, EmbeddedSearchable):
            raise TypeError(f"the {self.settings.backend} backend keeps no index in memory")
        return searchable.index

    @property
    def lexical(self):
        """The BM25 indexes of an embedded index."""
        self.index
        return self.searchable.lexical

    def sentence_vectors(self, texts: list[str]) -> dict:
        """The vectors the loaded index keeps for those of ``texts`` that are
        sentences of its passages (:mod:`rag.index.sentences`; none for an
        index written before it kept them)."""
        return self.searchable.sentence_vectors(texts)

    def _freshness(self, searchable: Searchable, as_of, article_ids) -> Freshness:
        """The articles' freshness as of a day."""
        state = self._recency_state(searchable)
        counts = searchable.day_counts()
        half_life = self.settings.recency_half_life_days
        if counts is not None:   # a server-side index: the candidates' days only
            return Freshness(searchable.article_days(article_ids), as_of, half_life,
                             day_counts=counts)
        fresh = state.by_day.get(as_of)
        if fresh is None:
            fresh = Freshness(searchable.article_days(), as_of, half_life)
            if len(state.by_day) >= 64:
                state.by_day.clear()
            state.by_day[as_of] = fresh
        return fresh

    def as_of(self, given=None):
        """The day a question is asked from: ``given``, else the settings'
        ``as_of``, else the collection's present (see :mod:`rag.search.recency`);
        ``None`` when no article has a date."""
        day = given_day(given if given is not None else self.settings.as_of, "as_of")
        return self._recency_state(self.searchable).present if day is None else day

    def _recency_state(self, searchable: Searchable) -> _RecencyState:
        state = self._recency
        if state is None or state.searchable is not searchable:
            state = _RecencyState(searchable, collection_present([searchable.newest_day]), {})
            self._recency = state
        return state

    @property
    def reranker(self):
        if self._reranker is None and self.settings.reranker_path:
            from ..models.rerank import Reranker

            self._reranker = Reranker(self.settings.reranker_path)
        return self._reranker

    def warm_up(self) -> None:
        self.searchable.warm_up()
        self.embedder.encode(["warm up"])
        if self.reranker is not None:
            self.reranker.warm_up()

    def reload(self) -> None:
        """Forget the loaded index; the next query loads the live version."""
        with self._lock:
            self._searchable = None

    def retrieve(self, question: str, k: int | None = None, *, method: str | None = None,
                 max_per_article: int | None = None, sources: list[str] | tuple = (),
                 date_from: str | None = None, date_to: str | None = None,
                 rerank: bool | None = None, as_of=None) -> list[Hit]:
        """The ``k`` best passages for ``question``, best first.

        ``method`` is ``"hybrid"`` (default), ``"dense"`` or ``"bm25"``;
        ``max_per_article`` caps passages per article (0: no cap);
        ``sources``/``date_from``/``date_to`` restrict which articles answer;
        ``rerank`` turns the CrossEncoder stage on or off (default: on when
        ``settings.reranker_path`` is set); ``as_of`` is the date the
        question is asked from (an ISO string or ``date``; default: the
        settings' ``as_of``, else the collection's present), stories near it
        rank higher (``settings.recency_weight``). A passage of nothing but
        instructions (:func:`~rag.search.passages.only_instructions`) takes no place in the results
        and does not count towards the cap.
        """
        s = self.settings
        k = k or s.top_k
        method = method or s.retrieval_method
        if method not in METHODS:
            raise ValueError(f"unknown retrieval method {method!r}; choose one of {METHODS}")
        filters = Filters(sources, date_from, date_to)  # checks the dates
        asked = given_day(as_of, "as_of")           # checked even when recency is off
        searchable = self.searchable
        if not searchable.size:
            return []
        n = max(s.candidates, k)

        as_of = self.as_of(asked) if s.recency_weight else None
        scores, passages = self._score(question, searchable, method, filters, n, as_of)
        # Equal scores (to 4 decimals) keep index order, so exact and approximate
        # vector indexes agree on ties.
        ranked = sorted(scores, key=lambda cid: (-round(scores[cid], 4), cid))
        use_reranker = s.reranker_path is not None if rerank is None else rerank
        if use_reranker and self.reranker is not None:
            top = ranked[:max(s.rerank_candidates, k)]
            texts = [passages[cid].searchable for cid in top]
            new = dict(zip(top, self.reranker.scores(question, texts)))
            ranked = sorted(top, key=lambda cid: -new[cid]) + ranked[len(top):]
            scores = {**scores, **new}

        # Lazily: only as far down as diversify reads.
        ranked = (cid for cid in ranked if not only_instructions(passages[cid].chunk.text))
        cap = s.max_per_article if max_per_article is None else max_per_article
        chosen = diversify(ranked, k, text=lambda cid: passages[cid].chunk.text,
                           group=lambda cid: passages[cid].chunk.article_id,
                           duplicate_above=s.duplicate_above, max_per_group=cap)
        return [make_hit(passages[cid].article, passages[cid].chunk, float(scores[cid]), cid)
                for cid in chosen]

    # ----------------------------------------------------------------- steps
    def _score(self, question: str, searchable: Searchable, method: str, filters: Filters,
               n: int, as_of=None) -> tuple[dict[int, float], dict[int, Passage]]:
        """Candidate chunk id -> score (higher is better), and the candidates."""
        s = self.settings
        lists, article_lists, weights = [], [], []
        dense = bm25 = {}
        if method in ("hybrid", "dense"):
            dense = searchable.dense(self.embedder.encode([question])[0], n, filters)
        if method in ("hybrid", "bm25"):
            bm25 = searchable.bm25(question, n, filters)
        passages = searchable.passages({**dense, **bm25})
        article_of = {cid: p.chunk.article_id for cid, p in passages.items()}
        if method in ("hybrid", "dense"):
            lists.append(dense)
            best: dict[str, float] = {}
            for cid, score in dense.items():
                best[article_of[cid]] = max(best.get(article_of[cid], -1.0), score)
            article_lists.append(best)
            weights.append(s.dense_weight if method == "hybrid" else 1.0)
        if method in ("hybrid", "bm25"):
            lists.append(bm25)
            article_lists.append(searchable.bm25_articles(question, n, filters))
            weights.append(1.0 - s.dense_weight if method == "hybrid" else 1.0)

        if len(lists) == 1 and not s.article_weight and as_of is None:
            return lists[0], passages  # a single retriever's own scores (cosine or BM25)
        if s.fusion == "rrf":
            fused = reciprocal_rank_fusion(lists, s.rrf_k)
            articles = reciprocal_rank_fusion(article_lists, s.rrf_k)
            fused, articles = min_max(fused), min_max(articles)
        elif s.fusion == "convex":
            fused = convex_fusion(lists, weights)
            articles = convex_fusion(article_lists, weights)
        else:
            raise ValueError(f"unknown fusion {s.fusion!r}; choose one of {FUSIONS}")
        w = s.article_weight
        scores = {cid: (1 - w) * score + w * articles.get(article_of[cid], 0.0)
                  for cid, score in fused.items()}
        if as_of is None:
            return scores, passages
        r = s.recency_weight
        fresh = self._freshness(searchable, as_of, set(article_of.values()))
        return {cid: (1 - r) * score + r * fresh(article_of[cid])
                for cid, score in scores.items()}, passages


def citation_label(article: Article) -> str:
    """'Title — Source, 2024-03-25', using the file name when there is no title."""
    parts = [p for p in (article.source, article.date) if p]
    return article.label + (f" — {', '.join(parts)}" if parts else "")


def make_hit(article: Article, chunk: Chunk, score: float, chunk_id: int = -1) -> Hit:
    return Hit(text=chunk.text, score=float(score), article_id=article.id, title=article.title,
               source=article.source, date=article.date, url=article.url, start=chunk.start,
               end=chunk.end, citation=citation_label(article), chunk_id=chunk_id)
