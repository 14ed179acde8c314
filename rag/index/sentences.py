"""Sentence vectors kept with the index, so answering looks them up instead of computing them.

The extractive answerer and corroboration compare the sentences of retrieved
passages with the question and with each other by their embeddings. A
sentence's vector does not depend on the question, so it is computed once, when
the index version is written, and kept in it as one file,
``sentence-vectors.npz`` (a :class:`~rag.index.store.VersionFile`, like BM25):
one vector per distinct sentence text of the passages, as
:func:`rag.text.sentences.split_sentences` cuts them, keyed by a 64-bit hash
of the exact text. The engine's vector cache (:mod:`rag.models.cache`) asks
:meth:`SentenceVectors.lookup` before it runs the model; a text that is not
there (a clause, a trimmed quote, an index written before this file existed)
is simply embedded as before. The ``milvus`` backend keeps the same int8 vectors
in a collection of its own (:mod:`rag.index.milvus`).

To keep the index small, a vector is stored as 384 int8 values (scaled so
its largest component is 127; a unit vector again once looked up): 0.4 KB per
sentence instead of 1.5 KB, and the dot product of two looked-up unit vectors
differs from the full-precision one by about 1e-3 at most
(``tests/index/test_sentence_vectors.py``). After an incremental change the vectors
of sentences still in the index are carried over from the previous version;
only new sentences are embedded, and removed articles' sentences are dropped.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from ..models.embedding import encode_longest_first
from ..text.sentences import split_sentences
from .store import VersionFile

__all__ = ["SentenceVectors", "SENTENCES_FILE", "sentence_vectors_file", "sentence_texts",
           "sentence_key", "embed_sentences", "quantize", "dequantize", "stored_sentence_vectors"]

SENTENCES_FILE = "sentence-vectors.npz"
# A progress bar for at least this many new sentences.
_BAR_FROM = 4096


def sentence_key(text: str) -> int:
    """The 64-bit hash a sentence's vector is stored under."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


def quantize(vectors: np.ndarray) -> np.ndarray:
    """int8 codes of ``vectors``, one row each: the direction, scaled so the
    largest component is 127."""
    vectors = np.asarray(vectors, dtype=np.float32)
    scales = np.maximum(np.abs(vectors).max(axis=1, initial=0.0), 1e-12) / 127.0
    return np.clip(np.rint(vectors / scales[:, None]), -127, 127).astype(np.int8)


def dequantize(codes: np.ndarray) -> np.ndarray:
    """The unit float32 vectors of int8 ``codes``."""
    out = np.asarray(codes).astype(np.float32)
    out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
    return out


def sentence_texts(chunks: Iterable) -> list[str]:
    """The distinct sentence texts of ``chunks`` (what answering quotes and
    compares), in order of first appearance."""
    texts = {}
    for chunk in chunks:
        for start, end in split_sentences(chunk.text, offset=chunk.start):
            texts.setdefault(chunk.text[start - chunk.start:end - chunk.start], None)
    return list(texts)


