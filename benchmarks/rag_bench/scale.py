"""``rag-bench scale``: the vector index and BM25 at any size, on synthetic data.

:func:`run_scale_bench` builds, for each size, the index ``rag build`` would
build for that many passages from synthetic 384-d vectors and synthetic text,
and measures build time, search latency and recall@10 against exact search,
memory, BM25 (:mod:`rag.index.lexical`) latency and hybrid (vector + BM25 +
rank fusion) latency.

Timings depend on the machine and on whatever else runs on it, so every row
carries the load average at the time; nothing here asserts a speed.
"""

from __future__ import annotations

import json
import time
from typing import Callable, Sequence

import numpy as np

from .measure import machine_load, percentiles_ms, time_each

__all__ = ["SCALE_KEYS", "run_scale_bench", "synthetic_vectors", "synthetic_queries",
           "format_scale"]

#: Keys of each object of ``rag-bench scale N --json`` (more may follow them).
SCALE_KEYS = ("n", "index_type", "build_seconds", "search_ms_p50", "search_ms_p95",
              "hybrid_ms_p50", "memory_mb", "recall@10")


def synthetic_vectors(n: int, dim: int = 384, *, seed: int = 0) -> np.ndarray:
    """``n`` unit vectors with the clustered shape of real passage embeddings:
    topics, sub-topics around them, passages around those (so neighbours are
    meaningful, unlike uniform noise where every point is equally far)."""
    rng = np.random.default_rng(seed)

    def unit(x):
        return x / np.linalg.norm(x, axis=1, keepdims=True)

    topics = unit(rng.standard_normal((max(4, n // 20_000), dim), dtype=np.float32))
    n_sub = max(8, n // 200)
    subtopics = unit(topics[rng.integers(len(topics), size=n_sub)]
                     + 0.9 * rng.standard_normal((n_sub, dim), dtype=np.float32) / np.sqrt(dim))
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, 100_000):  # in blocks: no second full-size copy
        stop = min(n, start + 100_000)
        noise = rng.standard_normal((stop - start, dim), dtype=np.float32) / np.sqrt(dim)
        out[start:stop] = unit(subtopics[rng.integers(n_sub, size=stop - start)] + 0.8 * noise)
    return out


def synthetic_queries(vectors: np.ndarray, n: int, *, seed: int = 1) -> np.ndarray:
    """Queries near (not on) stored vectors, as a question is near its passage."""
    rng = np.random.default_rng(seed)
    base = vectors[rng.integers(len(vectors), size=n)]
    noisy = base + 0.6 * rng.standard_normal(base.shape, dtype=np.float32) / np.sqrt(base.shape[1])
    return np.ascontiguousarray(noisy / np.linalg.norm(noisy, axis=1, keepdims=True))


def _synthetic_corpus(n: int, *, vocab: int = 50_000, length: int = 80, seed: int = 2):
    """``n`` documents of ``length`` content-word ids drawn from a Zipf law over
    ``vocab`` words (stop words already removed, as BM25 tokenisation does)."""
    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, vocab + 1) ** 1.05
    cdf = np.cumsum(p / p.sum())
    pool = list(range(vocab))  # shared int objects: a list per document stays small
    docs = []
    for start in range(0, n, 50_000):
        block = np.searchsorted(cdf, rng.random((min(n, start + 50_000) - start, length)))
        docs.extend([pool[i] for i in row] for row in np.minimum(block, vocab - 1).tolist())
    return docs, cdf


def _bm25_index(n: int):
    """The product's BM25 (:class:`rag.index.lexical.LexicalIndex`) over ``n``
    synthetic passages; the word ids stand for already tokenised words."""
    from rag.index.lexical import LexicalIndex

    docs, cdf = _synthetic_corpus(n)
    vocab = len(cdf)
    started = time.perf_counter()
    words = np.asarray(docs, dtype=np.int64)
    del docs
    # Term counts per passage: unique (passage, word) pairs, in passage order.
    pairs, counts = np.unique((np.arange(n)[:, None] * vocab + words).ravel(), return_counts=True)
    del words
    passages, terms = pairs // vocab, pairs % vocab
    indptr = np.concatenate([[0], np.cumsum(np.bincount(passages, minlength=n))])
    index = LexicalIndex(indptr, terms, counts, [str(i) for i in range(vocab)])
    index.warm_up()
    seconds = time.perf_counter() - started
    memory = sum(a.nbytes for a in (*index._postings, index._indptr, index._terms, index._counts))
    return index, cdf, seconds, memory / 2**20


def _rrf(*rankings, k: int = 10, c: int = 60) -> list[int]:
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, doc in enumerate(ranking):
            if doc >= 0:
                scores[doc] = scores.get(doc, 0.0) + 1.0 / (c + rank + 1)
    return sorted(scores, key=scores.__getitem__, reverse=True)[:k]


def run_scale_bench(sizes: Sequence[int], *, dim: int = 384, n_queries: int = 200,
                    policy=None, bm25: bool = True, log: Callable[[str], None] | None = None
                    ) -> list[dict]:
    """For each size: build the index ``rag build`` would build for that many
    passages and measure it against exact search (and BM25 + hybrid)."""
    import faiss

    from rag.index.vectors import (
        VectorIndexPolicy,
        build_vector_index,
        index_type,
        search_vectors,
    )

    policy = policy or VectorIndexPolicy()
    log = log or (lambda message: None)
    rows = []
    for n in sizes:
        log(f"n={n}: synthetic vectors")
        row: dict = {"n": n}
        vectors = synthetic_vectors(n, dim)
        queries = synthetic_queries(vectors, n_queries)
        exact = faiss.knn(queries, vectors, 10, metric=faiss.METRIC_INNER_PRODUCT)[1]

        log(f"n={n}: building the vector index")
        started, used = time.perf_counter(), time.process_time()
        index = build_vector_index(vectors, np.arange(n), policy)
        row["build_seconds"] = round(time.perf_counter() - started, 2)
        row["build_cpu_seconds"] = round(time.process_time() - used, 2)
        row["index_type"] = index_type(index)

        for q in queries[:10]:  # warm-up
            search_vectors(index, q[None], 10)
        found = np.vstack([search_vectors(index, q[None], 10)[1] for q in queries])
        cpu: list[float] = []
        times = time_each(lambda q: search_vectors(index, q[None], 10), queries, cpu)
        row["search_ms_p50"], row["search_ms_p95"] = percentiles_ms(times)
        row["search_cpu_ms_p50"], row["search_cpu_ms_p95"] = percentiles_ms(cpu)
        row["memory_mb"] = round(faiss.serialize_index(index).nbytes / 2**20, 1)
        row["recall@10"] = round(float(np.mean(
            [len(set(a) & set(b)) / 10 for a, b in zip(found, exact)])), 4)
        # Exact search on the same vectors, as the reference for the threshold.
        cpu = []
        flat_times = time_each(
            lambda q: faiss.knn(q[None], vectors, 10, metric=faiss.METRIC_INNER_PRODUCT),
            queries[:50], cpu)
        row["flat_ms_p50"], _ = percentiles_ms(flat_times)
        row["flat_cpu_ms_p50"], _ = percentiles_ms(cpu)
        row["flat_memory_mb"] = round(vectors.nbytes / 2**20, 1)
        vectors = None  # free them before BM25

        row["hybrid_ms_p50"] = None
        if bm25:
            log(f"n={n}: BM25 over synthetic text")
            retriever, cdf, row["bm25_build_seconds"], row["bm25_memory_mb"] = _bm25_index(n)
            row["bm25_build_seconds"] = round(row["bm25_build_seconds"], 2)
            row["bm25_memory_mb"] = round(row["bm25_memory_mb"], 1)
            rng = np.random.default_rng(3)
            # Six-word questions (tokenised like any question: the words are ids).
            words = [" ".join(str(w) for w in row) for row in
                     np.searchsorted(cdf, rng.random((n_queries, 6))).tolist()]

            from rag.index.lexical import top_positions

            def lexical(i):
                return top_positions(retriever.scores(words[i]), 50)

            def hybrid(i):
                dense = search_vectors(index, queries[i][None], 50)[1][0]
                return _rrf(dense.tolist(), lexical(i).tolist())

            for i in range(10):
                hybrid(i)
            order = range(n_queries)
            cpu = []
            row["bm25_ms_p50"], row["bm25_ms_p95"] = percentiles_ms(time_each(lexical, order, cpu))
            row["bm25_cpu_ms_p50"], _ = percentiles_ms(cpu)
            cpu = []
            row["hybrid_ms_p50"], row["hybrid_ms_p95"] = percentiles_ms(time_each(hybrid, order, cpu))
            row["hybrid_cpu_ms_p50"], row["hybrid_cpu_ms_p95"] = percentiles_ms(cpu)
            del retriever
        row["load"] = machine_load()
        rows.append({**{k: row[k] for k in SCALE_KEYS}, **row})
        log(f"n={n}: {json.dumps(rows[-1])}")
        index = None
    return rows


def format_scale(rows: list[dict]) -> str:
    def ms(row, key):
        return f"{row[key]:.2f}" if row.get(key) is not None else "-"

    head = ("n", "index", "build s", "search p50", "p95", "(CPU p50)", "recall@10",
            "memory MB", "flat p50 (CPU)", "bm25 p50 (CPU)", "hybrid p50 (CPU)", "load")
    lines = [head]
    for r in rows:
        lines.append((f"{r['n']:,}", r["index_type"], f"{r['build_seconds']:.1f}",
                      ms(r, "search_ms_p50"), ms(r, "search_ms_p95"), ms(r, "search_cpu_ms_p50"),
                      f"{r['recall@10']:.3f}", f"{r['memory_mb']:.0f}",
                      f"{ms(r, 'flat_ms_p50')} ({ms(r, 'flat_cpu_ms_p50')})",
                      f"{ms(r, 'bm25_ms_p50')} ({ms(r, 'bm25_cpu_ms_p50')})",
                      f"{ms(r, 'hybrid_ms_p50')} ({ms(r, 'hybrid_cpu_ms_p50')})",
                      str(r["load"][0])))
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    return "\n".join("  ".join(cell.rjust(w) for cell, w in zip(line, widths)) for line in lines)


