"""Experiment (issue 3, not in the product): further passage signals on top of
the default hybrid + article + recency scores, scored as news-dev AR@5 with
each question asked as of its date.

    python benchmarks/experiments/passage_signals.py INDEX_DIR NEWS_DEV_DIR

INDEX_DIR: an index of news-dev's articles.jsonl built with ``rag build``.
Captures each question's dense and BM25 candidate lists once (300 each), then
re-scores them in-process the way ``Retriever._score`` does (the first line
must reproduce the default's AR@5) with one extra signal at a time:

* lead: a bonus for an article's first passage (news ledes carry who/what/where);
* centroid: the article's mean passage vector as another article-relevance signal;
* dense PRF: the question vector moved towards the fused top passages (Rocchio);
* future half-life: freshness that falls faster for stories published after
  the as-of date than before it;
* sentence proximity: the share of the question's IDF that the passage's best
  sentence (or pair of sentences) covers, for the fused top 30;
* candidates: how often the answer is anywhere in the top N (any reranker's ceiling).
"""
import collections
import math
import sys
from pathlib import Path

import numpy as np

from rag.app.evaluation import answer_rank, read_news
from rag.engine import Engine
from rag.index.vectors import index_vectors
from rag.models.embedding import make_embedder
from rag.search import recency
from rag.search.diversity import diversify
from rag.search.fusion import convex_fusion, min_max
from rag.settings import Settings
from rag.text.sentences import split_sentences
from rag.text.words import tokenize

settings = Settings.from_env().replace(index_dir=Path(sys.argv[1]))
embedder = make_embedder(settings)
retriever = Engine(settings, embedder).retriever
index = retriever.index
questions = read_news(Path(sys.argv[2])).questions
article_of = [c.article_id for c in index.chunks]
texts = [c.text for c in index.chunks]
vecs, ids = index_vectors(index.faiss_index)
V = np.zeros_like(vecs)
V[[index.position[int(i)] for i in ids]] = vecs

captured = []
for q in questions:
    qv = embedder.encode([q["question"]])
    captured.append(dict(q=q, qv=qv[0], dense=dict(index.search(qv, 300)[0]),
                         bm25=retriever._bm25(q["question"], None, 300),
                         bm25a=retriever._bm25_articles(q["question"], index, None, 300)))

ordinal, seen = [0] * len(texts), collections.Counter()
for pos in sorted(range(len(texts)), key=lambda p: (article_of[p], index.chunks[p].start)):
    ordinal[pos] = seen[article_of[pos]]
    seen[article_of[pos]] += 1
days = {aid: recency.parse_day(a.date) for aid, a in index.articles.items()}


def top(scores, n):
    return dict(sorted(scores.items(), key=lambda x: -x[1])[:n])


def ar5(extra=None, k=5, cap=None, freshness=recency.Freshness, dense_of=None):
    s = settings
    cap = s.max_per_article if cap is None else cap
    hits = 0
    for i, r in enumerate(captured):
        dense = top(dense_of(i, r) if dense_of else r["dense"], s.candidates)
        bm25, bm25a = top(r["bm25"], s.candidates), top(r["bm25a"], s.candidates)
        best = {}
        for pos, score in dense.items():
            best[article_of[pos]] = max(best.get(article_of[pos], -1.0), score)
        w = [s.dense_weight, 1 - s.dense_weight]
        passages, articles = convex_fusion([dense, bm25], w), convex_fusion([best, bm25a], w)
        fresh = freshness(days, recency.parse_day(r["q"]["date"]), s.recency_half_life_days)
        a, rw = s.article_weight, s.recency_weight
        scores = {p: (1 - rw) * ((1 - a) * v + a * articles.get(article_of[p], 0.0))
                  + rw * fresh(article_of[p]) for p, v in passages.items()}
        if extra:
            scores = extra(r, scores)
        ranked = sorted(scores, key=lambda p: (-round(scores[p], 4), p))
        chosen = diversify(ranked, k, text=lambda p: texts[p], group=lambda p: article_of[p],
                           duplicate_above=s.duplicate_above, max_per_group=cap)
        hits += answer_rank([texts[p] for p in chosen], r["q"]["answers"]) is not None
    return round(hits / len(captured), 3)


print("default (re-scored in-process)", ar5(), flush=True)
for n in (10, 20, 30, 50, 100):
    print(f"answer in the top {n} (no cap): {ar5(k=n, cap=0)}", flush=True)

for bonus in (0.02, 0.05, 0.1, 0.2):
    print("lead bonus", bonus,
          ar5(lambda r, sc, b=bonus: {p: v + b * (ordinal[p] == 0) for p, v in sc.items()}),
          flush=True)

articles = sorted(set(article_of))
row = {aid: i for i, aid in enumerate(articles)}
C = np.zeros((len(articles), V.shape[1]), np.float32)
np.add.at(C, [row[aid] for aid in article_of], V)
C /= np.linalg.norm(C, axis=1, keepdims=True)
for mix in (0.05, 0.1, 0.2):
    def centroid(r, sc, mix=mix):
        cos = C @ r["qv"]
        near = min_max({articles[j]: float(cos[j]) for j in np.argsort(-cos)[:100]})
        return {p: v + mix * near.get(article_of[p], 0.0) for p, v in sc.items()}
    print("article centroid", mix, ar5(centroid), flush=True)

for m, beta in ((3, 0.5), (5, 0.5), (5, 1.0), (10, 0.5)):
    fused_top = []
    ar5(lambda r, sc: fused_top.append(sorted(sc, key=lambda p: -sc[p])[:m]) or sc)

    def moved(i, r, beta=beta):
        q = r["qv"] + beta * V[fused_top[i]].mean(0)
        cos = V @ (q / np.linalg.norm(q))
        return {int(p): float(cos[p]) for p in np.argsort(-cos)[:300]}
    print("dense PRF top", m, "beta", beta, ar5(dense_of=moved), flush=True)

for future in (30, 14, 7, 3):
    class Asymmetric(recency.Freshness):
        def _of(self, day, future=future):
            d = (self.as_of - day).days
            return 0.5 ** (abs(d) / (self.half_life_days if d >= 0 else future))
    print("future half-life", future, ar5(freshness=Asymmetric), flush=True)

df = collections.Counter(w for t in texts for w in set(tokenize(t)))
idf = {w: math.log(1 + (len(texts) - n + 0.5) / (n + 0.5)) for w, n in df.items()}
sentences = {}


def best_sentences(terms, pos, window):
    if pos not in sentences:
        sentences[pos] = [set(tokenize(texts[pos][a:b])) for a, b in split_sentences(texts[pos])]
    total = sum(idf.get(w, 0.0) for w in terms) or 1.0
    spans = sentences[pos]
    return max((sum(idf.get(w, 0.0) for w in terms & set().union(*spans[i:i + window])) / total
                for i in range(len(spans))), default=0.0)


for window in (1, 2):
    for lam in (0.05, 0.1, 0.3, 0.5):
        def proximity(r, sc, lam=lam, window=window):
            terms = set(tokenize(r["q"]["question"]))
            near = {p: best_sentences(terms, p, window)
                    for p in sorted(sc, key=lambda p: -sc[p])[:30]}
            return {p: v + lam * near.get(p, 0.0) for p, v in sc.items()}
        print("sentence proximity window", window, "lambda", lam, ar5(proximity), flush=True)
