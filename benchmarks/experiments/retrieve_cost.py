"""Experiment (issue 19): where a question's retrieval spends its time, and the question
model's threads (docs/performance.md, "Question-time encodes on int8").

    python benchmarks/experiments/retrieve_cost.py profile NEWS_DEV_DIR INDEX_DIR [TOP=14]
        ``retrieve(q, 5)`` for every news-dev question on a warm engine (settings from
        the environment, e.g. ``RAG_QUERY_BACKEND=onnx-int8``; the vector cache off),
        under cProfile: CPU ms a question, then the TOP functions by their own time
        (the profiler inflates every time).
    python benchmarks/experiments/retrieve_cost.py breakdown NEWS_DEV_DIR INDEX_DIR
        The same questions without the profiler, with timers wrapped around the parts of
        ``retrieve``: the question model's calls, FAISS, BM25 over passages and over
        articles, reading the candidates' passages, ``diversify`` (with the instructions
        check); wall ms a question each, and retrieve's p50.
    python benchmarks/experiments/retrieve_cost.py memory BACKEND
        Peak RSS of a process that only makes the question model of BACKEND (onnx,
        onnx-int8, openvino, torch; as ``query_backend`` makes it) and encodes a
        question, a 100-word text and three short texts: what the question model
        alone adds to a serving process.
    python benchmarks/experiments/retrieve_cost.py threads NEWS_DEV_DIR [int8]
        One question at a time through the ONNX question model (fp32, or int8), on ONNX
        Runtime's default threads (one per core) and on one thread, twice each in turn:
        wall p50 / p95 and CPU p50 in ms.
"""
import cProfile
import pstats
import sys
import time
from pathlib import Path

from rag_bench.measure import percentiles_ms, time_each
from rag_bench.perf import load_questions, uncached_engine

from rag.engine import Engine
from rag.models.embedding import OnnxEmbedder
from rag.settings import Settings


def questions(news_dev: Path) -> list[str]:
    return load_questions(news_dev / "questions.jsonl")


def warm_engine(news_dev: Path, index: str) -> Engine:
    """An engine over INDEX (settings from the environment) with the vector cache off."""
    return uncached_engine(Settings.from_env().replace(index_dir=Path(index),
                                                       articles_dir=news_dev))


def profile(news_dev: Path, index: str, top: str = "14") -> None:
    asked, engine = questions(news_dev), warm_engine(news_dev, index)
    settings = engine.settings
    profiler, started = cProfile.Profile(), time.process_time()
    profiler.enable()
    for q in asked:
        engine.retrieve(q, 5)
    profiler.disable()
    print(f"{len(asked)} questions, query backend {settings.query_backend}: "
          f"{(time.process_time() - started) * 1000 / len(asked):.1f} CPU ms a question "
          f"under the profiler")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(int(top))


def breakdown(news_dev: Path, index: str) -> None:
    import collections

    import rag.index.backend as backend
    import rag.models.embedding as embedding
    import rag.search.retriever as retriever

    asked, engine = questions(news_dev), warm_engine(news_dev, index)
    settings = engine.settings
    spent: dict[str, float] = collections.defaultdict(float)

    def timed_calls(owner, name: str, label) -> None:
        """Time ``owner.name`` under ``label``: a text, or a function of the
        call's first argument (the model, named by its own class)."""
        function = getattr(owner, name)

        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[label(args[0]) if callable(label) else label] += \
                    time.perf_counter() - started
        setattr(owner, name, wrapper)

    def model(self) -> str:     # OpenVinoEmbedder runs OnnxEmbedder's encode
        return f"question model ({type(self).__name__} encode)"

    for owner, name, label in (
            (embedding.OnnxEmbedder, "encode", model),
            (embedding.SentenceEmbedder, "encode", model),
            (backend.EmbeddedSearchable, "dense", "FAISS"),
            (backend.EmbeddedSearchable, "bm25", "BM25 passages"),
            (backend.EmbeddedSearchable, "bm25_articles", "BM25 articles"),
            (backend.EmbeddedSearchable, "passages", "candidates' passages"),
            (retriever, "diversify", "diversify and instructions check")):
        timed_calls(owner, name, label)
    walls = time_each(lambda q: engine.retrieve(q, 5), asked)
    for label, seconds in spent.items():
        print(f"{label:42s} {seconds / len(asked) * 1000:6.2f} ms a question")
    print(f"retrieve p50 / p95 {' / '.join(f'{ms:.2f}' for ms in percentiles_ms(walls))} ms "
          f"(query backend {settings.query_backend})")


def memory(backend: str) -> None:
    import resource

    from rag.models.embedding import make_embedder

    model = make_embedder(Settings.from_env(), backend, questions=True)
    model.encode(["Who decided not to use its veto?", "word " * 100])
    model.encode(["a b c"] * 3)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"question model {backend}: peak RSS {peak:.0f} MB")


def threads(news_dev: Path, *int8: str) -> None:
    asked = questions(news_dev)
    for n in (0, 1, 0, 1):
        model = OnnxEmbedder(int8=bool(int8), threads=n)
        for q in asked[:5]:
            model.encode([q])
        cpu: list[float] = []
        p50, p95 = percentiles_ms(time_each(lambda q: model.encode([q]), asked, cpu,
                                            time.process_time))
        print(f"{'int8' if int8 else 'fp32'}, {n or 'default'} thread(s): wall p50 {p50:.2f} "
              f"p95 {p95:.2f} ms, CPU p50 {percentiles_ms(cpu)[0]:.2f} ms")


def main(argv: list[str]) -> None:
    commands = {"profile": profile, "breakdown": breakdown, "memory": memory,
                "threads": threads}
    if len(argv) < 2 or argv[0] not in commands:
        raise SystemExit(__doc__)
    commands[argv[0]](argv[1] if argv[0] == "memory" else Path(argv[1]), *argv[2:])


if __name__ == "__main__":
    main(sys.argv[1:])
