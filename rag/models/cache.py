"""Embedders that remember vectors: in memory (recent texts) or on disk.

Both wrap any :class:`~rag.embedding.Embedder`, return remembered vectors and
embed only the texts they have not seen, in one batch. The vectors are the
wrapped embedder's own, so results do not change; only time does.

* :class:`LruEmbedder` keeps the most recent texts in memory. The extractive
  answerer embeds every sentence of the retrieved passages; the same passages
  come back for many questions, and under concurrent load that repeated model
  work would be most of an answer's cost.
* :class:`CachedEmbedder` keeps every vector in a SQLite file keyed by a hash
  of the model name and the exact text (another chunking or title header is
  simply a miss). Embedding a benchmark corpus takes minutes on a CPU;
  comparing retrieval variants should not pay that every time.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Sequence

import numpy as np

__all__ = ["LruEmbedder", "CachedEmbedder"]


class _RememberingEmbedder:
    """``encode`` that asks :meth:`_recall` first and :meth:`_keep` s what it embeds."""

    def __init__(self, embedder):
        self.inner = embedder
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dim(self) -> int:
        return self.inner.dim

    def warm_up(self) -> None:
        if hasattr(self.inner, "warm_up"):
            self.inner.warm_up()

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        found = self._recall(texts)
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        if missing:
            vectors = np.asarray(self.inner.encode(missing, progress=progress), dtype=np.float32)
            fresh = dict(zip(missing, vectors))
            self._keep(fresh)
            found.update(fresh)
        return np.ascontiguousarray(np.vstack([found[t] for t in texts]), dtype=np.float32)

    def _recall(self, texts: list[str]) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def _keep(self, vectors: dict[str, np.ndarray]) -> None:
        raise NotImplementedError


class LruEmbedder(_RememberingEmbedder):
    """Remembers the ``size`` most recently used texts (thread-safe; 0 turns it off)."""

    def __init__(self, embedder, size: int):
        super().__init__(embedder)
        self.size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()

    def _recall(self, texts):
        with self._lock:
            found = {t: self._vectors[t] for t in texts if t in self._vectors}
            for text in found:
                self._vectors.move_to_end(text)
        return found

    def _keep(self, vectors):
        if self.size <= 0:
            return
        with self._lock:
            for text, vector in vectors.items():
                self._vectors[text] = vector
                self._vectors.move_to_end(text)
            while len(self._vectors) > self.size:
                self._vectors.popitem(last=False)


class CachedEmbedder(_RememberingEmbedder):
    """Remembers every vector in ``cache_dir/embeddings-<model>.sqlite``."""

    def __init__(self, embedder, cache_dir: Path):
        super().__init__(embedder)
        self.cache_dir = Path(cache_dir)
        self._db: sqlite3.Connection | None = None

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

    def _recall(self, texts):
        by_key = {self._key(t): t for t in texts}
        keys = list(by_key)
        found = {}
        with self._lock:
            db = self._connection()
            for i in range(0, len(keys), 500):  # SQLite limits bound parameters
                batch = keys[i:i + 500]
                rows = db.execute(f"SELECT key, vector FROM vectors WHERE key IN "
                                  f"({','.join('?' * len(batch))})", batch)
                found.update((by_key[k], np.frombuffer(v, dtype=np.float32)) for k, v in rows)
        return found

    def _keep(self, vectors):
        with self._lock:
            self._connection().executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                [(self._key(t), v.tobytes()) for t, v in vectors.items()])
            self._connection().commit()
