"""Lexical (BM25) search over the passages and articles.

Each passage is indexed under its article's title, so a passage deep in a story
still matches the words of the headline. Text is lower-cased, split into
words, stripped of English stop words and stemmed with the Snowball stemmer
(:func:`rag.text.words.tokenize`); questions go through the same pipeline.

The BM25 indexes are kept in every index version as one file, ``bm25.zip``
(:data:`BM25_FILE`, which the builder and the retriever pass to the store:
written for the complete new version on every build, checksummed in the
manifest and loaded with the index). They hold raw term counts, so an incremental change reuses
the previous version's rows and tokenises only the new passages and articles
(tokenising a 1,200-article collection took most of the time of adding one
article when the whole BM25 index was rebuilt on every change).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from ..text.words import tokenize
from .store import VersionFile

__all__ = ["LexicalIndex", "LexicalIndexes", "top_positions", "VERSION_FILE", "BM25_FILE",
           "BM25_K1", "BM25_B"]

#: The file in each index version that holds the BM25 indexes.
VERSION_FILE = "bm25.zip"
#: BM25's parameters (Lucene's defaults), for this index and the ``milvus`` backend's.
BM25_K1, BM25_B = 1.2, 0.75


class LexicalIndex:
    """BM25 scores for a list of documents (positions match the list).

    Scores are Lucene's BM25, the variant ``bm25s`` computes with
    ``method="lucene"``. Unlike ``bm25s``, which stores the final score of
    every (term, document) pair, this keeps the raw term counts of each
    document and scores at query time (a few thousand postings per query
    word, microseconds). Adding one document changes the IDF of its words
    and the average length, so precomputed scores would all have to be
    recomputed; raw counts let :meth:`updated` keep the other documents'
    rows as they are and tokenise only the new ones. That is what makes
    adding one article to a large index fast.

    The counts are a sparse matrix in CSR form: ``indptr`` (documents + 1),
    ``terms`` (term ids) and ``counts``, over ``vocab`` (term id -> word).
    """

    def __init__(self, indptr: np.ndarray, terms: np.ndarray, counts: np.ndarray,
                 vocab: list[str], *, k1: float = BM25_K1, b: float = BM25_B):
        self._indptr = np.asarray(indptr, dtype=np.int64)
        self._terms = np.asarray(terms, dtype=np.int32)
        self._counts = np.asarray(counts, dtype=np.int32)
        self.vocab = list(vocab)
        self.n_docs = len(self._indptr) - 1
        self.params = {"k1": k1, "b": b, "method": "lucene",
                       "tokenizer": "word/en-stopwords/snowball-english"}

    @classmethod
    def build(cls, texts: Sequence[str], *, k1: float = BM25_K1,
              b: float = BM25_B) -> "LexicalIndex":
        empty = cls(np.zeros(1), np.zeros(0), np.zeros(0), [], k1=k1, b=b)
        return empty.updated(list(texts))

    def updated(self, rows: Sequence[int | str]) -> "LexicalIndex":
        """A new index whose document ``i`` is this index's document
        ``rows[i]`` (an ``int``: its counts are reused) or the text
        ``rows[i]`` (a ``str``: tokenised now). This index is unchanged.

        Words used only by dropped documents stay in the vocabulary with no
        postings (they score nothing) until the index is built afresh."""
        word_ids = {w: i for i, w in enumerate(self.vocab)}
        vocab = list(self.vocab)
        fresh_terms, fresh_counts, fresh_lens = [], [], []
        for row in rows:
            if isinstance(row, str):
                bag: dict[int, int] = {}
                for word in tokenize(row):
                    tid = word_ids.get(word)
                    if tid is None:
                        tid = word_ids[word] = len(vocab)
                        vocab.append(word)
                    bag[tid] = bag.get(tid, 0) + 1
                fresh_terms.append(np.fromiter(bag.keys(), np.int32, len(bag)))
                fresh_counts.append(np.fromiter(bag.values(), np.int32, len(bag)))
                fresh_lens.append(len(bag))
        # Stack [this index's rows, fresh rows], then pick rows in the wanted order.
        n_old = self.n_docs
        lens = np.concatenate([np.diff(self._indptr), np.asarray(fresh_lens, np.int64)])
        terms = np.concatenate([self._terms, *fresh_terms]) if fresh_terms else self._terms
        counts = np.concatenate([self._counts, *fresh_counts]) if fresh_counts else self._counts
        starts = np.concatenate([[0], np.cumsum(lens)])[:-1]
        order, next_fresh = [], n_old
        for row in rows:
            if isinstance(row, str):
                order.append(next_fresh)
                next_fresh += 1
            else:
                if not 0 <= row < n_old:
                    raise IndexError(f"no document {row} in a BM25 index of {n_old}")
                order.append(row)
        order = np.asarray(order, dtype=np.int64)
        picked = lens[order]
        indptr = np.concatenate([[0], np.cumsum(picked)]).astype(np.int64)
        # Positions of the picked rows' entries, without a Python loop per row.
        take = np.repeat(starts[order] - indptr[:-1], picked) + np.arange(indptr[-1])
        return LexicalIndex(indptr, terms[take], counts[take], vocab,
                            k1=self.params["k1"], b=self.params["b"])

    @functools.cached_property
    def _postings(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The index by term (CSC) for scoring: term indptr, documents, and each
        posting's ``tf / (tf + k1 * (1 - b + b * len / avglen))``; plus each
        term's IDF. A query then costs one multiply-add per posting of its words."""
        k1, b = self.params["k1"], self.params["b"]
        docs = np.repeat(np.arange(self.n_docs, dtype=np.int32), np.diff(self._indptr))
        by_term = np.argsort(self._terms, kind="stable")
        df = np.bincount(self._terms, minlength=len(self.vocab))
        indptr = np.concatenate([[0], np.cumsum(df)])
        idf = np.log(1 + (self.n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
        # Document length in words; an empty document counts as one word, as
        # in bm25s (which indexes it as a placeholder word).
        lengths = np.maximum(np.bincount(docs, weights=self._counts, minlength=self.n_docs), 1)
        norm = k1 * (1 - b + b * lengths / lengths.mean()) if self.n_docs else lengths
        docs, tf = docs[by_term], self._counts[by_term].astype(np.float32)
        weights = (tf / (tf + norm[docs])).astype(np.float32)
        return indptr, docs, weights, idf

    def scores(self, question: str) -> np.ndarray:
        """BM25 score of every document for ``question`` (0 where no word matches)."""
        scores = np.zeros(self.n_docs, dtype=np.float32)
        if self.n_docs == 0:
            return scores
        word_ids = self._word_ids
        words = [word_ids[w] for w in tokenize(question) if w in word_ids]
        if not words:
            return scores
        indptr, docs, weights, idf = self._postings
        for tid in words:   # a repeated word counts again, as in bm25s
            s, e = indptr[tid], indptr[tid + 1]
            scores[docs[s:e]] += idf[tid] * weights[s:e]
        return scores

    def warm_up(self) -> None:
        """Prepare the query-time tables now rather than on the first query."""
        self._postings, self._word_ids

    @functools.cached_property
    def _word_ids(self) -> dict[str, int]:
        return {w: i for i, w in enumerate(self.vocab)}

    # ------------------------------------------------------------ persistence
    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The index as named arrays (for :func:`numpy.savez`)."""
        small = self._counts.max(initial=0) < 1 << 16  # counts fit in 16 bits: half the bytes
        return {f"{prefix}.indptr": self._indptr, f"{prefix}.terms": self._terms,
                f"{prefix}.counts": self._counts.astype(np.uint16 if small else np.int32),
                f"{prefix}.vocab": _text_array("\n".join(self.vocab)),
                f"{prefix}.params": _text_array(json.dumps(self.params))}

    @classmethod
    def from_arrays(cls, data, prefix: str) -> "LexicalIndex":
        params = json.loads(_array_text(data[f"{prefix}.params"]))
        vocab_text = _array_text(data[f"{prefix}.vocab"])
        return cls(data[f"{prefix}.indptr"], data[f"{prefix}.terms"], data[f"{prefix}.counts"],
                   vocab_text.split("\n") if vocab_text else [], k1=params["k1"], b=params["b"])


def _text_array(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def _array_text(array: np.ndarray) -> str:
    return np.asarray(array, dtype=np.uint8).tobytes().decode("utf-8")


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
    (header and full text), which says which *story* is about the question.

    Rows are keyed by chunk id (a chunk id is never reused, so its text never
    changes) and by article id and content hash, so :meth:`build` given the
    indexes of the previous version tokenises only new passages and articles.
    """

    def __init__(self, passages: LexicalIndex, articles: LexicalIndex, article_ids: list[str],
                 chunk_ids: list[int] | None = None, article_hashes: list[str] | None = None):
        self.passages = passages
        self.articles = articles
        self.article_ids = article_ids
        self.chunk_ids = chunk_ids
        self.article_hashes = article_hashes

    def warm_up(self) -> None:
        self.passages.warm_up()
        self.articles.warm_up()

    @classmethod
    def build(cls, articles: Iterable, chunks: Sequence, chunk_ids: Sequence[int] | None = None,
              previous: "LexicalIndexes | None" = None) -> "LexicalIndexes":
        """From :class:`~rag.articles.Article` records and the chunks in index
        order (with their ids, if known). Rows of ``previous`` whose chunk id,
        or article id and hash, are still there are reused as they are."""
        from .searchable import searchable_text

        by_id = {a.id: a for a in articles}
        ids = list(by_id)
        hashes = [by_id[i].content_hash for i in ids]
        old_chunks, old_articles = {}, {}
        if previous is not None and previous.chunk_ids is not None and chunk_ids is not None:
            old_chunks = {cid: row for row, cid in enumerate(previous.chunk_ids)}
            old_articles = {key: row for row, key in
                            enumerate(zip(previous.article_ids, previous.article_hashes))}
        passages = (previous.passages if old_chunks else LexicalIndex.build([])).updated([
            old_chunks[cid] if cid in old_chunks else searchable_text(by_id[c.article_id], c.text)
            for c, cid in zip(chunks, chunk_ids if chunk_ids is not None else [None] * len(chunks))])
        whole = (previous.articles if old_articles else LexicalIndex.build([])).updated([
            old_articles[key] if key in old_articles
            else searchable_text(by_id[key[0]], by_id[key[0]].text)
            for key in zip(ids, hashes)])
        return cls(passages, whole, ids,
                   list(chunk_ids) if chunk_ids is not None else None, hashes)

    def write_file(self, path: Path) -> None:
        """All of it as one uncompressed NumPy ``.npz`` (a zip of arrays):
        compressing saved a few MB but cost seconds on every change."""
        keys = {"article_ids": self.article_ids, "article_hashes": self.article_hashes,
                "chunk_ids": self.chunk_ids}
        with open(path, "wb") as out:
            np.savez(out, **self.passages.arrays("passages"), **self.articles.arrays("articles"),
                     keys=_text_array(json.dumps(keys, ensure_ascii=False)))

    @classmethod
    def read_file(cls, path: Path) -> "LexicalIndexes | None":
        """The indexes in ``path``; ``None`` for a file of the earlier format
        (a zip of ``bm25s`` files): the retriever then builds the indexes in
        memory and the next change writes them in this format."""
        with np.load(path, allow_pickle=False) as data:
            if "keys" not in data.files:
                return None
            keys = json.loads(_array_text(data["keys"]))
            return cls(LexicalIndex.from_arrays(data, "passages"),
                       LexicalIndex.from_arrays(data, "articles"), keys["article_ids"],
                       keys["chunk_ids"], keys["article_hashes"])


def _write_version_file(index, path: Path) -> None:
    # Reuse the BM25 rows of the version this one was derived from (see
    # StoredIndex.base_extras): only new passages and articles are tokenised.
    lexical = LexicalIndexes.build(index.articles.values(), index.chunks, index.chunk_ids,
                                   previous=index.base_extras.get(VERSION_FILE))
    lexical.write_file(path)
    index.extras[VERSION_FILE] = lexical


def _read_version_file(index, path: Path) -> "LexicalIndexes | None":
    return LexicalIndexes.read_file(path)


#: The BM25 part of an index version, for :meth:`rag.index.store.StoredIndex.save`
#: and :meth:`~rag.index.store.StoredIndex.load`.
BM25_FILE = VersionFile(VERSION_FILE, _write_version_file, _read_version_file)
