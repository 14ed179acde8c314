"""Experiment (issue 7): what one question and one batch of 24 sentences cost
to embed with torch and with int8 (the sizes an answer embeds), p50 in ms.

    python benchmarks/experiments/small_batch_latency.py NEWS_DEV_DIR
"""
import statistics
import sys
import time
from pathlib import Path

from rag.app.evaluation import read_news
from rag.models.embedding import make_embedder
from rag.settings import Settings
from rag.text.sentences import split_sentences

data = read_news(Path(sys.argv[1]))
questions = [q["question"] for q in data.questions][:60]
# Sentences as the answerer sees them (longer than a fragment), 20 batches of 24.
sentences = [a.text[s:e] for a in data.articles[:40] for s, e in split_sentences(a.text)]
sentences = [t for t in sentences if len(t) > 40][:24 * 20]


def p50_ms(encode, batches) -> float:
    times = []
    for batch in batches:
        started = time.perf_counter()
        encode(batch)
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


for backend in ("torch", "onnx-int8"):
    embedder = make_embedder(Settings().replace(embed_backend=backend))
    embedder.encode(["warm up"] * 4)
    one = p50_ms(embedder.encode, [[q] for q in questions])
    batch = p50_ms(embedder.encode, [sentences[i:i + 24] for i in range(0, len(sentences), 24)])
    print(f"{backend}: one question p50 {one} ms | 24 sentences p50 {batch} ms", flush=True)
