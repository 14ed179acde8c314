"""A fast, deterministic stand-in for the embedding model in unit tests."""

from __future__ import annotations

import hashlib
import re

import numpy as np


class FakeEmbedder:
    """Hashed bag of words: texts sharing words get similar unit vectors."""

    name = "fake-bow"
    dim = 512

    def __init__(self):
        self.calls = 0
        self.texts_encoded = 0

    def encode(self, texts, *, progress=False):
        self.calls += 1
        self.texts_encoded += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                bucket = int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim
                out[row, bucket] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)

    def warm_up(self):
        pass
