"""Experiment (issue 19, item 1): what a build with stored sentence vectors costs, and why.

The figures of docs/performance.md, "The build with sentence vectors: the same vectors
for less" and "bfloat16 for the stored sentence vectors", in one script. The model runs in
fp32 unless said; CPU seconds are this process's (``time.process_time``). Samples are N
articles spread evenly over news-dev's ``articles.jsonl`` (line ``i * lines / N``):

    python benchmarks/experiments/build_cost.py tokens NEWS_DEV_DIR [N=150]
        Tokens of the model in the passages as a build embeds them (header + passage)
        and in their distinct sentences (the sentence file's texts).
    python benchmarks/experiments/build_cost.py padding NEWS_DEV_DIR [N=40]
        Tokens a batch pads to (its longest text times its size) against the real
        tokens, texts sorted by characters (sentence-transformers' order) or by tokens.
    python benchmarks/experiments/build_cost.py order NEWS_DEV_DIR [N=40]
        CPU seconds on one torch thread: the sentences sorted by characters in batches
        of 256 and 64 (sentence-transformers' own order, the build before), and by tokens
        (a build's batches, at most 64 tokens a text on average, here one after the other,
        batches of 64 / 128 / 256); the passages the same way in batches of 64; the largest
        difference of the vectors. The models are loaded before their timing starts.
    python benchmarks/experiments/build_cost.py threads NEWS_DEV_DIR [N=40]
        Wall and CPU seconds: token-sorted batches one at a time on torch's threads
        (every core) against one batch per core at once, each on one torch thread
        (``encode_longest_first``, what a build does).
    python benchmarks/experiments/build_cost.py onnx NEWS_DEV_DIR [N=40]
        ONNX Runtime fp32 and int8 against torch, one thread each, the same token-sorted
        batches.
    python benchmarks/experiments/build_cost.py usable NEWS_DEV_DIR
        Every 8th article: the share of the sentence tokens in sentences an answer
        cannot use (under five words; questions).
    python benchmarks/experiments/build_cost.py late NEWS_DEV_DIR [N=40]
        Late chunking: sentence vectors pooled from the passage pass's token states
        against the sentences' own vectors (cosines, pair similarities, neighbours).
    python benchmarks/experiments/build_cost.py sample NEWS_DEV_DIR OUT_DIR
        Writes every 8th line of articles.jsonl (149 articles, 146 after
        de-duplication) to OUT_DIR/articles.jsonl: the sample the builds are timed on.
    python benchmarks/experiments/build_cost.py build ARTICLES_DIR INDEX_DIR \
            [--checkout DIR] [ENV=VALUE ...]
        Times one ``rag build --quiet`` from scratch under ``nice -n 10`` in a child
        process (the code of DIR, default this checkout; ``git worktree add DIR 913a7f3``
        for the code before the build work), with the environment given
        (``RAG_SENTENCE_VECTORS=0``, ``RAG_SENTENCE_PRECISION=fp32``, ...): one JSON line
        with CPU (user + system), wall seconds, peak RSS and the load average before and
        after. Run the variants back to back: only rounds run together compare.
    python benchmarks/experiments/build_cost.py compare INDEX_A INDEX_B
        The vectors of two builds of the same articles (embedded indexes with sentence
        vectors): passages (largest difference, cosine, beside the int8 rounding of
        A's vectors), sentence keys, int8 codes, pair similarities.
"""
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from rag_bench.perf import build_texts

from rag.index.builder import chunk_articles
from rag.index.sentences import dequantize, quantize
from rag.ingest.articles import read_jsonl_articles
from rag.models.embedding import (
    OnnxEmbedder,
    SentenceEmbedder,
    batches_longest_first,
    encode_longest_first,
)
from rag.settings import Settings

REPOSITORY = Path(__file__).resolve().parents[2]


