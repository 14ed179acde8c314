"""An on-disk cache of embeddings, keyed by model and text.

Embedding a benchmark corpus takes minutes on a CPU; comparing retrieval
variants should not pay that every time. :class:`CachedEmbedder` wraps any
:class:`~rag.embedding.Embedder` and stores each vector in a SQLite file under
a cache directory, keyed by a hash of the model name and the exact text, so a
changed text (other chunking, another title prefix) is simply a cache miss.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

__all__ = ["CachedEmbedder"]


class CachedEmbedder:
    """An :class:`Embedder` that remembers every vector it has computed."""

    def __init__(self, embedder, cache_dir: Path):
        self.inner = embedder
        self.name = embedder.name
        self.cache_dir = Path(cache_dir)
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def dim(self) -> int:
        return self.inner.dim

    def warm_up(self) -> None:
        if hasattr(self.inner, "warm_up"):
            self.inner.warm_up()

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in self.name)
            self._db = sqlite3.connect(self.cache_dir / f"embeddings-{safe}.sqlite",
                                       check_same_thread=False, timeout=60)
            self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, "
                             "vector BLOB NOT NULL)")
        return self._db

    def _key(self, text: str) -> bytes:
        return hashlib.sha256(f"{self.name}\0{text}".encode("utf-8")).digest()

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        texts = list(texts)
        keys = [self._key(t) for t in texts]
        found: dict[bytes, np.ndarray] = {}
        with self._lock:
            db = self._connection()
            for i in range(0, len(keys), 500):  # SQLite limits bound parameters
                batch = list(set(keys[i:i + 500]))
                rows = db.execute(f"SELECT key, vector FROM vectors WHERE key IN "
                                  f"({','.join('?' * len(batch))})", batch)
                found.update((k, np.frombuffer(v, dtype=np.float32)) for k, v in rows)
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys) if k not in found))
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        if missing:
            vectors = np.asarray(self.inner.encode(missing, progress=progress), dtype=np.float32)
            fresh = {self._key(t): v for t, v in zip(missing, vectors)}
            with self._lock:
                self._connection().executemany(
                    "INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                    [(k, v.tobytes()) for k, v in fresh.items()])
                self._connection().commit()
            found.update(fresh)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.ascontiguousarray(np.vstack([found[k] for k in keys]), dtype=np.float32)
