"""Experiment (issues 17, 19): a shorter recency half-life only for questions that say they
are about the present ("this week", "recently", ...)? (docs/retrieval.md, "How the recency
defaults were chosen").

    python benchmarks/experiments/question_recency.py INDEX NEWS_DEV_DIR

One engine per half-life (60 days, the default, and 7, 14, 30) over INDEX (read only);
every answerable question of NEWS_DEV_DIR/questions.jsonl retrieved as of its date; the
share whose five passages hold a gold answer (normalised, as the answers' check reads it),
for every question on one half-life, and for the questions matching ``RECENT`` on a shorter
one while the others keep 60 days. Reads the ``answers`` only to check the passages.
"""
import json
import re
import sys
from pathlib import Path

from rag.engine import Engine
from rag.search.recency import asked_on
from rag.settings import Settings
from rag.text.normalize import normalize_answer_text

RECENT = re.compile(r"\b(this (week|weekend|past week|past weekend|month)|recently|latest|"
                    r"newest|upcoming|currently)\b", re.IGNORECASE)
HALF_LIVES = (60, 7, 14, 30)


def holds_gold(engine: Engine, question: dict) -> bool:
    hits = engine.retrieve(question["question"], 5, **asked_on(question, engine.settings))
    text = normalize_answer_text(" ".join(h.text for h in hits), drop_articles=True)
    return any(normalize_answer_text(g, drop_articles=True) in text for g in question["answers"])


def main(index: str, news_dev: str) -> None:
    questions = [json.loads(line) for line in
                 (Path(news_dev) / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    questions = [q for q in questions if q.get("answer_in_corpus")]
    settings = Settings.from_env().replace(index_dir=Path(index))
    found = {}
    for days in HALF_LIVES:
        engine = Engine(settings.replace(recency_half_life_days=float(days)))
        engine.warm_up()
        found[days] = [holds_gold(engine, q) for q in questions]
    recent = [bool(RECENT.search(q["question"])) for q in questions]
    print(f"{len(questions)} answerable questions; {sum(recent)} say they are about the present")
    print(f"all on 60 days: {sum(found[60]) / len(questions):.3f}")
    for days in HALF_LIVES[1:]:
        mixed = [found[days][i] if recent[i] else found[60][i] for i in range(len(questions))]
        print(f"those on {days} days, the others on 60: {sum(mixed) / len(questions):.3f}; "
              f"all on {days}: {sum(found[days]) / len(questions):.3f}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(*sys.argv[1:])
