"""``rag-bench perf``: how fast a real collection is built and answered, and what it costs.

:func:`run_bench` measures raw model throughput (the embedding model alone
on the texts a build embeds, through the build's own batching: the limit a
build cannot beat, :func:`raw_encode`), ``rag build`` throughput and the
ratio of the two, ``retrieve`` and extractive
``answer`` latency one query at a time after warm-up, and, in a separate
serving process, cold start (process start to first answer) and peak memory,
plus the index size on disk.

Timings depend on the machine and on whatever else runs on it, so every result
carries the load average at the time; nothing here asserts a speed.
"""

from __future__ import annotations

import json
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from rag.settings import Settings

from .measure import machine_load, percentiles_ms, time_each

__all__ = ["BENCH_KEYS", "DEFAULT_QUESTIONS", "run_bench", "load_questions", "format_bench",
           "serve_questions", "build_texts", "raw_encode", "RawWork"]

#: Keys of the ``rag-bench perf --json`` object (more may follow them).
BENCH_KEYS = ("raw_chunks_per_s", "build_chunks_per_s", "build_ratio", "retrieve_ms_p50",
              "retrieve_ms_p95", "answer_ms_p50", "answer_ms_p95", "rss_mb", "index_mb",
              "cold_start_s")
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


def load_questions(path: Path) -> list[str]:
    """Questions from a file: JSON lines with a ``question`` field (the
    news-dev format) or plain text, one question per line."""
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line:
            out.append(json.loads(line)["question"] if line.startswith("{") else line)
    return out


def _dir_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file()) / 2**20


def run_bench(settings: Settings, *, questions: Sequence[str] | None = None,
              progress: bool = False, embedder=None, log: Callable[[str], None] | None = None,
              built: Path | None = None) -> dict:
    """Benchmark ``settings.articles_dir`` (a directory, or one ``.jsonl``
    collection file). The index is built in a temporary directory; the
    collection's own index is never touched. With ``built`` (an index of the
    same articles built before), the raw and build figures are skipped and the
    questions are asked of that index (read only): latency in minutes instead
    of a full build."""
    from rag.engine import Engine
    from rag.ingest.articles import load_articles
    from rag.models.embedding import (
        make_embedder,
        make_query_embedder,
        resolve_query_backend,
    )

    log = log or (lambda message: None)
    questions = list(questions or DEFAULT_QUESTIONS)
    work = Path(tempfile.mkdtemp(prefix="rag-bench-"))
    try:
        source = Path(settings.articles_dir)
        if source.is_file():  # a single collection file: give the build a folder
            (work / "articles").mkdir()
            (work / "articles" / source.name).symlink_to(source.resolve())
            source = work / "articles"
        settings = settings.replace(articles_dir=source,
                                    index_dir=Path(built) if built else work / "index")
        embedder = embedder or make_embedder(settings)
        # Question-time texts on the settings' query backend, as the product does.
        queries = make_query_embedder(settings, embedder)
        result: dict = {"articles": str(settings.articles_dir), "backend": settings.embed_backend,
                        "query_backend": resolve_query_backend(settings.query_backend),
                        "load_before": machine_load()}
        if built:
            result.update(_latency(settings, queries, questions, log))
            result["index_mb"] = _index_mb(settings)
            result.update({k: None for k in BENCH_KEYS if k not in result})
            result.update(_measure_serving_process(settings, questions))
            result["load_after"] = machine_load()
            return {**{k: result[k] for k in BENCH_KEYS}, **result}

        # Raw model throughput: the model alone on exactly the texts a build
        # embeds (passages and their sentences), batched as a build batches them.
        passages, sentences = build_texts(
            load_articles(settings.articles_dir, max_bytes=settings.max_file_bytes), settings)
        log(f"raw model: encoding {len(passages)} chunks and {len(sentences)} sentences")
        raw_work = raw_encode(embedder, passages, sentences, settings)

        # Build throughput: the real `rag build`, same process, same warm model.
        log("build: rag build into a temporary index")
        engine = Engine(settings, embedder)
        started, cpu = time.perf_counter(), time.process_time()
        summary = engine.build(progress=progress)
        build_seconds, build_cpu = time.perf_counter() - started, time.process_time() - cpu
        raw = len(passages) / raw_work.seconds
        rate = summary.chunks / build_seconds
        # CPU seconds of this process: what the work costs, much less
        # disturbed than wall time by other work on the machine.
        rate_cpu, raw_cpu = summary.chunks / build_cpu, len(passages) / raw_work.cpu_seconds
        result.update(raw_chunks_per_s=round(raw, 2), build_chunks_per_s=round(rate, 2),
                      build_ratio=round(rate / raw, 3), chunks=summary.chunks,
                      build_seconds=round(build_seconds, 2), build_cpu_seconds=round(build_cpu, 2),
                      build_ratio_cpu=round(rate_cpu / raw_cpu, 3), **raw_work.to_json())

        engine = None  # latency runs on fresh engines (empty vector caches)
        result.update(_latency(settings, queries, questions, log))
        result["index_mb"] = _index_mb(settings)
        engine = embedder = queries = None  # free the model and index before the child starts

        log("serving process: cold start and peak memory")
        result.update(_measure_serving_process(settings, questions))
        result["load_after"] = machine_load()
        return {**{k: result[k] for k in BENCH_KEYS}, **result}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def build_texts(articles: Sequence, settings: Settings) -> tuple[list[str], list[str]]:
    """What a ``rag build`` of ``articles`` gives the model: every passage under
    its article's header, and (unless ``settings.sentence_vectors`` is off) the
    distinct sentence texts of the passages, which the index stores vectors of."""
    from rag.index.builder import chunk_articles, embedding_text
    from rag.index.sentences import sentence_texts

    chunks = chunk_articles(articles, settings)
    by_id = {a.id: a for a in articles}
    passages = [embedding_text(by_id[c.article_id], c) for c in chunks]
    return passages, sentence_texts(chunks) if settings.sentence_vectors else []


