"""Experiment (issue 19): the question model on OpenVINO, free against fixed lengths,
bf16 against fp32, beside ONNX Runtime's fp32, and what each compiled model costs in memory.

    python benchmarks/experiments/openvino_lengths.py time NEWS_DEV_DIR
    python benchmarks/experiments/openvino_lengths.py memory CONFIG
    python benchmarks/experiments/openvino_lengths.py threads NEWS_DEV_DIR
    python benchmarks/experiments/openvino_lengths.py streams NEWS_DEV_DIR INDEX [ROUNDS=4]

``time``: p50 milliseconds (and CPU p50) of one news-dev question on one thread, the
variants interleaved question by question so a busy machine slows them alike, over the
questions of at most 32 tokens (each padded to 16 or 32 for the fixed-length models,
masked), and each variant's cosine to ONNX Runtime's fp32 vectors:

  ort fp32           the ``onnx`` backend's session
  ov bf16 free       OpenVINO in bf16 (AMX), one model for every length
  ov bf16 fixed      OpenVINO in bf16, a model compiled per length (16, 32)
  ov f32 free/fixed  the same in fp32

``memory CONFIG``: resident memory after compiling and running one configuration of
OpenVINO bf16 models in a fresh process (run it once per configuration): ``free``
(one free-length model), ``fixed16,32,64`` (one per fixed length), ``free+fixed16,32,64``
(what ``OpenVinoEmbedder`` compiles).

``threads``: questions per second through the question models (one thread per call),
the news-dev questions (five times over) asked by one Python thread and then by four at
once (the chat's default of four workers): ``OnnxEmbedder``, ``OpenVinoEmbedder`` as it
is (a single question on one stream, on the calling thread), ``HandedOver`` (as
before 2026-11-27 10:00: a stream per core on pinned threads) and the same unpinned.

``streams``: ``retrieve(q, 5)`` over INDEX (a ``rag build`` of news-dev) for every news-dev
question on three engines in one process, taking turns question by question (each round
starting with the next): the product's ``OpenVinoEmbedder`` (its fixed-length models on one
unpinned stream: a single question runs on the calling thread) against the same with them
compiled as before 2026-11-27 10:00 (a stream per core, pinned threads: each single
question handed to a stream's own thread), and with unpinned stream threads; wall and CPU
p50 in ms per round. The vector cache is off.

Needs ``pip install openvino`` (the ``openvino`` extra).
"""
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import openvino as ov
from rag_bench.measure import time_interleaved

from rag.models.embedding import OnnxEmbedder, OpenVinoEmbedder


def rss_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * 4096 / 2**20


def compiler(embedder: OnnxEmbedder):
    core = ov.Core()
    model = core.read_model(str(embedder.model_file()))

    def compile_(length: int | None, precision: str = "bf16"):
        config = {"INFERENCE_NUM_THREADS": 1, "INFERENCE_PRECISION_HINT": precision,
                  "PERFORMANCE_HINT": "LATENCY", "NUM_STREAMS": 1}
        copy = model.clone()
        if length:
            copy.reshape({port.get_any_name(): [1, length] for port in copy.inputs})
        return core.compile_model(copy, "CPU", config).create_infer_request()
    return compile_


def feeds(embedder: OnnxEmbedder, text: str, length: int | None = None):
    ids = embedder._tokenizer.encode(text).ids
    n = len(ids)
    array = np.zeros((1, length or n), np.int64)
    array[0, :n] = ids
    mask = np.zeros_like(array)
    mask[0, :n] = 1
    return {"input_ids": array, "attention_mask": mask,
            "token_type_ids": np.zeros_like(array)}, mask


def pooled(hidden, mask):
    vector = (hidden[:, :mask.shape[1]] * mask[:, :, None]).sum(1)[0] / mask.sum()
    return vector / np.linalg.norm(vector)


