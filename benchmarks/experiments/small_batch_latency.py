"""Experiment (issue 7): what one question and one batch of 24 sentences cost
to embed with torch and with int8 (the sizes an answer embeds), p50 in ms.

    python benchmarks/experiments/small_batch_latency.py NEWS_DEV_DIR
"""
import sys
import time, json, statistics
from rag.settings import Settings
from rag.embedding import make_embedder
qs = [json.loads(l)["question"] for l in open(sys.argv[1] + "/questions.jsonl")][:60]
docs = [json.loads(l)["text"] for l in open(sys.argv[1] + "/articles.jsonl")][:40]
import re
sents = [s for d in docs for s in re.split(r"(?<=[.!?])\s+", d) if len(s) > 40][:24*20]
for be in ("torch", "onnx-int8"):
    e = make_embedder(Settings().replace(embed_backend=be)); e.encode(["warm up"] * 4)
    one = []
    for q in qs:
        t = time.perf_counter(); e.encode([q]); one.append((time.perf_counter() - t) * 1000)
    batch = []
    for i in range(0, len(sents), 24):
        t = time.perf_counter(); e.encode(sents[i:i+24]); batch.append((time.perf_counter() - t) * 1000)
    print(be, "one question p50 ms", round(statistics.median(one), 1), "| 24 sentences p50 ms", round(statistics.median(batch), 1), flush=True)
