"""``rag-bench answers`` and ``rag-bench answers-diff``: did a change change any answer?

A speed or build change must leave the answers as they were (or make them
better, shown). ``answers`` answers every question of a quiz file over an
index and writes one JSON line per question: the answer text, its citations
(article, passage offset, quoted spans), each sentence's supporting and
conflicting citations and outlets, the disagreements, the short answer, and
the wall and CPU time it took. ``answers-diff`` compares two such files
question by question and says what differs, so "all 180 answers identical"
is a command anyone can run again, not a script in somebody's /tmp.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Callable

from rag.search.recency import asked_on

from .measure import percentiles_ms

__all__ = ["answer_record", "dump_answers", "load_records", "compare", "format_compare",
           "PARTS"]

#: What is compared, in the order a difference is reported.
PARTS = ("text", "citations", "short", "corroboration", "disagreements")


def _citation(c) -> list:
    return [c.number, c.hit.article_id, c.hit.start, [list(q) for q in c.quotes]]


def answer_record(question: str, answer, wall: float, cpu: float) -> dict:
    """One answer as plain JSON: everything a reader sees, and its cost."""
    short = answer.short
    return {
        "question": question,
        "text": answer.text,
        "abstained": answer.abstained,
        "citations": [_citation(c) for c in answer.citations],
        "short": None if short is None else {
            "text": short.text, "kind": short.kind,
            "spans": [[s.citation, s.article_id, s.start, s.end] for s in short.spans]},
        "corroboration": [{"sentence": s.text, "citations": list(s.citations),
                           "supporting": [_citation(c) for c in s.supporting],
                           "conflicting": [_citation(c) for c in s.conflicting],
                           "outlets": list(s.outlets)} for s in answer.sentences],
        "disagreements": [[d.kind, d.about,
                           [[side.outlet, side.value, side.citation.number] for side in d.sides]]
                          for d in answer.disagreements],
        "wall_ms": round(wall * 1000, 2),
        "cpu_ms": round(cpu * 1000, 2),
    }


def dump_answers(engine, questions: list[dict], out: Path, *,
                 log: Callable[[str], None] = lambda _: None) -> int:
    """Answer each question (as of its date, like ``rag eval answers``) and
    write its record to ``out`` as it goes; returns how many were written."""
    engine.warm_up()
    with Path(out).open("w", encoding="utf-8") as f:
        for n, q in enumerate(questions, 1):
            wall, cpu = time.perf_counter(), time.process_time()
            answer = engine.answer(q["question"], **asked_on(q, engine.settings))
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            f.write(json.dumps(answer_record(q["question"], answer, wall, cpu),
                               ensure_ascii=False) + "\n")
            f.flush()
            if n % 20 == 0:
                log(f"{n}/{len(questions)} questions")
    return len(questions)


def load_records(path: Path) -> list[dict]:
    """The records of an ``answers`` file; a one-line error for anything else."""
    records = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            raise ValueError(f"{path} line {number} is not JSON: write it with "
                             "`rag-bench answers ... --out FILE`") from None
        if not isinstance(record, dict) or "question" not in record or "text" not in record:
            raise ValueError(f"{path} line {number} is not an answer record: write it with "
                             "`rag-bench answers ... --out FILE`")
        records.append(record)
    return records


def _percentiles(milliseconds: list[float]) -> dict:
    if not milliseconds:
        return {"p50": None, "p95": None}
    p50, p95 = percentiles_ms([ms / 1000 for ms in milliseconds])
    return {"p50": p50, "p95": p95}


def _totals(records: list[dict]) -> dict:
    sentences = [s for r in records for s in r["corroboration"]]
    return {"wall_ms": _percentiles([r["wall_ms"] for r in records]),
            "cpu_ms": _percentiles([r["cpu_ms"] for r in records]),
            "supporting": sum(len(s["supporting"]) for s in sentences),
            "conflicting": sum(len(s["conflicting"]) for s in sentences),
            "disagreements": sum(len(r["disagreements"]) for r in records)}


def compare(before: list[dict], after: list[dict]) -> dict:
    """Question by question, which parts of the answers differ.

    Questions are matched by their text; ones in only one file are counted,
    not compared. ``same`` counts, per part and for ``all`` parts, the
    questions whose answers agree; ``differences`` lists the others."""
    after_by_question = {r["question"]: r for r in after}
    same = dict.fromkeys((*PARTS, "all"), 0)
    differences, compared = [], 0
    for b in before:
        a = after_by_question.get(b["question"])
        if a is None:
            continue
        compared += 1
        differ = [part for part in PARTS if b.get(part) != a.get(part)]
        for part in PARTS:
            same[part] += part not in differ
        same["all"] += not differ
        if differ:
            differences.append({"question": b["question"], "parts": differ,
                                "before": b["text"], "after": a["text"]})
    return {"compared": compared,
            "only_before": len(before) - compared,
            "only_after": len({r["question"] for r in after}
                              - {r["question"] for r in before}),
            "same": same, "differences": differences,
            "before": _totals(before), "after": _totals(after)}


def format_compare(result: dict) -> str:
    same, n = result["same"], result["compared"]
    lines = [f"{same['all']} of {n} answers identical"
             + "".join(f"; {part} {same[part]}/{n}" for part in PARTS)]
    if result["only_before"] or result["only_after"]:
        lines.append(f"questions in one file only: {result['only_before']} before, "
                     f"{result['only_after']} after")
    for side in ("before", "after"):
        t = result[side]
        lines.append(f"{side:6}  wall p50/p95 {t['wall_ms']['p50']} / {t['wall_ms']['p95']} ms, "
                     f"CPU p50/p95 {t['cpu_ms']['p50']} / {t['cpu_ms']['p95']} ms, "
                     f"supporting {t['supporting']}, conflicting {t['conflicting']}, "
                     f"disagreements {t['disagreements']}")
    for d in result["differences"]:
        lines.append(f"\n{d['question']}\n  differs in: {', '.join(d['parts'])}")
        if d["before"] != d["after"]:
            lines.append(f"  before: {d['before'][:200]}\n  after:  {d['after'][:200]}")
    return "\n".join(lines)