def spread(news_dev: Path, n: int) -> list:
    articles = read_jsonl_articles(news_dev / "articles.jsonl")
    return [articles[i * len(articles) // n] for i in range(n)]


def texts_of(articles: list) -> tuple[list, list[str], list[str]]:
    """The chunks, the passages as a build embeds them (in the chunks' order),
    their distinct sentences."""
    return chunk_articles(articles, Settings()), *build_texts(articles, Settings())


def fp32_model(**options) -> SentenceEmbedder:
    """The torch model in fp32, loaded and run once (its first call costs more)."""
    embedder = SentenceEmbedder(precision="fp32", **options)
    embedder.encode(["warm up"] * embedder.batch_size)
    return embedder


def timed(run) -> tuple[float, float, np.ndarray]:
    """Wall and CPU seconds of ``run()``, and what it returned."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = run()
    return time.perf_counter() - wall, time.process_time() - cpu, out


def one_at_a_time(model, texts: list[str], size: int = 64) -> np.ndarray:
    """A build's token-sorted batches, one after the other on this thread."""
    out = np.empty((len(texts), model.dim), np.float32)
    for rows in batches_longest_first(model, texts, size):
        out[rows] = model.encode([texts[i] for i in rows])
    return out


def tokens(news_dev: Path, n: int = 150) -> None:
    chunks, passages, sentences = texts_of(spread(news_dev, n))
    counts = fp32_model().token_counts
    p, s = sum(counts(passages)), sum(counts(sentences))
    print(f"{n} articles: {len(passages)} passages, {p} tokens ({p / len(passages):.0f} a "
          f"passage); {len(sentences)} distinct sentences, {s} tokens ({s / len(sentences):.0f} "
          f"a sentence); sentences / passages {s / p:.2f}x")


def padding(news_dev: Path, n: int = 40) -> None:
    _, passages, sentences = texts_of(spread(news_dev, n))
    counts = fp32_model().token_counts
    for name, texts, sizes in (("passages", passages, (64,)),
                               ("sentences", sentences, (32, 64, 256))):
        lengths = counts(texts)
        for key, length in (("characters", lambda i: len(texts[i])),
                            ("tokens", lengths.__getitem__)):
            ranked = [lengths[i] for i in sorted(range(len(texts)), key=length, reverse=True)]
            for size in sizes:
                padded = sum(max(ranked[i:i + size]) * len(ranked[i:i + size])
                             for i in range(0, len(ranked), size))
                print(f"{name} sorted by {key}, batches of {size}: padded to "
                      f"{padded / sum(ranked):.2f}x their {sum(ranked)} tokens")


def order(news_dev: Path, n: int = 40) -> None:
    import torch

    torch.set_num_threads(1)
    _, passages, sentences = texts_of(spread(news_dev, n))
    print(f"{n} articles: {len(passages)} passages, {len(sentences)} sentences; one torch thread, "
          f"load {os.getloadavg()[0]:.1f}")
    for name, texts, by_characters, by_tokens in (
            ("sentences", sentences, (256, 64), (64, 128, 256)),
            ("passages", passages, (64,), (64,))):
        for size in by_characters:
            model = fp32_model(batch_size=size)         # loaded outside the timing
            _, cpu, reference = timed(lambda: model.encode(texts))
            print(f"{name} by characters, batches of {size}: {cpu:.1f} CPU s")
        for size in by_tokens:
            model = fp32_model(batch_size=size, query_threads=1)
            _, cpu, vectors = timed(lambda: one_at_a_time(model, texts, size))
            print(f"{name} by tokens, batches of {size}: {cpu:.1f} CPU s, "
                  f"vectors within {np.abs(vectors - reference).max():.1e}")


def threads(news_dev: Path, n: int = 40) -> None:
    _, passages, sentences = texts_of(spread(news_dev, n))
    print(f"{n} articles, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    together = fp32_model(query_threads=0)          # every batch on torch's threads
    for name, texts in (("sentences", sentences), ("passages", passages)):
        wall, cpu, one = timed(lambda: one_at_a_time(together, texts))
        wall2, cpu2, per_core = timed(lambda: encode_longest_first(together, texts, 64))
        print(f"{name}: one batch at a time {wall:.1f} s wall, {cpu:.1f} CPU s; one batch per "
              f"core {wall2:.1f} s, {cpu2:.1f} CPU s; vectors within "
              f"{np.abs(one - per_core).max():.1e}")
    print(f"load after {os.getloadavg()[0]:.1f}")


def onnx(news_dev: Path, n: int = 40) -> None:
    import torch

    torch.set_num_threads(1)
    _, passages, sentences = texts_of(spread(news_dev, n))
    runtimes = {"ONNX Runtime fp32": OnnxEmbedder(batch_size=64, threads=1),
                "int8": OnnxEmbedder(batch_size=64, threads=1, int8=True)}
    for runtime in runtimes.values():
        runtime.encode(["warm up"] * 64)
    torch_model = fp32_model(query_threads=1)
    print(f"{n} articles, batches of 64 by tokens, one thread, load {os.getloadavg()[0]:.1f}")
    for name, texts in (("sentences", sentences), ("passages", passages)):
        _, cpu, ref = timed(lambda: one_at_a_time(torch_model, texts))
        print(f"{name}: torch {cpu:.1f} CPU s", end="")
        for label, runtime in runtimes.items():
            _, cpu, vectors = timed(lambda: one_at_a_time(runtime, texts))
            print(f", {label} {cpu:.1f} CPU s (cosine to torch min "
                  f"{(ref * vectors).sum(1).min():.4f})", end="")
        print(flush=True)


def usable(news_dev: Path) -> None:
    from rag.text.words import content_words

    _, sentences = build_texts(read_jsonl_articles(news_dev / "articles.jsonl")[::8], Settings())
    lengths = np.array(fp32_model().token_counts(sentences))
    short = np.array([len(s.split()) < 5 for s in sentences])
    few = np.array([len(content_words(s)) < 2 for s in sentences])
    question = np.array([s.rstrip(" \"'”’)").endswith("?") for s in sentences])
    share = lambda rows: lengths[rows].sum() / lengths.sum()  # noqa: E731
    print(f"{len(sentences)} sentences, {lengths.sum()} tokens; share of the tokens in sentences "
          f"under five words {share(short):.1%} (and under two content words "
          f"{share(short & few):.1%}), in questions {share(question):.1%}")


def late(news_dev: Path, n: int = 40) -> None:
    from tokenizers import Tokenizer

    from rag.models.embedding import default_model_path
    from rag.text.sentences import split_sentences

    articles = spread(news_dev, n)
    chunks, passages, sentences = texts_of(articles)
    model = fp32_model()
    own = dict(zip(sentences, encode_longest_first(model, sentences, 64)))
    tokenizer = Tokenizer.from_file(str(default_model_path() / "tokenizer.json"))
    tokenizer.enable_truncation(256)
    tokenizer.no_padding()
    pooled: dict[str, np.ndarray] = {}
    for start in range(0, len(chunks), 32):
        group, texts = chunks[start:start + 32], passages[start:start + 32]
        states = model._model.encode(texts, output_value="token_embeddings",
                                     convert_to_numpy=False, batch_size=32)
        for chunk, text, state in zip(group, texts, states):
            state, offsets = state.float().numpy(), tokenizer.encode(text).offsets
            shift = len(text) - len(chunk.text)       # the header before the passage
            for a, b in split_sentences(chunk.text, offset=chunk.start):
                sentence = chunk.text[a - chunk.start:b - chunk.start]
                lo, hi = a - chunk.start + shift, b - chunk.start + shift
                rows = [j for j, (x, y) in enumerate(offsets) if y > x and x >= lo and y <= hi]
                if rows and sentence not in pooled:
                    v = state[rows].mean(0)
                    pooled[sentence] = v / np.linalg.norm(v)
    cos = np.array([pooled[s] @ own[s] for s in pooled])
    keys = list(pooled)[:1500]
    L, I = np.vstack([pooled[s] for s in keys]), np.vstack([own[s] for s in keys])
    sl, si = L @ L.T, I @ I.T
    upper = np.triu_indices(len(keys), 1)
    nearest = lambda sims: np.argmax(sims - 9 * np.eye(len(keys)), axis=1)  # noqa: E731
    print(f"{len(pooled)} sentences: cosine pooled / own mean {cos.mean():.2f}, median "
          f"{np.median(cos):.2f}, 10th percentile {np.percentile(cos, 10):.2f}; pair similarities "
          f"correlate {np.corrcoef(sl[upper], si[upper])[0, 1]:.2f}; same nearest neighbour "
          f"{(nearest(sl) == nearest(si)).mean():.0%}")


def sample(news_dev: Path, out: str) -> None:
    lines = (news_dev / "articles.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    Path(out).mkdir(parents=True, exist_ok=True)
    (Path(out) / "articles.jsonl").write_text("".join(lines[::8]), encoding="utf-8")
    print(f"{len(lines[::8])} articles in {Path(out) / 'articles.jsonl'}")


def build(articles: Path, index: str, *options: str) -> None:
    # The build runs in the checkout: the caller's relative paths, made absolute.
    articles, index = articles.resolve(), str(Path(index).resolve())
    checkout, env = REPOSITORY, dict(os.environ)
    options = list(options)
    if options[:1] == ["--checkout"]:
        checkout, options = Path(options[1]).resolve(), options[2:]
    env.update(option.split("=", 1) for option in options)
    env.update(PYTHONPATH=str(checkout), GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1")
    shutil.rmtree(index, ignore_errors=True)
    before, load = resource.getrusage(resource.RUSAGE_CHILDREN), os.getloadavg()[0]
    wall = time.perf_counter()
    subprocess.run(["nice", "-n", "10", sys.executable, "-m", "rag", "build", "--quiet",
                    "--articles", str(articles), "--index", index],
                   cwd=checkout, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    user, system = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
    print(json.dumps({"checkout": str(checkout), "env": options, "cpu_s": round(user + system, 1),
                      "user_s": round(user, 1), "system_s": round(system, 1),
                      "wall_s": round(wall, 1), "max_rss_mb": round(after.ru_maxrss / 1024),
                      "load": [round(load, 2), round(os.getloadavg()[0], 2)]}))


def compare(first: str, second: str) -> None:
    import faiss

    from rag.index.store import live_version
    from rag.index.vectors import index_vectors

    def load(index: str):
        version = live_version(Path(index))
        vectors, ids = index_vectors(faiss.read_index(str(version / "vectors.faiss")))
        stored = np.load(version / "sentence-vectors.npz")
        return vectors[np.argsort(ids)], stored["keys"], stored["codes"]

    (pa, ka, ca), (pb, kb, cb) = load(first), load(second)
    cos = (pa * pb).sum(1)
    rounded = (pa * dequantize(quantize(pa))).sum(1)
    print(f"passages {pa.shape}: largest difference {np.abs(pa - pb).max():.1e}, cosine min "
          f"{cos.min():.6f} mean {cos.mean():.6f}; the int8 rounding of the first's: cosine min "
          f"{rounded.min():.6f} mean {rounded.mean():.6f}")
    same_keys = ka.shape == kb.shape and bool((ka == kb).all())
    print(f"sentence keys: {len(ka)} and {len(kb)}, {'the same' if same_keys else 'different'}")
    if not same_keys:
        return
    diff = np.abs(ca.astype(int) - cb.astype(int))
    ua, ub = dequantize(ca), dequantize(cb)
    rng = np.random.default_rng(0)
    i, j = rng.integers(0, len(ka), 50_000), rng.integers(0, len(ka), 50_000)
    pairs = np.abs((ua[i] * ua[j]).sum(1) - (ub[i] * ub[j]).sum(1))
    print(f"int8 codes: {(diff.max(1) == 0).mean():.2%} of rows identical, largest difference "
          f"{diff.max()} code units; dequantized cosine min {(ua * ub).sum(1).min():.6f}; pair "
          f"similarity moved mean {pairs.mean():.1e} max {pairs.max():.1e} (50,000 pairs)")


COMMANDS = {"tokens": tokens, "padding": padding, "order": order, "threads": threads,
            "onnx": onnx, "usable": usable, "late": late, "sample": sample, "build": build,
            "compare": compare}


def main(argv: list[str]) -> None:
    if len(argv) < 2 or argv[0] not in COMMANDS:
        raise SystemExit(__doc__)
    command, rest = COMMANDS[argv[0]], argv[2:]
    if command in (tokens, padding, order, threads, onnx, late):
        rest = [int(x) for x in rest]
    first = argv[1] if command is compare else Path(argv[1])
    command(first, *rest)


if __name__ == "__main__":
    main(sys.argv[1:])
