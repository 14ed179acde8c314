"""Experiment (issue 19): question models compared inside one process, question by
question, so a shared machine's load (another job on the second core slows even the
CPU time here) falls on every backend alike. ``rag-bench perf`` runs one backend per
process, and its retrieve p50 moved between 8.6 and 15.5 ms for the same code in
runs a minute apart.

    python benchmarks/experiments/query_backend_pairs.py INDEX QUESTIONS [BACKEND ...]

One engine per backend (default ``onnx`` and ``openvino``) over the index at INDEX
(read only), each warmed up on the first three questions; then for each of the
other questions of QUESTIONS (a news-dev style ``questions.jsonl``) ``retrieve(question, 5)``
on each engine in turn (the order rotated every question; once, as a question's
vector is cached after), then the extractive answer with corroboration the same way
(the question's vector then comes from the cache: an answer's time without its
question encode, which the retrieve figures measure).
Prints p50 / p95 wall and CPU p50 per backend, and the machine's load.
"""
import json
import os
import sys
from pathlib import Path

from rag_bench.measure import percentiles_ms, time_interleaved

from rag.engine import Engine
from rag.settings import Settings


def main(index: Path, questions_file: Path, backends: list[str]) -> None:
    questions = [json.loads(line)["question"]
                 for line in questions_file.read_text().splitlines() if line.strip()]
    base = Settings.from_env().replace(index_dir=index)
    engines = {b: Engine(base.replace(query_backend=b)) for b in backends}
    for engine in engines.values():
        engine.warm_up()
        for q in questions[:3]:
            engine.answer(q)
    print("load before", os.getloadavg())
    for what in ("retrieve", "answer"):
        runs = {b: (lambda q, e=engines[b]: e.retrieve(q, 5)) if what == "retrieve"
                else (lambda q, e=engines[b]: e.answer(q, 5)) for b in backends}
        wall, cpu = time_interleaved(runs, questions[3:], rotate=True)
        for b in backends:
            p50, p95 = percentiles_ms(wall[b])
            cpu50, _ = percentiles_ms(cpu[b])
            print(f"{what:8s} {b:10s} p50 / p95 {p50:.2f} / {p95:.2f} ms (CPU p50 {cpu50:.2f})")
    print("load after", os.getloadavg())


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:] or ["onnx", "openvino"])
