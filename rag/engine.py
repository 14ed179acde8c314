"""The services of one collection, wired together once.

An :class:`Engine` holds the settings, the embedding model, the retriever and
the answerers (extractive, and the optional local model) for one articles
directory and index. Nothing heavy happens in ``__init__``: the models and the
index load on first use or on ``warm_up()``.
Entry points (CLI, web app, the module-level ``rag.retrieve``) create one
engine and pass it down.
"""

from __future__ import annotations

import importlib.util
import numbers
import sys
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator

from .answering.conversation import History, normalize_history
from .answering.extractive import Answerer
from .answering.short import with_short_answer
from .corroboration.corroborator import Corroborator, SourceColumn
from .index.backend import index_exists, make_index
from .index.builder import BuildSummary
from .ingest.articles import Article
from .models.cache import CachedEmbedder
from .models.embedding import Embedder, index_embedder, make_query_embedder
from .search.queries import EMPTY_QUESTION, prepare_question
from .search.retriever import Retriever
from .settings import Settings
from .text import wordnet
from .types import Answer, Hit

__all__ = ["Engine", "Catalog", "MODES"]

#: Answer modes: quotes from the passages, or the optional local model.
MODES = ("extractive", "local")


class Engine:
    """``embedder`` is the embedding model (default: the settings', with
    question-time texts on ``settings.query_backend``: a
    :class:`~rag.models.embedding.QueryEmbedder`); ``vectors`` a vector cache
    to share with another engine over the same model (default: a new one of
    ``settings.answer_cache_size`` vectors)."""

    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None, *,
                 vectors: CachedEmbedder | None = None):
        self.settings = Settings.given(settings, "Engine")
        if embedder is None:
            embedder = vectors.inner if vectors is not None else \
                make_query_embedder(self.settings)
        #: The index's model (builds); question-time texts are encoded by
        #: ``vectors`` (the settings' query backend, the same model by default).
        self.embedder = index_embedder(embedder)
        # Sentence vectors are remembered across questions and sessions: the
        # answerer and the corroborator embed the same passages' sentences.
        self.vectors = vectors if vectors is not None else \
            CachedEmbedder(embedder, size=self.settings.answer_cache_size)
        # Searches go through the cache too: the answerer embeds the question
        # again, corroboration searches with the answer's (stored) sentences.
        self.retriever = Retriever(self.settings, self.vectors, index_model=self.embedder)
        # The sentences of the index's passages have their vectors stored in
        # it: the cache looks them up before running the model.
        self.vectors.stored = self.retriever.sentence_vectors
        self.answerer = Answerer(self.settings, self.retriever.retrieve, self.vectors)
        self.index = make_index(self.settings, self.embedder)
        self._local = None
        self._local_lock = threading.Lock()
        self._build_lock = threading.RLock()  # build_if_missing holds it around build
        self._corroborator: Corroborator | None = None

    @property
    def corroborator(self) -> Corroborator:
        """Finds other outlets' passages for answer sentences (created on first use)."""
        if self._corroborator is None:
            self._corroborator = Corroborator(self.settings, self.retriever.retrieve,
                                              self.vectors)
        return self._corroborator

    @property
    def local(self):
        """The local-model answerer (:mod:`rag.answering.generation`), created on first use."""
        if self._local is None:
            with self._local_lock:
                if self._local is None:
                    from .answering.generation import LocalAnswerer

                    self._local = LocalAnswerer(self.settings, self.answerer)
        return self._local

    def retrieve(self, question: str, k: int | None = None, **options) -> list[Hit]:
        """The passages that best answer ``question``; ``[]`` for an empty question.
        ``options``: ``method``, ``max_per_article``, ``rerank``, the filters
        ``sources``, ``date_from``, ``date_to`` and ``as_of``, the date the
        question is asked from (see :meth:`Retriever.retrieve`)."""
        query = prepare_question(_valid_question(question), self.settings.max_question_chars)
        if query.empty:
            return []
        return self.retriever.retrieve(query.text, _valid_k(k), **_valid_options(options))

    def answer(self, question: str, k: int | None = None, *, mode: str | None = None,
               history: History = None, **filters) -> Answer:
        """A cited answer. ``mode`` is ``"extractive"`` (the default, from
        settings) or ``"local"`` (the optional local model, checked against
        the passages, falling back to extractive). ``history`` holds the
        earlier turns of a conversation: ``(question, answer)`` pairs or chat
        messages. Empty, over-long or non-English questions get an answer too
        (with ``notes`` saying how the question was read). ``filters``
        restrict the passages it may use (see :meth:`retrieve`)."""
        final = None
        for final in self.stream_answer(question, k, mode=mode, history=history, **filters):
            pass
        return final

    def stream_answer(self, question: str, k: int | None = None, *, mode: str | None = None,
                      history: History = None, **filters) -> Iterator[str | Answer]:
        """Yield the answer text as it grows, then the final :class:`Answer`.

        The local model's text arrives token by token (the final Answer is
        the checked version of it); an extractive answer is complete at once,
        so it arrives sentence by sentence.
        """
        mode = mode or self.settings.answer_mode
        if mode not in MODES:
            raise ValueError(f"unknown answer mode {mode!r}; available: {list(MODES)}")
        query = prepare_question(_valid_question(question), self.settings.max_question_chars)
        # Read once (a generator would be used up by the search), checked as read.
        history, filters = normalize_history(history), _valid_options(filters)
        if query.empty:
            yield Answer(str(question or ""), EMPTY_QUESTION, [], [], mode=mode, abstained=True,
                         notes=list(query.notes))
            return
        k = _valid_k(k)
        if mode == "local":
            parts = self.local.stream(query.text, k, history=history, **filters)
        else:
            parts = [self.answerer.answer(query.text, k, history=history, **filters)]
        for part in parts:
            if isinstance(part, Answer):
                if query.notes:
                    part = replace(part, question=str(question),
                                   notes=[*query.notes, *part.notes])
                # (The local answerer gives the model's short answer, or the
                # extractive one in its place.)
                if self.settings.short_answer and part.short is None:
                    part = with_short_answer(part)
                part = self.corroborate(part)
                if mode != "local":
                    text = ""
                    for sentence in part.sentences:
                        text = f"{text} {sentence.text}".strip()
                        yield text
            yield part

    answer_stream = stream_answer

    def corroborate(self, reply: Answer) -> Answer:
        """Attach supporting/conflicting citations from other articles (if enabled)."""
        return self.corroborator.corroborate(reply) if self.settings.corroborate else reply

    def compare_sources(self, question: str, k: int | None = None,
                        **filters) -> list[SourceColumn]:
        """What each article says about ``question``: its best passage, side by side
        (``filters`` as for :meth:`retrieve`)."""
        k = k or max(3 * self.settings.top_k, 15)
        # A few passages per article, so each column can show the one that
        # speaks to the question rather than just the first retrieved.
        filters.setdefault("max_per_article", 4)
        return self.corroborator.compare(question, self.retrieve(question, k, **filters))

    # Index maintenance: see :class:`rag.indexing.Index`. After each change the
    # retriever is told to load the new version on its next query.
    def build(self, *, full: bool = False, progress: bool = True) -> BuildSummary:
        """Bring the index up to date with the articles directory (incremental
        unless ``full``)."""
        return self._change(lambda: self.index.build(full=full, progress=progress))

    def add(self, paths, *, progress: bool = False) -> BuildSummary:
        """Index these article files now."""
        return self._change(lambda: self.index.add(paths, progress=progress))

    def remove(self, article_ids) -> BuildSummary:
        """Remove articles from the index by id."""
        return self._change(lambda: self.index.remove(article_ids))

    def _change(self, change) -> BuildSummary:
        with self._build_lock:
            summary = change()
            if summary.written:
                self.retriever.reload()
            return summary

    def status(self) -> dict:
        """What the index holds and whether it is stale."""
        return self.index.status()

    def ensure_index(self, *, progress: bool = True) -> BuildSummary | None:
        """Build the index if it is missing or stale; return the summary if built."""
        return self.build(progress=progress) if self.status()["stale"] else None

    def build_if_missing(self) -> BuildSummary | None:
        """On first use, build the index when its directory holds none yet, as
        the chat does at start, saying so in one line on stderr (with a progress
        bar on a terminal); return the summary if built.

        Only a missing index is built, from the configured articles directory
        (when it exists). A stale, mismatched or damaged index is left alone:
        loading it raises the error that says how to rebuild it.
        """
        s = self.settings
        if not Path(s.articles_dir).exists() or index_exists(s):
            return None
        with self._build_lock:  # one build, one message, when threads start together
            if index_exists(s):
                return None
            print(f"rag: no index in {self.index.location} yet; building it from "
                  f"{s.articles_dir}",
                  file=sys.stderr, flush=True)
            return self.build(progress=sys.stderr.isatty())

    def warm_up(self) -> None:
        """Load the embedding model and the index now, side by side (the model
        on a thread of its own while this one reads the index)."""
        model = self.start_loading_model()
        self.retriever.warm_up()
        model.join()

    def start_loading_model(self) -> threading.Thread:
        """Load the embedding model on a background thread (returned, started):
        the chat starts serving meanwhile, and the first question waits for
        the model only if it arrives before the model is ready."""
        thread = threading.Thread(target=self._load_models, name="load-model", daemon=True)
        thread.start()
        return thread

    def _load_models(self) -> None:
        self.vectors.warm_up()
        if self.settings.short_answer:
            wordnet.load()      # half a second, not at the first "which food?"

    # ----------------------------------------------- services for the web chat
    def answer_modes(self) -> list[str]:
        """Answer modes usable right now (``"local"`` once ``.[llm]`` is installed)."""
        if importlib.util.find_spec("llama_cpp") is None:
            return ["extractive"]
        return list(MODES)

    def article(self, article_id: str) -> Article | None:
        """The full cleaned article a citation points into (offsets index its text)."""
        return self.retriever.searchable.article(article_id)

    def catalog(self) -> Catalog:
        """What the live index holds, for filter controls and example questions."""
        articles = list(self.retriever.searchable.articles())
        dates = sorted(a.date for a in articles if a.date)
        as_of = self.retriever.as_of()
        return Catalog(n_articles=len(articles),
                       sources=sorted({a.source for a in articles if a.source}),
                       first_date=dates[0] if dates else None,
                       last_date=dates[-1] if dates else None,
                       as_of=as_of.isoformat() if as_of else None,
                       titles=[a.title for a in articles if a.title])