class HandedOver(OpenVinoEmbedder):
    """The fixed-length models as before 2026-11-27 10:00: a stream per core on
    pinned threads, so a single text is handed to a stream's own thread."""

    PINNED = True

    def _session(self):
        compiled = super()._session()
        core = ov.Core()
        model = core.read_model(str(self.model_file()))
        streams = max(1, (os.cpu_count() or 1) // (self.threads or 1))
        config = {"INFERENCE_PRECISION_HINT": self.precision.replace("fp32", "f32"),
                  "PERFORMANCE_HINT": "LATENCY", "NUM_STREAMS": streams,
                  "INFERENCE_NUM_THREADS": streams * (self.threads or 1),
                  "ENABLE_CPU_PINNING": self.PINNED}
        for length in self.LENGTHS:
            fixed = model.clone()
            fixed.reshape({name: [1, length] for name in self._inputs})
            self._fixed[length] = core.compile_model(fixed, "CPU", config)
        return compiled


class HandedOverUnpinned(HandedOver):
    """The same, its stream threads free to run on any core."""

    PINNED = False


VARIANTS = (("handed to a pinned stream (before)", HandedOver),
            ("handed to an unpinned stream", HandedOverUnpinned),
            ("calling thread (product)", OpenVinoEmbedder))


def time_variants(news_dev: Path) -> None:
    embedder = OnnxEmbedder(threads=1)
    embedder.warm_up()
    questions = [json.loads(line)["question"]
                 for line in (news_dev / "questions.jsonl").read_text().splitlines() if line]
    questions = [q for q in questions if len(embedder._tokenizer.encode(q).ids) <= 32]
    compile_ = compiler(embedder)

    def free(request):
        def run(q):
            f, mask = feeds(embedder, q)
            return pooled(request.infer(f)[0], mask)
        return run

    def fixed(requests):
        def run(q):
            n = len(embedder._tokenizer.encode(q).ids)
            f, mask = feeds(embedder, q, 16 if n <= 16 else 32)
            return pooled(requests[16 if n <= 16 else 32].infer(f)[0], mask[:, :n])
        return run

    variants = {"ort fp32": lambda q: embedder.encode([q])[0]}
    for precision in ("bf16", "f32"):
        variants[f"ov {precision} free"] = free(compile_(None, precision))
        variants[f"ov {precision} fixed"] = fixed({n: compile_(n, precision) for n in (16, 32)})
    reference = {q: variants["ort fp32"](q) for q in questions}
    time_interleaved(variants, questions)                       # warm-up
    wall, cpu = time_interleaved(variants, questions * 2)
    for name, run in variants.items():
        cosines = [float(run(q) @ reference[q]) for q in questions]
        print(f"{name:15s} p50 {np.median(wall[name]) * 1000:.2f} ms "
              f"(CPU {np.median(cpu[name]) * 1000:.2f}) | cosine min {min(cosines):.6f} "
              f"mean {np.mean(cosines):.6f} | {len(questions)} questions")


def threads(news_dev: Path) -> None:
    import threading

    questions = [json.loads(line)["question"]
                 for line in (news_dev / "questions.jsonl").read_text().splitlines() if line]
    for name, embedder in (("onnx", OnnxEmbedder(threads=1)),
                           *((f"openvino, {label}", kind(threads=1)) for label, kind in VARIANTS)):
        embedder.warm_up()
        for q in questions[:20]:
            embedder.encode([q])
        rates = []
        asked = questions * 5
        for callers in (1, 4):
            def ask(start, embedder=embedder, callers=callers):
                for q in asked[start::callers]:
                    embedder.encode([q])
            workers = [threading.Thread(target=ask, args=(i,)) for i in range(callers)]
            started = time.perf_counter()
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
            rates.append(len(asked) / (time.perf_counter() - started))
        print(f"{name:45s} one caller {rates[0]:.0f} questions/s, four callers {rates[1]:.0f}")


def streams(news_dev: Path, index: str, rounds: str = "4") -> None:
    from rag_bench.measure import percentiles_ms
    from rag_bench.perf import uncached_engine

    from rag.models.embedding import QueryEmbedder, make_embedder
    from rag.settings import Settings

    questions = [json.loads(line)["question"]
                 for line in (news_dev / "questions.jsonl").read_text().splitlines() if line]
    settings = Settings.from_env().replace(index_dir=Path(index))
    index_model = make_embedder(settings)
    runs = {}
    for name, kind in VARIANTS:
        engine = uncached_engine(settings, QueryEmbedder(index_model, kind(
            settings.model_name, settings.model_path, threads=settings.embed_query_threads)))
        runs[name] = lambda q, engine=engine: engine.retrieve(q, 5)
    for n in range(int(rounds)):
        wall, cpu = time_interleaved(runs, questions, rotate=True)
        print(f"round {n + 1}: " + " | ".join(
            f"{name} p50 {percentiles_ms(wall[name])[0]:.2f} ms (CPU "
            f"{percentiles_ms(cpu[name])[0]:.2f})" for name in runs), flush=True)


def memory(config: str) -> None:
    before = rss_mb()
    embedder = OnnxEmbedder(threads=1)
    embedder.warm_up()
    loaded = rss_mb()
    compile_ = compiler(embedder)
    requests = {}
    if config.startswith("free"):
        requests[None] = compile_(None)
    if "fixed" in config:
        for length in config.split("fixed")[1].split(","):
            requests[int(length)] = compile_(int(length))
    for length, request in requests.items():
        f, _ = feeds(embedder, "Who decided not to use its veto?", length)
        request.infer(f)
    print(f"{config}: +{rss_mb() - loaded:.0f} MB for the OpenVINO models "
          f"(process {rss_mb():.0f} MB; Python and ONNX Runtime {loaded - before:.0f} MB)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["time"]:
        time_variants(Path(sys.argv[2]))
    elif sys.argv[1:2] == ["threads"]:
        threads(Path(sys.argv[2]))
    elif sys.argv[1:2] == ["streams"]:
        streams(Path(sys.argv[2]), *sys.argv[3:])
    elif sys.argv[1:2] == ["memory"]:
        memory(sys.argv[2])
    else:
        sys.exit(__doc__)
