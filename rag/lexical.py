"""Lexical (BM25) search over the passages, with the ``bm25s`` library.

Each passage is indexed under its article's title, so a passage deep in a story
still matches the words of the headline. Text is lower-cased, split into
words, stripped of English stop words and stemmed with the Snowball stemmer
(``PyStemmer``); questions go through the same pipeline.

The BM25 indexes are kept in every index version as one file, ``bm25.zip``
(registered with :func:`rag.store.register_version_file`, so it is rebuilt
from the complete chunk list on every build, incremental or not, checksummed
in the manifest and loaded with the index).
"""

from __future__ import annotations

import functools
import json
import re
import tempfile
import zipfile
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

__all__ = ["LexicalIndex", "LexicalIndexes", "tokenize", "top_positions", "VERSION_FILE"]

#: The file in each index version that holds the BM25 indexes.
VERSION_FILE = "bm25.zip"
_CONFIG = "lexical.json"
_WORD = re.compile(r"\w+", re.UNICODE)


@functools.cache
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@functools.cache
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


def tokenize(text: str) -> list[str]:
    """Lower-cased, stop-word-free, stemmed words of ``text``."""
    stop = _stopwords()
    words = [w for w in _WORD.findall(text.lower()) if w not in stop]
    return _stemmer().stemWords(words)


class LexicalIndex:
    """BM25 scores for every passage of an index (positions match its chunks)."""

    def __init__(self, bm25, n_docs: int, params: dict):
        self._bm25 = bm25
        self.n_docs = n_docs
        self.params = params

    @classmethod
    def build(cls, texts: Sequence[str], *, k1: float = 1.2, b: float = 0.75) -> "LexicalIndex":
        import bm25s

        corpus = [tokenize(t) for t in texts]
        bm25 = bm25s.BM25(k1=k1, b=b, method="lucene")
        if corpus:
            # bm25s cannot index an empty vocabulary; a placeholder word that no
            # query can produce (tokenize never yields spaces) keeps it valid.
            bm25.index([words or [" "] for words in corpus], show_progress=False)
        return cls(bm25, len(corpus), {"k1": k1, "b": b, "method": "lucene",
                                       "tokenizer": "word/en-stopwords/snowball-english"})

    def scores(self, question: str) -> np.ndarray:
        """BM25 score of every passage for ``question`` (0 where no word matches)."""
        if self.n_docs == 0:
            return np.zeros(0, dtype=np.float32)
        vocab = self._bm25.vocab_dict
        words = [w for w in tokenize(question) if w in vocab]
        if not words:
            return np.zeros(self.n_docs, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(words), dtype=np.float32)

    # ------------------------------------------------------------ persistence
    def save(self, directory: Path) -> list[Path]:
        """Write the index into ``directory``; return the files written."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        if self.n_docs:
            self._bm25.save(str(directory), show_progress=False)
        (directory / _CONFIG).write_text(json.dumps({**self.params, "n_docs": self.n_docs}))
        return sorted(p for p in directory.rglob("*") if p.is_file())

    @classmethod
    def load(cls, directory: Path) -> "LexicalIndex":
        import bm25s

        directory = Path(directory)
        params = json.loads((directory / _CONFIG).read_text())
        n_docs = params.pop("n_docs")
        bm25 = bm25s.BM25.load(str(directory), show_progress=False) if n_docs else bm25s.BM25()
        return cls(bm25, n_docs, params)


def top_positions(scores: np.ndarray, n: int, allowed: Iterable[int] | None = None) -> np.ndarray:
    """Positions of the ``n`` highest positive scores, best first."""
    if allowed is not None:
        mask = np.zeros(len(scores), dtype=bool)
        mask[list(allowed)] = True
        scores = np.where(mask, scores, 0)
    n = min(n, int((scores > 0).sum()))
    if n <= 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-scores, n - 1)[:n]
    return part[np.argsort(-scores[part], kind="stable")]


class LexicalIndexes:
    """The two BM25 indexes of a collection: one over passages (each under its
    article header, positions matching the chunks) and one over whole articles
    (header and full text), which says which *story* is about the question."""

    def __init__(self, passages: LexicalIndex, articles: LexicalIndex, article_ids: list[str]):
        self.passages = passages
        self.articles = articles
        self.article_ids = article_ids

    @classmethod
    def build(cls, articles: Iterable, chunks: Sequence) -> "LexicalIndexes":
        """From :class:`~rag.articles.Article` records and the chunks in index order."""
        from .searchable import searchable_text

        by_id = {a.id: a for a in articles}
        passages = LexicalIndex.build([searchable_text(by_id[c.article_id], c.text)
                                       for c in chunks])
        ids = list(by_id)
        whole = LexicalIndex.build([searchable_text(by_id[i], by_id[i].text) for i in ids])
        return cls(passages, whole, ids)

    def save(self, directory: Path) -> list[Path]:
        directory = Path(directory)
        files = self.passages.save(directory / "passages")
        files += self.articles.save(directory / "articles")
        ids = directory / "article_ids.json"
        ids.write_text(json.dumps(self.article_ids, ensure_ascii=False))
        return files + [ids]

    @classmethod
    def load(cls, directory: Path) -> "LexicalIndexes":
        directory = Path(directory)
        return cls(LexicalIndex.load(directory / "passages"),
                   LexicalIndex.load(directory / "articles"),
                   json.loads((directory / "article_ids.json").read_text()))

    def write_file(self, path: Path) -> None:
        """All of it as one zip file (bm25s writes a directory of files)."""
        with tempfile.TemporaryDirectory() as tmp:
            files = self.save(Path(tmp))
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
                for f in files:
                    bundle.write(f, f.relative_to(tmp).as_posix())

    @classmethod
    def read_file(cls, path: Path) -> "LexicalIndexes":
        with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(path) as bundle:
            bundle.extractall(tmp)
            return cls.load(Path(tmp))


def _write_version_file(index, path: Path) -> None:
    LexicalIndexes.build(index.articles.values(), index.chunks).write_file(path)


def _read_version_file(index, path: Path) -> LexicalIndexes:
    return LexicalIndexes.read_file(path)


def _register() -> None:
    from .store import register_version_file

    register_version_file(VERSION_FILE, _write_version_file, _read_version_file)


_register()
