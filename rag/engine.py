"""The services of one collection, wired together once.

An :class:`Engine` holds the settings, the embedding model, the retriever and
the answerer for one articles directory and index. Nothing heavy happens in
``__init__``: the model and the index load on first use or on ``warm_up()``.
Entry points (CLI, web app, the module-level ``rag.retrieve``) create one
engine and pass it down.
"""

from __future__ import annotations

import threading

from .answering import Answerer
from .citations import Answer, Hit
from .embedding import Embedder, SentenceEmbedder
from .indexing import BuildSummary, build_index, index_status
from .retrieval import Retriever
from .settings import Settings

__all__ = ["Engine"]


class Engine:
    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None):
        self.settings = settings or Settings.from_env()
        self.embedder = embedder or SentenceEmbedder(
            self.settings.model_name, self.settings.model_path, self.settings.embed_batch_size)
        self.retriever = Retriever(self.settings, self.embedder)
        self.answerer = Answerer(self.settings, self.retriever, self.embedder)
        self._build_lock = threading.Lock()

    def retrieve(self, question: str, k: int | None = None) -> list[Hit]:
        return self.retriever.retrieve(question, k)

    def answer(self, question: str, k: int | None = None) -> Answer:
        return self.answerer.answer(question, k)

    def build(self, *, progress: bool = True) -> BuildSummary:
        with self._build_lock:
            summary = build_index(self.settings, self.embedder, progress=progress)
            self.retriever.reload()
            return summary

    def status(self) -> dict:
        return index_status(self.settings, self.embedder)

    def ensure_index(self, *, progress: bool = True) -> BuildSummary | None:
        """Build the index if it is missing or stale; return the summary if built."""
        return self.build(progress=progress) if self.status()["stale"] else None

    def warm_up(self) -> None:
        self.retriever.warm_up()
