"""Experiment (issue 19): how fast each of this machine's CPUs runs the same work, over
time (docs/performance.md, "Issue 19's targets, where they stand").

    python benchmarks/experiments/host_speed.py [ROUNDS=6] [PAUSE_S=5]

Each round runs a fixed pure-Python loop (two million multiply-adds) pinned to each CPU in
turn (``os.sched_setaffinity``), best of three, and prints the milliseconds per CPU with
the time of day. On an idle virtual machine the CPUs would agree and hold still; here,
shared with other virtual machines, one CPU can be half as fast again as the other for
minutes, and a process's timings follow the CPU it lands on.
"""
import os
import sys
import time


def spin_ms() -> float:
    started, total = time.perf_counter(), 0
    for i in range(2_000_000):
        total += i * i
    return (time.perf_counter() - started) * 1000


def main(rounds: int = 6, pause: float = 5.0) -> None:
    cpus = sorted(os.sched_getaffinity(0))
    try:
        for n in range(rounds):
            times = []
            for cpu in cpus:
                os.sched_setaffinity(0, {cpu})
                times.append(min(spin_ms() for _ in range(3)))
            print(time.strftime("%H:%M:%S"), "  ".join(
                f"cpu{cpu} {ms:.0f} ms" for cpu, ms in zip(cpus, times)), flush=True)
            if n + 1 < rounds:
                time.sleep(pause)
    finally:
        os.sched_setaffinity(0, cpus)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 6,
         float(sys.argv[2]) if len(sys.argv) > 2 else 5.0)
