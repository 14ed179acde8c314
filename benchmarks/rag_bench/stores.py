"""``rag-bench stores``: the embedded index beside Milvus, at any size.

For each backend (``embedded``; ``milvus`` on milvus-lite, served on a free
port of 127.0.0.1 by the benchmark itself) it builds the same synthetic
articles with ``rag build``'s own code (:func:`rag.index.backend.make_index`),
then times ``retrieve(k=5)`` (hybrid, the defaults) for the same questions.

The vectors come from a hashing stand-in for the model, so the figures are the
stores' own cost (chunking, BM25, writing, searching): with the real model a
build is bound by embedding (``rag-bench perf``). milvus-lite runs on the same
machine as the client: these are single-machine figures, not a cluster's.
Every row carries the load average; nothing here asserts a speed.
"""

from __future__ import annotations

import tempfile
import time
import zlib
from pathlib import Path
from typing import Callable

import numpy as np

from .measure import machine_load, percentiles_ms, time_each
from .scale import _synthetic_corpus

__all__ = ["STORES_KEYS", "run_stores_bench", "format_stores"]

#: Keys of each object of ``rag-bench stores N --json`` (more may follow them).
STORES_KEYS = ("backend", "articles", "passages", "build_seconds", "build_passages_per_s",
               "retrieve_ms_p50", "retrieve_ms_p95")

#: Content words per synthetic article (about seven 200-token passages).
WORDS_PER_ARTICLE = 560


class _HashingEmbedder:
    """384-d unit vectors from hashed words: texts sharing words are close.
    Stands in for the model so the benchmark measures the stores."""

    name = "hashing-384"
    dim = 384

    def encode(self, texts, *, progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            buckets = [zlib.crc32(word.encode()) % self.dim for word in text.lower().split()]
            np.add.at(out[row], buckets, 1.0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)

    def warm_up(self) -> None:
        pass


def _articles(n_passages: int):
    """Synthetic articles of Zipf-distributed words, dated over a year, from five
    sources; and questions made of a few words of random articles."""
    from rag.ingest.articles import Article

    n_articles = max(1, n_passages * 80 // WORDS_PER_ARTICLE)
    docs, _ = _synthetic_corpus(n_articles, length=WORDS_PER_ARTICLE)
    articles = []
    for i, words in enumerate(docs):
        sentences = [" ".join(f"w{w}" for w in words[s:s + 14]) + "."
                     for s in range(0, len(words), 14)]
        articles.append(Article(f"a{i}", " ".join(sentences), title=f"Story {i}",
                                source=f"outlet{i % 5}.example",
                                date=f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}"))
    rng = np.random.default_rng(7)
    questions = [" ".join(f"w{w}" for w in rng.choice(docs[int(rng.integers(len(docs)))], 6))
                 for _ in range(200)]
    return articles, questions


def run_stores_bench(n_passages: int, *, backends=("embedded", "milvus"),
                     log: Callable[[str], None] | None = None) -> list[dict]:
    """One row per backend: build throughput and retrieve latency at ``n_passages``."""
    from rag.engine import Engine
    from rag.index.backend import make_index
    from rag.index.milvus import start_lite_server
    from rag.settings import Settings

    log = log or (lambda message: None)
    articles, questions = _articles(n_passages)
    embedder = _HashingEmbedder()
    rows = []
    with tempfile.TemporaryDirectory(prefix="rag-bench-stores-") as work:
        work = Path(work)
        server = None
        try:
            for backend in backends:
                settings = Settings().replace(index_dir=work / backend, articles_dir=work,
                                              backend=backend)
                if backend == "milvus":
                    from socket import socket

                    with socket() as s:
                        s.bind(("127.0.0.1", 0))
                        port = s.getsockname()[1]
                    server = start_lite_server(work / "bench.db", port)
                    settings = settings.replace(milvus_uri=f"http://127.0.0.1:{port}")
                log(f"{backend}: building {len(articles)} articles")
                row: dict = {"backend": backend, "articles": len(articles),
                             "load_before": machine_load()}
                started, used = time.perf_counter(), time.process_time()
                summary = make_index(settings, embedder).build(progress=False,
                                                               articles=articles)
                seconds = time.perf_counter() - started
                row.update(passages=summary.chunks, build_seconds=round(seconds, 1),
                           build_passages_per_s=round(summary.chunks / seconds, 1),
                           build_client_cpu_seconds=round(time.process_time() - used, 1),
                           build_timings={k: round(v, 1) for k, v in summary.timings.items()})
                engine = Engine(settings, embedder)
                engine.retriever.warm_up()
                for q in questions[:10]:
                    engine.retrieve(q, 5)
                log(f"{backend}: {len(questions)} questions")
                cpu: list[float] = []
                row["retrieve_ms_p50"], row["retrieve_ms_p95"] = percentiles_ms(
                    time_each(lambda q: engine.retrieve(q, 5), questions, cpu))
                row["retrieve_client_cpu_ms_p50"] = percentiles_ms(cpu)[0]
                row["load_after"] = machine_load()
                rows.append(row)
        finally:
            if server is not None:
                server.stop()
    return rows


def format_stores(rows: list[dict]) -> str:
    lines = ["| backend | articles | passages | build s (client CPU s) | passages/s | "
             "retrieve p50 / p95 ms (client CPU p50) | load before → after |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r['backend']} | {r['articles']:,} | {r['passages']:,} | {r['build_seconds']} "
            f"({r['build_client_cpu_seconds']}) | {r['build_passages_per_s']} | "
            f"{r['retrieve_ms_p50']} / {r['retrieve_ms_p95']} "
            f"({r['retrieve_client_cpu_ms_p50']}) | {r['load_before'][0]} → "
            f"{r['load_after'][0]} |")
    return "\n".join(lines)
