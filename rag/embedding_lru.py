"""A memory of recent sentence vectors, shared by every chat session.

The extractive answerer embeds the question and every sentence of the
retrieved passages. The same passages come back for many questions, so their
sentences are embedded again and again; under concurrent load that repeated
model work is most of an answer's cost. :class:`LruEmbedder` wraps an
embedder, returns remembered vectors and embeds only the texts it has not seen
(in one batch). Vectors are identical to the wrapped embedder's, so answers do
not change; only time does.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Sequence

import numpy as np

__all__ = ["LruEmbedder"]


class LruEmbedder:
    """``encode`` through a thread-safe least-recently-used cache of ``size`` texts."""

    def __init__(self, embedder, size: int):
        self.embedder = embedder
        self.size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.embedder.name

    @property
    def dim(self) -> int:
        return self.embedder.dim

    def warm_up(self) -> None:
        if hasattr(self.embedder, "warm_up"):
            self.embedder.warm_up()

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        texts = list(texts)
        if self.size <= 0 or not texts:
            return self.embedder.encode(texts, progress=progress)
        with self._lock:
            found = {t: self._vectors[t] for t in texts if t in self._vectors}
            for t in found:
                self._vectors.move_to_end(t)
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:
            fresh = self.embedder.encode(missing, progress=progress)
            with self._lock:
                for text, vector in zip(missing, fresh):
                    found[text] = vector
                    self._vectors[text] = vector
                    self._vectors.move_to_end(text)
                while len(self._vectors) > self.size:
                    self._vectors.popitem(last=False)
        return np.stack([found[t] for t in texts]).astype(np.float32, copy=False)
