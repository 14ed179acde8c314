"""The services of one collection, wired together once.

An :class:`Engine` holds the settings, the embedding model, the retriever and
the answerer for one articles directory and index. Nothing heavy happens in
``__init__``: the model and the index load on first use or on ``warm_up()``.
Entry points (CLI, web app, the module-level ``rag.retrieve``) create one
engine and pass it down.
"""

from __future__ import annotations

import threading
from dataclasses import replace

from .answering import Answerer
from .citations import Answer, Hit
from .embedding import Embedder, make_embedder
from .indexing import BuildSummary, Index
from .queries import EMPTY_QUESTION, prepare_question
from .retrieval import Retriever
from .settings import Settings

__all__ = ["Engine"]


class Engine:
    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None):
        self.settings = settings or Settings.from_env()
        self.embedder = embedder or make_embedder(self.settings)
        self.retriever = Retriever(self.settings, self.embedder)
        self.answerer = Answerer(self.settings, self.retriever, self.embedder)
        self.index = Index(self.settings, self.embedder)
        self._build_lock = threading.Lock()

    def retrieve(self, question: str, k: int | None = None) -> list[Hit]:
        """The passages that best answer ``question``; ``[]`` for an empty question."""
        query = prepare_question(question, self.settings.max_question_chars)
        if query.empty:
            return []
        return self.retriever.retrieve(query.text, _valid_k(k))

    def answer(self, question: str, k: int | None = None) -> Answer:
        """A cited answer. Empty, over-long or non-English questions get an
        answer too (with ``notes`` saying how the question was read)."""
        query = prepare_question(question, self.settings.max_question_chars)
        if query.empty:
            return Answer(str(question or ""), EMPTY_QUESTION, [], [], abstained=True,
                          notes=list(query.notes))
        reply = self.answerer.answer(query.text, _valid_k(k))
        if query.notes:
            reply = replace(reply, question=str(question), notes=[*query.notes, *reply.notes])
        return reply

    # Index maintenance: see :class:`rag.indexing.Index`. After each change the
    # retriever is told to load the new version on its next query.
    def build(self, *, full: bool = False, progress: bool = True) -> BuildSummary:
        """Bring the index up to date with the articles directory (incremental
        unless ``full``)."""
        with self._build_lock:
            summary = self.index.build(full=full, progress=progress)
            if summary.written:
                self.retriever.reload()
            return summary

    def add(self, paths, *, progress: bool = False) -> BuildSummary:
        """Index these article files now."""
        with self._build_lock:
            summary = self.index.add(paths, progress=progress)
            if summary.written:
                self.retriever.reload()
            return summary

    def remove(self, article_ids) -> BuildSummary:
        """Remove articles from the index by id."""
        with self._build_lock:
            summary = self.index.remove(article_ids)
            if summary.written:
                self.retriever.reload()
            return summary

    def status(self) -> dict:
        """What the index holds and whether it is stale."""
        return self.index.status()

    def ensure_index(self, *, progress: bool = True) -> BuildSummary | None:
        """Build the index if it is missing or stale; return the summary if built."""
        return self.build(progress=progress) if self.status()["stale"] else None

    def warm_up(self) -> None:
        self.retriever.warm_up()


def _valid_k(k) -> int | None:
    """``None`` (the default) or a positive number of passages."""
    return None if k is None else max(1, int(k))
