"""Benchmarks behind ``rag bench``: how fast, how big, and how it grows.

Two benchmarks:

* :func:`run_bench` on a real collection: raw model throughput (the embedding
  model alone encoding the collection's chunks, the limit a build cannot
  beat), ``rag build`` throughput and the ratio of the two, ``retrieve`` and
  extractive ``answer`` latency one query at a time after warm-up, and, in a
  separate serving process, cold start (process start to first answer) and
  peak memory, plus the index size on disk.
* :func:`run_scale_bench` on synthetic 384-d vectors and synthetic text at any
  size: vector index build time, search latency and recall@10 against exact
  search, memory, BM25 (:mod:`rag.index.lexical`) latency and hybrid (vector + BM25 + rank
  fusion) latency.

Timings depend on the machine and on whatever else runs on it, so every result
carries the load average at the time; nothing here asserts a speed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import fields
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from ...settings import Settings

__all__ = ["BENCH_KEYS", "SCALE_KEYS", "DEFAULT_QUESTIONS", "run_bench", "run_scale_bench",
           "synthetic_vectors", "synthetic_queries", "load_questions", "format_bench",
           "format_scale"]

#: Keys of the ``rag bench --json`` object (more may follow them).
BENCH_KEYS = ("raw_chunks_per_s", "build_chunks_per_s", "build_ratio", "retrieve_ms_p50",
              "retrieve_ms_p95", "answer_ms_p50", "answer_ms_p95", "rss_mb", "index_mb",
              "cold_start_s")
#: Keys of each object of ``rag bench --scale N --json`` (more may follow them).
SCALE_KEYS = ("n", "index_type", "build_seconds", "search_ms_p50", "search_ms_p95",
              "hybrid_ms_p50", "memory_mb", "recall@10")

#: Questions used when none are given: general news questions, so the latency
#: measurement exercises both answers and abstentions on any collection.
DEFAULT_QUESTIONS = (
    "Who decided not to use its veto?",
    "What did the government announce this week?",
    "How many people were killed or injured?",
    "Which company reported record profits?",
    "What did the prime minister say about the economy?",
    "Where did the storm make landfall?",
    "Who won the election?",
    "What caused the power outage?",
    "Which team won the championship game?",
    "What are the new rules for travellers?",
    "Why did the central bank raise interest rates?",
    "Who was arrested and what were they charged with?",
    "What did the court rule?",
    "How did markets react to the news?",
    "What did the president say at the press conference?",
    "Which countries agreed to the deal?",
    "When will the new law take effect?",
    "What did scientists discover?",
    "How much will the project cost?",
    "Who resigned and why?",
)


# --------------------------------------------------------------------- helpers
def load_questions(path: Path) -> list[str]:
    """Questions from a file: JSON lines with a ``question`` field (the
    news-dev format) or plain text, one question per line."""
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line:
            out.append(json.loads(line)["question"] if line.startswith("{") else line)
    return out


def _percentiles_ms(seconds: Sequence[float]) -> tuple[float, float]:
    ms = np.asarray(seconds, dtype=np.float64) * 1000
    return round(float(np.percentile(ms, 50)), 2), round(float(np.percentile(ms, 95)), 2)


def _load() -> list[float]:
    """1/5/15-minute load averages: how busy the machine was (2 cores here)."""
    return [round(x, 2) for x in os.getloadavg()]


def _time_each(function: Callable, items: Sequence, cpu: list | None = None,
               clock: Callable[[], float] = time.thread_time) -> list[float]:
    """Wall seconds of ``function(item)`` for each item; with ``cpu``, also
    append the CPU seconds of each call by ``clock`` (this thread's, or with
    ``time.process_time`` all threads'): on a busy machine wall time mostly
    measures the wait for a core, CPU time what the call itself costs."""
    out = []
    for item in items:
        started, used = time.perf_counter(), clock()
        function(item)
        out.append(time.perf_counter() - started)
        if cpu is not None:
            cpu.append(clock() - used)
    return out


def _dir_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file()) / 2**20


def _settings_env(settings: Settings) -> dict[str, str]:
    """The environment that makes ``Settings.from_env()`` equal ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    for f in fields(settings):
        value = getattr(settings, f.name)
        if value is not None:
            env[f"RAG_{f.name.upper()}"] = str(value)
    return env


# ------------------------------------------------------------ collection bench
def run_bench(settings: Settings, *, questions: Sequence[str] | None = None,
              progress: bool = False, embedder=None, log: Callable[[str], None] | None = None
              ) -> dict:
    """Benchmark ``settings.articles_dir`` (a directory, or one ``.jsonl``
    collection file). The index is built in a temporary directory; the
    collection's own index is never touched."""
    from ...engine import Engine
    from ...index.builder import embedding_text
    from ...index.store import live_version
    from ...ingest.articles import load_articles
    from ...ingest.chunking import chunk_article
    from ...models.embedding import make_embedder

    log = log or (lambda message: None)
    questions = list(questions or DEFAULT_QUESTIONS)
    work = Path(tempfile.mkdtemp(prefix="rag-bench-"))
    try:
        source = Path(settings.articles_dir)
        if source.is_file():  # a single collection file: give the build a folder
            (work / "articles").mkdir()
            (work / "articles" / source.name).symlink_to(source.resolve())
            source = work / "articles"
        settings = settings.replace(articles_dir=source, index_dir=work / "index")
        embedder = embedder or make_embedder(settings)
        result: dict = {"articles": str(settings.articles_dir), "backend": settings.embed_backend,
                        "load_before": _load()}

        # Raw model throughput: the model alone on exactly the texts a build embeds.
        articles = load_articles(settings.articles_dir)
        texts = [embedding_text(a, c) for a in articles for c in chunk_article(
            a, settings.chunk_tokens, settings.chunk_overlap_tokens, settings.encoding)]
        embedder.encode(texts[:8])  # load and warm the model outside the timing
        log(f"raw model: encoding {len(texts)} chunks of {len(articles)} articles")
        started, cpu = time.perf_counter(), time.process_time()
        embedder.encode(texts, progress=progress)
        raw_seconds, raw_cpu = time.perf_counter() - started, time.process_time() - cpu
        del articles

        # Build throughput: the real `rag build`, same process, same warm model.
        log("build: rag build into a temporary index")
        engine = Engine(settings, embedder)
        started, cpu = time.perf_counter(), time.process_time()
        summary = engine.build(progress=progress)
        build_seconds, build_cpu = time.perf_counter() - started, time.process_time() - cpu
        raw = len(texts) / raw_seconds
        built = summary.chunks / build_seconds
        result.update(raw_chunks_per_s=round(raw, 2), build_chunks_per_s=round(built, 2),
                      build_ratio=round(built / raw, 3), chunks=summary.chunks,
                      raw_seconds=round(raw_seconds, 2), build_seconds=round(build_seconds, 2),
                      # CPU seconds of this process: what the work costs, much
                      # less disturbed than wall time by other work on the machine.
                      raw_cpu_seconds=round(raw_cpu, 2), build_cpu_seconds=round(build_cpu, 2),
                      build_ratio_cpu=round((summary.chunks / build_cpu) / (len(texts) / raw_cpu), 3))

        # Query latency, one at a time, after warm-up.
        log(f"latency: {len(questions)} questions")
        engine.warm_up()
        for q in questions[:3]:
            engine.answer(q)
        cpu: list[float] = []
        result["retrieve_ms_p50"], result["retrieve_ms_p95"] = _percentiles_ms(
            _time_each(lambda q: engine.retrieve(q, 5), questions, cpu, time.process_time))
        result["retrieve_cpu_ms_p50"], _ = _percentiles_ms(cpu)
        cpu = []
        result["answer_ms_p50"], result["answer_ms_p95"] = _percentiles_ms(
            _time_each(lambda q: engine.answer(q, 5), questions, cpu, time.process_time))
        result["answer_cpu_ms_p50"], _ = _percentiles_ms(cpu)
        result["index_mb"] = round(_dir_mb(live_version(settings.index_dir)), 2)
        del engine, embedder

        log("serving process: cold start and peak memory")
        result.update(_measure_serving_process(settings, questions))
        result["load_after"] = _load()
        return {**{k: result[k] for k in BENCH_KEYS}, **result}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _measure_serving_process(settings: Settings, questions: Sequence[str]) -> dict:
    """Start a fresh process that loads the index and answers ``questions``:
    seconds from process start to the first answer, and its peak RSS."""
    code = "import sys; from rag.app.bench.bench import serve_questions; serve_questions(sys.argv[1:])"
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", code, *questions], text=True,
                             stdout=subprocess.PIPE, env=_settings_env(settings))
    first = child.stdout.readline()
    cold_start = time.perf_counter() - started
    rest, _ = child.communicate()
    if child.returncode or not first.startswith("first-answer"):
        raise RuntimeError(f"the serving process failed (exit {child.returncode})")
    return {"cold_start_s": round(cold_start, 2), **json.loads(rest.strip().splitlines()[-1])}


