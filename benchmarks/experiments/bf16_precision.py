"""Experiment (issue 19): the torch model in bfloat16 autocast against fp32, one thread.

The figures behind the setting ``sentence_precision`` (docs/performance.md,
"bfloat16 for the stored sentence vectors"):

    python benchmarks/experiments/bf16_precision.py NEWS_DEV_DIR cost
        CPU seconds of 500 news-dev sentences and 100 passages of ~900 characters
        in batches of 64, fp32 and bf16, and the cosine between their vectors.
        Run it again with ONEDNN_MAX_CPU_ISA=AVX512_CORE_BF16 or AVX512_CORE to see
        a CPU without AMX-BF16 (the table "Which CPUs").
    python benchmarks/experiments/bf16_precision.py NEWS_DEV_DIR batches
        CPU milliseconds a call for batches of 1 to 64 sentences ("Small batches").
    python benchmarks/experiments/bf16_precision.py NEWS_DEV_DIR closeness
        2,000 sentences: bf16's vectors and pair similarities against fp32's, beside
        what the int8 codes the index stores move them by ("The vectors").
"""
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

from rag.index.sentences import dequantize, quantize
from rag.models.embedding import SentenceEmbedder
from rag.text.sentences import split_sentences


def news_texts(news_dev: Path, articles: int) -> tuple[list[str], list[str]]:
    """Distinct sentences, and ~900-character passages, of the first articles."""
    sentences, passages = [], []
    with open(news_dev / "articles.jsonl", encoding="utf-8") as lines:
        for line, _ in zip(lines, range(articles)):
            text = json.loads(line)["text"]
            sentences += [text[a:b] for a, b in split_sentences(text)]
            passages += [text[i:i + 900] for i in range(0, len(text), 900)]
    return list(dict.fromkeys(sentences)), passages


def cpu_seconds(embedder: SentenceEmbedder, texts: list[str]) -> tuple[float, np.ndarray]:
    embedder.encode(texts[:64])                             # warm
    started = time.process_time()
    vectors = embedder.encode(texts)
    return time.process_time() - started, vectors


def cost(fp32: SentenceEmbedder, bf16: SentenceEmbedder, news_dev: Path) -> None:
    sentences, passages = news_texts(news_dev, 12)
    print("oneDNN instruction set:", os.environ.get("ONEDNN_MAX_CPU_ISA", "all"))
    for name, texts in (("sentences", sentences[:500]), ("passages", passages[:100])):
        a, va = cpu_seconds(fp32, texts)
        b, vb = cpu_seconds(bf16, texts)
        print(f"{name} n={len(texts)}: fp32 {a:.2f} s, bf16 {b:.2f} s, bf16/fp32 {b / a:.2f}, "
              f"cosine min {(va * vb).sum(1).min():.6f}")


def batches(fp32: SentenceEmbedder, bf16: SentenceEmbedder, news_dev: Path) -> None:
    sentences = news_texts(news_dev, 12)[0][:400]
    for n in (1, 2, 4, 16, 64):
        groups = [sentences[i:i + n] for i in range(0, 400 if n > 4 else 100, n)]
        best = {}
        for embedder in (fp32, bf16, fp32, bf16):           # twice each, the faster run
            started = time.process_time()
            for group in groups:
                embedder.encode(group)
            ms = (time.process_time() - started) / len(groups) * 1000
            best[embedder.precision] = min(best.get(embedder.precision, ms), ms)
        print(f"batch of {n:2d}: fp32 {best['fp32']:6.1f} ms a call, bf16 {best['bf16']:6.1f}, "
              f"bf16/fp32 {best['bf16'] / best['fp32']:.2f}")


def closeness(fp32: SentenceEmbedder, bf16: SentenceEmbedder, news_dev: Path) -> None:
    sentences = news_texts(news_dev, 150)[0][:2000]
    f, b = fp32.encode(sentences), bf16.encode(sentences)
    stored = lambda v: dequantize(quantize(v))              # noqa: E731 (the index's int8 codes)
    rng = np.random.default_rng(0)
    i, j = rng.integers(0, len(sentences), 50_000), rng.integers(0, len(sentences), 50_000)

    def cosine(x, y):
        c = (x * y).sum(1)
        return f"min {c.min():.6f} mean {c.mean():.6f}"

    def pairs(x, y):
        d = np.abs((x[i] * x[j]).sum(1) - (y[i] * y[j]).sum(1))
        return f"mean {d.mean():.1e} max {d.max():.1e}"

    print(f"{len(sentences)} sentences; vector cosine to fp32: bf16 {cosine(f, b)}; "
          f"int8 codes of fp32 {cosine(f, stored(f))}")
    print(f"pair similarity moved: bf16 {pairs(f, b)}; int8 codes {pairs(f, stored(f))}; "
          f"stored fp32 against stored bf16 {pairs(stored(f), stored(b))}")


def main(argv: list[str]) -> None:
    if len(argv) != 2 or argv[1] not in ("cost", "batches", "closeness"):
        raise SystemExit(__doc__)
    torch.set_num_threads(1)
    fp32 = SentenceEmbedder(precision="fp32", query_threads=1)
    fp32.warm_up()
    bf16 = fp32.with_precision("bf16")
    {"cost": cost, "batches": batches, "closeness": closeness}[argv[1]](fp32, bf16, Path(argv[0]))


if __name__ == "__main__":
    main(sys.argv[1:])
