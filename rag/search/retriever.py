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
from typing import NamedTuple, Protocol

import numpy as np

from ..index.lexical import BM25_FILE, LexicalIndexes, top_positions
from ..index.sentences import SENTENCES_FILE, stored_sentence_vectors
from ..index.store import StoredIndex, expected_config
from ..ingest.articles import Article
from ..ingest.chunking import Chunk
from ..models.embedding import Embedder
from ..settings import Settings
from ..text.dates import given_day, parse_day
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


@dataclass(frozen=True)
class Filters:
    """Which articles may answer: by source (any of, case-insensitive) and by
    date range (inclusive; ISO strings or dates; articles without a date are
    left out when a range is given). A malformed date is a ``ValueError``."""

    sources: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None

    def __post_init__(self):
        object.__setattr__(self, "date_from", given_day(self.date_from, "date_from"))
        object.__setattr__(self, "date_to", given_day(self.date_to, "date_to"))

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


class _RecencyState(NamedTuple):
    """What recency needs of one loaded index version."""

    index: StoredIndex
    days: dict                  # article id -> publication day (or None)
    present: date | None        # the collection's present (None: no article has a date)
    by_day: dict                # as-of day -> Freshness, for the days recently asked about


class Retriever:
    def __init__(self, settings: Settings, embedder: Embedder):
        self.settings = settings
        self.embedder = embedder
        self._index: StoredIndex | None = None
        self._lexical = None
        self._reranker = None
        self._recency = None
        self._lock = threading.Lock()

    @property
    def index(self) -> StoredIndex:
        if self._index is None:
            with self._lock:
                if self._index is None:
                    expect = expected_config(self.settings, self.embedder.name, self.embedder.dim)
                    self._index = StoredIndex.load(self.settings.index_dir, expect,
                                                   version_files=(BM25_FILE,
                                                                  stored_sentence_vectors))
        return self._index

    @property
    def lexical(self):
        """The BM25 indexes saved with the index (built here for older indexes)."""
        index = self.index
        if self._lexical is None or self._lexical[0] is not index:
            lexical = index.extras.get(BM25_FILE.name)
            if lexical is None:  # an index saved before BM25 was kept with it
                lexical = LexicalIndexes.build(index.articles.values(), index.chunks)
            self._lexical = (index, lexical)
        return self._lexical[1]

    def sentence_vectors(self, texts: list[str]) -> dict:
        """The vectors the loaded index keeps for those of ``texts`` that are
        sentences of its passages (:mod:`rag.index.sentences`; none for an
        index written before it kept them)."""
        stored = self.index.extras.get(SENTENCES_FILE)
        return stored.lookup(texts) if stored is not None else {}

    def _freshness(self, index: StoredIndex, as_of) -> Freshness:
        """The articles' freshness as of a day (kept for the days recently asked about)."""
        state = self._recency_state(index)
        fresh = state.by_day.get(as_of)
        if fresh is None:
            fresh = Freshness(state.days, as_of, self.settings.recency_half_life_days)
            if len(state.by_day) >= 64:
                state.by_day.clear()
            state.by_day[as_of] = fresh
        return fresh

    def as_of(self, given=None):
        """The day a question is asked from: ``given``, else the settings'
        ``as_of``, else the collection's present (see :mod:`rag.search.recency`);
        ``None`` when no article has a date."""
        day = given_day(given if given is not None else self.settings.as_of, "as_of")
        return self._recency_state(self.index).present if day is None else day

    def _recency_state(self, index: StoredIndex) -> "_RecencyState":
        state = self._recency
        if state is None or state.index is not index:
            days = {aid: parse_day(a.date) for aid, a in index.articles.items()}
            state = _RecencyState(index, days, collection_present(days.values()), {})
            self._recency = state
        return state

    @property
    def reranker(self):
        if self._reranker is None and self.settings.reranker_path:
            from ..models.rerank import Reranker

            self._reranker = Reranker(self.settings.reranker_path)
        return self._reranker

    def warm_up(self) -> None:
        self.index
        self.lexical.warm_up()
        self.embedder.encode(["warm up"])
        if self.reranker is not None:
            self.reranker.warm_up()

    def reload(self) -> None:
        """Forget the loaded index; the next query loads the live version."""
        with self._lock:
            self._index = None
            self._lexical = None

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
        filters = Filters(tuple(sources or ()), date_from, date_to)  # checks the dates
        asked = given_day(as_of, "as_of")           # checked even when recency is off
        index = self.index
        if not index.chunks:
            return []
        allowed = self._allowed(index, filters)
        n = max(s.candidates, k)

        as_of = self.as_of(asked) if s.recency_weight else None
        scores = self._score(question, index, method, allowed, n, as_of)
        # Equal scores (to 4 decimals) keep index order, so exact and approximate
        # vector indexes agree on ties.
        ranked = sorted(scores, key=lambda pos: (-round(scores[pos], 4), pos))
        use_reranker = s.reranker_path is not None if rerank is None else rerank
        if use_reranker and self.reranker is not None:
            top = ranked[:max(s.rerank_candidates, k)]
            texts = [self._searchable(index, pos) for pos in top]
            new = dict(zip(top, self.reranker.scores(question, texts)))
            ranked = sorted(top, key=lambda pos: -new[pos]) + ranked[len(top):]
            scores = {**scores, **new}

        # Lazily: only as far down as diversify reads.
        ranked = (pos for pos in ranked if not only_instructions(index.chunks[pos].text))
        cap = s.max_per_article if max_per_article is None else max_per_article
        chosen = diversify(ranked, k, text=lambda pos: index.chunks[pos].text,
                           group=lambda pos: index.chunks[pos].article_id,
                           duplicate_above=s.duplicate_above, max_per_group=cap)
        return [make_hit(index.articles[index.chunks[pos].article_id], index.chunks[pos],
                         float(scores[pos]), index.chunk_ids[pos]) for pos in chosen]

    # ----------------------------------------------------------------- steps
    def _score(self, question: str, index: StoredIndex, method: str,
               allowed: np.ndarray | None, n: int, as_of=None) -> dict[int, float]:
        """Candidate passage position -> score (higher is better)."""
        s = self.settings
        lists, article_lists, weights = [], [], []
        article_of = [c.article_id for c in index.chunks]
        if method in ("hybrid", "dense"):
            dense = self._dense(question, index, allowed, n)
            lists.append(dense)
            best: dict[str, float] = {}
            for pos, score in dense.items():
                best[article_of[pos]] = max(best.get(article_of[pos], -1.0), score)
            article_lists.append(best)
            weights.append(s.dense_weight if method == "hybrid" else 1.0)
        if method in ("hybrid", "bm25"):
            lists.append(self._bm25(question, allowed, n))
            article_lists.append(self._bm25_articles(question, index, allowed, n))
            weights.append(1.0 - s.dense_weight if method == "hybrid" else 1.0)

        if len(lists) == 1 and not s.article_weight and as_of is None:
            return lists[0]  # a single retriever's own scores (cosine or BM25)
        if s.fusion == "rrf":
            passages = reciprocal_rank_fusion(lists, s.rrf_k)
            articles = reciprocal_rank_fusion(article_lists, s.rrf_k)
            passages, articles = min_max(passages), min_max(articles)
        elif s.fusion == "convex":
            passages = convex_fusion(lists, weights)
            articles = convex_fusion(article_lists, weights)
        else:
            raise ValueError(f"unknown fusion {s.fusion!r}; choose one of {FUSIONS}")
        w = s.article_weight
        scores = {pos: (1 - w) * score + w * articles.get(article_of[pos], 0.0)
                  for pos, score in passages.items()}
        if as_of is None:
            return scores
        r = s.recency_weight
        fresh = self._freshness(index, as_of)
        return {pos: (1 - r) * score + r * fresh(article_of[pos])
                for pos, score in scores.items()}

    def _dense(self, question: str, index: StoredIndex, allowed, n: int) -> dict[int, float]:
        query = self.embedder.encode([question])
        # With a filter, search everything and keep the allowed (exact, and
        # cheap at the collection sizes a newsroom index holds).
        wanted = len(index.chunks) if allowed is not None else n
        results = index.search(query, wanted)[0]
        if allowed is not None:
            results = [(pos, score) for pos, score in results if allowed[pos]]
        return dict(results[:n])

    def _bm25(self, question: str, allowed, n: int) -> dict[int, float]:
        scores = self.lexical.passages.scores(question)
        if allowed is not None:
            scores = np.where(allowed, scores, 0)
        return {int(pos): float(scores[pos]) for pos in top_positions(scores, n)}

    def _bm25_articles(self, question: str, index: StoredIndex, allowed, n: int) -> dict:
        lexical = self.lexical
        scores = lexical.articles.scores(question)
        if allowed is not None:
            ok = {index.chunks[pos].article_id for pos in np.flatnonzero(allowed)}
            scores = np.where([aid in ok for aid in lexical.article_ids], scores, 0)
        return {lexical.article_ids[pos]: float(scores[pos]) for pos in top_positions(scores, n)}

    @staticmethod
    def _allowed(index: StoredIndex, filters: Filters) -> np.ndarray | None:
        if not filters:
            return None
        ok = {aid for aid, article in index.articles.items() if filters.allows(article)}
        return np.fromiter((c.article_id in ok for c in index.chunks), dtype=bool,
                           count=len(index.chunks))

    @staticmethod
    def _searchable(index: StoredIndex, pos: int) -> str:
        from ..index.searchable import searchable_text

        chunk = index.chunks[pos]
        return searchable_text(index.articles[chunk.article_id], chunk.text)


def citation_label(article: Article) -> str:
    """'Title — Source, 2024-03-25', using the file name when there is no title."""
    parts = [p for p in (article.source, article.date) if p]
    return article.label + (f" — {', '.join(parts)}" if parts else "")


def make_hit(article: Article, chunk: Chunk, score: float, chunk_id: int = -1) -> Hit:
    return Hit(text=chunk.text, score=float(score), article_id=article.id, title=article.title,
               source=article.source, date=article.date, url=article.url, start=chunk.start,
               end=chunk.end, citation=citation_label(article), chunk_id=chunk_id)
