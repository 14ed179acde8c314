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


class FakeModel:
    """Stands in for the local GGUF model: streams a scripted completion word by
    word and records the prompts it was given."""

    def __init__(self, reply: str = "", *, error: Exception | None = None, rewrite: str = ""):
        self.reply = reply
        self.rewrite = rewrite
        self.error = error
        self.prompts: list[str] = []

    def load(self):
        if self.error:
            raise self.error
        return self

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def stream(self, prompt, max_tokens, stop=None):
        self.load()
        self.prompts.append(prompt)
        text = self.rewrite if "Rewritten question:" in prompt else self.reply
        for n, word in enumerate(text.split(" ")):
            yield word if n == 0 else " " + word

    def complete(self, prompt, max_tokens, stop=None):
        return "".join(self.stream(prompt, max_tokens, stop))
