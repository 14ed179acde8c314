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
vote's own choice (the candidate the short answer shows). Reads the ``answers`` of QUESTIONS only to label candidates.
"""

import datetime
import json
import math
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from rag.answering.short import candidate_scores, candidates, quoted_sentences, vote
from rag.engine import Engine
from rag.search.recency import asked_on
from rag.settings import Settings
from rag.text.normalize import normalize_answer_text
from rag.text.questions import question_target
from rag.text.words import content_words


def _day(text: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat((text or "")[:10])
    except ValueError:
        return None


def _normal(text: str) -> str:
    return normalize_answer_text(text, drop_articles=True)


def candidate_group(engine: Engine, question: dict) -> dict | None:
    """One question's candidates: their features, whether each is a gold answer,
    and which the vote chooses; ``None`` when the question gets no vote."""
    target = question_target(question["question"])
    if not target.phrase:
        return None
    answer = engine.answer(question["question"], **asked_on(question, engine.settings))
    if answer.abstained:
        return None
    hits, quoted = answer.hits, quoted_sentences(answer)
    phrases = candidates(question["question"], hits, quoted, target)
    if not phrases:
        return None
    asked = frozenset(normalize_answer_text(" ".join(content_words(question["question"]))).split())
    scores = candidate_scores(phrases, hits, asked)
    top = max(scores.values())
    asked_day = _day(question.get("date"))
    days = [_day(h.date) for h in hits]
    newest = max((d for d in days if d), default=None)
    now = asked_day or newest
    gold = {_normal(g) for g in question["answers"]}
    features, labels = [], []
    for key, score in scores.items():
        mine = [p for p in phrases if p.key == key]
        dated = [days[p.hit_pos] for p in mine if days[p.hit_pos]]
        age = min((now - d).days for d in dated) if dated and now else 365
        features.append([
            math.log(score + 1e-3), score / top,
            len({hits[p.hit_pos].article_id for p in mine}),
            min(p.hit_pos for p in mine), max(p.stating for p in mine),
            any((p.hit_pos, p.sentence[0]) in quoted for p in mine),
            len(set(key.split()) - asked or key.split()), math.log(1 + max(age, 0)),
            bool(dated and newest and max(dated) == newest), len(mine),
            key.startswith(("#", "@")), any(p.hit_pos == 0 for p in mine)])
        labels.append(bool(({_normal(p.text) for p in mine} | {key}) & gold))
    return {"X": np.array(features, float), "y": np.array(labels), "keys": list(scores),
            "vote": vote(phrases, hits, asked)[0]}


def cross_validated(groups: list[dict], strength: float, seed: int) -> int:
    """Questions whose first candidate is a gold one, each ranked by a model
    trained on the other four fifths."""
    right = 0
    for fold in np.array_split(np.random.default_rng(seed).permutation(len(groups)), 5):
        held_out = set(fold.tolist())
        train = [g for i, g in enumerate(groups) if i not in held_out]
        x, y = np.vstack([g["X"] for g in train]), np.concatenate([g["y"] for g in train])
        mean, spread = x.mean(0), x.std(0) + 1e-9
        model = LogisticRegression(C=strength, max_iter=2000).fit((x - mean) / spread, y)
        for i in fold:
            scores = model.decision_function((groups[i]["X"] - mean) / spread)
            right += bool(groups[i]["y"][int(np.argmax(scores))])
    return right


def main(index: str, questions_file: str) -> None:
    questions = [json.loads(line) for line in
                 Path(questions_file).read_text(encoding="utf-8").splitlines()]
    engine = Engine(Settings.from_env().replace(index_dir=Path(index)))
    engine.warm_up()
    groups = [g for q in questions if (g := candidate_group(engine, q)) is not None]
    with_gold = sum(bool(g["y"].any()) for g in groups)
    by_vote = sum(bool(g["y"][g["keys"].index(g["vote"])]) for g in groups)
    print(f"{len(groups)} questions with a vote, {with_gold} with a gold candidate; "
          f"the vote's choice is gold for {by_vote}")
    for strength in (0.1, 1.0, 10.0):
        print(f"C {strength}: a gold candidate first, per shuffle:",
              [cross_validated(groups, strength, seed) for seed in range(5)])


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(*sys.argv[1:])