@dataclass(frozen=True)
class RawWork:
    """Wall and CPU seconds of the model alone on a build's passages and
    sentences (:func:`raw_encode`); the precision the sentences were computed in."""

    sentences: int
    sentence_precision: str
    passage_seconds: float
    passage_cpu_seconds: float
    sentence_seconds: float
    sentence_cpu_seconds: float

    @property
    def seconds(self) -> float:
        return self.passage_seconds + self.sentence_seconds

    @property
    def cpu_seconds(self) -> float:
        return self.passage_cpu_seconds + self.sentence_cpu_seconds

    def to_json(self) -> dict:
        """The ``raw_*`` details of ``rag-bench perf --json``."""
        seconds = {"seconds": self.seconds, "cpu_seconds": self.cpu_seconds,
                   **{name: getattr(self, name) for name in (
                       "passage_seconds", "passage_cpu_seconds", "sentence_seconds",
                       "sentence_cpu_seconds")}}
        return {"sentences": self.sentences, "sentence_precision": self.sentence_precision,
                **{f"raw_{name}": round(value, 2) for name, value in seconds.items()}}


def raw_encode(embedder, passages: Sequence[str], sentences: Sequence[str],
               settings: Settings) -> RawWork:
    """The model alone on a build's texts, through the build's own batching:
    the passages by :func:`~rag.models.embedding.encode_longest_first` (in
    one call, so sorted over the whole collection: never more padding than a
    build's waves), the sentences by
    :func:`~rag.index.sentences.embed_sentences` in the build's
    ``sentence_precision``."""
    from rag.index.sentences import embed_sentences
    from rag.models.embedding import encode_longest_first

    def passage_vectors(texts):
        return encode_longest_first(embedder, texts, settings.embed_batch_size)

    def sentence_vectors(texts):
        return embed_sentences(embedder, texts, settings.sentence_precision)

    # Load the model (and its sentence-precision view) outside the timing.
    passage_vectors(list(passages[:8]) or ["warm up"])
    sentence_vectors(list(sentences[:8]))
    timed = []
    for encode, texts in ((passage_vectors, list(passages)), (sentence_vectors, list(sentences))):
        started, cpu = time.perf_counter(), time.process_time()
        encode(texts)
        timed += [time.perf_counter() - started, time.process_time() - cpu]
    view = getattr(embedder, "with_precision", None)     # as embed_sentences asks for it
    precision = view(settings.sentence_precision).precision if view else "fp32"
    return RawWork(len(sentences), precision, *timed)


def _index_mb(settings: Settings) -> float | None:
    """The live version's size on disk; ``None`` for an index kept in Milvus."""
    from rag.index.store import live_version

    if settings.backend != "embedded":
        return None
    return round(_dir_mb(live_version(settings.index_dir)), 2)


#: Warm-up questions of the latency runs: none of a data set's own, so every timed
#: question starts with nothing of it cached.
WARM_UP_QUESTIONS = ("Who announced the plan on Monday?", "How many people were affected?",
                     "When will the new rules take effect?")


def uncached_engine(settings: Settings, embedder=None):
    """An engine over ``settings``' index with its vector cache off, so every
    question's vector is computed, as when it is first asked; loaded and warmed
    up by retrieving :data:`WARM_UP_QUESTIONS` (the experiments' engine)."""
    from rag.engine import Engine

    engine = Engine(settings, embedder)
    engine.vectors.size = 0
    engine.warm_up()
    for q in WARM_UP_QUESTIONS:
        engine.retrieve(q, 5)
    return engine


