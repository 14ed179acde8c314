"""Optional second stage: a local CrossEncoder rescores the best passages.

A cross-encoder reads the question and a passage together, which judges
relevance better than comparing two separately made vectors, but costs one
model call per passage, so it only sees the fused top few. No such model ships
on PyPI, so this stage takes a local sentence-transformers CrossEncoder
directory (``Settings.reranker_path`` / ``--reranker``) and is off by default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from .loading import LazyModel

__all__ = ["Reranker"]


class Reranker(LazyModel):
    """A CrossEncoder loaded lazily from a local directory, never from a hub."""

    def __init__(self, path: Path, batch_size: int = 32):
        super().__init__()
        self.path = Path(path)
        self.batch_size = batch_size

    def _load(self):
        if not self.path.is_dir():
            raise FileNotFoundError(f"reranker model directory not found: {self.path}")
        from sentence_transformers import CrossEncoder

        return CrossEncoder(str(self.path), device="cpu")

    def scores(self, question: str, passages: Sequence[str]) -> list[float]:
        """Relevance of each passage to ``question`` (higher is better)."""
        if not passages:
            return []
        self.warm_up()
        out = self._model.predict([(question, p) for p in passages],
                                  batch_size=self.batch_size, show_progress_bar=False)
        return [float(x) for x in out]
