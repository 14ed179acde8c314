"""Experiment (issue 3, not in the product): pseudo-relevance feedback for the
BM25 side of hybrid retrieval, scored as news-dev AR@5 / AR@1.

    python benchmarks/experiments/prf_bm25.py INDEX_DIR NEWS_DEV_DIR

INDEX_DIR: an index of news-dev's articles.jsonl built with ``rag build``.
"""
import sys
from collections import Counter
from pathlib import Path

from rag.app.evaluation import answer_rank, read_news
from rag.engine import Engine
from rag.models.embedding import make_embedder
from rag.settings import Settings
from rag.text.words import _BM25_WORD as _WORD
from rag.text.words import BM25_STOP_WORDS as STOPWORDS
from rag.text.words import tokenize

s = Settings.from_env().replace(index_dir=Path(sys.argv[1]))
engine = Engine(s, make_embedder(s))
data = read_news(Path(sys.argv[2]))
r = engine.retriever
r.warm_up()
lex = r.lexical.passages
indptr, docs, weights, idf = lex._postings
wid = lex._word_ids
orig_bm25, orig_art = r._bm25, r._bm25_articles
state = {"q": None}
r._bm25 = lambda q, allowed, n: orig_bm25(state["q"] or q, allowed, n)
r._bm25_articles = lambda q, index, allowed, n: orig_art(state["q"] or q, index, allowed, n)

def expand(question, m, T, rep):
    state["q"] = None
    hits = engine.retrieve(question, m, max_per_article=0)
    qstems = set(tokenize(question))
    score, raw = Counter(), {}
    for h in hits:
        words = [w for w in _WORD.findall(h.text.lower()) if w not in STOPWORDS and len(w) > 2 and not w.isdigit()]
        for w, st in zip(words, tokenize(" ".join(words))):
            if st in qstems or st not in wid: continue
            score[st] += idf[wid[st]]
            raw.setdefault(st, w)
    terms = [raw[st] for st, _ in score.most_common(T)]
    return " ".join([question] * rep + terms)

def ar(cfg):
    ok = []
    for q in data.questions:
        state["q"] = expand(q["question"], *cfg) if cfg else None
        hits = engine.retrieve(q["question"], 10)
        rk = answer_rank([h.text for h in hits], q["answers"])
        ok.append((rk is not None and rk <= 5, rk is not None and rk <= 1))
    return round(sum(a for a, _ in ok) / len(ok), 3), round(sum(b for _, b in ok) / len(ok), 3)
print("baseline", ar(None), flush=True)
for cfg in [(3, 5, 2), (3, 10, 2), (3, 10, 3), (5, 10, 2), (5, 20, 3), (2, 5, 1)]:
    print(cfg, ar(cfg), flush=True)