class SentenceVectors:
    """Stored sentence vectors: ``keys`` (sorted uint64 text hashes) and
    ``codes`` (int8, one row per key, the direction of the vector)."""

    def __init__(self, keys: np.ndarray, codes: np.ndarray):
        self.keys = np.asarray(keys, dtype=np.uint64)
        self.codes = np.asarray(codes, dtype=np.int8)

    def __len__(self) -> int:
        return len(self.keys)

    @classmethod
    def from_vectors(cls, texts: Sequence[str], vectors: np.ndarray) -> "SentenceVectors":
        """Quantize the unit ``vectors`` of ``texts``."""
        return cls.from_keys(np.array([sentence_key(t) for t in texts], dtype=np.uint64), vectors)

    @classmethod
    def from_keys(cls, keys: np.ndarray, vectors: np.ndarray) -> "SentenceVectors":
        return cls.from_codes(keys, quantize(vectors))

    @classmethod
    def from_codes(cls, keys, codes) -> "SentenceVectors":
        """Int8 ``codes`` under their ``keys``, in any order (the ``milvus``
        backend's, looked up)."""
        keys, first = np.unique(np.asarray(keys, dtype=np.uint64), return_index=True)
        return cls(keys, codes[first])

    def _rows(self, keys: np.ndarray) -> np.ndarray:
        """Row of each key, -1 where it is not stored."""
        if not len(self.keys):
            return np.full(len(keys), -1)
        rows = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        return np.where(self.keys[rows] == keys, rows, -1)

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        """Unit float32 vectors of ``rows``."""
        return dequantize(self.codes[rows])

    def lookup(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors of those ``texts`` that are stored."""
        if not texts or not len(self.keys):
            return {}
        rows = self._rows(np.array([sentence_key(t) for t in texts], dtype=np.uint64))
        found = [i for i, row in enumerate(rows) if row >= 0]
        if not found:
            return {}
        vectors = self.vectors(rows[found])
        return {texts[i]: vectors[n] for n, i in enumerate(found)}

    def updated(self, texts: Sequence[str], embed) -> "SentenceVectors":
        """The vectors of exactly ``texts``: those stored here are kept, the
        others computed with ``embed(list_of_texts) -> vectors``."""
        keys = np.array([sentence_key(t) for t in texts], dtype=np.uint64)
        rows = self._rows(keys)
        new = [i for i, row in enumerate(rows) if row < 0]
        kept = rows >= 0
        parts = [(keys[kept], self.codes[rows[kept]])] if kept.any() else []
        if new:
            fresh = SentenceVectors.from_keys(keys[new], embed([texts[i] for i in new]))
            parts.append((fresh.keys, fresh.codes))
        if not parts:
            return _EMPTY
        return SentenceVectors.from_codes(np.concatenate([k for k, _ in parts]),
                                       np.concatenate([c for _, c in parts]))

    def write(self, path: Path) -> None:
        with open(path, "wb") as out:
            np.savez(out, keys=self.keys, codes=self.codes)

    @classmethod
    def read(cls, path: Path) -> "SentenceVectors":
        with np.load(path, allow_pickle=False) as data:
            return cls(data["keys"], data["codes"])


_EMPTY = SentenceVectors(np.zeros(0, np.uint64), np.zeros((0, 0), np.int8))


def embed_sentences(embedder, texts: list[str], precision: str = "fp32") -> np.ndarray:
    """``embedder``'s vectors of ``texts``, a progress bar on a terminal;
    computed in ``precision`` when the embedder can (the setting
    ``sentence_precision``: bf16 on CPUs with AMX, half the CPU time, vectors
    as close to fp32's as the int8 codes they are stored as).

    In the model's batches, the texts with the most tokens first
    (:func:`~rag.models.embedding.encode_longest_first`): a third less CPU
    than sentence-transformers' order by characters on news-dev sentences,
    the same vectors."""
    from tqdm import tqdm

    with tqdm(total=len(texts), desc="sentences", unit="sentence", file=sys.stderr,
              disable=not sys.stderr.isatty() or len(texts) < _BAR_FROM) as bar:
        model = getattr(embedder, "with_precision", lambda _: embedder)(precision)
        return encode_longest_first(model, texts, getattr(embedder, "batch_size", 64), bar)


def sentence_vectors_file(embedder, precision: str = "fp32") -> VersionFile:
    """The :class:`VersionFile` that keeps the sentence vectors of every
    version, computed with ``embedder`` (the index's own model) in
    ``precision``."""

    def write(index, path: Path) -> None:
        previous = index.base_extras.get(SENTENCES_FILE) or _EMPTY
        stored = previous.updated(sentence_texts(index.chunks),
                                  lambda texts: embed_sentences(embedder, texts, precision))
        stored.write(path)
        index.extras[SENTENCES_FILE] = stored

    return VersionFile(SENTENCES_FILE, write, _read)


def _read(index, path: Path) -> SentenceVectors:
    return SentenceVectors.read(path)


def _not_written(index, path: Path) -> None:
    raise RuntimeError("the sentence vectors are written by sentence_vectors_file(embedder)")


#: For loading only (the retriever): reads the stored sentence vectors.
stored_sentence_vectors = VersionFile(SENTENCES_FILE, _not_written, _read)