@dataclass(frozen=True)
class Catalog:
    n_articles: int
    sources: list[str]
    first_date: str | None
    last_date: str | None
    titles: list[str]
    #: The day questions are asked from by default (recency), if any article has a date.
    as_of: str | None = None


def _whole_number(value, what: str) -> int | None:
    """``value`` as an int (``None`` stays ``None``); anything but a whole
    number (``'5'``, ``2.5``, ``True``) is a TypeError naming ``what``."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{what} must be a whole number, not {value!r}")
    return int(value)


def _valid_k(k) -> int | None:
    """``None`` (the default) or a positive number of passages (0 or less: one)."""
    k = _whole_number(k, "k (the number of passages)")
    return None if k is None else max(1, k)


def _valid_options(options: dict) -> dict:
    """``options`` of a search with ``max_per_article`` checked: ``None`` (the
    setting) or a whole number of passages per article, 0 (no cap) or more."""
    cap = _whole_number(options.get("max_per_article"), "max_per_article (passages per article)")
    if cap is not None and cap < 0:
        raise ValueError(f"max_per_article must be 0 (no cap) or more, not {cap}")
    return {**options, "max_per_article": cap} if "max_per_article" in options else options


def _valid_question(question):
    """The question: text, or ``None`` (an empty question, as from an empty chat box)."""
    if question is not None and not isinstance(question, str):
        raise TypeError(f"the question must be a str, not {type(question).__name__}")
    return question
