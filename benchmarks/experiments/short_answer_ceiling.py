"""Experiment (issue 17): how far can choosing among the candidates take the short answer?
(docs/answers.md, "How far choosing can go").

    python benchmarks/experiments/short_answer_ceiling.py INDEX QUESTIONS [--statements]

For each question of QUESTIONS (news-dev's questions.jsonl, each searched as of its date) over
INDEX, with the settings of the environment (run with ``RAG_SHORT_ANSWER=1
RAG_CORROBORATE=0``):

1. **The vote as it is**: EM / F1 of the short answer the product shows.
2. **A perfect chooser among the vote's N best candidates** (N = 1, 2, 3, 5, all): a
   question counts when one of them, as any passage writes it, is a gold answer. The
   passages, the question typing and the candidates stay the product's.
3. **A perfect chooser over more passages**: every candidate of the top 5 / 10 / 20
   passages (the vote ignored), typed questions only.

With ``--statements``, also a re-scorer tried and left out: each of the vote's five best
candidates put in the place of the question's asking words ("Which athlete became ..." ->
"LeBron James became ..."), embedded with the product's model, and scored by the log of
its vote plus w times the cosine of that statement with the best of its own sentences; and
the statement searched for (as of the question's date, 10 passages), scored by the log of
its vote plus w times log(1 + the articles among those passages that state the candidate,
each by 1/sqrt(1 + its rank)).

Reads the ``answers`` of QUESTIONS only to score.
"""

import json
import math
import re
import sys
from collections import defaultdict
from pathlib import Path

from rag.answering.short import candidate_scores, candidates, quoted_sentences
from rag.app.evaluation import exact_match, token_f1
from rag.engine import Engine
from rag.search.recency import asked_on
from rag.settings import Settings
from rag.text.normalize import normalize_answer_text
from rag.text.questions import question_target
from rag.text.words import content_words

_ASKING = re.compile(r"\bhow (?:many|much)\b|\bwho\b|\bwhere\b|\bwhen\b|\bwhich\b|\bwhat\b"
                     r"|\bthis \w+", re.IGNORECASE)


def statement(question: str, noun: str, candidate: str) -> str:
    """``question`` with ``candidate`` in place of its asking words."""
    text = question.rstrip("?:. ")
    if noun:
        asking = re.compile(r"\b(?:which|what)\s+(?:[\w-]+\s+){0,3}?%s\b" % re.escape(noun),
                            re.IGNORECASE)
        if asking.search(text):
            return asking.sub(candidate, text, count=1) + "."
    if m := _ASKING.search(text):
        return text[:m.start()] + candidate + text[m.end():] + "."
    return f"{text} {candidate}."


def ranked_candidates(engine: Engine, question: dict, answer) -> list[dict]:
    """The vote's candidates, best first: each key's score, the texts its
    passages write, and its sentences (best occurrence first)."""
    target = question_target(question["question"])
    phrases = candidates(question["question"], answer.hits, quoted_sentences(answer), target)
    asked = frozenset(normalize_answer_text(" ".join(content_words(question["question"]))).split())
    scores = candidate_scores(phrases, answer.hits, asked)
    out = []
    for key in sorted(scores, key=lambda k: -scores[k]):
        mine = sorted((p for p in phrases if p.key == key), key=lambda p: -p.weight)
        written = defaultdict(float)
        for p in mine:
            written[p.text] += p.weight
        sentences = [answer.hits[p.hit_pos].text[p.sentence[0] - answer.hits[p.hit_pos].start:
                                                 p.sentence[1] - answer.hits[p.hit_pos].start]
                     for p in mine[:3]]
        out.append({"key": key, "score": scores[key], "texts": list(written),
                    "text": max(written, key=written.get) if written else key,
                    "sentences": sentences})
    return out


def _stated_in(candidate: dict, hits) -> float:
    """How many articles of ``hits`` state ``candidate``, each by its best rank."""
    forms = {normalize_answer_text(t, drop_articles=True) for t in candidate["texts"]}
    articles: dict[str, float] = {}
    for rank, hit in enumerate(hits):
        text = f" {normalize_answer_text(hit.text, drop_articles=True)} "
        if any(form and f" {form} " in text for form in forms):
            articles.setdefault(hit.article_id, 1 / math.sqrt(1 + rank))
    return sum(articles.values())


