"""``rag-bench backends``: the embedding backends compared on a BEIR data set.

Speed encoding the whole corpus (wall and CPU seconds) and dense nDCG@10 with
one vector per document, for each backend (torch, ONNX, ONNX int8). The data
is read and nDCG is computed as ``rag eval beir`` does (:mod:`rag.app.evaluation`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, Sequence

from rag.app.evaluation import ndcg_at_k, read_beir
from rag.settings import Settings

from .measure import machine_load

__all__ = ["BACKENDS", "compare_backends", "format_backends"]

#: Every embedding backend, the first the reference the others are compared to.
BACKENDS = ("torch", "onnx", "onnx-int8")


def compare_backends(beir_dir: Path, settings: Settings,
                     backends: Sequence[str] = BACKENDS, *,
                     log: Callable[[str], None] | None = None) -> list[dict]:
    """Each embedding backend on a BEIR data set (e.g. SciFact): speed encoding
    the whole corpus (wall and CPU seconds) and dense nDCG@10 with one vector
    per document (title + abstract, cut at the model's 256 tokens). The
    comparison isolates the model: same texts, same exact search."""
    import faiss

    from rag.models.embedding import make_embedder

    log = log or (lambda message: None)
    data = read_beir(beir_dir)
    texts = [f"{a.title or ''}\n{a.text}".strip() for a in data.articles]
    rows = []
    for backend in backends:
        embedder = make_embedder(settings.replace(embed_backend=backend))
        embedder.encode(texts[:16])  # load (and export) outside the timing
        log(f"{backend}: encoding {len(texts)} documents")
        started, cpu = time.perf_counter(), time.process_time()
        docs = embedder.encode(texts)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        query_vectors = embedder.encode(list(data.queries.values()))
        top = faiss.knn(query_vectors, docs, 10, metric=faiss.METRIC_INNER_PRODUCT)[1]
        ndcg = [ndcg_at_k([data.articles[i].id for i in row], data.qrels[qid], 10)
                for qid, row in zip(data.queries, top)]
        rows.append({"backend": backend, "docs_per_s": round(len(texts) / wall, 2),
                     "cpu_ms_per_doc": round(1000 * cpu / len(texts), 2),
                     "ndcg@10": round(sum(ndcg) / len(ndcg), 4), "load": machine_load()})
        del embedder, docs
    base = rows[0]
    for row in rows:
        row["speedup_wall"] = round(row["docs_per_s"] / base["docs_per_s"], 2)
        row["speedup_cpu"] = round(base["cpu_ms_per_doc"] / row["cpu_ms_per_doc"], 2)
        row["ndcg_change"] = round(row["ndcg@10"] - base["ndcg@10"], 4)
    return rows


def format_backends(rows: list[dict]) -> str:
    head = ("backend", "docs/s", "CPU ms/doc", "speedup (wall / CPU)", "nDCG@10", "change", "load")
    lines = [head] + [(r["backend"], f"{r['docs_per_s']:.1f}", f"{r['cpu_ms_per_doc']:.1f}",
                       f"{r['speedup_wall']:.2f}x / {r['speedup_cpu']:.2f}x",
                       f"{r['ndcg@10']:.4f}", f"{r['ndcg_change']:+.4f}", str(r["load"][0]))
                      for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    return "\n".join("  ".join(cell.rjust(w) for cell, w in zip(line, widths)) for line in lines)
