"""Experiment (issue 3, not in the product): re-rank the fused top N passages
by fused score + lambda * the best answer score of their sentences; prints
lambda, AR@5 with the per-article cap of 2, AR@5 without a cap.

    python benchmarks/experiments/sentence_rerank.py INDEX_DIR NEWS_DEV_DIR [N] [CACHE_DIR]

INDEX_DIR: an index of news-dev's articles.jsonl built with ``rag build``;
sentence vectors are cached in CACHE_DIR (default: a temporary directory).
"""
import sys
import tempfile
from pathlib import Path

from rag.answering.extractive import Answerer
from rag.app.evaluation import answer_rank, read_news
from rag.engine import Engine
from rag.models.cache import CachedEmbedder
from rag.models.embedding import make_embedder
from rag.search.diversity import diversify
from rag.settings import Settings

N = int(sys.argv[3]) if len(sys.argv) > 3 else 30
cache_dir = Path(sys.argv[4]) if len(sys.argv) > 4 else Path(tempfile.mkdtemp())
s = Settings.from_env().replace(index_dir=Path(sys.argv[1]), max_candidates=10**6)
emb = make_embedder(s)
engine = Engine(s, emb)
data = read_news(Path(sys.argv[2]))
qs = [q for q in data.questions if q.get("answer_in_corpus", True)]
cached = CachedEmbedder(emb, cache_dir=cache_dir)
ans = Answerer(s, engine.retriever.retrieve, cached)
rows = []
for i, q in enumerate(qs):
    hits = engine.retrieve(q["question"], N, max_per_article=0)
    ranked = ans.rank(q["question"], hits)
    best = {}
    for c in ranked:
        best[c.hit_pos] = max(best.get(c.hit_pos, -9), c.score)
    rows.append((q, [(h.text, h.article_id, h.score, best.get(j, 0.0)) for j, h in enumerate(hits)]))
    if i % 10 == 0: print(i, file=sys.stderr, flush=True)
def ar5(lam, cap=2, norm=True):
    ok = 0
    for q, hs in rows:
        sc = [h[2] + lam * h[3] for h in hs]
        order = sorted(range(len(hs)), key=lambda j: -sc[j])
        chosen = diversify(iter(order), 5, text=lambda j: hs[j][0], group=lambda j: hs[j][1],
                           duplicate_above=s.duplicate_above, max_per_group=cap)
        r = answer_rank([hs[j][0] for j in chosen], q["answers"])
        ok += r is not None and r <= 5
    return ok / len(rows)
for lam in (0, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2, 5):
    print(lam, round(ar5(lam), 3), round(ar5(lam, cap=0), 3))