def serve_questions(questions: Sequence[str]) -> None:
    """The serving process of :func:`run_bench`: answer the first question,
    report it, answer all of them, then print the peak RSS as JSON."""
    import resource

    from ...engine import Engine

    engine = Engine(Settings.from_env())
    engine.answer(questions[0])
    print("first-answer", flush=True)
    for q in questions:
        engine.answer(q)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"rss_mb": round(peak_kb / 1024, 1)}), flush=True)


def format_bench(result: dict) -> str:
    rows = [
        ("raw model throughput", f"{result['raw_chunks_per_s']:.1f} chunks/s"),
        ("rag build throughput", f"{result['build_chunks_per_s']:.1f} chunks/s"),
        ("build / raw", f"{result['build_ratio']:.3f}  (in CPU time: "
                        f"{result['build_ratio_cpu']:.3f})"),
        ("retrieve p50 / p95", f"{result['retrieve_ms_p50']:.1f} / {result['retrieve_ms_p95']:.1f} ms"
                               f"  (CPU p50 {result['retrieve_cpu_ms_p50']:.1f} ms)"),
        ("answer p50 / p95", f"{result['answer_ms_p50']:.1f} / {result['answer_ms_p95']:.1f} ms"
                             f"  (CPU p50 {result['answer_cpu_ms_p50']:.1f} ms)"),
        ("serving process peak RSS", f"{result['rss_mb']:.0f} MB"),
        ("index size on disk", f"{result['index_mb']:.1f} MB"),
        ("cold start (to first answer)", f"{result['cold_start_s']:.1f} s"),
        ("chunks", f"{result['chunks']}"),
        ("load average before / after", f"{result['load_before']} / {result['load_after']}"),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


# ----------------------------------------------------------------- scale bench
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
    """The product's BM25 (:class:`rag.lexical.LexicalIndex`) over ``n``
    synthetic passages; the word ids stand for already tokenised words."""
    from ...index.lexical import LexicalIndex

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

    from ...index.vectors import (
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
        times = _time_each(lambda q: search_vectors(index, q[None], 10), queries, cpu)
        row["search_ms_p50"], row["search_ms_p95"] = _percentiles_ms(times)
        row["search_cpu_ms_p50"], row["search_cpu_ms_p95"] = _percentiles_ms(cpu)
        row["memory_mb"] = round(faiss.serialize_index(index).nbytes / 2**20, 1)
        row["recall@10"] = round(float(np.mean(
            [len(set(a) & set(b)) / 10 for a, b in zip(found, exact)])), 4)
        # Exact search on the same vectors, as the reference for the threshold.
        cpu = []
        flat_times = _time_each(
            lambda q: faiss.knn(q[None], vectors, 10, metric=faiss.METRIC_INNER_PRODUCT),
            queries[:50], cpu)
        row["flat_ms_p50"], _ = _percentiles_ms(flat_times)
        row["flat_cpu_ms_p50"], _ = _percentiles_ms(cpu)
        row["flat_memory_mb"] = round(vectors.nbytes / 2**20, 1)
        del vectors

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

            from ...index.lexical import top_positions

            def lexical(i):
                return top_positions(retriever.scores(words[i]), 50)

            def hybrid(i):
                dense = search_vectors(index, queries[i][None], 50)[1][0]
                return _rrf(dense.tolist(), lexical(i).tolist())

            for i in range(10):
                hybrid(i)
            order = range(n_queries)
            cpu = []
            row["bm25_ms_p50"], row["bm25_ms_p95"] = _percentiles_ms(_time_each(lexical, order, cpu))
            row["bm25_cpu_ms_p50"], _ = _percentiles_ms(cpu)
            cpu = []
            row["hybrid_ms_p50"], row["hybrid_ms_p95"] = _percentiles_ms(_time_each(hybrid, order, cpu))
            row["hybrid_cpu_ms_p50"], row["hybrid_cpu_ms_p95"] = _percentiles_ms(cpu)
            del retriever
        row["load"] = _load()
        rows.append({**{k: row[k] for k in SCALE_KEYS}, **row})
        log(f"n={n}: {json.dumps(rows[-1])}")
        del index
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


# ------------------------------------------------------- embedding backends
def ndcg_at_10(ranked: dict[str, list[str]], qrels: dict[str, dict[str, int]]) -> float:
    """Mean nDCG@10 over the queries in ``qrels`` (graded gains, as BEIR)."""
    total = 0.0
    for qid, relevant in qrels.items():
        gains = [relevant.get(doc, 0) for doc in ranked.get(qid, [])[:10]]
        dcg = sum(g / np.log2(i + 2) for i, g in enumerate(gains))
        ideal = sorted(relevant.values(), reverse=True)[:10]
        idcg = sum(g / np.log2(i + 2) for i, g in enumerate(ideal))
        total += dcg / idcg if idcg else 0.0
    return total / len(qrels)


def _read_beir(directory: Path):
    directory = Path(directory)
    with open(directory / "corpus.jsonl", encoding="utf-8") as lines:
        corpus = [json.loads(line) for line in lines if line.strip()]
    with open(directory / "queries.jsonl", encoding="utf-8") as lines:
        queries = {q["_id"]: q["text"] for q in map(json.loads, lines) if q}
    qrels: dict[str, dict[str, int]] = {}
    for line in (directory / "qrels" / "test.tsv").read_text().splitlines()[1:]:
        qid, doc, score = line.split("\t")[:3]
        if int(score) > 0:
            qrels.setdefault(qid, {})[doc] = int(score)
    return corpus, {q: queries[q] for q in qrels}, qrels


def compare_backends(beir_dir: Path, backends: Sequence[str], settings: Settings, *,
                     log: Callable[[str], None] | None = None) -> list[dict]:
    """Each embedding backend on a BEIR data set (e.g. SciFact): speed encoding
    the whole corpus (wall and CPU seconds) and dense nDCG@10 with one vector
    per document (title + abstract, cut at the model's 256 tokens). The
    comparison isolates the model: same texts, same exact search."""
    import faiss

    from ...models.embedding import make_embedder

    log = log or (lambda message: None)
    corpus, queries, qrels = _read_beir(beir_dir)
    texts = [f"{d.get('title') or ''}\n{d['text']}".strip() for d in corpus]
    rows = []
    for backend in backends:
        embedder = make_embedder(settings.replace(embed_backend=backend))
        embedder.encode(texts[:16])  # load (and export) outside the timing
        log(f"{backend}: encoding {len(texts)} documents")
        started, cpu = time.perf_counter(), time.process_time()
        docs = embedder.encode(texts)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        query_vectors = embedder.encode(list(queries.values()))
        top = faiss.knn(query_vectors, docs, 10, metric=faiss.METRIC_INNER_PRODUCT)[1]
        ranked = {qid: [corpus[i]["_id"] for i in row] for qid, row in zip(queries, top)}
        rows.append({"backend": backend, "docs_per_s": round(len(texts) / wall, 2),
                     "cpu_ms_per_doc": round(1000 * cpu / len(texts), 2),
                     "ndcg@10": round(ndcg_at_10(ranked, qrels), 4), "load": _load()})
        del embedder, docs
    base = rows[0]
    for row in rows:
        row["speedup_wall"] = round(row["docs_per_s"] / base["docs_per_s"], 2)
        row["speedup_cpu"] = round(base["cpu_ms_per_doc"] / row["cpu_ms_per_doc"], 2)
        row["ndcg_change"] = round(row["ndcg@10"] - base["ndcg@10"], 4)
    return rows


def format_backends(rows: list[dict]) -> str:
    head = ("backend", "docs/s", "CPU ms/doc", "speedup (wall / CPU)", "nDCG@10", "change", "load")
    lines = [head] + [(r["backend"], f"{r['docs_per_s']:.1f}", f"{r['cpu_ms_per_doc']:.1f}",
                       f"{r['speedup_wall']:.2f}x / {r['speedup_cpu']:.2f}x",
                       f"{r['ndcg@10']:.4f}", f"{r['ndcg_change']:+.4f}", str(r["load"][0]))
                      for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    return "\n".join("  ".join(cell.rjust(w) for cell, w in zip(line, widths)) for line in lines)
