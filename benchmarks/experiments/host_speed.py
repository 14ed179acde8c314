"""Experiment (issue 19): how fast each of this machine's CPUs runs the same work, over
time, and what that does to retrieval (docs/performance.md, "Why the same code's retrieval
moves from 8 to 15 ms between runs").

    python benchmarks/experiments/host_speed.py INDEX QUESTIONS [ROUNDS=6]

INDEX is a built news-dev index (``rag build``), QUESTIONS news-dev's questions.jsonl.
Each round pins the process to each CPU in turn (``os.sched_setaffinity``) and on it runs
a fixed pure-Python loop (two million multiply-adds, best of three) and then
``retrieve(q, 5)`` for 60 of the questions (a different 60 each round, the vector cache
off, settings from the environment); it prints the time of day, and per CPU the loop's
milliseconds and retrieve's wall p50. On an idle machine of its own the CPUs would agree
and hold still; here, shared with other virtual machines, one CPU can run the same loop
a third slower than the other for minutes, and retrieval follows the CPU it runs on.
"""
import os
import sys
import time
from pathlib import Path

from rag_bench.measure import percentiles_ms, time_each
from rag_bench.perf import load_questions, uncached_engine

from rag.settings import Settings


def spin_ms() -> float:
    started, total = time.perf_counter(), 0
    for i in range(2_000_000):
        total += i * i
    return (time.perf_counter() - started) * 1000


def main(index: str, questions: str, rounds: str = "6") -> None:
    asked = load_questions(Path(questions))
    engine = uncached_engine(Settings.from_env().replace(index_dir=Path(index)))
    cpus = sorted(os.sched_getaffinity(0))
    try:
        for n in range(int(rounds)):
            batch = [asked[(n * 60 + i) % len(asked)] for i in range(60)]
            cells = []
            for cpu in cpus:
                os.sched_setaffinity(0, {cpu})
                loop = min(spin_ms() for _ in range(3))
                p50, _ = percentiles_ms(time_each(lambda q: engine.retrieve(q, 5), batch))
                cells.append(f"cpu{cpu}: loop {loop:.0f} ms, retrieve p50 {p50:.2f} ms")
            print(time.strftime("%H:%M:%S"), " | ".join(cells), flush=True)
    finally:
        os.sched_setaffinity(0, cpus)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    main(*sys.argv[1:])
