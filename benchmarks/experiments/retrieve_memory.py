"""Experiment (issue 19): is retrieval slow because the question model and FAISS's
passage vectors compete for the CPU's cache? (docs/performance.md, "Issue 19's
targets, where they stand").

    python benchmarks/experiments/retrieve_memory.py model INDEX QUESTIONS
        The question model's call alone (one question at a time, vector cache off),
        taking turns question by question with a whole ``retrieve(q, 5)``, then the
        model alone back to back: wall p50 / p95 and CPU p50 in ms. If the model
        were slow only inside retrieval, the first figure would be the lower.
    python benchmarks/experiments/retrieve_memory.py sq8 INDEX QUESTIONS
        The passage vectors' search on an 8-bit copy (a quarter of the bytes read per
        question; ``rag.index.vectors.QuantisedSearch``, what a large flat index uses
        since 2026-11-27), rescored exactly, against the exact flat search: whether
        retrieve's top 5 stays identical for every question, then retrieve's wall
        p50 / p95 and CPU p50 for both, alternating question by question, twice.

INDEX is a built news-dev index (``rag build``); QUESTIONS news-dev's questions.jsonl.
Settings come from the environment (``RAG_QUERY_BACKEND`` ...).
"""
import sys
from pathlib import Path

from rag_bench.measure import percentiles_ms, time_interleaved
from rag_bench.perf import load_questions, uncached_engine

from rag.index.vectors import QuantisedSearch
from rag.settings import Settings


def report(wall: dict, cpu: dict, label: str = "") -> None:
    for name in wall:
        p50, p95 = percentiles_ms(wall[name])
        print(f"{label}{name:<28} wall p50 / p95 {p50:.2f} / {p95:.2f} ms, "
              f"CPU p50 {percentiles_ms(cpu[name])[0]:.2f} ms")


def model(index: str, questions: str) -> None:
    asked = load_questions(Path(questions))
    engine = uncached_engine(Settings.from_env().replace(index_dir=Path(index)))
    runs = {"question model alone": lambda q: engine.vectors.encode([q]),
            "retrieve": lambda q: engine.retrieve(q, 5)}
    report(*time_interleaved(runs, asked, rotate=True), "taking turns: ")
    report(*time_interleaved({"question model alone": runs["question model alone"]}, asked),
           "back to back: ")


def sq8(index: str, questions: str) -> None:
    asked = load_questions(Path(questions))
    engine = uncached_engine(Settings.from_env().replace(index_dir=Path(index)))
    stored = engine.retriever.index     # the embedded index's loaded version
    flat = stored.faiss_index
    quantised = QuantisedSearch(flat)

    def searching(search):
        def run(q):
            stored.quantised_search = (flat, search)     # as StoredIndex keeps it
            return [(h.article_id, h.start) for h in engine.retrieve(q, 5)]
        return run

    runs = {"flat, exact": searching(None), "8-bit copy, rescored": searching(quantised)}
    same = sum(runs["flat, exact"](q) == runs["8-bit copy, rescored"](q) for q in asked)
    print(f"identical top 5: {same} / {len(asked)} questions")
    for _ in range(2):
        report(*time_interleaved(runs, asked, rotate=True))


if __name__ == "__main__":
    commands = {"model": model, "sq8": sq8}
    if len(sys.argv) < 4 or sys.argv[1] not in commands:
        raise SystemExit(__doc__)
    commands[sys.argv[1]](*sys.argv[2:])
