"""Experiment (issue 17): can a learned ranker choose short answers better than the vote?
(docs/answers.md, "Tried on 2026-11-27 and left out").

    python benchmarks/experiments/candidate_ranker.py INDEX QUESTIONS

Answers every typed question of QUESTIONS (news-dev's questions.jsonl, as of its date) over
INDEX with the settings of the environment (run with ``RAG_SHORT_ANSWER=1
RAG_CORROBORATE=0``), collects each candidate's features (its vote and share of the best,
articles, best passage rank, nearness, quoted sentence, words, age against the question's
date, newest article, occurrences, number or date, in the first passage) and whether it is a
gold answer, then trains a logistic regression in five folds of the questions (five
shuffles, three strengths): how many questions get a gold candidate first, against the
vote's own first choice. Reads the ``answers`` of QUESTIONS only to label candidates.
"""

import datetime
import json
import math
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from rag.answering import short as S
from rag.engine import Engine
from rag.search.recency import asked_on
from rag.settings import Settings
from rag.text.normalize import normalize_answer_text as N
from rag.text.questions import question_target
from rag.text.sentences import sentence_at
from rag.text.words import content_words

if len(sys.argv) != 3:
    raise SystemExit(__doc__)
qs = [json.loads(line) for line in open(sys.argv[2], encoding="utf-8")]
eng = Engine(Settings.from_env().replace(index_dir=Path(sys.argv[1])))
eng.warm_up()


def day(s):
    try:
        return datetime.date.fromisoformat(s[:10])
    except Exception:
        return None


groups = []
for q in qs:
    t = question_target(q["question"])
    if not t.phrase:
        continue
    a = eng.answer(q["question"], **asked_on(q, eng.settings))
    if a.abstained:
        continue
    hits = a.hits
    quoted = set()
    pos_of = {
        c.number: i for c in a.citations for i, h in enumerate(hits) if h == c.hit
    }
    for c in a.citations:
        for qs_, _ in c.quotes:
            if sn := sentence_at(c.hit.text, qs_, c.hit.start):
                quoted.add((pos_of.get(c.number), sn[0]))
    ph = S.candidates(q["question"], hits, quoted, t)
    if not ph:
        continue
    asked = frozenset(N(" ".join(content_words(q["question"]))).split())
    scores = S.candidate_scores(ph, hits, asked)
    tokens = {
        p.key: frozenset(p.key.split()) - asked or frozenset(p.key.split()) for p in ph
    }
    top = max(scores.values())
    qday = day(q.get("date") or "")
    days = [day(h.date or "") for h in hits]
    newest = max((d for d in days if d), default=None)
    gold = {N(g, drop_articles=True) for g in q["answers"]}
    feats, labels, keys = [], [], []
    for k in scores:
        occ = [p for p in ph if p.key == k]
        arts = {hits[p.hit_pos].article_id for p in occ}
        ds = [days[p.hit_pos] for p in occ if days[p.hit_pos]]
        age = (
            min(((qday or newest) - d).days for d in ds)
            if ds and (qday or newest)
            else 365
        )
        fresh = (max(ds) == newest) if ds and newest else False
        texts = {N(p.text, drop_articles=True) for p in occ} | {k}
        feats.append(
            [
                math.log(scores[k] + 1e-3),
                scores[k] / top,
                len(arts),
                min(p.hit_pos for p in occ),
                max(p.stating for p in occ),
                any((p.hit_pos, p.sentence[0]) in quoted for p in occ),
                len(tokens[k]),
                math.log(1 + max(age, 0)),
                fresh,
                len(occ),
                k.startswith(("#", "@")),
                any(p.hit_pos == 0 for p in occ),
            ]
        )
        labels.append(bool(texts & gold))
        keys.append(k)
    groups.append(
        dict(
            id=q["id"],
            X=np.array(feats, float),
            y=np.array(labels),
            keys=keys,
            vote_pick=max(scores, key=lambda k: (scores[k], len(tokens[k]), k)),
        )
    )
with_gold = sum(g["y"].any() for g in groups)
vote_right = sum(g["y"][g["keys"].index(g["vote_pick"])] for g in groups)
print(
    len(groups),
    "groups,",
    with_gold,
    "with gold among keys; vote top-1 right:",
    vote_right,
)
for C in (0.1, 1.0, 10.0):
    res = []
    for seed in range(5):
        order = np.random.default_rng(seed).permutation(len(groups))
        folds = np.array_split(order, 5)
        right = 0
        for f in folds:
            test = set(f.tolist())
            Xtr = np.vstack(
                [groups[i]["X"] for i in range(len(groups)) if i not in test]
            )
            ytr = np.concatenate(
                [groups[i]["y"] for i in range(len(groups)) if i not in test]
            )
            mu, sd = Xtr.mean(0), Xtr.std(0) + 1e-9
            m = LogisticRegression(C=C, max_iter=2000).fit((Xtr - mu) / sd, ytr)
            for i in f:
                g = groups[i]
                s = m.decision_function((g["X"] - mu) / sd)
                right += g["y"][int(np.argmax(s))]
        res.append(right)
    print("C", C, "CV top-1 right per shuffle:", [int(r) for r in res])