def _right(candidate: dict, gold: list[str]) -> bool:
    return any(exact_match(t, gold) for t in candidate["texts"]) if candidate["texts"] else False


def main(index: str, questions_path: str, statements: bool = False) -> None:
    questions = [json.loads(line) for line in open(questions_path, encoding="utf-8")]
    settings = Settings.from_env().replace(index_dir=Path(index))
    engine = Engine(settings)
    engine.warm_up()
    n = len(questions)
    shown_em = shown_f1 = 0.0
    within = defaultdict(int)
    rescored: dict[float, int] = defaultdict(int)
    searched: dict[float, int] = defaultdict(int)
    weights = (0.25, 0.5, 1.0, 2.0, 4.0)
    for q in questions:
        answer = engine.answer(q["question"], **asked_on(q, settings))
        if answer.short:
            shown_em += exact_match(answer.short.text, q["answers"])
            shown_f1 += token_f1(answer.short.text, q["answers"])
        target = question_target(q["question"])
        if answer.abstained or not target.phrase or answer.short is None \
                or answer.short.kind == "verdict":
            continue
        ranked = ranked_candidates(engine, q, answer)
        for size in (1, 2, 3, 5, len(ranked)):
            within[size if size <= 5 else "all"] += any(_right(c, q["answers"])
                                                        for c in ranked[:size])
        if statements and ranked:
            top = ranked[:5]
            texts = [statement(q["question"], target.noun, c["text"]) for c in top]
            texts += [s for c in top for s in c["sentences"]]
            vectors = engine.vectors.encode(texts)
            at = len(top)
            for i, c in enumerate(top):
                own = vectors[at:at + len(c["sentences"])]
                at += len(c["sentences"])
                c["cosine"] = float(max(own @ vectors[i])) if len(own) else 0.0
            for c, said in zip(top, texts):
                c["found"] = _stated_in(c, engine.retrieve(said, k=10, **asked_on(q, settings)))
            for w in weights:
                best = max(top, key=lambda c: math.log(c["score"]) + w * c["cosine"])
                rescored[w] += _right(best, q["answers"])
                best = max(top, key=lambda c: math.log(c["score"]) + w * math.log(1 + c["found"]))
                searched[w] += _right(best, q["answers"])
    print(f"questions {n}")
    print(f"the vote as shown: EM {shown_em / n:.3f} F1 {shown_f1 / n:.3f} "
          f"({shown_em:.0f} exact)")
    print("a perfect chooser among the vote's best N candidates (short answers shown):")
    for size in (1, 2, 3, 5, "all"):
        print(f"  N={size}: {within[size]} exact, EM {within[size] / n:.3f} "
              "(plus the verdicts the vote gets right)")
    if statements:
        print("statements re-scored (the five best; right as any passage writes them):")
        for w in weights:
            print(f"  w={w}: {rescored[w]} against {within[1]} for the vote's first")
        print("statements searched for (the five best; the articles of 10 passages stating them):")
        for w in weights:
            print(f"  w={w}: {searched[w]} against {within[1]} for the vote's first")
    print("a perfect chooser over every candidate of the top k passages (typed questions):")
    for k in (5, 10, 20):
        em = f1 = 0.0
        for q in questions:
            target = question_target(q["question"])
            if not target.phrase:
                continue
            hits = engine.retrieve(q["question"], k=k, **asked_on(q, settings))
            texts = {p.text for p in candidates(q["question"], hits, target=target)}
            if texts:
                em += max(exact_match(t, q["answers"]) for t in texts)
                f1 += max(token_f1(t, q["answers"]) for t in texts)
        print(f"  k={k}: EM {em / n:.3f} F1 {f1 / n:.3f} ({em:.0f} exact)")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 2:
        sys.exit(__doc__.split("\n\n")[1])
    main(*args, statements="--statements" in sys.argv)
