"""``rag-bench corroboration``: how often answers are corroborated on a real collection.

For every question of a quiz file (news-dev's ``questions.jsonl``), answer it,
corroborate it, and count the answer sentences that more than one outlet
reports. Every corroboration is written to ``corroborations.jsonl``, every
disagreement to ``disagreements.jsonl``, and a fixed random sample of the
corroborations is printed for checking by hand (the README says how many of
that sample were right). With ``--calibrate`` it also writes every
candidate pair above a low similarity floor with its lexical verdict
(``candidates.jsonl``), the data the thresholds were chosen on; with
``--labels`` (pair keys judged by hand: same fact or not) it reports how
precise corroboration is for each similarity threshold and number of shared
words.
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path
from typing import Callable, Iterable

from rag.corroboration.corroborator import in_time
from rag.search.recency import asked_on
from rag.types import outlet_name

__all__ = ["run_corroboration_bench", "format_corroboration_bench", "pair_key",
           "load_labels", "threshold_table", "format_threshold_table"]


def run_corroboration_bench(engine, questions_path: Path, out_dir: Path, *,
                            limit: int | None = None, offset: int = 0,
                            sample: int = 20, seed: int = 8,
                            calibrate_floor: float | None = None,
                            labels: dict[str, bool] | None = None,
                            log: Callable[[str], None] = lambda m: None) -> dict:
    """Answer and corroborate every question; write the details to ``out_dir``.
    With ``calibrate_floor``, also every candidate pair above it, and with
    ``labels`` (see :func:`load_labels`) the precision/recall table."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    questions = [json.loads(line) for line in Path(questions_path).read_text().splitlines()
                 if line.strip()]
    questions = questions[offset:offset + limit if limit is not None else None]
    corroborations, candidates, disagreements = [], [], []
    n_answered = n_sentences = n_two_outlets = n_two_supporting = n_disagreements = 0
    for n, record in enumerate(questions, 1):
        question = record["question"]
        raw = engine.answerer.answer(question, **asked_on(record, engine.settings))
        if calibrate_floor is not None and not raw.abstained:
            for sentence, matches in zip(raw.sentences,
                                         engine.corroborator.matches(raw, calibrate_floor)):
                for m in matches:
                    candidates.append({"key": pair_key(sentence.text, m.candidate.text),
                                       "question": question, "sentence": sentence.text,
                                       "candidate": m.candidate.text, "evidence": m.evidence,
                                       "outlet": outlet_name(m.candidate.hit),
                                       "similarity": round(m.similarity, 4),
                                       "shared_words": m.shared_words,
                                       "days_apart": m.days_apart, "verdict": m.verdict})
        reply = engine.corroborate(raw)
        if reply.abstained:
            continue
        n_answered += 1
        n_disagreements += len(reply.disagreements)
        for d in reply.disagreements:
            disagreements.append({"question": question, "kind": d.kind, "about": d.about,
                                  "sides": [{"outlet": side.outlet, "value": side.value,
                                             "quote": _quote(side.citation)}
                                            for side in d.sides]})
        by_number = {c.number: c for c in reply.citations}
        for sentence in reply.sentences:
            n_sentences += 1
            n_two_outlets += len(sentence.outlets) >= 2
            n_two_supporting += len({c.article_id for c in sentence.supporting}) >= 2
            own = [by_number[k] for k in sentence.citations if k in by_number]
            for citation in sentence.supporting:
                hit = citation.hit
                quote = _quote(citation)
                corroborations.append({
                    "question": question, "sentence": sentence.text,
                    "own_outlet": outlet_name(own[0].hit) if own else "",
                    "own_date": own[0].hit.date if own else None,
                    "outlet": outlet_name(hit), "date": hit.date, "quote": quote})
        if n % 20 == 0:
            log(f"{n}/{len(questions)} questions")
    _write_jsonl(out_dir / "corroborations.jsonl", corroborations)
    _write_jsonl(out_dir / "disagreements.jsonl", disagreements)
    if calibrate_floor is not None:
        _write_jsonl(out_dir / "candidates.jsonl", candidates)
    picked = random.Random(seed).sample(corroborations, min(sample, len(corroborations)))
    _write_jsonl(out_dir / "sample.jsonl", picked)
    share = (lambda k: round(k / n_sentences, 3) if n_sentences else 0.0)
    result = {
        "questions": len(questions), "answered": n_answered, "answer_sentences": n_sentences,
        "share_reported_by_2plus_outlets": share(n_two_outlets),
        "share_with_2plus_supporting_articles": share(n_two_supporting),
        "corroborations": len(corroborations), "disagreements": n_disagreements,
        "corroborate_min_similarity": engine.settings.corroborate_min_similarity,
        "sample": picked, "out_dir": str(out_dir),
    }
    if calibrate_floor is not None:
        result["candidate_pairs"] = len(candidates)
        if labels is not None:
            steps = int((0.85 - calibrate_floor) / 0.05) + 1
            result["thresholds"] = threshold_table(
                candidates, labels, [calibrate_floor + 0.05 * i for i in range(steps)],
                min_shared=range(2, 8),
                max_days_apart=engine.settings.corroborate_max_days_apart)
    return result


