"""``rag corroborate-bench``: how often answers are corroborated on a real collection.

For every question of a quiz file (news-dev's ``questions.jsonl``), answer it,
corroborate it, and count the answer sentences that more than one outlet
reports. Every corroboration is written to ``corroborations.jsonl`` and a
fixed random sample of them is printed for checking by hand (the README says
how many of that sample were right). With ``--calibrate`` it also writes every
candidate pair above a low similarity floor with its lexical verdict
(``candidates.jsonl``), the data the thresholds were chosen on.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Callable

from .citations import outlet_name

__all__ = ["run_corroboration_bench", "format_corroboration_bench"]


def run_corroboration_bench(engine, questions_path: Path, out_dir: Path, *,
                            limit: int | None = None, sample: int = 20, seed: int = 8,
                            calibrate_floor: float | None = None,
                            log: Callable[[str], None] = lambda m: None) -> dict:
    """Answer and corroborate every question; write the details to ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    questions = [json.loads(line) for line in Path(questions_path).read_text().splitlines()
                 if line.strip()][:limit]
    corroborations, candidates = [], []
    n_answered = n_sentences = n_two_outlets = n_two_supporting = n_disagreements = 0
    for n, record in enumerate(questions, 1):
        question = record["question"]
        raw = engine.answerer.answer(question)
        if calibrate_floor is not None and not raw.abstained:
            for sentence, matches in zip(raw.sentences,
                                         engine.corroborator.matches(raw, calibrate_floor)):
                for m in matches:
                    candidates.append({"question": question, "sentence": sentence.text,
                                       "candidate": m.candidate.text, "evidence": m.evidence,
                                       "outlet": outlet_name(m.candidate.hit),
                                       "similarity": round(m.similarity, 4),
                                       "verdict": m.verdict})
        reply = engine.corroborate(raw)
        if reply.abstained:
            continue
        n_answered += 1
        n_disagreements += len(reply.disagreements)
        by_number = {c.number: c for c in reply.citations}
        for sentence in reply.sentences:
            n_sentences += 1
            n_two_outlets += len(sentence.outlets) >= 2
            n_two_supporting += len({c.article_id for c in sentence.supporting}) >= 2
            own = [by_number[k] for k in sentence.citations if k in by_number]
            for citation in sentence.supporting:
                hit = citation.hit
                article = hit.text
                quote = " ".join(article[a - hit.start:b - hit.start]
                                 for a, b in citation.quotes)
                corroborations.append({
                    "question": question, "sentence": sentence.text,
                    "own_outlet": outlet_name(own[0].hit) if own else "",
                    "own_date": own[0].hit.date if own else None,
                    "outlet": outlet_name(hit), "date": hit.date, "quote": quote})
        if n % 20 == 0:
            log(f"{n}/{len(questions)} questions")
    _write_jsonl(out_dir / "corroborations.jsonl", corroborations)
    if calibrate_floor is not None:
        _write_jsonl(out_dir / "candidates.jsonl", candidates)
    picked = random.Random(seed).sample(corroborations, min(sample, len(corroborations)))
    _write_jsonl(out_dir / "sample.jsonl", picked)
    share = (lambda k: round(k / n_sentences, 3) if n_sentences else 0.0)
    return {
        "questions": len(questions), "answered": n_answered, "answer_sentences": n_sentences,
        "share_reported_by_2plus_outlets": share(n_two_outlets),
        "share_with_2plus_supporting_articles": share(n_two_supporting),
        "corroborations": len(corroborations), "disagreements": n_disagreements,
        "corroborate_min_similarity": engine.settings.corroborate_min_similarity,
        "sample": picked, "out_dir": str(out_dir),
    }


def format_corroboration_bench(result: dict) -> str:
    lines = [f"{k}: {v}" for k, v in result.items() if k != "sample"]
    lines.append(f"\nSample of {len(result['sample'])} corroborations (check by hand):")
    for n, c in enumerate(result["sample"], 1):
        lines += [f"\n{n}. [{c['own_outlet']}] {c['sentence']}",
                  f"   [{c['outlet']}] {c['quote']}"]
    return "\n".join(lines)


def _write_jsonl(path: Path, rows) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
