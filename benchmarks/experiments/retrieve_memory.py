"""Experiment (issue 19): is retrieval slow because the question model and FAISS's
passage vectors compete for the CPU's cache? (docs/performance.md, "Issue 19's
targets, where they stand").

    python benchmarks/experiments/retrieve_memory.py model INDEX QUESTIONS
        The question model's call alone (one question at a time, vector cache off),
        taking turns question by question with a whole ``retrieve(q, 5)``, then the
        model alone back to back: wall p50 / p95 and CPU p50 in ms. If the model
        were slow only inside retrieval, the first figure would be the lower.
    python benchmarks/experiments/retrieve_memory.py sq8 INDEX QUESTIONS [FACTOR=2]
        The passage vectors' search on an 8-bit scalar-quantised copy (a quarter of
        the bytes read per question) taking FACTOR x the candidates, rescored exactly
        on the float vectors, against the flat index as built: whether retrieve's top
        5 stays identical for every question, then retrieve's wall p50 / p95 and CPU
        p50 for both, alternating question by question, twice.

INDEX is a built news-dev index (``rag build``); QUESTIONS news-dev's questions.jsonl.
Settings come from the environment (``RAG_QUERY_BACKEND`` ...).
"""
import sys
from pathlib import Path

import faiss
import numpy as np
from rag_bench.measure import percentiles_ms, time_interleaved
from rag_bench.perf import load_questions

from rag.engine import Engine
from rag.index import store
from rag.index.vectors import index_vectors
from rag.settings import Settings


def warm_engine(index: str, asked: list[str]) -> Engine:
    engine = Engine(Settings.from_env().replace(index_dir=Path(index)))
    engine.vectors.size = 0         # every question's vector is computed
    engine.warm_up()
    for q in asked[:5]:
        engine.retrieve(q, 5)
    return engine


def report(wall: dict, cpu: dict, label: str = "") -> None:
    for name in wall:
        p50, p95 = percentiles_ms(wall[name])
        print(f"{label}{name:<28} wall p50 / p95 {p50:.2f} / {p95:.2f} ms, "
              f"CPU p50 {percentiles_ms(cpu[name])[0]:.2f} ms")


def model(index: str, questions: str) -> None:
    asked = load_questions(Path(questions))
    engine = warm_engine(index, asked)
    runs = {"question model alone": lambda q: engine.vectors.encode([q]),
            "retrieve": lambda q: engine.retrieve(q, 5)}
    report(*time_interleaved(runs, asked, rotate=True), "taking turns: ")
    report(*time_interleaved({"question model alone": runs["question model alone"]}, asked),
           "back to back: ")


def _stored(engine: Engine) -> store.StoredIndex:
    engine.retrieve("warm", 5)
    seen, todo = set(), [engine]
    while todo:
        obj = todo.pop()
        if isinstance(obj, store.StoredIndex):
            return obj
        if id(obj) not in seen and hasattr(obj, "__dict__"):
            seen.add(id(obj))
            todo += list(vars(obj).values())
    raise SystemExit("no embedded FAISS index behind this engine (a Milvus backend?)")


def sq8(index: str, questions: str, factor: str = "2") -> None:
    asked, factor = load_questions(Path(questions)), int(factor)
    engine = warm_engine(index, asked)
    vectors, ids = index_vectors(_stored(engine).faiss_index)
    vectors, ids = np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids)
    quantised = faiss.IndexScalarQuantizer(vectors.shape[1], faiss.ScalarQuantizer.QT_8bit,
                                           faiss.METRIC_INNER_PRODUCT)
    quantised.train(vectors)
    quantised.add(vectors)
    flat = store.search_vectors

    def rescored(_index, queries: np.ndarray, k: int):
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        faiss.omp_set_num_threads(1)
        _, rows = quantised.search(queries, min(k * factor, len(vectors)))
        scores, found = [], []
        for query, row in zip(queries, rows):
            row = row[row >= 0]
            exact = vectors[row] @ query
            top = np.argsort(-exact, kind="stable")[:k]
            scores.append(exact[top])
            found.append(ids[row[top]])
        return np.array(scores), np.array(found)

    def with_search(search):
        def run(q):
            store.search_vectors = search
            return [(h.article_id, h.start) for h in engine.retrieve(q, 5)]
        return run

    runs = {"flat (as built)": with_search(flat), f"sq8 x{factor}, rescored": with_search(rescored)}
    same = sum(runs["flat (as built)"](q) == runs[f"sq8 x{factor}, rescored"](q) for q in asked)
    print(f"identical top 5: {same} / {len(asked)} questions")
    for _ in range(2):
        report(*time_interleaved(runs, asked, rotate=True))
    store.search_vectors = flat


if __name__ == "__main__":
    commands = {"model": model, "sq8": sq8}
    if len(sys.argv) < 4 or sys.argv[1] not in commands:
        raise SystemExit(__doc__)
    commands[sys.argv[1]](*sys.argv[2:])
