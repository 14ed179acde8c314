"""``rag-bench indexing``: index maintenance: full build, incremental add, size on disk.

    rag-bench indexing ../shared/eval/news-dev/articles.jsonl --work /tmp/bench-index

Steps, each timed on the real model:

1. a full build of the collection into ``WORK/index``;
2. a no-change ``build`` (what ``rag build`` costs when nothing changed);
3. adding one new article (``--new``, default: a seed article that is not in
   news-dev) with :meth:`Index.add` in the warm process, counting the texts
   the model embedded, then removing it again;
4. the same add from the command line (``rag add``), a cold process that
   must start Python and load the model first, then removing it again.

With ``--built INDEX`` (an index of the same articles built earlier) step 1
is replaced by a copy of it. Prints a Markdown table (or the results as JSON)
and writes ``WORK/results.json``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from rag.index.builder import Index
from rag.index.store import StoredIndex, index_size_bytes
from rag.models.embedding import SentenceEmbedder
from rag.settings import Settings

__all__ = ["DEFAULT_NEW", "run", "table"]

#: A seed article that is not in news-dev (the checkout's seeds/, next to benchmarks/).
DEFAULT_NEW = Path(__file__).resolve().parents[2] / "seeds" / "000_e223778168a361c0.txt"


class CountingEmbedder:
    """Wraps the real embedder to count how many texts it embeds."""

    def __init__(self, inner):
        self.inner, self.texts = inner, 0

    @property
    def name(self):
        return self.inner.name

    @property
    def dim(self):
        return self.inner.dim

    def encode(self, texts, **kw):
        self.texts += len(texts)
        return self.inner.encode(texts, **kw)


def run(articles: Path, work: Path, new: Path, built: Path | None = None) -> dict:
    """The benchmark; ``built`` is an index of ``articles`` built earlier, copied
    instead of doing the full build (to re-measure the incremental steps)."""
    work.mkdir(parents=True, exist_ok=True)
    index_dir = work / "index"
    shutil.rmtree(index_dir, ignore_errors=True)
    if built is not None:
        shutil.copytree(built, index_dir)
    settings = Settings.from_env().replace(articles_dir=articles, index_dir=index_dir)
    model = SentenceEmbedder(settings.model_name, settings.model_path, settings.embed_batch_size)
    model.warm_up()
    embedder = CountingEmbedder(model)
    index = Index(settings, embedder)
    results: dict = {"articles_path": str(articles)}

    if built is None:
        full = index.build(full=True, progress=True)
        results["full_build"] = {"seconds": round(full.seconds, 1), "articles": full.articles,
                                 "chunks": full.chunks, "skipped": len(full.skipped),
                                 "steps": {k: round(v, 1) for k, v in full.timings.items()}}
    results["size_mb"] = round(index_size_bytes(index_dir) / 1e6, 1)

    noop = index.build(progress=False)
    results["unchanged_build_seconds"] = round(noop.seconds, 2)

    target = work / "new-article.txt"
    shutil.copyfile(new, target)
    before, cpu = embedder.texts, time.process_time()
    added = index.add([target])
    cpu = time.process_time() - cpu
    article_id = target.stem
    own_chunks = sum(1 for c in StoredIndex.load(index_dir).chunks if c.article_id == article_id)
    results["add_one_warm"] = {
        "seconds": round(added.seconds, 2), "cpu_seconds": round(cpu, 2),
        "chunks_embedded": added.chunks_embedded,
        "texts_the_model_embedded": embedder.texts - before, "chunks_of_that_article": own_chunks,
        "steps": {k: round(v, 2) for k, v in added.timings.items()}}
    results["remove_one_seconds"] = round(index.remove([article_id]).seconds, 2)

    started = time.perf_counter()
    cli = subprocess.run([sys.executable, "-m", "rag", "add", "--quiet", "--articles",
                          str(articles), "--index", str(index_dir), str(target)],
                         capture_output=True, text=True)
    results["add_one_cli_cold_seconds"] = round(time.perf_counter() - started, 1)
    if cli.returncode != 0:
        raise SystemExit(f"rag add failed: {cli.stderr}")
    index.remove([article_id])
    # The machine may be shared: the times only mean something next to the load.
    results["load_average"] = round(os.getloadavg()[0], 1)
    (work / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    return results


def table(r: dict) -> str:
    f, a = r.get("full_build"), r["add_one_warm"]
    return "\n".join([
        "| measure | result |", "|---|---|",
        *([f"| full build ({f['articles']} articles, {f['chunks']} chunks, {f['skipped']} "
           f"skipped) | {f['seconds']} s ({_steps(f)}) |"] if f else []),
        f"| `rag build` with nothing changed | {r['unchanged_build_seconds']} s |",
        f"| add one article, warm process (`Index.add`) | {a['seconds']} s, CPU "
        f"{a['cpu_seconds']} s ({_steps(a)}); "
        f"embedded {a['texts_the_model_embedded']} texts = that article's "
        f"{a['chunks_of_that_article']} chunks |",
        f"| add one article, `rag add` from a cold start | {r['add_one_cli_cold_seconds']} s |",
        f"| remove one article | {r['remove_one_seconds']} s |",
        f"| index size on disk | {r['size_mb']} MB |",
        f"| load average (1 min) at the end | {r.get('load_average')} |"])


def _steps(row: dict) -> str:
    """``read 0.3 s, chunk+embed 0.2 s, save 0.4 s`` from a row's step timings."""
    return ", ".join(f"{name} {seconds} s" for name, seconds in row["steps"].items())
