"""What every benchmark measures with: per-call timings, percentiles, the machine's load.

Timings depend on the machine and on whatever else runs on it, so every result
carries the load average at the time; nothing here asserts a speed.
"""

from __future__ import annotations

import os
import time
from typing import Callable, Sequence

import numpy as np

__all__ = ["percentiles_ms", "machine_load", "time_each", "time_interleaved"]


def percentiles_ms(seconds: Sequence[float]) -> tuple[float, float]:
    """p50 and p95 of ``seconds``, in milliseconds rounded to 0.01."""
    ms = np.asarray(seconds, dtype=np.float64) * 1000
    return round(float(np.percentile(ms, 50)), 2), round(float(np.percentile(ms, 95)), 2)


def machine_load() -> list[float]:
    """1/5/15-minute load averages: how busy the machine was (2 cores here)."""
    return [round(x, 2) for x in os.getloadavg()]


def time_each(function: Callable, items: Sequence, cpu: list | None = None,
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


def time_interleaved(runs: dict[str, Callable], items: Sequence, *, rotate: bool = False
                     ) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Wall and CPU seconds (``time.process_time``) of each of ``runs`` on each
    item, the runs taking turns item by item, so a machine busy for a while
    slows them alike (comparisons on a shared machine); ``rotate``: each item
    starts with the next run, so none is always first after the others."""
    names = list(runs)
    wall: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    for i, item in enumerate(items):
        turn = i % len(names) if rotate else 0
        for name in names[turn:] + names[:turn]:
            wall[name] += time_each(runs[name], [item], cpu[name], time.process_time)
    return wall, cpu