def load_labels(path) -> dict[str, bool]:
    """Hand judgements: JSON lines with a pair ``key`` and ``same_fact``."""
    rows = (json.loads(line) for line in Path(path).read_text().splitlines() if line.strip())
    return {row["key"]: bool(row["same_fact"]) for row in rows}


def pair_key(sentence: str, candidate: str) -> str:
    """A short stable name for an (answer sentence, candidate) pair: labels
    refer to pairs by it, so no article text has to be stored with them."""
    return hashlib.sha1(f"{sentence}\x00{candidate}".encode()).hexdigest()[:16]


def threshold_table(candidates: Iterable[dict], labels: dict[str, bool],
                    thresholds: Iterable[float], min_shared: Iterable[int] = (2,),
                    max_days_apart: int | None = None) -> list[dict]:
    """Precision and recall of corroboration for each similarity threshold and
    minimum of shared content words, over the labelled pairs (``labels``:
    pair key -> same fact or not).

    A pair counts as corroboration when the lexical verdict is ``support``,
    its similarity reaches the threshold, the sentences share enough words
    and (with ``max_days_apart``) their articles are close enough in time;
    recall is over every labelled pair that states the same fact.
    """
    pairs = {}
    for row in candidates:
        if row["key"] in labels:
            supported = row["verdict"] == "support" and \
                in_time(row.get("days_apart"), max_days_apart)
            pairs[row["key"]] = (row["similarity"], row.get("shared_words", 0), supported,
                                 labels[row["key"]])
    n_true = sum(label for *_, label in pairs.values())
    table = []
    for words in min_shared:
        for t in thresholds:
            kept = [label for sim, shared, support, label in pairs.values()
                    if support and sim >= t and shared >= words]
            right = sum(kept)
            table.append({"min_shared_words": words, "threshold": round(t, 3),
                          "corroborations": len(kept), "right": right,
                          "precision": round(right / len(kept), 3) if kept else None,
                          "recall": round(right / n_true, 3) if n_true else None})
    return table


def format_threshold_table(table: list[dict]) -> str:
    lines = ["shared words  threshold  kept  right  precision  recall"]
    for row in table:
        lines.append(f"{row['min_shared_words']:>12}  {row['threshold']:>9}  "
                     f"{row['corroborations']:>4}  {row['right']:>5}  "
                     f"{row['precision'] if row['precision'] is not None else '-':>9}  "
                     f"{row['recall'] if row['recall'] is not None else '-':>6}")
    return "\n".join(lines)


def format_corroboration_bench(result: dict) -> str:
    lines = [f"{k}: {v}" for k, v in result.items() if k not in ("sample", "thresholds")]
    lines.append(f"\nSample of {len(result['sample'])} corroborations (check by hand):")
    for n, c in enumerate(result["sample"], 1):
        lines += [f"\n{n}. [{c['own_outlet']}] {c['sentence']}",
                  f"   [{c['outlet']}] {c['quote']}"]
    return "\n".join(lines)


def _write_jsonl(path: Path, rows) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def _quote(citation) -> str:
    """The sentences a citation quotes (its whole passage when it names none)."""
    hit = citation.hit
    return " ".join(hit.text[a - hit.start:b - hit.start] for a, b in citation.quotes) \
        or hit.text
