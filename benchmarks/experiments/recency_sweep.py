"""Experiment (issue 3): how the recency defaults were chosen, scored as
news-dev AR@5 with each question asked as of its date.

    python benchmarks/experiments/recency_sweep.py INDEX_DIR NEWS_DEV_DIR

INDEX_DIR: an index of news-dev's articles.jsonl built with ``rag build``.
Prints AR@1/5/10 for recency_weight x half-life, then for hard date windows
(recency off; only articles from N days before the question's date to 2 days
after), then for the fusion settings with recency on (are the defaults still
the best?).
"""
import datetime as dt
import sys
from pathlib import Path

from rag.app.evaluation import answer_rank, read_news
from rag.engine import Engine
from rag.models.embedding import make_embedder
from rag.settings import Settings

base = Settings.from_env().replace(index_dir=Path(sys.argv[1]))
embedder = make_embedder(base)
data = read_news(Path(sys.argv[2]))


def ar(engine, options_for):
    ranks = [answer_rank([h.text for h in engine.retrieve(q["question"], 10, **options_for(q))],
                         q["answers"]) for q in data.questions]
    return tuple(round(sum(r is not None and r <= k for r in ranks) / len(ranks), 3)
                 for k in (1, 5, 10))


as_of_question = lambda q: {"as_of": q["date"]}  # noqa: E731
print("recency off", ar(Engine(base.replace(recency_weight=0.0), embedder), as_of_question))
for weight, half_lives in [(0.15, (30, 60, 120)), (0.2, (30, 60, 120)), (0.25, (30, 60, 120)),
                           (0.3, (30, 60, 120)), (0.35, (60, 90)), (0.4, (60, 90)),
                           (0.5, (60, 90))]:
    for half_life in half_lives:
        engine = Engine(base.replace(recency_weight=weight,
                                     recency_half_life_days=float(half_life)), embedder)
        print("weight", weight, "half-life", half_life, ar(engine, as_of_question), flush=True)

off = Engine(base.replace(recency_weight=0.0), embedder)
for days in (7, 14, 30, 60):
    def window(q, days=days):
        day = dt.date.fromisoformat(q["date"])
        return {"date_from": str(day - dt.timedelta(days=days)),
                "date_to": str(day + dt.timedelta(days=2))}
    print("window", days, "days before", ar(off, window), flush=True)

for changes in [{"dense_weight": 0.3}, {"dense_weight": 0.4}, {"dense_weight": 0.6},
                {"article_weight": 0.2}, {"article_weight": 0.4}, {"fusion": "rrf"}]:
    print("recency on,", changes, ar(Engine(base.replace(**changes), embedder), as_of_question),
          flush=True)