def _latency(settings: Settings, embedder, questions: Sequence[str], log) -> dict:
    """``retrieve(k=5)`` and the extractive ``answer`` one question at a time
    after warm-up, the answer with corroboration (as configured) and without.
    Each run has an engine of its own, warmed up on :data:`WARM_UP_QUESTIONS`,
    so no timed question finds its own vectors already cached."""
    from rag.engine import Engine

    log(f"latency: {len(questions)} questions")
    out: dict = {}
    runs = (("retrieve", settings, lambda engine, q: engine.retrieve(q, 5)),
            ("answer_nocorr", settings.replace(corroborate=False),
             lambda engine, q: engine.answer(q, 5)),
            ("answer", settings, lambda engine, q: engine.answer(q, 5)))
    for name, run_settings, run in runs:
        engine = Engine(run_settings, embedder)
        engine.warm_up()
        for q in WARM_UP_QUESTIONS:
            engine.answer(q)
        cpu: list[float] = []
        out[f"{name}_ms_p50"], out[f"{name}_ms_p95"] = percentiles_ms(
            time_each(lambda q: run(engine, q), questions, cpu, time.process_time))
        out[f"{name}_cpu_ms_p50"], _ = percentiles_ms(cpu)
    return out


def _measure_serving_process(settings: Settings, questions: Sequence[str]) -> dict:
    """Start a fresh process that loads the index and answers ``questions``:
    seconds from process start to the first answer, and its peak RSS. The
    child gets ``settings`` whole (pickled on its stdin), so it measures the
    same configuration whatever the environment says."""
    code = "import sys; from rag_bench.perf import serve_questions; serve_questions(sys.argv[1:])"
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", code, *questions],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    child.stdin.write(pickle.dumps(settings))
    child.stdin.close()
    first = child.stdout.readline().decode()
    cold_start = time.perf_counter() - started
    rest = child.stdout.read().decode()
    child.wait()
    if child.returncode or not first.startswith("first-answer"):
        raise RuntimeError(f"the serving process failed (exit {child.returncode})")
    return {"cold_start_s": round(cold_start, 2), **json.loads(rest.strip().splitlines()[-1])}


def serve_questions(questions: Sequence[str]) -> None:
    """The serving process of :func:`run_bench`: read the settings (pickled)
    from stdin, answer the first question, report it, answer all of them, then
    print the peak RSS as JSON."""
    import resource

    from rag.engine import Engine

    engine = Engine(pickle.load(sys.stdin.buffer))
    engine.warm_up()   # what the chat does at start: model and index side by side
    engine.answer(questions[0])
    print("first-answer", flush=True)
    for q in questions:
        engine.answer(q)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"rss_mb": round(peak_kb / 1024, 1)}), flush=True)


def format_bench(result: dict) -> str:
    rows = [] if result.get("raw_chunks_per_s") is None else [
        ("raw model throughput", f"{result['raw_chunks_per_s']:.1f} chunks/s  (passages "
                                 f"{result['raw_passage_seconds']:.1f} s + {result['sentences']} "
                                 f"sentences in {result['sentence_precision']} "
                                 f"{result['raw_sentence_seconds']:.1f} s)"),
        ("rag build throughput", f"{result['build_chunks_per_s']:.1f} chunks/s"),
        ("build / raw", f"{result['build_ratio']:.3f}  (in CPU time: "
                        f"{result['build_ratio_cpu']:.3f})"),
    ]
    rows += [
        ("retrieve p50 / p95", f"{result['retrieve_ms_p50']:.1f} / {result['retrieve_ms_p95']:.1f} ms"
                               f"  (CPU p50 {result['retrieve_cpu_ms_p50']:.1f} ms)"),
        ("answer p50 / p95", f"{result['answer_ms_p50']:.1f} / {result['answer_ms_p95']:.1f} ms"
                             f"  (CPU p50 {result['answer_cpu_ms_p50']:.1f} ms)"),
        ("answer without corroboration", f"{result['answer_nocorr_ms_p50']:.1f} / "
                                         f"{result['answer_nocorr_ms_p95']:.1f} ms  (CPU p50 "
                                         f"{result['answer_nocorr_cpu_ms_p50']:.1f} ms)"),
        ("serving process peak RSS", f"{result['rss_mb']:.0f} MB"),
        ("index size on disk", "–" if result["index_mb"] is None
         else f"{result['index_mb']:.1f} MB"),
        ("cold start (to first answer)", f"{result['cold_start_s']:.1f} s"),
        *([("chunks", f"{result['chunks']}")] if "chunks" in result else []),
        ("load average before / after", f"{result['load_before']} / {result['load_after']}"),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


