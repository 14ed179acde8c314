"""The one vector cache: an embedder that remembers the vectors it returns.

:class:`CachedEmbedder` wraps any :class:`~rag.models.embedding.Embedder`,
returns remembered vectors and embeds only the texts it has not seen, in one
batch. The vectors are the wrapped embedder's own, so results do not change;
only time does. It remembers

* in memory, the ``size`` most recently used texts (0: none). The engine
  creates one for its answerer and corroborator: they embed every sentence of
  the retrieved passages, the same passages come back for many questions (and
  every follow-up), and under concurrent load that repeated model work would
  be most of an answer's cost (``Settings.answer_cache_size``);
* given ``stored`` (the engine sets it), the vectors an index keeps for its
  passages' sentences (:mod:`rag.index.sentences`): looked up by text before
  the model runs, so a sentence of any retrieved passage costs no model time;
* with ``cache_dir``, every vector on disk, in a SQLite file keyed by a hash of
  the model name (with its precision when not fp32: bfloat16 vectors never
  stand in for fp32 ones, so a measurement is of the precision it names) and
  the exact text (another chunking or title header is simply a miss).
  Embedding a benchmark corpus takes minutes on a CPU; comparing retrieval
  variants with ``rag eval`` should not pay that every time.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .embedding import Embedder

__all__ = ["CachedEmbedder"]


class CachedEmbedder:
    """``embedder`` with a memory of ``size`` recent vectors (thread-safe) and,
    given ``cache_dir``, of every vector in ``cache_dir/embeddings-<model>.sqlite``.
    ``stored(texts)``, when set, returns the vectors it holds for some of
    ``texts`` (by text; the same model's): they are used before the model."""

    def __init__(self, embedder: Embedder, *, size: int = 0, cache_dir: Path | None = None,
                 stored: Callable[[list[str]], dict[str, np.ndarray]] | None = None):
        self.inner = embedder
        self.size = max(0, int(size))
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.stored = stored
        self.hits = 0
        self.misses = 0
        #: How many texts ``stored`` answered.
        self.stored_hits = 0
        self._memory: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._views: dict[str, CachedEmbedder] = {}

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dim(self) -> int:
        return self.inner.dim

    @property
    def token_counts(self):
        """The inner model's token counter, or ``None``: a build orders its
        batches by it (:func:`~rag.models.embedding.batches_longest_first`)."""
        return getattr(self.inner, "token_counts", None)

    @property
    def in_memory(self) -> int:
        """How many vectors are held in memory."""
        return len(self._memory)

    def with_precision(self, precision: str) -> "CachedEmbedder":
        """The inner model computing in ``precision``, through a cache of its
        own (on disk its vectors are kept apart: see ``_on_disk``)."""
        view = getattr(self.inner, "with_precision", lambda _: self.inner)(precision)
        if view is self.inner:
            return self
        # One view per precision: every build asks again, and a new one would
        # open its SQLite file again and start with an empty memory.
        key = getattr(view, "precision", precision)
        if key not in self._views:
            self._views[key] = CachedEmbedder(view, size=self.size, cache_dir=self.cache_dir,
                                              stored=self.stored)
        return self._views[key]

    def warm_up(self) -> None:
        if hasattr(self.inner, "warm_up"):
            self.inner.warm_up()

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        distinct = list(dict.fromkeys(texts))
        with self._lock:
            found = {t: self._memory[t] for t in distinct if t in self._memory}
            if self.cache_dir is not None:
                found.update(self._from_disk([t for t in distinct if t not in found]))
        n_stored = 0
        if self.stored is not None and len(found) < len(distinct):
            looked_up = self.stored([t for t in distinct if t not in found])
            found.update(looked_up)
            n_stored = len(looked_up)
        missing = [t for t in distinct if t not in found]
        if missing:
            vectors = np.asarray(self.inner.encode(missing, progress=progress), dtype=np.float32)
            fresh = dict(zip(missing, vectors))
            found.update(fresh)
        with self._lock:
            self.hits += len(texts) - len(missing)
            self.misses += len(missing)
            self.stored_hits += n_stored
            if missing and self.cache_dir is not None:
                self._to_disk(fresh)
            self._remember(found)
        return np.ascontiguousarray(np.vstack([found[t] for t in texts]), dtype=np.float32)

    # ------------------------------------------------------------------ memory
    def _remember(self, vectors: dict[str, np.ndarray]) -> None:
        """Keep ``vectors`` as the most recently used, within ``size`` (under the lock)."""
        if not self.size:
            return
        for text, vector in vectors.items():
            self._memory[text] = vector
            self._memory.move_to_end(text)
        while len(self._memory) > self.size:
            self._memory.popitem(last=False)

    # -------------------------------------------------------------------- disk
    @property
    def _on_disk(self) -> str:
        """The name vectors are kept under on disk: the model's, with
        ``+bf16`` for a model computing in bfloat16."""
        precision = getattr(self.inner, "precision", "fp32")
        return self.name if precision == "fp32" else f"{self.name}+{precision}"

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in self._on_disk)
            self._db = sqlite3.connect(self.cache_dir / f"embeddings-{safe}.sqlite",
                                       check_same_thread=False, timeout=60)
            self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, "
                             "vector BLOB NOT NULL)")
        return self._db

    def _key(self, text: str) -> bytes:
        return hashlib.sha256(f"{self._on_disk}\0{text}".encode("utf-8")).digest()

    def _from_disk(self, texts: list[str]) -> dict[str, np.ndarray]:
        by_key = {self._key(t): t for t in texts}
        keys = list(by_key)
        found = {}
        db = self._connection()
        for i in range(0, len(keys), 500):  # SQLite limits bound parameters
            batch = keys[i:i + 500]
            rows = db.execute(f"SELECT key, vector FROM vectors WHERE key IN "
                              f"({','.join('?' * len(batch))})", batch)
            found.update((by_key[k], np.frombuffer(v, dtype=np.float32)) for k, v in rows)
        return found

    def _to_disk(self, vectors: dict[str, np.ndarray]) -> None:
        db = self._connection()
        db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                       [(self._key(t), v.tobytes()) for t, v in vectors.items()])
        db.commit()
